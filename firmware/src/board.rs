//! The board, chosen by exactly one cargo feature; its memory layout is picked by `build.rs`.

#[cfg(any(
    all(feature = "mps2-an386", feature = "lm3s6965"),
    all(feature = "mps2-an386", feature = "nrf52840"),
    all(feature = "lm3s6965", feature = "nrf52840"),
    not(any(feature = "mps2-an386", feature = "lm3s6965", feature = "nrf52840")),
))]
compile_error!("select exactly one board feature: mps2-an386, lm3s6965 or nrf52840");

/// A board: its name, core and memory (the same figures as its `memory/*.x`).
#[derive(Debug, Clone, Copy, defmt::Format)]
pub struct Board {
    /// Board name.
    pub name: &'static str,
    /// CPU core.
    pub core: &'static str,
    /// Flash size in bytes.
    pub flash: u32,
    /// RAM size in bytes.
    pub ram: u32,
}

/// Arm MPS2-AN386 in QEMU (`-machine mps2-an386 -cpu cortex-m4`), target thumbv7em-none-eabihf.
#[cfg(feature = "mps2-an386")]
pub const BOARD: Board = Board {
    name: "mps2-an386",
    core: "cortex-m4f",
    flash: 4 << 20,
    ram: 4 << 20,
};

/// TI LM3S6965 in QEMU (`-machine lm3s6965evb`), target thumbv7m-none-eabi (soft float).
#[cfg(feature = "lm3s6965")]
pub const BOARD: Board = Board {
    name: "lm3s6965",
    core: "cortex-m3",
    flash: 256 << 10,
    ram: 64 << 10,
};

/// Nordic nRF52840-DK, target thumbv7em-none-eabihf, through a debug probe (`rtt`).
#[cfg(feature = "nrf52840")]
pub const BOARD: Board = Board {
    name: "nrf52840",
    core: "cortex-m4f",
    flash: 1 << 20,
    ram: 256 << 10,
};
