//! `embedml inspect`: what a device blob holds — header, shape, standardisation, parameters —
//! after every check of the format (a corrupt file is a one-line error). MLP and MDN blobs show
//! their layers (and the MDN head), naive Bayes blobs (all four variants) their classes,
//! features, `α` (Gaussian: `var_smoothing`), prior and class counts, Q-tables their size and greedy policy.

use std::path::PathBuf;

use embedml::format::{decode_mlp_shape, BlobView, ModelKind, ScalingView};
use embedml::models::mlp::Layer;
use embedml::Activation;

use crate::error::{HostError, Result};
use crate::model_err;

/// Arguments of `embedml inspect`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A blob written by `embedml export` (or a firmware's `models/*.bin`).
    #[arg(value_name = "MODEL.bin")]
    pub blob: PathBuf,
}

/// Runs `embedml inspect`.
pub fn run(args: Args) -> Result<()> {
    let bytes = std::fs::read(&args.blob).map_err(|e| HostError::io(&args.blob, e))?;
    print!(
        "{}",
        describe(&bytes).map_err(|e| model_err!("{}: {e}", args.blob.display()))?
    );
    Ok(())
}

/// The description `inspect` prints, or why the blob is unusable.
pub fn describe(bytes: &[u8]) -> std::result::Result<String, String> {
    let view = BlobView::parse(bytes).map_err(|e| e.to_string())?;
    let mut s = format!("{view}\n");
    if view.kind() == Some(ModelKind::Mlp) {
        let n = view.shape_word(0).unwrap_or(0) as usize;
        if n == 0 || n > 1024 {
            return Err(format!("implausible layer count {n}"));
        }
        let mut layers = vec![
            Layer {
                n_in: 1,
                n_out: 1,
                activation: Activation::Identity,
            };
            n
        ];
        let loss = decode_mlp_shape(&view, &mut layers).map_err(|e| e.to_string())?;
        s.push_str(&format!("mlp: {}, loss {loss:?}\n", architecture(&layers)));
    }
    match view.kind() {
        Some(ModelKind::Mdn) => s.push_str(&describe_mdn(&view)?),
        Some(
            ModelKind::NaiveBayesCategorical
            | ModelKind::NaiveBayesBernoulli
            | ModelKind::NaiveBayesMultinomial
            | ModelKind::NaiveBayesGaussian,
        ) => s.push_str(&describe_nb(&view)?),
        Some(ModelKind::QTable) => s.push_str(&describe_qtable(&view)?),
        _ => {}
    }
    let scaling = |name: &str, sv: Option<ScalingView<'_>>| match sv {
        Some(sv) => {
            let cols: Vec<String> = (0..sv.len())
                .map(|i| format!("{}±{}", sv.mean(i), sv.std(i)))
                .collect();
            format!("{name} standardisation (mean±std): {}\n", cols.join(", "))
        }
        None => format!("{name} standardisation: none\n"),
    };
    s.push_str(&scaling("input", view.input_scaling()));
    s.push_str(&scaling("output", view.output_scaling()));
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for p in view.params() {
        lo = lo.min(p);
        hi = hi.max(p);
    }
    s.push_str(&format!(
        "parameters: {} f32, min {lo}, max {hi}\n",
        view.param_count()
    ));
    Ok(s)
}

/// Layer widths and activations: `1 -> 5 (tanh) -> 9 (identity)`.
fn architecture(layers: &[Layer]) -> String {
    let mut arch = layers[0].n_in.to_string();
    for l in layers {
        arch.push_str(&format!(" -> {} ({})", l.n_out, l.activation.name()));
    }
    arch
}

/// The MDN line: trunk and head.
fn describe_mdn(view: &BlobView<'_>) -> std::result::Result<String, String> {
    let m = crate::models::mdn::decode_blob(view)?;
    Ok(format!(
        "mdn: {}, K = {}, L = {}, sigma_min {}\n",
        architecture(&m.layers),
        m.head.k(),
        m.head.l(),
        m.head.sigma_min()
    ))
}

/// The naive Bayes line: variant, classes, features, α (or `var_smoothing`), prior and class
/// counts.
fn describe_nb(view: &BlobView<'_>) -> std::result::Result<String, String> {
    let b = crate::models::nb::decode_blob(view)?;
    let (c, f) = b.dims();
    let (values, smoothing) = match &b {
        crate::models::nb::BlobNb::Counts {
            n_values, shape, ..
        } => {
            let values = if n_values.is_empty() {
                String::new()
            } else {
                let v: Vec<String> = n_values.iter().map(usize::to_string).collect();
                format!(" (values per feature: {})", v.join(" "))
            };
            (values, format!("alpha {}", shape.alpha))
        }
        crate::models::nb::BlobNb::Gaussian { shape, .. } => (
            String::new(),
            format!("var_smoothing {:e}", shape.var_smoothing),
        ),
    };
    let prior = if b.prior().is_empty() {
        "learned prior".to_owned()
    } else {
        format!("fixed prior {:?}", b.prior())
    };
    Ok(format!(
        "naive bayes {}: {c} classes, {f} features{values}, {smoothing}, {prior}, class counts {:?}\n",
        b.variant(),
        b.class_count()
    ))
}

/// The Q-table line and its greedy policy (the first 100 states).
fn describe_qtable(view: &BlobView<'_>) -> std::result::Result<String, String> {
    let (policy, _) =
        crate::models::qlearn::policy_from_blob(view.bytes()).map_err(|e| e.to_string())?;
    let shown: Vec<String> = policy.iter().take(100).map(usize::to_string).collect();
    let more = if policy.len() > 100 { " …" } else { "" };
    Ok(format!(
        "qtable: {} states x {} actions\ngreedy policy: {}{more}\n",
        policy.len(),
        view.shape_word(1).unwrap_or(0),
        shown.join(" ")
    ))
}
