//! Tabular environments with the semantics of gymnasium's toy-text suite (SPEC §8).
//!
//! Same maps, state numbering, action ids, rewards, termination and time limits as gymnasium
//! 1.x (`FrozenLake-v1`, `FrozenLake8x8-v1`, `CliffWalking-v1`, `Taxi-v4` — `Taxi-v3`'s dynamics
//! are identical), so a Q-table learned here means the same thing there. The transition model is
//! exposed as [`Env::transitions`], the analogue of gymnasium's `env.unwrapped.P[s][a]`, with
//! the outcomes **in the same order**; the tests compare it with tables dumped by
//! `tools/env_reference.py`.
//!
//! ## Episodes
//! [`Env::reset`] draws a start state from the initial distribution ([`Env::initial_probability`],
//! gymnasium's `initial_state_distrib`); [`Env::step`] samples one outcome of
//! `transitions(state, action)` with the caller's [`Rng`] (gymnasium's `categorical_sample`: the
//! first outcome whose cumulative probability exceeds a uniform draw). `terminated` is the
//! environment's own end (goal, hole, drop-off); `truncated` is gymnasium's `TimeLimit` wrapper:
//! true once the episode has taken [`Env::max_episode_steps`] steps. The random streams differ
//! from numpy's, so episodes are statistically, not bitwise, equal to gymnasium's.
//!
//! ## Choosing at run time
//! [`EnvId`] names the standard environments (`name`/`from_name`, gymnasium id, sizes) and
//! [`AnyEnv`] holds any of them behind one type, for CLIs; the per-environment Q-learning
//! defaults are [`QLearnConfig::for_env`](crate::models::qlearn::QLearnConfig::for_env).
//!
//! ```
//! use embedml::envs::{AnyEnv, Env, EnvId};
//! use embedml::Rng;
//! let mut env = AnyEnv::new(EnvId::from_name("cliffwalking").unwrap());
//! let mut rng = Rng::new(0);
//! assert_eq!(env.reset(&mut rng), 36);
//! let step = env.step(1, &mut rng).unwrap(); // right, into the cliff
//! assert_eq!((step.state, step.reward, step.terminated), (36, -100.0, false));
//! ```

pub mod any;
pub mod cliff_walking;
pub mod frozen_lake;
pub mod taxi;

pub use any::AnyEnv;
pub use cliff_walking::CliffWalking;
pub use frozen_lake::FrozenLake;
pub use taxi::Taxi;

use crate::error::{Error, Result};
use crate::rng::Rng;

/// The most outcomes any `(state, action)` of these environments has.
pub const MAX_OUTCOMES: usize = 3;

/// The result of one [`Env::step`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Step {
    /// The next state.
    pub state: usize,
    /// The reward of the transition.
    pub reward: f32,
    /// A terminal state was reached (no bootstrapping from it).
    pub terminated: bool,
    /// The time limit was reached (the state is not terminal: learning bootstraps from it).
    pub truncated: bool,
}

/// One possible outcome of an action: gymnasium's `(prob, next_state, reward, terminated)`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Transition {
    /// Probability of this outcome.
    pub prob: f32,
    /// Next state.
    pub next: usize,
    /// Reward.
    pub reward: f32,
    /// Whether `next` ends the episode.
    pub terminated: bool,
}

/// Up to [`MAX_OUTCOMES`] outcomes of `(state, action)`, in gymnasium's order (outcomes with the
/// same next state are listed separately, as in `P`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transitions {
    items: [Transition; MAX_OUTCOMES],
    len: usize,
}

impl Transitions {
    /// No outcomes yet.
    pub const fn new() -> Self {
        Self {
            items: [Transition {
                prob: 0.0,
                next: 0,
                reward: 0.0,
                terminated: false,
            }; MAX_OUTCOMES],
            len: 0,
        }
    }

    /// Appends an outcome (ignored beyond [`MAX_OUTCOMES`]; the environments never produce more).
    pub fn push(&mut self, t: Transition) {
        if self.len < MAX_OUTCOMES {
            self.items[self.len] = t;
            self.len += 1;
        }
    }

    /// The outcomes.
    pub fn as_slice(&self) -> &[Transition] {
        &self.items[..self.len]
    }

    /// Samples an outcome like gymnasium's `categorical_sample` (an error when empty).
    pub fn sample(&self, rng: &mut Rng) -> Result<Transition> {
        let s = self.as_slice();
        let (&last, _) = s.split_last().ok_or(Error::InvalidArgument {
            what: "no outcomes to sample",
        })?;
        if s.len() == 1 {
            return Ok(last);
        }
        let u = rng.uniform();
        let mut cum = 0.0f32;
        for t in s {
            cum += t.prob;
            if cum > u {
                return Ok(*t);
            }
        }
        Ok(last)
    }
}

impl Default for Transitions {
    fn default() -> Self {
        Self::new()
    }
}

/// The current state and step count of an episode, with the `TimeLimit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Episode {
    /// Current state.
    pub state: usize,
    /// Steps taken since the reset.
    pub elapsed: u32,
    /// The time limit (`None`: unlimited).
    pub max_steps: Option<u32>,
}

impl Episode {
    /// Takes `action` by sampling `transitions` and applies the time limit.
    pub fn advance(&mut self, transitions: &Transitions, rng: &mut Rng) -> Result<Step> {
        let t = transitions.sample(rng)?;
        self.state = t.next;
        self.elapsed = self.elapsed.saturating_add(1);
        Ok(Step {
            state: t.next,
            reward: t.reward,
            terminated: t.terminated,
            truncated: self.max_steps.is_some_and(|m| self.elapsed >= m),
        })
    }
}

/// A finite MDP with gymnasium's `reset`/`step` interface.
pub trait Env {
    /// Number of states (`observation_space.n`).
    fn n_states(&self) -> usize;
    /// Number of actions (`action_space.n`).
    fn n_actions(&self) -> usize;
    /// The outcomes of `action` in `state` (gymnasium's `P[state][action]`).
    fn transitions(&self, state: usize, action: usize) -> Result<Transitions>;
    /// Probability that [`Env::reset`] starts in `state` (0 out of range).
    fn initial_probability(&self, state: usize) -> f32;
    /// The `TimeLimit` (`None`: unlimited).
    fn max_episode_steps(&self) -> Option<u32>;
    /// The episode state.
    fn episode(&self) -> &Episode;
    /// The episode state, mutably.
    fn episode_mut(&mut self) -> &mut Episode;

    /// Whether a step counts as solving the task. Default: it terminated with a positive reward.
    fn is_success(&self, step: &Step) -> bool {
        step.terminated && step.reward > 0.0
    }

    /// Starts an episode in a state drawn from the initial distribution.
    fn reset(&mut self, rng: &mut Rng) -> usize {
        let u = rng.uniform();
        let n = self.n_states();
        let mut cum = 0.0f32;
        let mut last = 0;
        let mut chosen = None;
        for s in 0..n {
            let p = self.initial_probability(s);
            if p > 0.0 {
                last = s;
                cum += p;
                if cum > u {
                    chosen = Some(s);
                    break;
                }
            }
        }
        let s = chosen.unwrap_or(last);
        let m = self.max_episode_steps();
        *self.episode_mut() = Episode {
            state: s,
            elapsed: 0,
            max_steps: m,
        };
        s
    }

    /// Starts an episode in a given state (for evaluation from every start state, or demos).
    fn reset_to(&mut self, state: usize) -> Result<usize> {
        if state >= self.n_states() {
            return Err(Error::OutOfRange {
                what: "state",
                index: state,
                len: self.n_states(),
            });
        }
        let m = self.max_episode_steps();
        *self.episode_mut() = Episode {
            state,
            elapsed: 0,
            max_steps: m,
        };
        Ok(state)
    }

    /// The current state.
    fn state(&self) -> usize {
        self.episode().state
    }

    /// Takes `action` in the current state.
    fn step(&mut self, action: usize, rng: &mut Rng) -> Result<Step> {
        let t = self.transitions(self.state(), action)?;
        self.episode_mut().advance(&t, rng)
    }
}

/// The standard environments, by gymnasium id (for CLIs and per-environment defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum EnvId {
    /// `FrozenLake-v1` (4×4 map), slippery or not.
    FrozenLake4x4 {
        /// `is_slippery`.
        slippery: bool,
    },
    /// `FrozenLake8x8-v1`, slippery or not.
    FrozenLake8x8 {
        /// `is_slippery`.
        slippery: bool,
    },
    /// `CliffWalking-v1` (not slippery).
    CliffWalking,
    /// `Taxi-v4` (`Taxi-v3`), dry and not fickle.
    Taxi,
}

impl EnvId {
    /// Every standard environment.
    pub const ALL: [EnvId; 6] = [
        EnvId::FrozenLake4x4 { slippery: true },
        EnvId::FrozenLake4x4 { slippery: false },
        EnvId::FrozenLake8x8 { slippery: true },
        EnvId::FrozenLake8x8 { slippery: false },
        EnvId::CliffWalking,
        EnvId::Taxi,
    ];

    /// A short name: `frozenlake`, `frozenlake-nonslippery`, `frozenlake8x8`,
    /// `frozenlake8x8-nonslippery`, `cliffwalking`, `taxi`.
    pub const fn name(self) -> &'static str {
        match self {
            EnvId::FrozenLake4x4 { slippery: true } => "frozenlake",
            EnvId::FrozenLake4x4 { slippery: false } => "frozenlake-nonslippery",
            EnvId::FrozenLake8x8 { slippery: true } => "frozenlake8x8",
            EnvId::FrozenLake8x8 { slippery: false } => "frozenlake8x8-nonslippery",
            EnvId::CliffWalking => "cliffwalking",
            EnvId::Taxi => "taxi",
        }
    }

    /// Parses [`EnvId::name`].
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|e| e.name() == name)
            .ok_or(Error::InvalidArgument {
                what: "unknown environment name",
            })
    }

    /// The gymnasium id (`is_slippery` is a keyword argument there).
    pub const fn gym_id(self) -> &'static str {
        match self {
            EnvId::FrozenLake4x4 { .. } => "FrozenLake-v1",
            EnvId::FrozenLake8x8 { .. } => "FrozenLake8x8-v1",
            EnvId::CliffWalking => "CliffWalking-v1",
            EnvId::Taxi => "Taxi-v4",
        }
    }

    /// `(n_states, n_actions)`.
    pub const fn dims(self) -> (usize, usize) {
        match self {
            EnvId::FrozenLake4x4 { .. } => (16, 4),
            EnvId::FrozenLake8x8 { .. } => (64, 4),
            EnvId::CliffWalking => (48, 4),
            EnvId::Taxi => (500, 6),
        }
    }
}
