//! `embedml predict`: one prediction per input row, as a table, CSV or JSON.

use std::io::Write;
use std::path::PathBuf;

use crate::data::Table;
use crate::error::{HostError, Result};
use crate::models::{load_model, Predictions};

const EXAMPLES: &str = "\
Examples:
  embedml predict --model iris.safetensors --data data/iris.csv
  embedml predict --model iris.safetensors --data data/iris.csv --csv > predictions.csv
  embedml predict --model pw.safetensors --data data/iris.csv --json
  embedml predict --model frozenlake.safetensors --json";

/// Arguments of `embedml predict`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A model file written by `embedml train`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Data with the model's input columns (CSV with a header row; other columns ignored);
    /// required for data-driven models, not taken by Q-learning models (which print their
    /// Q-table and greedy policy). Naive Bayes (categorical, Bernoulli): an empty cell is a
    /// feature not observed, left out of the product; a category the model never saw is an
    /// error.
    #[arg(long, value_name = "FILE.csv")]
    pub data: Option<PathBuf>,
    /// Print one JSON object `{"n":…,"columns":[…],"predictions":[…]}` on stdout (naive
    /// Bayes: `{"n":…,"classes":[…],"predictions":[{"class":…,"proba":{class: p,…}},…]}`;
    /// Q-learning: `{"env":…,"q":[[…],…],"policy":[…]}`).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV on stdout: `class,<class names…>` (classifiers) or the target columns.
    #[arg(long)]
    pub csv: bool,
}

/// Runs `embedml predict`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let table = match &args.data {
        Some(path) => Some(Table::read(path)?),
        None => None,
    };
    let text = if let Some(text) = model.predict_custom(table.as_ref(), args.json)? {
        text
    } else {
        let table = table.ok_or_else(|| {
            HostError::Usage(format!(
                "{} is a {} model: predict needs --data FILE.csv",
                args.model.display(),
                model.kind()
            ))
        })?;
        generic(&model.predict(&table)?, &args)
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(HostError::io(std::path::Path::new("<stdout>"), e))
        }
        _ => Ok(()),
    }
}

/// The generic output: JSON, CSV or a text table.
fn generic(p: &Predictions, args: &Args) -> String {
    if args.json {
        to_json(p).to_string() + "\n"
    } else if args.csv {
        to_csv(p)
    } else {
        to_table(p)
    }
}

/// The predictions as one JSON object.
pub fn to_json(p: &Predictions) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = p
        .rows
        .iter()
        .map(|r| {
            let values: serde_json::Map<String, serde_json::Value> = p
                .columns
                .iter()
                .zip(&r.values)
                .map(|(c, v)| (c.clone(), serde_json::json!(v)))
                .collect();
            match &r.class {
                Some(class) => serde_json::json!({ "class": class, "probabilities": values }),
                None => serde_json::Value::Object(values),
            }
        })
        .collect();
    serde_json::json!({ "n": p.rows.len(), "columns": p.columns, "predictions": rows })
}

/// The predictions as CSV (header row first).
pub fn to_csv(p: &Predictions) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    if p.classification {
        header.push("class".into());
        header.extend(p.columns.iter().map(|c| format!("p_{c}")));
    } else {
        header.extend(p.columns.iter().cloned());
    }
    let _ = w.write_record(&header);
    for r in &p.rows {
        let mut rec: Vec<String> = r.class.iter().cloned().collect();
        rec.extend(r.values.iter().map(|v| format!("{v}")));
        let _ = w.write_record(&rec);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The predictions as an aligned text table.
pub fn to_table(p: &Predictions) -> String {
    let mut s = String::new();
    let width = p.columns.iter().map(|c| c.len()).max().unwrap_or(8).max(10);
    s.push_str(&format!("{:>5}", "row"));
    if p.classification {
        s.push_str(&format!("  {:>width$}", "class"));
    }
    for c in &p.columns {
        s.push_str(&format!("  {c:>width$}"));
    }
    s.push('\n');
    for (i, r) in p.rows.iter().enumerate() {
        s.push_str(&format!("{:>5}", i + 1));
        if let Some(c) = &r.class {
            s.push_str(&format!("  {c:>width$}"));
        }
        for v in &r.values {
            s.push_str(&format!("  {v:>width$.4}"));
        }
        s.push('\n');
    }
    s
}
