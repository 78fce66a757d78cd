//! The model files the firmware embeds (`firmware/models/`), and their generator.
//!
//! This test is the generator: with `EMBEDML_REGEN=1` it trains deterministically (fixed
//! seeds) and writes
//! - `firmware/models/sine.bin` (the sine MLP, 1 → 16 → 16 → 1, ReLU, the shape of the
//!   MicroFlow / TFLM "hello world", blob v1 with standardisation constants) and
//!   `sine_expected.rs` (inputs and the outputs core computes for them), and `sine_const.rs`
//!   (the same model as constants, `embedml export --rust-const`'s text for `sine.bin`);
//! - `firmware/models/prml_inverse.bin` (the MDN of PRML Fig 5.19's inverse problem, K = 3,
//!   trunk 1 → 5 tanh → 9) and `prml_inverse_expected.rs` (π, μ, σ, mean and mode for an input
//!   sweep). This one comes from the host path: trained by `embedml_host` as `embedml demo
//!   prml-inverse` trains it, exported by `MdnModel::to_blob` (`embedml export`'s writer);
//!   the expected figures are core's, from the blob;
//! - `firmware/models/spam.bin` (the SPEC Bernoulli spam filter from its counts, α = 0).
//! - `firmware/models/iris_nb.bin` (Gaussian naive Bayes, kind 6) and `iris_nb_expected.rs`:
//!   trained by the host library as `embedml train nb --kind gaussian` on `data/iris.csv`
//!   without six held-out rows, exported by `HostModel::export` (`embedml export`: the blob and
//!   the probabilities core computes from it for six synthetic rows); the expected file also
//!   holds the held-out rows and the probabilities of the host's model of all 150 rows, which
//!   the device (`gaussian_nb`) must reach by learning the held-out rows;
//! - `firmware/models/words_nb.bin` (multinomial naive Bayes, kind 5) and
//!   `words_nb_expected.rs`: the same for word counts (*Introduction to Information
//!   Retrieval*, Table 13.1: four training documents, two more learnt on the device by
//!   `multinomial_nb`).
//!
//! Regenerating gives byte-identical files (the MDN's host training runs its gemm through
//! `matrixmultiply`, whose kernels follow the CPU's SIMD features, so on a CPU of another kind
//! its bits may differ; checking the committed files is core only, identical everywhere; the
//! regenerated files were checked identical with 1 and 4 rayon threads):
//!
//! ```text
//! EMBEDML_REGEN=1 cargo test -p embedml-tests --test firmware_models
//! ```
//!
//! Without it, the test checks the committed files: the blob parses, core's in-place model
//! reproduces the committed expected outputs exactly, and the model fits `sin`.

use std::f32::consts::{FRAC_1_SQRT_2, PI};
use std::path::{Path, PathBuf};

use embedml::format::{Aligned, BlobView, MlpRef, ModelKind, Scaling};
use embedml::kernels::loss::Loss;
use embedml::models::mdn::ModeSearch;
use embedml::models::naive_bayes::BernoulliNb;
use embedml::optim::{Adam, Optimizer};
use embedml::{mdn_type, mlp_type, Activation, Rng};

type Sine = mlp_type!(1, 16, 16, 1);
type SineRef<'a> = MlpRef<'a, 3, { embedml::models::mlp::unit_count(&[1, 16, 16, 1]) }>;

/// Blob length: the MLP plus one input and one output column of standardisation constants.
const SINE_LEN: usize = Sine::BLOB_LEN + 16;
/// Test inputs written to `sine_expected.rs`.
const N_TEST: usize = 20;

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../firmware/models")
}

/// Input standardisation of `x ~ U(0, 2π)`: mean π, std 2π/√12.
fn input_scaling() -> ([f32; 1], [f32; 1]) {
    ([PI], [2.0 * PI / 12f32.sqrt()])
}

/// Output standardisation of `sin x`: mean 0, std 1/√2.
fn output_scaling() -> ([f32; 1], [f32; 1]) {
    ([0.0], [FRAC_1_SQRT_2])
}

/// Trains the sine model (seeded, deterministic) and returns its blob.
fn train_sine() -> Box<Aligned<SINE_LEN>> {
    let mut net = Sine::new(
        &[1, 16, 16, 1],
        &[Activation::Relu, Activation::Relu, Activation::Identity],
        Loss::Mse,
    )
    .unwrap();
    let mut rng = Rng::new(2024);
    net.init_default(&mut rng);
    let mut opt = Adam::new(0.01);
    let mut state = vec![0.0; opt.state_len(embedml::Parameters::param_count(&net))];
    let ((im, is), (om, os)) = (input_scaling(), output_scaling());
    let (mut xs, mut ts) = ([0.0f32; 32], [0.0f32; 32]);
    for step in 0..4000 {
        if step == 3000 {
            opt.lr = 0.002;
        }
        for (x, t) in xs.iter_mut().zip(ts.iter_mut()) {
            let raw = rng.uniform_range(0.0, 2.0 * PI);
            *x = (raw - im[0]) / is[0];
            *t = (raw.sin() - om[0]) / os[0];
        }
        net.train_batch(&xs, &ts, &mut opt, &mut state).unwrap();
    }
    let mut blob = Box::new(Aligned([0u8; SINE_LEN]));
    let n = net
        .to_blob_with(
            Some(Scaling {
                mean: &im,
                std: &is,
            }),
            Some(Scaling {
                mean: &om,
                std: &os,
            }),
            &mut blob.0,
        )
        .unwrap();
    assert_eq!(n, SINE_LEN);
    blob
}

/// The test inputs: `N_TEST` points spread over `[0, 2π]`, off the grid of round numbers.
fn test_inputs() -> [f32; N_TEST] {
    std::array::from_fn(|i| 0.05 + i as f32 * (2.0 * PI - 0.1) / (N_TEST - 1) as f32)
}

/// What core computes for `xs` from the blob, on the device's code path (`MlpRef::predict`).
fn predict_all(blob: &[u8], xs: &[f32]) -> Vec<f32> {
    let mut net = SineRef::from_blob(blob).unwrap();
    xs.iter()
        .map(|&x| {
            let mut xi = [x];
            let mut y = [0.0];
            net.predict(&mut xi, &mut y).unwrap();
            y[0]
        })
        .collect()
}

fn expected_source(xs: &[f32], ys: &[f32]) -> String {
    let list = |v: &[f32]| {
        v.iter()
            .map(|x| format!("    {x:?},\n"))
            .collect::<String>()
    };
    format!(
        "// @generated by `EMBEDML_REGEN=1 cargo test -p embedml-tests --test firmware_models`\n\
         // (to be replaced by `embedml export`). Do not edit.\n\
         \n\
         /// Inputs (host units, radians).\n\
         pub const INPUTS: [f32; {n}] = [\n{xs}];\n\
         \n\
         /// The outputs embedml computes on the host from `sine.bin` for `INPUTS`.\n\
         pub const EXPECTED: [f32; {n}] = [\n{ys}];\n",
        n = xs.len(),
        xs = list(xs),
        ys = list(ys),
    )
}

/// Parses the committed `sine_expected.rs` back into (inputs, expected).
fn parse_expected(src: &str) -> (Vec<f32>, Vec<f32>) {
    let mut lists = src.split("= [").skip(1).map(|part| {
        part.split("];")
            .next()
            .unwrap()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f32>().unwrap())
            .collect::<Vec<_>>()
    });
    (lists.next().unwrap(), lists.next().unwrap())
}

#[test]
fn sine_model_files_are_consistent_with_core() {
    let dir = models_dir();
    if std::env::var_os("EMBEDML_REGEN").is_some() {
        let blob = train_sine();
        let xs = test_inputs();
        let ys = predict_all(&blob.0, &xs);
        std::fs::create_dir_all(&dir).unwrap();
        // Atomic writes: temp file then rename.
        for (name, bytes) in [
            ("sine.bin", blob.0.to_vec()),
            ("sine_expected.rs", expected_source(&xs, &ys).into_bytes()),
        ] {
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, bytes).unwrap();
            std::fs::rename(&tmp, dir.join(name)).unwrap();
        }
        eprintln!("wrote {}/sine.bin and sine_expected.rs", dir.display());
    }

    let bytes = std::fs::read(dir.join("sine.bin")).expect("firmware/models/sine.bin");
    assert_eq!(bytes.len(), SINE_LEN);
    let mut blob = Box::new(Aligned([0u8; SINE_LEN]));
    blob.0.copy_from_slice(&bytes);
    let view = BlobView::parse(&blob.0).unwrap();
    assert_eq!(view.param_count(), 321);
    let s = view.input_scaling().unwrap();
    assert_eq!((s.mean(0), s.std(0)), (PI, 2.0 * PI / 12f32.sqrt()));

    let src = std::fs::read_to_string(dir.join("sine_expected.rs")).unwrap();
    let (xs, want) = parse_expected(&src);
    assert_eq!((xs.len(), want.len()), (N_TEST, N_TEST));
    assert_eq!(xs, test_inputs());
    // Core, today, computes exactly the committed outputs from the committed blob.
    assert_eq!(predict_all(&blob.0, &xs), want);
    // And the model has learnt sin: within 0.06 everywhere on the test points.
    for (x, y) in xs.iter().zip(&want) {
        assert!(
            (y - x.sin()).abs() < 0.06,
            "sin({x}) = {}, model {y}",
            x.sin()
        );
    }
}

/// Writes `bytes` to `firmware/models/name` atomically (temp file, then rename).
fn write_model_file(name: &str, bytes: &[u8]) {
    let dir = models_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, dir.join(name)).unwrap();
    eprintln!("wrote {}/{name}", dir.display());
}

/// Reads `firmware/models/name` into a 4-byte aligned buffer of `N` bytes.
fn read_aligned<const N: usize>(name: &str) -> Box<Aligned<N>> {
    let bytes = std::fs::read(models_dir().join(name)).unwrap();
    assert_eq!(bytes.len(), N, "{name}");
    let mut blob = Box::new(Aligned([0u8; N]));
    blob.0.copy_from_slice(&bytes);
    blob
}

// ---------------------------------------------------------------------------------------------
// The PRML Fig 5.19 inverse-problem MDN.

type Inverse = mdn_type!(3, 1; 1, 5, 9);
/// Inputs `t` of the sweep written to `prml_inverse_expected.rs`.
const N_SWEEP: usize = 11;

/// PRML Fig 5.19 data: `x ~ U(0,1)`, `t = x + 0.3 sin(2πx) + U(−0.1, 0.1)`; returns the inverse
/// problem (inputs `t`, targets `x`). `embedml::math::sin` (libm), so it is the same everywhere.
fn inverse_data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut inputs, mut targets) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x = rng.uniform();
        let t = x + 0.3 * embedml::math::sin(2.0 * PI * x) + rng.uniform_range(-0.1, 0.1);
        inputs.push(t);
        targets.push(x);
    }
    (inputs, targets)
}

/// Trains the MDN through the host library exactly as `embedml demo prml-inverse` does
/// (`embedml_host::cli::demo::prml_inverse::run_problem`: seed 1, 1000 points, K = 3, trunk
/// 1 → 5 tanh → 9, Adam lr 0.01 with the step schedule, batch 50, 3000 epochs, no
/// standardisation) and returns its device blob as `embedml export` writes it
/// (`MdnModel::to_blob`).
fn train_inverse_blob() -> Vec<u8> {
    let (model, _) =
        embedml_host::cli::demo::prml_inverse::run_problem(1000, 3000, 1, true).unwrap();
    model.to_blob().unwrap()
}

/// The sweep: `t = 0.0, 0.1, …, 1.0`.
fn sweep_inputs() -> [f32; N_SWEEP] {
    std::array::from_fn(|i| i as f32 / 10.0)
}

/// π, μ, σ (3 each), mean and mode per input, as core computes them (the device's code path).
struct Sweep {
    pi: Vec<[f32; 3]>,
    mu: Vec<[f32; 3]>,
    sigma: Vec<[f32; 3]>,
    mean: Vec<f32>,
    mode: Vec<f32>,
}

fn sweep(net: &mut Inverse, ts: &[f32]) -> Sweep {
    let mut s = Sweep {
        pi: vec![],
        mu: vec![],
        sigma: vec![],
        mean: vec![],
        mode: vec![],
    };
    for &t in ts {
        let mix = net.forward(&[t]).unwrap();
        s.pi.push(std::array::from_fn(|c| mix.pi(c)));
        s.mu.push(std::array::from_fn(|c| mix.mu()[c]));
        s.sigma.push(std::array::from_fn(|c| mix.sigma()[c]));
        let mut m = [0.0];
        net.mean(&[t], &mut m).unwrap();
        s.mean.push(m[0]);
        net.mode(&[t], &mut m, ModeSearch::default()).unwrap();
        s.mode.push(m[0]);
    }
    s
}

fn inverse_expected_source(ts: &[f32], s: &Sweep) -> String {
    let list = |v: &[f32]| {
        v.iter()
            .map(|x| format!("    {x:?},\n"))
            .collect::<String>()
    };
    let rows = |v: &[[f32; 3]]| {
        v.iter()
            .map(|r| format!("    [{:?}, {:?}, {:?}],\n", r[0], r[1], r[2]))
            .collect::<String>()
    };
    let n = ts.len();
    format!(
        "// @generated by `EMBEDML_REGEN=1 cargo test -p embedml-tests --test firmware_models`\n\
         // The model: trained by the host library (`embedml demo prml-inverse`), blob from\n\
         // `MdnModel::to_blob` (what `embedml export` writes); figures by core from the blob.\n\
         // Do not edit.\n\
         \n\
         /// Inputs `t` of the sweep.\n\
         pub const INPUTS: [f32; {n}] = [\n{}];\n\
         \n\
         /// Mixing coefficients π_k per input.\n\
         pub const PI: [[f32; 3]; {n}] = [\n{}];\n\
         \n\
         /// Component means μ_k per input.\n\
         pub const MU: [[f32; 3]; {n}] = [\n{}];\n\
         \n\
         /// Component widths σ_k per input.\n\
         pub const SIGMA: [[f32; 3]; {n}] = [\n{}];\n\
         \n\
         /// Conditional mean E[x | t] per input.\n\
         pub const MEAN: [f32; {n}] = [\n{}];\n\
         \n\
         /// Conditional mode (mean-shift, `ModeSearch::default()`) per input.\n\
         pub const MODE: [f32; {n}] = [\n{}];\n",
        list(ts),
        rows(&s.pi),
        rows(&s.mu),
        rows(&s.sigma),
        list(&s.mean),
        list(&s.mode),
    )
}

#[test]
fn prml_inverse_mdn_files_are_consistent_with_core() {
    if std::env::var_os("EMBEDML_REGEN").is_some() {
        let buf = train_inverse_blob();
        let mut net = Inverse::from_blob(&buf).unwrap();
        let ts = sweep_inputs();
        let s = sweep(&mut net, &ts);
        write_model_file("prml_inverse.bin", &buf);
        write_model_file(
            "prml_inverse_expected.rs",
            inverse_expected_source(&ts, &s).as_bytes(),
        );
    }
    let blob = read_aligned::<{ Inverse::BLOB_LEN }>("prml_inverse.bin");
    let view = BlobView::parse(&blob.0).unwrap();
    assert_eq!(view.kind(), Some(ModelKind::Mdn));
    assert_eq!(view.param_count(), 64);
    let mut net = Inverse::from_blob(&blob.0).unwrap();
    let ts = sweep_inputs();
    let s = sweep(&mut net, &ts);
    // Core, today, computes exactly the committed expected outputs from the committed blob.
    let src = std::fs::read_to_string(models_dir().join("prml_inverse_expected.rs")).unwrap();
    assert_eq!(src, inverse_expected_source(&ts, &s));
    // The export's code path (the host library reading the blob) gives the same figures.
    for (i, &t) in ts.iter().enumerate() {
        let m = embedml_host::models::mdn::mixture_from_blob(&blob.0, &[t]).unwrap();
        let want: Vec<f32> = [
            &s.pi[i][..],
            &s.mu[i],
            &s.sigma[i],
            &[s.mean[i]],
            &[s.mode[i]],
        ]
        .concat();
        let got: Vec<f32> = [&m.pi[..], &m.mu, &m.sigma, &m.mean, &m.mode].concat();
        assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "t = {t}"
        );
    }
    // And the model solves the inverse problem: low NLL on fresh data, three branches at 0.5.
    let (fx, ft) = inverse_data(&mut Rng::new(999), 10_000);
    let nll = net.mean_loss(&fx, &ft).unwrap();
    assert!(nll <= -1.0, "fresh NLL {nll}");
    let at = 5; // t = 0.5
    for root in [0.209_609_15f32, 0.5, 0.790_390_85] {
        assert!(
            (0..3).any(|c| s.pi[at][c] > 0.05 && (s.mu[at][c] - root).abs() < 0.05),
            "no component near {root}: π {:?} μ {:?}",
            s.pi[at],
            s.mu[at]
        );
    }
    assert!(
        (s.mode[1] - 0.0348).abs() < 0.05,
        "mode at t = 0.1: {}",
        s.mode[1]
    );
}

// ---------------------------------------------------------------------------------------------
// The SPEC Bernoulli spam filter.

type Spam = BernoulliNb<2, 3>;

/// The SPEC counts: 30 spam, 100 ham; words viagra, limited, machine-learning.
fn spam() -> Spam {
    let mut nb = Spam::new(0.0).unwrap();
    nb.set_counts(&[30.0, 100.0], &[7.0, 17.0, 0.0, 1.0, 71.0, 77.0])
        .unwrap();
    nb
}

#[test]
fn spam_model_file_is_consistent_with_core() {
    let mut buf = [0u8; Spam::BLOB_LEN];
    spam().to_blob(&mut buf).unwrap();
    if std::env::var_os("EMBEDML_REGEN").is_some() {
        write_model_file("spam.bin", &buf);
    }
    let stored = std::fs::read(models_dir().join("spam.bin")).unwrap();
    assert_eq!(stored, buf);
    let nb = Spam::from_blob(&stored).unwrap();
    // viagra present, limited absent, machine-learning ignored (mask): SPEC 0.9127.
    let p = nb
        .predict_proba(&[true, false, false], Some(&[true, true, false]))
        .unwrap();
    assert!((p[0] - 0.9127).abs() < 1e-4, "{p:?}");
}

// ---------------------------------------------------------------------------------------------
// Gaussian naive Bayes on iris: trained and exported by the host, learning goes on on the device.

type Iris = embedml::models::naive_bayes::GaussianNb<3, 4>;

/// Synthetic rows of `embedml export` written to `iris_nb_expected.rs` (two per class).
const IRIS_POINTS: usize = 6;

/// Whether data row `r` of `data/iris.csv` (0-based) is held out of the host's training, to be
/// learnt on the device: rows 24, 49, …, 149, two per species.
fn iris_held_out(r: usize) -> bool {
    r % 25 == 24
}

fn iris_table() -> embedml_host::data::Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/iris.csv");
    embedml_host::data::Table::read(&path).unwrap()
}

/// The rows of `table` for which `keep(r)` holds, as a table of their own.
fn iris_rows(
    table: &embedml_host::data::Table,
    keep: impl Fn(usize) -> bool,
) -> embedml_host::data::Table {
    let cols: Vec<Vec<&str>> = (0..table.headers().len())
        .map(|c| table.cells(c).collect())
        .collect();
    let rows = (0..table.n_rows())
        .filter(|&r| keep(r))
        .map(|r| cols.iter().map(|col| col[r].to_owned()).collect())
        .collect();
    embedml_host::data::Table::from_parts(table.path(), table.headers().to_vec(), rows, vec![])
        .unwrap()
}

/// The feature rows (`f32`) and class indices of `table` for `model`'s columns and classes.
fn iris_xy(
    model: &embedml_host::models::nb::NbModel,
    table: &embedml_host::data::Table,
) -> (Vec<[f32; 4]>, Vec<usize>) {
    let cols = table.columns(&model.x_cols).unwrap();
    let flat = table.numeric(&cols).unwrap();
    let xs = flat.chunks(4).map(|r| [r[0], r[1], r[2], r[3]]).collect();
    let ycol = table.column(&model.y_col).unwrap();
    (xs, table.class_indices(ycol, &model.classes).unwrap())
}

/// Everything `iris_nb_expected.rs` holds.
struct IrisExpected {
    classes: Vec<String>,
    inputs: Vec<Vec<f32>>,
    /// `P(y | x)` of the exported model (`embedml export`'s figures: core, from the blob).
    expected: Vec<Vec<f32>>,
    held_out: Vec<[f32; 4]>,
    held_out_class: Vec<usize>,
    /// `P(y | x)` of the model the host trains on all 150 rows, from its blob.
    expected_all: Vec<Vec<f32>>,
}

/// Trains the Gaussian naive Bayes as `embedml train nb --kind gaussian --y species` does, on
/// the iris rows that are not held out, and exports it as `embedml export` does; also trains
/// the model of all 150 rows. Returns the blob and the expected figures.
fn iris_export() -> (Vec<u8>, IrisExpected) {
    use embedml_host::models::nb::{fit_table, proba_from_blob, Variant};
    let table = iris_table();
    assert_eq!(table.n_rows(), 150);
    let train = iris_rows(&table, |r| !iris_held_out(r));
    let held = iris_rows(&table, iris_held_out);
    let model = fit_table(Variant::Gaussian, &train, "species", &[], 1.0).unwrap();
    let export = embedml_host::models::HostModel::export(&model, IRIS_POINTS).unwrap();
    let (held_out, held_out_class) = iris_xy(&model, &held);
    let all = fit_table(Variant::Gaussian, &table, "species", &[], 1.0).unwrap();
    assert_eq!(all.classes, model.classes);
    let all_blob = all.to_blob().unwrap();
    let expected_all = export
        .inputs
        .iter()
        .map(|x| proba_from_blob(&all_blob, x).unwrap())
        .collect();
    (
        export.blob,
        IrisExpected {
            classes: model.classes.clone(),
            inputs: export.inputs,
            expected: export.outputs,
            held_out,
            held_out_class,
            expected_all,
        },
    )
}

fn iris_expected_source(e: &IrisExpected) -> String {
    let row = |v: &[f32]| {
        let cells: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
        format!("    [{}],\n", cells.join(", "))
    };
    let rows = |v: &[Vec<f32>]| v.iter().map(|r| row(r)).collect::<String>();
    let held: Vec<Vec<f32>> = e.held_out.iter().map(|r| r.to_vec()).collect();
    let classes: Vec<String> = e.classes.iter().map(|c| format!("{c:?}")).collect();
    let labels: Vec<String> = e.held_out_class.iter().map(usize::to_string).collect();
    let (n, h) = (e.inputs.len(), e.held_out.len());
    format!(
        "// @generated by `EMBEDML_REGEN=1 cargo test -p embedml-tests --test firmware_models`\n\
         // The model: `embedml train nb --kind gaussian --y species` on data/iris.csv without\n\
         // the rows in `HELD_OUT`, exported by `embedml export` (`iris_nb.bin`); figures by core\n\
         // from the blobs. Do not edit.\n\
         \n\
         /// Class names, in the model's class order.\n\
         pub const CLASSES: [&str; 3] = [{}];\n\
         \n\
         /// Inputs (sepal length, sepal width, petal length, petal width; cm): `embedml\n\
         /// export`'s rows, drawn from each class's normals.\n\
         pub const INPUTS: [[f32; 4]; {n}] = [\n{}];\n\
         \n\
         /// `P(y | x)` of `iris_nb.bin` for `INPUTS`.\n\
         pub const EXPECTED: [[f32; 3]; {n}] = [\n{}];\n\
         \n\
         /// The iris rows held out of the host's training (data rows 25, 50, …, 150).\n\
         pub const HELD_OUT: [[f32; 4]; {h}] = [\n{}];\n\
         \n\
         /// Their classes.\n\
         pub const HELD_OUT_CLASS: [usize; {h}] = [{}];\n\
         \n\
         /// `P(y | x)` for `INPUTS` of the model the host trains on all 150 rows: what the\n\
         /// device's model must answer once it has learnt `HELD_OUT`.\n\
         pub const EXPECTED_ALL: [[f32; 3]; {n}] = [\n{}];\n",
        classes.join(", "),
        rows(&e.inputs),
        rows(&e.expected),
        rows(&held),
        labels.join(", "),
        rows(&e.expected_all),
    )
}

/// Absolute difference allowed between the device's and the host's probabilities: 1e-6, or
/// 1e-5 of the larger.
fn host_close(got: f32, want: f32) -> bool {
    (got - want).abs() <= (1e-5 * want.abs()).max(1e-6)
}

#[test]
fn iris_gaussian_nb_files_are_consistent_with_the_host() {
    let (blob, e) = iris_export();
    if std::env::var_os("EMBEDML_REGEN").is_some() {
        write_model_file("iris_nb.bin", &blob);
        write_model_file("iris_nb_expected.rs", iris_expected_source(&e).as_bytes());
    }
    // The committed files are what the host writes today.
    let stored = read_aligned::<{ Iris::BLOB_LEN }>("iris_nb.bin");
    assert_eq!(stored.0.to_vec(), blob);
    let src = std::fs::read_to_string(models_dir().join("iris_nb_expected.rs")).unwrap();
    assert_eq!(src, iris_expected_source(&e));
    assert_eq!(e.classes, ["setosa", "versicolor", "virginica"]);
    assert_eq!(e.held_out_class, [0, 0, 1, 1, 2, 2]);

    // What the device does, on the host: load the blob, predict on both paths.
    let mut nb = Iris::from_blob(&stored.0).unwrap();
    assert_eq!(nb.class_count(), &[48.0, 48.0, 48.0]);
    let mut worst = 0.0f32;
    let mut compare = |nb: &Iris, want: &[Vec<f32>]| {
        let tables = nb.log_tables().unwrap();
        for (x, w) in e.inputs.iter().zip(want) {
            let p = nb.predict_proba(x).unwrap();
            let q = tables.predict_proba(x).unwrap();
            for y in 0..3 {
                assert!(host_close(p[y], w[y]), "f64 path {x:?}: {p:?} vs {w:?}");
                assert!(host_close(q[y], w[y]), "f32 tables {x:?}: {q:?} vs {w:?}");
                worst = worst.max((q[y] - w[y]).abs());
            }
        }
    };
    compare(&nb, &e.expected);
    // Each export row is drawn from class r mod 3 and the model assigns it there.
    for (r, w) in e.expected.iter().enumerate() {
        assert!(w[r % 3] > 0.5, "row {r}: {w:?}");
    }
    // Learning the held-out rows online gives the model of all 150 rows.
    for (x, &y) in e.held_out.iter().zip(&e.held_out_class) {
        nb.update(x, y).unwrap();
    }
    assert_eq!(nb.class_count(), &[50.0, 50.0, 50.0]);
    compare(&nb, &e.expected_all);
    // The held-out rows move the probabilities by more than the tolerance somewhere, so the
    // device's comparison after learning tells the two models apart.
    let moved = e
        .expected
        .iter()
        .flatten()
        .zip(e.expected_all.iter().flatten())
        .any(|(a, b)| !host_close(*a, *b));
    assert!(moved, "learning the held-out rows changed no probability");
    eprintln!("iris: largest |f32 tables - host| {worst:e}");
}

// ---------------------------------------------------------------------------------------------
// A multinomial naive Bayes over word counts (Manning, Raghavan & Schütze, *Introduction to
// Information Retrieval*, Table 13.1): trained and exported by the host, learning goes on on the
// device.

type Words = embedml::models::naive_bayes::MultinomialNb<2, 6>;

/// The vocabulary (the model's feature columns).
const WORDS: [&str; 6] = ["chinese", "beijing", "shanghai", "macao", "tokyo", "japan"];

/// The book's training documents as word counts and class (`china`, `japan`).
const WORDS_TRAIN: [([u8; 6], &str); 4] = [
    ([2, 1, 0, 0, 0, 0], "china"), // Chinese Beijing Chinese
    ([2, 0, 1, 0, 0, 0], "china"), // Chinese Chinese Shanghai
    ([1, 0, 0, 1, 0, 0], "china"), // Chinese Macao
    ([1, 0, 0, 0, 1, 1], "japan"), // Tokyo Japan Chinese
];

/// The documents the device learns: the book's test document (Chinese Chinese Chinese Tokyo
/// Japan, labelled `china` as the book classifies it) and "Tokyo Japan Japan" (`japan`).
const WORDS_LEARN: [([u8; 6], &str); 2] =
    [([3, 0, 0, 0, 1, 1], "china"), ([0, 0, 0, 0, 1, 2], "japan")];

/// Synthetic rows of `embedml export` added after the book's test document.
const WORDS_POINTS: usize = 3;

fn words_table(docs: &[([u8; 6], &str)]) -> embedml_host::data::Table {
    let mut headers: Vec<String> = WORDS.iter().map(|w| w.to_string()).collect();
    headers.push("class".into());
    let rows = docs
        .iter()
        .map(|(x, y)| {
            let mut row: Vec<String> = x.iter().map(u8::to_string).collect();
            row.push(y.to_string());
            row
        })
        .collect();
    embedml_host::data::Table::from_parts(Path::new("iir-13.1.csv"), headers, rows, vec![]).unwrap()
}

/// Everything `words_nb_expected.rs` holds.
struct WordsExpected {
    inputs: Vec<Vec<f32>>,
    expected: Vec<Vec<f32>>,
    learn: Vec<Vec<f32>>,
    learn_class: Vec<usize>,
    expected_all: Vec<Vec<f32>>,
}

/// Trains as `embedml train nb --kind multinomial --alpha 1 --y class` on the book's four
/// documents and exports as `embedml export` does (the book's test document, then the export's
/// synthetic rows); also trains the model of all six documents.
fn words_export() -> (Vec<u8>, WordsExpected) {
    use embedml_host::models::nb::{fit_table, proba_from_blob, Variant};
    let model = fit_table(
        Variant::Multinomial,
        &words_table(&WORDS_TRAIN),
        "class",
        &[],
        1.0,
    )
    .unwrap();
    assert_eq!(model.classes, ["china", "japan"]);
    assert_eq!(model.x_cols, WORDS);
    let export = embedml_host::models::HostModel::export(&model, WORDS_POINTS).unwrap();
    let mut inputs = vec![WORDS_LEARN[0].0.map(f32::from).to_vec()];
    inputs.extend(export.inputs);
    let expected = inputs
        .iter()
        .map(|x| proba_from_blob(&export.blob, x).unwrap())
        .collect();
    let all_docs: Vec<_> = WORDS_TRAIN.iter().chain(&WORDS_LEARN).copied().collect();
    let all = fit_table(
        Variant::Multinomial,
        &words_table(&all_docs),
        "class",
        &[],
        1.0,
    )
    .unwrap();
    let all_blob = all.to_blob().unwrap();
    let expected_all = inputs
        .iter()
        .map(|x| proba_from_blob(&all_blob, x).unwrap())
        .collect();
    let class = |y: &str| model.classes.iter().position(|c| c == y).unwrap();
    (
        export.blob,
        WordsExpected {
            inputs,
            expected,
            learn: WORDS_LEARN
                .iter()
                .map(|(x, _)| x.map(f32::from).to_vec())
                .collect(),
            learn_class: WORDS_LEARN.iter().map(|(_, y)| class(y)).collect(),
            expected_all,
        },
    )
}

fn words_expected_source(e: &WordsExpected) -> String {
    let row = |v: &[f32]| {
        let cells: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
        format!("    [{}],\n", cells.join(", "))
    };
    let rows = |v: &[Vec<f32>]| v.iter().map(|r| row(r)).collect::<String>();
    let labels: Vec<String> = e.learn_class.iter().map(usize::to_string).collect();
    let (n, l) = (e.inputs.len(), e.learn.len());
    format!(
        "// @generated by `EMBEDML_REGEN=1 cargo test -p embedml-tests --test firmware_models`\n\
         // The model: `embedml train nb --kind multinomial --alpha 1` on the four training\n\
         // documents of Introduction to Information Retrieval, Table 13.1 (word counts of\n\
         // chinese, beijing, shanghai, macao, tokyo, japan; classes china, japan), exported by\n\
         // `embedml export` (`words_nb.bin`); figures by core from the blobs. Do not edit.\n\
         \n\
         /// Word counts: the book's test document, then `embedml export`'s rows.\n\
         pub const WORD_INPUTS: [[f32; 6]; {n}] = [\n{}];\n\
         \n\
         /// `P(china | x), P(japan | x)` of `words_nb.bin` for `WORD_INPUTS`.\n\
         pub const WORD_EXPECTED: [[f32; 2]; {n}] = [\n{}];\n\
         \n\
         /// The documents the device learns.\n\
         pub const WORD_LEARN: [[f32; 6]; {l}] = [\n{}];\n\
         \n\
         /// Their classes.\n\
         pub const WORD_LEARN_CLASS: [usize; {l}] = [{}];\n\
         \n\
         /// `P(y | x)` for `WORD_INPUTS` of the model the host trains on all six documents.\n\
         pub const WORD_EXPECTED_ALL: [[f32; 2]; {n}] = [\n{}];\n",
        rows(&e.inputs),
        rows(&e.expected),
        rows(&e.learn),
        labels.join(", "),
        rows(&e.expected_all),
    )
}

#[test]
fn word_count_multinomial_nb_files_are_consistent_with_the_host() {
    let (blob, e) = words_export();
    if std::env::var_os("EMBEDML_REGEN").is_some() {
        write_model_file("words_nb.bin", &blob);
        write_model_file("words_nb_expected.rs", words_expected_source(&e).as_bytes());
    }
    let stored = std::fs::read(models_dir().join("words_nb.bin")).unwrap();
    assert_eq!(stored, blob);
    assert_eq!(stored.len(), Words::BLOB_LEN);
    let src = std::fs::read_to_string(models_dir().join("words_nb_expected.rs")).unwrap();
    assert_eq!(src, words_expected_source(&e));
    // The book: P(china | d5) ∝ 3/4 · (3/7)³ · (1/14)², P(japan | d5) ∝ 1/4 · (2/9)⁵.
    let (a, b) = (
        0.75 * (3.0f64 / 7.0).powi(3) / 196.0,
        0.25 * (2.0f64 / 9.0).powi(5),
    );
    assert!((e.expected[0][0] as f64 - a / (a + b)).abs() < 1e-6);
    assert!((e.expected[0][0] - 0.6898).abs() < 1e-4);

    // What the device does, on the host: both paths, then learning with refreshed tables.
    let mut nb = Words::from_blob(&stored).unwrap();
    let mut tables = nb.log_tables().unwrap();
    let compare = |nb: &Words,
                   tables: &embedml::models::naive_bayes::MultinomialTables<2, 6>,
                   want: &[Vec<f32>]| {
        for (x, w) in e.inputs.iter().zip(want) {
            let p = nb.predict_proba(x).unwrap();
            let q = tables.predict_proba(x).unwrap();
            for y in 0..2 {
                assert!(host_close(p[y], w[y]), "f64 path {x:?}: {p:?} vs {w:?}");
                assert!(host_close(q[y], w[y]), "f32 tables {x:?}: {q:?} vs {w:?}");
            }
        }
    };
    compare(&nb, &tables, &e.expected);
    for (x, &y) in e.learn.iter().zip(&e.learn_class) {
        nb.update(x, y).unwrap();
        tables.refresh_class(&nb, y).unwrap();
    }
    assert_eq!(nb.class_count(), &[4.0, 2.0]);
    assert_eq!(tables, nb.log_tables().unwrap());
    compare(&nb, &tables, &e.expected_all);
    assert!(!host_close(e.expected[0][0], e.expected_all[0][0]));
}

/// The typed executors the firmware runs (`mlp_ref_type!` / `mdn_type!` carry the widths,
/// `embedml::models::fixed`) give the same bits as the slice math (`Dyn`) on the committed
/// models, over a sweep of inputs: every pre-activation-derived output, the MDN's raw outputs
/// and its mixture.
#[test]
fn typed_executors_match_the_slice_math_on_the_firmware_models() {
    use embedml::models::fixed::{Dyn, W3};
    use embedml::models::mdn::Mdn;
    use embedml::models::mlp::{param_count, unit_count};

    let bytes = std::fs::read(models_dir().join("sine.bin")).expect("firmware/models/sine.bin");
    let mut blob = Box::new(Aligned([0u8; SINE_LEN]));
    blob.0.copy_from_slice(&bytes);
    // `mlp_ref_type!(1, 16, 16, 1)` with a non-'static borrow.
    type SineTyped<'a> = MlpRef<'a, 3, { unit_count(&[1, 16, 16, 1]) }, W3<1, 16, 16, 1>>;
    let mut typed = SineTyped::from_blob(&blob.0).unwrap();
    let mut slice = SineRef::from_blob(&blob.0).unwrap();
    let mut ram = Sine::from_blob(&blob.0).unwrap();
    for i in 0..=200 {
        let x = [-3.0 + 0.03 * i as f32];
        let a = typed.forward(&x).unwrap()[0];
        let b = slice.forward(&x).unwrap()[0];
        let c = ram.forward(&x).unwrap()[0];
        assert_eq!(a.to_bits(), b.to_bits(), "sine at {x:?}: {a} vs {b}");
        assert_eq!(c.to_bits(), b.to_bits(), "sine (RAM) at {x:?}: {c} vs {b}");
    }

    type InverseDyn = Mdn<2, { param_count(&[1, 5, 9]) }, { unit_count(&[1, 5, 9]) }, 9, Dyn>;
    let blob = read_aligned::<{ Inverse::BLOB_LEN }>("prml_inverse.bin");
    let mut typed = Inverse::from_blob(&blob.0).unwrap();
    let mut slice = InverseDyn::from_blob(&blob.0).unwrap();
    for i in 0..=100 {
        let t = [-0.2 + 0.014 * i as f32];
        let a: Vec<u32> = typed
            .raw_forward(&t)
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let b: Vec<u32> = slice
            .raw_forward(&t)
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(a, b, "mdn raw outputs at {t:?}");
        let m = typed.forward(&t).unwrap();
        let mix_a: Vec<u32> = [m.log_pi(), m.sigma(), m.mu()]
            .concat()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let m = slice.forward(&t).unwrap();
        let mix_b: Vec<u32> = [m.log_pi(), m.sigma(), m.mu()]
            .concat()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(mix_a, mix_b, "mdn mixture at {t:?}");
    }
}

/// `firmware/models/sine_const.rs` (what `model_sine_const` embeds) is what `embedml export
/// --rust-const` writes for `sine.bin` (`EMBEDML_REGEN=1` rewrites it).
#[test]
fn sine_const_file_is_the_exporters_output_for_the_blob() {
    let blob = read_aligned::<SINE_LEN>("sine.bin");
    let text = embedml_host::cli::export::model_rust_const(&blob.0).unwrap();
    if std::env::var_os("EMBEDML_REGEN").is_some() {
        write_model_file("sine_const.rs", text.as_bytes());
    }
    let committed = std::fs::read_to_string(models_dir().join("sine_const.rs")).unwrap();
    assert_eq!(committed, text);
}

/// The constant-weights sine model, as `model_sine_const` embeds it.
mod sine_const {
    include!("../../firmware/models/sine_const.rs");
}

/// The constant-weights path (`ConstMlp`, `embedml export --rust-const`) gives the same bits as
/// the blob path (`MlpRef` in place, typed widths) on the committed sine model: raw outputs and
/// predictions in the host's units (standardisation, link), over a sweep and the committed
/// test inputs (whose committed outputs it reproduces).
#[test]
fn the_const_sine_model_matches_the_blob_path_bit_for_bit() {
    let blob = read_aligned::<SINE_LEN>("sine.bin");
    let mut by_blob =
        <embedml::mlp_ref_type!(1, 16, 16, 1)>::from_blob(&Box::leak(blob).0).unwrap();
    let mut by_const = sine_const::ConstModel::new().unwrap();
    assert_eq!(by_const.params(), by_blob.params());
    assert_eq!(by_const.layers(), &by_blob.layers()[..]);
    for i in 0..=400 {
        let x = [-1.0 + 0.02 * i as f32];
        let a = by_blob.forward(&x).unwrap()[0];
        let b = by_const.forward(&x).unwrap()[0];
        assert_eq!(a.to_bits(), b.to_bits(), "forward at {x:?}: {a} vs {b}");
        let (mut x1, mut x2, mut y1, mut y2) = (x, x, [0.0f32], [0.0f32]);
        by_blob.predict(&mut x1, &mut y1).unwrap();
        by_const.predict(&mut x2, &mut y2).unwrap();
        assert_eq!(y1[0].to_bits(), y2[0].to_bits(), "predict at {x:?}");
    }
    let src = std::fs::read_to_string(models_dir().join("sine_expected.rs")).unwrap();
    let (xs, want) = parse_expected(&src);
    for (&x, &w) in xs.iter().zip(&want) {
        let mut y = [0.0f32];
        by_const.predict(&mut [x], &mut y).unwrap();
        assert_eq!(y[0].to_bits(), w.to_bits(), "sine_expected at {x}");
    }
}
