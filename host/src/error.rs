//! The host error type: every failure of the CLI becomes one of these, printed as one line.

use std::path::{Path, PathBuf};

/// What went wrong on the host. `Display` is a single line, suitable for `error: …`.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// A file could not be read, written or renamed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// Input data is unusable (bad CSV cell, unknown column, empty data, …). The message
    /// already names the file (and `file:line` where there is one).
    #[error("{0}")]
    Data(String),
    /// A model file is unusable (not safetensors, wrong kind, missing or malformed tensor, …).
    #[error("{0}")]
    Model(String),
    /// A command-line value is invalid (beyond what clap checks).
    #[error("{0}")]
    Usage(String),
    /// An error from the core library.
    #[error("{0}")]
    Core(#[from] embedml::Error),
}

/// `Result` with [`HostError`].
pub type Result<T> = std::result::Result<T, HostError>;

impl HostError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        HostError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The message as one line (newlines, which a source error might carry, become spaces).
    pub fn one_line(&self) -> String {
        self.to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A [`HostError::Data`] built with `format!` arguments.
#[macro_export]
macro_rules! data_err {
    ($($arg:tt)*) => { $crate::error::HostError::Data(format!($($arg)*)) };
}

/// A [`HostError::Model`] built with `format!` arguments.
#[macro_export]
macro_rules! model_err {
    ($($arg:tt)*) => { $crate::error::HostError::Model(format!($($arg)*)) };
}
