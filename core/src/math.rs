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
//! With the `fastexp` feature (and not `micromath`), `exp` and `tanh` switch to `f32` range
//! reduction plus a polynomial (no table, no division in `exp`), as accurate as `libm` in
//! practice: worst relative error against `f64` 9.5e-8 for `exp` on \[−87, 88.7\] (`libm`:
//! 7.2e-8) and 1.6e-7 for `tanh` on \[−12, 12\] (`libm`: 1.4e-7); `fastexp_accuracy` pins
//! 1.5e-7 and 2.5e-7. Results differ from a `libm` host in the last bit or two, far inside the
//! firmware's 1e-5 comparison, at about a third of `libm`'s instructions on a Cortex-M4F.
//! `libm` stays the default (bit-identical to the host).
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
    #[cfg(all(feature = "fastexp", not(feature = "micromath")))]
    {
        exp_fast(x)
    }
    #[cfg(not(any(feature = "micromath", feature = "fastexp")))]
    {
        libm::expf(x)
    }
}

/// `e^x` in `f32` only (the `fastexp` feature): `x = k ln 2 + r` with `k = round(x / ln 2)`
/// (Cody–Waite: `ln 2` split in a high part with trailing zero bits, so `k · LN2_HI` is exact,
/// and a low part), `e^r` by its Taylor polynomial of degree 7 on `|r| ≤ ½ ln 2` (truncation
/// below 5·10⁻⁹ relative), then `2^k` put into the exponent bits. No table, no division, no
/// `f64`. Worst error against `f64` over `[−87, 88.7]`: 9.5e-8 relative (`tests::fastexp_accuracy`).
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[inline]
fn exp_fast(x: f32) -> f32 {
    const LOG2E: f32 = core::f32::consts::LOG2_E;
    /// ln 2 rounded to 16 significant bits (`0x3f317200`): `k · LN2_HI` is exact for `|k| < 256`.
    const LN2_HI: f32 = 0.693_145_75;
    /// `ln 2 − LN2_HI`.
    const LN2_LO: f32 = 1.428_606_8e-6;
    /// `1.5 · 2²³`: adding and subtracting it rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    if x > 88.722_83 {
        return f32::INFINITY; // e^x > f32::MAX
    }
    match x.partial_cmp(&-103.972_08) {
        Some(core::cmp::Ordering::Greater) => {}
        None => return x,      // NaN stays NaN
        Some(_) => return 0.0, // below half the smallest subnormal
    }
    let t = x * LOG2E + ROUND;
    let kf = t - ROUND;
    let k = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (1.0 / 2.0
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    // 2^k for k in [-150, 128], in two factors when it is not a normal f32.
    let pow2 = |e: i32| f32::from_bits(((e + 127) as u32) << 23);
    if k > 127 {
        p * pow2(127) * 2.0
    } else if k < -126 {
        p * pow2(k + 64) * pow2(-64)
    } else {
        p * pow2(k)
    }
}

/// `tanh x` in `f32` only (the `fastexp` feature), odd: for `|x| < 0.4` its Taylor polynomial
/// to `x¹³` (truncation below 10⁻⁸ relative), for `0.4 ≤ |x| < 9.02` `1 − 2/(e^{2|x|} + 1)` with
/// [`exp_fast`], above that `±1` (`tanh 9.02` rounds to 1). See `tests::fastexp_accuracy`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[inline]
fn tanh_fast(x: f32) -> f32 {
    let a = x.abs();
    let t = if a < 0.4 {
        let z = a * a;
        a + a
            * z
            * (-1.0 / 3.0
                + z * (2.0 / 15.0
                    + z * (-17.0 / 315.0
                        + z * (62.0 / 2835.0
                            + z * (-1382.0 / 155_925.0 + z * (21_844.0 / 6_081_075.0))))))
    } else if a < 9.02 {
        1.0 - 2.0 / (exp_fast(2.0 * a) + 1.0)
    } else if a.is_nan() {
        a
    } else {
        1.0
    };
    if x.is_sign_negative() {
        -t
    } else {
        t
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
    #[cfg(all(feature = "fastexp", not(feature = "micromath")))]
    {
        tanh_fast(x)
    }
    #[cfg(not(any(feature = "micromath", feature = "fastexp")))]
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

    /// `exp_fast` and `tanh_fast` (the `fastexp` feature) against `f64` references on fine
    /// grids; the bounds are the ones documented above.
    #[test]
    fn fastexp_accuracy() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 88.7 {
            let want = (x as f64).exp();
            let rel = ((exp_fast(x) as f64 - want) / want).abs();
            worst = worst.max(rel);
            x += 0.000_731;
        }
        assert!(worst <= 1.5e-7, "exp worst relative error {worst}");
        // Subnormal results: within one subnormal ulp (1.4e-45) plus 4e-7 relative.
        for x in [-87.5f32, -95.0, -100.0, -103.0, -103.9] {
            let want = (x as f64).exp();
            let err = (exp_fast(x) as f64 - want).abs();
            assert!(err <= 1.5e-45 + 1.5e-7 * want, "exp({x}) = {}", exp_fast(x));
        }
        assert_eq!(exp_fast(0.0), 1.0);
        assert_eq!(exp_fast(89.0), f32::INFINITY);
        assert_eq!(exp_fast(-104.0), 0.0);
        assert_eq!(exp_fast(f32::NEG_INFINITY), 0.0);
        assert!(exp_fast(f32::NAN).is_nan());
        assert_eq!(exp_fast(88.72), libm::expf(88.72));

        let mut worst = 0.0f64;
        let mut x = -12.0f32;
        while x <= 12.0 {
            let want = (x as f64).tanh();
            if want != 0.0 {
                worst = worst.max(((tanh_fast(x) as f64 - want) / want).abs());
            }
            x += 0.000_37;
        }
        for i in 0..200 {
            let x = 1e-30f32 * 1.5f32.powi(i); // tiny to 0.4: the polynomial branch
            if x < 0.4 {
                let want = (x as f64).tanh();
                worst = worst.max(((tanh_fast(x) as f64 - want) / want).abs());
            }
        }
        assert!(worst <= 2.5e-7, "tanh worst relative error {worst}");
        assert_eq!(tanh_fast(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh_fast(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanh_fast(1e4), 1.0);
        assert_eq!(tanh_fast(-1e4), -1.0);
        assert_eq!(tanh_fast(f32::INFINITY), 1.0);
        assert!(tanh_fast(f32::NAN).is_nan());
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
