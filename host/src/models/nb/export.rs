//! `embedml export` for naive Bayes: categorical models as blob kind 3, Bernoulli as kind 4,
//! multinomial as kind 5, Gaussian as kind 6 (its `f64` Welford statistics losslessly, see
//! `core/src/format/nb_gaussian.rs`), and the class probabilities core computes **from the
//! blob** (the device's code path) for a few synthetic rows.
//!
//! ## Inputs in the expected outputs
//! The model file does not keep training rows, so the rows are synthetic, drawn with a fixed
//! seed, written as `f32`: categorical, distinct rows of category indices (index into the
//! feature's sorted vocabulary, as the model stores it); Bernoulli, distinct rows of 0 (absent)
//! / 1 (present); multinomial, distinct rows of counts `0..=3`; Gaussian, row `r` drawn from
//! class `r mod C`'s normals (`μ_{y,i} + σ_{y,i} · z`, `z ~ N(0, 1)`), so every class shows up.

use std::collections::HashSet;

use embedml::format::{
    bernoulli_blob_len, categorical_blob_len, decode_bernoulli_shape, decode_categorical_shape,
    decode_gaussian_shape, decode_multinomial_shape, gaussian_blob_len, multinomial_blob_len,
    read_gaussian_params, read_nb_params, write_bernoulli_blob, write_categorical_blob,
    write_gaussian_blob, write_multinomial_blob, BlobView, GaussianShape, ModelKind, NbShape,
};
use embedml::models::naive_bayes::{
    bernoulli, categorical, common, gaussian, multinomial, Prior,
};
use embedml::Rng;

use super::{NbModel, NbStats};
use crate::error::Result;
use crate::model_err;
use crate::models::Export;

/// Seed of the synthetic rows.
const ROW_SEED: u64 = 0x6e62;

impl NbModel {
    /// The device blob: categorical (kind 3), Bernoulli (4) or multinomial (5) counts and `α`,
    /// or Gaussian (6) Welford statistics and `var_smoothing`; learned prior.
    pub fn to_blob(&self) -> Result<Vec<u8>> {
        let (c, f) = (self.classes.len(), self.x_cols.len());
        match &self.stats {
            NbStats::Categorical {
                vocab,
                counts,
                v_stride,
            } => {
                let n_values: Vec<usize> = vocab.iter().map(Vec::len).collect();
                written(categorical_blob_len(c, f, *v_stride, false), |out| {
                    write_categorical_blob(
                        out,
                        &self.class_count,
                        counts,
                        &n_values,
                        *v_stride,
                        self.alpha,
                        None,
                    )
                })
            }
            NbStats::Bernoulli { counts } => written(bernoulli_blob_len(c, f, false), |out| {
                write_bernoulli_blob(out, &self.class_count, counts, f, self.alpha, None)
            }),
            NbStats::Multinomial { counts } => {
                written(multinomial_blob_len(c, f, false), |out| {
                    write_multinomial_blob(out, &self.class_count, counts, f, self.alpha, None)
                })
            }
            NbStats::Gaussian {
                mean,
                m2,
                total_mean,
                total_m2,
                var_smoothing,
            } => {
                let s = gaussian::Stats {
                    class_count: &self.class_count,
                    mean,
                    m2,
                    total_mean,
                    total_m2,
                    var_smoothing: *var_smoothing,
                    prior: Prior::Learned,
                };
                written(gaussian_blob_len(c, f, false), |out| {
                    write_gaussian_blob(out, &s)
                })
            }
        }
    }

    /// Up to `points` synthetic rows (see the module docs), as `f32` values.
    pub fn export_inputs(&self, points: usize) -> Vec<Vec<f32>> {
        let mut rng = Rng::new(ROW_SEED);
        if let NbStats::Gaussian { mean, m2, .. } = &self.stats {
            let (c, f) = (self.classes.len(), self.x_cols.len());
            return (0..points.max(1))
                .map(|r| {
                    let y = r % c;
                    let n = (self.class_count[y] as f64).max(1.0);
                    (0..f)
                        .map(|i| {
                            let sd = (m2[y * f + i] / n).sqrt() as f32;
                            rng.normal_with(mean[y * f + i] as f32, sd)
                        })
                        .collect()
                })
                .collect();
        }
        let sizes: Vec<u32> = match &self.stats {
            NbStats::Categorical { vocab, .. } => vocab.iter().map(|v| v.len() as u32).collect(),
            NbStats::Multinomial { .. } => vec![4; self.x_cols.len()],
            _ => vec![2; self.x_cols.len()],
        };
        let distinct = sizes
            .iter()
            .try_fold(1usize, |acc, &v| acc.checked_mul(v as usize))
            .unwrap_or(usize::MAX);
        let n = points.max(1).min(distinct);
        let mut seen = HashSet::new();
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n.saturating_mul(64) {
            if rows.len() == n {
                break;
            }
            let row: Vec<u32> = sizes.iter().map(|&v| rng.below(v)).collect();
            if seen.insert(row.clone()) {
                rows.push(row.into_iter().map(|v| v as f32).collect());
            }
        }
        rows
    }

    /// The export: the blob and `P(y | x)` per class (columns `p_<class>`) for
    /// [`export_inputs`](Self::export_inputs), computed by core from the blob
    /// ([`proba_from_blob`]).
    pub fn export_blob(&self, points: usize) -> Result<Export> {
        let blob = self.to_blob()?;
        let inputs = self.export_inputs(points);
        let outputs = inputs
            .iter()
            .map(|x| proba_from_blob(&blob, x))
            .collect::<Result<Vec<_>>>()?;
        Ok(Export {
            blob,
            input_columns: self.x_cols.clone(),
            output_columns: self.classes.iter().map(|c| format!("p_{c}")).collect(),
            inputs,
            outputs,
        })
    }
}

/// A blob of `len` bytes written by `write`.
fn written(
    len: usize,
    write: impl FnOnce(&mut [u8]) -> std::result::Result<usize, embedml::format::FormatError>,
) -> Result<Vec<u8>> {
    let mut blob = vec![0u8; len];
    let n = write(&mut blob).map_err(|e| model_err!("cannot export the model: {e}"))?;
    blob.truncate(n);
    Ok(blob)
}

/// A naive Bayes blob decoded into runtime-sized storage (kinds 3 to 6).
#[derive(Debug, Clone, PartialEq)]
pub enum BlobNb {
    /// Categorical (kind 3), Bernoulli (4) or multinomial (5): counts.
    Counts {
        /// Which of the three.
        kind: ModelKind,
        /// The decoded shape (`C`, `F`, `V`, `α`, prior flag).
        shape: NbShape,
        /// Categorical: `V_i` per feature; otherwise empty.
        n_values: Vec<usize>,
        /// `N_y`.
        class_count: Vec<f32>,
        /// `N_{y,i,v}` (categorical) or `N_{y,i}`.
        counts: Vec<f32>,
        /// The fixed prior (empty when learned).
        prior: Vec<f32>,
    },
    /// Gaussian (kind 6): Welford statistics.
    Gaussian {
        /// The decoded shape (`C`, `F`, `var_smoothing`, prior flag).
        shape: GaussianShape,
        /// `n_y`.
        class_count: Vec<f32>,
        /// `μ_{y,i}`.
        mean: Vec<f64>,
        /// `M2_{y,i}`.
        m2: Vec<f64>,
        /// Mean over all samples.
        total_mean: Vec<f64>,
        /// `M2` over all samples.
        total_m2: Vec<f64>,
        /// The fixed prior (empty when learned).
        prior: Vec<f32>,
    },
}

impl BlobNb {
    /// The variant's name (`categorical`, `bernoulli`, `multinomial`, `gaussian`).
    pub fn variant(&self) -> &'static str {
        match self {
            BlobNb::Counts {
                kind: ModelKind::NaiveBayesCategorical,
                ..
            } => "categorical",
            BlobNb::Counts {
                kind: ModelKind::NaiveBayesBernoulli,
                ..
            } => "bernoulli",
            BlobNb::Counts { .. } => "multinomial",
            BlobNb::Gaussian { .. } => "gaussian",
        }
    }

    /// `(classes, features)`.
    pub fn dims(&self) -> (usize, usize) {
        match self {
            BlobNb::Counts { shape, .. } => (shape.classes, shape.features),
            BlobNb::Gaussian { shape, .. } => (shape.classes, shape.features),
        }
    }

    /// `N_y`.
    pub fn class_count(&self) -> &[f32] {
        match self {
            BlobNb::Counts { class_count, .. } | BlobNb::Gaussian { class_count, .. } => {
                class_count
            }
        }
    }

    /// The fixed prior (empty when learned).
    pub fn prior(&self) -> &[f32] {
        match self {
            BlobNb::Counts { prior, .. } | BlobNb::Gaussian { prior, .. } => prior,
        }
    }

    fn core_prior(&self) -> Prior<'_> {
        let fixed = match self {
            BlobNb::Counts { shape, .. } => shape.fixed_prior,
            BlobNb::Gaussian { shape, .. } => shape.fixed_prior,
        };
        if fixed {
            Prior::Fixed(self.prior())
        } else {
            Prior::Learned
        }
    }
}

/// Checks that a blob holds at least `needed` parameters before buffers are sized from its
/// shape words (a hostile shape cannot make the host allocate more than the file holds).
fn check_size(view: &BlobView<'_>, needed: usize) -> std::result::Result<(), String> {
    if needed > view.param_count() {
        return Err(format!(
            "naive bayes parameter count: expected at least {needed}, found {}",
            view.param_count()
        ));
    }
    Ok(())
}

/// Decodes a naive Bayes blob of kind 3, 4, 5 or 6 (every check of the format).
pub fn decode_blob(view: &BlobView<'_>) -> std::result::Result<BlobNb, String> {
    let s = |e: embedml::format::FormatError| e.to_string();
    let kind = view.kind();
    if kind == Some(ModelKind::NaiveBayesGaussian) {
        let shape = decode_gaussian_shape(view).map_err(s)?;
        let (c, f) = (shape.classes, shape.features);
        check_size(view, c.saturating_add(c.saturating_mul(f)))?;
        let (mut class_count, mut mean, mut m2) = (vec![0.0; c], vec![0.0; c * f], vec![0.0; c * f]);
        let (mut total_mean, mut total_m2) = (vec![0.0; f], vec![0.0; f]);
        let mut prior = vec![0.0; if shape.fixed_prior { c } else { 0 }];
        let mut st = gaussian::StatsMut {
            class_count: &mut class_count,
            mean: &mut mean,
            m2: &mut m2,
            total_mean: &mut total_mean,
            total_m2: &mut total_m2,
        };
        read_gaussian_params(view, &shape, &mut st, &mut prior).map_err(s)?;
        return Ok(BlobNb::Gaussian {
            shape,
            class_count,
            mean,
            m2,
            total_mean,
            total_m2,
            prior,
        });
    }
    let (shape, n_values) = match kind {
        Some(ModelKind::NaiveBayesCategorical) => {
            // Sized by the shape words that exist (the decoder checks that F matches).
            let f = view.shape_len().saturating_sub(5);
            let mut n_values = vec![0usize; f];
            (decode_categorical_shape(view, &mut n_values).map_err(s)?, n_values)
        }
        Some(ModelKind::NaiveBayesMultinomial) => {
            (decode_multinomial_shape(view).map_err(s)?, Vec::new())
        }
        _ => (decode_bernoulli_shape(view).map_err(s)?, Vec::new()),
    };
    let (c, n) = (shape.classes, shape.n_counts());
    check_size(view, c.saturating_add(n))?;
    let (mut class_count, mut counts) = (vec![0.0; c], vec![0.0; n]);
    let mut prior = vec![0.0; if shape.fixed_prior { c } else { 0 }];
    read_nb_params(view, &shape, &mut class_count, &mut counts, &mut prior).map_err(s)?;
    Ok(BlobNb::Counts {
        kind: kind.unwrap_or(ModelKind::NaiveBayesBernoulli),
        shape,
        n_values,
        class_count,
        counts,
        prior,
    })
}

/// What core computes from a naive Bayes `blob` for one row `x` (categorical: category
/// indices; Bernoulli: `> 0` is present; multinomial: counts; Gaussian: values), as `f32`:
/// `P(y | x)` per class, through core's slice statistics over the blob's values
/// (`joint_log_likelihood` then `normalize`), all features observed.
pub fn proba_from_blob(blob: &[u8], x: &[f32]) -> Result<Vec<f32>> {
    let view = BlobView::parse(blob).map_err(|e| model_err!("blob: {e}"))?;
    let b = decode_blob(&view).map_err(|e| model_err!("blob: {e}"))?;
    let (c, f) = b.dims();
    embedml::error::check_len("naive bayes row", f, x.len())?;
    let prior = b.core_prior();
    let mut jll = vec![0.0f64; c];
    match &b {
        BlobNb::Gaussian {
            shape,
            class_count,
            mean,
            m2,
            total_mean,
            total_m2,
            ..
        } => {
            let s = gaussian::Stats {
                class_count,
                mean,
                m2,
                total_mean,
                total_m2,
                var_smoothing: shape.var_smoothing,
                prior,
            };
            gaussian::joint_log_likelihood(&s, x, &mut jll)?;
        }
        BlobNb::Counts {
            kind,
            shape,
            n_values,
            class_count,
            counts,
            ..
        } => match kind {
            ModelKind::NaiveBayesCategorical => {
                let s = categorical::Stats {
                    class_count,
                    counts,
                    n_values,
                    v_stride: shape.v_stride,
                    alpha: shape.alpha,
                    prior,
                };
                let xi = x
                    .iter()
                    .map(|&v| {
                        (v >= 0.0 && v.fract() == 0.0)
                            .then_some(v as usize)
                            .ok_or_else(|| {
                                model_err!("category index {v} is not a whole number >= 0")
                            })
                    })
                    .collect::<Result<Vec<_>>>()?;
                categorical::joint_log_likelihood(&s, &xi, None, &mut jll)?;
            }
            ModelKind::NaiveBayesMultinomial => {
                let s = multinomial::Stats {
                    class_count,
                    counts,
                    alpha: shape.alpha,
                    prior,
                };
                multinomial::joint_log_likelihood(&s, x, &mut jll)?;
            }
            _ => {
                let s = bernoulli::Stats {
                    class_count,
                    counts,
                    alpha: shape.alpha,
                    prior,
                };
                let xb: Vec<bool> = x.iter().map(|&v| v > 0.0).collect();
                bernoulli::joint_log_likelihood(&s, &xb, None, &mut jll)?;
            }
        },
    }
    let mut p = vec![0.0f32; jll.len()];
    common::normalize(&jll, &mut p)?;
    Ok(p)
}
