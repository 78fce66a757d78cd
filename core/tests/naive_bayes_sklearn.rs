//! Naive Bayes against scikit-learn and the SPEC §9 figures.
//!
//! The constants below are the output of `python3 tools/nb_reference.py` (scikit-learn 1.9.1,
//! `force_alpha=True`); regenerate them with that script and paste its output over this block.
//! Every `predict_proba` must match to `1e-6`.

use embedml::models::naive_bayes::{BernoulliNb, CategoricalNb, GaussianNb, MultinomialNb};
use embedml::Error;

// ---- begin tools/nb_reference.py output ----
// scikit-learn 1.9.1, numpy 2.4.6
const GOLF_X: [[u8; 4]; 14] = [
    [0, 0, 0, 0],
    [0, 0, 0, 1],
    [1, 0, 0, 0],
    [2, 1, 0, 0],
    [2, 2, 1, 0],
    [2, 2, 1, 1],
    [1, 2, 1, 1],
    [0, 1, 0, 0],
    [0, 2, 1, 0],
    [2, 1, 1, 0],
    [0, 1, 1, 1],
    [1, 1, 0, 1],
    [1, 0, 1, 0],
    [2, 1, 0, 1],
];
const GOLF_Y: [u8; 14] = [0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0];
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
const IRIS_VAR: [[f64; 4]; 3] = [
    [
        1.217639900798e-01,
        1.408160011958e-01,
        2.955600658404e-02,
        1.088400366783e-02,
    ],
    [
        2.611040109843e-01,
        9.650000385845e-02,
        2.164000006160e-01,
        3.832400199115e-02,
    ],
    [
        3.962559417247e-01,
        1.019240005511e-01,
        2.984959867381e-01,
        7.392400740802e-02,
    ],
];
const IRIS_THETA: [[f64; 4]; 3] = [
    [
        5.006000003815e+00,
        3.428000006676e+00,
        1.461999995708e+00,
        2.460000048578e-01,
    ],
    [
        5.935999975204e+00,
        2.770000009537e+00,
        4.259999980927e+00,
        1.325999991894e+00,
    ],
    [
        6.588000001907e+00,
        2.973999991417e+00,
        5.551999988556e+00,
        2.025999977589e+00,
    ],
];
// ---- end tools/nb_reference.py output ----

const TOL: f64 = 1e-6;

fn assert_close<const C: usize>(got: &[f32; C], want: &[f64; C], what: &str) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (*g as f64 - w).abs() <= TOL,
            "{what}: got {got:?}, want {want:?}"
        );
    }
}

fn golf(alpha: f32) -> CategoricalNb<2, 4, 3> {
    let mut nb = CategoricalNb::<2, 4, 3>::new([3, 3, 2, 2], alpha).unwrap();
    for (x, &y) in GOLF_X.iter().zip(&GOLF_Y) {
        let x = x.map(|v| v as usize);
        nb.update(&x, y as usize).unwrap();
    }
    nb
}

fn golf_queries() -> impl Iterator<Item = [usize; 4]> {
    GOLF_X
        .iter()
        .map(|x| x.map(|v| v as usize))
        .chain(core::iter::once([0, 2, 0, 1]))
}

#[test]
fn golf_spec_figures() {
    let nb = golf(0.0);
    // P(yes) = 9/14, P(sunny | yes) = 2/9 (outlook = feature 0, sunny = 0, yes = class 1).
    assert!((nb.prior()[1] - 9.0 / 14.0).abs() < 1e-7);
    assert!((nb.probability(1, 0, 0).unwrap() - 2.0 / 9.0).abs() < 1e-7);
    // SPEC: P(no | sunny, cool, high, windy=true) = 0.7954 with α = 0 (exactly 0.795417...).
    let p = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    assert!((p[0] - 0.7954).abs() < 5e-5, "{p:?}");
    // Exact: P(no) ∝ 5/14·3/5·1/5·4/5·3/5, P(yes) ∝ 9/14·2/9·3/9·3/9·3/9.
    let (no, yes) = (
        5.0 / 14.0 * 0.6 * 0.2 * 0.8 * 0.6,
        9.0 / 14.0 * 2.0 / 9.0 / 27.0,
    );
    assert!((p[0] as f64 - no / (no + yes)).abs() < TOL);
    assert_eq!(nb.predict(&[0, 2, 0, 1], None).unwrap(), 0);
    // With α = 1: 0.7201 (SPEC), also sklearn's value below.
    let p1 = golf(1.0).predict_proba(&[0, 2, 0, 1], None).unwrap();
    assert!((p1[0] - 0.7201).abs() < 5e-5, "{p1:?}");
}

#[test]
fn categorical_matches_sklearn() {
    for (alpha, want) in [(1.0, &GOLF_PROBA_ALPHA_1_0), (0.5, &GOLF_PROBA_ALPHA_0_5)] {
        let nb = golf(alpha);
        for (x, w) in golf_queries().zip(want.iter()) {
            assert_close(&nb.predict_proba(&x, None).unwrap(), w, "CategoricalNB");
        }
    }
}

#[test]
fn bernoulli_matches_sklearn() {
    for (alpha, want) in [(1.0, &BERN_PROBA_ALPHA_1_0), (0.5, &BERN_PROBA_ALPHA_0_5)] {
        let mut nb = BernoulliNb::<3, 5>::new(alpha).unwrap();
        for (x, &y) in BERN_X.iter().zip(&BERN_Y) {
            nb.update(&x.map(|v| v == 1), y as usize).unwrap();
        }
        for (i, w) in want.iter().enumerate() {
            // Query i is the 5-bit pattern of i, most significant bit first (as in the script).
            let x: [bool; 5] = core::array::from_fn(|j| (i >> (4 - j)) & 1 == 1);
            assert_close(&nb.predict_proba(&x, None).unwrap(), w, "BernoulliNB");
        }
    }
}

#[test]
fn multinomial_matches_sklearn() {
    let extra = [[0u8, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 1], [0, 3, 2, 0, 7, 0]];
    for (alpha, want) in [(1.0, &MULTI_PROBA_ALPHA_1_0), (0.3, &MULTI_PROBA_ALPHA_0_3)] {
        let mut nb = MultinomialNb::<3, 6>::new(alpha).unwrap();
        for (x, &y) in MULTI_X.iter().zip(&MULTI_Y) {
            nb.update(&x.map(|v| v as f32), y as usize).unwrap();
        }
        for (x, w) in MULTI_X.iter().chain(extra.iter()).zip(want.iter()) {
            let x = x.map(|v| v as f32);
            assert_close(&nb.predict_proba(&x).unwrap(), w, "MultinomialNB");
        }
    }
}

fn iris() -> ([[f32; 4]; 150], [usize; 150]) {
    let text = include_str!("../../data/iris.csv");
    let mut xs = [[0.0f32; 4]; 150];
    let mut ys = [0usize; 150];
    for (i, line) in text.lines().skip(1).enumerate() {
        let mut it = line.split(',');
        for v in xs[i].iter_mut() {
            *v = it.next().unwrap().parse().unwrap();
        }
        ys[i] = match it.next().unwrap() {
            "setosa" => 0,
            "versicolor" => 1,
            _ => 2,
        };
    }
    (xs, ys)
}

#[test]
fn gaussian_matches_sklearn() {
    let (xs, ys) = iris();
    let mut nb = GaussianNb::<3, 4>::new();
    // Class-interleaved order: Welford's result must not depend on the order of updates.
    for k in 0..50 {
        for c in 0..3 {
            nb.update(&xs[c * 50 + k], ys[c * 50 + k]).unwrap();
        }
    }
    for c in 0..3 {
        for i in 0..4 {
            assert!((nb.mean()[c][i] - IRIS_THETA[c][i]).abs() < 1e-9);
            let v = nb.variance(c, i).unwrap().unwrap();
            assert!((v - IRIS_VAR[c][i]).abs() < 1e-9, "var[{c}][{i}] {v}");
        }
    }
    let queries = IRIS_QUERY_ROWS
        .iter()
        .map(|&r| xs[r])
        .chain(IRIS_EXTRA_QUERIES.iter().copied());
    for (x, w) in queries.zip(IRIS_PROBA.iter()) {
        assert_close(&nb.predict_proba(&x).unwrap(), w, "GaussianNB");
    }
    let correct = (0..150)
        .filter(|&i| nb.predict(&xs[i]).unwrap() == ys[i])
        .count();
    assert_eq!(
        correct, 144,
        "GaussianNB training accuracy on iris is 0.96 in sklearn"
    );
}

#[test]
fn spam_bernoulli_spec_figure() {
    // SPEC §9 (with its erratum): 30 spam, 100 ham; documents containing viagra / limited /
    // machine-learning: spam 7 / 17 / 0, ham 1 / 71 / 77. Class 0 = spam, 1 = ham.
    let mut nb = BernoulliNb::<2, 3>::new(0.0).unwrap();
    for (class, n, counts) in [(0usize, 30, [7, 17, 0]), (1, 100, [1, 71, 77])] {
        for d in 0..n {
            let x: [bool; 3] = core::array::from_fn(|w| d < counts[w]);
            nb.update(&x, class).unwrap();
        }
    }
    // viagra present, limited absent, the third word ignored (masked out of the product).
    let mask = [true, true, false];
    let p = nb
        .predict_proba(&[true, false, false], Some(&mask))
        .unwrap();
    assert!((p[0] - 0.9127).abs() < 5e-5, "{p:?}");
    // Exact: spam ∝ 30/130·7/30·13/30, ham ∝ 100/130·1/100·29/100.
    let (s, h) = (
        30.0 / 130.0 * 7.0 / 30.0 * 13.0 / 30.0,
        100.0 / 130.0 * 0.01 * 0.29,
    );
    assert!((p[0] as f64 - s / (s + h)).abs() < TOL);
    // Without the mask "machine learning absent" counts too: P(ml absent | spam) = 1,
    // P(ml absent | ham) = 23/100, so spam becomes even more likely.
    let q = nb.predict_proba(&[true, false, false], None).unwrap();
    let h2 = h * 0.23;
    assert!((q[0] as f64 - s / (s + h2)).abs() < TOL);
}

#[test]
fn zero_probabilities_are_handled_without_nan() {
    // α = 0: a value never seen with a class gives −∞ for that class, not NaN.
    let mut nb = CategoricalNb::<2, 1, 3>::new([3], 0.0).unwrap();
    nb.update(&[0], 0).unwrap();
    nb.update(&[1], 1).unwrap();
    let jll = nb.joint_log_likelihood(&[0], None).unwrap();
    assert!(jll[0].is_finite() && jll[1] == f64::NEG_INFINITY);
    assert_eq!(nb.predict_proba(&[0], None).unwrap(), [1.0, 0.0]);
    // Value 2 was never seen: every class is −∞ → typed error, never NaN.
    assert!(matches!(
        nb.predict_proba(&[2], None),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        nb.predict(&[2], None),
        Err(Error::NonFinite { .. })
    ));
    // Untrained models with α = 0 likewise.
    let empty = MultinomialNb::<2, 2>::new(0.0).unwrap();
    assert!(empty.predict_proba(&[1.0, 0.0]).is_err());
    assert!(GaussianNb::<2, 1>::new().predict_proba(&[0.0]).is_err());
    // Multinomial α = 0 with a zero count and x = 0: the 0·ln 0 term is skipped.
    let mut m = MultinomialNb::<2, 2>::new(0.0).unwrap();
    m.update(&[3.0, 0.0], 0).unwrap();
    m.update(&[1.0, 1.0], 1).unwrap();
    let p = m.predict_proba(&[2.0, 0.0]).unwrap();
    assert!(p.iter().all(|v| v.is_finite()) && p[0] > p[1]);
}

#[test]
fn out_of_range_inputs_are_typed_errors() {
    let mut nb = CategoricalNb::<2, 2, 3>::new([3, 2], 1.0).unwrap();
    assert!(matches!(
        nb.update(&[0, 2], 0),
        Err(Error::OutOfRange {
            what: "feature value",
            index: 2,
            len: 2
        })
    ));
    assert!(matches!(
        nb.update(&[0, 1], 2),
        Err(Error::OutOfRange {
            what: "class",
            index: 2,
            len: 2
        })
    ));
    assert!(matches!(
        nb.update(&[0], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(CategoricalNb::<2, 1, 3>::new([4], 1.0).is_err());
    assert!(CategoricalNb::<2, 1, 3>::new([3], -1.0).is_err());
    let mut b = BernoulliNb::<2, 2>::new(1.0).unwrap();
    assert!(matches!(
        b.update(&[true, false], 5),
        Err(Error::OutOfRange { .. })
    ));
    let mut m = MultinomialNb::<2, 2>::new(1.0).unwrap();
    assert!(m.update(&[-1.0, 0.0], 0).is_err());
    assert!(m.update(&[f32::NAN, 0.0], 0).is_err());
    let mut g = GaussianNb::<2, 2>::new();
    assert!(matches!(
        g.update(&[1.0, f32::INFINITY], 0),
        Err(Error::NonFinite { .. })
    ));
    assert!(nb.forget(0.0).is_err() && nb.forget(1.5).is_err());
}

#[test]
fn forgetting_and_fixed_priors() {
    // Scaling every count by the same factor leaves α = 0 posteriors unchanged …
    let mut nb = golf(0.0);
    let before = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    nb.forget(0.5).unwrap();
    let after = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    assert!((before[0] - after[0]).abs() < 1e-6);
    assert!((nb.class_count()[1] - 4.5).abs() < 1e-6);
    // … and makes new samples weigh twice as much as old ones.
    nb.update(&[0, 2, 0, 1], 1).unwrap();
    assert!((nb.class_count()[1] - 5.5).abs() < 1e-6);
    // Fixed priors replace the learned ones: P(no) ∝ 0.5·(3/5·1/5·4/5·3/5) with α = 0.
    let mut nb = golf(0.0);
    nb.set_prior(Some([0.5, 0.5])).unwrap();
    let p = nb.predict_proba(&[0, 2, 0, 1], None).unwrap();
    let (no, yes) = (0.6 * 0.2 * 0.8 * 0.6, 2.0 / 9.0 / 27.0);
    assert!((p[0] as f64 - no / (no + yes)).abs() < TOL);
    assert!(nb.set_prior(Some([0.5, 0.6])).is_err());
    // Gaussian forgetting keeps means and variances (weighted Welford).
    let mut g = GaussianNb::<1, 1>::new();
    for v in [1.0f32, 2.0, 3.0, 4.0] {
        g.update(&[v], 0).unwrap();
    }
    let var = g.variance(0, 0).unwrap().unwrap();
    g.forget(0.25).unwrap();
    assert!((g.variance(0, 0).unwrap().unwrap() - var).abs() < 1e-12);
    assert!((g.mean()[0][0] - 2.5).abs() < 1e-12);
}
