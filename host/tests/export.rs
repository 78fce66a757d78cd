//! `embedml export` and `embedml inspect` end to end: a trained MLP → blob → core's typed and
//! in-place models give bit-identical predictions (and the expected outputs the export wrote);
//! the host's own prediction agrees; corrupt or foreign files give one-line errors, exit 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use embedml::format::{Aligned, MlpRef};
use embedml::mlp_type;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_embedml"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn err(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should fail with exit 2"
    );
    let e = String::from_utf8(out.stderr).unwrap();
    assert_eq!(e.trim().lines().count(), 1, "one line: {e}");
    assert!(e.starts_with("error: "), "{e}");
    e
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("embedml-export-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
        .display()
        .to_string()
}

/// petal_length → petal_width, 1 → 8 → 1 tanh, standardised: the model of the firmware's
/// kind (regression with input and output standardisation in the blob).
type Pw = mlp_type!(1, 8, 1);

#[test]
fn export_round_trips_to_core_bit_for_bit_and_inspect_describes_it() {
    let model = tmp("pw.safetensors");
    let blob = tmp("pw.bin");
    let rs = tmp("pw_expected.rs");
    let (m, b, r) = (
        model.to_str().unwrap(),
        blob.to_str().unwrap(),
        rs.to_str().unwrap(),
    );
    ok(&[
        "train",
        "mlp",
        "--data",
        &data("iris.csv"),
        "--x",
        "petal_length",
        "--y",
        "petal_width",
        "--hidden",
        "8",
        "--epochs",
        "30",
        "--standardize",
        "--out",
        m,
    ]);
    let said = ok(&[
        "export", "--model", m, "--out", b, "--rust", r, "--points", "7",
    ]);
    assert!(said.contains("mlp model"), "{said}");
    let bytes = std::fs::read(&blob).unwrap();
    assert_eq!(bytes.len(), Pw::BLOB_LEN + 16); // + one input and one output column
    let csv = std::fs::read_to_string(format!("{b}.expected.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("petal_length,petal_width"));
    let rows: Vec<(f32, f32)> = lines
        .map(|l| {
            let (x, y) = l.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 7);
    let src = std::fs::read_to_string(&rs).unwrap();
    assert!(src.contains("pub const INPUTS: [[f32; 1]; 7]"), "{src}");
    assert!(src.contains("pub const EXPECTED: [[f32; 1]; 7]"), "{src}");

    // Core, from the blob: the typed RAM model and the in-place model, bit for bit.
    let mut aligned = Box::new(Aligned([0u8; Pw::BLOB_LEN + 16]));
    aligned.0.copy_from_slice(&bytes);
    let mut flash = MlpRef::<2, 9>::from_blob(&aligned.0).unwrap();
    let mut ram = Pw::from_blob(&bytes).unwrap();
    let view = embedml::format::BlobView::parse(&bytes).unwrap();
    let (xs, ys) = (
        view.input_scaling().unwrap(),
        view.output_scaling().unwrap(),
    );
    let mut host_inputs = String::from("petal_length\n");
    for &(x, want) in &rows {
        let (mut xi, mut y) = ([x], [0.0f32]);
        flash.predict(&mut xi, &mut y).unwrap();
        assert_eq!(y[0].to_bits(), want.to_bits(), "in place at {x}");
        let mut xr = [x];
        xs.standardize(&mut xr);
        let mut yr = [ram.forward(&xr).unwrap()[0]];
        ys.unstandardize(&mut yr);
        assert_eq!(yr[0].to_bits(), want.to_bits(), "typed at {x}");
        host_inputs.push_str(&format!("{x:?}\n"));
    }
    // The host's batched prediction agrees to float rounding.
    let inputs = tmp("pw_inputs.csv");
    std::fs::write(&inputs, host_inputs).unwrap();
    let pred = ok(&[
        "predict",
        "--model",
        m,
        "--data",
        inputs.to_str().unwrap(),
        "--csv",
    ]);
    for (line, &(_, want)) in pred.lines().skip(1).zip(&rows) {
        let got: f32 = line.parse().unwrap();
        assert!(
            (got - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }

    let shown = ok(&["inspect", b]);
    assert!(
        shown.starts_with("EMLB v1 mlp (kind 1), 184 bytes"),
        "{shown}"
    );
    assert!(
        shown.contains("mlp: 1 -> 8 (tanh) -> 1 (identity), loss Mse"),
        "{shown}"
    );
    assert!(shown.contains("parameters: 25 f32"), "{shown}");
    assert!(
        shown.contains("input standardisation (mean±std): 3.75"),
        "{shown}"
    );

    // Corruption: one flipped bit, a truncated copy, trailing bytes, not a blob at all.
    let bad = tmp("bad.bin");
    let bd = bad.to_str().unwrap();
    let mut flipped = bytes.clone();
    flipped[60] ^= 0x04;
    std::fs::write(&bad, &flipped).unwrap();
    assert!(err(&["inspect", bd]).contains("checksum mismatch"));
    std::fs::write(&bad, &bytes[..bytes.len() - 3]).unwrap();
    assert!(err(&["inspect", bd]).contains("truncated"));
    let mut long = bytes.clone();
    long.push(0);
    std::fs::write(&bad, &long).unwrap();
    assert!(err(&["inspect", bd]).contains("trailing bytes"));
    assert!(err(&["inspect", m]).contains("not an embedml blob"));
    assert!(err(&["inspect", "/nonexistent/x.bin"]).contains("/nonexistent/x.bin"));
    assert!(err(&["export", "--model", b, "--out", bd]).starts_with("error: "));
    for p in [&model, &blob, &rs, &inputs, &bad] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// Kinds without a device export yet say so (one line, exit 2) instead of writing anything.
#[test]
fn export_of_a_kind_without_a_blob_layout_in_the_host_is_a_clear_error() {
    let model = tmp("golf.safetensors");
    let out = tmp("golf.bin");
    let m = model.to_str().unwrap();
    ok(&[
        "train",
        "nb",
        "--kind",
        "categorical",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--alpha",
        "1",
        "--out",
        m,
    ]);
    let e = err(&["export", "--model", m, "--out", out.to_str().unwrap()]);
    assert!(e.contains("export is not supported for model kind"), "{e}");
    assert!(!out.exists());
    let _ = std::fs::remove_file(&model);
}
