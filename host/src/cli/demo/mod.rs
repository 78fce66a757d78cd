//! `embedml demo <name>`: worked examples from the source documents, one module each.

pub mod rbf;

use crate::error::Result;

/// The demos.
#[derive(Debug, clap::Subcommand)]
pub enum Demo {
    /// Seed 002: a 1-D two-class problem solved by one Gaussian-RBF hidden unit, trained by
    /// backpropagation with a linearly decaying learning rate.
    Rbf(rbf::Args),
}

impl Demo {
    /// Runs the chosen demo.
    pub fn run(self) -> Result<()> {
        match self {
            Demo::Rbf(args) => rbf::run(args),
        }
    }
}
