//! Gaussian naive Bayes blobs (kind 6).
//!
//! Shape words (5): `C` (classes), `F` (features), `var_smoothing` as the bits of an `f64` (low
//! word, then high word), the prior flag (0 learned, 1 fixed).
//!
//! The model keeps Welford statistics in `f64` (see
//! [`gaussian`](crate::models::naive_bayes::gaussian)), so that learning can go on exactly on
//! the device; a blob stores each `f64` statistic `s` **losslessly** as three consecutive `f32`
//! words `(h, m, l)`: `h = f32(s)`, `m = f32(s − h)`, `l = f32(s − h − m)`, read back as
//! `(h + m) + l` in `f64` ([`split_f64`], [`join_f64`]). `h` alone is `s` rounded to `f32`.
//! Three 24-bit significands hold the 53 of an `f64`, so the round trip is exact for `s = 0` and
//! every `2⁻⁹⁷ ≤ |s| ≤ f32::MAX` (a smaller `|s|` keeps its value to within `2⁻¹⁴⁹`; a larger
//! one cannot be written: [`FormatError::NonFinite`]).
//!
//! Parameters: `n_y` (`C`, `f32`), then as `f64` triples `μ_{y,i}` (`C·F`, at `y·F + i`),
//! `M2_{y,i}` (`C·F`), the mean over all samples (`F`) and its `M2` (`F`), then with a fixed
//! prior the `C` probabilities: `C + 3·(2·C·F + 2·F)` (+ `C`) parameters. Class counts and every
//! `M2` must be `≥ 0` (a negative `M2` is a negative variance), `var_smoothing` finite and
//! `≥ 0`, a fixed prior non-negative and summing to 1. No standardisation constants.

use super::naive_bayes::{expect_words, Result2};
use super::view::BlobView;
use super::write::{blob_len, write_blob_iter};
use super::{FormatError, ModelKind};
use crate::models::naive_bayes::gaussian::{Stats, StatsMut};
use crate::models::naive_bayes::{common, GaussianNb, Prior};

/// Number of shape words of a Gaussian naive Bayes blob.
pub const GAUSSIAN_SHAPE_WORDS: usize = 5;

/// `f32` words per `f64` statistic.
pub const F64_WORDS: usize = 3;

/// Splits an `f64` into three `f32`s whose sum (as [`join_f64`] computes it) is `x` exactly for
/// `x = 0` and `2⁻⁹⁷ ≤ |x| ≤ f32::MAX` (see the module docs). The first word is `x` rounded to
/// `f32`; a non-finite or too large `x` gives a non-finite first word.
pub fn split_f64(x: f64) -> [f32; F64_WORDS] {
    let h = x as f32;
    let r = x - h as f64;
    let m = r as f32;
    let l = (r - m as f64) as f32;
    [h, m, l]
}

/// The `f64` of three words written by [`split_f64`]: `(h + m) + l`.
pub fn join_f64(w: [f32; F64_WORDS]) -> f64 {
    (w[0] as f64 + w[1] as f64) + w[2] as f64
}

/// Number of parameters of a Gaussian naive Bayes blob with `c` classes, `f` features and, if
/// `fixed_prior`, a stored prior.
pub const fn gaussian_param_count(c: usize, f: usize, fixed_prior: bool) -> usize {
    let prior = if fixed_prior { c } else { 0 };
    c + F64_WORDS * (2 * c * f + 2 * f) + prior
}

/// Length of a Gaussian naive Bayes blob with `c` classes, `f` features and, if `fixed_prior`,
/// a stored prior.
pub const fn gaussian_blob_len(c: usize, f: usize, fixed_prior: bool) -> usize {
    blob_len(
        GAUSSIAN_SHAPE_WORDS,
        0,
        0,
        gaussian_param_count(c, f, fixed_prior),
    )
}

/// The shape of a Gaussian naive Bayes blob ([`decode_gaussian_shape`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianShape {
    /// Classes `C`.
    pub classes: usize,
    /// Features `F`.
    pub features: usize,
    /// `var_smoothing` (finite, `≥ 0`).
    pub var_smoothing: f64,
    /// Whether the blob stores a fixed prior.
    pub fixed_prior: bool,
}

/// Decodes a Gaussian naive Bayes blob's shape (kind 6): checks the kind, the 5 shape words, no
/// standardisation, `C ≥ 1`, `F ≥ 1`, `var_smoothing` (finite, `≥ 0`) and the prior flag. Read
/// the statistics with [`read_gaussian_params`].
pub fn decode_gaussian_shape(view: &BlobView<'_>) -> Result2<GaussianShape> {
    view.expect_kind(ModelKind::NaiveBayesGaussian)?;
    expect_words(view, GAUSSIAN_SHAPE_WORDS, &[])?;
    let word = |i: usize| view.shape_word(i).unwrap_or(0);
    let (c, f) = (word(0) as usize, word(1) as usize);
    for (what, x, i) in [
        ("naive bayes classes", c, 0),
        ("naive bayes features", f, 1),
    ] {
        if x == 0 {
            return Err(FormatError::InvalidValue { what, index: i });
        }
    }
    let vs = f64::from_bits(word(2) as u64 | (word(3) as u64) << 32);
    if !vs.is_finite() {
        return Err(FormatError::NonFinite {
            what: "gaussian var_smoothing",
            index: 0,
        });
    }
    if vs < 0.0 {
        return Err(FormatError::InvalidValue {
            what: "gaussian var_smoothing",
            index: 2,
        });
    }
    let fixed_prior = match word(4) {
        0 => false,
        1 => true,
        _ => {
            return Err(FormatError::InvalidValue {
                what: "naive bayes prior flag",
                index: 4,
            })
        }
    };
    Ok(GaussianShape {
        classes: c,
        features: f,
        var_smoothing: vs,
        fixed_prior,
    })
}

/// Reads a Gaussian blob's statistics for its decoded `shape` into `s` (class counts `C`,
/// means and `M2` `C·F`, total mean and total `M2` `F`) and, with a fixed prior, `prior` (`C`;
/// ignored otherwise, may be empty). Checks the buffer lengths and the parameter count
/// ([`FormatError::ShapeMismatch`]), class counts and every `M2` `≥ 0` and the prior
/// ([`FormatError::InvalidValue`], `index` = the parameter's index).
pub fn read_gaussian_params(
    view: &BlobView<'_>,
    shape: &GaussianShape,
    s: &mut StatsMut<'_>,
    prior: &mut [f32],
) -> Result2<()> {
    let (c, f) = (shape.classes, shape.features);
    let cf = c.saturating_mul(f);
    for (what, want, found) in [
        ("gaussian class counts", c, s.class_count.len()),
        ("gaussian means", cf, s.mean.len()),
        ("gaussian M2", cf, s.m2.len()),
        ("gaussian total mean", f, s.total_mean.len()),
        ("gaussian total M2", f, s.total_m2.len()),
        (
            "naive bayes prior",
            c,
            if shape.fixed_prior { prior.len() } else { c },
        ),
    ] {
        if want != found {
            return Err(FormatError::ShapeMismatch {
                what,
                expected: want,
                found,
            });
        }
    }
    let expected = gaussian_param_count(c, f, shape.fixed_prior);
    if view.param_count() != expected {
        return Err(FormatError::ShapeMismatch {
            what: "gaussian parameter count",
            expected,
            found: view.param_count(),
        });
    }
    let p = |i: usize| view.param(i);
    for (y, n) in s.class_count.iter_mut().enumerate() {
        *n = p(y);
        if *n < 0.0 {
            return Err(FormatError::InvalidValue {
                what: "gaussian class counts (must be >= 0)",
                index: y,
            });
        }
    }
    let mut at = c;
    let sections: [(&mut [f64], Option<&'static str>); 4] = [
        (&mut *s.mean, None),
        (&mut *s.m2, Some("gaussian M2 (must be >= 0)")),
        (&mut *s.total_mean, None),
        (&mut *s.total_m2, Some("gaussian total M2 (must be >= 0)")),
    ];
    for (values, non_negative) in sections {
        for v in values.iter_mut() {
            *v = join_f64([p(at), p(at + 1), p(at + 2)]);
            if let (Some(what), true) = (non_negative, *v < 0.0) {
                return Err(FormatError::InvalidValue { what, index: at });
            }
            at += F64_WORDS;
        }
    }
    if shape.fixed_prior {
        for (y, q) in prior.iter_mut().enumerate() {
            *q = p(at + y);
        }
        common::check_prior(c, Prior::Fixed(prior)).map_err(|_| FormatError::InvalidValue {
            what: "naive bayes prior (must be >= 0 and sum to 1)",
            index: at,
        })?;
    }
    Ok(())
}

/// Writes the blob of a runtime-sized Gaussian naive Bayes model (kind 6) from its statistics
/// `s` (class counts `C ≥ 1`, means and `M2` `C·F`, totals `F ≥ 1`, `var_smoothing`, prior).
/// Returns the blob's length ([`gaussian_blob_len`]).
pub fn write_gaussian_blob(out: &mut [u8], s: &Stats<'_>) -> Result2<usize> {
    let (c, f) = (s.class_count.len(), s.total_mean.len());
    if c == 0 || f == 0 {
        return Err(FormatError::InvalidValue {
            what: "naive bayes shape (needs classes and features)",
            index: 0,
        });
    }
    let prior = match s.prior {
        Prior::Fixed(p) => Some(p),
        Prior::Learned => None,
    };
    for (what, want, found) in [
        ("gaussian means", c * f, s.mean.len()),
        ("gaussian M2", c * f, s.m2.len()),
        ("gaussian total M2", f, s.total_m2.len()),
        ("naive bayes prior", c, prior.map_or(c, <[f32]>::len)),
    ] {
        if want != found {
            return Err(FormatError::ShapeMismatch {
                what,
                expected: want,
                found,
            });
        }
    }
    if !s.var_smoothing.is_finite() {
        return Err(FormatError::NonFinite {
            what: "gaussian var_smoothing",
            index: 0,
        });
    }
    if s.var_smoothing < 0.0 {
        return Err(FormatError::InvalidValue {
            what: "gaussian var_smoothing",
            index: 2,
        });
    }
    if let Some(y) = s.class_count.iter().position(|&n| n < 0.0) {
        return Err(FormatError::InvalidValue {
            what: "gaussian class counts (must be >= 0)",
            index: y,
        });
    }
    let m2_at = c + F64_WORDS * c * f;
    if let Some(i) = s.m2.iter().position(|&v| v < 0.0) {
        return Err(FormatError::InvalidValue {
            what: "gaussian M2 (must be >= 0)",
            index: m2_at + F64_WORDS * i,
        });
    }
    if let Some(i) = s.total_m2.iter().position(|&v| v < 0.0) {
        return Err(FormatError::InvalidValue {
            what: "gaussian total M2 (must be >= 0)",
            index: m2_at + F64_WORDS * (c * f + f + i),
        });
    }
    if let Some(p) = prior {
        common::check_prior(c, Prior::Fixed(p)).map_err(|_| FormatError::InvalidValue {
            what: "naive bayes prior (must be >= 0 and sum to 1)",
            index: gaussian_param_count(c, f, false),
        })?;
    }
    let bits = s.var_smoothing.to_bits();
    let shape = |i: usize| match i {
        0 => c as u32,
        1 => f as u32,
        2 => bits as u32,
        3 => (bits >> 32) as u32,
        _ => prior.is_some() as u32,
    };
    let params = s
        .class_count
        .iter()
        .copied()
        .chain(
            s.mean
                .iter()
                .chain(s.m2)
                .chain(s.total_mean)
                .chain(s.total_m2)
                .flat_map(|&v| split_f64(v)),
        )
        .chain(prior.unwrap_or(&[]).iter().copied());
    write_blob_iter(
        out,
        ModelKind::NaiveBayesGaussian,
        GAUSSIAN_SHAPE_WORDS,
        shape,
        None,
        None,
        params,
        gaussian_param_count(c, f, prior.is_some()),
    )
}

impl<const C: usize, const F: usize> GaussianNb<C, F> {
    /// Length of this model's blob (learned prior; a fixed prior adds `4·C` bytes).
    pub const BLOB_LEN: usize = gaussian_blob_len(C, F, false);

    /// Length of this model's blob as [`to_blob`](Self::to_blob) writes it.
    pub fn blob_len(&self) -> usize {
        gaussian_blob_len(C, F, self.fixed_prior().is_some())
    }

    /// Loads a Gaussian naive Bayes blob (kind 6): every check of [`BlobView::parse`] plus kind,
    /// `C`, `F` (expected vs found), `var_smoothing`, the prior flag, non-negative class counts
    /// and `M2`, and a valid fixed prior. The `f64` statistics come back bit for bit.
    pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        view.expect_kind(ModelKind::NaiveBayesGaussian)?;
        expect_words(
            &view,
            GAUSSIAN_SHAPE_WORDS,
            &[
                (0, "naive bayes classes", C),
                (1, "naive bayes features", F),
            ],
        )?;
        let shape = decode_gaussian_shape(&view)?;
        let mut class_count = [0.0f32; C];
        let (mut mean, mut m2) = ([[0.0f64; F]; C], [[0.0f64; F]; C]);
        let (mut total_mean, mut total_m2) = ([0.0f64; F], [0.0f64; F]);
        let mut prior = [0.0f32; C];
        read_gaussian_params(
            &view,
            &shape,
            &mut StatsMut {
                class_count: &mut class_count,
                mean: mean.as_flattened_mut(),
                m2: m2.as_flattened_mut(),
                total_mean: &mut total_mean,
                total_m2: &mut total_m2,
            },
            &mut prior,
        )?;
        let invalid = |what| FormatError::InvalidValue { what, index: 0 };
        let mut nb = Self::new();
        nb.set_var_smoothing(shape.var_smoothing)
            .map_err(|_| invalid("gaussian var_smoothing"))?;
        nb.set_stats(&Stats {
            class_count: &class_count,
            mean: mean.as_flattened(),
            m2: m2.as_flattened(),
            total_mean: &total_mean,
            total_m2: &total_m2,
            var_smoothing: shape.var_smoothing,
            prior: Prior::Learned,
        })
        .map_err(|_| invalid("gaussian statistics"))?;
        nb.set_prior(shape.fixed_prior.then_some(prior))
            .map_err(|_| invalid("naive bayes prior"))?;
        Ok(nb)
    }

    /// Writes the blob into `out`; returns its length ([`blob_len`](Self::blob_len)).
    pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
        write_gaussian_blob(out, &self.stats())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rng;

    #[test]
    fn f64_split_is_exact_in_range() {
        let mut rng = Rng::new(3);
        let mut checked = 0;
        for _ in 0..20_000 {
            // Random sign, 53-bit significand, exponent in −97..=127.
            let sig = (rng.below(u32::MAX) as u64) << 21 ^ rng.below(1 << 21) as u64;
            let e = rng.below(225) as i32 - 97;
            let x = libm::ldexp(1.0 + sig as f64 / (1u64 << 53) as f64, e);
            let x = if rng.below(2) == 0 { x } else { -x };
            if x.abs() > f32::MAX as f64 {
                continue;
            }
            let w = split_f64(x);
            assert!(w.iter().all(|v| v.is_finite()));
            assert_eq!(join_f64(w).to_bits(), x.to_bits(), "{x:e}");
            assert_eq!(w[0], x as f32);
            checked += 1;
        }
        assert!(checked > 19_000);
        for x in [0.0, 1e-9, 0.1, 1.0 / 3.0, 5.006, 1e30, f32::MAX as f64] {
            assert_eq!(join_f64(split_f64(x)), x);
        }
        assert!(!split_f64(1e39)[0].is_finite());
    }
}
