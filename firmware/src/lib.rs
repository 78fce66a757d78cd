//! # embedml-firmware — embedml models on a microcontroller
//!
//! Shared helpers of the firmware binaries (`src/bin/`): the [`board`], the [`transport`]
//! (QEMU semihosting or RTT), exit codes, output checks and the instruction-count markers.
//! Every binary logs with defmt and ends through [`transport::exit`]: 0 when all its checks
//! pass, 1 when one fails, 101 on a panic or a HardFault.
#![no_std]
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod board;
pub mod stack;
pub mod transport;

use cortex_m_rt::{exception, ExceptionFrame};

pub use board::BOARD;
pub use transport::{exit, EXIT_CRASH, EXIT_FAILURE};

/// A HardFault logs the faulting PC and exits [`EXIT_CRASH`], so a crash never hangs QEMU.
#[allow(unsafe_code)] // cortex-m-rt requires the HardFault handler to be an `unsafe fn`.
#[exception]
unsafe fn HardFault(ef: &ExceptionFrame) -> ! {
    defmt::error!("HardFault at pc = {=u32:#010x}", ef.pc());
    exit(EXIT_CRASH)
}

/// Logs the board and the binary at start-up, and paints the free stack (see [`stack`]).
pub fn hello(bin: &str) {
    stack::paint();
    defmt::info!("{=str} on {=str} ({=str})", bin, BOARD.name, BOARD.core);
}

/// Whether `got` is within `rel` of `want`, relative to `max(|want|, 1)` (so values near zero
/// are compared absolutely).
pub fn close(got: f32, want: f32, rel: f32) -> bool {
    let scale = if want.abs() > 1.0 { want.abs() } else { 1.0 };
    (got - want).abs() <= rel * scale
}

/// Compares `got[i]` with `want[i]` for every `i` (see [`close`]); logs every mismatch and a
/// summary line with the largest deviation; returns whether all matched.
pub fn check_all(what: &str, got: &[f32], want: &[f32], rel: f32) -> bool {
    if got.len() != want.len() {
        defmt::error!(
            "{=str}: {=usize} outputs, expected {=usize}",
            what,
            got.len(),
            want.len()
        );
        return false;
    }
    let mut ok = true;
    let mut worst = 0.0f32;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let d = (g - w).abs();
        if d > worst {
            worst = d;
        }
        if !close(g, w, rel) {
            defmt::error!(
                "{=str}[{=usize}]: got {=f32}, expected {=f32}",
                what,
                i,
                g,
                w
            );
            ok = false;
        }
    }
    if ok {
        defmt::info!(
            "{=str}: {=usize} outputs match (max |diff| {=f32})",
            what,
            got.len(),
            worst
        );
    }
    ok
}

/// Logs the stack high-water mark since [`hello`] (see [`stack`]), then exits 0 if `ok`, else
/// logs the failure and exits [`EXIT_FAILURE`].
pub fn finish(ok: bool) -> ! {
    let (used, at_least) = stack::high_water();
    if at_least {
        defmt::info!("stack high-water mark: at least {=usize} bytes", used);
    } else {
        defmt::info!("stack high-water mark: {=usize} bytes", used);
    }
    if ok {
        defmt::info!("PASS");
        exit(0)
    } else {
        defmt::error!("FAIL");
        exit(EXIT_FAILURE)
    }
}

/// Instruction-count marker: the region being measured starts at this function's first
/// instruction (`tools/count-instructions.sh` finds it by its (mangled) symbol in the QEMU exec trace).
#[inline(never)]
pub fn embedml_mark_begin() {
    // Inline assembly is never removed, and the two bodies differ, so the markers are never
    // merged or optimised away: one `nop` here, two in `embedml_mark_end`.
    cortex_m::asm::nop();
}

/// Instruction-count marker: the region being measured ends at this function's first
/// instruction.
#[inline(never)]
pub fn embedml_mark_end() {
    cortex_m::asm::nop();
    cortex_m::asm::nop();
}
