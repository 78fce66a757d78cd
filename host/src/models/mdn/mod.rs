//! `mdn` — mixture density network (SPEC §2, PRML 5.6): a conditional Gaussian mixture
//! `p(t | x) = Σ_k π_k(x) N(t | μ_k(x), σ_k(x)² I_L)` for multi-valued (inverse) problems.
//!
//! Storage, batched training and queries on the host around core's math: the trunk is an MLP
//! (flat parameters in core's order, run by the batched [`crate::backend::cpu`] executor), the
//! head is core's [`Head`] (loss and gradient per row), derived quantities come from core's
//! [`Mixture`](embedml::models::mdn::Mixture), soft weight sharing from
//! [`embedml::models::soft_share`]. No mixture math is written here.
//!
//! ## Units
//! With `--standardize` the model trains on standardised inputs and targets. Everything it
//! reports is in the **units of the data file**: `μ · std + mean`, `σ · std`,
//! `variance · std²`, and the negative log-likelihood gets the log-Jacobian of the target
//! transform, `NLL_data = NLL_std + Σ_l ln std_l`, so it compares with any other tool's figure.
//! With different stds per target dimension the components are no longer isotropic in data
//! units, so `sigma` is reported per component *and* dimension (`K × L`).
//!
//! ## Model file (kind `mdn`)
//! Tensors `layers.{l}.weight` `[n_out, n_in]` and `layers.{l}.bias` `[n_out]` — exactly the
//! trunk of core's typed [`Mdn`](embedml::models::mdn::Mdn) (its parameter order; the last
//! layer's rows are `[a^π (K) | a^σ (K) | a^μ (K×L)]`); with soft weight sharing also
//! `soft_share.eta`, `soft_share.mu`, `soft_share.xi` `[M]`. Metadata: `components` (K),
//! `target_dim` (L), `sigma_min`, `sizes`, `activations`, `x_columns`, `y_columns`, `x_mean`,
//! `x_std`, `y_mean`, `y_std` (JSON), `x_min`, `x_max` (the training range of each input;
//! optional), `soft_lambda` and `soft_sigma_min` (with soft sharing), `training` (the
//! hyperparameters) and `train_nll` (mean NLL on the training data, data units).

mod export;
mod figure;
mod query;
mod train;

pub use export::{decode_blob, mixture_from_blob, BlobMdn};

pub use figure::{draw as draw_figure, DataSet};
pub use query::{LocalMode, RowMixture, DEFAULT_MODE_SEARCH};
pub use train::{
    fit, fit_on, head_rows, mean_nll_on, prepare, prepare_arrays, train, FitReport, Hyper, LrSchedule,
    OptimizerKind,
    TrainArgs,
};

use embedml::models::mdn::Head;
use embedml::models::mlp::Layer;

use crate::data::{Standardizer, Table};
use crate::error::Result;
use crate::io::ModelFile;
use crate::model_err;
use crate::models::mlp::{activation_string, push_layers, read_layer_tensors, read_layers};
use crate::models::{EvalReport, HostModel, PlotOptions, PredictionRow, Predictions};

/// The kind name in model files and on the command line.
pub const KIND: &str = "mdn";

/// The learned mixture prior of soft weight sharing (SPEC §3) over the trunk's weights.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftShareState {
    /// Strength `λ` of the regulariser (`Ẽ = E + λ Ω`).
    pub lambda: f32,
    /// Variance floor `σ_min` of the mixture (`σ_j² = σ_min² + exp(ξ_j)`; 0 in files written
    /// before it existed).
    pub sigma_min: f32,
    /// Mixture parameters `[η (M), μ (M), ξ (M)]` (core's layout).
    pub mix: Vec<f32>,
}

impl SoftShareState {
    /// Number of components `M`.
    pub fn m(&self) -> usize {
        self.mix.len() / 3
    }
}

/// A mixture density network with everything needed to apply it to a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct MdnModel {
    /// Trunk layers (core's description); the last is Identity with `K (L + 2)` outputs.
    pub layers: Vec<Layer>,
    /// Trunk parameters in core's order.
    pub params: Vec<f32>,
    /// The head: `K`, `L`, `σ_min` (in standardised target units).
    pub head: Head,
    /// Input column names.
    pub x_columns: Vec<String>,
    /// Target column names (`L` of them).
    pub y_columns: Vec<String>,
    /// Input standardisation.
    pub x_norm: Standardizer,
    /// Target standardisation.
    pub y_norm: Standardizer,
    /// Per input column, the smallest and largest training value (`x_min`, `x_max` in the
    /// file; `None` in files written before they were stored). `embedml export` spreads its
    /// inputs over this range.
    pub x_range: Option<(Vec<f32>, Vec<f32>)>,
    /// Soft weight sharing prior, when trained with one.
    pub soft_share: Option<SoftShareState>,
    /// Training hyperparameters.
    pub hyper: Hyper,
    /// Mean NLL on the training data after training (data units).
    pub train_nll: Option<f64>,
}

impl MdnModel {
    /// Layer widths, input first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].n_in];
        s.extend(self.layers.iter().map(|l| l.n_out));
        s
    }

    /// Input width.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_in
    }

    /// Components `K`.
    pub fn k(&self) -> usize {
        self.head.k()
    }

    /// Target dimension `L`.
    pub fn l(&self) -> usize {
        self.head.l()
    }

    /// `Σ_l ln std_l`: the log-Jacobian from standardised to data target units.
    pub fn log_jacobian(&self) -> f64 {
        self.y_norm.std.iter().map(|&s| (s as f64).ln()).sum()
    }

    /// The model as a model file.
    pub fn to_file(&self) -> Result<ModelFile> {
        let mut f = ModelFile::new(KIND);
        f.set_json("sizes", &self.sizes())?;
        let acts: Vec<String> = self
            .layers
            .iter()
            .map(|l| activation_string(l.activation))
            .collect();
        f.set_json("activations", &acts)?;
        f.set_json("components", &self.k())?;
        f.set_json("target_dim", &self.l())?;
        f.set_json("sigma_min", &self.head.sigma_min())?;
        f.set_json("x_columns", &self.x_columns)?;
        f.set_json("y_columns", &self.y_columns)?;
        f.set_json("x_mean", &self.x_norm.mean)?;
        f.set_json("x_std", &self.x_norm.std)?;
        f.set_json("y_mean", &self.y_norm.mean)?;
        f.set_json("y_std", &self.y_norm.std)?;
        f.set_json("training", &self.hyper)?;
        if let Some((lo, hi)) = &self.x_range {
            f.set_json("x_min", lo)?;
            f.set_json("x_max", hi)?;
        }
        if let Some(l) = self.train_nll.filter(|l| l.is_finite()) {
            f.set_json("train_nll", &l)?;
        }
        push_layers(&mut f, &self.layers, &self.params)?;
        if let Some(s) = &self.soft_share {
            let m = s.m();
            f.set_json("soft_lambda", &s.lambda)?;
            f.set_json("soft_sigma_min", &s.sigma_min)?;
            f.push("soft_share.eta", &[m], &s.mix[..m])?;
            f.push("soft_share.mu", &[m], &s.mix[m..2 * m])?;
            f.push("soft_share.xi", &[m], &s.mix[2 * m..])?;
        }
        Ok(f)
    }

    /// Rebuilds a model from a file, checking the kind, every size and tensor shape.
    pub fn from_file(f: &ModelFile) -> Result<Self> {
        f.expect_kind(KIND)?;
        let origin = &f.origin;
        let (layers, p) = read_layers(f, "an MDN trunk")?;
        let sizes: Vec<usize> = std::iter::once(layers[0].n_in)
            .chain(layers.iter().map(|l| l.n_out))
            .collect();
        if layers[layers.len() - 1].activation != embedml::Activation::Identity {
            return Err(model_err!("{origin}: the last MDN layer must be identity"));
        }
        let k: usize = f.get_json("components")?;
        let l: usize = f.get_json("target_dim")?;
        let sigma_min: f32 = f.get_json("sigma_min")?;
        let head = Head::new(k, l, sigma_min).map_err(|e| model_err!("{origin}: {e}"))?;
        let n_out = sizes[sizes.len() - 1];
        if n_out != head.output_len() {
            return Err(model_err!(
                "{origin}: the trunk has {n_out} outputs, K (L + 2) = {} for K = {k}, L = {l}",
                head.output_len()
            ));
        }
        let x_columns: Vec<String> = f.get_json("x_columns")?;
        let y_columns: Vec<String> = f.get_json("y_columns")?;
        if x_columns.len() != sizes[0] || y_columns.len() != l {
            return Err(model_err!(
                "{origin}: {} input and {} target columns for {} inputs and L = {l}",
                x_columns.len(),
                y_columns.len(),
                sizes[0]
            ));
        }
        let x_norm = Standardizer {
            mean: f.get_json("x_mean")?,
            std: f.get_json("x_std")?,
        };
        x_norm.check("input", sizes[0])?;
        let y_norm = Standardizer {
            mean: f.get_json("y_mean")?,
            std: f.get_json("y_std")?,
        };
        y_norm.check("target", l)?;
        let hyper: Hyper = f.get_json("training")?;
        let x_range = if f.metadata.contains_key("x_min") {
            let (lo, hi): (Vec<f32>, Vec<f32>) = (f.get_json("x_min")?, f.get_json("x_max")?);
            let ok = |v: &[f32]| v.len() == sizes[0] && v.iter().all(|x| x.is_finite());
            if !ok(&lo) || !ok(&hi) {
                return Err(model_err!(
                    "{origin}: 'x_min' / 'x_max' must hold one finite value per input"
                ));
            }
            Some((lo, hi))
        } else {
            None
        };
        let train_nll: Option<f64> = if f.metadata.contains_key("train_nll") {
            Some(f.get_json("train_nll")?)
        } else {
            None
        };
        let (params, mut expected) = read_layer_tensors(f, &layers, p)?;
        let soft_share = if f.metadata.contains_key("soft_lambda") {
            let lambda: f32 = f.get_json("soft_lambda")?;
            let sigma_min: f32 = if f.metadata.contains_key("soft_sigma_min") {
                f.get_json("soft_sigma_min")?
            } else {
                0.0
            };
            let eta = f
                .tensors
                .iter()
                .find(|t| t.name == "soft_share.eta")
                .ok_or_else(|| model_err!("{origin}: no tensor 'soft_share.eta'"))?;
            let m = eta.data.len();
            if m == 0
                || !(lambda.is_finite() && lambda >= 0.0)
                || !(sigma_min.is_finite() && sigma_min >= 0.0)
            {
                return Err(model_err!("{origin}: invalid soft-sharing prior"));
            }
            let mut mix = Vec::with_capacity(3 * m);
            for name in ["soft_share.eta", "soft_share.mu", "soft_share.xi"] {
                mix.extend_from_slice(f.tensor(name, &[m])?);
                expected.push(name.to_owned());
            }
            Some(SoftShareState {
                lambda,
                sigma_min,
                mix,
            })
        } else {
            None
        };
        if let Some(extra) = f.tensors.iter().find(|t| !expected.contains(&t.name)) {
            return Err(model_err!(
                "{origin}: unexpected tensor '{}' in an mdn file",
                extra.name
            ));
        }
        Ok(MdnModel {
            layers,
            params,
            head,
            x_columns,
            y_columns,
            x_norm,
            y_norm,
            x_range,
            soft_share,
            hyper,
            train_nll,
        })
    }

    /// The raw (data-unit) inputs of `table`, `n_rows × n_inputs`.
    pub fn raw_inputs(&self, table: &Table) -> Result<Vec<f32>> {
        table.numeric(&table.columns(&self.x_columns)?)
    }

    /// The raw (data-unit) targets of `table`, `n_rows × L`.
    pub fn raw_targets(&self, table: &Table) -> Result<Vec<f32>> {
        table.numeric(&table.columns(&self.y_columns)?)
    }

    /// Flat column names of [`HostModel::predict`]: `pi_k`, `mu_k_<col>`, `sigma_k_<col>`,
    /// `mean_<col>`, `variance_<col>`, `mode_<col>`.
    pub fn prediction_columns(&self) -> Vec<String> {
        let (k, y) = (self.k(), &self.y_columns);
        let mut cols: Vec<String> = (0..k).map(|c| format!("pi_{c}")).collect();
        for c in 0..k {
            cols.extend(y.iter().map(|n| format!("mu_{c}_{n}")));
        }
        for c in 0..k {
            cols.extend(y.iter().map(|n| format!("sigma_{c}_{n}")));
        }
        for what in ["mean", "variance", "mode"] {
            cols.extend(y.iter().map(|n| format!("{what}_{n}")));
        }
        cols
    }
}

impl HostModel for MdnModel {
    fn kind(&self) -> &'static str {
        KIND
    }

    /// One input and one target: log-density shading and contours, every local conditional
    /// mode, the conditional mean, and samples next to the data; two targets: data, samples and
    /// refined modes in the target plane; other shapes are an error.
    fn plot(&self, opts: &PlotOptions<'_>) -> Result<()> {
        let table = opts.data.ok_or_else(|| {
            crate::error::HostError::Usage(
                "an mdn plot draws the model over data: give --data FILE.csv".into(),
            )
        })?;
        let x = self.raw_inputs(table)?;
        let t = self.raw_targets(table)?;
        let mut title = format!(
            "MDN K = {}: {} from {}",
            self.k(),
            self.y_columns.join(", "),
            self.x_columns.join(", ")
        );
        // The two-target figure is 800 px wide: keep the title on it.
        let max = if self.l() == 2 { 48 } else { 100 };
        if title.chars().count() > max {
            title = title.chars().take(max - 1).collect::<String>() + "…";
        }
        let data = [DataSet {
            label: "data",
            x: &x,
            t: &t,
        }];
        draw_figure(self, &data, opts.out, &title, opts.seed)
    }

    fn describe(&self) -> String {
        let soft = self
            .soft_share
            .as_ref()
            .map_or(String::new(), |s| format!(", soft sharing M = {}", s.m()));
        format!(
            "mdn {:?} {} K = {} σ_min = {}{soft}: p({} | {})",
            self.sizes(),
            self.hyper.activation,
            self.k(),
            self.head.sigma_min(),
            self.y_columns.join(", "),
            self.x_columns.join(", ")
        )
    }

    fn evaluate(&self, table: &Table) -> Result<EvalReport> {
        let x = self.raw_inputs(table)?;
        let t = self.raw_targets(table)?;
        let nll = self.nll_rows(&x, &t)?;
        let n = nll.len();
        Ok(EvalReport {
            n,
            loss: nll.iter().sum::<f64>() / n as f64,
            accuracy: None,
        })
    }

    fn loss_name(&self) -> &'static str {
        "nll"
    }

    /// The blob (kind 2) and, for `points` inputs spread over the training range, the columns
    /// of `predict` (π, μ, σ, mean, variance, mode in data units) computed by core from it.
    fn export(&self, points: usize) -> Result<crate::models::Export> {
        self.export_blob(points)
    }

    fn predict(&self, table: &Table) -> Result<Predictions> {
        let rows = self.describe_rows(&self.raw_inputs(table)?)?;
        Ok(Predictions {
            columns: self.prediction_columns(),
            classification: false,
            rows: rows
                .iter()
                .map(|r| PredictionRow {
                    class: None,
                    values: r.flat(),
                })
                .collect(),
        })
    }

    fn predict_json(&self, table: &Table) -> Result<Option<serde_json::Value>> {
        let rows = self.describe_rows(&self.raw_inputs(table)?)?;
        let json: Vec<serde_json::Value> = rows.iter().map(|r| r.to_json(self.l())).collect();
        Ok(Some(serde_json::json!({
            "n": rows.len(),
            "components": self.k(),
            "target_columns": self.y_columns,
            "predictions": json,
        })))
    }
}

/// Loads an `mdn` model file for `eval`/`predict`.
pub fn load(file: &ModelFile) -> Result<Box<dyn HostModel>> {
    Ok(Box::new(MdnModel::from_file(file)?))
}

/// Loads an `mdn` model file from `path` (an error names the kind when it is another one).
pub fn load_path(path: &std::path::Path) -> Result<MdnModel> {
    MdnModel::from_file(&ModelFile::load(path)?)
}
