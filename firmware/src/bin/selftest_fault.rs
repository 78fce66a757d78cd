//! Self-test of the HardFault handler: executes an undefined instruction on purpose. It must log
//! the faulting PC and exit 101 instead of hanging QEMU (tests/tests/firmware.rs checks it).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml_firmware as fw;

#[entry]
fn main() -> ! {
    fw::hello("selftest_fault");
    cortex_m::asm::udf()
}
