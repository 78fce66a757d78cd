//! Line charts: learning curves, loss curves.

use super::output::render_png;
use super::range::{finite, finite_runs, Bounds};
use super::style::{build_chart, color, configure_mesh, draw_legend, quiet_corner, title_font};
use super::PlotError;
use plotters::prelude::*;
use std::path::Path;

/// Draws labelled polylines on one pair of axes and writes a 1000×640 PNG to `path`.
///
/// Each series is `(label, points)`; points are drawn in the order given. A non-finite point
/// breaks the line (a gap), a series with a single finite point is drawn as a marker, and an
/// empty `series` gives empty axes. Series with an empty label get no legend entry.
pub fn line_chart(
    path: impl AsRef<Path>,
    series: &[(&str, &[(f64, f64)])],
    x_label: &str,
    y_label: &str,
    title: &str,
) -> Result<(), PlotError> {
    let lines: Vec<Line<'_>> = series
        .iter()
        .enumerate()
        .map(|(i, &(label, points))| Line {
            label,
            points,
            color: color(i),
            faint: false,
        })
        .collect();
    draw_lines(path.as_ref(), &lines, x_label, y_label, title)
}

/// A learning curve: the per-episode values `ys` as a faint line and their trailing moving
/// average over `window` episodes as a bold one (see [`moving_average`]); 1000×640 PNG.
pub fn learning_curve(
    path: impl AsRef<Path>,
    ys: &[f64],
    window: usize,
    x_label: &str,
    y_label: &str,
    title: &str,
) -> Result<(), PlotError> {
    let raw = indexed(ys);
    let avg = moving_average(ys, window);
    let avg_label = format!("moving average ({})", window.max(1));
    let lines = [
        Line {
            label: "per episode",
            points: &raw,
            color: color(0),
            faint: true,
        },
        Line {
            label: &avg_label,
            points: &avg,
            color: color(1),
            faint: false,
        },
    ];
    draw_lines(path.as_ref(), &lines, x_label, y_label, title)
}

/// One polyline to draw.
struct Line<'a> {
    label: &'a str,
    points: &'a [(f64, f64)],
    color: RGBColor,
    /// Thin and translucent (raw data behind a smoothed curve).
    faint: bool,
}

fn draw_lines(
    path: &Path,
    lines: &[Line<'_>],
    x_label: &str,
    y_label: &str,
    title: &str,
) -> Result<(), PlotError> {
    let (mut bx, mut by) = (Bounds::default(), Bounds::default());
    for line in lines {
        for p in line.points.iter().filter(|p| finite(p)) {
            bx.add(p.0);
            by.add(p.1);
        }
    }
    render_png(path, (1000, 640), |root| {
        let area = root.titled(title, title_font())?;
        let mut chart = build_chart(&area, None, bx.axis(0.02), by.axis(0.05))?;
        configure_mesh(&mut chart, x_label, y_label)?;
        let mut labelled = false;
        for line in lines {
            let c = line.color;
            let style = if line.faint {
                c.mix(0.35).stroke_width(1)
            } else {
                c.stroke_width(2)
            };
            let mut first = !line.label.is_empty();
            for run in finite_runs(line.points) {
                let anno = if run.len() == 1 {
                    chart.draw_series(std::iter::once(Circle::new(run[0], 3, c.filled())))?
                } else {
                    chart.draw_series(LineSeries::new(run, style))?
                };
                if first {
                    first = false;
                    labelled = true;
                    anno.label(line.label).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(3))
                    });
                }
            }
        }
        if labelled {
            let all = lines.iter().flat_map(|l| l.points.iter().copied());
            let corner = quiet_corner(all, &chart.x_range(), &chart.y_range());
            draw_legend(&mut chart, corner)?;
        }
        Ok(())
    })
}

/// `(i, ys[i])` for every value: a per-episode (or per-epoch) curve for [`line_chart`].
pub fn indexed(ys: &[f64]) -> Vec<(f64, f64)> {
    ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect()
}

/// Trailing moving average over `window` values (fewer at the start), as `(i, mean)` points;
/// non-finite values are left out of the means. `window` 0 is treated as 1.
pub fn moving_average(ys: &[f64], window: usize) -> Vec<(f64, f64)> {
    let window = window.max(1);
    let (mut sum, mut count) = (0.0, 0usize);
    let mut out = Vec::with_capacity(ys.len());
    for (i, &y) in ys.iter().enumerate() {
        if y.is_finite() {
            sum += y;
            count += 1;
        }
        if i >= window && ys[i - window].is_finite() {
            sum -= ys[i - window];
            count -= 1;
        }
        let m = if count > 0 {
            sum / count as f64
        } else {
            f64::NAN
        };
        out.push((i as f64, m));
    }
    out
}
