//! Instruction-count benchmark of the constant-weights path, apart from `bench` (whose flash
//! it would otherwise grow by the second copy of the sine model). Regions, bracketed by the
//! markers as in `bench` (`tools/count-instructions.sh`):
//!
//! 0. `empty`      — nothing: the markers' own cost.
//! 1. `mlp_const`  — one inference of the 1 → 16 → 16 → 1 ReLU sine MLP from its constants
//!    (`ConstMlp::forward`, `models/sine_const.rs` written by `embedml export --rust-const`).
//! 2. `mlp_flash`  — the same inference in place from the blob (`MlpRef::forward`), as region 1
//!    of `bench`.
//!
//! Exits 0 if the two outputs agree bit for bit.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml::{include_blob, mlp_ref_type};
use embedml_firmware as fw;

/// The sine model as constants: `PARAMS`, `Consts`, `ConstModel`.
mod sine {
    include!("../../models/sine_const.rs");
}

/// The same model's blob, 4-byte aligned in flash.
static SINE: &[u8] = include_blob!("../../models/sine.bin");

/// Names of the regions, in the order they run.
const REGIONS: [&str; 3] = ["empty", "mlp_const", "mlp_flash"];

/// Runs `f` between the two markers. `#[inline(always)]`, so nothing but `f` is in between.
#[inline(always)]
fn region<R>(f: impl FnOnce() -> R) -> R {
    fw::embedml_mark_begin();
    let r = f();
    fw::embedml_mark_end();
    r
}

#[entry]
fn main() -> ! {
    fw::hello("bench_const");
    let Ok(mut konst) = sine::ConstModel::new() else {
        defmt::error!("sine_const rejected");
        fw::finish(false)
    };
    let Ok(mut flash) = <mlp_ref_type!(1, 16, 16, 1)>::from_blob(SINE) else {
        defmt::error!("sine.bin rejected");
        fw::finish(false)
    };
    for (i, name) in REGIONS.iter().enumerate() {
        defmt::info!("region {=usize}: {=str}", i, name);
    }
    let x = [0.3f32];
    region(|| black_box(()));
    let y_const = region(|| {
        let x = black_box(x);
        black_box(konst.forward(&x).map(|y| y[0]))
    });
    let y_flash = region(|| {
        let x = black_box(x);
        black_box(flash.forward(&x).map(|y| y[0]))
    });
    let (Ok(y_const), Ok(y_flash)) = (y_const, y_flash) else {
        defmt::error!("forward failed");
        fw::finish(false)
    };
    defmt::info!("y(0.3): const {=f32}, flash {=f32}", y_const, y_flash);
    fw::finish(y_const.to_bits() == y_flash.to_bits())
}
