//! Bayes' theorem (SPEC §9).
//!
//! For a hypothesis `H` and evidence `E`:
//!
//! ```text
//! P(H | E) = P(E | H) · P(H) / P(E)
//! P(E)     = Σ_i P(E | H_i) · P(H_i)        (law of total probability over a partition H_i)
//! ```
//!
//! Every probability must be finite and in `[0, 1]` ([`Error::InvalidArgument`] otherwise); the
//! evidence must be positive and at least `P(E|H)·P(H)` (a posterior above 1 means the three
//! numbers are inconsistent). SPEC figure: `0.3 × 0.074 / 0.294 = 0.0755`:
//!
//! ```
//! use embedml::models::bayes::posterior;
//! let p = posterior(0.074, 0.3, 0.294).unwrap();
//! assert!((p - 0.0755).abs() < 5e-5);
//! ```

use crate::error::{check_len, Error, Result};

fn check_probability(what: &'static str, p: f32) -> Result<()> {
    if !p.is_finite() {
        return Err(Error::NonFinite { what });
    }
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::InvalidArgument { what });
    }
    Ok(())
}

/// `P(H|E) = P(E|H) P(H) / P(E)`.
///
/// Errors: a probability outside `[0, 1]` or non-finite; `evidence == 0`; a result above 1
/// (inconsistent inputs, beyond a relative tolerance of `1e-6` which is clamped to 1).
pub fn posterior(likelihood: f32, prior: f32, evidence: f32) -> Result<f32> {
    check_probability("likelihood must be a probability in [0, 1]", likelihood)?;
    check_probability("prior must be a probability in [0, 1]", prior)?;
    check_probability("evidence must be a probability in [0, 1]", evidence)?;
    if evidence == 0.0 {
        return Err(Error::InvalidArgument {
            what: "evidence P(E) must be positive",
        });
    }
    let joint = likelihood * prior;
    if joint > evidence * (1.0 + 1e-6) {
        return Err(Error::InvalidArgument {
            what: "P(E|H) P(H) exceeds P(E): inconsistent probabilities",
        });
    }
    Ok((joint / evidence).min(1.0))
}

/// `P(E) = Σ_i P(E|H_i) P(H_i)` over a partition `H_i` (the priors must sum to 1 within `1e-4`).
pub fn evidence(likelihoods: &[f32], priors: &[f32]) -> Result<f32> {
    check_len("priors", likelihoods.len(), priors.len())?;
    let mut sum_prior = 0.0f32;
    let mut e = 0.0f32;
    for (&l, &p) in likelihoods.iter().zip(priors) {
        check_probability("likelihood must be a probability in [0, 1]", l)?;
        check_probability("prior must be a probability in [0, 1]", p)?;
        sum_prior += p;
        e += l * p;
    }
    if (sum_prior - 1.0).abs() > 1e-4 {
        return Err(Error::InvalidArgument {
            what: "priors of a partition must sum to 1",
        });
    }
    Ok(e.min(1.0))
}

/// Posterior of the two-hypothesis partition `{H, ¬H}`: `P(E)` from the law of total probability,
/// then Bayes' theorem. `likelihood = P(E|H)`, `likelihood_not = P(E|¬H)`, `prior = P(H)`.
pub fn posterior_binary(likelihood: f32, likelihood_not: f32, prior: f32) -> Result<f32> {
    check_probability("prior must be a probability in [0, 1]", prior)?;
    let e = evidence(&[likelihood, likelihood_not], &[prior, 1.0 - prior])?;
    posterior(likelihood, prior, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_figure() {
        // SPEC §9: 0.3 × 0.074 / 0.294 = 0.0755.
        let p = posterior(0.074, 0.3, 0.294).unwrap();
        assert!((p - 0.075_510_2).abs() < 1e-6, "{p}");
    }

    #[test]
    fn total_probability_and_binary() {
        // P(E) = 0.9·0.01 + 0.05·0.99 = 0.0585; P(H|E) = 0.009 / 0.0585 = 0.153846.
        let e = evidence(&[0.9, 0.05], &[0.01, 0.99]).unwrap();
        assert!((e - 0.0585).abs() < 1e-7);
        let p = posterior_binary(0.9, 0.05, 0.01).unwrap();
        assert!((p - 0.153_846_15).abs() < 1e-6, "{p}");
    }

    #[test]
    fn invalid_probabilities_are_typed_errors() {
        assert!(matches!(
            posterior(1.2, 0.3, 0.5),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            posterior(f32::NAN, 0.3, 0.5),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            posterior(0.5, 0.3, 0.0),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            posterior(0.9, 0.9, 0.1),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            evidence(&[0.5, 0.5], &[0.5, 0.6]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            evidence(&[0.5], &[0.5, 0.5]),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
