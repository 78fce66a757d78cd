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
//! With the `fastexp` feature (and not `micromath`), `exp`, `tanh` and `ln_1p` switch to `f32`
//! range reduction plus a polynomial, branch-light (one integer compare of the argument's bits
//! selects the common range; the rest goes to out-of-line code), no table, as accurate as
//! `libm` in practice: worst relative error against `f64` 1.1e-7 for `exp` on \[−87, 88.7\]
//! (`libm`: 7.2e-8), 1.95e-7 for `tanh` on \[−12, 12\] (`libm`: 1.4e-7) and 7.8e-8 for `ln_1p`
//! on \[−½, 1e30\] (`libm`'s `log1pf` too); `fastexp_accuracy` pins 1.5e-7, 2.5e-7 and 1e-7.
//! Results differ from a `libm` host in the last bit or two, far inside the firmware's 1e-5
//! comparison, at 23 (`exp`), 34 (`tanh`) and ≈ 50 (`ln_1p`) instructions on a Cortex-M4F
//! (`libm`: 59, 82, 65). `libm` stays the default (bit-identical to the host).
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

/// `ln 2` rounded to 16 significant bits (`0x3f317200`): `k · LN2_HI` is exact for `|k| < 256`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
pub(crate) const LN2_HI: f32 = 0.693_145_75;
/// `ln 2 − LN2_HI`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
pub(crate) const LN2_LO: f32 = 1.428_606_8e-6;

/// `e^y = s (1 + q)` for `|y| < 86` (the `fastexp` feature): `y = k ln 2 + r` with
/// `k = round(y / ln 2)` (Cody–Waite: `k · LN2_HI` is exact, then `LN2_LO`), `s = 2^k` (normal:
/// `|k| ≤ 124`) and `q = e^r − 1` for `|r| ≤ ½ ln 2` as `r · h(r)`, `h` the Taylor polynomial of
/// `(e^r − 1)/r` to `r⁶` (truncation below 2·10⁻⁸ relative) evaluated by Estrin's scheme
/// (pairs `a + b r`, then `r²`, `r⁴`: 9 multiply/adds, no dependency chain of 7). `k` comes from
/// the bits of `y / ln 2 + 1.5·2²³` (the addition rounds to an integer, which lands in the low
/// mantissa bits), and `2^k` is those bits shifted into the exponent field: no conversion, no
/// table, no division, no branch. `q` keeps full relative accuracy for small `r` (it is not
/// `e^r − 1` computed by cancellation), so the same split gives `expm1` for `tanh`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[inline(always)]
fn exp_split(y: f32) -> (f32, f32) {
    const LOG2E: f32 = core::f32::consts::LOG2_E;
    /// `1.5 · 2²³`: adding and subtracting it rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    let t = y * LOG2E + ROUND;
    let kf = t - ROUND;
    let r = (y - kf * LN2_HI) - kf * LN2_LO;
    let r2 = r * r;
    let r4 = r2 * r2;
    // The pairs `1 + r/2`, `1/6 + r/24`, `1/120 + r/720` as `(r + c) · d` with exact `c` (2, 4,
    // 6): an add and a multiply in place of a register copy of the constant and a
    // multiply-accumulate (same instruction count, 2 cycles instead of 4 on a Cortex-M4F).
    let h = (r + 2.0) * (1.0 / 2.0)
        + r2 * ((r + 4.0) * (1.0 / 24.0))
        + r4 * ((r + 6.0) * (1.0 / 720.0) + r2 * (1.0 / 5040.0));
    // `t`'s bits are `bits(ROUND) + k`; shifted left by 23 only `k << 23` is left (the bits of
    // `ROUND` above the mantissa's low 9 shift out), which added to the bits of 1.0 is `2^k`.
    let s = f32::from_bits(0x3f80_0000u32.wrapping_add(t.to_bits() << 23));
    (s, r * h)
}

/// `|x|`'s bits below this (`86.0`) take [`exp_split`] directly.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
const EXP_FAST_LIMIT: u32 = 0x42ac_0000;

/// `e^x` in `f32` only (the `fastexp` feature): for `|x| < 86` (one integer compare of the
/// bits) `s + s q` from [`exp_split`]; beyond, NaN included, [`exp_wide`]. Worst error against
/// `f64` over `[−87, 88.7]`: see `tests::fastexp_accuracy`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[inline]
fn exp_fast(x: f32) -> f32 {
    if x.to_bits() & 0x7fff_ffff < EXP_FAST_LIMIT {
        let (s, q) = exp_split(x);
        s + s * q
    } else {
        exp_wide(x)
    }
}

/// `e^x` for `|x| ≥ 86`, infinities and NaN: the result overflows, is subnormal or needs `2^k`
/// in two factors. Cold: the kernels' arguments stay far inside `±86`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[cold]
#[inline(never)]
fn exp_wide(x: f32) -> f32 {
    const LOG2E: f32 = core::f32::consts::LOG2_E;
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

/// `tanh x` in `f32` only (the `fastexp` feature), with one [`exp_split`] and one division:
/// `tanh x = −m / (2 + m)` with `m = e^{−2x} − 1 = s q − (1 − s)` (odd in `x`, valid for either
/// sign, no cancellation: `q` is `e^r − 1` itself), written `m / (−2 − m)`. For `|x| < 32` (one
/// integer compare of the bits); beyond, `±1` (`tanh 9.02` already rounds to 1) and NaN.
/// `1 − s` rather than `s − 1` keeps the sign of zero: `tanh(±0) = ±0`. See
/// `tests::fastexp_accuracy`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[inline]
fn tanh_fast(x: f32) -> f32 {
    if x.to_bits() & 0x7fff_ffff < 0x4200_0000 {
        let (s, q) = exp_split(-2.0 * x);
        let m = s * q - (1.0 - s);
        m / (-2.0 - m)
    } else {
        tanh_wide(x)
    }
}

/// `tanh x` for `|x| ≥ 32` and NaN.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[cold]
#[inline(never)]
fn tanh_wide(x: f32) -> f32 {
    if x.is_nan() {
        x
    } else if x > 0.0 {
        1.0
    } else {
        -1.0
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

/// `ln(1 + x)`, accurate for small `x` (log-sum-exp keeps a dominant term's precision with it).
/// `libm`'s `log1pf`, or with the `fastexp` feature (and not `micromath`) the branch-free
/// `ln_1p_fast` for `1 + x ≥ ½`.
#[inline]
pub fn ln_1p(x: f32) -> f32 {
    #[cfg(all(feature = "fastexp", not(feature = "micromath")))]
    {
        ln_1p_fast(x)
    }
    #[cfg(not(all(feature = "fastexp", not(feature = "micromath"))))]
    {
        libm::log1pf(x)
    }
}

/// `ln(1 + x)` in `f32` (the `fastexp` feature), `libm`'s `log1pf` algorithm without its
/// branches: `u = 1 + x = 2^k m` with `m ∈ [√½, √2)` split from the bits, `c = (x − (u − 1))/u`
/// the rounding error of `1 + x` (exact: `u − 1` is exact for `u < 2²⁴`, and `c` only matters
/// far below that), then with `f = m − 1`, `s = f/(2 + f)`:
/// `ln(1 + x) = k ln 2 + f − f²/2 + s (f²/2 + R(s²)) + c`, `R` `libm`'s minimax polynomial of
/// `2 atanh(s)/s − 2` (its main term `f` is exact, so the result is within a few ulp). For
/// `1 + x < ½`, infinities and NaN: `libm`. See `tests::fastexp_accuracy`.
#[cfg(any(test, all(feature = "fastexp", not(feature = "micromath"))))]
#[inline]
fn ln_1p_fast(x: f32) -> f32 {
    // libm's coefficients, as bits (0xaaaaaa.0p-24, 0xccce13.0p-25, 0x91e9ee.0p-25,
    // 0xf89e26.0p-26).
    const LG1: f32 = f32::from_bits(0x3f2a_aaaa);
    const LG2: f32 = f32::from_bits(0x3ecc_ce13);
    const LG3: f32 = f32::from_bits(0x3e91_e9ee);
    const LG4: f32 = f32::from_bits(0x3e78_9e26);
    let u = 1.0 + x;
    let ub = u.to_bits();
    // u ∈ [½, +inf): one unsigned compare (NaN and negative bits fall outside).
    if ub.wrapping_sub(0x3f00_0000) >= 0x4080_0000 {
        return libm::log1pf(x);
    }
    // Adding 1 − √½'s bits moves the exponent step to √2: k and m ∈ [√½, √2).
    let ix = ub.wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    let k = (ix >> 23) as i32 - 127;
    let m = f32::from_bits((ix & 0x007f_ffff) + 0x3f35_04f3);
    let c = (x - (u - 1.0)) / u;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let r = z * (LG1 + w * LG3) + w * (LG2 + w * LG4);
    let hfsq = 0.5 * f * f;
    let kf = k as f32;
    s * (hfsq + r) + (kf * LN2_LO + c) - hfsq + f + kf * LN2_HI
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
        // Either side of the range compare (|x| < 32) and past tanh 9.02 = 1.
        for x in [9.02f32, 12.0, 20.0, 31.99, 32.0, 33.0] {
            assert_eq!(tanh_fast(x), 1.0, "{x}");
            assert_eq!(tanh_fast(-x), -1.0, "{x}");
        }
        // exp either side of its range compare (|x| < 86).
        for x in [85.99f32, 86.0, -85.99, -86.0] {
            let want = (x as f64).exp();
            assert!(((exp_fast(x) as f64 - want) / want).abs() <= 1.5e-7, "{x}");
        }
        assert_eq!(tanh_fast(f32::INFINITY), 1.0);
        assert!(tanh_fast(f32::NAN).is_nan());

        // ln_1p: from −½ to 1e30 (geometric steps both ways from 0) and across the exponent
        // steps of 1 + x; against f64.
        let mut worst = 0.0f64;
        let mut check = |x: f32| {
            let want = libm::log1p(x as f64);
            if want != 0.0 {
                worst = worst.max(((ln_1p_fast(x) as f64 - want) / want).abs());
            }
        };
        let mut x = 1e-30f32;
        while x < 1e30 {
            check(x);
            if x < 0.5 {
                check(-x);
            }
            x *= 1.000_37;
        }
        let mut x = -0.5f32;
        while x <= 70.0 {
            check(x);
            x += 0.000_271;
        }
        assert!(worst <= 1e-7, "ln_1p worst relative error {worst}");
        assert_eq!(ln_1p_fast(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(ln_1p_fast(1e-40), 1e-40);
        assert_eq!(ln_1p_fast(-1.0), f32::NEG_INFINITY);
        assert!(ln_1p_fast(-2.0).is_nan());
        assert!(ln_1p_fast(f32::NAN).is_nan());
        assert_eq!(ln_1p_fast(f32::INFINITY), f32::INFINITY);
        assert_eq!(ln_1p_fast(-0.75), libm::log1pf(-0.75));
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
