//! What the MDN demos share: training on in-memory arrays, the output directory and figures.

use std::path::{Path, PathBuf};

use crate::error::{HostError, Result};
use crate::models::mdn::{self, DataSet, FitReport, Hyper, MdnModel};

/// Default directory of the demos' figures.
pub const DEFAULT_OUT_DIR: &str = "embedml-demo-out";

/// Creates `dir` (and parents) and returns `dir/name`.
pub fn out_path(dir: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| HostError::io(dir, e))?;
    Ok(dir.join(name))
}

/// Trains an MDN with `k` components on data-unit arrays (no progress bar).
#[allow(clippy::too_many_arguments)]
pub fn train(
    hyper: Hyper,
    k: usize,
    sigma_min: f32,
    x_names: &[&str],
    y_names: &[&str],
    x: &[f32],
    t: &[f32],
) -> Result<(MdnModel, FitReport)> {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut model = mdn::prepare_arrays(hyper, k, sigma_min, names(x_names), names(y_names), x, t)?;
    let report = mdn::fit(&mut model, x, t, &|_| {})?;
    Ok((model, report))
}

/// Draws `model`'s figure over `data` into `dir/name` and prints where it went.
pub fn figure(
    model: &MdnModel,
    data: &[DataSet<'_>],
    dir: &Path,
    name: &str,
    title: &str,
) -> Result<PathBuf> {
    let path = out_path(dir, name)?;
    mdn::draw_figure(model, data, &path, title, 1)?;
    println!("  figure: {}", path.display());
    Ok(path)
}

/// The first `n_train` of `rows` rows (of widths `wx`, `wt`) and the rest.
pub fn split(
    x: &[f32],
    t: &[f32],
    wx: usize,
    wt: usize,
    n_train: usize,
) -> [(Vec<f32>, Vec<f32>); 2] {
    [
        (x[..n_train * wx].to_vec(), t[..n_train * wt].to_vec()),
        (x[n_train * wx..].to_vec(), t[n_train * wt..].to_vec()),
    ]
}
