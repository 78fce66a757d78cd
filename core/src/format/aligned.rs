//! A 4-byte aligned byte array, so a blob embedded with `include_bytes!` can be used in place.

/// Bytes aligned to 4, for blobs in flash: `static B: Aligned<N> = Aligned(*include_bytes!(..))`,
/// or the [`include_blob!`](crate::include_blob) macro that does exactly that.
///
/// Alignment is never needed for soundness (every reader uses `from_le_bytes`); it lets
/// [`BlobView::params_f32`](super::BlobView::params_f32) borrow the parameters as `&[f32]`
/// without copying them into RAM.
#[repr(C, align(4))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aligned<const N: usize>(pub [u8; N]);

impl<const N: usize> Aligned<N> {
    /// The bytes.
    pub const fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Embeds a blob file in flash, 4-byte aligned, and evaluates to `&'static [u8]`:
///
/// ```ignore
/// static SINE: &[u8] = embedml::include_blob!("../models/sine.bin");
/// ```
///
/// The path is relative to the file that invokes the macro, as for `include_bytes!`.
#[macro_export]
macro_rules! include_blob {
    ($path:expr) => {{
        static ALIGNED: $crate::format::Aligned<{ include_bytes!($path).len() }> =
            $crate::format::Aligned(*include_bytes!($path));
        ALIGNED.bytes()
    }};
}
