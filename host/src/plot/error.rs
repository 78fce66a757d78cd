//! The error type of the plotting functions.

use std::fmt;
use std::path::PathBuf;

/// Why a figure could not be drawn or written.
#[derive(Debug)]
pub enum PlotError {
    /// Writing the PNG file (or its temporary file) failed.
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Input arrays whose lengths do not agree.
    Shape {
        /// Which input.
        what: &'static str,
        /// The length it should have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// An input that cannot be drawn (for example a grid that is not strictly increasing).
    InvalidArgument {
        /// What is wrong.
        what: &'static str,
    },
    /// The drawing library failed (font, backend or layout error).
    Draw(String),
    /// PNG encoding failed.
    Encode(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "cannot write {}: {source}", path.display()),
            Self::Shape {
                what,
                expected,
                found,
            } => write!(f, "{what}: expected length {expected}, found {found}"),
            Self::InvalidArgument { what } => write!(f, "invalid plot input: {what}"),
            Self::Draw(msg) => write!(f, "drawing failed: {msg}"),
            Self::Encode(msg) => write!(f, "PNG encoding failed: {msg}"),
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for PlotError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        Self::Draw(e.to_string())
    }
}
