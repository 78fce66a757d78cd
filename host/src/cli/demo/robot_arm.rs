//! `embedml demo robot-arm` — two-link arm inverse kinematics (PRML 5.6's motivating example):
//! link lengths `l1 = 0.8`, `l2 = 0.6`, joint angles `θ1 ~ U(−π/2, π/2)`, `θ2 ~ U(0.3, 2.8)`
//! (elbow "up") or `U(−2.8, −0.3)` (elbow "down"), each with probability ½; the end effector
//! `FK(θ) = (l1 cos θ1 + l2 cos(θ1+θ2), l1 sin θ1 + l2 sin(θ1+θ2))`. The MDN learns
//! `p(θ1, θ2 | x, y)` (L = 2); every reachable position has two elbow solutions. Reported: the
//! forward-kinematics error `‖FK(θ̂) − (x, y)‖` of the refined mode vs the conditional mean
//! (which averages the two solutions).

use std::path::PathBuf;

use embedml::{Activation, Rng};

use super::mdn_common::{figure, train, DEFAULT_OUT_DIR};
use crate::backend::{select, Device};
use crate::error::Result;
use crate::models::mdn::{self, DataSet, Hyper, LrSchedule, MdnModel};

/// Link lengths.
pub const LINKS: (f32, f32) = (0.8, 0.6);

/// Arguments of `embedml demo robot-arm`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Training points.
    #[arg(long, default_value_t = 20_000)]
    pub n: usize,
    /// Epochs.
    #[arg(long, default_value_t = 60)]
    pub epochs: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory of the figures.
    #[arg(long, default_value = DEFAULT_OUT_DIR)]
    pub out_dir: PathBuf,
    /// Hidden layer widths of the trunk (tanh).
    #[arg(
        long,
        value_name = "N[,N…]",
        value_delimiter = ',',
        default_value = "64,64"
    )]
    pub hidden: Vec<usize>,
    /// Mixture components K.
    #[arg(long, default_value_t = 4)]
    pub components: usize,
    /// Minibatch size.
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    /// Learning rate (Adam, step schedule).
    #[arg(long, default_value_t = 0.005)]
    pub lr: f32,
    /// Where to train: cpu, cuda or auto (CUDA when usable, else the CPU).
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: Device,
}

/// Forward kinematics.
pub fn fk(t1: f32, t2: f32) -> (f32, f32) {
    (
        LINKS.0 * t1.cos() + LINKS.1 * (t1 + t2).cos(),
        LINKS.0 * t1.sin() + LINKS.1 * (t1 + t2).sin(),
    )
}

/// `n` samples: positions (`n × 2`) and joint angles (`n × 2`).
pub fn data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut pos, mut ang) = (Vec::with_capacity(2 * n), Vec::with_capacity(2 * n));
    for _ in 0..n {
        let t1 = rng.uniform_range(-std::f32::consts::FRAC_PI_2, std::f32::consts::FRAC_PI_2);
        let mut t2 = rng.uniform_range(0.3, 2.8);
        if rng.uniform() < 0.5 {
            t2 = -t2;
        }
        let (x, y) = fk(t1, t2);
        pos.extend([x, y]);
        ang.extend([t1, t2]);
    }
    (pos, ang)
}

/// The demo's hyperparameters.
pub fn hyper(epochs: usize, seed: u64) -> Hyper {
    let mut h = Hyper::new(&[64, 64], Activation::Tanh);
    h.lr = 0.005;
    h.lr_schedule = LrSchedule::Step;
    h.batch = 128;
    h.epochs = epochs;
    h.seed = seed;
    h.standardize = true;
    h
}

/// Mean FK errors on `pos`: `(refined mode, conditional mean)`.
pub fn fk_errors(model: &MdnModel, pos: &[f32]) -> Result<(f64, f64)> {
    let rows = model.describe_rows(pos)?;
    let (mut em, mut ea) = (0.0f64, 0.0f64);
    for (p, r) in pos.chunks_exact(2).zip(&rows) {
        let dist = |a: &[f32]| {
            let (x, y) = fk(a[0], a[1]);
            (((x - p[0]).powi(2) + (y - p[1]).powi(2)) as f64).sqrt()
        };
        em += dist(&r.mode);
        ea += dist(&r.mean);
    }
    let n = rows.len() as f64;
    Ok((em / n, ea / n))
}

/// Trains on `n` points and returns the model and `(mode, mean)` FK errors on 2000 fresh ones.
pub fn run_problem(n: usize, epochs: usize, seed: u64) -> Result<(MdnModel, (f64, f64))> {
    let (pos, ang) = data(&mut Rng::new(seed), n);
    let (model, _) = train(
        hyper(epochs, seed),
        4,
        0.0,
        &["x", "y"],
        &["theta1", "theta2"],
        &pos,
        &ang,
    )?;
    let (fpos, _) = data(&mut Rng::new(seed + 1000), 2000);
    let e = fk_errors(&model, &fpos)?;
    Ok((model, e))
}

/// Runs `embedml demo robot-arm`.
pub fn run(args: Args) -> Result<()> {
    println!(
        "two-link arm (l1 = 0.8, l2 = 0.6) inverse kinematics: p(θ1, θ2 | x, y), {} points, K = {}, hidden {:?}",
        args.n, args.components, args.hidden
    );
    let mut device = select(args.device)?;
    let (pos, ang) = data(&mut Rng::new(args.seed), args.n);
    let mut h = hyper(args.epochs, args.seed);
    h.hidden.clone_from(&args.hidden);
    h.batch = args.batch;
    h.lr = args.lr;
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut model = mdn::prepare_arrays(
        h,
        args.components,
        0.0,
        names(&["x", "y"]),
        names(&["theta1", "theta2"]),
        &pos,
        &ang,
    )?;
    let report = mdn::fit_on(&mut model, &pos, &ang, &mut device, &|_| {})?;
    println!(
        "trained on {}: {} steps of {} in {:.2} s ({:.0} samples/s); training NLL {:.4} nats (data units)",
        device.name(),
        report.steps,
        args.batch,
        report.seconds,
        report.samples_per_s(),
        report.train_nll
    );
    let (fpos, _) = data(&mut Rng::new(args.seed + 1000), 2000);
    let (e_mode, e_mean) = fk_errors(&model, &fpos)?;
    println!(
        "mean forward-kinematics error on 2000 fresh positions: refined mode {e_mode:.4}, conditional mean {e_mean:.4} (reach up to 1.4)"
    );
    let (pos, ang) = data(&mut Rng::new(args.seed + 7), 1500);
    let set = [DataSet {
        label: "data",
        x: &pos,
        t: &ang,
    }];
    figure(
        &model,
        &set,
        &args.out_dir,
        "robot_arm.png",
        "two-link arm: joint angles, data vs MDN samples and modes",
    )?;
    Ok(())
}
