//! Executors for batched training. The math itself (activations, losses, the MDN head,
//! optimizers) is core's; a backend supplies the matrix products and runs core's per-element
//! and per-row functions over whole batches — on the CPU by calling them, on a GPU by kernels
//! that mirror them line by line.
//!
//! - [`Backend`] — the one interface: buffers, GEMM, the fused bias + activation, the
//!   activation derivative, bias gradients, the per-row losses and the MDN head (loss and every
//!   gradient), soft weight sharing (the penalty's gradients for the weights and the mixture),
//!   the optimizer step, and batch gathering from a training set.
//! - [`cpu`] — `matrixmultiply` sgemm for the products, `rayon` for large elementwise work;
//!   [`cpu::CpuBackend`] implements [`Backend`] with `Vec<f32>` buffers.
//! - [`cuda`] — cuBLAS for the products and NVRTC-compiled kernels for the rest (feature
//!   `cuda`, through `cudarc`); without the feature a stub of the same name whose constructor
//!   returns "built without CUDA support".
//! - [`net`] — the batched MLP forward/backward and the MLP and MDN training steps, written
//!   once over [`Backend`]; the MLP and MDN training loops of [`crate::models`] run through it,
//!   and so do inference (`predict`, `eval`, the MDN queries: [`net::Net::for_inference`] on
//!   the CPU backend) and the parity tests — the host has one batched MLP pass.
//! - [`Device`] / [`select`] — `--device cpu|cuda|auto`.
//!
//! ## Design
//! Every buffer a training run needs is allocated once, for the largest batch
//! ([`net::Net::new`]): the flat parameters (core's order), **one flat gradient buffer** of the
//! same layout, the optimizer state, per layer the pre-activations, outputs and deltas, and the
//! batch's inputs and targets. A step only launches work on them; nothing is allocated per
//! step. Operations take a row count `rows ≤` the preallocated batch and work on the leading
//! `rows × cols` elements, so the short last batch of an epoch reuses the same buffers.
//!
//! Soft weight sharing (`train mdn --soft-share M`) keeps the mixture `[η, μ, ξ]`, its
//! gradient and its optimizer state in backend buffers too: [`Backend::soft_share`] adds the
//! penalty's gradients to the network's gradient buffer and the mixture's, and the mixture
//! takes its own [`Backend::optimizer_step`] — on a GPU two kernels per weight matrix, no copy
//! of the weights to the host during training (the mixture is downloaded once, at the end).
//!
//! Losses are not returned per step: [`Backend::loss_rows`] and [`Backend::mdn_head`] add the
//! batch's summed loss to an accumulator owned by the backend (an `f64` on the CPU, an `f64` in
//! device memory on a GPU), and [`Backend::take_loss`] reads and clears it — on a GPU the only
//! host synchronisation of the training loop, once per reported loss.
//!
//! The training set is handed to the backend once ([`Backend::prepare_data`]): the CPU reads
//! the host slices directly; the CUDA backend copies it to device memory when it fits in
//! [`DATA_BUDGET_BYTES`] and then only uploads each batch's row indices (a gather kernel builds
//! the batch on the device). A larger set stays on the host and is streamed one batch at a time
//! (gathered on the host, one copy per batch). Both per-batch uploads go through page-locked
//! (pinned) host buffers, so they are asynchronous DMA copies without the driver's staging.
//!
//! ## Multi-GPU (NCCL), the plan
//! Data-parallel training needs exactly one collective per step, because the gradient of the
//! whole network is one contiguous buffer ([`net::Net::grads`], core's parameter order):
//! 1. each rank (one process or thread per GPU, one `CudaContext` each) holds the same initial
//!    parameters (same seed) and draws a disjoint shard of every global batch (the host's
//!    batch indices, split by rank);
//! 2. after [`net::Net::backward`], the summed gradient is all-reduced in place with one
//!    `ncclAllReduce(grads, grads, P, ncclFloat, ncclSum, comm, stream)` on the backend's
//!    stream (cudarc's `nccl` feature: `Comm::all_reduce_in_place`), then scaled by
//!    `1 / global_batch` — the same average a single device computes;
//! 3. every rank runs the same optimizer step on identical gradients, so the parameters stay
//!    identical without any broadcast; rank 0 downloads them for the model file;
//! 4. the loss accumulator (one `f64`) is all-reduced only when a loss is reported.
//!
//! The hooks this needs are already here: the flat gradient buffer, the separation of
//! `backward` (gradient) from `optimizer_step`, and batch indices chosen on the host. What is
//! not written yet: the `nccl` feature, rank/communicator set-up (`--devices N`), and the
//! per-rank sharding of the index list.

pub mod cpu;
#[cfg(feature = "cuda")]
#[path = "cuda.rs"]
pub mod cuda;
#[cfg(not(feature = "cuda"))]
#[path = "cuda_stub.rs"]
pub mod cuda;
pub mod kernels;
pub mod net;

use std::ops::Range;

use embedml::kernels::loss::Loss;
use embedml::models::mdn::Head;
use embedml::optim::AnyOptimizer;
use embedml::Activation;

use crate::error::{HostError, Result};

/// A training set larger than this (inputs and targets, bytes) stays in host memory and is
/// streamed to the GPU one batch at a time; smaller sets are copied to the device once.
pub const DATA_BUDGET_BYTES: usize = 2 << 30;

/// A matrix product on row-major matrices stored at offsets in backend buffers:
/// `C = α op(A) op(B) + β C` with `C` `m × n` (row-major, at `c_off`), `op(A)` `m × k` and
/// `op(B)` `k × n`. `A` is stored row-major as `m × k` (or `k × m` when `a_t`, i.e.
/// `op(A) = Aᵀ`), `B` as `k × n` (or `n × k` when `b_t`). With `β = 0`, `C` is overwritten.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gemm {
    /// Rows of `C`.
    pub m: usize,
    /// Columns of `C`.
    pub n: usize,
    /// Inner dimension.
    pub k: usize,
    /// `α`.
    pub alpha: f32,
    /// `β`.
    pub beta: f32,
    /// Offset of `A` in its buffer.
    pub a_off: usize,
    /// `op(A) = Aᵀ`.
    pub a_t: bool,
    /// Offset of `B` in its buffer.
    pub b_off: usize,
    /// `op(B) = Bᵀ`.
    pub b_t: bool,
    /// Offset of `C` in its buffer.
    pub c_off: usize,
}

impl Gemm {
    /// Elements of `A`, `B`, `C` the product addresses (each from its offset).
    pub fn extents(&self) -> (usize, usize, usize) {
        (self.m * self.k, self.k * self.n, self.m * self.n)
    }
}

/// A [`Gemm`] as the column-major BLAS call (`cublasSgemm`'s arguments) that computes it:
/// row-major `C` (`m × n`) is column-major `Cᵀ` (`n × m`), so BLAS computes
/// `Cᵀ = op(B)ᵀ op(A)ᵀ` with BLAS's `A` := our `B` and BLAS's `B` := our `A`. Our row-major
/// `B` (`k × n`) read column-major is `Bᵀ` (`n × k`, leading dimension `n`) = `op(B)ᵀ` as it
/// is; stored `n × k` (`b_t`) it reads as `B`, so BLAS transposes it (leading dimension `k`).
/// Likewise for `A`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMajorGemm {
    /// Transpose BLAS's first operand (our `B`).
    pub trans_a: bool,
    /// Transpose BLAS's second operand (our `A`).
    pub trans_b: bool,
    /// BLAS `m` (= our `n`).
    pub m: usize,
    /// BLAS `n` (= our `m`).
    pub n: usize,
    /// BLAS `k`.
    pub k: usize,
    /// Leading dimension of BLAS's first operand.
    pub lda: usize,
    /// Leading dimension of BLAS's second operand.
    pub ldb: usize,
    /// Leading dimension of `C`.
    pub ldc: usize,
}

impl Gemm {
    /// The column-major BLAS call computing this product (see [`ColumnMajorGemm`]).
    pub fn column_major(&self) -> ColumnMajorGemm {
        ColumnMajorGemm {
            trans_a: self.b_t,
            trans_b: self.a_t,
            m: self.n,
            n: self.m,
            k: self.k,
            lda: if self.b_t { self.k } else { self.n },
            ldb: if self.a_t { self.m } else { self.k },
            ldc: self.n,
        }
    }
}

/// The operations batched training needs, over buffers the backend owns. Shapes are checked
/// by the callers in [`net`]; implementations check that buffers are long enough and return
/// an error (never panic) otherwise.
pub trait Backend {
    /// A buffer of `f32` (host `Vec<f32>`, device memory).
    type Buf;
    /// A training set made available to [`Backend::load_batch`].
    type Data;

    /// A one-line description (`cpu (16 threads)`, `cuda:0 NVIDIA H100 …`).
    fn describe(&self) -> String;
    /// A zeroed buffer of `len` values.
    fn alloc(&mut self, len: usize) -> Result<Self::Buf>;
    /// Copies `src` to the start of `dst`.
    fn upload(&mut self, src: &[f32], dst: &mut Self::Buf) -> Result<()>;
    /// Copies the first `dst.len()` values of `src` to `dst` (waits for pending work).
    fn download(&mut self, src: &Self::Buf, dst: &mut [f32]) -> Result<()>;
    /// Sets the first `len` values of `buf` to zero.
    fn zero(&mut self, buf: &mut Self::Buf, len: usize) -> Result<()>;
    /// `x[..len] *= s`.
    fn scale(&mut self, buf: &mut Self::Buf, len: usize, s: f32) -> Result<()>;
    /// The product `g` (see [`Gemm`]).
    fn gemm(&mut self, g: Gemm, a: &Self::Buf, b: &Self::Buf, c: &mut Self::Buf) -> Result<()>;
    /// `pre[r, j] += bias[bias_off + j]`, then `post = h(pre)` (core's [`Activation`]) on the
    /// leading `rows × cols` values.
    #[allow(clippy::too_many_arguments)]
    fn bias_act_forward(
        &mut self,
        act: Activation,
        bias: &Self::Buf,
        bias_off: usize,
        rows: usize,
        cols: usize,
        pre: &mut Self::Buf,
        post: &mut Self::Buf,
    ) -> Result<()>;
    /// `delta[i] *= h'(pre[i])` for `i < len` (core's [`Activation::derivative`]).
    fn act_backward(
        &mut self,
        act: Activation,
        pre: &Self::Buf,
        post: &Self::Buf,
        len: usize,
        delta: &mut Self::Buf,
    ) -> Result<()>;
    /// `grads[off + j] += Σ_r delta[r, j]` over `rows × cols` of `delta`.
    fn bias_grad(
        &mut self,
        delta: &Self::Buf,
        rows: usize,
        cols: usize,
        grads: &mut Self::Buf,
        off: usize,
    ) -> Result<()>;
    /// Core's [`Loss::value_and_grad`] on each of `rows` rows of `out` (`cols` wide) against
    /// `t`: gradients written to `grad`, the summed loss added to the accumulator.
    #[allow(clippy::too_many_arguments)]
    fn loss_rows(
        &mut self,
        loss: Loss,
        out: &Self::Buf,
        t: &Self::Buf,
        rows: usize,
        cols: usize,
        grad: &mut Self::Buf,
    ) -> Result<()>;
    /// Core's [`Head::loss_and_grad`] on each of `rows` rows of `out` (`K (L+2)` wide) against
    /// `t` (`L` wide): gradients times `grad_scale` written to `grad`, the summed NLL added to
    /// the accumulator. A non-finite output is an error (on a GPU reported by the next
    /// [`Backend::take_loss`]).
    #[allow(clippy::too_many_arguments)]
    fn mdn_head(
        &mut self,
        head: &Head,
        out: &Self::Buf,
        t: &Self::Buf,
        rows: usize,
        grad: &mut Self::Buf,
        grad_scale: f32,
    ) -> Result<()>;
    /// The loss summed since the last call (then cleared).
    fn take_loss(&mut self) -> Result<f64>;
    /// Core's [`Optimizer::step`](embedml::optim::Optimizer::step) on the flat buffers (`opt`
    /// advances its step counter exactly as on the CPU).
    fn optimizer_step(
        &mut self,
        opt: &mut AnyOptimizer,
        params: &mut Self::Buf,
        grads: &Self::Buf,
        state: &mut Self::Buf,
        len: usize,
    ) -> Result<()>;
    /// Core's soft weight sharing
    /// ([`soft_share::accumulate`](embedml::models::soft_share::accumulate)) on the weights
    /// `params[r]` of each range `r` of `ranges`, in order, with the mixture `mix` (`[η, μ, ξ]`,
    /// `3 m` values), strength `lambda` and variance floor `sigma_min`: **adds** `λ ∂Ω/∂w` to
    /// `grads[r]` and `λ ∂Ω/∂[η, μ, ξ]` to `grad_mix`. On the CPU an error for non-finite
    /// weights (core's check); on a GPU they propagate (the caller checks the parameters).
    #[allow(clippy::too_many_arguments)]
    fn soft_share(
        &mut self,
        mix: &Self::Buf,
        m: usize,
        lambda: f32,
        sigma_min: f32,
        params: &Self::Buf,
        ranges: &[Range<usize>],
        grads: &mut Self::Buf,
        grad_mix: &mut Self::Buf,
    ) -> Result<()>;
    /// Makes the training set `x` (`n × x_width`), `t` (`n × t_width`) available.
    fn prepare_data(
        &mut self,
        x: &[f32],
        t: &[f32],
        x_width: usize,
        t_width: usize,
    ) -> Result<Self::Data>;
    /// Gathers the rows `idx` of the training set into `xb` and `tb` (the same `x`, `t` as
    /// given to [`Backend::prepare_data`]).
    #[allow(clippy::too_many_arguments)]
    fn load_batch(
        &mut self,
        data: &Self::Data,
        x: &[f32],
        t: &[f32],
        idx: &[usize],
        xb: &mut Self::Buf,
        tb: &mut Self::Buf,
    ) -> Result<()>;
}

/// `--device`: where training runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Device {
    /// The CPU backend (GEMM + rayon).
    #[default]
    Cpu,
    /// The CUDA backend (needs a build with `--features cuda`, an NVIDIA driver, NVRTC and
    /// cuBLAS).
    Cuda,
    /// CUDA when the driver, NVRTC and cuBLAS load and a device exists, else the CPU (says
    /// which on stderr).
    Auto,
}

/// The backend a run was given.
pub enum Selected {
    /// The CPU.
    Cpu,
    /// A CUDA device, initialised.
    Cuda(Box<cuda::CudaBackend>),
}

impl Selected {
    /// `cpu` or `cuda`.
    pub fn name(&self) -> &'static str {
        match self {
            Selected::Cpu => "cpu",
            Selected::Cuda(_) => "cuda",
        }
    }
}

/// Chooses the backend for `device`. `cuda` without a usable GPU is an error (one line, exit
/// code 2, never a panic); `auto` falls back to the CPU and says so on stderr.
pub fn select(device: Device) -> Result<Selected> {
    match device {
        Device::Cpu => Ok(Selected::Cpu),
        Device::Cuda => cuda::CudaBackend::new(0)
            .map(|b| Selected::Cuda(Box::new(b)))
            .map_err(|e| HostError::Usage(format!("--device cuda: {e}"))),
        Device::Auto => match cuda::CudaBackend::new(0) {
            Ok(b) => {
                eprintln!("device: {} (--device auto)", b.describe());
                Ok(Selected::Cuda(Box::new(b)))
            }
            Err(e) => {
                eprintln!(
                    "device: cpu ({} threads; --device auto: {e})",
                    rayon::current_num_threads()
                );
                Ok(Selected::Cpu)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Column-major `C = α op(A) op(B) + β C` exactly as BLAS `sgemm` defines it.
    #[allow(clippy::too_many_arguments)]
    fn blas_sgemm(cm: ColumnMajorGemm, alpha: f32, a: &[f32], b: &[f32], beta: f32, c: &mut [f32]) {
        let at = |i: usize, p: usize| {
            if cm.trans_a {
                a[p + i * cm.lda]
            } else {
                a[i + p * cm.lda]
            }
        };
        let bt = |p: usize, j: usize| {
            if cm.trans_b {
                b[j + p * cm.ldb]
            } else {
                b[p + j * cm.ldb]
            }
        };
        for j in 0..cm.n {
            for i in 0..cm.m {
                let s: f32 = (0..cm.k).map(|p| at(i, p) * bt(p, j)).sum();
                let cij = &mut c[i + j * cm.ldc];
                *cij = alpha * s + beta * *cij;
            }
        }
    }

    /// The cuBLAS mapping of every transpose combination gives the CPU backend's row-major
    /// product (the CUDA backend passes exactly these arguments to `cublasSgemm`).
    #[test]
    fn column_major_mapping_equals_the_row_major_product() {
        let mut be = cpu::CpuBackend::new();
        let mut rng = embedml::Rng::new(11);
        for (m, n, k) in [(1, 1, 1), (3, 5, 2), (7, 4, 9), (1, 6, 5)] {
            for (a_t, b_t) in [(false, false), (false, true), (true, false), (true, true)] {
                let g = Gemm {
                    m,
                    n,
                    k,
                    alpha: 0.5,
                    beta: 2.0,
                    a_off: 0,
                    a_t,
                    b_off: 0,
                    b_t,
                    c_off: 0,
                };
                let mut a = vec![0.0f32; m * k];
                let mut b = vec![0.0f32; k * n];
                let mut c = vec![0.0f32; m * n];
                rng.fill_normal(&mut a, 0.0, 1.0);
                rng.fill_normal(&mut b, 0.0, 1.0);
                rng.fill_normal(&mut c, 0.0, 1.0);
                let mut want = c.clone();
                be.gemm(g, &a, &b, &mut want).unwrap();
                // BLAS's first operand is our B, its second our A.
                blas_sgemm(g.column_major(), 0.5, &b, &a, 2.0, &mut c);
                for (x, y) in c.iter().zip(&want) {
                    assert!(
                        (x - y).abs() < 1e-5,
                        "{m}x{n}x{k} {a_t} {b_t}: {c:?} vs {want:?}"
                    );
                }
            }
        }
    }
}
