//! The batched MLP (forward, backward) and the MLP and MDN training steps, written once over
//! [`Backend`]. One sample per row: inputs `X` are `B × n_in`, and for layer `l` the
//! pre-activations `A_l = Z_{l−1} W_lᵀ + 1 b_lᵀ` and outputs `Z_l = h_l(A_l)` are `B × n_l`.
//! Parameters and gradients are flat buffers in core's order (per layer `W` row-major
//! `n_out × n_in`, then `b`), so the gradient is one contiguous buffer (what an all-reduce
//! needs, see the [module docs](super)).
//!
//! This is the host's only batched MLP pass: training runs [`Net::mlp_step`] /
//! [`Net::mdn_grad`], and inference (`predict`, `eval`, the MDN queries) runs
//! [`Net::for_inference`] + [`Net::outputs`] on the CPU backend — the same products and
//! core's activation functions, so a model's outputs are the same whichever path computed them.

use embedml::kernels::loss::Loss;
use embedml::models::mdn::Head;
use embedml::models::mlp::{check_layers, Layer};
use embedml::optim::{AnyOptimizer, Optimizer};

use super::{Backend, Gemm};
use crate::error::{HostError, Result};

/// Every buffer of a training run, allocated once for batches of up to `batch_cap` rows.
pub struct Net<B: Backend> {
    layers: Vec<Layer>,
    /// Parameter offset of each layer.
    offsets: Vec<usize>,
    p: usize,
    batch_cap: usize,
    t_width: usize,
    /// Parameters (core's order).
    pub params: B::Buf,
    /// Summed (then averaged) gradients, same layout as `params`.
    pub grads: B::Buf,
    /// Optimizer state (core's layout for the optimizer).
    pub state: B::Buf,
    pre: Vec<B::Buf>,
    post: Vec<B::Buf>,
    delta: Vec<B::Buf>,
    /// The batch's inputs (`batch × n_in`).
    pub xb: B::Buf,
    /// The batch's targets (`batch × t_width`).
    pub tb: B::Buf,
    rows: usize,
}

impl<B: Backend> Net<B> {
    /// Buffers for `layers` with initial parameters `params`, `state_len` values of optimizer
    /// state (zeroed), batches of up to `batch_cap` rows and targets `t_width` wide.
    pub fn new(
        be: &mut B,
        layers: &[Layer],
        params: &[f32],
        state_len: usize,
        batch_cap: usize,
        t_width: usize,
    ) -> Result<Self> {
        Self::build(be, layers, params, state_len, batch_cap, t_width, true)
    }

    /// Buffers for forward passes only ([`Net::forward`], [`Net::outputs`]) of up to
    /// `batch_cap` rows: no gradient, optimizer-state, delta or target buffers, so
    /// [`Net::backward`], the losses and the steps return an error.
    pub fn for_inference(
        be: &mut B,
        layers: &[Layer],
        params: &[f32],
        batch_cap: usize,
    ) -> Result<Self> {
        Self::build(be, layers, params, 0, batch_cap, 0, false)
    }

    fn build(
        be: &mut B,
        layers: &[Layer],
        params: &[f32],
        state_len: usize,
        batch_cap: usize,
        t_width: usize,
        train: bool,
    ) -> Result<Self> {
        let (p, _) = check_layers(layers)?;
        embedml::error::check_len("mlp parameters", p, params.len())?;
        if batch_cap == 0 {
            return Err(HostError::Usage("--batch must be at least 1".into()));
        }
        let mut offsets = Vec::with_capacity(layers.len());
        let mut po = 0;
        for l in layers {
            offsets.push(po);
            po += l.param_count();
        }
        let mut pbuf = be.alloc(p)?;
        be.upload(params, &mut pbuf)?;
        let mut bufs = |used: bool| -> Result<Vec<B::Buf>> {
            layers
                .iter()
                .map(|l| be.alloc(if used { batch_cap * l.n_out } else { 0 }))
                .collect()
        };
        let pre = bufs(true)?;
        let post = bufs(true)?;
        let delta = bufs(train)?;
        Ok(Net {
            layers: layers.to_vec(),
            offsets,
            p,
            batch_cap,
            t_width,
            grads: be.alloc(if train { p } else { 0 })?,
            state: be.alloc(state_len)?,
            xb: be.alloc(batch_cap * layers[0].n_in)?,
            tb: be.alloc(batch_cap * t_width)?,
            params: pbuf,
            pre,
            post,
            delta,
            rows: 0,
        })
    }

    /// Parameter count.
    pub fn param_count(&self) -> usize {
        self.p
    }

    /// The parameters, downloaded.
    pub fn read_params(&self, be: &mut B, out: &mut [f32]) -> Result<()> {
        embedml::error::check_len("mlp parameters", self.p, out.len())?;
        be.download(&self.params, out)
    }

    /// The gradient buffer, downloaded.
    pub fn read_grads(&self, be: &mut B, out: &mut [f32]) -> Result<()> {
        embedml::error::check_len("mlp gradients", self.p, out.len())?;
        be.download(&self.grads, out)
    }

    /// The network outputs of the last [`Net::forward`] (`rows × n_out`), downloaded.
    pub fn read_output(&self, be: &mut B, out: &mut [f32]) -> Result<()> {
        let n = self.rows * self.layers[self.layers.len() - 1].n_out;
        embedml::error::check_len("mlp outputs", n, out.len())?;
        be.download(&self.post[self.layers.len() - 1], out)
    }

    /// The network outputs for every row of `x` (`n × n_in`, row-major), computed by forward
    /// passes over consecutive chunks of up to `batch_cap` rows (`n × n_out`, row-major).
    pub fn outputs(&mut self, be: &mut B, x: &[f32]) -> Result<Vec<f32>> {
        let n_in = self.layers[0].n_in;
        let n_out = self.layers[self.layers.len() - 1].n_out;
        let n = x.len() / n_in;
        embedml::error::check_len("mlp batch input", n * n_in, x.len())?;
        let mut out = vec![0.0f32; n * n_out];
        for (xc, oc) in x
            .chunks(self.batch_cap * n_in)
            .zip(out.chunks_mut(self.batch_cap * n_out))
        {
            be.upload(xc, &mut self.xb)?;
            self.forward(be, xc.len() / n_in)?;
            self.read_output(be, oc)?;
        }
        Ok(out)
    }

    /// Sets the output delta `∂E/∂Z_L` of the last forward pass (`rows × n_out`) from the
    /// host, for [`Net::backward`] from an arbitrary output gradient.
    pub fn set_output_grad(&mut self, be: &mut B, grad: &[f32]) -> Result<()> {
        let last = self.layers.len() - 1;
        embedml::error::check_len(
            "mlp output gradient",
            self.rows * self.layers[last].n_out,
            grad.len(),
        )?;
        be.upload(grad, &mut self.delta[last])
    }

    /// Gathers rows `idx` of the training set into the batch buffers.
    pub fn load_batch(
        &mut self,
        be: &mut B,
        data: &B::Data,
        x: &[f32],
        t: &[f32],
        idx: &[usize],
    ) -> Result<()> {
        self.check_rows(idx.len())?;
        be.load_batch(data, x, t, idx, &mut self.xb, &mut self.tb)
    }

    /// Copies a batch given as host arrays (`rows × n_in`, `rows × t_width`).
    pub fn upload_batch(&mut self, be: &mut B, x: &[f32], t: &[f32]) -> Result<usize> {
        let rows = x.len() / self.layers[0].n_in;
        self.check_rows(rows)?;
        embedml::error::check_len("batch input", rows * self.layers[0].n_in, x.len())?;
        embedml::error::check_len("batch target", rows * self.t_width, t.len())?;
        be.upload(x, &mut self.xb)?;
        be.upload(t, &mut self.tb)?;
        Ok(rows)
    }

    fn check_rows(&self, rows: usize) -> Result<()> {
        if rows == 0 || rows > self.batch_cap {
            return Err(HostError::Usage(format!(
                "a batch of {rows} rows does not fit the buffers for {}",
                self.batch_cap
            )));
        }
        Ok(())
    }

    /// Forward pass on the first `rows` rows of the batch buffers.
    pub fn forward(&mut self, be: &mut B, rows: usize) -> Result<()> {
        self.check_rows(rows)?;
        self.rows = rows;
        for l in 0..self.layers.len() {
            let Layer {
                n_in,
                n_out,
                activation,
            } = self.layers[l];
            let po = self.offsets[l];
            // A = Z · Wᵀ (W is n_out × n_in row-major).
            let g = Gemm {
                m: rows,
                n: n_out,
                k: n_in,
                alpha: 1.0,
                beta: 0.0,
                a_off: 0,
                a_t: false,
                b_off: po,
                b_t: true,
                c_off: 0,
            };
            let (done, rest) = self.post.split_at_mut(l);
            let input = if l == 0 { &self.xb } else { &done[l - 1] };
            be.gemm(g, input, &self.params, &mut self.pre[l])?;
            be.bias_act_forward(
                activation,
                &self.params,
                po + n_in * n_out,
                rows,
                n_out,
                &mut self.pre[l],
                &mut rest[0],
            )?;
        }
        Ok(())
    }

    /// Backpropagation after [`Net::forward`], with `∂E/∂Z_L` already in the output delta (by
    /// [`Net::mlp_loss`] or [`Net::mdn_loss`]): gradients **accumulated** into `grads`.
    pub fn backward(&mut self, be: &mut B) -> Result<()> {
        let rows = self.rows;
        for l in (0..self.layers.len()).rev() {
            let Layer {
                n_in,
                n_out,
                activation,
            } = self.layers[l];
            let po = self.offsets[l];
            // δ_l = ∂E/∂Z_l ⊙ h_l'(A_l)
            be.act_backward(
                activation,
                &self.pre[l],
                &self.post[l],
                rows * n_out,
                &mut self.delta[l],
            )?;
            let input = if l == 0 { &self.xb } else { &self.post[l - 1] };
            // ∂E/∂W += δᵀ · Z_{l−1}   (n_out × B · B × n_in)
            let gw = Gemm {
                m: n_out,
                n: n_in,
                k: rows,
                alpha: 1.0,
                beta: 1.0,
                a_off: 0,
                a_t: true,
                b_off: 0,
                b_t: false,
                c_off: po,
            };
            be.gemm(gw, &self.delta[l], input, &mut self.grads)?;
            be.bias_grad(
                &self.delta[l],
                rows,
                n_out,
                &mut self.grads,
                po + n_in * n_out,
            )?;
            if l > 0 {
                // ∂E/∂Z_{l−1} = δ · W   (B × n_out · n_out × n_in)
                let gz = Gemm {
                    m: rows,
                    n: n_in,
                    k: n_out,
                    alpha: 1.0,
                    beta: 0.0,
                    a_off: 0,
                    a_t: false,
                    b_off: po,
                    b_t: false,
                    c_off: 0,
                };
                let (before, here) = self.delta.split_at_mut(l);
                be.gemm(gz, &here[0], &self.params, &mut before[l - 1])?;
            }
        }
        Ok(())
    }

    /// Core's loss on the outputs of the last forward pass against the batch targets: the
    /// gradient goes to the output delta, the summed loss to the backend's accumulator.
    pub fn mlp_loss(&mut self, be: &mut B, loss: Loss) -> Result<()> {
        let last = self.layers.len() - 1;
        let n_out = self.layers[last].n_out;
        be.loss_rows(
            loss,
            &self.post[last],
            &self.tb,
            self.rows,
            n_out,
            &mut self.delta[last],
        )
    }

    /// The MDN head on the outputs of the last forward pass against the batch targets: the
    /// gradient times `grad_scale` goes to the output delta, the summed NLL to the accumulator.
    pub fn mdn_loss(&mut self, be: &mut B, head: &Head, grad_scale: f32) -> Result<()> {
        let last = self.layers.len() - 1;
        be.mdn_head(
            head,
            &self.post[last],
            &self.tb,
            self.rows,
            &mut self.delta[last],
            grad_scale,
        )
    }

    /// One MLP training step on the batch buffers' first `rows` rows: zero the gradient,
    /// forward, loss, backward, average (`1/rows`), optimizer step. Same order of operations
    /// (and so the same rounding on the CPU) as core's per-sample training summed over rows.
    pub fn mlp_step(
        &mut self,
        be: &mut B,
        loss: Loss,
        rows: usize,
        opt: &mut AnyOptimizer,
    ) -> Result<()> {
        be.zero(&mut self.grads, self.p)?;
        self.forward(be, rows)?;
        self.mlp_loss(be, loss)?;
        self.backward(be)?;
        be.scale(&mut self.grads, self.p, 1.0 / rows as f32)?;
        be.optimizer_step(opt, &mut self.params, &self.grads, &mut self.state, self.p)
    }

    /// The gradient of the mean MDN NLL over the batch (output gradients scaled by `1/rows`
    /// before backpropagation), left in `grads`.
    pub fn mdn_grad(&mut self, be: &mut B, head: &Head, rows: usize) -> Result<()> {
        be.zero(&mut self.grads, self.p)?;
        self.forward(be, rows)?;
        self.mdn_loss(be, head, 1.0 / rows as f32)?;
        self.backward(be)
    }

    /// The optimizer step on the current gradient.
    pub fn step(&mut self, be: &mut B, opt: &mut AnyOptimizer) -> Result<()> {
        be.optimizer_step(opt, &mut self.params, &self.grads, &mut self.state, self.p)
    }

    /// Optimizer state length for `opt` over this network.
    pub fn state_len(opt: &AnyOptimizer, layers: &[Layer]) -> Result<usize> {
        let (p, _) = check_layers(layers)?;
        Ok(opt.state_len(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::CpuBackend;
    use embedml::optim::Adam;
    use embedml::{Activation, Rng};

    fn layers() -> Vec<Layer> {
        vec![
            Layer {
                n_in: 3,
                n_out: 5,
                activation: Activation::Tanh,
            },
            Layer {
                n_in: 5,
                n_out: 4,
                activation: Activation::Relu,
            },
            Layer {
                n_in: 4,
                n_out: 2,
                activation: Activation::Identity,
            },
        ]
    }

    /// The generic network on the CPU backend gives the gradients of core's per-sample
    /// `mlp::backward` summed over the batch.
    #[test]
    fn cpu_net_gradient_equals_core_per_sample_sum() {
        let layers = layers();
        let (p, u) = check_layers(&layers).unwrap();
        let mut rng = Rng::new(5);
        let mut params = vec![0.0f32; p];
        rng.fill_normal(&mut params, 0.0, 0.5);
        let rows = 7;
        let mut x = vec![0.0f32; rows * 3];
        rng.fill_normal(&mut x, 0.0, 1.0);
        let mut t = vec![0.0f32; rows * 2];
        rng.fill_normal(&mut t, 0.0, 1.0);
        let mut be = CpuBackend::new();
        let mut net = Net::new(&mut be, &layers, &params, 0, 8, 2).unwrap();
        net.upload_batch(&mut be, &x, &t).unwrap();
        be.zero(&mut net.grads, p).unwrap();
        net.forward(&mut be, rows).unwrap();
        net.mlp_loss(&mut be, Loss::Mse).unwrap();
        net.backward(&mut be).unwrap();
        let mut got = vec![0.0f32; p];
        net.read_grads(&mut be, &mut got).unwrap();
        let total = be.take_loss().unwrap();
        // Core, one sample at a time.
        let mut want = vec![0.0f32; p];
        let (mut pre, mut post, mut delta) = (vec![0.0; u], vec![0.0; u], vec![0.0; u]);
        let mut want_loss = 0.0f64;
        for r in 0..rows {
            let xr = &x[r * 3..r * 3 + 3];
            embedml::models::mlp::forward(&layers, &params, xr, &mut pre, &mut post).unwrap();
            let mut g = [0.0f32; 2];
            want_loss += Loss::Mse
                .value_and_grad(&post[u - 2..], &t[r * 2..r * 2 + 2], &mut g)
                .unwrap() as f64;
            embedml::models::mlp::backward(
                &layers, &params, xr, &pre, &post, &g, &mut want, &mut delta, None,
            )
            .unwrap();
        }
        for (i, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "grad {i}: {a} vs {b}"
            );
        }
        assert!((total - want_loss).abs() < 1e-5, "{total} vs {want_loss}");
    }

    /// A full step (Adam) equals its parts run one by one (forward, loss, backward, the
    /// gradient read back, averaged and stepped by core's Adam on the host), bit for bit.
    #[test]
    fn cpu_mlp_step_equals_its_parts() {
        let layers = layers();
        let (p, _) = check_layers(&layers).unwrap();
        let mut rng = Rng::new(9);
        let mut params = vec![0.0f32; p];
        rng.fill_normal(&mut params, 0.0, 0.5);
        let rows = 6;
        let mut x = vec![0.0f32; rows * 3];
        rng.fill_normal(&mut x, 0.0, 1.0);
        let t: Vec<f32> = (0..rows)
            .flat_map(|r| [(r % 2) as f32, 1.0 - (r % 2) as f32])
            .collect();
        let mut opt = AnyOptimizer::Adam(Adam::new(0.01));
        let mut be = CpuBackend::new();
        let mut net = Net::new(&mut be, &layers, &params, opt.state_len(p), rows, 2).unwrap();
        let mut parts = Net::new(&mut be, &layers, &params, 0, rows, 2).unwrap();
        let mut opt2 = opt;
        let (mut p2, mut st2, mut g2) = (params.clone(), vec![0.0; 2 * p], vec![0.0; p]);
        for _ in 0..3 {
            net.upload_batch(&mut be, &x, &t).unwrap();
            net.mlp_step(&mut be, Loss::SoftmaxCrossEntropy, rows, &mut opt)
                .unwrap();
            let l1 = be.take_loss().unwrap();
            be.upload(&p2, &mut parts.params).unwrap();
            parts.upload_batch(&mut be, &x, &t).unwrap();
            be.zero(&mut parts.grads, p).unwrap();
            parts.forward(&mut be, rows).unwrap();
            parts.mlp_loss(&mut be, Loss::SoftmaxCrossEntropy).unwrap();
            parts.backward(&mut be).unwrap();
            parts.read_grads(&mut be, &mut g2).unwrap();
            assert_eq!(be.take_loss().unwrap(), l1);
            g2.iter_mut().for_each(|g| *g *= 1.0 / rows as f32);
            opt2.step(&mut p2, &g2, &mut st2).unwrap();
        }
        let mut got = vec![0.0f32; p];
        net.read_params(&mut be, &mut got).unwrap();
        assert_eq!(got, p2);
        assert_ne!(got, params);
        // Too many rows for the buffers: an error, not a panic.
        assert!(net.forward(&mut be, rows + 1).is_err());
    }

    /// Inference buffers: outputs in chunks equal a training net's forward pass chunk by
    /// chunk (the same products), and gradient work is an error, never a panic.
    #[test]
    fn inference_outputs_in_chunks() {
        let layers = layers();
        let (p, _) = check_layers(&layers).unwrap();
        let mut rng = Rng::new(3);
        let mut params = vec![0.0f32; p];
        rng.fill_normal(&mut params, 0.0, 0.5);
        let n = 11;
        let mut x = vec![0.0f32; n * 3];
        rng.fill_normal(&mut x, 0.0, 1.0);
        let mut be = CpuBackend::new();
        let mut inf = Net::for_inference(&mut be, &layers, &params, 4).unwrap();
        let got = inf.outputs(&mut be, &x).unwrap();
        assert_eq!(got.len(), n * 2);
        let mut full = Net::new(&mut be, &layers, &params, 0, 4, 2).unwrap();
        for (c, xc) in x.chunks(4 * 3).enumerate() {
            let rows = xc.len() / 3;
            full.upload_batch(&mut be, xc, &vec![0.0; rows * 2])
                .unwrap();
            full.forward(&mut be, rows).unwrap();
            let mut want = vec![0.0f32; rows * 2];
            full.read_output(&mut be, &mut want).unwrap();
            assert_eq!(&got[c * 8..c * 8 + rows * 2], &want[..]);
        }
        // Core, one sample at a time (different summation order: close, not equal).
        let u = embedml::models::mlp::unit_count(&[3, 5, 4, 2]);
        let (mut pre, mut post) = (vec![0.0; u], vec![0.0; u]);
        for r in 0..n {
            embedml::models::mlp::forward(
                &layers,
                &params,
                &x[r * 3..r * 3 + 3],
                &mut pre,
                &mut post,
            )
            .unwrap();
            for j in 0..2 {
                let (a, b) = (got[r * 2 + j], post[u - 2 + j]);
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "row {r}: {a} vs {b}"
                );
            }
        }
        assert!(inf.outputs(&mut be, &x[..4]).is_err());
        assert!(inf.mlp_loss(&mut be, Loss::Mse).is_err());
        assert!(inf.backward(&mut be).is_err());
        assert!(inf.outputs(&mut be, &[]).unwrap().is_empty());
    }
}
