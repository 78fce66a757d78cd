//! Optimizers over flat parameter slices, and gradient clipping.
//!
//! State (momentum velocities, Adam moments) lives in a caller-owned slice of
//! [`Optimizer::state_len`] floats, so a device keeps it in a fixed array. Every optimizer
//! updates `params -= step(grads)` in place and checks lengths.

use crate::error::{check_len, Error, Result};
use crate::math;

/// An update rule over flat slices.
pub trait Optimizer {
    /// How many `f32` of state the optimizer needs for `n` parameters.
    fn state_len(&self, n: usize) -> usize;
    /// One update of `params` from `grads`. `state` has [`state_len`](Optimizer::state_len)
    /// entries, zeroed before the first step.
    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) -> Result<()>;
    /// The learning rate the next step will use.
    fn learning_rate(&self) -> f32;
}

fn check_lr(lr: f32) -> Result<()> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "learning rate must be finite and non-negative",
        })
    }
}

/// Plain gradient descent `p -= lr · g`, optionally with the linear decay of seed 002.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sgd {
    /// Initial learning rate.
    pub lr: f32,
    /// With `Some(T)`, step `t` (0-based) uses `lr · (1 − (t+1)/T)`, reaching 0 at step `T−1`
    /// and staying there (seed 002 decrements the rate before each update).
    pub decay_steps: Option<u32>,
    /// Steps taken so far.
    pub t: u32,
}

impl Sgd {
    /// Constant learning rate.
    pub fn new(lr: f32) -> Self {
        Sgd {
            lr,
            decay_steps: None,
            t: 0,
        }
    }

    /// Linear decay to zero over `steps` updates, as seed 002.
    pub fn with_linear_decay(lr: f32, steps: u32) -> Self {
        Sgd {
            lr,
            decay_steps: Some(steps),
            t: 0,
        }
    }

    /// The scalar part of one step: checks the rate, returns the rate this step uses
    /// ([`learning_rate`](Optimizer::learning_rate)) and advances the step counter.
    /// [`step`](Optimizer::step) calls it; an executor that runs the element loop elsewhere (a
    /// GPU kernel) calls it once per step instead.
    pub fn begin_step(&mut self) -> Result<f32> {
        check_lr(self.lr)?;
        let lr = self.learning_rate();
        self.t = self.t.saturating_add(1);
        Ok(lr)
    }
}

impl Optimizer for Sgd {
    fn state_len(&self, _n: usize) -> usize {
        0
    }

    fn learning_rate(&self) -> f32 {
        match self.decay_steps {
            Some(total) if total > 0 => {
                let frac = (self.t as f32 + 1.0) / total as f32;
                (self.lr * (1.0 - frac)).max(0.0)
            }
            _ => self.lr,
        }
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], _state: &mut [f32]) -> Result<()> {
        check_len("gradients", params.len(), grads.len())?;
        let lr = self.begin_step()?;
        for (p, g) in params.iter_mut().zip(grads) {
            *p -= lr * g;
        }
        Ok(())
    }
}

/// Gradient descent with momentum: `v = β v + g`, `p -= lr · v`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Momentum {
    /// Learning rate.
    pub lr: f32,
    /// Momentum coefficient β in `[0, 1)`.
    pub beta: f32,
}

impl Momentum {
    /// Momentum with the given rate and coefficient (0.9 is the usual choice).
    pub fn new(lr: f32, beta: f32) -> Self {
        Momentum { lr, beta }
    }

    /// The scalar part of one step: checks the rate and returns it (see [`Sgd::begin_step`]).
    pub fn begin_step(&self) -> Result<f32> {
        check_lr(self.lr)?;
        Ok(self.lr)
    }
}

impl Optimizer for Momentum {
    fn state_len(&self, n: usize) -> usize {
        n
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) -> Result<()> {
        let n = params.len();
        check_len("gradients", n, grads.len())?;
        check_len("optimizer state", n, state.len())?;
        let lr = self.begin_step()?;
        for i in 0..n {
            state[i] = self.beta * state[i] + grads[i];
            params[i] -= lr * state[i];
        }
        Ok(())
    }
}

/// Adam (Kingma & Ba 2015) with bias correction. State: first moments, then second moments.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Adam {
    /// Learning rate (1e-3 is the usual default).
    pub lr: f32,
    /// First-moment decay β1 (0.9).
    pub beta1: f32,
    /// Second-moment decay β2 (0.999).
    pub beta2: f32,
    /// Denominator floor ε (1e-8).
    pub eps: f32,
    /// Steps taken so far.
    pub t: u32,
}

impl Adam {
    /// Adam with the given learning rate and the usual β1 = 0.9, β2 = 0.999, ε = 1e-8.
    pub fn new(lr: f32) -> Self {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            t: 0,
        }
    }

    /// The scalar part of one step: checks the rate, advances the step counter `t` and returns
    /// the bias corrections `(1 − β1^t, 1 − β2^t)`. [`step`](Optimizer::step) calls it; an
    /// executor that runs the element loop elsewhere (a GPU kernel) calls it once per step.
    pub fn begin_step(&mut self) -> Result<(f32, f32)> {
        check_lr(self.lr)?;
        self.t = self.t.saturating_add(1);
        let t = self.t as f32;
        Ok((
            1.0 - libm::powf(self.beta1, t),
            1.0 - libm::powf(self.beta2, t),
        ))
    }
}

impl Optimizer for Adam {
    fn state_len(&self, n: usize) -> usize {
        2 * n
    }

    fn learning_rate(&self) -> f32 {
        self.lr
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) -> Result<()> {
        let n = params.len();
        check_len("gradients", n, grads.len())?;
        check_len("optimizer state", 2 * n, state.len())?;
        let (bc1, bc2) = self.begin_step()?;
        let (m, v) = state.split_at_mut(n);
        for i in 0..n {
            let g = grads[i];
            m[i] = self.beta1 * m[i] + (1.0 - self.beta1) * g;
            v[i] = self.beta2 * v[i] + (1.0 - self.beta2) * g * g;
            let mhat = m[i] / bc1;
            let vhat = v[i] / bc2;
            params[i] -= self.lr * mhat / (math::sqrt(vhat) + self.eps);
        }
        Ok(())
    }
}

/// Any of the optimizers, chosen at run time (e.g. from a command line).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AnyOptimizer {
    /// [`Sgd`].
    Sgd(Sgd),
    /// [`Momentum`].
    Momentum(Momentum),
    /// [`Adam`].
    Adam(Adam),
}

impl Optimizer for AnyOptimizer {
    fn state_len(&self, n: usize) -> usize {
        match self {
            AnyOptimizer::Sgd(o) => o.state_len(n),
            AnyOptimizer::Momentum(o) => o.state_len(n),
            AnyOptimizer::Adam(o) => o.state_len(n),
        }
    }

    fn learning_rate(&self) -> f32 {
        match self {
            AnyOptimizer::Sgd(o) => o.learning_rate(),
            AnyOptimizer::Momentum(o) => o.learning_rate(),
            AnyOptimizer::Adam(o) => o.learning_rate(),
        }
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) -> Result<()> {
        match self {
            AnyOptimizer::Sgd(o) => o.step(params, grads, state),
            AnyOptimizer::Momentum(o) => o.step(params, grads, state),
            AnyOptimizer::Adam(o) => o.step(params, grads, state),
        }
    }
}

/// Euclidean norm of `grads`, computed overflow-safe (scaled by the largest magnitude).
/// NaN if any entry is NaN.
pub fn global_norm(grads: &[f32]) -> f32 {
    if grads.iter().any(|g| g.is_nan()) {
        return f32::NAN;
    }
    let scale = grads.iter().fold(0.0f32, |m, g| m.max(g.abs()));
    if scale == 0.0 || !scale.is_finite() {
        return scale;
    }
    let inv = 1.0 / scale;
    let s: f32 = grads.iter().map(|g| (g * inv) * (g * inv)).sum();
    scale * math::sqrt(s)
}

/// Rescales `grads` so their global norm is at most `max_norm`; returns the norm before
/// clipping. A non-finite norm (NaN or inf gradients) is an [`Error::NonFinite`].
pub fn clip_grad_norm(grads: &mut [f32], max_norm: f32) -> Result<f32> {
    if max_norm.is_nan() || max_norm <= 0.0 {
        return Err(Error::InvalidArgument {
            what: "max_norm must be positive",
        });
    }
    let norm = global_norm(grads);
    if !norm.is_finite() {
        return Err(Error::NonFinite { what: "gradients" });
    }
    if norm > max_norm {
        let s = max_norm / norm;
        for g in grads.iter_mut() {
            *g *= s;
        }
    }
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimises f(p) = Σ (p_i − c_i)² with each optimizer.
    fn converges<O: Optimizer>(mut opt: O, steps: usize) -> f32 {
        let c = [1.0f32, -2.0, 0.5];
        let mut p = [0.0f32; 3];
        let mut state = [0.0f32; 6];
        let n = opt.state_len(3);
        for _ in 0..steps {
            let g: [f32; 3] = core::array::from_fn(|i| 2.0 * (p[i] - c[i]));
            opt.step(&mut p, &g, &mut state[..n]).unwrap();
        }
        p.iter()
            .zip(&c)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn all_optimizers_converge() {
        assert!(converges(Sgd::new(0.1), 200) < 1e-4);
        assert!(converges(Momentum::new(0.05, 0.9), 300) < 1e-3);
        assert!(converges(Adam::new(0.05), 1000) < 1e-3);
        assert!(converges(AnyOptimizer::Adam(Adam::new(0.05)), 1000) < 1e-3);
    }

    #[test]
    fn sgd_linear_decay_matches_seed_002() {
        // seed 002: lr -= lr0/T before each update, so step t uses lr0 (1 - (t+1)/T).
        let mut o = Sgd::with_linear_decay(0.2, 30);
        let mut p = [0.0f32];
        let mut lr_seed = 0.2f32;
        for _ in 0..30 {
            lr_seed -= 0.2 / 30.0;
            assert!((o.learning_rate() - lr_seed.max(0.0)).abs() < 1e-6);
            o.step(&mut p, &[1.0], &mut []).unwrap();
        }
        assert_eq!(o.learning_rate(), 0.0);
    }

    #[test]
    fn adam_first_step_is_lr_sized() {
        let mut o = Adam::new(0.01);
        let mut p = [1.0f32, 1.0];
        let mut s = [0.0f32; 4];
        o.step(&mut p, &[3.0, -0.001], &mut s).unwrap();
        assert!((p[0] - 0.99).abs() < 1e-5 && (p[1] - 1.01).abs() < 1e-4);
    }

    #[test]
    fn length_and_value_errors() {
        let mut p = [0.0f32; 2];
        assert!(Sgd::new(0.1).step(&mut p, &[1.0], &mut []).is_err());
        assert!(Adam::new(0.1)
            .step(&mut p, &[1.0, 1.0], &mut [0.0; 3])
            .is_err());
        assert!(Sgd::new(f32::NAN)
            .step(&mut p, &[1.0, 1.0], &mut [])
            .is_err());
    }

    #[test]
    fn clipping() {
        let mut g = [3.0f32, 4.0];
        assert_eq!(clip_grad_norm(&mut g, 1.0).unwrap(), 5.0);
        assert!((global_norm(&g) - 1.0).abs() < 1e-6);
        let mut g = [0.3f32, 0.4];
        clip_grad_norm(&mut g, 1.0).unwrap();
        assert_eq!(g, [0.3, 0.4]);
        assert!(clip_grad_norm(&mut [f32::NAN], 1.0).is_err());
        assert!((global_norm(&[1e30, 1e30]) - 1.414_213_5e30).abs() < 1e24);
    }
}
