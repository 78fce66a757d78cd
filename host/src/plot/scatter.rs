//! Scatter plots of labelled point classes.

use super::output::render_png;
use super::range::{finite, Bounds};
use super::style::{build_chart, color, configure_mesh, draw_legend, quiet_corner, title_font};
use super::PlotError;
use plotters::prelude::*;
use std::path::Path;

/// Draws each class `(label, points)` as filled markers in its own colour and writes an
/// 800×700 PNG to `path`. Non-finite points are skipped; empty input gives empty axes.
pub fn scatter_chart(
    path: impl AsRef<Path>,
    classes: &[(&str, &[(f64, f64)])],
    x_label: &str,
    y_label: &str,
    title: &str,
) -> Result<(), PlotError> {
    let (mut bx, mut by) = (Bounds::default(), Bounds::default());
    for (_, pts) in classes {
        for p in pts.iter().filter(|p| finite(p)) {
            bx.add(p.0);
            by.add(p.1);
        }
    }
    render_png(path.as_ref(), (800, 700), |root| {
        let area = root.titled(title, title_font())?;
        let mut chart = build_chart(&area, None, bx.axis(0.05), by.axis(0.05))?;
        configure_mesh(&mut chart, x_label, y_label)?;
        let mut labelled = false;
        for (i, (label, pts)) in classes.iter().enumerate() {
            let c = color(i);
            chart.draw_series(fills(pts, c, 5))?;
            let a = chart.draw_series(edges(pts, c, 5))?;
            if !label.is_empty() {
                labelled = true;
                a.label(*label)
                    .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
            }
        }
        if labelled {
            let all = classes.iter().flat_map(|(_, p)| p.iter().copied());
            let corner = quiet_corner(all, &chart.x_range(), &chart.y_range());
            draw_legend(&mut chart, corner)?;
        }
        Ok(())
    })
}

/// Fills of the markers for the finite points (translucent, so overlaps stay readable); draw
/// [`edges`] over them.
pub(crate) fn fills(
    pts: &[(f64, f64)],
    c: RGBColor,
    size: i32,
) -> impl Iterator<Item = Circle<(f64, f64), i32>> + '_ {
    pts.iter()
        .filter(|p| finite(p))
        .map(move |&p| Circle::new(p, size, c.mix(0.5).filled()))
}

/// Solid outlines of the markers for the finite points.
pub(crate) fn edges(
    pts: &[(f64, f64)],
    c: RGBColor,
    size: i32,
) -> impl Iterator<Item = Circle<(f64, f64), i32>> + '_ {
    pts.iter()
        .filter(|p| finite(p))
        .map(move |&p| Circle::new(p, size, c.stroke_width(1)))
}
