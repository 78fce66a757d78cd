//! Contour lines of a gridded field (marching squares).

/// A line segment between two data-space points.
pub(crate) type Segment = [(f64, f64); 2];

/// Segments of the contour `z = level` of the field `z[i * gy.len() + j]` sampled at
/// `(gx[i], gy[j])`. Cells with a non-finite corner are skipped; saddle cells are resolved with
/// the mean of the four corners.
pub(crate) fn contour_segments(gx: &[f64], gy: &[f64], z: &[f64], level: f64) -> Vec<Segment> {
    let (nx, ny) = (gx.len(), gy.len());
    let mut out = Vec::new();
    if nx < 2 || ny < 2 || z.len() != nx * ny || !level.is_finite() {
        return out;
    }
    for i in 0..nx - 1 {
        for j in 0..ny - 1 {
            // Corners counter-clockwise from (x_i, y_j).
            let p = [
                (gx[i], gy[j]),
                (gx[i + 1], gy[j]),
                (gx[i + 1], gy[j + 1]),
                (gx[i], gy[j + 1]),
            ];
            let v = [
                z[i * ny + j],
                z[(i + 1) * ny + j],
                z[(i + 1) * ny + j + 1],
                z[i * ny + j + 1],
            ];
            if v.iter().any(|v| !v.is_finite()) {
                continue;
            }
            let high = v.map(|v| v >= level);
            // Crossing on edge e (corner e to corner e+1), if its ends differ.
            let cross = |e: usize| -> Option<(f64, f64)> {
                let (a, b) = (e, (e + 1) % 4);
                if high[a] == high[b] {
                    return None;
                }
                let f = (level - v[a]) / (v[b] - v[a]);
                Some((
                    p[a].0 + f * (p[b].0 - p[a].0),
                    p[a].1 + f * (p[b].1 - p[a].1),
                ))
            };
            let c = [cross(0), cross(1), cross(2), cross(3)];
            let hits: Vec<(f64, f64)> = c.iter().flatten().copied().collect();
            match hits.len() {
                2 => out.push([hits[0], hits[1]]),
                4 => {
                    let centre_high = v.iter().sum::<f64>() / 4.0 >= level;
                    let (e, f) = if high[0] == centre_high {
                        ((0, 1), (2, 3))
                    } else {
                        ((3, 0), (1, 2))
                    };
                    out.push([hits[e.0], hits[e.1]]);
                    out.push([hits[f.0], hits[f.1]]);
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circle_contour_lies_on_the_circle() {
        // z = x² + y² on a 41×41 grid over [-2, 2]²; the level-1 contour is the unit circle.
        let g: Vec<f64> = (0..41).map(|i| -2.0 + 0.1 * i as f64).collect();
        let mut z = Vec::new();
        for &x in &g {
            for &y in &g {
                z.push(x * x + y * y);
            }
        }
        let segs = contour_segments(&g, &g, &z, 1.0);
        assert!(segs.len() >= 60, "{} segments", segs.len());
        for s in &segs {
            for &(x, y) in s {
                let r = (x * x + y * y).sqrt();
                // Linear interpolation of a quadratic on 0.1 cells: error well under 0.01.
                assert!((r - 1.0).abs() < 0.01, "point ({x}, {y}) at radius {r}");
            }
        }
    }

    #[test]
    fn flat_or_degenerate_fields_give_no_segments() {
        let g = [0.0, 1.0, 2.0];
        assert!(contour_segments(&g, &g, &[1.0; 9], 0.5).is_empty());
        assert!(contour_segments(&g, &g, &[1.0; 8], 0.5).is_empty());
        assert!(contour_segments(&g[..1], &g, &[1.0; 3], 0.5).is_empty());
        assert!(contour_segments(&g, &g, &[0.0; 9], f64::NAN).is_empty());
    }
}
