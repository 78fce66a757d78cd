//! `embedml demo prml-inverse` — PRML Fig 5.19 (seed 004, SPEC §2): `x ~ U(0,1)`,
//! `t = x + 0.3 sin(2πx) + U(−0.1, 0.1)`. The forward problem `p(t | x)` is unimodal, the
//! inverse `p(x | t)` trimodal in the middle. K = 3, 5 tanh hidden units (9 outputs), Adam LR
//! 0.01, batch 50, 3000 epochs with the step schedule (LR × 0.3 from half-way, × 0.1 for the
//! last quarter). NLLs on 10 000 fresh points.

use std::path::PathBuf;

use embedml::{Activation, Rng};

use super::mdn_common::{figure, train, DEFAULT_OUT_DIR};
use crate::error::Result;
use crate::models::mdn::{DataSet, Hyper, LrSchedule, MdnModel};

/// Arguments of `embedml demo prml-inverse`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Training points.
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Epochs.
    #[arg(long, default_value_t = 3000)]
    pub epochs: usize,
    /// Seed of the data and of the training.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory of the figures.
    #[arg(long, default_value = DEFAULT_OUT_DIR)]
    pub out_dir: PathBuf,
}

/// `n` points `(x, t)` of the forward problem.
pub fn data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut xs, mut ts) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x = rng.uniform();
        let t = x + 0.3 * (2.0 * std::f32::consts::PI * x).sin() + rng.uniform_range(-0.1, 0.1);
        xs.push(x);
        ts.push(t);
    }
    (xs, ts)
}

/// The demo's hyperparameters for `epochs` epochs.
pub fn hyper(epochs: usize, seed: u64) -> Hyper {
    let mut h = Hyper::new(&[5], Activation::Tanh);
    h.lr = 0.01;
    h.lr_schedule = LrSchedule::Step;
    h.batch = 50;
    h.epochs = epochs;
    h.seed = seed;
    h
}

/// Trains the inverse (`inverse = true`: input t, target x) or forward problem on `n` points;
/// returns the model and its mean NLL on 10 000 fresh points.
pub fn run_problem(n: usize, epochs: usize, seed: u64, inverse: bool) -> Result<(MdnModel, f64)> {
    let (x, t) = data(&mut Rng::new(seed), n);
    let (fx, ft) = data(&mut Rng::new(seed.wrapping_add(999)), 10_000);
    let (inp, tgt, names) = if inverse {
        (&t, &x, ("t", "x"))
    } else {
        (&x, &t, ("x", "t"))
    };
    let (model, _) = train(
        hyper(epochs, seed),
        3,
        0.0,
        &[names.0],
        &[names.1],
        inp,
        tgt,
    )?;
    let nll = if inverse {
        model.mean_nll(&ft, &fx)?
    } else {
        model.mean_nll(&fx, &ft)?
    };
    Ok((model, nll))
}

/// Runs `embedml demo prml-inverse`.
pub fn run(args: Args) -> Result<()> {
    let (x, t) = data(&mut Rng::new(args.seed), args.n);
    println!(
        "PRML Fig 5.19: t = x + 0.3 sin(2πx) + U(−0.1, 0.1), {} points, K = 3, 5 tanh units",
        args.n
    );
    for inverse in [false, true] {
        let (model, nll) = run_problem(args.n, args.epochs, args.seed, inverse)?;
        let (name, title, set) = if inverse {
            (
                "prml_inverse.png",
                "PRML Fig 5.19, inverse problem p(x | t): three branches",
                DataSet {
                    label: "data",
                    x: &t,
                    t: &x,
                },
            )
        } else {
            (
                "prml_forward.png",
                "PRML Fig 5.19, forward problem p(t | x)",
                DataSet {
                    label: "data",
                    x: &x,
                    t: &t,
                },
            )
        };
        println!(
            "{} problem: NLL on 10 000 fresh points {nll:.4} nats",
            if inverse { "inverse" } else { "forward" }
        );
        if inverse {
            let rows = model.local_modes(&[0.5], 1e-3, 0.05)?;
            let modes: Vec<String> = rows[0]
                .iter()
                .map(|(m, _)| format!("{:.3}", m[0]))
                .collect();
            println!(
                "  local modes of p(x | t = 0.5): {} (true branches 0.210, 0.500, 0.790)",
                modes.join(", ")
            );
        }
        figure(&model, &[set], &args.out_dir, name, title)?;
    }
    Ok(())
}
