//! `embedml plot`: the figure of a saved model, dispatched on the model kind through
//! [`HostModel::plot`](crate::models::HostModel::plot): an MDN's conditional density, modes,
//! mean and samples over a data file; a Q-learning model's learning curve.

use std::path::PathBuf;

use crate::data::Table;
use crate::error::Result;
use crate::models::{load_model, PlotOptions};

const EXAMPLES: &str = "\
Examples:
  embedml plot --model inverse.safetensors --data inverse.csv --out inverse.png
  embedml plot --model frozenlake.safetensors --out curve.png";

/// Arguments of `embedml plot`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A model file written by `embedml train`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Data with the model's input and target columns (MDN models).
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<PathBuf>,
    /// Where to write the figure (PNG).
    #[arg(long, value_name = "FIGURE.png")]
    pub out: PathBuf,
    /// Seed of the model samples drawn in the figure.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `embedml plot`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let table = match &args.data {
        Some(path) => Some(Table::read(path)?),
        None => None,
    };
    model.plot(&PlotOptions {
        out: &args.out,
        data: table.as_ref(),
        seed: args.seed,
    })?;
    println!("wrote {}", args.out.display());
    Ok(())
}
