//! Fully connected (dense) layer: `y = W x + b`.
//!
//! `W` is row-major `n_out × n_in` (`W[o][i]` at `o * n_in + i`), `b` has `n_out` entries.
//! Backward follows PRML 5.53–5.56: with `δ = ∂E/∂y`, `∂E/∂W[o][i] = δ[o] x[i]`,
//! `∂E/∂b[o] = δ[o]`, `∂E/∂x[i] = Σ_o W[o][i] δ[o]`.

use crate::error::{check_len, Result};
use crate::kernels::activation::Activation;

/// Checks the lengths of a dense layer's weight, bias, input and output slices.
fn check_shapes(n_in: usize, n_out: usize, w: usize, b: usize, x: usize, y: usize) -> Result<()> {
    check_len("dense weights", n_in * n_out, w)?;
    check_len("dense bias", n_out, b)?;
    check_len("dense input", n_in, x)?;
    check_len("dense output", n_out, y)
}

/// Forward pass: `y = W x + b`.
pub fn forward(
    n_in: usize,
    n_out: usize,
    w: &[f32],
    b: &[f32],
    x: &[f32],
    y: &mut [f32],
) -> Result<()> {
    check_shapes(n_in, n_out, w.len(), b.len(), x.len(), y.len())?;
    if n_in == 0 {
        y.copy_from_slice(b);
        return Ok(());
    }
    // Common widths: the input lives in registers and each row is unrolled (see `rows_fixed`).
    match n_in {
        16 => rows_fixed::<16>(w, b, x, y),
        8 => rows_fixed::<8>(w, b, x, y),
        1 => one_input(w, b, x, y),
        _ => rows(n_in, w, b, x, y),
    }
    Ok(())
}

/// [`forward`] for widths known at compile time (`I` inputs, `O` outputs): the typed
/// executors ([`models::fixed`](crate::models::fixed)) call it so that every loop has a constant
/// trip count. The same sums in the same order as [`forward`] (bias first, then `i` ascending),
/// so the result is bit-identical; it only picks the loop shape from `I` at compile time
/// (`rows_fixed` for every `I` up to 16, not only 8 and 16). `w` must hold `I · O` weights and
/// `b` `O` biases (checked: a mismatch is an error, never a panic).
#[inline(always)]
pub fn forward_fixed<const I: usize, const O: usize>(
    w: &[f32],
    b: &[f32],
    x: &[f32; I],
    y: &mut [f32; O],
) -> Result<()> {
    check_len("dense weights", I * O, w.len())?;
    check_len("dense bias", O, b.len())?;
    if I == 0 {
        y.copy_from_slice(b);
    } else if I == 1 {
        one_input(w, b, x, y);
    } else if I <= 16 {
        rows_fixed::<I>(w, b, x, y);
    } else {
        rows(I, w, b, x, y);
    }
    Ok(())
}

/// The rows and the activation of a layer at widths known at compile time in assembly, where
/// the target has it: on Arm hard-float targets (the Cortex-M4F) the rows of `8 ≤ I ≤ 16`
/// inputs, and of one input with at least 8 outputs, run as a `vldmia` / `vmla.f32` loop
/// (`kernels/m4f.rs`) that writes `pre` as [`forward_fixed`] and `post` as
/// [`Activation::forward_fixed`] would — the same values, bit for bit. Returns `false` (and
/// touches nothing) for other targets and shapes, or wrong lengths: the caller then runs
/// [`forward_fixed`] and [`Activation::forward_fixed`].
#[inline(always)]
#[allow(unused_variables)] // Without the assembly rows nothing is used.
pub fn forward_act_asm<const I: usize, const O: usize>(
    w: &[f32],
    b: &[f32],
    x: &[f32; I],
    act: Activation,
    pre: &mut [f32; O],
    post: &mut [f32; O],
) -> bool {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    {
        use super::m4f::Post;
        let mode = match act {
            Activation::Relu => Post::Relu,
            Activation::Identity => Post::Copy,
            // `tanh` inside the block of the unrolled one-input layers (`O ≤ 7`: the MDN's
            // first); other layers keep the separate `tanh` block: a third mode in their
            // run-time dispatch costs more than the second register save it would spare.
            #[cfg(all(feature = "fastexp", not(feature = "micromath")))]
            Activation::Tanh if I == 1 && O <= 7 => Post::Tanh,
            _ => Post::Skip,
        };
        if super::m4f::dense_act::<I, O>(w, b, x, pre, post, mode) {
            if mode == Post::Skip {
                act.forward_fixed(pre, post);
            }
            return true;
        }
    }
    false
}

/// One input (a scalar feature): `y[o] = b[o] + w[o] x0`, a straight loop.
#[inline(always)]
fn one_input(w: &[f32], b: &[f32], x: &[f32], y: &mut [f32]) {
    if let [x0] = x {
        for ((yo, &wo), &bo) in y.iter_mut().zip(w).zip(b) {
            *yo = bo + wo * x0;
        }
    }
}

/// The general loop (lengths checked by the caller): four rows at a time, so each `x[i]` is
/// loaded once for four outputs, then the last `n_out % 4` rows one at a time.
fn rows(n_in: usize, w: &[f32], b: &[f32], x: &[f32], y: &mut [f32]) {
    let mut w4 = w.chunks_exact(4 * n_in);
    let mut y4 = y.chunks_exact_mut(4);
    let mut b4 = b.chunks_exact(4);
    for ((wb, yb), bb) in (&mut w4).zip(&mut y4).zip(&mut b4) {
        let (r0, rest) = wb.split_at(n_in);
        let (r1, rest) = rest.split_at(n_in);
        let (r2, r3) = rest.split_at(n_in);
        let (mut a0, mut a1, mut a2, mut a3) = (bb[0], bb[1], bb[2], bb[3]);
        for ((((&xi, &w0), &w1), &w2), &w3) in x.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
            a0 += w0 * xi;
            a1 += w1 * xi;
            a2 += w2 * xi;
            a3 += w3 * xi;
        }
        if let [y0, y1, y2, y3] = yb {
            (*y0, *y1, *y2, *y3) = (a0, a1, a2, a3);
        }
    }
    let rows = w4.remainder().chunks_exact(n_in);
    for ((row, yo), &bo) in rows.zip(y4.into_remainder()).zip(b4.remainder()) {
        let mut acc = bo;
        for (wi, xi) in row.iter().zip(x) {
            acc += wi * xi;
        }
        *yo = acc;
    }
}

/// The rows of a dense layer whose input width `I` is known at compile time: `x` is copied
/// into `I` locals (registers) once, and each row's `I` multiply-adds are fully unrolled. The
/// summation order is the generic loop's (bias first, then `i` ascending), so the result is
/// bit-identical. The caller has checked the lengths (`x.len() == I`, `w.len() == I · y.len()`).
#[inline(always)]
fn rows_fixed<const I: usize>(w: &[f32], b: &[f32], x: &[f32], y: &mut [f32]) {
    if I > 16 {
        // `macs!` below unrolls 16 inputs at most.
        return rows(I, w, b, x, y);
    }
    let Ok(xv) = <[f32; I]>::try_from(x) else {
        return;
    };
    // Four rows at a time: four accumulators and the input in registers.
    let mut w4 = w.chunks_exact(4 * I);
    let mut y4 = y.chunks_exact_mut(4);
    let mut b4 = b.chunks_exact(4);
    for ((wb, yb), bb) in (&mut w4).zip(&mut y4).zip(&mut b4) {
        let ([y0, y1, y2, y3], [b0, b1, b2, b3]) = (yb, bb) else {
            return;
        };
        let (r0, rest) = wb.split_at(I);
        let (r1, rest) = rest.split_at(I);
        let (r2, r3) = rest.split_at(I);
        let (Ok(r0), Ok(r1), Ok(r2), Ok(r3)) = (
            <&[f32; I]>::try_from(r0),
            <&[f32; I]>::try_from(r1),
            <&[f32; I]>::try_from(r2),
            <&[f32; I]>::try_from(r3),
        ) else {
            return;
        };
        let mut a = [*b0, *b1, *b2, *b3];
        // Written out by `macs!` (constant indices), so the input stays in registers and no
        // loop counter or pointer update is left: one load and one multiply-add per weight.
        macro_rules! macs {
            ($($i:literal)*) => {$(
                if $i < I {
                    let xi = xv[$i % I];
                    a[0] += r0[$i % I] * xi;
                    a[1] += r1[$i % I] * xi;
                    a[2] += r2[$i % I] * xi;
                    a[3] += r3[$i % I] * xi;
                }
            )*};
        }
        macs!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        (*y0, *y1, *y2, *y3) = (a[0], a[1], a[2], a[3]);
    }
    for ((row, yo), &bo) in w4
        .remainder()
        .chunks_exact(I)
        .zip(y4.into_remainder())
        .zip(b4.remainder())
    {
        let Ok(row) = <&[f32; I]>::try_from(row) else {
            return;
        };
        let mut acc = bo;
        macro_rules! mac {
            ($($i:literal)*) => {$(
                if $i < I {
                    acc += row[$i % I] * xv[$i % I];
                }
            )*};
        }
        mac!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        *yo = acc;
    }
}

/// Backward pass for one sample. **Accumulates** `δ xᵀ` into `dw` and `δ` into `db` (so a batch
/// is summed by calling it per sample), and **overwrites** `dx = Wᵀ δ` when given.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    n_in: usize,
    n_out: usize,
    w: &[f32],
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: Option<&mut [f32]>,
) -> Result<()> {
    check_shapes(n_in, n_out, w.len(), db.len(), x.len(), dy.len())?;
    check_len("dense weight gradient", n_in * n_out, dw.len())?;
    if let Some(dx) = &dx {
        check_len("dense input gradient", n_in, dx.len())?;
    }
    for o in 0..n_out {
        let d = dy[o];
        db[o] += d;
        let row = &mut dw[o * n_in..(o + 1) * n_in];
        for (g, xi) in row.iter_mut().zip(x) {
            *g += d * xi;
        }
    }
    if let Some(dx) = dx {
        dx.fill(0.0);
        for o in 0..n_out {
            let d = dy[o];
            let row = &w[o * n_in..(o + 1) * n_in];
            for (g, wi) in dx.iter_mut().zip(row) {
                *g += wi * d;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck;
    use crate::rng::Rng;

    #[test]
    fn forward_small_example() {
        // W = [[1,2,3],[4,5,6]], b = [0.5,-1], x = [1,0,-1]
        let w = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut y = [0.0; 2];
        forward(3, 2, &w, &[0.5, -1.0], &[1.0, 0.0, -1.0], &mut y).unwrap();
        assert_eq!(y, [-1.5, -3.0]);
    }

    /// The blocked paths (one input; four rows at a time; the leftover rows; the fixed-width
    /// kernels for 8 and 16 inputs) give exactly the one-row, in-order sums.
    #[test]
    fn blocked_paths_match_the_naive_loop_bit_for_bit() {
        let mut rng = Rng::new(3);
        for (n_in, n_out) in [
            (1, 16),
            (1, 3),
            (16, 16),
            (16, 1),
            (16, 7),
            (8, 16),
            (8, 5),
            (5, 7),
            (3, 4),
            (0, 2),
            (9, 0),
        ] {
            let mut w = [0.0f32; 256];
            let mut b = [0.0f32; 16];
            let mut x = [0.0f32; 16];
            rng.fill_normal(&mut w, 0.0, 1.0);
            rng.fill_normal(&mut b, 0.0, 1.0);
            rng.fill_normal(&mut x, 0.0, 1.0);
            let (w, b, x) = (&w[..n_in * n_out], &b[..n_out], &x[..n_in]);
            let mut y = [0.0f32; 16];
            forward(n_in, n_out, w, b, x, &mut y[..n_out]).unwrap();
            for o in 0..n_out {
                let mut acc = b[o];
                for i in 0..n_in {
                    acc += w[o * n_in + i] * x[i];
                }
                assert_eq!(y[o].to_bits(), acc.to_bits(), "{n_in}x{n_out} row {o}");
            }
        }
    }

    #[test]
    fn shape_errors() {
        let mut y = [0.0; 2];
        assert!(forward(3, 2, &[0.0; 5], &[0.0; 2], &[0.0; 3], &mut y).is_err());
        assert!(forward(3, 2, &[0.0; 6], &[0.0; 1], &[0.0; 3], &mut y).is_err());
        assert!(forward(3, 2, &[0.0; 6], &[0.0; 2], &[0.0; 4], &mut y).is_err());
        let (mut dw, mut db, mut dx) = ([0.0; 6], [0.0; 2], [0.0; 2]);
        assert!(backward(
            3,
            2,
            &[0.0; 6],
            &[0.0; 3],
            &[0.0; 2],
            &mut dw,
            &mut db,
            Some(&mut dx)
        )
        .is_err());
    }

    /// Gradients of `E = Σ_o c_o y_o²/2` wrt W, b and x, checked by finite differences.
    #[test]
    fn gradients_match_finite_differences() {
        let (n_in, n_out) = (4, 3);
        let mut rng = Rng::new(1);
        let mut params = [0.0f32; 15]; // W (12) then b (3)
        rng.fill_normal(&mut params, 0.0, 0.7);
        let mut x = [0.0f32; 4];
        rng.fill_normal(&mut x, 0.0, 1.0);
        let c = [0.5f32, -1.0, 2.0];
        let loss = |p: &[f32], x: &[f32]| -> f32 {
            let mut y = [0.0; 3];
            forward(n_in, n_out, &p[..12], &p[12..], x, &mut y).unwrap();
            y.iter().zip(&c).map(|(y, c)| c * y * y / 2.0).sum()
        };
        let mut y = [0.0; 3];
        forward(n_in, n_out, &params[..12], &params[12..], &x, &mut y).unwrap();
        let dy: [f32; 3] = core::array::from_fn(|o| c[o] * y[o]);
        let mut grads = [0.0f32; 15];
        let mut dx = [0.0f32; 4];
        let (dw, db) = grads.split_at_mut(12);
        backward(n_in, n_out, &params[..12], &x, &dy, dw, db, Some(&mut dx)).unwrap();

        let xc = x;
        let r = gradcheck::check(&mut params, &grads, 1e-2, |p| loss(p, &xc));
        assert!(r.max_rel_error < 1e-3, "{r:?}");
        let pc = params;
        let r = gradcheck::check(&mut x, &dx, 1e-2, |x| loss(&pc, x));
        assert!(r.max_rel_error < 1e-3, "{r:?}");
    }
}
