//! `embedml eval`: loss and accuracy of a saved model on a CSV file.

use std::path::PathBuf;

use crate::data::Table;
use crate::error::Result;
use crate::models::load_model;

const EXAMPLES: &str = "\
Examples:
  embedml eval --model iris.safetensors --data data/iris.csv
  embedml eval --model iris.safetensors --data data/iris.csv --json";

/// Arguments of `embedml eval`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A model file written by `embedml train`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Data with the model's input and target columns (CSV with a header row).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Print one JSON object `{"n":…,"loss":…,"accuracy":…}` on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `embedml eval`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let table = Table::read(&args.data)?;
    let r = model.evaluate(&table)?;
    if args.json {
        let mut obj = serde_json::json!({ "model": model.kind(), "n": r.n, "loss": r.loss });
        obj[model.loss_name()] = r.loss.into();
        if let Some(a) = r.accuracy {
            obj["accuracy"] = a.into();
        }
        println!("{obj}");
    } else {
        println!("{}", model.describe());
        println!("n        {}", r.n);
        println!("{:<8} {:.6}", model.loss_name(), r.loss);
        if let Some(a) = r.accuracy {
            println!("accuracy {a:.4}");
        }
    }
    Ok(())
}
