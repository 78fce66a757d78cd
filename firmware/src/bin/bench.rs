//! Instruction-count benchmark: each measured region is bracketed by the marker functions
//! `embedml_mark_begin` / `embedml_mark_end`, so `tools/count-instructions.sh` can count the
//! instructions QEMU executes in it (`-singlestep -d exec,nochain`). Regions, in order:
//!
//! 0. `empty`      — nothing: the markers' own cost, subtracted from the others.
//! 1. `mlp_flash`  — one inference of the 1 → 16 → 16 → 1 ReLU sine MLP, run in place from its
//!    blob in flash (`MlpRef::forward`, the shape of the MicroFlow / TFLM sine model), by the
//!    typed executor `mlp_ref_type!` selects (`embedml::models::fixed::W3<1, 16, 16, 1>`).
//! 2. `mlp_ram`    — the same inference with the parameters copied into RAM (`Mlp::forward`,
//!    the same typed executor).
//! 3. `plain_loop` — the same network as a plain hand-written f32 loop over fixed-size arrays
//!    (the reference a hand-written C or Rust model would be).
//!
//! 4. `mdn`        — one inference of the PRML inverse MDN (`models/prml_inverse.bin`, trunk
//!    1 → 5 tanh → 9, K = 3): trunk forward and head, i.e. ln π (log-softmax), σ = exp, μ.
//! 5. `nb`         — one categorical naive Bayes prediction of the SPEC golf query with the
//!    model learnt from the 14 rows (2 classes, 4 features), on the device's `f32` path:
//!    `CategoricalTables::predict_proba` (log-probability tables built once by `log_tables()`
//!    outside the region; `f32` adds and softmax).
//! 6. `qlearn`     — one tabular Q-learning update on a 16 × 4 table (FrozenLake 4×4).
//!
//! The binary also checks that the three MLP inferences agree bit for bit and that the other
//! regions return what core returns outside the markers, and exits 0 if they do.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml::models::naive_bayes::CategoricalNb;
use embedml::models::qlearn::{Experience, QTable};
use embedml::{include_blob, mdn_type, mlp_ref_type, mlp_type};
use embedml_firmware as fw;

/// The sine model's blob (1 → 16 → 16 → 1, ReLU), 4-byte aligned in flash.
static SINE: &[u8] = include_blob!("../../models/sine.bin");

/// The PRML inverse MDN's blob.
static PRML: &[u8] = include_blob!("../../models/prml_inverse.bin");

type Sine = mlp_type!(1, 16, 16, 1);
type Inverse = mdn_type!(3, 1; 1, 5, 9);
type SineFlash = mlp_ref_type!(1, 16, 16, 1);

/// Names of the regions, in the order they run.
const REGIONS: [&str; 7] = [
    "empty",
    "mlp_flash",
    "mlp_ram",
    "plain_loop",
    "mdn",
    "nb",
    "qlearn",
];

/// The SPEC golf table as category indices (see `src/bin/naive_bayes.rs`).
const GOLF: [([usize; 4], usize); 14] = [
    ([0, 0, 0, 0], 0),
    ([0, 0, 0, 1], 0),
    ([1, 0, 0, 0], 1),
    ([2, 1, 0, 0], 1),
    ([2, 2, 1, 0], 1),
    ([2, 2, 1, 1], 0),
    ([1, 2, 1, 1], 1),
    ([0, 1, 0, 0], 0),
    ([0, 2, 1, 0], 1),
    ([2, 1, 1, 0], 1),
    ([0, 1, 1, 1], 1),
    ([1, 1, 0, 1], 1),
    ([1, 0, 1, 0], 1),
    ([2, 1, 0, 1], 0),
];

/// Runs `f` between the two markers. `#[inline(always)]`, so nothing but `f` is in between.
#[inline(always)]
fn region<R>(f: impl FnOnce() -> R) -> R {
    fw::embedml_mark_begin();
    let r = f();
    fw::embedml_mark_end();
    r
}

/// The sine network as fixed-size arrays: what a hand-written model looks like.
struct Plain {
    w1: [f32; 16],
    b1: [f32; 16],
    w2: [[f32; 16]; 16],
    b2: [f32; 16],
    w3: [f32; 16],
    b3: f32,
}

impl Plain {
    /// Copies the parameters (in embedml's order: W1, b1, W2, b2, W3, b3).
    fn from_params(p: &[f32]) -> Plain {
        let mut m = Plain {
            w1: [0.0; 16],
            b1: [0.0; 16],
            w2: [[0.0; 16]; 16],
            b2: [0.0; 16],
            w3: [0.0; 16],
            b3: 0.0,
        };
        let mut it = p.iter().copied();
        let mut next = || it.next().unwrap_or(0.0);
        m.w1.iter_mut().for_each(|v| *v = next());
        m.b1.iter_mut().for_each(|v| *v = next());
        m.w2.iter_mut().flatten().for_each(|v| *v = next());
        m.b2.iter_mut().for_each(|v| *v = next());
        m.w3.iter_mut().for_each(|v| *v = next());
        m.b3 = next();
        m
    }

    /// One inference, the plain way (same summation order as embedml's dense kernel).
    #[inline(never)]
    #[allow(clippy::needless_range_loop)] // deliberately the indexed loops of hand-written code
    fn forward(&self, x: f32) -> f32 {
        let relu = |a: f32| if a > 0.0 { a } else { 0.0 };
        let mut h1 = [0.0f32; 16];
        for o in 0..16 {
            h1[o] = relu(self.b1[o] + self.w1[o] * x);
        }
        let mut h2 = [0.0f32; 16];
        for o in 0..16 {
            let mut a = self.b2[o];
            for i in 0..16 {
                a += self.w2[o][i] * h1[i];
            }
            h2[o] = relu(a);
        }
        let mut y = self.b3;
        for i in 0..16 {
            y += self.w3[i] * h2[i];
        }
        y
    }
}

#[entry]
fn main() -> ! {
    fw::hello("bench");
    let Ok(mut flash) = SineFlash::from_blob(SINE) else {
        defmt::error!("sine.bin rejected");
        fw::finish(false)
    };
    let Ok(mut ram) = Sine::from_blob(SINE) else {
        defmt::error!("sine.bin rejected by Mlp::from_blob");
        fw::finish(false)
    };
    let plain = Plain::from_params(flash.params());
    for (i, name) in REGIONS.iter().enumerate() {
        defmt::info!("region {=usize}: {=str}", i, name);
    }
    let x = [0.3f32];

    region(|| black_box(()));
    let y_flash = region(|| {
        let x = black_box(x);
        black_box(flash.forward(&x).map(|y| y[0]))
    });
    let y_ram = region(|| {
        let x = black_box(x);
        black_box(ram.forward(&x).map(|y| y[0]))
    });
    let y_plain = region(|| black_box(plain.forward(black_box(x[0]))));
    let Ok(mut mdn) = Inverse::from_blob(PRML) else {
        defmt::error!("prml_inverse.bin rejected");
        fw::finish(false)
    };
    let mut golf = CategoricalNb::<2, 4, 3>::new([3, 3, 2, 2], 0.0).ok();
    for (x, y) in GOLF {
        golf = golf.and_then(|mut nb| nb.update(&x, y).ok().map(|_| nb));
    }
    let Some(golf) = golf.and_then(|nb| nb.log_tables().ok()) else {
        defmt::error!("golf training failed");
        fw::finish(false)
    };
    let mut q = QTable::<16, 4>::new();
    for (i, v) in q.as_mut_slice().iter_mut().enumerate() {
        *v = 0.01 * i as f32;
    }
    let e = Experience {
        state: 14,
        action: 2,
        reward: 1.0,
        next: 15,
        terminated: false,
    };

    let mdn_pi0 = region(|| {
        let t = black_box([0.5f32]);
        black_box(mdn.forward(&t).map(|m| m.log_pi()[0]))
    });
    let nb_p = region(|| black_box(golf.predict_proba(black_box(&[0, 2, 0, 1]), None)));
    let td = region(|| black_box(q.update(black_box(&e), 0.1, 0.95)));

    let mdn_ok = match (mdn_pi0, mdn.forward(&[0.5])) {
        (Ok(a), Ok(m)) => a.to_bits() == m.log_pi()[0].to_bits(),
        _ => false,
    };
    let nb_ok = matches!(nb_p, Ok(p) if (p[0] - 0.7954).abs() < 1e-4);
    // Q(14, 2) = 0.58 → 0.58 + 0.1 (1 + 0.95 · max Q(15, ·) − 0.58), max Q(15, ·) = 0.63.
    let q_ok = matches!(td, Ok(td) if fw::close(td, 1.0 + 0.95 * 0.63 - 0.58, 1e-6));
    defmt::info!(
        "mdn ln pi_0(0.5) {=bool}, nb P(no) {=bool}, q update {=bool}",
        mdn_ok,
        nb_ok,
        q_ok
    );

    let (Ok(y_flash), Ok(y_ram)) = (y_flash, y_ram) else {
        defmt::error!("forward failed");
        fw::finish(false)
    };
    defmt::info!(
        "y(0.3): flash {=f32}, ram {=f32}, plain {=f32}",
        y_flash,
        y_ram,
        y_plain
    );
    defmt::info!(
        "flash cost of the model: {=usize} bytes of blob ({=usize} parameters); RAM for in-place inference: {=usize} bytes",
        SINE.len(),
        flash.params().len(),
        core::mem::size_of::<SineFlash>()
    );
    fw::finish(
        y_flash.to_bits() == y_ram.to_bits()
            && y_ram.to_bits() == y_plain.to_bits()
            && mdn_ok
            && nb_ok
            && q_ok,
    )
}
