//! How the firmware talks to the host and ends, chosen by feature:
//!
//! - `qemu`: defmt frames over semihosting (`defmt-semihosting`) to QEMU's stdout, decoded on
//!   the host by `defmt-print`; [`exit`] is a semihosting exit, so QEMU's exit code is the
//!   firmware's; a panic logs its location and exits 101.
//! - `rtt`: defmt over RTT (`defmt-rtt`) and `panic-probe`, for `probe-rs run`, which also
//!   understands the semihosting exit used by [`exit`].
//!
//! In both, a HardFault logs the faulting PC and exits 101 (see `lib.rs`), so a crash never
//! hangs QEMU or a test.

#[cfg(all(feature = "qemu", feature = "rtt"))]
compile_error!("select one transport: `qemu` (default) or `rtt` (with --no-default-features)");

#[cfg(not(any(feature = "qemu", feature = "rtt")))]
compile_error!("select a transport feature: `qemu` or `rtt`");

#[cfg(feature = "qemu")]
use defmt_semihosting as _;

#[cfg(feature = "rtt")]
use defmt_rtt as _;
#[cfg(feature = "rtt")]
use panic_probe as _;

/// Exit code of a failed check.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code of a panic or a HardFault.
pub const EXIT_CRASH: i32 = 101;

/// Ends the program with `code` (0 = success) through semihosting: QEMU exits with it,
/// `probe-rs run` reports it.
pub fn exit(code: i32) -> ! {
    semihosting::process::exit(code)
}

/// Under `qemu`, a panic logs where it happened and exits [`EXIT_CRASH`] (101, like a Rust test
/// harness). (The message is left out: formatting it would pull `core::fmt` into flash.)
#[cfg(feature = "qemu")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    match info.location() {
        Some(l) => defmt::error!("panicked at {=str}:{=u32}", l.file(), l.line()),
        None => defmt::error!("panicked"),
    }
    exit(EXIT_CRASH)
}
