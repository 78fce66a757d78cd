//! Losses with their gradients with respect to the network output.
//!
//! Classification losses take **logits** (pre-activations of the output layer) and fold the
//! output nonlinearity into the loss, which is both cheaper and numerically stable: the gradient
//! with respect to the logits is `y − t` in both cases (SPEC §1).

use crate::error::{check_finite, check_len, Error, Result};
use crate::kernels::softmax;
use crate::math;

/// The loss a model is trained with, and the output nonlinearity it implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Loss {
    /// Mean squared error over the outputs; the output is used as is (regression).
    Mse,
    /// Binary cross-entropy on logistic outputs, one independent probability per output.
    BinaryCrossEntropy,
    /// Softmax cross-entropy (categorical negative log-likelihood) over the outputs.
    SoftmaxCrossEntropy,
}

impl Loss {
    /// Loss value for one sample and its gradient with respect to `output` (the logits for the
    /// classification losses). `target` has the output's length: values for MSE, probabilities
    /// in `[0, 1]` for BCE, a probability vector (usually one-hot) for softmax CE.
    pub fn value_and_grad(self, output: &[f32], target: &[f32], grad: &mut [f32]) -> Result<f32> {
        match self {
            Loss::Mse => mse(output, target, grad),
            Loss::BinaryCrossEntropy => bce_with_logits(output, target, grad),
            Loss::SoftmaxCrossEntropy => softmax_cross_entropy(output, target, grad),
        }
    }

    /// Maps logits to the model's prediction in place: identity for MSE, sigmoid for BCE,
    /// softmax for softmax CE.
    pub fn link(self, output: &mut [f32]) {
        match self {
            Loss::Mse => {}
            Loss::BinaryCrossEntropy => {
                for v in output.iter_mut() {
                    *v = math::sigmoid(*v);
                }
            }
            Loss::SoftmaxCrossEntropy => {
                let m = output.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut s = 0.0;
                for v in output.iter_mut() {
                    *v = math::exp(*v - m);
                    s += *v;
                }
                for v in output.iter_mut() {
                    *v /= s;
                }
            }
        }
    }

    /// Stable numeric id (device format): 0 MSE, 1 BCE, 2 softmax CE.
    pub fn id(self) -> u8 {
        match self {
            Loss::Mse => 0,
            Loss::BinaryCrossEntropy => 1,
            Loss::SoftmaxCrossEntropy => 2,
        }
    }

    /// Inverse of [`Loss::id`].
    pub fn from_id(id: u8) -> Result<Loss> {
        match id {
            0 => Ok(Loss::Mse),
            1 => Ok(Loss::BinaryCrossEntropy),
            2 => Ok(Loss::SoftmaxCrossEntropy),
            _ => Err(Error::OutOfRange {
                what: "loss id",
                index: id as usize,
                len: 3,
            }),
        }
    }
}

/// Mean squared error `E = (1/n) Σ_i (y_i − t_i)²`, `∂E/∂y_i = 2 (y_i − t_i) / n`.
pub fn mse(y: &[f32], t: &[f32], grad: &mut [f32]) -> Result<f32> {
    let n = y.len();
    check_len("loss target", n, t.len())?;
    check_len("loss gradient", n, grad.len())?;
    check_finite("loss target", t)?;
    if n == 0 {
        return Ok(0.0);
    }
    let inv = 1.0 / n as f32;
    let mut e = 0.0f32;
    for i in 0..n {
        let d = y[i] - t[i];
        e += d * d;
        grad[i] = 2.0 * d * inv;
    }
    Ok(e * inv)
}

/// Binary cross-entropy from logits `a`: `E = Σ_i [softplus(a_i) − t_i a_i]`
/// (`= −t ln σ(a) − (1−t) ln(1−σ(a))`), `∂E/∂a_i = σ(a_i) − t_i`. Finite for any finite `a`.
pub fn bce_with_logits(a: &[f32], t: &[f32], grad: &mut [f32]) -> Result<f32> {
    let n = a.len();
    check_len("loss target", n, t.len())?;
    check_len("loss gradient", n, grad.len())?;
    check_finite("loss target", t)?;
    let mut e = 0.0f32;
    for i in 0..n {
        e += math::softplus(a[i]) - t[i] * a[i];
        grad[i] = math::sigmoid(a[i]) - t[i];
    }
    Ok(e)
}

/// Softmax cross-entropy from logits `a` against a target distribution `t` (one-hot for a
/// class label): `E = −Σ_i t_i ln softmax(a)_i = Σ_i t_i (lse(a) − a_i)`,
/// `∂E/∂a_i = softmax(a)_i · Σ t − t_i` (`= y − t` when `t` sums to one).
pub fn softmax_cross_entropy(a: &[f32], t: &[f32], grad: &mut [f32]) -> Result<f32> {
    let n = a.len();
    check_len("loss target", n, t.len())?;
    check_len("loss gradient", n, grad.len())?;
    check_finite("loss target", t)?;
    // lse − a_i = (m − a_i) + r, summed without cancelling m against a_i.
    let (m, r) = softmax::max_and_log_rest(a);
    let lse = m + r;
    let mut e = 0.0f32;
    let mut tsum = 0.0f32;
    for i in 0..n {
        if t[i] != 0.0 {
            e += t[i] * ((m - a[i]) + r);
        }
        tsum += t[i];
    }
    for i in 0..n {
        grad[i] = math::exp(a[i] - lse) * tsum - t[i];
    }
    Ok(e)
}

/// Softmax cross-entropy against a class index: `E = lse(a) − a_class`,
/// `∂E/∂a = softmax(a) − onehot(class)`. Out-of-range class → [`Error::OutOfRange`].
pub fn softmax_cross_entropy_index(a: &[f32], class: usize, grad: &mut [f32]) -> Result<f32> {
    let n = a.len();
    check_len("loss gradient", n, grad.len())?;
    if class >= n {
        return Err(Error::OutOfRange {
            what: "class",
            index: class,
            len: n,
        });
    }
    let (m, r) = softmax::max_and_log_rest(a);
    let lse = m + r;
    for i in 0..n {
        grad[i] = math::exp(a[i] - lse);
    }
    grad[class] -= 1.0;
    Ok((m - a[class]) + r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(feature = "micromath"))]
    fn check_loss(loss: Loss, a: &[f32; 3], t: &[f32; 3]) {
        let mut a = *a;
        let mut g = [0.0f32; 3];
        loss.value_and_grad(&a, t, &mut g).unwrap();
        let mut scratch = [0.0f32; 3];
        let r = crate::gradcheck::check(&mut a, &g, 1e-2, |a| {
            loss.value_and_grad(a, t, &mut scratch).unwrap()
        });
        assert!(r.max_rel_error < 1e-3, "{loss:?}: {r:?}");
    }

    // Pins libm-exact values; with `micromath` the approximations are pinned by
    // `math::tests::micromath_accuracy` instead.
    #[cfg(not(feature = "micromath"))]
    #[test]
    fn gradients_match_finite_differences() {
        let a = [0.3f32, -1.2, 2.0];
        check_loss(Loss::Mse, &a, &[1.0, 0.5, -2.0]);
        check_loss(Loss::BinaryCrossEntropy, &a, &[1.0, 0.0, 0.3]);
        check_loss(Loss::SoftmaxCrossEntropy, &a, &[0.0, 1.0, 0.0]);
        check_loss(Loss::SoftmaxCrossEntropy, &a, &[0.2, 0.5, 0.3]);
    }

    // Pins libm-exact values; with `micromath` the approximations are pinned by
    // `math::tests::micromath_accuracy` instead.
    #[cfg(not(feature = "micromath"))]
    #[test]
    fn known_values() {
        let mut g = [0.0f32; 2];
        // MSE of [1,3] vs [0,0] = (1+9)/2 = 5.
        assert_eq!(mse(&[1.0, 3.0], &[0.0, 0.0], &mut g).unwrap(), 5.0);
        assert_eq!(g, [1.0, 3.0]);
        // BCE at logit 0 = ln 2.
        let mut g1 = [0.0f32; 1];
        let e = bce_with_logits(&[0.0], &[1.0], &mut g1).unwrap();
        assert!((e - core::f32::consts::LN_2).abs() < 1e-6);
        assert!((g1[0] + 0.5).abs() < 1e-7);
        // Softmax CE of equal logits = ln n.
        let mut g3 = [0.0f32; 3];
        let e = softmax_cross_entropy_index(&[0.5, 0.5, 0.5], 2, &mut g3).unwrap();
        assert!((e - libm::logf(3.0)).abs() < 1e-6);
        assert!((g3[2] + 2.0 / 3.0).abs() < 1e-6);
        assert!(softmax_cross_entropy_index(&[0.5; 3], 3, &mut g3).is_err());
    }

    #[test]
    fn finite_for_huge_logits() {
        let mut g = [0.0f32; 3];
        for a in [[1e4f32, -1e4, 0.0], [-1e4, -1e4, -1e4]] {
            for loss in [
                Loss::Mse,
                Loss::BinaryCrossEntropy,
                Loss::SoftmaxCrossEntropy,
            ] {
                let e = loss.value_and_grad(&a, &[0.0, 1.0, 0.0], &mut g).unwrap();
                assert!(
                    e.is_finite() && g.iter().all(|v| v.is_finite()),
                    "{loss:?} {a:?}"
                );
            }
        }
        assert!(mse(&[0.0], &[f32::NAN], &mut g[..1]).is_err());
    }
}
