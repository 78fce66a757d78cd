//! Dense layer forward + backward on a batch of 256: core's per-sample kernels in a loop
//! against the host's batched GEMM (matrixmultiply), at widths 16, 256 and 1024 (square
//! layers). Throughput is in samples.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use embedml::kernels::dense;
use embedml::Rng;
use embedml_host::backend::cpu::{self, MatRef};

const BATCH: usize = 256;

struct Data {
    n: usize,
    w: Vec<f32>,
    b: Vec<f32>,
    x: Vec<f32>,
    dy: Vec<f32>,
}

fn data(n: usize) -> Data {
    let mut rng = Rng::new(n as u64);
    let mut d = Data {
        n,
        w: vec![0.0; n * n],
        b: vec![0.0; n],
        x: vec![0.0; BATCH * n],
        dy: vec![0.0; BATCH * n],
    };
    rng.fill_normal(&mut d.w, 0.0, 0.1);
    rng.fill_normal(&mut d.b, 0.0, 0.1);
    rng.fill_normal(&mut d.x, 0.0, 1.0);
    rng.fill_normal(&mut d.dy, 0.0, 1.0);
    d
}

fn core_fwd_bwd(d: &Data, y: &mut [f32], gw: &mut [f32], gb: &mut [f32], dx: &mut [f32]) {
    let n = d.n;
    for s in 0..BATCH {
        let xs = &d.x[s * n..(s + 1) * n];
        dense::forward(n, n, &d.w, &d.b, xs, &mut y[s * n..(s + 1) * n]).unwrap();
        dense::backward(
            n,
            n,
            &d.w,
            xs,
            &d.dy[s * n..(s + 1) * n],
            gw,
            gb,
            Some(&mut dx[s * n..(s + 1) * n]),
        )
        .unwrap();
    }
}

fn host_fwd_bwd(d: &Data, y: &mut [f32], gw: &mut [f32], gb: &mut [f32], dx: &mut [f32]) {
    let n = d.n;
    let x = MatRef::row_major(&d.x, BATCH, n);
    let w = MatRef::row_major(&d.w, n, n);
    let dy = MatRef::row_major(&d.dy, BATCH, n);
    cpu::gemm(1.0, x, w.t(), 0.0, y).unwrap();
    cpu::add_bias(y, &d.b).unwrap();
    cpu::gemm(1.0, dy.t(), x, 1.0, gw).unwrap();
    cpu::add_bias_grad(&d.dy, gb).unwrap();
    cpu::gemm(1.0, dy, w, 0.0, dx).unwrap();
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("dense_fwd_bwd_batch256");
    g.throughput(Throughput::Elements(BATCH as u64));
    for n in [16usize, 256, 1024] {
        if n >= 1024 {
            g.sample_size(10);
        }
        let d = data(n);
        let mut y = vec![0.0; BATCH * n];
        let mut gw = vec![0.0; n * n];
        let mut gb = vec![0.0; n];
        let mut dx = vec![0.0; BATCH * n];
        g.bench_with_input(BenchmarkId::new("core_per_sample", n), &d, |bch, d| {
            bch.iter(|| {
                core_fwd_bwd(d, &mut y, &mut gw, &mut gb, &mut dx);
                black_box(&y);
            })
        });
        g.bench_with_input(BenchmarkId::new("host_gemm", n), &d, |bch, d| {
            bch.iter(|| {
                host_fwd_bwd(d, &mut y, &mut gw, &mut gb, &mut dx);
                black_box(&y);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
