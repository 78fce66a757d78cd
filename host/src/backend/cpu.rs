//! Batched math on the CPU: GEMM through `matrixmultiply`, elementwise work split over `rayon`
//! threads when large, and [`CpuBackend`], the CPU's [`Backend`] (the batched MLP itself is
//! [`super::net::Net`], written once over the backend trait).
//!
//! Every matrix is row-major unless a [`MatRef`] says otherwise through its strides. Parameters
//! use core's order (per layer `W` row-major `n_out × n_in`, then `b`), so the flat slice is
//! interchangeable with [`embedml::models::mlp`] and the optimizers of [`embedml::optim`].
//!
//! The activation, loss and optimizer math is **core's**: [`activation_forward`] calls
//! [`Activation::forward`] on chunks, [`activation_backward`] calls
//! [`Activation::derivative`], [`loss_rows`] calls [`Loss::value_and_grad`] per row and
//! [`optimizer_step`] calls [`Optimizer::step`]. Only the matrix products have their own
//! executor here (and another, cuBLAS, in the CUDA backend).

use embedml::error::check_len;
use embedml::kernels::loss::Loss;
use embedml::models::soft_share;
use embedml::optim::{AnyOptimizer, Optimizer};
use embedml::{Activation, Error};
use rayon::prelude::*;

use super::{Backend, Gemm};
use crate::error::Result;

/// Elementwise work shorter than this runs on the calling thread.
pub const PAR_MIN_ELEMS: usize = 1 << 13;
/// Matrix products with fewer multiply-adds than this run on the calling thread.
pub const PAR_MIN_FLOPS: usize = 1 << 20;

/// A read-only matrix view with arbitrary (non-negative) strides: element `(i, j)` is
/// `data[i * row_stride + j * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a> {
    /// Backing storage.
    pub data: &'a [f32],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Distance between consecutive rows.
    pub row_stride: usize,
    /// Distance between consecutive columns.
    pub col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major `rows × cols` view of `data`.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        MatRef {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose (a view, nothing is copied).
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Rows `start..start + n` as a view.
    fn rows_slice(self, start: usize, n: usize) -> Self {
        MatRef {
            data: &self.data[(start * self.row_stride).min(self.data.len())..],
            rows: n,
            ..self
        }
    }

    fn check(&self, what: &'static str) -> Result<()> {
        if self.rows == 0 || self.cols == 0 {
            return Ok(());
        }
        let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
        if last >= self.data.len() {
            return Err(Error::ShapeMismatch {
                what,
                expected: last + 1,
                found: self.data.len(),
            }
            .into());
        }
        Ok(())
    }
}

/// `C = α A B + β C` with `C` row-major `a.rows × b.cols` (`c.len()` must be exactly that).
/// With `β = 0`, `C` is overwritten (never read). Large products are split by rows of `C` over
/// the rayon pool.
pub fn gemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) -> Result<()> {
    check_len("gemm inner dimension", a.cols, b.rows)?;
    check_len("gemm output", a.rows * b.cols, c.len())?;
    a.check("gemm left operand")?;
    b.check("gemm right operand")?;
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        if beta == 0.0 {
            c.fill(0.0);
        } else {
            c.iter_mut().for_each(|v| *v *= beta);
        }
        return Ok(());
    }
    if m * n * k <= SMALL_GEMM_FLOPS {
        gemm_small(alpha, a, b, beta, c);
        return Ok(());
    }
    let threads = rayon::current_num_threads();
    if m * n * k < PAR_MIN_FLOPS || threads < 2 || m < 2 {
        gemm_serial(alpha, a, b, beta, c);
        return Ok(());
    }
    let rows_per = m.div_ceil(threads);
    c.par_chunks_mut(rows_per * n)
        .enumerate()
        .for_each(|(i, c_part)| {
            let r = c_part.len() / n;
            gemm_serial(alpha, a.rows_slice(i * rows_per, r), b, beta, c_part);
        });
    Ok(())
}

/// Products with at most this many multiply-adds skip `matrixmultiply` (whose packing costs
/// more than the arithmetic for tiny matrices, e.g. seed 000's 10 × 4 × 6 MDN batches).
pub const SMALL_GEMM_FLOPS: usize = 512;

/// Direct loops for tiny products (shapes checked by [`gemm`]).
fn gemm_small(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    let (k, n) = (a.cols, b.cols);
    for (i, row) in c.chunks_exact_mut(n).enumerate() {
        for (j, cij) in row.iter_mut().enumerate() {
            let mut s = 0.0f32;
            for p in 0..k {
                s += a.data[i * a.row_stride + p * a.col_stride]
                    * b.data[p * b.row_stride + j * b.col_stride];
            }
            *cij = if beta == 0.0 {
                alpha * s
            } else {
                alpha * s + beta * *cij
            };
        }
    }
}

/// The checked-shape core of [`gemm`] on one thread.
fn gemm_serial(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    debug_assert!(a.check("a").is_ok() && b.check("b").is_ok() && c.len() == m * n);
    // SAFETY: `gemm` checked that the last element addressed through each view's strides is in
    // bounds of its slice, and that `c` holds exactly `m × n` row-major elements; `c` is a
    // unique borrow, so it aliases neither `a` nor `b`.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.row_stride as isize,
            a.col_stride as isize,
            b.data.as_ptr(),
            b.row_stride as isize,
            b.col_stride as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// Adds `bias` to every row of the row-major matrix `z` (`bias.len()` columns).
pub fn add_bias(z: &mut [f32], bias: &[f32]) -> Result<()> {
    let n = bias.len();
    if n == 0 || z.len() % n != 0 {
        return Err(Error::ShapeMismatch {
            what: "bias add",
            expected: n,
            found: z.len(),
        }
        .into());
    }
    for row in z.chunks_exact_mut(n) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += b;
        }
    }
    Ok(())
}

/// Accumulates the column sums of the row-major `delta` (`grad_bias.len()` columns) into
/// `grad_bias`: `∂E/∂b += Σ_rows δ`.
pub fn add_bias_grad(delta: &[f32], grad_bias: &mut [f32]) -> Result<()> {
    let n = grad_bias.len();
    if n == 0 || delta.len() % n != 0 {
        return Err(Error::ShapeMismatch {
            what: "bias gradient",
            expected: n,
            found: delta.len(),
        }
        .into());
    }
    for row in delta.chunks_exact(n) {
        for (g, d) in grad_bias.iter_mut().zip(row) {
            *g += d;
        }
    }
    Ok(())
}

/// `post = h(pre)` elementwise through core's [`Activation::forward`] (split over threads when
/// large).
pub fn activation_forward(act: Activation, pre: &[f32], post: &mut [f32]) -> Result<()> {
    check_len("activation output", pre.len(), post.len())?;
    if pre.len() < PAR_MIN_ELEMS {
        act.forward(pre, post)?;
        return Ok(());
    }
    post.par_chunks_mut(PAR_MIN_ELEMS / 4)
        .zip(pre.par_chunks(PAR_MIN_ELEMS / 4))
        .try_for_each(|(z, a)| act.forward(a, z))?;
    Ok(())
}

/// Chain rule through an activation, in place: `delta[i] *= h'(pre[i])` using core's
/// [`Activation::derivative`] (which takes `post[i] = h(pre[i])` too).
pub fn activation_backward(
    act: Activation,
    pre: &[f32],
    post: &[f32],
    delta: &mut [f32],
) -> Result<()> {
    check_len("activation output", pre.len(), post.len())?;
    check_len("activation gradient", pre.len(), delta.len())?;
    if matches!(act, Activation::Identity) {
        return Ok(());
    }
    let body = |d: &mut [f32], a: &[f32], z: &[f32]| {
        for ((di, &ai), &zi) in d.iter_mut().zip(a).zip(z) {
            *di *= act.derivative(ai, zi);
        }
    };
    if pre.len() < PAR_MIN_ELEMS {
        body(delta, pre, post);
    } else {
        let c = PAR_MIN_ELEMS / 4;
        delta
            .par_chunks_mut(c)
            .zip(pre.par_chunks(c))
            .zip(post.par_chunks(c))
            .for_each(|((d, a), z)| body(d, a, z));
    }
    Ok(())
}

/// Per-row loss of the row-major `output` (`n_out` columns) against `target` (same shape)
/// through core's [`Loss::value_and_grad`]; writes each row's gradient into `grad` and returns
/// the **sum** of the row losses (deterministic: fixed chunking, sums added in order).
pub fn loss_rows(
    loss: Loss,
    output: &[f32],
    target: &[f32],
    n_out: usize,
    grad: &mut [f32],
) -> Result<f32> {
    check_len("loss target", output.len(), target.len())?;
    check_len("loss gradient", output.len(), grad.len())?;
    if n_out == 0 || output.len() % n_out != 0 {
        return Err(Error::ShapeMismatch {
            what: "loss output",
            expected: n_out,
            found: output.len(),
        }
        .into());
    }
    let rows_per_chunk = (PAR_MIN_ELEMS / 8 / n_out).max(1);
    let chunk = rows_per_chunk * n_out;
    let part = |(y, t, g): (&[f32], &[f32], &mut [f32])| -> embedml::Result<f32> {
        let mut s = 0.0f32;
        for ((yr, tr), gr) in y
            .chunks_exact(n_out)
            .zip(t.chunks_exact(n_out))
            .zip(g.chunks_exact_mut(n_out))
        {
            s += loss.value_and_grad(yr, tr, gr)?;
        }
        Ok(s)
    };
    if output.len() <= chunk {
        return Ok(part((output, target, grad))?);
    }
    let sums: Vec<f32> = output
        .par_chunks(chunk)
        .zip(target.par_chunks(chunk))
        .zip(grad.par_chunks_mut(chunk))
        .map(|((y, t), g)| part((y, t, g)))
        .collect::<embedml::Result<Vec<f32>>>()?;
    Ok(sums.iter().sum())
}

/// Multiplies every element by `s` (e.g. `1/B` to average a summed batch gradient).
pub fn scale(x: &mut [f32], s: f32) {
    for v in x {
        *v *= s;
    }
}

/// One optimizer update of the flat parameter slice: core's [`Optimizer::step`].
pub fn optimizer_step<O: Optimizer>(
    opt: &mut O,
    params: &mut [f32],
    grads: &[f32],
    state: &mut [f32],
) -> Result<()> {
    opt.step(params, grads, state)?;
    Ok(())
}

/// The CPU as a [`Backend`]: `Vec<f32>` buffers, [`gemm`] for the products, core's functions
/// (through [`activation_forward`], [`activation_backward`], [`loss_rows`], the MDN head rows,
/// core's soft weight sharing and [`optimizer_step`]) for everything else.
#[derive(Debug, Clone, Default)]
pub struct CpuBackend {
    loss: f64,
}

impl CpuBackend {
    /// A CPU backend with a zero loss accumulator.
    pub fn new() -> Self {
        Self::default()
    }
}

fn prefix<'a>(buf: &'a [f32], len: usize, what: &'static str) -> Result<&'a [f32]> {
    buf.get(..len).ok_or_else(|| {
        Error::ShapeMismatch {
            what,
            expected: len,
            found: buf.len(),
        }
        .into()
    })
}

fn prefix_mut<'a>(buf: &'a mut [f32], len: usize, what: &'static str) -> Result<&'a mut [f32]> {
    let found = buf.len();
    buf.get_mut(..len).ok_or_else(|| {
        Error::ShapeMismatch {
            what,
            expected: len,
            found,
        }
        .into()
    })
}

fn range<'a>(buf: &'a [f32], off: usize, len: usize, what: &'static str) -> Result<&'a [f32]> {
    buf.get(off..off + len).ok_or_else(|| {
        Error::ShapeMismatch {
            what,
            expected: off + len,
            found: buf.len(),
        }
        .into()
    })
}

/// The MDN head's loss and gradient on every row (see
/// [`crate::models::mdn::head_rows`]), the CPU side of the `mdn_head` kernel.
pub fn mdn_head_rows(
    head: &embedml::models::mdn::Head,
    out: &[f32],
    t: &[f32],
    grad: &mut [f32],
) -> Result<f64> {
    crate::models::mdn::head_rows(head, out, t, grad)
}

impl Backend for CpuBackend {
    type Buf = Vec<f32>;
    /// The row widths `(x_width, t_width)`.
    type Data = (usize, usize);

    fn describe(&self) -> String {
        format!("cpu ({} threads)", rayon::current_num_threads())
    }

    fn alloc(&mut self, len: usize) -> Result<Vec<f32>> {
        Ok(vec![0.0; len])
    }

    fn upload(&mut self, src: &[f32], dst: &mut Vec<f32>) -> Result<()> {
        prefix_mut(dst, src.len(), "upload destination")?.copy_from_slice(src);
        Ok(())
    }

    fn download(&mut self, src: &Vec<f32>, dst: &mut [f32]) -> Result<()> {
        dst.copy_from_slice(prefix(src, dst.len(), "download source")?);
        Ok(())
    }

    fn zero(&mut self, buf: &mut Vec<f32>, len: usize) -> Result<()> {
        prefix_mut(buf, len, "zeroed buffer")?.fill(0.0);
        Ok(())
    }

    fn scale(&mut self, buf: &mut Vec<f32>, len: usize, s: f32) -> Result<()> {
        scale(prefix_mut(buf, len, "scaled buffer")?, s);
        Ok(())
    }

    fn gemm(&mut self, g: Gemm, a: &Vec<f32>, b: &Vec<f32>, c: &mut Vec<f32>) -> Result<()> {
        let (na, nb, nc) = g.extents();
        let a = range(a, g.a_off, na, "gemm left operand")?;
        let b = range(b, g.b_off, nb, "gemm right operand")?;
        let c_len = c.len();
        let c = c
            .get_mut(g.c_off..g.c_off + nc)
            .ok_or(Error::ShapeMismatch {
                what: "gemm output",
                expected: g.c_off + nc,
                found: c_len,
            })?;
        let a = if g.a_t {
            MatRef::row_major(a, g.k, g.m).t()
        } else {
            MatRef::row_major(a, g.m, g.k)
        };
        let b = if g.b_t {
            MatRef::row_major(b, g.n, g.k).t()
        } else {
            MatRef::row_major(b, g.k, g.n)
        };
        gemm(g.alpha, a, b, g.beta, c)
    }

    fn bias_act_forward(
        &mut self,
        act: Activation,
        bias: &Vec<f32>,
        bias_off: usize,
        rows: usize,
        cols: usize,
        pre: &mut Vec<f32>,
        post: &mut Vec<f32>,
    ) -> Result<()> {
        let n = rows * cols;
        let a = prefix_mut(pre, n, "pre-activations")?;
        add_bias(a, range(bias, bias_off, cols, "bias")?)?;
        activation_forward(act, a, prefix_mut(post, n, "activations")?)
    }

    fn act_backward(
        &mut self,
        act: Activation,
        pre: &Vec<f32>,
        post: &Vec<f32>,
        len: usize,
        delta: &mut Vec<f32>,
    ) -> Result<()> {
        activation_backward(
            act,
            prefix(pre, len, "pre-activations")?,
            prefix(post, len, "activations")?,
            prefix_mut(delta, len, "deltas")?,
        )
    }

    fn bias_grad(
        &mut self,
        delta: &Vec<f32>,
        rows: usize,
        cols: usize,
        grads: &mut Vec<f32>,
        off: usize,
    ) -> Result<()> {
        let found = grads.len();
        let g = grads.get_mut(off..off + cols).ok_or(Error::ShapeMismatch {
            what: "bias gradient",
            expected: off + cols,
            found,
        })?;
        add_bias_grad(prefix(delta, rows * cols, "deltas")?, g)
    }

    fn loss_rows(
        &mut self,
        loss: Loss,
        out: &Vec<f32>,
        t: &Vec<f32>,
        rows: usize,
        cols: usize,
        grad: &mut Vec<f32>,
    ) -> Result<()> {
        let n = rows * cols;
        let s = loss_rows(
            loss,
            prefix(out, n, "outputs")?,
            prefix(t, n, "targets")?,
            cols,
            prefix_mut(grad, n, "output gradient")?,
        )?;
        self.loss += s as f64;
        Ok(())
    }

    fn mdn_head(
        &mut self,
        head: &embedml::models::mdn::Head,
        out: &Vec<f32>,
        t: &Vec<f32>,
        rows: usize,
        grad: &mut Vec<f32>,
        grad_scale: f32,
    ) -> Result<()> {
        let (o, l) = (head.output_len(), head.l());
        let g = prefix_mut(grad, rows * o, "output gradient")?;
        let s = mdn_head_rows(
            head,
            prefix(out, rows * o, "outputs")?,
            prefix(t, rows * l, "targets")?,
            g,
        )?;
        if grad_scale != 1.0 {
            scale(g, grad_scale);
        }
        self.loss += s;
        Ok(())
    }

    fn take_loss(&mut self) -> Result<f64> {
        Ok(std::mem::take(&mut self.loss))
    }

    fn optimizer_step(
        &mut self,
        opt: &mut AnyOptimizer,
        params: &mut Vec<f32>,
        grads: &Vec<f32>,
        state: &mut Vec<f32>,
        len: usize,
    ) -> Result<()> {
        let s = opt.state_len(len);
        optimizer_step(
            opt,
            prefix_mut(params, len, "parameters")?,
            prefix(grads, len, "gradients")?,
            prefix_mut(state, s, "optimizer state")?,
        )
    }

    fn soft_share(
        &mut self,
        mix: &Vec<f32>,
        m: usize,
        lambda: f32,
        sigma_min: f32,
        params: &Vec<f32>,
        ranges: &[std::ops::Range<usize>],
        grads: &mut Vec<f32>,
        grad_mix: &mut Vec<f32>,
    ) -> Result<()> {
        let mix = prefix(mix, 3 * m, "soft-share mixture")?;
        let grad_mix = prefix_mut(grad_mix, 3 * m, "soft-share mixture gradients")?;
        for r in ranges {
            let w = range(params, r.start, r.len(), "soft-shared weights")?;
            let found = grads.len();
            let g = grads.get_mut(r.clone()).ok_or(Error::ShapeMismatch {
                what: "soft-shared gradients",
                expected: r.end,
                found,
            })?;
            soft_share::accumulate(mix, w, lambda, sigma_min, g, grad_mix)?;
        }
        Ok(())
    }

    fn prepare_data(
        &mut self,
        x: &[f32],
        t: &[f32],
        x_width: usize,
        t_width: usize,
    ) -> Result<(usize, usize)> {
        if x_width == 0 || t_width == 0 || x.len() / x_width != t.len() / t_width {
            return Err(Error::ShapeMismatch {
                what: "training set rows",
                expected: x.len() / x_width.max(1),
                found: t.len() / t_width.max(1),
            }
            .into());
        }
        Ok((x_width, t_width))
    }

    fn load_batch(
        &mut self,
        data: &(usize, usize),
        x: &[f32],
        t: &[f32],
        idx: &[usize],
        xb: &mut Vec<f32>,
        tb: &mut Vec<f32>,
    ) -> Result<()> {
        gather_rows(x, data.0, idx, xb)?;
        gather_rows(t, data.1, idx, tb)
    }
}

/// Copies the rows `idx` (each `width` wide) of `src` to the leading rows of `dst`, in order.
pub fn gather_rows(src: &[f32], width: usize, idx: &[usize], dst: &mut [f32]) -> Result<()> {
    let rows = src.len() / width.max(1);
    let dst = prefix_mut(dst, idx.len() * width, "batch buffer")?;
    for (d, &i) in dst.chunks_exact_mut(width).zip(idx) {
        if i >= rows {
            return Err(Error::OutOfRange {
                what: "batch row",
                index: i,
                len: rows,
            }
            .into());
        }
        d.copy_from_slice(&src[i * width..(i + 1) * width]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_with_transposed_views() {
        // A = [[1,2,3],[4,5,6]] (2×3), B = Aᵀ → A Aᵀ = [[14,32],[32,77]].
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut c = [1.0f32; 4];
        gemm(
            1.0,
            MatRef::row_major(&a, 2, 3),
            MatRef::row_major(&a, 2, 3).t(),
            0.0,
            &mut c,
        )
        .unwrap();
        assert_eq!(c, [14.0, 32.0, 32.0, 77.0]);
        // Aᵀ A (3×3), accumulated onto ones with β = 1.
        let mut c = [1.0f32; 9];
        gemm(
            1.0,
            MatRef::row_major(&a, 2, 3).t(),
            MatRef::row_major(&a, 2, 3),
            1.0,
            &mut c,
        )
        .unwrap();
        assert_eq!(c, [18.0, 23.0, 28.0, 23.0, 30.0, 37.0, 28.0, 37.0, 46.0]);
        // Shape errors.
        let mut c = [0.0f32; 4];
        assert!(gemm(
            1.0,
            MatRef::row_major(&a, 2, 3),
            MatRef::row_major(&a, 2, 3),
            0.0,
            &mut c
        )
        .is_err());
        assert!(gemm(
            1.0,
            MatRef::row_major(&a[..5], 2, 3),
            MatRef::row_major(&a, 3, 2),
            0.0,
            &mut c
        )
        .is_err());
    }

    #[test]
    fn large_gemm_split_over_threads_matches_naive() {
        let (m, k, n) = (300, 70, 90);
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 7 % 13) as f32 - 6.0) / 7.0)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i * 5 % 11) as f32 - 5.0) / 5.0)
            .collect();
        let mut c = vec![0.0f32; m * n];
        gemm(
            1.0,
            MatRef::row_major(&a, m, k),
            MatRef::row_major(&b, k, n),
            0.0,
            &mut c,
        )
        .unwrap();
        for i in (0..m).step_by(37) {
            for j in (0..n).step_by(11) {
                let want: f32 = (0..k).map(|t| a[i * k + t] * b[t * n + j]).sum();
                assert!((c[i * n + j] - want).abs() < 1e-4, "({i},{j})");
            }
        }
    }

    #[test]
    fn bias_and_loss_helpers() {
        let mut z = [0.0f32; 6];
        add_bias(&mut z, &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(z, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
        let mut gb = [0.0f32; 3];
        add_bias_grad(&z, &mut gb).unwrap();
        assert_eq!(gb, [2.0, 4.0, 6.0]);
        assert!(add_bias(&mut z, &[1.0; 4]).is_err());
        // MSE per row: rows [1,3] vs [0,0] → 5 and [0,0] vs [0,0] → 0.
        let mut g = [0.0f32; 4];
        let s = loss_rows(Loss::Mse, &[1.0, 3.0, 0.0, 0.0], &[0.0; 4], 2, &mut g).unwrap();
        assert_eq!(s, 5.0);
        assert_eq!(g, [1.0, 3.0, 0.0, 0.0]);
    }
}
