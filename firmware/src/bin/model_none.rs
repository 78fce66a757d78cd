//! The baseline of `model_sine`: the same program without the model (`y` is the input), so
//! `flash(model_sine) − flash(model_none)` is what the sine model costs in flash (see
//! `tools/report.sh`). Exits 0.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use embedml_firmware as fw;

#[entry]
fn main() -> ! {
    fw::hello("model_none");
    let y = [black_box(0.5f32)];
    defmt::info!("y = {=f32}", y[0]);
    fw::finish(fw::close(y[0], black_box(0.5), 1e-5))
}
