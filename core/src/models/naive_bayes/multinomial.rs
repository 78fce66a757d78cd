//! Multinomial naive Bayes: feature `i` is a non-negative count (e.g. a word count).
//!
//! `θ_{y,i} = (N_{y,i} + α) / (Σ_j N_{y,j} + α F)` with `N_{y,i}` the summed count of feature `i`
//! over class-`y` samples; `ln P(x | y) = Σ_i x_i ln θ_{y,i}` (the multinomial coefficient is the
//! same for every class and cancels) — scikit-learn's `MultinomialNB`. Terms with `x_i = 0` are
//! skipped, so `α = 0` never gives `0 · ln 0 = NaN`. Layout: `counts[y · n_features + i]`.

use super::common::{self, check_class, log_prior, log_ratio, Prior};
use super::ratio::{at, ln_ratio, Stat, Sum32};
use super::store::CountStore;
use crate::error::{check_len, Error, Result};

/// Borrowed statistics and settings of a multinomial naive Bayes model.
#[derive(Debug, Clone, Copy)]
pub struct Stats<'a> {
    /// `N_y`, the number of samples per class (used by the learned prior).
    pub class_count: &'a [f32],
    /// `N_{y,i}` at `y · n_features + i`.
    pub counts: &'a [f32],
    /// Smoothing `α ≥ 0`.
    pub alpha: f32,
    /// Class priors.
    pub prior: Prior<'a>,
}

fn check_x(x: &[f32]) -> Result<()> {
    for &v in x {
        if !v.is_finite() {
            return Err(Error::NonFinite { what: "x" });
        }
        if v < 0.0 {
            return Err(Error::InvalidArgument {
                what: "multinomial counts must be >= 0",
            });
        }
    }
    Ok(())
}

/// Adds the sample `(x, y)`: `N_y += 1`, `N_{y,i} += x_i`.
pub fn update(class_count: &mut [f32], counts: &mut [f32], x: &[f32], y: usize) -> Result<()> {
    check_len(
        "multinomial counts",
        class_count.len() * x.len(),
        counts.len(),
    )?;
    check_class(y, class_count.len())?;
    check_x(x)?;
    let f = x.len();
    if let Some(n) = class_count.get_mut(y) {
        *n += 1.0;
    }
    let row = counts.get_mut(y * f..(y + 1) * f).unwrap_or(&mut []);
    for (c, &v) in row.iter_mut().zip(x) {
        *c += v;
    }
    Ok(())
}

/// `θ_{y,i}`; `0` for a class with no counts and `α = 0`.
pub fn probability(s: &Stats<'_>, y: usize, i: usize) -> Result<f32> {
    check_class(y, s.class_count.len())?;
    let f = s.counts.len() / s.class_count.len().max(1);
    if i >= f {
        return Err(Error::OutOfRange {
            what: "feature",
            index: i,
            len: f,
        });
    }
    let (num, den): (f64, f64) = (numerator(s, f, y, i), denominator(s, f, y));
    Ok(if den > 0.0 { (num / den) as f32 } else { 0.0 })
}

/// `out[y] = ln P(y) + Σ_{i: x_i > 0} x_i ln θ_{y,i}`.
pub fn joint_log_likelihood(s: &Stats<'_>, x: &[f32], out: &mut [f64]) -> Result<()> {
    let f = x.len();
    check_len(
        "multinomial counts",
        s.class_count.len() * f,
        s.counts.len(),
    )?;
    common::check_alpha(s.alpha)?;
    check_x(x)?;
    log_prior(s.class_count, s.prior, out)?;
    for (y, o) in out.iter_mut().enumerate() {
        let den: f64 = denominator(s, f, y);
        for (i, &xi) in x.iter().enumerate() {
            if xi > 0.0 {
                *o += xi as f64 * log_theta(s, f, y, i, den);
            }
        }
    }
    Ok(())
}

/// `Σ_j N_{y,j} + α F` (`f64`, or compensated `f32` for the tables; see [`Stat`]).
fn denominator<S: Stat>(s: &Stats<'_>, f: usize, y: usize) -> S {
    let row = s.counts.get(y * f..(y + 1) * f).unwrap_or(&[]);
    row.iter()
        .fold(S::of(0.0), |t, &c| t.plus(S::of(c)))
        .plus(S::of(s.alpha).times(f))
}

/// The numerator of `θ_{y,i}`, `N_{y,i} + α` (the denominator is [`denominator`]): the one
/// formula of both prediction paths. Arguments checked by the caller.
fn numerator<S: Stat>(s: &Stats<'_>, f: usize, y: usize, i: usize) -> S {
    S::of(at(s.counts, y * f + i)).plus(S::of(s.alpha))
}

/// `ln θ_{y,i}` in `f64` (`−∞` for a zero probability).
fn log_theta(s: &Stats<'_>, f: usize, y: usize, i: usize, den: f64) -> f64 {
    log_ratio(numerator(s, f, y, i), den)
}

/// Fills the tables of the `f32` prediction path ([`super::tables`]): `log_prior[y] = ln P(y)`
/// and `table[y · F + i] = ln θ_{y,i}`: the ratios of [`joint_log_likelihood`]'s terms in
/// compensated `f32`, no `f64` arithmetic (see [`super::tables`]).
pub fn fill_log_tables(s: &Stats<'_>, log_prior: &mut [f32], table: &mut [f32]) -> Result<()> {
    check_len("multinomial log table", s.counts.len(), table.len())?;
    let f = s.counts.len() / s.class_count.len().max(1);
    for (y, r) in table.chunks_exact_mut(f.max(1)).enumerate() {
        fill_log_table_row(s, y, r)?;
    }
    common::log_prior_f32(s.class_count, s.prior, log_prior)
}

/// Class `y`'s part of [`fill_log_tables`]' `table` (`F` entries): after an `update` of class
/// `y`, this row and the log priors are all that changed.
pub fn fill_log_table_row(s: &Stats<'_>, y: usize, row: &mut [f32]) -> Result<()> {
    let (c, f) = (s.class_count.len(), row.len());
    check_len("multinomial counts", c * f, s.counts.len())?;
    common::check_alpha(s.alpha)?;
    check_class(y, c)?;
    let den: Sum32 = denominator(s, f, y);
    for (i, t) in row.iter_mut().enumerate() {
        *t = ln_ratio(numerator(s, f, y, i), den);
    }
    Ok(())
}

/// The `f32` joint log-likelihoods from the tables of [`fill_log_tables`]:
/// `out[y] = log_prior[y] + Σ_{i: x_i > 0} x_i · table[y · F + i]`, summed in `f32`.
pub fn joint_log_likelihood_f32(
    log_prior: &[f32],
    table: &[f32],
    x: &[f32],
    out: &mut [f32],
) -> Result<()> {
    let f = x.len();
    check_len("multinomial log table", log_prior.len() * f, table.len())?;
    check_len("log-likelihood output", log_prior.len(), out.len())?;
    check_x(x)?;
    for (y, (o, &lp)) in out.iter_mut().zip(log_prior).enumerate() {
        let mut acc = lp;
        let row = table.get(y * f..(y + 1) * f).unwrap_or(&[]);
        for (&t, &xi) in row.iter().zip(x) {
            if xi > 0.0 {
                acc += xi * t;
            }
        }
        *o = acc;
    }
    Ok(())
}

/// Multinomial naive Bayes with `C` classes and `F` count features.
#[derive(Debug, Clone, PartialEq)]
pub struct MultinomialNb<const C: usize, const F: usize> {
    store: CountStore<C, [f32; F]>,
}

impl<const C: usize, const F: usize> MultinomialNb<C, F> {
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
    pub fn update(&mut self, x: &[f32], y: usize) -> Result<()> {
        let (class_count, counts) = self.store.parts_mut();
        update(class_count, counts, x, y)
    }

    /// Multiplies every count by `factor ∈ (0, 1]`.
    pub fn forget(&mut self, factor: f32) -> Result<()> {
        self.store.forget(factor)
    }

    /// Joint log-likelihoods.
    pub fn joint_log_likelihood(&self, x: &[f32]) -> Result<[f64; C]> {
        let mut out = [0.0; C];
        joint_log_likelihood(&self.stats(), x, &mut out)?;
        Ok(out)
    }

    /// `P(y | x)` for every class.
    pub fn predict_proba(&self, x: &[f32]) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize(&self.joint_log_likelihood(x)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties).
    pub fn predict(&self, x: &[f32]) -> Result<usize> {
        common::argmax(&self.joint_log_likelihood(x)?)
    }

    /// `θ_{y,i}`.
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
        let what = ["multinomial class counts", "multinomial counts"];
        self.store.set_counts(what, class_count, counts)
    }
}
