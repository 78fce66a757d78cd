//! The two-panel mixture-density-network figure.

use super::contour::contour_segments;
use super::density::{draw_colorbar, draw_shading, log10_max};
use super::output::render_png;
use super::range::{finite, finite_runs, Bounds};
use super::scatter::{edges, fills};
use super::style::{build_chart, configure_mesh, draw_legend, quiet_corner, title_font, Chart};
use super::PlotError;
use plotters::prelude::*;
use std::path::Path;

/// Everything the MDN figure shows, as plain data. Empty slices are simply not drawn, so
/// `MdnFigure { data: .., ..Default::default() }` is valid.
#[derive(Clone, Copy, Debug, Default)]
pub struct MdnFigure<'a> {
    /// Figure title.
    pub title: &'a str,
    /// Input axis label.
    pub x_label: &'a str,
    /// Target axis label.
    pub t_label: &'a str,
    /// Labelled data sets `(label, (x, t) points)`, e.g. train and test; drawn in both panels.
    pub data: &'a [(&'a str, &'a [(f64, f64)])],
    /// Input grid of the density, strictly increasing.
    pub grid_x: &'a [f64],
    /// Target grid of the density, strictly increasing.
    pub grid_t: &'a [f64],
    /// `p(t | x)` on the grid, `grid_x.len() × grid_t.len()`, row-major by x:
    /// `density[i * grid_t.len() + j] = p(grid_t[j] | grid_x[i])`. Empty: no shading.
    pub density: &'a [f64],
    /// Conditional-mode curves, one polyline per branch (a unimodal model has one).
    pub mode_branches: &'a [&'a [(f64, f64)]],
    /// Conditional modes as a point set (several `t` per `x` for a multimodal model).
    pub mode_points: &'a [(f64, f64)],
    /// Conditional mean `E[t | x]` as a polyline.
    pub mean_curve: &'a [(f64, f64)],
    /// Samples `(x, t ~ p(t | x))` drawn from the model, shown in the right panel.
    pub samples: &'a [(f64, f64)],
}

const MODE: RGBColor = RGBColor(214, 39, 40);
const MEAN: RGBColor = RGBColor(255, 140, 0);
const CONTOUR: RGBColor = RGBColor(8, 48, 107);
const SAMPLE: RGBColor = RGBColor(230, 85, 13);
const DATA: [RGBColor; 4] = [
    RGBColor(40, 40, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Density contour levels, as fractions of the largest density.
const LEVELS: [f64; 4] = [0.7, 0.35, 0.1, 0.02];

/// Draws the MDN figure and writes a 1600×680 PNG to `path`.
///
/// Left panel: the log-density shading of `p(t|x)` with its colour bar and contours, the data,
/// the conditional mode (branches and/or points) and the conditional mean. Right panel: samples
/// from the model over the same data, on the same axes.
pub fn mdn_figure(path: impl AsRef<Path>, fig: &MdnFigure<'_>) -> Result<(), PlotError> {
    validate(fig)?;
    let (x_range, t_range) = ranges(fig);
    let top = log10_max(fig.density);
    render_png(path.as_ref(), (1600, 680), |root| {
        let area = root.titled(fig.title, title_font())?;
        let (left, right) = area.split_horizontally(880);
        let (main, bar) = if top.is_some() {
            let (m, b) = left.split_horizontally(880 - 110);
            (m, Some(b))
        } else {
            (left, None)
        };
        let (t, x) = (or(fig.t_label, "t"), or(fig.x_label, "x"));
        let caption = if t.chars().count() + x.chars().count() <= 36 {
            format!("conditional density p({t} | {x})")
        } else {
            "conditional density p(t | x)".to_string()
        };
        let mut chart = build_chart(&main, Some(&caption), x_range.clone(), t_range.clone())?;
        configure_mesh(&mut chart, fig.x_label, fig.t_label)?;
        if let Some(top) = top {
            draw_shading(&mut chart, fig.grid_x, fig.grid_t, fig.density, top)?;
            draw_contours(&mut chart, fig, 10f64.powf(top))?;
        }
        draw_data(&mut chart, fig.data)?;
        draw_modes(&mut chart, fig)?;
        draw_mean(&mut chart, fig.mean_curve)?;
        // Redraw the frame over the shading.
        frame(&mut chart)?;
        let corner = quiet_corner(left_points(fig), &chart.x_range(), &chart.y_range());
        draw_legend(&mut chart, corner)?;
        if let (Some(bar), Some(top)) = (bar, top) {
            draw_colorbar(&bar, top, "log\u{2081}\u{2080} density")?;
        }

        let caption = if !fig.samples.iter().any(finite) {
            "data"
        } else {
            "samples from the model"
        };
        let mut chart = build_chart(&right, Some(caption), x_range, t_range)?;
        configure_mesh(&mut chart, fig.x_label, fig.t_label)?;
        draw_data(&mut chart, fig.data)?;
        if fig.samples.iter().any(finite) {
            let sample_marker = |p| Cross::new(p, 5, SAMPLE.stroke_width(2));
            chart
                .draw_series(
                    fig.samples
                        .iter()
                        .filter(|p| finite(p))
                        .map(|&p| sample_marker(p)),
                )?
                .label("model samples")
                .legend(move |(x, y)| Cross::new((x + 10, y), 5, SAMPLE.stroke_width(2)));
        }
        let pts = data_points(fig).chain(fig.samples.iter().copied());
        let corner = quiet_corner(pts, &chart.x_range(), &chart.y_range());
        draw_legend(&mut chart, corner)?;
        Ok(())
    })
}

/// Splits a curve into branches wherever consecutive finite points differ by more than
/// `max_step` in t (or a point is not finite): an approximate mode taken as the μ of the most
/// probable component jumps when that component changes, and should not be drawn as one line.
pub fn split_at_jumps(points: &[(f64, f64)], max_step: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    for run in finite_runs(points) {
        let mut cur: Vec<(f64, f64)> = Vec::new();
        for p in run {
            if let Some(last) = cur.last() {
                if (p.1 - last.1).abs() > max_step {
                    out.push(std::mem::take(&mut cur));
                }
            }
            cur.push(p);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// `s`, or `default` when `s` is blank.
fn or<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.trim().is_empty() {
        default
    } else {
        s.trim()
    }
}

/// Every data point.
fn data_points<'a>(fig: &MdnFigure<'a>) -> impl Iterator<Item = (f64, f64)> + 'a {
    fig.data.iter().flat_map(|(_, p)| p.iter().copied())
}

/// What the left panel shows: data, curves, modes, and grid cells above 5% of the peak density.
fn left_points<'a>(fig: &'a MdnFigure<'a>) -> impl Iterator<Item = (f64, f64)> + 'a {
    let peak = fig
        .density
        .iter()
        .copied()
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    let nt = fig.grid_t.len();
    let dense = fig
        .density
        .iter()
        .enumerate()
        .filter(move |(_, &d)| d.is_finite() && d > 0.05 * peak)
        .map(move |(k, _)| (fig.grid_x[k / nt], fig.grid_t[k % nt]));
    data_points(fig)
        .chain(fig.mode_branches.iter().flat_map(|b| b.iter().copied()))
        .chain(fig.mode_points.iter().copied())
        .chain(fig.mean_curve.iter().copied())
        .chain(dense)
}

fn validate(fig: &MdnFigure<'_>) -> Result<(), PlotError> {
    let increasing =
        |g: &[f64]| g.iter().all(|v| v.is_finite()) && g.windows(2).all(|w| w[0] < w[1]);
    if !increasing(fig.grid_x) {
        return Err(PlotError::InvalidArgument {
            what: "grid_x must be finite and strictly increasing",
        });
    }
    if !increasing(fig.grid_t) {
        return Err(PlotError::InvalidArgument {
            what: "grid_t must be finite and strictly increasing",
        });
    }
    let cells = fig.grid_x.len() * fig.grid_t.len();
    if !fig.density.is_empty() && fig.density.len() != cells {
        return Err(PlotError::Shape {
            what: "density (grid_x.len() × grid_t.len())",
            expected: cells,
            found: fig.density.len(),
        });
    }
    Ok(())
}

/// Axis ranges covering the grid, the data, the curves and the samples.
fn ranges(fig: &MdnFigure<'_>) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
    let (mut bx, mut bt) = (Bounds::default(), Bounds::default());
    if !fig.density.is_empty() {
        bx.extend(fig.grid_x.iter().copied());
        bt.extend(fig.grid_t.iter().copied());
    }
    let sets = fig
        .data
        .iter()
        .map(|(_, p)| *p)
        .chain(fig.mode_branches.iter().copied())
        .chain([fig.mode_points, fig.mean_curve, fig.samples]);
    for pts in sets {
        for p in pts.iter().filter(|p| finite(p)) {
            bx.add(p.0);
            bt.add(p.1);
        }
    }
    let pad = if fig.density.is_empty() { 0.05 } else { 0.0 };
    (bx.axis(pad), bt.axis(pad.max(0.02)))
}

fn draw_contours(
    chart: &mut Chart<'_, '_>,
    fig: &MdnFigure<'_>,
    max: f64,
) -> Result<(), PlotError> {
    let mut first = true;
    for (k, f) in LEVELS.iter().enumerate() {
        let segs = contour_segments(fig.grid_x, fig.grid_t, fig.density, f * max);
        let style = CONTOUR.mix(0.45 + 0.15 * k as f64).stroke_width(1);
        let anno = chart.draw_series(
            segs.into_iter()
                .map(|s| PathElement::new(s.to_vec(), style)),
        )?;
        if first {
            first = false;
            anno.label("density contours").legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 22, y)], CONTOUR.stroke_width(1))
            });
        }
    }
    Ok(())
}

fn draw_data(chart: &mut Chart<'_, '_>, data: &[(&str, &[(f64, f64)])]) -> Result<(), PlotError> {
    for (i, (label, pts)) in data.iter().enumerate() {
        let c = DATA[i % DATA.len()];
        chart.draw_series(fills(pts, c, 4))?;
        let anno = chart.draw_series(edges(pts, c, 4))?;
        if !label.is_empty() {
            anno.label(*label)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
        }
    }
    Ok(())
}

fn draw_modes(chart: &mut Chart<'_, '_>, fig: &MdnFigure<'_>) -> Result<(), PlotError> {
    let mut labelled = false;
    for branch in fig.mode_branches {
        for run in finite_runs(branch) {
            let anno = chart.draw_series(LineSeries::new(run, MODE.stroke_width(3)))?;
            if !labelled {
                labelled = true;
                anno.label("conditional mode").legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], MODE.stroke_width(3))
                });
            }
        }
    }
    if fig.mode_points.iter().any(finite) {
        let pts = fig.mode_points.iter().filter(|p| finite(p));
        let anno = chart.draw_series(pts.map(|&p| Circle::new(p, 3, MODE.filled())))?;
        if !labelled {
            anno.label("conditional modes")
                .legend(|(x, y)| Circle::new((x + 10, y), 3, MODE.filled()));
        }
    }
    Ok(())
}

fn draw_mean(chart: &mut Chart<'_, '_>, mean: &[(f64, f64)]) -> Result<(), PlotError> {
    let mut labelled = false;
    for run in finite_runs(mean) {
        let style = MEAN.stroke_width(3);
        let anno = chart.draw_series(DashedLineSeries::new(run, 10, 6, style))?;
        if !labelled {
            labelled = true;
            anno.label("conditional mean")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
        }
    }
    Ok(())
}

/// A thin frame around the plotting area.
fn frame(chart: &mut Chart<'_, '_>) -> Result<(), PlotError> {
    let (x, y) = (chart.x_range(), chart.y_range());
    chart.draw_series(std::iter::once(Rectangle::new(
        [(x.start, y.start), (x.end, y.end)],
        RGBColor(120, 120, 120).stroke_width(1),
    )))?;
    Ok(())
}
