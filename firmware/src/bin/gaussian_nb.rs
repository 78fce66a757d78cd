//! Continuous-sensor classification on the device: a **Gaussian naive Bayes** trained on the
//! host and kept learning on the device.
//!
//! 1. Loads `models/iris_nb.bin` (kind 6: trained by `embedml train nb --kind gaussian` on
//!    `data/iris.csv` without six held-out rows, written by `embedml export`'s code; the `f64`
//!    Welford statistics come back bit for bit) with every check of the loader, and checks on
//!    the device that damaged copies are rejected: a flipped bit (checksum), a truncated copy, a
//!    negative `M2` and a wrong feature count (each with a valid checksum).
//! 2. Classifies the export's rows (`models/iris_nb_expected.rs`) with the `f64` path
//!    (`predict_proba`) and the `f32` tables path (`log_tables()`), and compares both with the
//!    host's probabilities.
//! 3. **Learns on the device**: one `update` per held-out row (the rows the host never saw),
//!    each followed by `refresh_class` of the `f32` tables (every entry moves with the
//!    variance floor, but only the updated class's logarithms are taken again; bit for bit a
//!    rebuild, as `core/tests/naive_bayes_f32.rs` checks), and compares both paths with the
//!    probabilities of the model the host trains on all 150 rows.
//!
//! Tolerance: `|device − host| ≤ max(1e-5 · |host|, 1e-6)`. Exits 0 only if everything matches.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml::format::{checksum, Aligned, BlobView, FormatError, CRC_OFFSET};
use embedml::include_blob;
use embedml::models::naive_bayes::{GaussianNb, GaussianTables};
use embedml_firmware as fw;

/// `CLASSES`, `INPUTS`, `EXPECTED`, `HELD_OUT`, `HELD_OUT_CLASS`, `EXPECTED_ALL`, generated
/// on the host.
mod expected {
    include!("../../models/iris_nb_expected.rs");
}

/// The host-trained model, 4-byte aligned in flash.
static IRIS: &[u8] = include_blob!("../../models/iris_nb.bin");

/// Three species, four measurements.
type Iris = GaussianNb<3, 4>;
/// Its `f32` prediction tables.
type IrisTables = GaussianTables<3, 4>;

/// Rows compared with the host.
const N: usize = expected::INPUTS.len();

/// Whether `got` is within `max(1e-5 · |want|, 1e-6)` of `want`.
fn close(got: f32, want: f32) -> bool {
    let rel = 1e-5 * want.abs();
    (got - want).abs() <= if rel > 1e-6 { rel } else { 1e-6 }
}

/// Compares `got` with `want` value by value ([`close`]); logs each mismatch; returns whether
/// all matched and the largest difference. (Not inlined: one copy for both paths and models.)
#[inline(never)]
fn compare(what: &str, path: &str, got: &[f32], want: &[f32]) -> (bool, f32) {
    let (mut ok, mut worst) = (true, 0.0f32);
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        worst = worst.max((g - w).abs());
        if !close(g, w) {
            defmt::error!(
                "{=str} ({=str}): row {=usize} class {=usize}: got {=f32}, host {=f32}",
                what,
                path,
                i / 3,
                i % 3,
                g,
                w
            );
            ok = false;
        }
    }
    (ok, worst)
}

/// Compares `P(y | x)` of `nb` for every row of `INPUTS` with `want`, on the `f64` path and on
/// the `f32` `tables`; logs every mismatch and a summary; returns whether all matched.
#[inline(never)]
fn check(what: &str, nb: &Iris, tables: &IrisTables, want: &[[f32; 3]; N]) -> bool {
    let (mut p, mut q) = ([[0.0f32; 3]; N], [[0.0f32; 3]; N]);
    for (r, x) in expected::INPUTS.iter().enumerate() {
        match (nb.predict_proba(x), tables.predict_proba(x)) {
            (Ok(a), Ok(b)) => (p[r], q[r]) = (a, b),
            (Err(e), _) | (_, Err(e)) => {
                defmt::error!("{=str}: row {=usize}: predict failed: {}", what, r, e);
                return false;
            }
        }
    }
    let want = want.as_flattened();
    let (ok64, worst64) = compare(what, "f64", p.as_flattened(), want);
    let (ok32, worst32) = compare(what, "f32 tables", q.as_flattened(), want);
    if ok64 && ok32 {
        defmt::info!(
            "{=str}: {=usize} rows x 3 classes match the host (max |diff| f64 {=f32}, f32 tables {=f32})",
            what,
            N,
            worst64,
            worst32
        );
    }
    let last = q[N - 1];
    defmt::info!(
        "{=str}: row {=usize}: P(setosa, versicolor, virginica) = [{=f32}, {=f32}, {=f32}] (f32 tables)",
        what,
        N - 1,
        last[0],
        last[1],
        last[2]
    );
    ok64 && ok32
}

/// A RAM copy of the blob changed by `patch`, with its checksum recomputed (so that only the
/// loader's value checks can catch the change).
fn patched(patch: impl FnOnce(&mut [u8], usize)) -> Aligned<{ Iris::BLOB_LEN }> {
    let mut copy = Aligned([0u8; Iris::BLOB_LEN]);
    copy.0.copy_from_slice(IRIS);
    let header = BlobView::parse(IRIS).map_or(0, |v| v.header_len());
    patch(&mut copy.0, header);
    if let Some(crc) = checksum(&copy.0) {
        copy.0[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_le_bytes());
    }
    copy
}

/// Whether `result` is an error that `good` accepts; logs the outcome.
#[inline(never)]
fn rejected(what: &str, result: Result<(), FormatError>, good: fn(&FormatError) -> bool) -> bool {
    match result {
        Err(e) if good(&e) => {
            defmt::info!("{=str} rejected: {}", what, e);
            true
        }
        Err(e) => {
            defmt::error!("{=str} rejected with the wrong error: {}", what, e);
            false
        }
        Ok(()) => {
            defmt::error!("{=str} accepted", what);
            false
        }
    }
}

/// Checks that damaged copies of the blob are rejected, each with the error it deserves.
#[inline(never)]
fn rejects_damage() -> bool {
    let mut ok = true;
    let mut expect =
        |what: &str, result: Result<(), FormatError>, good: fn(&FormatError) -> bool| {
            ok &= rejected(what, result, good);
        };
    let mut flipped = Aligned([0u8; Iris::BLOB_LEN]);
    flipped.0.copy_from_slice(IRIS);
    flipped.0[Iris::BLOB_LEN / 2] ^= 0x04;
    expect("flipped bit", Iris::from_blob(&flipped.0).map(drop), |e| {
        matches!(e, FormatError::ChecksumMismatch { .. })
    });
    expect(
        "truncated copy",
        Iris::from_blob(&IRIS[..IRIS.len() - 4]).map(drop),
        |e| matches!(e, FormatError::Truncated { .. }),
    );
    // The first M2 (parameter C + 3·C·F = 39) set to −1: a negative variance.
    let negative = patched(|b, header| {
        let at = header + 4 * 39;
        if let Some(w) = b.get_mut(at..at + 4) {
            w.copy_from_slice(&(-1.0f32).to_le_bytes());
        }
    });
    expect("negative M2", Iris::from_blob(&negative.0).map(drop), |e| {
        matches!(e, FormatError::InvalidValue { .. })
    });
    // Shape word 1 (features) set to 5.
    let wide = patched(|b, _| b[36..40].copy_from_slice(&5u32.to_le_bytes()));
    expect("5-feature shape", Iris::from_blob(&wide.0).map(drop), |e| {
        matches!(
            e,
            FormatError::ShapeMismatch {
                expected: 4,
                found: 5,
                ..
            }
        )
    });
    ok
}

#[entry]
fn main() -> ! {
    fw::hello("gaussian_nb");
    // `black_box`: the checks run at start-up, on the bytes in flash (the compiler must not
    // evaluate them on the constant blob at build time).
    let mut nb = match Iris::from_blob(core::hint::black_box(IRIS)) {
        Ok(nb) => nb,
        Err(e) => {
            defmt::error!("iris_nb.bin rejected: {}", e);
            fw::finish(false)
        }
    };
    let n = nb.class_count();
    defmt::info!(
        "iris_nb.bin: {=usize} bytes, 3 classes x 4 features, trained on {=f32} / {=f32} / {=f32} rows",
        IRIS.len(),
        n[0],
        n[1],
        n[2]
    );
    let mut tables = match nb.log_tables() {
        Ok(t) => t,
        Err(e) => {
            defmt::error!("building the f32 tables failed: {}", e);
            fw::finish(false)
        }
    };
    let mut ok = rejects_damage();
    ok &= check("host model", &nb, &tables, &expected::EXPECTED);

    // The held-out rows: first classified by the host's model, then learnt.
    let mut correct = 0;
    for (x, &y) in expected::HELD_OUT.iter().zip(&expected::HELD_OUT_CLASS) {
        correct += matches!(nb.predict(x), Ok(c) if c == y) as usize;
    }
    defmt::info!(
        "held-out rows: {=usize} of {=usize} classified right before learning them",
        correct,
        expected::HELD_OUT.len()
    );
    for (x, &y) in expected::HELD_OUT.iter().zip(&expected::HELD_OUT_CLASS) {
        if let Err(e) = nb.update(x, y).and_then(|()| tables.refresh_class(&nb, y)) {
            defmt::error!("update / refresh failed: {}", e);
            fw::finish(false);
        }
    }
    let n = nb.class_count();
    defmt::info!(
        "learnt {=usize} rows on the device: now {=f32} / {=f32} / {=f32} rows ({=str} / {=str} / {=str})",
        expected::HELD_OUT.len(),
        n[0],
        n[1],
        n[2],
        expected::CLASSES[0],
        expected::CLASSES[1],
        expected::CLASSES[2]
    );
    ok &= check("after learning", &nb, &tables, &expected::EXPECTED_ALL);
    fw::finish(ok)
}
