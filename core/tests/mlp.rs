//! MLP tests: finite-difference gradients for every activation and loss through whole networks,
//! shape errors, batch training, and seed 002's RBF classifier reproduced.

use embedml::gradcheck;
use embedml::kernels::loss::Loss;
use embedml::models::mlp::{self, Layer};
use embedml::optim::{Adam, Optimizer, Sgd};
use embedml::{mlp_type, Activation, Error, Parameters, Rng};

fn layers(sizes: &[usize], acts: &[Activation]) -> Vec<Layer> {
    (0..acts.len())
        .map(|l| Layer {
            n_in: sizes[l],
            n_out: sizes[l + 1],
            activation: acts[l],
        })
        .collect()
}

/// Loss of a network for one sample, with the slice API.
fn net_loss(layers: &[Layer], loss: Loss, params: &[f32], x: &[f32], t: &[f32]) -> f32 {
    let (_, u) = mlp::check_layers(layers).unwrap();
    let (mut pre, mut post) = (vec![0.0; u], vec![0.0; u]);
    mlp::forward(layers, params, x, &mut pre, &mut post).unwrap();
    let out = mlp::output(layers, &post);
    let mut g = vec![0.0; out.len()];
    loss.value_and_grad(out, t, &mut g).unwrap()
}

/// Random parameters (non-zero biases, so every parameter matters) and input.
fn draw(ls: &[Layer], p: usize, n_in: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    let mut params = vec![0.0f32; p];
    mlp::init(ls, &mut params, &mut rng, mlp::Init::Normal(0.6)).unwrap();
    for v in params.iter_mut() {
        if *v == 0.0 {
            *v = rng.normal_with(0.0, 0.3);
        }
    }
    let mut x = vec![0.0f32; n_in];
    rng.fill_normal(&mut x, 0.0, 1.0);
    (params, x)
}

/// Checks ∂E/∂params and ∂E/∂x of a random network against finite differences.
fn check_network(sizes: &[usize], acts: &[Activation], loss: Loss, seed: u64) {
    let ls = layers(sizes, acts);
    let (p, u) = mlp::check_layers(&ls).unwrap();
    // ReLU-like units have a kink at 0: draw until no pre-activation lies within reach of the
    // ±2 eps stencil (a kink inside it makes the finite difference meaningless, not the gradient).
    let kinked = |a: Activation| matches!(a, Activation::Relu | Activation::LeakyRelu(_));
    let mut seed = seed;
    loop {
        let (params, x) = draw(&ls, p, sizes[0], seed);
        let (mut pre, mut post) = (vec![0.0; u], vec![0.0; u]);
        mlp::forward(&ls, &params, &x, &mut pre, &mut post).unwrap();
        let mut uo = 0;
        let mut near_kink = false;
        for l in &ls {
            if kinked(l.activation) {
                near_kink |= pre[uo..uo + l.n_out].iter().any(|a| a.abs() < 0.2);
            }
            uo += l.n_out;
        }
        if !near_kink {
            break;
        }
        seed += 1000;
    }
    let (mut params, mut x) = draw(&ls, p, sizes[0], seed);
    let mut rng = Rng::new(seed ^ 0xABCD);
    let n_in = sizes[0];
    let n_out = *sizes.last().unwrap();
    let t: Vec<f32> = match loss {
        Loss::Mse => (0..n_out).map(|_| rng.normal()).collect(),
        Loss::BinaryCrossEntropy => (0..n_out).map(|i| (i % 2) as f32).collect(),
        Loss::SoftmaxCrossEntropy => (0..n_out).map(|i| (i == 1) as u8 as f32).collect(),
    };
    let (mut pre, mut post, mut delta) = (vec![0.0; u], vec![0.0; u], vec![0.0; u]);
    mlp::forward(&ls, &params, &x, &mut pre, &mut post).unwrap();
    let mut gout = vec![0.0; n_out];
    loss.value_and_grad(mlp::output(&ls, &post), &t, &mut gout)
        .unwrap();
    let mut grads = vec![0.0f32; p];
    let mut gx = vec![0.0f32; n_in];
    mlp::backward(
        &ls,
        &params,
        &x,
        &pre,
        &post,
        &gout,
        &mut grads,
        &mut delta,
        Some(&mut gx),
    )
    .unwrap();

    let xc = x.clone();
    let r = gradcheck::check(&mut params, &grads, 1e-2, |pp| {
        net_loss(&ls, loss, pp, &xc, &t)
    });
    assert!(
        r.max_rel_error <= 1e-3,
        "{sizes:?} {acts:?} {loss:?} params: {r:?}"
    );
    let pc = params.clone();
    let r = gradcheck::check(&mut x, &gx, 1e-2, |xx| net_loss(&ls, loss, &pc, xx, &t));
    assert!(
        r.max_rel_error <= 1e-3,
        "{sizes:?} {acts:?} {loss:?} input: {r:?}"
    );
}

#[test]
fn gradients_for_every_activation_and_loss() {
    let losses = [
        Loss::Mse,
        Loss::BinaryCrossEntropy,
        Loss::SoftmaxCrossEntropy,
    ];
    for (i, act) in Activation::ALL.into_iter().enumerate() {
        for (j, loss) in losses.into_iter().enumerate() {
            let seed = (i * 10 + j) as u64;
            check_network(&[3, 5, 4], &[act, Activation::Identity], loss, seed);
            check_network(
                &[2, 4, 3, 3],
                &[act, act, Activation::Identity],
                loss,
                seed + 100,
            );
        }
    }
}

#[test]
fn gradients_with_a_nonlinear_output_layer() {
    for act in Activation::ALL {
        check_network(&[3, 4, 2], &[Activation::Tanh, act], Loss::Mse, 7);
    }
}

#[test]
fn shape_errors_not_panics() {
    let ls = layers(&[2, 3, 1], &[Activation::Tanh, Activation::Identity]);
    let (p, u) = mlp::check_layers(&ls).unwrap();
    assert_eq!((p, u), (13, 4));
    assert_eq!(mlp::param_count(&[2, 3, 1]), 13);
    assert_eq!(mlp::unit_count(&[2, 3, 1]), 4);
    let (mut pre, mut post) = (vec![0.0; u], vec![0.0; u]);
    let params = vec![0.0; p];
    assert!(matches!(
        mlp::forward(&ls, &params[..12], &[0.0, 0.0], &mut pre, &mut post),
        Err(Error::ShapeMismatch {
            expected: 13,
            found: 12,
            ..
        })
    ));
    assert!(mlp::forward(&ls, &params, &[0.0], &mut pre, &mut post).is_err());
    assert!(mlp::forward(&ls, &params, &[0.0, 0.0], &mut pre[..3], &mut post).is_err());
    let bad = [
        Layer {
            n_in: 2,
            n_out: 3,
            activation: Activation::Tanh,
        },
        Layer {
            n_in: 4,
            n_out: 1,
            activation: Activation::Identity,
        },
    ];
    assert!(mlp::check_layers(&bad).is_err());
    assert!(mlp::check_layers(&[]).is_err());

    type Net = mlp_type!(2, 3, 1);
    assert!(Net::new(
        &[2, 4, 1],
        &[Activation::Tanh, Activation::Identity],
        Loss::Mse
    )
    .is_err());
    assert!(Net::new(&[2, 3, 1], &[Activation::Tanh], Loss::Mse).is_err());
    let mut net = Net::new(
        &[2, 3, 1],
        &[Activation::Tanh, Activation::Identity],
        Loss::Mse,
    )
    .unwrap();
    assert!(net.forward(&[1.0]).is_err());
    assert!(net.accumulate(&[f32::NAN, 0.0], &[0.0]).is_err());
    assert!(net.set_params(&[f32::INFINITY; 13]).is_err());
    assert!(net.layer_params(2).is_err());
}

#[test]
fn typed_network_matches_slice_math_and_learns_xor() {
    type Xor = mlp_type!(2, 8, 1);
    let mut net = Xor::new(
        &[2, 8, 1],
        &[Activation::Tanh, Activation::Identity],
        Loss::BinaryCrossEntropy,
    )
    .unwrap();
    net.init_default(&mut Rng::new(1));
    assert_eq!(net.param_count(), 33);

    // Typed forward == slice forward on the same parameters.
    let ls = layers(&[2, 8, 1], &[Activation::Tanh, Activation::Identity]);
    let (mut pre, mut post) = ([0.0; 9], [0.0; 9]);
    mlp::forward(&ls, net.params(), &[0.3, -0.7], &mut pre, &mut post).unwrap();
    let typed = net.forward(&[0.3, -0.7]).unwrap()[0];
    assert_eq!(typed, post[8]);

    let xs = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let ts = [0.0, 1.0, 1.0, 0.0];
    let mut opt = Adam::new(0.05);
    let mut state = [0.0f32; 66];
    let first = net.train_batch(&xs, &ts, &mut opt, &mut state).unwrap();
    let mut last = first;
    for _ in 0..500 {
        last = net.train_batch(&xs, &ts, &mut opt, &mut state).unwrap();
    }
    assert!(last < 0.05 * first, "loss {first} -> {last}");
    let mut p = [0.0f32];
    for (x, &t) in xs.chunks(2).zip(&ts) {
        net.predict(x, &mut p).unwrap();
        assert_eq!((p[0] > 0.5) as u8 as f32, t, "xor({x:?}) = {}", p[0]);
    }
}

#[test]
fn multiclass_training_reduces_loss() {
    // Three Gaussian blobs in 2-D, softmax cross-entropy.
    type Net = mlp_type!(2, 6, 3);
    let mut net = Net::new(
        &[2, 6, 3],
        &[Activation::Relu, Activation::Identity],
        Loss::SoftmaxCrossEntropy,
    )
    .unwrap();
    let mut rng = Rng::new(5);
    net.init_default(&mut rng);
    let centers = [(-2.0f32, 0.0f32), (2.0, 0.0), (0.0, 2.5)];
    let mut xs = [0.0f32; 2 * 60];
    let mut ts = [0.0f32; 3 * 60];
    for i in 0..60 {
        let c = i % 3;
        xs[2 * i] = rng.normal_with(centers[c].0, 0.5);
        xs[2 * i + 1] = rng.normal_with(centers[c].1, 0.5);
        ts[3 * i + c] = 1.0;
    }
    let mut opt = Adam::new(0.02);
    let mut state = [0.0f32; 2 * mlp::param_count(&[2, 6, 3])];
    for _ in 0..300 {
        net.train_batch(&xs, &ts, &mut opt, &mut state).unwrap();
    }
    let mut correct = 0;
    let mut p = [0.0f32; 3];
    for i in 0..60 {
        net.predict(&xs[2 * i..2 * i + 2], &mut p).unwrap();
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        if embedml::kernels::softmax::argmax(&p) == i % 3 {
            correct += 1;
        }
    }
    assert!(correct >= 58, "{correct}/60");
}

/// Seed 002 (SPEC §1): 20 "blue" points (t = 1) from N(0, 0.5²), 10 + 10 "red" (t = 0) from
/// N(∓2, 0.5²), drawn from `Rng::new(seed)`; `h = φ(x·w_h)`, `y = σ(h·w_o − 1)`, init `w_h = 2`,
/// `w_o = −5`, LR 0.2 decayed linearly over 30 full-batch iterations, cross-entropy summed over
/// samples (no averaging), biases fixed. Returns the costs, the parameters, the training
/// accuracy and the data.
fn seed_002(seed: u64) -> ([f32; 31], [f32; 4], f32, [f32; 40]) {
    let mut rng = Rng::new(seed);
    let mut xs = [0.0f32; 40];
    let mut ts = [0.0f32; 40];
    for i in 0..40 {
        let (mean, t) = match i {
            0..=19 => (0.0, 1.0),
            20..=29 => (-2.0, 0.0),
            _ => (2.0, 0.0),
        };
        xs[i] = rng.normal_with(mean, 0.5);
        ts[i] = t;
    }
    type Rbf = mlp_type!(1, 1, 1);
    // Parameter order: w_h, b_h, w_o, b_o.
    let mut net = Rbf::with_params(
        &[1, 1, 1],
        &[Activation::Rbf, Activation::Identity],
        Loss::BinaryCrossEntropy,
        &[2.0, 0.0, -5.0, -1.0],
    )
    .unwrap();
    let cost = |net: &mut Rbf| -> f32 {
        let mut g = [0.0f32];
        (0..40)
            .map(|i| {
                let a = net.forward(&xs[i..i + 1]).unwrap()[0];
                embedml::kernels::loss::bce_with_logits(&[a], &ts[i..i + 1], &mut g).unwrap()
            })
            .sum()
    };
    let mut opt = Sgd::with_linear_decay(0.2, 30);
    let mut costs = [0.0f32; 31];
    costs[0] = cost(&mut net);
    for it in 0..30 {
        net.zero_grads();
        for i in 0..40 {
            net.accumulate(&xs[i..i + 1], &ts[i..i + 1]).unwrap();
        }
        let (params, grads) = net.params_and_grads_mut();
        grads[1] = 0.0; // the seed's biases are constants
        grads[3] = 0.0;
        opt.step(params, grads, &mut []).unwrap();
        costs[it + 1] = cost(&mut net);
    }
    let mut correct = 0;
    let mut y = [0.0f32];
    for i in 0..40 {
        net.predict(&xs[i..i + 1], &mut y).unwrap();
        if (y[0] > 0.5) == (ts[i] == 1.0) {
            correct += 1;
        }
    }
    let p: [f32; 4] = net.params().try_into().unwrap();
    (costs, p, correct as f32 / 40.0, xs)
}

/// The seed's algorithm separates the classes on some draws and not on others (NumPy running
/// the seed's code does the same); draw 7 is one where it does. The cost falls monotonically.
#[test]
fn seed_002_rbf_classifier_separates_the_classes() {
    let (costs, p, acc, _) = seed_002(7);
    for w in costs.windows(2) {
        assert!(w[1] <= w[0] * 1.001, "cost rose: {costs:?}");
    }
    assert!(costs[30] < 0.1 * costs[0], "{} -> {}", costs[0], costs[30]);
    assert_eq!((p[1], p[3]), (0.0, -1.0), "biases stay fixed");
    assert!(acc >= 0.95, "training accuracy {acc}");
}

/// Draw 2 run through the seed's own NumPy code (`tools/seed002_reference.py` with these 40
/// points) ends at cost 28.436746, w_h = 6.232999, w_o = 2.432473: the Rust model follows the
/// same trajectory to float rounding (this draw is one the seed's algorithm does not separate).
#[test]
fn seed_002_matches_the_numpy_reference() {
    let (costs, p, _, xs) = seed_002(2);
    assert_eq!(xs[0], 0.415_083_94);
    assert!((costs[30] - 28.436_746).abs() < 1e-3, "{}", costs[30]);
    assert!((p[0] - 6.232_999).abs() < 1e-4, "{}", p[0]);
    assert!((p[2] - 2.432_473).abs() < 1e-4, "{}", p[2]);
}
