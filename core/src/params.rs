//! The [`Parameters`] trait: a model's trainable parameters and their gradients as flat slices.
//!
//! Optimizers, gradient clipping, gradient checking and the weight files all work on these flat
//! slices. Each model documents the **order** of its parameters; that order is the order of the
//! tensors in its weight files (safetensors on the host, the device blob), so a flat slice can be
//! copied between host and device without reshuffling.

/// A model whose parameters and gradients are flat `f32` slices of equal length.
pub trait Parameters {
    /// The parameters, in the model's documented order.
    fn params(&self) -> &[f32];
    /// The parameters, mutable.
    fn params_mut(&mut self) -> &mut [f32];
    /// The accumulated gradients, in the same order as [`params`](Parameters::params).
    fn grads(&self) -> &[f32];
    /// Parameters and gradients at once, for an optimizer step.
    fn params_and_grads_mut(&mut self) -> (&mut [f32], &mut [f32]);

    /// Number of parameters.
    fn param_count(&self) -> usize {
        self.params().len()
    }

    /// Sets every gradient to zero (call before accumulating a new batch).
    fn zero_grads(&mut self) {
        self.params_and_grads_mut().1.fill(0.0);
    }

    /// Multiplies every gradient by `s` (e.g. `1 / batch` to average an accumulated batch).
    fn scale_grads(&mut self, s: f32) {
        for g in self.params_and_grads_mut().1.iter_mut() {
            *g *= s;
        }
    }
}
