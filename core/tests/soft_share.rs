//! Soft weight sharing: value against a direct f64 computation, every gradient by finite
//! differences, finiteness at extremes, and a training run whose weights it pulls into clusters.

use embedml::error::Error;
use embedml::gradcheck;
use embedml::kernels::loss::Loss;
use embedml::models::soft_share::{accumulate, value, SoftShare};
use embedml::optim::{Adam, Optimizer};
use embedml::{mlp_type, Activation, Parameters, Rng};

/// `Ω` computed directly in f64 from `[η, μ, ξ]` and the floor `σ_min` (`σ² = σ_min² + e^ξ`).
fn direct(mix: &[f32], w: &[f32], sigma_min: f32) -> f64 {
    let m = mix.len() / 3;
    let z: f64 = mix[..m].iter().map(|&e| (e as f64).exp()).sum();
    let mut omega = 0.0;
    for &wi in w {
        let mut p = 0.0f64;
        for j in 0..m {
            let pi = (mix[j] as f64).exp() / z;
            let var = (sigma_min as f64).powi(2) + (mix[2 * m + j] as f64).exp();
            let d = wi as f64 - mix[m + j] as f64;
            p += pi * (-d * d / (2.0 * var)).exp() / (2.0 * std::f64::consts::PI * var).sqrt();
        }
        omega -= p.ln();
    }
    omega
}

fn case(rng: &mut Rng, m: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    let mut mix = vec![0.0f32; 3 * m];
    rng.fill_normal(&mut mix[..m], 0.0, 0.5);
    rng.fill_uniform(&mut mix[m..2 * m], -1.0, 1.0);
    rng.fill_uniform(&mut mix[2 * m..], -2.0, 0.0);
    let mut w = vec![0.0f32; n];
    rng.fill_normal(&mut w, 0.0, 0.8);
    (mix, w)
}

#[test]
fn value_matches_direct_f64() {
    let mut rng = Rng::new(1);
    for sigma_min in [0.0, 0.05, 0.5] {
        for m in [1, 2, 3, 5, 20] {
            let (mix, w) = case(&mut rng, m, 30);
            let v = value(&mix, &w, sigma_min).unwrap() as f64;
            let d = direct(&mix, &w, sigma_min);
            assert!(
                (v - d).abs() <= 1e-5 * d.abs().max(1.0),
                "M={m} sigma_min={sigma_min}: {v} vs {d}"
            );
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = Rng::new(2);
    let lambda = 0.7f32;
    for (m, sigma_min) in [1usize, 2, 3, 5, 20]
        .into_iter()
        .flat_map(|m| [(m, 0.0f32), (m, 0.3)])
    {
        for _ in 0..3 {
            let (mut mix, mut w) = case(&mut rng, m, 12);
            let mut gw = vec![0.25f32; w.len()]; // accumulate must *add* to what is there
            let mut gm = vec![-0.5f32; mix.len()];
            let pen = accumulate(&mix, &w, lambda, sigma_min, &mut gw, &mut gm).unwrap();
            let val = value(&mix, &w, sigma_min).unwrap();
            assert!((pen - lambda * val).abs() < 1e-5 * pen.abs().max(1.0));
            let gw: Vec<f32> = gw.iter().map(|g| g - 0.25).collect();
            let gm: Vec<f32> = gm.iter().map(|g| g + 0.5).collect();
            // Central differences of the exact (f64) λΩ, shifted so the f32 keeps the digits.
            let base = lambda as f64 * direct(&mix, &w, sigma_min);
            let mix_fixed = mix.clone();
            let rep = gradcheck::check(&mut w, &gw, 1e-3, |p| {
                (lambda as f64 * direct(&mix_fixed, p, sigma_min) - base) as f32
            });
            assert!(
                rep.max_rel_error <= 1e-3,
                "M={m} σ_min={sigma_min} w: {rep:?}"
            );
            let w_fixed = w.clone();
            let rep = gradcheck::check(&mut mix, &gm, 1e-3, |p| {
                (lambda as f64 * direct(p, &w_fixed, sigma_min) - base) as f32
            });
            assert!(
                rep.max_rel_error <= 1e-3,
                "M={m} σ_min={sigma_min} mix: {rep:?}"
            );
        }
    }
}

#[test]
fn typed_prior_matches_the_slice_functions() {
    let mut prior =
        SoftShare::<3>::new(0.5, &[1.0, 2.0, 1.0], &[-1.0, 0.0, 1.0], &[0.2, 0.5, 0.2]).unwrap();
    assert!((prior.pi(1) - 0.5).abs() < 1e-6 && (prior.pi(0) - 0.25).abs() < 1e-6);
    assert!((prior.sigma(0) - 0.2).abs() < 1e-6 && prior.mu(2) == 1.0);
    assert_eq!(prior.param_count(), 9);
    let w = [0.9f32, -1.2, 0.1, 0.4];
    let mix = prior.params().to_vec();
    assert!((prior.omega(&w).unwrap() - value(&mix, &w, 0.0).unwrap()).abs() < 1e-6);
    let (mut g1, mut g2, mut gm) = ([0.0f32; 4], [0.0f32; 4], [0.0f32; 9]);
    prior.zero_grads();
    let a = prior.accumulate(&w, &mut g1).unwrap();
    let b = accumulate(&mix, &w, 0.5, 0.0, &mut g2, &mut gm).unwrap();
    assert_eq!(a, b);
    assert_eq!(g1, g2);
    assert_eq!(prior.grads(), &gm);
    assert_eq!(
        [prior.assign(0.9), prior.assign(-1.2), prior.assign(0.1)],
        [2, 0, 1]
    );
    let mut snapped = w;
    prior.snap(&mut snapped);
    assert_eq!(snapped, [1.0, -1.0, 0.0, 0.0]);
    let spread = SoftShare::<5>::spread(1.0, -2.0, 2.0, 0.1).unwrap();
    assert_eq!(
        (0..5).map(|j| spread.mu(j)).collect::<Vec<_>>(),
        [-2.0, -1.0, 0.0, 1.0, 2.0]
    );
    assert!((spread.pi(3) - 0.2).abs() < 1e-6 && (spread.sigma(4) - 0.1).abs() < 1e-6);
}

#[test]
fn typed_prior_with_a_floor_matches_the_slice_functions() {
    let mut prior =
        SoftShare::<3>::new(0.5, &[1.0, 2.0, 1.0], &[-1.0, 0.0, 1.0], &[0.2, 0.5, 0.2]).unwrap();
    prior.set_sigma_min(0.3).unwrap();
    assert_eq!(prior.sigma_min(), 0.3);
    // σ² = 0.3² + 0.2² (ξ was set from σ = 0.2 before the floor).
    assert!((prior.sigma(0) - (0.09f32 + 0.04).sqrt()).abs() < 1e-6);
    let w = [0.9f32, -1.2, 0.1, 0.4];
    let mix = prior.params().to_vec();
    assert_eq!(prior.omega(&w).unwrap(), value(&mix, &w, 0.3).unwrap());
    let (mut g1, mut g2, mut gm) = ([0.0f32; 4], [0.0f32; 4], [0.0f32; 9]);
    prior.zero_grads();
    let a = prior.accumulate(&w, &mut g1).unwrap();
    let b = accumulate(&mix, &w, 0.5, 0.3, &mut g2, &mut gm).unwrap();
    assert_eq!((a, g1), (b, g2));
    assert_eq!(prior.grads(), &gm);
}

/// Every weight on the one component's mean and the variance driven to its clamp: without a
/// floor Ω per weight is `½ ln 2π + ½ ξ_min = 0.919 − 15`; with `σ_min = 0.01` it stays at
/// `½ ln 2π + ln σ_min = 0.919 − 4.605` and the ξ-gradient vanishes (nothing left to gain).
#[test]
fn the_floor_bounds_a_collapsing_component() {
    let mix = [0.0f32, 0.5, -40.0];
    let w = [0.5f32; 10];
    let free = value(&mix, &w, 0.0).unwrap();
    assert!((free - 10.0 * (0.918_938_5 - 15.0)).abs() < 1e-3, "{free}");
    let floored = value(&mix, &w, 0.01).unwrap();
    assert!(
        (floored - 10.0 * (0.918_938_5 - 4.605_170_2)).abs() < 1e-3,
        "{floored}"
    );
    let (mut gw, mut gm) = ([0.0f32; 10], [0.0f32; 3]);
    accumulate(&mix, &w, 1.0, 0.01, &mut gw, &mut gm).unwrap();
    assert!(gw.iter().all(|&g| g == 0.0));
    assert!(gm[2].abs() < 1e-6, "{gm:?}");
    // Off-centre weights are still pulled in, by at most |w − μ|/σ_min² each.
    let w2 = [0.51f32, 0.49];
    let mut gw2 = [0.0f32; 2];
    accumulate(&mix, &w2, 1.0, 0.01, &mut gw2, &mut gm).unwrap();
    assert!(
        (gw2[0] - 100.0).abs() < 0.1 && (gw2[1] + 100.0).abs() < 0.1,
        "{gw2:?}"
    );
}

#[test]
fn extremes_stay_finite_and_bad_input_is_typed() {
    let mut rng = Rng::new(4);
    for trial in 0..100 {
        let m = 1 + trial % 4;
        let mut mix = vec![0.0f32; 3 * m];
        let scale = [1.0f32, 1e2, 1e4][trial % 3];
        rng.fill_uniform(&mut mix, -scale, scale);
        let mut w = vec![0.0f32; 8];
        rng.fill_uniform(&mut w, -scale, scale);
        w[0] = 3e38;
        w[1] = -3e38;
        let (mut gw, mut gm) = (vec![0.0; 8], vec![0.0; 3 * m]);
        let pen = accumulate(&mix, &w, 1.0, [0.0, 1e-3][trial % 2], &mut gw, &mut gm).unwrap();
        assert!(pen.is_finite(), "{mix:?}");
        assert!(gw.iter().chain(&gm).all(|g| g.is_finite()), "{gw:?} {gm:?}");
    }
    let (mut gw, mut gm) = ([0.0f32; 2], [0.0f32; 3]);
    assert!(matches!(
        value(&[], &[0.0], 0.0),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        value(&[0.0; 4], &[0.0], 0.0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        value(&[0.0; 3], &[f32::NAN], 0.0),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        value(&[0.0, f32::INFINITY, 0.0], &[0.0], 0.0),
        Err(Error::NonFinite { .. })
    ));
    assert!(accumulate(&[0.0; 3], &[0.0; 2], -1.0, 0.0, &mut gw, &mut gm).is_err());
    assert!(accumulate(&[0.0; 3], &[0.0; 2], 1.0, 0.0, &mut gw[..1], &mut gm).is_err());
    for bad in [-1e-3, f32::NAN, f32::INFINITY] {
        assert!(matches!(
            accumulate(&[0.0; 3], &[0.0; 2], 1.0, bad, &mut gw, &mut gm),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(value(&[0.0; 3], &[0.0], bad).is_err());
        assert!(SoftShare::<1>::spread(1.0, 0.0, 0.0, 1.0)
            .unwrap()
            .set_sigma_min(bad)
            .is_err());
    }
    assert!(SoftShare::<2>::new(1.0, &[1.0, 0.0], &[0.0, 1.0], &[1.0, 1.0]).is_err());
    assert!(SoftShare::<2>::new(1.0, &[1.0, 1.0], &[0.0, 1.0], &[1.0, -1.0]).is_err());
    assert!(SoftShare::<2>::new(f32::NAN, &[1.0, 1.0], &[0.0, 1.0], &[1.0, 1.0]).is_err());
    assert!(SoftShare::<0>::spread(1.0, 0.0, 1.0, 1.0).is_err());
    assert!(SoftShare::<2>::spread(1.0, 1.0, 0.0, 1.0).is_err());
}

/// Mean squared distance of the weights to the mean of the component each is assigned to.
fn cluster_spread<const M: usize>(prior: &SoftShare<M>, w: &[f32]) -> f32 {
    w.iter()
        .map(|&x| {
            let d = x - prior.mu(prior.assign(x));
            d * d
        })
        .sum::<f32>()
        / w.len() as f32
}

/// Trains a 2-12-1 tanh MLP on y = sin(x1) + 0.5 x2 (full batch, Adam), with or without the
/// prior; returns (final data loss, the data loss with every weight snapped to its cluster
/// mean, the net's weights, the prior).
fn train(lambda: f32) -> (f32, f32, Vec<f32>, SoftShare<4>) {
    type Net = mlp_type!(2, 12, 1);
    let mut rng = Rng::new(10);
    let mut net = Net::new(
        &[2, 12, 1],
        &[Activation::Tanh, Activation::Identity],
        Loss::Mse,
    )
    .unwrap();
    net.init_default(&mut rng);
    let n = 200;
    let mut xs = vec![0.0f32; 2 * n];
    rng.fill_uniform(&mut xs, -2.0, 2.0);
    let ts: Vec<f32> = xs.chunks(2).map(|x| x[0].sin() + 0.5 * x[1]).collect();
    let mut prior = SoftShare::<4>::spread(lambda, -1.5, 1.5, 0.3).unwrap();
    let (mut opt_w, mut opt_m) = (Adam::new(0.01), Adam::new(0.003));
    let mut state_w = vec![0.0f32; opt_w.state_len(net.param_count())];
    let mut state_m = vec![0.0f32; opt_m.state_len(prior.param_count())];
    let mut loss = 0.0;
    for _ in 0..3000 {
        net.zero_grads();
        loss = 0.0;
        for (x, t) in xs.chunks(2).zip(ts.chunks(1)) {
            loss += net.accumulate(x, t).unwrap();
        }
        loss /= n as f32;
        net.scale_grads(1.0 / n as f32);
        prior.zero_grads();
        let (w, g) = net.params_and_grads_mut();
        prior.accumulate(w, g).unwrap();
        opt_w.step(w, g, &mut state_w).unwrap();
        let (p, gp) = prior.params_and_grads_mut();
        opt_m.step(p, gp, &mut state_m).unwrap();
    }
    let w = net.params().to_vec();
    prior.snap(net.params_mut());
    let mut snapped = 0.0;
    for (x, t) in xs.chunks(2).zip(ts.chunks(1)) {
        snapped += net.accumulate(x, t).unwrap();
    }
    (loss, snapped / n as f32, w, prior)
}

#[test]
fn pulls_weights_into_clusters() {
    // Same data, init and optimiser; λ = 0 (the prior is inert) against λ = 1e-4.
    let (loss0, snap0, w0, prior0) = train(0.0);
    let (loss1, snap1, w1, prior1) = train(1e-4);
    let (s0, s1) = (cluster_spread(&prior0, &w0), cluster_spread(&prior1, &w1));
    println!("λ=0: mse {loss0}, snapped mse {snap0}, spread {s0}");
    println!("λ=1e-4: mse {loss1}, snapped mse {snap1}, spread {s1}");
    // Measured: spread 0.111 → 8.5e-5, mse 0.0004 → 0.0016; snapped mse 0.725 → 0.0017.
    assert!(s1 < 1e-2 * s0, "weights did not cluster: {s1} vs {s0}");
    assert!(loss1 < 0.005, "the fit degraded: {loss1}");
    // Only the clustered net survives replacing every weight by its cluster mean.
    assert!(snap1 < 0.005, "{snap1}");
    assert!(snap0 > 10.0 * snap1, "{snap0} vs {snap1}");
    // More than one cluster is in use.
    let mut used = [false; 4];
    for &x in &w1 {
        used[prior1.assign(x)] = true;
    }
    assert!(used.iter().filter(|u| **u).count() >= 3, "{used:?}");
}
