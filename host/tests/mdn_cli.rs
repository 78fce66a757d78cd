//! End-to-end tests of the MDN commands of the `embedml` binary: `train mdn`, `eval` (NLL in
//! data units), `predict` (mixtures), `sample`, `plot`, and one-line errors with exit code 2.

mod common;

use common::{data, ok_json, ok_stdout, Tmp};
use embedml_host::io::ModelFile;
use serde_json::Value;

/// Must fail with exit 2 and one `error: …` line that contains `needle`.
fn fails(args: &[&str], needle: &str) {
    let err = common::fails(args);
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

fn train_iris(model: &Tmp, extra: &[&str]) -> Value {
    let iris = data("iris.csv");
    let mut args = vec![
        "train",
        "mdn",
        "--data",
        &iris,
        "--x",
        "sepal_width",
        "--y",
        "petal_width",
        "--components",
        "2",
        "--hidden",
        "6",
        "--epochs",
        "60",
        "--sigma-min",
        "0.05",
        "--seed",
        "3",
        "--out",
        model.s(),
        "--json",
    ];
    args.extend_from_slice(extra);
    ok_json(&args)
}

#[test]
fn train_eval_predict_sample_plot() {
    let model = Tmp::new("iris.safetensors");
    let j = train_iris(&model, &["--standardize"]);
    assert_eq!(j["model"], "mdn");
    assert_eq!(j["epochs"], 60.0);
    for key in ["train_nll", "seconds", "samples_per_s"] {
        assert!(j[key].as_f64().unwrap().is_finite(), "{key}: {j}");
    }
    // samples/s = epochs × n / seconds.
    let sps = j["samples_per_s"].as_f64().unwrap();
    let expect = 60.0 * 150.0 / j["seconds"].as_f64().unwrap();
    assert!((sps / expect - 1.0).abs() < 1e-6, "{sps} vs {expect}");
    // The file follows the conventions.
    let f = ModelFile::load(&model.0).unwrap();
    assert_eq!(f.kind(), "mdn");
    assert_eq!(f.get("format").unwrap(), "embedml");
    assert_eq!(f.get("components").unwrap(), "2");
    assert_eq!(f.get("target_dim").unwrap(), "1");
    // K (L + 2) = 6 outputs from 6 hidden units.
    assert_eq!(f.tensor("layers.1.weight", &[6, 6]).unwrap().len(), 36);

    let iris = data("iris.csv");
    let e = ok_json(&["eval", "--model", model.s(), "--data", &iris, "--json"]);
    assert_eq!(e["n"], 150);
    // eval on the training file reproduces the train NLL (both in data units).
    let nll = e["nll"].as_f64().unwrap();
    assert!(
        (nll - j["train_nll"].as_f64().unwrap()).abs() < 1e-9,
        "{e} {j}"
    );

    let p = ok_json(&["predict", "--model", model.s(), "--data", &iris, "--json"]);
    let rows = p["predictions"].as_array().unwrap();
    assert_eq!(rows.len(), 150);
    let r = &rows[0];
    let pi: Vec<f64> = r["pi"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(pi.len(), 2);
    assert!((pi.iter().sum::<f64>() - 1.0).abs() < 1e-5);
    assert_eq!(r["mu"].as_array().unwrap().len(), 2);
    assert_eq!(r["mu"][0].as_array().unwrap().len(), 1);
    // Data units: the mean is a petal width in cm (0.1 … 2.5), and mean = Σ π μ.
    let mean = r["mean"][0].as_f64().unwrap();
    let mix_mean: f64 = (0..2)
        .map(|c| pi[c] * r["mu"][c][0].as_f64().unwrap())
        .sum();
    assert!(
        (mean - mix_mean).abs() < 1e-4 && (0.0..2.6).contains(&mean),
        "{r}"
    );
    assert!(r["variance"][0].as_f64().unwrap() > 0.0);
    assert!(r["mode"][0].as_f64().unwrap().is_finite());

    let csv = ok_stdout(&["predict", "--model", model.s(), "--data", &iris, "--csv"]);
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "pi_0,pi_1,mu_0_petal_width,mu_1_petal_width,sigma_0_petal_width,sigma_1_petal_width,mean_petal_width,variance_petal_width,mode_petal_width"
    );
    assert_eq!(csv.lines().count(), 151);

    let s = ok_stdout(&[
        "sample",
        "--model",
        model.s(),
        "--data",
        &iris,
        "--n",
        "3",
        "--seed",
        "5",
        "--csv",
    ]);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "row,sepal_width,petal_width");
    assert_eq!(lines.len(), 1 + 450);
    assert!(
        lines[1].starts_with("0,3.5,") && lines[4].starts_with("1,3,"),
        "{s:.200}"
    );
    // Same seed, same samples.
    let again = ok_stdout(&[
        "sample",
        "--model",
        model.s(),
        "--data",
        &iris,
        "--n",
        "3",
        "--seed",
        "5",
    ]);
    assert_eq!(s, again);

    let fig = Tmp::new("fig.png");
    ok_stdout(&[
        "plot",
        "--model",
        model.s(),
        "--data",
        &iris,
        "--out",
        fig.s(),
    ]);
    let png = std::fs::read(&fig.0).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn restarts_and_soft_sharing_are_stored() {
    let model = Tmp::new("soft.safetensors");
    let j = train_iris(
        &model,
        &[
            "--standardize",
            "--restarts",
            "3",
            "--soft-share",
            "3",
            "--soft-lambda",
            "0.001",
        ],
    );
    assert_eq!(j["restarts"], 3);
    let f = ModelFile::load(&model.0).unwrap();
    for name in ["soft_share.eta", "soft_share.mu", "soft_share.xi"] {
        assert_eq!(f.tensor(name, &[3]).unwrap().len(), 3);
    }
    // A restart never makes the kept training NLL worse than a single run from the same seed.
    let single = Tmp::new("single.safetensors");
    let s = train_iris(
        &single,
        &[
            "--standardize",
            "--soft-share",
            "3",
            "--soft-lambda",
            "0.001",
        ],
    );
    assert!(j["train_nll"].as_f64().unwrap() <= s["train_nll"].as_f64().unwrap() + 1e-9);
}

#[test]
fn errors_are_one_line_with_exit_2() {
    let iris = data("iris.csv");
    let out = Tmp::new("bad.safetensors");
    let base = [
        "train",
        "mdn",
        "--data",
        &iris,
        "--x",
        "sepal_width",
        "--out",
        out.s(),
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let a = with(&["--y", "petal_width", "--components", "0"]);
    fails(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "--components must be at least 1",
    );
    let a = with(&["--y", "petal_wid"]);
    fails(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "unknown column 'petal_wid'",
    );
    let a = with(&["--y", "species"]);
    fails(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "non-numeric value",
    );
    let nan = Tmp::with("nan.csv", "a,b\n1,2\nNaN,3\n2,4\n");
    fails(
        &[
            "train",
            "mdn",
            "--data",
            nan.s(),
            "--x",
            "a",
            "--y",
            "b",
            "--out",
            out.s(),
        ],
        "nan.csv:3: column 'a' has a non-finite value 'NaN'",
    );
    // A model of another kind, and plot shapes it cannot draw.
    let mlp = Tmp::new("mlp.safetensors");
    ok_stdout(&[
        "train",
        "mlp",
        "--data",
        &iris,
        "--y",
        "species",
        "--epochs",
        "1",
        "--out",
        mlp.s(),
    ]);
    fails(
        &["sample", "--model", mlp.s(), "--data", &iris],
        "model is a mlp, expected mdn",
    );
    let wide = Tmp::new("wide.safetensors");
    ok_stdout(&[
        "train",
        "mdn",
        "--data",
        &iris,
        "--x",
        "sepal_width,sepal_length",
        "--y",
        "petal_width",
        "--epochs",
        "1",
        "--out",
        wide.s(),
    ]);
    let fig = Tmp::new("wide.png");
    fails(
        &[
            "plot",
            "--model",
            wide.s(),
            "--data",
            &iris,
            "--out",
            fig.s(),
        ],
        "2 input(s) and 1 target(s)",
    );
}
