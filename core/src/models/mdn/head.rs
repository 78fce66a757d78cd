//! The MDN head: from the raw network outputs to the mixture, the loss and its gradient.
//!
//! See the [module docs](super) for the layout of the raw outputs and the math.

use super::lse::log_sum_exp_by;
use super::mixture::Mixture;
use crate::error::{check_finite, check_len, Error, Result};
use crate::kernels::softmax::log_sum_exp;
use crate::math;

/// Lower clamp of `a^σ` before the exponential: `σ_k ≥ σ_min + e^{−30} ≈ σ_min + 9.4·10⁻¹⁴`.
pub const A_SIGMA_MIN: f32 = -30.0;
/// Upper clamp of `a^σ` before the exponential: `σ_k ≤ σ_min + e^{30} ≈ σ_min + 1.07·10¹³`.
pub const A_SIGMA_MAX: f32 = 30.0;
/// Saturation of the standardised residual `(t_l − μ_kl)/σ_k`, so `‖t − μ_k‖²/σ_k²` stays
/// finite even for residuals near `f32::MAX` (no density anyone can use is affected).
pub const RESIDUAL_MAX: f32 = 1e15;

/// The MDN head for `K` components and an `L`-dimensional target with isotropic `σ_k`.
///
/// A runtime value (not const generics), so the host's runtime-sized models and the typed
/// device model share it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Head {
    k: usize,
    l: usize,
    sigma_min: f32,
}

/// `K (L + 2)`: the number of raw network outputs an MDN head with `k` components and an
/// `l`-dimensional target reads.
pub const fn output_len(k: usize, l: usize) -> usize {
    k * (l + 2)
}

impl Head {
    /// A head with `k ≥ 1` components, target dimension `l ≥ 1` and variance floor
    /// `sigma_min ≥ 0` (finite; `0` gives PRML's `σ = exp(a^σ)`).
    pub fn new(k: usize, l: usize, sigma_min: f32) -> Result<Self> {
        if k == 0 {
            return Err(Error::InvalidArgument {
                what: "an MDN needs at least one mixture component (K >= 1)",
            });
        }
        if l == 0 {
            return Err(Error::InvalidArgument {
                what: "an MDN target needs at least one dimension (L >= 1)",
            });
        }
        if !(sigma_min.is_finite() && sigma_min >= 0.0) {
            return Err(Error::InvalidArgument {
                what: "sigma_min must be finite and >= 0",
            });
        }
        if k.checked_mul(l + 2).is_none() {
            return Err(Error::InvalidArgument {
                what: "K (L + 2) overflows usize",
            });
        }
        Ok(Head { k, l, sigma_min })
    }

    /// Number of components `K`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Target dimension `L`.
    pub fn l(&self) -> usize {
        self.l
    }

    /// The variance floor `σ_min`.
    pub fn sigma_min(&self) -> f32 {
        self.sigma_min
    }

    /// Raw outputs the head reads: `K (L + 2)`.
    pub fn output_len(&self) -> usize {
        output_len(self.k, self.l)
    }

    /// `σ_k` and `ln σ_k` from the raw `a^σ_k` (clamped to [`A_SIGMA_MIN`, `A_SIGMA_MAX`]),
    /// plus `e = exp(clamped a^σ_k)` (so `∂σ/∂a^σ = e` inside the clamp range).
    #[inline]
    fn sigma_of(&self, a_sigma: f32) -> (f32, f32, f32) {
        let a = clamp_a_sigma(a_sigma);
        let e = math::exp(a);
        if self.sigma_min == 0.0 {
            (e, a, e)
        } else {
            let s = self.sigma_min + e;
            (s, math::ln(s), e)
        }
    }

    fn check(&self, out: &[f32], t: Option<&[f32]>) -> Result<()> {
        check_len("mdn raw outputs", self.output_len(), out.len())?;
        check_finite("mdn raw outputs", out)?;
        if let Some(t) = t {
            check_len("mdn target", self.l, t.len())?;
            check_finite("mdn target", t)?;
        }
        Ok(())
    }

    /// Parses raw outputs `out` (`K (L + 2)`, finite) into the mixture `π, σ, μ`: `ln π` and
    /// `σ` are written to `buf[..K]` and `buf[K..2K]` (`buf` needs at least `2K` entries; a
    /// buffer of the raw outputs' length `K (L + 2)` will do), `μ` is `out`'s own `a^μ` (no
    /// copy: `μ_kl = a^μ_kl`). Returns a view of them.
    pub fn mixture<'a>(&self, out: &'a [f32], buf: &'a mut [f32]) -> Result<Mixture<'a>> {
        self.mixture_with(self.k, out, buf)
    }

    /// [`mixture`](Self::mixture) for raw outputs of a length `O` known at compile time (the
    /// typed models): the same values, bit for bit, but for the small component counts that
    /// `O` allows (`K = 2, 3, 4` with `K | O`, `O / K ≥ 3`) `K` is a constant in the code, so
    /// its loops (σ, the log-sum-exp, `ln π`) are unrolled, with no loop counters, index tests
    /// or remainder handling (the PRML MDN, `O = 9`, `K = 3`: ≈ 70 instructions less on a
    /// Cortex-M4F). Other `K` run [`mixture`](Self::mixture); the arms that `O` excludes are
    /// not compiled in.
    #[inline]
    pub fn mixture_sized<'a, const O: usize>(
        &self,
        out: &'a [f32],
        buf: &'a mut [f32],
    ) -> Result<Mixture<'a>> {
        /// Whether `K` components fit `O` raw outputs (`O = K (L + 2)`, `L ≥ 1`).
        const fn fits(o: usize, k: usize) -> bool {
            o % k == 0 && o / k >= 3
        }
        // `L` is checked here too (`O = K (L + 2)`), so the length check folds.
        match self.k {
            2 if fits(O, 2) && self.l == O / 2 - 2 => self.mixture_with(2, out, buf),
            3 if fits(O, 3) && self.l == O / 3 - 2 => self.mixture_with(3, out, buf),
            4 if fits(O, 4) && self.l == O / 4 - 2 => self.mixture_with(4, out, buf),
            _ => self.mixture(out, buf),
        }
    }

    /// The body of [`mixture`](Self::mixture) with `k = self.k` passed in (a constant when the
    /// caller matched it), always inlined so the constant reaches the loops.
    #[inline(always)]
    fn mixture_with<'a>(
        &self,
        k: usize,
        out: &'a [f32],
        buf: &'a mut [f32],
    ) -> Result<Mixture<'a>> {
        check_len("mdn raw outputs", output_len(k, self.l), out.len())?;
        if !all_finite(out) {
            return Err(Error::NonFinite {
                what: "mdn raw outputs",
            });
        }
        // The lengths were checked (`2K ≤ K (L + 2)`); the checked splits keep panic paths out
        // of the firmware.
        let short = Error::ShapeMismatch {
            what: "mdn mixture buffer (at least 2K)",
            expected: 2 * k,
            found: buf.len(),
        };
        let (a_pi, rest) = out.split_at_checked(k).ok_or(short)?;
        let (a_sigma, mu) = rest.split_at_checked(k).ok_or(short)?;
        let (log_pi, rest) = buf.split_at_mut_checked(k).ok_or(short)?;
        let (sigma, _) = rest.split_at_mut_checked(k).ok_or(short)?;
        // `ln Σ e^{a^π}` as `log_sum_exp` computes it (`m + ln_1p(Σ_{i ≠ i_max} e^{a_i − m})`,
        // `m` the first maximum; finite, since `out` is), with its exponentials in one loop with
        // those of σ, so the two share the loop and `exp`'s constants in registers.
        // The first maximum, as `log_sum_exp` finds it (from −∞; the logits are finite, so
        // starting at the first one is the same).
        let Some(&first) = a_pi.first() else {
            return Err(short);
        };
        let (mut m, mut i_max) = (first, 0);
        for (i, &v) in a_pi.iter().enumerate().skip(1) {
            if v > m {
                m = v;
                i_max = i;
            }
        }
        // With `fastexp` on the Cortex-M4F: the loop and `m + ln_1p(rest)` in assembly
        // (`kernels/m4f.rs`), for arguments inside `exp`'s and `ln_1p`'s common ranges; else
        // (and elsewhere) the Rust loop.
        #[cfg(all(
            feature = "fastexp",
            not(feature = "micromath"),
            target_arch = "arm",
            target_abi = "eabihf"
        ))]
        let asm_lse = if k == 3 {
            // `k` is a constant here when `mixture_sized` matched it: one of the two is linked.
            crate::kernels::m4f::head_exps_k3(a_sigma, a_pi, sigma, i_max, &[self.sigma_min, m])
        } else {
            crate::kernels::m4f::head_exps(a_sigma, a_pi, sigma, i_max, &[self.sigma_min, m])
        };
        #[cfg(not(all(
            feature = "fastexp",
            not(feature = "micromath"),
            target_arch = "arm",
            target_abi = "eabihf"
        )))]
        let asm_lse: Option<f32> = None;
        let lse_pi = match asm_lse {
            Some(lse) => lse,
            None => {
                // The exponentials of σ and π in one loop, sharing `exp`'s constants. Its trip
                // count (`k`) goes through `black_box` so that this stays a loop even where `k`
                // is a constant: unrolled, LLVM reloads the constants for every call (≈ 12
                // instructions each).
                let mut rest = -0.0f32; // `Sum for f32` starts at −0.0: the same bits for K = 1
                let pairs = sigma.iter_mut().zip(a_sigma).zip(a_pi).enumerate();
                for (i, ((s, &a_s), &a_p)) in pairs.take(core::hint::black_box(k)) {
                    // `σ_min + e` is `e` itself when `σ_min = 0`: the same bits as `sigma_of`.
                    *s = self.sigma_min + exp_a_sigma(a_s);
                    if i != i_max {
                        rest += math::exp(a_p - m);
                    }
                }
                m + math::ln_1p(rest)
            }
        };
        for (lp, &a) in log_pi.iter_mut().zip(a_pi) {
            *lp = a - lse_pi;
        }
        // `out` is finite (checked above), so the mixture is valid by construction.
        Ok(Mixture::from_head(k, self.l, log_pi, sigma, mu))
    }

    /// `ln π_k N(t | μ_k, σ_k² I_L)` from raw outputs, with `lse_pi = ln Σ exp(a^π)`.
    /// Also returns `σ_k`, `e_k = exp(a^σ_k)` and `q_k = ‖t − μ_k‖²/σ_k²`.
    #[inline]
    fn log_term(&self, out: &[f32], lse_pi: f32, t: &[f32], k: usize) -> (f32, f32, f32, f32) {
        let (kk, l) = (self.k, self.l);
        let (sigma, ln_sigma, e) = self.sigma_of(out[kk + k]);
        let mu = &out[2 * kk + k * l..2 * kk + (k + 1) * l];
        let q = sq_residual(t, mu, sigma);
        let lf = l as f32;
        let term = (out[k] - lse_pi) - lf * ln_sigma - 0.5 * lf * math::LN_2PI - 0.5 * q;
        (term, sigma, e, q)
    }

    /// The per-sample loss `E = −ln Σ_k π_k N(t | μ_k, σ_k² I_L)` (log-sum-exp).
    pub fn loss(&self, out: &[f32], t: &[f32]) -> Result<f32> {
        self.check(out, Some(t))?;
        let lse_pi = log_sum_exp(&out[..self.k]);
        Ok(-log_sum_exp_by(self.k, |k| {
            self.log_term(out, lse_pi, t, k).0
        }))
    }

    /// The loss and its gradient with respect to the raw outputs, **written** (not added) to
    /// `grad` (`K (L + 2)`, same layout as `out`):
    /// `∂E/∂a^π_k = π_k − γ_k`, `∂E/∂a^σ_k = γ_k (L − ‖t−μ_k‖²/σ_k²) e^{a^σ_k}/σ_k`,
    /// `∂E/∂a^μ_kl = γ_k (μ_kl − t_l)/σ_k²`.
    pub fn loss_and_grad(&self, out: &[f32], t: &[f32], grad: &mut [f32]) -> Result<f32> {
        self.check(out, Some(t))?;
        check_len("mdn output gradient", self.output_len(), grad.len())?;
        let (k, l) = (self.k, self.l);
        let lse_pi = log_sum_exp(&out[..k]);
        // Pass 1: the log terms go to grad[..K] and e^{a^σ} to grad[K..2K] (scratch), so
        // log-sum-exp sees one slice and pass 2 needs no second exponential for σ.
        for c in 0..k {
            let (term, _, e, _) = self.log_term(out, lse_pi, t, c);
            grad[c] = term;
            grad[k + c] = e;
        }
        let lse = log_sum_exp(&grad[..k]);
        // Pass 2: γ_k = exp(term_k − lse), then the three gradients (σ and q exactly as
        // `log_term` computed them).
        let lf = l as f32;
        for c in 0..k {
            let (term, e) = (grad[c], grad[k + c]);
            let sigma = if self.sigma_min == 0.0 {
                e
            } else {
                self.sigma_min + e
            };
            let q = sq_residual(t, &out[2 * k + c * l..2 * k + (c + 1) * l], sigma);
            let gamma = math::exp(term - lse);
            let pi = math::exp(out[c] - lse_pi);
            grad[c] = pi - gamma;
            let factor = if self.sigma_min == 0.0 {
                1.0
            } else {
                e / sigma
            };
            grad[k + c] = gamma * (lf - q) * factor;
            let mu = &out[2 * k + c * l..2 * k + (c + 1) * l];
            let g_mu = &mut grad[2 * k + c * l..2 * k + (c + 1) * l];
            for ((g, &m), &tl) in g_mu.iter_mut().zip(mu).zip(t) {
                // γ (μ − t)/σ² = γ · r/σ with the saturated residual r = (μ − t)/σ.
                *g = gamma * (residual(m, tl, sigma) / sigma);
            }
        }
        Ok(-lse)
    }

    /// Log-responsibilities `ln γ_k = ln π_k N_k − ln Σ_j π_j N_j` written to `log_gamma`
    /// (`K`); returns the loss `E` (the negated normaliser).
    pub fn log_responsibilities(
        &self,
        out: &[f32],
        t: &[f32],
        log_gamma: &mut [f32],
    ) -> Result<f32> {
        self.check(out, Some(t))?;
        check_len("mdn responsibilities", self.k, log_gamma.len())?;
        let lse_pi = log_sum_exp(&out[..self.k]);
        for (c, g) in log_gamma.iter_mut().enumerate() {
            *g = self.log_term(out, lse_pi, t, c).0;
        }
        let lse = log_sum_exp(log_gamma);
        for g in log_gamma.iter_mut() {
            *g -= lse;
        }
        Ok(-lse)
    }
}

/// `a^σ` clamped to [`A_SIGMA_MIN`, `A_SIGMA_MAX`].
#[inline]
fn clamp_a_sigma(a: f32) -> f32 {
    a.clamp(A_SIGMA_MIN, A_SIGMA_MAX)
}

/// `exp(clamp(a^σ))` (the same bits as `math::exp(clamp_a_sigma(a))`): inside the clamp range,
/// one integer compare of `|a|`'s bits (the range is symmetric), which also tells an inlined
/// `exp` that its argument is in range; outside, the clamp, out of line.
#[inline]
fn exp_a_sigma(a: f32) -> f32 {
    const _: () = assert!(A_SIGMA_MIN == -A_SIGMA_MAX);
    if a.to_bits() & 0x7fff_ffff <= A_SIGMA_MAX.to_bits() {
        math::exp(a)
    } else {
        exp_a_sigma_clamped(a)
    }
}

/// [`exp_a_sigma`] outside the clamp range (and NaN).
#[cold]
#[inline(never)]
fn exp_a_sigma_clamped(a: f32) -> f32 {
    math::exp(clamp_a_sigma(a))
}

/// Whether every entry is finite, without a branch per entry (the same answer as
/// [`check_finite`], fewer instructions on the inference path): [`all_finite_fpu`], or
/// [`all_finite_bits`] on soft-float Arm targets, where a floating-point add is a library call.
#[inline]
fn all_finite(xs: &[f32]) -> bool {
    #[cfg(not(all(target_arch = "arm", not(target_abi = "eabihf"))))]
    {
        all_finite_fpu(xs)
    }
    #[cfg(all(target_arch = "arm", not(target_abi = "eabihf")))]
    {
        all_finite_bits(xs)
    }
}

/// `x · 0` is `±0` for finite `x` and NaN for `±inf` and NaN, so one sum of them is `0`
/// exactly when all are finite (a load and a multiply-add per entry).
#[cfg(any(test, not(all(target_arch = "arm", not(target_abi = "eabihf")))))]
#[inline]
fn all_finite_fpu(xs: &[f32]) -> bool {
    xs.iter().fold(0.0f32, |acc, &x| acc + x * 0.0) == 0.0
}

/// The exponent field plus one carries into bit 31 exactly when it is all ones (`±inf`, NaN);
/// the carries are OR-ed together (four integer instructions per entry).
#[cfg(any(test, all(target_arch = "arm", not(target_abi = "eabihf"))))]
#[inline]
fn all_finite_bits(xs: &[f32]) -> bool {
    let carries = xs.iter().fold(0u32, |acc, &x| {
        acc | ((x.to_bits() & 0x7f80_0000) + 0x0080_0000)
    });
    carries & 0x8000_0000 == 0
}

/// `(a − b)/σ`, saturated at `±RESIDUAL_MAX` (the difference itself may overflow to `±inf`).
#[inline]
pub(crate) fn residual(a: f32, b: f32, sigma: f32) -> f32 {
    ((a - b) / sigma).clamp(-RESIDUAL_MAX, RESIDUAL_MAX)
}

/// `‖t − μ‖² / σ²` as the sum of squared saturated residuals.
#[inline]
pub(crate) fn sq_residual(t: &[f32], mu: &[f32], sigma: f32) -> f32 {
    t.iter()
        .zip(mu)
        .map(|(&a, &b)| {
            let r = residual(a, b, sigma);
            r * r
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// `mixture` and `mixture_sized` (the unrolled small-`K` arms, and the general one) give
    /// the bits of the plain formulas: `σ_k = σ_min + exp(clamp(a^σ_k))`,
    /// `ln π_k = a^π_k − log_sum_exp(a^π)`, `μ` the raw outputs; for every `K` and `L` up to 5
    /// and 3, with ties of the maximum and clamped `a^σ`.
    #[test]
    fn mixture_matches_the_plain_formulas_bit_for_bit() {
        fn check<const O: usize>(head: Head, out: &[f32; O]) {
            let (k, l) = (head.k(), head.l());
            let (mut buf, mut buf2) = ([0.0f32; O], [0.0f32; O]);
            let a = head.mixture(out, &mut buf).unwrap();
            let b = head.mixture_sized::<O>(out, &mut buf2).unwrap();
            let lse = log_sum_exp(&out[..k]);
            for mix in [a, b] {
                for c in 0..k {
                    let sigma = head.sigma_min() + math::exp(clamp_a_sigma(out[k + c]));
                    assert_eq!(mix.sigma()[c].to_bits(), sigma.to_bits(), "K {k} L {l}");
                    let log_pi = out[c] - lse;
                    assert_eq!(mix.log_pi()[c].to_bits(), log_pi.to_bits(), "K {k} L {l}");
                }
                assert_eq!(mix.mu(), &out[2 * k..]);
            }
        }
        fn run<const O: usize>(rng: &mut Rng, k: usize) {
            let head = Head::new(k, O / k - 2, if k % 2 == 0 { 0.0 } else { 0.05 }).unwrap();
            for trial in 0..20 {
                let mut out = [0.0f32; O];
                rng.fill_normal(&mut out, 0.0, 1.0 + 10.0 * (trial % 4) as f32);
                if trial % 5 == 1 {
                    out[k - 1] = out[0]; // a tie for the maximum
                }
                check::<O>(head, &out);
            }
        }
        let mut rng = Rng::new(11);
        run::<3>(&mut rng, 1);
        run::<5>(&mut rng, 1);
        run::<6>(&mut rng, 2);
        run::<8>(&mut rng, 2);
        run::<9>(&mut rng, 3);
        run::<12>(&mut rng, 3);
        run::<12>(&mut rng, 4);
        run::<15>(&mut rng, 5);
        run::<15>(&mut rng, 3);
    }

    /// Both branch-free finiteness tests agree with `is_finite` on every kind of value.
    #[test]
    fn all_finite_variants_match_is_finite() {
        let finite = [
            0.0f32,
            -0.0,
            1.0,
            -2.5,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
        ];
        assert!(all_finite_fpu(&finite) && all_finite_bits(&finite));
        assert!(all_finite_fpu(&[]) && all_finite_bits(&[]));
        for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN, -f32::NAN] {
            for at in 0..=finite.len() {
                let mut v = [0.0f32; 10];
                v[..finite.len()].copy_from_slice(&finite);
                v.copy_within(at..finite.len(), (at + 1).min(9));
                v[at] = bad;
                assert!(!all_finite_fpu(&v), "{v:?}");
                assert!(!all_finite_bits(&v), "{v:?}");
            }
        }
        // The clamp shortcut is the clamp.
        for a in [
            -1e30f32,
            -30.5,
            -30.0,
            -29.9,
            0.0,
            29.9,
            30.0,
            30.5,
            1e30,
            f32::NAN,
        ] {
            assert_eq!(
                exp_a_sigma(a).to_bits(),
                math::exp(a.clamp(A_SIGMA_MIN, A_SIGMA_MAX)).to_bits()
            );
        }
    }
}
