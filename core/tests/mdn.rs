//! Mixture Density Network: head gradients by finite differences, the loss against a direct f64
//! computation, finiteness at extremes, derived quantities on hand-made mixtures (reference
//! values from numpy/scipy written in), sampling statistics, full-network gradients, and the
//! PRML Fig 5.19 inverse problem trained to a pinned NLL.

use embedml::error::Error;
use embedml::gradcheck;
use embedml::models::mdn::{output_len, Head, Mixture, ModeSearch};
use embedml::optim::Adam;
use embedml::{mdn_type, Activation, Parameters, Rng};

/// Random moderate raw outputs and a target for a head.
fn raw_case(head: &Head, rng: &mut Rng) -> (Vec<f32>, Vec<f32>) {
    let (k, l) = (head.k(), head.l());
    let mut out = vec![0.0f32; output_len(k, l)];
    rng.fill_normal(&mut out[..k], 0.0, 1.0);
    rng.fill_uniform(&mut out[k..2 * k], -1.0, 0.5);
    rng.fill_normal(&mut out[2 * k..], 0.0, 1.0);
    let mut t = vec![0.0f32; l];
    rng.fill_normal(&mut t, 0.0, 1.0);
    (out, t)
}

/// `−ln Σ π N` computed directly in f64 (no log space).
fn direct_loss(head: &Head, out: &[f32], t: &[f32]) -> f64 {
    let a: Vec<f64> = out.iter().map(|&v| v as f64).collect();
    direct_loss64(head, &a, t)
}

/// [`direct_loss`] from f64 raw outputs.
fn direct_loss64(head: &Head, a: &[f64], t: &[f32]) -> f64 {
    let (k, l) = (head.k(), head.l());
    let z: f64 = a[..k].iter().map(|v| v.exp()).sum();
    let mut p = 0.0f64;
    for c in 0..k {
        let pi = a[c].exp() / z;
        let s = head.sigma_min() as f64 + a[k + c].exp();
        let d2: f64 = (0..l)
            .map(|i| (t[i] as f64 - a[2 * k + c * l + i]).powi(2))
            .sum();
        p += pi
            * (2.0 * std::f64::consts::PI * s * s).powf(-(l as f64) / 2.0)
            * (-d2 / (2.0 * s * s)).exp();
    }
    -p.ln()
}

#[test]
fn head_gradients_match_finite_differences() {
    let mut rng = Rng::new(7);
    for k in [1usize, 3, 8] {
        for l in [1usize, 2, 3] {
            for sigma_min in [0.0f32, 0.1] {
                let head = Head::new(k, l, sigma_min).unwrap();
                for _ in 0..3 {
                    let (mut out, t) = raw_case(&head, &mut rng);
                    let mut grad = vec![0.0; out.len()];
                    let e = head.loss_and_grad(&out, &t, &mut grad).unwrap();
                    assert!((e - head.loss(&out, &t).unwrap()).abs() < 1e-5);
                    // Central differences of the exact (f64) loss, shifted by its value at `out` so
                    // the f32 the checker sees keeps the difference's digits. (Differencing the
                    // f32 loss needs eps ≈ 1e-2, whose truncation error, ~eps²·q·2/3 in the
                    // a^σ direction, exceeds 1e-3 relative where ∂E/∂a^σ is near 0; the f32
                    // loss itself is pinned to the f64 one by `loss_matches_direct_f64_…`.)
                    let base = direct_loss(&head, &out, &t);
                    let rep = gradcheck::check(&mut out, &grad, 1e-3, |p| {
                        (direct_loss(&head, p, &t) - base) as f32
                    });
                    assert!(
                        rep.max_rel_error <= 1e-3,
                        "K={k} L={l} σmin={sigma_min}: {rep:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn loss_matches_direct_f64_computation() {
    let mut rng = Rng::new(11);
    for (k, l, sm) in [
        (1, 1, 0.0),
        (3, 1, 0.0),
        (3, 2, 0.05),
        (8, 3, 0.0),
        (5, 2, 0.3),
    ] {
        let head = Head::new(k, l, sm).unwrap();
        for _ in 0..5 {
            let (out, t) = raw_case(&head, &mut rng);
            let e = head.loss(&out, &t).unwrap() as f64;
            let d = direct_loss(&head, &out, &t);
            assert!(
                (e - d).abs() <= 1e-5 * d.abs().max(1.0),
                "K={k} L={l}: {e} vs {d}"
            );
        }
    }
}

#[test]
fn gradients_are_exact_inside_the_clamp_range() {
    // K = 1, L = 1: γ = 1, so ∂E/∂a^σ = (1 − q)·e/σ and ∂E/∂a^μ = (μ − t)/σ², checked in f64 at
    // a^σ across [−20, 20] with the target 1.5 σ away (q = 2.25).
    for sm in [0.0f32, 1e-3] {
        let head = Head::new(1, 1, sm).unwrap();
        for a_s in [-20.0f32, -5.0, 0.0, 5.0, 20.0] {
            let e = (a_s as f64).exp();
            let s = sm as f64 + e;
            let mu = 0.25f32;
            let t = [(mu as f64 + 1.5 * s) as f32];
            let out = [0.3f32, a_s, mu];
            let mut g = [0.0f32; 3];
            let loss = head.loss_and_grad(&out, &t, &mut g).unwrap() as f64;
            let r = (t[0] as f64 - mu as f64) / s;
            let want_loss = s.ln() + 0.5 * (2.0 * std::f64::consts::PI).ln() + 0.5 * r * r;
            assert!(
                (loss - want_loss).abs() <= 1e-4 * want_loss.abs().max(1.0),
                "{a_s}: {loss} {want_loss}"
            );
            assert_eq!(g[0], 0.0);
            let want_s = (1.0 - r * r) * e / s;
            assert!(
                (g[1] as f64 - want_s).abs() <= 1e-4 * want_s.abs().max(1.0),
                "{a_s}: {} {want_s}",
                g[1]
            );
            let want_mu = (mu as f64 - t[0] as f64) / (s * s);
            assert!(
                (g[2] as f64 - want_mu).abs() <= 1e-3 * want_mu.abs(),
                "{a_s}: {} {want_mu}",
                g[2]
            );
        }
    }
}

#[test]
fn extreme_inputs_stay_finite() {
    let mut rng = Rng::new(3);
    let far = [0.0f32, 1e4, -1e4, 1e6, 3e38, -3e38];
    for (k, l, sm) in [(1, 1, 0.0), (3, 2, 0.0), (8, 3, 0.01)] {
        let head = Head::new(k, l, sm).unwrap();
        let n = output_len(k, l);
        for trial in 0..200 {
            let mut out = vec![0.0f32; n];
            let scale = [1.0f32, 1e2, 1e4][trial % 3];
            rng.fill_uniform(&mut out, -scale, scale);
            if trial % 5 == 0 {
                // Every a^σ at an extreme.
                for v in &mut out[k..2 * k] {
                    *v = if trial % 2 == 0 { 1e4 } else { -1e4 };
                }
            }
            let t: Vec<f32> = (0..l).map(|i| far[(trial + i) % far.len()]).collect();
            let mut g = vec![0.0; n];
            let e = head.loss_and_grad(&out, &t, &mut g).unwrap();
            assert!(e.is_finite(), "loss {e} at {out:?} {t:?}");
            assert!(g.iter().all(|v| v.is_finite()), "grad {g:?}");
            let mut lg = vec![0.0; k];
            head.log_responsibilities(&out, &t, &mut lg).unwrap();
            assert!(lg.iter().all(|v| !v.is_nan() && *v <= 1e-5));
            let mut buf = vec![0.0; n];
            let mix = head.mixture(&out, &mut buf).unwrap();
            assert!(mix.log_density(&t).unwrap().is_finite());
            let mut m = vec![0.0; l];
            assert!(mix.mean_and_variance(&mut m).unwrap().is_finite());
            assert!(m.iter().all(|v| v.is_finite()));
            let mut scratch = vec![0.0; 2 * l];
            let lp = mix
                .mode(
                    &mut m,
                    &mut scratch,
                    ModeSearch {
                        max_iter: 20,
                        tol: 1e-6,
                    },
                )
                .unwrap();
            assert!(lp.is_finite() && m.iter().all(|v| v.is_finite()));
            mix.sample(&mut rng, &mut m).unwrap();
            assert!(m.iter().all(|v| v.is_finite()));
        }
    }
}

#[test]
fn mixture_from_head_and_responsibilities() {
    let head = Head::new(3, 2, 0.1).unwrap();
    let out = [
        1.0f32, 0.0, -1.0, 0.5, -0.5, 0.0, 1.0, 2.0, -1.0, 0.0, 0.5, 0.5,
    ];
    let mut buf = [0.0f32; 12];
    let mix = head.mixture(&out, &mut buf).unwrap();
    let z = 1f32.exp() + 1.0 + (-1f32).exp();
    for (c, want) in [1f32.exp() / z, 1.0 / z, (-1f32).exp() / z]
        .iter()
        .enumerate()
    {
        assert!((mix.pi(c) - want).abs() < 1e-6);
        assert!((mix.sigma()[c] - (0.1 + out[3 + c].exp())).abs() < 1e-6);
    }
    assert_eq!(mix.mu(), &out[6..]);
    assert_eq!(mix.mean_of(1), &[-1.0, 0.0]);
    let t = [0.7f32, 1.2];
    let e = head.loss(&out, &t).unwrap();
    assert!((e + mix.log_density(&t).unwrap()).abs() < 1e-6);
    // γ from the head, from the mixture, and 1 − ∂E/∂a^π / π all agree.
    let (mut g1, mut g2, mut grad) = ([0.0f32; 3], [0.0f32; 3], [0.0f32; 12]);
    head.log_responsibilities(&out, &t, &mut g1).unwrap();
    mix.log_responsibilities(&t, &mut g2).unwrap();
    head.loss_and_grad(&out, &t, &mut grad).unwrap();
    let total: f32 = g1.iter().map(|v| v.exp()).sum();
    assert!((total - 1.0).abs() < 1e-6);
    for c in 0..3 {
        assert!((g1[c] - g2[c]).abs() < 1e-5);
        assert!((mix.pi(c) - g1[c].exp() - grad[c]).abs() < 1e-6);
    }
}

// A 1-D mixture whose most probable component is not where the density peaks:
// π = (0.4, 0.6), μ = (−2, 3), σ = (0.2, 2). Mean 1.0, variance 0.4·(0.04+25·0+9)+0.6·(4+4)
// = 8.416. scipy: mode −1.9996703576, ln p(mode) = −0.2192210863; ln p(3) = −2.12291134.
const LP1: [f32; 2] = [-0.916_290_7, -0.510_825_6]; // ln 0.4, ln 0.6
const S1: [f32; 2] = [0.2, 2.0];
const M1: [f32; 2] = [-2.0, 3.0];

#[test]
fn derived_quantities_1d() {
    let mix = Mixture::new(2, 1, &LP1, &S1, &M1).unwrap();
    let mut m = [0.0f32];
    let var = mix.mean_and_variance(&mut m).unwrap();
    assert!((m[0] - 1.0).abs() < 1e-6);
    assert!((var - 8.416).abs() < 1e-5);
    mix.mean(&mut m).unwrap();
    assert!((m[0] - 1.0).abs() < 1e-6);
    assert_eq!(mix.approx_mode(&mut m).unwrap(), 1);
    assert_eq!(m, [3.0]);
    let mut scratch = [0.0f32; 2];
    let lp = mix
        .mode(&mut m, &mut scratch, ModeSearch::default())
        .unwrap();
    assert!((m[0] - (-1.999_670_4)).abs() < 1e-5, "{m:?}");
    assert!((lp - (-0.219_221_1)).abs() < 1e-5, "{lp}");
    assert!((mix.log_density(&[3.0]).unwrap() - (-2.122_911_3)).abs() < 1e-5);
    // The density integrates to 1 on a grid (midpoint rule, step 1e-3 over [−12, 14]).
    let h = 1e-3f32;
    let grid: Vec<f32> = (0..26_000).map(|i| -12.0 + (i as f32 + 0.5) * h).collect();
    let mut lps = vec![0.0f32; grid.len()];
    mix.log_density_grid(&grid, &mut lps).unwrap();
    let mass: f64 = lps.iter().map(|&v| (v as f64).exp() * h as f64).sum();
    assert!((mass - 1.0).abs() < 1e-4, "{mass}");
}

#[test]
fn every_mode_and_per_dimension_variances() {
    // 1-D mixture above: the search from μ_0 = −2 ends at the global mode −1.99967, the one from
    // μ_1 = 3 at the local mode 3 (the first component is negligible there; Python mean-shift in
    // f64 gives 3.0 and ln p = −2.1229113375).
    let mix = Mixture::new(2, 1, &LP1, &S1, &M1).unwrap();
    let (mut modes, mut lps, mut scratch) = ([0.0f32; 2], [0.0f32; 2], [0.0f32; 1]);
    mix.modes(&mut modes, &mut lps, &mut scratch, ModeSearch::default())
        .unwrap();
    assert!((modes[0] - (-1.999_670_4)).abs() < 1e-5, "{modes:?}");
    assert!((lps[0] - (-0.219_221_1)).abs() < 1e-5, "{lps:?}");
    assert!((modes[1] - 3.0).abs() < 1e-4, "{modes:?}");
    assert!((lps[1] - (-2.122_911_3)).abs() < 1e-5, "{lps:?}");
    // The best end point is `mode`.
    let (mut m, mut s2) = ([0.0f32], [0.0f32; 2]);
    let best = mix.mode(&mut m, &mut s2, ModeSearch::default()).unwrap();
    assert_eq!((m[0], best), (modes[0], lps[0]));
    assert!(mix
        .modes(&mut modes, &mut lps, &mut [0.0; 2], ModeSearch::default())
        .is_err());
    // 2-D mixture below: per-dimension variances Σ π (σ² + (μ_l − mean_l)²) = (2.987, 2.867),
    // summing to the 5.854 of `mean_and_variance`.
    let lp = [0.5f32.ln(), 0.3f32.ln(), 0.2f32.ln()];
    let s = [1.0f32, 0.3, 0.5];
    let mu = [0.0f32, 0.0, 3.0, 1.0, -1.0, 4.0];
    let mix = Mixture::new(3, 2, &lp, &s, &mu).unwrap();
    let (mut mean, mut var) = ([0.0f32; 2], [0.0f32; 2]);
    mix.mean_and_variances(&mut mean, &mut var).unwrap();
    assert!((mean[0] - 0.7).abs() < 1e-6 && (mean[1] - 1.1).abs() < 1e-6);
    assert!(
        (var[0] - 2.987).abs() < 1e-5 && (var[1] - 2.867).abs() < 1e-5,
        "{var:?}"
    );
    assert!(mix.mean_and_variances(&mut mean, &mut [0.0; 3]).is_err());
}

// 2-D: π = (0.5, 0.3, 0.2), μ = ((0,0), (3,1), (−1,4)), σ = (1, 0.3, 0.5). Mean (0.7, 1.1),
// variance Σ π (2σ² + ‖μ − mean‖²) = 5.854. scipy (Nelder–Mead from each μ): global mode
// (2.99972689, 0.99990897), ln p = −0.6328936209.
#[test]
fn derived_quantities_2d() {
    let lp = [0.5f32.ln(), 0.3f32.ln(), 0.2f32.ln()];
    let s = [1.0f32, 0.3, 0.5];
    let mu = [0.0f32, 0.0, 3.0, 1.0, -1.0, 4.0];
    let mix = Mixture::new(3, 2, &lp, &s, &mu).unwrap();
    let mut m = [0.0f32; 2];
    let var = mix.mean_and_variance(&mut m).unwrap();
    assert!((m[0] - 0.7).abs() < 1e-6 && (m[1] - 1.1).abs() < 1e-6);
    assert!((var - 5.854).abs() < 1e-5);
    assert_eq!(mix.approx_mode(&mut m).unwrap(), 0);
    assert_eq!(m, [0.0, 0.0]);
    let mut scratch = [0.0f32; 4];
    let best = mix
        .mode(&mut m, &mut scratch, ModeSearch::default())
        .unwrap();
    assert!(
        (m[0] - 2.999_727).abs() < 1e-5 && (m[1] - 0.999_909).abs() < 1e-5,
        "{m:?}"
    );
    assert!((best - (-0.632_893_6)).abs() < 1e-5);
    // Mass on a 2-D grid (step 0.02 over [−6, 9]²).
    let h = 0.02f32;
    let n = 750;
    let mut mass = 0.0f64;
    for i in 0..n {
        let x = -6.0 + (i as f32 + 0.5) * h;
        let pts: Vec<f32> = (0..n)
            .flat_map(|j| [x, -6.0 + (j as f32 + 0.5) * h])
            .collect();
        let mut out = vec![0.0f32; n];
        mix.log_density_grid(&pts, &mut out).unwrap();
        mass += out.iter().map(|&v| (v as f64).exp()).sum::<f64>() * (h * h) as f64;
    }
    assert!((mass - 1.0).abs() < 1e-3, "{mass}");
}

#[test]
fn sampling_matches_pi_mu_sigma() {
    let mut rng = Rng::new(2024);
    let mix = Mixture::new(2, 1, &LP1, &S1, &M1).unwrap();
    let n = 200_000;
    let (mut count, mut sum, mut sq) = ([0usize; 2], [0f64; 2], [0f64; 2]);
    let (mut all, mut all2) = (0f64, 0f64);
    let mut t = [0.0f32];
    for _ in 0..n {
        let c = mix.sample(&mut rng, &mut t).unwrap();
        count[c] += 1;
        sum[c] += t[0] as f64;
        sq[c] += (t[0] as f64).powi(2);
        all += t[0] as f64;
        all2 += (t[0] as f64).powi(2);
    }
    for c in 0..2 {
        let f = count[c] as f64 / n as f64;
        assert!((f - mix.pi(c) as f64).abs() < 0.005, "π_{c}: {f}");
        let mean = sum[c] / count[c] as f64;
        let sd = (sq[c] / count[c] as f64 - mean * mean).sqrt();
        assert!(
            (mean - M1[c] as f64).abs() < 0.02 * S1[c] as f64 * 2.0,
            "μ_{c}: {mean}"
        );
        assert!((sd / S1[c] as f64 - 1.0).abs() < 0.01, "σ_{c}: {sd}");
    }
    let mean = all / n as f64;
    let var = all2 / n as f64 - mean * mean;
    assert!((mean - 1.0).abs() < 0.02, "{mean}");
    assert!((var / 8.416 - 1.0).abs() < 0.02, "{var}");

    // 2-D: each coordinate of a component has variance σ².
    let lp = [0.3f32.ln(), 0.7f32.ln()];
    let s = [0.5f32, 1.5];
    let mu = [1.0f32, -1.0, -2.0, 4.0];
    let mix = Mixture::new(2, 2, &lp, &s, &mu).unwrap();
    let mut acc = [[0f64; 5]; 2]; // count, Σx, Σy, Σx², Σy²
    let mut t = [0.0f32; 2];
    for _ in 0..n {
        let c = mix.sample(&mut rng, &mut t).unwrap();
        let (x, y) = (t[0] as f64, t[1] as f64);
        let a = &mut acc[c];
        a[0] += 1.0;
        a[1] += x;
        a[2] += y;
        a[3] += x * x;
        a[4] += y * y;
    }
    for c in 0..2 {
        let a = acc[c];
        assert!((a[0] / n as f64 - mix.pi(c) as f64).abs() < 0.005);
        for d in 0..2 {
            let m = a[1 + d] / a[0];
            let v = a[3 + d] / a[0] - m * m;
            assert!((m - mu[2 * c + d] as f64).abs() < 0.03, "c{c} d{d}: {m}");
            assert!(
                (v.sqrt() / s[c] as f64 - 1.0).abs() < 0.015,
                "c{c} d{d}: {v}"
            );
        }
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(matches!(
        Head::new(0, 1, 0.0),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Head::new(2, 0, 0.0),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Head::new(2, 1, -0.1),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Head::new(2, 1, f32::NAN),
        Err(Error::InvalidArgument { .. })
    ));
    let head = Head::new(2, 1, 0.0).unwrap();
    let mut g = [0.0f32; 6];
    assert!(matches!(
        head.loss(&[0.0; 5], &[0.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        head.loss(&[0.0; 6], &[0.0, 1.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        head.loss_and_grad(&[0.0; 6], &[0.0], &mut g[..5]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut bad = [0.0f32; 6];
    bad[3] = f32::NAN;
    assert!(matches!(
        head.loss(&bad, &[0.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        head.loss(&[0.0; 6], &[f32::INFINITY]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        Mixture::new(2, 1, &[0.0, 0.0], &[1.0, 1.0], &[0.0, 1.0]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Mixture::new(2, 1, &LP1, &[1.0, 0.0], &M1),
        Err(Error::InvalidArgument { .. })
    ));
    let mix = Mixture::new(2, 1, &LP1, &S1, &M1).unwrap();
    assert!(matches!(
        mix.log_density(&[f32::NAN]),
        Err(Error::NonFinite { .. })
    ));
    assert!(mix
        .mode(&mut [0.0], &mut [0.0], ModeSearch::default())
        .is_err());
    assert!(mix.log_density_grid(&[0.0; 3], &mut [0.0; 2]).is_err());

    type Net = mdn_type!(2, 1; 1, 4, 6);
    let tanh_id = [Activation::Tanh, Activation::Identity];
    assert!(Net::new(&[1, 4, 6], &[Activation::Tanh, Activation::Tanh], 2, 1, 0.0).is_err());
    assert!(Net::new(&[1, 4, 6], &tanh_id, 3, 1, 0.0).is_err());
    assert!(Net::new(&[1, 4], &tanh_id, 2, 1, 0.0).is_err());
    let mut net = Net::new(&[1, 4, 6], &tanh_id, 2, 1, 0.0).unwrap();
    assert!(matches!(
        net.accumulate(&[f32::NAN], &[0.0]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        net.accumulate(&[0.0, 1.0], &[0.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut opt = Adam::new(0.01);
    let mut state = [0.0f32; 2 * 34];
    assert!(net.train_batch(&[], &[], &mut opt, &mut state).is_err());
    assert!(net
        .train_batch(&[0.0, 1.0], &[0.0], &mut opt, &mut state)
        .is_err());
    assert!(net.set_params(&[f32::NAN; 34]).is_err());
}

/// The trunk's forward pass in f64 (reference for the gradient check).
fn forward64(layers: &[embedml::models::mlp::Layer], params: &[f32], x: &[f32]) -> Vec<f64> {
    let mut z: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut po = 0;
    for layer in layers {
        let (n_in, n_out) = (layer.n_in, layer.n_out);
        let w = &params[po..po + n_in * n_out];
        let b = &params[po + n_in * n_out..po + n_in * n_out + n_out];
        z = (0..n_out)
            .map(|o| {
                let a = b[o] as f64
                    + (0..n_in)
                        .map(|i| w[o * n_in + i] as f64 * z[i])
                        .sum::<f64>();
                match layer.activation {
                    Activation::Identity => a,
                    Activation::Tanh => a.tanh(),
                    Activation::Sigmoid => 1.0 / (1.0 + (-a).exp()),
                    other => panic!("no f64 reference for {other:?}"),
                }
            })
            .collect();
        po += n_in * n_out + n_out;
    }
    z
}

/// Full network (trunk + head) gradients against finite differences, over all parameters.
fn network_gradcheck<
    const NL: usize,
    const P: usize,
    const U: usize,
    const O: usize,
    S: embedml::models::fixed::Widths,
>(
    mut net: embedml::models::mdn::Mdn<NL, P, U, O, S>,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    let (ni, l) = (net.n_inputs(), net.n_targets());
    let mut p = vec![0.0f32; P];
    rng.fill_normal(&mut p, 0.0, 0.5);
    net.set_params(&p).unwrap();
    let mut xs = vec![0.0f32; 3 * ni];
    let mut ts = vec![0.0f32; 3 * l];
    rng.fill_normal(&mut xs, 0.0, 1.0);
    rng.fill_normal(&mut ts, 0.0, 1.0);
    net.zero_grads();
    for (x, t) in xs.chunks(ni).zip(ts.chunks(l)) {
        net.accumulate(x, t).unwrap();
    }
    let analytic = net.grads().to_vec();
    assert!(analytic.iter().any(|g| g.abs() > 1e-3));
    // The f32 network agrees with an f64 re-implementation …
    let head = net.head();
    let layers = *net.layers();
    let total = |q: &[f32]| -> f64 {
        xs.chunks(ni)
            .zip(ts.chunks(l))
            .map(|(x, t)| direct_loss64(&head, &forward64(&layers, q, x), t))
            .sum()
    };
    let base = total(&p);
    let mut own = 0.0f64;
    for (x, t) in xs.chunks(ni).zip(ts.chunks(l)) {
        own += net.loss(x, t).unwrap() as f64;
    }
    assert!(
        (own - base).abs() < 1e-4 * base.abs().max(1.0),
        "{own} vs {base}"
    );
    // … whose central differences (shifted by the base value) check the analytic gradient.
    let rep = gradcheck::check(&mut p, &analytic, 1e-3, |q| (total(q) - base) as f32);
    assert!(rep.max_rel_error <= 1e-3, "{rep:?}");
}

#[test]
fn full_network_gradients_match_finite_differences() {
    type A = mdn_type!(3, 2; 2, 6, 12);
    let a = A::new(
        &[2, 6, 12],
        &[Activation::Tanh, Activation::Identity],
        3,
        2,
        0.0,
    )
    .unwrap();
    network_gradcheck(a, 1);
    type B = mdn_type!(2, 1; 1, 4, 3, 6);
    let acts = [Activation::Sigmoid, Activation::Tanh, Activation::Identity];
    let b = B::new(&[1, 4, 3, 6], &acts, 2, 1, 0.05).unwrap();
    network_gradcheck(b, 2);
    type C = mdn_type!(8, 3; 3, 5, 40);
    let c = C::new(
        &[3, 5, 40],
        &[Activation::Tanh, Activation::Identity],
        8,
        3,
        0.0,
    )
    .unwrap();
    network_gradcheck(c, 3);
}

#[test]
fn repeated_targets_stay_finite_and_respect_the_floor() {
    // Every target is the same: σ collapses to σ_min, the loss to −ln N(t | t, σ_min²)
    // = ln σ_min + ½ ln 2π, and nothing overflows. Without a floor the a^σ clamp keeps it finite.
    type Net = mdn_type!(2, 1; 1, 4, 6);
    let tanh_id = [Activation::Tanh, Activation::Identity];
    for sm in [0.05f32, 0.0] {
        let mut net = Net::new(&[1, 4, 6], &tanh_id, 2, 1, sm).unwrap();
        let mut rng = Rng::new(5);
        net.init_default(&mut rng);
        let mut xs = [0.0f32; 20];
        rng.fill_uniform(&mut xs, -1.0, 1.0);
        let ts = [0.3f32; 20];
        let mut opt = Adam::new(0.05);
        let mut state = vec![0.0f32; 2 * net.param_count()];
        let (mut last, mut best) = (0.0, f32::INFINITY);
        for _ in 0..2000 {
            last = net.train_batch(&xs, &ts, &mut opt, &mut state).unwrap();
            best = best.min(last);
            assert!(last.is_finite());
            assert!(net.params().iter().all(|p| p.is_finite()));
        }
        if sm > 0.0 {
            let bound = sm.ln() + 0.5 * (2.0 * std::f32::consts::PI).ln(); // −2.0768
            assert!(last >= bound - 1e-4, "{last} < {bound}");
            assert!(last < bound + 0.05, "{last} did not approach {bound}");
        } else {
            // No floor: σ keeps shrinking (slowly: μ(x) must flatten to the constant target);
            // the a^σ clamp keeps everything finite along the way. Adam at this rate makes
            // the unfloored loss swing between about −4 and +1.5 from step 600 on (σ → 0
            // sharpens every step), so the last value depends on the last bit of every `exp`
            // (`libm` −2.9, `fastexp` +4.3 at step 2000): the bound is on the best loss reached.
            assert!(best < -1.5, "best {best}, last {last}");
        }
    }
}

/// PRML Fig 5.19 data: `x ~ U(0,1)`, `t = x + 0.3 sin(2πx) + U(−0.1, 0.1)`; returns the inverse
/// problem (inputs t, targets x).
fn inverse_data(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut inputs, mut targets) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let x = rng.uniform();
        let t = x + 0.3 * (2.0 * std::f32::consts::PI * x).sin() + rng.uniform_range(-0.1, 0.1);
        inputs.push(t);
        targets.push(x);
    }
    (inputs, targets)
}

#[test]
fn prml_fig_5_19_inverse_problem() {
    type Net = mdn_type!(3, 1; 1, 5, 9);
    let mut rng = Rng::new(1);
    let (xs, ts) = inverse_data(&mut rng, 1000);
    let (fresh_x, fresh_t) = inverse_data(&mut Rng::new(999), 10_000);
    let mut net = Net::new(
        &[1, 5, 9],
        &[Activation::Tanh, Activation::Identity],
        3,
        1,
        0.0,
    )
    .unwrap();
    net.init_default(&mut rng);
    let start = net.mean_loss(&fresh_x, &fresh_t).unwrap();
    let (lr, batch, epochs) = (0.01f32, 50, 3000);
    let mut opt = Adam::new(lr);
    let mut state = vec![0.0f32; 2 * net.param_count()];
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    let (mut bx, mut bt) = (vec![0.0f32; batch], vec![0.0f32; batch]);
    for ep in 0..epochs {
        // Step decay: lr, then 0.3 lr for the third quarter, 0.1 lr for the last.
        opt.lr = lr
            * if ep < epochs / 2 {
                1.0
            } else if ep < 3 * epochs / 4 {
                0.3
            } else {
                0.1
            };
        rng.shuffle(&mut idx);
        for chunk in idx.chunks(batch) {
            for (j, &i) in chunk.iter().enumerate() {
                bx[j] = xs[i];
                bt[j] = ts[i];
            }
            let n = chunk.len();
            net.train_batch(&bx[..n], &bt[..n], &mut opt, &mut state)
                .unwrap();
        }
    }
    let nll = net.mean_loss(&fresh_x, &fresh_t).unwrap();
    println!("PRML 5.19 inverse: fresh NLL {start} -> {nll} nats (10 000 points)");
    // Measured −1.048 with these seeds; the bar for the host is −0.95.
    assert!(nll <= -1.0, "{nll}");
    // At t = 0.5 the inverse is trimodal: x ∈ {0.2096, 0.5, 0.7904} each carry a component.
    let mix = net.forward(&[0.5]).unwrap();
    for root in [0.209_609_15f32, 0.5, 0.790_390_85] {
        let hit = (0..3).any(|c| mix.pi(c) > 0.05 && (mix.mean_of(c)[0] - root).abs() < 0.05);
        assert!(
            hit,
            "no component near {root}: π {:?} μ {:?}",
            mix.log_pi(),
            mix.mu()
        );
    }
    // At t = 0.1 it is unimodal: the mode is the single root x ≈ 0.0348 (within the noise).
    let mut mode = [0.0f32];
    net.mode(&[0.1], &mut mode, ModeSearch::default()).unwrap();
    assert!((mode[0] - 0.0348).abs() < 0.05, "{mode:?}");
}

#[test]
fn seed_000_mu_gradient_erratum_is_caught() {
    // Seed 000 uses γ (μ − t)/σ for ∂E/∂a^μ; the finite-difference check rejects it.
    let head = Head::new(3, 1, 0.0).unwrap();
    let mut out = vec![0.2f32, -0.4, 0.1, -0.7, 0.4, -0.3, 0.5, -0.2, 1.1];
    let t = [0.3f32];
    let mut grad = vec![0.0f32; 9];
    head.loss_and_grad(&out, &t, &mut grad).unwrap();
    let mut wrong = grad.clone();
    for c in 0..3 {
        wrong[6 + c] *= out[3 + c].exp(); // γ (μ − t)/σ² · σ
    }
    let base = direct_loss(&head, &out, &t);
    let mut check = |g: &[f32]| {
        gradcheck::check(&mut out, g, 1e-3, |p| {
            (direct_loss(&head, p, &t) - base) as f32
        })
    };
    assert!(check(&grad).max_rel_error <= 1e-3);
    let bad = check(&wrong);
    assert!(bad.max_rel_error > 0.1 && bad.worst_index >= 6, "{bad:?}");
}

#[test]
fn runtime_sized_path_equals_the_typed_model() {
    // What a host model does with Vec storage: mlp slice functions + Head. Same numbers.
    use embedml::models::mlp::{self, Layer};
    type Net = mdn_type!(2, 2; 3, 7, 8);
    let acts = [Activation::Tanh, Activation::Identity];
    let mut net = Net::new(&[3, 7, 8], &acts, 2, 2, 0.01).unwrap();
    net.init_normal(&mut Rng::new(8), 0.3);
    let layers = [
        Layer {
            n_in: 3,
            n_out: 7,
            activation: acts[0],
        },
        Layer {
            n_in: 7,
            n_out: 8,
            activation: acts[1],
        },
    ];
    let head = Head::new(2, 2, 0.01).unwrap();
    let params = net.params().to_vec();
    let (x, t) = ([0.3f32, -1.0, 0.5], [0.2f32, -0.4]);
    let (mut pre, mut post, mut delta) = (vec![0.0; 15], vec![0.0; 15], vec![0.0; 15]);
    let (mut g_out, mut grads) = (vec![0.0; 8], vec![0.0; params.len()]);
    mlp::forward(&layers, &params, &x, &mut pre, &mut post).unwrap();
    let e = head
        .loss_and_grad(mlp::output(&layers, &post), &t, &mut g_out)
        .unwrap();
    mlp::backward(
        &layers, &params, &x, &pre, &post, &g_out, &mut grads, &mut delta, None,
    )
    .unwrap();
    net.zero_grads();
    assert_eq!(net.accumulate(&x, &t).unwrap(), e);
    assert_eq!(net.grads(), &grads[..]);
    let mut buf = vec![0.0; 8];
    let mix = head.mixture(mlp::output(&layers, &post), &mut buf).unwrap();
    let (mut a, mut b) = ([0.0f32; 2], [0.0f32; 2]);
    let va = mix.mean_and_variance(&mut a).unwrap();
    let vb = net.mean_and_variance(&x, &mut b).unwrap();
    assert_eq!((a, va), (b, vb));
}
