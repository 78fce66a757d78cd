//! The typed MDN: an MLP trunk (the [`mlp`](crate::models::mlp) slice math) plus the [`Head`].

use super::head::{output_len, Head};
use super::mixture::{Mixture, ModeSearch};
use crate::error::{check_finite, check_len, Error, Result};
use crate::kernels::activation::Activation;
use crate::models::fixed::{check_widths, Dyn, Widths};
use crate::models::mlp::{self, Init, Layer};
use crate::optim::Optimizer;
use crate::params::Parameters;
use crate::rng::Rng;

/// `K (L + 2)`, checked against the last of `sizes` at compile time when used in a const
/// context (as [`mdn_type!`](crate::mdn_type) does): a mismatch is a compile error.
pub const fn checked_output_len(k: usize, l: usize, sizes: &[usize]) -> usize {
    let o = output_len(k, l);
    assert!(
        !sizes.is_empty() && sizes[sizes.len() - 1] == o,
        "the last MDN width must be K (L + 2)"
    );
    o
}

/// The typed MDN for `K` components, target dimension `L` and trunk widths (input first,
/// output `K (L + 2)` last): `mdn_type!(3, 1; 1, 5, 9)` is
/// `Mdn<2, {param_count}, {unit_count}, 9, W2<1, 5, 9>>` (the trunk widths as a
/// [typed executor](crate::models::fixed)). A last width other than `K (L + 2)` does not
/// compile.
#[macro_export]
macro_rules! mdn_type {
    ($k:expr, $l:expr; $($size:expr),+ $(,)?) => {
        $crate::models::mdn::Mdn<
            { [$($size),+].len() - 1 },
            { $crate::models::mlp::param_count(&[$($size),+]) },
            { $crate::models::mlp::unit_count(&[$($size),+]) },
            { $crate::models::mdn::checked_output_len($k, $l, &[$($size),+]) },
            $crate::__widths_type!($($size),+),
        >
    };
}

/// A typed MDN with `NL` trunk layers, `P` parameters, `U` trunk units and `O = K (L + 2)`
/// outputs, in fixed arrays. Name it with [`mdn_type!`](crate::mdn_type).
///
/// Parameters (see [`Parameters`]) are the trunk's, in the MLP order; the head has none. `S`
/// carries the trunk widths at compile time: the trunk runs its typed executor (bit-identical
/// to [`mlp::forward`]); with the default [`Dyn`] it runs [`mlp::forward`].
#[derive(Debug, Clone)]
pub struct Mdn<const NL: usize, const P: usize, const U: usize, const O: usize, S: Widths = Dyn> {
    widths: core::marker::PhantomData<S>,
    layers: [Layer; NL],
    head: Head,
    params: [f32; P],
    grads: [f32; P],
    pre: [f32; U],
    post: [f32; U],
    delta: [f32; U],
    /// The parsed mixture after `forward`, or `∂E/∂output` during `accumulate`.
    mix: [f32; O],
    /// Mode-search scratch (`2L ≤ O`).
    scratch: [f32; O],
}

impl<const NL: usize, const P: usize, const U: usize, const O: usize, S: Widths>
    Mdn<NL, P, U, O, S>
{
    /// An MDN with trunk widths `sizes` (`NL + 1` entries, input first, last `K (L + 2)`), one
    /// activation per layer (the last must be [`Activation::Identity`]), `k` components, target
    /// dimension `l` and variance floor `sigma_min ≥ 0`. Parameters start at zero: call an
    /// `init*` method.
    pub fn new(
        sizes: &[usize],
        activations: &[Activation],
        k: usize,
        l: usize,
        sigma_min: f32,
    ) -> Result<Self> {
        Head::new(k, l, sigma_min)?;
        if NL == 0 {
            return Err(Error::InvalidArgument {
                what: "an MDN trunk needs at least one layer",
            });
        }
        check_len("mdn sizes", NL + 1, sizes.len())?;
        check_len("mdn activations", NL, activations.len())?;
        let layers: [Layer; NL] = core::array::from_fn(|i| Layer {
            n_in: sizes[i],
            n_out: sizes[i + 1],
            activation: activations[i],
        });
        Self::from_layers(layers, k, l, sigma_min)
    }

    /// An MDN from its trunk `layers` (the last one [`Activation::Identity`] with `K (L + 2)`
    /// outputs) and its head (`k`, `l`, `sigma_min`): what [`new`](Self::new) builds from sizes
    /// and activations (the blob loader uses it). Parameters start at zero.
    pub fn from_layers(layers: [Layer; NL], k: usize, l: usize, sigma_min: f32) -> Result<Self> {
        let head = Head::new(k, l, sigma_min)?;
        if NL == 0 {
            return Err(Error::InvalidArgument {
                what: "an MDN trunk needs at least one layer",
            });
        }
        if layers[NL - 1].activation != Activation::Identity {
            return Err(Error::InvalidArgument {
                what: "the last MDN trunk layer must be Identity",
            });
        }
        check_len(
            "mdn output width K (L + 2)",
            head.output_len(),
            layers[NL - 1].n_out,
        )?;
        check_len("mdn output capacity O", head.output_len(), O)?;
        let (p, u) = mlp::check_layers(&layers)?;
        check_len("mdn parameter capacity P", p, P)?;
        check_len("mdn unit capacity U", u, U)?;
        check_widths::<S>(&layers)?;
        Ok(Mdn {
            widths: core::marker::PhantomData,
            layers,
            head,
            params: [0.0; P],
            grads: [0.0; P],
            pre: [0.0; U],
            post: [0.0; U],
            delta: [0.0; U],
            mix: [0.0; O],
            scratch: [0.0; O],
        })
    }

    /// [`new`](Self::new) with the given parameters (MLP order, all finite).
    pub fn with_params(
        sizes: &[usize],
        activations: &[Activation],
        k: usize,
        l: usize,
        sigma_min: f32,
        params: &[f32],
    ) -> Result<Self> {
        let mut net = Self::new(sizes, activations, k, l, sigma_min)?;
        net.set_params(params)?;
        Ok(net)
    }

    /// Replaces every parameter (length `P`, all finite).
    pub fn set_params(&mut self, params: &[f32]) -> Result<()> {
        check_len("mdn parameters", P, params.len())?;
        check_finite("mdn parameters", params)?;
        self.params.copy_from_slice(params);
        Ok(())
    }

    /// Initialises the trunk with `scheme` (see [`Init`]).
    pub fn init(&mut self, rng: &mut Rng, scheme: Init) {
        // Shapes were checked by `new`, so this cannot fail.
        let _ = mlp::init(&self.layers, &mut self.params, rng, scheme);
    }

    /// Every weight `N(0, std²)`, biases zero (seed 000 uses `std = 0.01`).
    pub fn init_normal(&mut self, rng: &mut Rng, std: f32) {
        self.init(rng, Init::Normal(std));
    }

    /// [`Init::Default`] (He / Glorot by activation), biases zero.
    pub fn init_default(&mut self, rng: &mut Rng) {
        self.init(rng, Init::Default);
    }

    /// The head (`K`, `L`, `σ_min`).
    pub fn head(&self) -> Head {
        self.head
    }

    /// The trunk layers.
    pub fn layers(&self) -> &[Layer; NL] {
        &self.layers
    }

    /// Input width.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_in
    }

    /// Target dimension `L`.
    pub fn n_targets(&self) -> usize {
        self.head.l()
    }

    fn trunk(&mut self, x: &[f32]) -> Result<()> {
        trunk::<S>(&self.layers, &self.params, x, &mut self.pre, &mut self.post)
    }

    /// The raw trunk outputs `[a^π, a^σ, a^μ]` for `x`.
    pub fn raw_forward(&mut self, x: &[f32]) -> Result<&[f32]> {
        self.trunk(x)?;
        Ok(mlp::output(&self.layers, &self.post))
    }

    /// The conditional mixture `p(t | x)` (its `μ` are the trunk's outputs, in place).
    pub fn forward(&mut self, x: &[f32]) -> Result<Mixture<'_>> {
        self.trunk(x)?;
        self.head
            .mixture_sized::<O>(trunk_out::<U, O>(&self.post), &mut self.mix)
    }

    /// The loss `−ln p(t | x)` for one sample (no gradients).
    pub fn loss(&mut self, x: &[f32], t: &[f32]) -> Result<f32> {
        self.trunk(x)?;
        self.head.loss(mlp::output(&self.layers, &self.post), t)
    }

    /// Mean loss over a data set (`xs`: `N × n_inputs`, `ts`: `N × L`, row-major).
    pub fn mean_loss(&mut self, xs: &[f32], ts: &[f32]) -> Result<f32> {
        let (ni, l) = (self.n_inputs(), self.n_targets());
        let n = batch_len(xs.len(), ni)?;
        check_len("mdn targets", n * l, ts.len())?;
        let mut total = 0.0f64;
        for (x, t) in xs.chunks_exact(ni).zip(ts.chunks_exact(l)) {
            total += self.loss(x, t)? as f64;
        }
        Ok((total / n as f64) as f32)
    }

    /// Forward, loss and backward for one sample: accumulates `∂E/∂params` into the gradients
    /// and returns `E = −ln p(t | x)`.
    pub fn accumulate(&mut self, x: &[f32], t: &[f32]) -> Result<f32> {
        self.trunk(x)?;
        let out = mlp::output(&self.layers, &self.post);
        let e = self.head.loss_and_grad(out, t, &mut self.mix)?;
        mlp::backward(
            &self.layers,
            &self.params,
            x,
            &self.pre,
            &self.post,
            &self.mix,
            &mut self.grads,
            &mut self.delta,
            None,
        )?;
        Ok(e)
    }

    /// One optimizer step on a batch (`xs`: `B × n_inputs`, `ts`: `B × L`): zeroes the
    /// gradients, accumulates every sample, averages, steps. Returns the mean loss. `state` has
    /// `opt.state_len(P)` entries.
    pub fn train_batch<Opt: Optimizer>(
        &mut self,
        xs: &[f32],
        ts: &[f32],
        opt: &mut Opt,
        state: &mut [f32],
    ) -> Result<f32> {
        let (ni, l) = (self.n_inputs(), self.n_targets());
        let b = batch_len(xs.len(), ni)?;
        check_len("batch targets", b * l, ts.len())?;
        self.zero_grads();
        let mut total = 0.0;
        for (x, t) in xs.chunks_exact(ni).zip(ts.chunks_exact(l)) {
            total += self.accumulate(x, t)?;
        }
        let inv = 1.0 / b as f32;
        self.scale_grads(inv);
        opt.step(&mut self.params, &self.grads, state)?;
        Ok(total * inv)
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
        self.trunk(x)?;
        let mix = self
            .head
            .mixture_sized::<O>(trunk_out::<U, O>(&self.post), &mut self.mix)?;
        mode(mix, out, &mut self.scratch, search)
    }

    /// `ln p(t | x)`.
    pub fn log_density(&mut self, x: &[f32], t: &[f32]) -> Result<f32> {
        self.forward(x)?.log_density(t)
    }

    /// `ln p(t | x)` at each point of `points` (`n × L`) to `out` (`n`).
    pub fn log_density_grid(&mut self, x: &[f32], points: &[f32], out: &mut [f32]) -> Result<()> {
        self.forward(x)?.log_density_grid(points, out)
    }

    /// Draws `t ~ p(t | x)` to `out` (`L`); returns the component drawn.
    pub fn sample(&mut self, x: &[f32], rng: &mut Rng, out: &mut [f32]) -> Result<usize> {
        self.forward(x)?.sample(rng, out)
    }
}

/// The trunk's outputs in `post`: its last `O` units (what [`mlp::output`] returns, since the
/// last layer has `O` outputs, checked by [`Mdn::from_layers`]), at a constant offset.
#[inline]
fn trunk_out<const U: usize, const O: usize>(post: &[f32; U]) -> &[f32] {
    &post[U.saturating_sub(O)..]
}

/// The trunk over slices (what every MDN executor runs: the typed [`Mdn`] and the in-place
/// [`MdnRef`](crate::format::MdnRef), whose parameters are borrowed from a blob in flash):
/// checks that `x` is finite, then the typed executor `S` (bit-identical to [`mlp::forward`])
/// on `params`, filling `pre` / `post`; the [`Head`] then parses `mlp::output(layers, post)`.
/// `layers` must have been checked against `S` ([`check_widths`]).
pub(crate) fn trunk<S: Widths>(
    layers: &[Layer],
    params: &[f32],
    x: &[f32],
    pre: &mut [f32],
    post: &mut [f32],
) -> Result<()> {
    check_finite("mdn input", x)?;
    S::forward_checked(layers, params, x, pre, post)
}

/// [`trunk`], then the [`Head`] parses the trunk's outputs into `mix` (`K (L + 2)`) and
/// returns the [`Mixture`] view: what [`Mdn::forward`] does, as one function for the in-place
/// [`MdnRef`](crate::format::MdnRef) (whose `forward` and `mode` then share one copy of it in
/// the firmware). `O` is the output width, for [`Head::mixture_sized`].
pub(crate) fn mixture<'m, S: Widths, const O: usize>(
    layers: &[Layer],
    head: Head,
    params: &[f32],
    x: &[f32],
    pre: &mut [f32],
    post: &'m mut [f32],
    mix: &'m mut [f32],
) -> Result<Mixture<'m>> {
    trunk::<S>(layers, params, x, pre, post)?;
    head.mixture_sized::<O>(mlp::output(layers, post), mix)
}

/// The refined mode of `mix` ([`Mixture::mode`]) to `out`, with the first `2L` floats of
/// `scratch` as its scratch.
pub(crate) fn mode(
    mix: Mixture<'_>,
    out: &mut [f32],
    scratch: &mut [f32],
    search: ModeSearch,
) -> Result<f32> {
    let (l2, len) = (2 * mix.l(), scratch.len());
    let scratch = scratch.get_mut(..l2).ok_or(Error::ShapeMismatch {
        what: "mdn mode scratch",
        expected: l2,
        found: len,
    })?;
    mix.mode(out, scratch, search)
}

fn batch_len(len: usize, width: usize) -> Result<usize> {
    let b = len / width;
    if b == 0 {
        return Err(Error::InvalidArgument {
            what: "empty batch",
        });
    }
    check_len("batch inputs", b * width, len)?;
    Ok(b)
}

impl<const NL: usize, const P: usize, const U: usize, const O: usize, S: Widths> Parameters
    for Mdn<NL, P, U, O, S>
{
    fn params(&self) -> &[f32] {
        &self.params
    }
    fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }
    fn grads(&self) -> &[f32] {
        &self.grads
    }
    fn params_and_grads_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (&mut self.params, &mut self.grads)
    }
}
