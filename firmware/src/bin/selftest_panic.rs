//! Self-test of the transport: panics on purpose. Under `qemu` it must log where and exit 101
//! (tests/tests/firmware.rs checks both).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml_firmware as fw;

#[entry]
fn main() -> ! {
    fw::hello("selftest_panic");
    let nothing: Option<u32> = core::hint::black_box(None);
    let n = nothing.expect("deliberate panic");
    defmt::error!("unreachable: {=u32}", n);
    fw::finish(false)
}
