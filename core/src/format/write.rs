//! Writing blobs: [`write_blob`] for any kind, [`blob_len`] to size the buffer.

use super::{blob_crc, FormatError, ModelKind, CRC_OFFSET, FIXED_HEADER_LEN, MAGIC, VERSION};

/// Standardisation constants to store in a blob: a mean and a std (finite, `> 0`) per column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling<'a> {
    /// Mean per column.
    pub mean: &'a [f32],
    /// Standard deviation per column.
    pub std: &'a [f32],
}

/// Length in bytes of a blob with `n_shape` shape words, `n_in_norm` / `n_out_norm`
/// standardised columns (0 = none) and `n_params` parameters.
pub const fn blob_len(
    n_shape: usize,
    n_in_norm: usize,
    n_out_norm: usize,
    n_params: usize,
) -> usize {
    FIXED_HEADER_LEN + 4 * n_shape + 8 * n_in_norm + 8 * n_out_norm + 4 * n_params
}

/// Writes `f32`s little-endian at `out[off..]` (bounds checked by the caller).
fn put_f32s(out: &mut [u8], off: usize, xs: &[f32]) -> usize {
    for (i, x) in xs.iter().enumerate() {
        out[off + 4 * i..off + 4 * i + 4].copy_from_slice(&x.to_le_bytes());
    }
    off + 4 * xs.len()
}

/// Checks a section for finite values (and positive ones for a std).
fn check_values(what: &'static str, xs: &[f32], positive: bool) -> Result<(), FormatError> {
    for (i, &x) in xs.iter().enumerate() {
        if !x.is_finite() {
            return Err(FormatError::NonFinite { what, index: i });
        }
        if positive && x <= 0.0 {
            return Err(FormatError::InvalidValue { what, index: i });
        }
    }
    Ok(())
}

/// Checks one [`Scaling`] and returns its column count (0 for `None`).
fn check_scaling(
    s: Option<Scaling<'_>>,
    mean: &'static str,
    std: &'static str,
) -> Result<usize, FormatError> {
    let Some(s) = s else { return Ok(0) };
    if s.mean.len() != s.std.len() {
        return Err(FormatError::ShapeMismatch {
            what: std,
            expected: s.mean.len(),
            found: s.std.len(),
        });
    }
    check_values(mean, s.mean, false)?;
    check_values(std, s.std, true)?;
    Ok(s.mean.len())
}

/// Writes a complete blob of `kind` into the start of `out` and returns its length
/// ([`blob_len`]). Model kinds call this with their shape words (see the module docs);
/// every value is checked (finite parameters, positive stds) so a written blob always parses.
pub fn write_blob(
    out: &mut [u8],
    kind: ModelKind,
    shape: &[u32],
    input: Option<Scaling<'_>>,
    output: Option<Scaling<'_>>,
    params: &[f32],
) -> Result<usize, FormatError> {
    write_blob_fn(out, kind, shape.len(), |i| shape[i], input, output, params)
}

/// [`write_blob`] with the shape words given as a length and a function of the index (for
/// models whose shape word count is not a const).
pub fn write_blob_fn(
    out: &mut [u8],
    kind: ModelKind,
    n_shape: usize,
    shape: impl Fn(usize) -> u32,
    input: Option<Scaling<'_>>,
    output: Option<Scaling<'_>>,
    params: &[f32],
) -> Result<usize, FormatError> {
    write_blob_iter(
        out,
        kind,
        n_shape,
        shape,
        input,
        output,
        params.iter().copied(),
        params.len(),
    )
}

/// [`write_blob_fn`] with the parameters given as an iterator of `n_params` values (for models
/// whose parameters are not one slice, such as naive Bayes counts followed by a prior).
#[allow(clippy::too_many_arguments)] // the blob's sections, in order
pub fn write_blob_iter(
    out: &mut [u8],
    kind: ModelKind,
    n_shape: usize,
    shape: impl Fn(usize) -> u32,
    input: Option<Scaling<'_>>,
    output: Option<Scaling<'_>>,
    params: impl Iterator<Item = f32> + Clone,
    n_params: usize,
) -> Result<usize, FormatError> {
    let n_in = check_scaling(input, "input mean", "input std")?;
    let n_out = check_scaling(output, "output mean", "output std")?;
    let mut count = 0;
    for (i, x) in params.clone().enumerate() {
        if !x.is_finite() {
            return Err(FormatError::NonFinite {
                what: "parameters",
                index: i,
            });
        }
        count += 1;
    }
    if count != n_params {
        return Err(FormatError::ShapeMismatch {
            what: "parameter count",
            expected: n_params,
            found: count,
        });
    }
    let too_big = |what| FormatError::InvalidValue { what, index: 0 };
    let n_shape32 = u32::try_from(n_shape).map_err(|_| too_big("shape word count"))?;
    let n_in32 = u32::try_from(n_in).map_err(|_| too_big("input columns"))?;
    let n_out32 = u32::try_from(n_out).map_err(|_| too_big("output columns"))?;
    let n_params32 = u32::try_from(n_params).map_err(|_| too_big("parameter count"))?;
    let header_len = blob_len(n_shape, n_in, n_out, 0);
    let header32 = u32::try_from(header_len).map_err(|_| too_big("header length"))?;
    let total = blob_len(n_shape, n_in, n_out, n_params);
    if out.len() < total {
        return Err(FormatError::BufferTooSmall {
            needed: total,
            found: out.len(),
        });
    }
    let out = &mut out[..total];
    out[..4].copy_from_slice(&MAGIC);
    out[4..6].copy_from_slice(&VERSION.to_le_bytes());
    out[6..8].copy_from_slice(&kind.id().to_le_bytes());
    for (i, w) in [header32, n_shape32, n_in32, n_out32, n_params32, 0]
        .iter()
        .enumerate()
    {
        out[8 + 4 * i..12 + 4 * i].copy_from_slice(&w.to_le_bytes());
    }
    let mut off = FIXED_HEADER_LEN;
    for i in 0..n_shape {
        out[off..off + 4].copy_from_slice(&shape(i).to_le_bytes());
        off += 4;
    }
    for s in [input, output].into_iter().flatten() {
        off = put_f32s(out, off, s.mean);
        off = put_f32s(out, off, s.std);
    }
    for x in params {
        out[off..off + 4].copy_from_slice(&x.to_le_bytes());
        off += 4;
    }
    let crc = blob_crc(out);
    out[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_le_bytes());
    Ok(total)
}
