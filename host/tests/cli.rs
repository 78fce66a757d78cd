//! End-to-end tests of the `embedml` binary: training, evaluation, prediction, the RBF demo,
//! JSON outputs, and one-line errors with exit code 2.

mod common;

use common::{data, fails, ok_json, run, Tmp};
use embedml_host::io::ModelFile;

#[test]
fn iris_multiclass_with_string_labels() {
    let model = Tmp::new("iris.safetensors");
    let iris = data("iris.csv");
    let j = ok_json(&[
        "train",
        "mlp",
        "--data",
        &iris,
        "--y",
        "species",
        "--hidden",
        "16",
        "--epochs",
        "200",
        "--seed",
        "1",
        "--out",
        model.s(),
        "--json",
    ]);
    assert_eq!(j["model"], "mlp");
    assert_eq!(j["epochs"], 200);
    assert!(j["seconds"].as_f64().unwrap() >= 0.0);
    let train_loss = j["train_loss"].as_f64().unwrap();
    assert!(train_loss < 0.2, "{j}");

    let e = ok_json(&["eval", "--model", model.s(), "--data", &iris, "--json"]);
    assert_eq!(e["n"], 150);
    assert!(e["accuracy"].as_f64().unwrap() >= 0.95, "{e}");
    // eval on the training data reproduces the loss train reported.
    assert!(
        (e["loss"].as_f64().unwrap() - train_loss).abs() < 1e-9,
        "{e} vs {j}"
    );

    // The file: safetensors with the documented tensors and metadata.
    let f = ModelFile::load(&model.0).unwrap();
    assert_eq!(f.kind(), "mlp");
    assert_eq!(f.get("format").unwrap(), "embedml");
    assert_eq!(f.get("format_version").unwrap(), "1");
    assert_eq!(f.get_json::<Vec<usize>>("sizes").unwrap(), vec![4, 16, 3]);
    assert_eq!(
        f.get_json::<Vec<String>>("classes").unwrap(),
        vec!["setosa", "versicolor", "virginica"]
    );
    assert_eq!(f.get("task").unwrap(), "multiclass");
    assert_eq!(f.get("loss").unwrap(), "softmax_cross_entropy");
    assert_eq!(f.tensor("layers.0.weight", &[16, 4]).unwrap().len(), 64);
    assert_eq!(f.tensor("layers.1.bias", &[3]).unwrap().len(), 3);

    // predict: CSV with one row per input row, probabilities summing to one.
    let out = run(&["predict", "--model", model.s(), "--data", &iris, "--csv"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 151);
    assert_eq!(lines[0], "class,p_setosa,p_versicolor,p_virginica");
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(first[0], "setosa");
    let s: f32 = first[1..].iter().map(|v| v.parse::<f32>().unwrap()).sum();
    assert!((s - 1.0).abs() < 1e-5);
    // predict --json: same classes.
    let p = ok_json(&["predict", "--model", model.s(), "--data", &iris, "--json"]);
    assert_eq!(p["n"], 150);
    assert_eq!(
        p["predictions"][149]["class"],
        lines[150].split(',').next().unwrap()
    );
    assert!(
        p["predictions"][0]["probabilities"]["setosa"]
            .as_f64()
            .unwrap()
            > 0.9
    );
}

#[test]
fn iris_regression_in_data_units() {
    let model = Tmp::new("pw.safetensors");
    let iris = data("iris.csv");
    let j = ok_json(&[
        "train",
        "mlp",
        "--data",
        &iris,
        "--x",
        "petal_length",
        "--y",
        "petal_width",
        "--standardize",
        "--out",
        model.s(),
        "--json",
    ]);
    // Least squares petal_width = 0.41576·petal_length − 0.36308 has MSE 0.042067 (NumPy); the
    // variance of petal_width is 0.57713. A small tanh net matches or beats the line.
    let loss = j["train_loss"].as_f64().unwrap();
    assert!(loss > 0.02 && loss < 0.045, "{j}");
    let e = ok_json(&["eval", "--model", model.s(), "--data", &iris, "--json"]);
    assert!(e.get("accuracy").is_none(), "{e}");
    assert!((e["loss"].as_f64().unwrap() - loss).abs() < 1e-9);
    // Predictions are un-standardised: their mean is near petal_width's mean 1.19933.
    let p = ok_json(&["predict", "--model", model.s(), "--data", &iris, "--json"]);
    let preds = p["predictions"].as_array().unwrap();
    assert_eq!(preds.len(), 150);
    let mean: f64 = preds
        .iter()
        .map(|r| r["petal_width"].as_f64().unwrap())
        .sum::<f64>()
        / 150.0;
    assert!((mean - 1.19933).abs() < 0.05, "{mean}");
    // Predict needs only the input columns.
    let only_x = Tmp::with("x.csv", "petal_length\n1.4\n5.0\n");
    let out = run(&[
        "predict",
        "--model",
        model.s(),
        "--data",
        only_x.s(),
        "--csv",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<f32> = text.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    // Near the least-squares line (0.219 and 1.716).
    assert!(
        (v[0] - 0.219).abs() < 0.15 && (v[1] - 1.716).abs() < 0.2,
        "{v:?}"
    );
}

#[test]
fn binary_task_from_a_zero_one_column() {
    let csv = Tmp::with(
        "bin.csv",
        &(0..60)
            .map(|i| {
                let x = i as f32 / 10.0 - 3.0;
                format!("{x},{}\n", u8::from(x > 0.4))
            })
            .fold("x,label\n".to_string(), |a, b| a + &b),
    );
    let model = Tmp::new("bin.safetensors");
    ok_json(&[
        "train",
        "mlp",
        "--data",
        csv.s(),
        "--y",
        "label",
        "--epochs",
        "300",
        "--out",
        model.s(),
        "--json",
    ]);
    let f = ModelFile::load(&model.0).unwrap();
    assert_eq!(f.get("task").unwrap(), "binary");
    assert_eq!(f.get_json::<Vec<usize>>("sizes").unwrap(), vec![1, 16, 1]);
    let e = ok_json(&["eval", "--model", model.s(), "--data", csv.s(), "--json"]);
    assert!(e["accuracy"].as_f64().unwrap() >= 0.95, "{e}");
}

#[test]
fn rbf_demo_reproduces_the_seed_algorithm() {
    let j = ok_json(&["demo", "rbf", "--json"]);
    let costs = j["costs"].as_array().unwrap();
    assert_eq!(costs.len(), 31);
    // The seed's NumPy code on the same draw: 88.071831 → 22.782782, w_h 4.530758, w_o 3.580828.
    assert!((costs[0].as_f64().unwrap() - 88.071_831).abs() < 1e-2);
    assert!((j["final_cost"].as_f64().unwrap() - 22.782_782).abs() < 1e-2);
    assert!((j["w_h"].as_f64().unwrap() - 4.530_758).abs() < 1e-3);
    assert!((j["w_o"].as_f64().unwrap() - 3.580_828).abs() < 1e-3);
    let other = ok_json(&["demo", "rbf", "--seed", "4", "--json"]);
    assert_ne!(other["costs"][0], j["costs"][0]);
}

#[test]
fn help_and_version() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("Examples:") && help.contains("embedml train mlp"));
    for cmd in [
        &["train", "mlp", "--help"][..],
        &["eval", "--help"],
        &["predict", "--help"],
        &["demo", "rbf", "--help"],
    ] {
        let out = run(cmd);
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8(out.stdout).unwrap().contains("Examples:"),
            "{cmd:?}"
        );
    }
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("embedml "));
}

#[test]
fn errors_are_one_line_with_exit_code_2() {
    let iris = data("iris.csv");
    let out = Tmp::new("never.safetensors");
    let train = |data: &str, y: &str| {
        fails(&[
            "train",
            "mlp",
            "--data",
            data,
            "--y",
            y,
            "--epochs",
            "1",
            "--out",
            out.s(),
        ])
    };
    // Missing file.
    let e = train("/nonexistent/none.csv", "y");
    assert!(e.contains("/nonexistent/none.csv"), "{e}");
    // Unknown column: the available ones are listed.
    let e = train(&iris, "colour");
    assert!(
        e.contains("unknown column 'colour'") && e.contains("petal_width"),
        "{e}"
    );
    // Non-numeric cell: file:line and column.
    let bad = Tmp::with("bad.csv", "a,b,y\n1,2,3\n4,five,6\n7,8,9\n");
    let e = train(bad.s(), "y");
    assert!(
        e.contains(&format!("{}:3", bad.s())) && e.contains("'b'") && e.contains("five"),
        "{e}"
    );
    // NaN cell.
    let nan = Tmp::with("nan.csv", "a,y\n1,0.5\nNaN,0.7\n2,0.1\n");
    let e = train(nan.s(), "y");
    assert!(
        e.contains(&format!("{}:3", nan.s())) && e.contains("non-finite"),
        "{e}"
    );
    // Empty data: header only, and a completely empty file.
    let header = Tmp::with("header.csv", "a,y\n");
    assert!(train(header.s(), "y").contains("no data rows"));
    let empty = Tmp::with("empty.csv", "");
    let e = train(empty.s(), "y");
    assert!(e.contains("empty") || e.contains("no data"), "{e}");
    // Ragged row.
    let ragged = Tmp::with("ragged.csv", "a,y\n1,2\n3\n");
    let e = train(ragged.s(), "y");
    assert!(
        e.contains(&format!("{}:3", ragged.s())) && e.contains("fields"),
        "{e}"
    );
    assert!(!out.0.exists(), "no model may be written on failure");
    // Bad hyperparameters.
    let e = fails(&[
        "train",
        "mlp",
        "--data",
        &iris,
        "--y",
        "species",
        "--batch",
        "0",
        "--out",
        out.s(),
    ]);
    assert!(e.contains("--batch"), "{e}");
    let e = fails(&[
        "train",
        "mlp",
        "--data",
        &iris,
        "--y",
        "species",
        "--activation",
        "swish",
        "--out",
        out.s(),
    ]);
    assert!(e.contains("swish"), "{e}");
    // Command-line errors are one line too.
    fails(&["train", "mlp", "--data", &iris]);
    fails(&["eval", "--bogus"]);

    // Evaluating something that is not a safetensors file.
    let e = fails(&["eval", "--model", &iris, "--data", &iris]);
    assert!(e.contains("not a safetensors"), "{e}");
    // A safetensors file of another kind.
    let mut other = ModelFile::new("svm");
    other.push("q", &[2, 2], &[0.0; 4]).unwrap();
    let other_path = Tmp::new("q.safetensors");
    other.save(&other_path.0).unwrap();
    let e = fails(&["eval", "--model", other_path.s(), "--data", &iris]);
    assert!(e.contains("model is a svm, expected one of: mlp"), "{e}");
    // A safetensors file without embedml metadata.
    let mut foreign = ModelFile::new("mlp");
    foreign.metadata.clear();
    foreign.push("w", &[1], &[1.0]).unwrap();
    let foreign_path = Tmp::new("foreign.safetensors");
    foreign.save(&foreign_path.0).unwrap();
    let e = fails(&["predict", "--model", foreign_path.s(), "--data", &iris]);
    assert!(e.contains("not an embedml model"), "{e}");
    // A model evaluated on data missing its target column, or with an unseen label.
    let model = Tmp::new("m.safetensors");
    ok_json(&[
        "train",
        "mlp",
        "--data",
        &iris,
        "--y",
        "species",
        "--epochs",
        "2",
        "--out",
        model.s(),
        "--json",
    ]);
    let no_y = Tmp::with(
        "noy.csv",
        "sepal_length,sepal_width,petal_length,petal_width\n5,3,1,0.2\n",
    );
    let e = fails(&["eval", "--model", model.s(), "--data", no_y.s()]);
    assert!(e.contains("unknown column 'species'"), "{e}");
    let unseen = Tmp::with(
        "unseen.csv",
        "sepal_length,sepal_width,petal_length,petal_width,species\n5,3,1,0.2,tulip\n",
    );
    let e = fails(&["eval", "--model", model.s(), "--data", unseen.s()]);
    assert!(
        e.contains(&format!("{}:2", unseen.s())) && e.contains("tulip"),
        "{e}"
    );
    // A truncated model file.
    let bytes = std::fs::read(&model.0).unwrap();
    let cut = Tmp::new("cut.safetensors");
    std::fs::write(&cut.0, &bytes[..bytes.len() - 10]).unwrap();
    let e = fails(&["eval", "--model", cut.s(), "--data", &iris]);
    assert!(e.contains("not a safetensors"), "{e}");
}

#[test]
fn training_is_deterministic_given_the_seed() {
    let iris = data("iris.csv");
    let train = |seed: &str, out: &Tmp| {
        ok_json(&[
            "train",
            "mlp",
            "--data",
            &iris,
            "--y",
            "species",
            "--hidden",
            "8,8",
            "--activation",
            "relu",
            "--optimizer",
            "momentum",
            "--epochs",
            "20",
            "--seed",
            seed,
            "--out",
            out.s(),
            "--json",
        ])
    };
    let (a, b, c) = (Tmp::new("a.st"), Tmp::new("b.st"), Tmp::new("c.st"));
    train("5", &a);
    train("5", &b);
    train("6", &c);
    let (fa, fb, fc) = (
        ModelFile::load(&a.0).unwrap(),
        ModelFile::load(&b.0).unwrap(),
        ModelFile::load(&c.0).unwrap(),
    );
    assert_eq!(
        fa.get_json::<Vec<usize>>("sizes").unwrap(),
        vec![4, 8, 8, 3]
    );
    let w = |f: &ModelFile| f.tensor("layers.1.weight", &[8, 8]).unwrap().to_vec();
    assert_eq!(w(&fa), w(&fb));
    assert_ne!(w(&fa), w(&fc));
}
