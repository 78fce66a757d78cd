//! Q-table blobs (kind 7): shape words `S` (states), `A` (actions); parameters `Q(s, a)`
//! row-major (`Q(s, a)` at `s·A + a`), `S·A` of them. No standardisation constants.

use super::view::BlobView;
use super::write::{blob_len, write_blob};
use super::{FormatError, ModelKind};
use crate::models::qlearn::QTable;

type Result2<T> = core::result::Result<T, FormatError>;

/// Number of shape words of a Q-table blob.
pub const QTABLE_SHAPE_WORDS: usize = 2;

/// Decodes a Q-table blob's shape (kind 7): checks the kind, the 2 shape words, `S ≥ 1`,
/// `A ≥ 1`, the parameter count `S·A` and no standardisation constants; returns `(S, A)`.
/// Read the values with [`BlobView::copy_params`] (runtime-sized readers: the host's export,
/// `embedml inspect`; the typed [`QTable::from_blob`] calls it too).
pub fn decode_qtable_shape(view: &BlobView<'_>) -> Result2<(usize, usize)> {
    view.expect_kind(ModelKind::QTable)?;
    if view.shape_len() != QTABLE_SHAPE_WORDS {
        return Err(FormatError::ShapeMismatch {
            what: "qtable shape words",
            expected: QTABLE_SHAPE_WORDS,
            found: view.shape_len(),
        });
    }
    let s = view.shape_word(0).unwrap_or(0) as usize;
    let a = view.shape_word(1).unwrap_or(0) as usize;
    for (what, x, i) in [("qtable states", s, 0), ("qtable actions", a, 1)] {
        if x == 0 {
            return Err(FormatError::InvalidValue { what, index: i });
        }
    }
    if view.input_scaling_len() != 0 || view.output_scaling_len() != 0 {
        return Err(FormatError::ShapeMismatch {
            what: "qtable standardisation columns",
            expected: 0,
            found: view.input_scaling_len() + view.output_scaling_len(),
        });
    }
    let n = s.saturating_mul(a);
    if view.param_count() != n {
        return Err(FormatError::ShapeMismatch {
            what: "qtable values",
            expected: n,
            found: view.param_count(),
        });
    }
    Ok((s, a))
}

/// Writes the blob of a runtime-sized Q-table (kind 7): `q` holds `Q(s, a)` at `s·n_actions +
/// a` for `q.len() / n_actions` states. Returns the blob's length.
pub fn write_qtable_blob(out: &mut [u8], q: &[f32], n_actions: usize) -> Result2<usize> {
    if n_actions == 0 {
        return Err(FormatError::InvalidValue {
            what: "qtable actions",
            index: 1,
        });
    }
    if q.is_empty() || q.len() % n_actions != 0 {
        return Err(FormatError::ShapeMismatch {
            what: "qtable values (a non-zero multiple of the actions)",
            expected: (q.len() / n_actions).max(1) * n_actions,
            found: q.len(),
        });
    }
    let s = q.len() / n_actions;
    let too_big = |what| FormatError::InvalidValue { what, index: 0 };
    let s32 = u32::try_from(s).map_err(|_| too_big("qtable states"))?;
    let a32 = u32::try_from(n_actions).map_err(|_| too_big("qtable actions"))?;
    write_blob(out, ModelKind::QTable, &[s32, a32], None, None, q)
}

/// Length of the blob of a Q-table with `s` states and `a` actions.
pub const fn qtable_blob_len(s: usize, a: usize) -> usize {
    blob_len(QTABLE_SHAPE_WORDS, 0, 0, s * a)
}

impl<const S: usize, const A: usize> QTable<S, A> {
    /// Length of this table's blob.
    pub const BLOB_LEN: usize = qtable_blob_len(S, A);

    /// Loads a Q-table blob (kind 7): every check of [`BlobView::parse`] plus kind, `S`, `A`
    /// (expected vs found), the parameter count and no standardisation constants.
    pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        let (s, a) = decode_qtable_shape(&view)?;
        for (what, expected, found) in [("qtable states", S, s), ("qtable actions", A, a)] {
            if found != expected {
                return Err(FormatError::ShapeMismatch {
                    what,
                    expected,
                    found,
                });
            }
        }
        let mut t = Self::new();
        view.copy_params(t.as_mut_slice())?;
        Ok(t)
    }

    /// Writes the blob into `out`; returns its length, [`Self::BLOB_LEN`].
    pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
        write_qtable_blob(out, self.as_slice(), A)
    }
}
