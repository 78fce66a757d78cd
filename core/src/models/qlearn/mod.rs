//! Tabular Q-learning (SPEC §8).
//!
//! ## The update
//! For a transition `(s, a, r, s′)`:
//!
//! ```text
//! Q(s, a) ← (1 − α) Q(s, a) + α (r + γ max_a′ Q(s′, a′))     (s′ not terminal)
//! Q(s, a) ← (1 − α) Q(s, a) + α r                            (terminated: no bootstrap)
//! ```
//!
//! A **truncated** step (the time limit, or the runner's step cap) is not terminal: it still
//! bootstraps from `s′`, as gymnasium's `terminated`/`truncated` split intends. Q starts at 0.
//!
//! ## Acting
//! ε-greedy: with probability `ε` a uniformly random action, otherwise a greedy one, **ties broken
//! uniformly at random** with the caller's [`Rng`] (with Q = 0 everywhere at the start, a fixed
//! tie-break would always try the same action). The **greedy policy** ([`greedy_action`],
//! [`greedy_policy`], evaluation) breaks ties deterministically: lowest action index.
//! `ε` and `α` follow a [`Schedule`] indexed by the episode number.
//!
//! ## Slices and the typed table
//! The math works on a flat `q` slice, row-major `n_states × n_actions` (`Q(s, a)` at
//! `s · n_actions + a`), so the host can keep a runtime-sized table; [`QTable<S, A>`](QTable) is
//! the fixed-array storage for devices. [`train`] reports every episode to a callback (learning
//! curves) and [`evaluate`] / [`evaluate_starts`] measure the greedy policy;
//! [`value_iteration`] computes the optimal `Q*` from the environment's transition model.
//!
//! ```
//! use embedml::envs::{EnvId, FrozenLake};
//! use embedml::models::qlearn::{QLearnConfig, QTable};
//! use embedml::Rng;
//!
//! let mut env = FrozenLake::<4, 4>::standard(false);
//! let cfg = QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery: false });
//! let mut q = QTable::<16, 4>::new();
//! let mut returns = [0.0f32; 2_000]; // the learning curve
//! q.train(&mut env, &cfg, |t, stats| returns[t as usize] = stats.ret).unwrap();
//! let eval = q.evaluate(&mut env, 10, 100, &mut Rng::new(0)).unwrap();
//! assert_eq!(eval.success_rate, 1.0);
//! assert_eq!(q.policy()[0], 1); // down from the start (0 left, 1 down, 2 right, 3 up)
//! ```

use crate::envs::{Env, Step};
use crate::error::{check_len, Error, Result};
use crate::rng::Rng;

mod config;
mod table;
mod value_iteration;

pub use config::{QLearnConfig, Schedule};
pub use table::QTable;
pub use value_iteration::value_iteration;

pub(crate) fn row(q: &[f32], n_actions: usize, s: usize) -> Result<&[f32]> {
    if n_actions == 0 {
        return Err(Error::InvalidArgument {
            what: "a Q table needs at least one action",
        });
    }
    if q.len() % n_actions != 0 {
        return Err(Error::ShapeMismatch {
            what: "Q table",
            expected: n_actions * (q.len() / n_actions),
            found: q.len(),
        });
    }
    let n_states = q.len() / n_actions;
    if s >= n_states {
        return Err(Error::OutOfRange {
            what: "state",
            index: s,
            len: n_states,
        });
    }
    Ok(&q[s * n_actions..(s + 1) * n_actions])
}

/// The greedy action of a Q row: the largest value, lowest index on ties.
pub fn greedy_action(q_row: &[f32]) -> usize {
    crate::kernels::softmax::argmax(q_row)
}

/// A greedy action with ties broken uniformly at random.
pub fn greedy_action_random_ties(q_row: &[f32], rng: &mut Rng) -> usize {
    let m = q_row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let ties = q_row.iter().filter(|&&v| v == m).count() as u32;
    if ties <= 1 {
        return greedy_action(q_row);
    }
    let k = rng.below(ties) as usize;
    q_row
        .iter()
        .enumerate()
        .filter(|(_, &v)| v == m)
        .nth(k)
        .map_or(0, |(i, _)| i)
}

/// ε-greedy: a uniform random action with probability `epsilon`, else greedy (random ties).
pub fn epsilon_greedy(q_row: &[f32], epsilon: f32, rng: &mut Rng) -> usize {
    if rng.uniform() < epsilon {
        rng.below(q_row.len() as u32) as usize
    } else {
        greedy_action_random_ties(q_row, rng)
    }
}

/// One observed transition.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Experience {
    /// State.
    pub state: usize,
    /// Action taken.
    pub action: usize,
    /// Reward received.
    pub reward: f32,
    /// Next state.
    pub next: usize,
    /// Whether `next` is terminal (no bootstrap). Truncation is *not* termination.
    pub terminated: bool,
}

/// The Q-learning update of one transition; returns the TD error `target − Q(s, a)`.
pub fn update(
    q: &mut [f32],
    n_actions: usize,
    e: &Experience,
    alpha: f32,
    gamma: f32,
) -> Result<f32> {
    if !e.reward.is_finite() {
        return Err(Error::NonFinite { what: "reward" });
    }
    if e.action >= n_actions {
        return Err(Error::OutOfRange {
            what: "action",
            index: e.action,
            len: n_actions,
        });
    }
    let bootstrap = if e.terminated {
        0.0
    } else {
        let r = row(q, n_actions, e.next)?;
        r.iter().copied().fold(f32::NEG_INFINITY, f32::max)
    };
    row(q, n_actions, e.state)?;
    let target = e.reward + gamma * bootstrap;
    let v = &mut q[e.state * n_actions + e.action];
    let td = target - *v;
    *v += alpha * td;
    Ok(td)
}

/// Writes the greedy action of every state into `policy` (`policy.len() == n_states`).
pub fn greedy_policy(q: &[f32], n_actions: usize, policy: &mut [usize]) -> Result<()> {
    check_len("policy", q.len() / n_actions.max(1), policy.len())?;
    for (s, p) in policy.iter_mut().enumerate() {
        *p = greedy_action(row(q, n_actions, s)?);
    }
    Ok(())
}

/// What happened in one episode.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EpisodeStats {
    /// Undiscounted sum of rewards.
    pub ret: f32,
    /// Steps taken.
    pub steps: u32,
    /// Ended in a terminal state.
    pub terminated: bool,
    /// Ended by the time limit or the step cap.
    pub truncated: bool,
    /// The environment's [`Env::is_success`] held at the last step.
    pub success: bool,
}

/// How actions are chosen in [`run_episode`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Mode {
    /// Greedy, lowest index on ties, no learning.
    Greedy,
    /// ε-greedy with Q-learning updates at rate `alpha`, discount `gamma`.
    Learn {
        /// Exploration rate.
        epsilon: f32,
        /// Learning rate.
        alpha: f32,
        /// Discount.
        gamma: f32,
    },
}

fn check_env<E: Env + ?Sized>(env: &E, q: &[f32], n_actions: usize) -> Result<()> {
    check_len("actions", env.n_actions(), n_actions)?;
    check_len("Q table", env.n_states() * env.n_actions(), q.len())
}

/// Runs one episode from the environment's current state (call [`Env::reset`] or
/// [`Env::reset_to`] first), for at most `max_steps` steps.
pub fn run_episode<E: Env + ?Sized>(
    env: &mut E,
    q: &mut [f32],
    n_actions: usize,
    mode: Mode,
    max_steps: u32,
    rng: &mut Rng,
) -> Result<EpisodeStats> {
    check_env(env, q, n_actions)?;
    let mut stats = EpisodeStats {
        ret: 0.0,
        steps: 0,
        terminated: false,
        truncated: false,
        success: false,
    };
    let mut s = env.state();
    while stats.steps < max_steps {
        let r = row(q, n_actions, s)?;
        let a = match mode {
            Mode::Greedy => greedy_action(r),
            Mode::Learn { epsilon, .. } => epsilon_greedy(r, epsilon, rng),
        };
        let step: Step = env.step(a, rng)?;
        if let Mode::Learn { alpha, gamma, .. } = mode {
            let e = Experience {
                state: s,
                action: a,
                reward: step.reward,
                next: step.state,
                terminated: step.terminated,
            };
            update(q, n_actions, &e, alpha, gamma)?;
        }
        stats.ret += step.reward;
        stats.steps += 1;
        s = step.state;
        if step.terminated || step.truncated {
            stats.terminated = step.terminated;
            stats.truncated = step.truncated && !step.terminated;
            stats.success = env.is_success(&step);
            return Ok(stats);
        }
    }
    stats.truncated = true;
    Ok(stats)
}

/// Trains `q` for `cfg.episodes` episodes; `on_episode(t, &stats)` sees every episode (learning
/// curves). Returns the mean return of all training episodes.
pub fn train<E: Env + ?Sized, F: FnMut(u32, &EpisodeStats)>(
    env: &mut E,
    q: &mut [f32],
    n_actions: usize,
    cfg: &QLearnConfig,
    mut on_episode: F,
) -> Result<f32> {
    cfg.check()?;
    check_env(env, q, n_actions)?;
    let mut rng = Rng::new(cfg.seed);
    let mut total = 0.0f64;
    for t in 0..cfg.episodes {
        env.reset(&mut rng);
        let mode = Mode::Learn {
            epsilon: cfg.epsilon.value(t),
            alpha: cfg.alpha.value(t),
            gamma: cfg.gamma,
        };
        let st = run_episode(env, q, n_actions, mode, cfg.max_steps, &mut rng)?;
        total += st.ret as f64;
        on_episode(t, &st);
    }
    Ok((total / cfg.episodes.max(1) as f64) as f32)
}

/// Performance of the greedy policy.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Evaluation {
    /// Mean undiscounted return.
    pub mean_return: f32,
    /// Fraction of successful episodes ([`Env::is_success`]).
    pub success_rate: f32,
    /// Mean episode length.
    pub mean_steps: f32,
}

/// Greedy evaluation over `episodes` episodes from [`Env::reset`] (capped at `max_steps`).
pub fn evaluate<E: Env + ?Sized>(
    env: &mut E,
    q: &[f32],
    n_actions: usize,
    episodes: u32,
    max_steps: u32,
    rng: &mut Rng,
) -> Result<Evaluation> {
    check_env(env, q, n_actions)?;
    let (mut ret, mut succ, mut steps) = (0.0f64, 0u32, 0u64);
    for _ in 0..episodes {
        env.reset(rng);
        let st = greedy_episode(env, q, n_actions, max_steps, rng)?;
        ret += st.ret as f64;
        succ += st.success as u32;
        steps += st.steps as u64;
    }
    let n = episodes.max(1) as f64;
    Ok(Evaluation {
        mean_return: (ret / n) as f32,
        success_rate: (succ as f64 / n) as f32,
        mean_steps: (steps as f64 / n) as f32,
    })
}

/// Greedy evaluation from **every** start state (weighted by [`Env::initial_probability`]),
/// `episodes_per_start` episodes each — exact for deterministic environments such as Taxi.
pub fn evaluate_starts<E: Env + ?Sized>(
    env: &mut E,
    q: &[f32],
    n_actions: usize,
    episodes_per_start: u32,
    max_steps: u32,
    rng: &mut Rng,
) -> Result<Evaluation> {
    check_env(env, q, n_actions)?;
    let (mut ret, mut succ, mut steps, mut wsum) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let k = episodes_per_start.max(1);
    for s0 in 0..env.n_states() {
        let w = env.initial_probability(s0) as f64;
        if w <= 0.0 {
            continue;
        }
        for _ in 0..k {
            env.reset_to(s0)?;
            let st = greedy_episode(env, q, n_actions, max_steps, rng)?;
            ret += w * st.ret as f64;
            succ += w * st.success as u32 as f64;
            steps += w * st.steps as f64;
            wsum += w;
        }
    }
    let n = if wsum > 0.0 { wsum } else { 1.0 };
    Ok(Evaluation {
        mean_return: (ret / n) as f32,
        success_rate: (succ / n) as f32,
        mean_steps: (steps / n) as f32,
    })
}

fn greedy_episode<E: Env + ?Sized>(
    env: &mut E,
    q: &[f32],
    n_actions: usize,
    max_steps: u32,
    rng: &mut Rng,
) -> Result<EpisodeStats> {
    let mut stats = EpisodeStats {
        ret: 0.0,
        steps: 0,
        terminated: false,
        truncated: false,
        success: false,
    };
    let mut s = env.state();
    while stats.steps < max_steps {
        let step = env.step(greedy_action(row(q, n_actions, s)?), rng)?;
        stats.ret += step.reward;
        stats.steps += 1;
        s = step.state;
        if step.terminated || step.truncated {
            stats.terminated = step.terminated;
            stats.truncated = !step.terminated;
            stats.success = env.is_success(&step);
            return Ok(stats);
        }
    }
    stats.truncated = true;
    Ok(stats)
}
