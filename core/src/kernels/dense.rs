//! Fully connected (dense) layer: `y = W x + b`.
//!
//! `W` is row-major `n_out × n_in` (`W[o][i]` at `o * n_in + i`), `b` has `n_out` entries.
//! Backward follows PRML 5.53–5.56: with `δ = ∂E/∂y`, `∂E/∂W[o][i] = δ[o] x[i]`,
//! `∂E/∂b[o] = δ[o]`, `∂E/∂x[i] = Σ_o W[o][i] δ[o]`.

use crate::error::{check_len, Result};

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
    for ((row, yo), &bo) in w.chunks_exact(n_in.max(1)).zip(y.iter_mut()).zip(b) {
        *yo = dot_from(bo, row, x);
    }
    Ok(())
}

/// `acc + Σ_i w[i] x[i]`, summed in order `i = 0, 1, …` (so every executor that sums in order
/// agrees bit for bit). Eight terms at a time from fixed-size chunks, which lets the compiler
/// load them with one `vldm` each on a Cortex-M4F.
#[inline(always)]
fn dot_from(mut acc: f32, w: &[f32], x: &[f32]) -> f32 {
    let (w8, x8) = (w.chunks_exact(8), x.chunks_exact(8));
    let (wr, xr) = (w8.remainder(), x8.remainder());
    for (wc, xc) in w8.zip(x8) {
        for k in 0..8 {
            acc += wc[k] * xc[k];
        }
    }
    for (wi, xi) in wr.iter().zip(xr) {
        acc += wi * xi;
    }
    acc
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
