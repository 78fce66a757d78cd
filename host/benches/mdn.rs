//! MDN training throughput on the CPU backend (samples per second of training steps), printed
//! as figures (no criterion statistics: each run is seconds long and the figure is the rate):
//!
//! - PRML Fig 5.19 inverse model: 1 → 5 tanh → 9 (K = 3), batch 50, N = 1000;
//! - robot arm: 2 → 256 → 256 tanh → 40 (K = 10, L = 2), batch 1024, N = 32 768.
//!
//! `cargo bench -p embedml-host --bench mdn` (release profile).

use embedml::{Activation, Rng};
use embedml_host::cli::demo::{prml_inverse, robot_arm};
use embedml_host::models::mdn::{self, Hyper};

fn measure(name: &str, hyper: Hyper, k: usize, x: &[f32], t: &[f32], xn: &[&str], yn: &[&str]) {
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut best = 0.0f64;
    for _ in 0..3 {
        let mut model =
            mdn::prepare_arrays(hyper.clone(), k, 0.0, names(xn), names(yn), x, t).unwrap();
        let r = mdn::fit(&mut model, x, t, &|_| {}).unwrap();
        best = best.max(r.samples_per_s());
        println!(
            "{name}: {} steps in {:.3} s, {:.0} samples/s, train NLL {:.4}",
            r.steps,
            r.seconds,
            r.samples_per_s(),
            r.train_nll
        );
    }
    println!("{name}: best {best:.0} samples/s");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("threads: {}", rayon::current_num_threads());
    let (x, t) = prml_inverse::data(&mut Rng::new(1), 1000);
    let mut h = prml_inverse::hyper(200, 1);
    h.epochs = 200;
    measure(
        "prml inverse [1,5,9] K=3 batch 50",
        h,
        3,
        &t,
        &x,
        &["t"],
        &["x"],
    );

    let (pos, ang) = robot_arm::data(&mut Rng::new(1), 32_768);
    let mut h = Hyper::new(&[256, 256], Activation::Tanh);
    h.batch = 1024;
    h.epochs = 3;
    h.lr = 0.001;
    h.standardize = true;
    measure(
        "robot arm [2,256,256,40] K=10 L=2 batch 1024",
        h,
        10,
        &pos,
        &ang,
        &["x", "y"],
        &["theta1", "theta2"],
    );
}
