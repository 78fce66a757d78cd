//! Progress bars on stderr (`indicatif`); hidden automatically when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar counting `epochs`, showing the epoch and a message (the loss).
pub fn epochs(epochs: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(epochs), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} epoch {pos}/{len} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// A bar counting training `episodes`, showing a message (the recent mean return).
pub fn episodes(episodes: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(episodes), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} episode {pos}/{len} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// A bar counting optimizer `steps`, with the rate and the time left.
pub fn steps(steps: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:30} step {pos}/{len} ({per_sec}, {eta} left)",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
