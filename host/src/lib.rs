//! # embedml-host — embedml on the workstation
//!
//! The library behind the `embedml` command: CSV data ([`data`]), model files ([`io`]), the
//! batched CPU executor ([`backend::cpu`]), model kinds ([`models`], one module each) and the
//! command line ([`cli`], one module per subcommand). The math of every model lives in core
//! (`embedml`); this crate is storage, executors and plumbing around it.
#![deny(missing_docs)]

pub mod backend;
pub mod cli;
pub mod data;
pub mod error;
pub mod io;
pub mod models;
pub mod plot;
pub mod progress;

pub use error::{HostError, Result};
