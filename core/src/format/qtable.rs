//! Q-table blobs (kind 7): shape words `S` (states), `A` (actions); parameters `Q(s, a)`
//! row-major (`Q(s, a)` at `s·A + a`), `S·A` of them. No standardisation constants.

use super::view::BlobView;
use super::write::{blob_len, write_blob};
use super::{FormatError, ModelKind};
use crate::models::qlearn::QTable;

type Result2<T> = core::result::Result<T, FormatError>;

/// Number of shape words of a Q-table blob.
pub const QTABLE_SHAPE_WORDS: usize = 2;

impl<const S: usize, const A: usize> QTable<S, A> {
    /// Length of this table's blob.
    pub const BLOB_LEN: usize = blob_len(QTABLE_SHAPE_WORDS, 0, 0, S * A);

    /// Loads a Q-table blob (kind 7): every check of [`BlobView::parse`] plus kind, `S`, `A`
    /// (expected vs found), the parameter count and no standardisation constants.
    pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        view.expect_kind(ModelKind::QTable)?;
        if view.shape_len() != QTABLE_SHAPE_WORDS {
            return Err(FormatError::ShapeMismatch {
                what: "qtable shape words",
                expected: QTABLE_SHAPE_WORDS,
                found: view.shape_len(),
            });
        }
        for (i, what, expected) in [(0, "qtable states", S), (1, "qtable actions", A)] {
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
                what: "qtable standardisation columns",
                expected: 0,
                found: view.input_scaling_len() + view.output_scaling_len(),
            });
        }
        if view.param_count() != S * A {
            return Err(FormatError::ShapeMismatch {
                what: "qtable values",
                expected: S * A,
                found: view.param_count(),
            });
        }
        let mut t = Self::new();
        view.copy_params(t.as_mut_slice())?;
        Ok(t)
    }

    /// Writes the blob into `out`; returns its length, [`Self::BLOB_LEN`].
    pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
        write_blob(
            out,
            ModelKind::QTable,
            &[S as u32, A as u32],
            None,
            None,
            self.as_slice(),
        )
    }
}
