//! Device weight format v1: one self-describing, checksummed blob per trained model.
//!
//! The host writes a blob (`embedml export`, or [`Mlp::to_blob`](crate::models::mlp::Mlp::to_blob));
//! the device embeds it in flash ([`include_blob!`](crate::include_blob)) and either loads it into
//! a typed model ([`Mlp::from_blob`](crate::models::mlp::Mlp::from_blob), a RAM copy that can keep
//! training) or runs it **in place** from flash ([`MlpRef`], [`MdnRef`]: inference only, no
//! copy of the parameters). Parsing never panics: every malformed input gives a [`FormatError`].
//!
//! ## Byte layout (all integers and floats little-endian)
//!
//! | offset | size | field | meaning |
//! |---|---|---|---|
//! | 0 | 4 | `magic` | the bytes `b"EMLB"` ([`MAGIC`]) |
//! | 4 | 2 | `version` | `u16`, format version, `1` ([`VERSION`]) |
//! | 6 | 2 | `kind` | `u16`, model kind id ([`ModelKind`]) |
//! | 8 | 4 | `header_len` | `u32`, bytes before the parameters: `32 + 4·n_shape + 8·n_in_norm + 8·n_out_norm` |
//! | 12 | 4 | `n_shape` | `u32`, number of kind-specific shape words |
//! | 16 | 4 | `n_in_norm` | `u32`, input columns with standardisation constants (0 = none) |
//! | 20 | 4 | `n_out_norm` | `u32`, output columns with standardisation constants (0 = none) |
//! | 24 | 4 | `param_count` | `u32`, number of `f32` parameters |
//! | 28 | 4 | `crc32` | `u32`, CRC-32/ISO-HDLC of every byte of the blob **except these four** (bytes `0..28` then `32..end`) |
//! | 32 | 4·`n_shape` | shape words | `u32` each, meaning fixed by `kind` (below); an `f32` is stored as its bits |
//! | … | 4·`n_in_norm` | input mean | `f32` per input column |
//! | … | 4·`n_in_norm` | input std | `f32` per input column, finite and `> 0` |
//! | … | 4·`n_out_norm` | output mean | `f32` per output column |
//! | … | 4·`n_out_norm` | output std | `f32` per output column, finite and `> 0` |
//! | `header_len` | 4·`param_count` | parameters | `f32` each, finite, in the model's documented parameter order |
//!
//! The blob is exactly `header_len + 4·param_count` bytes: shorter is [`FormatError::Truncated`],
//! longer is [`FormatError::TrailingBytes`]. Every field is 4 bytes wide from offset 8 on, so when
//! the blob starts at a 4-byte aligned address (see [`Aligned`]) the parameters are 4-byte
//! aligned too and can be used in place as `&[f32]` ([`BlobView::params_f32`]).
//!
//! In place, the parameters are borrowed through `bytemuck::try_cast_slice`, a checked safe cast
//! (this crate has no `unsafe`), so [`MlpRef`] runs the same [`mlp::forward`](crate::models::mlp::forward)
//! as the RAM model: on a Cortex-M4F they execute 1289 and 1282 instructions for the
//! 1 → 16 → 16 → 1 sine MLP, and in-place inference needs 356 bytes of RAM instead of the
//! ≈ 3 KB of a trainable `Mlp` (parameters, gradients, activations). A blob that is not 4-byte
//! aligned is still read by every other function (all use `from_le_bytes`); only `MlpRef`
//! refuses it, with [`FormatError::Misaligned`].
//!
//! The host's standardisation is `x' = (x − mean) / std` for inputs and, for outputs, the model
//! was trained on `(y − mean) / std`, so predictions map back with `y = y' · std + mean`.
//!
//! Runtime-sized models (the host's, whose sizes are not const generics) write and read the
//! same layouts through slice-level functions that the typed models call too (no allocation;
//! the caller sizes the buffers from the shape words): MLP [`write_mlp_blob`] /
//! [`decode_mlp_shape`], MDN [`write_mdn_blob`] / [`decode_mdn_shape`], naive Bayes
//! [`write_categorical_blob`] / [`decode_categorical_shape`], [`write_bernoulli_blob`] /
//! [`decode_bernoulli_shape`], [`write_multinomial_blob`] / [`decode_multinomial_shape`] then
//! [`read_nb_params`], [`write_gaussian_blob`] / [`decode_gaussian_shape`] then
//! [`read_gaussian_params`], Q-table [`write_qtable_blob`] /
//! [`decode_qtable_shape`] then [`BlobView::copy_params`].
//!
//! Adding a model kind adds its shape words and parameter order here, without a new version.
//!
//! ## Model kinds and their shape words
//!
//! | id | kind | shape words |
//! |---|---|---|
//! | 1 | [`ModelKind::Mlp`] | `L` (layers), loss id ([`Loss::id`](crate::kernels::loss::Loss::id)), the `L + 1` widths (input first), then per layer: activation id ([`Activation::id`](crate::Activation::id)), LeakyReLU slope as `f32` bits (0 for other activations). `3L + 3` words. Parameters: per layer `W` (row-major `n_out × n_in`) then `b`. |
//! | 2 | [`ModelKind::Mdn`] | `NL` (trunk layers), `K` (components), `L` (target dimension), `σ_min` as `f32` bits, the `NL + 1` trunk widths (input first, last `K (L + 2)`), then per layer: activation id, LeakyReLU slope bits (the last activation Identity). `3NL + 5` words. Parameters: the trunk's, in the MLP order ([`Mdn`](crate::models::mdn::Mdn)). Standardisation: input columns, and one output column per target dimension. |
//! | 3 | [`ModelKind::NaiveBayesCategorical`] | `C` (classes), `F` (features), `V` (value capacity = stride), `α` as `f32` bits, prior flag (0 learned, 1 fixed), then `V_i` per feature (`1 ≤ V_i ≤ V`). `5 + F` words. Parameters: `N_y` (`C`), `N_{y,i,v}` (`C·F·V` at `(y·F + i)·V + v`), then `C` prior probabilities if the flag is 1 ([`CategoricalNb`](crate::models::naive_bayes::CategoricalNb)). |
//! | 4 | [`ModelKind::NaiveBayesBernoulli`] | `C`, `F`, `α` bits, prior flag. 4 words. Parameters: `N_y` (`C`), `N_{y,i}` (`C·F` at `y·F + i`), then `C` prior probabilities if the flag is 1 ([`BernoulliNb`](crate::models::naive_bayes::BernoulliNb)). |
//! | 5 | [`ModelKind::NaiveBayesMultinomial`] | `C`, `F`, `α` bits, prior flag. 4 words. Parameters: `N_y` (`C`), the summed counts `N_{y,i}` (`C·F` at `y·F + i`, any `f32 ≥ 0`), then `C` prior probabilities if the flag is 1 ([`MultinomialNb`](crate::models::naive_bayes::MultinomialNb)). |
//! | 6 | [`ModelKind::NaiveBayesGaussian`] | `C`, `F`, `var_smoothing` as `f64` bits (low word, high word), prior flag. 5 words. Parameters: `n_y` (`C`), then each `f64` Welford statistic as three `f32` words `(h, m, l)` read as `(h + m) + l` (lossless, [`split_f64`]): `μ_{y,i}` (`C·F` at `y·F + i`), `M2_{y,i}` (`C·F`), the all-sample mean (`F`) and `M2` (`F`); then `C` prior probabilities if the flag is 1. `C + 3(2CF + 2F)` (+ `C`) parameters ([`GaussianNb`](crate::models::naive_bayes::GaussianNb)). |
//! | 7 | [`ModelKind::QTable`] | `S` (states), `A` (actions). 2 words. Parameters: `Q(s, a)` row-major, `S·A` ([`QTable`](crate::models::qlearn::QTable)). |
//!
//! Naive Bayes counts (and the Gaussian `M2`, a sum of squared deviations) must be `≥ 0`, `α`
//! and `var_smoothing` finite and `≥ 0`, a fixed prior sum to 1; naive Bayes
//! and Q-table blobs carry no standardisation constants. Every typed loader reports a shape that
//! differs from its const generics as [`FormatError::ShapeMismatch`] with the expected (typed)
//! and found (blob) values.
//!
//! ### Example: the SPEC spam filter as a Bernoulli blob (2 classes, 3 words, `α = 0`)
//! Header `45 4D 4C 42 01 00 04 00`, `30 00 00 00` (header 48 = 32 + 4·4), `04 00 00 00`,
//! zeros for the two scaling counts, `08 00 00 00` (8 parameters), the CRC; shape words
//! `2, 3, 0 (α = 0.0 bits), 0 (learned prior)`; parameters `N_y = [30, 100]` (spam, ham),
//! `N_{spam,·} = [7, 17, 0]`, `N_{ham,·} = [1, 71, 77]`: 80 bytes.
//!
//! Id 0 and ids above 7 are unassigned; [`BlobView::parse`] accepts any id (so tools can show the
//! header), the typed loaders reject the wrong one with [`FormatError::WrongKind`].
//!
//! ## Example: 1 → 2 → 1 MLP, tanh then identity, MSE, no standardisation
//! Header: `45 4D 4C 42` (magic), `01 00` (version), `01 00` (MLP), `44 00 00 00` (header
//! length 68 = 32 + 4·9), `09 00 00 00` (9 shape words), `00 00 00 00`, `00 00 00 00` (no
//! standardisation), `07 00 00 00` (7 parameters), the CRC (`37 0B 5D B9` for the parameters
//! below), then the shape words `2, 0, 1, 2, 1, 2, 0, 0, 0` (2 layers, MSE, widths 1 2 1, tanh
//! (id 2) slope 0, identity (id 0) slope 0) and the 7 `f32` parameters `W0 (2×1) = [0.5, −1]`,
//! `b0 = [0.25, 0]`, `W1 (1×2) = [2, 1.5]`, `b1 = [−0.5]`: 96 bytes in all (pinned by
//! `core/tests/format.rs`).

mod aligned;
mod crc32;
mod error;
mod mdn;
mod mdn_ref;
mod mlp;
mod naive_bayes;
mod nb_gaussian;
mod qtable;
mod view;
mod write;

pub use aligned::Aligned;
pub use error::FormatError;
pub use mdn::{decode_mdn_shape, mdn_blob_len, mdn_shape_words, write_mdn_blob};
pub use mdn_ref::MdnRef;
pub use mlp::{decode_mlp_shape, mlp_blob_len, write_mlp_blob, MlpRef, MLP_SHAPE_WORDS_PER_LAYER};
pub use naive_bayes::{
    bernoulli_blob_len, categorical_blob_len, categorical_shape_words, decode_bernoulli_shape,
    decode_categorical_shape, decode_multinomial_shape, multinomial_blob_len, read_nb_params,
    write_bernoulli_blob, write_categorical_blob, write_multinomial_blob, NbShape,
    BERNOULLI_SHAPE_WORDS, MULTINOMIAL_SHAPE_WORDS,
};
pub use nb_gaussian::{
    decode_gaussian_shape, gaussian_blob_len, gaussian_param_count, join_f64, read_gaussian_params,
    split_f64, write_gaussian_blob, GaussianShape, F64_WORDS, GAUSSIAN_SHAPE_WORDS,
};
pub use qtable::{decode_qtable_shape, qtable_blob_len, write_qtable_blob, QTABLE_SHAPE_WORDS};
pub use view::{BlobView, ScalingView};
pub use write::{blob_len, write_blob, write_blob_fn, write_blob_iter, Scaling};

/// The four bytes every blob starts with.
pub const MAGIC: [u8; 4] = *b"EMLB";
/// The format version this crate reads and writes.
pub const VERSION: u16 = 1;
/// Length of the fixed part of the header (magic to CRC).
pub const FIXED_HEADER_LEN: usize = 32;
/// Offset of the CRC-32 field.
pub const CRC_OFFSET: usize = 28;

/// The CRC-32 a blob's header should hold: over every byte except the CRC field, or `None` when
/// `bytes` is shorter than the fixed header. (For tools that patch or inspect blobs.)
pub fn checksum(bytes: &[u8]) -> Option<u32> {
    (bytes.len() >= FIXED_HEADER_LEN).then(|| blob_crc(bytes))
}

/// CRC-32/ISO-HDLC (`crc32.rs`) of a blob, skipping the CRC field itself. `bytes` must be at least
/// [`FIXED_HEADER_LEN`] long.
pub(crate) fn blob_crc(bytes: &[u8]) -> u32 {
    crc32::crc32_skipping(bytes, CRC_OFFSET)
}

/// Model kinds and their ids in the `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ModelKind {
    /// Multilayer perceptron ([`Mlp`](crate::models::mlp::Mlp)), id 1.
    Mlp,
    /// Mixture density network ([`Mdn`](crate::models::mdn::Mdn)), id 2.
    Mdn,
    /// Categorical naive Bayes ([`CategoricalNb`](crate::models::naive_bayes::CategoricalNb)), id 3.
    NaiveBayesCategorical,
    /// Bernoulli naive Bayes ([`BernoulliNb`](crate::models::naive_bayes::BernoulliNb)), id 4.
    NaiveBayesBernoulli,
    /// Multinomial naive Bayes ([`MultinomialNb`](crate::models::naive_bayes::MultinomialNb)), id 5.
    NaiveBayesMultinomial,
    /// Gaussian naive Bayes ([`GaussianNb`](crate::models::naive_bayes::GaussianNb)), id 6.
    NaiveBayesGaussian,
    /// Tabular Q-learning Q-table ([`QTable`](crate::models::qlearn::QTable)), id 7.
    QTable,
}

impl ModelKind {
    /// Every kind, in id order.
    pub const ALL: [ModelKind; 7] = [
        ModelKind::Mlp,
        ModelKind::Mdn,
        ModelKind::NaiveBayesCategorical,
        ModelKind::NaiveBayesBernoulli,
        ModelKind::NaiveBayesMultinomial,
        ModelKind::NaiveBayesGaussian,
        ModelKind::QTable,
    ];

    /// The id stored in the `kind` field.
    pub const fn id(self) -> u16 {
        match self {
            ModelKind::Mlp => 1,
            ModelKind::Mdn => 2,
            ModelKind::NaiveBayesCategorical => 3,
            ModelKind::NaiveBayesBernoulli => 4,
            ModelKind::NaiveBayesMultinomial => 5,
            ModelKind::NaiveBayesGaussian => 6,
            ModelKind::QTable => 7,
        }
    }

    /// The kind with this id, if assigned.
    pub const fn from_id(id: u16) -> Option<ModelKind> {
        match id {
            1 => Some(ModelKind::Mlp),
            2 => Some(ModelKind::Mdn),
            3 => Some(ModelKind::NaiveBayesCategorical),
            4 => Some(ModelKind::NaiveBayesBernoulli),
            5 => Some(ModelKind::NaiveBayesMultinomial),
            6 => Some(ModelKind::NaiveBayesGaussian),
            7 => Some(ModelKind::QTable),
            _ => None,
        }
    }

    /// A lowercase name (`"mlp"`, `"mdn"`, `"nb_categorical"`, …) for tools.
    pub const fn name(self) -> &'static str {
        match self {
            ModelKind::Mlp => "mlp",
            ModelKind::Mdn => "mdn",
            ModelKind::NaiveBayesCategorical => "nb_categorical",
            ModelKind::NaiveBayesBernoulli => "nb_bernoulli",
            ModelKind::NaiveBayesMultinomial => "nb_multinomial",
            ModelKind::NaiveBayesGaussian => "nb_gaussian",
            ModelKind::QTable => "qtable",
        }
    }
}
