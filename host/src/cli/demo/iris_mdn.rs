//! `embedml demo iris-mdn` — seed 000 (SPEC §2): `p(petal_width | sepal_width)` on iris with a
//! K = 2 MDN, first in the seed's exact setup, then in a tuned one.
//!
//! Seed setup: both columns standardised over the 150 rows (sample std), shuffled, 100 train /
//! 50 test; 1 → 4 sigmoid → 6; weights N(0, 0.01²), biases 0; SGD, LR 0.1, 3000 iterations
//! of 10 rows drawn with replacement. NLLs are reported in the standardised units, as the seed
//! does (its figures: train 0.669, test 0.647 — with its μ-gradient erratum; ours is PRML's
//! correct gradient, and our random streams differ from NumPy's).
//!
//! Tuned setup: same split and units; 1 → 8 tanh → 6, Adam LR 0.01 with the step schedule,
//! batch 10, 200 epochs, σ_min = 0.05 (petal_width takes only 22 distinct values: without a
//! floor, components collapse onto them) and 5 restarts.

use std::path::PathBuf;

use embedml::{Activation, Rng};

use super::mdn_common::{figure, split, train, DEFAULT_OUT_DIR};
use crate::data::{Standardizer, Table};
use crate::error::Result;
use crate::models::mdn::{DataSet, Hyper, LrSchedule};

/// Seed 000's shuffle: `np.random.seed(28); np.random.permutation(150)` (what its
/// `DataFrame.sample(frac=1)` draws), so the 100/50 split is the seed's own.
pub const SEED_ORDER: [usize; 150] = [
    24, 134, 81, 14, 114, 93, 128, 66, 59, 35, 101, 15, 50, 51, 130, 48, 120, 124, 147, 62, 0, 36,
    53, 70, 73, 49, 105, 136, 9, 52, 21, 144, 92, 27, 77, 75, 103, 56, 64, 132, 61, 99, 121, 54,
    13, 119, 115, 122, 30, 16, 141, 145, 33, 69, 84, 38, 95, 46, 63, 40, 82, 18, 79, 37, 125, 19,
    42, 34, 106, 108, 23, 90, 78, 6, 143, 55, 39, 85, 20, 29, 113, 88, 41, 96, 131, 100, 71, 89,
    11, 83, 126, 72, 98, 110, 133, 43, 148, 31, 102, 91, 135, 123, 107, 86, 138, 47, 25, 2, 10,
    111, 112, 17, 74, 149, 65, 58, 137, 80, 116, 57, 127, 67, 146, 117, 97, 76, 44, 142, 139, 4,
    26, 109, 28, 104, 68, 60, 45, 118, 129, 7, 94, 8, 12, 140, 87, 3, 32, 22, 5, 1,
];

/// Arguments of `embedml demo iris-mdn`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The iris CSV (columns sepal_width and petal_width).
    #[arg(long, default_value = "data/iris.csv")]
    pub data: PathBuf,
    /// Seed of a shuffle of our own for the train/test split [default: seed 000's shuffle].
    #[arg(long)]
    pub split_seed: Option<u64>,
    /// Seed of the first training run (runs use `seed`, `seed + 1`, …).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Training runs per setup (the median of their test NLLs is reported).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: u64,
    /// Directory of the figures.
    #[arg(long, default_value = DEFAULT_OUT_DIR)]
    pub out_dir: PathBuf,
}

/// Mean NLLs (standardised units) of one setup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nll {
    /// On the 100 training rows.
    pub train: f64,
    /// On the 50 test rows.
    pub test: f64,
}

/// The standardised `(sepal_width, petal_width)` of `path`, in seed 000's order
/// ([`SEED_ORDER`]) or shuffled by `split_seed`.
pub fn data(path: &std::path::Path, split_seed: Option<u64>) -> Result<(Vec<f32>, Vec<f32>)> {
    let table = Table::read(path)?;
    let mut x = table.numeric(&[table.column("sepal_width")?])?;
    let mut t = table.numeric(&[table.column("petal_width")?])?;
    Standardizer::fit(&x, 1).apply(&mut x);
    Standardizer::fit(&t, 1).apply(&mut t);
    let order: Vec<usize> = match split_seed {
        None if x.len() == SEED_ORDER.len() => SEED_ORDER.to_vec(),
        None => {
            return Err(crate::data_err!(
                "{}: seed 000's split needs the 150 iris rows, found {}",
                path.display(),
                x.len()
            ))
        }
        Some(seed) => {
            let mut order: Vec<usize> = (0..x.len()).collect();
            Rng::new(seed).shuffle(&mut order);
            order
        }
    };
    Ok((
        order.iter().map(|&i| x[i]).collect(),
        order.iter().map(|&i| t[i]).collect(),
    ))
}

/// The median of `v` (sorted in place; the mean of the middle two for an even count).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Seed 000's hyperparameters.
pub fn seed_hyper(seed: u64) -> Hyper {
    let mut h = Hyper::new(&[4], Activation::Sigmoid);
    h.optimizer = "sgd".into();
    h.lr = 0.1;
    h.batch = 10;
    h.iterations = Some(3000);
    h.init_std = Some(0.01);
    h.seed = seed;
    h
}

/// The tuned hyperparameters (σ_min = [`TUNED_SIGMA_MIN`]).
pub fn tuned_hyper(seed: u64) -> Hyper {
    let mut h = Hyper::new(&[8], Activation::Tanh);
    h.lr = 0.01;
    h.lr_schedule = LrSchedule::Step;
    h.batch = 10;
    h.epochs = 200;
    h.restarts = 5;
    h.seed = seed;
    h
}

/// σ_min of the tuned setup (standardised petal_width units).
pub const TUNED_SIGMA_MIN: f32 = 0.05;

/// `ln` of the sample standard deviation of petal_width: the log-Jacobian that turns an NLL in
/// standardised units into one in centimetres (`nll_cm = nll_std + ln std`), the units
/// `embedml eval` reports for a model trained with `--standardize` on the raw file.
pub fn log_target_std(path: &std::path::Path) -> Result<f64> {
    let table = Table::read(path)?;
    let t = table.numeric(&[table.column("petal_width")?])?;
    let n = t.len() as f64;
    let mean = t.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = t.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Ok(0.5 * var.ln())
}

/// Trains one setup on the split and returns its NLLs and the model.
pub fn run_setup(
    x: &[f32],
    t: &[f32],
    hyper: Hyper,
    sigma_min: f32,
) -> Result<(Nll, crate::models::mdn::MdnModel)> {
    let [(xa, ta), (xb, tb)] = split(x, t, 1, 1, 100);
    let (model, _) = train(
        hyper,
        2,
        sigma_min,
        &["sepal_width"],
        &["petal_width"],
        &xa,
        &ta,
    )?;
    let nll = Nll {
        train: model.mean_nll(&xa, &ta)?,
        test: model.mean_nll(&xb, &tb)?,
    };
    Ok((nll, model))
}

/// Runs `embedml demo iris-mdn`: both setups for training seeds `seed … seed + 4` (NLLs and
/// medians), figures for `seed`.
pub fn run(args: Args) -> Result<()> {
    let (x, t) = data(&args.data, args.split_seed)?;
    let [(xa, ta), (xb, tb)] = split(&x, &t, 1, 1, 100);
    let sets = [
        DataSet {
            label: "train",
            x: &xa,
            t: &ta,
        },
        DataSet {
            label: "test",
            x: &xb,
            t: &tb,
        },
    ];
    println!(
        "seed 000: p(petal_width | sepal_width) on iris, standardised, 100 train / 50 test, K = 2"
    );
    println!("NLL in nats per point, standardised units (as the seed reports them)");
    let log_std = log_target_std(&args.data)?;
    type Setup = (
        &'static str,
        fn(u64) -> Hyper,
        f32,
        &'static str,
        &'static str,
    );
    let setups: [Setup; 2] = [
        (
            "seed setup (4 sigmoid, N(0,0.01²), SGD lr 0.1, 3000 iterations of 10)",
            seed_hyper,
            0.0,
            "iris_mdn_seed.png",
            "iris, seed 000 setup (K = 2, 4 sigmoid, SGD)",
        ),
        (
            "tuned (8 tanh, Adam 0.01 step schedule, 200 epochs, σ_min 0.05, 5 restarts)",
            tuned_hyper,
            TUNED_SIGMA_MIN,
            "iris_mdn_tuned.png",
            "iris, tuned (K = 2, 8 tanh, Adam, σ_min 0.05, 5 restarts)",
        ),
    ];
    for (name, hyper, sigma_min, file, title) in setups {
        println!("{name}:");
        let mut tests = Vec::new();
        for s in args.seed..args.seed + args.seeds {
            let (nll, model) = run_setup(&x, &t, hyper(s), sigma_min)?;
            println!(
                "  training seed {s}: train {:.3}, test {:.3}",
                nll.train, nll.test
            );
            tests.push(nll.test);
            if s == args.seed {
                figure(&model, &sets, &args.out_dir, file, title)?;
            }
        }
        let med = median(&mut tests);
        println!(
            "  median test NLL over {} seeds: {med:.3} (in petal_width's units, cm: {:.3}); \
             {} of {} runs <= 0.70",
            tests.len(),
            med + log_std,
            tests.iter().filter(|&&v| v <= 0.70).count(),
            tests.len()
        );
    }
    println!(
        "seed 000 reports train 0.669, test 0.647: one run (np.random.seed(28)) with its \
         μ-gradient erratum (γ(μ−t)/σ); ours is PRML's γ(μ−t)/σ². The seed setup's test NLL \
         varies widely with the seed: over seeds 0–19 of bench/seed000_numpy.py the median is \
         0.76 for the seed's code as published and 0.96 with the correct gradient (0.791 on the \
         seed's own stream); `embedml demo iris-mdn --seeds 20` gives 0.74 here"
    );
    Ok(())
}
