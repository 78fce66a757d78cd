//! FrozenLake (gymnasium `FrozenLake-v1` / `FrozenLake8x8-v1`).
//!
//! The map is rows of `S` (start), `F` (frozen), `H` (hole), `G` (goal); state = `row · ncol +
//! col`; actions **0 left, 1 down, 2 right, 3 up**; moves off the grid stay in place. Reward 1 on
//! entering `G`, 0 otherwise; entering `H` or `G` terminates. In `H`/`G` every action is the
//! self-loop `(1.0, s, 0, terminated)`, as in gymnasium's `P`.
//!
//! Slippery (`is_slippery=True`, the default there): the agent moves in directions
//! `[(a − 1) mod 4, a, (a + 1) mod 4]` (the intended one and the two perpendicular ones) with
//! probabilities `[(1 − p)/2, p, (1 − p)/2]`, `p = success_rate = 1/3` by default — three
//! outcomes listed in that order even when they coincide. Time limit: 100 steps (4×4), 200
//! (8×8). The start distribution is uniform over the `S` cells.

use super::{Env, Episode, Transition, Transitions};
use crate::error::{Error, Result};

/// gymnasium's `MAPS["4x4"]`.
pub const MAP_4X4: [[u8; 4]; 4] = [*b"SFFF", *b"FHFH", *b"FFFH", *b"HFFG"];

/// gymnasium's `MAPS["8x8"]`.
pub const MAP_8X8: [[u8; 8]; 8] = [
    *b"SFFFFFFF",
    *b"FFFFFFFF",
    *b"FFFHFFFF",
    *b"FFFFFHFF",
    *b"FFFHFFFF",
    *b"FHHFFFHF",
    *b"FHFFHFHF",
    *b"FFFHFFFG",
];

/// Action ids.
pub const LEFT: usize = 0;
/// Action ids.
pub const DOWN: usize = 1;
/// Action ids.
pub const RIGHT: usize = 2;
/// Action ids.
pub const UP: usize = 3;

/// FrozenLake on an `R × C` map.
#[derive(Debug, Clone, PartialEq)]
pub struct FrozenLake<const R: usize, const C: usize> {
    desc: [[u8; C]; R],
    slippery: bool,
    success_rate: f32,
    n_start: usize,
    episode: Episode,
}

/// The 4×4 lake.
pub type FrozenLake4x4 = FrozenLake<4, 4>;
/// The 8×8 lake.
pub type FrozenLake8x8 = FrozenLake<8, 8>;

impl FrozenLake<4, 4> {
    /// `FrozenLake-v1`: the standard 4×4 map, 100-step limit.
    pub fn standard(slippery: bool) -> Self {
        Self::valid(MAP_4X4, slippery, Some(100))
    }
}

impl FrozenLake<8, 8> {
    /// `FrozenLake8x8-v1`: the standard 8×8 map, 200-step limit.
    pub fn standard(slippery: bool) -> Self {
        Self::valid(MAP_8X8, slippery, Some(200))
    }
}

impl<const R: usize, const C: usize> FrozenLake<R, C> {
    /// A lake from a map known to be valid (one `S`, in the top-left corner).
    const fn valid(desc: [[u8; C]; R], slippery: bool, max_steps: Option<u32>) -> Self {
        Self {
            desc,
            slippery,
            success_rate: 1.0 / 3.0,
            n_start: 1,
            episode: Episode {
                state: 0,
                elapsed: 0,
                max_steps,
            },
        }
    }

    /// A lake from a map (letters `S`, `F`, `H`, `G`; at least one `S`).
    pub fn new(desc: [[u8; C]; R], slippery: bool, max_steps: Option<u32>) -> Result<Self> {
        let mut n_start = 0;
        for row in &desc {
            for &c in row {
                match c {
                    b'S' => n_start += 1,
                    b'F' | b'H' | b'G' => {}
                    _ => {
                        return Err(Error::InvalidArgument {
                            what: "FrozenLake map letters must be S, F, H or G",
                        })
                    }
                }
            }
        }
        if n_start == 0 || R == 0 || C == 0 {
            return Err(Error::InvalidArgument {
                what: "FrozenLake map needs a start cell S",
            });
        }
        let mut lake = Self {
            desc,
            slippery,
            success_rate: 1.0 / 3.0,
            n_start,
            episode: Episode {
                state: 0,
                elapsed: 0,
                max_steps,
            },
        };
        let first = (0..R * C).find(|&s| lake.cell(s) == b'S').unwrap_or(0);
        lake.episode.state = first;
        Ok(lake)
    }

    /// A lake from rows given as byte strings (e.g. `&[b"SFFF", …]`); the size must be `R × C`.
    pub fn from_rows(rows: &[&[u8]], slippery: bool, max_steps: Option<u32>) -> Result<Self> {
        crate::error::check_len("FrozenLake rows", R, rows.len())?;
        let mut desc = [[0u8; C]; R];
        for (d, r) in desc.iter_mut().zip(rows) {
            crate::error::check_len("FrozenLake row", C, r.len())?;
            d.copy_from_slice(r);
        }
        Self::new(desc, slippery, max_steps)
    }

    /// gymnasium's `success_rate` (probability of moving as intended when slippery; `1/3`).
    pub fn set_success_rate(&mut self, p: f32) -> Result<()> {
        if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
            return Err(Error::InvalidArgument {
                what: "success_rate must be in [0, 1]",
            });
        }
        self.success_rate = p;
        Ok(())
    }

    /// The map letter of a state (`S`, `F`, `H` or `G`).
    pub fn letter(&self, state: usize) -> Result<u8> {
        if state >= R * C {
            return Err(Error::OutOfRange {
                what: "state",
                index: state,
                len: R * C,
            });
        }
        Ok(self.cell(state))
    }

    fn cell(&self, state: usize) -> u8 {
        self.desc[state / C][state % C]
    }

    /// The map.
    pub fn desc(&self) -> &[[u8; C]; R] {
        &self.desc
    }

    /// Whether the lake is slippery.
    pub fn is_slippery(&self) -> bool {
        self.slippery
    }

    fn outcome(&self, row: usize, col: usize, dir: usize, prob: f32) -> Transition {
        let (mut r, mut c) = (row, col);
        match dir {
            LEFT => c = c.saturating_sub(1),
            DOWN => r = (r + 1).min(R - 1),
            RIGHT => c = (c + 1).min(C - 1),
            _ => r = r.saturating_sub(1),
        }
        let next = r * C + c;
        let l = self.desc[r][c];
        Transition {
            prob,
            next,
            reward: if l == b'G' { 1.0 } else { 0.0 },
            terminated: l == b'G' || l == b'H',
        }
    }
}

impl<const R: usize, const C: usize> Env for FrozenLake<R, C> {
    fn n_states(&self) -> usize {
        R * C
    }

    fn n_actions(&self) -> usize {
        4
    }

    fn transitions(&self, state: usize, action: usize) -> Result<Transitions> {
        if state >= R * C {
            return Err(Error::OutOfRange {
                what: "state",
                index: state,
                len: R * C,
            });
        }
        if action >= 4 {
            return Err(Error::OutOfRange {
                what: "action",
                index: action,
                len: 4,
            });
        }
        let mut t = Transitions::new();
        let l = self.cell(state);
        if l == b'G' || l == b'H' {
            t.push(Transition {
                prob: 1.0,
                next: state,
                reward: 0.0,
                terminated: true,
            });
            return Ok(t);
        }
        let (row, col) = (state / C, state % C);
        if self.slippery {
            let fail = (1.0 - self.success_rate) / 2.0;
            for b in [(action + 3) % 4, action, (action + 1) % 4] {
                let p = if b == action { self.success_rate } else { fail };
                t.push(self.outcome(row, col, b, p));
            }
        } else {
            t.push(self.outcome(row, col, action, 1.0));
        }
        Ok(t)
    }

    fn initial_probability(&self, state: usize) -> f32 {
        if state < R * C && self.cell(state) == b'S' {
            1.0 / self.n_start as f32
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
