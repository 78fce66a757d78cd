//! The firmware under QEMU: builds `firmware/` (release, its own workspace and target
//! directory `firmware/target`) for the MPS2-AN386 (Cortex-M4F) and the LM3S6965 (Cortex-M3,
//! soft float), runs each binary through `firmware/tools/qemu-run.sh` (QEMU + semihosting,
//! defmt decoded by `defmt-print`) and checks exit codes and log lines.
//!
//! Needs `qemu-system-arm` and `defmt-print`: `tools/install-embedded.sh` installs them (the
//! README's test command runs it). Without them the tests fail, unless `EMBEDML_SKIP_QEMU=1`,
//! which turns them into a printed skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

fn firmware_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../firmware")
        .canonicalize()
        .expect("firmware/ next to tests/")
}

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `false` (after printing why) when the tests should be skipped; panics when the tools are
/// missing and skipping was not asked for.
fn tools_ready() -> bool {
    let missing: Vec<&str> = ["qemu-system-arm", "defmt-print"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("EMBEDML_SKIP_QEMU").is_some_and(|v| v != "0") {
        eprintln!(
            "SKIPPED: firmware tests need {} (EMBEDML_SKIP_QEMU is set)",
            missing.join(" and ")
        );
        return false;
    }
    panic!(
        "the firmware tests need {} on PATH: run the README's test command, which runs \
         tools/install-embedded.sh (or set EMBEDML_SKIP_QEMU=1 to skip them)",
        missing.join(" and ")
    );
}

/// A board: its Rust target, cargo features and target directory (under `firmware/`).
struct Board {
    target: &'static str,
    features: &'static str,
    dir: &'static str,
}

const MPS2_AN386: Board = Board {
    target: "thumbv7em-none-eabihf",
    features: "qemu,mps2-an386",
    dir: "target",
};
const LM3S6965: Board = Board {
    target: "thumbv7m-none-eabi",
    features: "qemu,lm3s6965",
    dir: "target",
};
/// The LM3S6965 with core's `micromath` approximations (its own target directory).
const LM3S6965_MICROMATH: Board = Board {
    target: "thumbv7m-none-eabi",
    features: "qemu,lm3s6965,micromath",
    dir: "target/micromath",
};

/// The MPS2-AN386 with core's `fastexp` polynomial `exp` / `tanh` (its own target directory).
const MPS2_AN386_FASTEXP: Board = Board {
    target: "thumbv7em-none-eabihf",
    features: "qemu,mps2-an386,fastexp",
    dir: "target/fastexp",
};

/// Builds every binary for `board` once per test process (cargo's own lock serialises the
/// builds); returns the release directory.
fn build(board: &Board) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let dir = firmware_dir();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if !built.contains(&board.features) {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&dir)
            .args(["build", "--release", "--bins", "-j", "2", "--target"])
            .arg(board.target)
            .args(["--no-default-features", "--features", board.features])
            .arg("--target-dir")
            .arg(dir.join(board.dir));
        // The outer `cargo test` must not leak its flags into the thumb build (RUSTFLAGS would
        // replace firmware/.cargo/config.toml's linker scripts).
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET_DIR",
        ] {
            cmd.env_remove(var);
        }
        let out = cmd.output().expect("run cargo build in firmware/");
        assert!(
            out.status.success(),
            "firmware build for {} failed:\n{}",
            board.target,
            String::from_utf8_lossy(&out.stderr)
        );
        built.push(board.features);
    }
    dir.join(board.dir).join(board.target).join("release")
}

/// Runs `bin` under QEMU; returns (exit code, decoded log + stderr).
fn run(release: &Path, bin: &str) -> (i32, String) {
    let dir = firmware_dir();
    let out = Command::new(dir.join("tools/qemu-run.sh"))
        .arg(release.join(bin))
        .env("EMBEDML_QEMU_TIMEOUT", "60")
        .output()
        .expect("run tools/qemu-run.sh");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), log)
}

fn expect(board: &Board, bin: &str, code: i32, lines: &[&str]) {
    if !tools_ready() {
        return;
    }
    let release = build(board);
    let (status, log) = run(&release, bin);
    assert_eq!(
        status, code,
        "{bin} on {} exited {status}, expected {code}; log:\n{log}",
        board.target
    );
    for line in lines {
        assert!(
            log.contains(line),
            "{bin} on {}: no {line:?} in the log:\n{log}",
            board.target
        );
    }
}

#[test]
fn mlp_blob_matches_the_host_on_cortex_m4f() {
    expect(
        &MPS2_AN386,
        "mlp_blob",
        0,
        &[
            "mlp_blob on mps2-an386 (cortex-m4f)",
            "sine.bin: 1380 bytes, 321 parameters used in place",
            "sine: 20 outputs match",
            "corrupted blob rejected: checksum mismatch, truncation",
            "PASS",
        ],
    );
}

#[test]
fn mlp_blob_matches_the_host_on_cortex_m3_soft_float() {
    expect(
        &LM3S6965,
        "mlp_blob",
        0,
        &[
            "mlp_blob on lm3s6965 (cortex-m3)",
            "sine: 20 outputs match",
            "PASS",
        ],
    );
}

#[test]
fn bench_agrees_across_executors_on_cortex_m4f() {
    expect(
        &MPS2_AN386,
        "bench",
        0,
        &["region 1: mlp_flash", "y(0.3): flash ", "PASS"],
    );
}

#[test]
fn bench_agrees_across_executors_on_cortex_m3() {
    expect(&LM3S6965, "bench", 0, &["y(0.3): flash ", "PASS"]);
}

/// The constant-weights sine model (`ConstMlp`) and the blob in place agree bit for bit on the
/// device, on both cores.
#[test]
fn bench_const_agrees_with_the_blob_path_on_both_boards() {
    for board in [&MPS2_AN386, &LM3S6965] {
        expect(
            board,
            "bench_const",
            0,
            &["region 1: mlp_const", "y(0.3): const ", "PASS"],
        );
    }
}

/// The binaries `tools/report.sh` subtracts for the sine model's flash cost (blob path and
/// constant-weights path, each minus `model_none`): all run, the model ones match the host, and
/// all log their stack high-water mark (painted at start-up).
#[test]
fn model_flash_cost_pair_runs_on_both_boards() {
    for board in [&MPS2_AN386, &LM3S6965] {
        expect(
            board,
            "model_sine",
            0,
            &["y = 0.85324", "stack high-water mark: ", "PASS"],
        );
        // The constant-weights path (`ConstMlp`, `models/sine_const.rs`): the same output.
        expect(
            board,
            "model_sine_const",
            0,
            &["y = 0.85324", "stack high-water mark: ", "PASS"],
        );
        expect(
            board,
            "model_none",
            0,
            &["y = 0.5", "stack high-water mark: ", "PASS"],
        );
    }
}

#[test]
fn a_panic_logs_its_location_and_exits_101() {
    expect(
        &MPS2_AN386,
        "selftest_panic",
        101,
        &["panicked at src/bin/selftest_panic.rs:"],
    );
}

#[test]
fn a_hardfault_logs_the_pc_and_exits_101() {
    expect(
        &MPS2_AN386,
        "selftest_fault",
        101,
        &["HardFault at pc = 0x"],
    );
}

#[test]
fn mdn_matches_the_host_on_cortex_m4f() {
    expect(
        &MPS2_AN386,
        "mdn",
        0,
        &[
            "mdn on mps2-an386 (cortex-m4f)",
            "prml_inverse.bin: 332 bytes, K = 3, 64 parameters",
            // The trimodal input t = 0.5: three branches (x ≈ 0.21, 0.50, 0.78), the mode on the
            // middle one (the host-trained model of `firmware_models.rs`).
            "t = 0.5: pi [0.6680235, 0.1551229, 0.17685352], mu [0.49676904, 0.7846927, 0.20812853]",
            "mean 0.49038547, mode 0.49676904",
            "pi: 33 outputs match",
            "mu: 33 outputs match",
            "sigma: 33 outputs match",
            "mean: 11 outputs match",
            "mode: 11 outputs match",
            "PASS",
        ],
    );
}

#[test]
fn mdn_matches_the_host_on_cortex_m3_soft_float() {
    expect(
        &LM3S6965,
        "mdn",
        0,
        &[
            "mdn on lm3s6965 (cortex-m3)",
            "mean: 11 outputs match",
            "mode: 11 outputs match",
            "PASS",
        ],
    );
}

#[test]
fn naive_bayes_learns_golf_on_the_device_and_runs_the_host_spam_filter() {
    for board in [&MPS2_AN386, &LM3S6965] {
        expect(
            board,
            "naive_bayes",
            0,
            &[
                "golf: learnt 5.0 no / 9.0 yes rows on the device",
                "golf: P(no | sunny, cool, high, windy) = 0.7954",
                "golf (f32 tables, refreshed per row): P(no | sunny, cool, high, windy) = 0.7954",
                "spam.bin: 80 bytes, 30.0 spam / 100.0 ham messages",
                "spam: P(spam | viagra, not limited) = 0.9127",
                "spam (f32 tables): P(spam | viagra, not limited) = 0.9127",
                "PASS",
            ],
        );
    }
}

#[test]
fn qlearn_learns_frozen_lake_on_cortex_m4f() {
    expect(
        &MPS2_AN386,
        "qlearn",
        0,
        &[
            "non-slippery: 2000 training episodes",
            "non-slippery: greedy success 1.0 over 1000 episodes (mean 6.0 steps)",
            "slippery: 50000 training episodes",
            // seed 0 on the device: 0.74 (the optimum is 0.744)
            "slippery: greedy success 0.74 over 1000 episodes",
            "  H > > G",
            "PASS",
        ],
    );
}

#[test]
fn qlearn_learns_frozen_lake_on_cortex_m3_soft_float() {
    expect(
        &LM3S6965,
        "qlearn",
        0,
        &["non-slippery: greedy success 1.0", "PASS"],
    );
}

#[test]
fn core_selftest_passes_on_both_boards_with_libm() {
    for board in [&MPS2_AN386, &LM3S6965] {
        expect(
            board,
            "selftest_core",
            0,
            &[
                "scalar math: libm",
                "ok: float behaviour",
                "ok: exp accuracy",
                "ok: ln accuracy",
                "ok: tanh accuracy",
                "sigmoid(±1e4) = 1.0, 0.0",
                "ok: log-sum-exp / softmax at extremes",
                "dense 3 -> 5: [-1.0, -2.875, 0.5, 7.25, -0.5]",
                "7 of 7 checks passed",
                "PASS",
            ],
        );
    }
}

/// The typed executor against the slice math, bit for bit, on the device: on the Cortex-M4F it
/// runs core's `asm!` dense rows (which the host cannot run), on the Cortex-M3 the Rust rows;
/// with `fastexp` on the Cortex-M4F also the `asm!` tanh against the Rust `tanh`.
#[test]
fn typed_executor_matches_the_slice_math_bit_for_bit_on_both_boards() {
    for board in [&MPS2_AN386, &LM3S6965, &MPS2_AN386_FASTEXP] {
        expect(
            board,
            "selftest_dense",
            0,
            &[
                "typed executor vs slice math: 1224 values over 12 runs, 0 differ",
                "mdn head vs formulas: 144 values, 0 differ",
                "PASS",
            ],
        );
    }
}

#[test]
fn core_selftest_passes_with_micromath_on_cortex_m3() {
    expect(
        &LM3S6965_MICROMATH,
        "selftest_core",
        0,
        &["scalar math: micromath", "7 of 7 checks passed", "PASS"],
    );
}

#[test]
fn gaussian_nb_runs_the_host_iris_model_and_keeps_learning_on_the_device() {
    for board in [&MPS2_AN386, &LM3S6965] {
        expect(
            board,
            "gaussian_nb",
            0,
            &[
                "iris_nb.bin: 448 bytes, 3 classes x 4 features, trained on 48.0 / 48.0 / 48.0 rows",
                "flipped bit rejected: ChecksumMismatch",
                "truncated copy rejected: Truncated { expected: 448, found: 444 }",
                "negative M2 rejected: InvalidValue { what: \"gaussian M2 (must be >= 0)\", index: 39 }",
                "5-feature shape rejected: ShapeMismatch { what: \"naive bayes features\", expected: 4, found: 5 }",
                "host model: 6 rows x 3 classes match the host",
                "held-out rows: 6 of 6 classified right before learning them",
                "learnt 6 rows on the device: now 50.0 / 50.0 / 50.0 rows (setosa / versicolor / virginica)",
                "after learning: 6 rows x 3 classes match the host",
                "PASS",
            ],
        );
    }
}

#[test]
fn multinomial_nb_runs_the_host_word_model_and_keeps_learning_on_the_device() {
    for board in [&MPS2_AN386, &LM3S6965] {
        expect(
            board,
            "multinomial_nb",
            0,
            &[
                "words_nb.bin: 104 bytes, 3.0 china / 1.0 japan documents",
                "words: 4 documents match the host on both paths",
                // Introduction to Information Retrieval, Example 13.1: 0.6898.
                "words: P(china | Chinese Chinese Chinese Tokyo Japan) = 0.6897",
                "words: learnt 2 documents on the device: 4.0 china / 2.0 japan",
                "words after learning: 4 documents match the host on both paths",
                "PASS",
            ],
        );
    }
}

/// With `fastexp`, core's own `exp` / `tanh` keep libm's accuracy bounds on the device, and the
/// PRML MDN still matches the libm host within the firmware's 1e-5.
#[test]
fn fastexp_keeps_libm_accuracy_on_cortex_m4f() {
    expect(
        &MPS2_AN386_FASTEXP,
        "selftest_core",
        0,
        &["scalar math: fastexp", "7 of 7 checks passed", "PASS"],
    );
    expect(
        &MPS2_AN386_FASTEXP,
        "mdn",
        0,
        &["pi: 33 outputs match", "mode: 11 outputs match", "PASS"],
    );
}
