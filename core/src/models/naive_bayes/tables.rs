//! The `f32` prediction path: log-probability tables built once from a model's statistics.
//!
//! ## Why
//! The models learn and keep their statistics exactly (counts, `f64` Welford sums) and compute
//! [`joint_log_likelihood`](super::categorical::joint_log_likelihood) in `f64`. A Cortex-M4F's
//! FPU is single precision, so `f64` is soft-float there: one golf prediction (2 classes,
//! 4 features) executes ≈ 68 600 instructions, mostly `__adddf3`, `__muldf3` and `log`.
//! Prediction does not need `f64`: every `ln P(x_i | y)` depends only on the statistics, so it
//! can be computed **once**, when the model is loaded or after it learnt, and stored as `f32`.
//! A prediction is then `C · F` table look-ups and `f32` adds plus a `C`-way `f32` softmax.
//!
//! ## One math
//! Each entry is the logarithm of the same ratio that the variant's `joint_log_likelihood`
//! takes the logarithm of: each variant writes its numerator and denominator once
//! (`ratio` / `numerator` / `denominator`, and [`common::log_prior`]'s `prior_ratio`), generic
//! over the arithmetic (`ratio.rs`'s `Stat`). The `f64` path evaluates them in `f64` and adds
//! `ln num − ln den` ([`common::log_ratio`]). The tables evaluate them **without any `f64`
//! arithmetic** (soft-float on a Cortex-M4F): the `f32` statistics are summed in compensated
//! `f32` (`Sum32`: a second word carries every addition's exact rounding error, so `num` and
//! `den` come out rounded once, as the `f64` sums rounded to `f32` would; sums beyond `f32`'s
//! range are scaled by `2^-64`), then `num` and `den` are split into mantissa and binary
//! exponent by integer operations on their bits, and the entry is `logf(m_num / m_den) +
//! e · ln 2` (the mantissa quotient brought into `[√½, √2]`, `ln 2` in two parts): one `f32`
//! division and one `logf`, also for ratios beyond the `f32` range, never NaN. (Before, the
//! ratio was formed in `f64` and ratios beyond `f32` fell back to two `f64` logs, which linked
//! the soft-float `f64` library and `f64` `log` into every binary building tables: 4.2 KB.) The
//! Gaussian tables hold the `x`-independent part of the `f64` terms (summed and logged in `f64`:
//! the model's statistics are `f64` on purpose) and `f32` copies of `μ` and `1/(2σ²)`:
//!
//! | variant | table | prediction (`f32`) |
//! |---|---|---|
//! | categorical | `ln ((N_{y,i,v} + α) / (N_y + α V_i))` at `(y·F + i)·V + v` | `lp_y + Σ_{i in mask} t[y,i,x_i]` |
//! | Bernoulli | `ln (1 − p_{y,i})`, `ln p_{y,i}` at `(y·F + i)·2 + x_i` | `lp_y + Σ_{i in mask} t[y,i,x_i]` |
//! | multinomial | `ln θ_{y,i}` at `y·F + i` | `lp_y + Σ_{x_i > 0} x_i · t[y,i]` |
//! | Gaussian | `k_y = ln P(y) − Σ_i ½ ln(2π σ²_{y,i})`, `μ_{y,i}`, `1/(2σ²_{y,i})` | `k_y − Σ_i (x_i − μ_{y,i})² / (2σ²_{y,i})` |
//!
//! with `lp_y = ln P(y)` ([`common::log_prior_f32`], the ratios of [`common::log_prior`]) and
//! `P(y | x)` by [`common::normalize_f32`] (max-subtracted softmax). `−∞` entries (zero
//! probabilities with `α = 0`, classes with no samples) stay `−∞`; every class `−∞` is the same
//! [`ALL_ZERO`](common::ALL_ZERO) error as the `f64` path.
//!
//! ## Precision
//! Each entry is within ≈ 2 `f32` ulps of the exact logarithm (`num` and `den` each rounded
//! once, the division, `logf`, and `e · ln 2`), and a joint log-likelihood sums `F + 1` of them
//! in `f32`, so probabilities agree with the `f64` path and scikit-learn to ≈ 1e-6
//! (`core/tests/naive_bayes_f32.rs` pins them against the scikit-learn references to `1e-6`,
//! as the `f64` path, also with `--features micromath`: the tables always use libm's `logf`).
//!
//! ## Cost (Cortex-M4F, `firmware/src/bin/bench.rs`, golf: 2 classes × 4 features, `V = 3`)
//! One prediction: 290 instructions (68 623 with the `f64` `predict_proba`). Building the
//! tables: ≈ 7 600 (≈ 9 900 with the `f64` ratios); `refresh_class` after an update: ≈ 4 000
//! (≈ 5 300). On the FPU-less Cortex-M3 the compensated `f32` sums cost more than the `f64`
//! ones did (≈ 87 000 / 48 000 instead of 42 000 / 24 000). Gaussian, 3 classes × 4 features:
//! 346 (68 083 with `f64`); building its tables ≈ 31 000 (one `f64` logarithm per class and
//! per prior ratio), refreshing them after an update ≈ 19 000 (three logarithms).

//! ## Keeping tables current
//! Tables are a snapshot: after `update`, `forget` or `set_prior`, call `rebuild` (every
//! entry), or, for the discrete variants after an `update` of class `y`,
//! `refresh_class(model, y)`, which recomputes only row `y` and the `C` log priors (all that an
//! update of class `y` changes). The Gaussian variant's variance floor `ε` depends on every
//! sample, so an update changes every entry; its tables keep a memo of their logarithms
//! (keyed by their exact arguments), take `ln(σ² + ε)` as `ln σ² + ln(1 + ε/σ²)` (a series)
//! and a class's `Σ_i ln σ²_{y,i}` as the logarithm of a product, so `refresh` (or
//! `refresh_class(model, y)`) after an update of class `y` takes three logarithms and gives
//! the tables of `rebuild` bit for bit ([`gaussian::fill_log_tables`]).

use super::common;
use super::{bernoulli, categorical, gaussian, multinomial};
use super::{BernoulliNb, CategoricalNb, GaussianNb, MultinomialNb};
use crate::error::Result;

/// `f32` log-probability tables of a [`CategoricalNb`] (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalTables<const C: usize, const F: usize, const V: usize> {
    log_prior: [f32; C],
    table: [[[f32; V]; F]; C],
    n_values: [usize; F],
}

impl<const C: usize, const F: usize, const V: usize> CategoricalNb<C, F, V> {
    /// The `f32` log-probability tables of this model's current statistics.
    pub fn log_tables(&self) -> Result<CategoricalTables<C, F, V>> {
        let mut t = CategoricalTables {
            log_prior: [0.0; C],
            table: [[[0.0; V]; F]; C],
            n_values: *self.n_values(),
        };
        t.rebuild(self)?;
        Ok(t)
    }
}

impl<const C: usize, const F: usize, const V: usize> CategoricalTables<C, F, V> {
    /// Recomputes every entry from `nb`'s statistics.
    pub fn rebuild(&mut self, nb: &CategoricalNb<C, F, V>) -> Result<()> {
        self.n_values = *nb.n_values();
        categorical::fill_log_tables(
            &nb.stats(),
            &mut self.log_prior,
            self.table.as_flattened_mut().as_flattened_mut(),
        )
    }

    /// Recomputes class `y`'s row and the log priors: all that `nb.update(x, y)` changes.
    pub fn refresh_class(&mut self, nb: &CategoricalNb<C, F, V>, y: usize) -> Result<()> {
        let s = nb.stats();
        common::check_class(y, C)?;
        categorical::fill_log_table_row(&s, y, self.table[y].as_flattened_mut())?;
        common::log_prior_f32(s.class_count, s.prior, &mut self.log_prior)
    }

    /// `f32` joint log-likelihoods, features with `mask[i] == false` left out.
    pub fn joint_log_likelihood(&self, x: &[usize], mask: Option<&[bool]>) -> Result<[f32; C]> {
        let mut out = [0.0; C];
        categorical::joint_log_likelihood_f32(
            &self.log_prior,
            self.table.as_flattened().as_flattened(),
            &self.n_values,
            V,
            x,
            mask,
            &mut out,
        )?;
        Ok(out)
    }

    /// `P(y | x)` for every class, in `f32`.
    pub fn predict_proba(&self, x: &[usize], mask: Option<&[bool]>) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize_f32(&self.joint_log_likelihood(x, mask)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties).
    pub fn predict(&self, x: &[usize], mask: Option<&[bool]>) -> Result<usize> {
        common::argmax_f32(&self.joint_log_likelihood(x, mask)?)
    }

    /// `ln P(y)` as stored.
    pub fn log_prior(&self) -> &[f32; C] {
        &self.log_prior
    }

    /// `ln P(x_i = v | y)` as stored, at `[y][i][v]` (`−∞` for `v ≥ V_i`).
    pub fn table(&self) -> &[[[f32; V]; F]; C] {
        &self.table
    }
}

/// `f32` log-probability tables of a [`BernoulliNb`] (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct BernoulliTables<const C: usize, const F: usize> {
    log_prior: [f32; C],
    /// `[y][i][0]` absent, `[y][i][1]` present.
    table: [[[f32; 2]; F]; C],
}

impl<const C: usize, const F: usize> BernoulliNb<C, F> {
    /// The `f32` log-probability tables of this model's current statistics.
    pub fn log_tables(&self) -> Result<BernoulliTables<C, F>> {
        let mut t = BernoulliTables {
            log_prior: [0.0; C],
            table: [[[0.0; 2]; F]; C],
        };
        t.rebuild(self)?;
        Ok(t)
    }
}

impl<const C: usize, const F: usize> BernoulliTables<C, F> {
    /// Recomputes every entry from `nb`'s statistics.
    pub fn rebuild(&mut self, nb: &BernoulliNb<C, F>) -> Result<()> {
        bernoulli::fill_log_tables(
            &nb.stats(),
            &mut self.log_prior,
            self.table.as_flattened_mut().as_flattened_mut(),
        )
    }

    /// Recomputes class `y`'s row and the log priors: all that `nb.update(x, y)` changes.
    pub fn refresh_class(&mut self, nb: &BernoulliNb<C, F>, y: usize) -> Result<()> {
        let s = nb.stats();
        common::check_class(y, C)?;
        bernoulli::fill_log_table_row(&s, y, self.table[y].as_flattened_mut())?;
        common::log_prior_f32(s.class_count, s.prior, &mut self.log_prior)
    }

    /// `f32` joint log-likelihoods, features with `mask[i] == false` left out.
    pub fn joint_log_likelihood(&self, x: &[bool], mask: Option<&[bool]>) -> Result<[f32; C]> {
        let mut out = [0.0; C];
        bernoulli::joint_log_likelihood_f32(
            &self.log_prior,
            self.table.as_flattened().as_flattened(),
            x,
            mask,
            &mut out,
        )?;
        Ok(out)
    }

    /// `P(y | x)` for every class, in `f32`.
    pub fn predict_proba(&self, x: &[bool], mask: Option<&[bool]>) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize_f32(&self.joint_log_likelihood(x, mask)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties).
    pub fn predict(&self, x: &[bool], mask: Option<&[bool]>) -> Result<usize> {
        common::argmax_f32(&self.joint_log_likelihood(x, mask)?)
    }

    /// `ln P(y)` as stored.
    pub fn log_prior(&self) -> &[f32; C] {
        &self.log_prior
    }
}

/// `f32` log-probability tables of a [`MultinomialNb`] (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct MultinomialTables<const C: usize, const F: usize> {
    log_prior: [f32; C],
    table: [[f32; F]; C],
}

impl<const C: usize, const F: usize> MultinomialNb<C, F> {
    /// The `f32` log-probability tables of this model's current statistics.
    pub fn log_tables(&self) -> Result<MultinomialTables<C, F>> {
        let mut t = MultinomialTables {
            log_prior: [0.0; C],
            table: [[0.0; F]; C],
        };
        t.rebuild(self)?;
        Ok(t)
    }
}

impl<const C: usize, const F: usize> MultinomialTables<C, F> {
    /// Recomputes every entry from `nb`'s statistics.
    pub fn rebuild(&mut self, nb: &MultinomialNb<C, F>) -> Result<()> {
        multinomial::fill_log_tables(
            &nb.stats(),
            &mut self.log_prior,
            self.table.as_flattened_mut(),
        )
    }

    /// Recomputes class `y`'s row and the log priors: all that `nb.update(x, y)` changes.
    pub fn refresh_class(&mut self, nb: &MultinomialNb<C, F>, y: usize) -> Result<()> {
        let s = nb.stats();
        common::check_class(y, C)?;
        multinomial::fill_log_table_row(&s, y, &mut self.table[y])?;
        common::log_prior_f32(s.class_count, s.prior, &mut self.log_prior)
    }

    /// `f32` joint log-likelihoods.
    pub fn joint_log_likelihood(&self, x: &[f32]) -> Result<[f32; C]> {
        let mut out = [0.0; C];
        multinomial::joint_log_likelihood_f32(
            &self.log_prior,
            self.table.as_flattened(),
            x,
            &mut out,
        )?;
        Ok(out)
    }

    /// `P(y | x)` for every class, in `f32`.
    pub fn predict_proba(&self, x: &[f32]) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize_f32(&self.joint_log_likelihood(x)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties).
    pub fn predict(&self, x: &[f32]) -> Result<usize> {
        common::argmax_f32(&self.joint_log_likelihood(x)?)
    }

    /// `ln P(y)` as stored.
    pub fn log_prior(&self) -> &[f32; C] {
        &self.log_prior
    }
}

/// `f32` tables of a [`GaussianNb`] (see the module docs), with the memo of the logarithms
/// they were built from ([`gaussian::LogMemo`]: `2C + 1` pairs of `f64`), so that
/// [`refresh`](Self::refresh) after learning recomputes only the logarithms whose argument
/// changed. Equality compares the tables, not the memo.
#[derive(Debug, Clone)]
pub struct GaussianTables<const C: usize, const F: usize> {
    offset: [f32; C],
    mean: [[f32; F]; C],
    half_precision: [[f32; F]; C],
    memo_row: [gaussian::MemoEntry; C],
    memo_prior: [gaussian::MemoEntry; C],
    memo_den: gaussian::MemoEntry,
}

impl<const C: usize, const F: usize> PartialEq for GaussianTables<C, F> {
    fn eq(&self, o: &Self) -> bool {
        (self.offset, self.mean, self.half_precision) == (o.offset, o.mean, o.half_precision)
    }
}

impl<const C: usize, const F: usize> GaussianNb<C, F> {
    /// The `f32` tables of this model's current statistics.
    pub fn log_tables(&self) -> Result<GaussianTables<C, F>> {
        let mut t = GaussianTables {
            offset: [0.0; C],
            mean: [[0.0; F]; C],
            half_precision: [[0.0; F]; C],
            memo_row: [gaussian::EMPTY_MEMO; C],
            memo_prior: [gaussian::EMPTY_MEMO; C],
            memo_den: gaussian::EMPTY_MEMO,
        };
        t.refresh(self)?; // the memo is empty: every logarithm is taken
        Ok(t)
    }
}

impl<const C: usize, const F: usize> GaussianTables<C, F> {
    /// Recomputes every entry from `nb`'s statistics, every logarithm included (the memo is
    /// emptied first).
    pub fn rebuild(&mut self, nb: &GaussianNb<C, F>) -> Result<()> {
        self.memo_row = [gaussian::EMPTY_MEMO; C];
        self.memo_prior = [gaussian::EMPTY_MEMO; C];
        self.memo_den = gaussian::EMPTY_MEMO;
        self.refresh(nb)
    }

    /// Brings the tables up to date with `nb`'s statistics after any change (`update`,
    /// `forget`, `set_prior`, `set_stats`): the same tables as [`rebuild`](Self::rebuild), bit
    /// for bit, but only the logarithms whose argument changed are taken again — after one
    /// `update` of class `y`, class `y`'s `F` variances and two for the priors (see
    /// [`gaussian::fill_log_tables`]). The variance floor, which moves with every sample,
    /// enters each entry through a division and a short series, not a logarithm.
    pub fn refresh(&mut self, nb: &GaussianNb<C, F>) -> Result<()> {
        gaussian::fill_log_tables(
            &nb.stats(),
            &mut self.offset,
            self.mean.as_flattened_mut(),
            self.half_precision.as_flattened_mut(),
            &mut gaussian::LogMemo {
                row: &mut self.memo_row,
                prior: &mut self.memo_prior,
                den: &mut self.memo_den,
            },
        )
    }

    /// After `nb.update(x, y)`: [`refresh`](Self::refresh) (named as the discrete variants'
    /// `refresh_class`; every class's entries change with the variance floor, but only class
    /// `y`'s logarithms are taken again).
    pub fn refresh_class(&mut self, nb: &GaussianNb<C, F>, y: usize) -> Result<()> {
        common::check_class(y, C)?;
        self.refresh(nb)
    }

    /// `f32` joint log-likelihoods.
    pub fn joint_log_likelihood(&self, x: &[f32]) -> Result<[f32; C]> {
        let mut out = [0.0; C];
        gaussian::joint_log_likelihood_f32(
            &self.offset,
            self.mean.as_flattened(),
            self.half_precision.as_flattened(),
            x,
            &mut out,
        )?;
        Ok(out)
    }

    /// `P(y | x)` for every class, in `f32`.
    pub fn predict_proba(&self, x: &[f32]) -> Result<[f32; C]> {
        let mut p = [0.0; C];
        common::normalize_f32(&self.joint_log_likelihood(x)?, &mut p)?;
        Ok(p)
    }

    /// The most probable class (lowest index on ties).
    pub fn predict(&self, x: &[f32]) -> Result<usize> {
        common::argmax_f32(&self.joint_log_likelihood(x)?)
    }

    /// `k_y = ln P(y) − Σ_i ½ ln(2π σ²_{y,i})` as stored (`−∞` for a class with no samples).
    pub fn offset(&self) -> &[f32; C] {
        &self.offset
    }

    /// `μ_{y,i}` as stored, at `[y][i]`.
    pub fn mean(&self) -> &[[f32; F]; C] {
        &self.mean
    }

    /// `1 / (2 σ²_{y,i})` as stored, at `[y][i]`.
    pub fn half_precision(&self) -> &[[f32; F]; C] {
        &self.half_precision
    }
}
