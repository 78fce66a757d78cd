//! Rendering into memory and writing the PNG atomically.

use super::backend::Canvas;
use super::{font, PlotError};
use image::codecs::png::PngEncoder;
use image::{ColorType, ImageEncoder};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The drawing area every figure function draws on.
pub(crate) type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// Renders a `width`×`height` figure with `draw` on a white background and writes it to `path`
/// as a PNG (atomically).
pub(crate) fn render_png(
    path: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    font::ensure()?;
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root =
            Canvas(BitMapBackend::with_buffer(&mut pixels, (width, height))).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    write_png_atomic(path, &pixels, width, height)
}

/// Encodes RGB8 `pixels` as PNG into a temporary file beside `path`, syncs it and renames it
/// over `path`. On failure the temporary file is removed and `path` is left untouched.
pub(crate) fn write_png_atomic(
    path: &Path,
    pixels: &[u8],
    width: u32,
    height: u32,
) -> Result<(), PlotError> {
    let name = path
        .file_name()
        .ok_or(PlotError::InvalidArgument {
            what: "output path has no file name",
        })?
        .to_string_lossy();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |source| PlotError::Io {
        path: tmp.clone(),
        source,
    };
    let result = (|| {
        let file = File::create(&tmp).map_err(io)?;
        let mut out = BufWriter::new(file);
        PngEncoder::new(&mut out)
            .write_image(pixels, width, height, ColorType::Rgb8)
            .map_err(|e| PlotError::Encode(e.to_string()))?;
        out.flush().map_err(io)?;
        out.get_ref().sync_all().map_err(io)?;
        drop(out);
        std::fs::rename(&tmp, path).map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
