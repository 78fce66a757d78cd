//! Constant-weights MLP: an inference-only network whose layers, loss, parameters and
//! standardisation constants are **compile-time constants** (no blob, no parser, no CRC).
//!
//! A model known when the firmware is built implements [`MlpConsts`] (`embedml export
//! --rust-const` writes the implementation: the parameters as a `static [f32; P]`, the layers
//! as a `const`) and runs as a [`ConstMlp`] (named by [`const_mlp_type!`](crate::const_mlp_type)).
//! The math is the one of every other executor — the typed executor of
//! [`models::fixed`](crate::models::fixed) over the same `dense` / `Activation` kernels, so the
//! outputs are bit-identical to [`MlpRef`](crate::format::MlpRef) on the blob of the same model —
//! but every layer description is a constant in the inlined forward pass: each activation
//! `match` folds to the activation used, every length check folds away, and the code of unused
//! activations (`exp`, `tanh`, sigmoid) is never linked. Only `pre` / `post` (`2·U` floats) live
//! in RAM; the parameters stay in flash.
//!
//! ```
//! use embedml::format::Scaling;
//! use embedml::models::const_mlp::MlpConsts;
//! use embedml::models::mlp::Layer;
//! use embedml::kernels::loss::Loss;
//! use embedml::Activation;
//!
//! static PARAMS: [f32; 7] = [0.5, -1.0, 0.0, 0.25, 2.0, -3.0, 0.5];
//! static MEAN: [f32; 1] = [1.0];
//! static STD: [f32; 1] = [2.0];
//!
//! struct Tiny;
//! impl MlpConsts for Tiny {
//!     const LAYERS: &'static [Layer] = &[
//!         Layer { n_in: 1, n_out: 2, activation: Activation::Relu },
//!         Layer { n_in: 2, n_out: 1, activation: Activation::Identity },
//!     ];
//!     const LOSS: Loss = Loss::Mse;
//!     const PARAMS: &'static [f32] = &PARAMS;
//!     const INPUT_SCALING: Option<Scaling<'static>> = Some(Scaling { mean: &MEAN, std: &STD });
//! }
//!
//! let mut net = <embedml::const_mlp_type!(Tiny; 1, 2, 1)>::new().unwrap();
//! let (mut x, mut y) = ([3.0], [0.0]);
//! net.predict(&mut x, &mut y).unwrap(); // x standardised to 1.0
//! // h = relu([0.5 + 0.0, -1.0 + 0.25]) = [0.5, 0]; y = 0.5 + 2.0·0.5 − 3.0·0 = 1.5
//! assert_eq!(y, [1.5]);
//! ```

use core::marker::PhantomData;

use crate::error::{check_len, Error, Result};
use crate::format::Scaling;
use crate::kernels::loss::Loss;
use crate::models::fixed::{check_widths, Dyn, Widths};
use crate::models::mlp::{self, Layer};

/// A network known at compile time: its layers, loss, parameters (in the MLP order: per layer
/// W, `n_out × n_in` row-major, then b) and optional standardisation constants.
pub trait MlpConsts {
    /// The layers, input first.
    const LAYERS: &'static [Layer];
    /// The loss the network was trained with (its link maps the outputs in
    /// [`ConstMlp::predict`]).
    const LOSS: Loss;
    /// The parameters (keep them in a `static`, so they are in flash once).
    const PARAMS: &'static [f32];
    /// Input standardisation (one mean and std per input), if any.
    const INPUT_SCALING: Option<Scaling<'static>> = None;
    /// Output standardisation (one mean and std per output), if any.
    const OUTPUT_SCALING: Option<Scaling<'static>> = None;
}

/// The inference-only MLP of a [`MlpConsts`] model: `U` is the unit count (the sum of the layer
/// widths), `S` the typed executor of its widths. Name it with
/// [`const_mlp_type!`](crate::const_mlp_type).
#[derive(Debug, Clone)]
pub struct ConstMlp<M: MlpConsts, const U: usize, S: Widths = Dyn> {
    model: PhantomData<(M, S)>,
    pre: [f32; U],
    post: [f32; U],
}

/// The constant-weights MLP type of model `M` with the given widths:
/// `const_mlp_type!(Sine; 1, 16, 16, 1)` is `ConstMlp<Sine, 33, W3<1, 16, 16, 1>>`.
#[macro_export]
macro_rules! const_mlp_type {
    ($model:ty; $($size:expr),+ $(,)?) => {
        $crate::models::const_mlp::ConstMlp<
            $model,
            { $crate::models::mlp::unit_count(&[$($size),+]) },
            $crate::__widths_type!($($size),+),
        >
    };
}

/// Checks standardisation constants: `want` columns, finite means, finite positive stds.
fn check_scaling(what: &'static str, s: Option<Scaling<'static>>, want: usize) -> Result<()> {
    let Some(s) = s else { return Ok(()) };
    check_len(what, want, s.mean.len())?;
    check_len(what, want, s.std.len())?;
    for (&m, &d) in s.mean.iter().zip(s.std) {
        if !m.is_finite() || !d.is_finite() {
            return Err(Error::NonFinite { what });
        }
        if d <= 0.0 {
            return Err(Error::InvalidArgument { what });
        }
    }
    Ok(())
}

impl<M: MlpConsts, const U: usize, S: Widths> ConstMlp<M, U, S> {
    /// Checks the model's constants — the layers chain, the parameter count, the unit count
    /// `U`, the widths of `S`, the standardisation columns, finite means and positive finite
    /// stds — and returns the network. (The checks run on constants, so the compiler folds
    /// them: they cost nothing on the device.)
    pub fn new() -> Result<Self> {
        let (p, u) = mlp::check_layers(M::LAYERS)?;
        check_len("const mlp parameters", p, M::PARAMS.len())?;
        check_len("const mlp units", U, u)?;
        check_widths::<S>(M::LAYERS)?;
        let (n_in, n_out) = (M::LAYERS[0].n_in, M::LAYERS[M::LAYERS.len() - 1].n_out);
        check_scaling("const mlp input standardisation", M::INPUT_SCALING, n_in)?;
        check_scaling("const mlp output standardisation", M::OUTPUT_SCALING, n_out)?;
        Ok(ConstMlp {
            model: PhantomData,
            pre: [0.0; U],
            post: [0.0; U],
        })
    }

    /// The layers.
    pub fn layers(&self) -> &'static [Layer] {
        M::LAYERS
    }

    /// The loss the network was trained with.
    pub fn loss(&self) -> Loss {
        M::LOSS
    }

    /// The parameters (in flash).
    pub fn params(&self) -> &'static [f32] {
        M::PARAMS
    }

    /// Input width.
    pub fn n_inputs(&self) -> usize {
        M::LAYERS[0].n_in
    }

    /// Output width.
    pub fn n_outputs(&self) -> usize {
        M::LAYERS[M::LAYERS.len() - 1].n_out
    }

    /// Raw outputs for an already standardised input: [`mlp::forward`]'s math through the
    /// typed executor `S`, inlined here with the model's constants.
    pub fn forward(&mut self, x: &[f32]) -> Result<&[f32]> {
        // The parameters' *values* are read from flash, never folded into the code: without
        // the barrier the compiler copies the weights it can see into literal pools next to
        // the instructions, while `PARAMS` stays in flash too (the first and last layers of
        // the sine model twice: ≈ 200 bytes). Their length stays a known constant.
        let params = core::hint::black_box(M::PARAMS);
        check_len("const mlp parameters", M::PARAMS.len(), params.len())?;
        S::forward_inline(M::LAYERS, params, x, &mut self.pre, &mut self.post)?;
        Ok(mlp::output(M::LAYERS, &self.post))
    }

    /// The prediction in the host's units, as [`MlpRef::predict`](crate::format::MlpRef::predict):
    /// standardises `x` **in place**, runs [`forward`](Self::forward), applies the loss's link
    /// and maps the outputs back with the output standardisation, into `out`.
    pub fn predict(&mut self, x: &mut [f32], out: &mut [f32]) -> Result<()> {
        check_len("mlp input", self.n_inputs(), x.len())?;
        check_len("mlp prediction output", self.n_outputs(), out.len())?;
        if let Some(s) = M::INPUT_SCALING {
            for ((v, &m), &d) in x.iter_mut().zip(s.mean).zip(s.std) {
                *v = (*v - m) / d;
            }
        }
        // Lengths checked above; element by element, so no panic path is linked.
        for (o, &y) in out.iter_mut().zip(self.forward(x)?) {
            *o = y;
        }
        M::LOSS.link(out);
        if let Some(s) = M::OUTPUT_SCALING {
            for ((v, &m), &d) in out.iter_mut().zip(s.mean).zip(s.std) {
                *v = *v * d + m;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::MlpRef;
    use crate::kernels::activation::Activation;
    use crate::models::fixed::{W2, W3};
    use crate::models::mlp::Mlp;
    use crate::rng::Rng;

    /// A 2 → 5 tanh → 3 softmax classifier with standardised inputs.
    struct Clf;
    static CLF_PARAMS: [f32; 33] = {
        let mut p = [0.0f32; 33];
        let mut i = 0;
        while i < 33 {
            // A fixed, sign-alternating pattern (const-evaluable).
            p[i] = ((i * 7 % 11) as f32 - 5.0) * 0.17;
            i += 1;
        }
        p
    };
    static CLF_MEAN: [f32; 2] = [1.5, -0.25];
    static CLF_STD: [f32; 2] = [0.75, 2.0];
    impl MlpConsts for Clf {
        const LAYERS: &'static [Layer] = &[
            Layer {
                n_in: 2,
                n_out: 5,
                activation: Activation::Tanh,
            },
            Layer {
                n_in: 5,
                n_out: 3,
                activation: Activation::Identity,
            },
        ];
        const LOSS: Loss = Loss::SoftmaxCrossEntropy;
        const PARAMS: &'static [f32] = &CLF_PARAMS;
        const INPUT_SCALING: Option<Scaling<'static>> = Some(Scaling {
            mean: &CLF_MEAN,
            std: &CLF_STD,
        });
    }

    #[test]
    fn predictions_are_bit_identical_to_the_blob_path() {
        // Aligned, so `MlpRef` borrows the parameters in place.
        let mut blob = crate::format::Aligned([0u8; 512]);
        let n = crate::format::write_mlp_blob(
            &mut blob.0,
            Clf::LAYERS,
            Clf::LOSS,
            Clf::PARAMS,
            Clf::INPUT_SCALING,
            None,
        )
        .unwrap();
        let bytes = &blob.0[..n];
        let mut by_blob = MlpRef::<2, 8, W2<2, 5, 3>>::from_blob(bytes).unwrap();
        let mut by_const = <crate::const_mlp_type!(Clf; 2, 5, 3)>::new().unwrap();
        let mut rng = Rng::new(3);
        for _ in 0..20 {
            let x = [rng.normal_with(1.5, 2.0), rng.normal_with(0.0, 3.0)];
            let (mut x1, mut x2) = (x, x);
            let (mut y1, mut y2) = ([0.0f32; 3], [0.0f32; 3]);
            by_blob.predict(&mut x1, &mut y1).unwrap();
            by_const.predict(&mut x2, &mut y2).unwrap();
            assert_eq!(y1.map(f32::to_bits), y2.map(f32::to_bits), "x = {x:?}");
            assert!((y2.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        // And the forward pass against the slice math directly.
        let (mut pre, mut post) = ([0.0f32; 8], [0.0f32; 8]);
        mlp::forward(Clf::LAYERS, Clf::PARAMS, &[0.3, -0.7], &mut pre, &mut post).unwrap();
        assert_eq!(by_const.forward(&[0.3, -0.7]).unwrap(), &post[5..]);
        assert_eq!(by_const.n_inputs(), 2);
        assert_eq!(by_const.n_outputs(), 3);
        assert_eq!(by_const.params().len(), 33);
        assert_eq!(by_const.loss(), Loss::SoftmaxCrossEntropy);
    }

    /// A model whose constants are wrong in each way `new` checks.
    macro_rules! bad_model {
        ($name:ident, $layers:expr, $params:expr, $scaling:expr) => {
            struct $name;
            impl MlpConsts for $name {
                const LAYERS: &'static [Layer] = $layers;
                const LOSS: Loss = Loss::Mse;
                const PARAMS: &'static [f32] = $params;
                const OUTPUT_SCALING: Option<Scaling<'static>> = $scaling;
            }
        };
    }
    const L121: &[Layer] = &[
        Layer {
            n_in: 1,
            n_out: 2,
            activation: Activation::Relu,
        },
        Layer {
            n_in: 2,
            n_out: 1,
            activation: Activation::Identity,
        },
    ];
    bad_model!(ShortParams, L121, &[0.0; 6], None);
    bad_model!(Good, L121, &[0.0; 7], None);
    bad_model!(
        ZeroStd,
        L121,
        &[0.0; 7],
        Some(Scaling {
            mean: &[0.0],
            std: &[0.0]
        })
    );
    bad_model!(
        TwoCols,
        L121,
        &[0.0; 7],
        Some(Scaling {
            mean: &[0.0, 1.0],
            std: &[1.0, 1.0]
        })
    );
    bad_model!(NoLayers, &[], &[], None);

    #[test]
    fn wrong_constants_are_errors() {
        assert!(ConstMlp::<Good, 3, W2<1, 2, 1>>::new().is_ok());
        assert!(ConstMlp::<Good, 3>::new().is_ok()); // the slice math (`Dyn`)
        assert!(ConstMlp::<ShortParams, 3, W2<1, 2, 1>>::new().is_err());
        assert!(ConstMlp::<Good, 4, W2<1, 2, 1>>::new().is_err()); // wrong unit count
        assert!(ConstMlp::<Good, 3, W2<1, 1, 2>>::new().is_err()); // wrong widths
        assert!(ConstMlp::<ZeroStd, 3, W2<1, 2, 1>>::new().is_err());
        assert!(ConstMlp::<TwoCols, 3, W2<1, 2, 1>>::new().is_err());
        assert!(ConstMlp::<NoLayers, 0>::new().is_err());
        let mut net = ConstMlp::<Good, 3, W2<1, 2, 1>>::new().unwrap();
        assert!(net.forward(&[1.0, 2.0]).is_err());
        assert!(net.predict(&mut [1.0], &mut [0.0, 0.0]).is_err());
    }

    /// The sine shape with random parameters: `ConstMlp` and `Mlp` agree bit for bit.
    #[test]
    fn the_sine_shape_matches_the_typed_model() {
        static P: [f32; 321] = {
            let mut p = [0.0f32; 321];
            let mut i = 0;
            while i < 321 {
                p[i] = ((i * 37 % 101) as f32 - 50.0) / 61.0;
                i += 1;
            }
            p
        };
        struct Sine;
        impl MlpConsts for Sine {
            const LAYERS: &'static [Layer] = &[
                Layer {
                    n_in: 1,
                    n_out: 16,
                    activation: Activation::Relu,
                },
                Layer {
                    n_in: 16,
                    n_out: 16,
                    activation: Activation::Relu,
                },
                Layer {
                    n_in: 16,
                    n_out: 1,
                    activation: Activation::Identity,
                },
            ];
            const LOSS: Loss = Loss::Mse;
            const PARAMS: &'static [f32] = &P;
        }
        let mut c = <crate::const_mlp_type!(Sine; 1, 16, 16, 1)>::new().unwrap();
        let layers: [Layer; 3] = Sine::LAYERS.try_into().unwrap();
        let mut m = <crate::mlp_type!(1, 16, 16, 1)>::from_layers(layers, Loss::Mse).unwrap();
        crate::params::Parameters::params_mut(&mut m).copy_from_slice(&P);
        let _: &Mlp<3, 321, 33, W3<1, 16, 16, 1>> = &m;
        for k in -20..=20 {
            let x = [k as f32 * 0.37];
            assert_eq!(c.forward(&x).unwrap(), m.forward(&x).unwrap(), "x = {x:?}");
        }
    }
}
