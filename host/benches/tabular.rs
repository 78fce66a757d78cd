//! Tabular throughput through the host path: Q-learning environment steps per second
//! (`QModel::train`, the code of `embedml train qlearn`, with each environment's default
//! hyperparameters) and naive Bayes training rows per second (`nb::fit_table`, the code of
//! `embedml train nb`: CSV cells already in memory, encoding + counting) for a categorical
//! table (100 000 rows × 8 string columns of 5 values) and a Gaussian one (100 000 × 8).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use embedml::envs::EnvId;
use embedml::models::qlearn::QLearnConfig;
use embedml::Rng;
use embedml_host::data::Table;
use embedml_host::models::nb::{fit_table, Variant};
use embedml_host::models::qlearn::{env_name, QModel};

fn qlearn(c: &mut Criterion) {
    let mut g = c.benchmark_group("qlearn_steps");
    g.sample_size(10);
    for (env, episodes) in [
        (EnvId::FrozenLake4x4 { slippery: true }, 5_000),
        (EnvId::CliffWalking, 1_000),
        (EnvId::Taxi, 2_000),
    ] {
        let mut cfg = QLearnConfig::for_env(env);
        cfg.episodes = episodes;
        // Steps per training run (deterministic for a fixed seed).
        let mut steps = 0u64;
        QModel::train(env, cfg, |_, st| steps += st.steps as u64).unwrap();
        g.throughput(Throughput::Elements(steps));
        g.bench_function(env_name(env), |b| {
            b.iter(|| black_box(QModel::train(env, cfg, |_, _| {}).unwrap()))
        });
    }
    g.finish();
}

fn synthetic(n: usize, f: usize, categorical: bool) -> Table {
    let mut rng = Rng::new(1);
    let names = ["red", "green", "blue", "amber", "violet"];
    let mut headers: Vec<String> = (0..f).map(|i| format!("x{i}")).collect();
    headers.push("y".into());
    let rows = (0..n)
        .map(|_| {
            let y = rng.below(3) as usize;
            let mut row: Vec<String> = (0..f)
                .map(|_| {
                    if categorical {
                        names[(rng.below(4) as usize + y) % 5].to_owned()
                    } else {
                        format!("{:.4}", rng.normal() + y as f32)
                    }
                })
                .collect();
            row.push(format!("c{y}"));
            row
        })
        .collect();
    Table::from_parts(Path::new("bench.csv"), headers, rows, vec![]).unwrap()
}

fn naive_bayes(c: &mut Criterion) {
    let mut g = c.benchmark_group("nb_train_rows");
    g.sample_size(10);
    let n = 100_000;
    for (name, variant, table) in [
        ("categorical", Variant::Categorical, synthetic(n, 8, true)),
        ("gaussian", Variant::Gaussian, synthetic(n, 8, false)),
    ] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(name, |b| {
            b.iter(|| black_box(fit_table(variant, &table, "y", &[], 1.0).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, qlearn, naive_bayes);
criterion_main!(benches);
