//! Throughput of the tabular learners: Q-learning environment steps per second (ε-greedy action,
//! environment step, Q update) for each environment, and naive Bayes training rows per second.
//!
//! `cargo bench -p embedml --bench tabular` (add `-- --quick` for a fast run).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use embedml::envs::{CliffWalking, Env, FrozenLake, Taxi};
use embedml::models::naive_bayes::{BernoulliNb, CategoricalNb, GaussianNb, MultinomialNb};
use embedml::models::qlearn::{epsilon_greedy, update, Experience};
use embedml::Rng;
use std::hint::black_box;

const STEPS: u64 = 10_000;

/// `STEPS` Q-learning steps (reset on episode end), ε = 0.1, α = 0.1, γ = 0.99.
fn q_steps<E: Env>(env: &mut E, q: &mut [f32], rng: &mut Rng) {
    let na = env.n_actions();
    let mut s = env.reset(rng);
    for _ in 0..STEPS {
        let a = epsilon_greedy(&q[s * na..(s + 1) * na], 0.1, rng);
        let st = env.step(a, rng).unwrap();
        let e = Experience {
            state: s,
            action: a,
            reward: st.reward,
            next: st.state,
            terminated: st.terminated,
        };
        update(q, na, &e, 0.1, 0.99).unwrap();
        s = if st.terminated || st.truncated {
            env.reset(rng)
        } else {
            st.state
        };
    }
}

fn qlearning(c: &mut Criterion) {
    let mut g = c.benchmark_group("qlearn_steps");
    g.throughput(Throughput::Elements(STEPS));
    let mut rng = Rng::new(0);
    let mut fl = FrozenLake::<4, 4>::standard(true);
    let mut q = vec![0.0f32; 16 * 4];
    g.bench_function("frozenlake4x4_slippery", |b| {
        b.iter(|| q_steps(&mut fl, black_box(&mut q), &mut rng))
    });
    let mut fl8 = FrozenLake::<8, 8>::standard(true);
    let mut q = vec![0.0f32; 64 * 4];
    g.bench_function("frozenlake8x8_slippery", |b| {
        b.iter(|| q_steps(&mut fl8, black_box(&mut q), &mut rng))
    });
    let mut cliff = CliffWalking::new(false);
    let mut q = vec![0.0f32; 48 * 4];
    g.bench_function("cliffwalking", |b| {
        b.iter(|| q_steps(&mut cliff, black_box(&mut q), &mut rng))
    });
    let mut taxi = Taxi::new();
    let mut q = vec![0.0f32; 500 * 6];
    g.bench_function("taxi", |b| {
        b.iter(|| q_steps(&mut taxi, black_box(&mut q), &mut rng))
    });
    g.finish();
}

fn naive_bayes(c: &mut Criterion) {
    const ROWS: usize = 1_000;
    let mut rng = Rng::new(1);
    let cat: Vec<([usize; 8], usize)> = (0..ROWS)
        .map(|_| {
            let x = core::array::from_fn(|_| rng.below(5) as usize);
            (x, rng.below(3) as usize)
        })
        .collect();
    let cont: Vec<([f32; 8], usize)> = (0..ROWS)
        .map(|_| {
            let mut x = [0.0f32; 8];
            rng.fill_normal(&mut x, 0.0, 1.0);
            (x, rng.below(3) as usize)
        })
        .collect();
    let mut g = c.benchmark_group("nb_train_rows");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_with_input(BenchmarkId::new("categorical", "3x8x5"), &cat, |b, d| {
        b.iter(|| {
            let mut nb = CategoricalNb::<3, 8, 5>::new([5; 8], 1.0).unwrap();
            for (x, y) in d {
                nb.update(x, *y).unwrap();
            }
            black_box(nb)
        })
    });
    g.bench_with_input(BenchmarkId::new("bernoulli", "3x8"), &cat, |b, d| {
        b.iter(|| {
            let mut nb = BernoulliNb::<3, 8>::new(1.0).unwrap();
            for (x, y) in d {
                nb.update(&x.map(|v| v > 2), *y).unwrap();
            }
            black_box(nb)
        })
    });
    g.bench_with_input(BenchmarkId::new("multinomial", "3x8"), &cat, |b, d| {
        b.iter(|| {
            let mut nb = MultinomialNb::<3, 8>::new(1.0).unwrap();
            for (x, y) in d {
                nb.update(&x.map(|v| v as f32), *y).unwrap();
            }
            black_box(nb)
        })
    });
    g.bench_with_input(BenchmarkId::new("gaussian", "3x8"), &cont, |b, d| {
        b.iter(|| {
            let mut nb = GaussianNb::<3, 8>::new();
            for (x, y) in d {
                nb.update(x, *y).unwrap();
            }
            black_box(nb)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("nb_predict_proba_rows");
    g.throughput(Throughput::Elements(ROWS as u64));
    let mut nb = CategoricalNb::<3, 8, 5>::new([5; 8], 1.0).unwrap();
    for (x, y) in &cat {
        nb.update(x, *y).unwrap();
    }
    g.bench_function("categorical", |b| {
        b.iter(|| {
            for (x, _) in &cat {
                black_box(nb.predict_proba(x, None).unwrap());
            }
        })
    });
    let mut gnb = GaussianNb::<3, 8>::new();
    for (x, y) in &cont {
        gnb.update(x, *y).unwrap();
    }
    g.bench_function("gaussian", |b| {
        b.iter(|| {
            for (x, _) in &cont {
                black_box(gnb.predict_proba(x).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, qlearning, naive_bayes);
criterion_main!(benches);
