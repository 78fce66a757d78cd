//! `embedml train qlearn` / `eval` / `predict` / `plot` end to end, with the quality bars of
//! the issue reached by the defaults of `train qlearn` (fixed seed 0):
//! FrozenLake 4×4 slippery (50 000 episodes) greedy success ≥ 0.72 over 10 000 episodes;
//! non-slippery (2 000 episodes) success 1.0; CliffWalking greedy return −13 (optimal);
//! Taxi (10 000 episodes) mean greedy return ≥ 7.5 over all 300 start states.

mod common;

use common::{fails, num, ok_json, Tmp};
use embedml_host::io::ModelFile;
use serde_json::Value;

/// Trains `embedml train qlearn ARGS --out TMP --json` and returns (model path, JSON).
fn train(args: &[&str]) -> (Tmp, Value) {
    let model = Tmp::new("q.safetensors");
    let mut all = vec!["train", "qlearn"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", model.s(), "--json"]);
    let v = ok_json(&all);
    assert_eq!(v["model"], "qlearn");
    (model, v)
}

fn eval(model: &Tmp, episodes: &str) -> Value {
    ok_json(&[
        "eval",
        "--model",
        model.s(),
        "--episodes",
        episodes,
        "--seed",
        "0",
        "--json",
    ])
}

#[test]
fn frozenlake_slippery_reaches_072_and_the_file_holds_q_and_returns() {
    let (model, t) = train(&["--env", "frozenlake-4x4"]);
    assert_eq!(t["episodes"], 50_000);
    assert_eq!(t["env"], "frozenlake-4x4");
    let last = num(&t["mean_return_last_100"]);
    assert!((0.0..=1.0).contains(&last), "{t}");
    let e = eval(&model, "10000");
    assert_eq!(e["episodes"], 10_000);
    let success = num(&e["success_rate"]);
    assert!(success >= 0.72, "greedy success {success} < 0.72: {e}");
    // FrozenLake's return is 1 on success, 0 otherwise.
    assert!((num(&e["mean_return"]) - success).abs() < 1e-6);

    let f = ModelFile::load(&model.0).unwrap();
    assert_eq!(f.kind(), "qlearn");
    assert_eq!(f.get("env").unwrap(), "frozenlake-4x4");
    assert_eq!(f.get("gym_id").unwrap(), "FrozenLake-v1");
    assert_eq!(f.get("slippery").unwrap(), "true");
    let q = f.tensor("q", &[16, 4]).unwrap();
    let returns = f.tensor("returns", &[50_000]).unwrap();
    let tail: f32 = returns[49_900..].iter().sum::<f32>() / 100.0;
    assert!((tail as f64 - last).abs() < 1e-6);
    // Holes and the goal are terminal: never updated, so 0.
    for s in [5, 7, 11, 12, 15] {
        assert!(q[s * 4..s * 4 + 4].iter().all(|&v| v == 0.0), "state {s}");
    }

    // predict: the Q-table and its greedy policy in gymnasium's numbering.
    let p = ok_json(&["predict", "--model", model.s(), "--json"]);
    assert_eq!(p["env"], "frozenlake-4x4");
    let rows = p["q"].as_array().unwrap();
    let policy = p["policy"].as_array().unwrap();
    assert_eq!((rows.len(), policy.len()), (16, 16));
    for (s, (row, a)) in rows.iter().zip(policy).enumerate() {
        let row: Vec<f64> = row.as_array().unwrap().iter().map(num).collect();
        assert_eq!(row.len(), 4);
        assert!((row[0] - q[s * 4] as f64).abs() < 1e-7);
        // Greedy: the first largest value.
        let best = (0..4).fold(0, |b, i| if row[i] > row[b] { i } else { b });
        assert_eq!(a.as_u64().unwrap() as usize, best, "state {s}");
    }

    // plot: a PNG learning curve.
    let png = Tmp::new("curve.png");
    let out = common::run(&["plot", "--model", model.s(), "--out", png.s()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png.0).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 10_000);
}

#[test]
fn frozenlake_not_slippery_always_succeeds_on_the_shortest_path() {
    let (model, t) = train(&["--env", "frozenlake-4x4", "--slippery", "false"]);
    assert_eq!(t["episodes"], 2_000);
    let e = eval(&model, "100");
    assert_eq!(num(&e["success_rate"]), 1.0, "{e}");
    // Deterministic: exactly 6 steps from the start.
    assert_eq!(num(&e["all_starts"]["mean_steps"]), 6.0, "{e}");
    let text = common::run(&["predict", "--model", model.s()]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains('G') && text.contains('H'), "{text}");
}

#[test]
fn cliffwalking_greedy_return_is_minus_13() {
    let (model, _) = train(&["--env", "cliffwalking"]);
    let e = eval(&model, "10");
    assert_eq!(num(&e["mean_return"]), -13.0, "{e}");
    assert_eq!(num(&e["success_rate"]), 1.0, "{e}");
    let p = ok_json(&["predict", "--model", model.s(), "--json"]);
    // From the start (state 36, bottom left) the optimal first move is up (action 0).
    assert_eq!(p["policy"][36], 0);
    assert_eq!(p["q"].as_array().unwrap().len(), 48);
    // The text form: the grid of arrows, cliff `C`, goal `G`; up from the start.
    let text = String::from_utf8(common::run(&["predict", "--model", model.s()]).stdout).unwrap();
    assert!(
        text.trim_end().ends_with("↑ C C C C C C C C C C G"),
        "{text}"
    );
}

#[test]
fn taxi_mean_greedy_return_over_all_starts_is_at_least_7_5() {
    let (model, t) = train(&["--env", "taxi"]);
    assert!(t["episodes"].as_u64().unwrap() <= 20_000);
    let e = eval(&model, "1000");
    let all = num(&e["all_starts"]["mean_return"]);
    assert!(all >= 7.5, "mean greedy return over all starts {all}: {e}");
    assert_eq!(num(&e["all_starts"]["success_rate"]), 1.0, "{e}");
    let p = ok_json(&["predict", "--model", model.s(), "--json"]);
    assert_eq!(p["q"][0].as_array().unwrap().len(), 6);
    assert_eq!(p["policy"].as_array().unwrap().len(), 500);
}

#[test]
fn hyperparameters_are_stored_and_same_seed_same_table() {
    let args = [
        "--env",
        "frozenlake-8x8",
        "--episodes",
        "300",
        "--alpha",
        "0.2",
        "--gamma",
        "0.9",
        "--epsilon",
        "0.5",
        "--epsilon-decay",
        "0.99",
        "--epsilon-min",
        "0.1",
        "--max-steps",
        "50",
        "--seed",
        "7",
    ];
    let (a, _) = train(&args);
    let (b, _) = train(&args);
    let (fa, fb) = (
        ModelFile::load(&a.0).unwrap(),
        ModelFile::load(&b.0).unwrap(),
    );
    assert_eq!(
        fa.tensor("q", &[64, 4]).unwrap(),
        fb.tensor("q", &[64, 4]).unwrap()
    );
    let cfg: Value = fa.get_json("config").unwrap();
    assert_eq!(cfg["episodes"], 300);
    assert_eq!(cfg["seed"], 7);
    assert_eq!(cfg["max_steps"], 50);
    assert!((num(&cfg["gamma"]) - 0.9).abs() < 1e-7);
    assert_eq!(cfg["alpha"]["type"], "constant");
    assert_eq!(cfg["epsilon"]["type"], "exponential");
    assert!((num(&cfg["epsilon"]["floor"]) - 0.1).abs() < 1e-7);
    assert_eq!(fa.tensor("returns", &[300]).unwrap().len(), 300);
}

#[test]
fn errors_are_one_line_with_exit_code_2() {
    let e = fails(&[
        "train",
        "qlearn",
        "--env",
        "mountaincar",
        "--out",
        "x.safetensors",
    ]);
    assert!(e.contains("unknown environment 'mountaincar'"), "{e}");
    let e = fails(&[
        "train",
        "qlearn",
        "--env",
        "taxi",
        "--slippery",
        "true",
        "--out",
        "x",
    ]);
    assert!(e.contains("FrozenLake only"), "{e}");
    let e = fails(&[
        "train", "qlearn", "--env", "taxi", "--alpha", "1.5", "--out", "x",
    ]);
    assert!(e.contains("alpha must be in [0, 1]"), "{e}");
    let e = fails(&[
        "train", "qlearn", "--env", "taxi", "--gamma", "-1", "--out", "x",
    ]);
    assert!(e.contains("gamma"), "{e}");
    let e = fails(&[
        "train",
        "qlearn",
        "--env",
        "taxi",
        "--epsilon-decay",
        "0",
        "--out",
        "x",
    ]);
    assert!(e.contains("epsilon-decay"), "{e}");
    let (model, _) = train(&["--env", "cliffwalking", "--episodes", "5"]);
    let csv = common::data("golf.csv");
    let e = fails(&["eval", "--model", model.s(), "--data", &csv]);
    assert!(e.contains("takes no --data"), "{e}");
    let e = fails(&["predict", "--model", model.s(), "--data", &csv]);
    assert!(e.contains("takes no --data"), "{e}");
    let e = fails(&["eval", "--model", model.s(), "--episodes", "0"]);
    assert!(e.contains("--episodes"), "{e}");
    let e = fails(&[
        "plot",
        "--model",
        model.s(),
        "--out",
        "/nonexistent-dir/x.png",
    ]);
    assert!(e.contains("x.png"), "{e}");
    assert!(!std::path::Path::new("x.safetensors").exists() && !std::path::Path::new("x").exists());
}
