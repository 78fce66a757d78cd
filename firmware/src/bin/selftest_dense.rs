//! On-target check of core's typed MLP executor against the slice math, bit for bit: on the
//! Cortex-M4F the typed executor runs core's `asm!` dense rows (`core/src/kernels/m4f.rs`:
//! `vldmia` + `vmla.f32`, ReLU on the bits), which the host cannot run; on the Cortex-M3 it runs
//! the Rust rows. Random parameters (a seeded `Rng`), several shapes (one input × 2–7, 9 and 16
//! rows, 5 × 9, 8, 9, 12, 13 and 16 inputs) and activations (ReLU, identity, tanh, sigmoid,
//! LeakyReLU), a −0.0 row and ±∞ weights; every pre-activation and activation is compared with
//! `mlp::forward`'s. Built with `--features fastexp`, the typed executor's tanh is core's
//! `asm!` loop and the slice math's the Rust `tanh`: they must agree bit for bit too (±∞ and
//! NaN pre-activations included). Exits 0 if none differs.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml::models::fixed::{Widths, W1, W2, W3};
use embedml::models::mlp::{self, Layer};
use embedml::{Activation, Rng};
use embedml_firmware as fw;

/// Runs the typed executor `S` (on the Cortex-M4F: the `asm!` rows of core's
/// `kernels/m4f.rs` where the shape takes them) and the slice math `mlp::forward` (the Rust
/// loops) on random parameters and inputs, and counts the pre-activations and activations whose
/// bits differ. Trial 0 makes row 0 of every layer −0.0 (bias and weights) with a positive
/// input, so its pre-activation is −0.0 and ReLU must give +0.0; trial 3 puts ±∞ among the
/// weights (∞, NaN downstream). Returns `(values compared, mismatches)`.
#[inline(always)]
fn typed_vs_slice<S: Widths>(acts: &[Activation], seed: u64) -> (usize, usize) {
    compare(S::WIDTHS, S::forward, acts, seed)
}

/// A typed executor's forward pass (`Widths::forward`).
type Forward = fn(&[Layer], &[f32], &[f32], &mut [f32], &mut [f32]) -> embedml::Result<()>;

/// [`typed_vs_slice`] with the executor as a function pointer: one copy of this harness, one
/// small `forward` per shape (so the binary stays under 32 KB with `panic-probe`).
#[inline(never)]
fn compare(
    widths: Option<&'static [usize]>,
    forward: Forward,
    acts: &[Activation],
    seed: u64,
) -> (usize, usize) {
    let Some(widths) = widths else {
        return (0, 1);
    };
    let layers: [Layer; 4] = core::array::from_fn(|l| Layer {
        n_in: widths.get(l).copied().unwrap_or(1),
        n_out: widths.get(l + 1).copied().unwrap_or(1),
        activation: acts.get(l).copied().unwrap_or(Activation::Identity),
    });
    let Some(layers) = layers.get(..widths.len() - 1) else {
        return (0, 1);
    };
    let mut rng = Rng::new(seed);
    let (mut params, mut x) = ([0.0f32; 400], [0.0f32; 32]);
    let (mut compared, mut wrong) = (0, 0);
    for trial in 0..4 {
        let Some((p, u, n_in)) = trial_data(layers, trial, &mut rng, &mut params, &mut x) else {
            return (0, 1);
        };
        let (mut pre, mut post) = ([0.0f32; 64], [0.0f32; 64]);
        let (mut pre2, mut post2) = ([1.0f32; 64], [1.0f32; 64]);
        let (Some(params), Some(x), Some(pre), Some(post), Some(pre2), Some(post2)) = (
            params.get(..p),
            x.get(..n_in),
            pre.get_mut(..u),
            post.get_mut(..u),
            pre2.get_mut(..u),
            post2.get_mut(..u),
        ) else {
            return (0, 1);
        };
        let x = black_box(x);
        let typed = forward(layers, params, x, pre, post);
        let slice = mlp::forward(layers, params, x, pre2, post2);
        if typed.is_err() || slice.is_err() {
            return (compared, wrong + 1);
        }
        let relu_first = layers.first().map(|l| l.activation) == Some(Activation::Relu);
        let (c, w) = differences(trial, relu_first, (pre, post), (pre2, post2));
        compared += c;
        wrong += w;
    }
    (compared, wrong)
}

/// Random parameters and input for trial `trial` of `typed_vs_slice` (uniform, so no `sin` /
/// `ln` of the normal sampler is linked); returns the parameter count, unit count and input
/// width, or `None` if the buffers are too small.
#[inline(never)]
fn trial_data(
    layers: &[Layer],
    trial: usize,
    rng: &mut Rng,
    params: &mut [f32; 400],
    x: &mut [f32; 32],
) -> Option<(usize, usize, usize)> {
    let (p, u) = mlp::check_layers(layers).ok()?;
    let n_in = layers.first()?.n_in;
    if p > params.len() || u > 64 || n_in > x.len() {
        return None;
    }
    fill(rng, params, 1.5);
    fill(rng, x, 3.0);
    if trial == 0 {
        let mut po = 0;
        for l in layers {
            params.get_mut(po..po + l.n_in)?.fill(-0.0); // row 0 of W
            *params.get_mut(po + l.n_in * l.n_out)? = -0.0; // b[0]
            po += l.n_in * l.n_out + l.n_out;
        }
        x.iter_mut().for_each(|v| *v = v.abs());
    }
    if trial == 3 {
        *params.get_mut(p / 2)? = f32::INFINITY;
        *params.get_mut(p / 3)? = f32::NEG_INFINITY;
    }
    Some((p, u, n_in))
}

/// Fills `s` with uniform values in `[-r, r)`.
#[inline(never)]
fn fill(rng: &mut Rng, s: &mut [f32], r: f32) {
    for v in s {
        *v = rng.uniform_range(-r, r);
    }
}

/// Compares the typed executor's pre-activations and activations with the slice math's, bit
/// for bit (logging each difference); in trial 0 a first layer with ReLU must also give the
/// −0.0 row a pre-activation of −0.0 and an activation of +0.0. Returns `(compared, differing)`.
#[inline(never)]
fn differences(
    trial: usize,
    relu_first: bool,
    (pre, post): (&[f32], &[f32]),
    (pre2, post2): (&[f32], &[f32]),
) -> (usize, usize) {
    let (mut compared, mut wrong) = (0, 0);
    let units = pre.iter().zip(post).zip(pre2.iter().zip(post2));
    for (i, ((a, z), (a2, z2))) in units.enumerate() {
        let (a, z, a2, z2) = (a.to_bits(), z.to_bits(), a2.to_bits(), z2.to_bits());
        if a != a2 || z != z2 {
            defmt::error!(
                "  trial {=usize} unit {=usize}: pre {=u32:#x} / {=u32:#x}, post {=u32:#x} / {=u32:#x}",
                trial,
                i,
                a,
                a2,
                z,
                z2
            );
        }
        compared += 2;
        wrong += usize::from(a != a2) + usize::from(z != z2);
    }
    if trial == 0 && relu_first {
        let row0 = pre.first().map(|a| a.to_bits()) == Some(0x8000_0000)
            && post.first().map(|z| z.to_bits()) == Some(0);
        wrong += usize::from(!row0);
    }
    (compared, wrong)
}

fn typed_executor_matches_slice_math() -> bool {
    use Activation::*;
    let runs = [
        // The sine MLP: 1 input × 16 rows (four per pass), 16 × 16 ReLU, 16 × 1 identity.
        typed_vs_slice::<W3<1, 16, 16, 1>>(&[Relu, Relu, Identity], 1),
        // 1 × 9 (two passes of four, then one row), then 9 inputs × 5 rows.
        typed_vs_slice::<W2<1, 9, 5>>(&[Relu, Identity], 2),
        typed_vs_slice::<W2<1, 9, 5>>(&[Tanh, Relu], 3),
        // 16 × 13, 13 × 8, 8 × 2 (the asm rows), then activations computed after them.
        typed_vs_slice::<W3<16, 13, 8, 2>>(&[Relu, Tanh, Sigmoid], 4),
        // 8 × 12 (LeakyReLU after the rows), 12 × 3.
        typed_vs_slice::<W2<8, 12, 3>>(&[LeakyRelu(0.1), Identity], 5),
        // The fully unrolled small layers: the PRML MDN's trunk 1 × 5 (tanh), 5 × 9 (identity);
        // 1 × 7 ReLU, 7 × 5 (Rust rows), 5 × 9 ReLU; 1 × 2 ReLU, 2 × 1; 1 × 3, 1 × 4, 1 × 6.
        typed_vs_slice::<W2<1, 5, 9>>(&[Tanh, Identity], 6),
        typed_vs_slice::<W3<1, 7, 5, 9>>(&[Relu, Sigmoid, Relu], 7),
        typed_vs_slice::<W2<1, 2, 1>>(&[Relu, Identity], 8),
        typed_vs_slice::<W1<1, 3>>(&[Relu], 9),
        typed_vs_slice::<W1<1, 4>>(&[Identity], 10),
        typed_vs_slice::<W1<1, 6>>(&[Relu], 11),
        // 1 × 3 tanh in the rows' block (`Post::Tanh`); trial 3 puts +∞ into b[0] and −∞ into
        // W[2]: the out-of-line ±1 of `tanh`.
        typed_vs_slice::<W1<1, 3>>(&[Tanh], 12),
    ];
    let (mut compared, mut wrong) = (0, 0);
    let n_runs = runs.len();
    for (k, (c, w)) in runs.into_iter().enumerate() {
        if w > 0 {
            defmt::error!(
                "  run {=usize}: {=usize} of {=usize} values differ",
                k,
                w,
                c
            );
        }
        compared += c;
        wrong += w;
    }
    defmt::info!(
        "  typed executor vs slice math: {=usize} values over {=usize} runs, {=usize} differ",
        compared,
        n_runs,
        wrong
    );
    wrong == 0 && compared > 0
}

/// The MDN head's mixture (`Head::mixture_sized`, `K = 3`, `L = 1`, the typed MDN's path: with
/// `--features fastexp` its exponentials run in core's `asm!` loop) against the plain formulas in Rust, bit for bit:
/// `σ_k = σ_min + exp(clamp(a^σ_k))`, `ln π_k = a^π_k − log_sum_exp(a^π)`. Random raw outputs
/// at several scales, a tie for the largest logit, `|a^σ| > 30` and logits 100 apart (the
/// arguments outside the assembly's range, which falls back to the Rust loop).
#[inline(never)]
fn mdn_head_matches_the_formulas() -> bool {
    use embedml::kernels::softmax::log_sum_exp;
    use embedml::models::mdn::Head;
    let mut rng = Rng::new(21);
    let (mut compared, mut wrong) = (0usize, 0usize);
    for trial in 0..24 {
        let sigma_min = if trial % 2 == 0 { 0.0 } else { 0.05 };
        let Ok(head) = Head::new(3, 1, sigma_min) else {
            return false;
        };
        let mut out = [0.0f32; 9];
        fill(&mut rng, &mut out, 1.0 + 4.0 * (trial % 4) as f32);
        match trial % 6 {
            1 => out[2] = out[0],         // a tie for the largest logit
            3 => out[4] = 31.0,           // σ clamped
            5 => out[1] = out[0] - 100.0, // a logit far below the others
            _ => {}
        }
        let out = black_box(out);
        let mut buf = [0.0f32; 9];
        let Ok(mix) = head.mixture_sized::<9>(&out, &mut buf) else {
            return false;
        };
        let lse = log_sum_exp(&out[..3]);
        for k in 0..3 {
            let sigma = sigma_min + embedml::math::exp(out[3 + k].clamp(-30.0, 30.0));
            let log_pi = out[k] - lse;
            let (s, lp) = (mix.sigma()[k], mix.log_pi()[k]);
            compared += 2;
            wrong += usize::from(s.to_bits() != sigma.to_bits())
                + usize::from(lp.to_bits() != log_pi.to_bits());
        }
    }
    defmt::info!(
        "  mdn head vs formulas: {=usize} values, {=usize} differ",
        compared,
        wrong
    );
    wrong == 0
}

#[entry]
fn main() -> ! {
    fw::hello("selftest_dense");
    let ok = typed_executor_matches_slice_math();
    let head_ok = mdn_head_matches_the_formulas();
    fw::finish(ok && head_ok)
}
