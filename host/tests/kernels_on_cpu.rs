//! The CUDA backend's kernel source, **executed on the CPU** as a GPU would run it: the text of
//! `backend::kernels::SOURCE` is compiled as C++20 by the host compiler (`c++`), with a prelude
//! that emulates the CUDA runtime (see [`PRELUDE`]), and every kernel is launched on the grid
//! the CUDA backend uses for it (`kernels::Launch`, shared with `backend::cuda`): blocks one
//! after the other, the threads of a block as real concurrent threads with `__syncthreads()` a
//! barrier and `__shared__` arrays per block (poisoned with NaN bits before each block). So
//! the block reductions (`sum_into`, `soft_share_mix`) run their real 256-wide trees — a
//! missing barrier, a wrong tree width or a read of shared memory before it is written changes
//! the results — and the partial last block of every per-element or per-row grid runs its
//! bounds check: every output buffer lies between guard zones checked after the launch.
//!
//! The results are compared with the CPU backend and core (tolerance per kernel); `sum_into` is
//! compared to the bit with the GPU's summation order written in Rust ([`block_sum`]); Adam runs
//! the last blocks of its largest grid (`n = i32::MAX`) and the soft-sharing kernels a weight
//! range crossing `2^31`, on reserved address space, to check their 64-bit indexing; one test
//! runs a step's kernels at the robot-arm demo's batch (4096 rows, 1024 blocks). Device memory,
//! the driver and NVRTC's code generation are checked by `backend_parity.rs` on a GPU. No kernel uses warps (`warpSize`, `__shfl_*`, `__ballot`,
//! warp-synchronous code without `__syncthreads`); the prelude does not define them, so a kernel
//! that starts to does not compile here until they are emulated. Skipped (with a printed reason)
//! where no C++ compiler exists.
//!
//! Runtime: each launch spawns one OS thread per thread of a block (≤ 256); a whole run is a few
//! seconds on 2 cores.
//!
//! Data races between the threads of a block (a missing `__syncthreads()`) change the results
//! here only by chance of scheduling (the missing barriers tried were caught every time); to
//! find them for certain, run the kernels under ThreadSanitizer — the test binary directly, not
//! through cargo (cargo and rustc crash with the runtime preloaded):
//!
//! ```sh
//! cargo test -p embedml-host --test kernels_on_cpu --no-run   # prints the binary's path
//! EMBEDML_KERNELS_CXXFLAGS=-fsanitize=thread TSAN_OPTIONS=ignore_noninstrumented_modules=1 \
//!   LD_PRELOAD=$(c++ -print-file-name=libtsan.so) target/debug/deps/kernels_on_cpu-HASH
//! ```
//!
//! (exit status 66 and a report naming the kernel and its `__shared__` array on a race; ≈ 30 s.)

use std::path::PathBuf;
use std::process::Command;

use embedml::kernels::loss::Loss;
use embedml::models::mdn::Head;
use embedml::optim::{Adam, AnyOptimizer, Momentum, Optimizer, Sgd};
use embedml::{Activation, Rng};
use embedml_host::backend::cpu::{self, CpuBackend};
use embedml_host::backend::kernels::{
    optimizer_launch, Launch, OptimizerLaunch, BLOCK, REDUCE_BLOCK, SOURCE,
};
use embedml_host::backend::Backend;
use libloading::{Library, Symbol};

/// The CUDA runtime, emulated: every launch runs its grid's blocks one after the other (the
/// last first: a kernel that expects another block's output in order fails), the threads of a
/// block as real concurrent threads (`std::thread`), `__syncthreads()` a C++20 `std::barrier`
/// of the block, `__shared__` arrays one copy per block (static storage in a
/// section of their own, filled with NaN bits before every block: reading shared memory before
/// writing it shows), `atomicExch` atomic. A thread that returns counts as arrived at the
/// block's later barriers (as on a GPU). One launch at a time (a process-wide lock), so tests
/// running in parallel do not share a block's storage.
const PRELUDE: &str = r#"
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <sys/mman.h>
#include <thread>
#include <vector>
struct Dim { unsigned x, y, z; };
static thread_local Dim blockIdx, threadIdx, blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static __attribute__((section("emu_shared")))
extern "C" char __start_emu_shared[], __stop_emu_shared[];
static std::barrier<> *emu_block_sync;
#define __syncthreads() (emu_block_sync->arrive_and_wait())
static inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
static inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
static inline int atomicExch(int *p, int v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }

static std::mutex emu_launch_lock;
/* kernel<<<blocks, threads>>>() for blocks first..blocks (first = 0: the whole grid), the last
   block first (a GPU runs blocks in no given order). */
template <class F> static void emu_launch(unsigned first, unsigned blocks, unsigned threads, F kernel) {
    std::lock_guard<std::mutex> hold(emu_launch_lock);
    std::unique_ptr<std::barrier<>> sync;
    auto next_block = [&]() noexcept {
        memset(__start_emu_shared, 0xff, __stop_emu_shared - __start_emu_shared);
        sync = std::make_unique<std::barrier<>>(threads);
        emu_block_sync = sync.get();
    };
    std::barrier gate(threads, next_block);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            gridDim = {blocks, 1, 1};
            blockDim = {threads, 1, 1};
            threadIdx = {t, 0, 0};
            for (unsigned b = blocks; b-- > first;) {
                gate.arrive_and_wait();
                blockIdx = {b, 0, 0};
                kernel();
                emu_block_sync->arrive_and_drop();
            }
        });
    }
    for (auto &th : pool) th.join();
}
"#;

/// One wrapper per kernel: `run_NAME(blocks, threads, args…)` launches `NAME` on a grid of
/// `blocks` blocks of `threads` threads (`run_NAME_tail(first, …)`: only blocks `first..`).
const WRAPPERS: &str = r#"
#define L(call) emu_launch(0, blocks, threads, [&] { call; })
#define ARGS unsigned blocks, unsigned threads
extern "C" void run_bias_act_forward(ARGS, int act, float slope, const float *bias, int rows, int cols, float *pre, float *post) { L(bias_act_forward(act, slope, bias, rows, cols, pre, post)); }
extern "C" void run_act_backward(ARGS, int act, float slope, const float *pre, const float *post, int len, float *delta) { L(act_backward(act, slope, pre, post, len, delta)); }
extern "C" void run_bias_grad(ARGS, const float *delta, int rows, int cols, float *grads) { L(bias_grad(delta, rows, cols, grads)); }
extern "C" void run_loss_rows(ARGS, int loss, const float *out, const float *t, int rows, int cols, float *grad, float *row_loss) { L(loss_rows(loss, out, t, rows, cols, grad, row_loss)); }
extern "C" void run_mdn_head(ARGS, int k, int l, float smin, const float *out, const float *t, int rows, float s, float *grad, float *row_loss, int *bad) { L(mdn_head(k, l, smin, out, t, rows, s, grad, row_loss, bad)); }
extern "C" void run_sum_into(ARGS, const float *x, int len, double *acc) { L(sum_into(x, len, acc)); }
extern "C" void run_scale(ARGS, float *x, int len, float s) { L(scale(x, len, s)); }
extern "C" void run_adam(ARGS, float *p, const float *g, float *st, int len, float lr, float b1, float b2, float eps, float bc1, float bc2) { L(adam(p, g, st, len, lr, b1, b2, eps, bc1, bc2)); }
extern "C" void run_momentum(ARGS, float *p, const float *g, float *st, int len, float lr, float beta, int use_state) { L(momentum(p, g, st, len, lr, beta, use_state)); }
extern "C" void run_soft_share_w(ARGS, const float *mix, int m, float lambda, float smin, const float *params, float *grads, int off, int n, float *omega) { L(soft_share_w(mix, m, lambda, smin, params, grads, off, n, omega)); }
extern "C" void run_soft_share_mix(ARGS, const float *mix, int m, float lambda, float smin, const float *params, int off, int n, const float *omega, float *grad_mix) { L(soft_share_mix(mix, m, lambda, smin, params, off, n, omega, grad_mix)); }
extern "C" void run_adam_tail(unsigned first, ARGS, float *p, const float *g, float *st, int len, float lr, float b1, float b2, float eps, float bc1, float bc2) { emu_launch(first, blocks, threads, [&] { adam(p, g, st, len, lr, b1, b2, eps, bc1, bc2); }); }
/* Address space without memory behind it until a page is touched (zero pages); null if refused. */
extern "C" void *emu_reserve(size_t bytes) {
    void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}
extern "C" void emu_release(void *p, size_t bytes) { munmap(p, bytes); }
extern "C" void run_gather_rows(ARGS, const float *src, const unsigned *idx, int rows, int width, float *dst) { L(gather_rows(src, idx, rows, width, dst)); }
"#;

/// The kernels compiled into a shared library (once per test process), or `None` (printed)
/// without a compiler.
fn kernels() -> Option<Library> {
    static LIB: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let path = LIB.get_or_init(build).as_ref()?;
    // SAFETY: the library was built from the kernel source and the wrappers above; it has no
    // initialisers beyond zeroed statics (thread-local, so tests may run in parallel).
    Some(unsafe { Library::new(path) }.unwrap())
}

fn build() -> Option<PathBuf> {
    // Cargo's scratch folder for integration tests (under `target/`, so nothing is left in /tmp).
    let dir: PathBuf = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("embedml-kernels");
    std::fs::create_dir_all(&dir).unwrap();
    let (src, lib) = (dir.join("kernels.cpp"), dir.join("libkernels.so"));
    std::fs::write(&src, format!("{PRELUDE}\n{SOURCE}\n{WRAPPERS}")).unwrap();
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    // Extra flags, e.g. `-fsanitize=thread` (with the runtime preloaded: see the module docs).
    let extra = std::env::var("EMBEDML_KERNELS_CXXFLAGS").unwrap_or_default();
    // -ffp-contract=off: no fused multiply-add, as the backend asks NVRTC (--fmad=false).
    let out = Command::new(&cxx)
        .args([
            "-O1",
            "-std=c++20",
            "-pthread",
            "-shared",
            "-fPIC",
            "-ffp-contract=off",
            "-fno-fast-math",
            "-o",
        ])
        .arg(&lib)
        .arg(&src)
        .args(extra.split_whitespace())
        .output();
    match out {
        Err(e) => {
            eprintln!("skipped: no C++ compiler ({cxx}: {e})");
            None
        }
        Ok(o) if !o.status.success() => panic!(
            "the kernel source does not compile as C++:\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Ok(_) => Some(lib),
    }
}

macro_rules! sym {
    ($lib:expr, $name:literal, $ty:ty) => {{
        // SAFETY: the wrapper `$name` has exactly the C signature `$ty` (see WRAPPERS).
        let s: Symbol<$ty> = unsafe { $lib.get($name) }.unwrap();
        s
    }};
}

/// The value before and after every output buffer a kernel writes (12 345.679, compared by
/// its bits; finite, so that a stray read-modify-write changes it, as it would not a NaN).
const CANARY: u32 = 0x4640_e6b7;
const GUARD: usize = 64;

/// A kernel's output buffer between two guard zones of [`CANARY`]s: a thread writing outside
/// the buffer (a bounds check off by one in the partial last block, a wrong stride) is caught
/// by [`Guarded::take`].
struct Guarded(Vec<f32>);

impl Guarded {
    fn new(data: &[f32]) -> Self {
        let c = f32::from_bits(CANARY);
        let mut v = vec![c; GUARD];
        v.extend_from_slice(data);
        v.extend(std::iter::repeat_n(c, GUARD));
        Guarded(v)
    }

    /// The first value of the buffer (the guard zones lie before and after it).
    fn ptr(&mut self) -> *mut f32 {
        self.0[GUARD..].as_mut_ptr()
    }

    /// The buffer's values, after checking that both guard zones are intact.
    fn take(self, what: &str) -> Vec<f32> {
        let n = self.0.len() - 2 * GUARD;
        for (i, v) in self.0[..GUARD]
            .iter()
            .chain(&self.0[GUARD + n..])
            .enumerate()
        {
            assert_eq!(
                v.to_bits(),
                CANARY,
                "{what}: written outside the buffer ({i})"
            );
        }
        self.0[GUARD..GUARD + n].to_vec()
    }
}

/// The launch of a per-element kernel over `n` elements, as the CUDA backend's.
fn elements(n: usize) -> Launch {
    Launch::per_element(n).unwrap()
}

fn randn(rng: &mut Rng, n: usize, std: f32) -> Vec<f32> {
    let mut v = vec![0.0f32; n];
    rng.fill_normal(&mut v, 0.0, std);
    v
}

fn close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1e-3),
            "{what}[{i}]: kernel {g} vs core {w}"
        );
    }
}

fn act_id(a: Activation) -> (i32, f32) {
    match a {
        Activation::LeakyRelu(s) => (a.id() as i32, s),
        _ => (a.id() as i32, 0.0),
    }
}

type BiasActFn = unsafe extern "C" fn(u32, u32, i32, f32, *const f32, i32, i32, *mut f32, *mut f32);
type ActBackFn = unsafe extern "C" fn(u32, u32, i32, f32, *const f32, *const f32, i32, *mut f32);
type BiasGradFn = unsafe extern "C" fn(u32, u32, *const f32, i32, i32, *mut f32);

#[test]
fn activation_bias_and_bias_gradient_kernels_equal_the_cpu_backend() {
    let Some(lib) = kernels() else { return };
    let fwd = sym!(lib, b"run_bias_act_forward", BiasActFn);
    let bwd = sym!(lib, b"run_act_backward", ActBackFn);
    let bgrad = sym!(lib, b"run_bias_grad", BiasGradFn);
    let mut rng = Rng::new(1);
    let (rows, cols) = (97, 5); // two blocks, the second partial
    let n = rows * cols;
    for act in Activation::ALL
        .into_iter()
        .chain([Activation::LeakyRelu(0.2)])
    {
        let bias = randn(&mut rng, cols, 1.0);
        let mut pre = randn(&mut rng, n, 3.0);
        pre[0] = 25.0; // RBF's cut-off branch
        pre[1] = 0.0;
        let delta = randn(&mut rng, n, 1.0);
        // Kernels.
        let (id, slope) = act_id(act);
        let mut kpre = Guarded::new(&pre);
        let mut kpost = Guarded::new(&vec![0.0f32; n]);
        let mut kdelta = Guarded::new(&delta);
        let mut kg = Guarded::new(&[0.5f32; 5][..cols]);
        let (el, col) = (elements(n), elements(cols));
        // SAFETY: every pointer addresses a buffer of the length the kernel reads or writes.
        unsafe {
            fwd(
                el.blocks,
                el.threads,
                id,
                slope,
                bias.as_ptr(),
                rows as i32,
                cols as i32,
                kpre.ptr(),
                kpost.ptr(),
            );
            bwd(
                el.blocks,
                el.threads,
                id,
                slope,
                kpre.ptr(),
                kpost.ptr(),
                n as i32,
                kdelta.ptr(),
            );
            bgrad(
                col.blocks,
                col.threads,
                kdelta.ptr(),
                rows as i32,
                cols as i32,
                kg.ptr(),
            );
        }
        let kpre = kpre.take("pre-activations");
        let kpost = kpost.take("activations");
        let kdelta = kdelta.take("deltas");
        let kg = kg.take("bias gradient");
        // CPU backend.
        let mut be = CpuBackend::new();
        let (mut cpre, mut cpost, mut cdelta) = (pre.clone(), vec![0.0f32; n], delta.clone());
        let mut cg = vec![0.5f32; cols];
        be.bias_act_forward(act, &bias, 0, rows, cols, &mut cpre, &mut cpost)
            .unwrap();
        be.act_backward(act, &cpre, &cpost, n, &mut cdelta).unwrap();
        be.bias_grad(&cdelta, rows, cols, &mut cg, 0).unwrap();
        assert_eq!(kpre, cpre, "{act:?} pre-activations");
        close(&format!("{act:?} forward"), &kpost, &cpost, 1e-6);
        close(&format!("{act:?} backward"), &kdelta, &cdelta, 1e-5);
        close(&format!("{act:?} bias gradient"), &kg, &cg, 1e-5);
    }
}

/// `sum_into`'s order of summation on a GPU, in Rust: thread `t` of the block sums `x[t]`,
/// `x[t + T]`, … in `f64`, then the block adds its `T` partial sums in a tree of halving width
/// (`T` a power of two).
fn block_sum(x: &[f32], threads: usize) -> f64 {
    let mut part: Vec<f64> = (0..threads)
        .map(|t| {
            x.iter()
                .skip(t)
                .step_by(threads)
                .fold(0.0, |a, &v| a + v as f64)
        })
        .collect();
    let mut w = threads / 2;
    while w > 0 {
        for t in 0..w {
            part[t] += part[t + w];
        }
        w /= 2;
    }
    part[0]
}

/// `sum_into` on its real launch (one block of `REDUCE_BLOCK` threads) adds exactly — to the
/// bit — the GPU's tree-ordered sum, from no value to more than one per thread and a realistic
/// 100 000 rows; values spread over twelve orders of magnitude, so that a different order
/// (serial, a wrong tree width, a missing barrier) changes the result.
#[test]
fn sum_kernel_adds_in_the_block_tree_order() {
    let Some(lib) = kernels() else { return };
    let sum = sym!(lib, b"run_sum_into", SumFn);
    let mut rng = Rng::new(12);
    let l = Launch::sum();
    assert_eq!(l.threads, REDUCE_BLOCK);
    for n in [0usize, 1, 255, 256, 257, 1000, 4096, 100_000] {
        let x: Vec<f32> = (0..n)
            .map(|_| rng.normal() * 10f32.powi(rng.below(12) as i32 - 6))
            .collect();
        let mut acc = 0.25f64;
        // SAFETY: `x` holds n values, `acc` one.
        unsafe { sum(l.blocks, l.threads, x.as_ptr(), n as i32, &mut acc) };
        let want = 0.25 + block_sum(&x, REDUCE_BLOCK as usize);
        assert_eq!(acc.to_bits(), want.to_bits(), "n {n}: {acc} vs {want}");
        if n == 100_000 {
            let serial = x.iter().fold(0.25f64, |a, &v| a + v as f64);
            assert_ne!(serial, acc, "the data tell the orders apart");
            assert!((serial - acc).abs() <= 1e-12 * x.iter().map(|v| v.abs() as f64).sum::<f64>());
        }
    }
}

type LossFn =
    unsafe extern "C" fn(u32, u32, i32, *const f32, *const f32, i32, i32, *mut f32, *mut f32);
type SumFn = unsafe extern "C" fn(u32, u32, *const f32, i32, *mut f64);

#[test]
fn loss_and_sum_kernels_equal_core() {
    let Some(lib) = kernels() else { return };
    let run = sym!(lib, b"run_loss_rows", LossFn);
    let sum = sym!(lib, b"run_sum_into", SumFn);
    let mut rng = Rng::new(2);
    let rows = 150; // three blocks of 64 rows, the last partial
    for (loss, cols) in [
        (Loss::Mse, 3),
        (Loss::BinaryCrossEntropy, 2),
        (Loss::SoftmaxCrossEntropy, 7),
    ] {
        let out = randn(&mut rng, rows * cols, 4.0);
        let t: Vec<f32> = match loss {
            Loss::Mse => randn(&mut rng, rows * cols, 1.0),
            Loss::BinaryCrossEntropy => (0..rows * cols)
                .map(|i| (i % 3 == 0) as u8 as f32)
                .collect(),
            Loss::SoftmaxCrossEntropy => (0..rows * cols)
                .map(|i| (i % cols == (i / cols) % cols) as u8 as f32)
                .collect(),
        };
        let mut kg = Guarded::new(&vec![0.0f32; rows * cols]);
        let mut kl = Guarded::new(&vec![0.0f32; rows]);
        let mut acc = 1.5f64;
        let (g, s) = (Launch::per_row(rows).unwrap(), Launch::sum());
        // SAFETY: buffers of the lengths the kernels address.
        unsafe {
            run(
                g.blocks,
                g.threads,
                loss.id() as i32,
                out.as_ptr(),
                t.as_ptr(),
                rows as i32,
                cols as i32,
                kg.ptr(),
                kl.ptr(),
            );
            sum(s.blocks, s.threads, kl.ptr(), rows as i32, &mut acc);
        }
        let (kg, kl) = (kg.take("loss gradient"), kl.take("row losses"));
        let mut want_g = vec![0.0f32; rows * cols];
        let mut want_l = vec![0.0f32; rows];
        for (r, wl) in want_l.iter_mut().enumerate() {
            let s = r * cols..(r + 1) * cols;
            *wl = loss
                .value_and_grad(&out[s.clone()], &t[s.clone()], &mut want_g[s])
                .unwrap();
        }
        close(&format!("{loss:?} gradient"), &kg, &want_g, 1e-5);
        close(&format!("{loss:?} row losses"), &kl, &want_l, 1e-5);
        let total: f64 = want_l.iter().map(|&v| v as f64).sum::<f64>() + 1.5;
        assert!(
            (acc - total).abs() <= 1e-5 * total.abs(),
            "{loss:?} sum {acc} vs {total}"
        );
    }
}

type HeadFn = unsafe extern "C" fn(
    u32,
    u32,
    i32,
    i32,
    f32,
    *const f32,
    *const f32,
    i32,
    f32,
    *mut f32,
    *mut f32,
    *mut i32,
);

/// The fused MDN head kernel against core's `Head::loss_and_grad` (σ floor on and off, up to
/// K = 20, wide raw outputs that hit the σ clamp) and the NaN flag.
#[test]
fn mdn_head_kernel_equals_core() {
    let Some(lib) = kernels() else { return };
    let run = sym!(lib, b"run_mdn_head", HeadFn);
    let mut rng = Rng::new(3);
    for (k, l, smin, spread) in [
        (1, 1, 0.0, 1.0),
        (3, 1, 0.0, 2.0),
        (20, 2, 0.0, 1.5),
        (20, 2, 0.05, 1.5),
        (5, 4, 0.01, 40.0),
    ] {
        let head = Head::new(k, l, smin).unwrap();
        let o = head.output_len();
        let rows = 150;
        let out = randn(&mut rng, rows * o, spread);
        let t = randn(&mut rng, rows * l, 1.0);
        let mut kg = Guarded::new(&vec![0.0f32; rows * o]);
        let mut kl = Guarded::new(&vec![0.0f32; rows]);
        let mut bad = 0i32;
        let g = Launch::per_row(rows).unwrap();
        // SAFETY: buffers of the lengths the kernel addresses.
        unsafe {
            run(
                g.blocks,
                g.threads,
                k as i32,
                l as i32,
                smin,
                out.as_ptr(),
                t.as_ptr(),
                rows as i32,
                0.25,
                kg.ptr(),
                kl.ptr(),
                &mut bad,
            );
        }
        let (kg, kl) = (kg.take("head gradient"), kl.take("row NLL"));
        assert_eq!(bad, 0);
        let mut want = vec![0.0f32; rows * o];
        let mut want_l = vec![0.0f32; rows];
        for (r, wl) in want_l.iter_mut().enumerate() {
            *wl = head
                .loss_and_grad(
                    &out[r * o..(r + 1) * o],
                    &t[r * l..(r + 1) * l],
                    &mut want[r * o..(r + 1) * o],
                )
                .unwrap();
        }
        cpu::scale(&mut want, 0.25);
        close(
            &format!("head K={k} L={l} σmin={smin} gradient"),
            &kg,
            &want,
            1e-4,
        );
        close(
            &format!("head K={k} L={l} σmin={smin} NLL"),
            &kl,
            &want_l,
            1e-5,
        );
    }
    // A non-finite raw output: the flag is set and the row's gradient is zero.
    let head = Head::new(2, 1, 0.0).unwrap(); // 6 raw outputs per row
    let mut out = [0.3f32; 12];
    out[8] = f32::INFINITY;
    let (mut kg, mut kl, mut bad) = (
        Guarded::new(&[9.0f32; 12]),
        Guarded::new(&[9.0f32; 2]),
        0i32,
    );
    let g = Launch::per_row(2).unwrap();
    // SAFETY: as above.
    unsafe {
        run(
            g.blocks,
            g.threads,
            2,
            1,
            0.0,
            out.as_ptr(),
            [0.0f32, 1.0].as_ptr(),
            2,
            1.0,
            kg.ptr(),
            kl.ptr(),
            &mut bad,
        );
    }
    let (kg, kl) = (kg.take("head gradient"), kl.take("row NLL"));
    assert_eq!(bad, 1);
    assert_eq!(&kg[6..], &[0.0; 6]);
    assert!(
        head.loss(&out[6..], &[1.0]).is_err(),
        "core rejects the same row"
    );
    assert_eq!(kl[1], 0.0);
    let mut g0 = [0.0f32; 6];
    let l0 = head.loss_and_grad(&out[..6], &[0.0], &mut g0).unwrap();
    assert!((kl[0] - l0).abs() < 1e-6, "the finite row is unaffected");
    close("finite row", &kg[..6], &g0, 1e-5);
}

type AdamFn = unsafe extern "C" fn(
    u32,
    u32,
    *mut f32,
    *const f32,
    *mut f32,
    i32,
    f32,
    f32,
    f32,
    f32,
    f32,
    f32,
);
type MomentumFn =
    unsafe extern "C" fn(u32, u32, *mut f32, *const f32, *mut f32, i32, f32, f32, i32);
type ScaleFn = unsafe extern "C" fn(u32, u32, *mut f32, i32, f32);
type GatherFn = unsafe extern "C" fn(u32, u32, *const f32, *const u32, i32, i32, *mut f32);

/// Adam, momentum and SGD (with linear decay) kernels, driven by the CUDA backend's own host
/// side (`kernels::optimizer_launch`: step counter, bias corrections, decayed rate), against
/// core's optimizers.
#[test]
fn optimizer_scale_and_gather_kernels_equal_core() {
    let Some(lib) = kernels() else { return };
    let adam_k = sym!(lib, b"run_adam", AdamFn);
    let mom_k = sym!(lib, b"run_momentum", MomentumFn);
    let scale_k = sym!(lib, b"run_scale", ScaleFn);
    let gather_k = sym!(lib, b"run_gather_rows", GatherFn);
    let mut rng = Rng::new(4);
    let n = 700; // three blocks, the last one partial
    let el = elements(n);
    let p0 = randn(&mut rng, n, 1.0);
    let grads: Vec<Vec<f32>> = (0..4).map(|_| randn(&mut rng, n, 0.1)).collect();
    for opt in [
        AnyOptimizer::Adam(Adam::new(0.01)),
        AnyOptimizer::Momentum(Momentum::new(0.05, 0.9)),
        AnyOptimizer::Sgd(Sgd::with_linear_decay(0.1, 3)),
    ] {
        let (mut core_opt, mut host) = (opt, opt);
        let sl = opt.state_len(n).max(1);
        let (mut cp, mut cs) = (p0.clone(), vec![0.0f32; sl]);
        let (mut kp, mut ks) = (Guarded::new(&p0), Guarded::new(&vec![0.0f32; sl]));
        for g in &grads {
            core_opt
                .step(&mut cp, g, &mut cs[..opt.state_len(n)])
                .unwrap();
            // The CUDA backend's host side, then the kernel it launches.
            match optimizer_launch(&mut host).unwrap() {
                OptimizerLaunch::Adam {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    bc1,
                    bc2,
                } => {
                    // SAFETY: buffers of the lengths the kernel addresses (state 2n).
                    unsafe {
                        adam_k(
                            el.blocks,
                            el.threads,
                            kp.ptr(),
                            g.as_ptr(),
                            ks.ptr(),
                            n as i32,
                            lr,
                            beta1,
                            beta2,
                            eps,
                            bc1,
                            bc2,
                        )
                    };
                }
                OptimizerLaunch::Momentum {
                    lr,
                    beta,
                    use_state,
                } => {
                    // SAFETY: as above (state n, or not read with use_state = 0).
                    unsafe {
                        mom_k(
                            el.blocks,
                            el.threads,
                            kp.ptr(),
                            g.as_ptr(),
                            ks.ptr(),
                            n as i32,
                            lr,
                            beta,
                            use_state,
                        )
                    };
                }
            }
        }
        assert_eq!(host, core_opt, "step counters advance as core's");
        let (kp, ks) = (kp.take("parameters"), ks.take("optimizer state"));
        close(&format!("{opt:?} parameters"), &kp, &cp, 1e-5);
        close(&format!("{opt:?} state"), &ks, &cs, 1e-5);
    }
    let mut bad = AnyOptimizer::Sgd(Sgd::new(f32::NAN));
    assert!(optimizer_launch(&mut bad).is_err());
    // Scale and gather.
    let mut v = Guarded::new(&p0);
    // SAFETY: as above.
    unsafe { scale_k(el.blocks, el.threads, v.ptr(), n as i32, 0.5) };
    let v = v.take("scaled");
    let mut w = p0.clone();
    cpu::scale(&mut w, 0.5);
    assert_eq!(v, w);
    let src: Vec<f32> = (0..30).map(|i| i as f32).collect(); // 10 rows × 3
    let idx: [u32; 4] = [9, 0, 3, 3];
    let mut dst = Guarded::new(&[0.0f32; 12]);
    let g = elements(12);
    // SAFETY: as above; every index < 10.
    unsafe {
        gather_k(
            g.blocks,
            g.threads,
            src.as_ptr(),
            idx.as_ptr(),
            4,
            3,
            dst.ptr(),
        )
    };
    let dst = dst.take("gathered rows");
    let mut want = vec![0.0f32; 12];
    cpu::gather_rows(&src, 3, &[9, 0, 3, 3], &mut want).unwrap();
    assert_eq!(dst, want);
    assert_eq!(&dst[..3], &[27.0, 28.0, 29.0]);
}

type AdamTailFn = unsafe extern "C" fn(
    u32,
    u32,
    u32,
    *mut f32,
    *const f32,
    *mut f32,
    i32,
    f32,
    f32,
    f32,
    f32,
    f32,
    f32,
);
type ReserveFn = unsafe extern "C" fn(usize) -> *mut f32;
type ReleaseFn = unsafe extern "C" fn(*mut f32, usize);

/// Adam at the largest parameter count the backend accepts (`i32::MAX`): the second moments
/// live at `state[n + i]`, past `2^31` for all but the first weights, so the kernel must index
/// in 64 bits (with `int` it wrapped to a negative index). Only the last two blocks of the
/// real grid run, on buffers reserved in virtual memory (32 GiB of address space; the pages
/// touched are the only memory used), against core's Adam on the same values.
#[test]
fn adam_kernel_indexes_the_state_in_64_bits_at_the_largest_size() {
    let Some(lib) = kernels() else { return };
    let adam_k = sym!(lib, b"run_adam_tail", AdamTailFn);
    let reserve = sym!(lib, b"emu_reserve", ReserveFn);
    let release = sym!(lib, b"emu_release", ReleaseFn);
    let n = i32::MAX as usize;
    let g = elements(n);
    let first = g.blocks - 2;
    // SAFETY: plain anonymous mappings, released below.
    let (p, gr, st) = unsafe { (reserve(4 * n), reserve(4 * n), reserve(8 * n)) };
    if p.is_null() || gr.is_null() || st.is_null() {
        eprintln!("skipped: the system refused 32 GiB of address space");
        return;
    }
    let mut rng = Rng::new(13);
    let lo = first as usize * BLOCK as usize;
    let checked = [lo, lo + 1, n - 300, n - 2, n - 1];
    let mut values = Vec::new();
    for &i in &checked {
        let v = [
            rng.normal(),
            rng.normal() * 0.1,
            rng.normal() * 0.01,
            rng.uniform() * 0.01,
        ];
        // SAFETY: i < n, n + i < 2n: inside the mappings.
        unsafe {
            *p.add(i) = v[0];
            *gr.add(i) = v[1];
            *st.add(i) = v[2];
            *st.add(n + i) = v[3];
        }
        values.push(v);
    }
    let mut host = AnyOptimizer::Adam(Adam::new(0.01));
    let core_opt = host;
    let OptimizerLaunch::Adam {
        lr,
        beta1,
        beta2,
        eps,
        bc1,
        bc2,
    } = optimizer_launch(&mut host).unwrap()
    else {
        unreachable!()
    };
    // SAFETY: the kernel touches indices < n of `p`, `gr` and `st` and n + i < 2n of `st`.
    unsafe {
        adam_k(
            first, g.blocks, g.threads, p, gr, st, n as i32, lr, beta1, beta2, eps, bc1, bc2,
        )
    };
    for (&i, v) in checked.iter().zip(&values) {
        let (mut cp, mut cs) = ([v[0]], [v[2], v[3]]);
        let mut opt = core_opt;
        opt.step(&mut cp, &[v[1]], &mut cs).unwrap();
        // SAFETY: as above.
        let got = unsafe { [*p.add(i), *st.add(i), *st.add(n + i)] };
        close(&format!("Adam at {i}"), &got, &[cp[0], cs[0], cs[1]], 1e-6);
    }
    // SAFETY: the mappings reserved above, not used after.
    unsafe {
        release(p, 4 * n);
        release(gr, 4 * n);
        release(st, 8 * n);
    }
}

type SoftShareWFn = unsafe extern "C" fn(
    u32,
    u32,
    *const f32,
    i32,
    f32,
    f32,
    *const f32,
    *mut f32,
    i32,
    i32,
    *mut f32,
);
type SoftShareMixFn = unsafe extern "C" fn(
    u32,
    u32,
    *const f32,
    i32,
    f32,
    f32,
    *const f32,
    i32,
    i32,
    *const f32,
    *mut f32,
);

/// `‖a − b‖ / ‖b‖` in f64 (the mixture gradients are sums over every weight, compared as a
/// vector).
fn rel_norm(a: &[f32], b: &[f32]) -> f64 {
    let num: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum();
    let den: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    num.sqrt() / den.sqrt().max(1e-30)
}

/// The soft-weight-sharing kernels (`soft_share_w` then `soft_share_mix`, per weight range,
/// as the CUDA backend launches them; `Ω` as the `sum_into` of the per-weight terms) against
/// core's `soft_share::accumulate` and `soft_share::value` over the same ranges: weights'
/// gradients, mixture gradients and the penalty within 1e-5 relative, with and without the
/// σ_min floor, for M = 3 and M = 20 (more than one 16-term chunk of the log-sum-exp), with a
/// collapsed component (ξ below the clamp) and weights far out (saturated responsibilities).
#[test]
fn soft_share_kernels_equal_core() {
    use embedml::models::soft_share;
    let Some(lib) = kernels() else { return };
    let run_w = sym!(lib, b"run_soft_share_w", SoftShareWFn);
    let run_mix = sym!(lib, b"run_soft_share_mix", SoftShareMixFn);
    let sum = sym!(lib, b"run_sum_into", SumFn);
    let mut rng = Rng::new(21);
    let p = 1200;
    // One partial block of weights (fewer weights than threads), and four blocks (several
    // weights per thread of the mixture's reduction).
    let ranges = [0..150usize, 170..1100];
    for (m, sigma_min, lambda) in [
        (3, 0.0f32, 0.01f32),
        (3, 1e-3, 0.5),
        (20, 1e-3, 2e-3),
        (20, 0.0, 1.0),
    ] {
        let mut params = randn(&mut rng, p, 0.6);
        params[5] = 40.0; // far from every component
        params[200] = -3.0;
        let mut mix = vec![0.0f32; 3 * m];
        for j in 0..m {
            mix[j] = rng.normal_with(0.0, 0.5);
            mix[m + j] = -1.0 + 2.0 * j as f32 / (m - 1) as f32;
            mix[2 * m + j] = rng.normal_with(-3.0, 1.0);
        }
        mix[2 * m + 1] = -45.0; // clamped at XI_MIN
        let mut want_g = randn(&mut rng, p, 0.1);
        let mut got_g = Guarded::new(&want_g);
        let mut want_mix = randn(&mut rng, 3 * m, 0.1);
        let mut got_mix = Guarded::new(&want_mix);
        let mut want_pen = 0.0f32;
        let mut want_omega = 0.0f32;
        let mut got_omega = 0.0f64;
        for r in &ranges {
            want_pen += soft_share::accumulate(
                &mix,
                &params[r.clone()],
                lambda,
                sigma_min,
                &mut want_g[r.clone()],
                &mut want_mix,
            )
            .unwrap();
            want_omega += soft_share::value(&mix, &params[r.clone()], sigma_min).unwrap();
            let n = r.len();
            let mut omega = Guarded::new(&vec![f32::NAN; n]);
            let (el, comp) = (elements(n), Launch::per_component(m).unwrap());
            let s = Launch::sum();
            // SAFETY: `params` and `grads` hold `off + n` values, `omega` n, the mixture 3m.
            unsafe {
                run_w(
                    el.blocks,
                    el.threads,
                    mix.as_ptr(),
                    m as i32,
                    lambda,
                    sigma_min,
                    params.as_ptr(),
                    got_g.ptr(),
                    r.start as i32,
                    n as i32,
                    omega.ptr(),
                );
                run_mix(
                    comp.blocks,
                    comp.threads,
                    mix.as_ptr(),
                    m as i32,
                    lambda,
                    sigma_min,
                    params.as_ptr(),
                    r.start as i32,
                    n as i32,
                    omega.ptr(),
                    got_mix.ptr(),
                );
                sum(s.blocks, s.threads, omega.ptr(), n as i32, &mut got_omega);
            }
            omega.take("Omega terms");
        }
        let got_g = got_g.take("weight gradients");
        let got_mix = got_mix.take("mixture gradients");
        let what = format!("M {m}, sigma_min {sigma_min}, lambda {lambda}");
        // Per weight within 1e-5 of the largest gradient (a weight between two clusters has
        // pulls of both signs that cancel: its own relative rounding is larger), and 1e-5
        // relative as a vector.
        let scale = want_g.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        for (i, (g, w)) in got_g.iter().zip(&want_g).enumerate() {
            assert!(
                (g - w).abs() <= 1e-5 * scale,
                "{what}: weight gradient {i}: kernel {g} vs core {w}"
            );
        }
        let e = rel_norm(&got_g, &want_g);
        assert!(e <= 1e-5, "{what}: weight gradients rel {e:e}");
        let e_w = e;
        let e = rel_norm(&got_mix, &want_mix);
        eprintln!(
            "{what}: weight gradients rel {e_w:.1e}, mixture gradients rel {e:.1e}, Omega {got_omega} vs {want_omega}"
        );
        assert!(
            e <= 1e-5,
            "{what}: mixture gradients rel {e:e}\n{got_mix:?}\n{want_mix:?}"
        );
        for (name, got, want) in [
            ("Omega", got_omega, want_omega as f64),
            ("lambda Omega", lambda as f64 * got_omega, want_pen as f64),
        ] {
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1e-3),
                "{what}: {name} {got} vs core {want}"
            );
        }
        // Gradients outside the ranges (the biases) are untouched.
        assert_eq!(got_g[150..170], want_g[150..170]);
        assert_eq!(got_g[1100..], want_g[1100..]);
        assert!(got_g.iter().chain(&got_mix).all(|v| v.is_finite()));
    }
}

/// One step's kernels at the size of the robot-arm demo (`--batch 4096 --components 20`,
/// targets of dimension 2, a hidden layer of 64 tanh units): the bias + activation over 4096 × 64
/// values (1024 blocks), the MDN head over 4096 rows (64 blocks of 64) and the sum of its
/// 4096 row losses, against the CPU backend and core.
#[test]
fn kernels_at_the_demo_batch_size_equal_core() {
    let Some(lib) = kernels() else { return };
    let fwd = sym!(lib, b"run_bias_act_forward", BiasActFn);
    let head_k = sym!(lib, b"run_mdn_head", HeadFn);
    let sum = sym!(lib, b"run_sum_into", SumFn);
    let mut rng = Rng::new(31);
    let (rows, cols) = (4096, 64);
    let bias = randn(&mut rng, cols, 1.0);
    let pre = randn(&mut rng, rows * cols, 2.0);
    let (mut kpre, mut kpost) = (Guarded::new(&pre), Guarded::new(&vec![0.0; rows * cols]));
    let el = elements(rows * cols);
    assert_eq!(el.blocks, 1024);
    // SAFETY: buffers of the lengths the kernel addresses.
    unsafe {
        fwd(
            el.blocks,
            el.threads,
            Activation::Tanh.id() as i32,
            0.0,
            bias.as_ptr(),
            rows as i32,
            cols as i32,
            kpre.ptr(),
            kpost.ptr(),
        )
    };
    let (kpre, kpost) = (kpre.take("pre-activations"), kpost.take("activations"));
    let (mut cpre, mut cpost) = (pre.clone(), vec![0.0; rows * cols]);
    CpuBackend::new()
        .bias_act_forward(
            Activation::Tanh,
            &bias,
            0,
            rows,
            cols,
            &mut cpre,
            &mut cpost,
        )
        .unwrap();
    assert_eq!(kpre, cpre);
    close("tanh forward", &kpost, &cpost, 1e-6);

    let head = Head::new(20, 2, 0.01).unwrap();
    let o = head.output_len();
    let out = randn(&mut rng, rows * o, 1.5);
    let t = randn(&mut rng, rows * 2, 1.0);
    let (mut kg, mut kl) = (
        Guarded::new(&vec![0.0; rows * o]),
        Guarded::new(&vec![0.0; rows]),
    );
    let (mut bad, mut acc) = (0i32, 0.0f64);
    let (g, s) = (Launch::per_row(rows).unwrap(), Launch::sum());
    assert_eq!(g.blocks, 64);
    // SAFETY: buffers of the lengths the kernels address.
    unsafe {
        head_k(
            g.blocks,
            g.threads,
            20,
            2,
            0.01,
            out.as_ptr(),
            t.as_ptr(),
            rows as i32,
            1.0 / rows as f32,
            kg.ptr(),
            kl.ptr(),
            &mut bad,
        );
        sum(s.blocks, s.threads, kl.ptr(), rows as i32, &mut acc);
    }
    let (kg, kl) = (kg.take("head gradient"), kl.take("row NLL"));
    assert_eq!(bad, 0);
    let mut want = vec![0.0f32; rows * o];
    let mut want_l = vec![0.0f32; rows];
    for (r, wl) in want_l.iter_mut().enumerate() {
        *wl = head
            .loss_and_grad(
                &out[r * o..(r + 1) * o],
                &t[r * 2..(r + 1) * 2],
                &mut want[r * o..(r + 1) * o],
            )
            .unwrap();
    }
    cpu::scale(&mut want, 1.0 / rows as f32);
    close("head gradient", &kg, &want, 1e-4);
    // A row's NLL is a sum of terms of order one (ln π, ln σ, ½ r²) that may nearly cancel:
    // its rounding is absolute (expf/logf of the C library against libm's: an ulp apart).
    for (i, (g, w)) in kl.iter().zip(&want_l).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * w.abs().max(1.0),
            "NLL[{i}]: {g} vs {w}"
        );
    }
    let total = want_l.iter().fold(0.0f64, |a, &v| a + v as f64);
    assert!(
        (acc - total).abs() <= 1e-9 * total.abs(),
        "{acc} vs {total}"
    );
    assert_eq!(
        acc.to_bits(),
        block_sum(&kl, REDUCE_BLOCK as usize).to_bits()
    );
}

/// The soft-sharing kernels on a weight range that starts 100 weights below `2^31` (a network
/// with more than 2^31 parameters, whose last matrix is soft-shared): `params[off + i]` and
/// `grads[off + i]` must be indexed in 64 bits (with `int` they wrapped to a negative index).
/// The parameter and gradient buffers are reserved address space; the kernels run on the
/// backend's grids, against core on the same 300 weights.
#[test]
fn soft_share_kernels_index_past_2_pow_31() {
    use embedml::models::soft_share;
    let Some(lib) = kernels() else { return };
    let run_w = sym!(lib, b"run_soft_share_w", SoftShareWFn);
    let run_mix = sym!(lib, b"run_soft_share_mix", SoftShareMixFn);
    let reserve = sym!(lib, b"emu_reserve", ReserveFn);
    let release = sym!(lib, b"emu_release", ReleaseFn);
    let (off, n, m) = ((1usize << 31) - 100, 300usize, 3usize);
    let len = off + n;
    // SAFETY: plain anonymous mappings, released below.
    let (p, gr) = unsafe { (reserve(4 * len), reserve(4 * len)) };
    if p.is_null() || gr.is_null() {
        eprintln!("skipped: the system refused 16 GiB of address space");
        return;
    }
    let mut rng = Rng::new(41);
    let w = randn(&mut rng, n, 0.7);
    let g0 = randn(&mut rng, n, 0.1);
    // SAFETY: indices off..off + n lie inside both mappings.
    unsafe {
        std::ptr::copy_nonoverlapping(w.as_ptr(), p.add(off), n);
        std::ptr::copy_nonoverlapping(g0.as_ptr(), gr.add(off), n);
    }
    let mix = [0.2f32, -0.1, 0.0, -0.8, 0.1, 0.9, -2.0, -3.0, -1.5];
    let (lambda, sigma_min) = (0.05f32, 1e-3f32);
    let mut omega = Guarded::new(&vec![f32::NAN; n]);
    let mut got_mix = Guarded::new(&[0.0f32; 9]);
    let (el, comp) = (elements(n), Launch::per_component(m).unwrap());
    // SAFETY: `p` and `gr` hold off + n values, `omega` n, the mixture 3m.
    unsafe {
        run_w(
            el.blocks,
            el.threads,
            mix.as_ptr(),
            m as i32,
            lambda,
            sigma_min,
            p,
            gr,
            off as i32,
            n as i32,
            omega.ptr(),
        );
        run_mix(
            comp.blocks,
            comp.threads,
            mix.as_ptr(),
            m as i32,
            lambda,
            sigma_min,
            p,
            off as i32,
            n as i32,
            omega.ptr(),
            got_mix.ptr(),
        );
    }
    let (omega, got_mix) = (omega.take("Omega terms"), got_mix.take("mixture gradients"));
    let mut got_g = vec![0.0f32; n];
    // SAFETY: as above; the mappings are not used after.
    unsafe {
        std::ptr::copy_nonoverlapping(gr.add(off), got_g.as_mut_ptr(), n);
        release(p, 4 * len);
        release(gr, 4 * len);
    }
    let (mut want_g, mut want_mix) = (g0.clone(), [0.0f32; 9]);
    let pen =
        soft_share::accumulate(&mix, &w, lambda, sigma_min, &mut want_g, &mut want_mix).unwrap();
    let scale = want_g.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    for (i, (g, w)) in got_g.iter().zip(&want_g).enumerate() {
        assert!(
            (g - w).abs() <= 1e-5 * scale,
            "weight gradient {i}: {g} vs {w}"
        );
    }
    let e = rel_norm(&got_mix, &want_mix);
    assert!(e <= 1e-5, "mixture gradients rel {e:e}");
    let omega_sum = omega.iter().fold(0.0f64, |a, &v| a + v as f64);
    let want = pen as f64 / lambda as f64;
    assert!(
        (omega_sum - want).abs() <= 1e-5 * want.abs(),
        "{omega_sum} vs {want}"
    );
}
