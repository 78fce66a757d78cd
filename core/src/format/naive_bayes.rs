//! Naive Bayes blobs: categorical (kind 3) and Bernoulli (kind 4).
//!
//! **Categorical** shape words (`5 + F`): `C` (classes), `F` (features), `V` (value capacity,
//! the stride of the counts), `α` as `f32` bits, the prior flag (0 learned, 1 fixed), then
//! `V_i` for every feature (`1 ≤ V_i ≤ V`). Parameters: `N_y` (`C`), `N_{y,i,v}` (`C·F·V`, at
//! `(y·F + i)·V + v`), then with a fixed prior the `C` prior probabilities.
//!
//! **Bernoulli** shape words (4): `C`, `F`, `α` bits, the prior flag. Parameters: `N_y` (`C`),
//! `N_{y,i}` (`C·F`, at `y·F + i`), then with a fixed prior the `C` probabilities.
//!
//! Counts must be `≥ 0`, `α` finite and `≥ 0`, a fixed prior non-negative and summing to 1
//! (within `1e-4`). Neither kind has standardisation constants.

use super::view::BlobView;
use super::write::{blob_len, write_blob_iter};
use super::{FormatError, ModelKind};
use crate::models::naive_bayes::{common, BernoulliNb, CategoricalNb, Prior};

type Result2<T> = core::result::Result<T, FormatError>;

/// Number of shape words of a categorical naive Bayes blob with `f` features.
pub const fn categorical_shape_words(f: usize) -> usize {
    5 + f
}

/// Number of shape words of a Bernoulli naive Bayes blob.
pub const BERNOULLI_SHAPE_WORDS: usize = 4;

/// Checks the shape word count and each `(index, what, expected)` word.
fn expect_words(
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
fn alpha_and_prior(view: &BlobView<'_>, i: usize) -> Result2<(f32, bool)> {
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

/// Checks the parameter count, reads the counts (`stats` of them after the `C` class
/// counts) and the optional prior; calls `set(class_count, counts)` and returns the prior.
fn read_stats<const C: usize>(
    view: &BlobView<'_>,
    n_counts: usize,
    fixed: bool,
    counts: &mut [f32],
    class_count: &mut [f32; C],
) -> Result2<Option<[f32; C]>> {
    let expected = C + n_counts + if fixed { C } else { 0 };
    if view.param_count() != expected {
        return Err(FormatError::ShapeMismatch {
            what: "naive bayes parameter count",
            expected,
            found: view.param_count(),
        });
    }
    for (i, p) in view.params().enumerate() {
        if p < 0.0 {
            return Err(FormatError::InvalidValue {
                what: "naive bayes counts / prior (must be >= 0)",
                index: i,
            });
        }
        if i < C {
            class_count[i] = p;
        } else if i < C + n_counts {
            counts[i - C] = p;
        }
    }
    if !fixed {
        return Ok(None);
    }
    let prior: [f32; C] = core::array::from_fn(|c| view.param(C + n_counts + c));
    common::check_prior(C, Prior::Fixed(&prior)).map_err(|_| FormatError::InvalidValue {
        what: "naive bayes prior (must sum to 1)",
        index: C + n_counts,
    })?;
    Ok(Some(prior))
}

/// The parameters of a naive Bayes blob: class counts, counts, then the fixed prior.
fn stats_param<'a>(
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
    pub const BLOB_LEN: usize = blob_len(categorical_shape_words(F), 0, 0, C + C * F * V);

    /// Length of this model's blob as [`to_blob`](Self::to_blob) writes it.
    pub fn blob_len(&self) -> usize {
        let prior = if self.fixed_prior().is_some() { C } else { 0 };
        blob_len(categorical_shape_words(F), 0, 0, C + C * F * V + prior)
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
            C * F * V,
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
        let n_values = self.n_values();
        let alpha = self.alpha();
        let prior = self.fixed_prior();
        let shape = |i: usize| match i {
            0 => C as u32,
            1 => F as u32,
            2 => V as u32,
            3 => alpha.to_bits(),
            4 => prior.is_some() as u32,
            i => n_values[i - 5] as u32,
        };
        let counts = self.counts().as_flattened().as_flattened();
        let params = stats_param(self.class_count(), counts, prior.map(|p| &p[..]));
        let n = C + counts.len() + prior.map_or(0, |_| C);
        write_blob_iter(
            out,
            ModelKind::NaiveBayesCategorical,
            categorical_shape_words(F),
            shape,
            None,
            None,
            params,
            n,
        )
    }
}

impl<const C: usize, const F: usize> BernoulliNb<C, F> {
    /// Length of this model's blob (learned prior; a fixed prior adds `4·C` bytes).
    pub const BLOB_LEN: usize = blob_len(BERNOULLI_SHAPE_WORDS, 0, 0, C + C * F);

    /// Length of this model's blob as [`to_blob`](Self::to_blob) writes it.
    pub fn blob_len(&self) -> usize {
        let prior = if self.fixed_prior().is_some() { C } else { 0 };
        blob_len(BERNOULLI_SHAPE_WORDS, 0, 0, C + C * F + prior)
    }

    /// Loads a Bernoulli naive Bayes blob (kind 4): every check of [`BlobView::parse`] plus
    /// kind, `C`, `F` (expected vs found), `α`, the prior flag, non-negative counts and a
    /// valid fixed prior.
    pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        view.expect_kind(ModelKind::NaiveBayesBernoulli)?;
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
        let prior = read_stats(
            &view,
            C * F,
            fixed,
            counts.as_flattened_mut(),
            &mut class_count,
        )?;
        let invalid = |what| FormatError::InvalidValue { what, index: 0 };
        nb.set_counts(&class_count, counts.as_flattened())
            .map_err(|_| invalid("naive bayes counts"))?;
        nb.set_prior(prior)
            .map_err(|_| invalid("naive bayes prior"))?;
        Ok(nb)
    }

    /// Writes the blob into `out`; returns its length ([`blob_len`](Self::blob_len)).
    pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
        let alpha = self.alpha();
        let prior = self.fixed_prior();
        let shape = |i: usize| match i {
            0 => C as u32,
            1 => F as u32,
            2 => alpha.to_bits(),
            _ => prior.is_some() as u32,
        };
        let counts = self.counts().as_flattened();
        let params = stats_param(self.class_count(), counts, prior.map(|p| &p[..]));
        let n = C + counts.len() + prior.map_or(0, |_| C);
        write_blob_iter(
            out,
            ModelKind::NaiveBayesBernoulli,
            BERNOULLI_SHAPE_WORDS,
            shape,
            None,
            None,
            params,
            n,
        )
    }
}
