//! Softmax, log-softmax and log-sum-exp, all max-subtracted so they never overflow.

use crate::error::{check_len, Result};
use crate::math;

/// `ln Σ_i e^{x_i}`, computed as `m + ln Σ e^{x_i − m}` with `m = max x`.
///
/// Returns `-inf` for an empty slice or when every entry is `-inf` (the log of an empty sum);
/// `+inf` entries give `+inf`. Finite input gives a finite result.
pub fn log_sum_exp(x: &[f32]) -> f32 {
    let (m, r) = max_and_log_rest(x);
    m + r
}

/// Splits `log_sum_exp(x)` into `(m, r)` with `m = max x` and `r = ln Σ_i e^{x_i − m}`, where
/// `r` is computed as `ln_1p` of the sum without the maximum's own term, so it keeps full
/// relative precision when one entry dominates (a confident softmax). Losses use the two parts
/// separately to avoid cancelling `m` against a logit. Returns `(m, 0)` when `m` is infinite.
pub fn max_and_log_rest(x: &[f32]) -> (f32, f32) {
    let mut m = f32::NEG_INFINITY;
    let mut k = 0;
    for (i, &v) in x.iter().enumerate() {
        if v > m {
            m = v;
            k = i;
        }
    }
    if m.is_infinite() {
        return (m, 0.0);
    }
    let rest: f32 = x
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != k)
        .map(|(_, &v)| math::exp(v - m))
        .sum();
    (m, math::ln_1p(rest))
}

/// `out = softmax(x)`. With every entry `-inf`, `out` is uniform.
pub fn softmax(x: &[f32], out: &mut [f32]) -> Result<()> {
    check_len("softmax output", x.len(), out.len())?;
    let m = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if m == f32::NEG_INFINITY {
        let u = 1.0 / x.len().max(1) as f32;
        out.fill(u);
        return Ok(());
    }
    let mut s = 0.0f32;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = math::exp(v - m);
        s += *o;
    }
    let inv = 1.0 / s;
    for o in out.iter_mut() {
        *o *= inv;
    }
    Ok(())
}

/// `out = log_softmax(x) = x − log_sum_exp(x)`.
pub fn log_softmax(x: &[f32], out: &mut [f32]) -> Result<()> {
    check_len("log_softmax output", x.len(), out.len())?;
    let l = log_sum_exp(x);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v - l;
    }
    Ok(())
}

/// Index of the largest value (the first on ties; 0 for an empty slice). NaN entries are skipped.
pub fn argmax(x: &[f32]) -> usize {
    let mut best = 0;
    let mut best_v = f32::NEG_INFINITY;
    for (i, &v) in x.iter().enumerate() {
        if v > best_v {
            best = i;
            best_v = v;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins libm-exact values; with `micromath` the approximations are pinned by
    // `math::tests::micromath_accuracy` instead.
    #[cfg(not(feature = "micromath"))]
    #[test]
    fn lse_matches_naive_and_is_stable() {
        let x = [0.1f32, -0.3, 1.2];
        let naive = libm::logf(x.iter().map(|v| libm::expf(*v)).sum());
        assert!((log_sum_exp(&x) - naive).abs() < 1e-6);
        assert!((log_sum_exp(&[1e4, 1e4]) - (1e4 + core::f32::consts::LN_2)).abs() < 1e-2);
        assert_eq!(log_sum_exp(&[-1e4, 1e4]), 1e4);
        assert_eq!(log_sum_exp(&[]), f32::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f32::NEG_INFINITY; 2]), f32::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f32::NEG_INFINITY, 0.0]), 0.0);
    }

    #[test]
    fn softmax_sums_to_one_at_extremes() {
        let mut out = [0.0f32; 3];
        for x in [[1e4f32, -1e4, 0.0], [-1e4, -1e4, -1e4], [0.0, 0.0, 0.0]] {
            softmax(&x, &mut out).unwrap();
            let s: f32 = out.iter().sum();
            assert!((s - 1.0).abs() < 1e-6 && out.iter().all(|v| v.is_finite()));
            log_softmax(&x, &mut out).unwrap();
            assert!(out.iter().all(|v| v.is_finite()));
        }
        softmax(&[f32::NEG_INFINITY; 3], &mut out).unwrap();
        assert_eq!(out, [1.0 / 3.0; 3]);
        assert!(softmax(&[0.0; 2], &mut out).is_err());
    }

    #[test]
    fn argmax_first_on_ties() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, -1.0]), 1);
        assert_eq!(argmax(&[]), 0);
    }
}
