//! `embedml demo spam` — seed 003 (SPEC §9, with its erratum): a Bernoulli naive Bayes spam
//! filter. 30 spam and 100 ham messages; messages containing viagra / limited /
//! machine-learning: spam 7 / 17 / 0, ham 1 / 71 / 77. With α = 0, a message with "viagra"
//! and without "limited" (the third word not observed: an empty cell, left out of the product)
//! is spam with probability 0.9127. Trained through the host path (`embedml train nb`'s code).

use std::path::Path;

use crate::data::Table;
use crate::error::Result;
use crate::models::nb::{fit_table, Variant};

const EXAMPLES: &str = "\
Examples:
  embedml demo spam
  embedml demo spam --json";

/// Arguments of `embedml demo spam`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `(P(spam | viagra, not limited), P(spam | viagra, not limited, not machine-learning))`.
pub fn figures() -> Result<(f64, f64)> {
    let headers: Vec<String> = ["viagra", "limited", "machine_learning", "class"]
        .map(String::from)
        .to_vec();
    let mut rows = Vec::new();
    for (class, n, counts) in [("spam", 30, [7, 17, 0]), ("ham", 100, [1, 71, 77])] {
        for d in 0..n {
            let mut row: Vec<String> = counts
                .iter()
                .map(|&c| if d < c { "1" } else { "0" }.to_owned())
                .collect();
            row.push(class.to_owned());
            rows.push(row);
        }
    }
    let table = Table::from_parts(Path::new("spam"), headers.clone(), rows, vec![])?;
    let model = fit_table(Variant::Bernoulli, &table, "class", &[], 0.0)?;
    let query = Table::from_parts(
        Path::new("query"),
        headers[..3].to_vec(),
        vec![
            ["1", "0", ""].map(String::from).to_vec(),
            ["1", "0", "0"].map(String::from).to_vec(),
        ],
        vec![],
    )?;
    let p = model.predict_rows(&query)?;
    let spam = crate::data::find_class(&model.classes, "spam").unwrap_or(0);
    Ok((p[0].1[spam] as f64, p[1].1[spam] as f64))
}

/// Runs the demo.
pub fn run(args: Args) -> Result<()> {
    let (p, p_all) = figures()?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "p_spam": p, "p_spam_all_words": p_all })
        );
    } else {
        println!("Bernoulli naive Bayes, α = 0: 30 spam, 100 ham");
        println!("P(spam | viagra, no limited)                       = {p:.4}");
        println!("P(spam | viagra, no limited, no machine-learning)  = {p_all:.4}");
    }
    Ok(())
}
