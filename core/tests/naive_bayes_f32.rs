//! The `f32` prediction path of naive Bayes (`models::naive_bayes::tables`) against the same
//! scikit-learn references as the `f64` path (`naive_bayes_sklearn.rs`), the SPEC figures, the
//! `f64` path itself, and its error cases; `refresh_class` after online updates equals a full
//! `rebuild`.

use embedml::models::naive_bayes::{
    BernoulliNb, CategoricalNb, GaussianNb, GaussianTables, MultinomialNb,
};
use embedml::{Error, Rng};

#[allow(dead_code)] // not every test uses every reference constant
mod reference {
    include!("fixtures/sklearn_nb_reference.rs");
}
use reference::*;

/// Absolute tolerance against scikit-learn: the same as the `f64` path's.
const TOL: f64 = 1e-6;

/// Largest |got − want| seen, asserted below `TOL`.
fn check<const C: usize>(got: &[f32; C], want: &[f64; C], what: &str) -> f64 {
    let mut worst = 0.0f64;
    for (g, w) in got.iter().zip(want) {
        let e = (*g as f64 - w).abs();
        assert!(e <= TOL, "{what}: got {got:?}, want {want:?}");
        worst = worst.max(e);
    }
    worst
}

fn golf(alpha: f32) -> CategoricalNb<2, 4, 3> {
    let mut nb = CategoricalNb::<2, 4, 3>::new([3, 3, 2, 2], alpha).unwrap();
    for (x, &y) in GOLF_X.iter().zip(&GOLF_Y) {
        nb.update(&x.map(|v| v as usize), y as usize).unwrap();
    }
    nb
}

#[test]
fn categorical_f32_matches_sklearn_and_the_spec() {
    let queries: Vec<[usize; 4]> = GOLF_X
        .iter()
        .map(|x| x.map(|v| v as usize))
        .chain(core::iter::once([0, 2, 0, 1]))
        .collect();
    let mut worst = 0.0f64;
    for (alpha, want) in [(1.0, &GOLF_PROBA_ALPHA_1_0), (0.5, &GOLF_PROBA_ALPHA_0_5)] {
        let nb = golf(alpha);
        let t = nb.log_tables().unwrap();
        for (x, w) in queries.iter().zip(want.iter()) {
            worst = worst.max(check(&t.predict_proba(x, None).unwrap(), w, "categorical"));
            assert_eq!(t.predict(x, None).unwrap(), nb.predict(x, None).unwrap());
        }
    }
    // SPEC: P(no | sunny, cool, high, windy) = 0.7954 with α = 0 (exactly 0.795417…).
    let t = golf(0.0).log_tables().unwrap();
    let p = t.predict_proba(&[0, 2, 0, 1], None).unwrap();
    let (no, yes) = (
        5.0 / 14.0 * 0.6 * 0.2 * 0.8 * 0.6,
        9.0 / 14.0 * 2.0 / 9.0 / 27.0,
    );
    assert!((p[0] as f64 - no / (no + yes)).abs() < TOL, "{p:?}");
    // Table entries are ln of the same ratios, in f32 (within 2 f32 ulps of the exact value):
    // P(sunny | yes) = 2/9, P(yes) = 9/14.
    let near =
        |t: f32, exact: f64| (t as f64 - exact).abs() <= 2.0 * f32::EPSILON as f64 * exact.abs();
    assert!(near(t.table()[1][0][0], (2.0f64 / 9.0).ln()));
    assert!(near(t.log_prior()[1], (9.0f64 / 14.0).ln()));
    // Padding values (v ≥ V_i) are −∞ and unreachable: x_i ≥ V_i is an error.
    // P(cool | no) = 1/5 (temperature = feature 1, cool = 2); humidity has 2 values.
    assert!(near(t.table()[0][1][2], (1.0f64 / 5.0).ln()));
    assert_eq!(t.table()[0][2][2], f32::NEG_INFINITY);
    assert!(matches!(
        t.predict_proba(&[0, 2, 0, 2], None),
        Err(Error::OutOfRange { .. })
    ));
    assert!(worst > 0.0 && worst <= TOL, "worst {worst}");
}

#[test]
fn bernoulli_f32_matches_sklearn_and_the_spec() {
    for (alpha, want) in [(1.0, &BERN_PROBA_ALPHA_1_0), (0.5, &BERN_PROBA_ALPHA_0_5)] {
        let mut nb = BernoulliNb::<3, 5>::new(alpha).unwrap();
        for (x, &y) in BERN_X.iter().zip(&BERN_Y) {
            nb.update(&x.map(|v| v == 1), y as usize).unwrap();
        }
        let t = nb.log_tables().unwrap();
        for (i, w) in want.iter().enumerate() {
            let x: [bool; 5] = core::array::from_fn(|j| (i >> (4 - j)) & 1 == 1);
            check(&t.predict_proba(&x, None).unwrap(), w, "bernoulli");
        }
    }
    // SPEC spam: viagra present, limited absent, the third word masked: 0.9127.
    let mut nb = BernoulliNb::<2, 3>::new(0.0).unwrap();
    nb.set_counts(&[30.0, 100.0], &[7.0, 17.0, 0.0, 1.0, 71.0, 77.0])
        .unwrap();
    let t = nb.log_tables().unwrap();
    let p = t
        .predict_proba(&[true, false, false], Some(&[true, true, false]))
        .unwrap();
    let (s, h) = (
        30.0 / 130.0 * 7.0 / 30.0 * 13.0 / 30.0,
        100.0 / 130.0 * 0.01 * 0.29,
    );
    assert!((p[0] as f64 - s / (s + h)).abs() < TOL, "{p:?}");
    assert!((p[0] - 0.9127).abs() < 5e-5);
    assert!(matches!(
        t.predict_proba(&[true, false, false], Some(&[true, true])),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn multinomial_f32_matches_sklearn() {
    let extra = [[0u8, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 1], [0, 3, 2, 0, 7, 0]];
    for (alpha, want) in [(1.0, &MULTI_PROBA_ALPHA_1_0), (0.3, &MULTI_PROBA_ALPHA_0_3)] {
        let mut nb = MultinomialNb::<3, 6>::new(alpha).unwrap();
        for (x, &y) in MULTI_X.iter().zip(&MULTI_Y) {
            nb.update(&x.map(|v| v as f32), y as usize).unwrap();
        }
        let t = nb.log_tables().unwrap();
        for (x, w) in MULTI_X.iter().chain(extra.iter()).zip(want.iter()) {
            check(
                &t.predict_proba(&x.map(|v| v as f32)).unwrap(),
                w,
                "multinomial",
            );
        }
        assert!(matches!(
            t.predict_proba(&[-1.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
            Err(Error::InvalidArgument { .. })
        ));
    }
}

fn iris() -> Vec<([f32; 4], usize)> {
    include_str!("../../data/iris.csv")
        .lines()
        .skip(1)
        .map(|line| {
            let mut it = line.split(',');
            let x: [f32; 4] = core::array::from_fn(|_| it.next().unwrap().parse().unwrap());
            let y = match it.next().unwrap() {
                "setosa" => 0,
                "versicolor" => 1,
                _ => 2,
            };
            (x, y)
        })
        .collect()
}

#[test]
fn gaussian_f32_matches_sklearn_and_the_f64_path() {
    let rows = iris();
    let mut nb = GaussianNb::<3, 4>::new();
    for (x, y) in &rows {
        nb.update(x, *y).unwrap();
    }
    let t = nb.log_tables().unwrap();
    let queries = IRIS_QUERY_ROWS
        .iter()
        .map(|&r| rows[r].0)
        .chain(IRIS_EXTRA_QUERIES.iter().copied());
    for (x, w) in queries.zip(IRIS_PROBA.iter()) {
        check(&t.predict_proba(&x).unwrap(), w, "gaussian");
    }
    // Same decisions as the f64 path on all 150 rows (sklearn's training accuracy 0.96).
    let mut correct = 0;
    for (x, y) in &rows {
        let k = t.predict(x).unwrap();
        assert_eq!(k, nb.predict(x).unwrap());
        correct += (k == *y) as usize;
    }
    assert_eq!(correct, 144);
    assert!(matches!(
        t.predict_proba(&[f32::NAN, 0.0, 0.0, 0.0]),
        Err(Error::NonFinite { .. })
    ));
    // A class with no samples scores −∞; an untrained model is the all-zero error.
    let mut one = GaussianNb::<2, 1>::new();
    one.update(&[1.0], 0).unwrap();
    one.update(&[2.0], 0).unwrap();
    let j = one
        .log_tables()
        .unwrap()
        .joint_log_likelihood(&[1.5])
        .unwrap();
    assert!(j[0].is_finite() && j[1] == f32::NEG_INFINITY);
    assert!(GaussianNb::<2, 1>::new()
        .log_tables()
        .unwrap()
        .predict_proba(&[0.0])
        .is_err());
}

#[test]
fn zero_probabilities_stay_minus_infinity() {
    let mut nb = CategoricalNb::<2, 1, 3>::new([3], 0.0).unwrap();
    nb.update(&[0], 0).unwrap();
    nb.update(&[1], 1).unwrap();
    let t = nb.log_tables().unwrap();
    let j = t.joint_log_likelihood(&[0], None).unwrap();
    assert!(j[0].is_finite() && j[1] == f32::NEG_INFINITY);
    assert_eq!(t.predict_proba(&[0], None).unwrap(), [1.0, 0.0]);
    for r in [
        t.predict_proba(&[2], None).map(|_| ()),
        t.predict(&[2], None).map(|_| ()),
    ] {
        assert!(matches!(r, Err(Error::NonFinite { .. })));
    }
    // Multinomial α = 0: a zero count with x = 0 is skipped (no 0 · −∞ = NaN).
    let mut m = MultinomialNb::<2, 2>::new(0.0).unwrap();
    m.update(&[3.0, 0.0], 0).unwrap();
    m.update(&[1.0, 1.0], 1).unwrap();
    let p = m.log_tables().unwrap().predict_proba(&[2.0, 0.0]).unwrap();
    assert!(p.iter().all(|v| v.is_finite()) && p[0] > p[1]);
}

/// Online learning on the device: after each `update(x, y)`, `refresh_class(model, y)` gives
/// exactly the tables a full rebuild gives.
#[test]
fn refresh_class_after_updates_equals_rebuild() {
    let mut nb = CategoricalNb::<2, 4, 3>::new([3, 3, 2, 2], 1.0).unwrap();
    let mut t = nb.log_tables().unwrap();
    let mut b = BernoulliNb::<3, 5>::new(0.5).unwrap();
    let mut tb = b.log_tables().unwrap();
    let mut m = MultinomialNb::<3, 6>::new(0.3).unwrap();
    let mut tm = m.log_tables().unwrap();
    for (x, &y) in GOLF_X.iter().zip(&GOLF_Y) {
        nb.update(&x.map(|v| v as usize), y as usize).unwrap();
        t.refresh_class(&nb, y as usize).unwrap();
        assert_eq!(t, nb.log_tables().unwrap());
    }
    for ((xb, &yb), (xm, &ym)) in BERN_X.iter().zip(&BERN_Y).zip(MULTI_X.iter().zip(&MULTI_Y)) {
        b.update(&xb.map(|v| v == 1), yb as usize).unwrap();
        tb.refresh_class(&b, yb as usize).unwrap();
        assert_eq!(tb, b.log_tables().unwrap());
        m.update(&xm.map(|v| v as f32), ym as usize).unwrap();
        tm.refresh_class(&m, ym as usize).unwrap();
        assert_eq!(tm, m.log_tables().unwrap());
    }
    assert!(t.refresh_class(&nb, 2).is_err());
    // After forgetting, a rebuild follows the model (α = 1: the posterior moves).
    let before = t.predict_proba(&[0, 2, 0, 1], None).unwrap();
    nb.forget(0.5).unwrap();
    nb.update(&[0, 2, 0, 1], 1).unwrap();
    t.rebuild(&nb).unwrap();
    let after = t.predict_proba(&[0, 2, 0, 1], None).unwrap();
    let want = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    assert!(after[1] > before[1]);
    assert!((after[1] - want[1]).abs() < 1e-6);
}

/// The Gaussian tables' bits: offsets, means, half precisions.
fn gaussian_bits<const C: usize, const F: usize>(t: &GaussianTables<C, F>) -> Vec<u32> {
    let flat = |a: &[[f32; F]; C]| a.iter().flatten().copied().collect::<Vec<_>>();
    t.offset()
        .iter()
        .copied()
        .chain(flat(t.mean()))
        .chain(flat(t.half_precision()))
        .map(f32::to_bits)
        .collect()
}

/// Gaussian online learning: `refresh_class` (memoised logarithms, the variance floor through
/// a series) after every `update` gives the tables of a full rebuild bit for bit, over
/// thousands of random updates: iris rows in random orders, random data with a feature constant
/// within a class (variance 0: the floor itself, no series), `var_smoothing` 0, 1e-9 and 1e-2
/// (floor above 2^-16 of some variances: the direct logarithm), fixed priors, `forget`.
#[test]
fn gaussian_refresh_after_random_updates_equals_rebuild() {
    let rows = iris();
    let mut rng = Rng::new(2024);
    let mut refreshes = 0;
    for (trial, vs) in [1e-9, 0.0, 1e-2, 1e-9, 0.3].into_iter().enumerate() {
        let mut nb = GaussianNb::<3, 4>::new();
        nb.set_var_smoothing(vs).unwrap();
        if trial == 3 {
            nb.set_prior(Some([0.2, 0.3, 0.5])).unwrap();
        }
        let mut t = nb.log_tables().unwrap();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        rng.shuffle(&mut order);
        for (k, &r) in order.iter().enumerate() {
            let (mut x, y) = rows[r];
            if trial == 4 {
                x[1] = 3.0; // constant within every class: M2 = 0
                x[0] += rng.normal() * 1e-4; // variance far below the floor
            }
            nb.update(&x, y).unwrap();
            t.refresh_class(&nb, y).unwrap();
            let fresh = nb.log_tables().unwrap();
            assert_eq!(
                gaussian_bits(&t),
                gaussian_bits(&fresh),
                "trial {trial} step {k}"
            );
            assert_eq!(t, fresh);
            refreshes += 1;
            if k % 50 == 49 {
                nb.forget(0.75).unwrap();
                t.refresh(&nb).unwrap();
                assert_eq!(gaussian_bits(&t), gaussian_bits(&nb.log_tables().unwrap()));
            }
        }
        // And the tables still predict as the f64 path does.
        for (x, _) in rows.iter().step_by(7) {
            assert_eq!(t.predict(x).unwrap(), nb.predict(x).unwrap());
        }
    }
    // Random data, 4 classes × 6 features, scales from 1e-3 to 1e3, one feature constant in
    // class 2, and a class that stays empty for a while (−∞ offsets).
    for seed in 0..4u64 {
        let mut rng = Rng::new(seed);
        let mut nb = GaussianNb::<4, 6>::new();
        let mut t = nb.log_tables().unwrap();
        for k in 0..400 {
            let y = if k < 40 { rng.below(2) } else { rng.below(4) } as usize;
            let x: [f32; 6] = core::array::from_fn(|i| {
                let scale = 10f32.powi(i as i32 - 3);
                if y == 2 && i == 4 {
                    7.0
                } else {
                    scale * (y as f32 + rng.normal())
                }
            });
            nb.update(&x, y).unwrap();
            t.refresh_class(&nb, y).unwrap();
            assert_eq!(
                gaussian_bits(&t),
                gaussian_bits(&nb.log_tables().unwrap()),
                "seed {seed} step {k}"
            );
            refreshes += 1;
            // Each entry is the f64 path's term rounded once (within 2 f32 ulps): one
            // logarithm of a product of variances plus the floor's series is the sum of
            // the logarithms.
            let n: f64 = nb.class_count().iter().map(|&c| c as f64).sum();
            for c in 0..4 {
                let count = nb.class_count()[c] as f64;
                if count == 0.0 {
                    assert_eq!(t.offset()[c], f32::NEG_INFINITY);
                    continue;
                }
                let mut want = (count / n).ln();
                for i in 0..6 {
                    let var = nb.variance(c, i).unwrap().unwrap();
                    want -= 0.5 * ((2.0 * std::f64::consts::PI).ln() + var.ln());
                    let h = t.half_precision()[c][i] as f64;
                    let want_h = (0.5 / var).min(f32::MAX as f64); // saturated, as documented
                    assert!(
                        (h - want_h).abs() <= f32::EPSILON as f64 * h,
                        "{h} vs {want_h}"
                    );
                    assert_eq!(t.mean()[c][i], nb.mean()[c][i] as f32);
                }
                let got = t.offset()[c] as f64;
                let tol = 2.0 * f32::EPSILON as f64 * want.abs().max(1.0);
                assert!((got - want).abs() <= tol, "{got} vs {want}");
            }
        }
    }
    // Variances beyond the f32 range (1e-50 and 1e50): the series' ratio is then taken in f64.
    for scale in [1e-25f32, 1e25] {
        let mut rng = Rng::new(9);
        let mut nb = GaussianNb::<3, 2>::new();
        let mut t = nb.log_tables().unwrap();
        for k in 0..60 {
            let y = k % 3;
            let x = [scale * (y as f32 + rng.normal()), scale * rng.normal()];
            nb.update(&x, y).unwrap();
            t.refresh_class(&nb, y).unwrap();
            assert_eq!(gaussian_bits(&t), gaussian_bits(&nb.log_tables().unwrap()));
            refreshes += 1;
        }
        // (The precisions saturate at the f32 range there, as documented: only the offsets
        // are checked, finite.)
        assert!(t.offset().iter().all(|o| o.is_finite()));
    }
    assert_eq!(refreshes, 5 * 150 + 4 * 400 + 2 * 60);
    let mut nb = GaussianNb::<3, 4>::new();
    nb.update(&rows[0].0, 0).unwrap();
    let mut t = nb.log_tables().unwrap();
    assert!(t.refresh_class(&nb, 3).is_err());
}

/// Degenerate statistics never give NaN: a constant feature (variance at the 1e-300 floor) and
/// ratios beyond the `f32` range (which fall back to the `f64` logarithm).
#[test]
fn degenerate_statistics_never_give_nan() {
    use embedml::models::naive_bayes::common::log_ratio_f32;
    let mut g = GaussianNb::<2, 1>::new();
    for (x, y) in [(1.0, 0), (1.0, 0), (1.0, 1), (1.0, 1)] {
        g.update(&[x], y).unwrap();
    }
    let t = g.log_tables().unwrap();
    let p = t.predict_proba(&[1.0]).unwrap();
    assert_eq!(p, [0.5, 0.5]);
    // Away from the constant the precision saturates at f32::MAX: very negative but finite,
    // and the same for both classes, as on the f64 path.
    let j = t.joint_log_likelihood(&[2.0]).unwrap();
    assert!(j.iter().all(|v| v.is_finite() && *v < -1e38), "{j:?}");
    assert_eq!(
        t.predict_proba(&[2.0]).unwrap(),
        g.predict_proba(&[2.0]).unwrap()
    );
    assert_eq!(log_ratio_f32(1e39, 1e39), 0.0);
    assert_eq!(log_ratio_f32(1e-50, 1.0), (1e-50f64).ln() as f32);
    assert_eq!(log_ratio_f32(0.0, 1.0), f32::NEG_INFINITY);
    assert_eq!(log_ratio_f32(1.0, 0.0), f32::NEG_INFINITY);
}

/// The tables take no `f64` arithmetic (compensated `f32` sums, logarithms from mantissa and
/// exponent): with fractional counts (after `forget`), 40 features, and counts near `f32::MAX`
/// (sums beyond the `f32` range), every entry still follows the `f64` path to a few `f32` ulps.
#[test]
fn tables_follow_the_f64_path_beyond_integer_counts() {
    /// `jll` with one unit count at `i` (`ln P(y) + ln θ_{y,i}`), `f64` path and tables.
    fn entries<const C: usize, const F: usize>(nb: &MultinomialNb<C, F>) {
        let t = nb.log_tables().unwrap();
        for i in 0..F {
            let mut x = [0.0f32; F];
            x[i] = 1.0;
            let (a, b) = (
                nb.joint_log_likelihood(&x).unwrap(),
                t.joint_log_likelihood(&x).unwrap(),
            );
            for (&a, &b) in a.iter().zip(&b) {
                assert!(b.is_finite(), "{b}");
                let e = (b as f64 - a).abs() / a.abs().max(1.0);
                assert!(e <= 4.0 * f32::EPSILON as f64, "{a} vs {b}");
            }
        }
    }
    // Fractional counts: 40 features, α = 0.37, learnt, forgotten, learnt again.
    let mut nb = MultinomialNb::<3, 40>::new(0.37).unwrap();
    for r in 0..30u32 {
        let x: [f32; 40] = core::array::from_fn(|i| ((r * 7 + i as u32 * 13) % 5) as f32 * 0.3);
        nb.update(&x, (r % 3) as usize).unwrap();
        if r % 10 == 9 {
            nb.forget(0.9).unwrap();
        }
    }
    entries(&nb);
    // Counts near f32::MAX: row sums and the class total overflow f32.
    let mut big = MultinomialNb::<2, 3>::new(0.5).unwrap();
    let m = f32::MAX;
    big.set_counts(&[m, 0.75 * m], &[m, 0.5 * m, 3.0, 0.25 * m, 0.0, 0.75 * m])
        .unwrap();
    entries(&big);
    // The categorical and Bernoulli tables the same way, through their joint log-likelihoods.
    let mut cat = CategoricalNb::<2, 2, 3>::new([3, 2], 0.3).unwrap();
    cat.set_counts(
        &[m, 2.5],
        &[
            m,
            0.5 * m,
            0.0,
            0.25 * m,
            0.75 * m,
            0.0,
            1.5,
            0.5,
            0.5,
            2.0,
            0.5,
            0.0,
        ],
    )
    .unwrap();
    let tc = cat.log_tables().unwrap();
    for x in [[0, 0], [1, 1], [2, 0], [0, 1]] {
        let (a, b) = (
            cat.joint_log_likelihood(&x, None).unwrap(),
            tc.joint_log_likelihood(&x, None).unwrap(),
        );
        for (&a, &b) in a.iter().zip(&b) {
            assert!(
                (b as f64 - a).abs() <= 4.0 * f32::EPSILON as f64 * a.abs().max(1.0),
                "{a} vs {b}"
            );
        }
    }
    let mut ber = BernoulliNb::<2, 2>::new(1e-10).unwrap();
    ber.set_counts(&[m, 7.0], &[0.5 * m, m, 7.0, 0.0]).unwrap();
    let tb = ber.log_tables().unwrap();
    for x in [[true, false], [false, true], [true, true]] {
        let (a, b) = (
            ber.joint_log_likelihood(&x, None).unwrap(),
            tb.joint_log_likelihood(&x, None).unwrap(),
        );
        for (&a, &b) in a.iter().zip(&b) {
            assert!(!b.is_nan());
            assert!(
                (b as f64 - a).abs() <= 4.0 * f32::EPSILON as f64 * a.abs().max(1.0),
                "{a} vs {b}"
            );
        }
    }
}
