//! The embedded font.
//!
//! DejaVu Sans (regular and bold) comes from the `dejavu` crate, which ships the DejaVu 2.37 TTF
//! files: Bitstream Vera Fonts licence (redistribution and embedding allowed, the copyright
//! notice travels with the font; DejaVu's own changes are public domain). The crate itself is
//! MIT/Apache-2.0. No system font, fontconfig or freetype is involved.
//!
//! The faces are registered with `plotters` (its `ab_glyph` text renderer only knows fonts
//! registered at run time, and text styles look them up) and parsed once more for our own text
//! layout in [`super::backend`].

use super::PlotError;
use ab_glyph::FontRef;
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// Font family name used by every text style of this module.
pub(crate) const FAMILY: &str = "sans-serif";

/// Regular and bold faces, parsed once per process (`None` if the embedded bytes are invalid).
fn faces() -> Option<&'static [FontRef<'static>; 2]> {
    static FACES: OnceLock<Option<[FontRef<'static>; 2]>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let regular = dejavu::sans::regular();
            let bold = dejavu::sans::bold();
            plotters::style::register_font(FAMILY, FontStyle::Normal, regular).ok()?;
            plotters::style::register_font(FAMILY, FontStyle::Bold, bold).ok()?;
            Some([
                FontRef::try_from_slice(regular).ok()?,
                FontRef::try_from_slice(bold).ok()?,
            ])
        })
        .as_ref()
}

/// Loads and registers the embedded fonts (once per process).
pub(crate) fn ensure() -> Result<(), PlotError> {
    faces()
        .map(|_| ())
        .ok_or_else(|| PlotError::Draw("the embedded DejaVu font failed to load".into()))
}

/// The regular or bold face, once [`ensure`] has succeeded.
pub(crate) fn face(bold: bool) -> Result<&'static FontRef<'static>, PlotError> {
    ensure()?;
    faces()
        .map(|f| &f[usize::from(bold)])
        .ok_or_else(|| PlotError::Draw("the embedded DejaVu font failed to load".into()))
}
