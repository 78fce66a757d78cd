//! Rendering tests: every figure is drawn into a temporary directory, decoded back and checked
//! for size, content (not blank, text drawn, curves in their colours) and atomic writing.
//!
//! Set `EMBEDML_PLOT_KEEP=/some/dir` to keep the rendered PNGs for inspection.

mod fixture;

use super::*;
use embedml::rng::Rng;
use fixture::inverse_problem;
use std::path::PathBuf;

/// An output directory: `EMBEDML_PLOT_KEEP` if set, else a fresh temporary one (removed on drop).
struct OutDir {
    path: PathBuf,
    keep: bool,
}

impl OutDir {
    fn new(name: &str) -> Self {
        if let Some(dir) = std::env::var_os("EMBEDML_PLOT_KEEP") {
            let path = PathBuf::from(dir).join(name);
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            return Self { path, keep: true };
        }
        let path = std::env::temp_dir().join(format!("embedml-plot-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self { path, keep: false }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Names of the files left in the directory.
    fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Decodes a PNG and returns its RGB image, checking the signature and the size.
fn load(path: &std::path::Path, size: (u32, u32)) -> image::RgbImage {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    assert_eq!(img.dimensions(), size);
    img
}

/// Fraction of pixels within `tol` (per channel) of `c`, in the rows `rows`.
fn share_near(img: &image::RgbImage, c: [u8; 3], tol: u8, rows: std::ops::Range<u32>) -> f64 {
    let mut n = 0usize;
    let mut hit = 0usize;
    for (_, y, p) in img.enumerate_pixels() {
        if rows.contains(&y) {
            n += 1;
            if p.0.iter().zip(c).all(|(&a, b)| a.abs_diff(b) <= tol) {
                hit += 1;
            }
        }
    }
    hit as f64 / n as f64
}

/// Standard deviation of the grey level over all pixels.
fn grey_std(img: &image::RgbImage) -> f64 {
    let g: Vec<f64> = img
        .pixels()
        .map(|p| p.0.iter().map(|&v| v as f64).sum::<f64>() / 3.0)
        .collect();
    let m = g.iter().sum::<f64>() / g.len() as f64;
    (g.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / g.len() as f64).sqrt()
}

/// The title band is text on white: some dark (glyph) pixels, mostly white.
fn assert_title_drawn(img: &image::RgbImage) {
    let dark = share_near(img, [0, 0, 0], 90, 0..34);
    assert!(dark > 0.003 && dark < 0.2, "title band dark share {dark}");
}

#[test]
fn mdn_figure_inverse_problem_branches() {
    let out = OutDir::new("mdn-branches");
    let inv = inverse_problem();
    let branches: Vec<&[(f64, f64)]> = inv.branches.iter().map(|b| b.as_slice()).collect();
    let (train, test) = inv.data.split_at(200);
    // Branches given as one curve per branch; long labels fall back to a generic caption.
    let data = [("train data", train), ("test data", test)];
    let path = out.file("mdn_inverse_branches.png");
    mdn_figure(
        &path,
        &MdnFigure {
            title: "MDN: inverse problem (PRML Fig. 5.19), K = 3",
            x_label: "input  t",
            t_label: "target  x",
            data: &data,
            grid_x: &inv.gu,
            grid_t: &inv.gx,
            density: &inv.density,
            mode_branches: &branches,
            mode_points: &[],
            mean_curve: &inv.mean,
            samples: &inv.samples,
        },
    )
    .unwrap();
    let img = load(&path, (1600, 680));
    assert!(grey_std(&img) > 20.0, "grey std {}", grey_std(&img));
    assert_title_drawn(&img);
    let all = 0..680;
    // Red mode branches, orange mean / samples, and the dark end of the density map.
    // (Measured shares: 0.0019, 0.0019, 0.012, 0.027.)
    assert!(share_near(&img, [214, 39, 40], 30, all.clone()) > 0.001);
    assert!(share_near(&img, [255, 140, 0], 30, all.clone()) > 0.001);
    assert!(share_near(&img, [230, 85, 13], 30, all.clone()) > 0.005);
    assert!(share_near(&img, [49, 130, 189], 30, all) > 0.01);
    // Only the PNG is left: the temporary file was renamed.
    assert_eq!(
        out.entries().iter().filter(|e| e.starts_with('.')).count(),
        0
    );
}

#[test]
fn mdn_figure_mode_point_set_without_samples() {
    let out = OutDir::new("mdn-points");
    let inv = inverse_problem();
    let data = [("data", inv.data.as_slice())];
    let path = out.file("mdn_inverse_points.png");
    mdn_figure(
        &path,
        &MdnFigure {
            title: "MDN: conditional modes as a point set",
            x_label: "input",
            t_label: "target",
            data: &data,
            grid_x: &inv.gu,
            grid_t: &inv.gx,
            density: &inv.density,
            mode_points: &inv.mode_points,
            mean_curve: &inv.mean,
            ..Default::default()
        },
    )
    .unwrap();
    // Three branches in the middle of the input range (u = 0.5 is grid point 70), one at the
    // ends.
    let modes_at = |u: f64| {
        inv.mode_points
            .iter()
            .filter(|p| (p.0 - u).abs() < 1e-9)
            .count()
    };
    assert_eq!(modes_at(inv.gu[70]), 3, "{:?}", inv.mode_points);
    assert_eq!(modes_at(inv.gu[10]), 1);
    assert_eq!(modes_at(inv.gu[130]), 1);
    let img = load(&path, (1600, 680));
    assert!(grey_std(&img) > 20.0);
    assert!(share_near(&img, [214, 39, 40], 30, 0..680) > 0.001);
}

#[test]
fn mdn_figure_rejects_bad_shapes_and_grids() {
    let out = OutDir::new("mdn-bad");
    let path = out.file("bad.png");
    let g = [0.0, 1.0, 2.0];
    let fig = MdnFigure {
        grid_x: &g,
        grid_t: &g,
        density: &[1.0; 8],
        ..Default::default()
    };
    assert!(matches!(
        mdn_figure(&path, &fig),
        Err(PlotError::Shape {
            expected: 9,
            found: 8,
            ..
        })
    ));
    let fig = MdnFigure {
        grid_x: &[0.0, 2.0, 1.0],
        grid_t: &g,
        density: &[1.0; 9],
        ..Default::default()
    };
    assert!(matches!(
        mdn_figure(&path, &fig),
        Err(PlotError::InvalidArgument { .. })
    ));
    assert!(
        out.entries().is_empty(),
        "nothing written: {:?}",
        out.entries()
    );
}

#[test]
fn mdn_figure_empty_and_degenerate_inputs_still_render() {
    let out = OutDir::new("mdn-empty");
    let path = out.file("empty.png");
    mdn_figure(&path, &MdnFigure::default()).unwrap();
    load(&path, (1600, 680));
    // One point, all-zero density, NaNs everywhere else.
    let one = [(1.0, 1.0), (f64::NAN, 2.0)];
    let data = [("one", &one[..])];
    let path = out.file("degenerate.png");
    mdn_figure(
        &path,
        &MdnFigure {
            data: &data,
            grid_x: &[1.0],
            grid_t: &[1.0],
            density: &[0.0],
            mean_curve: &[(f64::NAN, f64::NAN)],
            samples: &[(f64::INFINITY, 0.0)],
            ..Default::default()
        },
    )
    .unwrap();
    let img = load(&path, (1600, 680));
    assert!(grey_std(&img) > 5.0);
}

#[test]
fn line_chart_learning_curve_with_moving_average() {
    let out = OutDir::new("line");
    let mut rng = Rng::new(11);
    let returns: Vec<f64> = (0..500)
        .map(|i| {
            let p = 1.0 - (-(i as f64) / 120.0).exp();
            if (rng.uniform() as f64) < 0.8 * p {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let path = out.file("learning_curve.png");
    learning_curve(
        &path,
        &returns,
        50,
        "episode",
        "return",
        "Q-learning on FrozenLake 4×4",
    )
    .unwrap();
    // The same through the generic line chart: a loss curve.
    let per_episode = indexed(&returns);
    let avg = moving_average(&returns, 50);
    let loss: Vec<(f64, f64)> = avg.iter().map(|&(i, m)| (i, 1.0 - m)).collect();
    let generic = out.file("lines.png");
    line_chart(
        &generic,
        &[("raw", &per_episode), ("loss", &loss)],
        "epoch",
        "loss",
        "Loss",
    )
    .unwrap();
    let img = load(&generic, (1000, 640));
    assert!(share_near(&img, [31, 119, 180], 20, 0..640) > 0.01);
    let img = load(&path, (1000, 640));
    assert!(grey_std(&img) > 10.0);
    assert_title_drawn(&img);
    // Faint blue per-episode line (35% over white), bold orange moving average.
    assert!(share_near(&img, [177, 207, 229], 20, 0..640) > 0.005);
    assert!(share_near(&img, [255, 127, 14], 20, 0..640) > 0.002);
}

#[test]
fn line_chart_handles_nan_gaps_single_points_and_no_data() {
    let out = OutDir::new("line-edge");
    let gappy = [(0.0, 1.0), (1.0, f64::NAN), (2.0, 0.5), (3.0, 0.25)];
    let single = [(5.0, 5.0)];
    let path = out.file("gappy.png");
    line_chart(
        &path,
        &[("loss", &gappy), ("one point", &single), ("", &[])],
        "epoch",
        "loss",
        "loss",
    )
    .unwrap();
    load(&path, (1000, 640));
    let path = out.file("nothing.png");
    line_chart(&path, &[], "x", "y", "empty").unwrap();
    let img = load(&path, (1000, 640));
    assert_title_drawn(&img);
    let path = out.file("no-episodes.png");
    learning_curve(&path, &[], 0, "episode", "return", "no episodes").unwrap();
    load(&path, (1000, 640));
}

#[test]
fn scatter_chart_classes() {
    let out = OutDir::new("scatter");
    let mut rng = Rng::new(3);
    let blob = |rng: &mut Rng, cx: f64, cy: f64| -> Vec<(f64, f64)> {
        (0..60)
            .map(|_| {
                (
                    cx + 0.4 * rng.normal() as f64,
                    cy + 0.4 * rng.normal() as f64,
                )
            })
            .collect()
    };
    let a = blob(&mut rng, 0.0, 0.0);
    let b = blob(&mut rng, 2.0, 1.0);
    let mut c = blob(&mut rng, 1.0, 2.5);
    c.push((f64::NAN, 0.0));
    let path = out.file("scatter.png");
    scatter_chart(
        &path,
        &[("setosa", &a), ("versicolor", &b), ("virginica", &c)],
        "feature 1",
        "feature 2",
        "Three classes",
    )
    .unwrap();
    let img = load(&path, (800, 700));
    assert!(grey_std(&img) > 10.0);
    assert_title_drawn(&img);
    // The three class colours are all present (edges are drawn in the solid colour).
    for c in [[31, 119, 180], [255, 127, 14], [44, 160, 44]] {
        assert!(share_near(&img, c, 25, 0..700) > 0.001, "colour {c:?}");
    }
}

#[test]
fn tick_labels_are_short() {
    use super::style::tick;
    assert_eq!(tick(&100.0), "100");
    assert_eq!(tick(&0.25), "0.25");
    assert_eq!(tick(&-1.5), "-1.5");
    assert_eq!(tick(&-0.00001), "-1.0e-5");
    assert_eq!(tick(&-0.0), "0");
    assert_eq!(tick(&2.5e7), "2.5e7");
}

#[test]
fn split_at_jumps_breaks_a_switching_mode_curve() {
    // An argmax-π mode that switches component between x = 1 and x = 2.
    let curve = [
        (0.0, 1.0),
        (1.0, 1.1),
        (2.0, -1.0),
        (3.0, -1.05),
        (f64::NAN, 0.0),
    ];
    let parts = split_at_jumps(&curve, 0.5);
    assert_eq!(
        parts,
        vec![
            vec![(0.0, 1.0), (1.0, 1.1)],
            vec![(2.0, -1.0), (3.0, -1.05)]
        ]
    );
    assert_eq!(split_at_jumps(&curve, 10.0).len(), 1);
    assert!(split_at_jumps(&[], 1.0).is_empty());
}

#[test]
fn moving_average_values() {
    let m = moving_average(&[1.0, 2.0, 3.0, 4.0, f64::NAN, 6.0], 3);
    let ys: Vec<f64> = m.iter().map(|p| p.1).collect();
    assert_eq!(ys[..4], [1.0, 1.5, 2.0, 3.0]);
    assert_eq!(ys[4], 3.5); // mean of 3, 4 (NaN left out)
    assert_eq!(ys[5], 5.0); // mean of 4, 6
    assert_eq!(m[5].0, 5.0);
    assert!(moving_average(&[], 4).is_empty());
    assert_eq!(moving_average(&[2.0], 0), vec![(0.0, 2.0)]);
}

#[test]
fn unwritable_path_is_an_io_error_and_leaves_no_temporary() {
    let out = OutDir::new("io");
    let path = out.file("missing-dir").join("x.png");
    let err = line_chart(&path, &[], "x", "y", "t").unwrap_err();
    assert!(matches!(err, PlotError::Io { .. }), "{err}");
    assert!(out.entries().is_empty());
}
