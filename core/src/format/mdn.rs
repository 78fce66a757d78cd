//! MDN blobs (kind 2): shape words, [`Mdn::from_blob`] / [`Mdn::to_blob`].
//!
//! Shape words (`3·NL + 5`): `NL` (trunk layers), `K` (components), `L` (target dimension),
//! `σ_min` as `f32` bits, the `NL + 1` trunk widths (input first, last `K (L + 2)`), then per
//! layer the activation id and the LeakyReLU slope bits (as for the MLP; the last activation
//! must be Identity). Parameters: the trunk's, in the MLP order. Standardisation: one input
//! column per input, one output column per target dimension (`t = t' · std + mean`).

use super::mlp::{check_scaling_columns, check_trunk, decode_layers, layer_word, LayerNames};
use super::view::BlobView;
use super::write::{blob_len, write_blob_fn, Scaling};
use super::{FormatError, ModelKind};
use crate::kernels::activation::Activation;
use crate::models::fixed::Widths;
use crate::models::mdn::{Head, Mdn};
use crate::models::mlp::Layer;
use crate::params::Parameters;

type Result2<T> = core::result::Result<T, FormatError>;

/// Number of shape words of an MDN with `nl` trunk layers.
pub const fn mdn_shape_words(nl: usize) -> usize {
    3 * nl + 5
}

const NAMES: LayerNames = LayerNames {
    width: "mdn width",
    activation: "mdn activation id",
    slope: "mdn leaky relu slope",
};

/// Decodes and checks an MDN blob's shape into `layers`, whose length must be the blob's trunk
/// layer count (shape word 0), and returns its [`Head`]. Checks the kind, the layer count, the
/// number of shape words, `K ≥ 1`, `L ≥ 1`, `σ_min` (finite, `≥ 0`), widths, activation ids
/// (the last Identity, with `K (L + 2)` outputs), the parameter count and the standardisation
/// columns (inputs, and one per target dimension). The typed loader
/// ([`Mdn::from_blob`]) calls it and then checks its capacities; runtime-sized tools (the
/// host's export, `embedml inspect`) call it with a `Vec`.
pub fn decode_mdn_shape(view: &BlobView<'_>, layers: &mut [Layer]) -> Result2<Head> {
    decode_shape(view, layers, None)
}

/// [`decode_mdn_shape`]; with `typed_outputs`, a `K (L + 2)` that differs is reported (as
/// [`FormatError::ShapeMismatch`] "mdn outputs K (L + 2)") right after `K` and `L` are read.
fn decode_shape(
    view: &BlobView<'_>,
    layers: &mut [Layer],
    typed_outputs: Option<usize>,
) -> Result2<Head> {
    view.expect_kind(ModelKind::Mdn)?;
    let nl = layers.len();
    if nl == 0 {
        return Err(FormatError::InvalidValue {
            what: "mdn layers (a trunk needs at least one)",
            index: 0,
        });
    }
    let n_words = mdn_shape_words(nl);
    let found_l = view.shape_word(0).ok_or(FormatError::ShapeMismatch {
        what: "mdn shape words",
        expected: n_words,
        found: view.shape_len(),
    })? as usize;
    if found_l != nl {
        return Err(FormatError::ShapeMismatch {
            what: "mdn layers",
            expected: nl,
            found: found_l,
        });
    }
    if view.shape_len() != n_words {
        return Err(FormatError::ShapeMismatch {
            what: "mdn shape words",
            expected: n_words,
            found: view.shape_len(),
        });
    }
    let word = |i: usize| view.shape_word(i).unwrap_or(0);
    let (k, l) = (word(1) as usize, word(2) as usize);
    if k == 0 {
        return Err(FormatError::InvalidValue {
            what: "mdn components K",
            index: 1,
        });
    }
    if l == 0 {
        return Err(FormatError::InvalidValue {
            what: "mdn target dimension L",
            index: 2,
        });
    }
    if let Some(o) = typed_outputs {
        let outputs = k.saturating_mul(l.saturating_add(2));
        if outputs != o {
            return Err(FormatError::ShapeMismatch {
                what: "mdn outputs K (L + 2)",
                expected: o,
                found: outputs,
            });
        }
    }
    let sigma_min = f32::from_bits(word(3));
    if !sigma_min.is_finite() {
        return Err(FormatError::NonFinite {
            what: "mdn sigma_min",
            index: 0,
        });
    }
    if sigma_min < 0.0 {
        return Err(FormatError::InvalidValue {
            what: "mdn sigma_min",
            index: 3,
        });
    }
    let head = Head::new(k, l, sigma_min).map_err(|_| FormatError::InvalidValue {
        what: "mdn head (K (L + 2) overflows)",
        index: 1,
    })?;
    let outputs = head.output_len();
    let params = decode_layers(view, &NAMES, 4, 5 + nl, layers)?;
    if layers[nl - 1].activation != Activation::Identity {
        return Err(FormatError::InvalidValue {
            what: "mdn last activation (must be identity)",
            index: 5 + 3 * nl - 1,
        });
    }
    if layers[nl - 1].n_out != outputs {
        return Err(FormatError::ShapeMismatch {
            what: "mdn last width",
            expected: outputs,
            found: layers[nl - 1].n_out,
        });
    }
    if params != view.param_count() as u64 {
        return Err(FormatError::ShapeMismatch {
            what: "mdn parameter count",
            expected: usize::try_from(params).unwrap_or(usize::MAX),
            found: view.param_count(),
        });
    }
    for (what, cols, want) in [
        (
            "input standardisation columns",
            view.input_scaling_len(),
            layers[0].n_in,
        ),
        (
            "output standardisation columns",
            view.output_scaling_len(),
            l,
        ),
    ] {
        if cols != 0 && cols != want {
            return Err(FormatError::ShapeMismatch {
                what,
                expected: want,
                found: cols,
            });
        }
    }
    Ok(head)
}

/// Decodes and checks an MDN blob's shape into `layers` (`NL` of them) against the typed
/// capacities `p` (parameters), `u` (units) and `o` (outputs).
pub(super) fn decode<const NL: usize>(
    view: &BlobView<'_>,
    layers: &mut [Layer; NL],
    p: usize,
    u: usize,
    o: usize,
) -> Result2<Head> {
    let head = decode_shape(view, layers, Some(o))?;
    if view.param_count() != p {
        return Err(FormatError::ShapeMismatch {
            what: "mdn parameters",
            expected: p,
            found: view.param_count(),
        });
    }
    let units: usize = layers.iter().map(|l| l.n_out).sum();
    if units != u {
        return Err(FormatError::ShapeMismatch {
            what: "mdn units",
            expected: u,
            found: units,
        });
    }
    Ok(head)
}

/// Length of the blob of an MDN with `layers` (trunk) and `n_params` parameters, with `n_in`
/// standardised input columns and `n_out` standardised target dimensions (0 = none).
pub fn mdn_blob_len(layers: &[Layer], n_in: usize, n_out: usize, n_params: usize) -> usize {
    blob_len(mdn_shape_words(layers.len()), n_in, n_out, n_params)
}

/// Writes the blob of a runtime-sized MDN (the host's models): trunk `layers` (the last
/// Identity with `K (L + 2)` outputs), `head`, `params` in the MLP order, optional
/// standardisation constants (`input`: one column per input, `output`: one per target
/// dimension). Checks the layers, the head, the parameter count and the scaling columns;
/// returns the blob's length ([`mdn_blob_len`]).
pub fn write_mdn_blob(
    out: &mut [u8],
    layers: &[Layer],
    head: Head,
    params: &[f32],
    input: Option<Scaling<'_>>,
    output: Option<Scaling<'_>>,
) -> Result2<usize> {
    check_trunk(layers, params, "mdn layers", "mdn parameter count")?;
    let nl = layers.len();
    if layers[nl - 1].activation != Activation::Identity {
        return Err(FormatError::InvalidValue {
            what: "mdn last activation (must be identity)",
            index: 5 + 3 * nl - 1,
        });
    }
    if layers[nl - 1].n_out != head.output_len() {
        return Err(FormatError::ShapeMismatch {
            what: "mdn last width",
            expected: head.output_len(),
            found: layers[nl - 1].n_out,
        });
    }
    check_scaling_columns(input, layers[0].n_in, output, head.l())?;
    write_blob_fn(
        out,
        ModelKind::Mdn,
        mdn_shape_words(nl),
        |i| match i {
            0 => nl as u32,
            1 => head.k() as u32,
            2 => head.l() as u32,
            3 => head.sigma_min().to_bits(),
            i => layer_word(layers, i - 4),
        },
        input,
        output,
        params,
    )
}

impl<const NL: usize, const P: usize, const U: usize, const O: usize, S: Widths>
    Mdn<NL, P, U, O, S>
{
    /// Length of this model's blob without standardisation constants.
    pub const BLOB_LEN: usize = blob_len(mdn_shape_words(NL), 0, 0, P);

    /// Length of this model's blob, with or without input / target standardisation constants.
    pub fn blob_len(&self, input_scaling: bool, output_scaling: bool) -> usize {
        let n_in = if input_scaling { self.n_inputs() } else { 0 };
        let n_out = if output_scaling { self.n_targets() } else { 0 };
        blob_len(mdn_shape_words(NL), n_in, n_out, P)
    }

    /// Loads an MDN blob (kind 2) into a typed model (parameters copied into RAM, so it can
    /// keep training). Every check of [`BlobView::parse`] plus kind, layer count, `K`, `L`,
    /// `σ_min`, widths, activation ids (the last Identity), parameter, unit and output counts.
    pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        let mut layers = [Layer {
            n_in: 1,
            n_out: 1,
            activation: Activation::Identity,
        }; NL];
        let h = decode(&view, &mut layers, P, U, O)?;
        let mut net = Mdn::from_layers(layers, h.k(), h.l(), h.sigma_min()).map_err(|_| {
            FormatError::InvalidValue {
                what: "mdn layers",
                index: 0,
            }
        })?;
        view.copy_params(net.params_mut())?;
        Ok(net)
    }

    /// Writes the blob (no standardisation constants) into `out`; returns its length,
    /// [`Self::BLOB_LEN`].
    pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
        self.to_blob_with(None, None, out)
    }

    /// Writes the blob with the host's standardisation constants (`input`: one column per
    /// input, `output`: one per target dimension) into `out`; returns its length.
    pub fn to_blob_with(
        &self,
        input: Option<Scaling<'_>>,
        output: Option<Scaling<'_>>,
        out: &mut [u8],
    ) -> Result2<usize> {
        write_mdn_blob(
            out,
            self.layers(),
            self.head(),
            self.params(),
            input,
            output,
        )
    }
}
