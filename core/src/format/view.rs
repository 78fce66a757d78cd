//! [`BlobView`]: a checked, borrowed view of a blob's header, constants and parameters.

use core::fmt;

use super::{blob_crc, FormatError, ModelKind, CRC_OFFSET, FIXED_HEADER_LEN, MAGIC, VERSION};

/// Reads the little-endian `u32` at `off` (the caller has checked `off + 4 <= bytes.len()`; past
/// the end it reads 0 rather than panicking, so no panic path — and none of `core::fmt`, which a
/// slice-index panic pulls into flash — is linked into the firmware).
#[inline]
pub(crate) fn u32_at(bytes: &[u8], off: usize) -> u32 {
    match bytes.get(off..off.saturating_add(4)) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// Reads the little-endian `f32` at `off` (the caller has checked `off + 4 <= bytes.len()`).
#[inline]
pub(crate) fn f32_at(bytes: &[u8], off: usize) -> f32 {
    f32::from_bits(u32_at(bytes, off))
}

/// `u64` → `usize`, saturating (for error reports on 32-bit targets).
fn sat(x: u64) -> usize {
    usize::try_from(x).unwrap_or(usize::MAX)
}

/// A parsed, fully validated blob, borrowing its bytes (in flash or RAM, any alignment).
///
/// [`parse`](BlobView::parse) checks the header, the exact length, the CRC and that every
/// parameter and constant is finite (and every std positive); what it returns can be read
/// without further checks. Kind-specific checks are done by the typed loaders.
#[derive(Debug, Clone, Copy)]
pub struct BlobView<'a> {
    bytes: &'a [u8],
    kind: u16,
    n_shape: usize,
    n_in_norm: usize,
    n_out_norm: usize,
    param_count: usize,
    header_len: usize,
}

impl<'a> BlobView<'a> {
    /// Parses and validates `bytes` (exactly one blob, nothing after it).
    pub fn parse(bytes: &'a [u8]) -> Result<BlobView<'a>, FormatError> {
        if bytes.len() < FIXED_HEADER_LEN {
            return Err(FormatError::Truncated {
                expected: FIXED_HEADER_LEN,
                found: bytes.len(),
            });
        }
        if bytes[..4] != MAGIC {
            return Err(FormatError::BadMagic {
                found: [bytes[0], bytes[1], bytes[2], bytes[3]],
            });
        }
        let version = u16::from_le_bytes([bytes[4], bytes[5]]);
        if version != VERSION {
            return Err(FormatError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            });
        }
        let kind = u16::from_le_bytes([bytes[6], bytes[7]]);
        let header_len = u32_at(bytes, 8) as u64;
        let n_shape = u32_at(bytes, 12) as u64;
        let n_in = u32_at(bytes, 16) as u64;
        let n_out = u32_at(bytes, 20) as u64;
        let n_params = u32_at(bytes, 24) as u64;
        // All counts are < 2^32, so none of these u64 sums can overflow.
        let expected_header = FIXED_HEADER_LEN as u64 + 4 * n_shape + 8 * n_in + 8 * n_out;
        if header_len != expected_header {
            return Err(FormatError::BadHeaderLength {
                expected: sat(expected_header),
                found: sat(header_len),
            });
        }
        let total = header_len + 4 * n_params;
        let len = bytes.len() as u64;
        if len < total {
            return Err(FormatError::Truncated {
                expected: sat(total),
                found: bytes.len(),
            });
        }
        if len > total {
            return Err(FormatError::TrailingBytes {
                expected: sat(total),
                found: bytes.len(),
            });
        }
        // From here every count fits in usize: they describe bytes that exist.
        let stored = u32_at(bytes, CRC_OFFSET);
        let computed = blob_crc(bytes);
        if stored != computed {
            return Err(FormatError::ChecksumMismatch { stored, computed });
        }
        let view = BlobView {
            bytes,
            kind,
            n_shape: n_shape as usize,
            n_in_norm: n_in as usize,
            n_out_norm: n_out as usize,
            param_count: n_params as usize,
            header_len: header_len as usize,
        };
        if let Some(s) = view.input_scaling() {
            s.validate("input mean", "input std")?;
        }
        if let Some(s) = view.output_scaling() {
            s.validate("output mean", "output std")?;
        }
        if let Some(i) = (0..view.param_count).find(|&i| !view.param(i).is_finite()) {
            return Err(FormatError::NonFinite {
                what: "parameters",
                index: i,
            });
        }
        Ok(view)
    }

    /// The whole blob.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The `kind` field.
    pub fn kind_id(&self) -> u16 {
        self.kind
    }

    /// The model kind, if the id is assigned.
    pub fn kind(&self) -> Option<ModelKind> {
        ModelKind::from_id(self.kind)
    }

    /// [`FormatError::WrongKind`] unless the blob holds `kind`.
    pub fn expect_kind(&self, kind: ModelKind) -> Result<(), FormatError> {
        if self.kind == kind.id() {
            Ok(())
        } else {
            Err(FormatError::WrongKind {
                expected: kind.id(),
                found: self.kind,
            })
        }
    }

    /// The stored CRC-32.
    pub fn crc(&self) -> u32 {
        u32_at(self.bytes, CRC_OFFSET)
    }

    /// Bytes before the parameters.
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Number of shape words.
    pub fn shape_len(&self) -> usize {
        self.n_shape
    }

    /// Shape word `i`, or `None` past the end.
    pub fn shape_word(&self, i: usize) -> Option<u32> {
        (i < self.n_shape).then(|| u32_at(self.bytes, FIXED_HEADER_LEN + 4 * i))
    }

    /// Every shape word, in order.
    pub fn shape_words(&self) -> impl Iterator<Item = u32> + 'a {
        let bytes = self.bytes;
        (0..self.n_shape).map(move |i| u32_at(bytes, FIXED_HEADER_LEN + 4 * i))
    }

    /// The input standardisation constants, if the blob has them.
    pub fn input_scaling(&self) -> Option<ScalingView<'a>> {
        let off = FIXED_HEADER_LEN + 4 * self.n_shape;
        (self.n_in_norm > 0).then_some(ScalingView {
            bytes: self.bytes,
            offset: off,
            cols: self.n_in_norm,
        })
    }

    /// The output standardisation constants, if the blob has them.
    pub fn output_scaling(&self) -> Option<ScalingView<'a>> {
        let off = FIXED_HEADER_LEN + 4 * self.n_shape + 8 * self.n_in_norm;
        (self.n_out_norm > 0).then_some(ScalingView {
            bytes: self.bytes,
            offset: off,
            cols: self.n_out_norm,
        })
    }

    /// Number of input columns with standardisation constants (0 = none).
    pub fn input_scaling_len(&self) -> usize {
        self.n_in_norm
    }

    /// Number of output columns with standardisation constants (0 = none).
    pub fn output_scaling_len(&self) -> usize {
        self.n_out_norm
    }

    /// Number of parameters.
    pub fn param_count(&self) -> usize {
        self.param_count
    }

    /// Parameter `i` (`i < param_count`; `NaN` past the end, never a panic).
    pub fn param(&self, i: usize) -> f32 {
        if i < self.param_count {
            f32_at(self.bytes, self.header_len + 4 * i)
        } else {
            f32::NAN
        }
    }

    /// The parameters' bytes (`4 · param_count`, little-endian `f32`).
    pub fn param_bytes(&self) -> &'a [u8] {
        // `parse` checked `header_len <= len`; `get` keeps a panic path out of the firmware.
        self.bytes.get(self.header_len..).unwrap_or(&[])
    }

    /// Every parameter, in order (decoded with `from_le_bytes`; any alignment).
    pub fn params(&self) -> impl Iterator<Item = f32> + 'a {
        self.param_bytes()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// Copies the parameters into `out` (length `param_count`).
    pub fn copy_params(&self, out: &mut [f32]) -> Result<(), FormatError> {
        if out.len() != self.param_count {
            return Err(FormatError::ShapeMismatch {
                what: "parameter count",
                expected: out.len(),
                found: self.param_count,
            });
        }
        for (o, p) in out.iter_mut().zip(self.params()) {
            *o = p;
        }
        Ok(())
    }

    /// The parameters borrowed in place as `&[f32]`, without a copy: possible when they are
    /// 4-byte aligned in memory (see [`Aligned`](super::Aligned)) on a little-endian target
    /// (every Cortex-M, x86, AArch64), else [`FormatError::Misaligned`].
    pub fn params_f32(&self) -> Result<&'a [f32], FormatError> {
        let bytes = self.param_bytes();
        #[cfg(target_endian = "little")]
        {
            bytemuck::try_cast_slice(bytes).map_err(|_| FormatError::Misaligned {
                offset: bytes.as_ptr() as usize % 4,
            })
        }
        #[cfg(not(target_endian = "little"))]
        {
            Err(FormatError::Misaligned {
                offset: bytes.as_ptr() as usize % 4,
            })
        }
    }
}

/// A one-line summary of the header, for tools (`embedml inspect`) and device logs:
/// `EMLB v1 mlp (kind 1), 1380 bytes, crc 0x…, shape [3, 0, 1, 16, …], 321 parameters,
/// input scaling 1 column(s), output scaling 1 column(s)`.
impl fmt::Display for BlobView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind().map_or("unknown", ModelKind::name);
        write!(
            f,
            "EMLB v{VERSION} {kind} (kind {}), {} bytes, crc {:#010x}, shape [",
            self.kind,
            self.bytes.len(),
            self.crc()
        )?;
        for (i, w) in self.shape_words().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{w}")?;
        }
        write!(f, "], {} parameters", self.param_count)?;
        if self.n_in_norm > 0 {
            write!(f, ", input scaling {} column(s)", self.n_in_norm)?;
        }
        if self.n_out_norm > 0 {
            write!(f, ", output scaling {} column(s)", self.n_out_norm)?;
        }
        Ok(())
    }
}

/// Borrowed standardisation constants of a blob: a mean and a std per column.
#[derive(Debug, Clone, Copy)]
pub struct ScalingView<'a> {
    bytes: &'a [u8],
    offset: usize,
    cols: usize,
}

impl<'a> ScalingView<'a> {
    /// Number of columns.
    pub fn len(&self) -> usize {
        self.cols
    }

    /// Whether there are no columns (never true for a view returned by [`BlobView`]).
    pub fn is_empty(&self) -> bool {
        self.cols == 0
    }

    /// Mean of column `i` (`NaN` past the end, never a panic).
    pub fn mean(&self, i: usize) -> f32 {
        if i < self.cols {
            f32_at(self.bytes, self.offset + 4 * i)
        } else {
            f32::NAN
        }
    }

    /// Std of column `i` (`NaN` past the end, never a panic).
    pub fn std(&self, i: usize) -> f32 {
        if i < self.cols {
            f32_at(self.bytes, self.offset + 4 * (self.cols + i))
        } else {
            f32::NAN
        }
    }

    /// Standardises in place: `x[i] = (x[i] − mean_i) / std_i` for the first `len` columns.
    pub fn standardize(&self, x: &mut [f32]) {
        for (i, v) in x.iter_mut().enumerate().take(self.cols) {
            *v = (*v - self.mean(i)) / self.std(i);
        }
    }

    /// Maps back in place: `y[i] = y[i] · std_i + mean_i` for the first `len` columns.
    pub fn unstandardize(&self, y: &mut [f32]) {
        for (i, v) in y.iter_mut().enumerate().take(self.cols) {
            *v = *v * self.std(i) + self.mean(i);
        }
    }

    /// Finite means, finite positive stds.
    fn validate(&self, mean: &'static str, std: &'static str) -> Result<(), FormatError> {
        for i in 0..self.cols {
            if !self.mean(i).is_finite() {
                return Err(FormatError::NonFinite {
                    what: mean,
                    index: i,
                });
            }
            let s = self.std(i);
            if !s.is_finite() {
                return Err(FormatError::NonFinite {
                    what: std,
                    index: i,
                });
            }
            if s <= 0.0 {
                return Err(FormatError::InvalidValue {
                    what: std,
                    index: i,
                });
            }
        }
        Ok(())
    }
}
