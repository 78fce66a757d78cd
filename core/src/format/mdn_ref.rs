//! The in-place, inference-only MDN: [`MdnRef`] borrows its parameters from a blob (kind 2) in
//! flash instead of copying them into RAM.

use super::mdn::decode;
use super::view::BlobView;
use super::{FormatError, ScalingView};
use crate::error::Result;
use crate::kernels::activation::Activation;
use crate::models::fixed::{check_widths, Dyn, Widths};
use crate::models::mdn::{self, Head, Mixture, ModeSearch};
use crate::models::mlp::Layer;
use crate::rng::Rng;

type Result2<T> = core::result::Result<T, FormatError>;

/// An inference-only [MDN](crate::models::mdn) that runs **in place** from a borrowed blob (in
/// flash): the parameters are never copied; only the trunk's activations (`2·U` floats), the
/// parsed mixture and the mode search's scratch (`O` floats each) live in RAM.
///
/// The parameters are borrowed as `&[f32; P]` ([`BlobView::params_f32`]), so the blob must be
/// 4-byte aligned ([`include_blob!`](crate::include_blob) does it). The math is the typed
/// [`Mdn`](crate::models::mdn::Mdn)'s, the same slice functions: the trunk through the typed
/// executor `S` (bit-identical to [`mlp::forward`](crate::models::mlp::forward)), then the
/// [`Head`] into a [`Mixture`] (as [`Mdn::forward`](crate::models::mdn::Mdn::forward)), so
/// every figure (π, σ, μ, mean, mode, density, samples) is bit-identical to the RAM model's.
/// Use [`Mdn::from_blob`](crate::models::mdn::Mdn::from_blob) instead where the device keeps
/// training. Name the type with [`mdn_ref_type!`](crate::mdn_ref_type).
///
/// ```
/// use embedml::format::{Aligned, MdnRef};
/// use embedml::models::fixed::W2;
/// use embedml::models::mdn::ModeSearch;
/// use embedml::{mdn_type, Activation, Rng};
///
/// // PRML Fig 5.19: 1 input, 5 tanh units, K = 3 components, L = 1 target.
/// type Inverse = mdn_type!(3, 1; 1, 5, 9);
/// let mut net = Inverse::new(&[1, 5, 9], &[Activation::Tanh, Activation::Identity], 3, 1, 0.0)
///     .unwrap();
/// net.init_default(&mut Rng::new(0));
/// let mut blob = Aligned([0u8; Inverse::BLOB_LEN]);
/// net.to_blob(&mut blob.0).unwrap();
///
/// // On a device, from flash: `static BLOB: &[u8] = embedml::include_blob!("inverse.bin");`
/// // then `<embedml::mdn_ref_type!(3, 1; 1, 5, 9)>::from_blob(BLOB)` (a `'static` borrow).
/// let mut flash = MdnRef::<2, 64, 14, 9, W2<1, 5, 9>>::from_blob(&blob.0).unwrap();
/// assert_eq!(flash.params().as_ptr(), blob.0[blob.0.len() - 256..].as_ptr().cast());
/// let (mut a, mut b) = ([0.0], [0.0]);
/// flash.mode(&[0.5], &mut a, ModeSearch::default()).unwrap();
/// net.mode(&[0.5], &mut b, ModeSearch::default()).unwrap();
/// assert_eq!(a[0].to_bits(), b[0].to_bits());
/// ```
#[derive(Debug, Clone)]
pub struct MdnRef<
    'a,
    const NL: usize,
    const P: usize,
    const U: usize,
    const O: usize,
    S: Widths = Dyn,
> {
    widths: core::marker::PhantomData<S>,
    layers: [Layer; NL],
    head: Head,
    params: &'a [f32; P],
    input: Option<ScalingView<'a>>,
    output: Option<ScalingView<'a>>,
    pre: [f32; U],
    post: [f32; U],
    /// The parsed mixture after `forward`.
    mix: [f32; O],
    /// Mode-search scratch (`2L ≤ O`).
    scratch: [f32; O],
}

/// The in-place MDN type for `K` components, target dimension `L` and trunk widths (input
/// first, `K (L + 2)` last): `mdn_ref_type!(3, 1; 1, 5, 9)` is
/// `MdnRef<'static, 2, 64, 14, 9, W2<1, 5, 9>>`. A last width other than `K (L + 2)` does not
/// compile (as for [`mdn_type!`](crate::mdn_type)).
#[macro_export]
macro_rules! mdn_ref_type {
    ($k:expr, $l:expr; $($size:expr),+ $(,)?) => {
        $crate::format::MdnRef<
            'static,
            { [$($size),+].len() - 1 },
            { $crate::models::mlp::param_count(&[$($size),+]) },
            { $crate::models::mlp::unit_count(&[$($size),+]) },
            { $crate::models::mdn::checked_output_len($k, $l, &[$($size),+]) },
            $crate::__widths_type!($($size),+),
        >
    };
}

impl<'a, const NL: usize, const P: usize, const U: usize, const O: usize, S: Widths>
    MdnRef<'a, NL, P, U, O, S>
{
    /// Parses `bytes` with every check of [`Mdn::from_blob`](crate::models::mdn::Mdn::from_blob)
    /// (magic, version, kind, trunk layers, `K (L + 2)` = `O`, `σ_min`, widths, activation ids,
    /// parameters = `P`, units = `U`, truncation, trailing bytes, CRC, non-finite values) plus the typed widths
    /// `S`, and borrows the parameters ([`FormatError::Misaligned`] unless they are 4-byte
    /// aligned).
    pub fn from_blob(bytes: &'a [u8]) -> Result2<Self> {
        let view = BlobView::parse(bytes)?;
        let mut layers = [Layer {
            n_in: 1,
            n_out: 1,
            activation: Activation::Identity,
        }; NL];
        let head = decode(&view, &mut layers, P, U, O)?;
        check_widths::<S>(&layers).map_err(|_| FormatError::InvalidValue {
            what: "mdn layer widths (typed widths)",
            index: 0,
        })?;
        Ok(MdnRef {
            widths: core::marker::PhantomData,
            layers,
            head,
            // `decode` checked the count: the conversion cannot fail.
            params: view
                .params_f32()?
                .try_into()
                .map_err(|_| FormatError::ShapeMismatch {
                    what: "mdn parameters",
                    expected: P,
                    found: view.param_count(),
                })?,
            input: view.input_scaling(),
            output: view.output_scaling(),
            pre: [0.0; U],
            post: [0.0; U],
            mix: [0.0; O],
            scratch: [0.0; O],
        })
    }

    /// The head (`K`, `L`, `σ_min`).
    pub fn head(&self) -> Head {
        self.head
    }

    /// The trunk layers.
    pub fn layers(&self) -> &[Layer; NL] {
        &self.layers
    }

    /// The parameters, borrowed from the blob (the trunk's, in the MLP order).
    pub fn params(&self) -> &'a [f32; P] {
        self.params
    }

    /// Input width.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_in
    }

    /// Target dimension `L`.
    pub fn n_targets(&self) -> usize {
        self.head.l()
    }

    /// The input standardisation constants, if the blob has them (the model's inputs are
    /// `(x − mean) / std`).
    pub fn input_scaling(&self) -> Option<ScalingView<'a>> {
        self.input
    }

    /// The target standardisation constants, if the blob has them (the model's targets are
    /// `(t − mean) / std`).
    pub fn output_scaling(&self) -> Option<ScalingView<'a>> {
        self.output
    }

    /// The conditional mixture `p(t | x)` (for an already standardised `x`).
    pub fn forward(&mut self, x: &[f32]) -> Result<Mixture<'_>> {
        let (pre, post) = (&mut self.pre, &mut self.post);
        mdn::mixture::<S, O>(
            &self.layers,
            self.head,
            self.params,
            x,
            pre,
            post,
            &mut self.mix,
        )
    }

    /// Conditional mean `E[t | x]` to `out` (`L`).
    pub fn mean(&mut self, x: &[f32], out: &mut [f32]) -> Result<()> {
        self.forward(x)?.mean(out)
    }

    /// Conditional mean to `mean` (`L`); returns the conditional variance (summed over `L`).
    pub fn mean_and_variance(&mut self, x: &[f32], mean: &mut [f32]) -> Result<f32> {
        self.forward(x)?.mean_and_variance(mean)
    }

    /// `μ` of the most probable component to `out` (`L`); returns its index.
    pub fn approx_mode(&mut self, x: &[f32], out: &mut [f32]) -> Result<usize> {
        self.forward(x)?.approx_mode(out)
    }

    /// The refined conditional mode (mean-shift, see [`Mixture::mode`]) to `out` (`L`);
    /// returns `ln p(mode | x)`.
    pub fn mode(&mut self, x: &[f32], out: &mut [f32], search: ModeSearch) -> Result<f32> {
        let (pre, post) = (&mut self.pre, &mut self.post);
        let (layers, params) = (&self.layers, self.params);
        let mix = mdn::mixture::<S, O>(layers, self.head, params, x, pre, post, &mut self.mix)?;
        mdn::mode(mix, out, &mut self.scratch, search)
    }

    /// `ln p(t | x)`.
    pub fn log_density(&mut self, x: &[f32], t: &[f32]) -> Result<f32> {
        self.forward(x)?.log_density(t)
    }

    /// Draws `t ~ p(t | x)` to `out` (`L`); returns the component drawn.
    pub fn sample(&mut self, x: &[f32], rng: &mut Rng, out: &mut [f32]) -> Result<usize> {
        self.forward(x)?.sample(rng, out)
    }
}
