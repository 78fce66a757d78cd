//! `embedml export`: a trained model → its device blob (format v1, `core/src/format`) and the
//! outputs the device must reproduce for a few inputs. Kinds: `mlp` (blob kind 1), `mdn` (2),
//! `nb` categorical (3), Bernoulli (4), multinomial (5) and Gaussian (6), `qlearn` (7); each model's
//! [`HostModel::export`](crate::models::HostModel::export) says what its outputs are.

use std::path::{Path, PathBuf};

use embedml::format::{self, BlobView, ModelKind};
use embedml::models::mlp::Layer;
use embedml::Activation;

use crate::error::Result;
use crate::io::write_atomic;
use crate::model_err;
use crate::models::{load_model, Export};

const EXAMPLES: &str = "\
Examples:
  embedml export --model pw.safetensors --out pw.bin
  embedml export --model pw.safetensors --out firmware/models/pw.bin --rust firmware/models/pw_expected.rs
  embedml export --model pw.safetensors --out pw.bin --rust-const firmware/models/pw_const.rs
  embedml inspect pw.bin";

/// Arguments of `embedml export`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A model file written by `embedml train`.
    #[arg(long, value_name = "MODEL.safetensors")]
    pub model: PathBuf,
    /// Where to write the blob (embed it with `embedml::include_blob!`). The expected outputs
    /// go to the same path with `.expected.csv` appended.
    #[arg(long, value_name = "MODEL.bin")]
    pub out: PathBuf,
    /// Also write a Rust file for `include!`: the typed model alias `Model` with its const
    /// sizes, the blob as an aligned static `BLOB`, and the inputs and expected outputs
    /// (`INPUTS`, `EXPECTED`) for a firmware self-check.
    #[arg(long, value_name = "EXPECTED.rs")]
    pub rust: Option<PathBuf>,
    /// MLP only: also write a Rust file for `include!` with the model as **constants** (no
    /// blob, no parser: the smallest flash cost): the parameters as `static PARAMS: [f32; P]`,
    /// the layers, loss and standardisation as an `MlpConsts` implementation `Consts`, the
    /// network type `ConstModel` (`ConstModel::new()`, then `predict`), and `INPUTS` /
    /// `EXPECTED` as with `--rust`.
    #[arg(long, value_name = "CONST.rs")]
    pub rust_const: Option<PathBuf>,
    /// Number of inputs in the expected outputs: MLP, mean ± 2 std of each input; MDN, spread
    /// over the training range (π, μ, σ, mean, variance, mode per input); naive Bayes, synthetic
    /// rows (category indices, 0/1, counts, or Gaussian draws per class; class probabilities); Q-table: ignored, every state
    /// (greedy action and Q row).
    #[arg(long, default_value_t = 5)]
    pub points: usize,
}

/// Runs `embedml export`.
pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let e = model.export(args.points)?;
    write_atomic(&args.out, &e.blob)?;
    let csv_path = expected_csv_path(&args.out);
    write_atomic(&csv_path, expected_csv(&e).as_bytes())?;
    if let Some(rs) = &args.rust {
        let text = model_rust(&e.blob)? + "\n" + &expected_rust(&e);
        write_atomic(rs, text.as_bytes())?;
    }
    if let Some(rs) = &args.rust_const {
        let text = model_rust_const(&e.blob)? + "\n" + &expected_rust(&e);
        write_atomic(rs, text.as_bytes())?;
    }
    println!(
        "wrote {} ({} bytes, {} model) and {}{}",
        args.out.display(),
        e.blob.len(),
        model.kind(),
        csv_path.display(),
        [&args.rust, &args.rust_const]
            .iter()
            .filter_map(|p| p.as_ref().map(|p| format!(", {}", p.display())))
            .collect::<String>()
    );
    Ok(())
}

/// `M.bin` → `M.bin.expected.csv`.
pub fn expected_csv_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_owned();
    s.push(".expected.csv");
    PathBuf::from(s)
}

/// Inputs then outputs, one row per point, full `f32` precision (`{:?}` round-trips).
pub fn expected_csv(e: &Export) -> String {
    let mut s = e
        .input_columns
        .iter()
        .chain(&e.output_columns)
        .cloned()
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    for (x, y) in e.inputs.iter().zip(&e.outputs) {
        let row: Vec<String> = x.iter().chain(y).map(|v| format!("{v:?}")).collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

/// The typed model alias (`pub type Model = …;`, its const sizes read from the blob's header
/// with core's decoders) and the blob as `pub static BLOB: embedml::format::Aligned<N>`, as Rust
/// source. Load it with `Model::from_blob(&BLOB.0)` (or `MlpRef::from_blob` in place).
pub fn model_rust(blob: &[u8]) -> Result<String> {
    let bad = |e: format::FormatError| model_err!("the exported blob does not parse: {e}");
    let view = BlobView::parse(blob).map_err(bad)?;
    let word = |i: usize| view.shape_word(i).unwrap_or(0) as usize;
    let widths = |layers: &[Layer]| -> String {
        std::iter::once(layers[0].n_in)
            .chain(layers.iter().map(|l| l.n_out))
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let empty = Layer {
        n_in: 0,
        n_out: 0,
        activation: Activation::Identity,
    };
    let alias = match view.kind() {
        Some(ModelKind::Mlp) => {
            let mut layers = vec![empty; word(0)];
            format::decode_mlp_shape(&view, &mut layers).map_err(bad)?;
            format!("embedml::mlp_type!({})", widths(&layers))
        }
        Some(ModelKind::Mdn) => {
            let mut layers = vec![empty; word(0)];
            let head = format::decode_mdn_shape(&view, &mut layers).map_err(bad)?;
            format!(
                "embedml::mdn_type!({}, {}; {})",
                head.k(),
                head.l(),
                widths(&layers)
            )
        }
        Some(ModelKind::NaiveBayesCategorical) => {
            let mut n_values = vec![0; word(1)];
            let sh = format::decode_categorical_shape(&view, &mut n_values).map_err(bad)?;
            format!(
                "embedml::models::naive_bayes::CategoricalNb<{}, {}, {}>",
                sh.classes, sh.features, sh.v_stride
            )
        }
        Some(ModelKind::NaiveBayesBernoulli) => {
            let sh = format::decode_bernoulli_shape(&view).map_err(bad)?;
            format!(
                "embedml::models::naive_bayes::BernoulliNb<{}, {}>",
                sh.classes, sh.features
            )
        }
        Some(ModelKind::NaiveBayesMultinomial) => {
            let sh = format::decode_multinomial_shape(&view).map_err(bad)?;
            format!(
                "embedml::models::naive_bayes::MultinomialNb<{}, {}>",
                sh.classes, sh.features
            )
        }
        Some(ModelKind::NaiveBayesGaussian) => {
            let sh = format::decode_gaussian_shape(&view).map_err(bad)?;
            format!(
                "embedml::models::naive_bayes::GaussianNb<{}, {}>",
                sh.classes, sh.features
            )
        }
        Some(ModelKind::QTable) => {
            let (s, a) = format::decode_qtable_shape(&view).map_err(bad)?;
            format!("embedml::models::qlearn::QTable<{s}, {a}>")
        }
        other => return Err(model_err!("no typed model for blob kind {other:?}")),
    };
    let bytes: Vec<String> = blob
        .chunks(16)
        .map(|c| {
            let items: Vec<String> = c.iter().map(|b| format!("0x{b:02x}")).collect();
            format!("    {},\n", items.join(", "))
        })
        .collect();
    Ok(format!(
        "// @generated by `embedml export`. Do not edit.\n\
         \n\
         /// The typed model, sized for this blob.\n\
         pub type Model = {alias};\n\
         \n\
         /// The device blob (format v1), 4-byte aligned so it can be used in place from flash.\n\
         pub static BLOB: embedml::format::Aligned<{n}> = embedml::format::Aligned([\n{}]);\n",
        bytes.concat(),
        n = blob.len(),
    ))
}

/// An `f32` as a Rust expression that evaluates to the same bits: `{:?}` (which round-trips)
/// for finite values, `f32::from_bits(…)` otherwise.
fn f32_rust(v: f32) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        format!("f32::from_bits({:#010x})", v.to_bits())
    }
}

/// `values` as the items of a Rust array literal, eight per line.
fn f32_items(values: &[f32]) -> String {
    values
        .chunks(8)
        .map(|c| {
            let items: Vec<String> = c.iter().map(|&v| f32_rust(v)).collect();
            format!("    {},\n", items.join(", "))
        })
        .collect()
}

/// An MLP blob as constants, as Rust source for `include!` (values that happen to round to π
/// and friends are allowed: `clippy::approx_constant`): `static PARAMS: [f32; P]`, the
/// standardisation constants (`INPUT_MEAN` / `INPUT_STD`, `OUTPUT_MEAN` / `OUTPUT_STD`) if the
/// blob has them, `Consts` implementing `embedml::models::const_mlp::MlpConsts` and the network
/// type `ConstModel` (`embedml::const_mlp_type!`). Its outputs are bit-identical to the blob's
/// (`MlpRef`). Errors for blobs of other kinds.
pub fn model_rust_const(blob: &[u8]) -> Result<String> {
    let bad = |e: format::FormatError| model_err!("the exported blob does not parse: {e}");
    let view = BlobView::parse(blob).map_err(bad)?;
    if view.kind() != Some(ModelKind::Mlp) {
        return Err(model_err!(
            "--rust-const supports MLP models only (this blob is {:?})",
            view.kind()
        ));
    }
    let mut layers = vec![
        Layer {
            n_in: 0,
            n_out: 0,
            activation: Activation::Identity,
        };
        view.shape_word(0).unwrap_or(0) as usize
    ];
    let loss = format::decode_mlp_shape(&view, &mut layers).map_err(bad)?;
    let params: Vec<f32> = view.params().collect();
    let widths = std::iter::once(layers[0].n_in)
        .chain(layers.iter().map(|l| l.n_out))
        .map(|w| w.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut s = String::from("// @generated by `embedml export --rust-const`. Do not edit.\n\n");
    s += &format!(
        "/// The parameters (per layer W, n_out × n_in row-major, then b), in flash.\n\
         #[allow(clippy::approx_constant)]\n\
         pub static PARAMS: [f32; {}] = [\n{}];\n",
        params.len(),
        f32_items(&params)
    );
    let mut scaling = String::new();
    for (name, upper, sv) in [
        ("input", "INPUT", view.input_scaling()),
        ("output", "OUTPUT", view.output_scaling()),
    ] {
        let Some(sv) = sv else { continue };
        let mean: Vec<f32> = (0..sv.len()).map(|i| sv.mean(i)).collect();
        let std: Vec<f32> = (0..sv.len()).map(|i| sv.std(i)).collect();
        s += &format!(
            "\n/// Mean of each {name} column (standardisation).\n\
             #[allow(clippy::approx_constant)]\n\
             pub static {upper}_MEAN: [f32; {n}] = [\n{}];\n\
             \n/// Standard deviation of each {name} column (standardisation).\n\
             #[allow(clippy::approx_constant)]\n\
             pub static {upper}_STD: [f32; {n}] = [\n{}];\n",
            f32_items(&mean),
            f32_items(&std),
            n = sv.len(),
        );
        scaling += &format!(
            "    const {upper}_SCALING: Option<embedml::format::Scaling<'static>> =\n        \
             Some(embedml::format::Scaling {{ mean: &{upper}_MEAN, std: &{upper}_STD }});\n"
        );
    }
    let layer_items: String = layers
        .iter()
        .map(|l| {
            let act = match l.activation {
                Activation::LeakyRelu(slope) => format!("LeakyRelu({})", f32_rust(slope)),
                a => format!("{a:?}"),
            };
            format!(
                "        embedml::models::mlp::Layer {{ n_in: {}, n_out: {}, activation: embedml::Activation::{act} }},\n",
                l.n_in, l.n_out
            )
        })
        .collect();
    s += &format!(
        "\n/// The model's constants: layers, loss, parameters, standardisation.\n\
         pub struct Consts;\n\
         \n\
         impl embedml::models::const_mlp::MlpConsts for Consts {{\n\
         \x20   const LAYERS: &'static [embedml::models::mlp::Layer] = &[\n{layer_items}    ];\n\
         \x20   const LOSS: embedml::kernels::loss::Loss = embedml::kernels::loss::Loss::{loss:?};\n\
         \x20   const PARAMS: &'static [f32] = &PARAMS;\n{scaling}}}\n\
         \n\
         /// The constant-weights network (`ConstModel::new()`, then `predict` / `forward`).\n\
         pub type ConstModel = embedml::const_mlp_type!(Consts; {widths});\n"
    );
    Ok(s)
}

/// `INPUTS: [[f32; n_in]; N]` and `EXPECTED: [[f32; n_out]; N]` as Rust source.
pub fn expected_rust(e: &Export) -> String {
    let rows = |v: &[Vec<f32>]| -> String {
        v.iter()
            .map(|r| {
                let items: Vec<String> = r.iter().map(|x| format!("{x:?}")).collect();
                format!("    [{}],\n", items.join(", "))
            })
            .collect()
    };
    let n = e.inputs.len();
    let ni = e.input_columns.len();
    let no = e.output_columns.len();
    format!(
        "/// Inputs ({}), in the data's units.\n\
         pub const INPUTS: [[f32; {ni}]; {n}] = [\n{}];\n\
         \n\
         /// What embedml computes from the blob for `INPUTS` ({}).\n\
         pub const EXPECTED: [[f32; {no}]; {n}] = [\n{}];\n",
        e.input_columns.join(", "),
        rows(&e.inputs),
        e.output_columns.join(", "),
        rows(&e.outputs),
    )
}
