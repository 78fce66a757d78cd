//! Finite-difference gradient checking.
//!
//! [`check`] perturbs each parameter by `±eps` and `±2 eps`, evaluates the loss in `f32`, forms
//! the five-point central difference `(8(E₊₁ − E₋₁) − (E₊₂ − E₋₂)) / 12 eps` in `f64`
//! (truncation error O(eps⁴)), and compares it with the analytic gradient. The error of one entry is
//!
//! `max(0, |fd − an| − noise) / max(|fd|, |an|, 1e-2)`
//!
//! where `noise = 8 ε₃₂ max(|E(p+eps)|, |E(p−eps)|) / (2 eps)` bounds the rounding error of the
//! `f32` loss values divided by the step (`ε₃₂ = 2^-23`): with a loss near 1 and `eps = 1e-2`
//! that is about 5e-5, far below what any wrong gradient produces, but above the noise that a
//! plain relative test would count against `f32` (a gradient of 0.01 is only known to about 1e-3
//! relative in single precision). The floor `1e-2` compares tiny gradients absolutely. Tests
//! across the crate require `max_rel_error ≤ 1e-3`.

/// The outcome of a gradient check.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GradReport {
    /// The largest error over all entries (see the module docs for the definition).
    pub max_rel_error: f32,
    /// The index of the entry with the largest error.
    pub worst_index: usize,
    /// The finite-difference estimate at that index.
    pub numeric: f32,
    /// The analytic gradient at that index.
    pub analytic: f32,
}

/// Compares `analytic` with central differences of `loss` at `params`.
///
/// `params` is perturbed in place and restored exactly afterwards. `analytic` must have the
/// length of `params` (a shorter one is checked on its prefix only).
pub fn check<F>(params: &mut [f32], analytic: &[f32], eps: f32, mut loss: F) -> GradReport
where
    F: FnMut(&[f32]) -> f32,
{
    let mut report = GradReport {
        max_rel_error: 0.0,
        worst_index: 0,
        numeric: 0.0,
        analytic: 0.0,
    };
    let n = params.len().min(analytic.len());
    for i in 0..n {
        let orig = params[i];
        let mut eval = |d: f32| -> (f64, f64) {
            params[i] = orig + d;
            let at = params[i] as f64;
            (at, loss(params) as f64)
        };
        let (x1, up1) = eval(eps);
        let (x2, up2) = eval(2.0 * eps);
        let (x_1, down1) = eval(-eps);
        let (x_2, down2) = eval(-2.0 * eps);
        params[i] = orig;
        // Five-point stencil (truncation error O(eps⁴)) on the actually representable steps.
        let h = ((x1 - x_1) + (x2 - x_2) / 2.0) / 4.0;
        let fd = ((8.0 * (up1 - down1) - (up2 - down2)) / (12.0 * h)) as f32;
        let an = analytic[i];
        let scale = up1.abs().max(down1.abs()).max(up2.abs()).max(down2.abs());
        let noise = (8.0 * f32::EPSILON as f64 * scale / (2.0 * h)) as f32;
        let err = ((fd - an).abs() - noise).max(0.0) / fd.abs().max(an.abs()).max(1e-2);
        if err > report.max_rel_error || err.is_nan() {
            report = GradReport {
                max_rel_error: if err.is_nan() { f32::INFINITY } else { err },
                worst_index: i,
                numeric: fd,
                analytic: an,
            };
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_a_wrong_gradient() {
        let mut p = [1.0f32, 2.0];
        let f = |p: &[f32]| p[0] * p[0] + 3.0 * p[1];
        let good = check(&mut p, &[2.0, 3.0], 1e-2, f);
        assert!(good.max_rel_error < 1e-3, "{good:?}");
        let bad = check(&mut p, &[2.0, 2.0], 1e-2, f);
        assert_eq!(bad.worst_index, 1);
        assert!(bad.max_rel_error > 0.3);
        assert_eq!(p, [1.0, 2.0]);
    }
}
