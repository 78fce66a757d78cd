//! MLP blobs (kind 1): shape words, [`Mlp::from_blob`] / [`Mlp::to_blob`] and the in-place,
//! inference-only [`MlpRef`].

use super::view::BlobView;
use super::write::{blob_len, write_blob_fn, Scaling};
use super::{FormatError, ModelKind, ScalingView};
use crate::error::Result;
use crate::kernels::activation::Activation;
use crate::kernels::loss::Loss;
use crate::models::fixed::{check_widths, Dyn, Widths};
use crate::models::mlp::{self, Layer, Mlp};

/// Shape words per layer beyond the fixed ones: an MLP of `L` layers has
/// `3 + MLP_SHAPE_WORDS_PER_LAYER · L` shape words (`L`, loss, `L + 1` widths, `L` × (activation,
/// slope)).
pub const MLP_SHAPE_WORDS_PER_LAYER: usize = 3;

/// Number of shape words of an `l`-layer MLP.
const fn shape_words(l: usize) -> usize {
    3 + MLP_SHAPE_WORDS_PER_LAYER * l
}

/// Shape word `i` of an MLP with `layers` and `loss` (see the module docs of
/// [`format`](super)).
fn shape_word(layers: &[Layer], loss: Loss, i: usize) -> u32 {
    match i {
        0 => layers.len() as u32,
        1 => loss.id() as u32,
        i => layer_word(layers, i - 2),
    }
}

/// Decodes and checks an MLP blob's shape into `layers` (whose length must be the blob's layer
/// count, shape word 0) and returns its loss. Checks the kind, the layer count, the number of
/// shape words, ids, widths, the parameter count and the standardisation columns. (The typed
/// loaders use it; runtime-sized tools such as `embedml inspect` call it with a `Vec`.)
pub fn decode_mlp_shape(view: &BlobView<'_>, layers: &mut [Layer]) -> Result2<Loss> {
    view.expect_kind(ModelKind::Mlp)?;
    if layers.is_empty() {
        return Err(FormatError::InvalidValue {
            what: "mlp layers (a model needs at least one)",
            index: 0,
        });
    }
    let found_l = view.shape_word(0).ok_or(FormatError::ShapeMismatch {
        what: "mlp shape words",
        expected: shape_words(layers.len()),
        found: view.shape_len(),
    })? as usize;
    let l = layers.len();
    if found_l != l {
        return Err(FormatError::ShapeMismatch {
            what: "mlp layers",
            expected: l,
            found: found_l,
        });
    }
    if view.shape_len() != shape_words(l) {
        return Err(FormatError::ShapeMismatch {
            what: "mlp shape words",
            expected: shape_words(l),
            found: view.shape_len(),
        });
    }
    // The shape length is checked: every word below exists.
    let word = |i: usize| view.shape_word(i).unwrap_or(0);
    let bad = |what, index| FormatError::InvalidValue { what, index };
    let loss = u8::try_from(word(1))
        .ok()
        .and_then(|id| Loss::from_id(id).ok())
        .ok_or(bad("mlp loss id", 1))?;
    let params = decode_layers(view, &MLP_NAMES, 2, 3 + l, layers)?;
    if params != view.param_count() as u64 {
        return Err(FormatError::ShapeMismatch {
            what: "mlp parameter count",
            expected: usize::try_from(params).unwrap_or(usize::MAX),
            found: view.param_count(),
        });
    }
    let (n_in, n_out) = (layers[0].n_in, layers[l - 1].n_out);
    for (what, cols, want) in [
        (
            "input standardisation columns",
            view.input_scaling_len(),
            n_in,
        ),
        (
            "output standardisation columns",
            view.output_scaling_len(),
            n_out,
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
    Ok(loss)
}

/// Field names used in the errors of [`decode_layers`] (one set per kind).
pub(crate) struct LayerNames {
    /// Name of a zero width.
    pub width: &'static str,
    /// Name of an unknown activation id.
    pub activation: &'static str,
    /// Name of a non-finite LeakyReLU slope.
    pub slope: &'static str,
}

/// The MLP's field names.
const MLP_NAMES: LayerNames = LayerNames {
    width: "mlp width",
    activation: "mlp activation id",
    slope: "mlp leaky relu slope",
};

/// Decodes a layer stack stored as `layers.len() + 1` widths from shape word `widths_at` and
/// `(activation id, slope bits)` pairs from word `acts_at` (the MLP and MDN layouts), into
/// `layers`; returns the parameter count they imply (saturating). The caller has checked that
/// every word exists.
pub(crate) fn decode_layers(
    view: &BlobView<'_>,
    names: &LayerNames,
    widths_at: usize,
    acts_at: usize,
    layers: &mut [Layer],
) -> Result2<u64> {
    let word = |i: usize| view.shape_word(i).unwrap_or(0);
    let bad = |what, index| FormatError::InvalidValue { what, index };
    let mut params: u64 = 0;
    for (k, layer) in layers.iter_mut().enumerate() {
        let (n_in, n_out) = (word(widths_at + k), word(widths_at + 1 + k));
        if n_in == 0 {
            return Err(bad(names.width, widths_at + k));
        }
        if n_out == 0 {
            return Err(bad(names.width, widths_at + 1 + k));
        }
        let a = acts_at + 2 * k;
        let slope = f32::from_bits(word(a + 1));
        let activation = u8::try_from(word(a))
            .ok()
            .and_then(|id| Activation::from_id(id, slope).ok())
            .ok_or(bad(names.activation, a))?;
        if let Activation::LeakyRelu(s) = activation {
            if !s.is_finite() {
                return Err(FormatError::NonFinite {
                    what: names.slope,
                    index: k,
                });
            }
        }
        // Widths are < 2^32, so one layer fits in u64; the sum saturates.
        params = params.saturating_add(n_in as u64 * n_out as u64 + n_out as u64);
        *layer = Layer {
            n_in: n_in as usize,
            n_out: n_out as usize,
            activation,
        };
    }
    Ok(params)
}

/// Shape words of a layer stack in the MLP/MDN layout: word `i` of `widths(L + 1) ++
/// (activation id, slope bits) × L`.
pub(crate) fn layer_word(layers: &[Layer], i: usize) -> u32 {
    let l = layers.len();
    if i < l + 1 {
        if i == 0 {
            layers[0].n_in as u32
        } else {
            layers[i - 1].n_out as u32
        }
    } else {
        let j = i - (l + 1);
        let act = layers[j / 2].activation;
        if j % 2 == 0 {
            act.id() as u32
        } else if let Activation::LeakyRelu(s) = act {
            s.to_bits()
        } else {
            0
        }
    }
}

/// `Result` with a [`FormatError`].
type Result2<T> = core::result::Result<T, FormatError>;

/// Decodes the typed shape `[Layer; L]`, checking the parameter and unit capacities.
fn typed_shape<const L: usize>(
    view: &BlobView<'_>,
    p: usize,
    u: usize,
) -> Result2<([Layer; L], Loss)> {
    let mut layers = [Layer {
        n_in: 1,
        n_out: 1,
        activation: Activation::Identity,
    }; L];
    let loss = decode_mlp_shape(view, &mut layers)?;
    if view.param_count() != p {
        return Err(FormatError::ShapeMismatch {
            what: "mlp parameters",
            expected: p,
            found: view.param_count(),
        });
    }
    let units: usize = layers.iter().map(|l| l.n_out).sum();
    if units != u {
        return Err(FormatError::ShapeMismatch {
            what: "mlp units",
            expected: u,
            found: units,
        });
    }
    Ok((layers, loss))
}

impl<const L: usize, const P: usize, const U: usize, S: Widths> Mlp<L, P, U, S> {
    /// Length of this model's blob without standardisation constants.
    pub const BLOB_LEN: usize = blob_len(shape_words(L), 0, 0, P);

    /// Length of this model's blob, with or without input / output standardisation constants.
    pub fn blob_len(&self, input_scaling: bool, output_scaling: bool) -> usize {
        let n_in = if input_scaling { self.n_inputs() } else { 0 };
        let n_out = if output_scaling { self.n_outputs() } else { 0 };
        blob_len(shape_words(L), n_in, n_out, P)
    }

    /// Loads a blob into a typed model (parameters copied into RAM, so it can keep training).
    /// Every check of [`BlobView::parse`] plus kind, layer count, widths, ids, parameter and
    /// unit counts. Standardisation constants are read with [`BlobView::input_scaling`].
    pub fn from_blob(bytes: &[u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        let (layers, loss) = typed_shape::<L>(&view, P, U)?;
        let mut net = Mlp::from_layers(layers, loss).map_err(|_| FormatError::InvalidValue {
            what: "mlp layers",
            index: 0,
        })?;
        view.copy_params(crate::params::Parameters::params_mut(&mut net))?;
        Ok(net)
    }

    /// Writes the blob (no standardisation constants) into `out`; returns its length,
    /// [`Self::BLOB_LEN`].
    pub fn to_blob(&self, out: &mut [u8]) -> Result2<usize> {
        self.to_blob_with(None, None, out)
    }

    /// Writes the blob with the host's standardisation constants (`input`: one column per
    /// input, `output`: one per output) into `out`; returns its length.
    pub fn to_blob_with(
        &self,
        input: Option<Scaling<'_>>,
        output: Option<Scaling<'_>>,
        out: &mut [u8],
    ) -> Result2<usize> {
        let params = crate::params::Parameters::params(self);
        write_mlp_blob(out, self.layers(), self.loss(), params, input, output)
    }
}

/// Length of the blob of an MLP with `layers` and `n_params` parameters, with `n_in` / `n_out`
/// standardised columns (0 = none).
pub fn mlp_blob_len(layers: &[Layer], n_in: usize, n_out: usize, n_params: usize) -> usize {
    blob_len(shape_words(layers.len()), n_in, n_out, n_params)
}

/// Checks that `layers` chain and that `params` has their parameter count (the trunk of an MLP
/// or MDN blob); `what_layers` / `what_count` name the two checks in errors.
pub(crate) fn check_trunk(
    layers: &[Layer],
    params: &[f32],
    what_layers: &'static str,
    what_count: &'static str,
) -> Result2<()> {
    let (p, _) = mlp::check_layers(layers).map_err(|_| FormatError::InvalidValue {
        what: what_layers,
        index: 0,
    })?;
    if p != params.len() {
        return Err(FormatError::ShapeMismatch {
            what: what_count,
            expected: p,
            found: params.len(),
        });
    }
    Ok(())
}

/// Checks that the standardisation constants given have `n_in` input and `n_out` output
/// columns.
pub(crate) fn check_scaling_columns(
    input: Option<Scaling<'_>>,
    n_in: usize,
    output: Option<Scaling<'_>>,
    n_out: usize,
) -> Result2<()> {
    for (what, s, want) in [
        ("input standardisation columns", input, n_in),
        ("output standardisation columns", output, n_out),
    ] {
        if let Some(s) = s {
            if s.mean.len() != want {
                return Err(FormatError::ShapeMismatch {
                    what,
                    expected: want,
                    found: s.mean.len(),
                });
            }
        }
    }
    Ok(())
}

/// Writes the blob of a runtime-sized MLP (the host's models): `layers`, `loss`, `params` in
/// the MLP order, optional standardisation constants. Checks the layers, the parameter count
/// and the scaling columns; returns the blob's length.
pub fn write_mlp_blob(
    out: &mut [u8],
    layers: &[Layer],
    loss: Loss,
    params: &[f32],
    input: Option<Scaling<'_>>,
    output: Option<Scaling<'_>>,
) -> Result2<usize> {
    check_trunk(layers, params, "mlp layers", "mlp parameter count")?;
    let (n_in, n_out) = (layers[0].n_in, layers[layers.len() - 1].n_out);
    check_scaling_columns(input, n_in, output, n_out)?;
    write_blob_fn(
        out,
        ModelKind::Mlp,
        shape_words(layers.len()),
        |i| shape_word(layers, loss, i),
        input,
        output,
        params,
    )
}

/// An inference-only MLP that runs **in place** from a borrowed blob (in flash): the parameters
/// are never copied; only the activations (`2·U` floats) live in RAM.
///
/// The parameters are borrowed as `&[f32]` ([`BlobView::params_f32`]), so the blob must be
/// 4-byte aligned ([`include_blob!`](crate::include_blob) does it) — the math is the same
/// [`mlp::forward`] as every other executor (through the typed executor `S` when the widths are
/// known at compile time, see [`models::fixed`](crate::models::fixed)). Name the type with
/// [`mlp_ref_type!`](crate::mlp_ref_type).
#[derive(Debug, Clone)]
pub struct MlpRef<'a, const L: usize, const U: usize, S: Widths = Dyn> {
    widths: core::marker::PhantomData<S>,
    layers: [Layer; L],
    loss: Loss,
    params: &'a [f32],
    input: Option<ScalingView<'a>>,
    output: Option<ScalingView<'a>>,
    pre: [f32; U],
    post: [f32; U],
}

/// The in-place MLP type for the given layer widths: `mlp_ref_type!(1, 16, 16, 1)` is
/// `MlpRef<'static, 3, 33, W3<1, 16, 16, 1>>`.
#[macro_export]
macro_rules! mlp_ref_type {
    ($($size:expr),+ $(,)?) => {
        $crate::format::MlpRef<
            'static,
            { [$($size),+].len() - 1 },
            { $crate::models::mlp::unit_count(&[$($size),+]) },
            $crate::__widths_type!($($size),+),
        >
    };
}

impl<'a, const L: usize, const U: usize, S: Widths> MlpRef<'a, L, U, S> {
    /// Parses `bytes` (every check of [`Mlp::from_blob`]) and borrows its parameters.
    pub fn from_blob(bytes: &'a [u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        let (layers, loss) = typed_shape::<L>(&view, view.param_count(), U)?;
        check_widths::<S>(&layers).map_err(|_| FormatError::InvalidValue {
            what: "mlp layer widths (typed widths)",
            index: 0,
        })?;
        Ok(MlpRef {
            widths: core::marker::PhantomData,
            layers,
            loss,
            params: view.params_f32()?,
            input: view.input_scaling(),
            output: view.output_scaling(),
            pre: [0.0; U],
            post: [0.0; U],
        })
    }

    /// The layers.
    pub fn layers(&self) -> &[Layer; L] {
        &self.layers
    }

    /// The loss the network was trained with.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// The parameters, borrowed from the blob.
    pub fn params(&self) -> &'a [f32] {
        self.params
    }

    /// Input width.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_in
    }

    /// Output width.
    pub fn n_outputs(&self) -> usize {
        self.layers[L - 1].n_out
    }

    /// The input standardisation constants, if the blob has them.
    pub fn input_scaling(&self) -> Option<ScalingView<'a>> {
        self.input
    }

    /// The output standardisation constants, if the blob has them.
    pub fn output_scaling(&self) -> Option<ScalingView<'a>> {
        self.output
    }

    /// Raw outputs for an already standardised input: [`mlp::forward`] on the borrowed
    /// parameters (through the typed executor `S`).
    pub fn forward(&mut self, x: &[f32]) -> Result<&[f32]> {
        S::forward_checked(&self.layers, self.params, x, &mut self.pre, &mut self.post)?;
        Ok(mlp::output(&self.layers, &self.post))
    }

    /// The prediction in the host's units: standardises `x` **in place** (no scratch copy),
    /// runs [`forward`](Self::forward), applies the loss's link (sigmoid / softmax) and maps the
    /// outputs back with the output standardisation, into `out`.
    pub fn predict(&mut self, x: &mut [f32], out: &mut [f32]) -> Result<()> {
        crate::error::check_len("mlp input", self.n_inputs(), x.len())?;
        crate::error::check_len("mlp prediction output", self.n_outputs(), out.len())?;
        if let Some(s) = self.input {
            s.standardize(x);
        }
        let loss = self.loss;
        let output = self.output;
        // Lengths checked above; element by element, so no panic path is linked.
        for (o, &y) in out.iter_mut().zip(self.forward(x)?) {
            *o = y;
        }
        loss.link(out);
        if let Some(s) = output {
            s.unstandardize(out);
        }
        Ok(())
    }
}
