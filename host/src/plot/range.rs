//! Axis ranges from data: non-finite values ignored, degenerate ranges widened, padding added.

use std::ops::Range;

/// Running minimum and maximum of the finite values seen.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Bounds(Option<(f64, f64)>);

impl Bounds {
    /// Includes `v` if it is finite.
    pub(crate) fn add(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        self.0 = Some(match self.0 {
            None => (v, v),
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
        });
    }

    /// Includes every finite value of `vs`.
    pub(crate) fn extend(&mut self, vs: impl IntoIterator<Item = f64>) {
        for v in vs {
            self.add(v);
        }
    }

    /// The largest finite value seen.
    pub(crate) fn max(self) -> Option<f64> {
        self.0.map(|(_, hi)| hi)
    }

    /// The axis range: `0..1` with no data, widened when all values are (nearly) equal, then
    /// padded by `pad` of its width on both sides.
    pub(crate) fn axis(self, pad: f64) -> Range<f64> {
        let (mut lo, mut hi) = self.0.unwrap_or((0.0, 1.0));
        let scale = lo.abs().max(hi.abs()).max(1e-300);
        if hi - lo <= scale * 1e-9 {
            let half = if scale > 1e-6 { 0.1 * scale } else { 0.5 };
            lo -= half;
            hi += half;
        }
        let p = (hi - lo) * pad;
        (lo - p)..(hi + p)
    }
}

/// Whether both coordinates are finite.
pub(crate) fn finite(&(x, y): &(f64, f64)) -> bool {
    x.is_finite() && y.is_finite()
}

/// Splits a polyline into runs of finite points (a non-finite point breaks the line).
pub(crate) fn finite_runs(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut cur = Vec::new();
    for p in points {
        if finite(p) {
            cur.push(*p);
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}
