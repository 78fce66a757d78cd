//! Value iteration over an environment's transition model: the optimal `Q*` that Q-learning
//! estimates from samples, for checking learned tables and for demos.
//!
//! `Q(s, a) ← Σ_{(p, s′, r, done)} p · (r + γ · [¬done] · max_a′ Q(s′, a′))`, swept in place
//! (Gauss–Seidel) over all states and actions until the largest change is `≤ tol` or
//! `max_sweeps` sweeps have run.

use crate::envs::Env;
use crate::error::{check_len, Error, Result};

/// Computes `Q*` into `q` (row-major `n_states × n_actions`, any initial values, usually 0);
/// returns the number of sweeps run. `γ = 1` is allowed where every policy the maximisation
/// prefers reaches a terminal state (FrozenLake, CliffWalking, Taxi).
pub fn value_iteration<E: Env + ?Sized>(
    env: &E,
    q: &mut [f32],
    gamma: f32,
    tol: f32,
    max_sweeps: u32,
) -> Result<u32> {
    let (ns, na) = (env.n_states(), env.n_actions());
    check_len("Q table", ns * na, q.len())?;
    let tol_ok = tol.is_finite() && tol >= 0.0;
    if !(gamma.is_finite() && (0.0..=1.0).contains(&gamma) && tol_ok) {
        return Err(Error::InvalidArgument {
            what: "value iteration needs gamma in [0, 1] and tol >= 0",
        });
    }
    for sweep in 1..=max_sweeps {
        let mut delta = 0.0f32;
        for s in 0..ns {
            for a in 0..na {
                let t = env.transitions(s, a)?;
                let mut v = 0.0f32;
                for o in t.as_slice() {
                    let next = if o.terminated {
                        0.0
                    } else {
                        super::row(q, na, o.next)?
                            .iter()
                            .copied()
                            .fold(f32::NEG_INFINITY, f32::max)
                    };
                    v += o.prob * (o.reward + gamma * next);
                }
                let old = &mut q[s * na + a];
                delta = delta.max((v - *old).abs());
                *old = v;
            }
        }
        if delta <= tol {
            return Ok(sweep);
        }
    }
    Ok(max_sweeps)
}
