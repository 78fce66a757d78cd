//! Categorical naive Bayes: feature `i` takes one of `V_i` values `0..V_i`.
//!
//! `P(x_i = v | y) = (N_{y,i,v} + α) / (N_y + α V_i)` — scikit-learn's `CategoricalNB` (whose
//! denominator is `Σ_v N_{y,i,v} + α V_i`, equal to ours since every sample has one value per
//! feature; pass `min_categories = V_i` to sklearn when some value never occurs in the data,
//! otherwise sklearn counts only the values it has seen). Statistics layout: `class_count[y]` and `counts[(y · F + i) · v_stride + v]`.
//!
//! A feature can be left out of a prediction with a mask (`mask[i] == false`): naive Bayes
//! marginalises an unobserved feature by dropping its factor.

use super::common::{self, check_class, log_prior, log_ratio, Prior};
use super::ratio::{at, ln_ratio, Stat, Sum32};
use super::store::CountStore;
use crate::error::{check_len, Error, Result};

/// Borrowed sufficient statistics and settings of a categorical naive Bayes model.
#[derive(Debug, Clone, Copy)]
pub struct Stats<'a> {
    /// `N_y`, one per class.
    pub class_count: &'a [f32],
    /// `N_{y,i,v}` at `(y · n_features + i) · v_stride + v`.
    pub counts: &'a [f32],
    /// `V_i`, the number of values of each feature (`1 ≤ V_i ≤ v_stride`).
    pub n_values: &'a [usize],
    /// Stride between features in `counts` (the value capacity).
    pub v_stride: usize,
    /// Smoothing `α ≥ 0`.
    pub alpha: f32,
    /// Class priors.
    pub prior: Prior<'a>,
}

fn check_dims(n_classes: usize, counts: usize, n_values: &[usize], v_stride: usize) -> Result<()> {
    check_len(
        "categorical counts",
        n_classes * n_values.len() * v_stride,
        counts,
    )?;
    for &v in n_values {
        if v == 0 || v > v_stride {
            return Err(Error::CapacityExceeded {
                what: "values per feature",
                capacity: v_stride,
                requested: v,
            });
        }
    }
    Ok(())
}

fn check_x(x: &[usize], n_values: &[usize]) -> Result<()> {
    check_len("x", n_values.len(), x.len())?;
    for (&v, &n) in x.iter().zip(n_values) {
        if v >= n {
            return Err(Error::OutOfRange {
                what: "feature value",
                index: v,
                len: n,
            });
        }
    }
    Ok(())
}

/// Adds the sample `(x, y)` to the counts.
pub fn update(
    class_count: &mut [f32],
    counts: &mut [f32],
    n_values: &[usize],
    v_stride: usize,
    x: &[usize],
    y: usize,
) -> Result<()> {
    check_dims(class_count.len(), counts.len(), n_values, v_stride)?;
    check_class(y, class_count.len())?;
    check_x(x, n_values)?;
    let f = n_values.len();
    if let Some(n) = class_count.get_mut(y) {
        *n += 1.0;
    }
    for (i, &v) in x.iter().enumerate() {
        if let Some(n) = counts.get_mut((y * f + i) * v_stride + v) {
            *n += 1.0;
        }
    }
    Ok(())
}

/// `P(x_i = v | y)` (see the module docs); `0` for a class with no samples and `α = 0`.
pub fn probability(s: &Stats<'_>, y: usize, i: usize, v: usize) -> Result<f32> {
    check_dims(s.class_count.len(), s.counts.len(), s.n_values, s.v_stride)?;
    check_class(y, s.class_count.len())?;
    let f = s.n_values.len();
    if i >= f {
        return Err(Error::OutOfRange {
            what: "feature",
            index: i,
            len: f,
        });
    }
    if v >= s.n_values[i] {
        return Err(Error::OutOfRange {
            what: "feature value",
            index: v,
            len: s.n_values[i],
        });
    }
    let a = s.alpha as f64;
    let num = s.counts[(y * f + i) * s.v_stride + v] as f64 + a;
    let den = s.class_count[y] as f64 + a * s.n_values[i] as f64;
    Ok(if den > 0.0 { (num / den) as f32 } else { 0.0 })
}

/// `out[y] = ln P(y) + Σ_{i in mask} ln P(x_i | y)` (may be `−∞`, never NaN).
pub fn joint_log_likelihood(
    s: &Stats<'_>,
    x: &[usize],
    mask: Option<&[bool]>,
    out: &mut [f64],
) -> Result<()> {
    check_dims(s.class_count.len(), s.counts.len(), s.n_values, s.v_stride)?;
    common::check_alpha(s.alpha)?;
    check_x(x, s.n_values)?;
    if let Some(m) = mask {
        check_len("mask", x.len(), m.len())?;
    }
    log_prior(s.class_count, s.prior, out)?;
    for (y, o) in out.iter_mut().enumerate() {
        for (i, &v) in x.iter().enumerate() {
            if mask.is_some_and(|m| !at(m, i)) {
                continue;
            }
            *o += log_prob(s, y, i, v);
        }
    }
    Ok(())
}

/// `P(x_i = v | y)` as `(N_{y,i,v} + α, N_y + α V_i)`: the one formula of both prediction
/// paths (`f64`, or compensated `f32` for the tables; see [`Stat`]). Arguments checked by the
/// caller.
fn ratio<S: Stat>(s: &Stats<'_>, y: usize, i: usize, v: usize) -> (S, S) {
    let f = s.n_values.len();
    let a = S::of(s.alpha);
    let num = S::of(at(s.counts, (y * f + i) * s.v_stride + v)).plus(a);
    (
        num,
        S::of(at(s.class_count, y)).plus(a.times(at(s.n_values, i))),
    )
}

/// `ln P(x_i = v | y)` in `f64` (`−∞` for a zero probability).
fn log_prob(s: &Stats<'_>, y: usize, i: usize, v: usize) -> f64 {
    let (num, den) = ratio::<f64>(s, y, i, v);
    log_ratio(num, den)
}

/// Fills the tables of the `f32` prediction path ([`super::tables`]): `log_prior[y] = ln P(y)`
/// and `table[(y · F + i) · v_stride + v] = ln P(x_i = v | y)` for `v < V_i` (`−∞` beyond):
/// the ratios of [`joint_log_likelihood`]'s terms in compensated `f32`, no `f64` arithmetic
/// (see [`super::tables`]).
pub fn fill_log_tables(s: &Stats<'_>, log_prior: &mut [f32], table: &mut [f32]) -> Result<()> {
    check_len("categorical log table", s.counts.len(), table.len())?;
    let row = s.n_values.len() * s.v_stride;
    for (y, r) in table.chunks_exact_mut(row.max(1)).enumerate() {
        fill_log_table_row(s, y, r)?;
    }
    common::log_prior_f32(s.class_count, s.prior, log_prior)
}

/// Class `y`'s part of [`fill_log_tables`]' `table` (`F · v_stride` entries, at
/// `i · v_stride + v`): after an `update` of class `y`, this row and the log priors are all
/// that changed.
pub fn fill_log_table_row(s: &Stats<'_>, y: usize, row: &mut [f32]) -> Result<()> {
    check_dims(s.class_count.len(), s.counts.len(), s.n_values, s.v_stride)?;
    common::check_alpha(s.alpha)?;
    check_class(y, s.class_count.len())?;
    let vs = s.v_stride;
    check_len(
        "categorical log table row",
        s.n_values.len() * vs,
        row.len(),
    )?;
    for (k, t) in row.iter_mut().enumerate() {
        let (i, v) = (k / vs, k % vs);
        *t = if v < at(s.n_values, i) {
            let (num, den) = ratio::<Sum32>(s, y, i, v);
            ln_ratio(num, den)
        } else {
            f32::NEG_INFINITY
        };
    }
    Ok(())
}

/// The `f32` joint log-likelihoods from the tables of [`fill_log_tables`]:
/// `out[y] = log_prior[y] + Σ_{i in mask} table[(y · F + i) · v_stride + x_i]`, summed in `f32`.
pub fn joint_log_likelihood_f32(
    log_prior: &[f32],
    table: &[f32],
    n_values: &[usize],
    v_stride: usize,
    x: &[usize],
    mask: Option<&[bool]>,
    out: &mut [f32],
) -> Result<()> {
    check_dims(log_prior.len(), table.len(), n_values, v_stride)?;
    check_x(x, n_values)?;
    check_len("log-likelihood output", log_prior.len(), out.len())?;
    if let Some(m) = mask {
        check_len("mask", x.len(), m.len())?;
    }
    let f = n_values.len();
    for (y, (o, &lp)) in out.iter_mut().zip(log_prior).enumerate() {
        let row = table
            .get(y * f * v_stride..(y + 1) * f * v_stride)
            .unwrap_or(&[]);
        let mut acc = lp;
        for (i, &v) in x.iter().enumerate() {
            if mask.is_none_or(|m| at(m, i)) {
                acc += at(row, i * v_stride + v);
            }
        }
        *o = acc;
    }
    Ok(())
}

/// Multiplies every count by `factor ∈ (0, 1]` (exponential forgetting). Shared by the discrete
/// variants.
pub fn forget(class_count: &mut [f32], counts: &mut [f32], factor: f32) -> Result<()> {
    common::check_factor(factor)?;
    for c in class_count.iter_mut().chain(counts.iter_mut()) {
        *c *= factor;
    }
    Ok(())
}

/// Categorical naive Bayes with `C` classes, `F` features and at most `V` values per feature.
///
/// ```
/// use embedml::models::naive_bayes::CategoricalNb;
/// let mut nb = CategoricalNb::<2, 1, 2>::new([2], 1.0).unwrap();
/// nb.update(&[0], 0).unwrap();
/// nb.update(&[1], 1).unwrap();
/// assert_eq!(nb.predict(&[1], None).unwrap(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalNb<const C: usize, const F: usize, const V: usize> {
    store: CountStore<C, [[f32; V]; F]>,
    n_values: [usize; F],
}

impl<const C: usize, const F: usize, const V: usize> CategoricalNb<C, F, V> {
    /// An untrained model; `n_values[i] ∈ 1..=V` values for feature `i`, smoothing `alpha ≥ 0`.
    pub fn new(n_values: [usize; F], alpha: f32) -> Result<Self> {
        common::check_alpha(alpha)?;
        check_dims(C, C * F * V, &n_values, V)?;
        Ok(Self {
            store: CountStore::new(alpha)?,
            n_values,
        })
    }

    /// Uses fixed class priors instead of learned ones (`None`: learned).
    pub fn set_prior(&mut self, prior: Option<[f32; C]>) -> Result<()> {
        self.store.set_prior(prior)
    }

    /// The borrowed statistics (for the slice functions of this module).
    pub fn stats(&self) -> Stats<'_> {
        Stats {
            class_count: &self.store.class_count,
            counts: self.store.counts_flat(),
            n_values: &self.n_values,
            v_stride: V,
            alpha: self.store.alpha,
            prior: self.store.prior_view(),
        }
    }

    /// Adds one sample (online learning).
    pub fn update(&mut self, x: &[usize], y: usize) -> Result<()> {
        let (class_count, counts) = self.store.parts_mut();
        update(class_count, counts, &self.n_values, V, x, y)
    }

    /// Multiplies every count by `factor ∈ (0, 1]`.
    pub fn forget(&mut self, factor: f32) -> Result<()> {
        self.store.forget(factor)
    }

    /// Joint log-likelihoods `ln P(y) + Σ_i ln P(x_i | y)`, features with `mask[i] == false`
    /// left out (`None`: all features).
    pub fn joint_log_likelihood(&self, x: &[usize], mask: Option<&[bool]>) -> Result<[f64; C]> {
        let mut out = [0.0; C];
        joint_log_likelihood(&self.stats(), x, mask, &mut out)?;
        Ok(out)
    }

    /// `P(y | x)` for every class.
    pub fn predict_proba(&self, x: &[usize], mask: Option<&[bool]>) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize(&self.joint_log_likelihood(x, mask)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties); features with `mask[i] == false`
    /// are ignored.
    pub fn predict(&self, x: &[usize], mask: Option<&[bool]>) -> Result<usize> {
        common::argmax(&self.joint_log_likelihood(x, mask)?)
    }

    /// `P(x_i = v | y)`.
    pub fn probability(&self, y: usize, i: usize, v: usize) -> Result<f32> {
        probability(&self.stats(), y, i, v)
    }

    /// `P(y)` for every class.
    pub fn prior(&self) -> [f32; C] {
        self.store.priors()
    }

    /// `N_y`, the (decayed) number of samples per class.
    pub fn class_count(&self) -> &[f32; C] {
        &self.store.class_count
    }

    /// `N_{y,i,v}`.
    pub fn counts(&self) -> &[[[f32; V]; F]; C] {
        &self.store.counts
    }

    /// Smoothing `α`.
    pub fn alpha(&self) -> f32 {
        self.store.alpha
    }

    /// `V_i`, the number of values of each feature.
    pub fn n_values(&self) -> &[usize; F] {
        &self.n_values
    }

    /// The fixed class priors, if set ([`set_prior`](Self::set_prior)).
    pub fn fixed_prior(&self) -> Option<&[f32; C]> {
        self.store.prior.as_ref()
    }

    /// Replaces the statistics (e.g. learnt on the host): `class_count` (`C`) and `counts`
    /// (`C · F · V`, at `(y · F + i) · V + v`), all finite and `≥ 0`.
    pub fn set_counts(&mut self, class_count: &[f32], counts: &[f32]) -> Result<()> {
        let what = ["categorical class counts", "categorical counts"];
        self.store.set_counts(what, class_count, counts)
    }
}
