//! One module per model. Each holds the model's math over slices (used by every executor) and a
//! const-generic typed model around it (used on devices).

pub mod bayes;
pub mod const_mlp;
pub mod fixed;
pub mod mdn;
pub mod mlp;
pub mod naive_bayes;
pub mod qlearn;
pub mod soft_share;
