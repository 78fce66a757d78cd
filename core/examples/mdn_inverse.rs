//! PRML Fig 5.19 with the core crate alone: a mixture density network learns the **inverse** of
//! `t = x + 0.3 sin(2πx) + noise`, which is three-valued in the middle, where a least-squares
//! net would average the branches.
//!
//! Everything here runs the same on a microcontroller (no allocator: the model, the optimizer
//! state and the batch are fixed arrays); only the data generation and the printing use `std`.
//!
//! ```sh
//! cargo run -p embedml --release --example mdn_inverse
//! ```

use embedml::models::mdn::ModeSearch;
use embedml::optim::Adam;
use embedml::{mdn_type, Activation, Parameters, Rng};

/// K = 3 components, L = 1 target, trunk 1 → 5 tanh → K (L + 2) = 9.
type Net = mdn_type!(3, 1; 1, 5, 9);
/// Its parameter count, known at compile time (64).
const P: usize = embedml::models::mlp::param_count(&[1, 5, 9]);

/// `n` points of the inverse problem: inputs `t`, targets `x`.
fn inverse_data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    (0..n)
        .map(|_| {
            let x = rng.uniform();
            let t = x + 0.3 * (2.0 * std::f32::consts::PI * x).sin() + rng.uniform_range(-0.1, 0.1);
            (t, x)
        })
        .unzip()
}

fn main() -> embedml::Result<()> {
    let mut rng = Rng::new(1);
    let (xs, ts) = inverse_data(&mut rng, 1000);
    let (fresh_x, fresh_t) = inverse_data(&mut Rng::new(999), 10_000);

    let mut net = Net::new(
        &[1, 5, 9],
        &[Activation::Tanh, Activation::Identity],
        3,
        1,
        0.0,
    )?;
    net.init_default(&mut rng);
    let mut opt = Adam::new(0.01);
    let mut state = [0.0f32; 2 * P]; // Adam: two moments per parameter
    assert_eq!(net.param_count(), P);

    const BATCH: usize = 50;
    let (mut bx, mut bt) = ([0.0f32; BATCH], [0.0f32; BATCH]);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let epochs = 2000;
    println!(
        "fresh-data NLL before training: {:.3}",
        net.mean_loss(&fresh_x, &fresh_t)?
    );
    for epoch in 0..epochs {
        // Step schedule: full rate, then 0.3×, then 0.1× for the last quarter.
        opt.lr = 0.01 * [1.0, 1.0, 0.3, 0.1][4 * epoch / epochs];
        rng.shuffle(&mut order);
        for chunk in order.chunks_exact(BATCH) {
            for (j, &i) in chunk.iter().enumerate() {
                bx[j] = xs[i];
                bt[j] = ts[i];
            }
            net.train_batch(&bx, &bt, &mut opt, &mut state)?;
        }
        if (epoch + 1) % 500 == 0 {
            let nll = net.mean_loss(&fresh_x, &fresh_t)?;
            println!("epoch {:4}: fresh-data NLL {nll:.3} nats", epoch + 1);
        }
    }

    // In the middle the inverse is trimodal: every branch carries a component.
    let mix = net.forward(&[0.5])?;
    println!("p(x | t = 0.5):");
    for c in 0..3 {
        println!(
            "  π = {:.3}  μ = {:.3}  σ = {:.3}",
            mix.pi(c),
            mix.mean_of(c)[0],
            mix.sigma()[c]
        );
    }
    let (mut modes, mut log_p, mut scratch) = ([0.0f32; 3], [0.0f32; 3], [0.0f32; 1]);
    mix.modes(&mut modes, &mut log_p, &mut scratch, ModeSearch::default())?;
    println!("  local modes {modes:.3?} (the true branches: 0.210, 0.500, 0.790)");
    let mut mean = [0.0f32];
    let variance = mix.mean_and_variance(&mut mean)?;
    println!(
        "  conditional mean {:.3} (variance {variance:.3}): between the branches",
        mean[0]
    );

    // One draw from p(x | t) with a caller-owned, seeded generator.
    let mut x = [0.0f32];
    let k = net.sample(&[0.5], &mut Rng::new(7), &mut x)?;
    println!("  a sample: {:.3} (component {k})", x[0]);
    Ok(())
}
