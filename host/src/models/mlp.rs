//! `mlp` — multilayer perceptron for regression, binary and multiclass classification.
//!
//! Storage and training loop on the host around core's math ([`embedml::models::mlp`]): the
//! parameters are one flat `Vec<f32>` in core's order, trained batched through a
//! [`crate::backend::Backend`] (the CPU, or CUDA with `--device cuda`) with core's optimizers.
//!
//! ## Model file
//! Tensors `layers.{l}.weight` `[n_out, n_in]` and `layers.{l}.bias` `[n_out]`; metadata
//! `sizes`, `activations`, `loss`, `task`, `x_columns`, `y_columns`, `classes`, `x_mean`,
//! `x_std`, `y_mean`, `y_std` (JSON), `training` (the hyperparameters, JSON) and `train_loss`.

use std::path::PathBuf;
use std::time::Instant;

use embedml::format::{decode_mlp_shape, mlp_blob_len, write_mlp_blob, BlobView, ModelKind, Scaling};
use embedml::kernels::loss::Loss;
use embedml::kernels::softmax::argmax;
use embedml::models::mlp::{check_layers, init, Init, Layer};
use embedml::optim::{Adam, AnyOptimizer, Momentum, Optimizer, Sgd};
use embedml::{Activation, Rng};
use serde::Serialize;

use crate::backend::cpu::{self, CpuBackend};
use crate::backend::net::Net;
use crate::backend::{select, Backend, Device, Selected};
use crate::data::{Standardizer, Table};
use crate::error::{HostError, Result};
use crate::io::ModelFile;
use crate::models::{EvalReport, Export, HostModel, PredictionRow, Predictions};
use crate::{model_err, progress};

/// The kind name in model files and on the command line.
pub const KIND: &str = "mlp";

/// Rows per batch when evaluating or predicting.
const EVAL_BATCH: usize = 4096;

/// What the network predicts, which fixes its loss and output width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Task {
    /// Real-valued targets, mean squared error, one output per target column.
    Regression,
    /// Two classes, binary cross-entropy on one logistic output.
    Binary,
    /// Several classes, softmax cross-entropy, one output per class.
    Multiclass,
}

impl Task {
    /// The loss the task trains with.
    pub fn loss(self) -> Loss {
        match self {
            Task::Regression => Loss::Mse,
            Task::Binary => Loss::BinaryCrossEntropy,
            Task::Multiclass => Loss::SoftmaxCrossEntropy,
        }
    }

    /// The name used in model files.
    pub fn name(self) -> &'static str {
        match self {
            Task::Regression => "regression",
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
        }
    }

    /// Inverse of [`Task::name`].
    pub fn from_name(s: &str) -> Option<Task> {
        [Task::Regression, Task::Binary, Task::Multiclass]
            .into_iter()
            .find(|t| t.name() == s)
    }
}

/// Optimizer choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OptimizerKind {
    /// Adam (default learning rate 0.01).
    Adam,
    /// Plain gradient descent (default learning rate 0.1).
    Sgd,
    /// Gradient descent with momentum 0.9 (default learning rate 0.01).
    Momentum,
}

impl OptimizerKind {
    /// The name used in model files.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adam => "adam",
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
        }
    }

    /// The default learning rate of this optimizer.
    pub fn default_lr(self) -> f32 {
        match self {
            OptimizerKind::Adam => 0.01,
            OptimizerKind::Sgd => 0.1,
            OptimizerKind::Momentum => 0.01,
        }
    }

    /// Core's optimizer with learning rate `lr`.
    pub fn build(self, lr: f32) -> AnyOptimizer {
        match self {
            OptimizerKind::Adam => AnyOptimizer::Adam(Adam::new(lr)),
            OptimizerKind::Sgd => AnyOptimizer::Sgd(Sgd::new(lr)),
            OptimizerKind::Momentum => AnyOptimizer::Momentum(Momentum::new(lr, 0.9)),
        }
    }
}

/// Writes the tensors `layers.{l}.weight` `[n_out, n_in]` and `layers.{l}.bias` `[n_out]` of an
/// MLP-shaped network (the MLP, an MDN's trunk) from its flat parameters in core's order.
pub fn push_layers(f: &mut ModelFile, layers: &[Layer], params: &[f32]) -> Result<()> {
    let mut po = 0;
    for (l, layer) in layers.iter().enumerate() {
        let nw = layer.n_in * layer.n_out;
        f.push(
            &format!("layers.{l}.weight"),
            &[layer.n_out, layer.n_in],
            &params[po..po + nw],
        )?;
        f.push(
            &format!("layers.{l}.bias"),
            &[layer.n_out],
            &params[po + nw..po + layer.param_count()],
        )?;
        po += layer.param_count();
    }
    Ok(())
}

/// Reads the layer tensors written by [`push_layers`] (shapes checked) into flat parameters in
/// core's order (`p` of them); also returns the tensor names read, so callers can reject
/// unexpected extra tensors.
pub fn read_layer_tensors(
    f: &ModelFile,
    layers: &[Layer],
    p: usize,
) -> Result<(Vec<f32>, Vec<String>)> {
    let mut params = Vec::with_capacity(p);
    let mut names = Vec::with_capacity(2 * layers.len());
    for (l, layer) in layers.iter().enumerate() {
        let (w, b) = (format!("layers.{l}.weight"), format!("layers.{l}.bias"));
        params.extend_from_slice(f.tensor(&w, &[layer.n_out, layer.n_in])?);
        params.extend_from_slice(f.tensor(&b, &[layer.n_out])?);
        names.push(w);
        names.push(b);
    }
    Ok((params, names))
}

/// Reads the `sizes` and `activations` metadata of an MLP-shaped network (the MLP itself, an
/// MDN's trunk) and checks that they chain; returns the layers and the parameter count. `what`
/// names the network in errors ("an MLP", "an MDN trunk").
pub fn read_layers(f: &ModelFile, what: &str) -> Result<(Vec<Layer>, usize)> {
    let origin = &f.origin;
    let sizes: Vec<usize> = f.get_json("sizes")?;
    let acts: Vec<String> = f.get_json("activations")?;
    if sizes.len() < 2 || acts.len() != sizes.len() - 1 {
        return Err(model_err!(
            "{origin}: {} sizes and {} activations do not describe {what}",
            sizes.len(),
            acts.len()
        ));
    }
    let mut layers = Vec::with_capacity(acts.len());
    for (l, a) in acts.iter().enumerate() {
        let activation = parse_activation(a).map_err(|e| model_err!("{origin}: {e}"))?;
        layers.push(Layer {
            n_in: sizes[l],
            n_out: sizes[l + 1],
            activation,
        });
    }
    let (p, _) = check_layers(&layers)
        .map_err(|e| model_err!("{origin}: invalid layer sizes {sizes:?}: {e}"))?;
    Ok((layers, p))
}

/// Parses an activation name (`tanh`, `relu`, `sigmoid`, `identity`, `rbf`, `leaky_relu`, or
/// `leaky_relu:SLOPE`).
pub fn parse_activation(s: &str) -> std::result::Result<Activation, String> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(slope) = s
        .strip_prefix("leaky_relu:")
        .or_else(|| s.strip_prefix("leakyrelu:"))
    {
        return match slope.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(Activation::LeakyRelu(v)),
            _ => Err(format!("invalid LeakyReLU slope '{slope}'")),
        };
    }
    Activation::from_name(&s).map_err(|_| {
        format!("unknown activation '{s}' (identity, sigmoid, tanh, relu, leaky_relu[:SLOPE], rbf)")
    })
}

/// The name of an activation as [`parse_activation`] reads it back (with the LeakyReLU slope).
pub fn activation_string(a: Activation) -> String {
    match a {
        Activation::LeakyRelu(s) => format!("leaky_relu:{s}"),
        other => other.name().to_owned(),
    }
}

const TRAIN_EXAMPLES: &str = "\
Examples:
  embedml train mlp --data data/iris.csv --y species --hidden 16 --epochs 200 --out iris.safetensors
  embedml train mlp --data data/iris.csv --x petal_length --y petal_width --standardize --out pw.safetensors --json
  embedml train mlp --data data/digits8x8.csv --y label --task multiclass --hidden 32 --activation relu --out digits.safetensors";

/// Arguments of `embedml train mlp`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = TRAIN_EXAMPLES)]
pub struct TrainArgs {
    /// Training data (CSV with a header row).
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// Input columns, comma separated [default: every column except the targets].
    #[arg(long, value_name = "COL[,COL…]", value_delimiter = ',')]
    pub x: Vec<String>,
    /// Target columns, comma separated (one column for classification).
    #[arg(long, value_name = "COL[,COL…]", value_delimiter = ',', required = true)]
    pub y: Vec<String>,
    /// Task [default: multiclass for a column of labels, binary for a 0/1 column, else
    /// regression].
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    /// Hidden layer widths, comma separated.
    #[arg(long, value_name = "N[,N…]", value_delimiter = ',', default_value = "16")]
    pub hidden: Vec<usize>,
    /// Hidden activation: identity, sigmoid, tanh, relu, leaky_relu (or leaky_relu:SLOPE),
    /// rbf (the output layer is always identity; the loss applies sigmoid/softmax).
    #[arg(long, default_value = "tanh", value_parser = parse_activation)]
    pub activation: Activation,
    /// Optimizer.
    #[arg(long, value_enum, default_value = "adam")]
    pub optimizer: OptimizerKind,
    /// Learning rate [default: 0.01 for adam and momentum, 0.1 for sgd].
    #[arg(long)]
    pub lr: Option<f32>,
    /// Minibatch size (gradients are averaged over the batch).
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Passes over the data.
    #[arg(long, default_value_t = 200)]
    pub epochs: usize,
    /// Seed for the initial weights and the shuffling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Standardise the inputs (and regression targets) to mean 0, std 1; the model stores the
    /// means and stds and applies them at eval/predict time.
    #[arg(long)]
    pub standardize: bool,
    /// Where to write the model (safetensors).
    #[arg(long, value_name = "MODEL.safetensors")]
    pub out: PathBuf,
    /// Print one JSON object on stdout at the end instead of the summary line.
    #[arg(long)]
    pub json: bool,
    /// Where to train: cpu, cuda (needs a build with `--features cuda` and a GPU) or auto
    /// (CUDA when usable, else the CPU; says which on stderr).
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: Device,
}

/// Training hyperparameters, stored in the model file's `training` metadata.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Hyper {
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: String,
    /// Optimizer name.
    pub optimizer: String,
    /// Learning rate.
    pub lr: f32,
    /// Batch size.
    pub batch: usize,
    /// Epochs.
    pub epochs: usize,
    /// Seed.
    pub seed: u64,
    /// Whether inputs/targets were standardised.
    pub standardize: bool,
}

/// A trained (or training) MLP with everything needed to apply it to a CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpModel {
    /// Layers (core's description).
    pub layers: Vec<Layer>,
    /// Parameters in core's order.
    pub params: Vec<f32>,
    /// Task (fixes the loss).
    pub task: Task,
    /// Input column names, in input order.
    pub x_columns: Vec<String>,
    /// Target column names.
    pub y_columns: Vec<String>,
    /// Class names (classification; index = class id). Empty for regression.
    pub classes: Vec<String>,
    /// Input standardisation.
    pub x_norm: Standardizer,
    /// Target standardisation (regression; identity otherwise).
    pub y_norm: Standardizer,
    /// Training hyperparameters.
    pub hyper: Hyper,
    /// Mean training loss after training (as `eval` computes it); `None` before training.
    pub train_loss: Option<f64>,
}

impl MlpModel {
    /// Layer widths, input first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].n_in];
        s.extend(self.layers.iter().map(|l| l.n_out));
        s
    }

    /// Output width.
    pub fn n_outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].n_out
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
        f.set("loss", loss_name(self.task.loss()));
        f.set("task", self.task.name());
        f.set_json("x_columns", &self.x_columns)?;
        f.set_json("y_columns", &self.y_columns)?;
        f.set_json("classes", &self.classes)?;
        f.set_json("x_mean", &self.x_norm.mean)?;
        f.set_json("x_std", &self.x_norm.std)?;
        f.set_json("y_mean", &self.y_norm.mean)?;
        f.set_json("y_std", &self.y_norm.std)?;
        f.set_json("training", &self.hyper)?;
        if let Some(l) = self.train_loss.filter(|l| l.is_finite()) {
            f.set_json("train_loss", &l)?;
        }
        push_layers(&mut f, &self.layers, &self.params)?;
        Ok(f)
    }

    /// Rebuilds a model from a file, checking the kind, every size and tensor shape.
    pub fn from_file(f: &ModelFile) -> Result<Self> {
        f.expect_kind(KIND)?;
        let origin = &f.origin;
        let (layers, p) = read_layers(f, "an MLP")?;
        let sizes: Vec<usize> = std::iter::once(layers[0].n_in)
            .chain(layers.iter().map(|l| l.n_out))
            .collect();
        let task_name = f.get("task")?;
        let task = Task::from_name(task_name)
            .ok_or_else(|| model_err!("{origin}: unknown task '{task_name}'"))?;
        let loss = f.get("loss")?;
        if loss != loss_name(task.loss()) {
            return Err(model_err!(
                "{origin}: loss '{loss}' does not match task '{task_name}'"
            ));
        }
        let x_columns: Vec<String> = f.get_json("x_columns")?;
        let y_columns: Vec<String> = f.get_json("y_columns")?;
        let classes: Vec<String> = f.get_json("classes")?;
        let n_out = sizes[sizes.len() - 1];
        check_count(origin, "input columns", x_columns.len(), sizes[0])?;
        match task {
            Task::Regression => check_count(origin, "target columns", y_columns.len(), n_out)?,
            Task::Binary => {
                check_count(origin, "outputs", n_out, 1)?;
                check_count(origin, "classes", classes.len(), 2)?;
                check_count(origin, "target columns", y_columns.len(), 1)?;
            }
            Task::Multiclass => {
                check_count(origin, "classes", classes.len(), n_out)?;
                check_count(origin, "target columns", y_columns.len(), 1)?;
            }
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
        y_norm.check("target", if task == Task::Regression { n_out } else { 0 })?;
        let hyper: Hyper = f.get_json("training")?;
        let train_loss: Option<f64> = if f.metadata.contains_key("train_loss") {
            Some(f.get_json("train_loss")?)
        } else {
            None
        };
        let (params, expected) = read_layer_tensors(f, &layers, p)?;
        if let Some(extra) = f.tensors.iter().find(|t| !expected.contains(&t.name)) {
            return Err(model_err!(
                "{origin}: unexpected tensor '{}' in an mlp file",
                extra.name
            ));
        }
        Ok(MlpModel {
            layers,
            params,
            task,
            x_columns,
            y_columns,
            classes,
            x_norm,
            y_norm,
            hyper,
            train_loss,
        })
    }

    /// The standardised input matrix (`n_rows × n_inputs`) of `table`.
    pub fn inputs(&self, table: &Table) -> Result<Vec<f32>> {
        let cols = table.columns(&self.x_columns)?;
        let mut x = table.numeric(&cols)?;
        self.x_norm.apply(&mut x);
        Ok(x)
    }

    /// The targets of `table` in training space (`n_rows × n_outputs`): standardised values
    /// (regression), 0/1 (binary), one-hot rows (multiclass).
    pub fn targets(&self, table: &Table) -> Result<Vec<f32>> {
        let cols = table.columns(&self.y_columns)?;
        match self.task {
            Task::Regression => {
                let mut t = table.numeric(&cols)?;
                self.y_norm.apply(&mut t);
                Ok(t)
            }
            Task::Binary => Ok(table
                .class_indices(cols[0], &self.classes)?
                .into_iter()
                .map(|c| c as f32)
                .collect()),
            Task::Multiclass => {
                let k = self.classes.len();
                let idx = table.class_indices(cols[0], &self.classes)?;
                let mut t = vec![0.0; idx.len() * k];
                for (r, c) in idx.into_iter().enumerate() {
                    t[r * k + c] = 1.0;
                }
                Ok(t)
            }
        }
    }

    /// Raw network outputs (logits for classification, standardised values for regression)
    /// for the standardised inputs `x`, computed batched.
    pub fn raw_outputs(&self, x: &[f32]) -> Result<Vec<f32>> {
        let rows = x.len() / self.layers[0].n_in;
        let mut be = CpuBackend::new();
        let cap = EVAL_BATCH.min(rows).max(1);
        Net::for_inference(&mut be, &self.layers, &self.params, cap)?.outputs(&mut be, x)
    }

    fn evaluate_rows(&self, table: &Table) -> Result<(usize, f64, Option<f64>)> {
        let x = self.inputs(table)?;
        let mut out = self.raw_outputs(&x)?;
        let n = table.n_rows();
        let n_out = self.n_outputs();
        let mut scratch = vec![0.0; out.len()];
        match self.task {
            Task::Regression => {
                // Loss in the data's units.
                let cols = table.columns(&self.y_columns)?;
                let y = table.numeric(&cols)?;
                self.y_norm.invert(&mut out);
                let s = cpu::loss_rows(Loss::Mse, &out, &y, n_out, &mut scratch)?;
                Ok((n, s as f64 / n as f64, None))
            }
            Task::Binary | Task::Multiclass => {
                let t = self.targets(table)?;
                let s = cpu::loss_rows(self.task.loss(), &out, &t, n_out, &mut scratch)?;
                let correct = out
                    .chunks_exact(n_out)
                    .zip(t.chunks_exact(n_out))
                    .filter(|(o, t)| self.class_of(o) == self.class_of_target(t))
                    .count();
                Ok((n, s as f64 / n as f64, Some(correct as f64 / n as f64)))
            }
        }
    }

    /// The predicted class index from one row of logits.
    fn class_of(&self, logits: &[f32]) -> usize {
        match self.task {
            Task::Binary => usize::from(logits[0] >= 0.0),
            _ => argmax(logits),
        }
    }

    fn class_of_target(&self, t: &[f32]) -> usize {
        match self.task {
            Task::Binary => usize::from(t[0] >= 0.5),
            _ => argmax(t),
        }
    }
}

fn loss_name(loss: Loss) -> &'static str {
    match loss {
        Loss::Mse => "mse",
        Loss::BinaryCrossEntropy => "binary_cross_entropy",
        Loss::SoftmaxCrossEntropy => "softmax_cross_entropy",
    }
}

fn check_count(origin: &str, what: &str, found: usize, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(model_err!(
            "{origin}: model file has {found} {what}, expected {expected}"
        ))
    }
}

impl HostModel for MlpModel {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn describe(&self) -> String {
        let target = match self.task {
            Task::Regression => self.y_columns.join(", "),
            _ => format!("{} ∈ {{{}}}", self.y_columns[0], self.classes.join(", ")),
        };
        let inputs = match self.x_columns.as_slice() {
            [first, second, .., last] if self.x_columns.len() > 6 => format!(
                "{first}, {second}, …, {last} ({} columns)",
                self.x_columns.len()
            ),
            all => all.join(", "),
        };
        format!(
            "mlp {:?} {} {}: {} from {}",
            self.sizes(),
            self.hyper.activation,
            self.task.name(),
            target,
            inputs
        )
    }

    fn evaluate(&self, table: &Table) -> Result<EvalReport> {
        let (n, loss, accuracy) = self.evaluate_rows(table)?;
        Ok(EvalReport { n, loss, accuracy })
    }

    fn predict(&self, table: &Table) -> Result<Predictions> {
        let x = self.inputs(table)?;
        let mut out = self.raw_outputs(&x)?;
        let n_out = self.n_outputs();
        let rows = match self.task {
            Task::Regression => {
                self.y_norm.invert(&mut out);
                out.chunks_exact(n_out)
                    .map(|r| PredictionRow {
                        class: None,
                        values: r.to_vec(),
                    })
                    .collect()
            }
            Task::Binary | Task::Multiclass => out
                .chunks_exact_mut(n_out)
                .map(|r| {
                    let class = self.classes[self.class_of(r)].clone();
                    self.task.loss().link(r);
                    let values = if self.task == Task::Binary {
                        vec![1.0 - r[0], r[0]]
                    } else {
                        r.to_vec()
                    };
                    PredictionRow {
                        class: Some(class),
                        values,
                    }
                })
                .collect(),
        };
        let classification = self.task != Task::Regression;
        Ok(Predictions {
            columns: if classification {
                self.classes.clone()
            } else {
                self.y_columns.clone()
            },
            classification,
            rows,
        })
    }

    /// `points` inputs spread over mean ± 2 std of each input column (mean 0, std 1 without
    /// standardisation), all columns together; outputs from the blob by core.
    fn export(&self, points: usize) -> Result<Export> {
        let blob = self.to_blob()?;
        let n = points.max(1);
        let inputs: Vec<Vec<f32>> = (0..n)
            .map(|k| {
                let t = if n == 1 {
                    0.0
                } else {
                    -2.0 + 4.0 * k as f32 / (n - 1) as f32
                };
                self.x_norm
                    .mean
                    .iter()
                    .zip(&self.x_norm.std)
                    .map(|(m, s)| m + t * s)
                    .collect()
            })
            .collect();
        let outputs = inputs
            .iter()
            .map(|x| predict_from_blob(&blob, x))
            .collect::<Result<Vec<_>>>()?;
        let output_columns = match self.task {
            Task::Regression => self.y_columns.clone(),
            Task::Binary => vec![format!("p_{}", self.classes.get(1).map_or("1", |c| c))],
            Task::Multiclass => self.classes.iter().map(|c| format!("p_{c}")).collect(),
        };
        Ok(Export {
            blob,
            input_columns: self.x_columns.clone(),
            output_columns,
            inputs,
            outputs,
        })
    }
}

impl MlpModel {
    /// The device blob: the layers, the loss, the parameters and, when the model was trained
    /// with `--standardize`, the input (and regression target) standardisation constants.
    pub fn to_blob(&self) -> Result<Vec<u8>> {
        let input = self.hyper.standardize.then_some(Scaling {
            mean: &self.x_norm.mean,
            std: &self.x_norm.std,
        });
        let output = (self.hyper.standardize && self.task == Task::Regression).then_some(Scaling {
            mean: &self.y_norm.mean,
            std: &self.y_norm.std,
        });
        let n_in = input.map_or(0, |s| s.mean.len());
        let n_out = output.map_or(0, |s| s.mean.len());
        let mut blob = vec![0u8; mlp_blob_len(&self.layers, n_in, n_out, self.params.len())];
        let n = write_mlp_blob(&mut blob, &self.layers, self.task.loss(), &self.params, input, output)
            .map_err(|e| model_err!("cannot export the model: {e}"))?;
        blob.truncate(n);
        Ok(blob)
    }
}

/// What core computes from an MLP `blob` for one input `x` (data units) on the device's code
/// path (`MlpRef::predict`: standardise, `mlp::forward`, link, map the outputs back).
pub fn predict_from_blob(blob: &[u8], x: &[f32]) -> Result<Vec<f32>> {
    let bad = |e: embedml::format::FormatError| model_err!("blob: {e}");
    let view = BlobView::parse(blob).map_err(bad)?;
    view.expect_kind(ModelKind::Mlp).map_err(bad)?;
    let n_layers = view.shape_word(0).unwrap_or(0) as usize;
    if n_layers == 0 || n_layers > 1024 {
        return Err(model_err!("blob: {n_layers} layers"));
    }
    let mut layers = vec![
        Layer {
            n_in: 1,
            n_out: 1,
            activation: Activation::Identity,
        };
        n_layers
    ];
    let loss = decode_mlp_shape(&view, &mut layers).map_err(bad)?;
    let params: Vec<f32> = view.params().collect();
    let (_, units) = check_layers(&layers)?;
    let (mut pre, mut post) = (vec![0.0; units], vec![0.0; units]);
    let mut x = x.to_vec();
    if let Some(s) = view.input_scaling() {
        s.standardize(&mut x);
    }
    embedml::models::mlp::forward(&layers, &params, &x, &mut pre, &mut post)?;
    let mut y = embedml::models::mlp::output(&layers, &post).to_vec();
    loss.link(&mut y);
    if let Some(s) = view.output_scaling() {
        s.unstandardize(&mut y);
    }
    Ok(y)
}

/// Loads an `mlp` model file for `eval`/`predict`.
pub fn load(file: &ModelFile) -> Result<Box<dyn HostModel>> {
    Ok(Box::new(MlpModel::from_file(file)?))
}

/// Chooses the task, target encoding and columns for `args` on `table`, and returns an
/// untrained model (zero parameters, standardisation fitted when asked).
pub fn prepare(args: &TrainArgs, table: &Table) -> Result<MlpModel> {
    let y_cols = table.columns(&args.y)?;
    let x_names: Vec<String> = if args.x.is_empty() {
        table
            .headers()
            .iter()
            .filter(|h| !args.y.contains(h))
            .cloned()
            .collect()
    } else {
        args.x.clone()
    };
    if x_names.is_empty() {
        return Err(HostError::Usage(
            "no input columns: every column is a target (give --x)".into(),
        ));
    }
    if let Some(both) = x_names.iter().find(|x| args.y.contains(x)) {
        return Err(HostError::Usage(format!(
            "column '{both}' is both an input (--x) and a target (--y)"
        )));
    }
    let x_cols = table.columns(&x_names)?;
    let single_target = |task: &str| -> Result<usize> {
        if y_cols.len() == 1 {
            Ok(y_cols[0])
        } else {
            Err(HostError::Usage(format!(
                "a {task} task needs exactly one target column (--y), got {}",
                y_cols.len()
            )))
        }
    };
    let task = match args.task {
        Some(t) => t,
        None if y_cols.len() > 1 => Task::Regression,
        None if !table.is_numeric(y_cols[0]) => Task::Multiclass,
        None => {
            let binary = table.cells(y_cols[0]).all(|c| matches!(c.parse::<f32>(), Ok(v) if v == 0.0 || v == 1.0));
            if binary {
                Task::Binary
            } else {
                Task::Regression
            }
        }
    };
    let (classes, n_out) = match task {
        Task::Regression => (Vec::new(), y_cols.len()),
        Task::Binary => {
            let col = single_target("binary")?;
            let classes = if table.is_numeric(col) {
                vec!["0".to_owned(), "1".to_owned()]
            } else {
                table.vocabulary(col)?
            };
            if classes.len() != 2 {
                return Err(HostError::Data(format!(
                    "{}: a binary task needs two classes in column '{}', found {} ({})",
                    table.path().display(),
                    args.y[0],
                    classes.len(),
                    classes.join(", ")
                )));
            }
            (classes, 1)
        }
        Task::Multiclass => {
            let classes = table.vocabulary(single_target("multiclass")?)?;
            if classes.len() < 2 {
                return Err(HostError::Data(format!(
                    "{}: column '{}' has a single class ({}); nothing to learn",
                    table.path().display(),
                    args.y[0],
                    classes.join(", ")
                )));
            }
            let k = classes.len();
            (classes, k)
        }
    };
    let mut sizes = vec![x_cols.len()];
    sizes.extend(&args.hidden);
    sizes.push(n_out);
    let mut layers: Vec<Layer> = sizes
        .windows(2)
        .map(|w| Layer {
            n_in: w[0],
            n_out: w[1],
            activation: args.activation,
        })
        .collect();
    if let Some(last) = layers.last_mut() {
        last.activation = Activation::Identity;
    }
    let (p, _) = check_layers(&layers)
        .map_err(|e| HostError::Usage(format!("invalid --hidden {:?}: {e}", args.hidden)))?;
    let optimizer = args.optimizer;
    let hyper = Hyper {
        hidden: args.hidden.clone(),
        activation: activation_string(args.activation),
        optimizer: optimizer.name().to_owned(),
        lr: args.lr.unwrap_or(optimizer.default_lr()),
        batch: args.batch,
        epochs: args.epochs,
        seed: args.seed,
        standardize: args.standardize,
    };
    let mut model = MlpModel {
        layers,
        params: vec![0.0; p],
        task,
        x_columns: x_names,
        y_columns: args.y.clone(),
        classes,
        x_norm: Standardizer::identity(x_cols.len()),
        y_norm: Standardizer::identity(if task == Task::Regression { n_out } else { 0 }),
        hyper,
        train_loss: None,
    };
    if args.standardize {
        model.x_norm = Standardizer::fit(&table.numeric(&x_cols)?, x_cols.len());
        if task == Task::Regression {
            model.y_norm = Standardizer::fit(&table.numeric(&y_cols)?, n_out);
        }
    }
    Ok(model)
}

/// Trains `model` (from [`prepare`]) on `table` by minibatch gradient descent on the CPU
/// backend; `on_epoch(epoch, mean_loss)` is called after every epoch. Parameters are
/// initialised from the seed first. Returns the last epoch's mean training loss (in the
/// training space).
pub fn fit(model: &mut MlpModel, table: &Table, on_epoch: impl FnMut(usize, f64)) -> Result<f64> {
    fit_on(model, table, &mut Selected::Cpu, on_epoch)
}

/// [`fit`] on the backend `device` (see [`crate::backend::select`]). The CPU gives exactly
/// the results of [`fit`]; CUDA the same up to float rounding.
pub fn fit_on(
    model: &mut MlpModel,
    table: &Table,
    device: &mut Selected,
    on_epoch: impl FnMut(usize, f64),
) -> Result<f64> {
    let h = model.hyper.clone();
    if h.batch == 0 {
        return Err(HostError::Usage("--batch must be at least 1".into()));
    }
    if !(h.lr.is_finite() && h.lr > 0.0) {
        return Err(HostError::Usage(format!(
            "--lr must be a positive number, got {}",
            h.lr
        )));
    }
    let x = model.inputs(table)?;
    let t = model.targets(table)?;
    let mut rng = Rng::new(h.seed);
    init(&model.layers, &mut model.params, &mut rng, Init::Default)?;
    let opt = OptimizerKind::from_name(&h.optimizer)
        .unwrap_or(OptimizerKind::Adam)
        .build(h.lr);
    match device {
        Selected::Cpu => fit_loop(&mut CpuBackend::new(), model, &x, &t, rng, opt, on_epoch),
        Selected::Cuda(be) => fit_loop(&mut **be, model, &x, &t, rng, opt, on_epoch),
    }
}

/// The epochs of [`fit_on`] on one backend: batches gathered in shuffled order, one
/// [`Net::mlp_step`] each, the summed loss read once per epoch.
fn fit_loop<B: Backend>(
    be: &mut B,
    model: &mut MlpModel,
    x: &[f32],
    t: &[f32],
    mut rng: Rng,
    mut opt: AnyOptimizer,
    mut on_epoch: impl FnMut(usize, f64),
) -> Result<f64> {
    let h = model.hyper.clone();
    let (n_in, n_out) = (model.layers[0].n_in, model.n_outputs());
    let n = x.len() / n_in;
    let loss = model.task.loss();
    let p = model.params.len();
    let mut net = Net::new(
        be,
        &model.layers,
        &model.params,
        opt.state_len(p),
        h.batch.min(n).max(1),
        n_out,
    )?;
    let data = be.prepare_data(x, t, n_in, n_out)?;
    let mut order: Vec<usize> = (0..n).collect();
    let mut last = f64::NAN;
    for epoch in 0..h.epochs {
        rng.shuffle(&mut order);
        for idx in order.chunks(h.batch) {
            net.load_batch(be, &data, x, t, idx)?;
            net.mlp_step(be, loss, idx.len(), &mut opt)?;
        }
        last = be.take_loss()? / n as f64;
        net.read_params(be, &mut model.params)?;
        if !last.is_finite() || model.params.iter().any(|v| !v.is_finite()) {
            return Err(HostError::Data(format!(
                "training diverged at epoch {} (the loss is not finite); try a smaller --lr or --standardize",
                epoch + 1
            )));
        }
        on_epoch(epoch, last);
    }
    net.read_params(be, &mut model.params)?;
    Ok(last)
}

impl OptimizerKind {
    /// Inverse of [`OptimizerKind::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        [OptimizerKind::Adam, OptimizerKind::Sgd, OptimizerKind::Momentum]
            .into_iter()
            .find(|o| o.name() == s)
    }
}

/// `embedml train mlp`: prepare, fit (with a progress bar), evaluate on the training data,
/// save atomically, report.
pub fn train(args: TrainArgs) -> Result<()> {
    let table = Table::read(&args.data)?;
    let mut model = prepare(&args, &table)?;
    let mut device = select(args.device)?;
    let start = Instant::now();
    let bar = progress::epochs(args.epochs as u64);
    fit_on(&mut model, &table, &mut device, |epoch, loss| {
        bar.set_position(epoch as u64 + 1);
        bar.set_message(format!("loss {loss:.5}"));
    })?;
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    let report = model.evaluate(&table)?;
    model.train_loss = Some(report.loss);
    model.to_file()?.save(&args.out)?;
    if args.json {
        let mut obj = serde_json::json!({
            "model": KIND,
            "epochs": args.epochs,
            "train_loss": report.loss,
            "seconds": seconds,
            "device": device.name(),
            "out": args.out.display().to_string(),
        });
        if let Some(acc) = report.accuracy {
            obj["train_accuracy"] = acc.into();
        }
        println!("{obj}");
    } else {
        let acc = report
            .accuracy
            .map_or(String::new(), |a| format!(", accuracy {a:.4}"));
        println!(
            "trained {} for {} epochs in {seconds:.2} s: train loss {:.6}{acc} -> {}",
            model.describe(),
            args.epochs,
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

    fn xor_table() -> Table {
        let rows = [("0", "0", "no"), ("0", "1", "yes"), ("1", "0", "yes"), ("1", "1", "no")];
        Table::from_parts(
            Path::new("xor.csv"),
            vec!["a".into(), "b".into(), "label".into()],
            rows.iter()
                .cycle()
                .take(32)
                .map(|(a, b, c)| vec![a.to_string(), b.to_string(), c.to_string()])
                .collect(),
            vec![],
        )
        .unwrap()
    }

    fn args(extra: &[&str]) -> TrainArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct W {
            #[command(flatten)]
            a: TrainArgs,
        }
        let mut v = vec!["x", "--data", "xor.csv", "--y", "label", "--out", "m.safetensors"];
        v.extend_from_slice(extra);
        W::parse_from(v).a
    }

    #[test]
    fn learns_xor_and_round_trips_through_a_file() {
        let table = xor_table();
        let a = args(&["--hidden", "8", "--epochs", "300", "--batch", "4", "--lr", "0.05"]);
        let mut model = prepare(&a, &table).unwrap();
        assert_eq!(model.task, Task::Multiclass);
        assert_eq!(model.classes, vec!["no", "yes"]);
        assert_eq!(model.sizes(), vec![2, 8, 2]);
        let mut losses = Vec::new();
        fit(&mut model, &table, |_, l| losses.push(l)).unwrap();
        assert!(losses[losses.len() - 1] < 0.05 * losses[0], "{losses:?}");
        let r = model.evaluate(&table).unwrap();
        assert_eq!(r.accuracy, Some(1.0));
        let bytes = model.to_file().unwrap().to_bytes().unwrap();
        let back = MlpModel::from_file(&ModelFile::from_bytes(&bytes, "m").unwrap()).unwrap();
        assert_eq!(back.params, model.params);
        assert_eq!(back.evaluate(&table).unwrap(), r);
        let p = back.predict(&table).unwrap();
        assert_eq!(p.rows[1].class.as_deref(), Some("yes"));
        assert!((p.rows[1].values.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn binary_task_and_kind_check() {
        let table = xor_table();
        let a = args(&["--task", "binary", "--epochs", "1"]);
        let model = prepare(&a, &table).unwrap();
        assert_eq!(model.sizes(), vec![2, 16, 1]);
        assert_eq!(model.task.loss(), Loss::BinaryCrossEntropy);
        let mut f = model.to_file().unwrap();
        f.set("kind", "mdn");
        let e = MlpModel::from_file(&f).unwrap_err().to_string();
        assert!(e.contains("model is a mdn, expected mlp"), "{e}");
        let mut f = model.to_file().unwrap();
        f.tensors.retain(|t| t.name != "layers.1.bias");
        assert!(MlpModel::from_file(&f).unwrap_err().to_string().contains("no tensor 'layers.1.bias'"));
        let mut f = model.to_file().unwrap();
        f.tensors[0].shape = vec![2, 16];
        assert!(MlpModel::from_file(&f).unwrap_err().to_string().contains("shape"));
    }

    #[test]
    fn activation_strings_round_trip() {
        for a in Activation::ALL.into_iter().chain([Activation::LeakyRelu(0.2)]) {
            assert_eq!(parse_activation(&activation_string(a)).unwrap(), a);
        }
        assert!(parse_activation("swish").is_err());
    }
}
