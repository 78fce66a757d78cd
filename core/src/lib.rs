//! # embedml — machine learning that trains on a workstation and runs on a microcontroller
//!
//! `embedml` is `#![no_std]` and never allocates: every model keeps its parameters, gradients and
//! scratch space in fixed arrays whose sizes are const generics, so the memory a model needs is
//! known at link time. Each model's math is written once, here, over slices with explicit
//! dimensions; the typed const-generic models (for devices) and the runtime-sized models of the
//! host crate (`embedml-host`) are storage around that same math.
//!
//! ## Module map
//! - [`error`] — the one [`Error`] type every fallible function returns.
//! - [`math`] — scalar functions (`exp`, `ln`, `tanh`, …) via `libm`, or `micromath`
//!   approximations behind the `micromath` feature.
//! - [`rng`] — a seeded, documented, deterministic generator ([`Rng`]) with uniform, normal and
//!   categorical sampling.
//! - [`kernels`] — slice math: dense layers, activations, softmax / log-sum-exp, losses.
//! - [`params`] — the [`Parameters`] trait: a model's parameters and gradients as flat slices.
//! - [`optim`] — SGD (with linear decay), momentum and Adam over flat slices; gradient clipping.
//! - [`gradcheck`] — a finite-difference gradient checker used by the tests of every layer.
//! - [`models`] — one module per model: MLP, mixture density network, soft weight sharing,
//!   Bayes' theorem, naive Bayes, Q-learning.
//! - [`envs`] — gymnasium-compatible tabular environments (FrozenLake, CliffWalking, Taxi).
//! - [`format`] — the device weight blob (v1): layout, checks, in-place inference from flash.
//!
//! ## Features
//! - `std`: `impl std::error::Error` for the error types.
//! - `defmt`: derive `defmt::Format` on public types, for logging on a device.
//! - `micromath`: fast approximate `exp`/`ln`/`tanh` for chips without an FPU.
//!
//! ## Unsafe code
//! The crate is `#![deny(unsafe_code)]`. One private module allows it: the dense-layer rows in
//! `asm!` for Arm hard-float targets (`target_arch = "arm"`, `target_abi = "eabihf"`, e.g. the
//! Cortex-M4F), used by the typed executors there (bit-identical to the Rust loops, which
//! every other target runs); each `asm!` block states its `SAFETY` argument.
#![no_std]
#![deny(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod envs;
pub mod error;
pub mod format;
pub mod gradcheck;
pub mod kernels;
pub mod math;
pub mod models;
pub mod optim;
pub mod params;
pub mod rng;

pub use error::{Error, Result};
pub use kernels::activation::Activation;
pub use params::Parameters;
pub use rng::Rng;
