//! CliffWalking (gymnasium `CliffWalking-v1`).
//!
//! A 4×12 grid, state = `row · 12 + col`, start 36 (row 3, col 0), goal 47 (row 3, col 11), the
//! cliff is row 3, cols 1–10. Actions **0 up, 1 right, 2 down, 3 left**; moves off the grid stay
//! in place. Every step costs −1; stepping into the cliff costs −100 and puts the agent back on
//! the start **without terminating** (gymnasium 1.x); entering the goal terminates. gymnasium
//! registers no time limit for it (`max_episode_steps=None`). `P` for the goal state itself is
//! computed like any other state, as in gymnasium.
//!
//! Slippery (`CliffWalkingSlippery-v1`): directions `[(a − 1) mod 4, a, (a + 1) mod 4]`, `1/3`
//! each.

use super::{Env, Episode, Transition, Transitions};
use crate::error::{Error, Result};

/// Rows of the grid.
pub const ROWS: usize = 4;
/// Columns of the grid.
pub const COLS: usize = 12;
/// The start state.
pub const START: usize = 36;
/// The goal state.
pub const GOAL: usize = 47;

/// Action ids.
pub const UP: usize = 0;
/// Action ids.
pub const RIGHT: usize = 1;
/// Action ids.
pub const DOWN: usize = 2;
/// Action ids.
pub const LEFT: usize = 3;

/// The cliff-walking grid.
#[derive(Debug, Clone, PartialEq)]
pub struct CliffWalking {
    slippery: bool,
    episode: Episode,
}

impl CliffWalking {
    /// `CliffWalking-v1` (`slippery = false`) or `CliffWalkingSlippery-v1`; no time limit.
    pub fn new(slippery: bool) -> Self {
        Self {
            slippery,
            episode: Episode {
                state: START,
                elapsed: 0,
                max_steps: None,
            },
        }
    }

    /// Sets a time limit (gymnasium's `max_episode_steps`).
    pub fn set_max_episode_steps(&mut self, m: Option<u32>) {
        self.episode.max_steps = m;
    }

    fn outcome(row: usize, col: usize, dir: usize, prob: f32) -> Transition {
        let (mut r, mut c) = (row, col);
        match dir {
            UP => r = r.saturating_sub(1),
            RIGHT => c = (c + 1).min(COLS - 1),
            DOWN => r = (r + 1).min(ROWS - 1),
            _ => c = c.saturating_sub(1),
        }
        if r == ROWS - 1 && (1..COLS - 1).contains(&c) {
            Transition {
                prob,
                next: START,
                reward: -100.0,
                terminated: false,
            }
        } else {
            let next = r * COLS + c;
            Transition {
                prob,
                next,
                reward: -1.0,
                terminated: next == GOAL,
            }
        }
    }
}

impl Default for CliffWalking {
    fn default() -> Self {
        Self::new(false)
    }
}

impl Env for CliffWalking {
    fn n_states(&self) -> usize {
        ROWS * COLS
    }

    fn n_actions(&self) -> usize {
        4
    }

    fn transitions(&self, state: usize, action: usize) -> Result<Transitions> {
        if state >= ROWS * COLS {
            return Err(Error::OutOfRange {
                what: "state",
                index: state,
                len: ROWS * COLS,
            });
        }
        if action >= 4 {
            return Err(Error::OutOfRange {
                what: "action",
                index: action,
                len: 4,
            });
        }
        let (row, col) = (state / COLS, state % COLS);
        let mut t = Transitions::new();
        if self.slippery {
            for b in [(action + 3) % 4, action, (action + 1) % 4] {
                t.push(Self::outcome(row, col, b, 1.0 / 3.0));
            }
        } else {
            t.push(Self::outcome(row, col, action, 1.0));
        }
        Ok(t)
    }

    fn initial_probability(&self, state: usize) -> f32 {
        if state == START {
            1.0
        } else {
            0.0
        }
    }

    fn max_episode_steps(&self) -> Option<u32> {
        self.episode.max_steps
    }

    fn episode(&self) -> &Episode {
        &self.episode
    }

    fn episode_mut(&mut self) -> &mut Episode {
        &mut self.episode
    }

    /// Success = reaching the goal.
    fn is_success(&self, step: &super::Step) -> bool {
        step.terminated
    }
}
