//! `embedml train nb` / `predict` / `eval` end to end: the probabilities of models trained
//! through the CLI on small CSV files equal scikit-learn's (`predict_proba`, pinned in
//! core/tests/naive_bayes_sklearn.rs and copied below) to 1e-6 — categorical with string
//! categories on data/golf.csv, Bernoulli, multinomial, Gaussian on data/iris.csv — plus the
//! SPEC §9 figures through the demos and one-line errors.

mod common;

use common::{data, fails, num, ok_json, Tmp};
use embedml_host::io::ModelFile;
use serde_json::Value;

const TOL: f64 = 1e-6;

// ---- copied from core/tests/naive_bayes_sklearn.rs (tools/nb_reference.py output, scikit-learn 1.9.1) ----
const GOLF_PROBA_ALPHA_1_0: [[f64; 2]; 15] = [
    [6.879690698203e-01, 3.120309301797e-01],
    [8.372543592582e-01, 1.627456407418e-01],
    [2.485280021909e-01, 7.514719978091e-01],
    [4.266461200930e-01, 5.733538799070e-01],
    [1.241421764210e-01, 8.758578235790e-01],
    [2.485280021909e-01, 7.514719978091e-01],
    [8.104487608841e-02, 9.189551239116e-01],
    [5.695010982115e-01, 4.304989017885e-01],
    [2.012641383899e-01, 7.987358616101e-01],
    [1.453615127920e-01, 8.546384872080e-01],
    [4.136752136752e-01, 5.863247863248e-01],
    [3.164777680907e-01, 6.835222319093e-01],
    [7.028073572120e-02, 9.297192642788e-01],
    [6.345414287379e-01, 3.654585712621e-01],
    [7.200666507974e-01, 2.799333492026e-01],
];
const GOLF_PROBA_ALPHA_0_5: [[f64; 2]; 15] = [
    [7.360009613074e-01, 2.639990386926e-01],
    [8.787661406026e-01, 1.212338593974e-01],
    [1.811744243830e-01, 8.188255756170e-01],
    [4.414091191593e-01, 5.585908808407e-01],
    [9.862399798018e-02, 9.013760020198e-01],
    [2.214741318214e-01, 7.785258681786e-01],
    [4.237698566447e-02, 9.576230143355e-01],
    [6.076630025001e-01, 3.923369974999e-01],
    [1.765842126506e-01, 8.234157873494e-01],
    [1.242160900012e-01, 8.757839099988e-01],
    [4.195451787776e-01, 5.804548212224e-01],
    [2.421944198406e-01, 7.578055801594e-01],
    [3.819664443258e-02, 9.618033555674e-01],
    [6.726216099871e-01, 3.273783900129e-01],
    [7.564841498559e-01, 2.435158501441e-01],
];
const BERN_X: [[u8; 5]; 12] = [
    [1, 0, 0, 0, 1],
    [0, 1, 0, 1, 0],
    [1, 1, 0, 0, 1],
    [1, 0, 0, 0, 0],
    [0, 1, 0, 1, 1],
    [0, 1, 0, 0, 1],
    [1, 0, 1, 0, 0],
    [0, 1, 1, 1, 1],
    [1, 0, 0, 0, 1],
    [1, 1, 0, 0, 0],
    [0, 1, 1, 1, 0],
    [1, 0, 0, 0, 1],
];
const BERN_Y: [u8; 12] = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
const BERN_PROBA_ALPHA_1_0: [[f64; 3]; 32] = [
    [6.213592233010e-01, 8.737864077670e-02, 2.912621359223e-01],
    [1.675392670157e-01, 4.712041884817e-02, 7.853403141361e-01],
    [2.006269592476e-01, 7.053291536050e-01, 9.404388714734e-02],
    [7.862407862408e-02, 5.528255528256e-01, 3.685503685504e-01],
    [6.808510638298e-01, 1.914893617021e-01, 1.276595744681e-01],
    [2.909090909091e-01, 1.636363636364e-01, 5.454545454545e-01],
    [1.216730038023e-01, 8.555133079848e-01, 2.281368821293e-02],
    [5.904059040590e-02, 8.302583025830e-01, 1.107011070111e-01],
    [2.990654205607e-01, 4.205607476636e-01, 2.803738317757e-01],
    [7.582938388626e-02, 2.132701421801e-01, 7.109004739336e-01],
    [2.695871946083e-02, 9.477674810447e-01, 2.527379949452e-02],
    [1.239349341596e-02, 8.714175058095e-01, 1.161890007746e-01],
    [2.388059701493e-01, 6.716417910448e-01, 8.955223880597e-02],
    [9.638554216867e-02, 5.421686746988e-01, 3.614457831325e-01],
    [1.394943330427e-02, 9.808195292066e-01, 5.231037489102e-03],
    [6.878761822872e-03, 9.673258813414e-01, 2.579535683577e-02],
    [8.381351492928e-01, 4.714510214772e-03, 1.571503404924e-01],
    [3.464703334777e-01, 3.897791251624e-03, 6.496318752707e-01],
    [7.529411764706e-01, 1.058823529412e-01, 1.411764705882e-01],
    [3.168316831683e-01, 8.910891089109e-02, 5.940594059406e-01],
    [9.205983889528e-01, 1.035673187572e-02, 6.904487917146e-02],
    [5.641748942172e-01, 1.269393511989e-02, 4.231311706629e-01],
    [7.373271889401e-01, 2.073732718894e-01, 5.529953917051e-02],
    [4.324324324324e-01, 2.432432432432e-01, 3.243243243243e-01],
    [6.986899563319e-01, 3.930131004367e-02, 2.620087336245e-01],
    [2.056555269923e-01, 2.313624678663e-02, 7.712082262211e-01],
    [3.595505617978e-01, 5.056179775281e-01, 1.348314606742e-01],
    [1.322314049587e-01, 3.719008264463e-01, 4.958677685950e-01],
    [7.920792079208e-01, 8.910891089109e-02, 1.188118811881e-01],
    [3.669724770642e-01, 8.256880733945e-02, 5.504587155963e-01],
    [2.523659305994e-01, 7.097791798107e-01, 3.785488958991e-02],
    [1.230769230769e-01, 6.923076923077e-01, 1.846153846154e-01],
];
const BERN_PROBA_ALPHA_0_5: [[f64; 3]; 32] = [
    [6.819085487078e-01, 4.970178926441e-02, 2.683896620278e-01],
    [1.059841384283e-01, 1.802451333814e-02, 8.759913482336e-01],
    [1.370355573312e-01, 8.090291650020e-01, 5.393527766680e-02],
    [4.340124003543e-02, 5.978742249779e-01, 3.587245349867e-01],
    [7.860962566845e-01, 1.336898395722e-01, 8.021390374332e-02],
    [2.825112107623e-01, 1.121076233184e-01, 6.053811659193e-01],
    [6.721536351166e-02, 9.259259259259e-01, 6.858710562414e-03],
    [2.834008097166e-02, 9.109311740891e-01, 6.072874493927e-02],
    [2.899408284024e-01, 4.437869822485e-01, 2.662721893491e-01],
    [4.191616766467e-02, 1.497005988024e-01, 8.083832335329e-01],
    [7.942940508997e-03, 9.847625222889e-01, 7.294537202140e-03],
    [3.230272265805e-03, 9.344716197508e-01, 6.229810798339e-02],
    [2.079207920792e-01, 7.425742574257e-01, 4.950495049505e-02],
    [6.976744186047e-02, 5.813953488372e-01, 3.488372093023e-01],
    [3.442058678905e-03, 9.957384035404e-01, 8.195377806917e-04],
    [1.468428781204e-03, 9.911894273128e-01, 7.342143906021e-03],
    [9.066671017851e-01, 8.158470123682e-04, 9.251705120256e-02],
    [3.179693967474e-01, 6.676102224477e-04, 6.813629930301e-01],
    [8.511166253102e-01, 6.203473945409e-02, 8.684863523573e-02],
    [3.018480492813e-01, 5.133470225873e-02, 6.468172484600e-01],
    [9.722380991263e-01, 2.041316240712e-03, 2.572058463297e-02],
    [6.408388798192e-01, 3.139520281301e-03, 3.560215998995e-01],
    [8.357548957675e-01, 1.421351863550e-01, 2.210991787745e-02],
    [5.121951219512e-01, 2.032520325203e-01, 2.845528455285e-01],
    [7.955502104630e-01, 1.503307276007e-02, 1.894167167769e-01],
    [1.654508316312e-01, 7.295010213014e-03, 8.272541581558e-01],
    [3.611793611794e-01, 5.528255528256e-01, 8.599508599509e-02],
    [1.044776119403e-01, 3.731343283582e-01, 5.223880597015e-01],
    [9.043062200957e-01, 3.987240829346e-02, 5.582137161085e-02],
    [4.168096054889e-01, 4.288164665523e-02, 5.403087478559e-01],
    [2.158355538637e-01, 7.708412637990e-01, 1.332318233727e-02],
    [9.407665505226e-02, 7.839721254355e-01, 1.219512195122e-01],
];
const MULTI_X: [[u8; 6]; 12] = [
    [3, 1, 0, 0, 1, 1],
    [1, 0, 5, 1, 0, 2],
    [1, 0, 0, 2, 2, 0],
    [0, 0, 2, 3, 0, 0],
    [0, 2, 1, 1, 0, 1],
    [0, 2, 1, 0, 4, 0],
    [5, 3, 1, 1, 0, 2],
    [1, 4, 1, 0, 2, 1],
    [2, 2, 1, 0, 6, 1],
    [1, 0, 0, 1, 0, 1],
    [0, 1, 0, 0, 3, 1],
    [1, 3, 0, 0, 3, 1],
];
const MULTI_Y: [u8; 12] = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
const MULTI_PROBA_ALPHA_1_0: [[f64; 3]; 15] = [
    [6.894430583848e-01, 7.452655022309e-02, 2.360303913921e-01],
    [1.996038193255e-01, 7.994883285614e-01, 9.078521131197e-04],
    [2.046527705668e-01, 1.020179770894e-01, 6.933292523438e-01],
    [7.147809778179e-01, 2.639357972656e-01, 2.128322491651e-02],
    [2.846876994065e-01, 6.458701607932e-01, 6.944213980034e-02],
    [3.796496088024e-04, 1.029995590620e-01, 8.966207913292e-01],
    [9.909605110169e-01, 6.861795922944e-03, 2.177693060164e-03],
    [2.187876034362e-02, 5.384150600994e-01, 4.397061795570e-01],
    [1.020717999935e-04, 1.987832347791e-02, 9.800196047221e-01],
    [8.066839192403e-01, 1.210567718253e-01, 7.225930893443e-02],
    [4.041503394416e-03, 1.547259817979e-01, 8.412325148077e-01],
    [5.416610161632e-03, 1.327768261633e-01, 8.618065636751e-01],
    [3.333333333333e-01, 3.333333333333e-01, 3.333333333333e-01],
    [9.913619412679e-01, 2.009306223878e-03, 6.628752508176e-03],
    [1.582795175876e-06, 2.739972320778e-02, 9.725986939970e-01],
];
const MULTI_PROBA_ALPHA_0_3: [[f64; 3]; 15] = [
    [7.081728733911e-01, 6.023369095524e-02, 2.315934356537e-01],
    [1.778268843711e-01, 8.218839304738e-01, 2.891851550521e-04],
    [1.642939899667e-01, 8.986243674318e-02, 7.458435732902e-01],
    [7.707091965021e-01, 2.177744573250e-01, 1.151634617292e-02],
    [2.789432009212e-01, 6.721025593252e-01, 4.895423975362e-02],
    [9.176609437779e-05, 9.938704303261e-02, 9.005211908730e-01],
    [9.962881958133e-01, 2.857529565312e-03, 8.542746213871e-04],
    [1.176744102593e-02, 5.862497783379e-01, 4.019827806361e-01],
    [1.681719962146e-05, 1.612523614901e-02, 9.838579466514e-01],
    [8.568164451847e-01, 9.201903126598e-02, 5.116452354927e-02],
    [1.518905818567e-03, 1.521713436687e-01, 8.463097505127e-01],
    [2.118213632696e-03, 1.228035949523e-01, 8.750781914150e-01],
    [3.333333333333e-01, 3.333333333333e-01, 3.333333333333e-01],
    [9.957672709597e-01, 7.484467210898e-04, 3.484282319186e-03],
    [1.366230649658e-07, 2.660572398149e-02, 9.733941393954e-01],
];
const IRIS_QUERY_ROWS: [usize; 10] = [0, 25, 50, 70, 77, 83, 106, 119, 133, 149];
const IRIS_EXTRA_QUERIES: [[f32; 4]; 2] = [[6.0, 2.8, 4.9, 1.6], [5.5, 3.0, 3.0, 1.0]];
const IRIS_PROBA: [[f64; 3]; 12] = [
    [1.000000000000e+00, 1.357841927315e-18, 7.112830744510e-26],
    [1.000000000000e+00, 3.498419605407e-16, 6.622855577077e-24],
    [3.213956986460e-109, 8.040377735148e-01, 1.959622264852e-01],
    [2.591569785414e-130, 1.544939937470e-01, 8.455060062530e-01],
    [1.169910262723e-138, 7.526908888069e-02, 9.247309111193e-01],
    [2.140781444841e-135, 6.121597715710e-01, 3.878402284290e-01],
    [2.234675975510e-109, 9.735143360131e-01, 2.648566398695e-02],
    [6.311045444031e-126, 9.581353407106e-01, 4.186465928943e-02],
    [2.683930348676e-131, 7.126450815238e-01, 2.873549184762e-01],
    [3.260045102876e-146, 5.600504999094e-02, 9.439949500091e-01],
    [5.502742451029e-125, 7.877014709854e-01, 2.122985290146e-01],
    [6.646390785473e-27, 9.999995243107e-01, 4.756893063142e-07],
];
// ---- end of the copy ----

/// Trains `--kind KIND` on `train` (class column `y`) with `alpha`, predicts `queries`, and
/// checks every row's `proba` against `want` (classes in sklearn's sorted order).
fn check_against_sklearn(kind: &str, train: &str, alpha: &str, queries: &str, want: &[Vec<f64>]) {
    let model = Tmp::new(&format!("{kind}.safetensors"));
    let t = ok_json(&[
        "train",
        "nb",
        "--kind",
        kind,
        "--data",
        train,
        "--y",
        "y",
        "--alpha",
        alpha,
        "--out",
        model.s(),
        "--json",
    ]);
    assert_eq!(t["model"], "nb");
    let p = ok_json(&["predict", "--model", model.s(), "--data", queries, "--json"]);
    let classes: Vec<String> = p["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let rows = p["predictions"].as_array().unwrap();
    assert_eq!(rows.len(), want.len(), "{kind}: one prediction per query");
    for (r, (row, w)) in rows.iter().zip(want).enumerate() {
        for (c, name) in classes.iter().enumerate() {
            let got = num(&row["proba"][name]);
            assert!(
                (got - w[c]).abs() <= TOL,
                "{kind} alpha {alpha} row {r} class {name}: got {got}, sklearn {}",
                w[c]
            );
        }
        // The predicted class is sklearn's argmax (unless the top two tie).
        let mut order: Vec<usize> = (0..w.len()).collect();
        order.sort_by(|&a, &b| w[b].total_cmp(&w[a]));
        if w[order[0]] - w[order[1]] > 1e-6 {
            assert_eq!(row["class"], classes[order[0]].as_str(), "{kind} row {r}");
        }
    }
}

fn csv(header: &str, rows: impl IntoIterator<Item = String>) -> String {
    let mut s = header.to_owned();
    for r in rows {
        s.push('\n');
        s.push_str(&r);
    }
    s.push('\n');
    s
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

#[test]
fn categorical_with_string_categories_matches_sklearn_on_golf() {
    // The golf rows themselves, then (sunny, cool, high, windy = true) — the SPEC query.
    let text = std::fs::read_to_string(data("golf.csv")).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_owned())
        .collect();
    lines.push("sunny,cool,high,true".into());
    let queries = Tmp::with("golf-q.csv", &(lines.join("\n") + "\n"));
    // golf.csv's class column is `play`: copy it with the column renamed to `y`.
    let train = Tmp::with("golf.csv", &text.replacen(",play", ",y", 1));
    for (alpha, want) in [("1", &GOLF_PROBA_ALPHA_1_0), ("0.5", &GOLF_PROBA_ALPHA_0_5)] {
        let want: Vec<Vec<f64>> = want.iter().map(|r| r.to_vec()).collect();
        check_against_sklearn("categorical", train.s(), alpha, queries.s(), &want);
    }
}

#[test]
fn bernoulli_matches_sklearn() {
    let train = Tmp::with(
        "bern.csv",
        &csv(
            "a,b,c,d,e,y",
            BERN_X
                .iter()
                .zip(BERN_Y)
                .map(|(x, y)| format!("{},{y}", join(x))),
        ),
    );
    // Query i is the 5-bit pattern of i, most significant bit first.
    let queries = Tmp::with(
        "bern-q.csv",
        &csv(
            "a,b,c,d,e",
            (0..32).map(|i: usize| join(&(0..5).map(|j| (i >> (4 - j)) & 1).collect::<Vec<_>>())),
        ),
    );
    for (alpha, want) in [("1", &BERN_PROBA_ALPHA_1_0), ("0.5", &BERN_PROBA_ALPHA_0_5)] {
        let want: Vec<Vec<f64>> = want.iter().map(|r| r.to_vec()).collect();
        check_against_sklearn("bernoulli", train.s(), alpha, queries.s(), &want);
    }
}

#[test]
fn multinomial_matches_sklearn() {
    let train = Tmp::with(
        "multi.csv",
        &csv(
            "w0,w1,w2,w3,w4,w5,y",
            MULTI_X
                .iter()
                .zip(MULTI_Y)
                .map(|(x, y)| format!("{},{y}", join(x))),
        ),
    );
    let extra = [[0u8, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 1], [0, 3, 2, 0, 7, 0]];
    let queries = Tmp::with(
        "multi-q.csv",
        &csv(
            "w0,w1,w2,w3,w4,w5",
            MULTI_X.iter().chain(extra.iter()).map(|x| join(x)),
        ),
    );
    for (alpha, want) in [
        ("1", &MULTI_PROBA_ALPHA_1_0),
        ("0.3", &MULTI_PROBA_ALPHA_0_3),
    ] {
        let want: Vec<Vec<f64>> = want.iter().map(|r| r.to_vec()).collect();
        check_against_sklearn("multinomial", train.s(), alpha, queries.s(), &want);
    }
}

#[test]
fn gaussian_matches_sklearn_on_iris_and_round_trips_f64_statistics() {
    let text = std::fs::read_to_string(data("iris.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let train = Tmp::with("iris.csv", &text.replacen(",species", ",y", 1));
    assert!(header.ends_with(",species"));
    let features = header.rsplit_once(',').unwrap().0;
    let queries = Tmp::with(
        "iris-q.csv",
        &csv(
            features,
            IRIS_QUERY_ROWS
                .iter()
                .map(|&r| rows[r].rsplit_once(',').unwrap().0.to_owned())
                .chain(IRIS_EXTRA_QUERIES.iter().map(|q| join(q))),
        ),
    );
    let want: Vec<Vec<f64>> = IRIS_PROBA.iter().map(|r| r.to_vec()).collect();
    check_against_sklearn("gaussian", train.s(), "1", queries.s(), &want);
    // Training accuracy 0.96 as sklearn's; the means are stored as F64 tensors.
    let model = Tmp::new("iris-nb.safetensors");
    let t = ok_json(&[
        "train",
        "nb",
        "--kind",
        "gaussian",
        "--data",
        &data("iris.csv"),
        "--y",
        "species",
        "--out",
        model.s(),
        "--json",
    ]);
    assert!((num(&t["train_accuracy"]) - 0.96).abs() < 1e-12, "{t}");
    let f = ModelFile::load(&model.0).unwrap();
    let mean = f.tensor_f64("mean", &[3, 4]).unwrap();
    assert!(
        (mean[0] - 5.006).abs() < 1e-6,
        "setosa sepal length mean {}",
        mean[0]
    );
    assert_eq!(f.get("variant").unwrap(), "gaussian");
}

#[test]
fn eval_reports_accuracy_and_log_loss_consistent_with_predict() {
    let model = Tmp::new("golf.safetensors");
    ok_json(&[
        "train",
        "nb",
        "--kind",
        "categorical",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--alpha",
        "1",
        "--out",
        model.s(),
        "--json",
    ]);
    let e = ok_json(&[
        "eval",
        "--model",
        model.s(),
        "--data",
        &data("golf.csv"),
        "--json",
    ]);
    assert_eq!(e["n"], 14);
    let p = ok_json(&[
        "predict",
        "--model",
        model.s(),
        "--data",
        &data("golf.csv"),
        "--json",
    ]);
    let text = std::fs::read_to_string(data("golf.csv")).unwrap();
    let truth: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    let (mut ll, mut correct) = (0.0, 0);
    for (row, t) in p["predictions"].as_array().unwrap().iter().zip(&truth) {
        ll -= num(&row["proba"][*t]).ln();
        correct += (row["class"] == *t) as usize;
    }
    assert!((num(&e["log_loss"]) - ll / 14.0).abs() < 1e-6, "{e}");
    assert!(
        (num(&e["accuracy"]) - correct as f64 / 14.0).abs() < 1e-12,
        "{e}"
    );
    // The model file: kind, variant, classes, vocabularies and the counts tensor.
    let f = ModelFile::load(&model.0).unwrap();
    assert_eq!(f.kind(), "nb");
    assert_eq!(f.get_json::<Vec<String>>("classes").unwrap(), ["no", "yes"]);
    let vocab: Vec<Vec<String>> = f.get_json("vocabularies").unwrap();
    assert_eq!(vocab[0], ["overcast", "rainy", "sunny"]);
    let counts = f.tensor("counts", &[2, 4, 3]).unwrap();
    // Sunny days with play = yes: 2 (class 1, feature 0, value 2).
    assert_eq!(counts[(4) * 3 + 2], 2.0);
}

#[test]
fn spec_figures_through_the_demos() {
    let g = ok_json(&["demo", "golf", "--data", &data("golf.csv"), "--json"]);
    assert!((num(&g["p_yes"]) - 9.0 / 14.0).abs() < 1e-7, "{g}");
    assert!(
        (num(&g["p_sunny_given_yes"]) - 2.0 / 9.0).abs() < 1e-7,
        "{g}"
    );
    // Exact α = 0 value: 5/14·3/5·1/5·4/5·3/5 against 9/14·2/9·3/9·3/9·3/9.
    let (no, yes) = (
        5.0 / 14.0 * 0.6 * 0.2 * 0.8 * 0.6,
        9.0 / 14.0 * 2.0 / 9.0 / 27.0,
    );
    let p0 = num(&g["p_no_given_sunny_cool_high_windy_alpha0"]);
    assert!(
        (p0 - no / (no + yes)).abs() < TOL && (p0 - 0.7954).abs() < 5e-5,
        "{g}"
    );
    let p1 = num(&g["p_no_given_sunny_cool_high_windy_alpha1"]);
    assert!((p1 - GOLF_PROBA_ALPHA_1_0[14][0]).abs() < TOL && (p1 - 0.7201).abs() < 5e-5);
    let s = ok_json(&["demo", "spam", "--json"]);
    let (sp, h) = (
        30.0 / 130.0 * 7.0 / 30.0 * 13.0 / 30.0,
        100.0 / 130.0 * 0.01 * 0.29,
    );
    let p = num(&s["p_spam"]);
    assert!(
        (p - sp / (sp + h)).abs() < TOL && (p - 0.9127).abs() < 5e-5,
        "{s}"
    );
    // All three words observed: "machine learning" absent multiplies ham by 23/100.
    assert!(
        (num(&s["p_spam_all_words"]) - sp / (sp + h * 0.23)).abs() < TOL,
        "{s}"
    );
    let b = ok_json(&["demo", "bayes", "--json"]);
    assert!(
        (num(&b["posterior"]) - 0.3 * 0.074 / 0.294).abs() < 1e-6,
        "{b}"
    );
    assert!((num(&b["posterior"]) - 0.0755).abs() < 5e-5);
}

#[test]
fn errors_are_one_line_with_exit_code_2() {
    let model = Tmp::new("golf-err.safetensors");
    ok_json(&[
        "train",
        "nb",
        "--kind",
        "categorical",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--out",
        model.s(),
        "--json",
    ]);
    let q = Tmp::with(
        "foggy.csv",
        "outlook,temperature,humidity,windy\nsunny,cool,high,true\nfoggy,cool,high,true\n",
    );
    let e = fails(&["predict", "--model", model.s(), "--data", q.s(), "--json"]);
    assert!(
        e.contains(":3: column 'outlook' has category 'foggy', which the model never saw"),
        "{e}"
    );
    let e = fails(&["predict", "--model", model.s(), "--data", &data("iris.csv")]);
    assert!(e.contains("unknown column 'outlook'"), "{e}");
    let e = fails(&["eval", "--model", model.s()]);
    assert!(e.contains("eval needs --data"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "categorical",
        "--data",
        &data("golf.csv"),
        "--y",
        "nope",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("unknown column 'nope'"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "bernoulli",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--alpha",
        "-0.5",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("alpha"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "gaussian",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("non-numeric value 'sunny'"), "{e}");
    let e = fails(&[
        "train",
        "nb",
        "--kind",
        "poisson",
        "--data",
        &data("golf.csv"),
        "--y",
        "play",
        "--out",
        model.s(),
    ]);
    assert!(e.contains("poisson"), "{e}");
    // The failed trainings left the first model intact.
    assert_eq!(
        ModelFile::load(&model.0).unwrap().get("variant").unwrap(),
        "categorical"
    );
    let v: Value = ok_json(&[
        "eval",
        "--model",
        model.s(),
        "--data",
        &data("golf.csv"),
        "--json",
    ]);
    assert_eq!(v["n"], 14);
}
