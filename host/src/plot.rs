//! Figures written as PNG files: MDN conditional-density figures, line charts (learning and loss
//! curves) and class scatter plots.
//!
//! The API takes plain data (slices of `(x, y)` points, grids, labels) and knows nothing about
//! model types. Drawing uses `plotters`' bitmap backend with the DejaVu Sans font embedded in the
//! binary (through the `dejavu` crate), so no system font, fontconfig or freetype is needed.
//! Non-finite points are skipped, empty inputs give empty axes, degenerate ranges are widened,
//! and every file is written atomically (a temporary file in the same directory, then a rename).
//!
//! Font licence: DejaVu fonts are derived from Bitstream Vera (Bitstream Vera Fonts licence, a
//! permissive free licence allowing redistribution and embedding; DejaVu changes are in the
//! public domain). See `plot/font.rs`.

mod backend;
mod contour;
mod density;
mod error;
mod font;
mod line;
mod mdn;
mod output;
mod range;
mod scatter;
mod style;

pub use error::PlotError;
pub use line::{indexed, learning_curve, line_chart, moving_average};
pub use mdn::{mdn_figure, split_at_jumps, MdnFigure};
pub use scatter::scatter_chart;

#[cfg(test)]
mod tests;
