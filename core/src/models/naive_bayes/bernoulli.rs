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
    class_count[y] += 1.0;
    for (c, _) in counts[y * f..(y + 1) * f]
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
    let a = s.alpha as f64;
    for (y, o) in out.iter_mut().enumerate() {
        let ny = s.class_count[y] as f64;
        let den = ny + 2.0 * a;
        for (i, &xi) in x.iter().enumerate() {
            if mask.is_some_and(|m| !m[i]) {
                continue;
            }
            let n = s.counts[y * f + i] as f64;
            // Absent: (N_y − N_{y,i} + α) / (N_y + 2α) = 1 − p, computed without cancellation.
            let num = if xi { n + a } else { (ny - n).max(0.0) + a };
            *o += log_ratio(num, den);
        }
    }
    Ok(())
}

/// Bernoulli naive Bayes with `C` classes and `F` binary features.
#[derive(Debug, Clone, PartialEq)]
pub struct BernoulliNb<const C: usize, const F: usize> {
    class_count: [f32; C],
    counts: [[f32; F]; C],
    alpha: f32,
    prior: Option<[f32; C]>,
}

impl<const C: usize, const F: usize> BernoulliNb<C, F> {
    /// An untrained model with smoothing `alpha ≥ 0`.
    pub fn new(alpha: f32) -> Result<Self> {
        common::check_alpha(alpha)?;
        Ok(Self {
            class_count: [0.0; C],
            counts: [[0.0; F]; C],
            alpha,
            prior: None,
        })
    }

    /// Uses fixed class priors instead of learned ones (`None`: learned).
    pub fn set_prior(&mut self, prior: Option<[f32; C]>) -> Result<()> {
        if let Some(p) = &prior {
            common::check_prior(C, Prior::Fixed(p))?;
        }
        self.prior = prior;
        Ok(())
    }

    /// The borrowed statistics.
    pub fn stats(&self) -> Stats<'_> {
        Stats {
            class_count: &self.class_count,
            counts: self.counts.as_flattened(),
            alpha: self.alpha,
            prior: match &self.prior {
                Some(p) => Prior::Fixed(p),
                None => Prior::Learned,
            },
        }
    }

    /// Adds one sample.
    pub fn update(&mut self, x: &[bool], y: usize) -> Result<()> {
        update(&mut self.class_count, self.counts.as_flattened_mut(), x, y)
    }

    /// Multiplies every count by `factor ∈ (0, 1]`.
    pub fn forget(&mut self, factor: f32) -> Result<()> {
        super::categorical::forget(
            &mut self.class_count,
            self.counts.as_flattened_mut(),
            factor,
        )
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
        common::priors(&self.class_count, self.stats().prior)
    }

    /// `N_y`.
    pub fn class_count(&self) -> &[f32; C] {
        &self.class_count
    }

    /// `N_{y,i}`.
    pub fn counts(&self) -> &[[f32; F]; C] {
        &self.counts
    }

    /// Smoothing `α`.
    pub fn alpha(&self) -> f32 {
        self.alpha
    }

    /// The fixed class priors, if set ([`set_prior`](Self::set_prior)).
    pub fn fixed_prior(&self) -> Option<&[f32; C]> {
        self.prior.as_ref()
    }

    /// Replaces the statistics (e.g. learnt on the host): `class_count` (`C`) and `counts`
    /// (`C · F`, at `y · F + i`), all finite and `≥ 0`.
    pub fn set_counts(&mut self, class_count: &[f32], counts: &[f32]) -> Result<()> {
        check_len("bernoulli class counts", C, class_count.len())?;
        check_len("bernoulli counts", C * F, counts.len())?;
        common::check_counts(class_count)?;
        common::check_counts(counts)?;
        self.class_count.copy_from_slice(class_count);
        self.counts.as_flattened_mut().copy_from_slice(counts);
        Ok(())
    }
}
