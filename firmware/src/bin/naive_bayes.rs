//! Naive Bayes on the device, both ways a model gets there:
//!
//! 1. **Learnt on the device**: a categorical naive Bayes (`α = 0`) learns the SPEC play-golf
//!    table online, one row at a time, then answers the SPEC query
//!    `P(no | sunny, cool, high, windy) = 0.7954`.
//! 2. **Exported from the host**: the SPEC Bernoulli spam filter (`models/spam.bin`, written
//!    by core on the host from the counts 30 spam / 100 ham) scores a message with "viagra"
//!    present, "limited" absent and the third word ignored (feature mask): `P(spam) = 0.9127`.
//!
//! Each figure is computed twice: by the models' `f64` `predict_proba` and by the device's `f32`
//! path (`log_tables()`: `f32` log-probability tables, for golf kept current during learning by
//! `refresh_class` after each row). Exits 0 only if all four match the SPEC to 1e-4 (and the
//! two paths agree to 1e-6).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use embedml::include_blob;
use embedml::models::naive_bayes::{BernoulliNb, CategoricalNb};
use embedml_firmware as fw;

/// The SPEC Bernoulli spam filter, 4-byte aligned in flash.
static SPAM: &[u8] = include_blob!("../../models/spam.bin");

/// Absolute tolerance on the SPEC figures.
const TOLERANCE: f32 = 1e-4;

/// Outlook: sunny 0, overcast 1, rainy 2. Temperature: hot 0, mild 1, cool 2. Humidity: high 0,
/// normal 1. Windy: false 0, true 1. Play: no 0, yes 1. (`data/golf.csv`, in its row order.)
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

/// The SPEC figures.
const GOLF_P_NO: f32 = 0.7954;
const SPAM_P_SPAM: f32 = 0.9127;

/// Largest difference allowed between the `f64` and `f32` paths.
const PATHS_AGREE: f32 = 1e-6;

/// Learns the golf table row by row (refreshing the `f32` tables after each row); returns
/// `P(no | sunny, cool, high, windy)` from the `f64` and the `f32` path.
fn golf() -> embedml::Result<(f32, f32)> {
    let mut nb = CategoricalNb::<2, 4, 3>::new([3, 3, 2, 2], 0.0)?;
    let mut tables = nb.log_tables()?;
    for (x, y) in GOLF {
        nb.update(&x, y)?;
        tables.refresh_class(&nb, y)?;
    }
    let counts = nb.class_count();
    defmt::info!(
        "golf: learnt {=f32} no / {=f32} yes rows on the device",
        counts[0],
        counts[1]
    );
    let p = nb.predict_proba(&[0, 2, 0, 1], None)?;
    let class = nb.predict(&[0, 2, 0, 1], None)?;
    defmt::info!(
        "golf: P(no | sunny, cool, high, windy) = {=f32} (class {=str})",
        p[0],
        if class == 0 { "no" } else { "yes" }
    );
    let q = tables.predict_proba(&[0, 2, 0, 1], None)?;
    defmt::info!(
        "golf (f32 tables, refreshed per row): P(no | sunny, cool, high, windy) = {=f32}",
        q[0]
    );
    Ok((p[0], q[0]))
}

/// Loads the host's spam filter; returns `P(spam | viagra, not limited)` from the `f64` and
/// the `f32` path.
fn spam() -> Option<(f32, f32)> {
    let nb = match BernoulliNb::<2, 3>::from_blob(SPAM) {
        Ok(nb) => nb,
        Err(e) => {
            defmt::error!("spam.bin rejected: {}", e);
            return None;
        }
    };
    defmt::info!(
        "spam.bin: {=usize} bytes, {=f32} spam / {=f32} ham messages",
        SPAM.len(),
        nb.class_count()[0],
        nb.class_count()[1]
    );
    let (x, mask) = ([true, false, false], [true, true, false]);
    let both = nb.predict_proba(&x, Some(&mask)).and_then(|p| {
        let q = nb.log_tables()?.predict_proba(&x, Some(&mask))?;
        Ok((p[0], q[0]))
    });
    match both {
        Ok((p, q)) => {
            defmt::info!("spam: P(spam | viagra, not limited) = {=f32}", p);
            defmt::info!(
                "spam (f32 tables): P(spam | viagra, not limited) = {=f32}",
                q
            );
            Some((p, q))
        }
        Err(e) => {
            defmt::error!("spam predict failed: {}", e);
            None
        }
    }
}

#[entry]
fn main() -> ! {
    fw::hello("naive_bayes");
    let mut ok = true;
    match golf() {
        Ok((p, q)) => {
            let good = (p - GOLF_P_NO).abs() <= TOLERANCE
                && (q - GOLF_P_NO).abs() <= TOLERANCE
                && (p - q).abs() <= PATHS_AGREE;
            if !good {
                defmt::error!("golf: expected {=f32} on both paths", GOLF_P_NO);
            }
            ok &= good;
        }
        Err(e) => {
            defmt::error!("golf failed: {}", e);
            ok = false;
        }
    }
    match spam() {
        Some((p, q)) => {
            let good = (p - SPAM_P_SPAM).abs() <= TOLERANCE
                && (q - SPAM_P_SPAM).abs() <= TOLERANCE
                && (p - q).abs() <= PATHS_AGREE;
            if !good {
                defmt::error!("spam: expected {=f32} on both paths", SPAM_P_SPAM);
            }
            ok &= good;
        }
        None => ok = false,
    }
    fw::finish(ok)
}
