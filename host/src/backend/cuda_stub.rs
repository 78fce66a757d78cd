//! The CUDA backend in a build without the `cuda` feature: the same type, whose constructor
//! always fails with "built without CUDA support" (so `--device cuda` is a one-line error and
//! `--device auto` picks the CPU). Rebuild with `cargo build --release -p embedml-host
//! --features cuda` for the real one.

use embedml::kernels::loss::Loss;
use embedml::models::mdn::Head;
use embedml::optim::AnyOptimizer;
use embedml::Activation;

use super::{Backend, Gemm};
use crate::error::{HostError, Result};

/// Why there is no CUDA backend in this build.
pub const NOT_BUILT: &str =
    "built without CUDA support (rebuild with `cargo build --release -p embedml-host --features cuda`)";

/// Compiling the kernels needs the `cuda` feature: always an error here.
pub fn compile_kernels(_arch: &str) -> std::result::Result<String, String> {
    Err(NOT_BUILT.into())
}

/// Uninhabited: no value exists in a build without the `cuda` feature.
#[derive(Debug)]
pub enum CudaBackend {}

/// Uninhabited buffer type of the stub.
#[derive(Debug)]
pub enum CudaBuf {}

impl CudaBackend {
    /// Always fails: this build has no CUDA support.
    pub fn new(_ordinal: usize) -> Result<Self> {
        Err(HostError::Usage(NOT_BUILT.into()))
    }

    /// Training sets larger than `bytes` are streamed (no-op: no value exists in this build).
    pub fn set_data_budget(&mut self, _bytes: usize) {
        match *self {}
    }

    /// Whether a CUDA backend could be created (never, in this build), with the reason.
    pub fn probe() -> std::result::Result<(), String> {
        Err(NOT_BUILT.into())
    }
}

impl Backend for CudaBackend {
    type Buf = CudaBuf;
    type Data = ();

    fn describe(&self) -> String {
        match *self {}
    }
    fn alloc(&mut self, _: usize) -> Result<CudaBuf> {
        match *self {}
    }
    fn upload(&mut self, _: &[f32], _: &mut CudaBuf) -> Result<()> {
        match *self {}
    }
    fn download(&mut self, _: &CudaBuf, _: &mut [f32]) -> Result<()> {
        match *self {}
    }
    fn zero(&mut self, _: &mut CudaBuf, _: usize) -> Result<()> {
        match *self {}
    }
    fn scale(&mut self, _: &mut CudaBuf, _: usize, _: f32) -> Result<()> {
        match *self {}
    }
    fn gemm(&mut self, _: Gemm, _: &CudaBuf, _: &CudaBuf, _: &mut CudaBuf) -> Result<()> {
        match *self {}
    }
    fn bias_act_forward(
        &mut self,
        _: Activation,
        _: &CudaBuf,
        _: usize,
        _: usize,
        _: usize,
        _: &mut CudaBuf,
        _: &mut CudaBuf,
    ) -> Result<()> {
        match *self {}
    }
    fn act_backward(
        &mut self,
        _: Activation,
        _: &CudaBuf,
        _: &CudaBuf,
        _: usize,
        _: &mut CudaBuf,
    ) -> Result<()> {
        match *self {}
    }
    fn bias_grad(
        &mut self,
        _: &CudaBuf,
        _: usize,
        _: usize,
        _: &mut CudaBuf,
        _: usize,
    ) -> Result<()> {
        match *self {}
    }
    fn loss_rows(
        &mut self,
        _: Loss,
        _: &CudaBuf,
        _: &CudaBuf,
        _: usize,
        _: usize,
        _: &mut CudaBuf,
    ) -> Result<()> {
        match *self {}
    }
    fn mdn_head(
        &mut self,
        _: &Head,
        _: &CudaBuf,
        _: &CudaBuf,
        _: usize,
        _: &mut CudaBuf,
        _: f32,
    ) -> Result<()> {
        match *self {}
    }
    fn take_loss(&mut self) -> Result<f64> {
        match *self {}
    }
    fn optimizer_step(
        &mut self,
        _: &mut AnyOptimizer,
        _: &mut CudaBuf,
        _: &CudaBuf,
        _: &mut CudaBuf,
        _: usize,
    ) -> Result<()> {
        match *self {}
    }
    fn soft_share(
        &mut self,
        _: &CudaBuf,
        _: usize,
        _: f32,
        _: f32,
        _: &CudaBuf,
        _: &[std::ops::Range<usize>],
        _: &mut CudaBuf,
        _: &mut CudaBuf,
    ) -> Result<()> {
        match *self {}
    }
    fn prepare_data(&mut self, _: &[f32], _: &[f32], _: usize, _: usize) -> Result<()> {
        match *self {}
    }
    fn load_batch(
        &mut self,
        _: &(),
        _: &[f32],
        _: &[f32],
        _: &[usize],
        _: &mut CudaBuf,
        _: &mut CudaBuf,
    ) -> Result<()> {
        match *self {}
    }
}
