//! `embedml sample`: draws from a mixture density network's conditional distribution.

use std::io::Write;
use std::path::PathBuf;

use crate::data::Table;
use crate::error::{HostError, Result};
use crate::models::mdn;

const EXAMPLES: &str = "\
Examples:
  embedml sample --model inverse.safetensors --data inverse.csv --n 5 --seed 1 --csv > samples.csv";

/// Arguments of `embedml sample`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// An `mdn` model file written by `embedml train mdn`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Data with the model's input columns (CSV with a header row; other columns ignored).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Samples per input row.
    #[arg(long, default_value_t = 1)]
    pub n: usize,
    /// Seed of the draws (each row has its own stream derived from it).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// CSV on stdout (the only format; accepted for symmetry with `predict`).
    #[arg(long)]
    pub csv: bool,
}

/// Runs `embedml sample`: CSV with columns `row` (0-based data row), the input columns, then
/// the target columns (one line per sample, in data units).
pub fn run(args: Args) -> Result<()> {
    if args.n == 0 {
        return Err(HostError::Usage("--n must be at least 1".into()));
    }
    let model = mdn::load_path(&args.model)?;
    let table = Table::read(&args.data)?;
    let x = model.raw_inputs(&table)?;
    let s = model.sample_rows(&x, args.n, args.seed)?;
    let (n_in, l) = (model.n_inputs(), model.l());
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["row".to_owned()];
    header.extend(model.x_columns.iter().cloned());
    header.extend(model.y_columns.iter().cloned());
    let _ = w.write_record(&header);
    for (i, xi) in x.chunks_exact(n_in).enumerate() {
        for j in 0..args.n {
            let mut rec = vec![i.to_string()];
            rec.extend(xi.iter().map(|v| v.to_string()));
            let at = (i * args.n + j) * l;
            rec.extend(s[at..at + l].iter().map(|v| v.to_string()));
            let _ = w.write_record(&rec);
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    let mut out = std::io::stdout().lock();
    match out.write_all(&bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(HostError::io(std::path::Path::new("<stdout>"), e))
        }
        _ => Ok(()),
    }
}
