//! Bernoulli naive Bayes: each feature is present (`true`) or absent (`false`).
//!
//! `p_{y,i} = (N_{y,i} + α) / (N_y + 2α)` with `N_{y,i}` the number of class-`y` samples where
//! feature `i` is present; a present feature contributes `ln p_{y,i}`, an absent one
//! `ln (1 − p_{y,i})` — scikit-learn's `BernoulliNB` (`binarize` is the caller's job: pass
//! `x > threshold`). Layout: `counts[y · n_features + i]`.
//!
//! A feature can be ignored (neither present nor absent) with `mask[i] == false` — the SPEC spam
//! example scores a message on two of three words this way.

use super::common::{self, check_class, log_prior, log_ratio, Prior};
use super::ratio::{at, ln_ratio, Stat, Sum32};
use super::store::CountStore;
use crate::error::{check_len, Result};

/// Borrowed statistics and settings of a Bernoulli naive Bayes model.
#[derive(Debug, Clone, Copy)]
pub struct Stats<'a> {
    /// `N_y`, one per class.
    pub class_count: &'a [f32],
    /// `N_{y,i}` at `y · n_features + i`.
    pub counts: &'a [f32],
    /// Smoothing `α ≥ 0`.
    pub alpha: f32,
    /// Class priors.
    pub prior: Prior<'a>,
}

fn n_features(n_classes: usize, counts: usize, x: usize) -> Result<usize> {
    check_len("bernoulli counts", n_classes * x, counts)?;
    Ok(x)
}

/// Adds the sample `(x, y)`.
pub fn update(class_count: &mut [f32], counts: &mut [f32], x: &[bool], y: usize) -> Result<()> {
    let f = n_features(class_count.len(), counts.len(), x.len())?;
    check_class(y, class_count.len())?;
    if let Some(n) = class_count.get_mut(y) {
        *n += 1.0;
    }
    for (c, _) in counts
        .get_mut(y * f..(y + 1) * f)
        .unwrap_or(&mut [])
        .iter_mut()
        .zip(x)
        .filter(|(_, &xi)| xi)
    {
        *c += 1.0;
    }
    Ok(())
}

/// `P(x_i present | y)`; `0` for a class with no samples and `α = 0`.
pub fn probability(s: &Stats<'_>, y: usize, i: usize) -> Result<f32> {
    check_class(y, s.class_count.len())?;
    let f = s.counts.len() / s.class_count.len().max(1);
    check_class(i, f).map_err(|_| crate::Error::OutOfRange {
        what: "feature",
        index: i,
        len: f,
    })?;
    let a = s.alpha as f64;
    let den = s.class_count[y] as f64 + 2.0 * a;
    let num = s.counts[y * f + i] as f64 + a;
    Ok(if den > 0.0 { (num / den) as f32 } else { 0.0 })
}

/// `out[y] = ln P(y) + Σ_{i in mask} [x_i ? ln p_{y,i} : ln(1 − p_{y,i})]`.
pub fn joint_log_likelihood(
    s: &Stats<'_>,
    x: &[bool],
    mask: Option<&[bool]>,
    out: &mut [f64],
) -> Result<()> {
    let f = n_features(s.class_count.len(), s.counts.len(), x.len())?;
    common::check_alpha(s.alpha)?;
    if let Some(m) = mask {
        check_len("mask", f, m.len())?;
    }
    log_prior(s.class_count, s.prior, out)?;
    for (y, o) in out.iter_mut().enumerate() {
        for (i, &xi) in x.iter().enumerate() {
            if mask.is_some_and(|m| !at(m, i)) {
                continue;
            }
            *o += log_prob(s, f, y, i, xi);
        }
    }
    Ok(())
}

/// `p_{y,i}` (present) or `1 − p_{y,i}` (absent) as `(num, den)`: the one formula of both
/// prediction paths (`f64`, or compensated `f32` for the tables; see [`Stat`]). Arguments
/// checked by the caller.
fn ratio<S: Stat>(s: &Stats<'_>, f: usize, y: usize, i: usize, present: bool) -> (S, S) {
    let a = S::of(s.alpha);
    let ny = S::of(at(s.class_count, y));
    let n = S::of(at(s.counts, y * f + i));
    // Absent: (N_y − N_{y,i} + α) / (N_y + 2α) = 1 − p, computed without cancellation.
    let num = if present {
        n.plus(a)
    } else {
        ny.minus(n).plus(a)
    };
    (num, ny.plus(a.times(2)))
}

/// `ln p_{y,i}` (present) or `ln (1 − p_{y,i})` (absent) in `f64`, `−∞` for a zero
/// probability.
fn log_prob(s: &Stats<'_>, f: usize, y: usize, i: usize, present: bool) -> f64 {
    let (num, den) = ratio::<f64>(s, f, y, i, present);
    log_ratio(num, den)
}

/// Fills the tables of the `f32` prediction path ([`super::tables`]): `log_prior[y] = ln P(y)`
/// and `table[(y · F + i) · 2 + b]` = `ln (1 − p_{y,i})` (`b = 0`, absent) or `ln p_{y,i}`
/// (`b = 1`, present): the ratios of [`joint_log_likelihood`]'s terms in compensated `f32`, no
/// `f64` arithmetic (see [`super::tables`]).
pub fn fill_log_tables(s: &Stats<'_>, log_prior: &mut [f32], table: &mut [f32]) -> Result<()> {
    check_len("bernoulli log table", 2 * s.counts.len(), table.len())?;
    let f = s.counts.len() / s.class_count.len().max(1);
    for (y, r) in table.chunks_exact_mut(2 * f.max(1)).enumerate() {
        fill_log_table_row(s, y, r)?;
    }
    common::log_prior_f32(s.class_count, s.prior, log_prior)
}

/// Class `y`'s part of [`fill_log_tables`]' `table` (`2F` entries, at `2i + b`): after an
/// `update` of class `y`, this row and the log priors are all that changed.
pub fn fill_log_table_row(s: &Stats<'_>, y: usize, row: &mut [f32]) -> Result<()> {
    let c = s.class_count.len();
    let f = row.len() / 2;
    n_features(c, s.counts.len(), f)?;
    check_len("bernoulli log table row", 2 * f, row.len())?;
    common::check_alpha(s.alpha)?;
    check_class(y, c)?;
    for (k, t) in row.iter_mut().enumerate() {
        let (num, den) = ratio::<Sum32>(s, f, y, k / 2, k % 2 == 1);
        *t = ln_ratio(num, den);
    }
    Ok(())
}

/// The `f32` joint log-likelihoods from the tables of [`fill_log_tables`]:
/// `out[y] = log_prior[y] + Σ_{i in mask} table[(y · F + i) · 2 + x_i]`, summed in `f32`.
pub fn joint_log_likelihood_f32(
    log_prior: &[f32],
    table: &[f32],
    x: &[bool],
    mask: Option<&[bool]>,
    out: &mut [f32],
) -> Result<()> {
    let f = x.len();
    check_len("bernoulli log table", 2 * log_prior.len() * f, table.len())?;
    check_len("log-likelihood output", log_prior.len(), out.len())?;
    if let Some(m) = mask {
        check_len("mask", f, m.len())?;
    }
    for (y, (o, &lp)) in out.iter_mut().zip(log_prior).enumerate() {
        let row = table.get(2 * y * f..2 * (y + 1) * f).unwrap_or(&[]);
        let mut acc = lp;
        for (i, &xi) in x.iter().enumerate() {
            if mask.is_none_or(|m| at(m, i)) {
                acc += at(row, 2 * i + xi as usize);
            }
        }
        *o = acc;
    }
    Ok(())
}

/// Bernoulli naive Bayes with `C` classes and `F` binary features.
#[derive(Debug, Clone, PartialEq)]
pub struct BernoulliNb<const C: usize, const F: usize> {
    store: CountStore<C, [f32; F]>,
}

impl<const C: usize, const F: usize> BernoulliNb<C, F> {
    /// An untrained model with smoothing `alpha ≥ 0`.
    pub fn new(alpha: f32) -> Result<Self> {
        Ok(Self {
            store: CountStore::new(alpha)?,
        })
    }

    /// Uses fixed class priors instead of learned ones (`None`: learned).
    pub fn set_prior(&mut self, prior: Option<[f32; C]>) -> Result<()> {
        self.store.set_prior(prior)
    }

    /// The borrowed statistics.
    pub fn stats(&self) -> Stats<'_> {
        Stats {
            class_count: &self.store.class_count,
            counts: self.store.counts_flat(),
            alpha: self.store.alpha,
            prior: self.store.prior_view(),
        }
    }

    /// Adds one sample.
    pub fn update(&mut self, x: &[bool], y: usize) -> Result<()> {
        let (class_count, counts) = self.store.parts_mut();
        update(class_count, counts, x, y)
    }

    /// Multiplies every count by `factor ∈ (0, 1]`.
    pub fn forget(&mut self, factor: f32) -> Result<()> {
        self.store.forget(factor)
    }

    /// Joint log-likelihoods; features with `mask[i] == false` are ignored.
    pub fn joint_log_likelihood(&self, x: &[bool], mask: Option<&[bool]>) -> Result<[f64; C]> {
        let mut out = [0.0; C];
        joint_log_likelihood(&self.stats(), x, mask, &mut out)?;
        Ok(out)
    }

    /// `P(y | x)` for every class.
    pub fn predict_proba(&self, x: &[bool], mask: Option<&[bool]>) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize(&self.joint_log_likelihood(x, mask)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties); features with `mask[i] == false`
    /// are ignored.
    pub fn predict(&self, x: &[bool], mask: Option<&[bool]>) -> Result<usize> {
        common::argmax(&self.joint_log_likelihood(x, mask)?)
    }

    /// `P(x_i present | y)`.
    pub fn probability(&self, y: usize, i: usize) -> Result<f32> {
        probability(&self.stats(), y, i)
    }

    /// `P(y)` for every class.
    pub fn prior(&self) -> [f32; C] {
        self.store.priors()
    }

    /// `N_y`.
    pub fn class_count(&self) -> &[f32; C] {
        &self.store.class_count
    }

    /// `N_{y,i}`.
    pub fn counts(&self) -> &[[f32; F]; C] {
        &self.store.counts
    }

    /// Smoothing `α`.
    pub fn alpha(&self) -> f32 {
        self.store.alpha
    }

    /// The fixed class priors, if set ([`set_prior`](Self::set_prior)).
    pub fn fixed_prior(&self) -> Option<&[f32; C]> {
        self.store.prior.as_ref()
    }

    /// Replaces the statistics (e.g. learnt on the host): `class_count` (`C`) and `counts`
    /// (`C · F`, at `y · F + i`), all finite and `≥ 0`.
    pub fn set_counts(&mut self, class_count: &[f32], counts: &[f32]) -> Result<()> {
        let what = ["bernoulli class counts", "bernoulli counts"];
        self.store.set_counts(what, class_count, counts)
    }
}
