//! Shared look: colours, fonts and sizes.

use super::backend::Canvas;
use super::font::FAMILY;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

/// Series colours (the "tab10" palette).
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of series `i` (cycling through the palette).
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Figure title font.
pub(crate) fn title_font() -> TextStyle<'static> {
    (FAMILY, 26).into_font().style(FontStyle::Bold).into()
}

/// Panel caption font.
pub(crate) fn caption_font() -> TextStyle<'static> {
    (FAMILY, 20).into_font().into()
}

/// Axis description font.
pub(crate) fn axis_font() -> TextStyle<'static> {
    (FAMILY, 18).into_font().into()
}

/// Tick label font.
pub(crate) fn tick_font() -> TextStyle<'static> {
    (FAMILY, 14).into_font().into()
}

/// Legend font.
pub(crate) fn legend_font() -> TextStyle<'static> {
    (FAMILY, 15).into_font().into()
}

/// Light grey grid lines.
pub(crate) fn grid_style() -> ShapeStyle {
    RGBColor(225, 225, 225).stroke_width(1)
}

/// A 2-D chart with `f64` axes on the bitmap backend.
pub(crate) type Chart<'a, 'b> =
    ChartContext<'a, Canvas<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Standard mesh: light grid, axis descriptions and tick fonts.
pub(crate) fn configure_mesh(
    chart: &mut Chart<'_, '_>,
    x_label: &str,
    y_label: &str,
) -> Result<(), super::PlotError> {
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style(axis_font())
        .label_style(tick_font())
        .light_line_style(grid_style())
        .max_light_lines(2)
        .bold_line_style(RGBColor(205, 205, 205).stroke_width(1))
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()?;
    Ok(())
}

/// Tick label: up to four decimals with trailing zeros removed ("100", "0.25", "-1.5"),
/// scientific notation for very large or very small magnitudes.
pub(crate) fn tick(v: &f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e6).contains(&a) {
        return format!("{v:.1e}");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Draws the legend box (translucent white, thin border) at `position`.
pub(crate) fn draw_legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    position: SeriesLabelPosition,
) -> Result<(), super::PlotError> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .label_font(legend_font())
        .margin(10)
        .draw()?;
    Ok(())
}

/// Builds a chart on `area` with the standard margins and label areas.
pub(crate) fn build_chart<'a, 'b>(
    area: &'a DrawingArea<Canvas<'b>, plotters::coord::Shift>,
    caption: Option<&str>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, 'b>, super::PlotError> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .margin_right(24)
        .x_label_area_size(52)
        .y_label_area_size(70);
    if let Some(c) = caption {
        builder.caption(c, caption_font());
    }
    Ok(builder.build_cartesian_2d(x, y)?)
}

/// The legend corner that covers the fewest of `points`: each corner box is 40% of the width
/// and 30% of the height of the axes; ties go to upper right, upper left, lower right, lower
/// left, in that order.
pub(crate) fn quiet_corner(
    points: impl IntoIterator<Item = (f64, f64)>,
    x: &std::ops::Range<f64>,
    y: &std::ops::Range<f64>,
) -> SeriesLabelPosition {
    let mut counts = [0usize; 4];
    let (w, h) = (x.end - x.start, y.end - y.start);
    for (px, py) in points {
        let (fx, fy) = ((px - x.start) / w, (py - y.start) / h);
        let (left, right, top, bottom) = (fx < 0.4, fx > 0.6, fy > 0.7, fy < 0.3);
        for (k, hit) in [top && right, top && left, bottom && right, bottom && left]
            .into_iter()
            .enumerate()
        {
            counts[k] += usize::from(hit);
        }
    }
    match (0..4).min_by_key(|&k| counts[k]) {
        Some(1) => SeriesLabelPosition::UpperLeft,
        Some(2) => SeriesLabelPosition::LowerRight,
        Some(3) => SeriesLabelPosition::LowerLeft,
        _ => SeriesLabelPosition::UpperRight,
    }
}
