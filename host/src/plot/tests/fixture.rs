//! A synthetic "trained MDN" for the inverse of PRML Fig. 5.19's problem, to draw figures from.

use embedml::rng::Rng;
use std::f64::consts::PI;

/// PRML Fig 5.19's forward map `x + 0.3 sin 2πx`.
fn forward(x: f64) -> f64 {
    x + 0.3 * (2.0 * PI * x).sin()
}

/// Turning points of `forward` on [0, 1] (where 1 + 0.6π cos 2πx = 0): the inverse has three
/// branches, one per monotone piece.
const PIECES: [(f64, f64); 3] = [(0.0, 0.339), (0.339, 0.661), (0.661, 1.0)];

/// The inverse problem with a synthetic "trained MDN": data (input u, target x), and for every
/// input a K = 3 Gaussian mixture over x with one component per inverse branch (mean = the
/// branch's solution of `forward(x) = u`, weight ∝ 1/|forward'|), evaluated on a grid, with its
/// modes (grid local maxima), mean, and samples drawn from it.
pub(super) struct Inverse {
    pub(super) data: Vec<(f64, f64)>,
    pub(super) gu: Vec<f64>,
    pub(super) gx: Vec<f64>,
    pub(super) density: Vec<f64>,
    pub(super) branches: Vec<Vec<(f64, f64)>>,
    pub(super) mode_points: Vec<(f64, f64)>,
    pub(super) mean: Vec<(f64, f64)>,
    pub(super) samples: Vec<(f64, f64)>,
}

/// The mixture `(π, μ, σ)` for input `u`.
fn mixture(u: f64) -> [(f64, f64, f64); 3] {
    let sigma = 0.04;
    let comps = PIECES.map(|(a, b)| {
        let (fa, fb) = (forward(a), forward(b));
        let up = fa < fb;
        let (lo, hi) = (fa.min(fb), fa.max(fb));
        // Beyond the branch's range the component sits at the branch tip and fades out.
        let (target, fade) = if u < lo {
            (lo, (-(lo - u).powi(2) / (2.0 * 0.04 * 0.04)).exp())
        } else if u > hi {
            (hi, (-(u - hi).powi(2) / (2.0 * 0.04 * 0.04)).exp())
        } else {
            (u, 1.0)
        };
        // Bisection for forward(x) = target on the monotone piece.
        let (mut l, mut r) = (a, b);
        for _ in 0..60 {
            let m = 0.5 * (l + r);
            if (forward(m) < target) == up {
                l = m;
            } else {
                r = m;
            }
        }
        let x = 0.5 * (l + r);
        let slope = 1.0 + 0.6 * PI * (2.0 * PI * x).cos();
        (fade / slope.hypot(0.5), x, sigma)
    });
    let total: f64 = comps.iter().map(|c| c.0).sum::<f64>().max(1e-300);
    comps.map(|(p, m, s)| (p / total, m, s))
}

pub(super) fn inverse_problem() -> Inverse {
    let mut rng = Rng::new(5);
    let data: Vec<(f64, f64)> = (0..300)
        .map(|_| {
            let x = rng.uniform() as f64;
            (forward(x) + rng.uniform_range(-0.1, 0.1) as f64, x)
        })
        .collect();
    let (nu, nx) = (141, 121);
    let gu: Vec<f64> = (0..nu)
        .map(|i| -0.2 + 1.4 * i as f64 / (nu - 1) as f64)
        .collect();
    let gx: Vec<f64> = (0..nx)
        .map(|j| -0.1 + 1.2 * j as f64 / (nx - 1) as f64)
        .collect();
    let normal =
        |x: f64, m: f64, s: f64| (-(x - m).powi(2) / (2.0 * s * s)).exp() / (s * (2.0 * PI).sqrt());
    let mut density = Vec::with_capacity(nu * nx);
    let (mut mode_points, mut mean) = (Vec::new(), Vec::new());
    for &u in &gu {
        let mix = mixture(u);
        let row: Vec<f64> = gx
            .iter()
            .map(|&x| mix.iter().map(|&(p, m, s)| p * normal(x, m, s)).sum())
            .collect();
        for j in 1..nx - 1 {
            if row[j] > row[j - 1] && row[j] >= row[j + 1] && row[j] > 0.5 {
                mode_points.push((u, gx[j]));
            }
        }
        mean.push((u, mix.iter().map(|&(p, m, _)| p * m).sum()));
        density.extend(row);
    }
    let samples = data
        .iter()
        .map(|&(u, _)| {
            let mix = mixture(u);
            let w = mix.map(|c| c.0 as f32);
            let (_, m, s) = mix[rng.categorical(&w).unwrap()];
            (u, m + s * rng.normal() as f64)
        })
        .collect();
    let branches = PIECES
        .iter()
        .map(|&(a, b)| {
            (0..=60)
                .map(|k| {
                    let x = a + (b - a) * k as f64 / 60.0;
                    (forward(x), x)
                })
                .collect()
        })
        .collect();
    Inverse {
        data,
        gu,
        gx,
        density,
        branches,
        mode_points,
        mean,
        samples,
    }
}
