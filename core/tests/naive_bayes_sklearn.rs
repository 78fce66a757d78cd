//! Naive Bayes against scikit-learn and the SPEC §9 figures.
//!
//! The constants below are the output of `python3 tools/nb_reference.py` (scikit-learn 1.9.1,
//! `force_alpha=True`); regenerate them with that script and paste its output over this block.
//! Every `predict_proba` must match to `1e-6`.

use embedml::models::naive_bayes::{BernoulliNb, CategoricalNb, GaussianNb, MultinomialNb};
use embedml::Error;

#[allow(dead_code)] // not every test uses every reference constant
mod reference {
    include!("fixtures/sklearn_nb_reference.rs");
}
use reference::*;

const TOL: f64 = 1e-6;

fn assert_close<const C: usize>(got: &[f32; C], want: &[f64; C], what: &str) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (*g as f64 - w).abs() <= TOL,
            "{what}: got {got:?}, want {want:?}"
        );
    }
}

fn golf(alpha: f32) -> CategoricalNb<2, 4, 3> {
    let mut nb = CategoricalNb::<2, 4, 3>::new([3, 3, 2, 2], alpha).unwrap();
    for (x, &y) in GOLF_X.iter().zip(&GOLF_Y) {
        let x = x.map(|v| v as usize);
        nb.update(&x, y as usize).unwrap();
    }
    nb
}

fn golf_queries() -> impl Iterator<Item = [usize; 4]> {
    GOLF_X
        .iter()
        .map(|x| x.map(|v| v as usize))
        .chain(core::iter::once([0, 2, 0, 1]))
}

#[test]
fn golf_spec_figures() {
    let nb = golf(0.0);
    // P(yes) = 9/14, P(sunny | yes) = 2/9 (outlook = feature 0, sunny = 0, yes = class 1).
    assert!((nb.prior()[1] - 9.0 / 14.0).abs() < 1e-7);
    assert!((nb.probability(1, 0, 0).unwrap() - 2.0 / 9.0).abs() < 1e-7);
    // SPEC: P(no | sunny, cool, high, windy=true) = 0.7954 with α = 0 (exactly 0.795417...).
    let p = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    assert!((p[0] - 0.7954).abs() < 5e-5, "{p:?}");
    // Exact: P(no) ∝ 5/14·3/5·1/5·4/5·3/5, P(yes) ∝ 9/14·2/9·3/9·3/9·3/9.
    let (no, yes) = (
        5.0 / 14.0 * 0.6 * 0.2 * 0.8 * 0.6,
        9.0 / 14.0 * 2.0 / 9.0 / 27.0,
    );
    assert!((p[0] as f64 - no / (no + yes)).abs() < TOL);
    assert_eq!(nb.predict(&[0, 2, 0, 1], None).unwrap(), 0);
    // With α = 1: 0.7201 (SPEC), also sklearn's value below.
    let p1 = golf(1.0).predict_proba(&[0, 2, 0, 1], None).unwrap();
    assert!((p1[0] - 0.7201).abs() < 5e-5, "{p1:?}");
}

#[test]
fn categorical_matches_sklearn() {
    for (alpha, want) in [(1.0, &GOLF_PROBA_ALPHA_1_0), (0.5, &GOLF_PROBA_ALPHA_0_5)] {
        let nb = golf(alpha);
        for (x, w) in golf_queries().zip(want.iter()) {
            assert_close(&nb.predict_proba(&x, None).unwrap(), w, "CategoricalNB");
        }
    }
}

#[test]
fn bernoulli_matches_sklearn() {
    for (alpha, want) in [(1.0, &BERN_PROBA_ALPHA_1_0), (0.5, &BERN_PROBA_ALPHA_0_5)] {
        let mut nb = BernoulliNb::<3, 5>::new(alpha).unwrap();
        for (x, &y) in BERN_X.iter().zip(&BERN_Y) {
            nb.update(&x.map(|v| v == 1), y as usize).unwrap();
        }
        for (i, w) in want.iter().enumerate() {
            // Query i is the 5-bit pattern of i, most significant bit first (as in the script).
            let x: [bool; 5] = core::array::from_fn(|j| (i >> (4 - j)) & 1 == 1);
            assert_close(&nb.predict_proba(&x, None).unwrap(), w, "BernoulliNB");
        }
    }
}

#[test]
fn multinomial_matches_sklearn() {
    let extra = [[0u8, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 1], [0, 3, 2, 0, 7, 0]];
    for (alpha, want) in [(1.0, &MULTI_PROBA_ALPHA_1_0), (0.3, &MULTI_PROBA_ALPHA_0_3)] {
        let mut nb = MultinomialNb::<3, 6>::new(alpha).unwrap();
        for (x, &y) in MULTI_X.iter().zip(&MULTI_Y) {
            nb.update(&x.map(|v| v as f32), y as usize).unwrap();
        }
        for (x, w) in MULTI_X.iter().chain(extra.iter()).zip(want.iter()) {
            let x = x.map(|v| v as f32);
            assert_close(&nb.predict_proba(&x).unwrap(), w, "MultinomialNB");
        }
    }
}

fn iris() -> ([[f32; 4]; 150], [usize; 150]) {
    let text = include_str!("../../data/iris.csv");
    let mut xs = [[0.0f32; 4]; 150];
    let mut ys = [0usize; 150];
    for (i, line) in text.lines().skip(1).enumerate() {
        let mut it = line.split(',');
        for v in xs[i].iter_mut() {
            *v = it.next().unwrap().parse().unwrap();
        }
        ys[i] = match it.next().unwrap() {
            "setosa" => 0,
            "versicolor" => 1,
            _ => 2,
        };
    }
    (xs, ys)
}

#[test]
fn gaussian_matches_sklearn() {
    let (xs, ys) = iris();
    let mut nb = GaussianNb::<3, 4>::new();
    // Class-interleaved order: Welford's result must not depend on the order of updates.
    for k in 0..50 {
        for c in 0..3 {
            nb.update(&xs[c * 50 + k], ys[c * 50 + k]).unwrap();
        }
    }
    for c in 0..3 {
        for i in 0..4 {
            assert!((nb.mean()[c][i] - IRIS_THETA[c][i]).abs() < 1e-9);
            let v = nb.variance(c, i).unwrap().unwrap();
            assert!((v - IRIS_VAR[c][i]).abs() < 1e-9, "var[{c}][{i}] {v}");
        }
    }
    let queries = IRIS_QUERY_ROWS
        .iter()
        .map(|&r| xs[r])
        .chain(IRIS_EXTRA_QUERIES.iter().copied());
    for (x, w) in queries.zip(IRIS_PROBA.iter()) {
        assert_close(&nb.predict_proba(&x).unwrap(), w, "GaussianNB");
    }
    let correct = (0..150)
        .filter(|&i| nb.predict(&xs[i]).unwrap() == ys[i])
        .count();
    assert_eq!(
        correct, 144,
        "GaussianNB training accuracy on iris is 0.96 in sklearn"
    );
}

#[test]
fn spam_bernoulli_spec_figure() {
    // SPEC §9 (with its erratum): 30 spam, 100 ham; documents containing viagra / limited /
    // machine-learning: spam 7 / 17 / 0, ham 1 / 71 / 77. Class 0 = spam, 1 = ham.
    let mut nb = BernoulliNb::<2, 3>::new(0.0).unwrap();
    for (class, n, counts) in [(0usize, 30, [7, 17, 0]), (1, 100, [1, 71, 77])] {
        for d in 0..n {
            let x: [bool; 3] = core::array::from_fn(|w| d < counts[w]);
            nb.update(&x, class).unwrap();
        }
    }
    // viagra present, limited absent, the third word ignored (masked out of the product).
    let mask = [true, true, false];
    let p = nb
        .predict_proba(&[true, false, false], Some(&mask))
        .unwrap();
    assert!((p[0] - 0.9127).abs() < 5e-5, "{p:?}");
    // Exact: spam ∝ 30/130·7/30·13/30, ham ∝ 100/130·1/100·29/100.
    let (s, h) = (
        30.0 / 130.0 * 7.0 / 30.0 * 13.0 / 30.0,
        100.0 / 130.0 * 0.01 * 0.29,
    );
    assert!((p[0] as f64 - s / (s + h)).abs() < TOL);
    // Without the mask "machine learning absent" counts too: P(ml absent | spam) = 1,
    // P(ml absent | ham) = 23/100, so spam becomes even more likely.
    let q = nb.predict_proba(&[true, false, false], None).unwrap();
    let h2 = h * 0.23;
    assert!((q[0] as f64 - s / (s + h2)).abs() < TOL);
}

#[test]
fn zero_probabilities_are_handled_without_nan() {
    // α = 0: a value never seen with a class gives −∞ for that class, not NaN.
    let mut nb = CategoricalNb::<2, 1, 3>::new([3], 0.0).unwrap();
    nb.update(&[0], 0).unwrap();
    nb.update(&[1], 1).unwrap();
    let jll = nb.joint_log_likelihood(&[0], None).unwrap();
    assert!(jll[0].is_finite() && jll[1] == f64::NEG_INFINITY);
    assert_eq!(nb.predict_proba(&[0], None).unwrap(), [1.0, 0.0]);
    // Value 2 was never seen: every class is −∞ → typed error, never NaN.
    assert!(matches!(
        nb.predict_proba(&[2], None),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        nb.predict(&[2], None),
        Err(Error::NonFinite { .. })
    ));
    // Untrained models with α = 0 likewise.
    let empty = MultinomialNb::<2, 2>::new(0.0).unwrap();
    assert!(empty.predict_proba(&[1.0, 0.0]).is_err());
    assert!(GaussianNb::<2, 1>::new().predict_proba(&[0.0]).is_err());
    // Multinomial α = 0 with a zero count and x = 0: the 0·ln 0 term is skipped.
    let mut m = MultinomialNb::<2, 2>::new(0.0).unwrap();
    m.update(&[3.0, 0.0], 0).unwrap();
    m.update(&[1.0, 1.0], 1).unwrap();
    let p = m.predict_proba(&[2.0, 0.0]).unwrap();
    assert!(p.iter().all(|v| v.is_finite()) && p[0] > p[1]);
}

#[test]
fn out_of_range_inputs_are_typed_errors() {
    let mut nb = CategoricalNb::<2, 2, 3>::new([3, 2], 1.0).unwrap();
    assert!(matches!(
        nb.update(&[0, 2], 0),
        Err(Error::OutOfRange {
            what: "feature value",
            index: 2,
            len: 2
        })
    ));
    assert!(matches!(
        nb.update(&[0, 1], 2),
        Err(Error::OutOfRange {
            what: "class",
            index: 2,
            len: 2
        })
    ));
    assert!(matches!(
        nb.update(&[0], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(CategoricalNb::<2, 1, 3>::new([4], 1.0).is_err());
    assert!(CategoricalNb::<2, 1, 3>::new([3], -1.0).is_err());
    let mut b = BernoulliNb::<2, 2>::new(1.0).unwrap();
    assert!(matches!(
        b.update(&[true, false], 5),
        Err(Error::OutOfRange { .. })
    ));
    let mut m = MultinomialNb::<2, 2>::new(1.0).unwrap();
    assert!(m.update(&[-1.0, 0.0], 0).is_err());
    assert!(m.update(&[f32::NAN, 0.0], 0).is_err());
    let mut g = GaussianNb::<2, 2>::new();
    assert!(matches!(
        g.update(&[1.0, f32::INFINITY], 0),
        Err(Error::NonFinite { .. })
    ));
    assert!(nb.forget(0.0).is_err() && nb.forget(1.5).is_err());
}

#[test]
fn forgetting_and_fixed_priors() {
    // Scaling every count by the same factor leaves α = 0 posteriors unchanged …
    let mut nb = golf(0.0);
    let before = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    nb.forget(0.5).unwrap();
    let after = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    assert!((before[0] - after[0]).abs() < 1e-6);
    assert!((nb.class_count()[1] - 4.5).abs() < 1e-6);
    // … and makes new samples weigh twice as much as old ones.
    nb.update(&[0, 2, 0, 1], 1).unwrap();
    assert!((nb.class_count()[1] - 5.5).abs() < 1e-6);
    // Fixed priors replace the learned ones: P(no) ∝ 0.5·(3/5·1/5·4/5·3/5) with α = 0.
    let mut nb = golf(0.0);
    nb.set_prior(Some([0.5, 0.5])).unwrap();
    let p = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    let (no, yes) = (0.6 * 0.2 * 0.8 * 0.6, 2.0 / 9.0 / 27.0);
    assert!((p[0] as f64 - no / (no + yes)).abs() < TOL);
    assert!(nb.set_prior(Some([0.5, 0.6])).is_err());
    // Gaussian forgetting keeps means and variances (weighted Welford).
    let mut g = GaussianNb::<1, 1>::new();
    for v in [1.0f32, 2.0, 3.0, 4.0] {
        g.update(&[v], 0).unwrap();
    }
    let var = g.variance(0, 0).unwrap().unwrap();
    g.forget(0.25).unwrap();
    assert!((g.variance(0, 0).unwrap().unwrap() - var).abs() < 1e-12);
    assert!((g.mean()[0][0] - 2.5).abs() < 1e-12);
}
