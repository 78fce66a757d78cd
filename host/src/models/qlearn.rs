//! Tabular Q-learning (`embedml train qlearn`) on core's gymnasium-compatible environments
//! (`embedml::envs`), trained and evaluated by core (`embedml::models::qlearn::{train,
//! evaluate, evaluate_starts, greedy_policy}`) over a runtime-sized table.
//!
//! Environments: `frozenlake-4x4` (`FrozenLake-v1`), `frozenlake-8x8` (`FrozenLake8x8-v1`),
//! both slippery unless `--slippery false`; `cliffwalking` (`CliffWalking-v1`); `taxi`
//! (`Taxi-v3`/`v4`). States and actions are numbered as in gymnasium (FrozenLake: 0 left,
//! 1 down, 2 right, 3 up; CliffWalking: 0 up, 1 right, 2 down, 3 left; Taxi: 0 south, 1 north,
//! 2 east, 3 west, 4 pickup, 5 dropoff), so a saved table means the same there
//! (`tools/check_qtable_gymnasium.py`).
//!
//! Hyperparameters default to core's `QLearnConfig::for_env`; `--alpha` makes α constant,
//! `--epsilon`/`--epsilon-decay`/`--epsilon-min` override the start, factor per episode and floor
//! of the ε schedule `max(min, ε · decayᵗ)`.
//!
//! ## Model file (kind `qlearn`)
//! Tensors: `q` `[S, A]` (row-major, `Q(s, a)` at `s · A + a`), `returns` `[episodes]` (the
//! undiscounted return of every training episode). Metadata: `env` (CLI name), `gym_id`,
//! `slippery`, `config` (JSON: episodes, α and ε schedules, γ, max_steps, seed).
//!
//! ## Export (`embedml export`)
//! The blob is kind 7 (`S`, `A`, the table row-major); the expected outputs have one row per
//! state (`points` is ignored): input `state`, outputs `greedy_action` (core's
//! `greedy_action`, lowest action on ties, as `f32`) and `q_0 … q_{A−1}`, all read by core
//! from the blob ([`policy_from_blob`]).

use std::path::{Path, PathBuf};
use std::time::Instant;

use embedml::envs::cliff_walking as cw;
use embedml::envs::{AnyEnv, EnvId};
use embedml::models::qlearn::{self, QLearnConfig, Schedule};
use embedml::Rng;
use serde::{Deserialize, Serialize};

use embedml::format::{decode_qtable_shape, qtable_blob_len, write_qtable_blob, BlobView};

use super::{EvalOptions, EvalReport, Export, HostModel, PlotOptions, Predictions};
use crate::data::Table;
use crate::error::{HostError, Result};
use crate::io::ModelFile;
use crate::{model_err, plot, progress};

/// The kind name.
pub const KIND: &str = "qlearn";

/// The environment names accepted by `--env`.
pub const ENV_NAMES: [&str; 4] = ["frozenlake-4x4", "frozenlake-8x8", "cliffwalking", "taxi"];

const TRAIN_EXAMPLES: &str = "\
Examples:
  embedml train qlearn --env frozenlake-4x4 --out frozenlake.safetensors
  embedml train qlearn --env frozenlake-4x4 --slippery false --episodes 2000 --out fl-dry.safetensors
  embedml train qlearn --env taxi --episodes 20000 --seed 1 --out taxi.safetensors --json
  embedml eval --model frozenlake.safetensors --episodes 10000 --json
  embedml plot --model frozenlake.safetensors --out curve.png";

/// Arguments of `embedml train qlearn`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = TRAIN_EXAMPLES)]
pub struct TrainArgs {
    /// Environment: frozenlake-4x4, frozenlake-8x8, cliffwalking, taxi.
    #[arg(long, value_name = "NAME")]
    pub env: String,
    /// FrozenLake only: slippery ice (gymnasium's `is_slippery`) [default: true].
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub slippery: Option<bool>,
    /// Training episodes [default: per environment].
    #[arg(long)]
    pub episodes: Option<u32>,
    /// Learning rate α in [0, 1], constant [default: per environment].
    #[arg(long, allow_negative_numbers = true)]
    pub alpha: Option<f32>,
    /// Discount γ in [0, 1] [default: per environment].
    #[arg(long, allow_negative_numbers = true)]
    pub gamma: Option<f32>,
    /// Exploration rate ε at the first episode [default: per environment].
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon: Option<f32>,
    /// Factor applied to ε after every episode, in (0, 1] [default: per environment].
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon_decay: Option<f32>,
    /// Floor of ε [default: per environment].
    #[arg(long, allow_negative_numbers = true)]
    pub epsilon_min: Option<f32>,
    /// Step cap per episode [default: the environment's time limit].
    #[arg(long)]
    pub max_steps: Option<u32>,
    /// Seed of the training random numbers.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the model (safetensors).
    #[arg(long, value_name = "MODEL.safetensors")]
    pub out: PathBuf,
    /// Print one JSON object on stdout at the end instead of the summary line.
    #[arg(long)]
    pub json: bool,
}

/// A [`Schedule`] as stored in model files.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScheduleJson {
    /// [`Schedule::Constant`].
    Constant {
        /// The value.
        value: f32,
    },
    /// [`Schedule::Linear`].
    Linear {
        /// Start.
        start: f32,
        /// End.
        end: f32,
        /// Ramp length.
        episodes: u32,
    },
    /// [`Schedule::Exponential`].
    Exponential {
        /// Start.
        start: f32,
        /// Factor per episode.
        decay: f32,
        /// Floor.
        floor: f32,
    },
}

impl From<Schedule> for ScheduleJson {
    fn from(s: Schedule) -> Self {
        match s {
            Schedule::Constant(value) => ScheduleJson::Constant { value },
            Schedule::Linear {
                start,
                end,
                episodes,
            } => ScheduleJson::Linear {
                start,
                end,
                episodes,
            },
            Schedule::Exponential {
                start,
                decay,
                floor,
            } => ScheduleJson::Exponential {
                start,
                decay,
                floor,
            },
        }
    }
}

impl From<ScheduleJson> for Schedule {
    fn from(s: ScheduleJson) -> Self {
        match s {
            ScheduleJson::Constant { value } => Schedule::Constant(value),
            ScheduleJson::Linear {
                start,
                end,
                episodes,
            } => Schedule::Linear {
                start,
                end,
                episodes,
            },
            ScheduleJson::Exponential {
                start,
                decay,
                floor,
            } => Schedule::Exponential {
                start,
                decay,
                floor,
            },
        }
    }
}

/// [`QLearnConfig`] as stored in model files.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfigJson {
    /// Episodes.
    pub episodes: u32,
    /// α schedule.
    pub alpha: ScheduleJson,
    /// γ.
    pub gamma: f32,
    /// ε schedule.
    pub epsilon: ScheduleJson,
    /// Step cap.
    pub max_steps: u32,
    /// Seed.
    pub seed: u64,
}

impl From<QLearnConfig> for ConfigJson {
    fn from(c: QLearnConfig) -> Self {
        ConfigJson {
            episodes: c.episodes,
            alpha: c.alpha.into(),
            gamma: c.gamma,
            epsilon: c.epsilon.into(),
            max_steps: c.max_steps,
            seed: c.seed,
        }
    }
}

impl From<ConfigJson> for QLearnConfig {
    fn from(c: ConfigJson) -> Self {
        QLearnConfig {
            episodes: c.episodes,
            alpha: c.alpha.into(),
            gamma: c.gamma,
            epsilon: c.epsilon.into(),
            max_steps: c.max_steps,
            seed: c.seed,
        }
    }
}

/// The CLI name of an environment (`frozenlake-4x4`, …).
pub fn env_name(env: EnvId) -> &'static str {
    match env {
        EnvId::FrozenLake4x4 { .. } => "frozenlake-4x4",
        EnvId::FrozenLake8x8 { .. } => "frozenlake-8x8",
        EnvId::CliffWalking => "cliffwalking",
        EnvId::Taxi => "taxi",
    }
}

/// Parses `--env` and `--slippery` (FrozenLake only; default slippery).
pub fn parse_env(name: &str, slippery: Option<bool>) -> Result<EnvId> {
    let frozen = |s: bool| -> EnvId {
        if name == "frozenlake-8x8" {
            EnvId::FrozenLake8x8 { slippery: s }
        } else {
            EnvId::FrozenLake4x4 { slippery: s }
        }
    };
    match name {
        "frozenlake-4x4" | "frozenlake" | "frozenlake-8x8" => Ok(frozen(slippery.unwrap_or(true))),
        "cliffwalking" | "taxi" => {
            if slippery == Some(true) {
                return Err(HostError::Usage(format!(
                    "--slippery true: {name} has no slippery variant here (FrozenLake only)"
                )));
            }
            Ok(if name == "taxi" {
                EnvId::Taxi
            } else {
                EnvId::CliffWalking
            })
        }
        _ => Err(HostError::Usage(format!(
            "unknown environment '{name}' (expected one of: {})",
            ENV_NAMES.join(", ")
        ))),
    }
}

fn slippery_of(env: EnvId) -> bool {
    matches!(
        env,
        EnvId::FrozenLake4x4 { slippery: true } | EnvId::FrozenLake8x8 { slippery: true }
    )
}

/// The configuration of `args`: `QLearnConfig::for_env` with the given overrides, checked.
pub fn config(env: EnvId, args: &TrainArgs) -> Result<QLearnConfig> {
    let mut cfg = QLearnConfig::for_env(env);
    if let Some(n) = args.episodes {
        if n == 0 {
            return Err(HostError::Usage("--episodes must be > 0".into()));
        }
        cfg.episodes = n;
    }
    if let Some(a) = args.alpha {
        cfg.alpha = Schedule::Constant(a);
    }
    if let Some(g) = args.gamma {
        cfg.gamma = g;
    }
    if args.epsilon.is_some() || args.epsilon_decay.is_some() || args.epsilon_min.is_some() {
        let (start, decay, floor) = match cfg.epsilon {
            Schedule::Constant(v) => (v, 1.0, 0.0),
            Schedule::Linear { start, end, .. } => (start, 1.0, end),
            Schedule::Exponential {
                start,
                decay,
                floor,
            } => (start, decay, floor),
        };
        let start = args.epsilon.unwrap_or(start);
        let decay = args.epsilon_decay.unwrap_or(decay);
        let floor = args.epsilon_min.unwrap_or(floor.min(start));
        if !(decay.is_finite() && decay > 0.0 && decay <= 1.0) {
            return Err(HostError::Usage(format!(
                "--epsilon-decay {decay}: must be in (0, 1]"
            )));
        }
        cfg.epsilon = if decay == 1.0 && args.epsilon_min.is_none() {
            Schedule::Constant(start)
        } else {
            Schedule::Exponential { start, decay, floor }
        };
    }
    if let Some(m) = args.max_steps {
        cfg.max_steps = m;
    }
    cfg.seed = args.seed;
    cfg.check()
        .map_err(|e| HostError::Usage(format!("invalid hyperparameters: {e}")))?;
    Ok(cfg)
}

/// A trained Q-table with its environment, hyperparameters and learning curve.
#[derive(Debug, Clone, PartialEq)]
pub struct QModel {
    /// The environment.
    pub env: EnvId,
    /// Hyperparameters used for training.
    pub config: QLearnConfig,
    /// `Q(s, a)` at `s · n_actions + a`.
    pub q: Vec<f32>,
    /// Return of every training episode.
    pub returns: Vec<f32>,
}

/// The result of a greedy evaluation (see [`QModel::greedy_eval`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GreedyReport {
    /// From gymnasium's start distribution, `episodes` episodes.
    pub sampled: qlearn::Evaluation,
    /// From every start state once, weighted by its start probability (deterministic
    /// environments only: exact there).
    pub all_starts: Option<qlearn::Evaluation>,
}

impl QModel {
    /// `(n_states, n_actions)`.
    pub fn dims(&self) -> (usize, usize) {
        self.env.dims()
    }

    /// Trains a fresh table on `env` with `cfg`; `on_episode(t, stats)` sees every episode.
    pub fn train(
        env: EnvId,
        cfg: QLearnConfig,
        mut on_episode: impl FnMut(u32, &qlearn::EpisodeStats),
    ) -> Result<Self> {
        let (s, a) = env.dims();
        let mut q = vec![0.0f32; s * a];
        let mut returns = Vec::with_capacity(cfg.episodes as usize);
        let mut e = AnyEnv::new(env);
        qlearn::train(&mut e, &mut q, a, &cfg, |t, st| {
            returns.push(st.ret);
            on_episode(t, st);
        })?;
        Ok(QModel {
            env,
            config: cfg,
            q,
            returns,
        })
    }

    /// Mean return of the last `k` training episodes (all of them when fewer).
    pub fn mean_return_last(&self, k: usize) -> f64 {
        let tail = &self.returns[self.returns.len().saturating_sub(k)..];
        tail.iter().map(|&r| r as f64).sum::<f64>() / tail.len().max(1) as f64
    }

    /// The greedy action of every state (lowest action on ties).
    pub fn policy(&self) -> Result<Vec<usize>> {
        let (s, a) = self.dims();
        let mut p = vec![0usize; s];
        qlearn::greedy_policy(&self.q, a, &mut p)?;
        Ok(p)
    }

    /// Greedy play: `episodes` episodes from the start distribution (seeded), and for
    /// deterministic environments one episode from every start state.
    pub fn greedy_eval(&self, episodes: u32, seed: u64) -> Result<GreedyReport> {
        let (_, a) = self.dims();
        let mut env = AnyEnv::new(self.env);
        let mut rng = Rng::new(seed);
        let max = self.config.max_steps;
        let sampled = qlearn::evaluate(&mut env, &self.q, a, episodes, max, &mut rng)?;
        let all_starts = if slippery_of(self.env) {
            None
        } else {
            Some(qlearn::evaluate_starts(&mut env, &self.q, a, 1, max, &mut rng)?)
        };
        Ok(GreedyReport {
            sampled,
            all_starts,
        })
    }

    /// The greedy policy as a grid of arrows (FrozenLake: `H` holes, `G` goal; CliffWalking:
    /// `C` cliff, `G` goal); `None` for Taxi, whose state is not a grid cell.
    pub fn policy_grid(&self) -> Result<Option<String>> {
        let policy = self.policy()?;
        let env = AnyEnv::new(self.env);
        // Arrow per action id, in each environment's numbering.
        let (cols, arrows): (usize, [char; 4]) = match &env {
            AnyEnv::FrozenLake4x4(_) => (4, ['←', '↓', '→', '↑']),
            AnyEnv::FrozenLake8x8(_) => (8, ['←', '↓', '→', '↑']),
            AnyEnv::CliffWalking(_) => (cw::COLS, ['↑', '→', '↓', '←']),
            AnyEnv::Taxi(_) => return Ok(None),
        };
        let mut s = String::new();
        for (state, &a) in policy.iter().enumerate() {
            let letter = match &env {
                AnyEnv::FrozenLake4x4(e) => e.letter(state)?,
                AnyEnv::FrozenLake8x8(e) => e.letter(state)?,
                // CliffWalking: the bottom row between the start and the goal is the cliff.
                _ => match state {
                    cw::GOAL => b'G',
                    s if s > cw::START && s < cw::GOAL => b'H',
                    _ => b'F',
                },
            };
            let c = match letter {
                b'H' if matches!(env, AnyEnv::CliffWalking(_)) => 'C',
                b'H' => 'H',
                b'G' => 'G',
                _ => arrows[a.min(3)],
            };
            s.push(c);
            s.push(if (state + 1) % cols == 0 { '\n' } else { ' ' });
        }
        Ok(Some(s))
    }

    /// Writes the learning curve (return per episode and its moving average) as a PNG; beyond
    /// 5 000 episodes the raw returns are replaced by their means over blocks of 100.
    pub fn plot_curve(&self, out: &Path) -> Result<()> {
        let ys: Vec<f64> = self.returns.iter().map(|&r| r as f64).collect();
        let window = (ys.len() / 50).clamp(20, 1000);
        let slip = match self.env {
            EnvId::FrozenLake4x4 { slippery } | EnvId::FrozenLake8x8 { slippery } => {
                if slippery {
                    ", slippery"
                } else {
                    ", not slippery"
                }
            }
            _ => "",
        };
        let title = format!(
            "Q-learning on {}{slip}: return per episode",
            self.env.gym_id()
        );
        let result = if ys.len() <= 5_000 {
            plot::learning_curve(out, &ys, window, "episode", "return", &title)
        } else {
            // Tens of thousands of raw returns (0/1 on FrozenLake) would fill the panel: draw
            // the mean of every block of 100 episodes instead, with the moving average.
            let blocks: Vec<(f64, f64)> = ys
                .chunks(100)
                .enumerate()
                .map(|(b, c)| {
                    let x = (b * 100 + c.len() / 2) as f64;
                    (x, c.iter().sum::<f64>() / c.len() as f64)
                })
                .collect();
            let avg = plot::moving_average(&ys, window);
            let avg_label = format!("moving average ({window})");
            plot::line_chart(
                out,
                &[("mean of each 100 episodes", &blocks), (&avg_label, &avg)],
                "episode",
                "return",
                &title,
            )
        };
        result.map_err(|e| HostError::Usage(format!("{}: {e}", out.display())))
    }

    /// The model as a file.
    pub fn to_file(&self) -> Result<ModelFile> {
        let (s, a) = self.dims();
        let mut m = ModelFile::new(KIND);
        m.set("env", env_name(self.env));
        m.set("gym_id", self.env.gym_id());
        m.set("slippery", if slippery_of(self.env) { "true" } else { "false" });
        m.set_json("config", &ConfigJson::from(self.config))?;
        m.push("q", &[s, a], &self.q)?;
        m.push("returns", &[self.returns.len()], &self.returns)?;
        Ok(m)
    }

    /// Reads a model file (kind `qlearn`), checking the table's shape.
    pub fn from_file(m: &ModelFile) -> Result<Self> {
        m.expect_kind(KIND)?;
        let slippery = match m.get("slippery")? {
            "true" => true,
            "false" => false,
            v => return Err(model_err!("{}: metadata 'slippery' is '{v}'", m.origin)),
        };
        let env = parse_env(m.get("env")?, Some(slippery))
            .map_err(|e| model_err!("{}: {e}", m.origin))?;
        let config: QLearnConfig = m.get_json::<ConfigJson>("config")?.into();
        let (s, a) = env.dims();
        let q = m.tensor("q", &[s, a])?.to_vec();
        let n = m
            .tensors
            .iter()
            .find(|t| t.name == "returns")
            .map_or(0, |t| t.data.len());
        let returns = m.tensor("returns", &[n])?.to_vec();
        Ok(QModel {
            env,
            config,
            q,
            returns,
        })
    }

    fn data_error(&self, table: &Table, what: &str) -> HostError {
        HostError::Usage(format!(
            "qlearn models are evaluated on their environment ({}): {what} takes no --data (got {})",
            self.env.gym_id(),
            table.path().display()
        ))
    }

    fn no_data(&self, table: Option<&Table>, what: &str) -> Result<()> {
        match table {
            Some(t) => Err(self.data_error(t, what)),
            None => Ok(()),
        }
    }
}

fn eval_json(e: &qlearn::Evaluation) -> serde_json::Value {
    serde_json::json!({
        "mean_return": e.mean_return as f64,
        "success_rate": e.success_rate as f64,
        "mean_steps": e.mean_steps as f64,
    })
}

impl HostModel for QModel {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn describe(&self) -> String {
        let (s, a) = self.dims();
        format!(
            "qlearn {} ({}{}, {s} states x {a} actions, {} episodes)",
            env_name(self.env),
            self.env.gym_id(),
            if slippery_of(self.env) { ", slippery" } else { "" },
            self.returns.len()
        )
    }

    fn evaluate(&self, table: &Table) -> Result<EvalReport> {
        Err(self.data_error(table, "eval"))
    }

    /// The Q-table blob (kind 7) and, per state, the greedy action and the Q row read from it
    /// (see the module docs).
    fn export(&self, _points: usize) -> Result<Export> {
        let blob = self.to_blob()?;
        let (s, a) = self.dims();
        let (policy, q) = policy_from_blob(&blob)?;
        let mut output_columns = vec!["greedy_action".to_owned()];
        output_columns.extend((0..a).map(|i| format!("q_{i}")));
        Ok(Export {
            blob,
            input_columns: vec!["state".to_owned()],
            output_columns,
            inputs: (0..s).map(|st| vec![st as f32]).collect(),
            outputs: policy
                .iter()
                .zip(q.chunks_exact(a))
                .map(|(&g, row)| std::iter::once(g as f32).chain(row.iter().copied()).collect())
                .collect(),
        })
    }

    fn predict(&self, table: &Table) -> Result<Predictions> {
        Err(self.data_error(table, "predict"))
    }

    fn evaluate_custom(&self, table: Option<&Table>, opts: &EvalOptions) -> Result<Option<String>> {
        self.no_data(table, "eval")?;
        if opts.episodes == 0 {
            return Err(HostError::Usage("--episodes must be > 0".into()));
        }
        let r = self.greedy_eval(opts.episodes, opts.seed)?;
        if opts.json {
            let mut obj = serde_json::json!({
                "model": KIND,
                "env": env_name(self.env),
                "slippery": slippery_of(self.env),
                "episodes": opts.episodes,
                "seed": opts.seed,
            });
            for (k, v) in eval_json(&r.sampled).as_object().into_iter().flatten() {
                obj[k] = v.clone();
            }
            if let Some(all) = &r.all_starts {
                obj["all_starts"] = eval_json(all);
            }
            return Ok(Some(obj.to_string()));
        }
        let mut s = format!(
            "{}\ngreedy policy, {} episodes (seed {}): mean return {:.4}, success rate {:.4}, mean steps {:.2}",
            self.describe(),
            opts.episodes,
            opts.seed,
            r.sampled.mean_return,
            r.sampled.success_rate,
            r.sampled.mean_steps
        );
        if let Some(all) = &r.all_starts {
            s += &format!(
                "\nfrom every start state: mean return {:.4}, success rate {:.4}, mean steps {:.2}",
                all.mean_return, all.success_rate, all.mean_steps
            );
        }
        Ok(Some(s))
    }

    fn predict_custom(&self, table: Option<&Table>, json: bool) -> Result<Option<String>> {
        self.no_data(table, "predict")?;
        let (_, a) = self.dims();
        let policy = self.policy()?;
        if json {
            let q: Vec<Vec<f64>> = self
                .q
                .chunks(a)
                .map(|r| r.iter().map(|&v| v as f64).collect())
                .collect();
            let obj = serde_json::json!({
                "env": env_name(self.env),
                "gym_id": self.env.gym_id(),
                "slippery": slippery_of(self.env),
                "q": q,
                "policy": policy,
            });
            return Ok(Some(obj.to_string() + "\n"));
        }
        let mut s = format!("{}\n", self.describe());
        match self.policy_grid()? {
            Some(grid) => s += &format!("greedy policy:\n{grid}"),
            None => {
                s += "greedy action per state (0 south, 1 north, 2 east, 3 west, 4 pickup, 5 dropoff):\n";
                for row in policy.chunks(25) {
                    let line: Vec<String> = row.iter().map(usize::to_string).collect();
                    s += &line.join(" ");
                    s.push('\n');
                }
            }
        }
        Ok(Some(s))
    }

    fn plot(&self, opts: &PlotOptions<'_>) -> Result<()> {
        if opts.data.is_some() {
            return Err(crate::error::HostError::Usage(
                "a Q-learning model's plot is its learning curve: it takes no --data".into(),
            ));
        }
        self.plot_curve(opts.out)
    }
}

impl QModel {
    /// The device blob (kind 7): `S`, `A` and the table.
    pub fn to_blob(&self) -> Result<Vec<u8>> {
        let (s, a) = self.dims();
        let mut blob = vec![0u8; qtable_blob_len(s, a)];
        let n = write_qtable_blob(&mut blob, &self.q, a)
            .map_err(|e| model_err!("cannot export the model: {e}"))?;
        blob.truncate(n);
        Ok(blob)
    }
}

/// What core reads from a Q-table `blob` (every check of the format): the greedy action of
/// every state (`greedy_policy`, lowest action on ties) and the table (`S·A`, row-major).
pub fn policy_from_blob(blob: &[u8]) -> Result<(Vec<usize>, Vec<f32>)> {
    let bad = |e: embedml::format::FormatError| model_err!("blob: {e}");
    let view = BlobView::parse(blob).map_err(bad)?;
    let (s, a) = decode_qtable_shape(&view).map_err(bad)?;
    let mut q = vec![0.0f32; s * a];
    view.copy_params(&mut q).map_err(bad)?;
    let mut policy = vec![0usize; s];
    qlearn::greedy_policy(&q, a, &mut policy)?;
    Ok((policy, q))
}

/// Loads a model file of kind `qlearn`.
pub fn load(file: &ModelFile) -> Result<Box<dyn HostModel>> {
    Ok(Box::new(QModel::from_file(file)?))
}

/// Trains with a progress bar on stderr (hidden when stderr is not a terminal).
pub fn train_with_progress(env: EnvId, cfg: QLearnConfig) -> Result<QModel> {
    let bar = progress::episodes(cfg.episodes as u64);
    let mut recent = 0.0f64;
    let model = QModel::train(env, cfg, |t, st| {
        recent += st.ret as f64;
        if (t + 1) % 100 == 0 || t + 1 == cfg.episodes {
            bar.set_position(t as u64 + 1);
            let n = ((t % 100) + 1) as f64;
            bar.set_message(format!("mean return {:.3}", recent / n));
            recent = 0.0;
        }
    })?;
    bar.finish_and_clear();
    Ok(model)
}

/// `embedml train qlearn`: train (progress bar), save atomically, report.
pub fn train(args: TrainArgs) -> Result<()> {
    let env = parse_env(&args.env, args.slippery)?;
    let cfg = config(env, &args)?;
    let start = Instant::now();
    let model = train_with_progress(env, cfg)?;
    let seconds = start.elapsed().as_secs_f64();
    model.to_file()?.save(&args.out)?;
    let last = model.mean_return_last(100);
    if args.json {
        let obj = serde_json::json!({
            "model": KIND,
            "env": env_name(env),
            "slippery": slippery_of(env),
            "episodes": cfg.episodes,
            "mean_return_last_100": last,
            "seconds": seconds,
            "out": args.out.display().to_string(),
        });
        println!("{obj}");
    } else {
        println!(
            "trained {} in {seconds:.2} s: mean return of the last 100 episodes {last:.4} -> {}",
            model.describe(),
            args.out.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_envs_and_overrides() {
        assert_eq!(
            parse_env("frozenlake-4x4", None).unwrap(),
            EnvId::FrozenLake4x4 { slippery: true }
        );
        assert_eq!(
            parse_env("frozenlake-8x8", Some(false)).unwrap(),
            EnvId::FrozenLake8x8 { slippery: false }
        );
        assert!(parse_env("mountaincar", None).is_err());
        assert!(parse_env("taxi", Some(true)).is_err());
        let args = TrainArgs {
            env: "cliffwalking".into(),
            slippery: None,
            episodes: Some(10),
            alpha: Some(0.2),
            gamma: None,
            epsilon: None,
            epsilon_decay: Some(0.9),
            epsilon_min: None,
            max_steps: None,
            seed: 3,
            out: PathBuf::from("x"),
            json: false,
        };
        let cfg = config(EnvId::CliffWalking, &args).unwrap();
        assert_eq!(cfg.episodes, 10);
        assert_eq!(cfg.alpha, Schedule::Constant(0.2));
        assert_eq!(
            cfg.epsilon,
            Schedule::Exponential {
                start: 0.1,
                decay: 0.9,
                floor: 0.0
            }
        );
        let bad = TrainArgs {
            alpha: Some(1.5),
            ..args.clone()
        };
        assert!(config(EnvId::CliffWalking, &bad).is_err());
    }

    #[test]
    fn round_trips_through_a_file() {
        let env = EnvId::FrozenLake4x4 { slippery: false };
        let cfg = QLearnConfig::for_env(env);
        let m = QModel::train(env, cfg, |_, _| {}).unwrap();
        assert_eq!(m.returns.len(), 2_000);
        let bytes = m.to_file().unwrap().to_bytes().unwrap();
        let back = QModel::from_file(&ModelFile::from_bytes(&bytes, "m").unwrap()).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.policy().unwrap()[0], 1); // down from the start
        let grid = back.policy_grid().unwrap().unwrap();
        assert_eq!(grid.lines().count(), 4);
        assert!(grid.starts_with('↓') && grid.trim_end().ends_with('G'), "{grid}");
    }
}
