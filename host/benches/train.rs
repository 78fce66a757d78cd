//! MLP training throughput (samples per second, one epoch per iteration): the host's batched
//! network (`Net` on the CPU backend, as `train mlp` runs it) against core's typed per-sample `Mlp::train_batch`, on an iris-sized problem
//! (150 × 4 → [4,16,3] tanh, softmax CE, batch 32) and a wider one (4096 × 8 → [8,64,64,1]
//! tanh, MSE, batch 256). Both use Adam.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use embedml::kernels::loss::Loss;
use embedml::models::mlp::{init, Init, Layer};
use embedml::optim::{Adam, AnyOptimizer, Optimizer};
use embedml::{mlp_type, Activation, Rng};
use embedml_host::backend::cpu::CpuBackend;
use embedml_host::backend::net::Net;
use embedml_host::backend::Backend;

struct Problem {
    sizes: Vec<usize>,
    loss: Loss,
    batch: usize,
    x: Vec<f32>,
    t: Vec<f32>,
}

impl Problem {
    fn n(&self) -> usize {
        self.x.len() / self.sizes[0]
    }
    fn layers(&self) -> Vec<Layer> {
        let l = self.sizes.len() - 1;
        self.sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| Layer {
                n_in: w[0],
                n_out: w[1],
                activation: if i + 1 == l {
                    Activation::Identity
                } else {
                    Activation::Tanh
                },
            })
            .collect()
    }
}

fn iris_like() -> Problem {
    let mut rng = Rng::new(1);
    let n = 150;
    let mut x = vec![0.0; n * 4];
    let mut t = vec![0.0; n * 3];
    for i in 0..n {
        let c = i % 3;
        for j in 0..4 {
            x[i * 4 + j] = rng.normal_with(c as f32 - 1.0, 0.7);
        }
        t[i * 3 + c] = 1.0;
    }
    Problem {
        sizes: vec![4, 16, 3],
        loss: Loss::SoftmaxCrossEntropy,
        batch: 32,
        x,
        t,
    }
}

fn wide() -> Problem {
    let mut rng = Rng::new(2);
    let n = 4096;
    let mut x = vec![0.0; n * 8];
    rng.fill_normal(&mut x, 0.0, 1.0);
    let t = x
        .chunks_exact(8)
        .map(|r| embedml::math::sin(r[0]) + 0.5 * r[1] * r[2] - r[3])
        .collect();
    Problem {
        sizes: vec![8, 64, 64, 1],
        loss: Loss::Mse,
        batch: 256,
        x,
        t,
    }
}

/// One epoch (in data order) with the host's batched network on the CPU backend.
fn host_epoch(
    p: &Problem,
    be: &mut CpuBackend,
    net: &mut Net<CpuBackend>,
    opt: &mut AnyOptimizer,
) -> f64 {
    let (ni, no) = (p.sizes[0], *p.sizes.last().unwrap());
    for (xb, tb) in p.x.chunks(p.batch * ni).zip(p.t.chunks(p.batch * no)) {
        let b = net.upload_batch(be, xb, tb).unwrap();
        net.mlp_step(be, p.loss, b, opt).unwrap();
    }
    be.take_loss().unwrap()
}

fn bench_host(c: &mut Criterion, name: &str, p: &Problem) {
    let layers = p.layers();
    let pc = embedml::models::mlp::param_count(&p.sizes);
    let mut params = vec![0.0; pc];
    init(&layers, &mut params, &mut Rng::new(0), Init::Default).unwrap();
    let mut opt = AnyOptimizer::Adam(Adam::new(1e-3));
    let mut be = CpuBackend::new();
    let no = *p.sizes.last().unwrap();
    let mut net = Net::new(&mut be, &layers, &params, opt.state_len(pc), p.batch, no).unwrap();
    let mut g = c.benchmark_group(format!("train_epoch_{name}"));
    g.throughput(Throughput::Elements(p.n() as u64));
    g.bench_function("host_batched", |b| {
        b.iter(|| black_box(host_epoch(p, &mut be, &mut net, &mut opt)))
    });
    g.finish();
}

macro_rules! bench_core {
    ($c:expr, $name:expr, $p:expr, $($size:expr),+) => {{
        let p: &Problem = $p;
        type Net = mlp_type!($($size),+);
        let acts: Vec<Activation> = p.layers().iter().map(|l| l.activation).collect();
        let mut net = Net::new(&p.sizes, &acts, p.loss).unwrap();
        net.init_default(&mut Rng::new(0));
        let mut opt = Adam::new(1e-3);
        let mut st = vec![0.0; opt.state_len(embedml::models::mlp::param_count(&p.sizes))];
        let (ni, no) = (p.sizes[0], *p.sizes.last().unwrap());
        let mut g = $c.benchmark_group(format!("train_epoch_{}", $name));
        g.throughput(Throughput::Elements(p.n() as u64));
        g.bench_function("core_per_sample", |b| {
            b.iter(|| {
                let mut total = 0.0;
                for (xb, tb) in p.x.chunks(p.batch * ni).zip(p.t.chunks(p.batch * no)) {
                    total += net.train_batch(xb, tb, &mut opt, &mut st).unwrap();
                }
                black_box(total)
            })
        });
        g.finish();
    }};
}

fn bench(c: &mut Criterion) {
    let iris = iris_like();
    bench_host(c, "iris_4x16x3", &iris);
    bench_core!(c, "iris_4x16x3", &iris, 4, 16, 3);
    let w = wide();
    bench_host(c, "synthetic_8x64x64x1", &w);
    bench_core!(c, "synthetic_8x64x64x1", &w, 8, 64, 64, 1);
}

criterion_group!(benches, bench);
criterion_main!(benches);
