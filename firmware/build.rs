//! Copies the selected board's memory layout to `$OUT_DIR/memory.x`, where cortex-m-rt's
//! `link.x` finds it. (No `memory.x` may sit in the package root: it would shadow this one.)

use std::env;
use std::fs;
use std::path::PathBuf;

const BOARDS: [(&str, &str); 3] = [
    ("CARGO_FEATURE_MPS2_AN386", "memory/mps2-an386.x"),
    ("CARGO_FEATURE_LM3S6965", "memory/lm3s6965.x"),
    ("CARGO_FEATURE_NRF52840", "memory/nrf52840.x"),
];

fn main() {
    let chosen: Vec<&str> = BOARDS
        .iter()
        .filter(|(feature, _)| env::var_os(feature).is_some())
        .map(|(_, file)| *file)
        .collect();
    // More or fewer than one board is a compile_error! in src/board.rs; say it here too.
    let Some(file) = chosen.first().filter(|_| chosen.len() == 1) else {
        println!(
            "cargo:warning=select exactly one board feature: mps2-an386, lm3s6965 or nrf52840"
        );
        return;
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let layout = fs::read(file).expect("board memory layout");
    fs::write(out.join("memory.x"), layout).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    for (_, f) in BOARDS {
        println!("cargo:rerun-if-changed={f}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
