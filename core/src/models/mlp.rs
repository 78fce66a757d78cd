//! Multilayer perceptron (SPEC §1): dense layers with per-layer activations, trained by
//! backpropagation (PRML 5.53–5.56).
//!
//! ## The math over slices
//! [`forward`] and [`backward`] take the layer list, the flat parameter slice and caller-owned
//! activation buffers; they are the one implementation every executor is tested against.
//!
//! ## Parameter order
//! For each layer `l = 0, 1, …` in order: the weight matrix `W_l`, row-major `n_out × n_in`
//! (PyTorch's `nn.Linear.weight` layout), then the bias `b_l` (`n_out`). Weight files name these
//! tensors `layers.{l}.weight` and `layers.{l}.bias` and store them in this order.
//!
//! ## Activation buffers
//! `pre` and `post` hold, for every layer in order, its pre-activations `a_l = W_l z_{l−1} + b_l`
//! and outputs `z_l = h_l(a_l)`; their length is [`unit_count`] (the sum of the layer widths,
//! input excluded). The network output is the last `n_out` entries of `post`.
//!
//! ## Typed model
//! [`Mlp<L, P, U>`](Mlp) stores `L` layers, `P` parameters and `U` units in fixed arrays; the
//! [`mlp_type!`](crate::mlp_type) macro computes `P` and `U` from the sizes:
//!
//! ```
//! use embedml::{mlp_type, Activation, Rng};
//! use embedml::kernels::loss::Loss;
//!
//! type Sine = mlp_type!(1, 16, 16, 1);
//! let mut net = Sine::new(
//!     &[1, 16, 16, 1],
//!     &[Activation::Relu, Activation::Relu, Activation::Identity],
//!     Loss::Mse,
//! )
//! .unwrap();
//! net.init_default(&mut Rng::new(0));
//! let y = net.forward(&[0.5]).unwrap();
//! assert_eq!(y.len(), 1);
//! ```

use crate::error::{check_finite, check_len, Error, Result};
use crate::kernels::activation::Activation;
use crate::kernels::dense;
use crate::kernels::loss::Loss;
use crate::models::fixed::{check_widths, Dyn, Widths};
use crate::optim::Optimizer;
use crate::params::Parameters;
use crate::rng::Rng;

/// One dense layer of an MLP: `z = h(W x + b)`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Layer {
    /// Inputs of the layer.
    pub n_in: usize,
    /// Outputs of the layer.
    pub n_out: usize,
    /// Activation applied to the outputs.
    pub activation: Activation,
}

impl Layer {
    /// Number of parameters: `n_in · n_out + n_out`.
    pub const fn param_count(&self) -> usize {
        self.n_in * self.n_out + self.n_out
    }
}

/// Parameters of a network with layer widths `sizes` (input first): `Σ_l s_l s_{l+1} + s_{l+1}`.
pub const fn param_count(sizes: &[usize]) -> usize {
    let mut total = 0;
    let mut l = 0;
    while l + 1 < sizes.len() {
        total += sizes[l] * sizes[l + 1] + sizes[l + 1];
        l += 1;
    }
    total
}

/// Units (activation-buffer entries) of a network with widths `sizes`: `Σ_{l≥1} s_l`.
pub const fn unit_count(sizes: &[usize]) -> usize {
    let mut total = 0;
    let mut l = 1;
    while l < sizes.len() {
        total += sizes[l];
        l += 1;
    }
    total
}

/// The typed MLP for the given layer widths: `mlp_type!(1, 16, 16, 1)` is
/// `Mlp<3, {param_count}, {unit_count}, W3<1, 16, 16, 1>>` (the widths as a
/// [typed executor](crate::models::fixed); [`Dyn`](crate::models::fixed::Dyn) beyond 5 layers).
#[macro_export]
macro_rules! mlp_type {
    ($($size:expr),+ $(,)?) => {
        $crate::models::mlp::Mlp<
            { [$($size),+].len() - 1 },
            { $crate::models::mlp::param_count(&[$($size),+]) },
            { $crate::models::mlp::unit_count(&[$($size),+]) },
            $crate::__widths_type!($($size),+),
        >
    };
}

/// Checks that `layers` chain (each `n_in` equals the previous `n_out`) and returns
/// `(param_count, unit_count)`.
pub fn check_layers(layers: &[Layer]) -> Result<(usize, usize)> {
    if layers.is_empty() {
        return Err(Error::InvalidArgument {
            what: "an MLP needs at least one layer",
        });
    }
    let mut p = 0;
    let mut u = 0;
    for (l, layer) in layers.iter().enumerate() {
        if layer.n_in == 0 || layer.n_out == 0 {
            return Err(Error::InvalidArgument {
                what: "layer widths must be positive",
            });
        }
        if l > 0 {
            check_len("layer input width", layers[l - 1].n_out, layer.n_in)?;
        }
        p += layer.param_count();
        u += layer.n_out;
    }
    Ok((p, u))
}

/// Forward pass for one sample. Fills `pre` and `post` (each [`unit_count`] long); the output is
/// the tail of `post` (see [`output`]).
pub fn forward(
    layers: &[Layer],
    params: &[f32],
    x: &[f32],
    pre: &mut [f32],
    post: &mut [f32],
) -> Result<()> {
    let (p, u) = check_layers(layers)?;
    check_len("mlp parameters", p, params.len())?;
    check_len("mlp input", layers[0].n_in, x.len())?;
    check_len("mlp pre-activations", u, pre.len())?;
    check_len("mlp activations", u, post.len())?;
    let mut po = 0; // parameter offset
    let mut uo = 0; // unit offset
    for (l, layer) in layers.iter().enumerate() {
        let (n_in, n_out) = (layer.n_in, layer.n_out);
        let w = &params[po..po + n_in * n_out];
        let b = &params[po + n_in * n_out..po + layer.param_count()];
        let (done, rest) = post.split_at_mut(uo);
        let input: &[f32] = if l == 0 { x } else { &done[uo - n_in..] };
        let a = &mut pre[uo..uo + n_out];
        dense::forward(n_in, n_out, w, b, input, a)?;
        layer.activation.forward(a, &mut rest[..n_out])?;
        po += layer.param_count();
        uo += n_out;
    }
    Ok(())
}

/// The network output: the last layer's slice of `post`.
pub fn output<'a>(layers: &[Layer], post: &'a [f32]) -> &'a [f32] {
    let n = layers.last().map_or(0, |l| l.n_out);
    &post[post.len().saturating_sub(n)..]
}

/// Backward pass for one sample, after [`forward`] on the same `x`.
///
/// `grad_out` is `∂E/∂z_L` (the gradient with respect to the network output). Gradients are
/// **accumulated** into `grads` (same order as the parameters); `delta` (a [`unit_count`]
/// scratch buffer) receives `∂E/∂a_l` for every layer. With `grad_x`, also writes `∂E/∂x`.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    layers: &[Layer],
    params: &[f32],
    x: &[f32],
    pre: &[f32],
    post: &[f32],
    grad_out: &[f32],
    grads: &mut [f32],
    delta: &mut [f32],
    grad_x: Option<&mut [f32]>,
) -> Result<()> {
    let (p, u) = check_layers(layers)?;
    check_len("mlp parameters", p, params.len())?;
    check_len("mlp gradients", p, grads.len())?;
    check_len("mlp input", layers[0].n_in, x.len())?;
    check_len("mlp pre-activations", u, pre.len())?;
    check_len("mlp activations", u, post.len())?;
    check_len("mlp deltas", u, delta.len())?;
    let last = layers[layers.len() - 1];
    check_len("mlp output gradient", last.n_out, grad_out.len())?;
    if let Some(g) = &grad_x {
        check_len("mlp input gradient", layers[0].n_in, g.len())?;
    }

    delta[u - last.n_out..].copy_from_slice(grad_out);
    backprop(layers, params, x, pre, post, grads, delta, grad_x)
}

/// [`backward`] with `∂E/∂z_L` already in the tail of `delta` (shapes checked by the caller).
#[allow(clippy::too_many_arguments)]
fn backprop(
    layers: &[Layer],
    params: &[f32],
    x: &[f32],
    pre: &[f32],
    post: &[f32],
    grads: &mut [f32],
    delta: &mut [f32],
    grad_x: Option<&mut [f32]>,
) -> Result<()> {
    let (p, u) = (params.len(), pre.len());
    let last = layers[layers.len() - 1];
    // δ_L = ∂E/∂z_L ⊙ h'(a_L)
    let act = last.activation;
    for k in u - last.n_out..u {
        delta[k] *= act.derivative(pre[k], post[k]);
    }

    let mut po = p;
    let mut uo = u;
    let mut grad_x = grad_x;
    for l in (0..layers.len()).rev() {
        let layer = layers[l];
        let (n_in, n_out) = (layer.n_in, layer.n_out);
        po -= layer.param_count();
        uo -= n_out;
        let w = &params[po..po + n_in * n_out];
        let (gw, gb) = grads[po..po + layer.param_count()].split_at_mut(n_in * n_out);
        let (before, here) = delta.split_at_mut(uo);
        let d = &here[..n_out];
        if l == 0 {
            dense::backward(n_in, n_out, w, x, d, gw, gb, grad_x.as_deref_mut())?;
        } else {
            let input = &post[uo - n_in..uo];
            let prev = &mut before[uo - n_in..];
            // ∂E/∂z_{l-1} = W_lᵀ δ_l, then δ_{l-1} = that ⊙ h'(a_{l-1}).
            dense::backward(n_in, n_out, w, input, d, gw, gb, Some(prev))?;
            let act = layers[l - 1].activation;
            let (a, z) = (&pre[uo - n_in..uo], &post[uo - n_in..uo]);
            for ((g, &ai), &zi) in prev.iter_mut().zip(a).zip(z) {
                *g *= act.derivative(ai, zi);
            }
        }
    }
    Ok(())
}

/// Weight initialisation schemes.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Init {
    /// Per layer: He normal (`std = √(2/n_in)`) before ReLU/LeakyReLU, Glorot uniform
    /// (`±√(6/(n_in+n_out))`) otherwise; biases zero.
    Default,
    /// Every weight `N(0, std²)`, biases zero (seed 000 uses `std = 0.01`).
    Normal(f32),
}

/// Initialises `params` for `layers` from `rng` (see [`Init`]).
pub fn init(layers: &[Layer], params: &mut [f32], rng: &mut Rng, scheme: Init) -> Result<()> {
    let (p, _) = check_layers(layers)?;
    check_len("mlp parameters", p, params.len())?;
    let mut po = 0;
    for layer in layers {
        let nw = layer.n_in * layer.n_out;
        let w = &mut params[po..po + nw];
        match scheme {
            Init::Normal(std) => rng.fill_normal(w, 0.0, std),
            Init::Default => match layer.activation {
                Activation::Relu | Activation::LeakyRelu(_) => {
                    let std = crate::math::sqrt(2.0 / layer.n_in as f32);
                    rng.fill_normal(w, 0.0, std)
                }
                _ => {
                    let lim = crate::math::sqrt(6.0 / (layer.n_in + layer.n_out) as f32);
                    rng.fill_uniform(w, -lim, lim)
                }
            },
        }
        params[po + nw..po + layer.param_count()].fill(0.0);
        po += layer.param_count();
    }
    Ok(())
}

/// A typed MLP of `L` layers, `P` parameters and `U` units, in fixed arrays.
///
/// Use [`mlp_type!`](crate::mlp_type) to name the type from the layer widths. The last layer
/// produces the raw outputs (logits for the classification losses); [`Mlp::predict`] applies
/// the loss's link (sigmoid / softmax). `S` carries the layer widths at compile time
/// ([`models::fixed`](crate::models::fixed)): [`forward`](Mlp::forward) and
/// [`predict`](Mlp::predict) and the forward pass of training run its typed executor
/// (bit-identical to [`forward`]); with the default [`Dyn`] they run the slice math.
#[derive(Debug, Clone)]
pub struct Mlp<const L: usize, const P: usize, const U: usize, S: Widths = Dyn> {
    widths: core::marker::PhantomData<S>,
    layers: [Layer; L],
    loss: Loss,
    params: [f32; P],
    grads: [f32; P],
    pre: [f32; U],
    post: [f32; U],
    delta: [f32; U],
}

impl<const L: usize, const P: usize, const U: usize, S: Widths> Mlp<L, P, U, S> {
    /// A network with widths `sizes` (`L + 1` entries, input first), one activation per layer,
    /// and the loss it trains with. Parameters start at zero: call an `init_*` method.
    pub fn new(sizes: &[usize], activations: &[Activation], loss: Loss) -> Result<Self> {
        check_len("mlp sizes", L + 1, sizes.len())?;
        check_len("mlp activations", L, activations.len())?;
        let layers: [Layer; L] = core::array::from_fn(|l| Layer {
            n_in: sizes[l],
            n_out: sizes[l + 1],
            activation: activations[l],
        });
        let (p, u) = check_layers(&layers)?;
        check_len("mlp parameter capacity P", p, P)?;
        check_len("mlp unit capacity U", u, U)?;
        check_widths::<S>(&layers)?;
        Ok(Mlp {
            widths: core::marker::PhantomData,
            layers,
            loss,
            params: [0.0; P],
            grads: [0.0; P],
            pre: [0.0; U],
            post: [0.0; U],
            delta: [0.0; U],
        })
    }

    /// A network from its layers (they must chain and fill exactly `P` parameters and `U`
    /// units) and its loss. Parameters start at zero.
    pub fn from_layers(layers: [Layer; L], loss: Loss) -> Result<Self> {
        let (p, u) = check_layers(&layers)?;
        check_len("mlp parameter capacity P", p, P)?;
        check_len("mlp unit capacity U", u, U)?;
        check_widths::<S>(&layers)?;
        Ok(Mlp {
            widths: core::marker::PhantomData,
            layers,
            loss,
            params: [0.0; P],
            grads: [0.0; P],
            pre: [0.0; U],
            post: [0.0; U],
            delta: [0.0; U],
        })
    }

    /// A network with the given parameters (in the documented order); they must be finite.
    pub fn with_params(
        sizes: &[usize],
        activations: &[Activation],
        loss: Loss,
        params: &[f32],
    ) -> Result<Self> {
        let mut net = Self::new(sizes, activations, loss)?;
        net.set_params(params)?;
        Ok(net)
    }

    /// Replaces every parameter (length `P`, all finite).
    pub fn set_params(&mut self, params: &[f32]) -> Result<()> {
        check_len("mlp parameters", P, params.len())?;
        check_finite("mlp parameters", params)?;
        self.params.copy_from_slice(params);
        Ok(())
    }

    /// [`Init::Default`] initialisation.
    pub fn init_default(&mut self, rng: &mut Rng) {
        // Shapes were checked by `new`, so this cannot fail.
        let _ = init(&self.layers, &mut self.params, rng, Init::Default);
    }

    /// Every weight `N(0, std²)`, biases zero.
    pub fn init_normal(&mut self, rng: &mut Rng, std: f32) {
        let _ = init(&self.layers, &mut self.params, rng, Init::Normal(std));
    }

    /// The layers.
    pub fn layers(&self) -> &[Layer; L] {
        &self.layers
    }

    /// The loss the network trains with.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// Input width.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_in
    }

    /// Output width.
    pub fn n_outputs(&self) -> usize {
        self.layers[L - 1].n_out
    }

    /// Weight matrix and bias of layer `l`.
    pub fn layer_params(&self, l: usize) -> Result<(&[f32], &[f32])> {
        if l >= L {
            return Err(Error::OutOfRange {
                what: "layer",
                index: l,
                len: L,
            });
        }
        let po: usize = self.layers[..l].iter().map(|x| x.param_count()).sum();
        let layer = self.layers[l];
        let nw = layer.n_in * layer.n_out;
        Ok((
            &self.params[po..po + nw],
            &self.params[po + nw..po + layer.param_count()],
        ))
    }

    /// Raw outputs (logits for classification losses) for input `x`.
    pub fn forward(&mut self, x: &[f32]) -> Result<&[f32]> {
        S::forward_checked(&self.layers, &self.params, x, &mut self.pre, &mut self.post)?;
        Ok(output(&self.layers, &self.post))
    }

    /// Prediction for `x` written to `out`: raw outputs for MSE, probabilities for the
    /// classification losses.
    pub fn predict(&mut self, x: &[f32], out: &mut [f32]) -> Result<()> {
        let n = self.n_outputs();
        check_len("mlp prediction output", n, out.len())?;
        let loss = self.loss;
        out.copy_from_slice(self.forward(x)?);
        loss.link(out);
        Ok(())
    }

    /// Backpropagates `grad_out = ∂E/∂output` for the `x` of the last [`forward`](Self::forward)
    /// call, accumulating into the gradients.
    pub fn backward(&mut self, x: &[f32], grad_out: &[f32]) -> Result<()> {
        backward(
            &self.layers,
            &self.params,
            x,
            &self.pre,
            &self.post,
            grad_out,
            &mut self.grads,
            &mut self.delta,
            None,
        )
    }

    /// Forward, loss and backward for one sample; accumulates gradients and returns the loss.
    /// `target` has the output width (one-hot for softmax cross-entropy).
    pub fn accumulate(&mut self, x: &[f32], target: &[f32]) -> Result<f32> {
        check_finite("mlp input", x)?;
        S::forward_checked(&self.layers, &self.params, x, &mut self.pre, &mut self.post)?;
        let n = self.n_outputs();
        let u = U;
        // ∂E/∂output goes straight into the tail of `delta`, where backprop expects it.
        let e = self
            .loss
            .value_and_grad(&self.post[u - n..], target, &mut self.delta[u - n..])?;
        backprop(
            &self.layers,
            &self.params,
            x,
            &self.pre,
            &self.post,
            &mut self.grads,
            &mut self.delta,
            None,
        )?;
        Ok(e)
    }

    /// One optimizer step on a batch: zeroes the gradients, accumulates every sample of `xs`
    /// (`B × n_inputs`, row-major) against `ts` (`B × n_outputs`), averages, and steps.
    /// Returns the mean loss. `state` has `opt.state_len(P)` entries.
    pub fn train_batch<O: Optimizer>(
        &mut self,
        xs: &[f32],
        ts: &[f32],
        opt: &mut O,
        state: &mut [f32],
    ) -> Result<f32> {
        let (ni, no) = (self.n_inputs(), self.n_outputs());
        let b = xs.len() / ni;
        if b == 0 {
            return Err(Error::InvalidArgument {
                what: "empty batch",
            });
        }
        check_len("batch inputs", b * ni, xs.len())?;
        check_len("batch targets", b * no, ts.len())?;
        self.zero_grads();
        let mut total = 0.0;
        for (x, t) in xs.chunks_exact(ni).zip(ts.chunks_exact(no)) {
            total += self.accumulate(x, t)?;
        }
        let inv = 1.0 / b as f32;
        self.scale_grads(inv);
        opt.step(&mut self.params, &self.grads, state)?;
        Ok(total * inv)
    }
}

impl<const L: usize, const P: usize, const U: usize, S: Widths> Parameters for Mlp<L, P, U, S> {
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
