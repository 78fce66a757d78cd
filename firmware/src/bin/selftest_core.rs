//! On-target unit tests of core's kernels whose behaviour can differ on hardware: float
//! arithmetic (subnormals, NaN handling, soft float on the Cortex-M3), the scalar math of
//! `embedml::math` (libm, or the `micromath` approximations when built with
//! `--features micromath`, or the `fastexp` polynomials with `--features fastexp`), softmax / log-sum-exp at extremes, sigmoid and softplus at ±1e4
//! and a dense forward pass. Reference values are exact or computed in f64 with Python's
//! `math` module and written here. Each check logs `ok` or what failed; exits 0 only if all
//! pass.
#![no_std]
#![no_main]
// The reference tables spell out e, ln 2, … as Python printed them, on purpose.
#![allow(clippy::approx_constant)]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml::kernels::{dense, softmax};
use embedml::math;
use embedml_firmware as fw;

/// Which scalar math this build checks, and its tolerances (relative to `max(|want|, 1)`; the
/// `micromath` ones are the worst errors documented in `core/src/math.rs`; `fastexp`'s `exp` and
/// `tanh` are as accurate as libm's, so they get libm's bounds).
#[cfg(not(any(feature = "micromath", feature = "fastexp")))]
mod tol {
    pub const BACKEND: &str = "libm";
    pub const EXP_REL: f32 = 3e-7;
    pub const LN: f32 = 3e-7;
    pub const TANH: f32 = 3e-7;
}
#[cfg(all(feature = "fastexp", not(feature = "micromath")))]
mod tol {
    pub const BACKEND: &str = "fastexp";
    pub const EXP_REL: f32 = 3e-7;
    pub const LN: f32 = 3e-7;
    pub const TANH: f32 = 3e-7;
}
#[cfg(feature = "micromath")]
mod tol {
    pub const BACKEND: &str = "micromath";
    pub const EXP_REL: f32 = 2.5e-3;
    pub const LN: f32 = 1.5e-6;
    pub const TANH: f32 = 1.2e-3;
}

/// `(x, e^x)`, f64 references.
const EXP: [(f32, f64); 10] = [
    (-80.0, 1.804_851_387_845_415_3e-35),
    (-20.0, 2.061_153_622_438_558e-9),
    (-1.0, 0.367_879_441_171_442_33),
    (-1e-3, 0.999_000_499_833_375),
    (0.0, 1.0),
    (0.5, 1.648_721_270_700_128_2),
    (1.0, 2.718_281_828_459_045),
    (10.0, 22_026.465_794_806_718),
    (50.0, 5.184_705_528_587_072e21),
    (80.0, 5.540_622_384_393_51e34),
];

/// `(x, ln x)`.
const LN: [(f32, f64); 9] = [
    (1e-30, -69.077_552_789_821_37),
    (1e-5, -11.512_925_464_970_229),
    (0.1, -2.302_585_092_994_045_5),
    (0.5, -0.693_147_180_559_945_3),
    (1.0, 0.0),
    (2.0, 0.693_147_180_559_945_3),
    (10.0, 2.302_585_092_994_046),
    (1e5, 11.512_925_464_970_229),
    (1e30, 69.077_552_789_821_37),
];

/// `(x, ln(1 + x))` for the `f32` nearest `x` (relative bound `LN`).
const LN1P: [(f32, f64); 8] = [
    (1e-10, 1.000_000_013_301_432e-10),
    (1e-5, 9.999_949_747_714_609e-6),
    (0.01, 0.009_950_330_631_863_71),
    (0.3, 0.262_364_273_637_436_36),
    (1.0, 0.693_147_180_559_945_3),
    (2.0, 1.098_612_288_668_109_6),
    (1e3, 6.908_754_779_315_22),
    (-0.25, -0.287_682_072_451_780_9),
];

/// `(x, tanh x)`.
const TANH: [(f32, f64); 10] = [
    (-20.0, -1.0),
    (-5.0, -0.999_909_204_262_595_1),
    (-1.0, -0.761_594_155_955_764_9),
    (-0.1, -0.099_667_994_624_955_82),
    (0.0, 0.0),
    (0.1, 0.099_667_994_624_955_82),
    (0.5, 0.462_117_157_260_009_74),
    (1.0, 0.761_594_155_955_764_9),
    (5.0, 0.999_909_204_262_595_1),
    (20.0, 1.0),
];

/// Worst error of `f` over `cases`, relative (`rel`) or relative to `max(|want|, 1)`.
fn worst(cases: &[(f32, f64)], f: fn(f32) -> f32, rel: bool) -> f32 {
    let mut w = 0.0f32;
    for &(x, want) in cases {
        let got = f(black_box(x)) as f64;
        let scale = if rel { want.abs() } else { want.abs().max(1.0) };
        let e = if got.is_finite() {
            ((got - want).abs() / scale) as f32
        } else {
            f32::INFINITY
        };
        if e > w {
            w = e;
        }
    }
    w
}

fn exp_accuracy() -> bool {
    let w = worst(&EXP, math::exp, true);
    defmt::info!(
        "  exp worst relative error {=f32} (bound {=f32})",
        w,
        tol::EXP_REL
    );
    w <= tol::EXP_REL && math::exp(-200.0) == 0.0
}

fn ln_accuracy() -> bool {
    let w = worst(&LN, math::ln, false);
    defmt::info!("  ln worst error {=f32} (bound {=f32})", w, tol::LN);
    let w1 = worst(&LN1P, math::ln_1p, true);
    defmt::info!(
        "  ln_1p worst relative error {=f32} (bound {=f32})",
        w1,
        tol::LN
    );
    w <= tol::LN
        && math::ln(0.0) == f32::NEG_INFINITY
        && math::ln(-1.0).is_nan()
        && w1 <= tol::LN
        && math::ln_1p(black_box(-1.0)) == f32::NEG_INFINITY
}

fn tanh_accuracy() -> bool {
    let w = worst(&TANH, math::tanh, false);
    defmt::info!("  tanh worst error {=f32} (bound {=f32})", w, tol::TANH);
    w <= tol::TANH && math::tanh(1e4) == 1.0 && math::tanh(-1e4) == -1.0
}

fn sigmoid_and_softplus_at_extremes() -> bool {
    let (hi, lo) = (
        math::sigmoid(black_box(1e4)),
        math::sigmoid(black_box(-1e4)),
    );
    let (sp_hi, sp_lo) = (
        math::softplus(black_box(1e4)),
        math::softplus(black_box(-1e4)),
    );
    defmt::info!(
        "  sigmoid(±1e4) = {=f32}, {=f32}; softplus(±1e4) = {=f32}, {=f32}",
        hi,
        lo,
        sp_hi,
        sp_lo
    );
    hi == 1.0 && lo == 0.0 && sp_hi == 1e4 && sp_lo == 0.0 && math::sigmoid(0.0) == 0.5
}

fn log_sum_exp_and_softmax_at_extremes() -> bool {
    let big = softmax::log_sum_exp(black_box(&[1000.0, 1000.0]));
    let small = softmax::log_sum_exp(black_box(&[-1000.0, -1000.0]));
    let one = softmax::log_sum_exp(black_box(&[0.0, -1e4]));
    let inf = softmax::log_sum_exp(black_box(&[f32::NEG_INFINITY, f32::NEG_INFINITY]));
    let mut p = [0.0f32; 3];
    let _ = softmax::softmax(black_box(&[1000.0, 0.0, -1000.0]), &mut p);
    let mut q = [0.0f32; 2];
    let _ = softmax::softmax(black_box(&[88.0, 88.0]), &mut q);
    let mut l = [0.0f32; 2];
    let _ = softmax::log_softmax(black_box(&[1e4, -1e4]), &mut l);
    defmt::info!(
        "  lse(1000, 1000) = {=f32}, lse(-1000, -1000) = {=f32}, softmax(1000, 0, -1000) = {=[?]}",
        big,
        small,
        p[..]
    );
    fw::close(big, 1000.0 + core::f32::consts::LN_2, 1e-6)
        && fw::close(small, -1000.0 + core::f32::consts::LN_2, 1e-6)
        && one == 0.0
        && inf == f32::NEG_INFINITY
        && p == [1.0, 0.0, 0.0]
        && q == [0.5, 0.5]
        && l[0] == 0.0
        && l[1] == -2e4
}

fn float_behaviour() -> bool {
    // Subnormals are kept (no flush-to-zero), NaN never compares, max ignores NaN.
    let sub = black_box(1e-38f32) * black_box(0.01f32);
    let nan = black_box(0.0f32) / black_box(0.0f32);
    // (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ exactly, but the product rounds (ties to even) to
    // 1 + 2⁻¹¹ first: 0 unless the compiler fused it into an FMA (Rust never does).
    let a = black_box(1.000_244_1_f32);
    let fma_free = a * a - black_box(1.000_488_3_f32);
    defmt::info!(
        "  1e-38 * 0.01 = {=f32}, (1 + 2^-12)^2 - (1 + 2^-11) = {=f32}",
        sub,
        fma_free
    );
    sub > 0.0
        && sub.to_bits() == 0x0001_16c2 // 1e-40, a subnormal, round to nearest
        && nan.is_nan()
        && nan.partial_cmp(&nan).is_none()
        && f32::max(nan, 1.0) == 1.0
        && fma_free == 0.0 // two roundings, as on the host
        && libm_sqrt_exact()
}

fn libm_sqrt_exact() -> bool {
    math::sqrt(black_box(2.25)) == 1.5 && math::sqrt(black_box(0.0)) == 0.0
}

fn dense_forward() -> bool {
    // 5 outputs: one block of four rows and one remainder row; every value exact in f32.
    let w = [
        1.0, 2.0, 3.0, -1.0, 0.5, 0.25, 0.0, 0.0, 1.0, 2.0, -2.0, 0.5, 0.5, 0.5, 0.5,
    ];
    let b = [0.5, -1.0, 0.0, 1.0, -0.25];
    let x = [1.0, -2.0, 0.5];
    let mut y = [0.0f32; 5];
    let ok = dense::forward(3, 5, black_box(&w), &b, black_box(&x), &mut y).is_ok();
    let mut y1 = [0.0f32; 5];
    let ok1 = dense::forward(1, 5, &w[..5], &b, &[2.0], &mut y1).is_ok();
    let bad = dense::forward(3, 5, &w[..14], &b, &x, &mut y1).is_err();
    defmt::info!("  dense 3 -> 5: {=[?]}", y[..]);
    ok && ok1 && bad && y == [-1.0, -2.875, 0.5, 7.25, -0.5] && y1 == [2.5, 3.0, 6.0, -1.0, 0.75]
}

/// A named check.
type Check = (&'static str, fn() -> bool);

/// The checks, in order.
const CHECKS: [Check; 7] = [
    ("float behaviour", float_behaviour),
    ("exp accuracy", exp_accuracy),
    ("ln accuracy", ln_accuracy),
    ("tanh accuracy", tanh_accuracy),
    (
        "sigmoid / softplus at +-1e4",
        sigmoid_and_softplus_at_extremes,
    ),
    (
        "log-sum-exp / softmax at extremes",
        log_sum_exp_and_softmax_at_extremes,
    ),
    ("dense forward", dense_forward),
];

#[entry]
fn main() -> ! {
    fw::hello("selftest_core");
    defmt::info!("scalar math: {=str}", tol::BACKEND);
    let mut failed = 0usize;
    for (name, check) in CHECKS {
        if check() {
            defmt::info!("ok: {=str}", name);
        } else {
            defmt::error!("FAILED: {=str}", name);
            failed += 1;
        }
    }
    defmt::info!(
        "{=usize} of {=usize} checks passed",
        CHECKS.len() - failed,
        CHECKS.len()
    );
    fw::finish(failed == 0)
}
