//! Fixed-seed quality bars of the MDN, through the library API (the demos' own functions).
//! Figures measured on the development machine are in each test's comment; the bars leave a
//! margin for floating-point differences between machines.

use embedml::Rng;
use embedml_host::cli::demo::{iris_mdn, prml_inverse, robot_arm};
use embedml_host::data::Standardizer;
use embedml_host::models::mdn::{self, Hyper};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// PRML Fig 5.19 inverse problem, N = 1000, K = 3, 5 tanh units, Adam 0.01, batch 50, 3000
/// epochs with the step schedule (the demo's defaults). Measured: −1.051 nats on 10 000 fresh
/// points (bar −0.95); at t = 0.5 the local modes are 0.209, 0.497, 0.782 (the true branches
/// x + 0.3 sin 2πx = 0.5: 0.2096, 0.5, 0.7904).
#[test]
fn prml_inverse_reaches_the_nll_bar_and_finds_three_branches() {
    let (model, nll) = prml_inverse::run_problem(1000, 3000, 1, true).unwrap();
    assert!(nll <= -0.95, "{nll}");
    let modes = model.local_modes(&[0.5], 1e-3, 0.05).unwrap();
    let mut found: Vec<f32> = modes[0].iter().map(|(m, _)| m[0]).collect();
    found.sort_by(f32::total_cmp);
    assert_eq!(found.len(), 3, "{found:?}");
    for (f, want) in found.iter().zip([0.2096f32, 0.5, 0.7904]) {
        assert!((f - want).abs() < 0.03, "{found:?}");
    }
    // At t = 0.1 it is unimodal: one mode near the root 0.0348.
    let modes = model.local_modes(&[0.1], 1e-3, 0.05).unwrap();
    assert_eq!(modes[0].len(), 1, "{modes:?}");
    assert!((modes[0][0].0[0] - 0.0348).abs() < 0.03, "{modes:?}");
}

/// Seed 000's setup on seed 000's own split (its shuffle), PRML's correct μ gradient.
/// Measured test NLLs for training seeds 0–4: 1.605, 0.843, 0.655, 0.776, 0.798 (median
/// 0.798); the seed reports 0.647 with its μ-gradient erratum. With the correct gradient SGD at
/// LR 0.1 has not settled after 3000 iterations (the NumPy baseline with `--fixed` gives 0.791
/// on the seed's own stream), so the 0.70 bar is not met in the median; one seed in five
/// (seed 2) reaches it, and the median bar pinned here is 0.85.
/// Tuned setting (8 tanh, Adam 0.01 step schedule, 200 epochs, σ_min 0.05, 5 restarts):
/// 0.641, 0.627, 0.627, 0.635, 0.631 in standardised units (median 0.631); in petal_width's own
/// units (cm) — what `embedml eval` reports for a `--standardize`d model, NLL + ln std with
/// ln std = −0.272 — the median is 0.359, under the 0.40.
#[test]
fn iris_seed_and_tuned_settings() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/iris.csv");
    let (x, t) = iris_mdn::data(&path, None).unwrap();
    let mut seed_test = Vec::new();
    let mut tuned_test = Vec::new();
    for s in 0..5 {
        let (nll, _) = iris_mdn::run_setup(&x, &t, iris_mdn::seed_hyper(s), 0.0).unwrap();
        seed_test.push(nll.test);
        let (nll, _) =
            iris_mdn::run_setup(&x, &t, iris_mdn::tuned_hyper(s), iris_mdn::TUNED_SIGMA_MIN)
                .unwrap();
        tuned_test.push(nll.test);
    }
    assert!(seed_test.iter().any(|&v| v <= 0.70), "{seed_test:?}");
    assert!(median(seed_test.clone()) <= 0.85, "{seed_test:?}");
    assert!(median(tuned_test.clone()) <= 0.65, "{tuned_test:?}");
    let log_std = iris_mdn::log_target_std(&path).unwrap();
    assert!((log_std - (-0.272)).abs() < 1e-3, "{log_std}");
    let tuned_cm = median(tuned_test.clone()) + log_std;
    assert!(tuned_cm <= 0.40, "tuned median {tuned_cm} nats in cm");
    // The tuned setting beats the seed's on every seed.
    assert!(
        tuned_test.iter().zip(&seed_test).all(|(a, b)| a < b),
        "{tuned_test:?} {seed_test:?}"
    );
}

/// Robot arm, a smaller version of the demo (6000 points, 40 epochs instead of 20 000 × 60).
/// Measured here: mean FK error of the refined mode 0.0128, of the conditional mean 0.2466 (the
/// demo: 0.0078 vs 0.2474; reach 1.4).
#[test]
fn robot_arm_mode_solves_the_kinematics_and_the_mean_does_not() {
    let (_, (e_mode, e_mean)) = robot_arm::run_problem(6000, 40, 1).unwrap();
    assert!(e_mode < 0.03, "{e_mode}");
    assert!(e_mean > 0.15, "{e_mean}");
    assert!(e_mean > 8.0 * e_mode, "{e_mode} {e_mean}");
}

/// The NLL is reported in the data's units: evaluating the same model on raw data, and an
/// equivalent model (identity standardisation) on the standardised data, differ by exactly
/// Σ_l ln std_l, the log-Jacobian of the target transform.
#[test]
fn nll_in_data_units_differs_by_the_log_jacobian() {
    let mut rng = Rng::new(4);
    let n = 400;
    let mut x = Vec::with_capacity(2 * n);
    let mut t = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let (a, b) = (rng.uniform_range(-3.0, 5.0), rng.uniform_range(10.0, 20.0));
        x.extend([a, b]);
        t.extend([
            40.0 * a.sin() + rng.normal(),
            0.01 * b + 0.002 * rng.normal(),
        ]);
    }
    let mut h = Hyper::new(&[8], embedml::Activation::Tanh);
    h.epochs = 20;
    h.standardize = true;
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut model =
        mdn::prepare_arrays(h, 3, 0.0, names(&["a", "b"]), names(&["u", "v"]), &x, &t).unwrap();
    mdn::fit(&mut model, &x, &t, &|_| {}).unwrap();
    let raw = model.mean_nll(&x, &t).unwrap();
    let mut xs = x.clone();
    model.x_norm.apply(&mut xs);
    let mut ts = t.clone();
    model.y_norm.apply(&mut ts);
    let mut plain = model.clone();
    plain.x_norm = Standardizer::identity(2);
    plain.y_norm = Standardizer::identity(2);
    let std_units = plain.mean_nll(&xs, &ts).unwrap();
    let jac: f64 = model.y_norm.std.iter().map(|&s| (s as f64).ln()).sum();
    // Target scales far from 1 (std ≈ 28 and ≈ 0.03): each log term is large.
    assert!(
        model.y_norm.std.iter().all(|s| s.ln().abs() > 3.0),
        "{:?}",
        model.y_norm.std
    );
    assert!(jac != 0.0);
    assert!(
        (raw - std_units - jac).abs() < 1e-9,
        "{raw} {std_units} {jac}"
    );
}

/// The host file's trunk is core's typed `Mdn` parameter order: the same flat parameters in
/// `mdn_type!(2, 1; 1, 6, 6)` give the same per-row loss (standardised units) as the host's
/// batched path, and the file round-trips exactly.
#[test]
fn host_model_is_cores_typed_mdn() {
    use embedml::mdn_type;
    use embedml_host::io::ModelFile;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/iris.csv");
    let (x, t) = iris_mdn::data(&path, None).unwrap();
    let mut h = Hyper::new(&[6], embedml::Activation::Tanh);
    h.epochs = 30;
    h.soft_share = 2;
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut model =
        mdn::prepare_arrays(h, 2, 0.05, names(&["sw"]), names(&["pw"]), &x, &t).unwrap();
    mdn::fit(&mut model, &x, &t, &|_| {}).unwrap();
    type Typed = mdn_type!(2, 1; 1, 6, 6);
    let mut typed = Typed::with_params(
        &[1, 6, 6],
        &[embedml::Activation::Tanh, embedml::Activation::Identity],
        2,
        1,
        0.05,
        &model.params,
    )
    .unwrap();
    let host = model.nll_rows(&x, &t).unwrap();
    for (i, h) in host.iter().enumerate() {
        let e = typed.loss(&x[i..i + 1], &t[i..i + 1]).unwrap() as f64;
        assert!((e - h).abs() < 1e-5, "row {i}: {e} vs {h}");
    }
    let bytes = model.to_file().unwrap().to_bytes().unwrap();
    let back = mdn::MdnModel::from_file(&ModelFile::from_bytes(&bytes, "m").unwrap()).unwrap();
    assert_eq!(back, model);
    assert_eq!(back.soft_share.as_ref().unwrap().m(), 2);
    assert_eq!(back.soft_share.as_ref().unwrap().sigma_min, 1e-3);
    // A file written before the soft-sharing variance floor existed (no `soft_sigma_min`, none
    // in the `training` hyperparameters) loads with the floor 0.
    let mut old = model.to_file().unwrap();
    old.metadata.remove("soft_sigma_min");
    let mut training: serde_json::Value = serde_json::from_str(&old.metadata["training"]).unwrap();
    training.as_object_mut().unwrap().remove("soft_sigma_min");
    old.set("training", training.to_string());
    let back = mdn::MdnModel::from_file(&old).unwrap();
    assert_eq!(back.soft_share.as_ref().unwrap().sigma_min, 0.0);
    assert_eq!(back.hyper.soft_sigma_min, 0.0);
    assert_eq!(back.params, model.params);
    // A trunk whose width is not K (L + 2) is refused.
    let mut f = model.to_file().unwrap();
    f.set("components", "3");
    let e = mdn::MdnModel::from_file(&f).unwrap_err().to_string();
    assert!(e.contains("K (L + 2) = 9"), "{e}");
}

/// Seed 001's inverted sinusoid, smaller than the demo (1000 points, K = 10, 80 epochs instead
/// of 2000 / 30 / 300): the MDN's NLL is far below the NLL of the Gaussian a least-squares net
/// implies. Measured here: MDN 1.95 nats vs MSE net 3.35 nats (MSE ≈ 47); the demo: 1.672 vs
/// 3.348.
#[test]
fn inverse_sine_mdn_beats_least_squares() {
    use embedml_host::cli::demo::inverse_sine;
    let (r, _, _) = inverse_sine::compare(1000, 10, 80, 1).unwrap();
    assert!(r.mse > 20.0, "{r:?}");
    assert!(r.mdn_nll < r.mse_nll - 1.0, "{r:?}");
}

/// Soft weight sharing pulls the trunk weights towards the learned cluster means: with λ = 0.001
/// the mean distance of each weight to the mean of the component it is assigned to is smaller
/// than with λ = 0 (the prior then does not move the weights). PRML inverse model, 300 epochs.
#[test]
fn soft_sharing_clusters_the_weights() {
    let (x, t) = prml_inverse::data(&mut Rng::new(1), 500);
    let spread = |lambda: f32| -> (f64, f64) {
        let mut h = prml_inverse::hyper(300, 1);
        h.soft_share = 3;
        h.soft_lambda = lambda;
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut model =
            mdn::prepare_arrays(h, 3, 0.0, names(&["t"]), names(&["x"]), &t, &x).unwrap();
        let r = mdn::fit(&mut model, &t, &x, &|_| {}).unwrap();
        let s = model.soft_share.as_ref().unwrap();
        let m = s.m();
        let mut total = 0.0f64;
        let mut count = 0usize;
        let mut po = 0;
        for layer in &model.layers {
            for &w in &model.params[po..po + layer.n_in * layer.n_out] {
                // The component with the largest responsibility for w.
                let best = (0..m)
                    .max_by(|&a, &b| {
                        let lp = |j: usize| {
                            let var = (s.mix[2 * m + j] as f64).exp();
                            s.mix[j] as f64
                                - 0.5 * var.ln()
                                - (w as f64 - s.mix[m + j] as f64).powi(2) / (2.0 * var)
                        };
                        lp(a).total_cmp(&lp(b))
                    })
                    .unwrap();
                total += (w - s.mix[m + best]).abs() as f64;
                count += 1;
            }
            po += layer.param_count();
        }
        (total / count as f64, r.train_nll)
    };
    let ((free, nll_free), (shared, nll_shared)) = (spread(0.0), spread(0.001));
    println!(
        "mean distance to the assigned cluster mean: λ = 0 {free:.4} (NLL {nll_free:.4}), \
         λ = 0.001 {shared:.4} (NLL {nll_shared:.4})"
    );
    // Measured: 0.493 (NLL −0.983) without sharing, 0.299 (NLL −0.955) with λ = 0.001.
    assert!(shared < 0.75 * free, "{free} {shared}");
    // …at a small cost in fit (a strong prior, λ = 0.05, collapses the weights onto three
    // values and costs 0.4 nats).
    assert!(nll_shared < nll_free + 0.1, "{nll_free} {nll_shared}");
}
