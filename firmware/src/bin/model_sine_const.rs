//! Flash cost of the sine model on the constant-weights path: like `model_sine`, one prediction
//! of the 1 → 16 → 16 → 1 ReLU sine MLP, but with the model as compile-time constants
//! (`models/sine_const.rs`, written by `embedml export --rust-const` from `sine.bin`:
//! `ConstMlp`, no blob, no parser, no CRC; the same typed executor, bit-identical outputs).
//! `tools/report.sh` prints `flash(model_sine_const) − flash(model_none)` as this path's cost.
//! Exits 0 if the output matches the host within 1e-5 relative.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml_firmware as fw;

/// `INPUTS` and `EXPECTED`, generated on the host.
mod expected {
    include!("../../models/sine_expected.rs");
}

/// The model as constants: `PARAMS`, `Consts`, `ConstModel`.
mod sine {
    include!("../../models/sine_const.rs");
}

#[entry]
fn main() -> ! {
    fw::hello("model_sine_const");
    let mut x = [black_box(expected::INPUTS[3])];
    let mut y = [0.0f32];
    let ok = match sine::ConstModel::new() {
        Ok(mut net) => net.predict(&mut x, &mut y).is_ok(),
        Err(_) => false,
    };
    defmt::info!("y = {=f32}", y[0]);
    fw::finish(ok && fw::close(y[0], expected::EXPECTED[3], 1e-5))
}
