//! Activation functions and their derivatives.
//!
//! Derivatives are computed from the pre-activation `a` and the output `z = h(a)` together, so
//! the cheap forms (`σ(1−σ)`, `1−tanh²`, `−2aφ`) reuse the forward value. Every function is finite
//! for every finite input (tested for |a| up to 1e4).

use crate::error::{check_len, Error, Result};
use crate::math;

/// An elementwise activation `z = h(a)`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// `h(a) = a`.
    Identity,
    /// Logistic sigmoid `h(a) = 1 / (1 + e^{−a})`.
    Sigmoid,
    /// `h(a) = tanh(a)`.
    Tanh,
    /// `h(a) = max(0, a)` (derivative 0 at `a = 0`; a NaN input stays NaN).
    Relu,
    /// `h(a) = a` for `a > 0`, else `slope · a`.
    LeakyRelu(f32),
    /// Gaussian radial basis `φ(a) = e^{−a²}`, `φ'(a) = −2aφ(a)` (seed 002).
    Rbf,
}

/// `max(0, a)` on the bits: a negative sign (−0.0 included) gives `+0.0`, anything else is
/// kept. Equal to `if a > 0.0 { a } else { 0.0 }` for every non-NaN `a` (a NaN propagates), and
/// four integer instructions on a Cortex-M instead of an FPU compare and a flag transfer.
#[inline(always)]
fn relu(a: f32) -> f32 {
    let bits = a.to_bits();
    let negative = ((bits as i32) >> 31) as u32; // all ones if the sign bit is set
    f32::from_bits(bits & !negative)
}

impl Activation {
    /// Every activation, with LeakyReLU at slope 0.01 (for tests and CLI listings).
    pub const ALL: [Activation; 6] = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu(0.01),
        Activation::Rbf,
    ];

    /// `h(a)`.
    #[inline]
    pub fn apply(self, a: f32) -> f32 {
        match self {
            Activation::Identity => a,
            Activation::Sigmoid => math::sigmoid(a),
            Activation::Tanh => math::tanh(a),
            Activation::Relu => relu(a),
            Activation::LeakyRelu(s) => {
                if a > 0.0 {
                    a
                } else {
                    s * a
                }
            }
            Activation::Rbf => {
                // e^{-a²} underflows to 0 for |a| > ~10; avoid a² overflow for huge |a|.
                if a.abs() > 20.0 {
                    0.0
                } else {
                    math::exp(-a * a)
                }
            }
        }
    }

    /// `h'(a)`, given `a` and `z = h(a)`.
    #[inline]
    pub fn derivative(self, a: f32, z: f32) -> f32 {
        match self {
            Activation::Identity => 1.0,
            Activation::Sigmoid => z * (1.0 - z),
            Activation::Tanh => 1.0 - z * z,
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu(s) => {
                if a > 0.0 {
                    1.0
                } else {
                    s
                }
            }
            Activation::Rbf => {
                if z == 0.0 {
                    0.0
                } else {
                    -2.0 * a * z
                }
            }
        }
    }

    /// `z[i] = h(a[i])` for every `i`.
    #[inline(never)]
    pub fn forward(self, a: &[f32], z: &mut [f32]) -> Result<()> {
        check_len("activation output", a.len(), z.len())?;
        // One loop per kind, so the cheap ones (identity, ReLU) run without a dispatch per
        // element; same values as `apply`.
        match self {
            Activation::Identity => {
                if let ([z0], [a0]) = (&mut *z, a) {
                    // A single output (regression): a move, not a 38-instruction memcpy call.
                    *z0 = *a0;
                } else {
                    z.copy_from_slice(a);
                }
            }
            Activation::Relu => {
                for (zi, &ai) in z.iter_mut().zip(a) {
                    *zi = relu(ai);
                }
            }
            _ => self.forward_slow(a, z),
        }
        Ok(())
    }

    /// [`forward`](Self::forward) for a width `N` known at compile time (the typed executors,
    /// [`models::fixed`](crate::models::fixed)): the same values, inlined, no length check.
    #[inline(always)]
    pub fn forward_fixed<const N: usize>(self, a: &[f32; N], z: &mut [f32; N]) {
        match self {
            Activation::Identity => *z = *a,
            Activation::Relu => {
                for (zi, &ai) in z.iter_mut().zip(a) {
                    *zi = relu(ai);
                }
            }
            // With `fastexp` on the Cortex-M4F: inline, in assembly (`kernels/m4f.rs`), the
            // same bits as `math::tanh`. (Elsewhere an inline loop saves the MDN 3 instructions
            // and costs the ReLU sine MLP's run-time dispatch 6, so it stays `forward_slow`.)
            #[cfg(all(
                feature = "fastexp",
                not(feature = "micromath"),
                target_arch = "arm",
                target_abi = "eabihf"
            ))]
            Activation::Tanh => super::m4f::tanh_slice(a, z),
            _ => self.forward_slow(a, z),
        }
    }

    /// [`forward`](Self::forward) for the activations that call `exp`/`tanh` or take a slope
    /// (lengths checked): a function of its own, so identity and ReLU do not pay its
    /// floating-point register saves. The callers handle identity and ReLU themselves, so they
    /// are no-ops here — a copy loop would be turned into a `memcpy` call, linking ≈ 0.9 KB of
    /// `memcpy` into every firmware binary for nothing.
    #[inline(never)]
    fn forward_slow(self, a: &[f32], z: &mut [f32]) {
        // The kind is matched once, outside the loops (same values as `apply`).
        match self {
            Activation::Tanh => {
                for (zi, &ai) in z.iter_mut().zip(a) {
                    *zi = math::tanh(ai);
                }
            }
            Activation::Sigmoid => {
                for (zi, &ai) in z.iter_mut().zip(a) {
                    *zi = math::sigmoid(ai);
                }
            }
            Activation::LeakyRelu(_) | Activation::Rbf => {
                for (zi, &ai) in z.iter_mut().zip(a) {
                    *zi = self.apply(ai);
                }
            }
            Activation::Identity | Activation::Relu => {}
        }
    }

    /// Applies `h` in place.
    pub fn forward_in_place(self, x: &mut [f32]) {
        for v in x {
            *v = self.apply(*v);
        }
    }

    /// Chain rule through the activation: `grad_a[i] = grad_z[i] · h'(a[i])`.
    pub fn backward(self, a: &[f32], z: &[f32], grad_z: &[f32], grad_a: &mut [f32]) -> Result<()> {
        let n = a.len();
        check_len("activation output", n, z.len())?;
        check_len("activation output gradient", n, grad_z.len())?;
        check_len("activation input gradient", n, grad_a.len())?;
        for i in 0..n {
            grad_a[i] = grad_z[i] * self.derivative(a[i], z[i]);
        }
        Ok(())
    }

    /// A stable numeric id, used by the device weight format: 0 identity, 1 sigmoid, 2 tanh,
    /// 3 ReLU, 4 LeakyReLU, 5 RBF. (LeakyReLU's slope is stored separately.)
    pub fn id(self) -> u8 {
        match self {
            Activation::Identity => 0,
            Activation::Sigmoid => 1,
            Activation::Tanh => 2,
            Activation::Relu => 3,
            Activation::LeakyRelu(_) => 4,
            Activation::Rbf => 5,
        }
    }

    /// Inverse of [`Activation::id`]; `slope` is used for LeakyReLU only.
    pub fn from_id(id: u8, slope: f32) -> Result<Activation> {
        Ok(match id {
            0 => Activation::Identity,
            1 => Activation::Sigmoid,
            2 => Activation::Tanh,
            3 => Activation::Relu,
            4 => Activation::LeakyRelu(slope),
            5 => Activation::Rbf,
            _ => {
                return Err(Error::OutOfRange {
                    what: "activation id",
                    index: id as usize,
                    len: 6,
                })
            }
        })
    }

    /// The lowercase name used on the command line and in model files (`"identity"`,
    /// `"sigmoid"`, `"tanh"`, `"relu"`, `"leaky_relu"`, `"rbf"`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leaky_relu",
            Activation::Rbf => "rbf",
        }
    }

    /// Parses a [`name`](Activation::name) (also `"linear"` for identity, `"leakyrelu"`);
    /// LeakyReLU gets slope 0.01.
    pub fn from_name(name: &str) -> Result<Activation> {
        Ok(match name {
            "identity" | "linear" => Activation::Identity,
            "sigmoid" | "logistic" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "relu" => Activation::Relu,
            "leaky_relu" | "leakyrelu" => Activation::LeakyRelu(0.01),
            "rbf" | "gaussian" => Activation::Rbf,
            _ => {
                return Err(Error::InvalidArgument {
                    what: "unknown activation (identity, sigmoid, tanh, relu, leaky_relu, rbf)",
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pins libm-exact values; with `micromath` the approximations are pinned by
    // `math::tests::micromath_accuracy` instead.
    #[cfg(not(feature = "micromath"))]
    #[test]
    fn derivatives_match_finite_differences() {
        for act in Activation::ALL {
            let mut x = -3.0f32;
            while x <= 3.0 {
                if matches!(act, Activation::Relu | Activation::LeakyRelu(_)) && x.abs() < 0.02 {
                    x += 0.1;
                    continue;
                }
                let eps = 1e-2f32;
                let fd = ((act.apply(x + eps) as f64 - act.apply(x - eps) as f64)
                    / (2.0 * eps as f64)) as f32;
                let an = act.derivative(x, act.apply(x));
                let err = (fd - an).abs() / fd.abs().max(an.abs()).max(1e-2);
                assert!(err < 1e-3, "{act:?} at {x}: fd {fd} analytic {an}");
                x += 0.1;
            }
        }
    }

    #[test]
    fn finite_for_huge_inputs() {
        for act in Activation::ALL {
            for &a in &[-1e4f32, -1e3, 1e3, 1e4, f32::MAX, f32::MIN] {
                let z = act.apply(a);
                assert!(z.is_finite(), "{act:?}({a}) = {z}");
                assert!(act.derivative(a, z).is_finite(), "{act:?}'({a})");
            }
        }
    }

    #[test]
    fn relu_on_bits_is_max_zero() {
        for a in [
            -3.5f32,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            2.25,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
        ] {
            let want = if a > 0.0 { a } else { 0.0 };
            assert_eq!(Activation::Relu.apply(a).to_bits(), want.to_bits(), "{a}");
            let mut z = [1.0];
            Activation::Relu.forward(&[a], &mut z).unwrap();
            assert_eq!(z[0].to_bits(), want.to_bits());
        }
        assert_eq!(Activation::Relu.apply(f32::NEG_INFINITY), 0.0);
    }

    #[test]
    fn names_and_ids_round_trip() {
        for act in Activation::ALL {
            assert_eq!(Activation::from_name(act.name()).unwrap(), act);
            assert_eq!(Activation::from_id(act.id(), 0.01).unwrap(), act);
        }
        assert!(Activation::from_name("swish").is_err());
        assert!(Activation::from_id(9, 0.0).is_err());
    }

    #[test]
    fn slice_forms_check_lengths() {
        let mut z = [0.0; 2];
        assert!(Activation::Tanh.forward(&[1.0, 2.0, 3.0], &mut z).is_err());
        let mut g = [0.0; 3];
        assert!(Activation::Tanh
            .backward(&[1.0; 3], &[1.0; 3], &[1.0; 2], &mut g)
            .is_err());
    }
}
