//! The error type of `embedml`.
//!
//! Every fallible function in the crate returns [`Result<T>`]. Errors carry enough detail to
//! say what was wrong (expected and found sizes, the offending index) without allocating.

use core::fmt;

/// What went wrong in a call into `embedml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    /// A slice had the wrong length for the dimensions given.
    ShapeMismatch {
        /// Which argument (a short static name such as `"weights"`).
        what: &'static str,
        /// The length the dimensions require.
        expected: usize,
        /// The length that was passed.
        found: usize,
    },
    /// A fixed capacity (a const generic) is too small for what was asked.
    CapacityExceeded {
        /// Which capacity (a short static name such as `"layers"`).
        what: &'static str,
        /// The capacity available.
        capacity: usize,
        /// The size that was asked for.
        requested: usize,
    },
    /// A value that must be finite was NaN or infinite.
    NonFinite {
        /// Which argument.
        what: &'static str,
    },
    /// An index (a class, a feature value, a state, an action) was out of range.
    OutOfRange {
        /// Which index.
        what: &'static str,
        /// The value passed.
        index: usize,
        /// The exclusive upper bound.
        len: usize,
    },
    /// A hyperparameter or argument had an invalid value (e.g. a negative learning rate).
    InvalidArgument {
        /// What is wrong, as a short static sentence.
        what: &'static str,
    },
}

/// `core::result::Result` specialised to [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "shape mismatch in {what}: expected length {expected}, found {found}"
            ),
            Error::CapacityExceeded {
                what,
                capacity,
                requested,
            } => write!(
                f,
                "capacity exceeded for {what}: capacity {capacity}, requested {requested}"
            ),
            Error::NonFinite { what } => write!(f, "non-finite value in {what}"),
            Error::OutOfRange { what, index, len } => {
                write!(f, "{what} index {index} out of range (must be < {len})")
            }
            Error::InvalidArgument { what } => write!(f, "invalid argument: {what}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Returns `Ok(())` when `found == expected`, else [`Error::ShapeMismatch`].
#[inline]
pub fn check_len(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what,
            expected,
            found,
        })
    }
}

/// Returns `Ok(())` when every value of `xs` is finite, else [`Error::NonFinite`].
#[inline]
pub fn check_finite(what: &'static str, xs: &[f32]) -> Result<()> {
    if xs.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite { what })
    }
}
