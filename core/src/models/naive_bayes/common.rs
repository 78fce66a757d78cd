//! Shared pieces of the naive Bayes variants: priors, normalisation, argmax, argument checks.

use super::ratio::{self, Stat, Sum32};
use crate::error::{check_len, Error, Result};

/// How class priors `P(y)` are obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior<'a> {
    /// From the class counts: `P(y) = N_y / Σ N_c` (uniform while untrained).
    Learned,
    /// Fixed probabilities, one per class (non-negative, summing to 1 within `1e-4`).
    Fixed(&'a [f32]),
}

/// The error returned when every class has zero likelihood (possible with `α = 0`).
pub const ALL_ZERO: Error = Error::NonFinite {
    what: "naive Bayes: every class has zero likelihood",
};

/// `ln x` in `f64`.
#[inline]
pub fn ln64(x: f64) -> f64 {
    libm::log(x)
}

/// `ln (num / den)` for non-negative `num`, `den`, with `−∞` when `num == 0` or `den == 0`
/// (a class with no samples, or a never-seen value with `α = 0`).
#[inline]
pub fn log_ratio(num: f64, den: f64) -> f64 {
    if num <= 0.0 || den <= 0.0 {
        f64::NEG_INFINITY
    } else {
        ln64(num) - ln64(den)
    }
}

/// Checks a smoothing parameter: finite and `≥ 0`.
pub fn check_alpha(alpha: f32) -> Result<()> {
    if !alpha.is_finite() {
        return Err(Error::NonFinite { what: "alpha" });
    }
    if alpha < 0.0 {
        return Err(Error::InvalidArgument {
            what: "smoothing alpha must be >= 0",
        });
    }
    Ok(())
}

/// Checks statistics set from outside (a blob, the host): every count finite and `≥ 0`.
pub fn check_counts(counts: &[f32]) -> Result<()> {
    for &c in counts {
        if !c.is_finite() {
            return Err(Error::NonFinite { what: "counts" });
        }
        if c < 0.0 {
            return Err(Error::InvalidArgument {
                what: "counts must be >= 0",
            });
        }
    }
    Ok(())
}

/// Checks a forgetting factor: finite and in `(0, 1]`.
pub fn check_factor(factor: f32) -> Result<()> {
    if !factor.is_finite() || factor <= 0.0 || factor > 1.0 {
        return Err(Error::InvalidArgument {
            what: "forgetting factor must be in (0, 1]",
        });
    }
    Ok(())
}

/// Checks fixed priors: `n_classes` finite non-negative values summing to 1 (within `1e-4`).
pub fn check_prior(n_classes: usize, prior: Prior<'_>) -> Result<()> {
    if let Prior::Fixed(p) = prior {
        check_len("prior", n_classes, p.len())?;
        if p.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::InvalidArgument {
                what: "prior probabilities must be finite and >= 0",
            });
        }
        let s: f32 = p.iter().sum();
        if (s - 1.0).abs() > 1e-4 {
            return Err(Error::InvalidArgument {
                what: "prior probabilities must sum to 1",
            });
        }
    }
    Ok(())
}

/// Checks a class label against the number of classes.
#[inline]
pub fn check_class(y: usize, n_classes: usize) -> Result<()> {
    if y < n_classes {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            what: "class",
            index: y,
            len: n_classes,
        })
    }
}

/// Writes `ln P(y)` for every class into `out` (`out.len() == class_count.len()`).
pub fn log_prior(class_count: &[f32], prior: Prior<'_>, out: &mut [f64]) -> Result<()> {
    check_len("log-likelihood output", class_count.len(), out.len())?;
    check_prior(class_count.len(), prior)?;
    let total: f64 = total(class_count);
    for (y, o) in out.iter_mut().enumerate() {
        *o = log_prior_of(class_count, prior, total, y);
    }
    Ok(())
}

/// `Σ_c N_c`.
fn total<S: Stat>(class_count: &[f32]) -> S {
    class_count
        .iter()
        .fold(S::of(0.0), |t, &c| t.plus(S::of(c)))
}

/// `P(y)` as `(num, den)`: `(p_y, 1)` (fixed), `(N_y, total)` (learned), `(1, C)` (learned,
/// untrained): the one formula of both paths ([`Stat`]). `total = Σ_c N_c`; arguments checked
/// by the caller (`get`, not indexing: no panic path).
fn prior_ratio<S: Stat>(class_count: &[f32], prior: Prior<'_>, total: S, y: usize) -> (S, S) {
    match prior {
        Prior::Fixed(p) => (S::of(p.get(y).copied().unwrap_or(0.0)), S::of(1.0)),
        Prior::Learned if !total.positive() => (S::of(1.0), S::of(1.0).times(class_count.len())),
        Prior::Learned => (S::of(class_count.get(y).copied().unwrap_or(0.0)), total),
    }
}

/// `P(y)` as `(num, den)` in `f64` ([`prior_ratio`]; the denominator is the same for every
/// class). `total = Σ_c N_c`. Not inlined: the `f64` path and the Gaussian tables share one
/// copy in the firmware.
#[inline(never)]
pub(super) fn prior_ratio64(
    class_count: &[f32],
    prior: Prior<'_>,
    total: f64,
    y: usize,
) -> (f64, f64) {
    prior_ratio(class_count, prior, total, y)
}

/// `ln P(y)` in `f64` ([`log_ratio`] of [`prior_ratio`]).
pub(super) fn log_prior_of(class_count: &[f32], prior: Prior<'_>, total: f64, y: usize) -> f64 {
    let (num, den) = prior_ratio64(class_count, prior, total, y);
    log_ratio(num, den)
}

/// `ln (num / den)` in `f32` for non-negative `num`, `den`: `−∞` when `num == 0` or `den == 0`,
/// NaN only for a NaN argument or `∞ / ∞`. The same ratio as [`log_ratio`], without `f64`
/// arithmetic (soft-float on a Cortex-M): both are split into mantissa and binary exponent by
/// integer operations on their bits, and the result is `logf` of the mantissa quotient plus the
/// exponent times `ln 2` (see `ratio.rs`), within ≈ 2 `f32` ulps of the exact logarithm, also
/// for ratios beyond the `f32` range. (The tables themselves never form `f64` ratios: they sum
/// the `f32` statistics in compensated `f32`.)
pub fn log_ratio_f32(num: f64, den: f64) -> f32 {
    ratio::ln_ratio64(num, den)
}

/// `ln P(y)` for every class as `f32`, for the `f32` prediction path ([`super::tables`]): the
/// ratios of [`log_prior`] in compensated `f32` (`ratio.rs`'s `Sum32`) and their logarithm by
/// `ratio::ln_ratio` (no `f64` arithmetic).
pub fn log_prior_f32(class_count: &[f32], prior: Prior<'_>, out: &mut [f32]) -> Result<()> {
    check_len("log-prior output", class_count.len(), out.len())?;
    check_prior(class_count.len(), prior)?;
    let total: Sum32 = total(class_count);
    for (y, o) in out.iter_mut().enumerate() {
        let (num, den) = prior_ratio(class_count, prior, total, y);
        *o = ratio::ln_ratio(num, den);
    }
    Ok(())
}

/// `P(y)` for every class as `f32` (see [`log_prior`]); typed models call this.
pub fn priors<const C: usize>(class_count: &[f32; C], prior: Prior<'_>) -> [f32; C] {
    let mut lp = [0.0f64; C];
    let mut p = [0.0f32; C];
    // Cannot fail: the lengths are C and fixed priors are checked when they are set.
    if log_prior(class_count, prior, &mut lp).is_ok() {
        for (q, l) in p.iter_mut().zip(lp) {
            *q = libm::exp(l) as f32;
        }
    }
    p
}

/// `P(y | x)` from joint log-likelihoods in `f64`: `e^{jll_y − m} / Σ_c e^{jll_c − m}` with
/// `m = max jll` (the max-subtracted log-sum-exp).
///
/// `−∞` entries get probability 0; if every entry is `−∞` the result is [`ALL_ZERO`].
pub fn normalize(jll: &[f64], proba: &mut [f32]) -> Result<()> {
    check_len("probability output", jll.len(), proba.len())?;
    let m = jll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY || !m.is_finite() {
        return Err(ALL_ZERO);
    }
    // e^{v − m} / Σ e^{v − m}, not e^{v − lse}: with |m| ≫ 1 (e.g. −5e299 for a variance at
    // its floor), `m + ln Σ` rounds back to `m` and every probability would be 1.
    let s: f64 = jll.iter().map(|&v| libm::exp(v - m)).sum();
    for (p, &v) in proba.iter_mut().zip(jll) {
        *p = (libm::exp(v - m) / s) as f32;
    }
    Ok(())
}

/// [`normalize`] in `f32` (the prediction path of [`super::tables`]): `P(y | x) =
/// e^{jll_y − m} / Σ_c e^{jll_c − m}`, `m = max jll`, with libm's `expf` whatever the
/// `micromath` feature (as the tables use libm's `logf`), so the probabilities keep their
/// `1e-6` agreement with scikit-learn. `−∞` entries get probability 0; every entry `−∞` (or a
/// NaN maximum) is [`ALL_ZERO`].
pub fn normalize_f32(jll: &[f32], proba: &mut [f32]) -> Result<()> {
    check_len("probability output", jll.len(), proba.len())?;
    let m = jll.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !m.is_finite() {
        return Err(ALL_ZERO);
    }
    let mut s = 0.0f32;
    for (p, &v) in proba.iter_mut().zip(jll) {
        *p = libm::expf(v - m);
        s += *p;
    }
    for p in proba.iter_mut() {
        *p /= s;
    }
    Ok(())
}

/// [`argmax`] over `f32` joint log-likelihoods.
pub fn argmax_f32(jll: &[f32]) -> Result<usize> {
    let mut best = None;
    let mut best_v = f32::NEG_INFINITY;
    for (i, &v) in jll.iter().enumerate() {
        if v > best_v {
            best_v = v;
            best = Some(i);
        }
    }
    best.ok_or(ALL_ZERO)
}

/// The class with the largest joint log-likelihood (lowest index on ties); [`ALL_ZERO`] if
/// every entry is `−∞`.
pub fn argmax(jll: &[f64]) -> Result<usize> {
    let mut best = None;
    let mut best_v = f64::NEG_INFINITY;
    for (i, &v) in jll.iter().enumerate() {
        if v > best_v {
            best_v = v;
            best = Some(i);
        }
    }
    best.ok_or(ALL_ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_handles_infinities() {
        let mut p = [0.0f32; 3];
        normalize(&[f64::NEG_INFINITY, -1000.0, -1001.0], &mut p).unwrap();
        assert_eq!(p[0], 0.0);
        assert!((p[1] - 0.731_058_6).abs() < 1e-6);
        assert!((p[1] + p[2] - 1.0).abs() < 1e-6);
        assert_eq!(
            normalize(&[f64::NEG_INFINITY; 2], &mut p[..2]),
            Err(ALL_ZERO)
        );
        assert_eq!(argmax(&[f64::NEG_INFINITY; 2]), Err(ALL_ZERO));
        assert_eq!(argmax(&[0.0, 1.0, 1.0]), Ok(1));
        // Huge magnitudes: ln 2 is below the ulp of 5e299, the probabilities must still sum to 1.
        normalize(&[-5e299, -5e299], &mut p[..2]).unwrap();
        assert_eq!(&p[..2], &[0.5, 0.5]);
        let mut q = [0.0f32; 2];
        normalize_f32(&[-3e38, -3e38], &mut q).unwrap();
        assert_eq!(q, [0.5, 0.5]);
    }

    #[test]
    fn priors() {
        let mut out = [0.0f64; 2];
        log_prior(&[9.0, 5.0], Prior::Learned, &mut out).unwrap();
        assert!((libm::exp(out[0]) - 9.0 / 14.0).abs() < 1e-12);
        log_prior(&[0.0, 0.0], Prior::Learned, &mut out).unwrap();
        assert!((libm::exp(out[1]) - 0.5).abs() < 1e-12);
        log_prior(&[9.0, 5.0], Prior::Fixed(&[0.25, 0.75]), &mut out).unwrap();
        assert!((libm::exp(out[1]) - 0.75).abs() < 1e-7);
        assert!(log_prior(&[1.0, 1.0], Prior::Fixed(&[0.5, 0.6]), &mut out).is_err());
        assert!(check_alpha(-1.0).is_err() && check_alpha(0.0).is_ok());
        assert!(check_factor(0.0).is_err() && check_factor(1.0).is_ok());
    }
}
