//! Runs the sine MLP (1 → 16 → 16 → 1, ReLU) straight from its blob in flash and checks its
//! outputs against the ones embedml computed on the host (`models/sine_expected.rs`), within
//! 1e-5 relative. Also checks, on the device, that a corrupted or truncated copy of the blob is
//! rejected with the right error. Exits 0 only if everything matches.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml::format::{BlobView, FormatError};
use embedml::{include_blob, mlp_ref_type};
use embedml_firmware as fw;

/// `INPUTS` and `EXPECTED`, generated on the host.
mod expected {
    include!("../../models/sine_expected.rs");
}

/// The weight blob, 4-byte aligned in flash.
static SINE: &[u8] = include_blob!("../../models/sine.bin");

/// Relative tolerance against the host's outputs.
const TOLERANCE: f32 = 1e-5;

#[entry]
fn main() -> ! {
    fw::hello("mlp_blob");
    let mut net = match <mlp_ref_type!(1, 16, 16, 1)>::from_blob(SINE) {
        Ok(net) => net,
        Err(e) => {
            defmt::error!("sine.bin rejected: {}", e);
            fw::finish(false)
        }
    };
    defmt::info!(
        "sine.bin: {=usize} bytes, {=usize} parameters used in place at {=usize:#010x}",
        SINE.len(),
        net.params().len(),
        net.params().as_ptr() as usize
    );

    let mut got = [0.0f32; expected::INPUTS.len()];
    for (g, &x) in got.iter_mut().zip(&expected::INPUTS) {
        let (mut xi, mut y) = ([x], [0.0f32]);
        if let Err(e) = net.predict(&mut xi, &mut y) {
            defmt::error!("predict failed: {}", e);
            fw::finish(false);
        }
        *g = y[0];
    }
    let mut ok = fw::check_all("sine", &got, &expected::EXPECTED, TOLERANCE);

    // Integrity checks run on the device too: a flipped bit and a short copy are rejected.
    let mut copy = [0u8; 1380];
    if copy.len() == SINE.len() {
        copy.copy_from_slice(SINE);
        copy[700] ^= 0x10;
        let flipped = BlobView::parse(&copy);
        let short = BlobView::parse(&SINE[..SINE.len() - 1]);
        let detected = matches!(flipped, Err(FormatError::ChecksumMismatch { .. }))
            && matches!(short, Err(FormatError::Truncated { .. }));
        if detected {
            defmt::info!("corrupted blob rejected: checksum mismatch, truncation");
        } else {
            defmt::error!("corruption not detected");
        }
        ok &= detected;
    } else {
        defmt::error!("sine.bin is {=usize} bytes, expected 1380", SINE.len());
        ok = false;
    }
    fw::finish(ok)
}
