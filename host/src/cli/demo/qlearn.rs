//! `embedml demo frozenlake|cliffwalking|taxi` — seed 003 (SPEC §8): tabular Q-learning with
//! the tuned defaults of core's `QLearnConfig::for_env`, trained through the host path
//! (`embedml train qlearn`'s code). Prints the greedy policy's success rate and returns (and the
//! policy as arrows for the grid worlds) and writes the learning curve
//! `<out-dir>/<env>-curve.png`.

use std::path::PathBuf;

use embedml::envs::EnvId;
use embedml::models::qlearn::QLearnConfig;

use crate::error::{HostError, Result};
use crate::models::qlearn::{env_name, train_with_progress, QModel};
use crate::models::HostModel;

/// Arguments of the Q-learning demos.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Training seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Training episodes [default: per environment].
    #[arg(long)]
    pub episodes: Option<u32>,
    /// Greedy evaluation episodes.
    #[arg(long, default_value_t = 10_000)]
    pub eval_episodes: u32,
    /// FrozenLake only: slippery ice.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub slippery: bool,
    /// Where to write `<env>-curve.png` (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs the demo on `env` (FrozenLake's slipperiness from `args`).
pub fn run(env: EnvId, args: Args) -> Result<()> {
    let env = match env {
        EnvId::FrozenLake4x4 { .. } => EnvId::FrozenLake4x4 {
            slippery: args.slippery,
        },
        e => e,
    };
    let mut cfg = QLearnConfig::for_env(env);
    cfg.seed = args.seed;
    if let Some(n) = args.episodes {
        cfg.episodes = n.max(1);
    }
    let model: QModel = train_with_progress(env, cfg)?;
    let eval = model.greedy_eval(args.eval_episodes.max(1), args.seed)?;
    std::fs::create_dir_all(&args.out_dir).map_err(|e| HostError::io(&args.out_dir, e))?;
    let png = args.out_dir.join(format!("{}-curve.png", env_name(env)));
    model.plot_curve(&png)?;
    if args.json {
        let mut obj = serde_json::json!({
            "env": env_name(env),
            "episodes": cfg.episodes,
            "eval_episodes": args.eval_episodes,
            "mean_return": eval.sampled.mean_return as f64,
            "success_rate": eval.sampled.success_rate as f64,
            "mean_return_last_100": model.mean_return_last(100),
            "policy": model.policy()?,
            "curve": png.display().to_string(),
        });
        if let Some(all) = eval.all_starts {
            obj["mean_return_all_starts"] = (all.mean_return as f64).into();
        }
        println!("{obj}");
        return Ok(());
    }
    println!("{}", model.describe());
    println!(
        "greedy policy over {} episodes: success rate {:.4}, mean return {:.4}, mean steps {:.1}",
        args.eval_episodes,
        eval.sampled.success_rate,
        eval.sampled.mean_return,
        eval.sampled.mean_steps
    );
    if let Some(all) = eval.all_starts {
        println!(
            "from every start state: mean return {:.4}, success rate {:.4}",
            all.mean_return, all.success_rate
        );
    }
    if let Some(grid) = model.policy_grid()? {
        print!("greedy policy:\n{grid}");
    }
    println!("learning curve: {}", png.display());
    Ok(())
}
