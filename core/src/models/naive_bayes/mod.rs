//! Naive Bayes classifiers (SPEC §9): categorical, Bernoulli, multinomial and Gaussian.
//!
//! ## The model
//! `P(y | x) ∝ P(y) Π_i P(x_i | y)`. Every variant computes the **joint log-likelihood**
//! `jll_y = ln P(y) + Σ_i ln P(x_i | y)` and normalises with log-sum-exp:
//! `P(y | x) = exp(jll_y − ln Σ_c exp(jll_c))`.
//!
//! | variant | `ln P(x_i \| y)` | sufficient statistics |
//! |---|---|---|
//! | [categorical] | `ln (N_{y,i,v} + α) − ln (N_y + α·V_i)` | counts per class, feature, value |
//! | [bernoulli] | present: `ln p`, absent: `ln (1 − p)`, `p = (N_{y,i} + α) / (N_y + 2α)` | presence counts |
//! | [multinomial] | `x_i · [ln (N_{y,i} + α) − ln (Σ_j N_{y,j} + α·F)]` | summed counts |
//! | [gaussian] | `−½ ln (2π σ²_{y,i}) − (x_i − μ_{y,i})² / (2σ²_{y,i})` | Welford mean / M2 |
//!
//! `N_y` is the (possibly decayed) number of samples of class `y`, `V_i` the number of values of
//! feature `i` and `F` the number of features. These are exactly scikit-learn's `CategoricalNB`,
//! `BernoulliNB`, `MultinomialNB` and `GaussianNB` (with `force_alpha=True`, sklearn's default, so
//! `α = 0` is used as given): the tests pin `predict_proba` values computed by
//! `tools/nb_reference.py` to `1e-6`.
//!
//! ## Priors
//! [`Prior::Learned`]: `P(y) = N_y / Σ_c N_c` (sklearn's `fit_prior=True`); an untrained model
//! (all `N_y = 0`) uses the uniform prior. [`Prior::Fixed`]: caller-given probabilities
//! (sklearn's `class_prior`).
//!
//! ## Smoothing and zero probabilities
//! Additive (Laplace/Lidstone) smoothing `α ≥ 0`. With `α = 0` a value never seen with a class has
//! probability 0, so `jll_y = −∞` — a legitimate value of [`joint_log_likelihood`] functions
//! (never NaN: `0 · ln 0` terms of the multinomial are skipped, `0/0` ratios for classes never
//! seen are `−∞`). When **every** class has `jll = −∞`, `predict`/`predict_proba` return
//! [`Error::NonFinite`](crate::Error::NonFinite) ("every class has zero likelihood") rather
//! than inventing a distribution.
//!
//! ## Online learning
//! `update(x, y)` adds one sample (counts, or Welford's running mean / M2); `forget(factor)`
//! multiplies every count (and `M2`) by `factor ∈ (0, 1]`, an exponential forgetting that lets a
//! device track drifting data. Batch training is a loop of `update`.
//!
//! ## Precision
//! Statistics of the discrete variants are `f32` counts (exact integers up to 2²⁴ samples); all
//! log-probabilities and the log-sum-exp of `predict_proba` are computed in `f64`, which is
//! what reaches sklearn's figures to `1e-6`. The Gaussian variant keeps its Welford statistics
//! in `f64`. Public probabilities are `f32`.
//!
//! `f64` is soft-float on a Cortex-M (≈ 68 600 instructions for one golf prediction on a
//! Cortex-M4F), so devices predict through [`tables`]: `model.log_tables()` computes every
//! `ln P(x_i | y)` once, from the same ratios of exact counts, and stores it as `f32`; a
//! prediction is then table look-ups, `f32` adds and an `f32` softmax (293 instructions,
//! agreeing with the `f64` path and scikit-learn to ≈ 1e-6).
//!
//! ## Slices and typed models
//! Each variant's math is a set of free functions over slices with explicit dimensions (the
//! host's runtime-sized models call these) and a const-generic typed model (`C` classes, `F`
//! features, `V` values per feature) storing fixed arrays, for devices. Sizes chosen at run time
//! (the host) use the slice functions directly:
//!
//! ```
//! use embedml::models::naive_bayes::{categorical, common, Prior};
//! // 2 classes; 2 features with 3 and 2 values; counts stored with a value stride of 3.
//! let n_values = [3usize, 2];
//! let mut class_count = vec![0.0f32; 2];
//! let mut counts = vec![0.0f32; 2 * 2 * 3];
//! categorical::update(&mut class_count, &mut counts, &n_values, 3, &[0, 1], 0).unwrap();
//! categorical::update(&mut class_count, &mut counts, &n_values, 3, &[2, 0], 1).unwrap();
//! let stats = categorical::Stats {
//!     class_count: &class_count,
//!     counts: &counts,
//!     n_values: &n_values,
//!     v_stride: 3,
//!     alpha: 1.0,
//!     prior: Prior::Learned,
//! };
//! let mut jll = [0.0f64; 2];
//! categorical::joint_log_likelihood(&stats, &[0, 1], None, &mut jll).unwrap();
//! let mut proba = [0.0f32; 2];
//! common::normalize(&jll, &mut proba).unwrap();
//! // P(class 0) = (2/4 · 2/3) / (2/4 · 2/3 + 1/4 · 1/3) = 0.8.
//! assert!((proba[0] - 0.8).abs() < 1e-6);
//! ```
//!
//! [`joint_log_likelihood`]: categorical::joint_log_likelihood

pub mod bernoulli;
pub mod categorical;
pub mod common;
pub mod gaussian;
pub mod multinomial;
mod ratio;
mod store;
pub mod tables;

pub use bernoulli::BernoulliNb;
pub use categorical::CategoricalNb;
pub use common::Prior;
pub use gaussian::GaussianNb;
pub use multinomial::MultinomialNb;
pub use tables::{BernoulliTables, CategoricalTables, GaussianTables, MultinomialTables};
