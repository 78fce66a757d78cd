//! The numerators and denominators of naive Bayes probabilities, and their logarithms in `f32`.
//!
//! Every discrete probability is a ratio of sums of non-negative `f32` statistics (counts, `α`
//! times a number of values: `(N_{y,i,v} + α) / (N_y + α V_i)`, `(N_y − N_{y,i} + α) / (N_y +
//! 2α)`, …). Each variant writes its ratio **once**, generic over [`Stat`]; the `f64` path
//! evaluates it in `f64` and takes `ln num − ln den` ([`super::common::log_ratio`]), the `f32`
//! tables ([`super::tables`]) evaluate it as a [`Sum32`] and take [`ln_ratio`] — no `f64`
//! arithmetic, which is soft-float on a Cortex-M4F (its FPU is single precision).
//!
//! [`Sum32`] holds a sum as `(hi + lo) · 2^k`: compensated (`lo` accumulates the exact rounding
//! error of every addition, so `hi + lo` is the sum rounded once to `f32`, as the `f64` sum
//! rounded to `f32` would be) and scaled by `2^-64` once it reaches `2^64` (so sums of counts near `f32::MAX`
//! never overflow). [`ln_ratio`] splits `num` and `den` into mantissas in `[1, 2)` and binary
//! exponents from their bits and returns `logf(m_num / m_den) + e · ln 2`, with the mantissa
//! quotient brought into `[√½, √2]`: for a ratio in that range `e = 0` and the result is
//! `logf` of the `f32` quotient; beyond it, or beyond the `f32` range, `ln 2` is added in two
//! parts (exact high part), so every entry is within ≈ 2 `f32` ulps of the exact logarithm.

/// `xs[k]`, or 0 out of range: for indices the caller has checked (`get` instead of indexing
/// keeps panic paths, and with them `core::fmt`, out of the firmware).
#[inline]
pub(crate) fn at<T: Copy + Default>(xs: &[T], k: usize) -> T {
    xs.get(k).copied().unwrap_or_default()
}

/// Arithmetic of a naive Bayes numerator or denominator (see the module docs).
pub(crate) trait Stat: Copy {
    /// A statistic or `α`.
    fn of(x: f32) -> Self;
    /// `self + o`.
    fn plus(self, o: Self) -> Self;
    /// `max(self − o, 0)`.
    fn minus(self, o: Self) -> Self;
    /// `self · n` (`n` a number of values, features or classes).
    fn times(self, n: usize) -> Self;
    /// `self > 0`.
    fn positive(self) -> bool;
}

impl Stat for f64 {
    #[inline]
    fn of(x: f32) -> Self {
        x as f64
    }
    #[inline]
    fn plus(self, o: Self) -> Self {
        self + o
    }
    #[inline]
    fn minus(self, o: Self) -> Self {
        (self - o).max(0.0)
    }
    #[inline]
    fn times(self, n: usize) -> Self {
        self * n as f64
    }
    #[inline]
    fn positive(self) -> bool {
        self > 0.0
    }
}

/// `2^-64`.
const TWO_M64: f32 = 5.421_011e-20;
/// `2^64`.
const TWO_64: f32 = 1.844_674_4e19;

/// `a + b = s + e` exactly (Knuth's two-sum).
#[inline]
fn two_sum(a: f32, b: f32) -> (f32, f32) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// A sum of `f32` statistics as `(hi + lo) · 2^k`, `k ∈ {0, 64}` (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sum32 {
    hi: f32,
    lo: f32,
    k: i32,
}

impl Sum32 {
    /// Scales by `2^-64` at `2^64`.
    #[inline]
    fn new(hi: f32, lo: f32, k: i32) -> Self {
        if k == 0 && hi.abs() >= TWO_64 {
            Self {
                hi: hi * TWO_M64,
                lo: lo * TWO_M64,
                k: 64,
            }
        } else {
            Self { hi, lo, k }
        }
    }

    /// `(hi, lo)` at scale `2^k`, `k ≥ self.k`.
    #[inline]
    fn at(self, k: i32) -> (f32, f32) {
        if self.k == k {
            (self.hi, self.lo)
        } else {
            (self.hi * TWO_M64, self.lo * TWO_M64)
        }
    }

    /// The sum rounded once to `f32` (at scale `2^k`).
    #[inline]
    fn value(self) -> f32 {
        self.hi + self.lo
    }
}

impl Stat for Sum32 {
    #[inline]
    fn of(x: f32) -> Self {
        Self::new(x, 0.0, 0)
    }
    #[inline(never)]
    fn plus(self, o: Self) -> Self {
        let k = self.k.max(o.k);
        let ((a, al), (b, bl)) = (self.at(k), o.at(k));
        let (s, e) = two_sum(a, b);
        Self::new(s, e + (al + bl), k)
    }
    #[inline]
    fn minus(self, o: Self) -> Self {
        let r = self.plus(Self {
            hi: -o.hi,
            lo: -o.lo,
            k: o.k,
        });
        if r.value() > 0.0 {
            r
        } else {
            Self::of(0.0)
        }
    }
    #[inline]
    fn times(self, n: usize) -> Self {
        // `hi` split into two halves of ≤ 12 significant bits: both products are exact for
        // n < 2^12, and their sum is compensated.
        let nf = n as f32;
        let h1 = f32::from_bits(self.hi.to_bits() & !0xfff);
        let (s, e) = two_sum(h1 * nf, (self.hi - h1) * nf);
        Self::new(s, e + self.lo * nf, self.k)
    }
    #[inline]
    fn positive(self) -> bool {
        self.value() > 0.0
    }
}

/// `ln 2` in two parts: `LN2_HI` has 12 trailing zero bits (`e · LN2_HI` is exact for
/// `|e| < 2^12`), `LN2_HI + LN2_LO = ln 2` to `f32` precision squared.
const LN2_HI: f32 = 0.693_145_75;
/// See [`LN2_HI`].
const LN2_LO: f32 = 1.428_606_8e-6;

/// `x = m · 2^e` with `m ∈ [1, 2)`, for a positive finite `x` (subnormals included).
#[inline]
fn split32(x: f32) -> (f32, i32) {
    let (mut b, mut e) = (x.to_bits(), 0);
    if b < 0x0080_0000 {
        b = (x * 16_777_216.0).to_bits(); // 2^24, exact
        e = -24;
    }
    e += (b >> 23) as i32 - 127;
    (f32::from_bits((b & 0x007f_ffff) | 0x3f80_0000), e)
}

/// `ln (m_num / m_den · 2^e)` for mantissas in `[1, 2]`: `logf` of the quotient brought into
/// `[√½, √2]`, plus `e · ln 2` in two parts.
#[inline]
fn ln_parts(m_num: f32, m_den: f32, mut e: i32) -> f32 {
    let mut q = m_num / m_den;
    if q < core::f32::consts::FRAC_1_SQRT_2 {
        q *= 2.0;
        e -= 1;
    } else if q > core::f32::consts::SQRT_2 {
        q *= 0.5;
        e += 1;
    }
    let l = libm::logf(q);
    if e == 0 {
        l
    } else {
        let ef = e as f32;
        ef * LN2_HI + (ef * LN2_LO + l)
    }
}

/// `ln (num / den)` in `f32` without `f64` arithmetic; `−∞` when `num` or `den` is 0 (a class
/// with no samples, a never-seen value with `α = 0`). Never NaN.
pub(crate) fn ln_ratio(num: Sum32, den: Sum32) -> f32 {
    if !(num.positive() && den.positive()) {
        return f32::NEG_INFINITY;
    }
    let ((mn, en), (md, ed)) = (split32(num.value()), split32(den.value()));
    ln_parts(mn, md, en - ed + (num.k - den.k))
}

/// `x = m · 2^e` for a positive finite `f64` (subnormals included), with `m ∈ [1, 2]` its
/// mantissa rounded to `f32` by integer operations.
fn split64(x: f64) -> (f32, i32) {
    let b = x.to_bits();
    let (mut exp, mut mant) = (((b >> 52) & 0x7ff) as i32, b & ((1u64 << 52) - 1));
    if exp == 0 {
        let shift = mant.leading_zeros() as i32 - 11;
        mant = (mant << shift) & ((1u64 << 52) - 1);
        exp = 1 - shift;
    }
    // Round the 52-bit fraction to 23 bits; a carry into bit 23 gives m = 2 (0x4000_0000).
    let frac = ((mant + (1 << 28)) >> 29) as u32;
    (f32::from_bits(0x3f80_0000 + frac), exp - 1023)
}

/// [`ln_ratio`] of two `f64` values, by integer operations on their bits and one `logf` (see
/// [`super::common::log_ratio_f32`]).
pub(crate) fn ln_ratio64(num: f64, den: f64) -> f32 {
    let (nb, db) = (num.to_bits(), den.to_bits());
    let nan = |b: u64| b << 1 > 0x7ff << 53;
    let infinite = |b: u64| b << 1 == 0x7ff << 53;
    let not_positive = |b: u64| b >> 63 == 1 || b << 1 == 0;
    if nan(nb) || nan(db) {
        return f32::NAN;
    }
    if not_positive(nb) || not_positive(db) {
        return f32::NEG_INFINITY;
    }
    // As ln num − ln den: ∞ / finite = +∞, finite / ∞ = −∞, ∞ / ∞ = NaN.
    match (infinite(nb), infinite(db)) {
        (true, true) => return f32::NAN,
        (true, false) => return f32::INFINITY,
        (false, true) => return f32::NEG_INFINITY,
        (false, false) => {}
    }
    let ((mn, en), (md, ed)) = (split64(num), split64(den));
    ln_parts(mn, md, en - ed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(xs: &[f32]) -> Sum32 {
        xs.iter().fold(Sum32::of(0.0), |s, &x| s.plus(Sum32::of(x)))
    }

    /// The value of a `Sum32` in `f64` (test only).
    fn value(s: Sum32) -> f64 {
        (s.hi as f64 + s.lo as f64) * libm::exp2(s.k as f64)
    }

    #[test]
    fn sums_are_compensated_and_never_overflow() {
        // 0.1 ten thousand times: plain f32 summation drifts (≈ 999.9), the compensated sum is
        // the f64 sum rounded to f32.
        let xs = [0.1f32; 10_000];
        let exact: f64 = xs.iter().map(|&x| x as f64).sum();
        let s = sum(&xs);
        assert_eq!(s.value(), exact as f32);
        assert!((value(s) - exact).abs() < 1e-9);
        // Near f32::MAX: scaled, finite, within an ulp.
        let big = sum(&[f32::MAX, f32::MAX, f32::MAX]);
        assert_eq!(big.k, 64);
        assert!((value(big) / (3.0 * f32::MAX as f64) - 1.0).abs() < 1e-7);
        let t = Sum32::of(f32::MAX).times(1000);
        assert!((value(t) / (1000.0 * f32::MAX as f64) - 1.0).abs() < 1e-7);
        // α · V exact for V < 2^12; differences clamped at 0.
        assert_eq!(value(Sum32::of(0.3).times(3)), 0.3f32 as f64 * 3.0);
        assert_eq!(value(Sum32::of(2.0).minus(Sum32::of(5.0))), 0.0);
        assert_eq!(value(Sum32::of(5.0).minus(Sum32::of(2.0))), 3.0);
    }

    #[test]
    fn ln_ratio_matches_f64_logs() {
        let cases: [(f32, f32); 9] = [
            (1.0, 3.0),
            (9.0, 14.0),
            (2.5, 2.4),
            (1e-30, 7.0),
            (1e-44, 3e38), // subnormal over near-MAX: ≈ −189
            (3e38, 1e-44),
            (1.0, 1.0),
            (1.3, 0.7),
            (4e-39, 4e-39),
        ];
        for (n, d) in cases {
            let want = libm::log(n as f64) - libm::log(d as f64);
            let got = ln_ratio(Sum32::of(n), Sum32::of(d));
            let tol = 2.5 * (f32::EPSILON as f64) * want.abs().max(1e-2);
            assert!(
                (got as f64 - want).abs() <= tol,
                "{n} / {d}: {got} vs {want}"
            );
            let got64 = ln_ratio64(n as f64, d as f64);
            assert!(
                (got64 as f64 - want).abs() <= tol,
                "{n} / {d}: {got64} vs {want}"
            );
        }
        // Sums beyond f32: 3 · MAX over MAX = ln 3.
        let l = ln_ratio(sum(&[f32::MAX; 3]), Sum32::of(f32::MAX));
        assert!((l as f64 - libm::log(3.0)).abs() < 1e-7);
        assert_eq!(ln_ratio(Sum32::of(0.0), Sum32::of(1.0)), f32::NEG_INFINITY);
        assert_eq!(ln_ratio(Sum32::of(1.0), Sum32::of(0.0)), f32::NEG_INFINITY);
        // f64 beyond f32's range, subnormal f64, special values.
        for (n, d) in [
            (1e-50f64, 1.0f64),
            (1e300, 1e-300),
            (5e-324, 1.0),
            (1.0, 3e-310),
        ] {
            let want = libm::log(n) - libm::log(d);
            let got = ln_ratio64(n, d) as f64;
            assert!(
                (got - want).abs() <= 2.5e-7 * want.abs(),
                "{n} / {d}: {got} vs {want}"
            );
        }
        assert_eq!(ln_ratio64(f64::INFINITY, 1.0), f32::INFINITY);
        assert_eq!(ln_ratio64(1.0, f64::INFINITY), f32::NEG_INFINITY);
        assert!(ln_ratio64(f64::NAN, 1.0).is_nan());
        assert_eq!(ln_ratio64(-1.0, 1.0), f32::NEG_INFINITY);
    }
}
