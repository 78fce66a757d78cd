//! Host batched MLP (`Net` on the CPU backend: sgemm + core's activation/loss math) against
//! core's per-sample MLP: outputs, summed losses and summed gradients must agree within 1e-5 relative
//! (norm-based) for several shapes, activations, losses and batch sizes, including batches
//! large enough to take the multi-threaded paths.

use embedml::kernels::loss::Loss;
use embedml::models::mlp::{self, Layer};
use embedml::optim::{Adam, AnyOptimizer, Optimizer};
use embedml::{mlp_type, Activation, Parameters, Rng};
use embedml_host::backend::cpu::CpuBackend;
use embedml_host::backend::net::Net;
use embedml_host::backend::Backend;

/// `‖a − b‖ / max(‖b‖, 1e-12)`, in f64.
fn rel_err(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    let num: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum();
    let den: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    num.sqrt() / den.sqrt().max(1e-12)
}

fn layers(sizes: &[usize], hidden: Activation, last: Activation) -> Vec<Layer> {
    sizes
        .windows(2)
        .enumerate()
        .map(|(l, w)| Layer {
            n_in: w[0],
            n_out: w[1],
            activation: if l + 2 == sizes.len() { last } else { hidden },
        })
        .collect()
}

/// Random targets suited to the loss: values, 0/1 probabilities, or one-hot rows.
fn targets(loss: Loss, batch: usize, n_out: usize, rng: &mut Rng) -> Vec<f32> {
    let mut t = vec![0.0; batch * n_out];
    match loss {
        Loss::Mse => rng.fill_normal(&mut t, 0.0, 1.0),
        Loss::BinaryCrossEntropy => t.iter_mut().for_each(|v| *v = rng.below(2) as f32),
        Loss::SoftmaxCrossEntropy => {
            for row in t.chunks_exact_mut(n_out) {
                row[rng.below(n_out as u32) as usize] = 1.0;
            }
        }
    }
    t
}

struct Case {
    sizes: &'static [usize],
    hidden: Activation,
    last: Activation,
    loss: Loss,
    batch: usize,
}

fn check_case(case: &Case, seed: u64) {
    let ls = layers(case.sizes, case.hidden, case.last);
    let (p, u) = mlp::check_layers(&ls).unwrap();
    let (n_in, n_out) = (case.sizes[0], *case.sizes.last().unwrap());
    let b = case.batch;
    let mut rng = Rng::new(seed);
    let mut params = vec![0.0f32; p];
    // Non-zero biases too, so the bias paths are exercised.
    rng.fill_normal(&mut params, 0.0, 0.5);
    let mut x = vec![0.0f32; b * n_in];
    rng.fill_normal(&mut x, 0.0, 1.0);
    let t = targets(case.loss, b, n_out, &mut rng);

    // Core, one sample at a time.
    let (mut pre, mut post, mut delta) = (vec![0.0; u], vec![0.0; u], vec![0.0; u]);
    let mut core_out = Vec::with_capacity(b * n_out);
    let mut core_grads = vec![0.0f32; p];
    let mut core_loss = 0.0f64;
    let mut g_out = vec![0.0f32; n_out];
    for (xi, ti) in x.chunks_exact(n_in).zip(t.chunks_exact(n_out)) {
        mlp::forward(&ls, &params, xi, &mut pre, &mut post).unwrap();
        let y = mlp::output(&ls, &post);
        core_out.extend_from_slice(y);
        core_loss += case.loss.value_and_grad(y, ti, &mut g_out).unwrap() as f64;
        mlp::backward(
            &ls,
            &params,
            xi,
            &pre,
            &post,
            &g_out,
            &mut core_grads,
            &mut delta,
            None,
        )
        .unwrap();
    }

    // Host, batched: the training network, then the inference entry point.
    let mut be = CpuBackend::new();
    let mut net = Net::new(&mut be, &ls, &params, 0, b, n_out).unwrap();
    let mut host_grads = vec![0.0f32; p];
    net.upload_batch(&mut be, &x, &t).unwrap();
    be.zero(&mut net.grads, p).unwrap();
    net.forward(&mut be, b).unwrap();
    net.mlp_loss(&mut be, case.loss).unwrap();
    net.backward(&mut be).unwrap();
    net.read_grads(&mut be, &mut host_grads).unwrap();
    let host_loss = be.take_loss().unwrap();
    let mut host_out = vec![0.0f32; b * n_out];
    net.read_output(&mut be, &mut host_out).unwrap();
    let inferred = Net::for_inference(&mut be, &ls, &params, b)
        .unwrap()
        .outputs(&mut be, &x)
        .unwrap();
    assert_eq!(
        inferred, host_out,
        "inference outputs equal the training pass's"
    );

    let what = format!(
        "sizes {:?} {:?}/{:?} {:?} batch {b}",
        case.sizes, case.hidden, case.last, case.loss
    );
    let e_out = rel_err(&host_out, &core_out);
    let e_grad = rel_err(&host_grads, &core_grads);
    let e_loss = (host_loss - core_loss).abs() / core_loss.abs().max(1e-12);
    assert!(e_out <= 1e-5, "{what}: outputs differ, rel {e_out:e}");
    assert!(e_grad <= 1e-5, "{what}: gradients differ, rel {e_grad:e}");
    assert!(e_loss <= 1e-5, "{what}: loss {host_loss} vs {core_loss}");
    assert!(
        host_grads.iter().any(|g| *g != 0.0),
        "{what}: zero gradients"
    );

    // The separate backward entry point, from an arbitrary output gradient, accumulating
    // onto existing gradients.
    let mut go = vec![0.0f32; b * n_out];
    rng.fill_normal(&mut go, 0.0, 1.0);
    let mut core_g2 = vec![1.0f32; p];
    for (r, xi) in x.chunks_exact(n_in).enumerate() {
        mlp::forward(&ls, &params, xi, &mut pre, &mut post).unwrap();
        let gr = &go[r * n_out..(r + 1) * n_out];
        mlp::backward(
            &ls,
            &params,
            xi,
            &pre,
            &post,
            gr,
            &mut core_g2,
            &mut delta,
            None,
        )
        .unwrap();
    }
    let mut host_g2 = vec![1.0f32; p];
    be.upload(&host_g2, &mut net.grads).unwrap();
    net.forward(&mut be, b).unwrap();
    net.set_output_grad(&mut be, &go).unwrap();
    net.backward(&mut be).unwrap();
    net.read_grads(&mut be, &mut host_g2).unwrap();
    let e2 = rel_err(&host_g2, &core_g2);
    assert!(e2 <= 1e-5, "{what}: backward(grad_out) differs, rel {e2:e}");
}

#[test]
fn batched_forward_and_summed_gradients_match_core() {
    use Activation::*;
    let cases = [
        Case {
            sizes: &[1, 1, 1],
            hidden: Rbf,
            last: Identity,
            loss: Loss::BinaryCrossEntropy,
            batch: 40,
        },
        Case {
            sizes: &[4, 16, 3],
            hidden: Tanh,
            last: Identity,
            loss: Loss::SoftmaxCrossEntropy,
            batch: 32,
        },
        Case {
            sizes: &[4, 16, 16, 1],
            hidden: Relu,
            last: Identity,
            loss: Loss::Mse,
            batch: 7,
        },
        Case {
            sizes: &[3, 8, 5, 2],
            hidden: Sigmoid,
            last: Identity,
            loss: Loss::Mse,
            batch: 1,
        },
        Case {
            sizes: &[5, 12, 4],
            hidden: LeakyRelu(0.1),
            last: Identity,
            loss: Loss::BinaryCrossEntropy,
            batch: 33,
        },
        Case {
            sizes: &[6, 10, 3],
            hidden: Tanh,
            last: Sigmoid,
            loss: Loss::Mse,
            batch: 17,
        },
        Case {
            sizes: &[2, 9, 9, 9, 4],
            hidden: Rbf,
            last: Tanh,
            loss: Loss::SoftmaxCrossEntropy,
            batch: 64,
        },
        // Large enough for the threaded gemm and elementwise paths.
        Case {
            sizes: &[64, 128, 128, 10],
            hidden: Tanh,
            last: Identity,
            loss: Loss::SoftmaxCrossEntropy,
            batch: 600,
        },
        Case {
            sizes: &[32, 256, 1],
            hidden: Relu,
            last: Identity,
            loss: Loss::Mse,
            batch: 300,
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        for seed in 0..3 {
            check_case(case, 100 * i as u64 + seed);
        }
    }
}

/// A full training step: host (`Net::mlp_step`: batched gradient, averaged, core's Adam on the
/// flat buffers) against core's typed `Mlp::train_batch`, over several steps.
#[test]
fn training_steps_match_the_typed_core_model() {
    type Typed = mlp_type!(3, 6, 2);
    let sizes = [3, 6, 2];
    let acts = [Activation::Tanh, Activation::Identity];
    let mut typed = Typed::new(&sizes, &acts, Loss::SoftmaxCrossEntropy).unwrap();
    let mut rng = Rng::new(9);
    typed.init_default(&mut rng);
    let ls = layers(&sizes, Activation::Tanh, Activation::Identity);
    let mut params = typed.params().to_vec();
    let mut opt_core = Adam::new(0.05);
    let mut opt_host = AnyOptimizer::Adam(Adam::new(0.05));
    let mut st_core = vec![0.0f32; opt_core.state_len(params.len())];
    let b = 8;
    let mut be = CpuBackend::new();
    let mut net = Net::new(&mut be, &ls, &params, st_core.len(), b, 2).unwrap();
    for step in 0..10 {
        let mut x = vec![0.0f32; b * 3];
        rng.fill_normal(&mut x, 0.0, 1.0);
        let t = targets(Loss::SoftmaxCrossEntropy, b, 2, &mut rng);
        let l_core = typed
            .train_batch(&x, &t, &mut opt_core, &mut st_core)
            .unwrap();
        net.upload_batch(&mut be, &x, &t).unwrap();
        net.mlp_step(&mut be, Loss::SoftmaxCrossEntropy, b, &mut opt_host)
            .unwrap();
        let l_host = (be.take_loss().unwrap() / b as f64) as f32;
        net.read_params(&mut be, &mut params).unwrap();
        assert!(
            (l_core - l_host).abs() <= 1e-5 * l_core.abs().max(1.0),
            "step {step}"
        );
        let e = rel_err(&params, typed.params());
        assert!(e <= 1e-5, "step {step}: params differ, rel {e:e}");
    }
}
