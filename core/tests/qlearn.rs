//! Q-learning update semantics, schedules, action selection and argument checks.

use embedml::envs::{Env, EnvId, FrozenLake, Step};
use embedml::models::qlearn::{
    self, epsilon_greedy, greedy_action, Experience, Mode, QLearnConfig, QTable, Schedule,
};
use embedml::{Error, Rng};

#[test]
fn update_bootstraps_unless_terminated() {
    let mut q = QTable::<3, 2>::new();
    q.as_mut_slice()[2 * 2 + 1] = 10.0; // Q(2, 1) = 10
    let e = Experience {
        state: 0,
        action: 1,
        reward: 1.0,
        next: 2,
        terminated: false,
    };
    // Q(0,1) = (1 − 0.5)·0 + 0.5·(1 + 0.9·10) = 5.
    let td = q.update(&e, 0.5, 0.9).unwrap();
    assert_eq!((td, q.get(0, 1).unwrap()), (10.0, 5.0));
    // Terminated: no bootstrap. Q(0,1) = 0.5·5 + 0.5·1 = 3.
    q.update(
        &Experience {
            terminated: true,
            ..e
        },
        0.5,
        0.9,
    )
    .unwrap();
    assert_eq!(q.get(0, 1).unwrap(), 3.0);
    assert!(matches!(
        q.update(&Experience { action: 2, ..e }, 0.5, 0.9),
        Err(Error::OutOfRange { what: "action", .. })
    ));
    assert!(matches!(
        q.update(&Experience { next: 3, ..e }, 0.5, 0.9),
        Err(Error::OutOfRange { what: "state", .. })
    ));
    assert!(q
        .update(
            &Experience {
                reward: f32::NAN,
                ..e
            },
            0.5,
            0.9
        )
        .is_err());
}

#[test]
fn truncation_bootstraps_in_episodes() {
    // Non-slippery lake, a step cap of 1 and Q(4, ·) = 1: going down from 0 to 4 is truncated by
    // the cap, not terminated, so the update bootstraps: Q(0, down) = α·γ·1.
    let mut env = FrozenLake::<4, 4>::standard(false);
    let mut q = [0.0f32; 64];
    q[4 * 4..5 * 4].fill(1.0);
    env.reset_to(0).unwrap();
    let mode = Mode::Learn {
        epsilon: 0.0,
        alpha: 0.5,
        gamma: 0.9,
    };
    // All Q(0, ·) tie at 0: the random tie-break picks some action; force down by making it best.
    q[1] = 1e-6;
    let st = qlearn::run_episode(&mut env, &mut q, 4, mode, 1, &mut Rng::new(0)).unwrap();
    assert!(st.truncated && !st.terminated && st.steps == 1);
    assert!((q[1] - (0.5 * 1e-6 + 0.5 * 0.9)).abs() < 1e-6, "{}", q[1]);
}

#[test]
fn schedules() {
    assert_eq!(Schedule::Constant(0.3).value(1000), 0.3);
    let lin = Schedule::Linear {
        start: 1.0,
        end: 0.1,
        episodes: 10,
    };
    assert!((lin.value(5) - 0.55).abs() < 1e-6);
    assert_eq!(lin.value(100), 0.1);
    let exp = Schedule::Exponential {
        start: 1.0,
        decay: 0.5,
        floor: 0.1,
    };
    assert_eq!(exp.value(1), 0.5);
    assert_eq!(exp.value(2), 0.25);
    assert_eq!(exp.value(10), 0.1);
    assert!(Schedule::Constant(1.5).check_unit("x").is_err());
    let mut cfg = QLearnConfig::for_env(EnvId::Taxi);
    cfg.gamma = 1.1;
    assert!(cfg.check().is_err());
    for id in EnvId::ALL {
        QLearnConfig::for_env(id).check().unwrap();
        assert_eq!(EnvId::from_name(id.name()).unwrap(), id);
    }
    assert!(EnvId::from_name("pong").is_err());
}

#[test]
fn action_selection() {
    // Greedy: lowest index on ties.
    assert_eq!(greedy_action(&[0.0, 1.0, 1.0, 0.5]), 1);
    // ε = 0 with ties: random among the tied actions only, each about equally often.
    let mut rng = Rng::new(3);
    let mut counts = [0u32; 4];
    for _ in 0..40_000 {
        counts[epsilon_greedy(&[0.0, 1.0, 1.0, 0.5], 0.0, &mut rng)] += 1;
    }
    assert_eq!(counts[0] + counts[3], 0);
    assert!((counts[1] as i32 - 20_000).abs() < 600, "{counts:?}");
    // ε = 1: uniform over all actions.
    let mut counts = [0u32; 4];
    for _ in 0..40_000 {
        counts[epsilon_greedy(&[0.0, 1.0, 1.0, 0.5], 1.0, &mut rng)] += 1;
    }
    assert!(
        counts.iter().all(|&c| (c as i32 - 10_000).abs() < 500),
        "{counts:?}"
    );
}

#[test]
fn training_is_deterministic_and_reports_every_episode() {
    let cfg = QLearnConfig {
        episodes: 200,
        ..QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery: true })
    };
    let run = || {
        let mut env = FrozenLake::<4, 4>::standard(true);
        let mut q = QTable::<16, 4>::new();
        let mut rets = Vec::new();
        let mean = q
            .train(&mut env, &cfg, |t, st| rets.push((t, st.ret)))
            .unwrap();
        (q, rets, mean)
    };
    let (q1, r1, m1) = run();
    let (q2, r2, m2) = run();
    assert_eq!(q1, q2);
    assert_eq!(r1, r2);
    assert_eq!(m1, m2);
    assert_eq!(r1.len(), 200);
    assert_eq!(r1[199].0, 199);
    let mean: f32 = r1.iter().map(|r| r.1).sum::<f32>() / 200.0;
    assert!((mean - m1).abs() < 1e-6);
}

#[test]
fn size_mismatches_are_typed_errors() {
    let mut env = FrozenLake::<4, 4>::standard(true);
    let mut q = QTable::<15, 4>::new();
    let cfg = QLearnConfig::for_env(EnvId::FrozenLake4x4 { slippery: true });
    assert!(matches!(
        q.train(&mut env, &cfg, |_, _| {}),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut policy = [0usize; 3];
    assert!(qlearn::greedy_policy(&[0.0; 16], 4, &mut policy).is_err());
    let mut policy = [9usize; 4];
    qlearn::greedy_policy(
        &[
            0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 4.0,
        ],
        4,
        &mut policy,
    )
    .unwrap();
    assert_eq!(policy, [1, 0, 0, 3]);
    let _: Option<Step> = None;
    assert_eq!(env.n_actions(), 4);
}
