//! The PRML Fig 5.19 inverse-problem MDN on the device (`models/prml_inverse.bin`: `K = 3`
//! components, trunk 1 → 5 tanh → 9, trained on the host by `embedml-host` as `embedml demo
//! prml-inverse` trains it, blob from `embedml export`'s writer), run **in place** from flash
//! (`MdnRef`: the parameters are borrowed from the blob, not copied; this binary only infers,
//! so it needs no trainable copy in RAM). For each input `t` of the
//! sweep it logs π, μ, σ, the conditional mean and the conditional mode, and compares them with
//! what core computed on the host (`models/prml_inverse_expected.rs`) within 1e-5 relative.
//! Exits 0 only if every figure matches.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml::models::mdn::ModeSearch;
use embedml::{include_blob, mdn_ref_type};
use embedml_firmware as fw;

/// `INPUTS`, `PI`, `MU`, `SIGMA`, `MEAN`, `MODE`, generated on the host.
mod expected {
    include!("../../models/prml_inverse_expected.rs");
}

/// The weight blob, 4-byte aligned in flash.
static BLOB: &[u8] = include_blob!("../../models/prml_inverse.bin");

/// Relative tolerance against the host's outputs.
const TOLERANCE: f32 = 1e-5;

/// The in-place MDN: parameters borrowed from `BLOB`.
type Inverse = mdn_ref_type!(3, 1; 1, 5, 9);

/// Number of sweep inputs.
const N: usize = expected::INPUTS.len();

#[entry]
fn main() -> ! {
    fw::hello("mdn");
    let mut net = match Inverse::from_blob(BLOB) {
        Ok(net) => net,
        Err(e) => {
            defmt::error!("prml_inverse.bin rejected: {}", e);
            fw::finish(false)
        }
    };
    defmt::info!(
        "prml_inverse.bin: {=usize} bytes, K = {=usize}, {=usize} parameters",
        BLOB.len(),
        net.head().k(),
        net.params().len()
    );
    let (mut pi, mut mu, mut sigma) = ([[0.0f32; 3]; N], [[0.0f32; 3]; N], [[0.0f32; 3]; N]);
    let (mut mean, mut mode) = ([0.0f32; N], [0.0f32; N]);
    for (i, &t) in expected::INPUTS.iter().enumerate() {
        let mut run = |net: &mut Inverse| -> embedml::Result<()> {
            let mix = net.forward(&[t])?;
            for c in 0..3 {
                pi[i][c] = mix.pi(c);
                mu[i][c] = mix.mu()[c];
                sigma[i][c] = mix.sigma()[c];
            }
            let mut m = [0.0f32];
            mix.mean(&mut m)?;
            mean[i] = m[0];
            net.mode(&[t], &mut m, ModeSearch::default())?;
            mode[i] = m[0];
            Ok(())
        };
        if let Err(e) = run(&mut net) {
            defmt::error!("t = {=f32}: {}", t, e);
            fw::finish(false);
        }
        defmt::info!(
            "t = {=f32}: pi {=[?]}, mu {=[?]}, sigma {=[?]}, mean {=f32}, mode {=f32}",
            t,
            pi[i][..],
            mu[i][..],
            sigma[i][..],
            mean[i],
            mode[i]
        );
    }
    let mut ok = true;
    ok &= fw::check_all(
        "pi",
        pi.as_flattened(),
        expected::PI.as_flattened(),
        TOLERANCE,
    );
    ok &= fw::check_all(
        "mu",
        mu.as_flattened(),
        expected::MU.as_flattened(),
        TOLERANCE,
    );
    ok &= fw::check_all(
        "sigma",
        sigma.as_flattened(),
        expected::SIGMA.as_flattened(),
        TOLERANCE,
    );
    ok &= fw::check_all("mean", &mean, &expected::MEAN, TOLERANCE);
    ok &= fw::check_all("mode", &mode, &expected::MODE, TOLERANCE);
    fw::finish(ok)
}
