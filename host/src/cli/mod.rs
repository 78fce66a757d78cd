//! The command line: one module per subcommand. [`Cli`] is the clap parser; [`run`] executes
//! a parsed command.

pub mod demo;
pub mod eval;
pub mod export;
pub mod inspect;
pub mod plot;
pub mod predict;
pub mod sample;
pub mod train;

use clap::{Parser, Subcommand};

use crate::error::Result;

const EXAMPLES: &str = "\
Examples:
  embedml train mlp --data data/iris.csv --y species --out iris.safetensors
  embedml eval --model iris.safetensors --data data/iris.csv
  embedml predict --model iris.safetensors --data data/iris.csv --csv
  embedml train mlp --data data/iris.csv --x petal_length --y petal_width --standardize --out pw.safetensors --json
  embedml export --model pw.safetensors --out pw.bin --rust pw_expected.rs
  embedml inspect pw.bin
  embedml demo rbf --seed 1
  embedml train nb --kind categorical --data data/golf.csv --y play --alpha 1 --out golf.safetensors
  embedml train qlearn --env frozenlake-4x4 --out frozenlake.safetensors
  embedml eval --model frozenlake.safetensors --episodes 10000 --json
  embedml plot --model frozenlake.safetensors --out curve.png
  embedml train mdn --data data/iris.csv --x sepal_width --y petal_width --components 2 --hidden 8 --sigma-min 0.05 --standardize --out mdn.safetensors
  embedml plot --model mdn.safetensors --data data/iris.csv --out mdn.png
  embedml demo prml-inverse

Errors are one line on stderr (`error: …`) with exit code 2.";

/// embedml: train models on the workstation that run, and keep learning, on microcontrollers.
#[derive(Debug, Parser)]
#[command(name = "embedml", version, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on a CSV file and save it (safetensors).
    #[command(subcommand, after_help = train::EXAMPLES)]
    Train(crate::models::TrainKind),
    /// Loss (and accuracy for classifiers) of a saved model on a CSV file.
    Eval(eval::Args),
    /// Predictions of a saved model, one row per input row.
    Predict(predict::Args),
    /// Samples from a mixture density network's conditional distribution (CSV).
    Sample(sample::Args),
    /// Write a model's device blob (format v1) and the outputs the device must reproduce.
    Export(export::Args),
    /// Show what a device blob holds (after every format check).
    Inspect(inspect::Args),
    /// The figure of a saved model as a PNG (MDN: density, modes, mean and samples over a data
    /// file; Q-learning: the learning curve).
    Plot(plot::Args),
    /// Worked examples from the source documents.
    #[command(subcommand)]
    Demo(demo::Demo),
}

/// Runs a parsed command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(kind) => train::run(kind),
        Command::Eval(args) => eval::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Export(args) => export::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Plot(args) => plot::run(args),
        Command::Demo(demo) => demo.run(),
    }
}
