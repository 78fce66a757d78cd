//! Model kinds. Each kind is ONE module here (`models/<kind>.rs`) that provides:
//!
//! - `pub const KIND: &str` — the name in model files and on the command line;
//! - `pub struct TrainArgs` — its `clap::Args` for `embedml train <kind>`;
//! - `pub fn train(args: TrainArgs) -> Result<()>` — its training loop, which saves the model;
//! - `pub fn load(file: &ModelFile) -> Result<Box<dyn HostModel>>` — its loader, returning a
//!   [`HostModel`] that `eval` and `predict` use.
//!
//! …and ONE line in the `register_kinds!` invocation below, which generates the `train`
//! subcommand enum ([`TrainKind`]), its dispatch, and the loader table ([`KINDS`]).

use std::path::Path;

use crate::data::Table;
use crate::error::Result;
use crate::io::ModelFile;
use crate::model_err;

/// Loss and accuracy of a model on a data set (`embedml eval`).
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    /// Number of rows evaluated.
    pub n: usize,
    /// Mean loss per row (for regression: mean squared error in the data's units; for density
    /// models such as `mdn`: negative log-likelihood in nats, in the data's units).
    pub loss: f64,
    /// Fraction of rows classified correctly (classification models only).
    pub accuracy: Option<f64>,
}

/// One prediction: a class (classification) and the values of [`Predictions::columns`]
/// (class probabilities, or regression outputs in the data's units).
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionRow {
    /// The predicted class name (classification only).
    pub class: Option<String>,
    /// One value per column.
    pub values: Vec<f32>,
}

/// Predictions for a data set, one row per input row (`embedml predict`).
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    /// Names of the values of each row (class names, or output column names).
    pub columns: Vec<String>,
    /// Whether rows carry a predicted class (and the values are its probabilities).
    pub classification: bool,
    /// The rows.
    pub rows: Vec<PredictionRow>,
}

/// What `embedml export` writes for a model: its device blob (format v1) and, for a few inputs,
/// the outputs core computes **from the blob** on the device's code path.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// The blob.
    pub blob: Vec<u8>,
    /// Input column names.
    pub input_columns: Vec<String>,
    /// Output names (target columns, or class probabilities `p_<class>`).
    pub output_columns: Vec<String>,
    /// Inputs in the data's units, one row per point.
    pub inputs: Vec<Vec<f32>>,
    /// The outputs for each input, as the device computes them.
    pub outputs: Vec<Vec<f32>>,
}

/// A trained model loaded from a file: what `eval` and `predict` need.
pub trait HostModel {
    /// The kind (`"mlp"`, …).
    fn kind(&self) -> &'static str;
    /// A one-line description (sizes, task, columns).
    fn describe(&self) -> String;
    /// Loss (and accuracy for classifiers) on `table`, which must hold the model's input and
    /// target columns.
    fn evaluate(&self, table: &Table) -> Result<EvalReport>;
    /// Predictions for every row of `table` (which must hold the model's input columns).
    fn predict(&self, table: &Table) -> Result<Predictions>;
    /// The device blob and expected outputs for `points` inputs (`embedml export`). Kinds
    /// without a device export keep this default, an error.
    fn export(&self, points: usize) -> Result<Export> {
        let _ = points;
        Err(crate::error::HostError::Usage(format!(
            "export is not supported for model kind {:?} yet",
            self.kind()
        )))
    }
    /// The name of [`EvalReport::loss`] in `eval` output (`"loss"`; naive Bayes: `"log_loss"`).
    fn loss_name(&self) -> &'static str {
        "loss"
    }
    /// `embedml eval` done the kind's own way (e.g. Q-learning: greedy episodes, no data):
    /// the text to print, or `None` for the generic data-driven path ([`HostModel::evaluate`]).
    fn evaluate_custom(
        &self,
        _table: Option<&Table>,
        _opts: &EvalOptions,
    ) -> Result<Option<String>> {
        Ok(None)
    }
    /// `embedml predict` done the kind's own way (its own JSON or text): the text to print, or
    /// `None` for the generic path ([`HostModel::predict`]).
    fn predict_custom(&self, _table: Option<&Table>, _json: bool) -> Result<Option<String>> {
        Ok(None)
    }
    /// A kind-specific JSON form of the predictions for `predict --json` (structured values
    /// such as mixtures); `None` uses the generic form built from [`HostModel::predict`].
    fn predict_json(&self, _table: &Table) -> Result<Option<serde_json::Value>> {
        Ok(None)
    }
    /// `embedml plot`: writes the kind's figure (default: not supported). MDN draws its
    /// conditional density over `opts.data`; Q-learning its learning curve.
    fn plot(&self, opts: &PlotOptions<'_>) -> Result<()> {
        Err(crate::error::HostError::Usage(format!(
            "{} models have no plot (writing {})",
            self.kind(),
            opts.out.display()
        )))
    }
}

/// What `embedml plot` passes to [`HostModel::plot`].
#[derive(Debug, Clone, Copy)]
pub struct PlotOptions<'a> {
    /// Where to write the PNG.
    pub out: &'a Path,
    /// The data file's table, when one was given (`--data`).
    pub data: Option<&'a Table>,
    /// Seed of any random draws in the figure (model samples).
    pub seed: u64,
}

/// Options of `embedml eval` beyond the data (used by environment-driven kinds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalOptions {
    /// Evaluation episodes.
    pub episodes: u32,
    /// Seed of the evaluation's random numbers.
    pub seed: u64,
    /// Print JSON.
    pub json: bool,
}

/// A registered model kind: its name and loader.
#[derive(Debug, Clone, Copy)]
pub struct KindEntry {
    /// The kind name (`kind` metadata in model files).
    pub name: &'static str,
    /// Builds the model from a loaded file.
    pub load: fn(&ModelFile) -> Result<Box<dyn HostModel>>,
}

/// Registers model kinds: `module => Variant: "help text",` per kind.
macro_rules! register_kinds {
    ($($module:ident => $variant:ident : $about:literal),* $(,)?) => {
        $(pub mod $module;)*

        /// `embedml train <kind>`: one subcommand per model kind.
        #[derive(Debug, clap::Subcommand)]
        pub enum TrainKind {
            $(
                #[doc = $about]
                $variant($module::TrainArgs),
            )*
        }

        impl TrainKind {
            /// Runs the training of the chosen kind.
            pub fn run(self) -> Result<()> {
                match self {
                    $(TrainKind::$variant(args) => $module::train(args),)*
                }
            }
        }

        /// Every registered kind, for loading model files.
        pub const KINDS: &[KindEntry] = &[
            $(KindEntry { name: $module::KIND, load: $module::load },)*
        ];
    };
}

register_kinds! {
    mlp => Mlp: "Multilayer perceptron: regression, binary or multiclass classification",
    nb => Nb: "Naive Bayes: categorical, Bernoulli, multinomial or Gaussian features",
    qlearn => Qlearn: "Tabular Q-learning on a gymnasium-compatible toy-text environment",
    mdn => Mdn: "Mixture density network: a conditional Gaussian mixture p(y | x) for multi-valued targets",
}

/// Loads a model file of any registered kind.
pub fn load_model(path: &Path) -> Result<Box<dyn HostModel>> {
    let file = ModelFile::load(path)?;
    let kind = file.kind();
    match KINDS.iter().find(|k| k.name == kind) {
        Some(entry) => (entry.load)(&file),
        None => Err(model_err!(
            "{}: model is a {kind}, expected one of: {}",
            path.display(),
            KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
        )),
    }
}
