//! The CUDA backend (feature `cuda`), through `cudarc` with run-time loading of the driver,
//! NVRTC and cuBLAS: cuBLAS `sgemm` for the products, the kernels of
//! [`super::kernels::SOURCE`] (compiled once per process by NVRTC, the PTX cached) for the rest.
//! Buffers are device memory ([`CudaSlice<f32>`]) on one stream; the loss accumulator and the
//! divergence flag stay on the device, so [`Backend::take_loss`] is the only synchronisation
//! of a training loop.
//!
//! cudarc panics when a library it needs is missing, so [`CudaBackend::new`] first checks
//! that `libcuda`, `libnvrtc` and `libcublas` load ([`CudaBackend::probe`]), and then runs the
//! initialisation under `catch_unwind` (with a silent panic hook) as a second guard: a machine
//! without a GPU gets an error, never a panic.

use std::sync::{Arc, OnceLock};

use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{CudaBlas, Gemm as _, GemmConfig};
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaSlice, CudaStream, DeviceRepr, LaunchConfig,
    PinnedHostSlice, PushKernelArg, ValidAsZeroBits,
};
use cudarc::nvrtc::Ptx;
use embedml::kernels::loss::Loss;
use embedml::models::mdn::Head;
use embedml::optim::{AnyOptimizer, Optimizer as _};
use embedml::Activation;

use super::kernels::{optimizer_launch, Launch, OptimizerLaunch, MAX_BLOCKS, NAMES, SOURCE};
use super::{Backend, Gemm, DATA_BUDGET_BYTES};
use crate::error::{HostError, Result};

fn err(what: &str, e: impl std::fmt::Display) -> HostError {
    HostError::Data(format!("CUDA: {what}: {e}"))
}

fn int(v: usize, what: &str) -> Result<i32> {
    i32::try_from(v).map_err(|_| HostError::Data(format!("CUDA: {what} {v} exceeds i32")))
}

/// The driver's launch configuration for a [`Launch`] (no dynamic shared memory).
fn config(l: Launch) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (l.blocks, 1, 1),
        block_dim: (l.threads, 1, 1),
        shared_mem_bytes: 0,
    }
}

fn too_large(what: &str, n: usize) -> HostError {
    HostError::Data(format!(
        "CUDA: {what}: {n} items need more than {MAX_BLOCKS} blocks"
    ))
}

/// One thread per element ([`Launch::per_element`]), or an error past the grid limit.
fn grid(n: usize, what: &str) -> Result<LaunchConfig> {
    Launch::per_element(n)
        .map(config)
        .ok_or_else(|| too_large(what, n))
}

/// One thread per row ([`Launch::per_row`]), or an error past the grid limit.
fn grid_rows(n: usize, what: &str) -> Result<LaunchConfig> {
    Launch::per_row(n)
        .map(config)
        .ok_or_else(|| too_large(what, n))
}

/// The kernels, loaded into one context.
struct Kernels {
    f: Vec<CudaFunction>,
    _module: Arc<CudaModule>,
}

impl Kernels {
    fn get(&self, name: &str) -> &CudaFunction {
        let i = NAMES.iter().position(|n| *n == name).unwrap_or(0);
        &self.f[i]
    }
}

/// NVRTC options: IEEE division and square root, no flush-to-zero, and no fused multiply-add
/// contraction (closer to the CPU's rounding).
const NVRTC_OPTIONS: [&str; 4] = [
    "--fmad=false",
    "--prec-div=true",
    "--prec-sqrt=true",
    "--ftz=false",
];

/// [`SOURCE`] compiled by NVRTC for `arch`: a CUBIN (device code, loaded without the driver's
/// JIT, so a driver older than NVRTC still loads it) for a real architecture `sm_XY`, PTX for a
/// virtual one `compute_XY`.
fn nvrtc_compile(arch: &str) -> std::result::Result<Ptx, String> {
    use cudarc::nvrtc::{result, sys};
    let src = std::ffi::CString::new(SOURCE).map_err(|e| e.to_string())?;
    let prog = result::create_program(&src, None).map_err(|e| format!("NVRTC: {e}"))?;
    let mut opts: Vec<String> = NVRTC_OPTIONS.iter().map(|s| s.to_string()).collect();
    opts.push(format!("--gpu-architecture={arch}"));
    // SAFETY: `prog` was created above and is destroyed once, at the end; the CUBIN buffer is
    // sized by NVRTC's own size query.
    let out = unsafe {
        let r = match result::compile_program(prog, &opts) {
            Err(e) => {
                let log = result::get_program_log(prog)
                    .map(|l| {
                        let bytes: Vec<u8> = l
                            .iter()
                            .take_while(|&&c| c != 0)
                            .map(|&c| c as u8)
                            .collect();
                        String::from_utf8_lossy(&bytes).into_owned()
                    })
                    .unwrap_or_default();
                Err(format!(
                    "NVRTC could not compile the kernels for {arch}: {e}: {}",
                    log.trim()
                ))
            }
            Ok(()) if arch.starts_with("sm_") => {
                let mut size = 0usize;
                sys::nvrtcGetCUBINSize(prog, &mut size)
                    .result()
                    .map_err(|e| format!("NVRTC CUBIN size: {e}"))
                    .and_then(|_| {
                        let mut buf = vec![0u8; size];
                        sys::nvrtcGetCUBIN(prog, buf.as_mut_ptr() as *mut std::ffi::c_char)
                            .result()
                            .map_err(|e| format!("NVRTC CUBIN: {e}"))?;
                        if !buf.starts_with(b"\x7fELF") {
                            return Err(format!("NVRTC returned no ELF CUBIN for {arch}"));
                        }
                        Ok(Ptx::from_binary(buf))
                    })
            }
            Ok(()) => result::get_ptx(prog)
                .map(|p| {
                    let bytes: Vec<u8> = p
                        .iter()
                        .take_while(|&&c| c != 0)
                        .map(|&c| c as u8)
                        .collect();
                    Ptx::from_src(String::from_utf8_lossy(&bytes).into_owned())
                })
                .map_err(|e| format!("NVRTC PTX: {e}")),
        };
        let _ = result::destroy_program(prog);
        r
    };
    out
}

/// The kernels for `arch`, compiled once per process and architecture (cached).
fn kernels_for(arch: &str) -> std::result::Result<Ptx, String> {
    type Cache = std::sync::Mutex<Vec<(String, std::result::Result<Ptx, String>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, r)) = c.iter().find(|(a, _)| a == arch) {
        return r.clone();
    }
    let r = nvrtc_compile(arch);
    c.push((arch.to_owned(), r.clone()));
    r
}

/// Compiles the kernels with NVRTC for `arch` (no GPU needed, only `libnvrtc`): the PTX text
/// for a virtual architecture (`compute_75`), the size of the CUBIN for a real one (`sm_90`);
/// an error when NVRTC is missing or the source does not compile (with NVRTC's log).
pub fn compile_kernels(arch: &str) -> std::result::Result<String, String> {
    // SAFETY: only tries `dlopen` on the candidate library names.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err("NVRTC (libnvrtc.so) not found".into());
    }
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(|| kernels_for(arch));
    std::panic::set_hook(prev);
    let ptx = r.map_err(|_| "NVRTC panicked".to_string())??;
    Ok(if arch.starts_with("sm_") {
        format!("CUBIN for {arch}")
    } else {
        ptx.to_src()
    })
}

/// Page-locked (pinned) host buffers for the per-batch uploads: a ring of [`PinnedPool::RING`]
/// buffers per length in use (a run needs a few lengths: the batch's indices or rows, and
/// those of an epoch's short last batch), the least recently used freed beyond
/// [`PinnedPool::KEEP`] buffers. A copy from pinned memory is a true asynchronous DMA (no
/// staging copy by the driver); cudarc records an event after each copy and
/// [`PinnedHostSlice::as_mut_slice`] waits for it, so a buffer is never rewritten while its
/// copy is in flight — with a ring of three the host may run up to three batches ahead of
/// the GPU.
struct PinnedPool<T> {
    /// Least recently used first.
    bufs: Vec<PinnedHostSlice<T>>,
}

impl<T: DeviceRepr + ValidAsZeroBits> PinnedPool<T> {
    const RING: usize = 3;
    const KEEP: usize = 12;

    fn new() -> Self {
        PinnedPool { bufs: Vec::new() }
    }

    /// The least recently used buffer of exactly `len ≥ 1` elements (zeroed when new), now
    /// the most recently used.
    fn get(&mut self, ctx: &Arc<CudaContext>, len: usize) -> Result<&mut PinnedHostSlice<T>> {
        let same = self.bufs.iter().filter(|b| b.len() == len).count();
        if same >= Self::RING {
            let i = self
                .bufs
                .iter()
                .position(|b| b.len() == len)
                .expect("counted above");
            let b = self.bufs.remove(i);
            self.bufs.push(b);
        } else {
            if self.bufs.len() >= Self::KEEP {
                self.bufs.remove(0);
            }
            // SAFETY: the memory is uninitialised: it is zeroed through the raw pointer before
            // any reference to it exists (all-zero bits are a valid `T`).
            let mut b =
                unsafe { ctx.alloc_pinned::<T>(len) }.map_err(|e| err("pinned allocation", e))?;
            let ptr = b.as_mut_ptr().map_err(|e| err("pinned allocation", e))?;
            // SAFETY: `ptr` addresses `len` elements of `T`, owned by `b`.
            unsafe { std::ptr::write_bytes(ptr, 0, len) };
            self.bufs.push(b);
        }
        Ok(self.bufs.last_mut().expect("pushed above"))
    }
}

/// A CUDA device as a [`Backend`].
pub struct CudaBackend {
    ctx: Arc<CudaContext>,
    stream: Arc<CudaStream>,
    blas: CudaBlas,
    k: Kernels,
    acc: CudaSlice<f64>,
    bad: CudaSlice<i32>,
    row_loss: CudaSlice<f32>,
    idx: CudaSlice<u32>,
    /// Pinned host buffers for each batch's row indices.
    idx_pinned: PinnedPool<u32>,
    /// Pinned host buffers for streamed batches (rows gathered on the host).
    staging: PinnedPool<f32>,
    ones: CudaSlice<f32>,
    /// Per-weight terms of the soft-sharing penalty (`soft_share_w` → `soft_share_mix`).
    omega: CudaSlice<f32>,
    data_budget: usize,
    name: String,
}

/// A training set for [`CudaBackend::load_batch`]: on the device when it fits
/// [`DATA_BUDGET_BYTES`], else streamed from the host one batch at a time.
pub struct CudaData {
    resident: Option<(CudaSlice<f32>, CudaSlice<f32>)>,
    x_width: usize,
    t_width: usize,
}

impl CudaBackend {
    /// Whether the driver, NVRTC and cuBLAS libraries load (without initialising anything).
    pub fn probe() -> std::result::Result<(), String> {
        // SAFETY: these only try `dlopen` on the candidate library names.
        let (cuda, nvrtc, cublas) = unsafe {
            (
                cudarc::driver::sys::is_culib_present(),
                cudarc::nvrtc::sys::is_culib_present(),
                cudarc::cublas::sys::is_culib_present(),
            )
        };
        if !cuda {
            return Err("no CUDA driver (libcuda.so.1 not found)".into());
        }
        if !nvrtc {
            return Err("NVRTC (libnvrtc.so) not found; install the CUDA toolkit runtime".into());
        }
        if !cublas {
            return Err("cuBLAS (libcublas.so) not found; install the CUDA toolkit runtime".into());
        }
        Ok(())
    }

    /// The backend on device `ordinal`: checks the libraries, creates the context, the
    /// stream and the cuBLAS handle, loads the kernels. Any failure (or cudarc panic) is an
    /// error.
    pub fn new(ordinal: usize) -> Result<Self> {
        Self::probe().map_err(HostError::Usage)?;
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = std::panic::catch_unwind(|| Self::init(ordinal));
        std::panic::set_hook(prev);
        match r {
            Ok(r) => r,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown failure".into());
                Err(HostError::Usage(format!(
                    "CUDA initialisation failed: {}",
                    msg.lines().next().unwrap_or("")
                )))
            }
        }
    }

    fn init(ordinal: usize) -> Result<Self> {
        let count = CudaContext::device_count().map_err(|e| err("no usable CUDA device", e))?;
        if count <= ordinal as i32 {
            return Err(HostError::Usage(format!(
                "no CUDA device {ordinal} ({count} found)"
            )));
        }
        let ctx = CudaContext::new(ordinal).map_err(|e| err("context", e))?;
        let stream = ctx.default_stream();
        let blas = CudaBlas::new(stream.clone()).map_err(|e| err("cuBLAS", e))?;
        // Device code for this GPU's architecture; PTX (JIT by the driver) when NVRTC cannot
        // build it (an architecture newer than NVRTC).
        let (major, minor) = ctx.compute_capability().map_err(|e| err("device", e))?;
        let module = match kernels_for(&format!("sm_{major}{minor}")) {
            Ok(cubin) => ctx.load_module(cubin),
            Err(_) => ctx.load_module(kernels_for("compute_75").map_err(HostError::Data)?),
        }
        .map_err(|e| {
            err(
                "loading the kernels (a driver older than NVRTC cannot JIT its PTX: update the driver)",
                e,
            )
        })?;
        let f = NAMES
            .iter()
            .map(|n| module.load_function(n).map_err(|e| err(n, e)))
            .collect::<Result<Vec<_>>>()?;
        let name = format!(
            "cuda:{ordinal} {} ({:.0} GiB)",
            ctx.name().unwrap_or_else(|_| "GPU".into()),
            ctx.total_mem().unwrap_or(0) as f64 / (1u64 << 30) as f64
        );
        let alloc_err = |e| err("allocation", e);
        let mut be = CudaBackend {
            acc: stream.alloc_zeros::<f64>(1).map_err(alloc_err)?,
            bad: stream.alloc_zeros::<i32>(1).map_err(alloc_err)?,
            row_loss: stream.alloc_zeros::<f32>(1).map_err(alloc_err)?,
            idx: stream.alloc_zeros::<u32>(1).map_err(alloc_err)?,
            idx_pinned: PinnedPool::new(),
            staging: PinnedPool::new(),
            ones: stream.alloc_zeros::<f32>(1).map_err(alloc_err)?,
            omega: stream.alloc_zeros::<f32>(1).map_err(alloc_err)?,
            data_budget: DATA_BUDGET_BYTES,
            k: Kernels { f, _module: module },
            blas,
            stream,
            ctx,
            name,
        };
        be.smoke_test()?;
        Ok(be)
    }

    /// A 2 × 2 product, a kernel launch and the loss read, checked: resolves every library
    /// symbol a training step needs while still under `catch_unwind` (cudarc loads symbols on
    /// first use and panics on a missing one, e.g. an older cuBLAS).
    fn smoke_test(&mut self) -> Result<()> {
        let mut a = self.alloc(4)?;
        self.upload(&[1.0, 2.0, 3.0, 4.0], &mut a)?;
        let mut c = self.alloc(4)?;
        let g = Gemm {
            m: 2,
            n: 2,
            k: 2,
            alpha: 1.0,
            beta: 0.0,
            a_off: 0,
            a_t: false,
            b_off: 0,
            b_t: false,
            c_off: 0,
        };
        self.gemm(g, &a, &a, &mut c)?;
        self.scale(&mut c, 4, 0.5)?;
        let mut out = [0.0f32; 4];
        self.download(&c, &mut out)?;
        self.take_loss()?;
        // [[1,2],[3,4]]² = [[7,10],[15,22]], halved.
        if out != [3.5, 5.0, 7.5, 11.0] {
            return Err(err("self-test", format!("[[1,2],[3,4]]²/2 gave {out:?}")));
        }
        Ok(())
    }

    /// The context (for tests and multi-GPU set-up).
    pub fn context(&self) -> &Arc<CudaContext> {
        &self.ctx
    }

    /// Training sets larger than `bytes` are streamed from the host one batch at a time
    /// instead of being copied to the device (default [`DATA_BUDGET_BYTES`]; 0 streams every
    /// set, which the parity tests use to check the streamed path).
    pub fn set_data_budget(&mut self, bytes: usize) {
        self.data_budget = bytes;
    }

    /// Grows the per-row loss buffer to `rows` (only when a larger batch than ever comes).
    fn ensure_rows(&mut self, rows: usize) -> Result<()> {
        if self.row_loss.len() < rows {
            self.row_loss = self
                .stream
                .alloc_zeros::<f32>(rows)
                .map_err(|e| err("allocation", e))?;
        }
        Ok(())
    }

    /// Adds the first `rows` per-row losses to the accumulator (one block, fixed order).
    fn accumulate(&mut self, rows: usize) -> Result<()> {
        let n = int(rows, "rows")?;
        let cfg = config(Launch::sum());
        let mut b = self.stream.launch_builder(self.k.get("sum_into"));
        b.arg(&self.row_loss).arg(&n).arg(&mut self.acc);
        // SAFETY: `row_loss` holds at least `rows` values, `acc` one.
        unsafe { b.launch(cfg) }.map_err(|e| err("sum_into", e))?;
        Ok(())
    }
}

fn check(buf: &CudaSlice<f32>, len: usize, what: &'static str) -> Result<()> {
    if buf.len() < len {
        return Err(embedml::Error::ShapeMismatch {
            what,
            expected: len,
            found: buf.len(),
        }
        .into());
    }
    Ok(())
}

/// The row-major product `g` through cuBLAS's column-major `sgemm`.
fn sgemm(
    blas: &CudaBlas,
    g: Gemm,
    a: &CudaSlice<f32>,
    b: &CudaSlice<f32>,
    c: &mut CudaSlice<f32>,
) -> Result<()> {
    let (na, nb, nc) = g.extents();
    check(a, g.a_off + na, "gemm left operand")?;
    check(b, g.b_off + nb, "gemm right operand")?;
    check(c, g.c_off + nc, "gemm output")?;
    if g.m == 0 || g.n == 0 {
        return Ok(());
    }
    if g.k == 0 {
        // Never produced by `net` (every layer has inputs and every batch rows).
        return Err(err("gemm", "an empty inner dimension"));
    }
    // Row-major C is column-major Cᵀ: see `Gemm::column_major` (tested against the CPU).
    let cm = g.column_major();
    let op = |t: bool| {
        if t {
            cublasOperation_t::CUBLAS_OP_T
        } else {
            cublasOperation_t::CUBLAS_OP_N
        }
    };
    let cfg = GemmConfig {
        transa: op(cm.trans_a),
        transb: op(cm.trans_b),
        m: int(cm.m, "gemm m")?,
        n: int(cm.n, "gemm n")?,
        k: int(cm.k, "gemm k")?,
        alpha: g.alpha,
        lda: int(cm.lda, "gemm ld")?,
        ldb: int(cm.ldb, "gemm ld")?,
        beta: g.beta,
        ldc: int(cm.ldc, "gemm ld")?,
    };
    let av = a.slice(g.a_off..g.a_off + na);
    let bv = b.slice(g.b_off..g.b_off + nb);
    let mut cv = c.slice_mut(g.c_off..g.c_off + nc);
    // SAFETY: the views hold exactly the elements the configuration addresses (checked above);
    // `c` is a distinct buffer from `a` and `b` (a unique borrow).
    unsafe { blas.gemm(cfg, &bv, &av, &mut cv) }.map_err(|e| err("cuBLAS sgemm", e))
}

fn act_args(act: Activation) -> (i32, f32) {
    let slope = match act {
        Activation::LeakyRelu(s) => s,
        _ => 0.0,
    };
    (act.id() as i32, slope)
}

impl Backend for CudaBackend {
    type Buf = CudaSlice<f32>;
    type Data = CudaData;

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn alloc(&mut self, len: usize) -> Result<CudaSlice<f32>> {
        self.stream
            .alloc_zeros::<f32>(len.max(1))
            .map_err(|e| err("allocation", e))
    }

    fn upload(&mut self, src: &[f32], dst: &mut CudaSlice<f32>) -> Result<()> {
        check(dst, src.len(), "upload destination")?;
        if src.is_empty() {
            return Ok(());
        }
        let mut view = dst.slice_mut(..src.len());
        self.stream
            .memcpy_htod(src, &mut view)
            .map_err(|e| err("upload", e))
    }

    fn download(&mut self, src: &CudaSlice<f32>, dst: &mut [f32]) -> Result<()> {
        check(src, dst.len(), "download source")?;
        if dst.is_empty() {
            return Ok(());
        }
        let view = src.slice(..dst.len());
        self.stream
            .memcpy_dtoh(&view, dst)
            .map_err(|e| err("download", e))?;
        self.stream.synchronize().map_err(|e| err("synchronize", e))
    }

    fn zero(&mut self, buf: &mut CudaSlice<f32>, len: usize) -> Result<()> {
        check(buf, len, "zeroed buffer")?;
        if len == 0 {
            return Ok(());
        }
        let mut view = buf.slice_mut(..len);
        self.stream
            .memset_zeros(&mut view)
            .map_err(|e| err("memset", e))
    }

    fn scale(&mut self, buf: &mut CudaSlice<f32>, len: usize, s: f32) -> Result<()> {
        check(buf, len, "scaled buffer")?;
        let n = int(len, "length")?;
        let cfg = grid(len, "scale")?;
        let mut b = self.stream.launch_builder(self.k.get("scale"));
        b.arg(buf).arg(&n).arg(&s);
        // SAFETY: `buf` holds at least `n` values.
        unsafe { b.launch(cfg) }.map_err(|e| err("scale", e))?;
        Ok(())
    }

    fn gemm(
        &mut self,
        g: Gemm,
        a: &CudaSlice<f32>,
        b: &CudaSlice<f32>,
        c: &mut CudaSlice<f32>,
    ) -> Result<()> {
        sgemm(&self.blas, g, a, b, c)
    }

    fn bias_act_forward(
        &mut self,
        act: Activation,
        bias: &CudaSlice<f32>,
        bias_off: usize,
        rows: usize,
        cols: usize,
        pre: &mut CudaSlice<f32>,
        post: &mut CudaSlice<f32>,
    ) -> Result<()> {
        let len = rows * cols;
        check(bias, bias_off + cols, "bias")?;
        check(pre, len, "pre-activations")?;
        check(post, len, "activations")?;
        let (id, slope) = act_args(act);
        let (r, c) = (int(rows, "rows")?, int(cols, "columns")?);
        let bv = bias.slice(bias_off..bias_off + cols);
        let cfg = grid(len, "bias_act_forward")?;
        let mut b = self.stream.launch_builder(self.k.get("bias_act_forward"));
        b.arg(&id)
            .arg(&slope)
            .arg(&bv)
            .arg(&r)
            .arg(&c)
            .arg(pre)
            .arg(post);
        // SAFETY: lengths checked above.
        unsafe { b.launch(cfg) }.map_err(|e| err("bias_act_forward", e))?;
        Ok(())
    }

    fn act_backward(
        &mut self,
        act: Activation,
        pre: &CudaSlice<f32>,
        post: &CudaSlice<f32>,
        len: usize,
        delta: &mut CudaSlice<f32>,
    ) -> Result<()> {
        if matches!(act, Activation::Identity) {
            return Ok(());
        }
        check(pre, len, "pre-activations")?;
        check(post, len, "activations")?;
        check(delta, len, "deltas")?;
        let (id, slope) = act_args(act);
        let n = int(len, "length")?;
        let cfg = grid(len, "act_backward")?;
        let mut b = self.stream.launch_builder(self.k.get("act_backward"));
        b.arg(&id).arg(&slope).arg(pre).arg(post).arg(&n).arg(delta);
        // SAFETY: lengths checked above.
        unsafe { b.launch(cfg) }.map_err(|e| err("act_backward", e))?;
        Ok(())
    }

    fn bias_grad(
        &mut self,
        delta: &CudaSlice<f32>,
        rows: usize,
        cols: usize,
        grads: &mut CudaSlice<f32>,
        off: usize,
    ) -> Result<()> {
        check(delta, rows * cols, "deltas")?;
        check(grads, off + cols, "bias gradient")?;
        // ∂E/∂b += 1ᵀ δ: a (1 × rows) · (rows × cols) product on cuBLAS (all SMs busy) rather
        // than the one-thread-per-column `bias_grad` kernel (kept in the source as the
        // reference of the CPU's order of summation).
        if self.ones.len() < rows {
            let ones = vec![1.0f32; rows];
            self.ones = self
                .stream
                .clone_htod(&ones)
                .map_err(|e| err("upload", e))?;
        }
        let g = Gemm {
            m: 1,
            n: cols,
            k: rows,
            alpha: 1.0,
            beta: 1.0,
            a_off: 0,
            a_t: false,
            b_off: 0,
            b_t: false,
            c_off: off,
        };
        sgemm(&self.blas, g, &self.ones, delta, grads)
    }

    fn loss_rows(
        &mut self,
        loss: Loss,
        out: &CudaSlice<f32>,
        t: &CudaSlice<f32>,
        rows: usize,
        cols: usize,
        grad: &mut CudaSlice<f32>,
    ) -> Result<()> {
        let len = rows * cols;
        check(out, len, "outputs")?;
        check(t, len, "targets")?;
        check(grad, len, "output gradient")?;
        self.ensure_rows(rows)?;
        let id = loss.id() as i32;
        let (r, c) = (int(rows, "rows")?, int(cols, "columns")?);
        let cfg = grid_rows(rows, "loss_rows")?;
        let mut b = self.stream.launch_builder(self.k.get("loss_rows"));
        b.arg(&id)
            .arg(out)
            .arg(t)
            .arg(&r)
            .arg(&c)
            .arg(grad)
            .arg(&mut self.row_loss);
        // SAFETY: lengths checked above; `row_loss` holds at least `rows` values.
        unsafe { b.launch(cfg) }.map_err(|e| err("loss_rows", e))?;
        self.accumulate(rows)
    }

    fn mdn_head(
        &mut self,
        head: &Head,
        out: &CudaSlice<f32>,
        t: &CudaSlice<f32>,
        rows: usize,
        grad: &mut CudaSlice<f32>,
        grad_scale: f32,
    ) -> Result<()> {
        let (o, l) = (head.output_len(), head.l());
        check(out, rows * o, "outputs")?;
        check(t, rows * l, "targets")?;
        check(grad, rows * o, "output gradient")?;
        self.ensure_rows(rows)?;
        let (kk, ll, r) = (
            int(head.k(), "components")?,
            int(l, "target dimension")?,
            int(rows, "rows")?,
        );
        let smin = head.sigma_min();
        let cfg = grid_rows(rows, "mdn_head")?;
        let mut b = self.stream.launch_builder(self.k.get("mdn_head"));
        b.arg(&kk)
            .arg(&ll)
            .arg(&smin)
            .arg(out)
            .arg(t)
            .arg(&r)
            .arg(&grad_scale)
            .arg(grad)
            .arg(&mut self.row_loss)
            .arg(&mut self.bad);
        // SAFETY: lengths checked above.
        unsafe { b.launch(cfg) }.map_err(|e| err("mdn_head", e))?;
        self.accumulate(rows)
    }

    fn take_loss(&mut self) -> Result<f64> {
        let (mut acc, mut bad) = ([0.0f64; 1], [0i32; 1]);
        self.stream
            .memcpy_dtoh(&self.acc, &mut acc)
            .map_err(|e| err("download", e))?;
        self.stream
            .memcpy_dtoh(&self.bad, &mut bad)
            .map_err(|e| err("download", e))?;
        self.stream
            .memset_zeros(&mut self.acc)
            .map_err(|e| err("memset", e))?;
        self.stream
            .memset_zeros(&mut self.bad)
            .map_err(|e| err("memset", e))?;
        self.stream
            .synchronize()
            .map_err(|e| err("synchronize", e))?;
        if bad[0] != 0 {
            return Err(embedml::Error::NonFinite {
                what: "mdn raw outputs",
            }
            .into());
        }
        Ok(acc[0])
    }

    fn optimizer_step(
        &mut self,
        opt: &mut AnyOptimizer,
        params: &mut CudaSlice<f32>,
        grads: &CudaSlice<f32>,
        state: &mut CudaSlice<f32>,
        len: usize,
    ) -> Result<()> {
        check(params, len, "parameters")?;
        check(grads, len, "gradients")?;
        check(state, opt.state_len(len), "optimizer state")?;
        let n = int(len, "parameters")?;
        let cfg = grid(len, "optimizer step")?;
        match optimizer_launch(opt)? {
            OptimizerLaunch::Adam {
                lr,
                beta1,
                beta2,
                eps,
                bc1,
                bc2,
            } => {
                let mut b = self.stream.launch_builder(self.k.get("adam"));
                b.arg(params)
                    .arg(grads)
                    .arg(state)
                    .arg(&n)
                    .arg(&lr)
                    .arg(&beta1)
                    .arg(&beta2)
                    .arg(&eps)
                    .arg(&bc1)
                    .arg(&bc2);
                // SAFETY: lengths checked above (state holds 2n).
                unsafe { b.launch(cfg) }.map_err(|e| err("adam", e))?;
            }
            OptimizerLaunch::Momentum {
                lr,
                beta,
                use_state,
            } => {
                let mut b = self.stream.launch_builder(self.k.get("momentum"));
                b.arg(params)
                    .arg(grads)
                    .arg(state)
                    .arg(&n)
                    .arg(&lr)
                    .arg(&beta)
                    .arg(&use_state);
                // SAFETY: lengths checked above (momentum's state holds n; SGD's is not read).
                unsafe { b.launch(cfg) }.map_err(|e| err("momentum", e))?;
            }
        }
        Ok(())
    }

    fn soft_share(
        &mut self,
        mix: &CudaSlice<f32>,
        m: usize,
        lambda: f32,
        sigma_min: f32,
        params: &CudaSlice<f32>,
        ranges: &[std::ops::Range<usize>],
        grads: &mut CudaSlice<f32>,
        grad_mix: &mut CudaSlice<f32>,
    ) -> Result<()> {
        if m == 0 {
            return Err(embedml::Error::InvalidArgument {
                what: "soft weight sharing needs at least one component (M >= 1)",
            }
            .into());
        }
        if !(lambda.is_finite() && lambda >= 0.0 && sigma_min.is_finite() && sigma_min >= 0.0) {
            return Err(embedml::Error::InvalidArgument {
                what: "soft-share lambda and sigma_min must be finite and >= 0",
            }
            .into());
        }
        check(mix, 3 * m, "soft-share mixture")?;
        check(grad_mix, 3 * m, "soft-share mixture gradients")?;
        let longest = ranges.iter().map(|r| r.len()).max().unwrap_or(0);
        if self.omega.len() < longest {
            self.omega = self
                .stream
                .alloc_zeros::<f32>(longest)
                .map_err(|e| err("allocation", e))?;
        }
        let mm = int(m, "soft-share components")?;
        // One block per component for the mixture's sums (power-of-two block: the tree).
        let per_component =
            config(Launch::per_component(m).ok_or_else(|| too_large("soft_share_mix", m))?);
        for r in ranges {
            if r.is_empty() {
                continue;
            }
            check(params, r.end, "soft-shared weights")?;
            check(grads, r.end, "soft-shared gradients")?;
            let (off, n) = (int(r.start, "weight offset")?, int(r.len(), "weights")?);
            {
                let cfg = grid(r.len(), "soft_share_w")?;
                let mut b = self.stream.launch_builder(self.k.get("soft_share_w"));
                b.arg(mix)
                    .arg(&mm)
                    .arg(&lambda)
                    .arg(&sigma_min)
                    .arg(params)
                    .arg(&mut *grads)
                    .arg(&off)
                    .arg(&n)
                    .arg(&mut self.omega);
                // SAFETY: `params` and `grads` hold `off + n` values (checked), the mixture 3m,
                // `omega` at least n.
                unsafe { b.launch(cfg) }.map_err(|e| err("soft_share_w", e))?;
            }
            let mut b = self.stream.launch_builder(self.k.get("soft_share_mix"));
            b.arg(mix)
                .arg(&mm)
                .arg(&lambda)
                .arg(&sigma_min)
                .arg(params)
                .arg(&off)
                .arg(&n)
                .arg(&self.omega)
                .arg(&mut *grad_mix);
            // SAFETY: as above; `grad_mix` holds 3m values, one block per component.
            unsafe { b.launch(per_component) }.map_err(|e| err("soft_share_mix", e))?;
        }
        Ok(())
    }

    fn prepare_data(
        &mut self,
        x: &[f32],
        t: &[f32],
        x_width: usize,
        t_width: usize,
    ) -> Result<CudaData> {
        if x_width == 0 || t_width == 0 || x.len() / x_width != t.len() / t_width {
            return Err(embedml::Error::ShapeMismatch {
                what: "training set rows",
                expected: x.len() / x_width.max(1),
                found: t.len() / t_width.max(1),
            }
            .into());
        }
        let rows = x.len() / x_width;
        let bytes = 4 * (x.len() + t.len());
        let resident = if bytes <= self.data_budget && rows <= u32::MAX as usize {
            let xd = self.stream.clone_htod(x).map_err(|e| err("upload", e))?;
            let td = self.stream.clone_htod(t).map_err(|e| err("upload", e))?;
            Some((xd, td))
        } else {
            None
        };
        Ok(CudaData {
            resident,
            x_width,
            t_width,
        })
    }

    fn load_batch(
        &mut self,
        data: &CudaData,
        x: &[f32],
        t: &[f32],
        idx: &[usize],
        xb: &mut CudaSlice<f32>,
        tb: &mut CudaSlice<f32>,
    ) -> Result<()> {
        let rows = idx.len();
        let (wx, wt) = (data.x_width, data.t_width);
        check(xb, rows * wx, "batch inputs")?;
        check(tb, rows * wt, "batch targets")?;
        let n = x.len() / wx;
        if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
            return Err(embedml::Error::OutOfRange {
                what: "batch row",
                index: bad,
                len: n,
            }
            .into());
        }
        if rows == 0 {
            return Ok(());
        }
        match &data.resident {
            Some((xd, td)) => {
                if self.idx.len() < rows {
                    self.idx = self
                        .stream
                        .alloc_zeros::<u32>(rows)
                        .map_err(|e| err("allocation", e))?;
                }
                let pinned = self.idx_pinned.get(&self.ctx, rows)?;
                let host = pinned.as_mut_slice().map_err(|e| err("pinned memory", e))?;
                for (h, &i) in host.iter_mut().zip(idx) {
                    *h = i as u32;
                }
                let mut iv = self.idx.slice_mut(..rows);
                self.stream
                    .memcpy_htod(&*pinned, &mut iv)
                    .map_err(|e| err("upload", e))?;
                let r = int(rows, "rows")?;
                for (src, w, dst) in [(xd, wx, &mut *xb), (td, wt, &mut *tb)] {
                    let wi = int(w, "width")?;
                    let cfg = grid(rows * w, "gather_rows")?;
                    let mut b = self.stream.launch_builder(self.k.get("gather_rows"));
                    b.arg(src).arg(&self.idx).arg(&r).arg(&wi).arg(dst);
                    // SAFETY: every index < n (checked), `dst` holds rows × w values.
                    unsafe { b.launch(cfg) }.map_err(|e| err("gather_rows", e))?;
                }
                Ok(())
            }
            None => {
                // Streamed: gather on the host into pinned memory, one copy per buffer.
                for (src, w, dst) in [(x, wx, &mut *xb), (t, wt, &mut *tb)] {
                    let pinned = self.staging.get(&self.ctx, rows * w)?;
                    let host = pinned.as_mut_slice().map_err(|e| err("pinned memory", e))?;
                    for (h, &i) in host.chunks_exact_mut(w).zip(idx) {
                        h.copy_from_slice(&src[i * w..(i + 1) * w]);
                    }
                    let mut view = dst.slice_mut(..rows * w);
                    self.stream
                        .memcpy_htod(&*pinned, &mut view)
                        .map_err(|e| err("upload", e))?;
                }
                Ok(())
            }
        }
    }
}
