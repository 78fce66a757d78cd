//! A parsed Gaussian mixture `p(t) = Σ_k π_k N(t | μ_k, σ_k² I_L)` and its derived quantities.

use super::head::sq_residual;
use super::lse::log_sum_exp_by;
use crate::error::{check_len, Error, Result};
use crate::math;
use crate::rng::Rng;

/// Settings of the mean-shift search for the mode ([`Mixture::mode`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ModeSearch {
    /// Most fixed-point iterations per start.
    pub max_iter: u32,
    /// Stop when no coordinate moves by more than `tol · (1 + |t|_∞)`.
    pub tol: f32,
}

impl Default for ModeSearch {
    /// 200 iterations, tolerance `1e-6`.
    fn default() -> Self {
        ModeSearch {
            max_iter: 200,
            tol: 1e-6,
        }
    }
}

/// A view of an isotropic Gaussian mixture: `ln π` (`K`), `σ` (`K`), `μ` (`K × L`,
/// component-major). Build one with [`Head::mixture`](super::Head::mixture) from raw network
/// outputs, or with [`Mixture::new`] by hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mixture<'a> {
    k: usize,
    l: usize,
    log_pi: &'a [f32],
    sigma: &'a [f32],
    mu: &'a [f32],
}

impl<'a> Mixture<'a> {
    /// A mixture of `k ≥ 1` components in `l ≥ 1` dimensions. `log_pi` (`k`) must be
    /// normalised log-weights (`ln Σ π = 0` within `1e-3`; `-inf` allowed, NaN/`+inf` not),
    /// `sigma` (`k`) finite and positive, `mu` (`k·l`) finite.
    pub fn new(
        k: usize,
        l: usize,
        log_pi: &'a [f32],
        sigma: &'a [f32],
        mu: &'a [f32],
    ) -> Result<Self> {
        if k == 0 || l == 0 {
            return Err(Error::InvalidArgument {
                what: "a mixture needs K >= 1 and L >= 1",
            });
        }
        check_len("mixture log-weights", k, log_pi.len())?;
        check_len("mixture sigmas", k, sigma.len())?;
        check_len("mixture means", k * l, mu.len())?;
        if log_pi.iter().any(|v| v.is_nan() || *v == f32::INFINITY) {
            return Err(Error::NonFinite {
                what: "mixture log-weights",
            });
        }
        let total = crate::kernels::softmax::log_sum_exp(log_pi);
        if total.is_nan() || total.abs() > 1e-3 {
            return Err(Error::InvalidArgument {
                what: "mixture weights must sum to 1",
            });
        }
        if !sigma.iter().all(|s| s.is_finite() && *s > 0.0) {
            return Err(Error::InvalidArgument {
                what: "mixture sigmas must be finite and positive",
            });
        }
        crate::error::check_finite("mixture means", mu)?;
        Ok(Mixture {
            k,
            l,
            log_pi,
            sigma,
            mu,
        })
    }

    /// A mixture [`Head::mixture`](super::Head::mixture) has just built from finite raw
    /// outputs, so every invariant [`new`](Self::new) checks holds by construction: the lengths
    /// come from one split, `ln π = a^π − ln Σ e^{a^π}` is normalised and finite, `σ = σ_min +
    /// e^{clamp(a^σ)}` is finite and positive, `μ` are the (checked) raw outputs. Skipping the
    /// re-check saves a second log-sum-exp (two `exp` and a `log1p`) per inference.
    pub(super) fn from_head(
        k: usize,
        l: usize,
        log_pi: &'a [f32],
        sigma: &'a [f32],
        mu: &'a [f32],
    ) -> Self {
        Mixture {
            k,
            l,
            log_pi,
            sigma,
            mu,
        }
    }

    /// Number of components `K`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Dimension `L`.
    pub fn l(&self) -> usize {
        self.l
    }

    /// `ln π` (`K`).
    pub fn log_pi(&self) -> &'a [f32] {
        self.log_pi
    }

    /// `σ` (`K`).
    pub fn sigma(&self) -> &'a [f32] {
        self.sigma
    }

    /// `μ` (`K × L`, component-major).
    pub fn mu(&self) -> &'a [f32] {
        self.mu
    }

    /// Mixing coefficient `π_c` (0 for `c ≥ K`).
    pub fn pi(&self, c: usize) -> f32 {
        self.log_pi.get(c).map_or(0.0, |&v| math::exp(v))
    }

    /// Mean `μ_c` of component `c` (`L`; empty for `c ≥ K`).
    pub fn mean_of(&self, c: usize) -> &'a [f32] {
        if c < self.k {
            &self.mu[c * self.l..(c + 1) * self.l]
        } else {
            &[]
        }
    }

    /// `ln π_c + ln N(t | μ_c, σ_c² I)` (no checks; `t` has length `L`).
    #[inline]
    fn log_weighted(&self, c: usize, t: &[f32]) -> f32 {
        let s = self.sigma[c];
        let lf = self.l as f32;
        let q = sq_residual(t, self.mean_of(c), s);
        self.log_pi[c] - lf * math::ln(s) - 0.5 * lf * math::LN_2PI - 0.5 * q
    }

    fn check_point(&self, t: &[f32]) -> Result<()> {
        check_len("mixture point", self.l, t.len())?;
        crate::error::check_finite("mixture point", t)
    }

    /// `ln p(t) = ln Σ_k π_k N(t | μ_k, σ_k² I_L)` at a finite point `t` (`L`).
    pub fn log_density(&self, t: &[f32]) -> Result<f32> {
        self.check_point(t)?;
        Ok(log_sum_exp_by(self.k, |c| self.log_weighted(c, t)))
    }

    /// `ln p` at each of the `n` points of `points` (`n × L`, row-major; for `L = 1` simply a
    /// slice of `t` values), written to `out` (`n`).
    pub fn log_density_grid(&self, points: &[f32], out: &mut [f32]) -> Result<()> {
        check_len("mixture grid points", out.len() * self.l, points.len())?;
        for (o, t) in out.iter_mut().zip(points.chunks_exact(self.l)) {
            *o = self.log_density(t)?;
        }
        Ok(())
    }

    /// Log-responsibilities `ln γ_k(t)` (posterior component probabilities) written to `out`
    /// (`K`); returns `ln p(t)`.
    pub fn log_responsibilities(&self, t: &[f32], out: &mut [f32]) -> Result<f32> {
        self.check_point(t)?;
        check_len("mixture responsibilities", self.k, out.len())?;
        for (c, o) in out.iter_mut().enumerate() {
            *o = self.log_weighted(c, t);
        }
        let lse = crate::kernels::softmax::log_sum_exp(out);
        for o in out.iter_mut() {
            *o -= lse;
        }
        Ok(lse)
    }

    /// Conditional mean `Σ_k π_k μ_k`, written to `out` (`L`).
    pub fn mean(&self, out: &mut [f32]) -> Result<()> {
        check_len("mixture mean", self.l, out.len())?;
        out.fill(0.0);
        for c in 0..self.k {
            let p = self.pi(c);
            for (o, &m) in out.iter_mut().zip(self.mean_of(c)) {
                *o += p * m;
            }
        }
        Ok(())
    }

    /// Conditional mean (to `mean`, `L`) and the conditional variance summed over the `L`
    /// dimensions, `Σ_k π_k (L σ_k² + ‖μ_k − mean‖²)` (PRML 5.160 for `L = 1`).
    pub fn mean_and_variance(&self, mean: &mut [f32]) -> Result<f32> {
        self.mean(mean)?;
        let lf = self.l as f32;
        let mut var = 0.0f32;
        for c in 0..self.k {
            let s = self.sigma[c];
            let d2: f32 = self
                .mean_of(c)
                .iter()
                .zip(mean.iter())
                .map(|(&m, &e)| (m - e) * (m - e))
                .sum();
            var += self.pi(c) * (lf * s * s + d2);
        }
        Ok(var)
    }

    /// Approximate mode: `μ` of the component with the largest `π` (PRML Fig 5.21d), written to
    /// `out` (`L`); returns that component's index (the first on ties).
    pub fn approx_mode(&self, out: &mut [f32]) -> Result<usize> {
        check_len("mixture mode", self.l, out.len())?;
        let c = crate::kernels::softmax::argmax(self.log_pi);
        out.copy_from_slice(self.mean_of(c));
        Ok(c)
    }

    /// Conditional mean (to `mean`, `L`) and the conditional variance of each target
    /// dimension (to `var`, `L`): `var_l = Σ_k π_k (σ_k² + (μ_kl − mean_l)²)`. Their sum is
    /// [`mean_and_variance`](Self::mean_and_variance); per dimension they can be rescaled to
    /// other units (`var_l · s_l²`) when the dimensions are scaled differently.
    pub fn mean_and_variances(&self, mean: &mut [f32], var: &mut [f32]) -> Result<()> {
        check_len("mixture variances", self.l, var.len())?;
        self.mean(mean)?;
        var.fill(0.0);
        for c in 0..self.k {
            let p = self.pi(c);
            let s2 = self.sigma[c] * self.sigma[c];
            for ((v, &m), &e) in var.iter_mut().zip(self.mean_of(c)).zip(mean.iter()) {
                *v += p * (s2 + (m - e) * (m - e));
            }
        }
        Ok(())
    }

    /// Mean-shift fixed-point iterations from `cur` (`L`, updated in place to the end point),
    /// `next` (`L`) is scratch; returns `ln p` at the end point.
    fn shift(&self, cur: &mut [f32], next: &mut [f32], search: ModeSearch) -> f32 {
        for _ in 0..search.max_iter {
            let cur_ro: &[f32] = cur;
            let log_w = |c: usize| self.log_weighted(c, cur_ro) - 2.0 * math::ln(self.sigma[c]);
            let norm = log_sum_exp_by(self.k, log_w);
            next.fill(0.0);
            for c in 0..self.k {
                let w = math::exp(log_w(c) - norm);
                for (n, &m) in next.iter_mut().zip(self.mean_of(c)) {
                    *n += w * m;
                }
            }
            let scale = 1.0 + cur.iter().fold(0.0f32, |a, v| a.max(v.abs()));
            let step = cur
                .iter()
                .zip(next.iter())
                .fold(0.0f32, |a, (x, y)| a.max((x - y).abs()));
            cur.copy_from_slice(next);
            if step <= search.tol * scale {
                break;
            }
        }
        log_sum_exp_by(self.k, |c| self.log_weighted(c, cur))
    }

    fn check_search(search: ModeSearch) -> Result<()> {
        if search.tol.is_finite() && search.tol >= 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidArgument {
                what: "mode search tolerance must be finite and >= 0",
            })
        }
    }

    /// Refined mode: mean-shift fixed-point iterations started from every `μ_k`,
    /// `t ← Σ_k w_k μ_k / Σ_k w_k` with `w_k = π_k N(t | μ_k, σ_k² I)/σ_k²` (the stationarity
    /// condition `∇p(t) = 0` of an isotropic mixture, weights normalised in log space); the end
    /// point with the highest density is written to `out` (`L`) and its `ln p` returned.
    /// `scratch` holds `2L` floats.
    pub fn mode(&self, out: &mut [f32], scratch: &mut [f32], search: ModeSearch) -> Result<f32> {
        let l = self.l;
        check_len("mixture mode", l, out.len())?;
        check_len("mixture mode scratch", 2 * l, scratch.len())?;
        Self::check_search(search)?;
        let (cur, next) = scratch.split_at_mut(l);
        let mut best = f32::NEG_INFINITY;
        for start in 0..self.k {
            cur.copy_from_slice(self.mean_of(start));
            let lp = self.shift(cur, next, search);
            if lp > best || start == 0 {
                best = lp;
                out.copy_from_slice(cur);
            }
        }
        Ok(best)
    }

    /// Every end point of the mean-shift search of [`mode`](Self::mode): the search started
    /// from `μ_k` ends at row `k` of `out` (`K × L`) with `ln p` there in `log_p[k]` (`K`).
    /// Each end point is a local maximum (or, rarely, a saddle) of the density; several starts
    /// may reach the same one. A multimodal density shows all its branches this way (the
    /// [`mode`](Self::mode) is the row with the largest `log_p`). `scratch` holds `L` floats.
    pub fn modes(
        &self,
        out: &mut [f32],
        log_p: &mut [f32],
        scratch: &mut [f32],
        search: ModeSearch,
    ) -> Result<()> {
        let l = self.l;
        check_len("mixture modes", self.k * l, out.len())?;
        check_len("mixture mode densities", self.k, log_p.len())?;
        check_len("mixture modes scratch", l, scratch.len())?;
        Self::check_search(search)?;
        for (start, (cur, lp)) in out.chunks_exact_mut(l).zip(log_p.iter_mut()).enumerate() {
            cur.copy_from_slice(self.mean_of(start));
            *lp = self.shift(cur, scratch, search);
        }
        Ok(())
    }

    /// Draws `t ~ p`: a component `k` by `π`, then `μ_k + σ_k ε`, `ε ~ N(0, I_L)`, written to
    /// `out` (`L`); returns `k`.
    pub fn sample(&self, rng: &mut Rng, out: &mut [f32]) -> Result<usize> {
        check_len("mixture sample", self.l, out.len())?;
        let c = rng.categorical_log(self.log_pi)?;
        let s = self.sigma[c];
        for (o, &m) in out.iter_mut().zip(self.mean_of(c)) {
            *o = m + s * rng.normal();
        }
        Ok(c)
    }
}
