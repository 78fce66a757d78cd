//! Figures written as PNG files: MDN conditional-density figures, line charts (learning and loss
//! curves) and class scatter plots.
//!
//! - [`mdn_figure`] with an [`MdnFigure`]: left panel = log-density shading of `p(t|x)` on a
//!   grid (with colour bar and contours), data, conditional mode (branches and/or a point set),
//!   conditional mean; right panel = model samples over the data. [`split_at_jumps`] turns an
//!   argmax-π mode curve into branches.
//! - [`line_chart`] for any labelled polylines; [`learning_curve`] for per-episode values with
//!   their moving average ([`moving_average`], [`indexed`]).
//! - [`scatter_chart`] for labelled point classes.
//!
//! The API takes plain data (slices of `(x, y)` points, grids, labels) and knows nothing about
//! model types. Everything returns `Result<(), PlotError>`: non-finite points are skipped, empty
//! inputs give empty axes, degenerate ranges are widened, inconsistent shapes are typed errors,
//! and every file is written atomically (a temporary file in the same directory, then a rename).
//!
//! Drawing uses `plotters`' bitmap backend; text is laid out by the private `backend` module with DejaVu Sans
//! embedded in the binary (the `dejavu` crate), so no system font, fontconfig or freetype is
//! needed (checked by running the tests with `/usr/share/fonts` and `/etc/fonts` hidden).
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
