//! The CUDA backend against the CPU backend (whose per-element and per-row math is core's):
//! every operation of [`Backend`] on the same inputs (soft weight sharing included), a full MLP
//! step and an MDN gradient on the same weights and batch, an MDN training run with soft weight
//! sharing (≤ 1e-4 relative), and `--device` on the command line.
//!
//! Where no GPU is usable (a build without `--features cuda`, no driver, no device) the GPU
//! comparisons print `skipped: …` and return; on a GPU machine they run for real:
//! `cargo test --release -p embedml-host --features cuda --test backend_parity`.

#![cfg_attr(
    not(feature = "cuda"),
    allow(unreachable_code, unused_variables, unused_mut, dead_code)
)]

mod common;

use common::{fails, ok_json, Tmp};
use embedml::kernels::loss::Loss;
use embedml::models::mdn::Head;
use embedml::models::mlp::{check_layers, init, Init, Layer};
use embedml::optim::{Adam, AnyOptimizer, Momentum, Optimizer, Sgd};
use embedml::{Activation, Rng};
use embedml_host::backend::cpu::CpuBackend;
use embedml_host::backend::cuda::CudaBackend;
use embedml_host::backend::net::Net;
use embedml_host::backend::{Backend, Gemm};
use embedml_host::io::ModelFile;
use embedml_host::models::mlp::MlpModel;

/// The CUDA backend, or `None` after printing why the GPU half is skipped.
fn gpu() -> Option<CudaBackend> {
    match CudaBackend::new(0) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("skipped: no usable CUDA device ({e})");
            None
        }
    }
}

/// `|a − b| ≤ tol (|b| + 10⁻² max|b|)` elementwise: relative, with a floor at 1 % of the
/// vector's scale for entries that cancel to near zero.
fn assert_close(what: &str, a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let bound = tol * (y.abs() + 1e-2 * scale);
        assert!(
            (x - y).abs() <= bound,
            "{what}[{i}]: {x} vs {y} (bound {bound})"
        );
    }
}

fn randn(rng: &mut Rng, n: usize, std: f32) -> Vec<f32> {
    let mut v = vec![0.0f32; n];
    rng.fill_normal(&mut v, 0.0, std);
    v
}

fn put<B: Backend>(be: &mut B, v: &[f32]) -> B::Buf {
    let mut b = be.alloc(v.len()).unwrap();
    be.upload(v, &mut b).unwrap();
    b
}

fn get<B: Backend>(be: &mut B, b: &B::Buf, n: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; n];
    be.download(b, &mut v).unwrap();
    v
}

fn gemm_on<B: Backend>(be: &mut B, g: Gemm, a: &[f32], b: &[f32], c: &[f32]) -> Vec<f32> {
    let (ab, bb) = (put(be, a), put(be, b));
    let mut cb = put(be, c);
    be.gemm(g, &ab, &bb, &mut cb).unwrap();
    get(be, &cb, c.len())
}

/// The kernel source compiles with NVRTC and the PTX has every entry point. Needs only
/// `libnvrtc` (no GPU): `pip install nvidia-cuda-nvrtc` and its `nvidia/cu13/lib` on
/// `LD_LIBRARY_PATH` is enough.
#[test]
fn kernels_compile_with_nvrtc() {
    let ptx = match embedml_host::backend::cuda::compile_kernels("compute_75") {
        Ok(p) => p,
        Err(e) if e.contains("not found") || e.contains("without CUDA") => {
            eprintln!("skipped: cannot compile the kernels here ({e})");
            return;
        }
        Err(e) => panic!("the kernels do not compile: {e}"),
    };
    for name in embedml_host::backend::kernels::NAMES {
        assert!(
            ptx.contains(&format!(".entry {name}(")),
            "no entry {name} in the PTX"
        );
    }
    eprintln!("kernels: {} bytes of PTX", ptx.len());
    // Device code for the GPUs lent here (H100/H200: sm_90) builds too.
    let cubin = embedml_host::backend::cuda::compile_kernels("sm_90").unwrap();
    assert_eq!(cubin, "CUBIN for sm_90");
    if let Ok(path) = std::env::var("EMBEDML_DUMP_PTX") {
        std::fs::write(path, &ptx).unwrap();
    }
}

#[test]
fn gemm_matches_in_every_transpose_and_offset() {
    let Some(mut cuda) = gpu() else { return };
    let mut rng = Rng::new(1);
    for (m, n, k) in [(7, 5, 3), (256, 64, 33), (1000, 40, 512)] {
        for (a_t, b_t) in [(false, false), (false, true), (true, false), (true, true)] {
            let g = Gemm {
                m,
                n,
                k,
                alpha: 1.0,
                beta: 1.0,
                a_off: 3,
                a_t,
                b_off: 5,
                b_t,
                c_off: 2,
            };
            let a = randn(&mut rng, 3 + m * k, 1.0);
            let b = randn(&mut rng, 5 + k * n, 1.0);
            let c = randn(&mut rng, 2 + m * n + 4, 1.0);
            let want = gemm_on(&mut CpuBackend::new(), g, &a, &b, &c);
            let got = gemm_on(&mut cuda, g, &a, &b, &c);
            assert_close(&format!("gemm {m}x{n}x{k} {a_t} {b_t}"), &got, &want, 1e-4);
            // Outside C's range nothing is written.
            assert_eq!(&got[..2], &c[..2]);
            assert_eq!(&got[2 + m * n..], &c[2 + m * n..]);
        }
    }
}

fn elementwise_on<B: Backend>(
    be: &mut B,
    act: Activation,
    bias: &[f32],
    pre: &[f32],
    delta: &[f32],
    rows: usize,
) -> [Vec<f32>; 4] {
    let cols = bias.len() - 1;
    let biasb = put(be, bias);
    let mut preb = put(be, pre);
    let mut postb = be.alloc(pre.len()).unwrap();
    be.bias_act_forward(act, &biasb, 1, rows, cols, &mut preb, &mut postb)
        .unwrap();
    let mut deltab = put(be, delta);
    be.act_backward(act, &preb, &postb, rows * cols, &mut deltab)
        .unwrap();
    let mut g = put(be, &[0.5; 9]);
    be.bias_grad(&deltab, rows, cols, &mut g, 2).unwrap();
    be.scale(&mut g, 9, 0.25).unwrap();
    [
        get(be, &preb, pre.len()),
        get(be, &postb, pre.len()),
        get(be, &deltab, pre.len()),
        get(be, &g, 9),
    ]
}

#[test]
fn activations_bias_and_bias_gradient_match() {
    let Some(mut cuda) = gpu() else { return };
    let mut rng = Rng::new(2);
    let (rows, cols) = (300, 6);
    for act in Activation::ALL
        .into_iter()
        .chain([Activation::LeakyRelu(0.2)])
    {
        let bias = randn(&mut rng, cols + 1, 1.0);
        let pre = randn(&mut rng, rows * cols, 2.0);
        let delta = randn(&mut rng, rows * cols, 1.0);
        let want = elementwise_on(&mut CpuBackend::new(), act, &bias, &pre, &delta, rows);
        let got = elementwise_on(&mut cuda, act, &bias, &pre, &delta, rows);
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(&format!("{act:?} output {i}"), g, w, 1e-5);
        }
    }
}

fn loss_on<B: Backend>(
    be: &mut B,
    loss: Loss,
    out: &[f32],
    t: &[f32],
    rows: usize,
) -> (Vec<f32>, f64) {
    let (ob, tb) = (put(be, out), put(be, t));
    let mut g = be.alloc(out.len()).unwrap();
    be.loss_rows(loss, &ob, &tb, rows, out.len() / rows, &mut g)
        .unwrap();
    let s = be.take_loss().unwrap();
    (get(be, &g, out.len()), s)
}

#[test]
fn losses_match() {
    let Some(mut cuda) = gpu() else { return };
    let mut rng = Rng::new(3);
    let rows = 500;
    for (loss, cols) in [
        (Loss::Mse, 3),
        (Loss::BinaryCrossEntropy, 1),
        (Loss::SoftmaxCrossEntropy, 10),
    ] {
        let out = randn(&mut rng, rows * cols, 3.0);
        let t: Vec<f32> = match loss {
            Loss::Mse => randn(&mut rng, rows * cols, 1.0),
            _ => (0..rows * cols)
                .map(|i| {
                    if cols == 1 {
                        (i % 2) as f32
                    } else {
                        (i % cols == (i / cols) % cols) as u8 as f32
                    }
                })
                .collect(),
        };
        let (wg, ws) = loss_on(&mut CpuBackend::new(), loss, &out, &t, rows);
        let (gg, gs) = loss_on(&mut cuda, loss, &out, &t, rows);
        assert_close(&format!("{loss:?} gradient"), &gg, &wg, 1e-5);
        assert!((gs - ws).abs() <= 1e-5 * ws.abs(), "{loss:?}: {gs} vs {ws}");
    }
}

fn head_on<B: Backend>(be: &mut B, head: &Head, out: &[f32], t: &[f32], s: f32) -> (Vec<f32>, f64) {
    let rows = t.len() / head.l();
    let (ob, tb) = (put(be, out), put(be, t));
    let mut g = be.alloc(out.len()).unwrap();
    be.mdn_head(head, &ob, &tb, rows, &mut g, s).unwrap();
    let nll = be.take_loss().unwrap();
    (get(be, &g, out.len()), nll)
}

/// The fused MDN head kernel against core's `Head::loss_and_grad` row by row (σ floor on and
/// off, K = 20), and a non-finite output reported as an error.
#[test]
fn mdn_head_matches_core() {
    let Some(mut cuda) = gpu() else { return };
    let mut rng = Rng::new(4);
    for (k, l, smin) in [(3, 1, 0.0), (20, 2, 0.0), (20, 2, 0.05), (5, 4, 0.01)] {
        let head = Head::new(k, l, smin).unwrap();
        let o = head.output_len();
        let rows = 700;
        let out = randn(&mut rng, rows * o, 1.5);
        let t = randn(&mut rng, rows * l, 1.0);
        let mut want = vec![0.0f32; rows * o];
        let mut nll = 0.0f64;
        for r in 0..rows {
            nll += head
                .loss_and_grad(
                    &out[r * o..(r + 1) * o],
                    &t[r * l..(r + 1) * l],
                    &mut want[r * o..(r + 1) * o],
                )
                .unwrap() as f64;
        }
        for w in want.iter_mut() {
            *w *= 0.5;
        }
        let (got, got_nll) = head_on(&mut cuda, &head, &out, &t, 0.5);
        assert_close(&format!("head K={k} L={l} σmin={smin}"), &got, &want, 1e-4);
        assert!(
            (got_nll - nll).abs() <= 1e-5 * nll.abs().max(1.0),
            "{got_nll} vs {nll}"
        );
        let (cpu, cpu_nll) = head_on(&mut CpuBackend::new(), &head, &out, &t, 0.5);
        assert_eq!(cpu, want);
        assert!((cpu_nll - nll).abs() <= 1e-9 * nll.abs().max(1.0));
    }
    let head = Head::new(2, 1, 0.0).unwrap(); // 6 raw outputs per row
    let mut out = vec![0.1f32; 12];
    out[8] = f32::NAN;
    let (ob, tb) = (put(&mut cuda, &out), put(&mut cuda, &[0.0, 1.0]));
    let mut g = cuda.alloc(12).unwrap();
    cuda.mdn_head(&head, &ob, &tb, 2, &mut g, 1.0).unwrap();
    assert!(cuda.take_loss().is_err());
    assert!(
        cuda.take_loss().is_ok(),
        "the flag is cleared after being reported"
    );
}

fn optimizer_on<B: Backend>(
    be: &mut B,
    mut opt: AnyOptimizer,
    p: &[f32],
    g: &[[f32; 64]; 3],
) -> (Vec<f32>, Vec<f32>) {
    let n = p.len();
    let mut pb = put(be, p);
    let mut st = be.alloc(opt.state_len(n)).unwrap();
    for gi in g {
        let gb = put(be, gi);
        be.optimizer_step(&mut opt, &mut pb, &gb, &mut st, n)
            .unwrap();
    }
    (get(be, &pb, n), get(be, &st, opt.state_len(n)))
}

#[test]
fn optimizers_match() {
    let Some(mut cuda) = gpu() else { return };
    let mut rng = Rng::new(5);
    let p = randn(&mut rng, 64, 1.0);
    let g: [[f32; 64]; 3] = core::array::from_fn(|_| {
        let v = randn(&mut rng, 64, 0.1);
        core::array::from_fn(|i| v[i])
    });
    for opt in [
        AnyOptimizer::Adam(Adam::new(0.01)),
        AnyOptimizer::Momentum(Momentum::new(0.05, 0.9)),
        AnyOptimizer::Sgd(Sgd::with_linear_decay(0.1, 5)),
    ] {
        let (wp, ws) = optimizer_on(&mut CpuBackend::new(), opt, &p, &g);
        let (gp, gs) = optimizer_on(&mut cuda, opt, &p, &g);
        assert_close(&format!("{opt:?} parameters"), &gp, &wp, 1e-5);
        assert_close(&format!("{opt:?} state"), &gs, &ws, 1e-5);
    }
}

/// Soft weight sharing over `ranges` of `params` on backend `be`: (weight gradients, mixture
/// gradients) after adding to `grads0` and `gmix0`.
#[allow(clippy::too_many_arguments)]
fn soft_share_on<B: Backend>(
    be: &mut B,
    mix: &[f32],
    lambda: f32,
    sigma_min: f32,
    params: &[f32],
    ranges: &[std::ops::Range<usize>],
    grads0: &[f32],
    gmix0: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let (mb, pb) = (put(be, mix), put(be, params));
    let (mut gb, mut gmb) = (put(be, grads0), put(be, gmix0));
    be.soft_share(
        &mb,
        mix.len() / 3,
        lambda,
        sigma_min,
        &pb,
        ranges,
        &mut gb,
        &mut gmb,
    )
    .unwrap();
    (get(be, &gb, grads0.len()), get(be, &gmb, gmix0.len()))
}

/// Soft weight sharing: the CPU backend is core's `soft_share::accumulate` range by range (bit
/// for bit; a range outside the buffers is an error); the CUDA kernels (one block per
/// component summing ~70 000 weights) agree with it within 1e-4.
#[test]
fn soft_share_matches() {
    use embedml::models::soft_share;
    let mut rng = Rng::new(8);
    let p = 70_000;
    let ranges = [0..300usize, 310..69_900];
    for (m, sigma_min, lambda) in [(4usize, 1e-3f32, 1e-3f32), (18, 0.0, 0.1)] {
        let params = randn(&mut rng, p, 0.3);
        let mut mix = vec![0.0f32; 3 * m];
        for j in 0..m {
            mix[j] = rng.normal_with(0.0, 0.3);
            mix[m + j] = -0.6 + 1.2 * j as f32 / (m - 1) as f32;
            mix[2 * m + j] = rng.normal_with(-4.0, 0.5);
        }
        let grads0 = randn(&mut rng, p, 0.01);
        let gmix0 = randn(&mut rng, 3 * m, 0.01);
        let mut cpu = CpuBackend::new();
        let (wg, wm) = soft_share_on(
            &mut cpu, &mix, lambda, sigma_min, &params, &ranges, &grads0, &gmix0,
        );
        let (mut cg, mut cm) = (grads0.clone(), gmix0.clone());
        for r in &ranges {
            soft_share::accumulate(
                &mix,
                &params[r.clone()],
                lambda,
                sigma_min,
                &mut cg[r.clone()],
                &mut cm,
            )
            .unwrap();
        }
        assert_eq!(wg, cg);
        assert_eq!(wm, cm);
        let Some(mut cuda) = gpu() else { continue };
        let (gg, gm) = soft_share_on(
            &mut cuda, &mix, lambda, sigma_min, &params, &ranges, &grads0, &gmix0,
        );
        assert_close(&format!("M {m}: weight gradients"), &gg, &wg, 1e-4);
        assert_close(&format!("M {m}: mixture gradients"), &gm, &wm, 1e-4);
    }
    let mut cpu = CpuBackend::new();
    let (mb, pb) = (put(&mut cpu, &[0.0; 6]), put(&mut cpu, &[0.5; 10]));
    let (mut gb, mut gmb) = (put(&mut cpu, &[0.0; 10]), put(&mut cpu, &[0.0; 6]));
    assert!(cpu
        .soft_share(&mb, 2, 0.1, 0.0, &pb, &[0..3, 4..11], &mut gb, &mut gmb)
        .is_err());
}

fn arm_layers(hidden: usize, k: usize) -> Vec<Layer> {
    vec![
        Layer {
            n_in: 2,
            n_out: hidden,
            activation: Activation::Tanh,
        },
        Layer {
            n_in: hidden,
            n_out: hidden,
            activation: Activation::Tanh,
        },
        Layer {
            n_in: hidden,
            n_out: k * 4,
            activation: Activation::Identity,
        },
    ]
}

/// The MDN gradient of a whole network (same weights, same batch gathered from a training
/// set) on both backends: ≤ 1e-4 relative.
fn mdn_grad_on<B: Backend>(
    be: &mut B,
    layers: &[Layer],
    params: &[f32],
    x: &[f32],
    t: &[f32],
    idx: &[usize],
    head: &Head,
) -> (Vec<f32>, f64) {
    let p = params.len();
    let mut net = Net::new(be, layers, params, 2 * p, idx.len(), 2).unwrap();
    let data = be.prepare_data(x, t, 2, 2).unwrap();
    net.load_batch(be, &data, x, t, idx).unwrap();
    net.mdn_grad(be, head, idx.len()).unwrap();
    let mut g = vec![0.0f32; p];
    net.read_grads(be, &mut g).unwrap();
    (g, be.take_loss().unwrap())
}

#[test]
fn mdn_network_gradient_matches() {
    let Some(mut cuda) = gpu() else { return };
    let (hidden, k) = (64, 20);
    let layers = arm_layers(hidden, k);
    let (p, _) = check_layers(&layers).unwrap();
    let mut rng = Rng::new(6);
    let mut params = vec![0.0f32; p];
    init(&layers, &mut params, &mut rng, Init::Default).unwrap();
    let x = randn(&mut rng, 2 * 5000, 1.0);
    let t = randn(&mut rng, 2 * 5000, 1.0);
    let idx: Vec<usize> = (0..1024).map(|i| (i * 37) % 5000).collect();
    let head = Head::new(k, 2, 0.01).unwrap();
    let (want, wl) = mdn_grad_on(
        &mut CpuBackend::new(),
        &layers,
        &params,
        &x,
        &t,
        &idx,
        &head,
    );
    let (got, gl) = mdn_grad_on(&mut cuda, &layers, &params, &x, &t, &idx, &head);
    assert_close("mdn network gradient", &got, &want, 1e-4);
    assert!((gl - wl).abs() <= 1e-5 * wl.abs(), "{gl} vs {wl}");
    // The streamed path (training set kept on the host, batches copied) gives the same batch.
    cuda.set_data_budget(0);
    let (streamed, sl) = mdn_grad_on(&mut cuda, &layers, &params, &x, &t, &idx, &head);
    assert_eq!(streamed, got);
    assert_eq!(sl, gl);
}

/// Ten MLP training steps (Adam, softmax cross-entropy) from the same weights on the same
/// batches: the parameters stay within float rounding of the CPU's.
fn mlp_steps_on<B: Backend>(
    be: &mut B,
    layers: &[Layer],
    params: &[f32],
    x: &[f32],
    t: &[f32],
) -> Vec<f32> {
    let p = params.len();
    let mut opt = AnyOptimizer::Adam(Adam::new(1e-3));
    let mut net = Net::new(be, layers, params, opt.state_len(p), 256, 3).unwrap();
    let data = be.prepare_data(x, t, 2, 3).unwrap();
    for s in 0..10 {
        let idx: Vec<usize> = (0..256).map(|i| (i * 7 + s * 256) % 2048).collect();
        net.load_batch(be, &data, x, t, &idx).unwrap();
        net.mlp_step(be, Loss::SoftmaxCrossEntropy, 256, &mut opt)
            .unwrap();
    }
    let mut out = vec![0.0f32; p];
    net.read_params(be, &mut out).unwrap();
    out
}

#[test]
fn mlp_training_steps_match() {
    let Some(mut cuda) = gpu() else { return };
    let layers = vec![
        Layer {
            n_in: 2,
            n_out: 256,
            activation: Activation::Relu,
        },
        Layer {
            n_in: 256,
            n_out: 3,
            activation: Activation::Identity,
        },
    ];
    let (p, _) = check_layers(&layers).unwrap();
    let mut rng = Rng::new(7);
    let mut params = vec![0.0f32; p];
    init(&layers, &mut params, &mut rng, Init::Default).unwrap();
    let x = randn(&mut rng, 2 * 2048, 1.0);
    let t: Vec<f32> = (0..2048)
        .flat_map(|i| {
            let mut r = [0.0f32; 3];
            r[i % 3] = 1.0;
            r
        })
        .collect();
    let want = mlp_steps_on(&mut CpuBackend::new(), &layers, &params, &x, &t);
    let got = mlp_steps_on(&mut cuda, &layers, &params, &x, &t);
    assert_close("parameters after 10 Adam steps", &got, &want, 1e-4);
}

/// `train mdn` with soft weight sharing (M = 3, σ_min floor) on the GPU — the penalty's
/// gradients and the mixture's optimizer step on the device, no per-step host copy — against
/// the CPU run from the same seed: trunk parameters and mixture within 1e-4 after 10 epochs
/// (80 steps). Momentum rather than Adam: its update is linear in the gradient, so rounding
/// differences stay rounding-sized (Adam's `m/√v` turns a near-zero gradient's rounding into a
/// full step; the Adam kernel is compared on its own by `optimizers_match`).
#[test]
fn mdn_soft_sharing_training_matches() {
    use embedml_host::backend::Selected;
    use embedml_host::cli::demo::prml_inverse;
    use embedml_host::models::mdn;
    let (x, t) = prml_inverse::data(&mut Rng::new(4), 400);
    let fit = |device: &mut Selected| {
        let mut h = prml_inverse::hyper(10, 2);
        h.soft_share = 3;
        h.soft_lambda = 1e-3;
        h.soft_sigma_min = 1e-3;
        h.optimizer = "momentum".into();
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut model =
            mdn::prepare_arrays(h, 3, 0.0, names(&["t"]), names(&["x"]), &t, &x).unwrap();
        mdn::fit_on(&mut model, &t, &x, device, &|_| {}).unwrap();
        model
    };
    let want = fit(&mut Selected::Cpu);
    let Some(cuda) = gpu() else { return };
    let got = fit(&mut Selected::Cuda(Box::new(cuda)));
    assert_close("trunk parameters", &got.params, &want.params, 1e-4);
    let (gm, wm) = (got.soft_share.unwrap(), want.soft_share.unwrap());
    assert_close("mixture [eta, mu, xi]", &gm.mix, &wm.mix, 1e-4);
}

/// On the CPU backend the MDN network gradient is core's per-row head gradient pushed through
/// core's per-sample MLP backward, summed (a check that runs on every machine).
#[test]
fn cpu_mdn_network_gradient_equals_core_per_sample() {
    let layers = arm_layers(8, 3);
    let (p, u) = check_layers(&layers).unwrap();
    let mut rng = Rng::new(8);
    let mut params = vec![0.0f32; p];
    init(&layers, &mut params, &mut rng, Init::Default).unwrap();
    let x = randn(&mut rng, 2 * 50, 1.0);
    let t = randn(&mut rng, 2 * 50, 1.0);
    let idx: Vec<usize> = (0..20).map(|i| (i * 3) % 50).collect();
    let head = Head::new(3, 2, 0.05).unwrap();
    let (got, nll) = mdn_grad_on(
        &mut CpuBackend::new(),
        &layers,
        &params,
        &x,
        &t,
        &idx,
        &head,
    );
    let o = head.output_len();
    let (mut pre, mut post, mut delta) = (vec![0.0; u], vec![0.0; u], vec![0.0; u]);
    let mut want = vec![0.0f32; p];
    let mut want_nll = 0.0f64;
    for &i in &idx {
        let xr = &x[2 * i..2 * i + 2];
        embedml::models::mlp::forward(&layers, &params, xr, &mut pre, &mut post).unwrap();
        let mut g = vec![0.0f32; o];
        want_nll += head
            .loss_and_grad(&post[u - o..], &t[2 * i..2 * i + 2], &mut g)
            .unwrap() as f64;
        for v in g.iter_mut() {
            *v /= idx.len() as f32;
        }
        embedml::models::mlp::backward(
            &layers, &params, xr, &pre, &post, &g, &mut want, &mut delta, None,
        )
        .unwrap();
    }
    assert_close("cpu mdn gradient", &got, &want, 1e-4);
    assert!(
        (nll - want_nll).abs() < 1e-4 * want_nll.abs().max(1.0),
        "{nll} vs {want_nll}"
    );
}

/// `--device cuda` without a usable GPU is one line and exit code 2 (never a panic); with one,
/// it trains the same model as the CPU up to rounding. `--device auto` always trains and says
/// which device on stderr.
#[test]
fn device_flag_on_the_command_line() {
    let iris = common::data("iris.csv");
    let base = [
        "train",
        "mlp",
        "--data",
        iris.as_str(),
        "--y",
        "species",
        "--epochs",
        "30",
        "--json",
        "--out",
    ];
    let cpu_out = Tmp::new("dev-cpu.safetensors");
    let mut a: Vec<&str> = base.to_vec();
    a.extend([cpu_out.s(), "--device", "cpu"]);
    let cpu = ok_json(&a);
    assert_eq!(cpu["device"], "cpu");
    let cuda_out = Tmp::new("dev-cuda.safetensors");
    let mut a: Vec<&str> = base.to_vec();
    a.extend([cuda_out.s(), "--device", "cuda"]);
    match CudaBackend::probe()
        .and_then(|_| CudaBackend::new(0).map(|_| ()).map_err(|e| e.to_string()))
    {
        Err(reason) => {
            let e = fails(&a);
            assert!(e.contains("--device cuda:"), "{e}");
            eprintln!("no GPU ({reason}); `--device cuda` failed as expected: {e}");
            assert!(!std::path::Path::new(cuda_out.s()).exists());
        }
        Ok(()) => {
            let gpu = ok_json(&a);
            assert_eq!(gpu["device"], "cuda");
            let (lc, lg) = (
                common::num(&cpu["train_loss"]),
                common::num(&gpu["train_loss"]),
            );
            assert!((lc - lg).abs() <= 1e-3 * lc.abs().max(1e-3), "{lc} vs {lg}");
        }
    }
    let auto_out = Tmp::new("dev-auto.safetensors");
    let mut a: Vec<&str> = base.to_vec();
    a.extend([auto_out.s(), "--device", "auto"]);
    let out = common::run(&a);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("device: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let auto: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let load = |p: &str| {
        let f = ModelFile::load(std::path::Path::new(p)).unwrap();
        MlpModel::from_file(&f).unwrap()
    };
    if stderr.contains("device: cpu") {
        // The CPU fallback trains exactly the `--device cpu` model.
        assert_eq!(auto["device"], "cpu");
        assert_eq!(auto["train_loss"], cpu["train_loss"]);
        assert_eq!(load(auto_out.s()).params, load(cpu_out.s()).params);
    } else {
        // A GPU-trained model is an ordinary model file of the same kind and shapes.
        let (g, c) = (load(auto_out.s()), load(cpu_out.s()));
        assert_eq!(g.layers, c.layers);
        assert_close("cuda vs cpu trained parameters", &g.params, &c.params, 5e-2);
    }
    let e = fails(&[
        "train",
        "mdn",
        "--data",
        iris.as_str(),
        "--x",
        "sepal_width",
        "--y",
        "petal_width",
        "--out",
        "never.safetensors",
        "--device",
        "gpu",
    ]);
    assert!(e.contains("gpu"), "{e}");
}
