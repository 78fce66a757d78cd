//! Text classification on the device with a **multinomial naive Bayes** over word counts,
//! trained on the host and kept learning on the device.
//!
//! `models/words_nb.bin` (kind 5) is `embedml train nb --kind multinomial --alpha 1` on the four
//! training documents of *Introduction to Information Retrieval* (Manning, Raghavan & Schütze),
//! Table 13.1, exported by `embedml export`'s code. The binary loads it (every check of the
//! loader, at run time), compares `P(y | x)` for four documents (`models/words_nb_expected.rs`)
//! on the `f64` path and the `f32` tables path with the host's, checks the book's
//! `P(china | Chinese Chinese Chinese Tokyo Japan) = 0.6898`, then **learns two more documents
//! on the device** (one `update` each, the `f32` tables refreshed with `refresh_class`) and
//! compares both paths with the host's model of all six documents.
//!
//! Tolerance: `|device − host| ≤ max(1e-5 · |host|, 1e-6)`; the book's figure to 1e-4. Exits 0
//! only if everything matches.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml::include_blob;
use embedml::models::naive_bayes::{MultinomialNb, MultinomialTables};
use embedml_firmware as fw;

/// The host's word-count model, 4-byte aligned in flash.
static WORDS: &[u8] = include_blob!("../../models/words_nb.bin");

/// `WORD_INPUTS`, `WORD_EXPECTED`, `WORD_LEARN`, `WORD_LEARN_CLASS`, `WORD_EXPECTED_ALL`,
/// generated on the host.
mod expected {
    include!("../../models/words_nb_expected.rs");
}

/// Two classes (china, japan), six words.
type Words = MultinomialNb<2, 6>;

/// Absolute tolerance on the book's figure.
const TOLERANCE: f32 = 1e-4;

/// The book's `P(china | Chinese Chinese Chinese Tokyo Japan)` (`WORD_INPUTS[0]`).
const WORDS_P_CHINA: f32 = 0.6898;

/// Whether `got` is within `max(1e-5 · |want|, 1e-6)` of `want`.
fn close(got: f32, want: f32) -> bool {
    let rel = 1e-5 * want.abs();
    (got - want).abs() <= if rel > 1e-6 { rel } else { 1e-6 }
}

/// Compares the word model's `P(y | x)` for every `WORD_INPUTS` row with `want` on the `f64`
/// path and on `tables`; logs mismatches and a summary; returns whether all matched.
fn words_match(
    what: &str,
    nb: &Words,
    tables: &MultinomialTables<2, 6>,
    want: &[[f32; 2]],
) -> bool {
    let mut ok = true;
    for (r, (x, w)) in expected::WORD_INPUTS.iter().zip(want).enumerate() {
        match (nb.predict_proba(x), tables.predict_proba(x)) {
            (Ok(p), Ok(q)) => {
                for y in 0..2 {
                    if !close(p[y], w[y]) || !close(q[y], w[y]) {
                        defmt::error!(
                            "{=str}: doc {=usize} class {=usize}: f64 {=f32}, f32 tables {=f32}, host {=f32}",
                            what,
                            r,
                            y,
                            p[y],
                            q[y],
                            w[y]
                        );
                        ok = false;
                    }
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                defmt::error!("{=str}: doc {=usize}: predict failed: {}", what, r, e);
                ok = false;
            }
        }
    }
    if ok {
        defmt::info!(
            "{=str}: {=usize} documents match the host on both paths",
            what,
            want.len()
        );
    }
    ok
}

/// Loads the host's word-count model, checks it against the host and the book, learns two
/// documents and checks the result against the host's model of all six.
fn words() -> bool {
    let mut nb = match Words::from_blob(core::hint::black_box(WORDS)) {
        Ok(nb) => nb,
        Err(e) => {
            defmt::error!("words_nb.bin rejected: {}", e);
            return false;
        }
    };
    let mut tables = match nb.log_tables() {
        Ok(t) => t,
        Err(e) => {
            defmt::error!("words: tables failed: {}", e);
            return false;
        }
    };
    defmt::info!(
        "words_nb.bin: {=usize} bytes, {=f32} china / {=f32} japan documents",
        WORDS.len(),
        nb.class_count()[0],
        nb.class_count()[1]
    );
    let mut ok = words_match("words", &nb, &tables, &expected::WORD_EXPECTED);
    let (p, q) = match (
        nb.predict_proba(&expected::WORD_INPUTS[0]),
        tables.predict_proba(&expected::WORD_INPUTS[0]),
    ) {
        (Ok(p), Ok(q)) => (p[0], q[0]),
        _ => (f32::NAN, f32::NAN),
    };
    defmt::info!(
        "words: P(china | Chinese Chinese Chinese Tokyo Japan) = {=f32} (f32 tables {=f32})",
        p,
        q
    );
    ok &= (p - WORDS_P_CHINA).abs() <= TOLERANCE && (q - WORDS_P_CHINA).abs() <= TOLERANCE;
    for (x, &y) in expected::WORD_LEARN.iter().zip(&expected::WORD_LEARN_CLASS) {
        if let Err(e) = nb.update(x, y).and_then(|()| tables.refresh_class(&nb, y)) {
            defmt::error!("words: learning failed: {}", e);
            return false;
        }
    }
    defmt::info!(
        "words: learnt {=usize} documents on the device: {=f32} china / {=f32} japan",
        expected::WORD_LEARN.len(),
        nb.class_count()[0],
        nb.class_count()[1]
    );
    ok &= words_match(
        "words after learning",
        &nb,
        &tables,
        &expected::WORD_EXPECTED_ALL,
    );
    ok
}

#[entry]
fn main() -> ! {
    fw::hello("multinomial_nb");
    fw::finish(words())
}
