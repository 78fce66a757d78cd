//! `embedml export --rust` writes a Rust file for `include!`: the typed model alias sized for
//! the blob, the blob as an aligned static, and the inputs with the outputs the device must
//! reproduce. The fixtures in `tests/fixtures/export/` were written by `embedml export --rust`
//! from models trained by the README's CLI tour (an iris MLP, an iris MDN, a FrozenLake Q-table,
//! the golf categorical naive Bayes). These tests check that such a file compiles, that its
//! alias loads its blob, that the MLP and MDN reproduce `EXPECTED` from the blob bit for bit, and
//! that the generator still writes the same header for the same blob. `mlp_const.rs` was written
//! by `embedml export --rust-const` for the same iris MLP (tanh, softmax): its constant-weights
//! model must give the blob path's bits.

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
mod mlp_const {
    include!("../fixtures/export/mlp_const.rs");
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

/// Path of the `--rust-const` fixture.
fn const_fixture_path() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/export/mlp_const.rs")
}

/// `tests/fixtures/export/mlp_const.rs` is what `embedml export --rust-const` writes for the
/// iris MLP of `mlp.rs` (its model part from the blob, then the same `INPUTS` / `EXPECTED`):
/// `EMBEDML_REGEN=1` rewrites it.
#[test]
fn the_const_generator_writes_the_committed_fixture() {
    let text = include_str!("../fixtures/export/mlp.rs");
    let header = model_rust(&mlp::BLOB.0).unwrap();
    let expected_part = &text[header.len() + 1..];
    assert!(expected_part.starts_with("/// Inputs"), "{expected_part}");
    let want =
        embedml_host::cli::export::model_rust_const(&mlp::BLOB.0).unwrap() + "\n" + expected_part;
    if std::env::var_os("EMBEDML_REGEN").is_some() {
        std::fs::write(const_fixture_path(), &want).unwrap();
    }
    assert_eq!(std::fs::read_to_string(const_fixture_path()).unwrap(), want);
    // Other kinds have no constant-weights path.
    assert!(embedml_host::cli::export::model_rust_const(&qtable::BLOB.0).is_err());
}

/// The `--rust-const` model (`ConstMlp` over `static PARAMS`) predicts exactly what the blob
/// path (`MlpRef` in place, typed widths) and the typed model predict, and the committed
/// `EXPECTED`.
#[test]
fn the_const_model_reproduces_the_blob_path_bit_for_bit() {
    let mut by_const = mlp_const::ConstModel::new().unwrap();
    let mut by_blob = <embedml::mlp_ref_type!(4, 16, 3)>::from_blob(&mlp::BLOB.0).unwrap();
    assert_eq!(by_const.params(), by_blob.params());
    assert_eq!(by_const.loss(), by_blob.loss());
    for (x, want) in mlp_const::INPUTS.iter().zip(&mlp_const::EXPECTED) {
        let (mut x1, mut x2) = (*x, *x);
        let (mut y1, mut y2) = ([0.0f32; 3], [0.0f32; 3]);
        by_const.predict(&mut x1, &mut y1).unwrap();
        by_blob.predict(&mut x2, &mut y2).unwrap();
        assert_eq!(y1.map(f32::to_bits), y2.map(f32::to_bits), "at {x:?}");
        assert_eq!(&y1, want, "at {x:?}");
    }
    let mut rng = embedml::Rng::new(11);
    for _ in 0..200 {
        let x: [f32; 4] = core::array::from_fn(|_| rng.normal_with(0.0, 2.0));
        let a = by_const.forward(&x).unwrap().to_vec();
        let b = by_blob.forward(&x).unwrap();
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "forward at {x:?}"
        );
    }
}
