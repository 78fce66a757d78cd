//! Training-step throughput of the backends (criterion reports elements/s = samples/s): one
//! optimizer step (Adam) per iteration on a preloaded batch, for
//!
//! - MLP regression `[8, W, W, 4]` tanh, MSE;
//! - MDN `[2, W, W, 40]` tanh, K = 10, L = 2 (the robot arm's shape);
//!
//! at widths W ∈ {64, 256, 1024} and batches B ∈ {256, 4096}, on the CPU backend and — when a
//! GPU is usable (build with `--features cuda`) — on the CUDA backend.
//!
//! `cargo bench -p embedml-host --bench backend` (short: 10 samples, 1 s each);
//! `EMBEDML_BENCH_WIDTHS=64,256` limits the widths.

#![cfg_attr(
    not(feature = "cuda"),
    allow(unreachable_code, unreachable_patterns, unused_variables, unused_mut)
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use embedml::kernels::loss::Loss;
use embedml::models::mdn::Head;
use embedml::models::mlp::{check_layers, init, Init, Layer};
use embedml::optim::{Adam, AnyOptimizer, Optimizer};
use embedml::{Activation, Rng};
use embedml_host::backend::cpu::CpuBackend;
use embedml_host::backend::cuda::CudaBackend;
use embedml_host::backend::net::Net;
use embedml_host::backend::Backend;

fn layers(n_in: usize, w: usize, n_out: usize) -> Vec<Layer> {
    let l = |n_in, n_out, activation| Layer {
        n_in,
        n_out,
        activation,
    };
    vec![
        l(n_in, w, Activation::Tanh),
        l(w, w, Activation::Tanh),
        l(w, n_out, Activation::Identity),
    ]
}

#[derive(Clone, Copy)]
enum Model {
    Mlp,
    Mdn,
}

/// A network with initial weights and one batch loaded; `step` runs one training step.
struct Case<B: Backend> {
    net: Net<B>,
    opt: AnyOptimizer,
    batch: usize,
    model: Model,
    head: Head,
}

impl<B: Backend> Case<B> {
    fn new(be: &mut B, model: Model, w: usize, batch: usize) -> Self {
        let head = Head::new(10, 2, 0.01).unwrap();
        let (n_in, n_out) = match model {
            Model::Mlp => (8, 4),
            Model::Mdn => (2, head.output_len()),
        };
        let t_width = match model {
            Model::Mlp => 4,
            Model::Mdn => 2,
        };
        let layers = layers(n_in, w, n_out);
        let (p, _) = check_layers(&layers).unwrap();
        let mut rng = Rng::new(1);
        let mut params = vec![0.0f32; p];
        init(&layers, &mut params, &mut rng, Init::Default).unwrap();
        let opt = AnyOptimizer::Adam(Adam::new(1e-4));
        let mut net = Net::new(be, &layers, &params, opt.state_len(p), batch, t_width).unwrap();
        let mut x = vec![0.0f32; batch * n_in];
        rng.fill_normal(&mut x, 0.0, 1.0);
        let mut t = vec![0.0f32; batch * t_width];
        rng.fill_normal(&mut t, 0.0, 1.0);
        net.upload_batch(be, &x, &t).unwrap();
        Case {
            net,
            opt,
            batch,
            model,
            head,
        }
    }

    fn step(&mut self, be: &mut B) {
        match self.model {
            Model::Mlp => self
                .net
                .mlp_step(be, Loss::Mse, self.batch, &mut self.opt)
                .unwrap(),
            Model::Mdn => {
                self.net.mdn_grad(be, &self.head, self.batch).unwrap();
                self.net.step(be, &mut self.opt).unwrap();
            }
        }
    }
}

fn widths() -> Vec<usize> {
    std::env::var("EMBEDML_BENCH_WIDTHS")
        .ok()
        .and_then(|s| s.split(',').map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![64, 256, 1024])
}

fn run_backend<B: Backend>(c: &mut Criterion, be: &mut B, name: &str) {
    for (model, mname) in [(Model::Mlp, "mlp"), (Model::Mdn, "mdn")] {
        let mut g = c.benchmark_group(format!("{mname}_step_{name}"));
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
        for w in widths() {
            for batch in [256usize, 4096] {
                let mut case = Case::new(be, model, w, batch);
                g.throughput(Throughput::Elements(batch as u64));
                g.bench_function(
                    BenchmarkId::new(format!("w{w}"), format!("b{batch}")),
                    |b| {
                        b.iter(|| {
                            case.step(be);
                            // One loss read per iteration: on a GPU the synchronisation that makes
                            // the timing honest.
                            black_box(be.take_loss().unwrap())
                        })
                    },
                );
            }
        }
        g.finish();
    }
}

fn bench(c: &mut Criterion) {
    println!("cpu: {} threads", rayon::current_num_threads());
    run_backend(c, &mut CpuBackend::new(), "cpu");
    match CudaBackend::new(0) {
        Ok(mut be) => {
            println!("cuda: {}", be.describe());
            run_backend(c, &mut be, "cuda");
        }
        Err(e) => println!("cuda: skipped ({e})"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
