//! `embedml export` for MDNs: the device blob (kind 2) and the mixture core computes **from the
//! blob** on the device's code path.
//!
//! ## Units on the device
//! A model trained with `--standardize` carries its input and target standardisation constants
//! in the blob; the device applies them itself: `x' = (x − mean) / std` before the trunk, then
//! the mixture back in data units exactly as `embedml predict` reports it (`μ · std + mean`,
//! `σ · std_l`, mean and mode `· std + mean`, variance `· std²`). [`mixture_from_blob`] is that
//! code path (core's `mlp::forward`, `Head::mixture`, `Mixture::{mean_and_variances, mode}` and
//! the blob's `ScalingView`), written once here for the expected outputs and the tests.

use embedml::format::{decode_mdn_shape, mdn_blob_len, write_mdn_blob, BlobView, Scaling};
use embedml::models::mlp::{self, check_layers, Layer};
use embedml::Activation;

use super::{MdnModel, RowMixture, DEFAULT_MODE_SEARCH};
use crate::error::Result;
use crate::model_err;
use crate::models::Export;

impl MdnModel {
    /// The device blob: trunk layers, head (`K`, `L`, `σ_min`), parameters and, when the model
    /// was trained with `--standardize`, the input and target standardisation constants.
    pub fn to_blob(&self) -> Result<Vec<u8>> {
        let (input, output) = if self.hyper.standardize {
            (
                Some(Scaling {
                    mean: &self.x_norm.mean,
                    std: &self.x_norm.std,
                }),
                Some(Scaling {
                    mean: &self.y_norm.mean,
                    std: &self.y_norm.std,
                }),
            )
        } else {
            (None, None)
        };
        let n_in = input.map_or(0, |s| s.mean.len());
        let n_out = output.map_or(0, |s| s.mean.len());
        let mut blob = vec![0u8; mdn_blob_len(&self.layers, n_in, n_out, self.params.len())];
        let n = write_mdn_blob(&mut blob, &self.layers, self.head, &self.params, input, output)
            .map_err(|e| model_err!("cannot export the model: {e}"))?;
        blob.truncate(n);
        Ok(blob)
    }

    /// `points` inputs spread evenly over the training range of each input column (stored by
    /// `embedml train mdn` as `x_min` / `x_max`; older files: mean ± 2 std), all columns
    /// together.
    pub fn export_inputs(&self, points: usize) -> Vec<Vec<f32>> {
        let n = points.max(1);
        let (lo, hi): (Vec<f32>, Vec<f32>) = match &self.x_range {
            Some((lo, hi)) => (lo.clone(), hi.clone()),
            None => self
                .x_norm
                .mean
                .iter()
                .zip(&self.x_norm.std)
                .map(|(m, s)| (m - 2.0 * s, m + 2.0 * s))
                .unzip(),
        };
        (0..n)
            .map(|k| {
                let t = if n == 1 {
                    0.5
                } else {
                    k as f32 / (n - 1) as f32
                };
                lo.iter().zip(&hi).map(|(a, b)| a + t * (b - a)).collect()
            })
            .collect()
    }

    /// The export: the blob and, for [`export_inputs`](Self::export_inputs), the mixture
    /// summaries core computes from the blob ([`mixture_from_blob`]), in the columns of
    /// [`prediction_columns`](Self::prediction_columns).
    pub fn export_blob(&self, points: usize) -> Result<Export> {
        let blob = self.to_blob()?;
        let inputs = self.export_inputs(points);
        let outputs = inputs
            .iter()
            .map(|x| Ok(mixture_from_blob(&blob, x)?.flat()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Export {
            blob,
            input_columns: self.x_columns.clone(),
            output_columns: self.prediction_columns(),
            inputs,
            outputs,
        })
    }
}

/// An MDN blob decoded into runtime-sized storage.
#[derive(Debug, Clone, PartialEq)]
pub struct BlobMdn {
    /// Trunk layers.
    pub layers: Vec<Layer>,
    /// The head.
    pub head: embedml::models::mdn::Head,
    /// Trunk parameters in core's order.
    pub params: Vec<f32>,
}

/// Decodes an MDN blob (every check of the format, see `embedml::format::decode_mdn_shape`).
pub fn decode_blob(view: &BlobView<'_>) -> std::result::Result<BlobMdn, String> {
    let nl = view.shape_word(0).unwrap_or(0) as usize;
    if nl == 0 || nl > 1024 {
        return Err(format!("implausible mdn layer count {nl}"));
    }
    let mut layers = vec![
        Layer {
            n_in: 1,
            n_out: 1,
            activation: Activation::Identity,
        };
        nl
    ];
    let head = decode_mdn_shape(view, &mut layers).map_err(|e| e.to_string())?;
    Ok(BlobMdn {
        layers,
        head,
        params: view.params().collect(),
    })
}

/// What core computes from an MDN `blob` for one input `x` (data units), on the device's code
/// path: standardise `x` with the blob's input constants, `mlp::forward`, `Head::mixture`, then
/// π, μ, σ, mean, variance and the refined mode (`DEFAULT_MODE_SEARCH`, core's default) mapped
/// back with the blob's target constants (see the module docs).
pub fn mixture_from_blob(blob: &[u8], x: &[f32]) -> Result<RowMixture> {
    let view = BlobView::parse(blob).map_err(|e| model_err!("blob: {e}"))?;
    let m = decode_blob(&view).map_err(|e| model_err!("blob: {e}"))?;
    let (_, units) = check_layers(&m.layers)?;
    let mut x = x.to_vec();
    embedml::error::check_len("mdn input", m.layers[0].n_in, x.len())?;
    let xs = view.input_scaling();
    if let Some(s) = xs {
        s.standardize(&mut x);
    }
    embedml::error::check_finite("mdn input", &x)?;
    let (mut pre, mut post) = (vec![0.0; units], vec![0.0; units]);
    mlp::forward(&m.layers, &m.params, &x, &mut pre, &mut post)?;
    let out = mlp::output(&m.layers, &post);
    let mut buf = vec![0.0f32; m.head.output_len()];
    let mix = m.head.mixture(out, &mut buf)?;
    let (k, l) = (m.head.k(), m.head.l());
    let ys = view.output_scaling();
    let to_data = |v: &mut [f32]| {
        if let Some(s) = ys {
            s.unstandardize(v);
        }
    };
    let std = |i: usize| ys.map_or(1.0, |s| s.std(i));
    let pi = (0..k).map(|c| mix.pi(c)).collect();
    let mut mu = mix.mu().to_vec();
    mu.chunks_exact_mut(l).for_each(to_data);
    let sigma = (0..k)
        .flat_map(|c| (0..l).map(move |i| (c, i)))
        .map(|(c, i)| mix.sigma()[c] * std(i))
        .collect();
    let (mut mean, mut variance) = (vec![0.0; l], vec![0.0; l]);
    mix.mean_and_variances(&mut mean, &mut variance)?;
    to_data(&mut mean);
    for (i, v) in variance.iter_mut().enumerate() {
        let s = std(i);
        *v *= s * s;
    }
    let (mut mode, mut scratch) = (vec![0.0; l], vec![0.0; 2 * l]);
    mix.mode(&mut mode, &mut scratch, DEFAULT_MODE_SEARCH)?;
    to_data(&mut mode);
    Ok(RowMixture {
        pi,
        mu,
        sigma,
        mean,
        variance,
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::mdn::{prepare_arrays, Hyper};

    fn model(standardize: bool) -> MdnModel {
        let mut h = Hyper::new(&[3], Activation::Tanh);
        h.standardize = standardize;
        let x = [1.0f32, 2.0, 4.0, 5.0];
        let t = [0.5f32, 0.25, 1.0, 2.0];
        let mut m = prepare_arrays(h, 2, 0.0, vec!["x".into()], vec!["t".into()], &x, &t).unwrap();
        for (i, p) in m.params.iter_mut().enumerate() {
            *p = 0.1 * (i % 7) as f32 - 0.3;
        }
        m
    }

    #[test]
    fn inputs_span_the_training_range_or_mean_plus_minus_two_std() {
        let mut m = model(true);
        assert_eq!(m.x_range, Some((vec![1.0], vec![5.0])));
        assert_eq!(m.export_inputs(3), [[1.0], [3.0], [5.0]]);
        assert_eq!(m.export_inputs(1), [[3.0]]);
        m.x_range = None; // a file written before the range was stored
        let (mean, std) = (m.x_norm.mean[0], m.x_norm.std[0]);
        assert_eq!(
            m.export_inputs(2),
            [[mean - 2.0 * std], [mean + 2.0 * std]]
        );
    }

    #[test]
    fn blob_carries_the_constants_only_when_standardised() {
        for standardize in [false, true] {
            let m = model(standardize);
            let blob = m.to_blob().unwrap();
            let view = BlobView::parse(&blob).unwrap();
            assert_eq!(view.input_scaling().is_some(), standardize);
            assert_eq!(view.output_scaling().is_some(), standardize);
            // The blob path equals core's slice math on the host's own parameters.
            let x = [2.5f32];
            let mut xs = x;
            m.x_norm.apply(&mut xs);
            let (_, units) = check_layers(&m.layers).unwrap();
            let (mut pre, mut post) = (vec![0.0; units], vec![0.0; units]);
            mlp::forward(&m.layers, &m.params, &xs, &mut pre, &mut post).unwrap();
            let mut buf = vec![0.0; m.head.output_len()];
            let mix = m.head.mixture(mlp::output(&m.layers, &post), &mut buf).unwrap();
            let mut mu = mix.mu().to_vec();
            m.y_norm.invert(&mut mu);
            let got = mixture_from_blob(&blob, &x).unwrap();
            assert_eq!(got.pi, [mix.pi(0), mix.pi(1)]);
            assert_eq!(got.mu, mu);
            assert_eq!(got.sigma[0], mix.sigma()[0] * m.y_norm.std[0]);
        }
    }
}
