//! Batched MDN training through a [`crate::backend::Backend`] ([`crate::backend::net::Net`]):
//! on the CPU the trunk through [`crate::backend::cpu`] (GEMM) and the head per row through
//! core's [`Head::loss_and_grad`] (rows split over rayon threads when the batch is large); on
//! CUDA (`--device cuda`) cuBLAS and the fused head kernel mirroring it. Soft weight sharing
//! through [`Backend::soft_share`] (core's [`embedml::models::soft_share::accumulate`] on the
//! CPU, kernels mirroring it on CUDA), updates through core's optimizers (the mixture's too,
//! by [`Backend::optimizer_step`]).
//! Independent restarts run in parallel (one after the other on a GPU) and the best training
//! NLL wins.

use std::path::PathBuf;
use std::time::Instant;

use embedml::models::mdn::Head;
use embedml::models::mlp::{check_layers, init, Init, Layer};
use embedml::optim::{AnyOptimizer, Optimizer};
use embedml::{Activation, Rng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{MdnModel, SoftShareState, KIND};
use crate::backend::cpu::{self, CpuBackend};
use crate::backend::net::Net;
use crate::backend::{select, Backend, Device, Selected};
use crate::data::{Standardizer, Table};
use crate::error::{HostError, Result};
pub use crate::models::mlp::OptimizerKind;
use crate::models::mlp::{activation_string, parse_activation};
use crate::models::HostModel;

/// Learning-rate schedule over the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// The same rate throughout.
    Constant,
    /// Step decay: the rate, then 0.3× from half-way, 0.1× for the last quarter.
    Step,
}

impl LrSchedule {
    /// The factor on the learning rate at step `s` of `total`.
    pub fn factor(self, s: usize, total: usize) -> f32 {
        match self {
            LrSchedule::Constant => 1.0,
            LrSchedule::Step if 2 * s < total => 1.0,
            LrSchedule::Step if 4 * s < 3 * total => 0.3,
            LrSchedule::Step => 0.1,
        }
    }
}

const TRAIN_EXAMPLES: &str = "\
Examples:
  embedml train mdn --data data/iris.csv --x sepal_width --y petal_width --components 2 --hidden 8 --sigma-min 0.05 --standardize --out iris-mdn.safetensors
  embedml train mdn --data inverse.csv --x t --y x --components 3 --hidden 5 --batch 50 --epochs 3000 --lr-schedule step --out inverse.safetensors --json
  embedml train mdn --data arm.csv --x px,py --y theta1,theta2 --components 4 --hidden 64,64 --restarts 3 --standardize --out arm.safetensors";

/// Arguments of `embedml train mdn`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = TRAIN_EXAMPLES)]
pub struct TrainArgs {
    /// Training data (CSV with a header row).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Input columns, comma separated [default: every numeric column except the targets].
    #[arg(long, value_name = "COL[,COL…]", value_delimiter = ',')]
    pub x: Vec<String>,
    /// Target columns, comma separated (L of them).
    #[arg(long, value_name = "COL[,COL…]", value_delimiter = ',', required = true)]
    pub y: Vec<String>,
    /// Mixture components K.
    #[arg(long, default_value_t = 3)]
    pub components: usize,
    /// Hidden layer widths, comma separated.
    #[arg(long, value_name = "N[,N…]", value_delimiter = ',', default_value = "16")]
    pub hidden: Vec<usize>,
    /// Hidden activation: tanh, sigmoid, relu, leaky_relu (or leaky_relu:SLOPE), identity, rbf.
    #[arg(long, default_value = "tanh", value_parser = parse_activation)]
    pub activation: Activation,
    /// Optimizer.
    #[arg(long, value_enum, default_value = "adam")]
    pub optimizer: OptimizerKind,
    /// Learning rate [default: 0.01 for adam and momentum, 0.1 for sgd].
    #[arg(long)]
    pub lr: Option<f32>,
    /// Learning-rate schedule (`step`: ×0.3 from half-way, ×0.1 for the last quarter).
    #[arg(long, value_enum, default_value = "constant")]
    pub lr_schedule: LrSchedule,
    /// Minibatch size (gradients are averaged over the batch).
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Passes over the shuffled data.
    #[arg(long, default_value_t = 200)]
    pub epochs: usize,
    /// Train for this many minibatches drawn with replacement instead of epochs (seed 000's
    /// scheme).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Variance floor: σ_k = σ_min + exp(a^σ_k), in standardised target units when
    /// --standardize is given.
    #[arg(long, default_value_t = 0.0)]
    pub sigma_min: f32,
    /// Independent initialisations (derived seeds); the best training NLL is kept.
    #[arg(long, default_value_t = 1)]
    pub restarts: usize,
    /// Soft weight sharing with M Gaussians over the trunk weights (0 = off).
    #[arg(long, value_name = "M", default_value_t = 0)]
    pub soft_share: usize,
    /// Strength λ of soft weight sharing (Ẽ = mean NLL + λ Ω).
    #[arg(long, value_name = "λ", default_value_t = 1e-3)]
    pub soft_lambda: f32,
    /// Variance floor of the soft-sharing Gaussians: σ_j² = S² + exp(ξ_j), so no component
    /// collapses onto a single weight.
    #[arg(long, value_name = "S", default_value_t = 1e-3)]
    pub soft_sigma_min: f32,
    /// Initial weights N(0, S²) with zero biases (seed 000: 0.01) instead of Glorot/He.
    #[arg(long, value_name = "S")]
    pub init_std: Option<f32>,
    /// Seed for the initial weights and the minibatches.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Standardise inputs and targets to mean 0, std 1 (stored in the model; every reported
    /// figure stays in data units).
    #[arg(long)]
    pub standardize: bool,
    /// Where to write the model (safetensors).
    #[arg(long, value_name = "MODEL.safetensors")]
    pub out: PathBuf,
    /// Print one JSON object on stdout at the end instead of the summary line.
    #[arg(long)]
    pub json: bool,
    /// Where to train: cpu, cuda (needs a build with `--features cuda` and a GPU) or auto
    /// (CUDA when usable, else the CPU; says which on stderr).
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: Device,
}

/// Training hyperparameters, stored in the model file's `training` metadata.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hyper {
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: String,
    /// Optimizer name.
    pub optimizer: String,
    /// Learning rate.
    pub lr: f32,
    /// Learning-rate schedule.
    pub lr_schedule: LrSchedule,
    /// Batch size.
    pub batch: usize,
    /// Epochs (ignored when `iterations` is set).
    pub epochs: usize,
    /// Minibatches drawn with replacement, instead of epochs.
    pub iterations: Option<usize>,
    /// Restarts.
    pub restarts: usize,
    /// Soft-sharing components (0 = off).
    pub soft_share: usize,
    /// Soft-sharing strength.
    pub soft_lambda: f32,
    /// Soft-sharing variance floor σ_min (0 when read from a file written before it existed).
    #[serde(default)]
    pub soft_sigma_min: f32,
    /// Normal initialisation std (None: Glorot/He).
    pub init_std: Option<f32>,
    /// Seed.
    pub seed: u64,
    /// Whether inputs and targets were standardised.
    pub standardize: bool,
}

impl Hyper {
    /// Hyperparameters with the command line's defaults for `hidden` layers.
    pub fn new(hidden: &[usize], activation: Activation) -> Self {
        Hyper {
            hidden: hidden.to_vec(),
            activation: activation_string(activation),
            optimizer: OptimizerKind::Adam.name().to_owned(),
            lr: OptimizerKind::Adam.default_lr(),
            lr_schedule: LrSchedule::Constant,
            batch: 32,
            epochs: 200,
            iterations: None,
            restarts: 1,
            soft_share: 0,
            soft_lambda: 1e-3,
            soft_sigma_min: 1e-3,
            init_std: None,
            seed: 0,
            standardize: false,
        }
    }

    fn from_args(a: &TrainArgs) -> Self {
        Hyper {
            hidden: a.hidden.clone(),
            activation: activation_string(a.activation),
            optimizer: a.optimizer.name().to_owned(),
            lr: a.lr.unwrap_or(a.optimizer.default_lr()),
            lr_schedule: a.lr_schedule,
            batch: a.batch,
            epochs: a.epochs,
            iterations: a.iterations,
            restarts: a.restarts,
            soft_share: a.soft_share,
            soft_lambda: a.soft_lambda,
            soft_sigma_min: a.soft_sigma_min,
            init_std: a.init_std,
            seed: a.seed,
            standardize: a.standardize,
        }
    }

    fn check(&self) -> Result<()> {
        let usage = |m: String| Err(HostError::Usage(m));
        if self.batch == 0 {
            return usage("--batch must be at least 1".into());
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return usage(format!("--lr must be a positive number, got {}", self.lr));
        }
        if self.restarts == 0 {
            return usage("--restarts must be at least 1".into());
        }
        if self.iterations == Some(0) || (self.iterations.is_none() && self.epochs == 0) {
            return usage("--epochs (or --iterations) must be at least 1".into());
        }
        if !(self.soft_lambda.is_finite() && self.soft_lambda >= 0.0) {
            return usage(format!(
                "--soft-lambda must be a finite number >= 0, got {}",
                self.soft_lambda
            ));
        }
        if !(self.soft_sigma_min.is_finite() && self.soft_sigma_min >= 0.0) {
            return usage(format!(
                "--soft-sigma-min must be a finite number >= 0, got {}",
                self.soft_sigma_min
            ));
        }
        if let Some(s) = self.init_std {
            if !(s.is_finite() && s > 0.0) {
                return usage(format!("--init-std must be a positive number, got {s}"));
            }
        }
        if OptimizerKind::from_name(&self.optimizer).is_none() {
            return usage(format!("unknown optimizer '{}'", self.optimizer));
        }
        Ok(())
    }
}

/// What a [`fit`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Mean NLL on the training data of the kept restart (data units).
    pub train_nll: f64,
    /// Mean training NLL of every restart (data units), in restart order.
    pub restart_nll: Vec<f64>,
    /// Index of the kept restart.
    pub best_restart: usize,
    /// Wall-clock seconds spent in training steps (all restarts; evaluation excluded).
    pub seconds: f64,
    /// Samples processed by training steps (all restarts).
    pub samples: u64,
    /// Optimizer steps per restart.
    pub steps: usize,
}

impl FitReport {
    /// Training throughput: samples processed per second of training.
    pub fn samples_per_s(&self) -> f64 {
        self.samples as f64 / self.seconds.max(1e-12)
    }
}

/// An untrained model for `x_raw` (`n × x_columns.len()`) and `t_raw` (`n × y_columns.len()`)
/// in data units: trunk `[n_in, hidden…, K (L+2)]`, standardisation fitted when
/// `hyper.standardize`, zero parameters (set by [`fit`]).
pub fn prepare_arrays(
    hyper: Hyper,
    k: usize,
    sigma_min: f32,
    x_columns: Vec<String>,
    y_columns: Vec<String>,
    x_raw: &[f32],
    t_raw: &[f32],
) -> Result<MdnModel> {
    hyper.check()?;
    if k == 0 {
        return Err(HostError::Usage(
            "--components must be at least 1 (an MDN needs a mixture component)".into(),
        ));
    }
    let (n_in, l) = (x_columns.len(), y_columns.len());
    if n_in == 0 || l == 0 {
        return Err(HostError::Usage(
            "an MDN needs at least one input and one target column".into(),
        ));
    }
    if let Some(both) = x_columns.iter().find(|x| y_columns.contains(x)) {
        return Err(HostError::Usage(format!(
            "column '{both}' is both an input (--x) and a target (--y)"
        )));
    }
    let head = Head::new(k, l, sigma_min).map_err(|e| {
        HostError::Usage(format!(
            "invalid head (--components {k}, --sigma-min {sigma_min}): {e}"
        ))
    })?;
    let n = x_raw.len() / n_in;
    if n == 0 || x_raw.len() != n * n_in || t_raw.len() != n * l {
        return Err(HostError::Data(format!(
            "{} input and {} target values do not make rows of {n_in} inputs and {l} targets",
            x_raw.len(),
            t_raw.len()
        )));
    }
    if let Some(v) = x_raw.iter().chain(t_raw).find(|v| !v.is_finite()) {
        return Err(HostError::Data(format!(
            "non-finite value {v} in the training data"
        )));
    }
    let activation = parse_activation(&hyper.activation).map_err(HostError::Usage)?;
    let mut sizes = vec![n_in];
    sizes.extend(&hyper.hidden);
    sizes.push(head.output_len());
    let mut layers: Vec<Layer> = sizes
        .windows(2)
        .map(|w| Layer {
            n_in: w[0],
            n_out: w[1],
            activation,
        })
        .collect();
    if let Some(last) = layers.last_mut() {
        last.activation = Activation::Identity;
    }
    let (p, _) = check_layers(&layers)
        .map_err(|e| HostError::Usage(format!("invalid --hidden {:?}: {e}", hyper.hidden)))?;
    let (x_norm, y_norm) = if hyper.standardize {
        (
            Standardizer::fit(x_raw, n_in),
            Standardizer::fit(t_raw, l),
        )
    } else {
        (Standardizer::identity(n_in), Standardizer::identity(l))
    };
    Ok(MdnModel {
        layers,
        params: vec![0.0; p],
        head,
        x_columns,
        y_columns,
        x_norm,
        y_norm,
        x_range: Some(column_range(x_raw, n_in)),
        soft_share: None,
        hyper,
        train_nll: None,
    })
}

/// Smallest and largest value of each of the `n_cols` columns of the row-major `data`.
fn column_range(data: &[f32], n_cols: usize) -> (Vec<f32>, Vec<f32>) {
    let mut lo = vec![f32::INFINITY; n_cols];
    let mut hi = vec![f32::NEG_INFINITY; n_cols];
    for row in data.chunks_exact(n_cols) {
        for (i, &v) in row.iter().enumerate() {
            lo[i] = lo[i].min(v);
            hi[i] = hi[i].max(v);
        }
    }
    (lo, hi)
}

/// [`prepare_arrays`] from the command line's arguments and a table.
pub fn prepare(args: &TrainArgs, table: &Table) -> Result<(MdnModel, Vec<f32>, Vec<f32>)> {
    if args.components == 0 {
        return Err(HostError::Usage(
            "--components must be at least 1 (an MDN needs a mixture component)".into(),
        ));
    }
    let y_cols = table.columns(&args.y)?;
    let x_names: Vec<String> = if args.x.is_empty() {
        table
            .headers()
            .iter()
            .enumerate()
            .filter(|(i, h)| !args.y.contains(h) && table.is_numeric(*i))
            .map(|(_, h)| h.clone())
            .collect()
    } else {
        args.x.clone()
    };
    if x_names.is_empty() {
        return Err(HostError::Usage(
            "no input columns: every column is a target (give --x)".into(),
        ));
    }
    let x_cols = table.columns(&x_names)?;
    let x = table.numeric(&x_cols)?;
    let t = table.numeric(&y_cols)?;
    let model = prepare_arrays(
        Hyper::from_args(args),
        args.components,
        args.sigma_min,
        x_names,
        args.y.clone(),
        &x,
        &t,
    )?;
    Ok((model, x, t))
}

/// The seed of restart `r` (restart 0 uses `seed` itself).
fn restart_seed(seed: u64, r: usize) -> u64 {
    if r == 0 {
        seed
    } else {
        let mut s = seed ^ (r as u64).wrapping_mul(0xA24B_AED4_963E_E407);
        embedml::rng::splitmix64(&mut s)
    }
}

/// One restart's result: trunk parameters, soft-sharing mixture, samples processed.
struct Run {
    params: Vec<f32>,
    mix: Option<Vec<f32>>,
    samples: u64,
}

/// Trains `model` (from [`prepare_arrays`]) on `x_raw`/`t_raw` (data units) on the CPU: every
/// restart from its own seed, in parallel; keeps the one with the lowest training NLL.
/// `progress(steps)` is called now and then with the number of optimizer steps just done.
pub fn fit(
    model: &mut MdnModel,
    x_raw: &[f32],
    t_raw: &[f32],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<FitReport> {
    fit_on(model, x_raw, t_raw, &mut Selected::Cpu, progress)
}

/// [`fit`] on the backend `device` (see [`crate::backend::select`]). The CPU gives exactly
/// the results of [`fit`]; on CUDA restarts run one after the other, soft weight sharing runs
/// on the device too ([`Backend::soft_share`]: no per-step copy of the weights), and results
/// differ from the CPU's by float rounding only.
pub fn fit_on(
    model: &mut MdnModel,
    x_raw: &[f32],
    t_raw: &[f32],
    device: &mut Selected,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<FitReport> {
    let h = model.hyper.clone();
    h.check()?;
    let (n_in, l) = (model.n_inputs(), model.l());
    let n = x_raw.len() / n_in;
    if n == 0 || x_raw.len() != n * n_in || t_raw.len() != n * l {
        return Err(HostError::Data(format!(
            "{} input and {} target values do not make rows of {n_in} inputs and {l} targets",
            x_raw.len(),
            t_raw.len()
        )));
    }
    let mut x = x_raw.to_vec();
    model.x_norm.apply(&mut x);
    let mut t = t_raw.to_vec();
    model.y_norm.apply(&mut t);
    let steps = match h.iterations {
        Some(it) => it,
        None => h.epochs * n.div_ceil(h.batch),
    };
    let start = Instant::now();
    let runs: Vec<Result<Run>> = match device {
        Selected::Cpu if h.restarts == 1 => {
            vec![train_once(&mut CpuBackend::new(), model, &x, &t, h.seed, steps, progress)]
        }
        Selected::Cpu => (0..h.restarts)
            .into_par_iter()
            .map(|r| {
                let seed = restart_seed(h.seed, r);
                train_once(&mut CpuBackend::new(), model, &x, &t, seed, steps, progress)
            })
            .collect(),
        Selected::Cuda(be) => (0..h.restarts)
            .map(|r| train_once(&mut **be, model, &x, &t, restart_seed(h.seed, r), steps, progress))
            .collect(),
    };
    let seconds = start.elapsed().as_secs_f64();
    let runs: Vec<Run> = runs.into_iter().collect::<Result<_>>()?;
    let mut restart_nll = Vec::with_capacity(runs.len());
    let mut candidate = model.clone();
    for run in &runs {
        let nll = match device {
            Selected::Cpu => {
                candidate.params.clone_from(&run.params);
                candidate.mean_nll(x_raw, t_raw)
            }
            // On the GPU: forward passes and the head on the device, one read of the sum.
            Selected::Cuda(be) => mean_nll_on(&mut **be, model, &run.params, &x, &t),
        }
        .unwrap_or(f64::INFINITY);
        restart_nll.push(if nll.is_finite() { nll } else { f64::INFINITY });
    }
    let best = (0..runs.len())
        .min_by(|&a, &b| restart_nll[a].total_cmp(&restart_nll[b]))
        .unwrap_or(0);
    if !restart_nll[best].is_finite() {
        return Err(HostError::Data(
            "training diverged (the NLL is not finite); try a smaller --lr, --sigma-min > 0 or --standardize".into(),
        ));
    }
    model.params.clone_from(&runs[best].params);
    model.soft_share = runs[best].mix.as_ref().map(|mix| SoftShareState {
        lambda: h.soft_lambda,
        sigma_min: h.soft_sigma_min,
        mix: mix.clone(),
    });
    model.train_nll = Some(restart_nll[best]);
    Ok(FitReport {
        train_nll: restart_nll[best],
        restart_nll,
        best_restart: best,
        seconds,
        samples: runs.iter().map(|r| r.samples).sum(),
        steps,
    })
}

/// Ranges of each layer's weight matrix in the flat parameters (soft sharing acts on these).
fn weight_ranges(layers: &[Layer]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::with_capacity(layers.len());
    let mut po = 0;
    for l in layers {
        out.push(po..po + l.n_in * l.n_out);
        po += l.param_count();
    }
    out
}

/// The initial soft-sharing mixture for weights `w`: equal π, means evenly spread over the
/// weights' range, every σ = range / (2M) (at least 10⁻³).
fn initial_mixture(m: usize, params: &[f32], ranges: &[std::ops::Range<usize>]) -> Vec<f32> {
    let ws = ranges.iter().flat_map(|r| params[r.clone()].iter().copied());
    let (lo, hi) = ws.fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), w| {
        (a.min(w), b.max(w))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (-1.0, 1.0) };
    let sigma = ((hi - lo) / (2.0 * m as f32)).max(1e-3);
    let mut mix = vec![0.0f32; 3 * m];
    for j in 0..m {
        mix[m + j] = if m == 1 {
            0.5 * (lo + hi)
        } else {
            lo + (hi - lo) * j as f32 / (m - 1) as f32
        };
        mix[2 * m + j] = 2.0 * sigma.ln();
    }
    mix
}

fn set_lr(opt: &mut AnyOptimizer, lr: f32) {
    match opt {
        AnyOptimizer::Sgd(o) => o.lr = lr,
        AnyOptimizer::Momentum(o) => o.lr = lr,
        AnyOptimizer::Adam(o) => o.lr = lr,
    }
}

/// Head loss and gradient for every row of `out` (`B × K(L+2)`) against `t` (`B × L`),
/// gradients written to `grad`; returns the summed loss (rows split over threads when large,
/// partial sums added in a fixed order).
pub fn head_rows(head: &Head, out: &[f32], t: &[f32], grad: &mut [f32]) -> Result<f64> {
    let (o, l) = (head.output_len(), head.l());
    let rows = out.len() / o;
    let serial = |out: &[f32], t: &[f32], grad: &mut [f32]| -> embedml::Result<f64> {
        let mut s = 0.0f64;
        for ((y, ti), g) in out
            .chunks_exact(o)
            .zip(t.chunks_exact(l))
            .zip(grad.chunks_exact_mut(o))
        {
            s += head.loss_and_grad(y, ti, g)? as f64;
        }
        Ok(s)
    };
    if rows * o < cpu::PAR_MIN_ELEMS || rayon::current_num_threads() < 2 {
        return Ok(serial(out, t, grad)?);
    }
    let per = rows.div_ceil(rayon::current_num_threads() * 2).max(16);
    let sums: Vec<f64> = out
        .par_chunks(per * o)
        .zip(t.par_chunks(per * l))
        .zip(grad.par_chunks_mut(per * o))
        .map(|((y, ti), g)| serial(y, ti, g))
        .collect::<embedml::Result<_>>()?;
    Ok(sums.iter().sum())
}

/// Rows per forward pass of [`mean_nll_on`].
const EVAL_ROWS: usize = 16_384;

/// Mean NLL (data units) of `model`'s trunk with parameters `params` on the standardised
/// `x`, `t`, computed on backend `be`: forward passes of `EVAL_ROWS` (16 384) rows and the head's
/// summed loss, read once; plus the log-Jacobian of the target standardisation (as
/// [`MdnModel::mean_nll`]).
pub fn mean_nll_on<B: Backend>(
    be: &mut B,
    model: &MdnModel,
    params: &[f32],
    x: &[f32],
    t: &[f32],
) -> Result<f64> {
    let (n_in, l) = (model.n_inputs(), model.l());
    let n = x.len() / n_in;
    let cap = EVAL_ROWS.min(n).max(1);
    let mut net = Net::new(be, &model.layers, params, 0, cap, l)?;
    let data = be.prepare_data(x, t, n_in, l)?;
    be.take_loss()?;
    let mut idx = Vec::with_capacity(cap);
    for start in (0..n).step_by(cap) {
        idx.clear();
        idx.extend(start..(start + cap).min(n));
        net.load_batch(be, &data, x, t, &idx)?;
        net.forward(be, idx.len())?;
        net.mdn_loss(be, &model.head, 1.0)?;
    }
    Ok(be.take_loss()? / n as f64 + model.log_jacobian())
}

/// The error of a training run whose network output stopped being finite at step `s`.
fn diverged(s: usize) -> HostError {
    HostError::Data(format!(
        "training diverged at step {s} (the network output is not finite); try a smaller --lr or --standardize"
    ))
}

/// One training run from `seed` on standardised data, on backend `be`.
#[allow(clippy::too_many_arguments)]
fn train_once<B: Backend>(
    be: &mut B,
    model: &MdnModel,
    x: &[f32],
    t: &[f32],
    seed: u64,
    steps: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Run> {
    let h = &model.hyper;
    let (n_in, l) = (model.n_inputs(), model.l());
    let n = x.len() / n_in;
    let layers = &model.layers;
    let mut rng = Rng::new(seed);
    let mut params = vec![0.0f32; model.params.len()];
    let scheme = h.init_std.map_or(Init::Default, Init::Normal);
    init(layers, &mut params, &mut rng, scheme)?;
    let kind = OptimizerKind::from_name(&h.optimizer).unwrap_or(OptimizerKind::Adam);
    let mut opt = kind.build(h.lr);
    let ranges = weight_ranges(layers);
    let mut mix = (h.soft_share > 0).then(|| initial_mixture(h.soft_share, &params, &ranges));
    let mut opt_mix = kind.build(h.lr);
    let cap = if h.iterations.is_some() {
        h.batch
    } else {
        h.batch.min(n)
    };
    let mut net = Net::new(be, layers, &params, opt.state_len(params.len()), cap, l)?;
    let data = be.prepare_data(x, t, n_in, l)?;
    // Soft weight sharing: the mixture, its gradient and optimizer state live on the backend
    // (on a GPU nothing is copied per step; the mixture is read back once, at the end).
    let m3 = 3 * h.soft_share;
    let mut soft = match &mix {
        Some(m0) => {
            let mut p = be.alloc(m3)?;
            be.upload(m0, &mut p)?;
            Some((p, be.alloc(m3)?, be.alloc(opt_mix.state_len(m3))?))
        }
        None => None,
    };
    let mut order: Vec<usize> = (0..n).collect();
    let mut cursor = n; // position in `order`; n forces a shuffle first
    let report_every = (steps / 500).max(1);
    let mut samples = 0u64;
    let mut reported = 0usize;
    let mut idx = Vec::with_capacity(h.batch);
    for s in 0..steps {
        idx.clear();
        if h.iterations.is_some() {
            idx.extend((0..h.batch).map(|_| rng.below(n as u32) as usize));
        } else {
            if cursor >= n {
                rng.shuffle(&mut order);
                cursor = 0;
            }
            let end = (cursor + h.batch).min(n);
            idx.extend_from_slice(&order[cursor..end]);
            cursor = end;
        }
        let b = idx.len();
        let lr = h.lr * h.lr_schedule.factor(s, steps);
        set_lr(&mut opt, lr);
        set_lr(&mut opt_mix, lr);
        net.load_batch(be, &data, x, t, &idx)?;
        net.mdn_grad(be, &model.head, b).map_err(|_| diverged(s + 1))?;
        if let Some((mix_buf, grad_mix, state_mix)) = soft.as_mut() {
            be.zero(grad_mix, m3)?;
            be.soft_share(
                mix_buf,
                h.soft_share,
                h.soft_lambda,
                h.soft_sigma_min,
                &net.params,
                &ranges,
                &mut net.grads,
                grad_mix,
            )?;
            be.optimizer_step(&mut opt_mix, mix_buf, grad_mix, state_mix, m3)?;
        }
        net.step(be, &mut opt)?;
        samples += b as u64;
        if (s + 1) % report_every == 0 || s + 1 == steps {
            // The accumulated NLL is read here only to surface a non-finite output on a GPU
            // (the one synchronisation per report).
            be.take_loss().map_err(|_| diverged(s + 1))?;
            progress((s + 1 - reported) as u64);
            reported = s + 1;
        }
    }
    net.read_params(be, &mut params)?;
    if let (Some(m), Some((mix_buf, _, _))) = (mix.as_mut(), soft.as_ref()) {
        be.download(mix_buf, m)?;
    }
    if params.iter().chain(mix.iter().flatten()).any(|v| !v.is_finite()) {
        return Err(HostError::Data(
            "training diverged (non-finite parameters); try a smaller --lr or --standardize"
                .into(),
        ));
    }
    Ok(Run {
        params,
        mix,
        samples,
    })
}

/// `embedml train mdn`: prepare, fit (with a progress bar), save atomically, report.
pub fn train(args: TrainArgs) -> Result<()> {
    let table = Table::read(&args.data)?;
    let (mut model, x, t) = prepare(&args, &table)?;
    let steps = match model.hyper.iterations {
        Some(it) => it,
        None => model.hyper.epochs * table.n_rows().div_ceil(model.hyper.batch.max(1)),
    };
    let bar = crate::progress::steps((steps * model.hyper.restarts) as u64);
    let mut device = select(args.device)?;
    let report = fit_on(&mut model, &x, &t, &mut device, &|d| bar.inc(d))?;
    bar.finish_and_clear();
    model.to_file()?.save(&args.out)?;
    if args.json {
        let obj = serde_json::json!({
            "model": KIND,
            "epochs": if model.hyper.iterations.is_some() {
                report.samples as f64 / (table.n_rows() * model.hyper.restarts) as f64
            } else {
                model.hyper.epochs as f64
            },
            "iterations": report.steps,
            "restarts": model.hyper.restarts,
            "train_nll": report.train_nll,
            "seconds": report.seconds,
            "samples_per_s": report.samples_per_s(),
            "device": device.name(),
            "out": args.out.display().to_string(),
        });
        println!("{obj}");
    } else {
        println!(
            "trained {} ({} steps × {} restart(s)) in {:.2} s ({:.0} samples/s): train NLL {:.6} nats -> {}",
            model.describe(),
            report.steps,
            model.hyper.restarts,
            report.seconds,
            report.samples_per_s(),
            report.train_nll,
            args.out.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_schedule_cuts_at_half_and_three_quarters() {
        let f: Vec<f32> = [0, 49, 50, 74, 75, 99]
            .iter()
            .map(|&s| LrSchedule::Step.factor(s, 100))
            .collect();
        assert_eq!(f, [1.0, 1.0, 0.3, 0.3, 0.1, 0.1]);
        assert_eq!(LrSchedule::Constant.factor(99, 100), 1.0);
    }

    #[test]
    fn restart_seeds_are_distinct_and_restart_0_is_the_seed() {
        assert_eq!(restart_seed(7, 0), 7);
        let s: Vec<u64> = (0..50).map(|r| restart_seed(7, r)).collect();
        let mut d = s.clone();
        d.sort_unstable();
        d.dedup();
        assert_eq!(d.len(), s.len());
    }

    /// The NLL computed through the backend (what the GPU path uses) equals the model's own
    /// `mean_nll` (the CPU path), in data units.
    #[test]
    fn mean_nll_through_the_backend_equals_mean_nll() {
        let mut rng = Rng::new(4);
        let n = 40_000; // more than one evaluation pass
        let x: Vec<f32> = (0..n).map(|_| rng.uniform_range(-1.0, 1.0)).collect();
        let t: Vec<f32> = x.iter().map(|&v| 3.0 * v + rng.normal_with(0.0, 0.4) + 10.0).collect();
        let mut h = Hyper::new(&[6], Activation::Tanh);
        h.standardize = true;
        let mut model =
            prepare_arrays(h, 2, 0.0, vec!["x".into()], vec!["t".into()], &x, &t).unwrap();
        init(&model.layers, &mut model.params, &mut rng, Init::Default).unwrap();
        let want = model.mean_nll(&x, &t).unwrap();
        let (mut xs, mut ts) = (x.clone(), t.clone());
        model.x_norm.apply(&mut xs);
        model.y_norm.apply(&mut ts);
        let params = model.params.clone();
        let got = mean_nll_on(&mut CpuBackend::new(), &model, &params, &xs, &ts).unwrap();
        assert!((got - want).abs() < 1e-6 * want.abs().max(1.0), "{got} vs {want}");
        assert!(model.log_jacobian() > 0.0, "std of t ≈ 1.8: the Jacobian term is exercised");
    }

    /// The threaded head pass (a large batch) gives exactly the per-row results of core's head.
    #[test]
    fn head_rows_split_over_threads_equals_per_row() {
        let head = Head::new(10, 2, 0.01).unwrap();
        let (o, rows) = (head.output_len(), 1024);
        let mut rng = Rng::new(3);
        let mut out = vec![0.0f32; rows * o];
        rng.fill_normal(&mut out, 0.0, 1.0);
        let mut t = vec![0.0f32; rows * 2];
        rng.fill_normal(&mut t, 0.0, 1.0);
        let mut grad = vec![0.0f32; rows * o];
        let total = head_rows(&head, &out, &t, &mut grad).unwrap();
        let mut want = 0.0f64;
        let mut g = vec![0.0f32; o];
        for i in 0..rows {
            want += head
                .loss_and_grad(&out[i * o..(i + 1) * o], &t[i * 2..i * 2 + 2], &mut g)
                .unwrap() as f64;
            assert_eq!(&grad[i * o..(i + 1) * o], &g[..], "row {i}");
        }
        assert!((total - want).abs() < 1e-9 * want.abs().max(1.0), "{total} {want}");
        // A non-finite output is an error, not a NaN loss.
        out[5] = f32::NAN;
        assert!(head_rows(&head, &out, &t, &mut grad).is_err());
    }
}
