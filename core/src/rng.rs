//! A small, seeded, deterministic random number generator.
//!
//! [`Rng`] is **xoshiro128++** (Blackman & Vigna), chosen for 32-bit microcontrollers: four `u32`
//! words of state, only 32-bit shifts, rotations and additions. The stream is fully specified by
//! the seed, so the same seed gives the same bits on every target:
//!
//! 1. `Rng::new(seed: u64)` expands the seed with **SplitMix64**: two successive outputs `a`, `b`
//!    of SplitMix64 started at `seed` give the state `[a as u32, (a >> 32) as u32, b as u32,
//!    (b >> 32) as u32]` (an all-zero state cannot arise: SplitMix64 is a bijection and two
//!    consecutive outputs are never both zero).
//! 2. [`Rng::next_u32`] is the xoshiro128++ output function; `next_u64` is `lo | hi << 32` of two
//!    successive `next_u32` calls.
//! 3. [`Rng::uniform`] maps the top 24 bits of `next_u32` to `[0, 1)`: `(u >> 8) as f32 / 2^24`.
//! 4. [`Rng::normal`] is the Box–Muller transform of two `uniform` draws (`u1` is mapped to
//!    `(0, 1]` so `ln` stays finite) and returns the cosine branch; the sine branch is cached
//!    and returned by the next call.
//!
//! [`Rng`] implements `rand_core::TryRng` (with `Infallible`), so it also works with the `rand`
//! ecosystem on the host.

use crate::error::{Error, Result};
use crate::math;
use core::convert::Infallible;

/// Seeded xoshiro128++ generator with uniform, normal and categorical sampling.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rng {
    s: [u32; 4],
    spare_normal: Option<f32>,
}

/// One step of SplitMix64: advances `state` and returns the next output.
#[inline]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole stream is determined by `seed` (see the module docs).
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let a = splitmix64(&mut sm);
        let b = splitmix64(&mut sm);
        Rng {
            s: [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32],
            spare_normal: None,
        }
    }

    /// The next 32 random bits (xoshiro128++).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(7).wrapping_add(s[0]);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        result
    }

    /// The next 64 random bits: `lo | hi << 32` of two `next_u32` calls.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let lo = self.next_u32() as u64;
        let hi = self.next_u32() as u64;
        lo | (hi << 32)
    }

    /// Uniform in `[0, 1)` with 24 bits of resolution.
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in `[lo, hi)`.
    #[inline]
    pub fn uniform_range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in `0..n` (Lemire's multiply-shift with rejection; unbiased).
    /// Returns 0 when `n == 0`.
    pub fn below(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.next_u32() as u64) * (n as u64);
            if (m as u32) >= threshold {
                return (m >> 32) as u32;
            }
        }
    }

    /// Standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f32 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        // u1 in (0, 1] so ln(u1) is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        let r = math::sqrt(-2.0 * math::ln(u1));
        let theta = 2.0 * core::f32::consts::PI * u2;
        self.spare_normal = Some(r * math::sin(theta));
        r * math::cos(theta)
    }

    /// Normal draw with the given mean and standard deviation.
    #[inline]
    pub fn normal_with(&mut self, mean: f32, std: f32) -> f32 {
        mean + std * self.normal()
    }

    /// Fills `out` with independent `N(mean, std²)` draws.
    pub fn fill_normal(&mut self, out: &mut [f32], mean: f32, std: f32) {
        for v in out {
            *v = self.normal_with(mean, std);
        }
    }

    /// Fills `out` with independent `U[lo, hi)` draws.
    pub fn fill_uniform(&mut self, out: &mut [f32], lo: f32, hi: f32) {
        for v in out {
            *v = self.uniform_range(lo, hi);
        }
    }

    /// Draws an index `k` with probability `weights[k] / Σ weights`.
    ///
    /// Weights must be finite and non-negative with a positive sum, else
    /// [`Error::InvalidArgument`].
    pub fn categorical(&mut self, weights: &[f32]) -> Result<usize> {
        let mut total = 0.0f32;
        for &w in weights {
            if !w.is_finite() || w < 0.0 {
                return Err(Error::InvalidArgument {
                    what: "categorical weights must be finite and non-negative",
                });
            }
            total += w;
        }
        if total <= 0.0 || !total.is_finite() {
            return Err(Error::InvalidArgument {
                what: "categorical weights must have a positive finite sum",
            });
        }
        let u = self.uniform() * total;
        let mut acc = 0.0f32;
        let mut last_positive = 0;
        for (k, &w) in weights.iter().enumerate() {
            if w > 0.0 {
                last_positive = k;
            }
            acc += w;
            if u < acc {
                return Ok(k);
            }
        }
        // Rounding can leave u just above the accumulated sum.
        Ok(last_positive)
    }

    /// Draws an index from unnormalised log-weights (e.g. log-probabilities or logits), using the
    /// Gumbel-max trick, so it never exponentiates large values. `-inf` entries are never drawn;
    /// all `-inf` (or any NaN / `+inf`) is an [`Error::InvalidArgument`].
    pub fn categorical_log(&mut self, log_weights: &[f32]) -> Result<usize> {
        let mut best = None;
        let mut best_v = f32::NEG_INFINITY;
        for (k, &lw) in log_weights.iter().enumerate() {
            if lw.is_nan() || lw == f32::INFINITY {
                return Err(Error::InvalidArgument {
                    what: "categorical log-weights must not be NaN or +inf",
                });
            }
            if lw == f32::NEG_INFINITY {
                continue;
            }
            let u = (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0);
            let u = u + 0.5 / 16_777_216.0; // (0, 1)
            let g = -math::ln(-math::ln(u));
            let v = lw + g;
            if best.is_none() || v > best_v {
                best = Some(k);
                best_v = v;
            }
        }
        best.ok_or(Error::InvalidArgument {
            what: "categorical log-weights are all -inf",
        })
    }

    /// Shuffles `xs` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        let n = xs.len();
        for i in (1..n).rev() {
            let j = self.below((i + 1) as u32) as usize;
            xs.swap(i, j);
        }
    }
}

impl rand_core::TryRng for Rng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Infallible> {
        Ok(Rng::next_u32(self))
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Infallible> {
        Ok(Rng::next_u64(self))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let bytes = Rng::next_u32(self).to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u32(), b.next_u32());
        }
        let mut c = Rng::new(43);
        assert_ne!(Rng::new(42).next_u64(), c.next_u64());
    }

    #[test]
    fn pinned_stream() {
        // Pins the documented seed -> stream mapping; changing it breaks every seeded result.
        let mut sm = 0u64;
        assert_eq!(splitmix64(&mut sm), 0xE220_A839_7B1D_CDAF);
        let mut r = Rng::new(0);
        let first = [r.next_u32(), r.next_u32(), r.next_u32()];
        let mut r2 = Rng::new(0);
        assert_eq!(first, [r2.next_u32(), r2.next_u32(), r2.next_u32()]);
        // xoshiro128++ from state [a lo, a hi, b lo, b hi]:
        let a = 0xE220_A839_7B1D_CDAFu64;
        let s0 = a as u32;
        let s3 = {
            let mut sm = 0u64;
            splitmix64(&mut sm);
            (splitmix64(&mut sm) >> 32) as u32
        };
        assert_eq!(
            first[0],
            s0.wrapping_add(s3).rotate_left(7).wrapping_add(s0)
        );
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut r = Rng::new(7);
        let n = 200_000;
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            s += u as f64;
        }
        assert!((s / n as f64 - 0.5).abs() < 0.005);
        s = 0.0;
        for _ in 0..n {
            let z = r.normal() as f64;
            assert!(z.is_finite());
            s += z;
            s2 += z * z;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }

    #[test]
    fn categorical_frequencies() {
        let mut r = Rng::new(3);
        let w = [1.0, 0.0, 3.0];
        let mut counts = [0usize; 3];
        let lw = [libm::logf(1.0), f32::NEG_INFINITY, libm::logf(3.0)];
        let mut lcounts = [0usize; 3];
        for _ in 0..40_000 {
            counts[r.categorical(&w).unwrap()] += 1;
            lcounts[r.categorical_log(&lw).unwrap()] += 1;
        }
        assert_eq!(counts[1], 0);
        assert_eq!(lcounts[1], 0);
        assert!((counts[2] as f32 / 40_000.0 - 0.75).abs() < 0.01);
        assert!((lcounts[2] as f32 / 40_000.0 - 0.75).abs() < 0.01);
        assert!(r.categorical(&[0.0, 0.0]).is_err());
        assert!(r.categorical(&[f32::NAN]).is_err());
        assert!(r.categorical_log(&[f32::NEG_INFINITY]).is_err());
    }

    #[test]
    fn below_is_in_range_and_shuffle_permutes() {
        let mut r = Rng::new(9);
        for n in 1..50 {
            assert!(r.below(n) < n);
        }
        let mut xs = [0, 1, 2, 3, 4, 5, 6, 7];
        r.shuffle(&mut xs);
        let mut sorted = xs;
        sorted.sort();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7]);
    }
}
