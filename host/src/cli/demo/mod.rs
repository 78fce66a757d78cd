//! `embedml demo <name>`: worked examples from the source documents, one module each.

pub mod bayes;
pub mod golf;
pub mod qlearn;
pub mod rbf;
pub mod spam;

use embedml::envs::EnvId;

use crate::error::Result;

/// The demos.
#[derive(Debug, clap::Subcommand)]
pub enum Demo {
    /// Seed 002: a 1-D two-class problem solved by one Gaussian-RBF hidden unit, trained by
    /// backpropagation with a linearly decaying learning rate.
    Rbf(rbf::Args),
    /// Seed 003: categorical naive Bayes on the play-golf table (0.7954 with α = 0).
    Golf(golf::Args),
    /// Seed 003: a Bernoulli naive Bayes spam filter (0.9127).
    Spam(spam::Args),
    /// Seed 003: Bayes' theorem (0.0755).
    Bayes(bayes::Args),
    /// Seed 003: Q-learning on FrozenLake-v1 (4×4, slippery by default).
    Frozenlake(qlearn::Args),
    /// Seed 003: Q-learning on CliffWalking-v1.
    Cliffwalking(qlearn::Args),
    /// Seed 003: Q-learning on Taxi-v3.
    Taxi(qlearn::Args),
}

impl Demo {
    /// Runs the chosen demo.
    pub fn run(self) -> Result<()> {
        match self {
            Demo::Rbf(args) => rbf::run(args),
            Demo::Golf(args) => golf::run(args),
            Demo::Spam(args) => spam::run(args),
            Demo::Bayes(args) => bayes::run(args),
            Demo::Frozenlake(args) => qlearn::run(EnvId::FrozenLake4x4 { slippery: true }, args),
            Demo::Cliffwalking(args) => qlearn::run(EnvId::CliffWalking, args),
            Demo::Taxi(args) => qlearn::run(EnvId::Taxi, args),
        }
    }
}
