//! Flash cost of the sine model, measured by difference: this binary runs one prediction of the
//! 1 → 16 → 16 → 1 ReLU sine MLP in place from its blob (`MlpRef::predict`: blob checks, typed
//! executor, standardisation), `model_none` is the same program without the model.
//! `tools/report.sh` prints `flash(model_sine) − flash(model_none)` as the model's cost
//! (blob + parser + executor). Exits 0 if the output matches the host within 1e-5 relative.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml::{include_blob, mlp_ref_type};
use embedml_firmware as fw;

/// `INPUTS` and `EXPECTED`, generated on the host.
mod expected {
    include!("../../models/sine_expected.rs");
}

/// The weight blob, 4-byte aligned in flash.
static SINE: &[u8] = include_blob!("../../models/sine.bin");

#[entry]
fn main() -> ! {
    fw::hello("model_sine");
    let mut x = [black_box(expected::INPUTS[3])];
    let mut y = [0.0f32];
    let ok = match <mlp_ref_type!(1, 16, 16, 1)>::from_blob(SINE) {
        Ok(mut net) => net.predict(&mut x, &mut y).is_ok(),
        Err(_) => false,
    };
    defmt::info!("y = {=f32}", y[0]);
    fw::finish(ok && fw::close(y[0], expected::EXPECTED[3], 1e-5))
}
