//! `embedml demo bayes` — seed 003 (SPEC §9): Bayes' theorem,
//! `P(H | E) = P(E | H) P(H) / P(E) = 0.074 × 0.3 / 0.294 = 0.0755`, computed by core
//! (`embedml::models::bayes::posterior`).

use embedml::models::bayes::posterior;

use crate::error::Result;

/// Arguments of `embedml demo bayes`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// `P(E | H)`.
    #[arg(long, default_value_t = 0.074)]
    pub likelihood: f32,
    /// `P(H)`.
    #[arg(long, default_value_t = 0.3)]
    pub prior: f32,
    /// `P(E)`.
    #[arg(long, default_value_t = 0.294)]
    pub evidence: f32,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs the demo.
pub fn run(args: Args) -> Result<()> {
    let p = posterior(args.likelihood, args.prior, args.evidence)?;
    if args.json {
        println!("{}", serde_json::json!({ "posterior": p as f64 }));
    } else {
        println!(
            "P(H|E) = P(E|H) P(H) / P(E) = {} × {} / {} = {p:.4}",
            args.likelihood, args.prior, args.evidence
        );
    }
    Ok(())
}
