//! Fuzzes the blob parser and every typed loader (MLP, in-place MLP, MDN, in-place MDN, categorical,
//! Bernoulli, multinomial and Gaussian naive Bayes, Q-table): any input must give `Ok` or a `FormatError`,
//! never a panic, and whatever parses must run.
#![no_main]

use embedml::format::{self, BlobView, MdnRef, MlpRef};
use embedml::models::mdn::ModeSearch;
use embedml::models::naive_bayes::{BernoulliNb, CategoricalNb, GaussianNb, MultinomialNb};
use embedml::models::qlearn::QTable;
use embedml::{mdn_type, mlp_type, Parameters};
use libfuzzer_sys::fuzz_target;

type Tiny = mlp_type!(1, 2, 1);
type Sine = mlp_type!(1, 16, 16, 1);
type Inverse = mdn_type!(3, 1; 1, 5, 9);

fuzz_target!(|data: &[u8]| {
    check(data);
    // Random bytes almost never carry a valid CRC: also try the input with its CRC fixed, so
    // the checks after the checksum (values, kind-specific shapes) get fuzzed too.
    if let Some(crc) = format::checksum(data) {
        let mut fixed = data.to_vec();
        fixed[28..32].copy_from_slice(&crc.to_le_bytes());
        check(&fixed);
    }
});

fn check(data: &[u8]) {
    if let Ok(view) = BlobView::parse(data) {
        let _ = view.kind();
        let _ = view.shape_words().count();
        let _ = view.params().map(|p| p as f64).sum::<f64>();
        for s in [view.input_scaling(), view.output_scaling()]
            .into_iter()
            .flatten()
        {
            let mut x = [1.0f32; 4];
            s.standardize(&mut x);
            s.unstandardize(&mut x);
        }
    }
    if let Ok(mut net) = Tiny::from_blob(data) {
        assert!(net.params().iter().all(|p| p.is_finite()));
        let _ = net.forward(&[0.5]);
    }
    if let Ok(mut net) = Sine::from_blob(data) {
        let _ = net.forward(&[0.5]);
    }
    // The in-place model needs 4-byte alignment: copy into a buffer of words.
    let mut words = vec![0u32; data.len().div_ceil(4)];
    bytemuck::cast_slice_mut::<u32, u8>(&mut words)[..data.len()].copy_from_slice(data);
    let bytes = &bytemuck::cast_slice::<u32, u8>(&words)[..data.len()];
    if let Ok(mut net) = MlpRef::<3, 33>::from_blob(bytes) {
        let mut x = [0.25f32];
        let mut y = [0.0f32];
        let _ = net.predict(&mut x, &mut y);
    }
    if let Ok(mut net) = Inverse::from_blob(data) {
        assert!(net.params().iter().all(|p| p.is_finite()));
        if let Ok(mix) = net.forward(&[0.5]) {
            let mut m = [0.0f32];
            let _ = mix.mean(&mut m);
        }
    }
    // The in-place MDN accepts exactly what the RAM loader accepts (aligned), and agrees.
    let flash = MdnRef::<2, 64, 14, 9>::from_blob(bytes);
    assert_eq!(flash.is_ok(), Inverse::from_blob(bytes).is_ok());
    if let (Ok(mut flash), Ok(mut net)) = (flash, Inverse::from_blob(bytes)) {
        let (mut a, mut b) = ([0.0f32], [0.0f32]);
        let ra = flash.mode(&[0.5], &mut a, ModeSearch::default());
        let rb = net.mode(&[0.5], &mut b, ModeSearch::default());
        assert_eq!(ra.map(f32::to_bits), rb.map(f32::to_bits));
        assert_eq!(a[0].to_bits(), b[0].to_bits());
    }
    // Naive Bayes: the f64 path and the f32 tables (whose predictions are never NaN).
    let finite = |p: &[f32]| assert!(p.iter().all(|v| v.is_finite()));
    if let Ok(nb) = CategoricalNb::<2, 4, 3>::from_blob(data) {
        let _ = nb.predict_proba(&[0, 2, 0, 1], None);
        if let Ok(Ok(p)) = nb.log_tables().map(|t| t.predict_proba(&[0, 2, 0, 1], None)) {
            finite(&p);
        }
    }
    if let Ok(nb) = BernoulliNb::<2, 3>::from_blob(data) {
        let (x, mask) = ([true, false, false], [true, true, false]);
        let _ = nb.predict_proba(&x, Some(&mask));
        if let Ok(Ok(p)) = nb.log_tables().map(|t| t.predict_proba(&x, Some(&mask))) {
            finite(&p);
        }
    }
    if let Ok(nb) = MultinomialNb::<2, 3>::from_blob(data) {
        let _ = nb.predict_proba(&[1.0, 0.0, 2.0]);
        if let Ok(Ok(p)) = nb.log_tables().map(|t| t.predict_proba(&[1.0, 0.0, 2.0])) {
            finite(&p);
        }
    }
    if let Ok(nb) = GaussianNb::<3, 4>::from_blob(data) {
        let _ = nb.predict_proba(&[5.9, 3.0, 5.1, 1.8]);
        if let Ok(Ok(p)) = nb.log_tables().map(|t| t.predict_proba(&[5.9, 3.0, 5.1, 1.8])) {
            finite(&p);
        }
    }
    if let Ok(q) = QTable::<16, 4>::from_blob(data) {
        let _ = q.policy();
    }
}
