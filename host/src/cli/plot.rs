//! `embedml plot`: the figure of a trained mixture density network over a data file.

use std::path::PathBuf;

use crate::data::Table;
use crate::error::Result;
use crate::models::mdn::{self, DataSet};

const EXAMPLES: &str = "\
Examples:
  embedml plot --model inverse.safetensors --data inverse.csv --out inverse.png";

/// Arguments of `embedml plot`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// An `mdn` model file written by `embedml train mdn`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Data with the model's input and target columns.
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Where to write the figure (PNG).
    #[arg(long, value_name = "FIG.png")]
    pub out: PathBuf,
    /// Seed of the model samples drawn in the figure.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Runs `embedml plot`. One input and one target: log-density shading and contours, every
/// local conditional mode, the conditional mean, and samples next to the data; two targets:
/// data, samples and refined modes in the target plane; other shapes are an error.
pub fn run(args: Args) -> Result<()> {
    let model = mdn::load_path(&args.model)?;
    let table = Table::read(&args.data)?;
    let x = model.raw_inputs(&table)?;
    let t = model.raw_targets(&table)?;
    let mut title = format!(
        "MDN K = {}: {} from {}",
        model.k(),
        model.y_columns.join(", "),
        model.x_columns.join(", ")
    );
    // The two-target figure is 800 px wide: keep the title on it.
    let max = if model.l() == 2 { 48 } else { 100 };
    if title.chars().count() > max {
        title = title.chars().take(max - 1).collect::<String>() + "…";
    }
    let data = [DataSet {
        label: "data",
        x: &x,
        t: &t,
    }];
    mdn::draw_figure(&model, &data, &args.out, &title, args.seed)?;
    println!("wrote {}", args.out.display());
    Ok(())
}
