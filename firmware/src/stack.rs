//! Stack high-water mark, measured by painting.
//!
//! [`paint`] (called by [`hello`](crate::hello) at start-up) fills the free stack below the
//! current stack pointer with [`PATTERN`]; [`high_water`] (called by [`finish`](crate::finish))
//! scans up from the bottom of the painted window for the first word that no longer holds it.
//! Everything above that word has been used at some point, so `top of RAM − that address` is the
//! deepest the stack has been (the frames that existed before painting, `main`'s included, are
//! counted as used). Only the top [`WINDOW`] bytes are painted, so the scan is quick in QEMU's
//! instruction trace; a stack that reaches the bottom of the window is reported as "at least".
//! (An exception taken with a deeper stack would be measured too: none is enabled here.)

/// The paint: a word a computation is unlikely to leave behind.
pub const PATTERN: u32 = 0x5AFE_57AC;

/// Bytes below the top of RAM that are painted (and scanned): far more than any binary uses.
pub const WINDOW: usize = 32 * 1024;

/// Bytes left unpainted just below the stack pointer of [`paint`] (its own spills).
const MARGIN: usize = 64;

extern "C" {
    /// Top of the stack (the initial stack pointer), from cortex-m-rt's `link.x`.
    static _stack_start: u32;
    /// Lowest address the stack may reach (end of the static data), from `link.x`.
    static _stack_end: u32;
}

/// `(top, bottom)` of the painted window: the top of RAM and `max(stack end, top − WINDOW)`.
fn window() -> (usize, usize) {
    let top = core::ptr::addr_of!(_stack_start) as usize;
    let end = core::ptr::addr_of!(_stack_end) as usize;
    let bottom = top.saturating_sub(WINDOW).max(end);
    (top, (bottom + 3) & !3)
}

/// Paints the free stack of the window below the current stack pointer.
#[inline(never)]
pub fn paint() {
    let (_, bottom) = window();
    let sp = cortex_m::register::msp::read() as usize;
    let high = sp.saturating_sub(MARGIN) & !3;
    let mut p = bottom;
    while p < high {
        // Below the stack pointer (minus a margin), nothing is live: no frame, no exception.
        #[allow(unsafe_code)]
        // SAFETY: `p` is word-aligned, inside RAM (between the end of the static data and the
        // current stack pointer) and not used by anything.
        unsafe {
            (p as *mut u32).write_volatile(PATTERN)
        };
        p += 4;
    }
}

/// The stack high-water mark in bytes since [`paint`] (`top of RAM − lowest word written`), and
/// whether it reached the bottom of the painted window (then the true figure is larger).
pub fn high_water() -> (usize, bool) {
    let (top, bottom) = window();
    let mut p = bottom;
    while p < top {
        #[allow(unsafe_code)]
        // SAFETY: `p` is word-aligned and inside RAM (the window is between the end of the
        // static data and the top of RAM); a volatile read of a `u32` has no other effect.
        let v = unsafe { (p as *const u32).read_volatile() };
        if v != PATTERN {
            break;
        }
        p += 4;
    }
    (top - p, p == bottom)
}
