//! Blob format v1 for the MDN (kind 2), categorical, Bernoulli, multinomial and Gaussian naive Bayes
//! (kinds 3–6) and the Q-table (kind 7): round trips with bit-identical predictions, pinned bytes of the SPEC
//! spam model, and every check (magic, version, kind, shape expected vs found, truncation,
//! trailing bytes, CRC, non-finite and out-of-domain values) with its error.

use embedml::envs::{EnvId, FrozenLake};
use embedml::format::{self, BlobView, FormatError, Scaling, FIXED_HEADER_LEN};
use embedml::models::mdn::ModeSearch;
use embedml::models::naive_bayes::{
    gaussian, BernoulliNb, CategoricalNb, GaussianNb, MultinomialNb,
};
use embedml::models::qlearn::{QLearnConfig, QTable};
use embedml::{mdn_type, Activation, Parameters, Rng};

type Inverse = mdn_type!(3, 1; 1, 5, 9);
type Inverse2 = mdn_type!(3, 1; 1, 4, 9);
type Golf = CategoricalNb<2, 4, 3>;
type Spam = BernoulliNb<2, 3>;
type Lake = QTable<16, 4>;
type Words = MultinomialNb<2, 3>;
type Iris = GaussianNb<3, 4>;

fn mdn() -> Inverse {
    let mut net = Inverse::new(
        &[1, 5, 9],
        &[Activation::Tanh, Activation::Identity],
        3,
        1,
        0.01,
    )
    .unwrap();
    net.init_default(&mut Rng::new(7));
    for (i, p) in net.params_mut().iter_mut().enumerate() {
        *p += 0.01 * (i % 5) as f32; // non-zero biases: a swapped W/b order would show
    }
    net
}

/// The play-golf table (SPEC §9) as category indices: outlook (sunny 0, overcast 1, rainy 2),
/// temperature (hot 0, mild 1, cool 2), humidity (high 0, normal 1), windy (false 0, true 1);
/// play: no 0, yes 1.
const GOLF: [([usize; 4], usize); 14] = [
    ([0, 0, 0, 0], 0),
    ([0, 0, 0, 1], 0),
    ([1, 0, 0, 0], 1),
    ([2, 1, 0, 0], 1),
    ([2, 2, 1, 0], 1),
    ([2, 2, 1, 1], 0),
    ([1, 2, 1, 1], 1),
    ([0, 1, 0, 0], 0),
    ([0, 2, 1, 0], 1),
    ([2, 1, 1, 0], 1),
    ([0, 1, 1, 1], 1),
    ([1, 1, 0, 1], 1),
    ([1, 0, 1, 0], 1),
    ([2, 1, 0, 1], 0),
];

fn golf() -> Golf {
    let mut nb = Golf::new([3, 3, 2, 2], 0.0).unwrap();
    for (x, y) in GOLF {
        nb.update(&x, y).unwrap();
    }
    nb
}

fn spam() -> Spam {
    let mut nb = Spam::new(0.0).unwrap();
    nb.set_counts(&[30.0, 100.0], &[7.0, 17.0, 0.0, 1.0, 71.0, 77.0])
        .unwrap();
    nb
}

/// Word counts of six short documents (two classes), α = 0.5; one fractional count (a
/// weighted term) so that counts are not only whole numbers.
fn words() -> Words {
    let mut nb = Words::new(0.5).unwrap();
    for (x, y) in [
        ([2.0, 0.0, 1.0], 0),
        ([3.0, 1.0, 0.0], 0),
        ([0.0, 0.0, 2.5], 0),
        ([0.0, 4.0, 1.0], 1),
        ([1.0, 2.0, 0.0], 1),
        ([0.0, 3.0, 3.0], 1),
    ] {
        nb.update(&x, y).unwrap();
    }
    nb
}

/// Iris rows as `(features, class)`.
fn iris_rows() -> Vec<([f32; 4], usize)> {
    include_str!("../../data/iris.csv")
        .lines()
        .skip(1)
        .map(|line| {
            let mut it = line.split(',');
            let x: [f32; 4] = core::array::from_fn(|_| it.next().unwrap().parse().unwrap());
            let y = match it.next().unwrap() {
                "setosa" => 0,
                "versicolor" => 1,
                _ => 2,
            };
            (x, y)
        })
        .collect()
}

/// Gaussian naive Bayes learnt from the 150 iris rows (f64 Welford statistics).
fn iris() -> Iris {
    let mut nb = Iris::new();
    for (x, y) in iris_rows() {
        nb.update(&x, y).unwrap();
    }
    nb
}

fn lake() -> Lake {
    let mut env = FrozenLake::<4, 4>::standard(false);
    let mut q = Lake::new();
    q.train(
        &mut env,
        &QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery: false }),
        |_, _| {},
    )
    .unwrap();
    q
}

fn to_vec(write: impl FnOnce(&mut [u8]) -> Result<usize, FormatError>) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let n = write(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Patches a u32 at `off` and fixes the CRC, so the check after the CRC is the one that fires.
fn patch(blob: &[u8], off: usize, value: u32) -> Vec<u8> {
    let mut b = blob.to_vec();
    b[off..off + 4].copy_from_slice(&value.to_le_bytes());
    let crc = format::checksum(&b).unwrap();
    b[28..32].copy_from_slice(&crc.to_le_bytes());
    b
}

/// Offset of shape word `i`.
fn word(i: usize) -> usize {
    FIXED_HEADER_LEN + 4 * i
}

/// The checks every kind shares, through its typed loader `load`.
fn common_checks(good: &[u8], kind: u16, load: impl Fn(&[u8]) -> Result<(), FormatError>) {
    assert_eq!(load(good), Ok(()));
    let mut b = good.to_vec();
    b[0] = b'X';
    assert_eq!(load(&b), Err(FormatError::BadMagic { found: *b"XMLB" }));
    let mut b = good.to_vec();
    b[4] = 2;
    assert_eq!(
        load(&b),
        Err(FormatError::UnsupportedVersion {
            found: 2,
            supported: 1
        })
    );
    // Another kind, CRC fixed: WrongKind.
    let mut b = good.to_vec();
    b[6] = if kind == 1 { 2 } else { 1 };
    let crc = format::checksum(&b).unwrap();
    b[28..32].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        load(&b),
        Err(FormatError::WrongKind {
            expected: kind,
            found: b[6] as u16
        })
    );
    for len in [0, 31, good.len() - 1] {
        assert!(
            matches!(load(&good[..len]), Err(FormatError::Truncated { found, .. }) if found == len)
        );
    }
    let mut long = good.to_vec();
    long.push(0);
    assert_eq!(
        load(&long),
        Err(FormatError::TrailingBytes {
            expected: good.len(),
            found: good.len() + 1
        })
    );
    let mut b = good.to_vec();
    let last = b.len() - 1;
    b[last] ^= 0x40;
    assert!(matches!(
        load(&b),
        Err(FormatError::ChecksumMismatch { .. })
    ));
    let n_params = BlobView::parse(good).unwrap().param_count();
    let b = patch(good, good.len() - 4, f32::NAN.to_bits());
    assert_eq!(
        load(&b),
        Err(FormatError::NonFinite {
            what: "parameters",
            index: n_params - 1
        })
    );
    // Every single-byte corruption is an error, never a panic.
    for i in 0..good.len() {
        let mut b = good.to_vec();
        b[i] ^= 0x01;
        assert!(load(&b).is_err(), "byte {i}");
    }
}

#[test]
fn mdn_round_trip_gives_bit_identical_mixtures() {
    let mut net = mdn();
    let blob = to_vec(|o| {
        net.to_blob_with(
            Some(Scaling {
                mean: &[0.5],
                std: &[0.3],
            }),
            Some(Scaling {
                mean: &[0.4],
                std: &[0.25],
            }),
            o,
        )
    });
    assert_eq!(blob.len(), Inverse::BLOB_LEN + 16);
    assert_eq!(blob.len(), net.blob_len(true, true));
    let view = BlobView::parse(&blob).unwrap();
    assert_eq!(view.kind(), Some(format::ModelKind::Mdn));
    assert_eq!(
        view.shape_words().collect::<Vec<_>>(),
        [2, 3, 1, 0.01f32.to_bits(), 1, 5, 9, 2, 0, 0, 0]
    );
    assert_eq!(view.output_scaling().unwrap().std(0), 0.25);
    let mut back = Inverse::from_blob(&blob).unwrap();
    assert_eq!(back.params(), net.params());
    assert_eq!(back.head(), net.head());
    assert_eq!(back.layers(), net.layers());
    for i in 0..11 {
        let x = [i as f32 / 10.0];
        let (a, b) = (net.forward(&x).unwrap(), back.forward(&x).unwrap());
        for c in 0..3 {
            assert_eq!(a.pi(c).to_bits(), b.pi(c).to_bits());
            assert_eq!(a.sigma()[c].to_bits(), b.sigma()[c].to_bits());
            assert_eq!(a.mu()[c].to_bits(), b.mu()[c].to_bits());
        }
        let (mut m1, mut m2) = ([0.0], [0.0]);
        net.mode(&x, &mut m1, ModeSearch::default()).unwrap();
        back.mode(&x, &mut m2, ModeSearch::default()).unwrap();
        assert_eq!(m1[0].to_bits(), m2[0].to_bits());
    }
    common_checks(&to_vec(|o| net.to_blob(o)), 2, |b| {
        Inverse::from_blob(b).map(|_| ())
    });
}

#[test]
fn mdn_shape_checks_report_expected_and_found() {
    let net = mdn();
    let good = to_vec(|o| net.to_blob(o));
    // A 1-5-9 blob into a 1-4-9 model: the parameter count differs.
    assert_eq!(
        Inverse2::from_blob(&good).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mdn parameters",
            expected: 4 + 4 + 4 * 9 + 9, // 1·4 + 4 + 4·9 + 9
            found: 64
        }
    );
    let e = |b: &[u8]| Inverse::from_blob(b).unwrap_err();
    assert_eq!(
        e(&patch(&good, word(0), 3)),
        FormatError::ShapeMismatch {
            what: "mdn layers",
            expected: 2,
            found: 3
        }
    );
    assert_eq!(
        e(&patch(&good, word(1), 2)),
        FormatError::ShapeMismatch {
            what: "mdn outputs K (L + 2)",
            expected: 9,
            found: 6
        }
    );
    assert_eq!(
        e(&patch(&good, word(1), 0)),
        FormatError::InvalidValue {
            what: "mdn components K",
            index: 1
        }
    );
    assert_eq!(
        e(&patch(&good, word(2), 0)),
        FormatError::InvalidValue {
            what: "mdn target dimension L",
            index: 2
        }
    );
    assert_eq!(
        e(&patch(&good, word(3), f32::INFINITY.to_bits())),
        FormatError::NonFinite {
            what: "mdn sigma_min",
            index: 0
        }
    );
    assert_eq!(
        e(&patch(&good, word(3), (-1.0f32).to_bits())),
        FormatError::InvalidValue {
            what: "mdn sigma_min",
            index: 3
        }
    );
    assert_eq!(
        e(&patch(&good, word(5), 0)),
        FormatError::InvalidValue {
            what: "mdn width",
            index: 5
        }
    );
    assert_eq!(
        e(&patch(&good, word(7), 99)),
        FormatError::InvalidValue {
            what: "mdn activation id",
            index: 7
        }
    );
    // Last activation tanh instead of identity.
    assert_eq!(
        e(&patch(&good, word(9), Activation::Tanh.id() as u32)),
        FormatError::InvalidValue {
            what: "mdn last activation (must be identity)",
            index: 10
        }
    );
    assert_eq!(
        e(&patch(&good, word(6), 8)),
        FormatError::ShapeMismatch {
            what: "mdn last width",
            expected: 9,
            found: 8
        }
    );
    // Scaling with the wrong number of output columns.
    let mut buf = [0u8; 512];
    assert_eq!(
        net.to_blob_with(
            None,
            Some(Scaling {
                mean: &[0.0, 0.0],
                std: &[1.0, 1.0]
            }),
            &mut buf
        ),
        Err(FormatError::ShapeMismatch {
            what: "output standardisation columns",
            expected: 1,
            found: 2
        })
    );
    assert!(matches!(
        net.to_blob(&mut buf[..100]),
        Err(FormatError::BufferTooSmall { .. })
    ));
}

#[test]
fn categorical_round_trip_keeps_the_spec_posterior() {
    let nb = golf();
    let blob = to_vec(|o| nb.to_blob(o));
    assert_eq!(blob.len(), Golf::BLOB_LEN);
    assert_eq!(blob.len(), nb.blob_len());
    let back = Golf::from_blob(&blob).unwrap();
    assert_eq!(back, nb);
    // SPEC: P(no | sunny, cool, high, windy) = 0.7954 with α = 0.
    let q = [0, 2, 0, 1];
    let (p, p2) = (
        nb.predict_proba(&q, None).unwrap(),
        back.predict_proba(&q, None).unwrap(),
    );
    assert!((p[0] - 0.7954).abs() < 1e-4, "{p:?}");
    assert_eq!(p[0].to_bits(), p2[0].to_bits());
    // A fixed prior travels too.
    let mut fixed = nb.clone();
    fixed.set_prior(Some([0.5, 0.5])).unwrap();
    let fb = to_vec(|o| fixed.to_blob(o));
    assert_eq!(fb.len(), Golf::BLOB_LEN + 8);
    assert_eq!(Golf::from_blob(&fb).unwrap(), fixed);
    common_checks(&blob, 3, |b| Golf::from_blob(b).map(|_| ()));
    common_checks(&fb, 3, |b| Golf::from_blob(b).map(|_| ()));
}

#[test]
fn categorical_shape_and_value_checks() {
    let blob = to_vec(|o| golf().to_blob(o));
    assert_eq!(
        CategoricalNb::<3, 4, 3>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes classes",
            expected: 3,
            found: 2
        }
    );
    assert_eq!(
        CategoricalNb::<2, 5, 3>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes shape words",
            expected: 10,
            found: 9
        }
    );
    assert_eq!(
        CategoricalNb::<2, 4, 4>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes value capacity",
            expected: 4,
            found: 3
        }
    );
    let e = |b: &[u8]| Golf::from_blob(b).unwrap_err();
    assert_eq!(
        e(&patch(&blob, word(3), (-1.0f32).to_bits())),
        FormatError::InvalidValue {
            what: "naive bayes alpha",
            index: 3
        }
    );
    assert_eq!(
        e(&patch(&blob, word(3), f32::NAN.to_bits())),
        FormatError::NonFinite {
            what: "naive bayes alpha",
            index: 0
        }
    );
    assert_eq!(
        e(&patch(&blob, word(4), 2)),
        FormatError::InvalidValue {
            what: "naive bayes prior flag",
            index: 4
        }
    );
    // Prior flag set but no prior stored: the parameter count disagrees.
    assert_eq!(
        e(&patch(&blob, word(4), 1)),
        FormatError::ShapeMismatch {
            what: "naive bayes parameter count",
            expected: 2 + 24 + 2,
            found: 26
        }
    );
    assert_eq!(
        e(&patch(&blob, word(5), 4)),
        FormatError::InvalidValue {
            what: "naive bayes values per feature (must be in 1..=V)",
            index: 5
        }
    );
    let params_at = BlobView::parse(&blob).unwrap().header_len();
    assert_eq!(
        e(&patch(&blob, params_at + 8, (-1.0f32).to_bits())),
        FormatError::InvalidValue {
            what: "naive bayes counts / prior (must be >= 0)",
            index: 2
        }
    );
    let mut fixed = golf();
    fixed.set_prior(Some([0.5, 0.5])).unwrap();
    let fb = to_vec(|o| fixed.to_blob(o));
    assert_eq!(
        e(&patch(&fb, fb.len() - 4, 0.6f32.to_bits())),
        FormatError::InvalidValue {
            what: "naive bayes prior (must sum to 1)",
            index: 26
        }
    );
}

/// The SPEC spam model, byte for byte (see the module docs of `format`).
#[test]
fn bernoulli_spam_blob_is_pinned_and_round_trips() {
    let nb = spam();
    let blob = to_vec(|o| nb.to_blob(o));
    assert_eq!(blob.len(), 80);
    assert_eq!(blob.len(), Spam::BLOB_LEN);
    assert_eq!(&blob[..8], b"EMLB\x01\x00\x04\x00");
    let words: Vec<u32> = blob[8..]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(&words[..5], &[48, 4, 0, 0, 8]);
    assert_eq!(&words[6..10], &[2, 3, 0, 0]);
    let params: Vec<f32> = words[10..].iter().map(|&w| f32::from_bits(w)).collect();
    assert_eq!(params, [30.0, 100.0, 7.0, 17.0, 0.0, 1.0, 71.0, 77.0]);
    let back = Spam::from_blob(&blob).unwrap();
    assert_eq!(back, nb);
    // SPEC: viagra present, limited absent, machine-learning ignored: P(spam) = 0.9127.
    let (x, mask) = ([true, false, false], [true, true, false]);
    let p = back.predict_proba(&x, Some(&mask)).unwrap();
    assert!((p[0] - 0.9127).abs() < 1e-4, "{p:?}");
    assert_eq!(
        p[0].to_bits(),
        nb.predict_proba(&x, Some(&mask)).unwrap()[0].to_bits()
    );
    common_checks(&blob, 4, |b| Spam::from_blob(b).map(|_| ()));
    assert_eq!(
        BernoulliNb::<2, 4>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes features",
            expected: 4,
            found: 3
        }
    );
    // A categorical loader refuses a Bernoulli blob by kind.
    assert_eq!(
        Golf::from_blob(&blob).unwrap_err(),
        FormatError::WrongKind {
            expected: 3,
            found: 4
        }
    );
}

#[test]
fn qtable_round_trip_keeps_the_policy() {
    let q = lake();
    let blob = to_vec(|o| q.to_blob(o));
    assert_eq!(blob.len(), Lake::BLOB_LEN);
    assert_eq!(blob.len(), 32 + 8 + 4 * 64);
    let back = Lake::from_blob(&blob).unwrap();
    assert_eq!(back, q);
    assert_eq!(back.policy(), q.policy());
    let mut env = FrozenLake::<4, 4>::standard(false);
    let ev = back.evaluate(&mut env, 10, 100, &mut Rng::new(0)).unwrap();
    assert_eq!(ev.success_rate, 1.0);
    common_checks(&blob, 7, |b| Lake::from_blob(b).map(|_| ()));
    assert_eq!(
        QTable::<16, 5>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "qtable actions",
            expected: 5,
            found: 4
        }
    );
    assert_eq!(
        QTable::<64, 4>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "qtable states",
            expected: 64,
            found: 16
        }
    );
}

/// What the fuzz target (`core/fuzz/fuzz_targets/blob_parse.rs`) does with one input: every
/// loader gives `Ok` or an error, never a panic, and whatever loads runs. Returns the loaders
/// that accepted the input.
fn load_everything(data: &[u8]) -> Vec<&'static str> {
    let mut ok = Vec::new();
    if BlobView::parse(data).is_ok() {
        ok.push("view");
    }
    if let Ok(mut net) = embedml::models::mlp::Mlp::<3, 321, 33>::from_blob(data) {
        net.forward(&[0.5]).unwrap();
        ok.push("mlp");
    }
    if let Ok(mut net) = embedml::models::mlp::Mlp::<2, 7, 3>::from_blob(data) {
        net.forward(&[0.5]).unwrap();
        ok.push("mlp");
    }
    if let Ok(mut net) = Inverse::from_blob(data) {
        let mut m = [0.0];
        net.mean(&[0.5], &mut m).unwrap();
        assert!(m[0].is_finite());
        ok.push("mdn");
    }
    // The in-place MDN (on an aligned copy) accepts exactly what the RAM loader accepts, and
    // computes the same mean bit for bit.
    let mut words = vec![0u32; data.len().div_ceil(4)];
    bytemuck::cast_slice_mut::<u32, u8>(&mut words)[..data.len()].copy_from_slice(data);
    let aligned = &bytemuck::cast_slice::<u32, u8>(&words)[..data.len()];
    let flash = format::MdnRef::<2, 64, 14, 9>::from_blob(aligned);
    assert_eq!(flash.is_ok(), Inverse::from_blob(data).is_ok());
    if let (Ok(mut flash), Ok(mut net)) = (flash, Inverse::from_blob(data)) {
        let (mut a, mut b) = ([0.0], [0.0]);
        flash.mean(&[0.5], &mut a).unwrap();
        net.mean(&[0.5], &mut b).unwrap();
        assert_eq!(a[0].to_bits(), b[0].to_bits());
    }
    // Naive Bayes: the f64 path and the f32 tables; what the tables predict is never NaN.
    let finite = |p: &[f32]| assert!(p.iter().all(|v| v.is_finite()), "{p:?}");
    if let Ok(nb) = Golf::from_blob(data) {
        let _ = nb.predict_proba(&[0, 2, 0, 1], None);
        if let Ok(Ok(p)) = nb
            .log_tables()
            .map(|t| t.predict_proba(&[0, 2, 0, 1], None))
        {
            finite(&p);
        }
        ok.push("nb_categorical");
    }
    if let Ok(nb) = Spam::from_blob(data) {
        let (x, mask) = ([true, false, false], [true, true, false]);
        let _ = nb.predict_proba(&x, Some(&mask));
        if let Ok(Ok(p)) = nb.log_tables().map(|t| t.predict_proba(&x, Some(&mask))) {
            finite(&p);
        }
        ok.push("nb_bernoulli");
    }
    if let Ok(nb) = Words::from_blob(data) {
        let _ = nb.predict_proba(&[1.0, 0.0, 2.0]);
        if let Ok(Ok(p)) = nb.log_tables().map(|t| t.predict_proba(&[1.0, 0.0, 2.0])) {
            finite(&p);
        }
        ok.push("nb_multinomial");
    }
    if let Ok(nb) = Iris::from_blob(data) {
        let x = [5.9, 3.0, 5.1, 1.8];
        let _ = nb.predict_proba(&x);
        if let Ok(Ok(p)) = nb.log_tables().map(|t| t.predict_proba(&x)) {
            finite(&p);
        }
        ok.push("nb_gaussian");
    }
    if let Ok(q) = Lake::from_blob(data) {
        let _ = q.policy();
        ok.push("qtable");
    }
    ok
}

/// The fuzz corpus as a regression test: every file in `core/fuzz/seeds/` (and, when present,
/// the fuzzer's `corpus/blob_parse` and `artifacts/blob_parse`) goes through every loader
/// without a panic; each seed loads with its own kind's loader. The seeds of the kinds added
/// here are the blobs this file's models write (`EMBEDML_REGEN=1` rewrites them).
#[test]
fn fuzz_corpus_regression() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds = root.join("seeds");
    let kinds: [(&str, Vec<u8>, &str); 6] = [
        ("mdn.bin", to_vec(|o| mdn().to_blob(o)), "mdn"),
        (
            "nb_categorical.bin",
            to_vec(|o| golf().to_blob(o)),
            "nb_categorical",
        ),
        (
            "nb_bernoulli.bin",
            to_vec(|o| spam().to_blob(o)),
            "nb_bernoulli",
        ),
        (
            "nb_multinomial.bin",
            to_vec(|o| words().to_blob(o)),
            "nb_multinomial",
        ),
        (
            "nb_gaussian.bin",
            to_vec(|o| iris().to_blob(o)),
            "nb_gaussian",
        ),
        ("qtable.bin", to_vec(|o| lake().to_blob(o)), "qtable"),
    ];
    for (name, bytes, loader) in &kinds {
        let path = seeds.join(name);
        if std::env::var_os("EMBEDML_REGEN").is_some() {
            std::fs::write(&path, bytes).unwrap();
        }
        let stored = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&stored, bytes, "{name} is stale: run with EMBEDML_REGEN=1");
        assert_eq!(load_everything(&stored), ["view", loader]);
    }
    assert_eq!(
        load_everything(&std::fs::read(seeds.join("tiny.bin")).unwrap()),
        ["view", "mlp"]
    );
    let mut n = 0;
    for dir in [
        seeds,
        root.join("corpus/blob_parse"),
        root.join("artifacts/blob_parse"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let data = std::fs::read(e.unwrap().path()).unwrap();
            load_everything(&data);
            if let Some(crc) = format::checksum(&data) {
                let mut fixed = data.clone();
                fixed[28..32].copy_from_slice(&crc.to_le_bytes());
                load_everything(&fixed);
            }
            n += 1;
        }
    }
    assert!(n >= 8, "only {n} corpus files");
}

/// The runtime-sized writers and readers (what the host's `embedml export` and `embedml
/// inspect` use) write the same bytes as the typed models and read back the same model: the
/// slice statistics over what they read give bit-identical predictions.
#[test]
fn runtime_sized_writers_and_readers_match_the_typed_ones() {
    use embedml::models::mlp::Layer;
    use embedml::models::naive_bayes::{bernoulli, categorical, common, Prior};
    use embedml::models::qlearn;

    // MDN, with standardisation constants.
    let net = mdn();
    let (xm, xs, ym, ys) = ([0.5f32], [0.25f32], [-1.0f32], [2.0f32]);
    let (sx, sy) = (
        Scaling {
            mean: &xm,
            std: &xs,
        },
        Scaling {
            mean: &ym,
            std: &ys,
        },
    );
    let typed = to_vec(|o| net.to_blob_with(Some(sx), Some(sy), o));
    let slice = to_vec(|o| {
        format::write_mdn_blob(
            o,
            net.layers(),
            net.head(),
            net.params(),
            Some(sx),
            Some(sy),
        )
    });
    assert_eq!(slice, typed);
    assert_eq!(
        typed.len(),
        format::mdn_blob_len(net.layers(), 1, 1, net.params().len())
    );
    let view = BlobView::parse(&slice).unwrap();
    let mut layers = [Layer {
        n_in: 1,
        n_out: 1,
        activation: Activation::Identity,
    }; 2];
    let head = format::decode_mdn_shape(&view, &mut layers).unwrap();
    assert_eq!((head, &layers), (net.head(), net.layers()));
    let mut three = [layers[0]; 3];
    assert_eq!(
        format::decode_mdn_shape(&view, &mut three).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mdn layers",
            expected: 3,
            found: 2
        }
    );
    assert!(format::write_mdn_blob(
        &mut [0u8; 4096],
        net.layers(),
        net.head(),
        &[0.0; 3],
        None,
        None
    )
    .is_err());

    // Categorical naive Bayes, learned and fixed prior.
    let nb = golf();
    for prior in [None, Some([0.25f32, 0.75])] {
        let mut nb = nb.clone();
        nb.set_prior(prior).unwrap();
        let typed = to_vec(|o| nb.to_blob(o));
        let counts = nb.counts().as_flattened().as_flattened();
        let slice = to_vec(|o| {
            format::write_categorical_blob(
                o,
                nb.class_count(),
                counts,
                nb.n_values(),
                3,
                nb.alpha(),
                prior.as_ref().map(|p| &p[..]),
            )
        });
        assert_eq!(slice, typed);
        assert_eq!(
            slice.len(),
            format::categorical_blob_len(2, 4, 3, prior.is_some())
        );
        let view = BlobView::parse(&slice).unwrap();
        let mut n_values = [0usize; 4];
        let shape = format::decode_categorical_shape(&view, &mut n_values).unwrap();
        assert_eq!((shape.classes, shape.features, shape.v_stride), (2, 4, 3));
        assert_eq!(shape.fixed_prior, prior.is_some());
        assert_eq!(&n_values, nb.n_values());
        let (mut cc, mut cn, mut pr) = (vec![0.0; 2], vec![0.0; shape.n_counts()], vec![0.0; 2]);
        format::read_nb_params(&view, &shape, &mut cc, &mut cn, &mut pr).unwrap();
        let s = categorical::Stats {
            class_count: &cc,
            counts: &cn,
            n_values: &n_values,
            v_stride: 3,
            alpha: shape.alpha,
            prior: if shape.fixed_prior {
                Prior::Fixed(&pr)
            } else {
                Prior::Learned
            },
        };
        for (x, _) in GOLF {
            let mut jll = [0.0f64; 2];
            categorical::joint_log_likelihood(&s, &x, None, &mut jll).unwrap();
            let mut p = [0.0f32; 2];
            common::normalize(&jll, &mut p).unwrap();
            let want = nb.predict_proba(&x, None).unwrap();
            assert_eq!(p.map(f32::to_bits), want.map(f32::to_bits));
        }
        let mut wrong = [0usize; 3];
        assert!(format::decode_categorical_shape(&view, &mut wrong).is_err());
    }
    let bad_values =
        format::write_categorical_blob(&mut [0u8; 4096], &[1.0], &[0.0; 4], &[2, 3], 2, 1.0, None);
    assert!(matches!(bad_values, Err(FormatError::InvalidValue { .. })));

    // Bernoulli: the pinned spam model.
    let nb = spam();
    let typed = to_vec(|o| nb.to_blob(o));
    let slice = to_vec(|o| {
        format::write_bernoulli_blob(
            o,
            nb.class_count(),
            nb.counts().as_flattened(),
            3,
            0.0,
            None,
        )
    });
    assert_eq!(slice, typed);
    assert_eq!(slice.len(), format::bernoulli_blob_len(2, 3, false));
    let view = BlobView::parse(&slice).unwrap();
    let shape = format::decode_bernoulli_shape(&view).unwrap();
    assert_eq!((shape.classes, shape.features, shape.v_stride), (2, 3, 1));
    let (mut cc, mut cn) = (vec![0.0; 2], vec![0.0; 6]);
    format::read_nb_params(&view, &shape, &mut cc, &mut cn, &mut []).unwrap();
    assert_eq!(cn, [7.0, 17.0, 0.0, 1.0, 71.0, 77.0]);
    let s = bernoulli::Stats {
        class_count: &cc,
        counts: &cn,
        alpha: 0.0,
        prior: Prior::Learned,
    };
    let x = [true, true, false];
    let mut jll = [0.0f64; 2];
    bernoulli::joint_log_likelihood(&s, &x, None, &mut jll).unwrap();
    assert_eq!(jll, nb.joint_log_likelihood(&x, None).unwrap());
    assert!(format::read_nb_params(&view, &shape, &mut cc, &mut [0.0; 5], &mut []).is_err());

    // Q-table.
    let q = lake();
    let typed = to_vec(|o| q.to_blob(o));
    let slice = to_vec(|o| format::write_qtable_blob(o, q.as_slice(), 4));
    assert_eq!(slice, typed);
    assert_eq!(slice.len(), format::qtable_blob_len(16, 4));
    let view = BlobView::parse(&slice).unwrap();
    assert_eq!(format::decode_qtable_shape(&view).unwrap(), (16, 4));
    let mut values = vec![0.0; 64];
    view.copy_params(&mut values).unwrap();
    let mut policy = [0usize; 16];
    qlearn::greedy_policy(&values, 4, &mut policy).unwrap();
    assert_eq!(policy, q.policy());
    assert!(format::write_qtable_blob(&mut [0u8; 4096], &[0.0; 7], 4).is_err());
    assert!(format::write_qtable_blob(&mut [0u8; 4096], &[0.0; 8], 0).is_err());
}

#[test]
fn multinomial_round_trip_gives_bit_identical_predictions() {
    let nb = words();
    let blob = to_vec(|o| nb.to_blob(o));
    assert_eq!(blob.len(), Words::BLOB_LEN);
    assert_eq!(blob.len(), 32 + 4 * 4 + 4 * (2 + 6)); // 80 bytes
    assert_eq!(&blob[..8], b"EMLB\x01\x00\x05\x00");
    let view = BlobView::parse(&blob).unwrap();
    assert_eq!(view.kind(), Some(format::ModelKind::NaiveBayesMultinomial));
    assert_eq!(
        view.shape_words().collect::<Vec<_>>(),
        [2, 3, 0.5f32.to_bits(), 0]
    );
    assert_eq!(
        view.params().collect::<Vec<_>>(),
        [3.0, 3.0, 5.0, 1.0, 3.5, 1.0, 9.0, 4.0]
    );
    let back = Words::from_blob(&blob).unwrap();
    assert_eq!(back, nb);
    for x in [
        [1.0, 0.0, 2.0],
        [0.0, 5.0, 0.0],
        [0.0, 0.0, 0.0],
        [7.0, 1.0, 0.5],
    ] {
        let (p, q) = (
            nb.predict_proba(&x).unwrap(),
            back.predict_proba(&x).unwrap(),
        );
        assert_eq!(p.map(f32::to_bits), q.map(f32::to_bits));
    }
    let mut fixed = nb.clone();
    fixed.set_prior(Some([0.3, 0.7])).unwrap();
    let fb = to_vec(|o| fixed.to_blob(o));
    assert_eq!(fb.len(), Words::BLOB_LEN + 8);
    assert_eq!(fb.len(), fixed.blob_len());
    assert_eq!(Words::from_blob(&fb).unwrap(), fixed);
    common_checks(&blob, 5, |b| Words::from_blob(b).map(|_| ()));
    common_checks(&fb, 5, |b| Words::from_blob(b).map(|_| ()));
}

#[test]
fn multinomial_shape_and_value_checks() {
    let blob = to_vec(|o| words().to_blob(o));
    assert_eq!(
        MultinomialNb::<3, 3>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes classes",
            expected: 3,
            found: 2
        }
    );
    assert_eq!(
        MultinomialNb::<2, 4>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes features",
            expected: 4,
            found: 3
        }
    );
    // Same layout as Bernoulli, but the kind tells them apart (both ways).
    assert_eq!(
        Spam::from_blob(&blob).unwrap_err(),
        FormatError::WrongKind {
            expected: 4,
            found: 5
        }
    );
    assert_eq!(
        Words::from_blob(&to_vec(|o| spam().to_blob(o))).unwrap_err(),
        FormatError::WrongKind {
            expected: 5,
            found: 4
        }
    );
    let e = |b: &[u8]| Words::from_blob(b).unwrap_err();
    assert_eq!(
        e(&patch(&blob, word(2), (-0.5f32).to_bits())),
        FormatError::InvalidValue {
            what: "naive bayes alpha",
            index: 2
        }
    );
    assert_eq!(
        e(&patch(&blob, word(2), f32::INFINITY.to_bits())),
        FormatError::NonFinite {
            what: "naive bayes alpha",
            index: 0
        }
    );
    assert_eq!(
        e(&patch(&blob, word(3), 2)),
        FormatError::InvalidValue {
            what: "naive bayes prior flag",
            index: 3
        }
    );
    assert_eq!(
        e(&patch(&blob, word(3), 1)),
        FormatError::ShapeMismatch {
            what: "naive bayes parameter count",
            expected: 2 + 6 + 2,
            found: 8
        }
    );
    let params_at = BlobView::parse(&blob).unwrap().header_len();
    assert_eq!(
        e(&patch(&blob, params_at + 4 * 5, (-2.0f32).to_bits())),
        FormatError::InvalidValue {
            what: "naive bayes counts / prior (must be >= 0)",
            index: 5
        }
    );
    let mut fixed = words();
    fixed.set_prior(Some([0.5, 0.5])).unwrap();
    let fb = to_vec(|o| fixed.to_blob(o));
    assert_eq!(
        e(&patch(&fb, fb.len() - 4, 0.8f32.to_bits())),
        FormatError::InvalidValue {
            what: "naive bayes prior (must sum to 1)",
            index: 8
        }
    );
    // The runtime-sized writer and reader (the host's) agree with the typed model.
    let nb = words();
    let slice = to_vec(|o| {
        format::write_multinomial_blob(
            o,
            nb.class_count(),
            nb.counts().as_flattened(),
            3,
            0.5,
            None,
        )
    });
    assert_eq!(slice, blob);
    assert_eq!(slice.len(), format::multinomial_blob_len(2, 3, false));
    let view = BlobView::parse(&slice).unwrap();
    let shape = format::decode_multinomial_shape(&view).unwrap();
    assert_eq!((shape.classes, shape.features, shape.alpha), (2, 3, 0.5));
    assert_eq!(
        format::decode_bernoulli_shape(&view).unwrap_err(),
        FormatError::WrongKind {
            expected: 4,
            found: 5
        }
    );
    let (mut cc, mut cn) = (vec![0.0; 2], vec![0.0; 6]);
    format::read_nb_params(&view, &shape, &mut cc, &mut cn, &mut []).unwrap();
    let s = embedml::models::naive_bayes::multinomial::Stats {
        class_count: &cc,
        counts: &cn,
        alpha: shape.alpha,
        prior: embedml::models::naive_bayes::Prior::Learned,
    };
    let mut jll = [0.0f64; 2];
    embedml::models::naive_bayes::multinomial::joint_log_likelihood(&s, &[1.0, 2.0, 0.0], &mut jll)
        .unwrap();
    assert_eq!(jll, nb.joint_log_likelihood(&[1.0, 2.0, 0.0]).unwrap());
    assert!(matches!(
        format::write_multinomial_blob(&mut [0u8; 256], &[1.0, 1.0], &[0.0; 5], 3, 0.5, None),
        Err(FormatError::ShapeMismatch { .. })
    ));
    // A negative count would not parse back: the writer refuses it.
    assert_eq!(
        format::write_multinomial_blob(&mut [0u8; 256], &[1.0], &[-1.0], 1, 0.5, None),
        Err(FormatError::InvalidValue {
            what: "naive bayes counts / prior (must be >= 0)",
            index: 1
        })
    );
}

/// Iris, Gaussian: the f64 Welford statistics survive the blob bit for bit (three f32 words
/// each), so predictions are bit-identical, and the model still matches scikit-learn.
#[test]
fn gaussian_round_trip_keeps_f64_statistics_bit_for_bit() {
    let nb = iris();
    let blob = to_vec(|o| nb.to_blob(o));
    assert_eq!(blob.len(), Iris::BLOB_LEN);
    // 32 + 5 shape words + (3 + 3·(2·12 + 2·4)) parameters = 32 + 20 + 4·99.
    assert_eq!(blob.len(), 448);
    assert_eq!(&blob[..8], b"EMLB\x01\x00\x06\x00");
    let view = BlobView::parse(&blob).unwrap();
    let vs = 1e-9f64.to_bits();
    assert_eq!(
        view.shape_words().collect::<Vec<_>>(),
        [3, 4, vs as u32, (vs >> 32) as u32, 0]
    );
    assert_eq!(view.param_count(), 99);
    // First parameters: n_y, then μ_{0,0} = 5.006 as (h, m, l).
    assert_eq!(view.param(0), 50.0);
    assert_eq!(view.param(3), 5.006f64 as f32);
    assert_eq!(
        format::join_f64([view.param(3), view.param(4), view.param(5)]),
        nb.mean()[0][0]
    );
    let back = Iris::from_blob(&blob).unwrap();
    assert_eq!(back, nb);
    assert_eq!(back.var_smoothing(), 1e-9);
    for (x, _) in iris_rows().iter().step_by(7) {
        let (p, q) = (nb.predict_proba(x).unwrap(), back.predict_proba(x).unwrap());
        assert_eq!(p.map(f32::to_bits), q.map(f32::to_bits));
    }
    // scikit-learn: P(versicolor | 6.0, 2.8, 4.9, 1.6) = 0.7877014709854 (IRIS_PROBA[10]).
    let p = back.predict_proba(&[6.0, 2.8, 4.9, 1.6]).unwrap();
    assert!((p[1] as f64 - 0.787_701_470_985_4).abs() < 1e-6, "{p:?}");
    // Learning goes on from the loaded statistics exactly as from the original ones.
    let (mut a, mut b) = (nb.clone(), back);
    a.update(&[5.0, 3.0, 1.5, 0.2], 0).unwrap();
    b.update(&[5.0, 3.0, 1.5, 0.2], 0).unwrap();
    assert_eq!(a, b);
    let mut fixed = nb.clone();
    fixed.set_prior(Some([0.2, 0.3, 0.5])).unwrap();
    fixed.set_var_smoothing(1e-3).unwrap();
    let fb = to_vec(|o| fixed.to_blob(o));
    assert_eq!(fb.len(), Iris::BLOB_LEN + 12);
    assert_eq!(fb.len(), fixed.blob_len());
    assert_eq!(Iris::from_blob(&fb).unwrap(), fixed);
    common_checks(&blob, 6, |b| Iris::from_blob(b).map(|_| ()));
    common_checks(&fb, 6, |b| Iris::from_blob(b).map(|_| ()));
}

#[test]
fn gaussian_shape_and_value_checks() {
    let blob = to_vec(|o| iris().to_blob(o));
    assert_eq!(
        GaussianNb::<2, 4>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes classes",
            expected: 2,
            found: 3
        }
    );
    assert_eq!(
        GaussianNb::<3, 5>::from_blob(&blob).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "naive bayes features",
            expected: 5,
            found: 4
        }
    );
    assert_eq!(
        Words::from_blob(&blob).unwrap_err(),
        FormatError::WrongKind {
            expected: 5,
            found: 6
        }
    );
    let e = |b: &[u8]| Iris::from_blob(b).unwrap_err();
    // var_smoothing = NaN (high word 0x7FF8_0000), = −1.0 (high word 0xBFF0_0000, low 0).
    assert_eq!(
        e(&patch(&blob, word(3), 0x7FF8_0000)),
        FormatError::NonFinite {
            what: "gaussian var_smoothing",
            index: 0
        }
    );
    assert_eq!(
        e(&patch(&patch(&blob, word(2), 0), word(3), 0xBFF0_0000)),
        FormatError::InvalidValue {
            what: "gaussian var_smoothing",
            index: 2
        }
    );
    assert_eq!(
        e(&patch(&blob, word(4), 3)),
        FormatError::InvalidValue {
            what: "naive bayes prior flag",
            index: 4
        }
    );
    assert_eq!(
        e(&patch(&blob, word(4), 1)),
        FormatError::ShapeMismatch {
            what: "gaussian parameter count",
            expected: 99 + 3,
            found: 99
        }
    );
    let at = BlobView::parse(&blob).unwrap().header_len();
    let param = |i: usize| at + 4 * i;
    assert_eq!(
        e(&patch(&blob, param(1), (-1.0f32).to_bits())),
        FormatError::InvalidValue {
            what: "gaussian class counts (must be >= 0)",
            index: 1
        }
    );
    // M2_{0,0} starts after n_y (3) and the 12 means (36 words): a negative variance.
    let m2 = 3 + 36;
    assert_eq!(
        e(&patch(&blob, param(m2), (-0.5f32).to_bits())),
        FormatError::InvalidValue {
            what: "gaussian M2 (must be >= 0)",
            index: m2
        }
    );
    let total_m2 = 3 + 3 * (24 + 4);
    assert_eq!(
        e(&patch(&blob, param(total_m2 + 3), (-1e3f32).to_bits())),
        FormatError::InvalidValue {
            what: "gaussian total M2 (must be >= 0)",
            index: total_m2 + 3
        }
    );
    let mut fixed = iris();
    fixed.set_prior(Some([0.25, 0.25, 0.5])).unwrap();
    let fb = to_vec(|o| fixed.to_blob(o));
    assert_eq!(
        e(&patch(&fb, fb.len() - 4, 0.7f32.to_bits())),
        FormatError::InvalidValue {
            what: "naive bayes prior (must be >= 0 and sum to 1)",
            index: 99
        }
    );
    // The runtime-sized decoder: C = 0 and F = 0 are invalid; read into host-sized buffers.
    let view = BlobView::parse(&blob).unwrap();
    let shape = format::decode_gaussian_shape(&view).unwrap();
    assert_eq!((shape.classes, shape.features), (3, 4));
    assert_eq!(shape.var_smoothing, 1e-9);
    assert!(!shape.fixed_prior);
    for (w, what) in [(0, "naive bayes classes"), (1, "naive bayes features")] {
        let b = patch(&blob, word(w), 0);
        assert_eq!(
            format::decode_gaussian_shape(&BlobView::parse(&b).unwrap()).unwrap_err(),
            FormatError::InvalidValue { what, index: w }
        );
    }
    let (mut cc, mut mean, mut m2v) = (vec![0.0f32; 3], vec![0.0f64; 12], vec![0.0f64; 12]);
    let (mut tm, mut tm2) = (vec![0.0f64; 4], vec![0.0f64; 4]);
    let mut s = gaussian::StatsMut {
        class_count: &mut cc,
        mean: &mut mean,
        m2: &mut m2v,
        total_mean: &mut tm,
        total_m2: &mut tm2,
    };
    format::read_gaussian_params(&view, &shape, &mut s, &mut []).unwrap();
    let nb = iris();
    assert_eq!(mean, nb.mean().as_flattened());
    assert_eq!(m2v, nb.m2().as_flattened());
    assert_eq!(
        (&tm[..], &tm2[..]),
        (&nb.total_mean()[..], &nb.total_m2()[..])
    );
    let mut short = vec![0.0f64; 11];
    let mut s = gaussian::StatsMut {
        class_count: &mut cc,
        mean: &mut short,
        m2: &mut m2v,
        total_mean: &mut tm,
        total_m2: &mut tm2,
    };
    assert_eq!(
        format::read_gaussian_params(&view, &shape, &mut s, &mut []).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "gaussian means",
            expected: 12,
            found: 11
        }
    );
    // The runtime-sized writer writes the typed model's bytes and refuses what would not parse.
    let stats = nb.stats();
    assert_eq!(to_vec(|o| format::write_gaussian_blob(o, &stats)), blob);
    let mut buf = [0u8; 1024];
    let mut neg = nb.m2().as_flattened().to_vec();
    neg[2] = -1.0;
    assert_eq!(
        format::write_gaussian_blob(&mut buf, &gaussian::Stats { m2: &neg, ..stats }),
        Err(FormatError::InvalidValue {
            what: "gaussian M2 (must be >= 0)",
            index: 3 + 36 + 6
        })
    );
    assert_eq!(
        format::write_gaussian_blob(
            &mut buf,
            &gaussian::Stats {
                var_smoothing: f64::NAN,
                ..stats
            }
        ),
        Err(FormatError::NonFinite {
            what: "gaussian var_smoothing",
            index: 0
        })
    );
    let mut huge = nb.mean().as_flattened().to_vec();
    huge[0] = 1e39; // beyond f32: no exact three-word form
    assert!(matches!(
        format::write_gaussian_blob(
            &mut buf,
            &gaussian::Stats {
                mean: &huge,
                ..stats
            }
        ),
        Err(FormatError::NonFinite {
            what: "parameters",
            ..
        })
    ));
    assert_eq!(
        format::write_gaussian_blob(
            &mut buf,
            &gaussian::Stats {
                mean: &huge[..5],
                ..stats
            }
        ),
        Err(FormatError::ShapeMismatch {
            what: "gaussian means",
            expected: 12,
            found: 5
        })
    );
    assert!(matches!(
        nb.to_blob(&mut buf[..100]),
        Err(FormatError::BufferTooSmall { .. })
    ));
}
