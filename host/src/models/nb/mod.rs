//! Naive Bayes (`embedml train nb`): categorical, Bernoulli, multinomial or Gaussian features,
//! sized at run time and computed by core's slice functions
//! (`embedml::models::naive_bayes::{categorical, bernoulli, multinomial, gaussian, common}`).
//!
//! ## Columns
//! - **categorical**: every cell is a category (strings or numbers); the model stores each
//!   column's vocabulary (sorted, as scikit-learn's encoders). At predict/eval time a value the
//!   model never saw is a one-line error naming `file:line` and the column.
//! - **bernoulli**: present/absent: a number `> 0` (scikit-learn's `binarize=0.0`) or
//!   `true`/`yes` is present; `0`, `false`, `no` absent.
//! - **multinomial**: non-negative counts.
//! - **gaussian**: real numbers (scikit-learn's `var_smoothing = 1e-9`).
//!
//! For categorical and Bernoulli models an **empty cell** at predict/eval time means the feature
//! was not observed: it is left out of the product (marginalised), as core's feature masks do.
//!
//! ## Model file (kind `nb`)
//! Metadata: `variant`, `classes` (JSON list), `x` (JSON list of input columns), `y`, `alpha`,
//! `vocabularies` (categorical: JSON list of lists), `var_smoothing` (Gaussian). Tensors (F32):
//! `class_count` `[C]`; `counts` `[C, F, V]` (categorical, `V` = the largest vocabulary) or
//! `[C, F]` (Bernoulli, multinomial); Gaussian (F64): `mean`, `m2` `[C, F]`, `total_mean`,
//! `total_m2` `[F]`.
//!
//! ## Evaluation
//! Accuracy and log-loss `−mean ln p(true class)`, with `p` clipped at `1e-15` (as
//! scikit-learn's `log_loss`) so that a zero probability (possible with `α = 0`) stays finite.

mod export;

pub use export::{decode_blob, proba_from_blob, BlobNb};

use std::path::PathBuf;
use std::time::Instant;

use embedml::models::naive_bayes::{bernoulli, categorical, common, gaussian, multinomial, Prior};

use super::{EvalReport, HostModel, PredictionRow, Predictions};
use crate::data::Table;
use crate::error::{HostError, Result};
use crate::io::ModelFile;
use crate::{data_err, model_err};

/// The kind name.
pub const KIND: &str = "nb";

/// Probability floor of the log-loss (scikit-learn's historical `eps`).
pub const LOG_LOSS_EPS: f64 = 1e-15;

const TRAIN_EXAMPLES: &str = "\
Examples:
  embedml train nb --kind categorical --data data/golf.csv --y play --alpha 1 --out golf.safetensors
  embedml train nb --kind gaussian --data data/iris.csv --y species --out iris-nb.safetensors --json
  embedml predict --model golf.safetensors --data data/golf.csv --json";

/// The naive Bayes variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Variant {
    /// Categories per column (strings or numbers).
    Categorical,
    /// Present/absent features.
    Bernoulli,
    /// Non-negative counts.
    Multinomial,
    /// Real-valued features, one normal per class and feature.
    Gaussian,
}

impl Variant {
    /// The name in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Categorical => "categorical",
            Variant::Bernoulli => "bernoulli",
            Variant::Multinomial => "multinomial",
            Variant::Gaussian => "gaussian",
        }
    }

    /// Parses [`Variant::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        [
            Variant::Categorical,
            Variant::Bernoulli,
            Variant::Multinomial,
            Variant::Gaussian,
        ]
        .into_iter()
        .find(|v| v.name() == s)
    }
}

/// Arguments of `embedml train nb`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = TRAIN_EXAMPLES)]
pub struct TrainArgs {
    /// The variant.
    #[arg(long, value_enum)]
    pub kind: Variant,
    /// Training data (CSV with a header row).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// The class column.
    #[arg(long, value_name = "COL")]
    pub y: String,
    /// Feature columns, comma separated [default: every column except the class].
    #[arg(long, value_name = "COL[,COL…]", value_delimiter = ',')]
    pub x: Vec<String>,
    /// Additive (Laplace/Lidstone) smoothing α ≥ 0 (α = 0: plain counts); not used by the
    /// Gaussian variant.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub alpha: f32,
    /// Where to write the model (safetensors).
    #[arg(long, value_name = "MODEL.safetensors")]
    pub out: PathBuf,
    /// Print one JSON object on stdout at the end instead of the summary line.
    #[arg(long)]
    pub json: bool,
}

/// The statistics of each variant (runtime-sized storage around core's slice functions).
#[derive(Debug, Clone, PartialEq)]
pub enum NbStats {
    /// Counts `[C, F, v_stride]` and the vocabulary of each feature.
    Categorical {
        /// Vocabulary per feature.
        vocab: Vec<Vec<String>>,
        /// `N_{y,i,v}`.
        counts: Vec<f32>,
        /// The value stride (largest vocabulary).
        v_stride: usize,
    },
    /// Presence counts `[C, F]`.
    Bernoulli {
        /// `N_{y,i}`.
        counts: Vec<f32>,
    },
    /// Summed counts `[C, F]`.
    Multinomial {
        /// `N_{y,i}`.
        counts: Vec<f32>,
    },
    /// Welford statistics.
    Gaussian {
        /// `μ_{y,i}`.
        mean: Vec<f64>,
        /// `M2_{y,i}`.
        m2: Vec<f64>,
        /// Mean over all samples.
        total_mean: Vec<f64>,
        /// `M2` over all samples.
        total_m2: Vec<f64>,
        /// `var_smoothing`.
        var_smoothing: f64,
    },
}

/// A naive Bayes model of any variant, sized at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct NbModel {
    /// Feature columns.
    pub x_cols: Vec<String>,
    /// Class column.
    pub y_col: String,
    /// Class names (sorted).
    pub classes: Vec<String>,
    /// Smoothing α.
    pub alpha: f32,
    /// `N_y`.
    pub class_count: Vec<f32>,
    /// Variant statistics.
    pub stats: NbStats,
}

/// One encoded input row: the variant's feature values plus a mask of observed features.
#[derive(Debug, Clone, PartialEq)]
enum Row {
    Categorical(Vec<usize>, Vec<bool>),
    Bernoulli(Vec<bool>, Vec<bool>),
    Real(Vec<f32>),
}

fn parse_presence(cell: &str) -> Option<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => cell
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| v > 0.0),
    }
}

impl NbModel {
    /// An untrained model of `variant` for the given columns of `table` (categorical: the
    /// vocabularies are read from `table`).
    pub fn new(
        variant: Variant,
        table: &Table,
        x_cols: Vec<String>,
        y_col: String,
        classes: Vec<String>,
        alpha: f32,
    ) -> Result<Self> {
        common::check_alpha(alpha)
            .map_err(|e| HostError::Usage(format!("--alpha {alpha}: {e}")))?;
        let (c, f) = (classes.len(), x_cols.len());
        let stats = match variant {
            Variant::Categorical => {
                let vocab = table
                    .columns(&x_cols)?
                    .into_iter()
                    .map(|col| table.vocabulary(col))
                    .collect::<Result<Vec<_>>>()?;
                let v_stride = vocab.iter().map(Vec::len).max().unwrap_or(1).max(1);
                NbStats::Categorical {
                    vocab,
                    counts: vec![0.0; c * f * v_stride],
                    v_stride,
                }
            }
            Variant::Bernoulli => NbStats::Bernoulli {
                counts: vec![0.0; c * f],
            },
            Variant::Multinomial => NbStats::Multinomial {
                counts: vec![0.0; c * f],
            },
            Variant::Gaussian => NbStats::Gaussian {
                mean: vec![0.0; c * f],
                m2: vec![0.0; c * f],
                total_mean: vec![0.0; f],
                total_m2: vec![0.0; f],
                var_smoothing: gaussian::DEFAULT_VAR_SMOOTHING,
            },
        };
        Ok(NbModel {
            x_cols,
            y_col,
            classes: classes.clone(),
            alpha,
            class_count: vec![0.0; c],
            stats,
        })
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        match self.stats {
            NbStats::Categorical { .. } => Variant::Categorical,
            NbStats::Bernoulli { .. } => Variant::Bernoulli,
            NbStats::Multinomial { .. } => Variant::Multinomial,
            NbStats::Gaussian { .. } => Variant::Gaussian,
        }
    }

    /// Encodes the feature cells of every row of `table`. `allow_missing`: an empty cell is an
    /// unobserved feature (categorical, Bernoulli) instead of an error.
    fn encode(&self, table: &Table, allow_missing: bool) -> Result<Vec<Row>> {
        let cols = table.columns(&self.x_cols)?;
        let mut rows = Vec::with_capacity(table.n_rows());
        // Cells column by column (Table exposes columns), then read row by row.
        let columns: Vec<Vec<&str>> = cols.iter().map(|&c| table.cells(c).collect()).collect();
        for r in 0..table.n_rows() {
            let at = |i: usize| table.location(r) + &format!(": column '{}'", self.x_cols[i]);
            let row = match &self.stats {
                NbStats::Categorical { vocab, .. } => {
                    let mut x = vec![0usize; cols.len()];
                    let mut mask = vec![true; cols.len()];
                    for (i, col) in columns.iter().enumerate() {
                        let cell = col[r];
                        if cell.is_empty() && allow_missing {
                            mask[i] = false;
                            continue;
                        }
                        x[i] = crate::data::find_class(&vocab[i], cell).ok_or_else(|| {
                            data_err!(
                                "{} has category '{cell}', which the model never saw (known: {})",
                                at(i),
                                vocab[i].join(", ")
                            )
                        })?;
                    }
                    Row::Categorical(x, mask)
                }
                NbStats::Bernoulli { .. } => {
                    let mut x = vec![false; cols.len()];
                    let mut mask = vec![true; cols.len()];
                    for (i, col) in columns.iter().enumerate() {
                        let cell = col[r];
                        if cell.is_empty() && allow_missing {
                            mask[i] = false;
                            continue;
                        }
                        x[i] = parse_presence(cell).ok_or_else(|| {
                            data_err!(
                                "{} has '{cell}', expected a number or true/false/yes/no",
                                at(i)
                            )
                        })?;
                    }
                    Row::Bernoulli(x, mask)
                }
                NbStats::Multinomial { .. } | NbStats::Gaussian { .. } => {
                    let mut x = vec![0.0f32; cols.len()];
                    for (i, col) in columns.iter().enumerate() {
                        let cell = col[r];
                        x[i] = cell
                            .parse::<f32>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .ok_or_else(|| {
                                data_err!("{} has a non-numeric value '{cell}'", at(i))
                            })?;
                        if matches!(self.stats, NbStats::Multinomial { .. }) && x[i] < 0.0 {
                            return Err(data_err!(
                                "{} has a negative count '{cell}' (multinomial counts are >= 0)",
                                at(i)
                            ));
                        }
                    }
                    Row::Real(x)
                }
            };
            rows.push(row);
        }
        Ok(rows)
    }

    /// Adds every row of `table` (features and class) to the statistics.
    pub fn fit(&mut self, table: &Table) -> Result<()> {
        let ycol = table.column(&self.y_col)?;
        let ys = table.class_indices(ycol, &self.classes)?;
        let rows = self.encode(table, false)?;
        let n_values = self.n_values();
        for (r, (row, &y)) in rows.iter().zip(&ys).enumerate() {
            self.update(row, y, &n_values)
                .map_err(|e| data_err!("{}: {e}", table.location(r)))?;
        }
        Ok(())
    }

    /// `V_i` per feature (categorical; empty for the other variants).
    fn n_values(&self) -> Vec<usize> {
        match &self.stats {
            NbStats::Categorical { vocab, .. } => vocab.iter().map(Vec::len).collect(),
            _ => Vec::new(),
        }
    }

    fn update(&mut self, row: &Row, y: usize, n_values: &[usize]) -> embedml::Result<()> {
        let f = self.x_cols.len();
        match (&mut self.stats, row) {
            (
                NbStats::Categorical {
                    counts, v_stride, ..
                },
                Row::Categorical(x, _),
            ) => categorical::update(&mut self.class_count, counts, n_values, *v_stride, x, y),
            (NbStats::Bernoulli { counts }, Row::Bernoulli(x, _)) => {
                bernoulli::update(&mut self.class_count, counts, x, y)
            }
            (NbStats::Multinomial { counts }, Row::Real(x)) => {
                multinomial::update(&mut self.class_count, counts, x, y)
            }
            (
                NbStats::Gaussian {
                    mean,
                    m2,
                    total_mean,
                    total_m2,
                    ..
                },
                Row::Real(x),
            ) => {
                debug_assert_eq!(x.len(), f);
                let mut s = gaussian::StatsMut {
                    class_count: &mut self.class_count,
                    mean,
                    m2,
                    total_mean,
                    total_m2,
                };
                gaussian::update(&mut s, x, y)
            }
            _ => Err(embedml::Error::InvalidArgument {
                what: "naive Bayes: row encoding does not match the variant",
            }),
        }
    }

    /// Joint log-likelihoods `ln P(y) + Σ ln P(x_i | y)` of one encoded row.
    fn jll(&self, row: &Row, n_values: &[usize]) -> embedml::Result<Vec<f64>> {
        let mut out = vec![0.0f64; self.classes.len()];
        let prior = Prior::Learned;
        match (&self.stats, row) {
            (
                NbStats::Categorical {
                    counts, v_stride, ..
                },
                Row::Categorical(x, mask),
            ) => {
                let s = categorical::Stats {
                    class_count: &self.class_count,
                    counts,
                    n_values,
                    v_stride: *v_stride,
                    alpha: self.alpha,
                    prior,
                };
                categorical::joint_log_likelihood(&s, x, Some(mask), &mut out)?;
            }
            (NbStats::Bernoulli { counts }, Row::Bernoulli(x, mask)) => {
                let s = bernoulli::Stats {
                    class_count: &self.class_count,
                    counts,
                    alpha: self.alpha,
                    prior,
                };
                bernoulli::joint_log_likelihood(&s, x, Some(mask), &mut out)?;
            }
            (NbStats::Multinomial { counts }, Row::Real(x)) => {
                let s = multinomial::Stats {
                    class_count: &self.class_count,
                    counts,
                    alpha: self.alpha,
                    prior,
                };
                multinomial::joint_log_likelihood(&s, x, &mut out)?;
            }
            (
                NbStats::Gaussian {
                    mean,
                    m2,
                    total_mean,
                    total_m2,
                    var_smoothing,
                },
                Row::Real(x),
            ) => {
                let s = gaussian::Stats {
                    class_count: &self.class_count,
                    mean,
                    m2,
                    total_mean,
                    total_m2,
                    var_smoothing: *var_smoothing,
                    prior,
                };
                gaussian::joint_log_likelihood(&s, x, &mut out)?;
            }
            _ => {
                return Err(embedml::Error::InvalidArgument {
                    what: "naive Bayes: row encoding does not match the variant",
                })
            }
        }
        Ok(out)
    }

    /// `(class, P(y | x) per class)` for every row of `table`.
    pub fn predict_rows(&self, table: &Table) -> Result<Vec<(usize, Vec<f32>)>> {
        let rows = self.encode(table, true)?;
        let n_values = self.n_values();
        rows.iter()
            .enumerate()
            .map(|(r, row)| {
                let at = |e: embedml::Error| data_err!("{}: {e}", table.location(r));
                let jll = self.jll(row, &n_values).map_err(at)?;
                let mut proba = vec![0.0f32; jll.len()];
                common::normalize(&jll, &mut proba).map_err(at)?;
                let class = common::argmax(&jll).map_err(at)?;
                Ok((class, proba))
            })
            .collect()
    }

    /// `P(y = class)` from the class counts.
    pub fn prior(&self, class: &str) -> Result<f64> {
        let y = self.class_index(class)?;
        let mut lp = vec![0.0f64; self.classes.len()];
        common::log_prior(&self.class_count, Prior::Learned, &mut lp)?;
        Ok(lp[y].exp())
    }

    fn class_index(&self, class: &str) -> Result<usize> {
        crate::data::find_class(&self.classes, class).ok_or_else(|| {
            HostError::Usage(format!(
                "unknown class '{class}' (classes: {})",
                self.classes.join(", ")
            ))
        })
    }

    /// `P(column = value | class)` of a categorical model (core's smoothed estimate).
    pub fn conditional(&self, column: &str, value: &str, class: &str) -> Result<f64> {
        let y = self.class_index(class)?;
        let i = self.x_cols.iter().position(|c| c == column).ok_or_else(|| {
            HostError::Usage(format!(
                "unknown feature '{column}' (features: {})",
                self.x_cols.join(", ")
            ))
        })?;
        match &self.stats {
            NbStats::Categorical {
                vocab,
                counts,
                v_stride,
            } => {
                let v = crate::data::find_class(&vocab[i], value).ok_or_else(|| {
                    HostError::Usage(format!("column '{column}' has no category '{value}'"))
                })?;
                let n_values: Vec<usize> = vocab.iter().map(Vec::len).collect();
                let s = categorical::Stats {
                    class_count: &self.class_count,
                    counts,
                    n_values: &n_values,
                    v_stride: *v_stride,
                    alpha: self.alpha,
                    prior: Prior::Learned,
                };
                Ok(categorical::probability(&s, y, i, v)? as f64)
            }
            _ => Err(HostError::Usage(
                "conditional probabilities by category need a categorical model".into(),
            )),
        }
    }

    /// The model as a file.
    pub fn to_file(&self) -> Result<ModelFile> {
        let mut m = ModelFile::new(KIND);
        m.set("variant", self.variant().name());
        m.set_json("classes", &self.classes)?;
        m.set_json("x", &self.x_cols)?;
        m.set("y", self.y_col.clone());
        m.set_json("alpha", &self.alpha)?;
        let (c, f) = (self.classes.len(), self.x_cols.len());
        m.push("class_count", &[c], &self.class_count)?;
        match &self.stats {
            NbStats::Categorical {
                vocab,
                counts,
                v_stride,
            } => {
                m.set_json("vocabularies", vocab)?;
                m.push("counts", &[c, f, *v_stride], counts)?;
            }
            NbStats::Bernoulli { counts } | NbStats::Multinomial { counts } => {
                m.push("counts", &[c, f], counts)?;
            }
            NbStats::Gaussian {
                mean,
                m2,
                total_mean,
                total_m2,
                var_smoothing,
            } => {
                m.set_json("var_smoothing", var_smoothing)?;
                m.push_f64("mean", &[c, f], mean)?;
                m.push_f64("m2", &[c, f], m2)?;
                m.push_f64("total_mean", &[f], total_mean)?;
                m.push_f64("total_m2", &[f], total_m2)?;
            }
        }
        Ok(m)
    }

    /// Reads a model file (kind `nb`), checking every shape.
    pub fn from_file(m: &ModelFile) -> Result<Self> {
        m.expect_kind(KIND)?;
        let variant_name = m.get("variant")?;
        let variant = Variant::from_name(variant_name).ok_or_else(|| {
            model_err!("{}: unknown naive Bayes variant '{variant_name}'", m.origin)
        })?;
        let classes: Vec<String> = m.get_json("classes")?;
        let x_cols: Vec<String> = m.get_json("x")?;
        let y_col = m.get("y")?.to_owned();
        let alpha: f32 = m.get_json("alpha")?;
        common::check_alpha(alpha).map_err(|e| model_err!("{}: alpha: {e}", m.origin))?;
        let (c, f) = (classes.len(), x_cols.len());
        if c == 0 || f == 0 {
            return Err(model_err!("{}: a model needs classes and features", m.origin));
        }
        let class_count = m.tensor("class_count", &[c])?.to_vec();
        let stats = match variant {
            Variant::Categorical => {
                let vocab: Vec<Vec<String>> = m.get_json("vocabularies")?;
                if vocab.len() != f || vocab.iter().any(Vec::is_empty) {
                    return Err(model_err!(
                        "{}: 'vocabularies' must hold one non-empty list per feature",
                        m.origin
                    ));
                }
                let v_stride = vocab.iter().map(Vec::len).max().unwrap_or(1);
                let counts = m.tensor("counts", &[c, f, v_stride])?.to_vec();
                NbStats::Categorical {
                    vocab,
                    counts,
                    v_stride,
                }
            }
            Variant::Bernoulli => NbStats::Bernoulli {
                counts: m.tensor("counts", &[c, f])?.to_vec(),
            },
            Variant::Multinomial => NbStats::Multinomial {
                counts: m.tensor("counts", &[c, f])?.to_vec(),
            },
            Variant::Gaussian => NbStats::Gaussian {
                mean: m.tensor_f64("mean", &[c, f])?.to_vec(),
                m2: m.tensor_f64("m2", &[c, f])?.to_vec(),
                total_mean: m.tensor_f64("total_mean", &[f])?.to_vec(),
                total_m2: m.tensor_f64("total_m2", &[f])?.to_vec(),
                var_smoothing: m.get_json("var_smoothing")?,
            },
        };
        Ok(NbModel {
            x_cols,
            y_col,
            classes,
            alpha,
            class_count,
            stats,
        })
    }
}

impl HostModel for NbModel {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn describe(&self) -> String {
        let alpha = match self.variant() {
            Variant::Gaussian => String::new(),
            _ => format!(", alpha {}", self.alpha),
        };
        format!(
            "nb {} ({} features -> {}, {} classes{alpha})",
            self.variant().name(),
            self.x_cols.len(),
            self.y_col,
            self.classes.len()
        )
    }

    fn loss_name(&self) -> &'static str {
        "log_loss"
    }

    /// Blob kind 3 (categorical), 4 (Bernoulli), 5 (multinomial) or 6 (Gaussian);
    /// `p_<class>` for a few synthetic rows, computed by core from the blob.
    fn export(&self, points: usize) -> Result<super::Export> {
        self.export_blob(points)
    }

    fn evaluate(&self, table: &Table) -> Result<EvalReport> {
        let ycol = table.column(&self.y_col)?;
        let ys = table.class_indices(ycol, &self.classes)?;
        let preds = self.predict_rows(table)?;
        let mut loss = 0.0f64;
        let mut correct = 0usize;
        for ((class, proba), &y) in preds.iter().zip(&ys) {
            loss -= (proba[y] as f64).max(LOG_LOSS_EPS).ln();
            correct += (*class == y) as usize;
        }
        let n = ys.len();
        Ok(EvalReport {
            n,
            loss: loss / n as f64,
            accuracy: Some(correct as f64 / n as f64),
        })
    }

    fn predict(&self, table: &Table) -> Result<Predictions> {
        let rows = self
            .predict_rows(table)?
            .into_iter()
            .map(|(class, values)| PredictionRow {
                class: Some(self.classes[class].clone()),
                values,
            })
            .collect();
        Ok(Predictions {
            columns: self.classes.clone(),
            classification: true,
            rows,
        })
    }

    fn predict_custom(&self, table: Option<&Table>, json: bool) -> Result<Option<String>> {
        let (Some(table), true) = (table, json) else {
            return Ok(None);
        };
        let rows: Vec<serde_json::Value> = self
            .predict_rows(table)?
            .into_iter()
            .map(|(class, proba)| {
                let proba: serde_json::Map<String, serde_json::Value> = self
                    .classes
                    .iter()
                    .zip(&proba)
                    .map(|(c, &p)| (c.clone(), serde_json::json!(p as f64)))
                    .collect();
                serde_json::json!({ "class": self.classes[class], "proba": proba })
            })
            .collect();
        let obj = serde_json::json!({
            "model": KIND,
            "n": rows.len(),
            "classes": self.classes,
            "predictions": rows,
        });
        Ok(Some(obj.to_string() + "\n"))
    }
}

/// Loads a model file of kind `nb`.
pub fn load(file: &ModelFile) -> Result<Box<dyn HostModel>> {
    Ok(Box::new(NbModel::from_file(file)?))
}

/// Builds and fits a model from `table` (the work of `embedml train nb` before saving).
pub fn fit_table(
    variant: Variant,
    table: &Table,
    y: &str,
    x: &[String],
    alpha: f32,
) -> Result<NbModel> {
    let ycol = table.column(y)?;
    let x_cols: Vec<String> = if x.is_empty() {
        table
            .headers()
            .iter()
            .filter(|h| h.as_str() != y)
            .cloned()
            .collect()
    } else {
        table.columns(x)?;
        if x.iter().any(|c| c == y) {
            return Err(HostError::Usage(format!(
                "column '{y}' is both the class and a feature"
            )));
        }
        x.to_vec()
    };
    if x_cols.is_empty() {
        return Err(data_err!(
            "{}: no feature columns besides '{y}'",
            table.path().display()
        ));
    }
    let classes = table.vocabulary(ycol)?;
    let mut model = NbModel::new(variant, table, x_cols, y.to_owned(), classes, alpha)?;
    model.fit(table)?;
    Ok(model)
}

/// `embedml train nb`: count, save atomically, report training accuracy and log-loss.
pub fn train(args: TrainArgs) -> Result<()> {
    let table = Table::read(&args.data)?;
    let start = Instant::now();
    let model = fit_table(args.kind, &table, &args.y, &args.x, args.alpha)?;
    let seconds = start.elapsed().as_secs_f64();
    let report = model.evaluate(&table)?;
    model.to_file()?.save(&args.out)?;
    if args.json {
        let obj = serde_json::json!({
            "model": KIND,
            "variant": args.kind.name(),
            "n": report.n,
            "classes": model.classes,
            "train_accuracy": report.accuracy,
            "train_log_loss": report.loss,
            "seconds": seconds,
            "out": args.out.display().to_string(),
        });
        println!("{obj}");
    } else {
        println!(
            "trained {} on {} rows in {seconds:.3} s: accuracy {:.4}, log-loss {:.6} -> {}",
            model.describe(),
            report.n,
            report.accuracy.unwrap_or(0.0),
            report.loss,
            args.out.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn table(text: &str) -> Table {
        let mut lines = text.lines();
        let headers = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect();
        Table::from_parts(Path::new("t.csv"), headers, rows, vec![]).unwrap()
    }

    #[test]
    fn every_variant_round_trips_through_a_file() {
        let t = table("a,b,y\n1,0,p\n0,2,q\n1,1,p\n2,0,q");
        for v in [
            Variant::Categorical,
            Variant::Bernoulli,
            Variant::Multinomial,
            Variant::Gaussian,
        ] {
            let m = fit_table(v, &t, "y", &[], 0.5).unwrap();
            let bytes = m.to_file().unwrap().to_bytes().unwrap();
            let back = NbModel::from_file(&ModelFile::from_bytes(&bytes, "m").unwrap()).unwrap();
            assert_eq!(back, m, "{v:?}");
            let p = back.predict_rows(&t).unwrap();
            assert_eq!(p, m.predict_rows(&t).unwrap());
            assert!(p.iter().all(|(_, q)| (q.iter().sum::<f32>() - 1.0).abs() < 1e-6));
        }
    }

    #[test]
    fn unseen_category_and_bad_alpha_are_errors() {
        let t = table("a,y\nx,p\nz,q");
        let m = fit_table(Variant::Categorical, &t, "y", &[], 1.0).unwrap();
        let e = m.predict_rows(&table("a\nw")).unwrap_err().to_string();
        assert!(e.contains("never saw") && e.contains("t.csv:2"), "{e}");
        // An empty cell is an unobserved feature: the prior alone.
        let p = m.predict_rows(&table("a,b\n,1")).unwrap();
        assert!((p[0].1[0] - 0.5).abs() < 1e-6);
        let e = fit_table(Variant::Categorical, &t, "y", &[], -1.0).unwrap_err();
        assert!(e.to_string().contains("alpha"), "{e}");
        let e = fit_table(Variant::Categorical, &t, "nope", &[], 1.0).unwrap_err();
        assert!(e.to_string().contains("unknown column 'nope'"), "{e}");
    }
}
