//! Soft weight sharing (SPEC §3, PRML 5.5.7): a learned Gaussian-mixture prior over a set of
//! weights that pulls them into a few clusters (and so lets a model be stored as cluster
//! indices).
//!
//! ## The regulariser
//! For weights `w_i` and `M` Gaussians with `π_j = softmax(η)_j`, means `μ_j` and variances
//! `σ_j² = σ_min² + exp(ξ_j)` (the floor `σ_min ≥ 0` is optional; with `σ_min = 0` this is SPEC
//! §3's `σ_j² = exp(ξ_j)` exactly):
//!
//! `Ω(w) = −Σ_i ln Σ_j π_j N(w_i | μ_j, σ_j²)`, total error `Ẽ = E + λ Ω`,
//!
//! computed per weight with log-sum-exp over `ln π_j − ½ ln 2π − ln σ_j − (w_i − μ_j)²/(2σ_j²)`.
//! With the responsibilities `γ_j(w) = π_j N(w | μ_j, σ_j²) / Σ_k π_k N(w | μ_k, σ_k²)`:
//! - `∂Ω/∂w_i = Σ_j γ_j(w_i) (w_i − μ_j)/σ_j²`
//! - `∂Ω/∂μ_j = Σ_i γ_j(w_i) (μ_j − w_i)/σ_j²`
//! - `∂Ω/∂ξ_j = ½ Σ_i γ_j(w_i) (1 − (w_i − μ_j)²/σ_j²) · exp(ξ_j)/σ_j²` — that is
//!   `∂Ω/∂σ_j = Σ_i γ_j (1/σ_j − (w_i − μ_j)²/σ_j³)` chained with
//!   `∂σ_j/∂ξ_j = exp(ξ_j)/(2σ_j)` (`= σ_j/2` without a floor)
//! - `∂Ω/∂η_j = Σ_i (π_j − γ_j(w_i))`
//!
//! ## Mixture-parameter layout
//! `[η (M), μ (M), ξ (M)]`: the slice functions take it as one `3M` slice, and [`SoftShare`]
//! exposes it in this order through [`Parameters`] (and so in weight files).
//!
//! ## Variance floor
//! When a component's variance shrinks onto a single weight (or onto weights that are already
//! equal), `Ω` keeps falling without bound as `σ_j → 0` and that component's gradients blow up.
//! The floor `σ_min` (an argument of [`value`] and [`accumulate`], [`SoftShare::set_sigma_min`])
//! keeps every `σ_j ≥ σ_min`, so `Ω ≥ −n (ln π_max − ½ ln 2π − ln σ_min)` is bounded below; pick
//! it well below the spacing of the clusters you expect (e.g. `10⁻³` for weights of order 1).
//!
//! ## Numerics
//! `ξ` is clamped to [`XI_MIN`, `XI_MAX`] = `[−30, 30]` before the exponential (`σ ∈
//! [3.1·10⁻⁷, 3.3·10⁶]`); inside the range everything is exact, outside the ξ-gradient is the
//! formula at the clamped value (straight-through, so a collapsing component is pushed back).
//! The standardised residual `(w − μ)/σ` saturates at `10¹⁵`. Finite on every finite input.
//!
//! ## Use in a training step
//! After accumulating a model's data gradients (and averaging them), call
//! [`SoftShare::accumulate`] on the weights to share: it **adds** `λ ∂Ω/∂w` to the model's
//! gradient slice and accumulates `λ ∂Ω/∂(η, μ, ξ)` into its own gradients; then step the model
//! and the mixture with their optimizers:
//!
//! ```
//! use embedml::models::soft_share::SoftShare;
//! use embedml::optim::{Adam, Optimizer};
//! use embedml::{mlp_type, Activation, Parameters, Rng};
//! use embedml::kernels::loss::Loss;
//!
//! let mut net = <mlp_type!(1, 4, 1)>::new(&[1, 4, 1], &[Activation::Tanh, Activation::Identity], Loss::Mse).unwrap();
//! net.init_default(&mut Rng::new(0));
//! let mut prior = SoftShare::<3>::spread(1e-3, -1.0, 1.0, 0.25).unwrap();
//! let (mut opt_w, mut opt_m) = (Adam::new(0.01), Adam::new(0.01));
//! let mut state_w = [0.0f32; 2 * 13];
//! let mut state_m = [0.0f32; 2 * 9];
//!
//! net.zero_grads();
//! net.accumulate(&[0.5], &[0.25]).unwrap();
//! prior.zero_grads();
//! let (w, g) = net.params_and_grads_mut();
//! let penalty = prior.accumulate(w, g).unwrap(); // λ Ω(w)
//! opt_w.step(w, g, &mut state_w).unwrap();
//! let (p, gp) = prior.params_and_grads_mut();
//! opt_m.step(p, gp, &mut state_m).unwrap();
//! assert!(penalty.is_finite());
//! ```

use crate::error::{check_finite, check_len, Error, Result};
use crate::kernels::softmax::log_sum_exp;
use crate::math;
use crate::models::mdn::log_sum_exp_by;
use crate::params::Parameters;

/// Lower clamp of `ξ = ln σ²` before the exponential.
pub const XI_MIN: f32 = -30.0;
/// Upper clamp of `ξ = ln σ²` before the exponential.
pub const XI_MAX: f32 = 30.0;
const RESIDUAL_MAX: f32 = 1e15;

fn check_sigma_min(sigma_min: f32) -> Result<()> {
    if !(sigma_min.is_finite() && sigma_min >= 0.0) {
        return Err(Error::InvalidArgument {
            what: "soft-share variance floor sigma_min must be finite and >= 0",
        });
    }
    Ok(())
}

fn check_mixture(mix: &[f32]) -> Result<usize> {
    let m = mix.len() / 3;
    if m == 0 {
        return Err(Error::InvalidArgument {
            what: "soft weight sharing needs at least one component (M >= 1)",
        });
    }
    check_len("soft-share mixture [eta, mu, xi]", 3 * m, mix.len())?;
    check_finite("soft-share mixture", mix)?;
    Ok(m)
}

/// Per-component constants `(ln π_j − ½ ln 2π − ln σ_j, σ_j, exp(ξ_j)/σ_j²)` from
/// `[η, μ, ξ]` and the floor `σ_min` (the last is `∂ ln σ_j² / ∂ξ_j`, 1 without a floor).
#[inline]
fn component(mix: &[f32], m: usize, lse_eta: f32, sigma_min: f32, j: usize) -> (f32, f32, f32) {
    let xi = mix[2 * m + j].clamp(XI_MIN, XI_MAX);
    let log_pi = mix[j] - lse_eta - 0.5 * math::LN_2PI;
    if sigma_min == 0.0 {
        return (log_pi - 0.5 * xi, math::exp(0.5 * xi), 1.0);
    }
    let free = math::exp(xi);
    let var = sigma_min * sigma_min + free;
    let sigma = math::sqrt(var);
    (log_pi - math::ln(sigma), sigma, free / var)
}

/// `(w − μ_j)/σ_j`, saturated.
#[inline]
fn residual(w: f32, mu: f32, sigma: f32) -> f32 {
    ((w - mu) / sigma).clamp(-RESIDUAL_MAX, RESIDUAL_MAX)
}

/// `Ω(w)` for mixture parameters `mix = [η (M), μ (M), ξ (M)]` (all finite), finite weights
/// and the variance floor `sigma_min ≥ 0` (see the module docs; 0 for none).
pub fn value(mix: &[f32], w: &[f32], sigma_min: f32) -> Result<f32> {
    let m = check_mixture(mix)?;
    check_sigma_min(sigma_min)?;
    check_finite("soft-share weights", w)?;
    let lse_eta = log_sum_exp(&mix[..m]);
    let mut omega = 0.0f32;
    for &wi in w {
        omega -= log_sum_exp_by(m, |j| {
            let (c, s, _) = component(mix, m, lse_eta, sigma_min, j);
            let r = residual(wi, mix[m + j], s);
            c - 0.5 * r * r
        });
    }
    Ok(omega)
}

/// Returns `λ Ω(w)` and **adds** `λ ∂Ω/∂w` to `grad_w` (length of `w`) and
/// `λ ∂Ω/∂[η, μ, ξ]` to `grad_mix` (length of `mix`). `λ` must be finite and `≥ 0`, as must the
/// variance floor `sigma_min` (0 for none).
pub fn accumulate(
    mix: &[f32],
    w: &[f32],
    lambda: f32,
    sigma_min: f32,
    grad_w: &mut [f32],
    grad_mix: &mut [f32],
) -> Result<f32> {
    let m = check_mixture(mix)?;
    check_sigma_min(sigma_min)?;
    check_finite("soft-share weights", w)?;
    check_len("soft-share weight gradients", w.len(), grad_w.len())?;
    check_len("soft-share mixture gradients", mix.len(), grad_mix.len())?;
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(Error::InvalidArgument {
            what: "soft-share strength lambda must be finite and >= 0",
        });
    }
    let lse_eta = log_sum_exp(&mix[..m]);
    let mut omega = 0.0f32;
    for (&wi, gw) in w.iter().zip(grad_w.iter_mut()) {
        let log_term = |j: usize| {
            let (c, s, dlnvar) = component(mix, m, lse_eta, sigma_min, j);
            let r = residual(wi, mix[m + j], s);
            (c - 0.5 * r * r, r, s, dlnvar)
        };
        let lse = log_sum_exp_by(m, |j| log_term(j).0);
        omega -= lse;
        let mut dw = 0.0f32;
        for j in 0..m {
            let (t, r, s, dlnvar) = log_term(j);
            let gamma = math::exp(t - lse);
            let pi = math::exp(mix[j] - lse_eta);
            let g_r = gamma * (r / s); // γ (w − μ)/σ²
            dw += g_r;
            grad_mix[j] += lambda * (pi - gamma);
            grad_mix[m + j] -= lambda * g_r;
            grad_mix[2 * m + j] += lambda * 0.5 * gamma * (1.0 - r * r) * dlnvar;
        }
        *gw += lambda * dw;
    }
    Ok(lambda * omega)
}

/// A soft-weight-sharing prior with `M` components and its own parameters `[η, μ, ξ]` and
/// gradients (in fixed arrays), plus the strength `λ` and the variance floor `σ_min` (0 unless
/// set with [`SoftShare::set_sigma_min`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SoftShare<const M: usize> {
    lambda: f32,
    sigma_min: f32,
    params: [[f32; M]; 3],
    grads: [[f32; M]; 3],
}

impl<const M: usize> SoftShare<M> {
    /// A prior with strength `lambda ≥ 0`, mixing coefficients `pi` (positive; normalised here),
    /// means `mu` and standard deviations `sigma` (positive), each of length `M ≥ 1`.
    pub fn new(lambda: f32, pi: &[f32], mu: &[f32], sigma: &[f32]) -> Result<Self> {
        if M == 0 {
            return Err(Error::InvalidArgument {
                what: "soft weight sharing needs at least one component (M >= 1)",
            });
        }
        check_len("soft-share pi", M, pi.len())?;
        check_len("soft-share mu", M, mu.len())?;
        check_len("soft-share sigma", M, sigma.len())?;
        check_finite("soft-share mu", mu)?;
        if !pi.iter().all(|p| p.is_finite() && *p > 0.0) {
            return Err(Error::InvalidArgument {
                what: "soft-share pi must be finite and positive",
            });
        }
        if !sigma.iter().all(|s| s.is_finite() && *s > 0.0) {
            return Err(Error::InvalidArgument {
                what: "soft-share sigma must be finite and positive",
            });
        }
        let mut s = SoftShare {
            lambda: 0.0,
            sigma_min: 0.0,
            params: [[0.0; M]; 3],
            grads: [[0.0; M]; 3],
        };
        s.set_lambda(lambda)?;
        for j in 0..M {
            s.params[0][j] = math::ln(pi[j]);
            s.params[1][j] = mu[j];
            s.params[2][j] = 2.0 * math::ln(sigma[j]);
        }
        Ok(s)
    }

    /// Equal `π`, means evenly spaced over `[lo, hi]` (the midpoint when `M = 1`), every
    /// standard deviation `sigma`.
    pub fn spread(lambda: f32, lo: f32, hi: f32, sigma: f32) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(Error::InvalidArgument {
                what: "soft-share spread needs finite lo <= hi",
            });
        }
        let mu: [f32; M] = core::array::from_fn(|j| {
            if M == 1 {
                0.5 * (lo + hi)
            } else {
                lo + (hi - lo) * j as f32 / (M - 1) as f32
            }
        });
        Self::new(lambda, &[1.0; M], &mu, &[sigma; M])
    }

    /// The strength `λ`.
    pub fn lambda(&self) -> f32 {
        self.lambda
    }

    /// Sets the strength `λ` (finite, `≥ 0`).
    pub fn set_lambda(&mut self, lambda: f32) -> Result<()> {
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(Error::InvalidArgument {
                what: "soft-share strength lambda must be finite and >= 0",
            });
        }
        self.lambda = lambda;
        Ok(())
    }

    /// The variance floor `σ_min` (0: none).
    pub fn sigma_min(&self) -> f32 {
        self.sigma_min
    }

    /// Sets the variance floor: every `σ_j² = σ_min² + exp(ξ_j)` (`σ_min` finite, `≥ 0`; the
    /// parameters `ξ` are kept, so the standard deviations grow accordingly).
    pub fn set_sigma_min(&mut self, sigma_min: f32) -> Result<()> {
        check_sigma_min(sigma_min)?;
        self.sigma_min = sigma_min;
        Ok(())
    }

    /// Mixing coefficient `π_j = softmax(η)_j` (0 for `j ≥ M`).
    pub fn pi(&self, j: usize) -> f32 {
        if j >= M {
            return 0.0;
        }
        math::exp(self.params[0][j] - log_sum_exp(&self.params[0]))
    }

    /// Mean `μ_j` (0 for `j ≥ M`).
    pub fn mu(&self, j: usize) -> f32 {
        self.params[1].get(j).copied().unwrap_or(0.0)
    }

    /// Standard deviation `σ_j = √(σ_min² + exp(ξ_j))` (ξ clamped; 0 for `j ≥ M`).
    pub fn sigma(&self, j: usize) -> f32 {
        if j >= M {
            return 0.0;
        }
        component(self.params.as_flattened(), M, 0.0, self.sigma_min, j).1
    }

    /// `Ω(w)` (without `λ`).
    pub fn omega(&self, w: &[f32]) -> Result<f32> {
        value(self.params.as_flattened(), w, self.sigma_min)
    }

    /// `λ Ω(w)`; adds `λ ∂Ω/∂w` to `grad_w` and `λ ∂Ω/∂[η, μ, ξ]` to this prior's gradients.
    pub fn accumulate(&mut self, w: &[f32], grad_w: &mut [f32]) -> Result<f32> {
        accumulate(
            self.params.as_flattened(),
            w,
            self.lambda,
            self.sigma_min,
            grad_w,
            self.grads.as_flattened_mut(),
        )
    }

    /// The component with the largest responsibility for the weight `w` (the cluster it joins).
    pub fn assign(&self, w: f32) -> usize {
        let lse_eta = log_sum_exp(&self.params[0]);
        let mix = self.params.as_flattened();
        let mut best = (0, f32::NEG_INFINITY);
        for j in 0..M {
            let (c, s, _) = component(mix, M, lse_eta, self.sigma_min, j);
            let r = residual(w, mix[M + j], s);
            let t = c - 0.5 * r * r;
            if t > best.1 {
                best = (j, t);
            }
        }
        best.0
    }

    /// Replaces every weight by the mean of the component it is assigned to (hard sharing,
    /// e.g. before storing a model as cluster indices).
    pub fn snap(&self, w: &mut [f32]) {
        for wi in w.iter_mut() {
            *wi = self.params[1][self.assign(*wi)];
        }
    }
}

impl<const M: usize> Parameters for SoftShare<M> {
    fn params(&self) -> &[f32] {
        self.params.as_flattened()
    }
    fn params_mut(&mut self) -> &mut [f32] {
        self.params.as_flattened_mut()
    }
    fn grads(&self) -> &[f32] {
        self.grads.as_flattened()
    }
    fn params_and_grads_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (
            self.params.as_flattened_mut(),
            self.grads.as_flattened_mut(),
        )
    }
}
