//! `embedml train <kind>`: the kinds and their arguments live in [`crate::models`].

use crate::error::Result;
use crate::models::TrainKind;

/// Examples shown by `embedml train --help`.
pub const EXAMPLES: &str = "\
Examples:
  embedml train mlp --data data/iris.csv --y species --out iris.safetensors
  embedml train mlp --data data/iris.csv --x petal_length --y petal_width --standardize --out pw.safetensors";

/// Trains the chosen model kind.
pub fn run(kind: TrainKind) -> Result<()> {
    kind.run()
}
