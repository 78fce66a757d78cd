//! `embedml demo inverse-sine` — seed 001 (SPEC §1–§2): `y = 7 sin(0.75x) + 0.5x + ε`,
//! `ε ~ N(0, 1)`, `x ~ U(−15, 15)`, then swapped (input y, target x): a multi-valued inverse
//! that a least-squares net averages away and an MDN with many components follows.
//! MDN: 2 × 50 ReLU, K = 30 (the seed's), Adam 0.01, step schedule, batch 128. Baseline: a
//! 40-unit tanh MLP with MSE (the seed's forward net). Both evaluated on fresh points.

use std::path::PathBuf;

use embedml::{Activation, Rng};

use super::mdn_common::{figure, out_path, train, DEFAULT_OUT_DIR};
use super::mse_baseline;
use crate::error::Result;
use crate::models::mdn::{DataSet, Hyper, LrSchedule, MdnModel};
use crate::models::mlp::MlpModel;

/// Arguments of `embedml demo inverse-sine`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Training points.
    #[arg(long, default_value_t = 2000)]
    pub n: usize,
    /// Mixture components.
    #[arg(long, default_value_t = 30)]
    pub components: usize,
    /// Epochs.
    #[arg(long, default_value_t = 300)]
    pub epochs: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory of the figures.
    #[arg(long, default_value = DEFAULT_OUT_DIR)]
    pub out_dir: PathBuf,
}

/// `n` points of the inverted problem: `(inputs y, targets x)`.
pub fn data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut ys, mut xs) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x = rng.uniform_range(-15.0, 15.0);
        ys.push(7.0 * (0.75 * x).sin() + 0.5 * x + rng.normal());
        xs.push(x);
    }
    (ys, xs)
}

/// Results: MDN NLL, MSE-net MSE and implied Gaussian NLL, on fresh points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// MDN mean NLL (nats).
    pub mdn_nll: f64,
    /// Least-squares net MSE.
    pub mse: f64,
    /// Least-squares net NLL as the Gaussian `N(pred, mse)`.
    pub mse_nll: f64,
}

/// Trains the MDN (`k` components) and the least-squares net on `n` points for `epochs`
/// epochs and evaluates both on 5000 fresh points.
pub fn compare(
    n: usize,
    k: usize,
    epochs: usize,
    seed: u64,
) -> Result<(Report, MdnModel, MlpModel)> {
    let (x, t) = data(&mut Rng::new(seed), n);
    let (fx, ft) = data(&mut Rng::new(seed + 1000), 5000);
    let mut h = Hyper::new(&[50, 50], Activation::Relu);
    h.lr = 0.01;
    h.lr_schedule = LrSchedule::Step;
    h.batch = 128;
    h.epochs = epochs;
    h.seed = seed;
    h.standardize = true;
    let (model, _) = train(h, k, 0.0, &["y"], &["x"], &x, &t)?;
    let table = mse_baseline::table_of(&[("y", &x), ("x", &t)])?;
    let mlp = mse_baseline::fit(&table, "y", "x", &[40], epochs, seed)?;
    let (mse, mse_nll) = mse_baseline::mse_and_nll(&mse_baseline::predict(&mlp, &fx)?, &ft);
    let r = Report {
        mdn_nll: model.mean_nll(&fx, &ft)?,
        mse,
        mse_nll,
    };
    Ok((r, model, mlp))
}

/// Runs `embedml demo inverse-sine`.
pub fn run(args: Args) -> Result<()> {
    println!(
        "seed 001 inverted sinusoid: x = f⁻¹(y), y = 7 sin(0.75x) + 0.5x + N(0,1), {} points",
        args.n
    );
    let (r, model, mlp) = compare(args.n, args.components, args.epochs, args.seed)?;
    println!(
        "MDN (K = {}, 2×50 ReLU): NLL {:.3} nats on 5000 fresh points; MSE net (40 tanh): MSE {:.3}, Gaussian NLL {:.3} nats",
        args.components, r.mdn_nll, r.mse, r.mse_nll
    );
    let (x, t) = data(&mut Rng::new(args.seed), args.n);
    let set = [DataSet {
        label: "data",
        x: &x,
        t: &t,
    }];
    figure(
        &model,
        &set,
        &args.out_dir,
        "inverse_sine_mdn.png",
        "seed 001 inverted sinusoid: MDN",
    )?;
    let p = out_path(&args.out_dir, "inverse_sine_mse.png")?;
    mse_baseline::figure(
        &mlp,
        &x,
        &t,
        "y",
        "x",
        &p,
        "seed 001 inverted sinusoid: least-squares net (its mean)",
    )?;
    Ok(())
}
