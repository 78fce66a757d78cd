//! `embedml demo <name>`: worked examples from the source documents, one module each.

pub mod inverse_sine;
pub mod iris_mdn;
pub mod mdn_common;
pub mod mse_baseline;
pub mod prml_inverse;
pub mod rbf;
pub mod robot_arm;
pub mod spiral;

use crate::error::Result;

/// The demos.
#[derive(Debug, clap::Subcommand)]
pub enum Demo {
    /// Seed 002: a 1-D two-class problem solved by one Gaussian-RBF hidden unit, trained by
    /// backpropagation with a linearly decaying learning rate.
    Rbf(rbf::Args),
    /// Seed 000: an MDN for p(petal_width | sepal_width) on iris, the seed's setup and a tuned one.
    IrisMdn(iris_mdn::Args),
    /// PRML Fig 5.19: forward and inverse problem; the inverse's conditional mode has three branches.
    PrmlInverse(prml_inverse::Args),
    /// Seed 001: the inverted sinusoid, MDN with many components vs a least-squares net.
    InverseSine(inverse_sine::Args),
    /// Seed 001: the hyperbolic spiral, MDN vs a least-squares net.
    Spiral(spiral::Args),
    /// Two-link robot arm inverse kinematics (two elbow solutions), L = 2.
    RobotArm(robot_arm::Args),
}

impl Demo {
    /// Runs the chosen demo.
    pub fn run(self) -> Result<()> {
        match self {
            Demo::Rbf(args) => rbf::run(args),
            Demo::IrisMdn(args) => iris_mdn::run(args),
            Demo::PrmlInverse(args) => prml_inverse::run(args),
            Demo::InverseSine(args) => inverse_sine::run(args),
            Demo::Spiral(args) => spiral::run(args),
            Demo::RobotArm(args) => robot_arm::run(args),
        }
    }
}
