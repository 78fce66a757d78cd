//! The in-place MDN ([`MdnRef`]): it borrows its parameters from the blob, gives figures
//! bit-identical to the RAM model ([`Mdn::from_blob`]) and rejects every malformed blob with
//! the same error as the RAM loader (magic, version, kind, shapes expected vs found,
//! truncation, trailing bytes, CRC, non-finite values), plus misalignment and typed widths.

use embedml::format::{self, BlobView, FormatError, MdnRef, Scaling, FIXED_HEADER_LEN};
use embedml::models::fixed::{W2, W3};
use embedml::models::mdn::ModeSearch;
use embedml::{mdn_ref_type, mdn_type, Activation, Parameters, Rng};

type Inverse = mdn_type!(3, 1; 1, 5, 9);
type InverseRef<'a> = MdnRef<'a, 2, 64, 14, 9, W2<1, 5, 9>>;
/// Two target dimensions, two hidden layers: `K = 2`, `L = 2`, outputs `2 · 4 = 8`.
type Planar = mdn_type!(2, 2; 2, 6, 4, 8);
type PlanarRef<'a> = MdnRef<'a, 3, 86, 18, 8, W3<2, 6, 4, 8>>;

fn inverse() -> Inverse {
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
        *p += 0.01 * (i % 5) as f32;
    }
    net
}

fn planar() -> Planar {
    let mut net = Planar::new(
        &[2, 6, 4, 8],
        &[Activation::Tanh, Activation::Relu, Activation::Identity],
        2,
        2,
        0.0,
    )
    .unwrap();
    net.init_default(&mut Rng::new(11));
    net
}

/// A blob in a buffer of words, so its bytes are 4-byte aligned.
struct Words(Vec<u32>, usize);

impl Words {
    fn new(bytes: &[u8]) -> Self {
        let mut w = vec![0u32; bytes.len().div_ceil(4)];
        bytemuck::cast_slice_mut::<u32, u8>(&mut w)[..bytes.len()].copy_from_slice(bytes);
        Words(w, bytes.len())
    }
    fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice::<u32, u8>(&self.0)[..self.1]
    }
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

fn word(i: usize) -> usize {
    FIXED_HEADER_LEN + 4 * i
}

/// The in-place loader's result on an aligned copy of `b`.
fn load_ref(b: &[u8]) -> Result<(), FormatError> {
    InverseRef::from_blob(Words::new(b).bytes()).map(|_| ())
}

/// The RAM loader's result.
fn load_ram(b: &[u8]) -> Result<(), FormatError> {
    Inverse::from_blob(b).map(|_| ())
}

#[test]
fn in_place_borrows_the_blob_and_is_bit_identical_to_the_ram_model() {
    let net = inverse();
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
    let words = Words::new(&blob);
    let mut flash = InverseRef::from_blob(words.bytes()).unwrap();
    // Borrowed, not copied: the parameters are the blob's last bytes.
    let params = flash.params();
    let tail = &words.bytes()[blob.len() - 4 * params.len()..];
    assert_eq!(params.as_ptr() as usize, tail.as_ptr() as usize);
    assert_eq!(params, net.params());
    assert_eq!(flash.head(), net.head());
    assert_eq!(flash.layers(), net.layers());
    assert_eq!((flash.n_inputs(), flash.n_targets()), (1, 1));
    assert_eq!(flash.input_scaling().unwrap().std(0), 0.3);
    assert_eq!(flash.output_scaling().unwrap().mean(0), 0.4);
    let mut ram = Inverse::from_blob(&blob).unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for i in -10..=20 {
        let x = [i as f32 / 10.0];
        let (a, b) = (flash.forward(&x).unwrap(), ram.forward(&x).unwrap());
        assert_eq!(bits(a.log_pi()), bits(b.log_pi()));
        assert_eq!(bits(a.sigma()), bits(b.sigma()));
        assert_eq!(bits(a.mu()), bits(b.mu()));
        let (mut m1, mut m2) = ([0.0], [0.0]);
        flash.mean(&x, &mut m1).unwrap();
        ram.mean(&x, &mut m2).unwrap();
        assert_eq!(bits(&m1), bits(&m2));
        let v1 = flash.mean_and_variance(&x, &mut m1).unwrap();
        let v2 = ram.mean_and_variance(&x, &mut m2).unwrap();
        assert_eq!((v1.to_bits(), bits(&m1)), (v2.to_bits(), bits(&m2)));
        let c1 = flash.approx_mode(&x, &mut m1).unwrap();
        let c2 = ram.approx_mode(&x, &mut m2).unwrap();
        assert_eq!((c1, bits(&m1)), (c2, bits(&m2)));
        let l1 = flash.mode(&x, &mut m1, ModeSearch::default()).unwrap();
        let l2 = ram.mode(&x, &mut m2, ModeSearch::default()).unwrap();
        assert_eq!((l1.to_bits(), bits(&m1)), (l2.to_bits(), bits(&m2)));
        let t = [0.3 - i as f32 / 20.0];
        let d1 = flash.log_density(&x, &t).unwrap();
        assert_eq!(d1.to_bits(), ram.log_density(&x, &t).unwrap().to_bits());
        let (mut r1, mut r2) = (Rng::new(i as u64), Rng::new(i as u64));
        let s1 = flash.sample(&x, &mut r1, &mut m1).unwrap();
        let s2 = ram.sample(&x, &mut r2, &mut m2).unwrap();
        assert_eq!((s1, bits(&m1)), (s2, bits(&m2)));
    }
    // Bad inputs are errors, as for the RAM model.
    assert!(flash.forward(&[f32::NAN]).is_err());
    assert!(flash.forward(&[0.0, 1.0]).is_err());
    assert!(flash.mean(&[0.0], &mut [0.0, 0.0]).is_err());
}

#[test]
fn two_targets_and_two_hidden_layers_are_bit_identical_too() {
    let mut net = planar();
    let blob = to_vec(|o| net.to_blob(o));
    let words = Words::new(&blob);
    let mut flash = PlanarRef::from_blob(words.bytes()).unwrap();
    assert_eq!(flash.n_targets(), 2);
    assert!(flash.input_scaling().is_none() && flash.output_scaling().is_none());
    for i in 0..25 {
        let x = [(i % 5) as f32 / 2.0 - 1.0, (i / 5) as f32 / 2.0 - 1.0];
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        let la = flash.mode(&x, &mut a, ModeSearch::default()).unwrap();
        let lb = net.mode(&x, &mut b, ModeSearch::default()).unwrap();
        assert_eq!(la.to_bits(), lb.to_bits());
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
        let (ma, mb) = (flash.forward(&x).unwrap(), net.forward(&x).unwrap());
        assert_eq!(ma, mb);
    }
}

#[test]
fn every_error_of_the_ram_loader_is_the_in_place_loaders() {
    let net = inverse();
    let good = to_vec(|o| net.to_blob(o));
    assert_eq!(load_ref(&good), Ok(()));
    let mut cases: Vec<(Vec<u8>, FormatError)> = Vec::new();
    let mut b = good.clone();
    b[0] = b'X';
    cases.push((b, FormatError::BadMagic { found: *b"XMLB" }));
    let mut b = good.clone();
    b[4] = 2;
    let version = FormatError::UnsupportedVersion {
        found: 2,
        supported: 1,
    };
    cases.push((b, version));
    // An MLP blob (kind 1), CRC fixed.
    let mut b = good.clone();
    b[6] = 1;
    let crc = format::checksum(&b).unwrap();
    b[28..32].copy_from_slice(&crc.to_le_bytes());
    let kind = FormatError::WrongKind {
        expected: 2,
        found: 1,
    };
    cases.push((b, kind));
    for len in [0, 31, good.len() - 1] {
        let t = FormatError::Truncated {
            expected: if len < 32 { 32 } else { good.len() },
            found: len,
        };
        cases.push((good[..len].to_vec(), t));
    }
    let mut long = good.clone();
    long.extend_from_slice(&[0; 4]);
    let trailing = FormatError::TrailingBytes {
        expected: good.len(),
        found: good.len() + 4,
    };
    cases.push((long, trailing));
    let mut b = good.clone();
    let last = b.len() - 1;
    b[last] ^= 0x40;
    let stored = u32::from_le_bytes(b[28..32].try_into().unwrap());
    let computed = format::checksum(&b).unwrap();
    cases.push((b, FormatError::ChecksumMismatch { stored, computed }));
    let n_params = BlobView::parse(&good).unwrap().param_count();
    let nan = FormatError::NonFinite {
        what: "parameters",
        index: n_params - 1,
    };
    cases.push((patch(&good, good.len() - 4, f32::NAN.to_bits()), nan));
    // Shape words: layers, K, L, σ_min, widths, activations.
    let shape = |what, expected, found| FormatError::ShapeMismatch {
        what,
        expected,
        found,
    };
    let value = |what, index| FormatError::InvalidValue { what, index };
    cases.push((patch(&good, word(0), 3), shape("mdn layers", 2, 3)));
    cases.push((
        patch(&good, word(1), 2),
        shape("mdn outputs K (L + 2)", 9, 6),
    ));
    cases.push((patch(&good, word(1), 0), value("mdn components K", 1)));
    cases.push((patch(&good, word(2), 0), value("mdn target dimension L", 2)));
    let inf = FormatError::NonFinite {
        what: "mdn sigma_min",
        index: 0,
    };
    cases.push((patch(&good, word(3), f32::INFINITY.to_bits()), inf));
    let neg = value("mdn sigma_min", 3);
    cases.push((patch(&good, word(3), (-1.0f32).to_bits()), neg));
    cases.push((patch(&good, word(5), 0), value("mdn width", 5)));
    cases.push((patch(&good, word(7), 99), value("mdn activation id", 7)));
    let tanh = Activation::Tanh.id() as u32;
    let last_act = value("mdn last activation (must be identity)", 10);
    cases.push((patch(&good, word(9), tanh), last_act));
    cases.push((patch(&good, word(6), 8), shape("mdn last width", 9, 8)));
    for (i, (b, e)) in cases.iter().enumerate() {
        assert_eq!(load_ref(b), Err(*e), "case {i}");
        assert_eq!(load_ram(b), Err(*e), "case {i} (RAM loader)");
    }
    // Every single-byte corruption is an error for both, never a panic.
    for i in 0..good.len() {
        let mut b = good.clone();
        b[i] ^= 0x01;
        let (r, m) = (load_ref(&b), load_ram(&b));
        assert!(r.is_err(), "byte {i}");
        assert_eq!(r, m, "byte {i}");
    }
}

#[test]
fn typed_capacities_and_widths_report_expected_and_found() {
    let good = to_vec(|o| inverse().to_blob(o));
    let words = Words::new(&good);
    let b = words.bytes();
    // Three trunk layers expected, two found.
    assert_eq!(
        MdnRef::<3, 64, 14, 9>::from_blob(b).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mdn layers",
            expected: 3,
            found: 2
        }
    );
    // Twelve outputs (K = 3, L = 2) expected, nine found.
    assert_eq!(
        MdnRef::<2, 64, 14, 12>::from_blob(b).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mdn outputs K (L + 2)",
            expected: 12,
            found: 9
        }
    );
    assert_eq!(
        MdnRef::<2, 63, 14, 9>::from_blob(b).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mdn parameters",
            expected: 63,
            found: 64
        }
    );
    assert_eq!(
        MdnRef::<2, 64, 13, 9>::from_blob(b).unwrap_err(),
        FormatError::ShapeMismatch {
            what: "mdn units",
            expected: 13,
            found: 14
        }
    );
    // Same units (14), other widths: the typed executor refuses them.
    assert_eq!(
        MdnRef::<2, 64, 14, 9, W2<2, 5, 9>>::from_blob(b).unwrap_err(),
        FormatError::InvalidValue {
            what: "mdn layer widths (typed widths)",
            index: 0
        }
    );
    // No trunk layer at all: an error, not a panic.
    assert!(MdnRef::<0, 0, 0, 9>::from_blob(b).is_err());
    // The runtime-widths executor takes it.
    assert!(MdnRef::<2, 64, 14, 9>::from_blob(b).is_ok());
}

#[test]
fn misaligned_bytes_are_refused_in_place_but_load_into_ram() {
    let good = to_vec(|o| inverse().to_blob(o));
    let mut words = vec![0u32; good.len() / 4 + 1];
    let shifted = &mut bytemuck::cast_slice_mut::<u32, u8>(&mut words)[1..good.len() + 1];
    shifted.copy_from_slice(&good);
    assert_eq!(
        InverseRef::from_blob(shifted).unwrap_err(),
        FormatError::Misaligned { offset: 1 }
    );
    assert!(Inverse::from_blob(shifted).is_ok());
}

#[test]
fn include_blob_gives_an_in_place_model() {
    // The fuzz seed of kind 2 (this file's `inverse()`), embedded as the firmware embeds its
    // blobs: `include_blob!` aligns it.
    let blob: &[u8] = embedml::include_blob!("../fuzz/seeds/mdn.bin");
    assert_eq!(blob, to_vec(|o| inverse().to_blob(o)));
    // `mdn_ref_type!` names the same type as the alias above.
    let mut flash: mdn_ref_type!(3, 1; 1, 5, 9) = InverseRef::from_blob(blob).unwrap();
    let mut ram = Inverse::from_blob(blob).unwrap();
    let (mut a, mut b) = ([0.0], [0.0]);
    for i in 0..=10 {
        let x = [i as f32 / 10.0];
        flash.mode(&x, &mut a, ModeSearch::default()).unwrap();
        ram.mode(&x, &mut b, ModeSearch::default()).unwrap();
        assert_eq!(a[0].to_bits(), b[0].to_bits());
    }
}

#[test]
fn a_mode_search_without_room_is_an_error_not_a_panic() {
    // K = 1, L = 3, no hidden layer: K (L + 2) = 5 outputs, the mode search needs 2L = 6 floats
    // of scratch (it indexed past the end before): both models report it.
    type Linear = mdn_type!(1, 3; 2, 5);
    let mut net = Linear::new(&[2, 5], &[Activation::Identity], 1, 3, 0.0).unwrap();
    net.init_default(&mut Rng::new(3));
    let blob = to_vec(|o| net.to_blob(o));
    let words = Words::new(&blob);
    let mut flash = MdnRef::<1, 15, 5, 5>::from_blob(words.bytes()).unwrap();
    let scratch = Err(embedml::Error::ShapeMismatch {
        what: "mdn mode scratch",
        expected: 6,
        found: 5,
    });
    let mut m = [0.0; 3];
    assert_eq!(
        net.mode(&[0.1, 0.2], &mut m, ModeSearch::default()),
        scratch
    );
    assert_eq!(
        flash.mode(&[0.1, 0.2], &mut m, ModeSearch::default()),
        scratch
    );
    // Everything else works, bit for bit.
    let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
    flash.mean(&[0.1, 0.2], &mut a).unwrap();
    net.mean(&[0.1, 0.2], &mut b).unwrap();
    assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
}
