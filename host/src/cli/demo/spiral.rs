//! `embedml demo spiral` — seed 001's hyperbolic spiral: N = 2000 points with
//! `θ = linspace(0, 5π, N)`, radius `r = 10/(θ + 1)` (the hyperbolic `r ∝ 1/θ`, shifted so
//! θ = 0 is finite; the seed's exact formula is lost in its text), `(r cos θ, r sin θ)` plus
//! uniform noise `U(−1, 1) · 0.2` on both coordinates; the task is `p(y | x)`, which is
//! multi-valued everywhere inside the spiral. MDN (K = 10, 2 × 64 tanh) vs a least-squares net.

use std::path::PathBuf;

use embedml::{Activation, Rng};

use super::mdn_common::{figure, out_path, train, DEFAULT_OUT_DIR};
use super::mse_baseline;
use crate::error::Result;
use crate::models::mdn::{DataSet, Hyper, LrSchedule};

/// Arguments of `embedml demo spiral`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Points.
    #[arg(long, default_value_t = 2000)]
    pub n: usize,
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

/// The spiral: `(x, y)` coordinates.
pub fn data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut xs, mut ys) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let theta = 5.0 * std::f32::consts::PI * i as f32 / (n.max(2) - 1) as f32;
        let r = 10.0 / (theta + 1.0);
        xs.push(r * theta.cos() + 0.2 * rng.uniform_range(-1.0, 1.0));
        ys.push(r * theta.sin() + 0.2 * rng.uniform_range(-1.0, 1.0));
    }
    (xs, ys)
}

/// Runs `embedml demo spiral`.
pub fn run(args: Args) -> Result<()> {
    let (x, y) = data(&mut Rng::new(args.seed), args.n);
    let (fx, fy) = data(&mut Rng::new(args.seed + 1000), args.n);
    let mut h = Hyper::new(&[64, 64], Activation::Tanh);
    h.lr = 0.01;
    h.lr_schedule = LrSchedule::Step;
    h.batch = 64;
    h.epochs = args.epochs;
    h.seed = args.seed;
    h.standardize = true;
    println!("seed 001 hyperbolic spiral, {} points: p(y | x)", args.n);
    let (model, _) = train(h, 10, 0.0, &["x"], &["y"], &x, &y)?;
    let table = mse_baseline::table_of(&[("x", &x), ("y", &y)])?;
    let mlp = mse_baseline::fit(&table, "x", "y", &[64, 64], args.epochs, args.seed)?;
    let (mse, mse_nll) = mse_baseline::mse_and_nll(&mse_baseline::predict(&mlp, &fx)?, &fy);
    println!(
        "MDN (K = 10, 2×64 tanh): NLL {:.3} nats on fresh points; MSE net (2×64 tanh): MSE {mse:.3}, Gaussian NLL {mse_nll:.3} nats",
        model.mean_nll(&fx, &fy)?
    );
    let set = [DataSet {
        label: "data",
        x: &x,
        t: &y,
    }];
    figure(
        &model,
        &set,
        &args.out_dir,
        "spiral_mdn.png",
        "seed 001 hyperbolic spiral: MDN p(y | x)",
    )?;
    let p = out_path(&args.out_dir, "spiral_mse.png")?;
    mse_baseline::figure(
        &mlp,
        &x,
        &y,
        "x",
        "y",
        &p,
        "seed 001 hyperbolic spiral: least-squares net",
    )?;
    Ok(())
}
