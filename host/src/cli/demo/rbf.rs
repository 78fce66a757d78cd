//! `embedml demo rbf` — seed 002 (SPEC §1): 20 "blue" points from N(0, 0.5²) (class 1) and
//! 10 + 10 "red" points from N(±2, 0.5²) (class 0); the model `h = φ(x·w_h)`,
//! `y = σ(h·w_o − 1)` with `φ(z) = e^{−z²}`, started at `w_h = 2, w_o = −5`, trained by
//! full-batch gradient descent on the **summed** cross-entropy with the learning rate 0.2
//! decayed linearly to 0 over 30 iterations.
//!
//! The model is core's typed [`Mlp`](embedml::models::mlp::Mlp) with sizes `[1, 1, 1]`,
//! activations `[Rbf, Identity]`, binary cross-entropy and parameters
//! `[w_h, b_h, w_o, b_o] = [2, 0, −5, −1]`; the biases are frozen by zeroing their gradients
//! before each step. No math is written here.

use embedml::kernels::loss::Loss;
use embedml::optim::{Optimizer, Sgd};
use embedml::{mlp_type, Activation, Parameters, Rng};

use crate::error::Result;

/// The demo's network type: 1 input, 1 RBF hidden unit, 1 output.
pub type RbfNet = mlp_type!(1, 1, 1);

const EXAMPLES: &str = "\
Examples:
  embedml demo rbf
  embedml demo rbf --seed 7 --json";

/// Arguments of `embedml demo rbf`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Seed for the data draw.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Gradient-descent iterations (the learning rate reaches 0 at the last one).
    #[arg(long, default_value_t = 30)]
    pub iterations: u32,
    /// Initial learning rate.
    #[arg(long, default_value_t = 0.2)]
    pub lr: f32,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// What the demo computed.
#[derive(Debug, Clone, PartialEq)]
pub struct RbfRun {
    /// Summed cross-entropy before the first update, then after every update
    /// (`iterations + 1` values).
    pub costs: Vec<f32>,
    /// Final hidden weight.
    pub w_h: f32,
    /// Final output weight.
    pub w_o: f32,
    /// Fraction of the 40 training points classified correctly (`y ≥ 0.5` ⇒ blue).
    pub accuracy: f32,
    /// Fraction of (blue, red) pairs where the blue point gets the higher output (ties count
    /// half; the area under the ROC curve): 1 when the
    /// learned output separates the classes at some threshold (the seed's fixed output bias
    /// −1 often keeps the 0.5 threshold from being the best one).
    pub separation: f32,
}

/// The seed-002 data set: inputs and targets (1 = blue, 0 = red), 40 points.
pub fn data(seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(40);
    let mut t = Vec::with_capacity(40);
    for (mean, count, class) in [(0.0, 20, 1.0), (-2.0, 10, 0.0), (2.0, 10, 0.0)] {
        for _ in 0..count {
            x.push(rng.normal_with(mean, 0.5));
            t.push(class);
        }
    }
    (x, t)
}

/// Summed cross-entropy of `net` over the data (gradients are left zeroed).
fn cost(net: &mut RbfNet, x: &[f32], t: &[f32]) -> Result<f32> {
    net.zero_grads();
    let mut c = 0.0;
    for (xi, ti) in x.iter().zip(t) {
        c += net.accumulate(&[*xi], &[*ti])?;
    }
    net.zero_grads();
    Ok(c)
}

/// Runs the seed-002 training on the data drawn from `seed`.
pub fn train(seed: u64, iterations: u32, lr: f32) -> Result<RbfRun> {
    let (x, t) = data(seed);
    let mut net = RbfNet::with_params(
        &[1, 1, 1],
        &[Activation::Rbf, Activation::Identity],
        Loss::BinaryCrossEntropy,
        &[2.0, 0.0, -5.0, -1.0],
    )?;
    let mut opt = Sgd::with_linear_decay(lr, iterations);
    let mut costs = Vec::with_capacity(iterations as usize + 1);
    for _ in 0..iterations {
        net.zero_grads();
        let mut c = 0.0;
        for (xi, ti) in x.iter().zip(&t) {
            c += net.accumulate(&[*xi], &[*ti])?;
        }
        costs.push(c);
        // Summed (not averaged) gradient; the biases b_h = 0 and b_o = −1 stay fixed.
        let (params, grads) = net.params_and_grads_mut();
        grads[1] = 0.0;
        grads[3] = 0.0;
        opt.step(params, grads, &mut [])?;
    }
    costs.push(cost(&mut net, &x, &t)?);
    let mut correct = 0;
    let mut ys = Vec::with_capacity(x.len());
    for (xi, ti) in x.iter().zip(&t) {
        let mut y = [0.0f32];
        net.predict(&[*xi], &mut y)?;
        if (y[0] >= 0.5) == (*ti == 1.0) {
            correct += 1;
        }
        ys.push(y[0]);
    }
    let (mut pairs, mut ordered) = (0usize, 0usize);
    for (yb, tb) in ys.iter().zip(&t) {
        for (yr, tr) in ys.iter().zip(&t) {
            if *tb == 1.0 && *tr == 0.0 {
                pairs += 1;
                // AUC convention: a tie counts half.
                ordered += 2 * usize::from(yb > yr) + usize::from(yb == yr);
            }
        }
    }
    let p = net.params();
    Ok(RbfRun {
        costs,
        w_h: p[0],
        w_o: p[2],
        accuracy: correct as f32 / x.len() as f32,
        separation: ordered as f32 / (2 * pairs.max(1)) as f32,
    })
}

/// Runs `embedml demo rbf`.
pub fn run(args: Args) -> Result<()> {
    let r = train(args.seed, args.iterations, args.lr)?;
    if args.json {
        let obj = serde_json::json!({
            "demo": "rbf",
            "seed": args.seed,
            "costs": r.costs,
            "final_cost": r.costs.last(),
            "w_h": r.w_h,
            "w_o": r.w_o,
            "accuracy": r.accuracy,
            "separation": r.separation,
        });
        println!("{obj}");
    } else {
        println!(
            "seed 002 RBF network: h = exp(-(x*w_h)^2), y = sigmoid(h*w_o - 1); data seed {}",
            args.seed
        );
        for (i, c) in r.costs.iter().enumerate() {
            println!("iteration {i:>3}  cost {c:.4}");
        }
        println!(
            "final cost {:.2} with w_h = {:.2}, w_o = {:.2}; training accuracy {:.3} \
             (threshold 0.5), blue ranked above red in {:.1}% of pairs",
            r.costs.last().copied().unwrap_or(f32::NAN),
            r.w_h,
            r.w_o,
            r.accuracy,
            100.0 * r.separation
        );
        println!("(seed 002 reports cost 13.53, w_h 0.76, w_o 2.92 on its own random draw)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's NumPy code (`backprop_update` × 30, lr 0.2 decremented by 0.2/30 before
    /// each update), run in float64 on the data `data(0)` draws, gives initial cost
    /// 88.071831, final cost 22.782782, w_h 4.530758, w_o 3.580828, accuracy 0.7.
    #[test]
    fn matches_the_seed_code_on_the_same_draw() {
        let r = train(0, 30, 0.2).unwrap();
        assert_eq!(r.costs.len(), 31);
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-4 * b.abs().max(1.0);
        assert!(close(r.costs[0], 88.071_83), "{r:?}");
        assert!(close(r.costs[30], 22.782_78), "{r:?}");
        assert!(close(r.w_h, 4.530_758) && close(r.w_o, 3.580_828), "{r:?}");
        assert_eq!(r.accuracy, 0.7);
    }

    #[test]
    fn cost_falls_and_classes_separate() {
        for seed in 0..8 {
            let r = train(seed, 30, 0.2).unwrap();
            // The start (w_o = −5) calls the blue class red; training must more than halve
            // the cost without ever raising it, turn w_o positive (RBF near 0 → blue) and rank
            // blue above red.
            assert!(r.costs[30] < 0.5 * r.costs[0], "seed {seed}: {:?}", r.costs);
            assert!(
                r.costs.windows(2).all(|w| w[1] <= w[0] + 1e-3),
                "seed {seed}: {:?}",
                r.costs
            );
            // The first update (lr 0.2 on a gradient summed over 40 points) is large; on some
            // draws (seed 6 here) it throws w_h so far that every h ≈ 0 and training stalls,
            // as the seed's NumPy code does on unlucky draws of its own. The default draw and
            // most others end up ranking blue above red.
            if seed != 6 {
                assert!(r.w_o > 0.0, "seed {seed}: {r:?}");
                assert!(r.separation >= 0.8, "seed {seed}: {r:?}");
            }
        }
    }

    #[test]
    fn data_has_the_seed_layout() {
        let (x, t) = data(3);
        assert_eq!(x.len(), 40);
        assert_eq!(t.iter().filter(|v| **v == 1.0).count(), 20);
        let blue_mean: f32 = x[..20].iter().sum::<f32>() / 20.0;
        let left_mean: f32 = x[20..30].iter().sum::<f32>() / 10.0;
        assert!(blue_mean.abs() < 0.4 && (left_mean + 2.0).abs() < 0.5);
    }
}
