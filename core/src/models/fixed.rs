//! Typed executors: MLP layer widths as const generics.
//!
//! [`mlp::forward`] reads the widths from the [`Layer`] list at run time, so its loops have
//! run-time trip counts, every layer is a call, and every call checks its slices. A [`Widths`]
//! type carries the widths in its type instead (`W3<1, 16, 16, 1>` is the 1 → 16 → 16 → 1
//! network): its [`forward`](Widths::forward) runs the **same formulas in the same order** as
//! [`mlp::forward`] — [`dense::forward_fixed`] then [`Activation::forward_fixed`] per layer
//! (on the Cortex-M4F the rows run in assembly, [`dense::forward_act_asm`]) — but
//! every width is a constant, so the whole network inlines into one function, loops are
//! unrolled and the inputs and accumulators stay in registers. It is storage and loop shape
//! only: the results are bit-identical to the slice math (tested below for every activation
//! and several shapes), which stays the one reference.
//!
//! [`mlp_type!`](crate::mlp_type) and [`mlp_ref_type!`](crate::mlp_ref_type) pick the
//! `W1` … `W5` type matching the number of layers (1 to 5) and [`Dyn`] (the slice math) for
//! deeper networks. The typed models check at construction that their layers have these widths.
//!
//! ```
//! use embedml::models::fixed::{Widths, W2};
//! use embedml::models::mlp::{self, Layer};
//! use embedml::Activation;
//!
//! let layers = [
//!     Layer { n_in: 2, n_out: 3, activation: Activation::Tanh },
//!     Layer { n_in: 3, n_out: 1, activation: Activation::Identity },
//! ];
//! let params = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.0, 0.1, 0.2, 1.0, -1.0, 0.5, 0.25];
//! let (mut pre, mut post) = ([0.0; 4], [0.0; 4]);
//! W2::<2, 3, 1>::forward(&layers, &params, &[0.5, -1.0], &mut pre, &mut post).unwrap();
//! let (mut pre2, mut post2) = ([0.0; 4], [0.0; 4]);
//! mlp::forward(&layers, &params, &[0.5, -1.0], &mut pre2, &mut post2).unwrap();
//! assert_eq!(post, post2); // the same bits
//! ```

use crate::error::{check_len, Error, Result};
use crate::kernels::activation::Activation;
use crate::kernels::dense;
use crate::models::mlp::{self, Layer};

/// The layer widths of a network, at compile time ([`W1`] … [`W5`]) or at run time ([`Dyn`]).
pub trait Widths: Copy + Default + core::fmt::Debug + PartialEq {
    /// The widths, input first (`layers + 1` entries); `None` for [`Dyn`].
    const WIDTHS: Option<&'static [usize]>;

    /// The forward pass, with the contract of [`mlp::forward`]: fills `pre` and `post` (each
    /// the sum of the layer widths) from `x`; the output is the tail of `post`. Errors if the
    /// layers do not have these widths or a slice has the wrong length.
    fn forward(
        layers: &[Layer],
        params: &[f32],
        x: &[f32],
        pre: &mut [f32],
        post: &mut [f32],
    ) -> Result<()> {
        check_widths::<Self>(layers)?;
        Self::forward_checked(layers, params, x, pre, post)
    }

    /// [`forward`](Self::forward) for `layers` already checked by [`check_widths`] (the typed
    /// models check them once, at construction): only their activations are read. Every slice
    /// length is still checked (a wrong one is an error).
    fn forward_checked(
        layers: &[Layer],
        params: &[f32],
        x: &[f32],
        pre: &mut [f32],
        post: &mut [f32],
    ) -> Result<()>;

    /// [`forward_checked`](Self::forward_checked), always inlined into its caller (for
    /// [`Dyn`], a call to it). The constant-weights model
    /// [`ConstMlp`](crate::models::const_mlp::ConstMlp) calls it with layers and parameters
    /// that are compile-time constants, so each layer's activation `match` folds to the one
    /// activation used and the code of the others (`exp`, `tanh`, …) is not linked.
    #[inline(always)]
    fn forward_inline(
        layers: &[Layer],
        params: &[f32],
        x: &[f32],
        pre: &mut [f32],
        post: &mut [f32],
    ) -> Result<()> {
        Self::forward_checked(layers, params, x, pre, post)
    }
}

/// Checks that `layers` have the widths of `S` (always true for [`Dyn`]).
pub fn check_widths<S: Widths>(layers: &[Layer]) -> Result<()> {
    let Some(w) = S::WIDTHS else {
        return Ok(());
    };
    check_len("mlp layers (typed widths)", w.len() - 1, layers.len())?;
    for (l, layer) in layers.iter().enumerate() {
        if layer.n_in != w[l] || layer.n_out != w[l + 1] {
            return Err(Error::ShapeMismatch {
                what: "mlp layer width (typed widths)",
                expected: w[l + 1],
                found: layer.n_out,
            });
        }
    }
    Ok(())
}

/// Widths known at run time only: [`forward`](Widths::forward) is [`mlp::forward`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dyn;

impl Widths for Dyn {
    const WIDTHS: Option<&'static [usize]> = None;

    #[inline]
    fn forward_checked(
        layers: &[Layer],
        params: &[f32],
        x: &[f32],
        pre: &mut [f32],
        post: &mut [f32],
    ) -> Result<()> {
        mlp::forward(layers, params, x, pre, post)
    }
}

/// `s` as an array reference of length `N`, or a shape error.
#[inline(always)]
fn array<'a, const N: usize>(what: &'static str, s: &'a [f32]) -> Result<&'a [f32; N]> {
    s.try_into().map_err(|_| Error::ShapeMismatch {
        what,
        expected: N,
        found: s.len(),
    })
}

/// [`array`] for a mutable slice.
#[inline(always)]
fn array_mut<'a, const N: usize>(what: &'static str, s: &'a mut [f32]) -> Result<&'a mut [f32; N]> {
    let found = s.len();
    s.try_into().map_err(|_| Error::ShapeMismatch {
        what,
        expected: N,
        found,
    })
}

/// The walk through the layers: the parameter and unit offsets of the next layer.
struct Cursor<'a> {
    layers: &'a [Layer],
    params: &'a [f32],
    x: &'a [f32],
    pre: &'a mut [f32],
    post: &'a mut [f32],
    l: usize,
    po: usize,
    uo: usize,
}

impl Cursor<'_> {
    /// Layer `l` (`I` inputs, `O` outputs): `pre = W z + b`, `post = h(pre)`, with `z` the input
    /// for the first layer, else the previous layer's `post`.
    #[inline(always)]
    fn layer<const I: usize, const O: usize>(&mut self) -> Result<()> {
        let act: Activation = self
            .layers
            .get(self.l)
            .map_or(Activation::Identity, |l| l.activation);
        let (po, uo) = (self.po, self.uo);
        let params = self
            .params
            .get(po..po + I * O + O)
            .ok_or(Error::ShapeMismatch {
                what: "mlp parameters",
                expected: po + I * O + O,
                found: self.params.len(),
            })?;
        let (w, b) = params.split_at(I * O);
        let units = uo + O;
        if self.pre.len() < units || self.post.len() < units {
            return Err(Error::ShapeMismatch {
                what: "mlp activations",
                expected: units,
                found: self.post.len().min(self.pre.len()),
            });
        }
        let (done, rest) = self.post.split_at_mut(uo);
        let input: &[f32; I] = if self.l == 0 {
            array("mlp input", self.x)?
        } else {
            array("mlp layer input", &done[uo - I..])?
        };
        let a: &mut [f32; O] = array_mut("mlp pre-activations", &mut self.pre[uo..units])?;
        let z: &mut [f32; O] = array_mut("mlp activations", &mut rest[..O])?;
        if !dense::forward_act_asm::<I, O>(w, b, input, act, a, z) {
            dense::forward_fixed::<I, O>(w, b, input, a)?;
            act.forward_fixed(a, z);
        }
        self.l += 1;
        self.po += I * O + O;
        self.uo = units;
        Ok(())
    }
}

/// Calls `Cursor::layer` for each consecutive pair of widths.
macro_rules! chain {
    ($c:ident; $i:ident, $o:ident) => {
        $c.layer::<$i, $o>()?;
    };
    ($c:ident; $i:ident, $o:ident, $($rest:ident),+) => {
        $c.layer::<$i, $o>()?;
        chain!($c; $o, $($rest),+);
    };
}

/// Defines a `Widths` type for a fixed number of layers.
macro_rules! fixed_widths {
    ($(#[$doc:meta])* $name:ident [$w0:ident $(, $w:ident)+]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name<const $w0: usize $(, const $w: usize)+>;

        impl<const $w0: usize $(, const $w: usize)+> Widths for $name<$w0 $(, $w)+> {
            const WIDTHS: Option<&'static [usize]> = Some(&[$w0 $(, $w)+]);

            #[inline]
            fn forward_checked(
                layers: &[Layer],
                params: &[f32],
                x: &[f32],
                pre: &mut [f32],
                post: &mut [f32],
            ) -> Result<()> {
                Self::forward_inline(layers, params, x, pre, post)
            }

            #[inline(always)]
            fn forward_inline(
                layers: &[Layer],
                params: &[f32],
                x: &[f32],
                pre: &mut [f32],
                post: &mut [f32],
            ) -> Result<()> {
                let units = 0 $(+ $w)+;
                check_len("mlp pre-activations", units, pre.len())?;
                check_len("mlp activations", units, post.len())?;
                let mut c = Cursor { layers, params, x, pre, post, l: 0, po: 0, uo: 0 };
                chain!(c; $w0 $(, $w)+);
                check_len("mlp parameters", c.po, params.len())
            }
        }
    };
}

fixed_widths!(
    /// One layer `I0 → I1`.
    W1[I0, I1]
);
fixed_widths!(
    /// Two layers `I0 → I1 → I2`.
    W2[I0, I1, I2]
);
fixed_widths!(
    /// Three layers `I0 → I1 → I2 → I3` (the 1 → 16 → 16 → 1 sine model is `W3<1, 16, 16, 1>`).
    W3[I0, I1, I2, I3]
);
fixed_widths!(
    /// Four layers.
    W4[I0, I1, I2, I3, I4]
);
fixed_widths!(
    /// Five layers.
    W5[I0, I1, I2, I3, I4, I5]
);

/// The [`Widths`] type for the given widths (input first): `W1` … `W5` for 1 to 5 layers,
/// [`Dyn`] beyond. Used by [`mlp_type!`](crate::mlp_type) and friends.
#[doc(hidden)]
#[macro_export]
macro_rules! __widths_type {
    ($a:expr, $b:expr) => {
        $crate::models::fixed::W1<{ $a }, { $b }>
    };
    ($a:expr, $b:expr, $c:expr) => {
        $crate::models::fixed::W2<{ $a }, { $b }, { $c }>
    };
    ($a:expr, $b:expr, $c:expr, $d:expr) => {
        $crate::models::fixed::W3<{ $a }, { $b }, { $c }, { $d }>
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr) => {
        $crate::models::fixed::W4<{ $a }, { $b }, { $c }, { $d }, { $e }>
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr) => {
        $crate::models::fixed::W5<{ $a }, { $b }, { $c }, { $d }, { $e }, { $f }>
    };
    ($($s:expr),+) => {
        $crate::models::fixed::Dyn
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Runs `S::forward` and `mlp::forward` on random parameters and inputs and compares every
    /// pre-activation and activation bit for bit.
    fn same_bits<S: Widths>(acts: &[Activation]) {
        let w = S::WIDTHS.unwrap();
        let layers: [Layer; 8] = core::array::from_fn(|l| Layer {
            n_in: w.get(l).copied().unwrap_or(1),
            n_out: w.get(l + 1).copied().unwrap_or(1),
            activation: acts.get(l).copied().unwrap_or(Activation::Identity),
        });
        let layers = &layers[..w.len() - 1];
        let (p, u) = mlp::check_layers(layers).unwrap();
        let mut rng = Rng::new(7);
        let mut params = [0.0f32; 2048];
        let mut x = [0.0f32; 32];
        for trial in 0..5 {
            rng.fill_normal(&mut params[..p], 0.0, 0.8);
            rng.fill_normal(&mut x, 0.0, 1.0 + trial as f32);
            let x = &x[..w[0]];
            let (mut pre, mut post) = ([0.0f32; 128], [0.0f32; 128]);
            let (mut pre2, mut post2) = ([0.0f32; 128], [0.0f32; 128]);
            S::forward(layers, &params[..p], x, &mut pre[..u], &mut post[..u]).unwrap();
            mlp::forward(layers, &params[..p], x, &mut pre2[..u], &mut post2[..u]).unwrap();
            for i in 0..u {
                assert_eq!(
                    pre[i].to_bits(),
                    pre2[i].to_bits(),
                    "{w:?} {acts:?} pre[{i}]"
                );
                assert_eq!(
                    post[i].to_bits(),
                    post2[i].to_bits(),
                    "{w:?} {acts:?} post[{i}]"
                );
            }
        }
    }

    #[test]
    fn typed_forward_matches_the_slice_math_bit_for_bit() {
        use Activation::*;
        same_bits::<W3<1, 16, 16, 1>>(&[Relu, Relu, Identity]);
        same_bits::<W2<1, 5, 9>>(&[Tanh, Identity]);
        same_bits::<W1<3, 7>>(&[Sigmoid]);
        same_bits::<W2<4, 16, 3>>(&[LeakyRelu(0.01), Identity]);
        same_bits::<W4<2, 8, 7, 9, 2>>(&[Rbf, Tanh, Relu, Sigmoid]);
        same_bits::<W2<20, 6, 1>>(&[Relu, Identity]); // more than 16 inputs: the general loop
        same_bits::<W5<1, 3, 3, 3, 3, 1>>(&[Tanh, Relu, Sigmoid, LeakyRelu(0.2), Identity]);
    }

    #[test]
    fn wrong_widths_and_lengths_are_errors() {
        let layers = [
            Layer {
                n_in: 1,
                n_out: 4,
                activation: Activation::Relu,
            },
            Layer {
                n_in: 4,
                n_out: 1,
                activation: Activation::Identity,
            },
        ];
        let params = [0.5f32; 13];
        let (mut pre, mut post) = ([0.0; 5], [0.0; 5]);
        type Good = W2<1, 4, 1>;
        assert!(Good::forward(&layers, &params, &[1.0], &mut pre, &mut post).is_ok());
        assert_eq!(post[4], 0.5 + 4.0 * 0.5 * 1.0);
        // Widths that do not match the layers, a wrong input, parameter or buffer length.
        assert!(W2::<1, 3, 1>::forward(&layers, &params, &[1.0], &mut pre, &mut post).is_err());
        assert!(W1::<1, 4>::forward(&layers, &params, &[1.0], &mut pre, &mut post).is_err());
        assert!(Good::forward(&layers, &params, &[1.0, 2.0], &mut pre, &mut post).is_err());
        assert!(Good::forward(&layers, &params[..12], &[1.0], &mut pre, &mut post).is_err());
        assert!(Good::forward(&layers, &[0.5; 14], &[1.0], &mut pre, &mut post).is_err());
        assert!(Good::forward(&layers, &params, &[1.0], &mut pre[..4], &mut post).is_err());
        assert!(check_widths::<Good>(&layers).is_ok());
        assert!(check_widths::<W2<1, 4, 2>>(&layers).is_err());
        assert!(check_widths::<Dyn>(&layers).is_ok());
    }
}
