//! Naive Bayes blobs of the count-based variants: categorical (kind 3), Bernoulli (kind 4) and
//! multinomial (kind 5). (Gaussian, kind 6, is in `nb_gaussian.rs`.)
//!
//! **Categorical** shape words (`5 + F`): `C` (classes), `F` (features), `V` (value capacity,
//! the stride of the counts), `α` as `f32` bits, the prior flag (0 learned, 1 fixed), then
//! `V_i` for every feature (`1 ≤ V_i ≤ V`). Parameters: `N_y` (`C`), `N_{y,i,v}` (`C·F·V`, at
//! `(y·F + i)·V + v`), then with a fixed prior the `C` prior probabilities.
//!
//! **Bernoulli** shape words (4): `C`, `F`, `α` bits, the prior flag. Parameters: `N_y` (`C`),
//! `N_{y,i}` (`C·F`, at `y·F + i`), then with a fixed prior the `C` probabilities.
//!
//! **Multinomial**: the Bernoulli layout with `N_{y,i}` the summed counts of feature `i` over
//! class `y` (any non-negative `f32`, not only whole numbers).
//!
//! Counts must be `≥ 0`, `α` finite and `≥ 0`, a fixed prior non-negative and summing to 1
//! (within `1e-4`). Neither kind has standardisation constants.

use super::view::BlobView;
use super::write::{blob_len, write_blob_iter};
use super::{FormatError, ModelKind};
use crate::models::naive_bayes::{common, BernoulliNb, CategoricalNb, MultinomialNb, Prior};

pub(super) type Result2<T> = core::result::Result<T, FormatError>;

/// Number of shape words of a categorical naive Bayes blob with `f` features.
pub const fn categorical_shape_words(f: usize) -> usize {
    5 + f
}

/// Number of shape words of a Bernoulli naive Bayes blob.
pub const BERNOULLI_SHAPE_WORDS: usize = 4;

/// Number of shape words of a multinomial naive Bayes blob.
pub const MULTINOMIAL_SHAPE_WORDS: usize = 4;

/// Checks the shape word count and each `(index, what, expected)` word.
pub(super) fn expect_words(
    view: &BlobView<'_>,
    n: usize,
    words: &[(usize, &'static str, usize)],
) -> Result2<()> {
    if view.shape_len() != n {
        return Err(FormatError::ShapeMismatch {
            what: "naive bayes shape words",
            expected: n,
            found: view.shape_len(),
        });
    }
    for &(i, what, expected) in words {
        let found = view.shape_word(i).unwrap_or(0) as usize;
        if found != expected {
            return Err(FormatError::ShapeMismatch {
                what,
                expected,
                found,
            });
        }
    }
    if view.input_scaling_len() != 0 || view.output_scaling_len() != 0 {
        return Err(FormatError::ShapeMismatch {
            what: "naive bayes standardisation columns",
            expected: 0,
            found: view.input_scaling_len() + view.output_scaling_len(),
        });
    }
    Ok(())
}

/// Decodes `α` (word `i`) and the prior flag (word `i + 1`); returns `(α, fixed prior)`.
pub(super) fn alpha_and_prior(view: &BlobView<'_>, i: usize) -> Result2<(f32, bool)> {
    let alpha = f32::from_bits(view.shape_word(i).unwrap_or(0));
    if !alpha.is_finite() {
        return Err(FormatError::NonFinite {
            what: "naive bayes alpha",
            index: 0,
        });
    }
    if alpha < 0.0 {
        return Err(FormatError::InvalidValue {
            what: "naive bayes alpha",
            index: i,
        });
    }
    match view.shape_word(i + 1) {
        Some(0) => Ok((alpha, false)),
        Some(1) => Ok((alpha, true)),
        _ => Err(FormatError::InvalidValue {
            what: "naive bayes prior flag",
            index: i + 1,
        }),
    }
}

/// Checks the parameter count, reads the `C = class_count.len()` class counts, the
/// `counts.len()` counts and, when `fixed`, the `C` prior probabilities into `prior` (which
/// must then hold `C` values); checks that every value is `≥ 0` and the prior sums to 1.
fn read_stats_into(
    view: &BlobView<'_>,
    fixed: bool,
    class_count: &mut [f32],
    counts: &mut [f32],
    prior: &mut [f32],
) -> Result2<()> {
    let (c, n_counts) = (class_count.len(), counts.len());
    let expected = c + n_counts + if fixed { c } else { 0 };
    if view.param_count() != expected {
        return Err(FormatError::ShapeMismatch {
            what: "naive bayes parameter count",
            expected,
            found: view.param_count(),
        });
    }
    if fixed && prior.len() != c {
        return Err(FormatError::ShapeMismatch {
            what: "naive bayes prior",
            expected: c,
            found: prior.len(),
        });
    }
    for (i, p) in view.params().enumerate() {
        if p < 0.0 {
            return Err(FormatError::InvalidValue {
                what: "naive bayes counts / prior (must be >= 0)",
                index: i,
            });
        }
        // `get_mut`: the lengths are checked above; no panic path in the firmware.
        let slot = if i < c {
            class_count.get_mut(i)
        } else if i < c + n_counts {
            counts.get_mut(i - c)
        } else {
            prior.get_mut(i - c - n_counts)
        };
        if let Some(slot) = slot {
            *slot = p;
        }
    }
    if fixed {
        common::check_prior(c, Prior::Fixed(&prior[..c])).map_err(|_| {
            FormatError::InvalidValue {
                what: "naive bayes prior (must sum to 1)",
                index: c + n_counts,
            }
        })?;
    }
    Ok(())
}

/// [`read_stats_into`] for a typed model with `C` classes; returns the fixed prior.
fn read_stats<const C: usize>(
    view: &BlobView<'_>,
    fixed: bool,
    counts: &mut [f32],
    class_count: &mut [f32; C],
) -> Result2<Option<[f32; C]>> {
    let mut prior = [0.0f32; C];
    read_stats_into(view, fixed, class_count, counts, &mut prior)?;
    Ok(fixed.then_some(prior))
}

/// The shape of a naive Bayes blob, decoded by [`decode_categorical_shape`] or
/// [`decode_bernoulli_shape`] (runtime-sized readers: the host's export, `embedml inspect`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NbShape {
    /// Classes `C`.
    pub classes: usize,
    /// Features `F`.
    pub features: usize,
    /// Value capacity `V` (the stride of the categorical counts; 1 for Bernoulli).
    pub v_stride: usize,
    /// Smoothing `α`.
    pub alpha: f32,
    /// Whether the blob stores a fixed prior (`C` probabilities after the counts).
    pub fixed_prior: bool,
}

impl NbShape {
    /// Number of counts after the `C` class counts: `C·F·V` (categorical) or `C·F`
    /// (Bernoulli, where `V = 1`); saturating (a hostile shape cannot overflow).
    pub fn n_counts(&self) -> usize {
        self.classes
            .saturating_mul(self.features)
            .saturating_mul(self.v_stride)
    }
}

/// Decodes a categorical naive Bayes blob's shape (kind 3): checks the kind, the shape word
/// count (`n_values.len()` must be `F`, shape word 1), no standardisation, `C ≥ 1`, `F ≥ 1`,
/// every `V_i ∈ 1..=V` (written to `n_values`), `α` and the prior flag. Read the values with
/// [`read_nb_params`].
pub fn decode_categorical_shape(view: &BlobView<'_>, n_values: &mut [usize]) -> Result2<NbShape> {
    view.expect_kind(ModelKind::NaiveBayesCategorical)?;
    let f = n_values.len();
    let word = |i: usize| view.shape_word(i).unwrap_or(0) as usize;
    expect_words(
        view,
        categorical_shape_words(f),
        &[(1, "naive bayes features", f)],
    )?;
    let (c, v) = (word(0), word(2));
    for (what, x, i) in [
        ("naive bayes classes", c, 0),
        ("naive bayes features", f, 1),
    ] {
        if x == 0 {
            return Err(FormatError::InvalidValue { what, index: i });
        }
    }
    let (alpha, fixed) = alpha_and_prior(view, 3)?;
    for (i, n) in n_values.iter_mut().enumerate() {
        *n = word(5 + i);
        if *n == 0 || *n > v {
            return Err(FormatError::InvalidValue {
                what: "naive bayes values per feature (must be in 1..=V)",
                index: 5 + i,
            });
        }
    }
    Ok(NbShape {
        classes: c,
        features: f,
        v_stride: v,
        alpha,
        fixed_prior: fixed,
    })
}

/// Decodes a Bernoulli naive Bayes blob's shape (kind 4): checks the kind, the 4 shape words,
/// no standardisation, `C ≥ 1`, `F ≥ 1`, `α` and the prior flag (`v_stride` is 1). Read the
/// values with [`read_nb_params`].
pub fn decode_bernoulli_shape(view: &BlobView<'_>) -> Result2<NbShape> {
    decode_class_feature_shape(view, ModelKind::NaiveBayesBernoulli)
}

/// Decodes a multinomial naive Bayes blob's shape (kind 5), with the checks of
/// [`decode_bernoulli_shape`]. Read the values with [`read_nb_params`].
pub fn decode_multinomial_shape(view: &BlobView<'_>) -> Result2<NbShape> {
    decode_class_feature_shape(view, ModelKind::NaiveBayesMultinomial)
}

/// The shape of the kinds whose shape words are `C`, `F`, `α` bits, prior flag (Bernoulli,
/// multinomial).
fn decode_class_feature_shape(view: &BlobView<'_>, kind: ModelKind) -> Result2<NbShape> {
    view.expect_kind(kind)?;
    expect_words(view, BERNOULLI_SHAPE_WORDS, &[])?;
    let word = |i: usize| view.shape_word(i).unwrap_or(0) as usize;
    let (c, f) = (word(0), word(1));
    for (what, x, i) in [
        ("naive bayes classes", c, 0),
        ("naive bayes features", f, 1),
    ] {
        if x == 0 {
            return Err(FormatError::InvalidValue { what, index: i });
        }
    }
    let (alpha, fixed) = alpha_and_prior(view, 2)?;
    Ok(NbShape {
        classes: c,
        features: f,
        v_stride: 1,
        alpha,
        fixed_prior: fixed,
    })
}

/// Reads a naive Bayes blob's values for its decoded `shape`: `class_count` (`C`), `counts`
/// ([`NbShape::n_counts`]) and, with a fixed prior, `prior` (`C`; ignored otherwise, may be
/// empty). Checks the parameter count, that every value is `≥ 0` and that a fixed prior sums
/// to one. The buffers then make core's slice statistics
/// ([`categorical::Stats`](crate::models::naive_bayes::categorical::Stats),
/// [`bernoulli::Stats`](crate::models::naive_bayes::bernoulli::Stats)).
pub fn read_nb_params(
    view: &BlobView<'_>,
    shape: &NbShape,
    class_count: &mut [f32],
    counts: &mut [f32],
    prior: &mut [f32],
) -> Result2<()> {
    for (what, want, found) in [
        ("naive bayes class counts", shape.classes, class_count.len()),
        ("naive bayes counts", shape.n_counts(), counts.len()),
    ] {
        if want != found {
            return Err(FormatError::ShapeMismatch {
                what,
                expected: want,
                found,
            });
        }
    }
    read_stats_into(view, shape.fixed_prior, class_count, counts, prior)
}

/// Length of a categorical naive Bayes blob with `c` classes, `f` features, value capacity `v`
/// and, if `fixed_prior`, a stored prior.
pub const fn categorical_blob_len(c: usize, f: usize, v: usize, fixed_prior: bool) -> usize {
    let prior = if fixed_prior { c } else { 0 };
    blob_len(categorical_shape_words(f), 0, 0, c + c * f * v + prior)
}

/// Length of a Bernoulli naive Bayes blob with `c` classes, `f` features and, if
/// `fixed_prior`, a stored prior.
pub const fn bernoulli_blob_len(c: usize, f: usize, fixed_prior: bool) -> usize {
    let prior = if fixed_prior { c } else { 0 };
    blob_len(BERNOULLI_SHAPE_WORDS, 0, 0, c + c * f + prior)
}

/// Length of a multinomial naive Bayes blob with `c` classes, `f` features and, if
/// `fixed_prior`, a stored prior.
pub const fn multinomial_blob_len(c: usize, f: usize, fixed_prior: bool) -> usize {
    bernoulli_blob_len(c, f, fixed_prior)
}

/// Checks the lengths of runtime-sized naive Bayes statistics: `C = class_count.len() ≥ 1`,
/// `counts.len() = C · per_class`, a prior of `C`.
pub(super) fn check_stats(
    class_count: &[f32],
    counts: &[f32],
    per_class: usize,
    prior: Option<&[f32]>,
) -> Result2<()> {
    let c = class_count.len();
    if c == 0 || per_class == 0 {
        return Err(FormatError::InvalidValue {
            what: "naive bayes shape (needs classes and features)",
            index: 0,
        });
    }
    // Negative values would not parse back: refuse them here (index as in the blob).
    let values = class_count.iter().chain(counts).chain(prior.unwrap_or(&[]));
    if let Some(i) = values.into_iter().position(|&v| v < 0.0) {
        return Err(FormatError::InvalidValue {
            what: "naive bayes counts / prior (must be >= 0)",
            index: i,
        });
    }
    let prior_len = prior.map_or(c, <[f32]>::len);
    for (what, want, found) in [
        (
            "naive bayes counts",
            c.saturating_mul(per_class),
            counts.len(),
        ),
        ("naive bayes prior", c, prior_len),
    ] {
        if want != found {
            return Err(FormatError::ShapeMismatch {
                what,
                expected: want,
                found,
            });
        }
    }
    Ok(())
}

/// Writes the blob of a runtime-sized categorical naive Bayes model (kind 3): `class_count`
/// (`C`), `counts` (`C·F·v_stride`, at `(y·F + i)·v_stride + v`), `n_values` (`F`, each in
/// `1..=v_stride`), `alpha` and an optional fixed prior (`C`). Returns the blob's length
/// ([`categorical_blob_len`]).
pub fn write_categorical_blob(
    out: &mut [u8],
    class_count: &[f32],
    counts: &[f32],
    n_values: &[usize],
    v_stride: usize,
    alpha: f32,
    prior: Option<&[f32]>,
) -> Result2<usize> {
    let f = n_values.len();
    check_stats(class_count, counts, f * v_stride, prior)?;
    if let Some(i) = n_values.iter().position(|&n| n == 0 || n > v_stride) {
        return Err(FormatError::InvalidValue {
            what: "naive bayes values per feature (must be in 1..=V)",
            index: 5 + i,
        });
    }
    let c = class_count.len();
    let shape = |i: usize| match i {
        0 => c as u32,
        1 => f as u32,
        2 => v_stride as u32,
        3 => alpha.to_bits(),
        4 => prior.is_some() as u32,
        i => n_values[i - 5] as u32,
    };
    let n = c + counts.len() + prior.map_or(0, |_| c);
    write_blob_iter(
        out,
        ModelKind::NaiveBayesCategorical,
        categorical_shape_words(f),
        shape,
        None,
        None,
        stats_param(class_count, counts, prior),
        n,
    )
}

/// Writes the blob of a runtime-sized Bernoulli naive Bayes model (kind 4): `class_count`
/// (`C`), `counts` (`C·F`, at `y·F + i`, with `F = features`), `alpha` and an optional fixed
/// prior (`C`). Returns the blob's length ([`bernoulli_blob_len`]).
pub fn write_bernoulli_blob(
    out: &mut [u8],
    class_count: &[f32],
    counts: &[f32],
    features: usize,
    alpha: f32,
    prior: Option<&[f32]>,
) -> Result2<usize> {
    let kind = ModelKind::NaiveBayesBernoulli;
    write_class_feature_blob(out, kind, class_count, counts, features, alpha, prior)
}

/// Writes the blob of a runtime-sized multinomial naive Bayes model (kind 5): `class_count`
/// (`C`), summed counts (`C·F`, at `y·F + i`, with `F = features`), `alpha` and an optional
/// fixed prior (`C`). Returns the blob's length ([`multinomial_blob_len`]).
pub fn write_multinomial_blob(
    out: &mut [u8],
    class_count: &[f32],
    counts: &[f32],
    features: usize,
    alpha: f32,
    prior: Option<&[f32]>,
) -> Result2<usize> {
    let kind = ModelKind::NaiveBayesMultinomial;
    write_class_feature_blob(out, kind, class_count, counts, features, alpha, prior)
}

/// The writer of the kinds whose shape words are `C`, `F`, `α` bits, prior flag.
fn write_class_feature_blob(
    out: &mut [u8],
    kind: ModelKind,
    class_count: &[f32],
    counts: &[f32],
    features: usize,
    alpha: f32,
    prior: Option<&[f32]>,
) -> Result2<usize> {
    check_stats(class_count, counts, features, prior)?;
    let c = class_count.len();
    let shape = |i: usize| match i {
        0 => c as u32,
        1 => features as u32,
        2 => alpha.to_bits(),
        _ => prior.is_some() as u32,
    };
    let n = c + counts.len() + prior.map_or(0, |_| c);
    write_blob_iter(
        out,
        kind,
        BERNOULLI_SHAPE_WORDS,
        shape,
        None,
        None,
        stats_param(class_count, counts, prior),
        n,
    )
}

/// The parameters of a naive Bayes blob: class counts, counts, then the fixed prior.
pub(super) fn stats_param<'a>(
    class_count: &'a [f32],
    counts: &'a [f32],
    prior: Option<&'a [f32]>,
) -> impl Iterator<Item = f32> + Clone + 'a {
    class_count
        .iter()
        .chain(counts)
        .chain(prior.unwrap_or(&[]))
        .copied()
}

impl<const C: usize, const F: usize, const V: usize> CategoricalNb<C, F, V> {
    /// Length of this model's blob (learned prior; a fixed prior adds `4·C` bytes).
    pub const BLOB_LEN: usize = categorical_blob_len(C, F, V, false);

    /// Length of this model's blob as [`to_blob`](Self::to_blob) writes it.
    pub fn blob_len(&self) -> usize {
        categorical_blob_len(C, F, V, self.fixed_prior().is_some())
    }

    /// Loads a categorical naive Bayes blob (kind 3): every check of [`BlobView::parse`] plus
    /// kind, `C`, `F`, `V` (expected vs found), every `V_i ∈ 1..=V`, `α`, the prior flag,
    /// non-negative counts and a valid fixed prior.
    pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        view.expect_kind(ModelKind::NaiveBayesCategorical)?;
        expect_words(
            &view,
            categorical_shape_words(F),
            &[
                (0, "naive bayes classes", C),
                (1, "naive bayes features", F),
                (2, "naive bayes value capacity", V),
            ],
        )?;
        let (alpha, fixed) = alpha_and_prior(&view, 3)?;
        let mut n_values = [0usize; F];
        for (i, n) in n_values.iter_mut().enumerate() {
            *n = view.shape_word(5 + i).unwrap_or(0) as usize;
            if *n == 0 || *n > V {
                return Err(FormatError::InvalidValue {
                    what: "naive bayes values per feature (must be in 1..=V)",
                    index: 5 + i,
                });
            }
        }
        let mut nb = Self::new(n_values, alpha).map_err(|_| FormatError::InvalidValue {
            what: "naive bayes shape",
            index: 0,
        })?;
        let mut class_count = [0.0; C];
        let mut counts = [[[0.0f32; V]; F]; C];
        let prior = read_stats(
            &view,
            fixed,
            counts.as_flattened_mut().as_flattened_mut(),
            &mut class_count,
        )?;
        let invalid = |what| FormatError::InvalidValue { what, index: 0 };
        nb.set_counts(&class_count, counts.as_flattened().as_flattened())
            .map_err(|_| invalid("naive bayes counts"))?;
        nb.set_prior(prior)
            .map_err(|_| invalid("naive bayes prior"))?;
        Ok(nb)
    }

    /// Writes the blob into `out`; returns its length ([`blob_len`](Self::blob_len)).
    pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
        write_categorical_blob(
            out,
            self.class_count(),
            self.counts().as_flattened().as_flattened(),
            self.n_values(),
            V,
            self.alpha(),
            self.fixed_prior().map(|p| &p[..]),
        )
    }
}

/// `BLOB_LEN`, `blob_len`, `from_blob`, `to_blob` of the typed models whose blob is `C`, `F`,
/// `α`, prior flag, then `N_y` and `N_{y,i}` (Bernoulli, multinomial).
macro_rules! class_feature_blob {
    ($model:ident, $kind:expr, $name:literal, $write:ident, $len:ident) => {
        impl<const C: usize, const F: usize> $model<C, F> {
            /// Length of this model's blob (learned prior; a fixed prior adds `4·C` bytes).
            pub const BLOB_LEN: usize = $len(C, F, false);

            /// Length of this model's blob as [`to_blob`](Self::to_blob) writes it.
            pub fn blob_len(&self) -> usize {
                $len(C, F, self.fixed_prior().is_some())
            }

            #[doc = concat!("Loads a ", $name, " naive Bayes blob: every check of [`BlobView::parse`] plus")]
            /// kind, `C`, `F` (expected vs found), `α`, the prior flag, non-negative counts
            /// and a valid fixed prior.
            pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
                let view = BlobView::parse(bytes)?;
                view.expect_kind($kind)?;
                expect_words(
                    &view,
                    BERNOULLI_SHAPE_WORDS,
                    &[
                        (0, "naive bayes classes", C),
                        (1, "naive bayes features", F),
                    ],
                )?;
                let (alpha, fixed) = alpha_and_prior(&view, 2)?;
                let mut nb = Self::new(alpha).map_err(|_| FormatError::InvalidValue {
                    what: "naive bayes alpha",
                    index: 2,
                })?;
                let mut class_count = [0.0; C];
                let mut counts = [[0.0f32; F]; C];
                let prior = read_stats(&view, fixed, counts.as_flattened_mut(), &mut class_count)?;
                let invalid = |what| FormatError::InvalidValue { what, index: 0 };
                nb.set_counts(&class_count, counts.as_flattened())
                    .map_err(|_| invalid("naive bayes counts"))?;
                nb.set_prior(prior)
                    .map_err(|_| invalid("naive bayes prior"))?;
                Ok(nb)
            }

            /// Writes the blob into `out`; returns its length ([`blob_len`](Self::blob_len)).
            pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
                $write(
                    out,
                    self.class_count(),
                    self.counts().as_flattened(),
                    F,
                    self.alpha(),
                    self.fixed_prior().map(|p| &p[..]),
                )
            }
        }
    };
}

class_feature_blob!(
    BernoulliNb,
    ModelKind::NaiveBayesBernoulli,
    "Bernoulli (kind 4)",
    write_bernoulli_blob,
    bernoulli_blob_len
);
class_feature_blob!(
    MultinomialNb,
    ModelKind::NaiveBayesMultinomial,
    "multinomial (kind 5)",
    write_multinomial_blob,
    multinomial_blob_len
);
