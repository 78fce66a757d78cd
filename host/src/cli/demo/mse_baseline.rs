//! The plain least-squares network the MDN demos compare against: an `mlp` regression trained
//! through the host's `mlp` kind on a generated table.

use std::path::Path;

use embedml::Activation;

use crate::data::Table;
use crate::error::Result;
use crate::models::mlp::{self, MlpModel, OptimizerKind, TrainArgs};

/// A table with one column per `(name, values)` (all the same length).
pub fn table_of(cols: &[(&str, &[f32])]) -> Result<Table> {
    let n = cols.first().map_or(0, |c| c.1.len());
    let rows = (0..n)
        .map(|i| cols.iter().map(|(_, v)| v[i].to_string()).collect())
        .collect();
    Table::from_parts(
        Path::new("<generated>"),
        cols.iter().map(|(c, _)| c.to_string()).collect(),
        rows,
        vec![],
    )
}

/// Trains a tanh MLP (`hidden`) with MSE and Adam on column `x` → `y` of `table`.
pub fn fit(
    table: &Table,
    x: &str,
    y: &str,
    hidden: &[usize],
    epochs: usize,
    seed: u64,
) -> Result<MlpModel> {
    let args = TrainArgs {
        data: "<generated>".into(),
        x: vec![x.to_owned()],
        y: vec![y.to_owned()],
        task: Some(mlp::Task::Regression),
        hidden: hidden.to_vec(),
        activation: Activation::Tanh,
        optimizer: OptimizerKind::Adam,
        lr: Some(0.01),
        batch: 64,
        epochs,
        seed,
        standardize: true,
        out: "<none>".into(),
        json: false,
        device: crate::backend::Device::Cpu,
    };
    let mut model = mlp::prepare(&args, table)?;
    mlp::fit(&mut model, table, |_, _| {})?;
    Ok(model)
}

/// Predictions (data units) of a one-input, one-output regression MLP at `xs`.
pub fn predict(model: &MlpModel, xs: &[f32]) -> Result<Vec<f32>> {
    let mut x = xs.to_vec();
    model.x_norm.apply(&mut x);
    let mut out = model.raw_outputs(&x)?;
    model.y_norm.invert(&mut out);
    Ok(out)
}

/// Mean squared error of `pred` against `t`, and the NLL (nats) of the homoscedastic Gaussian
/// `N(pred, mse)` a least-squares fit implies: `½ ln(2π mse) + ½`.
pub fn mse_and_nll(pred: &[f32], t: &[f32]) -> (f64, f64) {
    let mse = pred
        .iter()
        .zip(t)
        .map(|(p, t)| ((p - t) as f64).powi(2))
        .sum::<f64>()
        / t.len().max(1) as f64;
    (mse, 0.5 * (2.0 * std::f64::consts::PI * mse).ln() + 0.5)
}

/// Draws the MSE fit as a curve over the data (same figure layout as the MDN's, no density).
pub fn figure(
    model: &MlpModel,
    x: &[f32],
    t: &[f32],
    x_label: &str,
    t_label: &str,
    path: &Path,
    title: &str,
) -> Result<()> {
    let (lo, hi) = x
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let grid: Vec<f32> = (0..300)
        .map(|i| lo + (hi - lo) * i as f32 / 299.0)
        .collect();
    let pred = predict(model, &grid)?;
    let curve: Vec<(f64, f64)> = grid
        .iter()
        .zip(&pred)
        .map(|(&a, &b)| (a as f64, b as f64))
        .collect();
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(t)
        .map(|(&a, &b)| (a as f64, b as f64))
        .collect();
    let series: [(&str, &[(f64, f64)]); 1] = [("data", &pts)];
    let fig = crate::plot::MdnFigure {
        title,
        x_label,
        t_label,
        data: &series,
        mean_curve: &curve,
        ..Default::default()
    };
    crate::plot::mdn_figure(path, &fig)
        .map_err(|e| crate::error::HostError::Usage(format!("cannot draw the figure: {e}")))?;
    println!("  figure: {}", path.display());
    Ok(())
}
