//! Q-learning quality bars (fixed seeds, the per-environment defaults of
//! `QLearnConfig::for_env`). Figures are printed with `--nocapture`.
//!
//! Each trained policy is also scored exactly by dynamic programming over the environment's
//! transition model (`success_within`), next to the Monte-Carlo evaluation.

use embedml::envs::{CliffWalking, Env, EnvId, FrozenLake, Taxi};
use embedml::models::qlearn::{QLearnConfig, QTable};
use embedml::Rng;

/// P(reaching a rewarding terminal state within `h` steps) from every state, following `policy`
/// (or acting optimally for that horizon when `policy` is `None`).
fn success_within(env: &dyn Env, policy: Option<&[usize]>, h: usize) -> Vec<f64> {
    let n = env.n_states();
    let mut v = vec![0.0f64; n];
    for _ in 0..h {
        let mut next = vec![0.0f64; n];
        for (s, out) in next.iter_mut().enumerate() {
            let value = |a: usize| -> f64 {
                let t = env.transitions(s, a).unwrap();
                t.as_slice()
                    .iter()
                    .map(|o| {
                        let win = (o.terminated && o.reward > 0.0) as u8 as f64;
                        let cont = if o.terminated { 0.0 } else { v[o.next] };
                        o.prob as f64 * (win + cont)
                    })
                    .sum()
            };
            *out = match policy {
                Some(p) => value(p[s]),
                None => (0..env.n_actions()).map(value).fold(0.0, f64::max),
            };
        }
        v = next;
    }
    v
}

#[test]
fn frozen_lake_4x4_slippery() {
    let mut env = FrozenLake::<4, 4>::standard(true);
    let cfg = QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery: true });
    let mut q = QTable::<16, 4>::new();
    let mut wins = 0u32;
    q.train(&mut env, &cfg, |_, st| wins += st.success as u32)
        .unwrap();
    let eval = q
        .evaluate(&mut env, 10_000, 100, &mut Rng::new(99))
        .unwrap();
    let policy = q.policy();
    let exact = success_within(&env, Some(&policy), 100)[0];
    let optimum = success_within(&env, None, 100)[0];
    eprintln!(
        "FrozenLake 4x4 slippery: {} episodes, training successes {wins}; greedy success {:.4} \
         (10 000 episodes), exact {exact:.4}, optimum {optimum:.4}; policy {policy:?}",
        cfg.episodes, eval.success_rate
    );
    assert!((optimum - 0.744).abs() < 0.001, "{optimum}");
    assert!(eval.success_rate >= 0.72, "{eval:?}");
    assert!(exact >= 0.72, "{exact}");
}

#[test]
fn frozen_lake_non_slippery() {
    let cfg = QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery: false });
    let mut env = FrozenLake::<4, 4>::standard(false);
    let mut q = QTable::<16, 4>::new();
    q.train(&mut env, &cfg, |_, _| {}).unwrap();
    let eval = q.evaluate(&mut env, 100, 100, &mut Rng::new(5)).unwrap();
    eprintln!("FrozenLake 4x4: {eval:?}");
    assert_eq!(eval.success_rate, 1.0);
    assert_eq!(eval.mean_steps, 6.0);

    let cfg = QLearnConfig::for_env(EnvId::FrozenLake8x8 { slippery: false });
    let mut env = FrozenLake::<8, 8>::standard(false);
    let mut q = QTable::<64, 4>::new();
    q.train(&mut env, &cfg, |_, _| {}).unwrap();
    let eval = q.evaluate(&mut env, 100, 200, &mut Rng::new(5)).unwrap();
    eprintln!("FrozenLake 8x8: {eval:?}");
    assert_eq!(eval.success_rate, 1.0);
    assert_eq!(eval.mean_steps, 14.0);
}

#[test]
fn cliff_walking() {
    let cfg = QLearnConfig::for_env(EnvId::CliffWalking);
    let mut env = CliffWalking::new(false);
    let mut q = QTable::<48, 4>::new();
    let mut curve = Vec::new();
    q.train(&mut env, &cfg, |_, st| curve.push(st.ret)).unwrap();
    let eval = q.evaluate(&mut env, 1, 1_000, &mut Rng::new(0)).unwrap();
    let last: f32 = curve[curve.len() - 100..].iter().sum::<f32>() / 100.0;
    eprintln!(
        "CliffWalking: {} episodes, mean training return of the last 100 {last:.1}; greedy {eval:?}",
        cfg.episodes
    );
    assert_eq!(curve.len(), cfg.episodes as usize);
    assert_eq!(eval.mean_return, -13.0);
    assert_eq!(eval.success_rate, 1.0);
}

/// Optimal Q of the deterministic taxi by value iteration (γ = 1 inside the 200-step limit is
/// not needed: every optimal route is < 20 steps, so undiscounted returns are used directly).
fn taxi_optimum(env: &Taxi) -> f64 {
    let mut v = vec![0.0f64; 500];
    for _ in 0..100 {
        let mut next = vec![f64::NEG_INFINITY; 500];
        for (s, out) in next.iter_mut().enumerate() {
            for a in 0..6 {
                let o = env.transitions(s, a).unwrap().as_slice()[0];
                let val = o.reward as f64 + if o.terminated { 0.0 } else { v[o.next] };
                *out = out.max(val);
            }
        }
        v = next;
    }
    let starts: Vec<usize> = (0..500)
        .filter(|&s| env.initial_probability(s) > 0.0)
        .collect();
    starts.iter().map(|&s| v[s]).sum::<f64>() / starts.len() as f64
}

#[test]
fn taxi() {
    let cfg = QLearnConfig::for_env(EnvId::Taxi);
    let mut env = Taxi::new();
    let mut q = QTable::<500, 6>::new();
    q.train(&mut env, &cfg, |_, _| {}).unwrap();
    let eval = q
        .evaluate_starts(&mut env, 1, 200, &mut Rng::new(0))
        .unwrap();
    let optimum = taxi_optimum(&env);
    eprintln!(
        "Taxi: {} episodes; greedy over all 300 starts {eval:?}; optimum {optimum:.4}",
        cfg.episodes
    );
    assert!((optimum - 7.93).abs() < 0.01, "{optimum}");
    assert!(eval.mean_return >= 7.5, "{eval:?}");
    assert_eq!(eval.success_rate, 1.0);
}

#[test]
fn frozen_lake_8x8_slippery() {
    let cfg = QLearnConfig::for_env(EnvId::FrozenLake8x8 { slippery: true });
    let mut env = FrozenLake::<8, 8>::standard(true);
    let mut q = QTable::<64, 4>::new();
    q.train(&mut env, &cfg, |_, _| {}).unwrap();
    let eval = q
        .evaluate(&mut env, 10_000, 200, &mut Rng::new(99))
        .unwrap();
    let exact = success_within(&env, Some(&q.policy()), 200)[0];
    let optimum = success_within(&env, None, 200)[0];
    eprintln!(
        "FrozenLake 8x8 slippery: greedy success {:.4}, exact {exact:.4}, optimum {optimum:.4}",
        eval.success_rate
    );
    // gymnasium's reward_threshold for FrozenLake8x8-v1.
    assert!(
        eval.success_rate >= 0.85 && exact >= 0.85,
        "{eval:?} {exact}"
    );
}

#[test]
fn defaults_are_robust_across_seeds() {
    for seed in 1..=3 {
        let mut cfg = QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery: true });
        cfg.seed = seed;
        let mut env = FrozenLake::<4, 4>::standard(true);
        let mut q = QTable::<16, 4>::new();
        q.train(&mut env, &cfg, |_, _| {}).unwrap();
        let exact = success_within(&env, Some(&q.policy()), 100)[0];
        assert!(exact >= 0.72, "seed {seed}: {exact}");

        let mut cfg = QLearnConfig::for_env(EnvId::Taxi);
        cfg.seed = seed;
        let mut env = Taxi::new();
        let mut q = QTable::<500, 6>::new();
        q.train(&mut env, &cfg, |_, _| {}).unwrap();
        let eval = q
            .evaluate_starts(&mut env, 1, 200, &mut Rng::new(0))
            .unwrap();
        assert!(eval.mean_return >= 7.5, "seed {seed}: {eval:?}");

        let mut cfg = QLearnConfig::for_env(EnvId::CliffWalking);
        cfg.seed = seed;
        let mut env = CliffWalking::new(false);
        let mut q = QTable::<48, 4>::new();
        q.train(&mut env, &cfg, |_, _| {}).unwrap();
        let eval = q.evaluate(&mut env, 1, 1_000, &mut Rng::new(0)).unwrap();
        assert_eq!(eval.mean_return, -13.0, "seed {seed}");
    }
}

#[test]
fn value_iteration_gives_the_optima() {
    use embedml::models::qlearn::value_iteration;
    // FrozenLake 4×4 slippery: the greedy policy of Q* (γ = 0.999) is optimal within 100 steps.
    let env = FrozenLake::<4, 4>::standard(true);
    let mut q = QTable::<16, 4>::new();
    value_iteration(&env, q.as_mut_slice(), 0.999, 1e-7, 100_000).unwrap();
    let exact = success_within(&env, Some(&q.policy()), 100)[0];
    eprintln!("FrozenLake 4x4 slippery, Q* policy: success within 100 steps {exact:.4}");
    assert!(exact >= 0.74, "{exact}");
    // CliffWalking, γ = 1: the shortest path costs 13.
    let env = CliffWalking::new(false);
    let mut q = QTable::<48, 4>::new();
    value_iteration(&env, q.as_mut_slice(), 1.0, 0.0, 1_000).unwrap();
    assert_eq!(q.get(36, 0).unwrap(), -13.0);
    // Taxi, γ = 1: the mean optimal return over the start states is 7.93.
    let env = Taxi::new();
    let mut q = QTable::<500, 6>::new();
    value_iteration(&env, q.as_mut_slice(), 1.0, 0.0, 1_000).unwrap();
    let starts: Vec<usize> = (0..500)
        .filter(|&s| env.initial_probability(s) > 0.0)
        .collect();
    let mean: f64 = starts
        .iter()
        .map(|&s| q.values()[s].iter().copied().fold(f32::MIN, f32::max) as f64)
        .sum::<f64>()
        / 300.0;
    assert!((mean - taxi_optimum(&env)).abs() < 1e-4, "{mean}");
}

#[test]
fn runtime_sized_training_matches_the_typed_table() {
    // The host's path: an environment chosen at run time and a Vec-backed Q table.
    use embedml::envs::AnyEnv;
    use embedml::models::qlearn;
    let id = EnvId::from_name("cliffwalking").unwrap();
    let mut env = AnyEnv::new(id);
    let (ns, na) = id.dims();
    let mut q = vec![0.0f32; ns * na];
    let cfg = QLearnConfig::for_env(id);
    qlearn::train(&mut env, &mut q, na, &cfg, |_, _| {}).unwrap();
    let mut typed = QTable::<48, 4>::new();
    typed
        .train(&mut CliffWalking::new(false), &cfg, |_, _| {})
        .unwrap();
    assert_eq!(q.as_slice(), typed.as_slice());
    let mut policy = vec![0usize; ns];
    qlearn::greedy_policy(&q, na, &mut policy).unwrap();
    assert_eq!(policy.as_slice(), typed.policy().as_slice());
    // A host-trained table loads into the device's fixed array.
    assert_eq!(QTable::<48, 4>::from_slice(&q).unwrap(), typed);
    assert!(QTable::<48, 4>::from_slice(&q[1..]).is_err());
}
