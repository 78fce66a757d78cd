//! Executors for batched model math. The math itself (activations, losses, optimizers) is
//! core's; a backend only supplies the matrix products and the loops around core's per-element
//! and per-row functions.
//!
//! - [`cpu`] — `matrixmultiply` sgemm for the products, `rayon` for large elementwise work.

pub mod cpu;
