//! Mixture Density Network (SPEC §2, PRML 5.6): a network whose outputs parameterise a Gaussian
//! mixture `p(t | x) = Σ_k π_k(x) N(t | μ_k(x), σ_k(x)² I_L)` over an `L`-dimensional target,
//! so it can model multi-valued (inverse) problems that defeat least squares.
//!
//! ## Output layout
//! The network (the "trunk", an [MLP](crate::models::mlp) whose last layer is Identity) emits
//! `K (L + 2)` raw outputs per input, in this order — which is also the order of the last layer's
//! rows in weight files and on the device:
//!
//! ```text
//! [ a^π_0 … a^π_{K−1} | a^σ_0 … a^σ_{K−1} | a^μ_00 … a^μ_0(L−1), a^μ_10 … , a^μ_(K−1)(L−1) ]
//!          K                     K                       K × L, component-major
//! ```
//!
//! ## The head ([`Head`])
//! - `π = softmax(a^π)` (in log space: `ln π_k = a^π_k − ln Σ_j e^{a^π_j}`),
//! - `σ_k = σ_min + exp(a^σ_k)` with a variance floor `σ_min ≥ 0` (`σ_min = 0` is PRML 5.151),
//! - `μ_kl = a^μ_kl`.
//!
//! Per-sample loss, by log-sum-exp over the components:
//! `E = −ln Σ_k exp(ln π_k − L ln σ_k − (L/2) ln 2π − ‖t − μ_k‖²/(2σ_k²))`.
//! With the responsibilities `γ_k = π_k N_k / Σ_j π_j N_j` (in log space), the gradients with
//! respect to the raw outputs (PRML 5.155–5.157, with `q_k = ‖t − μ_k‖²/σ_k²`) are
//! - `∂E/∂a^π_k = π_k − γ_k`,
//! - `∂E/∂a^μ_kl = γ_k (μ_kl − t_l)/σ_k²` (seed 000 divides by `σ`: an erratum),
//! - `∂E/∂a^σ_k = γ_k (L − q_k) · e^{a^σ_k}/σ_k`: `∂E/∂σ_k = γ_k (L − q_k)/σ_k` and
//!   `∂σ_k/∂a^σ_k = e^{a^σ_k}`; the last factor is `1` when `σ_min = 0`.
//!
//! ## Finite on finite input
//! `a^σ` is clamped to [`A_SIGMA_MIN`, `A_SIGMA_MAX`] = `[−30, 30]` before the exponential, so
//! `σ` is never 0 nor `inf` (`σ ∈ [σ_min + 9.4·10⁻¹⁴, σ_min + 1.07·10¹³]`); inside that range
//! (which contains any sensible `[−20, 20]`) values and gradients are exact. Outside it, the
//! σ-gradient is the formula evaluated at the clamped value (a straight-through gradient), so
//! an output that wandered off is pulled back instead of being stuck at a zero gradient. The
//! standardised residual `(t − μ)/σ` saturates at [`RESIDUAL_MAX`] = `10¹⁵`. With these, loss,
//! responsibilities and every gradient are finite for any finite outputs and targets.
//!
//! ## Derived quantities ([`Mixture`])
//! [`Head::mixture`] parses raw outputs into `ln π` and `σ` in a caller buffer (`[ln π (K),
//! σ (K)]`; `μ` are the raw outputs themselves, not copied) and returns a [`Mixture`] view with: the conditional mean
//! `Σ π_k μ_k`; the conditional variance `Σ_k π_k (L σ_k² + ‖μ_k − mean‖²)`; the approximate
//! mode (`μ` of the largest `π`); the refined mode by mean-shift from every `μ_k`; `ln p(t | x)`
//! at a point or on a grid; log-responsibilities; sampling with an [`Rng`](crate::Rng).
//!
//! ## Typed model ([`Mdn`])
//! Storage around the same slice math: the trunk uses [`mlp::forward`](crate::models::mlp::forward)
//! / [`mlp::backward`](crate::models::mlp::backward) / [`mlp::init`](crate::models::mlp::init),
//! the head is [`Head`]. Its parameters are the trunk's, in the MLP order. A runtime-sized host
//! model needs only [`Head`], [`Mixture`] and the MLP slice functions.
//!
//! ```
//! use embedml::{mdn_type, Activation, Rng};
//! use embedml::models::mdn::ModeSearch;
//!
//! // PRML Fig 5.19: 1 input, 5 tanh hidden units, K = 3 components, L = 1 target: 9 outputs.
//! type Inverse = mdn_type!(3, 1; 1, 5, 9);
//! let mut net = Inverse::new(&[1, 5, 9], &[Activation::Tanh, Activation::Identity], 3, 1, 0.0)
//!     .unwrap();
//! net.init_default(&mut Rng::new(0));
//! let e = net.accumulate(&[0.5], &[0.2]).unwrap(); // −ln p(t | x), gradients accumulated
//! assert!(e.is_finite());
//! let mut mode = [0.0];
//! net.mode(&[0.5], &mut mode, ModeSearch::default()).unwrap();
//! let mix = net.forward(&[0.5]).unwrap();
//! assert!((mix.pi(0) + mix.pi(1) + mix.pi(2) - 1.0).abs() < 1e-6);
//! ```

mod head;
mod lse;
mod mixture;
mod model;

pub use head::{output_len, Head, A_SIGMA_MAX, A_SIGMA_MIN, RESIDUAL_MAX};
pub use lse::log_sum_exp_by;
pub use mixture::{Mixture, ModeSearch};
pub use model::{checked_output_len, Mdn};
pub(crate) use model::{mixture, mode};
