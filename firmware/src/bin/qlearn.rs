//! Tabular Q-learning learns FrozenLake 4×4 **on the device**, from a zero table, with core's
//! Q-learning and environment (the per-environment defaults of `QLearnConfig::for_env`):
//!
//! 1. non-slippery: 2 000 training episodes; the greedy policy must succeed every time (1.0);
//! 2. slippery (`is_slippery=True`, the gymnasium dynamics): 50 000 training episodes; the
//!    greedy policy must reach the goal in at least 70 % of 1 000 evaluation episodes run on
//!    the device (the optimum is 0.744).
//!
//! Each learnt policy is logged as a grid (arrows on frozen cells, `H` holes, `G` the goal).
//! Exits 0 only if both bars are met.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml::envs::{EnvId, FrozenLake};
use embedml::models::qlearn::{QLearnConfig, QTable};
use embedml::Rng;
use embedml_firmware as fw;

/// Greedy evaluation episodes on the device.
const EVAL_EPISODES: u32 = 1_000;
/// The slippery bar.
const SLIPPERY_BAR: f32 = 0.70;

/// Logs the greedy policy as a 4×4 grid.
fn log_policy(env: &FrozenLake<4, 4>, q: &QTable<16, 4>) {
    const ARROWS: [&str; 4] = ["<", "v", ">", "^"];
    let policy = q.policy();
    for r in 0..4 {
        let cell = |c: usize| {
            let s = 4 * r + c;
            match env.letter(s) {
                Ok(b'H') => "H",
                Ok(b'G') => "G",
                _ => ARROWS[policy[s] & 3],
            }
        };
        defmt::info!(
            "  {=str} {=str} {=str} {=str}",
            cell(0),
            cell(1),
            cell(2),
            cell(3)
        );
    }
}

/// Trains on FrozenLake 4×4 (`slippery` or not) and returns the greedy success rate over
/// [`EVAL_EPISODES`] episodes.
fn learn(slippery: bool) -> embedml::Result<f32> {
    let mut env = FrozenLake::<4, 4>::standard(slippery);
    let cfg = QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery });
    let mut q = QTable::<16, 4>::new();
    let mut successes = 0u32;
    let mean_return = q.train(&mut env, &cfg, |_, st| successes += st.success as u32)?;
    let name = if slippery { "slippery" } else { "non-slippery" };
    defmt::info!(
        "{=str}: {=u32} training episodes, mean return {=f32}, {=u32} reached the goal",
        name,
        cfg.episodes,
        mean_return,
        successes
    );
    let eval = q.evaluate(&mut env, EVAL_EPISODES, cfg.max_steps, &mut Rng::new(12345))?;
    defmt::info!(
        "{=str}: greedy success {=f32} over {=u32} episodes (mean {=f32} steps)",
        name,
        eval.success_rate,
        EVAL_EPISODES,
        eval.mean_steps
    );
    log_policy(&env, &q);
    Ok(eval.success_rate)
}

#[entry]
fn main() -> ! {
    fw::hello("qlearn");
    let mut ok = true;
    for (slippery, bar) in [(false, 1.0), (true, SLIPPERY_BAR)] {
        match learn(slippery) {
            Ok(rate) if rate >= bar => {}
            Ok(rate) => {
                defmt::error!("success {=f32} below the bar {=f32}", rate, bar);
                ok = false;
            }
            Err(e) => {
                defmt::error!("q-learning failed: {}", e);
                ok = false;
            }
        }
    }
    fw::finish(ok)
}
