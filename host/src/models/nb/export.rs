//! `embedml export` for naive Bayes: categorical models as blob kind 3, Bernoulli as kind 4,
//! and the class probabilities core computes **from the blob** (the device's code path) for a
//! few synthetic rows. Multinomial and Gaussian models have no device layout yet (kinds 5 and 6
//! are reserved): exporting one is a one-line error naming the variant.
//!
//! ## Inputs in the expected outputs
//! The model file does not keep training rows, so the rows are synthetic: distinct rows of
//! category indices drawn with a fixed seed (categorical: index into the feature's sorted
//! vocabulary, as the model stores it; Bernoulli: 0 absent, 1 present), written as `f32`.

use std::collections::HashSet;

use embedml::format::{
    bernoulli_blob_len, categorical_blob_len, decode_bernoulli_shape, decode_categorical_shape,
    read_nb_params, write_bernoulli_blob, write_categorical_blob, BlobView, ModelKind,
};
use embedml::models::naive_bayes::{bernoulli, categorical, common, Prior};
use embedml::Rng;

use super::{NbModel, NbStats};
use crate::error::{HostError, Result};
use crate::model_err;
use crate::models::Export;

/// Seed of the synthetic rows.
const ROW_SEED: u64 = 0x6e62;

impl NbModel {
    /// The device blob: categorical (kind 3) or Bernoulli (kind 4) counts, `α`, learned prior.
    /// Multinomial and Gaussian models are an error (no device layout yet).
    pub fn to_blob(&self) -> Result<Vec<u8>> {
        let (c, f) = (self.classes.len(), self.x_cols.len());
        let bad = |e: embedml::format::FormatError| model_err!("cannot export the model: {e}");
        match &self.stats {
            NbStats::Categorical {
                vocab,
                counts,
                v_stride,
            } => {
                let n_values: Vec<usize> = vocab.iter().map(Vec::len).collect();
                let mut blob = vec![0u8; categorical_blob_len(c, f, *v_stride, false)];
                let n = write_categorical_blob(
                    &mut blob,
                    &self.class_count,
                    counts,
                    &n_values,
                    *v_stride,
                    self.alpha,
                    None,
                )
                .map_err(bad)?;
                blob.truncate(n);
                Ok(blob)
            }
            NbStats::Bernoulli { counts } => {
                let mut blob = vec![0u8; bernoulli_blob_len(c, f, false)];
                let n = write_bernoulli_blob(&mut blob, &self.class_count, counts, f, self.alpha, None)
                    .map_err(bad)?;
                blob.truncate(n);
                Ok(blob)
            }
            NbStats::Multinomial { .. } | NbStats::Gaussian { .. } => Err(HostError::Usage(format!(
                "export: naive Bayes variant '{}' has no device blob layout yet (only categorical and bernoulli export)",
                self.variant().name()
            ))),
        }
    }

    /// Up to `points` distinct synthetic rows (see the module docs), as `f32` values.
    pub fn export_inputs(&self, points: usize) -> Vec<Vec<f32>> {
        let sizes: Vec<u32> = match &self.stats {
            NbStats::Categorical { vocab, .. } => vocab.iter().map(|v| v.len() as u32).collect(),
            _ => vec![2; self.x_cols.len()],
        };
        let distinct = sizes
            .iter()
            .try_fold(1usize, |acc, &v| acc.checked_mul(v as usize))
            .unwrap_or(usize::MAX);
        let n = points.max(1).min(distinct);
        let mut rng = Rng::new(ROW_SEED);
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

/// A naive Bayes blob decoded into runtime-sized storage (kinds 3 and 4).
#[derive(Debug, Clone, PartialEq)]
pub struct BlobNb {
    /// The decoded shape (`C`, `F`, `V`, `α`, prior flag).
    pub shape: embedml::format::NbShape,
    /// Categorical: `V_i` per feature; Bernoulli: empty.
    pub n_values: Vec<usize>,
    /// `N_y`.
    pub class_count: Vec<f32>,
    /// `N_{y,i,v}` (categorical) or `N_{y,i}` (Bernoulli).
    pub counts: Vec<f32>,
    /// The fixed prior (empty when learned).
    pub prior: Vec<f32>,
}

/// Decodes a naive Bayes blob of kind 3 or 4 (every check of the format).
pub fn decode_blob(view: &BlobView<'_>) -> std::result::Result<BlobNb, String> {
    let s = |e: embedml::format::FormatError| e.to_string();
    let (shape, n_values) = match view.kind() {
        Some(ModelKind::NaiveBayesCategorical) => {
            // Sized by the shape words that exist (the decoder checks that F matches).
            let f = view.shape_len().saturating_sub(5);
            let mut n_values = vec![0usize; f];
            (decode_categorical_shape(view, &mut n_values).map_err(s)?, n_values)
        }
        _ => (decode_bernoulli_shape(view).map_err(s)?, Vec::new()),
    };
    let (c, n) = (shape.classes, shape.n_counts());
    if c.saturating_add(n) > view.param_count() {
        return Err(format!(
            "naive bayes parameter count: expected at least {}, found {}",
            c.saturating_add(n),
            view.param_count()
        ));
    }
    let mut b = BlobNb {
        shape,
        n_values,
        class_count: vec![0.0; c],
        counts: vec![0.0; n],
        prior: vec![0.0; if shape.fixed_prior { c } else { 0 }],
    };
    read_nb_params(view, &shape, &mut b.class_count, &mut b.counts, &mut b.prior).map_err(s)?;
    Ok(b)
}

/// What core computes from a naive Bayes `blob` for one row `x` (categorical: category
/// indices; Bernoulli: `> 0` is present), as `f32`: `P(y | x)` per class, through core's slice
/// statistics over the blob's values (`joint_log_likelihood` then `normalize`), all features
/// observed.
pub fn proba_from_blob(blob: &[u8], x: &[f32]) -> Result<Vec<f32>> {
    let view = BlobView::parse(blob).map_err(|e| model_err!("blob: {e}"))?;
    let b = decode_blob(&view).map_err(|e| model_err!("blob: {e}"))?;
    let f = b.shape.features;
    embedml::error::check_len("naive bayes row", f, x.len())?;
    let prior = if b.shape.fixed_prior {
        Prior::Fixed(&b.prior)
    } else {
        Prior::Learned
    };
    let mut jll = vec![0.0f64; b.shape.classes];
    if b.n_values.is_empty() {
        let s = bernoulli::Stats {
            class_count: &b.class_count,
            counts: &b.counts,
            alpha: b.shape.alpha,
            prior,
        };
        let xb: Vec<bool> = x.iter().map(|&v| v > 0.0).collect();
        bernoulli::joint_log_likelihood(&s, &xb, None, &mut jll)?;
    } else {
        let s = categorical::Stats {
            class_count: &b.class_count,
            counts: &b.counts,
            n_values: &b.n_values,
            v_stride: b.shape.v_stride,
            alpha: b.shape.alpha,
            prior,
        };
        let xi = x
            .iter()
            .map(|&v| {
                (v >= 0.0 && v.fract() == 0.0)
                    .then_some(v as usize)
                    .ok_or_else(|| model_err!("category index {v} is not a whole number >= 0"))
            })
            .collect::<Result<Vec<_>>>()?;
        categorical::joint_log_likelihood(&s, &xi, None, &mut jll)?;
    }
    let mut p = vec![0.0f32; jll.len()];
    common::normalize(&jll, &mut p)?;
    Ok(p)
}
