//! Queries of a trained MDN in data units: per-row mixtures, NLL, summaries, samples, density
//! grids and every local mode. The trunk runs batched on the CPU backend; each row's mixture is
//! core's [`Mixture`], converted to data units only at the end.

use embedml::models::mdn::{Mixture, ModeSearch};
use embedml::Rng;
use rayon::prelude::*;

use super::MdnModel;
use crate::backend::cpu::CpuBackend;
use crate::backend::net::Net;
use crate::data_err;
use crate::error::Result;

/// Rows per trunk forward pass when querying.
const QUERY_BATCH: usize = 4096;

/// Mode search used by every query: core's default (200 mean-shift iterations, tol 1e-6).
pub const DEFAULT_MODE_SEARCH: ModeSearch = ModeSearch {
    max_iter: 200,
    tol: 1e-6,
};

/// A local mode of a conditional density: the point (`L`, data units) and `ln p` there.
pub type LocalMode = (Vec<f32>, f32);

/// One row's conditional mixture and its summaries, in the **data units** of the targets.
#[derive(Debug, Clone, PartialEq)]
pub struct RowMixture {
    /// Mixing coefficients `π` (`K`).
    pub pi: Vec<f32>,
    /// Component means `μ · std + mean` (`K × L`, component-major).
    pub mu: Vec<f32>,
    /// Component standard deviations `σ · std_l` (`K × L`).
    pub sigma: Vec<f32>,
    /// Conditional mean (`L`).
    pub mean: Vec<f32>,
    /// Conditional variance per target dimension (`L`), `Σ π (σ² + (μ − mean)²) · std²`.
    pub variance: Vec<f32>,
    /// Refined conditional mode (mean-shift from every `μ_k`, best end point; `L`).
    pub mode: Vec<f32>,
}

impl RowMixture {
    /// The values in the order of [`MdnModel::prediction_columns`].
    pub fn flat(&self) -> Vec<f32> {
        let mut v = self.pi.clone();
        v.extend(&self.mu);
        v.extend(&self.sigma);
        v.extend(&self.mean);
        v.extend(&self.variance);
        v.extend(&self.mode);
        v
    }

    /// As a JSON object: `pi` (K), `mu` and `sigma` (K × L nested), `mean`, `variance`,
    /// `mode` (L).
    pub fn to_json(&self, l: usize) -> serde_json::Value {
        let nest = |v: &[f32]| -> Vec<Vec<f32>> { v.chunks(l).map(<[f32]>::to_vec).collect() };
        serde_json::json!({
            "pi": self.pi,
            "mu": nest(&self.mu),
            "sigma": nest(&self.sigma),
            "mean": self.mean,
            "variance": self.variance,
            "mode": self.mode,
        })
    }
}

impl MdnModel {
    /// Raw trunk outputs `[a^π, a^σ, a^μ]` (`n × K(L+2)`) for data-unit inputs `x_raw`
    /// (`n × n_inputs`), computed batched.
    pub fn raw_outputs(&self, x_raw: &[f32]) -> Result<Vec<f32>> {
        let n_in = self.n_inputs();
        if x_raw.is_empty() || x_raw.len() % n_in != 0 {
            return Err(data_err!(
                "{} input values do not make rows of {n_in}",
                x_raw.len()
            ));
        }
        let mut x = x_raw.to_vec();
        self.x_norm.apply(&mut x);
        let mut be = CpuBackend::new();
        let cap = QUERY_BATCH.min(x.len() / n_in).max(1);
        let out = Net::for_inference(&mut be, &self.layers, &self.params, cap)?
            .outputs(&mut be, &x)?;
        if out.iter().any(|v| !v.is_finite()) {
            return Err(data_err!(
                "the network output is not finite for these inputs (far outside the training range?)"
            ));
        }
        Ok(out)
    }

    /// Runs `f(row, mixture)` on each row's mixture (in **standardised** target units), in
    /// parallel; results in row order.
    pub fn map_mixtures<T: Send>(
        &self,
        x_raw: &[f32],
        f: impl Fn(usize, &Mixture<'_>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let out = self.raw_outputs(x_raw)?;
        let o = self.head.output_len();
        out.par_chunks(o)
            .enumerate()
            .map(|(i, row)| {
                let mut buf = vec![0.0f32; o];
                let mix = self.head.mixture(row, &mut buf)?;
                f(i, &mix)
            })
            .collect()
    }

    /// Per-row negative log-likelihood `−ln p(t | x)` in nats, in the units of the data:
    /// core's head loss on the standardised target plus `Σ_l ln std_l`.
    pub fn nll_rows(&self, x_raw: &[f32], t_raw: &[f32]) -> Result<Vec<f64>> {
        let l = self.l();
        let n = x_raw.len() / self.n_inputs().max(1);
        if t_raw.len() != n * l {
            return Err(data_err!(
                "{} target values for {n} rows of {l} target columns",
                t_raw.len()
            ));
        }
        let mut t = t_raw.to_vec();
        self.y_norm.apply(&mut t);
        let out = self.raw_outputs(x_raw)?;
        let jac = self.log_jacobian();
        let o = self.head.output_len();
        out.par_chunks(o)
            .zip(t.par_chunks(l))
            .map(|(row, ti)| Ok(self.head.loss(row, ti)? as f64 + jac))
            .collect()
    }

    /// Mean NLL (data units) over rows.
    pub fn mean_nll(&self, x_raw: &[f32], t_raw: &[f32]) -> Result<f64> {
        let v = self.nll_rows(x_raw, t_raw)?;
        Ok(v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Converts `L` standardised target values to data units in place.
    pub fn target_to_data(&self, t: &mut [f32]) {
        self.y_norm.invert(t);
    }

    /// π, μ, σ, mean, variance and refined mode of each row, in data units.
    pub fn describe_rows(&self, x_raw: &[f32]) -> Result<Vec<RowMixture>> {
        let (k, l) = (self.k(), self.l());
        let std = &self.y_norm.std;
        self.map_mixtures(x_raw, |_, mix| {
            let pi: Vec<f32> = (0..k).map(|c| mix.pi(c)).collect();
            let mut mu = mix.mu().to_vec();
            self.y_norm.invert(&mut mu);
            let sigma: Vec<f32> = (0..k)
                .flat_map(|c| std.iter().map(move |s| mix.sigma()[c] * s))
                .collect();
            let (mut mean, mut variance) = (vec![0.0; l], vec![0.0; l]);
            mix.mean_and_variances(&mut mean, &mut variance)?;
            self.y_norm.invert(&mut mean);
            for (v, s) in variance.iter_mut().zip(std) {
                *v *= s * s;
            }
            let (mut mode, mut scratch) = (vec![0.0; l], vec![0.0; 2 * l]);
            mix.mode(&mut mode, &mut scratch, DEFAULT_MODE_SEARCH)?;
            self.y_norm.invert(&mut mode);
            Ok(RowMixture {
                pi,
                mu,
                sigma,
                mean,
                variance,
                mode,
            })
        })
    }

    /// `n_per_row` samples `t ~ p(t | x)` per input row (data units), `rows × n_per_row × L`;
    /// row `i` draws from its own stream derived from `seed` (so results do not depend on
    /// threading).
    pub fn sample_rows(&self, x_raw: &[f32], n_per_row: usize, seed: u64) -> Result<Vec<f32>> {
        let l = self.l();
        let rows = self.map_mixtures(x_raw, |i, mix| {
            let mut rng = Rng::new(row_seed(seed, i as u64));
            let mut out = vec![0.0f32; n_per_row * l];
            for s in out.chunks_exact_mut(l) {
                mix.sample(&mut rng, s)?;
                self.y_norm.invert(s);
            }
            Ok(out)
        })?;
        Ok(rows.concat())
    }

    /// `p(t | x)` (a density in data units) at each row of `x_raw` for each point of
    /// `t_points` (`m × L`, data units): `rows × m`, row-major.
    pub fn density_grid(&self, x_raw: &[f32], t_points: &[f32]) -> Result<Vec<f64>> {
        let l = self.l();
        let mut t = t_points.to_vec();
        self.y_norm.apply(&mut t);
        let m = t.len() / l;
        let jac = self.log_jacobian();
        let rows = self.map_mixtures(x_raw, |_, mix| {
            let mut lp = vec![0.0f32; m];
            mix.log_density_grid(&t, &mut lp)?;
            Ok(lp
                .into_iter()
                .map(|v| (v as f64 - jac).exp())
                .collect::<Vec<f64>>())
        })?;
        Ok(rows.concat())
    }

    /// Every local mode of each row (data units): the distinct end points of the mean-shift
    /// searches from each `μ_k` (duplicates within `tol` standardised units merged) whose
    /// density is at least `min_rel` times the row's best mode; each as `(mode (L), ln p)`.
    pub fn local_modes(
        &self,
        x_raw: &[f32],
        tol: f32,
        min_rel: f32,
    ) -> Result<Vec<Vec<LocalMode>>> {
        let (k, l) = (self.k(), self.l());
        let jac = self.log_jacobian() as f32;
        let floor = min_rel.max(0.0).ln();
        self.map_mixtures(x_raw, |_, mix| {
            let (mut ends, mut lps, mut scratch) = (vec![0.0; k * l], vec![0.0; k], vec![0.0; l]);
            mix.modes(&mut ends, &mut lps, &mut scratch, DEFAULT_MODE_SEARCH)?;
            let best = lps.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut found: Vec<LocalMode> = Vec::new();
            for (e, &lp) in ends.chunks_exact(l).zip(&lps) {
                if lp - best < floor {
                    continue;
                }
                let dup = found.iter().any(|(f, _)| {
                    f.iter().zip(e).all(|(a, b)| (a - b).abs() <= tol)
                });
                if !dup {
                    found.push((e.to_vec(), lp));
                }
            }
            for (m, lp) in &mut found {
                self.y_norm.invert(m);
                *lp -= jac;
            }
            Ok(found)
        })
    }
}

/// The seed of row `i`'s sampling stream.
fn row_seed(seed: u64, i: u64) -> u64 {
    let mut s = seed ^ i.wrapping_mul(0xD134_2543_DE82_EF95);
    embedml::rng::splitmix64(&mut s)
}
