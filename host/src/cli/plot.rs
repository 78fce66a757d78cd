//! `embedml plot`: the figure of a saved model (Q-learning: the learning curve), dispatched on
//! the model kind through [`HostModel::plot`](crate::models::HostModel::plot).

use std::path::PathBuf;

use crate::error::Result;
use crate::models::load_model;

const EXAMPLES: &str = "\
Examples:
  embedml plot --model frozenlake.safetensors --out curve.png";

/// Arguments of `embedml plot`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A model file written by `embedml train`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Where to write the figure (PNG).
    #[arg(long, value_name = "FIGURE.png")]
    pub out: PathBuf,
}

/// Runs `embedml plot`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    model.plot(&args.out)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
