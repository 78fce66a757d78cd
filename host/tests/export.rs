//! `embedml export` and `embedml inspect` end to end: a trained MLP → blob → core's typed and
//! in-place models give bit-identical predictions (and the expected outputs the export wrote);
//! the host's own prediction agrees; corrupt or foreign files give one-line errors, exit 2.
//! The same for MDN (kind 2, with standardisation constants), categorical, Bernoulli,
//! multinomial and Gaussian naive Bayes (kinds 3–6) and Q-tables (kind 7).

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

/// Writes `table` (a CSV with its header) to a temporary `name` and returns `embedml predict
/// --model model --data it --csv`'s output.
fn predict_csv(model: &str, name: &str, table: String) -> String {
    let csv = tmp(name);
    std::fs::write(&csv, table).unwrap();
    let pred = ok(&[
        "predict",
        "--model",
        model,
        "--data",
        csv.to_str().unwrap(),
        "--csv",
    ]);
    let _ = std::fs::remove_file(&csv);
    pred
}

/// The probabilities of `predict --csv`'s output, one row per data row (the label column
/// dropped).
fn predicted_probabilities(pred: &str) -> Vec<Vec<f32>> {
    pred.lines()
        .skip(1)
        .map(|line| {
            line.split(',')
                .skip(1)
                .map(|v| v.parse().unwrap())
                .collect()
        })
        .collect()
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
    let rc = tmp("pw_const.rs");
    let said = ok(&[
        "export",
        "--model",
        m,
        "--out",
        b,
        "--rust",
        r,
        "--rust-const",
        rc.to_str().unwrap(),
        "--points",
        "7",
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
    // `--rust-const`: the model as constants (1 → 8 → 1: 25 parameters, both standardisations),
    // then the same `INPUTS` / `EXPECTED` (compiled and run by tests/tests/export_rust.rs).
    let konst = std::fs::read_to_string(&rc).unwrap();
    let model_part = embedml_host::cli::export::model_rust_const(&bytes).unwrap();
    assert!(konst.starts_with(&model_part), "{konst}");
    assert!(src.ends_with(&konst[model_part.len()..]), "{konst}");
    for item in [
        "pub static PARAMS: [f32; 25]",
        "pub static INPUT_MEAN: [f32; 1]",
        "pub static OUTPUT_STD: [f32; 1]",
        "pub type ConstModel = embedml::const_mlp_type!(Consts; 1, 8, 1);",
    ] {
        assert!(konst.contains(item), "{item}: {konst}");
    }
    let _ = std::fs::remove_file(&rc);

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
    let pred = predict_csv(m, "pw_inputs.csv", host_inputs);
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
    for p in [&model, &blob, &rs, &bad] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// Trains `nb --kind <variant>` on `data` (class column `y`), exports `points` rows and returns
/// (model path, blob path, blob bytes, expected header, expected rows).
fn train_and_export_nb(
    name: &str,
    variant: &str,
    data: &str,
    y: &str,
    points: &str,
) -> (PathBuf, PathBuf, Vec<u8>, Vec<String>, Vec<Vec<f32>>) {
    let model = tmp(&format!("{name}.safetensors"));
    let blob = tmp(&format!("{name}.bin"));
    let (m, b) = (model.to_str().unwrap(), blob.to_str().unwrap());
    ok(&[
        "train", "nb", "--kind", variant, "--data", data, "--y", y, "--alpha", "0.5", "--out", m,
    ]);
    ok(&["export", "--model", m, "--out", b, "--points", points]);
    let bytes = std::fs::read(&blob).unwrap();
    let (header, rows) = read_expected(b);
    (model, blob, bytes, header, rows)
}

/// The host's `predict --csv` on `rows[..][..f]` (written as a CSV with `columns`) gives the
/// expected probabilities `rows[..][f..]` bit for bit.
fn host_predict_matches(model: &Path, columns: &str, rows: &[Vec<f32>], f: usize, name: &str) {
    let mut table = format!("{columns}\n");
    for row in rows {
        let cells: Vec<String> = row[..f].iter().map(|v| format!("{v:?}")).collect();
        table.push_str(&(cells.join(",") + "\n"));
    }
    let pred = predict_csv(model.to_str().unwrap(), name, table);
    let got = predicted_probabilities(&pred);
    assert_eq!(got.len(), rows.len());
    for (v, row) in got.iter().zip(rows) {
        bits_eq(v, &row[f..], "host predict");
    }
}

/// Word counts, multinomial, α = 0.5: blob kind 5 → core's typed `MultinomialNb` gives the
/// expected class probabilities bit for bit, and so does the host's `predict` on the same rows.
#[test]
fn naive_bayes_multinomial_export_round_trips_bit_for_bit() {
    use embedml::models::naive_bayes::MultinomialNb;
    let train = tmp("counts.csv");
    std::fs::write(
        &train,
        "free,money,meeting,label\n3,2,0,spam\n1,4,0,spam\n2,0,1,spam\n0,0,3,ham\n\
         1,0,2,ham\n0,1,4,ham\n0,0,1,ham\n",
    )
    .unwrap();
    let (model, blob, bytes, header, rows) = train_and_export_nb(
        "counts",
        "multinomial",
        train.to_str().unwrap(),
        "label",
        "12",
    );
    assert_eq!(header, ["free", "money", "meeting", "p_ham", "p_spam"]);
    assert_eq!(rows.len(), 12);
    assert_eq!(bytes.len(), MultinomialNb::<2, 3>::BLOB_LEN);
    let nb = MultinomialNb::<2, 3>::from_blob(&bytes).unwrap();
    assert_eq!(nb.class_count(), &[4.0, 3.0]);
    // Class 0 = ham: summed counts free 1, money 1, meeting 10.
    assert_eq!(nb.counts()[0], [1.0, 1.0, 10.0]);
    assert_eq!(nb.alpha(), 0.5);
    let mut distinct = std::collections::HashSet::new();
    for row in &rows {
        assert!(row[..3]
            .iter()
            .all(|&v| (0.0..=3.0).contains(&v) && v.fract() == 0.0));
        assert!(distinct.insert(row[..3].iter().map(|v| *v as u8).collect::<Vec<_>>()));
        bits_eq(
            &nb.predict_proba(&row[..3]).unwrap(),
            &row[3..],
            "typed core",
        );
    }
    host_predict_matches(&model, "free,money,meeting", &rows, 3, "counts_rows.csv");
    let b = blob.to_str().unwrap();
    let shown = ok(&["inspect", b]);
    assert!(
        shown.contains(
            "naive bayes multinomial: 2 classes, 3 features, alpha 0.5, learned prior, \
             class counts [4.0, 3.0]"
        ),
        "{shown}"
    );
    inspect_fails(
        "nbm_bad.bin",
        &patch(&bytes, 32 + 8, (-1.0f32).to_bits()),
        "alpha",
    );
    let params = bytes.len() - 4 * 8;
    inspect_fails(
        "nbm_bad.bin",
        &patch(&bytes, params + 12, (-3.0f32).to_bits()),
        ">= 0",
    );
    let out = run(&[
        "export",
        "--model",
        model.to_str().unwrap(),
        "--out",
        b,
        "--rust",
        &format!("{b}.rs"),
    ]);
    assert!(out.status.success());
    let rs = std::fs::read_to_string(format!("{b}.rs")).unwrap();
    assert!(
        rs.contains("pub type Model = embedml::models::naive_bayes::MultinomialNb<2, 3>;"),
        "{rs}"
    );
    for p in [&train, &model, &blob] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
    let _ = std::fs::remove_file(format!("{b}.rs"));
}

/// Iris, Gaussian: blob kind 6 keeps the host's f64 Welford statistics exactly, so core's
/// typed `GaussianNb` gives the expected probabilities bit for bit, and so does the host's
/// `predict`; the synthetic rows cover every class.
#[test]
fn naive_bayes_gaussian_export_round_trips_bit_for_bit() {
    use embedml::models::naive_bayes::GaussianNb;
    let (model, blob, bytes, header, rows) =
        train_and_export_nb("iris_gauss", "gaussian", &data("iris.csv"), "species", "9");
    assert_eq!(
        header,
        [
            "sepal_length",
            "sepal_width",
            "petal_length",
            "petal_width",
            "p_setosa",
            "p_versicolor",
            "p_virginica"
        ]
    );
    assert_eq!(rows.len(), 9);
    assert_eq!(bytes.len(), GaussianNb::<3, 4>::BLOB_LEN);
    assert_eq!(bytes.len(), 448);
    let nb = GaussianNb::<3, 4>::from_blob(&bytes).unwrap();
    let file = embedml_host::io::ModelFile::load(&model).unwrap();
    let host = embedml_host::models::nb::NbModel::from_file(&file).unwrap();
    match &host.stats {
        embedml_host::models::nb::NbStats::Gaussian {
            mean,
            m2,
            total_mean,
            total_m2,
            var_smoothing,
        } => {
            // Bit for bit: f64 == compares values, and no statistic is 0 or NaN here.
            assert_eq!(nb.mean().as_flattened(), &mean[..]);
            assert_eq!(nb.m2().as_flattened(), &m2[..]);
            assert_eq!(&nb.total_mean()[..], &total_mean[..]);
            assert_eq!(&nb.total_m2()[..], &total_m2[..]);
            assert_eq!(nb.var_smoothing(), *var_smoothing);
        }
        _ => unreachable!("a Gaussian model"),
    }
    let mut winners = [0usize; 3];
    for row in &rows {
        let p = nb.predict_proba(&row[..4]).unwrap();
        bits_eq(&p, &row[4..], "typed core");
        winners[nb.predict(&row[..4]).unwrap()] += 1;
    }
    assert!(winners.iter().all(|&n| n > 0), "{winners:?}");
    host_predict_matches(
        &model,
        "sepal_length,sepal_width,petal_length,petal_width",
        &rows,
        4,
        "iris_rows.csv",
    );
    let b = blob.to_str().unwrap();
    let shown = ok(&["inspect", b]);
    assert!(
        shown.contains(
            "naive bayes gaussian: 3 classes, 4 features, var_smoothing 1e-9, learned prior, \
             class counts [50.0, 50.0, 50.0]"
        ),
        "{shown}"
    );
    let rs = format!("{b}.rs");
    ok(&[
        "export",
        "--model",
        model.to_str().unwrap(),
        "--out",
        b,
        "--rust",
        &rs,
    ]);
    let text = std::fs::read_to_string(&rs).unwrap();
    assert!(
        text.contains("pub type Model = embedml::models::naive_bayes::GaussianNb<3, 4>;")
            && text.contains("pub static BLOB: embedml::format::Aligned<448>"),
        "{text}"
    );
    let _ = std::fs::remove_file(&rs);
    // var_smoothing = NaN (high word), a negative M2 (the first word of M2_{0,0}).
    inspect_fails(
        "nbg_bad.bin",
        &patch(&bytes, 32 + 12, 0x7FF8_0000),
        "var_smoothing",
    );
    let params = bytes.len() - 4 * 99;
    inspect_fails(
        "nbg_bad.bin",
        &patch(&bytes, params + 4 * 39, (-1.0f32).to_bits()),
        "M2",
    );
    for p in [&model, &blob] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// Patches the `u32` at `off` and fixes the CRC, so the kind's own check is the one that fires.
fn patch(blob: &[u8], off: usize, value: u32) -> Vec<u8> {
    let mut b = blob.to_vec();
    b[off..off + 4].copy_from_slice(&value.to_le_bytes());
    let crc = embedml::format::checksum(&b).unwrap();
    b[28..32].copy_from_slice(&crc.to_le_bytes());
    b
}

/// `inspect` of `bytes` fails with one line (exit 2) containing `needle`.
fn inspect_fails(name: &str, bytes: &[u8], needle: &str) {
    let bad = tmp(name);
    std::fs::write(&bad, bytes).unwrap();
    let e = err(&["inspect", bad.to_str().unwrap()]);
    assert!(e.contains(needle), "{needle:?} not in {e}");
    let _ = std::fs::remove_file(&bad);
}

/// The expected-outputs CSV: header, then rows of `f32` (parsed back bit for bit).
fn read_expected(blob: &str) -> (Vec<String>, Vec<Vec<f32>>) {
    let csv = std::fs::read_to_string(format!("{blob}.expected.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    (header, rows)
}

/// `a` and `b` agree bit for bit.
fn bits_eq(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: {a:?} vs {b:?}");
    }
}

/// iris sepal_width → petal_width, K = 2, trunk 1 → 6 tanh → 6, standardised: blob → core's
/// typed `Mdn` (the device's type) gives the expected outputs bit for bit in data units (the
/// device applies the blob's constants); the host's `predict` agrees to float rounding (its
/// trunk runs batched); the constants are the model file's, bit for bit.
#[test]
fn mdn_export_round_trips_with_standardisation() {
    use embedml::models::mdn::ModeSearch;
    type Iris = embedml::mdn_type!(2, 1; 1, 6, 6);
    let model = tmp("mdn.safetensors");
    let blob = tmp("mdn.bin");
    let (m, b) = (model.to_str().unwrap(), blob.to_str().unwrap());
    ok(&[
        "train",
        "mdn",
        "--data",
        &data("iris.csv"),
        "--x",
        "sepal_width",
        "--y",
        "petal_width",
        "--components",
        "2",
        "--hidden",
        "6",
        "--epochs",
        "30",
        "--seed",
        "3",
        "--standardize",
        "--out",
        m,
    ]);
    ok(&["export", "--model", m, "--out", b, "--points", "9"]);
    let bytes = std::fs::read(&blob).unwrap();
    assert_eq!(bytes.len(), Iris::BLOB_LEN + 16);
    let (header, rows) = read_expected(b);
    assert_eq!(header[0], "sepal_width");
    assert_eq!(
        &header[1..],
        [
            "pi_0",
            "pi_1",
            "mu_0_petal_width",
            "mu_1_petal_width",
            "sigma_0_petal_width",
            "sigma_1_petal_width",
            "mean_petal_width",
            "variance_petal_width",
            "mode_petal_width"
        ]
    );
    assert_eq!(rows.len(), 9);
    // Spread over the training range of sepal_width (iris: 2.0 to 4.4).
    assert_eq!((rows[0][0], rows[8][0]), (2.0, 4.4));

    // Standardisation constants: the model file's, bit for bit.
    let host = embedml_host::models::mdn::load_path(&model).unwrap();
    let view = embedml::format::BlobView::parse(&bytes).unwrap();
    let (xs, ys) = (
        view.input_scaling().unwrap(),
        view.output_scaling().unwrap(),
    );
    bits_eq(
        &[xs.mean(0), xs.std(0)],
        &[host.x_norm.mean[0], host.x_norm.std[0]],
        "x",
    );
    bits_eq(
        &[ys.mean(0), ys.std(0)],
        &[host.y_norm.mean[0], host.y_norm.std[0]],
        "y",
    );

    // Core's typed model from the blob, mapped to data units with the blob's constants.
    let mut net = Iris::from_blob(&bytes).unwrap();
    let (ym, ysd) = (ys.mean(0), ys.std(0));
    let mut inputs = String::from("sepal_width\n");
    for row in &rows {
        let mut x = [row[0]];
        xs.standardize(&mut x);
        let mix = net.forward(&x).unwrap();
        let (mut mean, mut var, mut mode, mut scratch) = ([0.0], [0.0], [0.0], [0.0; 2]);
        mix.mean_and_variances(&mut mean, &mut var).unwrap();
        mix.mode(&mut mode, &mut scratch, ModeSearch::default())
            .unwrap();
        let device = [
            mix.pi(0),
            mix.pi(1),
            mix.mu()[0] * ysd + ym,
            mix.mu()[1] * ysd + ym,
            mix.sigma()[0] * ysd,
            mix.sigma()[1] * ysd,
            mean[0] * ysd + ym,
            var[0] * (ysd * ysd),
            mode[0] * ysd + ym,
        ];
        bits_eq(&device, &row[1..], &format!("typed core at {}", row[0]));
        // The host library's blob path is the same code path.
        let lib = embedml_host::models::mdn::mixture_from_blob(&bytes, &row[..1]).unwrap();
        bits_eq(&lib.flat(), &row[1..], "mixture_from_blob");
        inputs.push_str(&format!("{:?}\n", row[0]));
    }
    // The host's own (batched) prediction agrees to float rounding.
    let pred = predict_csv(m, "mdn_inputs.csv", inputs);
    let mut n = 0;
    for (line, row) in pred.lines().skip(1).zip(&rows) {
        let got: Vec<f32> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(got.len(), 9, "{line}");
        for (g, w) in got.iter().zip(&row[1..]) {
            assert!(
                (g - w).abs() <= 1e-4 * w.abs().max(1.0),
                "{g} vs {w} in {line}"
            );
        }
        n += 1;
    }
    assert_eq!(n, 9);

    let shown = ok(&["inspect", b]);
    assert!(shown.starts_with("EMLB v1 mdn (kind 2)"), "{shown}");
    assert!(
        shown.contains("mdn: 1 -> 6 (tanh) -> 6 (identity), K = 2, L = 1, sigma_min 0"),
        "{shown}"
    );
    assert!(
        shown.contains("output standardisation (mean±std): 1.19"),
        "{shown}"
    );
    // Corruption: a flipped bit; K = 0 and a non-identity last layer with a valid CRC.
    let mut flipped = bytes.clone();
    flipped[100] ^= 1;
    inspect_fails("mdn_bad.bin", &flipped, "checksum mismatch");
    inspect_fails("mdn_bad.bin", &patch(&bytes, 32 + 4, 0), "mdn components K");
    inspect_fails(
        "mdn_bad.bin",
        &patch(&bytes, 32 + 4 * 9, 2),
        "mdn last activation",
    );
    inspect_fails("mdn_bad.bin", &bytes[..bytes.len() - 1], "truncated");
    for p in [&model, &blob] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// Without `--standardize` the blob has no constants and the device's outputs are the raw
/// mixture, which the host reports unchanged.
#[test]
fn mdn_export_without_standardisation_has_no_constants() {
    let model = tmp("mdn_raw.safetensors");
    let blob = tmp("mdn_raw.bin");
    let (m, b) = (model.to_str().unwrap(), blob.to_str().unwrap());
    ok(&[
        "train",
        "mdn",
        "--data",
        &data("iris.csv"),
        "--x",
        "petal_length",
        "--y",
        "petal_width",
        "--components",
        "1",
        "--hidden",
        "3",
        "--epochs",
        "5",
        "--out",
        m,
    ]);
    ok(&["export", "--model", m, "--out", b, "--points", "2"]);
    let bytes = std::fs::read(&blob).unwrap();
    let view = embedml::format::BlobView::parse(&bytes).unwrap();
    assert!(view.input_scaling().is_none() && view.output_scaling().is_none());
    let (_, rows) = read_expected(b);
    assert_eq!((rows[0][0], rows[1][0]), (1.0, 6.9)); // iris petal_length range
    let mut net = <embedml::mdn_type!(1, 1; 1, 3, 3)>::from_blob(&bytes).unwrap();
    for row in &rows {
        let mix = net.forward(&row[..1]).unwrap();
        bits_eq(
            &[mix.pi(0), mix.mu()[0], mix.sigma()[0]],
            &row[1..4],
            "raw mixture",
        );
    }
    for p in [&model, &blob] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// Golf, categorical, α = 1: blob → core's typed `CategoricalNb` gives the expected class
/// probabilities bit for bit, and so does the host's `predict` on the same rows (same core
/// functions, same counts).
#[test]
fn naive_bayes_categorical_export_round_trips_bit_for_bit() {
    use embedml::models::naive_bayes::CategoricalNb;
    let model = tmp("golf_cat.safetensors");
    let blob = tmp("golf_cat.bin");
    let (m, b) = (model.to_str().unwrap(), blob.to_str().unwrap());
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
    ok(&["export", "--model", m, "--out", b, "--points", "6"]);
    let bytes = std::fs::read(&blob).unwrap();
    let (header, rows) = read_expected(b);
    assert_eq!(
        header,
        [
            "outlook",
            "temperature",
            "humidity",
            "windy",
            "p_no",
            "p_yes"
        ]
    );
    assert_eq!(rows.len(), 6);
    let nb = CategoricalNb::<2, 4, 3>::from_blob(&bytes).unwrap();
    assert_eq!(nb.n_values(), &[3, 3, 2, 2]);
    let file = embedml_host::io::ModelFile::load(&model).unwrap();
    let host = embedml_host::models::nb::NbModel::from_file(&file).unwrap();
    let vocab = match &host.stats {
        embedml_host::models::nb::NbStats::Categorical { vocab, .. } => vocab.clone(),
        _ => unreachable!("a categorical model"),
    };
    let mut table = String::from("outlook,temperature,humidity,windy\n");
    let mut distinct = std::collections::HashSet::new();
    for row in &rows {
        let x: Vec<usize> = row[..4].iter().map(|&v| v as usize).collect();
        assert!(distinct.insert(x.clone()), "distinct rows");
        let p = nb.predict_proba(&x, None).unwrap();
        bits_eq(&p, &row[4..], "typed core");
        let names: Vec<&str> = x
            .iter()
            .zip(&vocab)
            .map(|(&v, voc)| voc[v].as_str())
            .collect();
        table.push_str(&(names.join(",") + "\n"));
    }
    let pred = predict_csv(m, "golf_rows.csv", table);
    for (v, row) in predicted_probabilities(&pred).iter().zip(&rows) {
        bits_eq(v, &row[4..], "host predict");
    }
    assert_eq!(pred.lines().count(), 7);

    let shown = ok(&["inspect", b]);
    assert!(
        shown.contains(
            "naive bayes categorical: 2 classes, 4 features (values per feature: 3 3 2 2), \
             alpha 1, learned prior, class counts [5.0, 9.0]"
        ),
        "{shown}"
    );
    // Corruption with a valid CRC: α = NaN, a feature with 4 values (> V = 3), a negative count.
    inspect_fails(
        "nb_bad.bin",
        &patch(&bytes, 32 + 12, f32::NAN.to_bits()),
        "alpha",
    );
    inspect_fails(
        "nb_bad.bin",
        &patch(&bytes, 32 + 20, 4),
        "values per feature",
    );
    let params = bytes.len() - 4 * 26;
    inspect_fails(
        "nb_bad.bin",
        &patch(&bytes, params + 8, (-1.0f32).to_bits()),
        ">= 0",
    );
    for p in [&model, &blob] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// A small presence/absence table, Bernoulli, α = 1: blob → core's typed `BernoulliNb` gives
/// the expected probabilities bit for bit, as does the host's `predict`.
#[test]
fn naive_bayes_bernoulli_export_round_trips_bit_for_bit() {
    use embedml::models::naive_bayes::BernoulliNb;
    let train = tmp("words.csv");
    std::fs::write(
        &train,
        "cheap,meeting,offer,label\n1,0,1,spam\n1,0,0,spam\n0,1,1,spam\n0,1,0,ham\n\
         0,1,1,ham\n1,1,0,ham\n0,0,0,ham\n",
    )
    .unwrap();
    let model = tmp("words.safetensors");
    let blob = tmp("words.bin");
    let (m, b) = (model.to_str().unwrap(), blob.to_str().unwrap());
    ok(&[
        "train",
        "nb",
        "--kind",
        "bernoulli",
        "--data",
        train.to_str().unwrap(),
        "--y",
        "label",
        "--alpha",
        "1",
        "--out",
        m,
    ]);
    ok(&["export", "--model", m, "--out", b, "--points", "20"]);
    let bytes = std::fs::read(&blob).unwrap();
    let (header, rows) = read_expected(b);
    assert_eq!(header, ["cheap", "meeting", "offer", "p_ham", "p_spam"]);
    assert_eq!(rows.len(), 8); // every one of the 2^3 rows, once
    let nb = BernoulliNb::<2, 3>::from_blob(&bytes).unwrap();
    assert_eq!(nb.class_count(), &[4.0, 3.0]);
    let mut table = String::from("cheap,meeting,offer\n");
    for row in &rows {
        let x: Vec<bool> = row[..3].iter().map(|&v| v > 0.0).collect();
        bits_eq(
            &nb.predict_proba(&x, None).unwrap(),
            &row[3..],
            "typed core",
        );
        let cells: Vec<String> = row[..3].iter().map(|&v| (v as u8).to_string()).collect();
        table.push_str(&(cells.join(",") + "\n"));
    }
    let pred = predict_csv(m, "words_rows.csv", table);
    for (v, row) in predicted_probabilities(&pred).iter().zip(&rows) {
        bits_eq(v, &row[3..], "host predict");
    }
    let shown = ok(&["inspect", b]);
    assert!(
        shown.contains("naive bayes bernoulli: 2 classes, 3 features, alpha 1, learned prior"),
        "{shown}"
    );
    inspect_fails("nbb_bad.bin", &patch(&bytes, 32 + 12, 7), "prior flag");
    inspect_fails("nbb_bad.bin", &patch(&bytes, 32, 3), "parameter count");
    for p in [&train, &model, &blob] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// FrozenLake 4×4 (not slippery): blob → core's typed `QTable` has the host's table bit for
/// bit, and its greedy policy is the expected outputs' `greedy_action` column.
#[test]
fn qtable_export_round_trips_bit_for_bit() {
    use embedml::models::qlearn::QTable;
    let model = tmp("lake.safetensors");
    let blob = tmp("lake.bin");
    let (m, b) = (model.to_str().unwrap(), blob.to_str().unwrap());
    ok(&[
        "train",
        "qlearn",
        "--env",
        "frozenlake-4x4",
        "--slippery",
        "false",
        "--seed",
        "1",
        "--out",
        m,
    ]);
    ok(&["export", "--model", m, "--out", b]);
    let bytes = std::fs::read(&blob).unwrap();
    let (header, rows) = read_expected(b);
    assert_eq!(
        header,
        ["state", "greedy_action", "q_0", "q_1", "q_2", "q_3"]
    );
    assert_eq!(rows.len(), 16);
    let q = QTable::<16, 4>::from_blob(&bytes).unwrap();
    let file = embedml_host::io::ModelFile::load(&model).unwrap();
    let host = embedml_host::models::qlearn::QModel::from_file(&file).unwrap();
    bits_eq(q.as_slice(), &host.q, "table");
    let (policy, host_policy) = (q.policy(), host.policy().unwrap());
    for (s, row) in rows.iter().enumerate() {
        assert_eq!(row[0], s as f32);
        assert_eq!(row[1], policy[s] as f32);
        assert_eq!(policy[s], host_policy[s]);
        bits_eq(&q.values()[s], &row[2..], "Q row");
    }
    let shown = ok(&["inspect", b]);
    assert!(shown.contains("qtable: 16 states x 4 actions"), "{shown}");
    let line: String = policy
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        shown.contains(&format!("greedy policy: {line}\n")),
        "{shown}"
    );
    inspect_fails("q_bad.bin", &patch(&bytes, 32, 15), "qtable values");
    inspect_fails("q_bad.bin", &patch(&bytes, 32 + 4, 0), "qtable");
    let mut long = bytes.clone();
    long.extend_from_slice(&[0; 4]);
    inspect_fails("q_bad.bin", &long, "trailing bytes");
    for p in [&model, &blob] {
        let _ = std::fs::remove_file(p);
    }
    let _ = std::fs::remove_file(format!("{b}.expected.csv"));
}

/// Hostile blobs never panic `inspect` or the host's blob readers: every header and shape word
/// of an MDN, categorical, Bernoulli, multinomial, Gaussian and Q-table blob set to extreme values (with the CRC
/// fixed, so the kind's own checks run) gives `Ok` or an error.
#[test]
fn patched_blobs_of_every_kind_are_errors_not_panics() {
    use embedml::models::naive_bayes::{BernoulliNb, CategoricalNb, GaussianNb, MultinomialNb};
    use embedml::models::qlearn::QTable;
    let to_vec = |f: &dyn Fn(&mut [u8]) -> Result<usize, embedml::format::FormatError>| {
        let mut buf = vec![0u8; 4096];
        let n = f(&mut buf).unwrap();
        buf.truncate(n);
        buf
    };
    let mut mdn = <embedml::mdn_type!(2, 1; 1, 4, 6)>::new(
        &[1, 4, 6],
        &[embedml::Activation::Tanh, embedml::Activation::Identity],
        2,
        1,
        0.0,
    )
    .unwrap();
    mdn.init_default(&mut embedml::Rng::new(1));
    let mut cat = CategoricalNb::<2, 3, 3>::new([3, 2, 3], 1.0).unwrap();
    cat.update(&[0, 1, 2], 1).unwrap();
    let mut ber = BernoulliNb::<2, 3>::new(1.0).unwrap();
    ber.update(&[true, false, true], 0).unwrap();
    let mut mul = MultinomialNb::<2, 3>::new(0.5).unwrap();
    mul.update(&[2.0, 0.0, 1.5], 1).unwrap();
    let mut gau = GaussianNb::<2, 3>::new();
    gau.update(&[0.5, 1.0, -2.0], 0).unwrap();
    gau.update(&[1.5, 0.0, 2.0], 0).unwrap();
    let q = QTable::<4, 2>::from_slice(&[0.5, 1.0, -1.0, 0.0, 2.0, 2.0, 0.0, 3.0]).unwrap();
    let blobs = [
        to_vec(&|o| mdn.to_blob(o)),
        to_vec(&|o| cat.to_blob(o)),
        to_vec(&|o| ber.to_blob(o)),
        to_vec(&|o| mul.to_blob(o)),
        to_vec(&|o| gau.to_blob(o)),
        to_vec(&|o| q.to_blob(o)),
    ];
    let values = [
        0u32,
        1,
        2,
        3,
        7,
        0xFFFF,
        0x7FFF_FFFF,
        u32::MAX,
        f32::NAN.to_bits(),
    ];
    let mut errors = 0;
    for blob in &blobs {
        assert!(embedml_host::cli::inspect::describe(blob).is_ok());
        let header_and_shape = embedml::format::BlobView::parse(blob).unwrap().header_len();
        for off in (4..header_and_shape).step_by(4).filter(|&o| o != 28) {
            for &v in &values {
                let b = patch(blob, off, v);
                let shown = embedml_host::cli::inspect::describe(&b);
                errors += shown.is_err() as usize;
                let _ = embedml_host::models::mdn::mixture_from_blob(&b, &[0.5]);
                let _ = embedml_host::models::nb::proba_from_blob(&b, &[0.0, 1.0, 1.0]);
                let _ = embedml_host::models::qlearn::policy_from_blob(&b);
            }
        }
    }
    assert!(errors > 100, "{errors} errors");
}
