//! [`FormatError`]: everything that can be wrong with a blob.

use core::fmt;

/// Why a blob could not be read or written. Parsing checks, in this order: length of the fixed
/// header, magic, version, header length, total length, checksum, then the values (finite
/// parameters and constants, positive std) and the kind-specific shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FormatError {
    /// The bytes end before the blob does: `expected` bytes are needed, `found` were given.
    Truncated {
        /// Bytes the header says the blob has (or the fixed header length).
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// More bytes than the header describes.
    TrailingBytes {
        /// Bytes the header says the blob has.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// The first four bytes are not `b"EMLB"`.
    BadMagic {
        /// The four bytes found.
        found: [u8; 4],
    },
    /// A format version this crate does not read.
    UnsupportedVersion {
        /// The version in the blob.
        found: u16,
        /// The version this crate reads.
        supported: u16,
    },
    /// The `header_len` field disagrees with the counts that follow it.
    BadHeaderLength {
        /// `32 + 4·n_shape + 8·n_in_norm + 8·n_out_norm` (saturated to `usize::MAX`).
        expected: usize,
        /// The `header_len` field.
        found: usize,
    },
    /// The blob holds another kind of model than the one asked for.
    WrongKind {
        /// The kind id asked for.
        expected: u16,
        /// The kind id in the blob.
        found: u16,
    },
    /// The stored CRC-32 does not match the bytes (corruption).
    ChecksumMismatch {
        /// The CRC stored in the header.
        stored: u32,
        /// The CRC computed over the bytes.
        computed: u32,
    },
    /// A shape in the blob differs from the one the typed model (or the header) requires.
    ShapeMismatch {
        /// Which shape (a short static name such as `"mlp layers"`).
        what: &'static str,
        /// What the model or the header requires.
        expected: usize,
        /// What the blob holds.
        found: usize,
    },
    /// A field has a value outside its domain (unknown activation id, zero width, std ≤ 0, …).
    InvalidValue {
        /// Which field.
        what: &'static str,
        /// Its index (word or column), 0 for scalars.
        index: usize,
    },
    /// A parameter or standardisation constant is NaN or infinite.
    NonFinite {
        /// Which section (`"parameters"`, `"input mean"`, …).
        what: &'static str,
        /// Index within the section.
        index: usize,
    },
    /// The output buffer of a writer is too small.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        found: usize,
    },
    /// The parameters are not 4-byte aligned in memory, so they cannot be used in place (wrap
    /// the bytes in [`Aligned`](super::Aligned) or use [`include_blob!`](crate::include_blob)).
    Misaligned {
        /// The parameters' address modulo 4.
        offset: usize,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Truncated { expected, found } => {
                write!(f, "blob truncated: needs {expected} bytes, found {found}")
            }
            FormatError::TrailingBytes { expected, found } => write!(
                f,
                "trailing bytes after the blob: it is {expected} bytes, found {found}"
            ),
            FormatError::BadMagic { found } => {
                write!(
                    f,
                    "not an embedml blob: magic {found:02x?}, expected \"EMLB\""
                )
            }
            FormatError::UnsupportedVersion { found, supported } => write!(
                f,
                "unsupported blob format version {found} (this build reads version {supported})"
            ),
            FormatError::BadHeaderLength { expected, found } => write!(
                f,
                "inconsistent header length: the counts give {expected}, the field says {found}"
            ),
            FormatError::WrongKind { expected, found } => write!(
                f,
                "wrong model kind: expected kind id {expected}, the blob holds {found}"
            ),
            FormatError::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch (corrupt blob): stored {stored:#010x}, computed {computed:#010x}"
            ),
            FormatError::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "shape mismatch in {what}: expected {expected}, found {found}"
            ),
            FormatError::InvalidValue { what, index } => {
                write!(f, "invalid value in {what} at index {index}")
            }
            FormatError::NonFinite { what, index } => {
                write!(f, "non-finite value in {what} at index {index}")
            }
            FormatError::BufferTooSmall { needed, found } => write!(
                f,
                "output buffer too small: needs {needed} bytes, has {found}"
            ),
            FormatError::Misaligned { offset } => write!(
                f,
                "parameters are not 4-byte aligned (address % 4 = {offset}); use format::Aligned"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FormatError {}
