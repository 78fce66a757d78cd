//! Slice math shared by every model: the one implementation that the typed device models, the
//! host's runtime-sized models and the parity tests of the other executors all use.
//!
//! Every kernel takes its dimensions explicitly and checks slice lengths against them,
//! returning [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) instead of panicking.
//! Matrices are row-major: a weight matrix of a layer with `n_in` inputs and `n_out` outputs is
//! `n_out` rows of `n_in` values (`W[o][i]` at `o * n_in + i`), the layout of PyTorch's
//! `nn.Linear.weight`.

pub mod activation;
pub mod dense;
pub mod loss;
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub(crate) mod m4f;
pub mod softmax;
