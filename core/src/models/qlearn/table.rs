//! The fixed-array Q table for devices.

use super::{
    epsilon_greedy, evaluate, evaluate_starts, greedy_action, row, train, update, EpisodeStats,
    Evaluation, Experience, QLearnConfig,
};
use crate::envs::Env;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// A Q table of `S` states and `A` actions in a fixed array, zero-initialised.
#[derive(Debug, Clone, PartialEq)]
pub struct QTable<const S: usize, const A: usize> {
    q: [[f32; A]; S],
}

impl<const S: usize, const A: usize> Default for QTable<S, A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const S: usize, const A: usize> QTable<S, A> {
    /// All zeros.
    pub const fn new() -> Self {
        Self { q: [[0.0; A]; S] }
    }

    /// A table from row-major values (`S · A` of them, e.g. trained on the host).
    pub fn from_slice(values: &[f32]) -> Result<Self> {
        crate::error::check_len("Q table", S * A, values.len())?;
        crate::error::check_finite("Q table", values)?;
        let mut t = Self::new();
        t.as_mut_slice().copy_from_slice(values);
        Ok(t)
    }

    /// `Q(s, a)` row-major as one slice.
    pub fn as_slice(&self) -> &[f32] {
        self.q.as_flattened()
    }

    /// `Q(s, a)` row-major as one mutable slice.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.q.as_flattened_mut()
    }

    /// The rows.
    pub fn values(&self) -> &[[f32; A]; S] {
        &self.q
    }

    /// `Q(s, a)`.
    pub fn get(&self, s: usize, a: usize) -> Result<f32> {
        let r = row(self.as_slice(), A, s)?;
        r.get(a).copied().ok_or(Error::OutOfRange {
            what: "action",
            index: a,
            len: A,
        })
    }

    /// The greedy action in `s` (lowest index on ties).
    pub fn greedy(&self, s: usize) -> Result<usize> {
        Ok(greedy_action(row(self.as_slice(), A, s)?))
    }

    /// An ε-greedy action in `s` (random ties).
    pub fn act(&self, s: usize, epsilon: f32, rng: &mut Rng) -> Result<usize> {
        Ok(epsilon_greedy(row(self.as_slice(), A, s)?, epsilon, rng))
    }

    /// One Q-learning update (see the module docs); returns the TD error.
    pub fn update(&mut self, e: &Experience, alpha: f32, gamma: f32) -> Result<f32> {
        update(self.as_mut_slice(), A, e, alpha, gamma)
    }

    /// The greedy policy.
    pub fn policy(&self) -> [usize; S] {
        let mut p = [0; S];
        for (s, a) in p.iter_mut().enumerate() {
            *a = greedy_action(&self.q[s]);
        }
        p
    }

    /// Trains with [`train`].
    pub fn train<E: Env + ?Sized, F: FnMut(u32, &EpisodeStats)>(
        &mut self,
        env: &mut E,
        cfg: &QLearnConfig,
        on_episode: F,
    ) -> Result<f32> {
        train(env, self.as_mut_slice(), A, cfg, on_episode)
    }

    /// Greedy evaluation with [`evaluate`].
    pub fn evaluate<E: Env + ?Sized>(
        &self,
        env: &mut E,
        episodes: u32,
        max_steps: u32,
        rng: &mut Rng,
    ) -> Result<Evaluation> {
        evaluate(env, self.as_slice(), A, episodes, max_steps, rng)
    }

    /// Greedy evaluation from every start state with [`evaluate_starts`].
    pub fn evaluate_starts<E: Env + ?Sized>(
        &self,
        env: &mut E,
        episodes_per_start: u32,
        max_steps: u32,
        rng: &mut Rng,
    ) -> Result<Evaluation> {
        evaluate_starts(env, self.as_slice(), A, episodes_per_start, max_steps, rng)
    }
}
