//! Finite-difference gradient checking.
//!
//! [`check`] perturbs each parameter by `±eps`, evaluates the loss in `f32`, forms the central
//! difference in `f64`, and compares it with the analytic gradient. The error of one entry is
//! `|fd − an| / max(|fd|, |an|, floor)` with `floor = 1e-2`, so tiny gradients are compared
//! absolutely rather than relatively. Tests across the crate require `max_rel_error ≤ 1e-3`.

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
        params[i] = orig + eps;
        let up = loss(params) as f64;
        params[i] = orig - eps;
        let down = loss(params) as f64;
        params[i] = orig;
        let h = ((orig + eps) as f64) - ((orig - eps) as f64);
        let fd = ((up - down) / h) as f32;
        let an = analytic[i];
        let err = (fd - an).abs() / fd.abs().max(an.abs()).max(1e-2);
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
