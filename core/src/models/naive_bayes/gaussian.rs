//! Gaussian naive Bayes: continuous features, one normal per class and feature.
//!
//! `ln P(x_i | y) = −½ ln(2π σ²_{y,i}) − (x_i − μ_{y,i})² / (2 σ²_{y,i})` with `μ`, `σ²` the
//! class's running mean and **population** variance (ddof 0), kept by Welford's algorithm:
//! `n ← n + 1; δ = x − μ; μ ← μ + δ/n; M2 ← M2 + δ (x − μ)`, `σ² = M2 / n`.
//!
//! **Variance floor** (scikit-learn's `var_smoothing`): `σ²_{y,i} + ε` with
//! `ε = var_smoothing · max_i Var(x_i)`, the variance of each feature over *all* samples (also
//! kept by Welford), default `var_smoothing = 1e-9`. This is `GaussianNB.fit` exactly, for any
//! order of `update` calls. An absolute floor of `1e-300` keeps degenerate data (every feature
//! constant) finite. A class with no samples scores `−∞`.
//!
//! Statistics are `f64` (the running mean of `f32` data loses digits in `f32`); layout
//! `mean[y · n_features + i]`, `m2[y · n_features + i]`, and `total_mean[i]`, `total_m2[i]`.
//! `forget(factor)` scales the counts and `M2` (the means are unchanged): weighted Welford.

use super::common::{self, check_class, log_prior, Prior};
use super::store;
use crate::error::{check_len, Error, Result};

/// scikit-learn's default `var_smoothing`.
pub const DEFAULT_VAR_SMOOTHING: f64 = 1e-9;

/// `ln 2π` in `f64`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Absolute variance floor for degenerate (constant) data.
const VAR_FLOOR: f64 = 1e-300;

/// Borrowed statistics of a Gaussian naive Bayes model.
#[derive(Debug, Clone, Copy)]
pub struct Stats<'a> {
    /// `n_y`, one per class.
    pub class_count: &'a [f32],
    /// `μ_{y,i}`.
    pub mean: &'a [f64],
    /// `M2_{y,i}` (sum of squared deviations).
    pub m2: &'a [f64],
    /// Mean of each feature over all samples.
    pub total_mean: &'a [f64],
    /// `M2` of each feature over all samples.
    pub total_m2: &'a [f64],
    /// `var_smoothing` (≥ 0).
    pub var_smoothing: f64,
    /// Class priors.
    pub prior: Prior<'a>,
}

/// Mutable statistics, for [`update`] and [`forget`].
#[derive(Debug)]
pub struct StatsMut<'a> {
    /// `n_y`.
    pub class_count: &'a mut [f32],
    /// `μ_{y,i}`.
    pub mean: &'a mut [f64],
    /// `M2_{y,i}`.
    pub m2: &'a mut [f64],
    /// Mean over all samples.
    pub total_mean: &'a mut [f64],
    /// `M2` over all samples.
    pub total_m2: &'a mut [f64],
}

fn check_dims(
    n_classes: usize,
    mean: usize,
    m2: usize,
    tm: usize,
    tm2: usize,
    f: usize,
) -> Result<()> {
    check_len("gaussian means", n_classes * f, mean)?;
    check_len("gaussian M2", n_classes * f, m2)?;
    check_len("gaussian total mean", f, tm)?;
    check_len("gaussian total M2", f, tm2)
}

/// One Welford step. Not inlined: `update` calls it twice per feature, and inlined its
/// soft-float `f64` code would be repeated in the firmware's unrolled loop.
#[inline(never)]
fn welford(n_new: f64, mean: &mut f64, m2: &mut f64, x: f64) {
    let d = x - *mean;
    *mean += d / n_new;
    *m2 += d * (x - *mean);
}

/// Adds the sample `(x, y)`.
pub fn update(s: &mut StatsMut<'_>, x: &[f32], y: usize) -> Result<()> {
    let f = x.len();
    let c = s.class_count.len();
    check_dims(
        c,
        s.mean.len(),
        s.m2.len(),
        s.total_mean.len(),
        s.total_m2.len(),
        f,
    )?;
    check_class(y, c)?;
    crate::error::check_finite("x", x)?;
    let n_total = s.class_count.iter().map(|&v| v as f64).sum::<f64>() + 1.0;
    // `get_mut` instead of indexing: checked above, and no panic path in the binary.
    let rows = y * f..(y + 1) * f;
    let (Some(n_y), Some(mean), Some(m2)) = (
        s.class_count.get_mut(y),
        s.mean.get_mut(rows.clone()),
        s.m2.get_mut(rows),
    ) else {
        return Err(Error::OutOfRange {
            what: "class",
            index: y,
            len: c,
        });
    };
    *n_y += 1.0;
    let n_y = *n_y as f64;
    let totals = s.total_mean.iter_mut().zip(s.total_m2.iter_mut());
    for ((&xi, (tm, tm2)), (m, v)) in x.iter().zip(totals).zip(mean.iter_mut().zip(m2)) {
        let xi = xi as f64;
        welford(n_total, tm, tm2, xi);
        welford(n_y, m, v, xi);
    }
    Ok(())
}

/// Multiplies the counts and `M2` by `factor ∈ (0, 1]`.
pub fn forget(s: &mut StatsMut<'_>, factor: f32) -> Result<()> {
    common::check_factor(factor)?;
    for c in s.class_count.iter_mut() {
        *c *= factor;
    }
    for m in s.m2.iter_mut().chain(s.total_m2.iter_mut()) {
        *m *= factor as f64;
    }
    Ok(())
}

/// `ε = var_smoothing · max_i Var(x_i)` over all samples.
pub fn epsilon(s: &Stats<'_>) -> f64 {
    epsilon_of(s, sample_count(s))
}

/// `n = Σ_y n_y`, the number of samples (summed in `f64`).
fn sample_count(s: &Stats<'_>) -> f64 {
    s.class_count.iter().map(|&v| v as f64).sum()
}

/// [`epsilon`] for `n` = [`sample_count`]. Not inlined: both paths call it (one copy in the
/// firmware).
#[inline(never)]
fn epsilon_of(s: &Stats<'_>, n: f64) -> f64 {
    if le(n, 0.0) {
        return 0.0;
    }
    // `max_i (M2_i / n)` as `(max_i M2_i) / n`: the same value (rounding is monotone), one
    // division; `M2 ≥ 0` compared on the bits (`le`).
    let max_m2 = s
        .total_m2
        .iter()
        .fold(0.0f64, |m, &v| if le(v, m) { m } else { v });
    s.var_smoothing * (max_m2 / n)
}

/// `σ²_{y,i} + ε` (sklearn's `var_`, floored at `1e-300`), or `None` for a class with no
/// samples.
pub fn variance(s: &Stats<'_>, y: usize, i: usize) -> Result<Option<f64>> {
    let f = s.total_mean.len();
    let c = s.class_count.len();
    check_dims(c, s.mean.len(), s.m2.len(), f, s.total_m2.len(), f)?;
    check_class(y, c)?;
    if i >= f {
        return Err(Error::OutOfRange {
            what: "feature",
            index: i,
            len: f,
        });
    }
    Ok(variance_with(s, y, i, epsilon(s)))
}

fn variance_with(s: &Stats<'_>, y: usize, i: usize, eps: f64) -> Option<f64> {
    Some((class_variance(s, y, i)? + eps).max(VAR_FLOOR))
}

/// `σ²_{y,i} = M2_{y,i} / n_y` without the floor, or `None` for a class with no samples.
fn class_variance(s: &Stats<'_>, y: usize, i: usize) -> Option<f64> {
    let f = s.total_mean.len();
    let n = *s.class_count.get(y)? as f64;
    if n <= 0.0 {
        return None;
    }
    Some(s.m2.get(y * f + i)? / n)
}

/// `out[y] = ln P(y) + Σ_i ln N(x_i; μ_{y,i}, σ²_{y,i} + ε)`.
pub fn joint_log_likelihood(s: &Stats<'_>, x: &[f32], out: &mut [f64]) -> Result<()> {
    let f = x.len();
    let c = s.class_count.len();
    check_dims(
        c,
        s.mean.len(),
        s.m2.len(),
        s.total_mean.len(),
        s.total_m2.len(),
        f,
    )?;
    crate::error::check_finite("x", x)?;
    if !(s.var_smoothing >= 0.0 && s.var_smoothing.is_finite()) {
        return Err(Error::InvalidArgument {
            what: "var_smoothing must be finite and >= 0",
        });
    }
    log_prior(s.class_count, s.prior, out)?;
    let eps = epsilon(s);
    for (y, o) in out.iter_mut().enumerate() {
        for (i, &xi) in x.iter().enumerate() {
            match variance_with(s, y, i, eps) {
                None => {
                    *o = f64::NEG_INFINITY;
                    break;
                }
                Some(var) => {
                    let d = xi as f64 - s.mean.get(y * f + i).copied().unwrap_or(0.0);
                    *o -= neg_log_normal(var, d);
                }
            }
        }
    }
    Ok(())
}

/// `−ln N(x; μ, σ²) = ½ (ln 2π + ln σ²) + d² / (2σ²)` for `d = x − μ`. Not inlined: one copy
/// of its soft-float `f64` code in the firmware instead of one per feature of an unrolled loop.
#[inline(never)]
fn neg_log_normal(var: f64, d: f64) -> f64 {
    log_norm(var) + 0.5 * d * d / var
}

/// `½ (ln 2π + ln σ²)`, the part of `−ln N(x; μ, σ²) = ½ ln(2π σ²) + (x − μ)² / (2σ²)` that
/// does not depend on `x`.
fn log_norm(var: f64) -> f64 {
    0.5 * (LN_2PI + common::ln64(var))
}

/// `(key, ln key)` of a memoised logarithm; [`EMPTY_MEMO`] holds no key.
pub type MemoEntry = [f64; 2];

/// A memo entry with no key (`NaN`, which is never an argument): its logarithm is computed.
pub const EMPTY_MEMO: MemoEntry = [f64::NAN, f64::NAN];

/// The logarithms [`fill_log_tables`] last took, keyed by their exact arguments, so that a
/// refill computes only those whose argument changed. Entries start as [`EMPTY_MEMO`]; any
/// content gives the same tables (a key is reused only when it equals the argument bit for
/// bit), so a memo can only save work, never change a result.
#[derive(Debug)]
pub struct LogMemo<'a> {
    /// Per class (`C`): the mantissa of the product of its variances and its logarithm.
    pub row: &'a mut [MemoEntry],
    /// Per class (`C`): the numerator of its prior ratio and its logarithm.
    pub prior: &'a mut [MemoEntry],
    /// The denominator of the prior ratio (shared by the classes) and its logarithm.
    pub den: &'a mut MemoEntry,
}

/// `ln x` through the memo entry `m`: computed only when `x` differs from its key.
#[inline(never)] // three call sites, each a logarithm: one copy in the firmware
fn memo_ln(x: f64, m: &mut MemoEntry) -> f64 {
    if x.to_bits() != m[0].to_bits() {
        *m = [x, common::ln64(x)];
    }
    m[1]
}

/// `ln 2` in `f64`.
const LN_2: f64 = core::f64::consts::LN_2;

/// `ln(σ² + ε)` is taken as `ln σ² − ln(1 − ε/(σ² + ε))`, the second term by a series, for
/// `ε ≤ 2^-SERIES_LOG2 · σ²`.
const SERIES_LOG2: u64 = 16;

/// A positive product `m · 2^e`, `m ∈ [1, 2)`, kept without overflow or underflow: the
/// exponents are added as integers (read from the bits), only the mantissas multiplied.
#[derive(Debug, Clone, Copy)]
struct Product {
    m: f64,
    e: i32,
}

impl Product {
    const ONE: Product = Product { m: 1.0, e: 0 };

    /// `x = m · 2^e` for a positive normal `x` (`m = ∞` for `x = ∞`: the product's logarithm
    /// is then `∞`).
    #[inline]
    fn split(x: f64) -> Product {
        if !x.is_finite() {
            return Product { m: x, e: 0 };
        }
        let b = x.to_bits();
        Product {
            m: f64::from_bits((b & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000),
            e: ((b >> 52) & 0x7ff) as i32 - 1023,
        }
    }

    /// `self · x`, `x` positive and normal (or `∞`).
    #[inline]
    fn times(self, x: f64) -> Product {
        let x = Product::split(x);
        let m = Product::split(self.m * x.m); // in [1, 4): one more exponent step at most
        Product {
            m: m.m,
            e: self.e + x.e + m.e,
        }
    }
}

/// `a ≤ b` for non-negative `a`, `b` (`−0` counts as `0`; no NaN), by an integer comparison of
/// their bits (non-negative doubles are ordered as their bit patterns): on a Cortex-M4F an `f64`
/// comparison is a soft-float call.
#[inline]
fn le(a: f64, b: f64) -> bool {
    const MAGNITUDE: u64 = !(1 << 63);
    a.to_bits() & MAGNITUDE <= b.to_bits() & MAGNITUDE
}

/// One entry of [`fill_log_tables`] for `v = σ²_{y,i}` (no floor): the row's product `p` and
/// series sum `corr` with this entry, and `1 / (2 (σ² + ε))` (floored, kept within
/// `[f32::MIN_POSITIVE, f32::MAX]`: never `0 · ∞ = NaN` in a prediction). Not inlined: one
/// copy instead of an unrolled loop of soft-float code in the firmware.
#[inline(never)]
fn table_entry(v: f64, eps: f64, eps32: f32, p: Product, corr: f32) -> (Product, f32, f32) {
    // `max(v + ε, 1e-300)`, `v`, `ε ≥ 0` (compared on the bits: see `le`).
    let sum = v + eps;
    let var = if le(sum, VAR_FLOOR) { VAR_FLOOR } else { sum };
    // `1 / (σ² + ε)` in `f32` (saturating: `σ² + ε` beyond the `f32` range gives 0 or `∞`,
    // clamped below): the precision table and the series need no more.
    let var32 = var as f32;
    let inv = 1.0 / var32;
    let half = (0.5 * inv).clamp(f32::MIN_POSITIVE, f32::MAX);
    // `v · 2^-16` by its exponent bits (exact: `v ≥ 1e-300` is normal when it is evaluated).
    let scaled = |v: f64| f64::from_bits(v.to_bits() - (SERIES_LOG2 << 52));
    if le(VAR_FLOOR, v) && !le(f64::INFINITY, v) && le(eps, scaled(v)) {
        // `r ≤ 2^-16`: its `f32` rounding is far below the result's.
        let r = if var32.is_normal() {
            eps32 * inv
        } else {
            (eps / var) as f32 // `σ² + ε` beyond the `f32` range
        };
        (
            p.times(v),
            corr + r * (1.0 + r * (0.5 + r * (1.0 / 3.0))),
            half,
        )
    } else {
        (p.times(var), corr, half)
    }
}

/// Fills the tables of the `f32` prediction path ([`super::tables`]), from the terms of
/// [`joint_log_likelihood`] split into what depends on `x` and what does not:
/// `offset[y] = ln P(y) − Σ_i ½ (ln 2π + ln σ²_{y,i})` (in `f64`, then rounded; `−∞` for a
/// class with no samples), `mean[y · F + i] = μ_{y,i}` and `half_precision[y · F + i] =
/// 1 / (2 σ²_{y,i})` as `f32` (kept within `[f32::MIN_POSITIVE, f32::MAX]`), with `σ²` the
/// variance of the `f64` path (`M2 / n + ε`, floored; here `M2 · (1/n)`, within an `f64` ulp,
/// and `1/σ²` taken in `f32`, within an `f32` ulp). Each entry is the `f64` path's term to
/// ≈ 2 `f32` ulps (pinned by `core/tests/naive_bayes_f32.rs`). A mean beyond the `f32` range
/// is [`Error::NonFinite`].
///
/// **Few logarithms** (soft-float on a Cortex-M4F, ≈ 2 900 instructions each). Each class's
/// `Σ_i ln(σ²_{y,i} + ε)` is one logarithm: with `v = σ²` (no floor) and `ε ≤ 2^-16 v` (every
/// feature of non-degenerate data; `ε` is `1e-9` of the largest variance by default),
/// `ln(v + ε) = ln v + c`, `c = −ln(1 − r) = r + r²/2 + r³/3` with `r = ε/(v + ε)` (in `f32`;
/// truncation error below `r⁴/4 ≤ 2^-66`), and `Σ_i ln v_i` is the logarithm of the product
/// of the `v_i` (mantissas multiplied, exponents added: no overflow); a feature almost
/// constant within the class enters the product as `max(v + ε, 1e-300)` itself.
/// `ln P(y) = ln num_y − ln den` as [`common::log_ratio`] takes it. These logarithms go
/// through `memo`, keyed by their exact arguments; the floor `ε`, which moves with every
/// sample, only enters through the series. So after an `update` of class `y` a refill takes
/// three logarithms (class `y`'s product, its prior numerator, the denominator) instead of
/// `2C + 1` and recomputes the rest of every entry; the tables are **bit for bit** those of a
/// fill from an empty memo, whatever changed (an `update`, `forget`, a new prior), since a
/// logarithm is reused only for the same argument.
pub fn fill_log_tables(
    s: &Stats<'_>,
    offset: &mut [f32],
    mean: &mut [f32],
    half_precision: &mut [f32],
    memo: &mut LogMemo<'_>,
) -> Result<()> {
    let (c, f) = (s.class_count.len(), s.total_mean.len());
    check_dims(c, s.mean.len(), s.m2.len(), f, s.total_m2.len(), f)?;
    check_len("gaussian offset table", c, offset.len())?;
    check_len("gaussian mean table", c * f, mean.len())?;
    check_len("gaussian precision table", c * f, half_precision.len())?;
    check_len("gaussian row log memo", c, memo.row.len())?;
    check_len("gaussian prior log memo", c, memo.prior.len())?;
    common::check_prior(c, s.prior)?;
    let total = sample_count(s);
    let eps = epsilon_of(s, total);
    let eps32 = eps as f32;
    let norm = f as f64 * LN_2PI;
    let rows = offset
        .iter_mut()
        .zip(memo.row.iter_mut().zip(memo.prior.iter_mut()));
    for (y, (o, (m_row, m_prior))) in rows.enumerate() {
        let span = y * f..(y + 1) * f;
        let (Some(means), Some(halves)) =
            (mean.get_mut(span.clone()), half_precision.get_mut(span))
        else {
            break; // checked above (no panic path)
        };
        // `Π_i v_i` (or the floored variance) and `Σ_i c_i`; `None` for a class with no samples.
        let n = s.class_count.get(y).copied().unwrap_or(0.0);
        let mut row = (n > 0.0).then_some((Product::ONE, 0.0f32));
        // `v = M2 · (1/n)`: one division per class (within an ulp of the `f64` path's `M2 / n`).
        let inv_n = 1.0 / n as f64;
        let m2s = s.m2.get(y * f..(y + 1) * f).unwrap_or(&[]);
        let mus = s.mean.get(y * f..(y + 1) * f).unwrap_or(&[]);
        for ((m, h), (&m2, &mu)) in means.iter_mut().zip(halves).zip(m2s.iter().zip(mus)) {
            let Some((p, corr)) = row else {
                (*m, *h) = (0.0, 0.0);
                continue;
            };
            let (p, corr, half) = table_entry(m2 * inv_n, eps, eps32, p, corr);
            row = Some((p, corr));
            *m = mu as f32;
            if !m.is_finite() {
                return Err(Error::NonFinite {
                    what: "gaussian mean (beyond the f32 range of the tables)",
                });
            }
            *h = half;
        }
        // `ln P(y)`: `common::log_ratio` of the prior ratio, through the memo.
        let (num, den) = common::prior_ratio64(s.class_count, s.prior, total, y);
        let acc = match row {
            Some((p, corr)) if !le(num, 0.0) && !le(den, 0.0) => {
                let log_var = memo_ln(p.m, m_row) + p.e as f64 * LN_2 + corr as f64;
                memo_ln(num, m_prior) - memo_ln(den, memo.den) - 0.5 * (norm + log_var)
            }
            _ => f64::NEG_INFINITY,
        };
        *o = acc as f32;
    }
    Ok(())
}

/// The `f32` joint log-likelihoods from the tables of [`fill_log_tables`]:
/// `out[y] = offset[y] − Σ_i (x_i − mean[y · F + i])² · half_precision[y · F + i]`, in `f32`
/// (`−∞` for a class with no samples).
pub fn joint_log_likelihood_f32(
    offset: &[f32],
    mean: &[f32],
    half_precision: &[f32],
    x: &[f32],
    out: &mut [f32],
) -> Result<()> {
    let (c, f) = (offset.len(), x.len());
    check_len("gaussian mean table", c * f, mean.len())?;
    check_len("gaussian precision table", c * f, half_precision.len())?;
    check_len("log-likelihood output", c, out.len())?;
    crate::error::check_finite("x", x)?;
    for (y, (o, &k)) in out.iter_mut().zip(offset).enumerate() {
        if k == f32::NEG_INFINITY {
            *o = k;
            continue;
        }
        let rows = mean[y * f..(y + 1) * f]
            .iter()
            .zip(&half_precision[y * f..(y + 1) * f]);
        let mut acc = k;
        for ((&m, &h), &xi) in rows.zip(x) {
            let d = xi - m;
            acc -= d * d * h;
        }
        *o = acc;
    }
    Ok(())
}

/// Gaussian naive Bayes with `C` classes and `F` continuous features.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianNb<const C: usize, const F: usize> {
    class_count: [f32; C],
    mean: [[f64; F]; C],
    m2: [[f64; F]; C],
    total_mean: [f64; F],
    total_m2: [f64; F],
    var_smoothing: f64,
    prior: Option<[f32; C]>,
}

impl<const C: usize, const F: usize> Default for GaussianNb<C, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize, const F: usize> GaussianNb<C, F> {
    /// An untrained model with `var_smoothing = 1e-9`.
    pub fn new() -> Self {
        Self {
            class_count: [0.0; C],
            mean: [[0.0; F]; C],
            m2: [[0.0; F]; C],
            total_mean: [0.0; F],
            total_m2: [0.0; F],
            var_smoothing: DEFAULT_VAR_SMOOTHING,
            prior: None,
        }
    }

    /// Sets `var_smoothing` (finite, `≥ 0`).
    pub fn set_var_smoothing(&mut self, v: f64) -> Result<()> {
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::InvalidArgument {
                what: "var_smoothing must be finite and >= 0",
            });
        }
        self.var_smoothing = v;
        Ok(())
    }

    /// Uses fixed class priors instead of learned ones (`None`: learned).
    pub fn set_prior(&mut self, prior: Option<[f32; C]>) -> Result<()> {
        self.prior = store::checked_prior(prior)?;
        Ok(())
    }

    /// The borrowed statistics.
    pub fn stats(&self) -> Stats<'_> {
        Stats {
            class_count: &self.class_count,
            mean: self.mean.as_flattened(),
            m2: self.m2.as_flattened(),
            total_mean: &self.total_mean,
            total_m2: &self.total_m2,
            var_smoothing: self.var_smoothing,
            prior: store::prior_view(&self.prior),
        }
    }

    fn stats_mut(&mut self) -> StatsMut<'_> {
        StatsMut {
            class_count: &mut self.class_count,
            mean: self.mean.as_flattened_mut(),
            m2: self.m2.as_flattened_mut(),
            total_mean: &mut self.total_mean,
            total_m2: &mut self.total_m2,
        }
    }

    /// Adds one sample (Welford).
    pub fn update(&mut self, x: &[f32], y: usize) -> Result<()> {
        update(&mut self.stats_mut(), x, y)
    }

    /// Multiplies the counts and `M2` by `factor ∈ (0, 1]`.
    pub fn forget(&mut self, factor: f32) -> Result<()> {
        forget(&mut self.stats_mut(), factor)
    }

    /// Joint log-likelihoods.
    pub fn joint_log_likelihood(&self, x: &[f32]) -> Result<[f64; C]> {
        let mut out = [0.0; C];
        joint_log_likelihood(&self.stats(), x, &mut out)?;
        Ok(out)
    }

    /// `P(y | x)` for every class.
    pub fn predict_proba(&self, x: &[f32]) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize(&self.joint_log_likelihood(x)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties).
    pub fn predict(&self, x: &[f32]) -> Result<usize> {
        common::argmax(&self.joint_log_likelihood(x)?)
    }

    /// `μ_{y,i}`.
    pub fn mean(&self) -> &[[f64; F]; C] {
        &self.mean
    }

    /// `σ²_{y,i} + ε` (sklearn's `var_`); `None` for a class with no samples.
    pub fn variance(&self, y: usize, i: usize) -> Result<Option<f64>> {
        variance(&self.stats(), y, i)
    }

    /// `P(y)` for every class.
    pub fn prior(&self) -> [f32; C] {
        common::priors(&self.class_count, self.stats().prior)
    }

    /// `n_y`.
    pub fn class_count(&self) -> &[f32; C] {
        &self.class_count
    }

    /// `M2_{y,i}`, the sums of squared deviations from the class means.
    pub fn m2(&self) -> &[[f64; F]; C] {
        &self.m2
    }

    /// The mean of each feature over all samples.
    pub fn total_mean(&self) -> &[f64; F] {
        &self.total_mean
    }

    /// `M2` of each feature over all samples.
    pub fn total_m2(&self) -> &[f64; F] {
        &self.total_m2
    }

    /// `var_smoothing`.
    pub fn var_smoothing(&self) -> f64 {
        self.var_smoothing
    }

    /// The fixed class priors, if set ([`set_prior`](Self::set_prior)).
    pub fn fixed_prior(&self) -> Option<&[f32; C]> {
        self.prior.as_ref()
    }

    /// Replaces the statistics (e.g. learnt on the host) with `s`'s: class counts (`C`,
    /// finite, `≥ 0`), means (`C · F`, finite), `M2` (`C · F`, finite, `≥ 0`), total mean and
    /// total `M2` (`F`; finite, `≥ 0`). `s.var_smoothing` and `s.prior` are not used (see
    /// [`set_var_smoothing`](Self::set_var_smoothing), [`set_prior`](Self::set_prior)).
    pub fn set_stats(&mut self, s: &Stats<'_>) -> Result<()> {
        check_len("gaussian class counts", C, s.class_count.len())?;
        check_dims(
            C,
            s.mean.len(),
            s.m2.len(),
            s.total_mean.len(),
            s.total_m2.len(),
            F,
        )?;
        check_stats_values(s)?;
        self.class_count.copy_from_slice(s.class_count);
        self.mean.as_flattened_mut().copy_from_slice(s.mean);
        self.m2.as_flattened_mut().copy_from_slice(s.m2);
        self.total_mean.copy_from_slice(s.total_mean);
        self.total_m2.copy_from_slice(s.total_m2);
        Ok(())
    }
}

/// Checks statistics set from outside (a blob, the host): class counts finite and `≥ 0`, means
/// finite, `M2` finite and `≥ 0` (a negative `M2` would be a negative variance).
pub fn check_stats_values(s: &Stats<'_>) -> Result<()> {
    common::check_counts(s.class_count)?;
    for &m in s.mean.iter().chain(s.total_mean) {
        if !m.is_finite() {
            return Err(Error::NonFinite {
                what: "gaussian means",
            });
        }
    }
    for &m in s.m2.iter().chain(s.total_m2) {
        if !m.is_finite() {
            return Err(Error::NonFinite {
                what: "gaussian M2",
            });
        }
        if m < 0.0 {
            return Err(Error::InvalidArgument {
                what: "gaussian M2 (sum of squared deviations) must be >= 0",
            });
        }
    }
    Ok(())
}
