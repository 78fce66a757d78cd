//! Log-sum-exp over a computed sequence, without a buffer of its length.

use crate::kernels::softmax::log_sum_exp;

/// `ln Σ_{i<n} e^{f(i)}` for any `n`, using a 17-entry stack buffer: terms are taken 16 at a time
/// and folded into a running log-sum-exp (with [`log_sum_exp`]), so no allocation and no scratch
/// of length `n` is needed. Returns `-inf` for `n = 0`.
pub fn log_sum_exp_by<F: FnMut(usize) -> f32>(n: usize, mut f: F) -> f32 {
    const CHUNK: usize = 16;
    let mut buf = [0.0f32; CHUNK + 1];
    buf[0] = f32::NEG_INFINITY;
    let mut i = 0;
    while i < n {
        let m = (n - i).min(CHUNK);
        for j in 0..m {
            buf[1 + j] = f(i + j);
        }
        buf[0] = log_sum_exp(&buf[..=m]);
        i += m;
    }
    buf[0]
}

// Pins libm-exact values; with `micromath` the approximations are pinned by
// `math::tests::micromath_accuracy` instead.
#[cfg(all(test, not(feature = "micromath")))]
mod tests {
    use super::*;

    #[test]
    fn matches_the_slice_version_across_chunks() {
        let xs: [f32; 40] =
            core::array::from_fn(|i| libm::sinf(i as f32 * 0.37) * 5.0 - i as f32 * 0.1);
        for n in [0usize, 1, 15, 16, 17, 33, 40] {
            let a = log_sum_exp_by(n, |i| xs[i]);
            let b = log_sum_exp(&xs[..n]);
            if n == 0 {
                assert_eq!(a, f32::NEG_INFINITY);
            } else {
                assert!((a - b).abs() < 1e-5, "n={n}: {a} vs {b}");
            }
        }
    }
}
