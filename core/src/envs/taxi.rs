//! Taxi (gymnasium `Taxi-v4`; the dry dynamics are `Taxi-v3`'s).
//!
//! A 5×5 grid with walls and four stands R (0,0), G (0,4), Y (4,0), B (4,3):
//!
//! ```text
//! +---------+
//! |R: | : :G|
//! | : | : : |
//! | : : : : |
//! | | : | : |
//! |Y| : |B: |
//! +---------+
//! ```
//!
//! State `((row · 5 + col) · 5 + pass_loc) · 4 + dest` (500 states), `pass_loc ∈ 0..4` a stand
//! or 4 = in the taxi, `dest ∈ 0..4`. Actions **0 south, 1 north, 2 east, 3 west, 4 pickup,
//! 5 drop-off**; a move into a wall (`|` in the map) or off the grid stays in place. Rewards:
//! −1 per step; pickup where the passenger is not: −10; drop-off of the passenger at the
//! destination: +20 and terminate; drop-off at another stand: −1 and the passenger waits there;
//! any other drop-off: −10. The start is uniform over the 300 states with the passenger at a
//! stand other than the destination. Time limit 200 steps. Deterministic (rainy and fickle
//! variants are not implemented).

use super::{Env, Episode, Transition, Transitions};
use crate::error::{Error, Result};

/// gymnasium's `MAP`.
pub const MAP: [&[u8; 11]; 7] = [
    b"+---------+",
    b"|R: | : :G|",
    b"| : | : : |",
    b"| : : : : |",
    b"| | : | : |",
    b"|Y| : |B: |",
    b"+---------+",
];

/// The stands R, G, Y, B as `(row, col)`.
pub const LOCS: [(usize, usize); 4] = [(0, 0), (0, 4), (4, 0), (4, 3)];

/// Number of states.
pub const N_STATES: usize = 500;
/// Number of actions.
pub const N_ACTIONS: usize = 6;

/// `((row · 5 + col) · 5 + pass_loc) · 4 + dest`.
pub const fn encode(row: usize, col: usize, pass_loc: usize, dest: usize) -> usize {
    ((row * 5 + col) * 5 + pass_loc) * 4 + dest
}

/// The inverse of [`encode`]: `(row, col, pass_loc, dest)`.
pub const fn decode(s: usize) -> (usize, usize, usize, usize) {
    (s / 100, (s / 20) % 5, (s / 4) % 5, s % 4)
}

/// The taxi environment.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxi {
    episode: Episode,
}

impl Default for Taxi {
    fn default() -> Self {
        Self::new()
    }
}

impl Taxi {
    /// `Taxi-v4` with its 200-step limit.
    pub fn new() -> Self {
        Self {
            episode: Episode {
                state: encode(0, 0, 1, 0),
                elapsed: 0,
                max_steps: Some(200),
            },
        }
    }

    /// Sets the time limit.
    pub fn set_max_episode_steps(&mut self, m: Option<u32>) {
        self.episode.max_steps = m;
    }
}

impl Env for Taxi {
    fn n_states(&self) -> usize {
        N_STATES
    }

    fn n_actions(&self) -> usize {
        N_ACTIONS
    }

    fn transitions(&self, state: usize, action: usize) -> Result<Transitions> {
        if state >= N_STATES {
            return Err(Error::OutOfRange {
                what: "state",
                index: state,
                len: N_STATES,
            });
        }
        if action >= N_ACTIONS {
            return Err(Error::OutOfRange {
                what: "action",
                index: action,
                len: N_ACTIONS,
            });
        }
        let (row, col, pass, dest) = decode(state);
        let (mut r, mut c, mut p) = (row, col, pass);
        let mut reward = -1.0;
        let mut terminated = false;
        match action {
            0 => r = (row + 1).min(4),
            1 => r = row.saturating_sub(1),
            2 => {
                if MAP[1 + row][2 * col + 2] == b':' {
                    c = (col + 1).min(4);
                }
            }
            3 => {
                if MAP[1 + row][2 * col] == b':' {
                    c = col.saturating_sub(1);
                }
            }
            4 => {
                if pass < 4 && (row, col) == LOCS[pass] {
                    p = 4;
                } else {
                    reward = -10.0;
                }
            }
            _ => {
                let at = LOCS.iter().position(|&l| l == (row, col));
                if (row, col) == LOCS[dest] && pass == 4 {
                    p = dest;
                    terminated = true;
                    reward = 20.0;
                } else if let (Some(i), 4) = (at, pass) {
                    p = i;
                } else {
                    reward = -10.0;
                }
            }
        }
        let mut t = Transitions::new();
        t.push(Transition {
            prob: 1.0,
            next: encode(r, c, p, dest),
            reward,
            terminated,
        });
        Ok(t)
    }

    fn initial_probability(&self, state: usize) -> f32 {
        if state >= N_STATES {
            return 0.0;
        }
        let (_, _, pass, dest) = decode(state);
        if pass < 4 && pass != dest {
            1.0 / 300.0
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
}
