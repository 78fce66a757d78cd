//! Device blob format v1: pinned bytes, round trips, in-place inference, and robustness: every
//! single-byte corruption and every truncation of a valid blob is an error, never a panic, and
//! hand-crafted malicious headers are rejected.

use embedml::format::{self, BlobView, FormatError, MlpRef, ModelKind, Scaling, FIXED_HEADER_LEN};
use embedml::kernels::loss::Loss;
use embedml::{mlp_ref_type, mlp_type, Activation, Parameters, Rng};

type Tiny = mlp_type!(1, 2, 1);
type Sine = mlp_type!(1, 16, 16, 1);
type SineRef<'a> = MlpRef<
    'a,
    3,
    { embedml::models::mlp::unit_count(&[1, 16, 16, 1]) },
    embedml::models::fixed::W3<1, 16, 16, 1>,
>;
/// The macro names the same type with a `'static` borrow (for blobs in flash).
type SineFlash = mlp_ref_type!(1, 16, 16, 1);

/// The 1 → 2 → 1 example of the module docs, byte for byte; the CRC was computed independently
/// with Python's `zlib.crc32` over the bytes with the CRC field left out.
const TINY_HEX: &str = "454d4c42010001004400000009000000000000000000000007000000370b5db9\
02000000000000000100000002000000010000000200000000000000000000000000000000\
00003f000080bf0000803e00000000000000400000c03f000000bf";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn tiny() -> Tiny {
    Tiny::with_params(
        &[1, 2, 1],
        &[Activation::Tanh, Activation::Identity],
        Loss::Mse,
        &[0.5, -1.0, 0.25, 0.0, 2.0, 1.5, -0.5],
    )
    .unwrap()
}

fn sine(seed: u64) -> Sine {
    let mut net = Sine::new(
        &[1, 16, 16, 1],
        &[
            Activation::Relu,
            Activation::LeakyRelu(0.05),
            Activation::Identity,
        ],
        Loss::Mse,
    )
    .unwrap();
    net.init_default(&mut Rng::new(seed));
    // Non-zero biases, so a swapped W/b order would show.
    for (i, p) in net.params_mut().iter_mut().enumerate() {
        if *p == 0.0 {
            *p = 0.01 * (i % 7) as f32 - 0.03;
        }
    }
    net
}

/// A blob with standardisation constants, in a 4-byte aligned buffer.
fn sine_blob() -> (Sine, Vec<u32>, usize) {
    let net = sine(7);
    let mut buf = vec![0u32; 512];
    let n = net
        .to_blob_with(
            Some(Scaling {
                mean: &[3.25],
                std: &[1.8],
            }),
            Some(Scaling {
                mean: &[0.0],
                std: &[0.75],
            }),
            bytemuck_bytes_mut(&mut buf),
        )
        .unwrap();
    (net, buf, n)
}

/// `&mut [u32]` as bytes without unsafe (the test copies through a Vec<u8> view).
fn bytemuck_bytes_mut(words: &mut [u32]) -> &mut [u8] {
    bytemuck::cast_slice_mut(words)
}

fn bytes(words: &[u32], n: usize) -> &[u8] {
    &bytemuck::cast_slice(words)[..n]
}

#[test]
fn tiny_blob_matches_the_documented_bytes() {
    let want = unhex(TINY_HEX);
    assert_eq!(want.len(), 96);
    let mut out = [0u8; 128];
    let n = tiny().to_blob(&mut out).unwrap();
    assert_eq!(n, Tiny::BLOB_LEN);
    assert_eq!(&out[..n], &want[..]);
    assert_eq!(format::checksum(&want), Some(0xb95d_0b37));

    let view = BlobView::parse(&want).unwrap();
    assert_eq!(view.kind(), Some(ModelKind::Mlp));
    assert_eq!(view.header_len(), 68);
    assert_eq!(view.crc(), 0xb95d_0b37);
    assert_eq!(
        view.shape_words().collect::<Vec<_>>(),
        [2, 0, 1, 2, 1, 2, 0, 0, 0]
    );
    assert_eq!(
        view.params().collect::<Vec<_>>(),
        [0.5, -1.0, 0.25, 0.0, 2.0, 1.5, -0.5]
    );
    assert!(view.input_scaling().is_none() && view.output_scaling().is_none());
    assert_eq!(
        view.to_string(),
        "EMLB v1 mlp (kind 1), 96 bytes, crc 0xb95d0b37, shape [2, 0, 1, 2, 1, 2, 0, 0, 0], \
         7 parameters"
    );

    // x = 1: h = tanh([0.75, −1]), y = 2 h0 + 1.5 h1 − 0.5
    let mut net = Tiny::from_blob(&want).unwrap();
    let y = net.forward(&[1.0]).unwrap()[0];
    let want_y = 2.0 * 0.75f64.tanh() + 1.5 * (-1.0f64).tanh() - 0.5;
    assert!((y as f64 - want_y).abs() < 1e-6, "{y} vs {want_y}");
}

#[test]
fn round_trip_keeps_layers_loss_and_every_parameter() {
    let (net, buf, n) = sine_blob();
    let blob = bytes(&buf, n);
    assert_eq!(n, net.blob_len(true, true));
    assert_eq!(n, Sine::BLOB_LEN + 16);
    let back = Sine::from_blob(blob).unwrap();
    assert_eq!(back.layers(), net.layers());
    assert_eq!(back.loss(), net.loss());
    assert_eq!(back.params(), net.params());
    let view = BlobView::parse(blob).unwrap();
    let s = view.input_scaling().unwrap();
    assert_eq!((s.len(), s.mean(0), s.std(0)), (1, 3.25, 1.8));
    let s = view.output_scaling().unwrap();
    assert_eq!((s.mean(0), s.std(0)), (0.0, 0.75));
    let summary = view.to_string();
    assert!(
        summary.starts_with("EMLB v1 mlp (kind 1), 1380 bytes")
            && summary.contains("shape [3, 0, 1, 16, 16, 1, 3, 0, 4, ")
            && summary
                .ends_with("321 parameters, input scaling 1 column(s), output scaling 1 column(s)"),
        "{summary}"
    );
    // The blob without constants is also accepted.
    let mut plain = vec![0u8; Sine::BLOB_LEN];
    net.to_blob(&mut plain).unwrap();
    assert_eq!(Sine::from_blob(&plain).unwrap().params(), net.params());
}

#[test]
fn in_place_model_borrows_the_blob_and_matches_the_ram_model() {
    let (mut net, buf, n) = sine_blob();
    let blob = bytes(&buf, n);
    let mut flash = SineRef::from_blob(blob).unwrap();
    // No copy: the parameters are the blob's own bytes.
    let view = BlobView::parse(blob).unwrap();
    assert_eq!(
        flash.params().as_ptr() as usize,
        blob.as_ptr() as usize + view.header_len()
    );
    for i in 0..50 {
        let x = -1.0 + 8.0 * i as f32 / 49.0;
        let mut xs = [x];
        let mut y = [0.0];
        flash.predict(&mut xs, &mut y).unwrap();
        let raw = net.forward(&[(x - 3.25) / 1.8]).unwrap()[0];
        assert_eq!(y[0], raw * 0.75 + 0.0, "x = {x}");
    }
    // Shape errors are typed.
    assert!(flash.forward(&[1.0, 2.0]).is_err());
}

/// Typed widths that do not match the blob's are an error, even when the layer count and the
/// unit capacity agree (1 → 15 → 17 → 1 also has 33 units).
#[test]
fn typed_widths_must_match_the_blob() {
    use embedml::models::fixed::W3;
    let (_, buf, n) = sine_blob();
    let blob = bytes(&buf, n);
    type Wrong<'a> = MlpRef<'a, 3, 33, W3<1, 15, 17, 1>>;
    assert!(matches!(
        Wrong::from_blob(blob),
        Err(FormatError::InvalidValue { .. })
    ));
    type WrongRam = embedml::models::mlp::Mlp<3, 321, 33, W3<1, 15, 17, 1>>;
    assert!(WrongRam::from_blob(blob).is_err());
    assert!(SineRef::from_blob(blob).is_ok());
}

#[test]
fn in_place_model_rejects_misaligned_bytes() {
    let (_, buf, n) = sine_blob();
    let mut shifted = vec![0u8; n + 1];
    // Place the blob at an odd address.
    let base = shifted.as_ptr() as usize;
    let start = if base % 4 == 0 { 1 } else { 0 };
    shifted[start..start + n].copy_from_slice(bytes(&buf, n));
    let blob = &shifted[start..start + n];
    assert!(matches!(
        SineRef::from_blob(blob),
        Err(FormatError::Misaligned { .. })
    ));
    // The RAM loader does not care about alignment.
    assert!(Sine::from_blob(blob).is_ok());
}

#[test]
fn include_blob_is_aligned() {
    let none: Option<SineFlash> = None;
    let _: Option<SineRef<'static>> = none;
    static A: format::Aligned<5> = format::Aligned([1, 2, 3, 4, 5]);
    assert_eq!(A.bytes().as_ptr() as usize % 4, 0);
    assert_eq!(A.bytes(), &[1, 2, 3, 4, 5]);
}

/// Every byte of a valid blob changed (three ways) and every truncation: an error, no panic.
#[test]
fn every_single_byte_corruption_and_truncation_is_an_error() {
    let (_, buf, n) = sine_blob();
    let good = bytes(&buf, n).to_vec();
    let tiny = unhex(TINY_HEX);
    for blob in [&good[..], &tiny[..]] {
        for i in 0..blob.len() {
            for delta in [0x01u8, 0x80, 0xff] {
                let mut bad = blob.to_vec();
                bad[i] ^= delta;
                assert!(BlobView::parse(&bad).is_err(), "byte {i} ^ {delta:#x}");
                assert!(Sine::from_blob(&bad).is_err());
                assert!(Tiny::from_blob(&bad).is_err());
            }
        }
        for len in 0..blob.len() {
            let err = BlobView::parse(&blob[..len]).unwrap_err();
            assert!(
                matches!(err, FormatError::Truncated { found, .. } if found == len),
                "{len}: {err:?}"
            );
        }
        let mut long = blob.to_vec();
        long.push(0);
        assert!(matches!(
            BlobView::parse(&long),
            Err(FormatError::TrailingBytes { expected, found }) if expected == blob.len() && found == blob.len() + 1
        ));
    }
}

/// Patches a u32 field and fixes the CRC, so the check after the CRC is the one that fires.
fn patch(blob: &[u8], off: usize, value: u32) -> Vec<u8> {
    let mut b = blob.to_vec();
    b[off..off + 4].copy_from_slice(&value.to_le_bytes());
    let crc = format::checksum(&b).unwrap();
    b[28..32].copy_from_slice(&crc.to_le_bytes());
    b
}

#[test]
fn each_header_check_has_its_error() {
    let good = unhex(TINY_HEX);
    let e = |b: &[u8]| BlobView::parse(b).unwrap_err();
    let mut b = good.clone();
    b[0] = b'X';
    assert_eq!(e(&b), FormatError::BadMagic { found: *b"XMLB" });
    let mut b = good.clone();
    b[4] = 2;
    assert_eq!(
        e(&b),
        FormatError::UnsupportedVersion {
            found: 2,
            supported: 1
        }
    );
    let mut b = good.clone();
    b[40] ^= 1; // a shape word, CRC left stale
    assert!(matches!(
        e(&b),
        FormatError::ChecksumMismatch {
            stored: 0xb95d_0b37,
            ..
        }
    ));
    assert_eq!(
        e(&patch(&good, 8, 72)),
        FormatError::BadHeaderLength {
            expected: 68,
            found: 72
        }
    );

    // Kind-specific checks, each behind a valid CRC.
    let kind = {
        let mut b = good.clone();
        b[6] = 7;
        let crc = format::checksum(&b).unwrap();
        b[28..32].copy_from_slice(&crc.to_le_bytes());
        b
    };
    assert_eq!(
        BlobView::parse(&kind).unwrap().kind(),
        Some(ModelKind::QTable)
    );
    assert_eq!(
        Tiny::from_blob(&kind).unwrap_err(),
        FormatError::WrongKind {
            expected: 1,
            found: 7
        }
    );
    let w = |i: usize| FIXED_HEADER_LEN + 4 * i;
    assert_eq!(
        Sine::from_blob(&good).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mlp layers",
            expected: 3,
            found: 2
        }
    );
    assert_eq!(
        Tiny::from_blob(&patch(&good, w(1), 9)).unwrap_err(),
        FormatError::InvalidValue {
            what: "mlp loss id",
            index: 1
        }
    );
    assert_eq!(
        Tiny::from_blob(&patch(&good, w(3), 0)).unwrap_err(),
        FormatError::InvalidValue {
            what: "mlp width",
            index: 3
        }
    );
    assert_eq!(
        Tiny::from_blob(&patch(&good, w(5), 6)).unwrap_err(),
        FormatError::InvalidValue {
            what: "mlp activation id",
            index: 5
        }
    );
    // LeakyReLU with a NaN slope.
    let leaky = patch(&patch(&good, w(5), 4), w(6), f32::NAN.to_bits());
    assert!(matches!(
        Tiny::from_blob(&leaky).unwrap_err(),
        FormatError::NonFinite {
            what: "mlp leaky relu slope",
            index: 0
        }
    ));
    // A width that changes the parameter count.
    assert_eq!(
        Tiny::from_blob(&patch(&good, w(3), 3)).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mlp parameter count",
            expected: 10,
            found: 7
        }
    );
    // A non-finite parameter.
    let nan = patch(&good, 68 + 4 * 3, f32::INFINITY.to_bits());
    assert_eq!(
        BlobView::parse(&nan).unwrap_err(),
        FormatError::NonFinite {
            what: "parameters",
            index: 3
        }
    );
}

#[test]
fn malicious_headers_are_rejected_without_panic_or_huge_work() {
    let good = unhex(TINY_HEX);
    let cases: &[(usize, u32)] = &[
        (8, u32::MAX),  // header_len
        (12, u32::MAX), // n_shape
        (16, u32::MAX), // n_in_norm
        (20, u32::MAX), // n_out_norm
        (24, u32::MAX), // param_count
        (24, 0x4000_0000),
        (12, 0x3fff_fff8),
    ];
    for &(off, v) in cases {
        let b = patch(&good, off, v);
        let err = BlobView::parse(&b).unwrap_err();
        assert!(
            matches!(
                err,
                FormatError::BadHeaderLength { .. } | FormatError::Truncated { .. }
            ),
            "field {off} = {v:#x}: {err:?}"
        );
    }
    // Consistent counts that describe far more bytes than given.
    let mut b = patch(&good, 12, 1_000_000);
    b = patch(&b, 8, 32 + 4 * 1_000_000);
    assert!(matches!(
        BlobView::parse(&b).unwrap_err(),
        FormatError::Truncated {
            expected: 4_000_060,
            found: 96
        }
    ));
    // A huge layer count or huge widths behind a valid CRC.
    let w = |i: usize| FIXED_HEADER_LEN + 4 * i;
    let huge_l = patch(&good, w(0), u32::MAX);
    assert!(matches!(
        Tiny::from_blob(&huge_l).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mlp layers",
            ..
        }
    ));
    let huge_w = patch(&patch(&good, w(2), u32::MAX), w(3), u32::MAX);
    assert!(matches!(
        Tiny::from_blob(&huge_w).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mlp parameter count",
            ..
        }
    ));
    // Standardisation constants: std must be positive and finite, columns must match.
    let net = tiny();
    let mut out = [0u8; 256];
    let n = net
        .to_blob_with(
            Some(Scaling {
                mean: &[1.0],
                std: &[2.0],
            }),
            None,
            &mut out,
        )
        .unwrap();
    let with = out[..n].to_vec();
    let std_off = 72; // 32 + 4·9 shape words, then the mean (68), then the std
    assert_eq!(
        BlobView::parse(&patch(&with, std_off, 0.0f32.to_bits())).unwrap_err(),
        FormatError::InvalidValue {
            what: "input std",
            index: 0
        }
    );
    assert_eq!(
        BlobView::parse(&patch(&with, std_off - 4, f32::NAN.to_bits())).unwrap_err(),
        FormatError::NonFinite {
            what: "input mean",
            index: 0
        }
    );
}

#[test]
fn degenerate_typed_models_get_errors_not_panics() {
    let good = unhex(TINY_HEX);
    assert!(matches!(
        embedml::models::mlp::Mlp::<0, 0, 0>::from_blob(&good),
        Err(FormatError::InvalidValue { .. })
    ));
    assert!(matches!(
        MlpRef::<0, 0>::from_blob(&good),
        Err(FormatError::InvalidValue { .. })
    ));
    // Right layer count, wrong unit capacity.
    let (_, buf, n) = sine_blob();
    assert_eq!(
        MlpRef::<3, 32>::from_blob(bytes(&buf, n)).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mlp units",
            expected: 32,
            found: 33
        }
    );
    assert_eq!(
        embedml::models::mlp::Mlp::<3, 320, 33>::from_blob(bytes(&buf, n)).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mlp parameters",
            expected: 320,
            found: 321
        }
    );
}

#[test]
fn writers_check_their_inputs() {
    let net = tiny();
    let mut small = [0u8; 95];
    assert_eq!(
        net.to_blob(&mut small).unwrap_err(),
        FormatError::BufferTooSmall {
            needed: 96,
            found: 95
        }
    );
    let mut out = [0u8; 256];
    assert!(matches!(
        net.to_blob_with(
            Some(Scaling {
                mean: &[1.0, 2.0],
                std: &[1.0, 1.0]
            }),
            None,
            &mut out
        ),
        Err(FormatError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        net.to_blob_with(
            None,
            Some(Scaling {
                mean: &[1.0],
                std: &[-1.0]
            }),
            &mut out
        ),
        Err(FormatError::InvalidValue {
            what: "output std",
            index: 0
        })
    ));
    assert!(matches!(
        format::write_blob(&mut out, ModelKind::Mlp, &[], None, None, &[f32::NAN]),
        Err(FormatError::NonFinite {
            what: "parameters",
            index: 0
        })
    ));
    // Any kind can be written and read back generically.
    let mut out = [0u8; 512];
    let n = format::write_blob(
        &mut out,
        ModelKind::QTable,
        &[16, 4],
        None,
        None,
        &[1.0; 64],
    )
    .unwrap();
    assert_eq!(n, format::blob_len(2, 0, 0, 64));
    let v = BlobView::parse(&out[..n]).unwrap();
    assert_eq!(
        (v.kind(), v.shape_word(1), v.param_count()),
        (Some(ModelKind::QTable), Some(4), 64)
    );
    assert_eq!(v.shape_word(2), None);
}

#[test]
fn errors_display_something_useful() {
    let e = FormatError::ChecksumMismatch {
        stored: 1,
        computed: 2,
    };
    assert_eq!(
        e.to_string(),
        "checksum mismatch (corrupt blob): stored 0x00000001, computed 0x00000002"
    );
    let e = FormatError::BadMagic { found: *b"GIF8" };
    assert!(e.to_string().contains("not an embedml blob"));
    for k in ModelKind::ALL {
        assert_eq!(ModelKind::from_id(k.id()), Some(k));
    }
    assert_eq!(ModelKind::from_id(0), None);
}
