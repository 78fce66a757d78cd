//! CUDA C source of the CUDA backend's kernels, compiled once per process by NVRTC (see
//! `backend::cuda`). Every kernel mirrors a core function line by line (same formulas, same
//! clamps, same order of operations; `expf`/`logf`/`log1pf`/`tanhf` for libm's) so results
//! differ from the CPU backend only by float rounding. One thread per element or per row (the
//! soft-sharing mixture gradient: one block per component); the launch configurations are
//! [`Launch`]'s. No kernel uses warp intrinsics. Indices that can pass `2^31` (`rows × cols`,
//! Adam's `state[n + i]`, offsets plus indices) are computed in `long long`.
//!
//! Tested three ways: `host/tests/kernels_on_cpu.rs` compiles this source as C++20 (a prelude
//! emulates the CUDA runtime: a block's threads as concurrent threads, `__syncthreads()` a
//! barrier, per-block `__shared__` memory) and runs every kernel on the CPU, on the grid the
//! backend launches it with ([`Launch`]), against core, on every machine with a C++ compiler; `host/tests/backend_parity.rs` compiles it with NVRTC (PTX and an
//! `sm_90` CUBIN) where `libnvrtc` exists, and on a GPU compares the whole CUDA backend with the
//! CPU backend. Keep the source to C++ that both compilers accept.
//!
//! | kernel | mirrors |
//! | --- | --- |
//! | `bias_act_forward` | `cpu::add_bias` + `Activation::apply` |
//! | `act_backward` | `Activation::derivative` |
//! | `bias_grad` | `cpu::add_bias_grad` (one thread per column, rows in order; the backend uses cuBLAS `1ᵀ δ` instead, faster, this kernel stays as the order-exact alternative) |
//! | `loss_rows` | `Loss::value_and_grad` (MSE, BCE with logits, softmax CE) |
//! | `mdn_head` | `mdn::Head::loss_and_grad` (two passes, `grad` row as scratch like core) |
//! | `sum_into` | the loss accumulator (one block, fixed-order tree reduction, `double`) |
//! | `scale` | `cpu::scale` |
//! | `adam`, `sgd`, `momentum` | `optim::{Adam, Sgd, Momentum}::step` |
//! | `gather_rows` | building a batch from row indices |
//! | `soft_share_w`, `soft_share_mix` | `soft_share::accumulate` (the weights' gradient and per-weight `Ω` terms; the mixture's gradient, one block per component, fixed-order reduction in `double`) |

use embedml::optim::AnyOptimizer;

/// The scalar arguments of one optimizer kernel launch (after the buffers and the length).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptimizerLaunch {
    /// `adam(…, lr, beta1, beta2, eps, bc1, bc2)`.
    Adam {
        /// Learning rate.
        lr: f32,
        /// β1.
        beta1: f32,
        /// β2.
        beta2: f32,
        /// ε.
        eps: f32,
        /// `1 − β1^t`.
        bc1: f32,
        /// `1 − β2^t`.
        bc2: f32,
    },
    /// `momentum(…, lr, beta, use_state)`: momentum with `use_state = 1`, SGD (at its decayed
    /// rate) with `use_state = 0`.
    Momentum {
        /// Learning rate of this step.
        lr: f32,
        /// β (0 for SGD).
        beta: f32,
        /// 1: momentum, 0: plain SGD (state unused).
        use_state: i32,
    },
}

/// The host side of an optimizer step on the GPU: core's own scalar part of the step
/// (`begin_step`: the rate check, the step counter, Adam's bias corrections `1 − β^t`), once
/// per step, as the kernel's scalar arguments.
pub fn optimizer_launch(opt: &mut AnyOptimizer) -> embedml::Result<OptimizerLaunch> {
    Ok(match opt {
        AnyOptimizer::Adam(a) => {
            let (bc1, bc2) = a.begin_step()?;
            OptimizerLaunch::Adam {
                lr: a.lr,
                beta1: a.beta1,
                beta2: a.beta2,
                eps: a.eps,
                bc1,
                bc2,
            }
        }
        AnyOptimizer::Momentum(m) => OptimizerLaunch::Momentum {
            lr: m.begin_step()?,
            beta: m.beta,
            use_state: 1,
        },
        AnyOptimizer::Sgd(s) => OptimizerLaunch::Momentum {
            lr: s.begin_step()?,
            beta: 0.0,
            use_state: 0,
        },
    })
}

/// Names of the kernels in [`SOURCE`], in the order the backend loads them.
pub const NAMES: [&str; 12] = [
    "bias_act_forward",
    "act_backward",
    "bias_grad",
    "loss_rows",
    "mdn_head",
    "sum_into",
    "scale",
    "adam",
    "momentum",
    "gather_rows",
    "soft_share_w",
    "soft_share_mix",
];

/// Threads per block of the per-element kernels.
pub const BLOCK: u32 = 256;

/// Threads per block of the per-row kernels (`loss_rows`, `mdn_head`): small blocks, so a
/// batch of a few thousand rows spreads over many multiprocessors.
pub const ROW_BLOCK: u32 = 64;

/// Threads per block of the reductions (`sum_into`, `soft_share_mix`): a power of two, the
/// length of their `__shared__` arrays (`part[256]`) and the width of their tree.
pub const REDUCE_BLOCK: u32 = 256;

/// The largest grid (blocks along x) a launch may have (CUDA's limit, `2^31 − 1`).
pub const MAX_BLOCKS: u64 = (1 << 31) - 1;

/// A kernel's launch configuration along x (every kernel is one-dimensional): `blocks` blocks
/// of `threads` threads. The CUDA backend launches exactly these (`backend::cuda`), and
/// `host/tests/kernels_on_cpu.rs` runs the kernels on the CPU with the same grids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launch {
    /// Blocks in the grid (`gridDim.x`), at least 1.
    pub blocks: u32,
    /// Threads per block (`blockDim.x`).
    pub threads: u32,
}

impl Launch {
    /// `n` items (`0 ⇒` one block, whose threads all return) at one thread each, `threads`
    /// per block; `None` when the grid would exceed [`MAX_BLOCKS`].
    pub fn cover(n: usize, threads: u32) -> Option<Launch> {
        let blocks = (n as u64).div_ceil(threads as u64).max(1);
        (blocks <= MAX_BLOCKS).then_some(Launch {
            blocks: blocks as u32,
            threads,
        })
    }

    /// The per-element kernels (`bias_act_forward`, `act_backward`, `scale`, `adam`,
    /// `momentum`, `gather_rows`, `soft_share_w`; `bias_grad` per column): one thread per
    /// element, [`BLOCK`] per block.
    pub fn per_element(n: usize) -> Option<Launch> {
        Launch::cover(n, BLOCK)
    }

    /// The per-row kernels (`loss_rows`, `mdn_head`): one thread per row, [`ROW_BLOCK`] per
    /// block.
    pub fn per_row(rows: usize) -> Option<Launch> {
        Launch::cover(rows, ROW_BLOCK)
    }

    /// `sum_into`: one block of [`REDUCE_BLOCK`] threads (a fixed order of summation).
    pub fn sum() -> Launch {
        Launch {
            blocks: 1,
            threads: REDUCE_BLOCK,
        }
    }

    /// `soft_share_mix`: one block of [`REDUCE_BLOCK`] threads per mixture component (`m ≥ 1`).
    pub fn per_component(m: usize) -> Option<Launch> {
        let blocks = u32::try_from(m)
            .ok()
            .filter(|&b| b >= 1 && b as u64 <= MAX_BLOCKS)?;
        Some(Launch {
            blocks,
            threads: REDUCE_BLOCK,
        })
    }
}

/// The CUDA C source (`extern "C"` kernels, no includes: NVRTC provides the math functions).
pub const SOURCE: &str = r#"
#define A_SIGMA_MIN (-30.0f)
#define A_SIGMA_MAX (30.0f)
#define RESIDUAL_MAX (1e15f)
#define LN_2PI (1.8378771f)
#define XI_MIN (-30.0f)
#define XI_MAX (30.0f)

/* Finite (neither infinite nor NaN), on the bits: no header needed. */
__device__ __forceinline__ bool is_finite_f(float x) {
    return (__float_as_uint(x) & 0x7f800000u) != 0x7f800000u;
}

/* core::kernels::activation ids: 0 identity, 1 sigmoid, 2 tanh, 3 relu, 4 leaky relu, 5 rbf */
__device__ __forceinline__ float sigmoid_f(float x) {
    if (x >= 0.0f) {
        return 1.0f / (1.0f + expf(-x));
    } else {
        float e = expf(x);
        return e / (1.0f + e);
    }
}

__device__ __forceinline__ float softplus_f(float x) {
    if (x > 0.0f) {
        return x + logf(1.0f + expf(-x));
    } else {
        return logf(1.0f + expf(x));
    }
}

__device__ __forceinline__ float act_apply(int act, float slope, float a) {
    switch (act) {
    case 1: return sigmoid_f(a);
    case 2: return tanhf(a);
    case 3: return (a > 0.0f || a != a) ? a : 0.0f;
    case 4: return a > 0.0f ? a : slope * a;
    case 5: return fabsf(a) > 20.0f ? 0.0f : expf(-a * a);
    default: return a;
    }
}

__device__ __forceinline__ float act_derivative(int act, float slope, float a, float z) {
    switch (act) {
    case 1: return z * (1.0f - z);
    case 2: return 1.0f - z * z;
    case 3: return a > 0.0f ? 1.0f : 0.0f;
    case 4: return a > 0.0f ? 1.0f : slope;
    case 5: return z == 0.0f ? 0.0f : -2.0f * a * z;
    default: return 1.0f;
    }
}

/* pre[i] += bias[i % cols]; post[i] = h(pre[i]) for i < rows * cols. */
extern "C" __global__ void bias_act_forward(int act, float slope, const float *bias,
                                            int rows, int cols, float *pre, float *post) {
    long long n = (long long)rows * cols;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float a = pre[i] + bias[i % cols];
    pre[i] = a;
    post[i] = act_apply(act, slope, a);
}

/* delta[i] *= h'(pre[i]) given post[i] = h(pre[i]). */
extern "C" __global__ void act_backward(int act, float slope, const float *pre,
                                        const float *post, int n, float *delta) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    delta[i] *= act_derivative(act, slope, pre[i], post[i]);
}

/* grads[j] += sum over rows of delta[r * cols + j]; one thread per column, rows in order. */
extern "C" __global__ void bias_grad(const float *delta, int rows, int cols, float *grads) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= cols) return;
    float g = grads[j];
    for (int r = 0; r < rows; ++r) {
        g += delta[(long long)r * cols + j];
    }
    grads[j] = g;
}

/* core::kernels::softmax::max_and_log_rest: m = max (first index of the maximum),
   r = log1p(sum of exp(v - m) over the other entries); (m, 0) when m is infinite. */
__device__ void max_and_log_rest(const float *x, int n, int stride, float *m_out, float *r_out) {
    float m = __uint_as_float(0xff800000u); /* -inf */
    int k = 0;
    for (int i = 0; i < n; ++i) {
        float v = x[i * stride];
        if (v > m) { m = v; k = i; }
    }
    if (!is_finite_f(m)) { *m_out = m; *r_out = 0.0f; return; }
    float rest = 0.0f;
    for (int i = 0; i < n; ++i) {
        if (i != k) rest += expf(x[i * stride] - m);
    }
    *m_out = m;
    *r_out = log1pf(rest);
}

/* core::kernels::loss::Loss::value_and_grad per row; loss 0 MSE, 1 BCE with logits,
   2 softmax cross-entropy. row_loss[r] = the row's loss. */
extern "C" __global__ void loss_rows(int loss, const float *out, const float *t, int rows,
                                     int cols, float *grad, float *row_loss) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const float *y = out + (long long)r * cols;
    const float *tr = t + (long long)r * cols;
    float *g = grad + (long long)r * cols;
    float e = 0.0f;
    if (loss == 0) {
        float inv = 1.0f / (float)cols;
        for (int i = 0; i < cols; ++i) {
            float d = y[i] - tr[i];
            e += d * d;
            g[i] = 2.0f * d * inv;
        }
        e = e * inv;
    } else if (loss == 1) {
        for (int i = 0; i < cols; ++i) {
            e += softplus_f(y[i]) - tr[i] * y[i];
            g[i] = sigmoid_f(y[i]) - tr[i];
        }
    } else {
        float m, rr;
        max_and_log_rest(y, cols, 1, &m, &rr);
        float lse = m + rr;
        float tsum = 0.0f;
        for (int i = 0; i < cols; ++i) {
            if (tr[i] != 0.0f) e += tr[i] * ((m - y[i]) + rr);
            tsum += tr[i];
        }
        for (int i = 0; i < cols; ++i) {
            g[i] = expf(y[i] - lse) * tsum - tr[i];
        }
    }
    row_loss[r] = e;
}

/* core::models::mdn::head::residual: (a - b) / sigma saturated at +-RESIDUAL_MAX. */
__device__ __forceinline__ float residual(float a, float b, float sigma) {
    return fminf(fmaxf((a - b) / sigma, -RESIDUAL_MAX), RESIDUAL_MAX);
}

__device__ __forceinline__ float sq_residual(const float *t, const float *mu, int l, float sigma) {
    float s = 0.0f;
    for (int i = 0; i < l; ++i) {
        float r = residual(t[i], mu[i], sigma);
        s += r * r;
    }
    return s;
}

/* core::models::mdn::Head::loss_and_grad per row (K components, target dimension L, raw
   outputs [a_pi (K) | a_sigma (K) | a_mu (K x L)]): the grad row is the scratch of pass 1 as in
   core; gradients are then multiplied by grad_scale. row_loss[r] = the row's NLL; a non-finite
   raw output sets *bad = 1 (core returns an error) and leaves the row's gradient zero. */
extern "C" __global__ void mdn_head(int k, int l, float sigma_min, const float *out,
                                    const float *t, int rows, float grad_scale, float *grad,
                                    float *row_loss, int *bad) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    int o = k * (l + 2);
    const float *y = out + (long long)r * o;
    const float *tr = t + (long long)r * l;
    float *g = grad + (long long)r * o;
    for (int i = 0; i < o; ++i) {
        if (!is_finite_f(y[i])) {
            for (int j = 0; j < o; ++j) g[j] = 0.0f;
            row_loss[r] = 0.0f;
            atomicExch(bad, 1);
            return;
        }
    }
    float m_pi, r_pi;
    max_and_log_rest(y, k, 1, &m_pi, &r_pi);
    float lse_pi = m_pi + r_pi;
    float lf = (float)l;
    /* Pass 1: log terms to g[0..K), e = exp(clamped a_sigma) to g[K..2K). */
    for (int c = 0; c < k; ++c) {
        float a = fminf(fmaxf(y[k + c], A_SIGMA_MIN), A_SIGMA_MAX);
        float e = expf(a);
        float sigma, ln_sigma;
        if (sigma_min == 0.0f) {
            sigma = e;
            ln_sigma = a;
        } else {
            sigma = sigma_min + e;
            ln_sigma = logf(sigma);
        }
        float q = sq_residual(tr, y + 2 * k + c * l, l, sigma);
        float term = (y[c] - lse_pi) - lf * ln_sigma - 0.5f * lf * LN_2PI - 0.5f * q;
        g[c] = term;
        g[k + c] = e;
    }
    float m_t, r_t;
    max_and_log_rest(g, k, 1, &m_t, &r_t);
    float lse = m_t + r_t;
    /* Pass 2: responsibilities and the three gradients. */
    for (int c = 0; c < k; ++c) {
        float term = g[c];
        float e = g[k + c];
        float sigma = sigma_min == 0.0f ? e : sigma_min + e;
        const float *mu = y + 2 * k + c * l;
        float q = sq_residual(tr, mu, l, sigma);
        float gamma = expf(term - lse);
        float pi = expf(y[c] - lse_pi);
        g[c] = (pi - gamma) * grad_scale;
        float factor = sigma_min == 0.0f ? 1.0f : e / sigma;
        g[k + c] = (gamma * (lf - q) * factor) * grad_scale;
        float *g_mu = g + 2 * k + c * l;
        for (int i = 0; i < l; ++i) {
            g_mu[i] = (gamma * (residual(mu[i], tr[i], sigma) / sigma)) * grad_scale;
        }
    }
    row_loss[r] = -lse;
}

/* acc[0] += sum of x[0..n); launched as ONE block of 256 threads (fixed-order reduction, so
   the result is deterministic). */
extern "C" __global__ void sum_into(const float *x, int n, double *acc) {
    __shared__ double part[256];
    int tid = threadIdx.x;
    double s = 0.0;
    for (long long i = tid; i < n; i += blockDim.x) s += (double)x[i];
    part[tid] = s;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (tid < w) part[tid] += part[tid + w];
        __syncthreads();
    }
    if (tid == 0) acc[0] += part[0];
}

extern "C" __global__ void scale(float *x, int n, float s) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= s;
}

/* core::optim::Adam::step; bc1 = 1 - beta1^t and bc2 = 1 - beta2^t computed on the host. State:
   m = state[0..n), v = state[n..2n). */
extern "C" __global__ void adam(float *params, const float *grads, float *state, int n, float lr,
                                float beta1, float beta2, float eps, float bc1, float bc2) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float g = grads[i];
    float m = beta1 * state[i] + (1.0f - beta1) * g;
    float v = beta2 * state[(long long)n + i] + (1.0f - beta2) * g * g;
    state[i] = m;
    state[(long long)n + i] = v;
    float mhat = m / bc1;
    float vhat = v / bc2;
    params[i] -= lr * mhat / (sqrtf(vhat) + eps);
}

/* core::optim::Momentum::step; with use_state = 0 core::optim::Sgd::step (state unused, lr is
   the decayed rate the host computed). */
extern "C" __global__ void momentum(float *params, const float *grads, float *state, int n,
                                    float lr, float beta, int use_state) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if (use_state == 0) {
        params[i] -= lr * grads[i];
        return;
    }
    float v = beta * state[i] + grads[i];
    state[i] = v;
    params[i] -= lr * v;
}

/* core::models::soft_share::component for component j of the mixture [eta (M), mu (M), xi (M)]
   (lse_eta = log-sum-exp of eta): c = ln pi_j - 0.5 ln 2pi - ln sigma_j, the standard deviation
   s = sqrt(sigma_min^2 + exp(xi_j)) (xi clamped) and dlnvar = d ln sigma_j^2 / d xi_j. */
__device__ __forceinline__ void ss_component(const float *mix, int m, float lse_eta,
                                             float sigma_min, int j, float *c, float *s,
                                             float *dlnvar) {
    float xi = fminf(fmaxf(mix[2 * m + j], XI_MIN), XI_MAX);
    float log_pi = mix[j] - lse_eta - 0.5f * LN_2PI;
    if (sigma_min == 0.0f) {
        *c = log_pi - 0.5f * xi;
        *s = expf(0.5f * xi);
        *dlnvar = 1.0f;
        return;
    }
    float fr = expf(xi);
    float var = sigma_min * sigma_min + fr;
    float sigma = sqrtf(var);
    *c = log_pi - logf(sigma);
    *s = sigma;
    *dlnvar = fr / var;
}

/* The log term ln pi_j N(w | mu_j, sigma_j^2) of weight w; r = the standardised residual. */
__device__ __forceinline__ float ss_term(const float *mix, int m, float lse_eta, float sigma_min,
                                         int j, float w, float *r, float *s, float *dlnvar) {
    float c;
    ss_component(mix, m, lse_eta, sigma_min, j, &c, s, dlnvar);
    *r = residual(w, mix[m + j], *s);
    return c - 0.5f * *r * *r;
}

/* core::models::mdn::log_sum_exp_by over the M log terms of weight w: chunks of 16, the running
   value first in each chunk. */
__device__ float ss_lse(const float *mix, int m, float lse_eta, float sigma_min, float w) {
    float buf[17];
    float r, s, d;
    buf[0] = __uint_as_float(0xff800000u); /* -inf */
    int i = 0;
    while (i < m) {
        int n = m - i < 16 ? m - i : 16;
        for (int j = 0; j < n; ++j) {
            buf[1 + j] = ss_term(mix, m, lse_eta, sigma_min, i + j, w, &r, &s, &d);
        }
        float mm, rr;
        max_and_log_rest(buf, n + 1, 1, &mm, &rr);
        buf[0] = mm + rr;
        i += n;
    }
    return buf[0];
}

/* core::models::soft_share::accumulate, the weights' part, one thread per weight
   w = params[off + i], i < n: grads[off + i] += lambda dOmega/dw, and omega[i] = the weight's
   term of Omega (-ln sum_j pi_j N(w | mu_j, sigma_j^2)), read by soft_share_mix; their sum is
   Omega (sum_into). */
extern "C" __global__ void soft_share_w(const float *mix, int m, float lambda, float sigma_min,
                                        const float *params, float *grads, int off, int n,
                                        float *omega) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float m_eta, r_eta;
    max_and_log_rest(mix, m, 1, &m_eta, &r_eta);
    float lse_eta = m_eta + r_eta;
    float w = params[(long long)off + i];
    float lse = ss_lse(mix, m, lse_eta, sigma_min, w);
    float dw = 0.0f;
    for (int j = 0; j < m; ++j) {
        float r, s, d;
        float t = ss_term(mix, m, lse_eta, sigma_min, j, w, &r, &s, &d);
        float gamma = expf(t - lse);
        dw += gamma * (r / s);
    }
    grads[(long long)off + i] += lambda * dw;
    omega[i] = -lse;
}

/* core::models::soft_share::accumulate, the mixture's part, after soft_share_w on the same
   weights: block j (one per component, blockDim.x a power of two <= 256) sums over the n
   weights in a fixed order (a stride per thread, then a tree over the block, in double):
   grad_mix[j] += sum lambda (pi_j - gamma_j), grad_mix[M + j] -= sum lambda gamma_j r / sigma_j,
   grad_mix[2M + j] += sum lambda 0.5 gamma_j (1 - r^2) dlnvar_j. */
extern "C" __global__ void soft_share_mix(const float *mix, int m, float lambda, float sigma_min,
                                          const float *params, int off, int n,
                                          const float *omega, float *grad_mix) {
    __shared__ double part[3][256];
    int j = blockIdx.x;
    int tid = threadIdx.x;
    float m_eta, r_eta;
    max_and_log_rest(mix, m, 1, &m_eta, &r_eta);
    float lse_eta = m_eta + r_eta;
    float pi = expf(mix[j] - lse_eta);
    double a = 0.0, b = 0.0, e = 0.0;
    for (long long i = tid; i < n; i += blockDim.x) {
        float r, s, d;
        float t = ss_term(mix, m, lse_eta, sigma_min, j, params[(long long)off + i], &r, &s, &d);
        float gamma = expf(t - (-omega[i]));
        float g_r = gamma * (r / s);
        a += (double)(lambda * (pi - gamma));
        b += (double)(lambda * g_r);
        e += (double)(lambda * 0.5f * gamma * (1.0f - r * r) * d);
    }
    part[0][tid] = a;
    part[1][tid] = b;
    part[2][tid] = e;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (tid < w) {
            part[0][tid] += part[0][tid + w];
            part[1][tid] += part[1][tid + w];
            part[2][tid] += part[2][tid + w];
        }
        __syncthreads();
    }
    if (tid == 0) {
        grad_mix[j] += (float)part[0][0];
        grad_mix[m + j] -= (float)part[1][0];
        grad_mix[2 * m + j] += (float)part[2][0];
    }
}

/* dst[r * width + j] = src[idx[r] * width + j] for r < rows. */
extern "C" __global__ void gather_rows(const float *src, const unsigned int *idx, int rows,
                                       int width, float *dst) {
    long long n = (long long)rows * width;
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    long long r = i / width;
    long long j = i % width;
    dst[i] = src[(long long)idx[r] * width + j];
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// The launch configurations: blocks cover the items (the last one partial), never an
    /// empty grid, an error rather than a truncated grid past CUDA's limit; at the largest
    /// `i32` length a thread's `blockIdx.x * blockDim.x + threadIdx.x` still fits in an `int`
    /// (the per-element kernels index with `int`).
    #[test]
    fn launch_configurations_cover_their_items() {
        let l = |blocks, threads| Some(Launch { blocks, threads });
        assert_eq!(Launch::per_element(0), l(1, 256));
        assert_eq!(Launch::per_element(256), l(1, 256));
        assert_eq!(Launch::per_element(700), l(3, 256));
        assert_eq!(Launch::per_row(150), l(3, 64));
        assert_eq!(Launch::per_component(20), l(20, 256));
        assert_eq!(Launch::per_component(0), None);
        assert_eq!(
            Launch::sum(),
            Launch {
                blocks: 1,
                threads: 256
            }
        );
        for f in [Launch::per_element, Launch::per_row] {
            let g = f(i32::MAX as usize).unwrap();
            assert!(g.blocks as u64 * g.threads as u64 - 1 <= i32::MAX as u64);
            assert!(g.blocks as u64 * g.threads as u64 >= i32::MAX as u64);
        }
        // Past 2^32 items the grid is not truncated to a small one: it is refused or exact.
        let g = Launch::per_element((1usize << 32) + 1).unwrap();
        assert_eq!(g.blocks, (1 << 24) + 1);
        assert_eq!(Launch::per_row((MAX_BLOCKS as usize + 1) * 64), None);
    }

    /// The reductions' shared arrays are as long as their blocks are wide.
    #[test]
    fn reduction_arrays_match_the_reduction_block() {
        assert!(REDUCE_BLOCK.is_power_of_two());
        for decl in [
            format!("__shared__ double part[{REDUCE_BLOCK}];"),
            format!("__shared__ double part[3][{REDUCE_BLOCK}];"),
        ] {
            assert_eq!(SOURCE.matches(&decl).count(), 1, "{decl}");
        }
        assert_eq!(SOURCE.matches("__shared__").count(), 2);
    }

    /// Every kernel the backend loads is defined (as `extern "C" __global__ void NAME(`) and
    /// the braces balance (the source is only compiled on a machine with NVRTC).
    #[test]
    fn every_kernel_is_defined_once() {
        for name in NAMES {
            let decl = format!("__global__ void {name}(");
            assert_eq!(SOURCE.matches(&decl).count(), 1, "{name}");
        }
        // Code without the /* … */ comments (which quote half-open ranges like [0..K)).
        let mut code = String::new();
        let mut rest = SOURCE;
        while let Some(start) = rest.find("/*") {
            code.push_str(&rest[..start]);
            let end = rest[start..].find("*/").expect("unterminated comment");
            rest = &rest[start + end + 2..];
        }
        code.push_str(rest);
        for (open, close) in [('{', '}'), ('(', ')'), ('[', ']')] {
            assert_eq!(
                code.matches(open).count(),
                code.matches(close).count(),
                "{open}{close}"
            );
        }
    }
}
