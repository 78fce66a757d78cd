//! Log-density shading of a gridded conditional density, with its colour bar.

use super::backend::Canvas;
use super::range::Bounds;
use super::style::{axis_font, tick_font, Chart};
use super::PlotError;
use plotters::prelude::*;

/// Decades of density shown below the maximum; lower densities are left white.
pub(crate) const DECADES: f64 = 3.0;

/// Sequential white-to-blue colour map ("Blues", stopping short of its darkest
/// shades so that contours and markers stay visible), `v` in `[0, 1]`.
pub(crate) fn blues(v: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 4] = [
        (247.0, 251.0, 255.0),
        (198.0, 219.0, 239.0),
        (107.0, 174.0, 214.0),
        (49.0, 130.0, 189.0),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let s = v * (STOPS.len() - 1) as f64;
    let k = (s.floor() as usize).min(STOPS.len() - 2);
    let f = s - k as f64;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    let mix = |x: f64, y: f64| (x + f * (y - x)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Cell boundaries around grid points: midpoints, with half a step beyond each end.
pub(crate) fn cell_edges(g: &[f64]) -> Vec<f64> {
    match g.len() {
        0 => Vec::new(),
        1 => vec![g[0] - 0.5, g[0] + 0.5],
        n => {
            let mut e = Vec::with_capacity(n + 1);
            e.push(g[0] - 0.5 * (g[1] - g[0]));
            e.extend(g.windows(2).map(|w| 0.5 * (w[0] + w[1])));
            e.push(g[n - 1] + 0.5 * (g[n - 1] - g[n - 2]));
            e
        }
    }
}

/// `log10` of the largest finite positive density, if any.
pub(crate) fn log10_max(density: &[f64]) -> Option<f64> {
    let mut b = Bounds::default();
    b.extend(density.iter().filter(|&&d| d > 0.0).map(|d| d.log10()));
    b.max()
}

/// Shades every grid cell by `log10 density`, from `top - DECADES` (white) to `top` (dark blue).
pub(crate) fn draw_shading(
    chart: &mut Chart<'_, '_>,
    gx: &[f64],
    gt: &[f64],
    density: &[f64],
    top: f64,
) -> Result<(), PlotError> {
    // Cells at the ends reach half a step past the grid: keep them inside the axes.
    let (xr, tr) = (chart.x_range(), chart.y_range());
    let ex: Vec<f64> = cell_edges(gx)
        .iter()
        .map(|e| e.clamp(xr.start, xr.end))
        .collect();
    let et: Vec<f64> = cell_edges(gt)
        .iter()
        .map(|e| e.clamp(tr.start, tr.end))
        .collect();
    let nt = gt.len();
    let cells = (0..gx.len()).flat_map(|i| (0..nt).map(move |j| (i, j)));
    chart.draw_series(cells.filter_map(|(i, j)| {
        let d = density[i * nt + j];
        if !(d.is_finite() && d > 0.0) {
            return None;
        }
        let v = (d.log10() - (top - DECADES)) / DECADES;
        (v > 0.0)
            .then(|| Rectangle::new([(ex[i], et[j]), (ex[i + 1], et[j + 1])], blues(v).filled()))
    }))?;
    Ok(())
}

/// A vertical colour bar for [`draw_shading`] with the given top, labelled in `log10 p`.
pub(crate) fn draw_colorbar(
    area: &DrawingArea<Canvas<'_>, plotters::coord::Shift>,
    top: f64,
    label: &str,
) -> Result<(), PlotError> {
    let lo = top - DECADES;
    let mut bar = ChartBuilder::on(area)
        .margin_top(12)
        .margin_bottom(52 + 12)
        .margin_right(6)
        .right_y_label_area_size(64)
        .build_cartesian_2d(0.0..1.0, lo..top)?;
    bar.configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_desc(label)
        .axis_desc_style(axis_font())
        .label_style(tick_font())
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()?;
    let steps = 120;
    bar.draw_series((0..steps).map(|k| {
        let a = lo + DECADES * k as f64 / steps as f64;
        let b = lo + DECADES * (k + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            blues((k as f64 + 0.5) / steps as f64).filled(),
        )
    }))?;
    Ok(())
}
