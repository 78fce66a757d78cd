//! `embedml demo golf` — seed 003 (SPEC §9): categorical naive Bayes on the play-golf table
//! (`data/golf.csv`, string categories), trained through the host path (`embedml train nb`'s
//! code). Prints `P(yes) = 9/14`, `P(sunny | yes) = 2/9` and
//! `P(no | sunny, cool, high, windy = true)`: 0.7954 with α = 0 (the seed's arithmetic) and 0.7201
//! with α = 1 (Laplace smoothing).

use std::path::{Path, PathBuf};

use crate::data::Table;
use crate::error::Result;
use crate::models::nb::{fit_table, Variant};

const EXAMPLES: &str = "\
Examples:
  embedml demo golf
  embedml demo golf --data data/golf.csv --json";

/// Arguments of `embedml demo golf`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The play-golf table.
    #[arg(long, value_name = "FILE.csv", default_value = "data/golf.csv")]
    pub data: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The demo's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GolfFigures {
    /// `P(play = yes)`.
    pub p_yes: f64,
    /// `P(outlook = sunny | yes)` with α = 0.
    pub p_sunny_given_yes: f64,
    /// `P(no | sunny, cool, high, windy = true)` with α = 0.
    pub p_no_alpha0: f64,
    /// The same with α = 1.
    pub p_no_alpha1: f64,
}

/// Computes the figures from the table at `path`.
pub fn figures(path: &Path) -> Result<GolfFigures> {
    let table = Table::read(path)?;
    let query = Table::from_parts(
        Path::new("query"),
        ["outlook", "temperature", "humidity", "windy"]
            .map(String::from)
            .to_vec(),
        vec![["sunny", "cool", "high", "true"].map(String::from).to_vec()],
        vec![],
    )?;
    let p_no = |alpha: f32| -> Result<f64> {
        let m = fit_table(Variant::Categorical, &table, "play", &[], alpha)?;
        let (_, proba) = &m.predict_rows(&query)?[0];
        let no = crate::data::find_class(&m.classes, "no").unwrap_or(0);
        Ok(proba[no] as f64)
    };
    let m0 = fit_table(Variant::Categorical, &table, "play", &[], 0.0)?;
    Ok(GolfFigures {
        p_yes: m0.prior("yes")?,
        p_sunny_given_yes: m0.conditional("outlook", "sunny", "yes")?,
        p_no_alpha0: p_no(0.0)?,
        p_no_alpha1: p_no(1.0)?,
    })
}

/// Runs the demo.
pub fn run(args: Args) -> Result<()> {
    let f = figures(&args.data)?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "p_yes": f.p_yes,
                "p_sunny_given_yes": f.p_sunny_given_yes,
                "p_no_given_sunny_cool_high_windy_alpha0": f.p_no_alpha0,
                "p_no_given_sunny_cool_high_windy_alpha1": f.p_no_alpha1,
            })
        );
    } else {
        println!(
            "play-golf table ({}), categorical naive Bayes",
            args.data.display()
        );
        println!(
            "P(yes)                                  = {:.4}  (9/14)",
            f.p_yes
        );
        println!(
            "P(sunny | yes)                          = {:.4}  (2/9)",
            f.p_sunny_given_yes
        );
        println!(
            "P(no | sunny, cool, high, windy), α = 0 = {:.4}",
            f.p_no_alpha0
        );
        println!(
            "P(no | sunny, cool, high, windy), α = 1 = {:.4}",
            f.p_no_alpha1
        );
    }
    Ok(())
}
