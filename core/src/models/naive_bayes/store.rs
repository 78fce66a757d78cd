//! Typed storage shared by the count-based naive Bayes models ([`CategoricalNb`](super::CategoricalNb),
//! [`BernoulliNb`](super::BernoulliNb), [`MultinomialNb`](super::MultinomialNb)): class counts,
//! one row of counts per class, `α` and an optional fixed prior, with the checks and accessors
//! they have in common. The math stays in each variant's slice functions.

use super::common::{self, Prior};
use crate::error::{check_len, Result};

/// A class's row of counts: `[f32; F]` (Bernoulli, multinomial) or `[[f32; V]; F]`
/// (categorical), seen flat.
pub(crate) trait Row: Copy {
    /// A row of zeros.
    const ZERO: Self;
    /// The rows as one slice, row after row.
    fn flat(rows: &[Self]) -> &[f32];
    /// [`flat`](Self::flat), mutable.
    fn flat_mut(rows: &mut [Self]) -> &mut [f32];
}

impl<const F: usize> Row for [f32; F] {
    const ZERO: Self = [0.0; F];
    fn flat(rows: &[Self]) -> &[f32] {
        rows.as_flattened()
    }
    fn flat_mut(rows: &mut [Self]) -> &mut [f32] {
        rows.as_flattened_mut()
    }
}

impl<const F: usize, const V: usize> Row for [[f32; V]; F] {
    const ZERO: Self = [[0.0; V]; F];
    fn flat(rows: &[Self]) -> &[f32] {
        rows.as_flattened().as_flattened()
    }
    fn flat_mut(rows: &mut [Self]) -> &mut [f32] {
        rows.as_flattened_mut().as_flattened_mut()
    }
}

/// `Prior::Fixed` for a set prior, `Prior::Learned` otherwise.
pub(crate) fn prior_view<const C: usize>(prior: &Option<[f32; C]>) -> Prior<'_> {
    match prior {
        Some(p) => Prior::Fixed(p),
        None => Prior::Learned,
    }
}

/// Checks a prior to be set (`None`: learned) and returns it.
pub(crate) fn checked_prior<const C: usize>(prior: Option<[f32; C]>) -> Result<Option<[f32; C]>> {
    if let Some(p) = &prior {
        common::check_prior(C, Prior::Fixed(p))?;
    }
    Ok(prior)
}

/// Class counts, a row of counts per class, `α`, an optional fixed prior.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CountStore<const C: usize, R> {
    /// `N_y`.
    pub(crate) class_count: [f32; C],
    /// The counts of each class.
    pub(crate) counts: [R; C],
    /// Smoothing `α ≥ 0`.
    pub(crate) alpha: f32,
    /// Fixed class priors (`None`: learned).
    pub(crate) prior: Option<[f32; C]>,
}

impl<const C: usize, R: Row> CountStore<C, R> {
    /// Zero counts, smoothing `alpha` (finite, `≥ 0`), learned prior.
    pub(crate) fn new(alpha: f32) -> Result<Self> {
        common::check_alpha(alpha)?;
        Ok(Self {
            class_count: [0.0; C],
            counts: [R::ZERO; C],
            alpha,
            prior: None,
        })
    }

    /// Sets (after checking) or clears the fixed prior.
    pub(crate) fn set_prior(&mut self, prior: Option<[f32; C]>) -> Result<()> {
        self.prior = checked_prior(prior)?;
        Ok(())
    }

    /// The prior as the slice functions take it.
    pub(crate) fn prior_view(&self) -> Prior<'_> {
        prior_view(&self.prior)
    }

    /// Every count, flat.
    pub(crate) fn counts_flat(&self) -> &[f32] {
        R::flat(&self.counts)
    }

    /// The class counts and the flat counts, for `update`.
    pub(crate) fn parts_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (&mut self.class_count, R::flat_mut(&mut self.counts))
    }

    /// Multiplies every count by `factor ∈ (0, 1]`.
    pub(crate) fn forget(&mut self, factor: f32) -> Result<()> {
        let (class_count, counts) = self.parts_mut();
        super::categorical::forget(class_count, counts, factor)
    }

    /// `P(y)` for every class.
    pub(crate) fn priors(&self) -> [f32; C] {
        common::priors(&self.class_count, self.prior_view())
    }

    /// Replaces the statistics: `class_count` (`C`) and `counts` (every count, flat), all
    /// finite and `≥ 0`; `what` names the counts in errors.
    pub(crate) fn set_counts(
        &mut self,
        what: [&'static str; 2],
        class_count: &[f32],
        counts: &[f32],
    ) -> Result<()> {
        check_len(what[0], C, class_count.len())?;
        check_len(what[1], self.counts_flat().len(), counts.len())?;
        common::check_counts(class_count)?;
        common::check_counts(counts)?;
        self.class_count.copy_from_slice(class_count);
        R::flat_mut(&mut self.counts).copy_from_slice(counts);
        Ok(())
    }
}
