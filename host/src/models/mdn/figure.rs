//! Figures of a trained MDN (data units): for one input and one target, [`plot::mdn_figure`]
//! (log-density shading and contours on a grid, every local conditional mode, the conditional
//! mean, samples next to the data); for two targets, a scatter of the data and of model
//! samples (and the refined modes) in the target plane.

use std::path::Path;

use super::MdnModel;
use crate::error::{HostError, Result};
use crate::plot::{self, MdnFigure};

/// Grid points along each axis of the density shading.
const GRID: usize = 140;
/// Inputs at which the local modes and the mean are traced.
const CURVE: usize = 300;

/// A labelled data set in data units: inputs (`n × n_inputs`) and targets (`n × L`).
#[derive(Debug, Clone, Copy)]
pub struct DataSet<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Inputs, row-major.
    pub x: &'a [f32],
    /// Targets, row-major.
    pub t: &'a [f32],
}

fn plot_err(e: crate::plot::PlotError) -> HostError {
    HostError::Usage(format!("cannot draw the figure: {e}"))
}

fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

fn span(v: impl Iterator<Item = f32>, pad: f64) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x as f64), b.max(x as f64))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let w = (hi - lo).max(1e-6);
    (lo - pad * w, hi + pad * w)
}

/// Draws the figure for `model` over `data` to `path` (PNG). One input and one target: the
/// two-panel conditional-density figure; two targets: data vs samples in the target plane;
/// anything else is an error. `seed` drives the samples (one per data row).
pub fn draw(model: &MdnModel, data: &[DataSet<'_>], path: &Path, title: &str, seed: u64) -> Result<()> {
    match (model.n_inputs(), model.l()) {
        (1, 1) => draw_1d(model, data, path, title, seed),
        (_, 2) => draw_2d(model, data, path, title, seed),
        (d, l) => Err(HostError::Usage(format!(
            "plot draws models with 1 input and 1 target, or with 2 targets; this one has {d} input(s) and {l} target(s)"
        ))),
    }
}

fn draw_1d(model: &MdnModel, data: &[DataSet<'_>], path: &Path, title: &str, seed: u64) -> Result<()> {
    let (x0, x1) = span(data.iter().flat_map(|d| d.x.iter().copied()), 0.03);
    let (t0, t1) = span(data.iter().flat_map(|d| d.t.iter().copied()), 0.12);
    let grid_x = linspace(x0, x1, GRID);
    let grid_t = linspace(t0, t1, GRID);
    let gx: Vec<f32> = grid_x.iter().map(|&v| v as f32).collect();
    let gt: Vec<f32> = grid_t.iter().map(|&v| v as f32).collect();
    let density = model.density_grid(&gx, &gt)?;
    let cx: Vec<f32> = linspace(x0, x1, CURVE).iter().map(|&v| v as f32).collect();
    let modes = model.local_modes(&cx, 1e-3, 0.2)?;
    let mode_points: Vec<(f64, f64)> = cx
        .iter()
        .zip(&modes)
        .flat_map(|(&x, ms)| ms.iter().map(move |(m, _)| (x as f64, m[0] as f64)))
        .collect();
    let rows = model.describe_rows(&cx)?;
    let mean_curve: Vec<(f64, f64)> = cx
        .iter()
        .zip(&rows)
        .map(|(&x, r)| (x as f64, r.mean[0] as f64))
        .collect();
    let pts: Vec<Vec<(f64, f64)>> = data
        .iter()
        .map(|d| d.x.iter().zip(d.t).map(|(&a, &b)| (a as f64, b as f64)).collect())
        .collect();
    let sets: Vec<(&str, &[(f64, f64)])> = data
        .iter()
        .zip(&pts)
        .map(|(d, p)| (d.label, p.as_slice()))
        .collect();
    let all_x: Vec<f32> = data.iter().flat_map(|d| d.x.iter().copied()).collect();
    let s = model.sample_rows(&all_x, 1, seed)?;
    let samples: Vec<(f64, f64)> = all_x
        .iter()
        .zip(&s)
        .map(|(&a, &b)| (a as f64, b as f64))
        .collect();
    let fig = MdnFigure {
        title,
        x_label: &model.x_columns[0],
        t_label: &model.y_columns[0],
        data: &sets,
        grid_x: &grid_x,
        grid_t: &grid_t,
        density: &density,
        mode_branches: &[],
        mode_points: &mode_points,
        mean_curve: &mean_curve,
        samples: &samples,
    };
    plot::mdn_figure(path, &fig).map_err(plot_err)
}

fn draw_2d(model: &MdnModel, data: &[DataSet<'_>], path: &Path, title: &str, seed: u64) -> Result<()> {
    let all_x: Vec<f32> = data.iter().flat_map(|d| d.x.iter().copied()).collect();
    let all_t: Vec<f32> = data.iter().flat_map(|d| d.t.iter().copied()).collect();
    let pairs = |v: &[f32]| -> Vec<(f64, f64)> {
        v.chunks_exact(2).map(|p| (p[0] as f64, p[1] as f64)).collect()
    };
    let samples = pairs(&model.sample_rows(&all_x, 1, seed)?);
    let modes: Vec<f32> = model
        .describe_rows(&all_x)?
        .into_iter()
        .flat_map(|r| r.mode)
        .collect();
    let data_pts = pairs(&all_t);
    let mode_pts = pairs(&modes);
    let classes: Vec<(&str, &[(f64, f64)])> = vec![
        ("data", &data_pts),
        ("model samples", &samples),
        ("refined conditional mode", &mode_pts),
    ];
    plot::scatter_chart(
        path,
        &classes,
        &model.y_columns[0],
        &model.y_columns[1],
        title,
    )
    .map_err(plot_err)
}
