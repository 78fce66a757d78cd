//! `embedml train nb` / `predict` / `eval` end to end: the probabilities of models trained
//! through the CLI on small CSV files equal scikit-learn's (`predict_proba`, pinned in
//! core/tests/fixtures/sklearn_nb_reference.rs) to 1e-6 — categorical with string
//! categories on data/golf.csv, Bernoulli, multinomial, Gaussian on data/iris.csv — plus the
//! SPEC §9 figures through the demos and one-line errors.

mod common;

use common::{data, fails, num, ok_json, Tmp};
use embedml_host::io::ModelFile;
use serde_json::Value;

const TOL: f64 = 1e-6;

// scikit-learn's reference values, shared with core/tests/naive_bayes_sklearn.rs.
#[allow(dead_code)]
mod reference {
    include!("../../core/tests/fixtures/sklearn_nb_reference.rs");
}
use reference::*;

/// Trains `--kind KIND` on `train` (class column `y`) with `alpha`, predicts `queries`, and
/// checks every row's `proba` against `want` (classes in sklearn's sorted order).
fn check_against_sklearn(kind: &str, train: &str, alpha: &str, queries: &str, want: &[Vec<f64>]) {
    let model = Tmp::new(&format!("{kind}.safetensors"));
    let t = ok_json(&[
        "train",
        "nb",
        "--kind",
        kind,
        "--data",
        train,
        "--y",
        "y",
        "--alpha",
        alpha,
        "--out",
        model.s(),
        "--json",
    ]);
    assert_eq!(t["model"], "nb");
    let p = ok_json(&["predict", "--model", model.s(), "--data", queries, "--json"]);
    let classes: Vec<String> = p["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let rows = p["predictions"].as_array().unwrap();
    assert_eq!(rows.len(), want.len(), "{kind}: one prediction per query");
    for (r, (row, w)) in rows.iter().zip(want).enumerate() {
        for (c, name) in classes.iter().enumerate() {
            let got = num(&row["proba"][name]);
            assert!(
                (got - w[c]).abs() <= TOL,
                "{kind} alpha {alpha} row {r} class {name}: got {got}, sklearn {}",
                w[c]
            );
        }
        // The predicted class is sklearn's argmax (unless the top two tie).
        let mut order: Vec<usize> = (0..w.len()).collect();
        order.sort_by(|&a, &b| w[b].total_cmp(&w[a]));
        if w[order[0]] - w[order[1]] > 1e-6 {
            assert_eq!(row["class"], classes[order[0]].as_str(), "{kind} row {r}");
        }
    }
}

fn csv(header: &str, rows: impl IntoIterator<Item = String>) -> String {
    let mut s = header.to_owned();
    for r in rows {
        s.push('\n');
        s.push_str(&r);
    }
    s.push('\n');
    s
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

#[test]
fn categorical_with_string_categories_matches_sklearn_on_golf() {
    // The golf rows themselves, then (sunny, cool, high, windy = true) — the SPEC query.
    let text = std::fs::read_to_string(data("golf.csv")).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_owned())
        .collect();
    lines.push("sunny,cool,high,true".into());
    let queries = Tmp::with("golf-q.csv", &(lines.join("\n") + "\n"));
    // golf.csv's class column is `play`: copy it with the column renamed to `y`.
    let train = Tmp::with("golf.csv", &text.replacen(",play", ",y", 1));
    for (alpha, want) in [("1", &GOLF_PROBA_ALPHA_1_0), ("0.5", &GOLF_PROBA_ALPHA_0_5)] {
        let want: Vec<Vec<f64>> = want.iter().map(|r| r.to_vec()).collect();
        check_against_sklearn("categorical", train.s(), alpha, queries.s(), &want);
    }
}

#[test]
fn bernoulli_matches_sklearn() {
    let train = Tmp::with(
        "bern.csv",
        &csv(
            "a,b,c,d,e,y",
            BERN_X
                .iter()
                .zip(BERN_Y)
                .map(|(x, y)| format!("{},{y}", join(x))),
        ),
    );
    // Query i is the 5-bit pattern of i, most significant bit first.
    let queries = Tmp::with(
        "bern-q.csv",
        &csv(
            "a,b,c,d,e",
            (0..32).map(|i: usize| join(&(0..5).map(|j| (i >> (4 - j)) & 1).collect::<Vec<_>>())),
        ),
    );
    for (alpha, want) in [("1", &BERN_PROBA_ALPHA_1_0), ("0.5", &BERN_PROBA_ALPHA_0_5)] {
        let want: Vec<Vec<f64>> = want.iter().map(|r| r.to_vec()).collect();
        check_against_sklearn("bernoulli", train.s(), alpha, queries.s(), &want);
    }
}

#[test]
fn multinomial_matches_sklearn() {
    let train = Tmp::with(
        "multi.csv",
        &csv(
            "w0,w1,w2,w3,w4,w5,y",
            MULTI_X
                .iter()
                .zip(MULTI_Y)
                .map(|(x, y)| format!("{},{y}", join(x))),
        ),
    );
    let extra = [[0u8, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 1], [0, 3, 2, 0, 7, 0]];
    let queries = Tmp::with(
        "multi-q.csv",
        &csv(
            "w0,w1,w2,w3,w4,w5",
            MULTI_X.iter().chain(extra.iter()).map(|x| join(x)),
        ),
    );
    for (alpha, want) in [
        ("1", &MULTI_PROBA_ALPHA_1_0),
        ("0.3", &MULTI_PROBA_ALPHA_0_3),
    ] {
        let want: Vec<Vec<f64>> = want.iter().map(|r| r.to_vec()).collect();
        check_against_sklearn("multinomial", train.s(), alpha, queries.s(), &want);
    }
}

#[test]
fn gaussian_matches_sklearn_on_iris_and_round_trips_f64_statistics() {
    let text = std::fs::read_to_string(data("iris.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let train = Tmp::with("iris.csv", &text.replacen(",species", ",y", 1));
    assert!(header.ends_with(",species"));
    let features = header.rsplit_once(',').unwrap().0;
    let queries = Tmp::with(
        "iris-q.csv",
        &csv(
            features,
            IRIS_QUERY_ROWS
                .iter()
                .map(|&r| rows[r].rsplit_once(',').unwrap().0.to_owned())
                .chain(IRIS_EXTRA_QUERIES.iter().map(|q| join(q))),
        ),
    );
    let want: Vec<Vec<f64>> = IRIS_PROBA.iter().map(|r| r.to_vec()).collect();
    check_against_sklearn("gaussian", train.s(), "1", queries.s(), &want);
    // Training accuracy 0.96 as sklearn's; the means are stored as F64 tensors.
    let model = Tmp::new("iris-nb.safetensors");
    let t = ok_json(&[
        "train",
        "nb",
        "--kind",
        "gaussian",
        "--data",
        &data("iris.csv"),
        "--y",
        "species",
        "--out",
        model.s(),
        "--json",
    ]);
    assert!((num(&t["train_accuracy"]) - 0.96).abs() < 1e-12, "{t}");
    let f = ModelFile::load(&model.0).unwrap();
    let mean = f.tensor_f64("mean", &[3, 4]).unwrap();
    assert!(
        (mean[0] - 5.006).abs() < 1e-6,
        "setosa sepal length mean {}",
        mean[0]
    );
    assert_eq!(f.get("variant").unwrap(), "gaussian");
}

#[test]
fn eval_reports_accuracy_and_log_loss_consistent_with_predict() {
    let model = Tmp::new("golf.safetensors");
    ok_json(&[
        "train",
        "nb",
        "--kind",
        "categorical",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--alpha",
        "1",
        "--out",
        model.s(),
        "--json",
    ]);
    let e = ok_json(&[
        "eval",
        "--model",
        model.s(),
        "--data",
        &data("golf.csv"),
        "--json",
    ]);
    assert_eq!(e["n"], 14);
    let p = ok_json(&[
        "predict",
        "--model",
        model.s(),
        "--data",
        &data("golf.csv"),
        "--json",
    ]);
    let text = std::fs::read_to_string(data("golf.csv")).unwrap();
    let truth: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    let (mut ll, mut correct) = (0.0, 0);
    for (row, t) in p["predictions"].as_array().unwrap().iter().zip(&truth) {
        ll -= num(&row["proba"][*t]).ln();
        correct += (row["class"] == *t) as usize;
    }
    assert!((num(&e["log_loss"]) - ll / 14.0).abs() < 1e-6, "{e}");
    assert!(
        (num(&e["accuracy"]) - correct as f64 / 14.0).abs() < 1e-12,
        "{e}"
    );
    // The model file: kind, variant, classes, vocabularies and the counts tensor.
    let f = ModelFile::load(&model.0).unwrap();
    assert_eq!(f.kind(), "nb");
    assert_eq!(f.get_json::<Vec<String>>("classes").unwrap(), ["no", "yes"]);
    let vocab: Vec<Vec<String>> = f.get_json("vocabularies").unwrap();
    assert_eq!(vocab[0], ["overcast", "rainy", "sunny"]);
    let counts = f.tensor("counts", &[2, 4, 3]).unwrap();
    // Sunny days with play = yes: 2 (class 1, feature 0, value 2).
    assert_eq!(counts[(4) * 3 + 2], 2.0);
}

#[test]
fn spec_figures_through_the_demos() {
    let g = ok_json(&["demo", "golf", "--data", &data("golf.csv"), "--json"]);
    assert!((num(&g["p_yes"]) - 9.0 / 14.0).abs() < 1e-7, "{g}");
    assert!(
        (num(&g["p_sunny_given_yes"]) - 2.0 / 9.0).abs() < 1e-7,
        "{g}"
    );
    // Exact α = 0 value: 5/14·3/5·1/5·4/5·3/5 against 9/14·2/9·3/9·3/9·3/9.
    let (no, yes) = (
        5.0 / 14.0 * 0.6 * 0.2 * 0.8 * 0.6,
        9.0 / 14.0 * 2.0 / 9.0 / 27.0,
    );
    let p0 = num(&g["p_no_given_sunny_cool_high_windy_alpha0"]);
    assert!(
        (p0 - no / (no + yes)).abs() < TOL && (p0 - 0.7954).abs() < 5e-5,
        "{g}"
    );
    let p1 = num(&g["p_no_given_sunny_cool_high_windy_alpha1"]);
    assert!((p1 - GOLF_PROBA_ALPHA_1_0[14][0]).abs() < TOL && (p1 - 0.7201).abs() < 5e-5);
    let s = ok_json(&["demo", "spam", "--json"]);
    let (sp, h) = (
        30.0 / 130.0 * 7.0 / 30.0 * 13.0 / 30.0,
        100.0 / 130.0 * 0.01 * 0.29,
    );
    let p = num(&s["p_spam"]);
    assert!(
        (p - sp / (sp + h)).abs() < TOL && (p - 0.9127).abs() < 5e-5,
        "{s}"
    );
    // All three words observed: "machine learning" absent multiplies ham by 23/100.
    assert!(
        (num(&s["p_spam_all_words"]) - sp / (sp + h * 0.23)).abs() < TOL,
        "{s}"
    );
    let b = ok_json(&["demo", "bayes", "--json"]);
    assert!(
        (num(&b["posterior"]) - 0.3 * 0.074 / 0.294).abs() < 1e-6,
        "{b}"
    );
    assert!((num(&b["posterior"]) - 0.0755).abs() < 5e-5);
}

#[test]
fn errors_are_one_line_with_exit_code_2() {
    let model = Tmp::new("golf-err.safetensors");
    ok_json(&[
        "train",
        "nb",
        "--kind",
        "categorical",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--out",
        model.s(),
        "--json",
    ]);
    let q = Tmp::with(
        "foggy.csv",
        "outlook,temperature,humidity,windy\nsunny,cool,high,true\nfoggy,cool,high,true\n",
    );
    let e = fails(&["predict", "--model", model.s(), "--data", q.s(), "--json"]);
    assert!(
        e.contains(":3: column 'outlook' has category 'foggy', which the model never saw"),
        "{e}"
    );
    let e = fails(&["predict", "--model", model.s(), "--data", &data("iris.csv")]);
    assert!(e.contains("unknown column 'outlook'"), "{e}");
    let e = fails(&["eval", "--model", model.s()]);
    assert!(e.contains("eval needs --data"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "categorical",
        "--data",
        &data("golf.csv"),
        "--y",
        "nope",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("unknown column 'nope'"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "bernoulli",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--alpha",
        "-0.5",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("alpha"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "gaussian",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("non-numeric value 'sunny'"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "poisson",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("poisson"), "{e}");
    // The failed trainings left the first model intact.
    assert_eq!(
        ModelFile::load(&model.0).unwrap().get("variant").unwrap(),
        "categorical"
    );
    let v: Value = ok_json(&[
        "eval",
        "--model",
        model.s(),
        "--data",
        &data("golf.csv"),
        "--json",
    ]);
    assert_eq!(v["n"], 14);
}
