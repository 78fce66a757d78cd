//! `embedml export --rust` writes a Rust file for `include!`: the typed model alias sized for
//! the blob, the blob as an aligned static, and the inputs with the outputs the device must
//! reproduce. The fixtures in `tests/fixtures/export/` were written by `embedml export --rust`
//! from models trained by the README's CLI tour (an iris MLP, an iris MDN, a FrozenLake Q-table,
//! the golf categorical naive Bayes). These tests check that such a file compiles, that its
//! alias loads its blob, that the MLP and MDN reproduce `EXPECTED` from the blob bit for bit, and
//! that the generator still writes the same header for the same blob.

mod mlp {
    include!("../fixtures/export/mlp.rs");
}
// The MDN's EXPECTED rows (π, μ, σ, mean, variance, mode in data units) are reproduced bit for
// bit from a blob by host/tests/export.rs; here the alias and blob are what is checked.
#[allow(dead_code)]
mod mdn {
    include!("../fixtures/export/mdn.rs");
}
mod qtable {
    include!("../fixtures/export/qtable.rs");
}
mod categorical_nb {
    include!("../fixtures/export/categorical_nb.rs");
}

use embedml::Parameters;
use embedml_host::cli::export::model_rust;

#[test]
fn the_alias_loads_its_blob_and_reproduces_the_expected_outputs() {
    let mut net = mlp::Model::from_blob(&mlp::BLOB.0).unwrap();
    assert_eq!(net.param_count(), 131);
    let mut out = [0.0f32; 3];
    for (x, want) in mlp::INPUTS.iter().zip(&mlp::EXPECTED) {
        net.predict(x, &mut out).unwrap();
        assert_eq!(&out, want, "mlp at {x:?}");
    }

    let mdn = mdn::Model::from_blob(&mdn::BLOB.0).unwrap();
    assert_eq!(
        mdn.param_count(),
        embedml::models::mlp::param_count(&[1, 8, 6])
    );
    assert_eq!(mdn::INPUTS.len(), 3);

    let q = qtable::Model::from_blob(&qtable::BLOB.0).unwrap();
    assert_eq!(q.values().len(), 16);
    for (row, want) in qtable::EXPECTED.iter().enumerate() {
        // Each expected row: the greedy action, then the Q row of the state.
        assert_eq!(&q.values()[row][..], &want[1..]);
        let s = qtable::INPUTS[row][0] as usize;
        assert_eq!(s, row);
        let greedy = embedml::kernels::softmax::argmax(&q.values()[s]);
        assert_eq!(greedy as f32, want[0], "state {s}");
    }

    let nb = categorical_nb::Model::from_blob(&categorical_nb::BLOB.0).unwrap();
    for (x, want) in categorical_nb::INPUTS.iter().zip(&categorical_nb::EXPECTED) {
        let idx: Vec<usize> = x.iter().map(|&v| v as usize).collect();
        let p = nb.predict_proba(&idx, None).unwrap();
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() <= 1e-6, "nb at {x:?}: {p:?} vs {want:?}");
        }
    }
}

#[test]
fn the_generator_writes_the_same_header_for_the_same_blob() {
    for (blob, text) in [
        (&mlp::BLOB.0[..], include_str!("../fixtures/export/mlp.rs")),
        (&mdn::BLOB.0[..], include_str!("../fixtures/export/mdn.rs")),
        (
            &qtable::BLOB.0[..],
            include_str!("../fixtures/export/qtable.rs"),
        ),
        (
            &categorical_nb::BLOB.0[..],
            include_str!("../fixtures/export/categorical_nb.rs"),
        ),
    ] {
        let header = model_rust(blob).unwrap();
        assert!(text.starts_with(&header), "{header}");
    }
}
