//! `embedml eval`: loss and accuracy of a saved model on a CSV file.

use std::path::PathBuf;

use crate::data::Table;
use crate::error::{HostError, Result};
use crate::models::{load_model, EvalOptions};

const EXAMPLES: &str = "\
Examples:
  embedml eval --model iris.safetensors --data data/iris.csv
  embedml eval --model iris.safetensors --data data/iris.csv --json
  embedml eval --model frozenlake.safetensors --episodes 10000 --seed 0 --json";

/// Arguments of `embedml eval`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A model file written by `embedml train`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Data with the model's input and target columns (CSV with a header row); required for
    /// data-driven models, not taken by Q-learning models (evaluated on their environment).
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<PathBuf>,
    /// Episodes of greedy play (Q-learning models).
    #[arg(long, default_value_t = 10_000)]
    pub episodes: u32,
    /// Seed of the evaluation episodes (Q-learning models).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print one JSON object on stdout: `{"n":…,"loss":…,"accuracy":…}` (naive Bayes:
    /// `"log_loss"` instead of `"loss"`; Q-learning: `{"episodes":…,"mean_return":…,
    /// "success_rate":…}`).
    #[arg(long)]
    pub json: bool,
}

/// Runs `embedml eval`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let table = match &args.data {
        Some(path) => Some(Table::read(path)?),
        None => None,
    };
    let opts = EvalOptions {
        episodes: args.episodes,
        seed: args.seed,
        json: args.json,
    };
    if let Some(text) = model.evaluate_custom(table.as_ref(), &opts)? {
        println!("{text}");
        return Ok(());
    }
    let table = table.ok_or_else(|| {
        HostError::Usage(format!(
            "{} is a {} model: eval needs --data FILE.csv",
            args.model.display(),
            model.kind()
        ))
    })?;
    let r = model.evaluate(&table)?;
    let loss_name = model.loss_name();
    if args.json {
        let mut obj = serde_json::json!({ "model": model.kind(), "n": r.n });
        obj[loss_name] = r.loss.into();
        if let Some(a) = r.accuracy {
            obj["accuracy"] = a.into();
        }
        println!("{obj}");
    } else {
        println!("{}", model.describe());
        println!("n        {}", r.n);
        println!("{loss_name:<8} {:.6}", r.loss);
        if let Some(a) = r.accuracy {
            println!("accuracy {a:.4}");
        }
    }
    Ok(())
}
