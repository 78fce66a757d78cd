//! [`AnyEnv`]: one of the standard environments chosen at run time (for CLIs).

use super::{CliffWalking, Env, EnvId, Episode, FrozenLake, Step, Taxi, Transitions};
use crate::error::Result;

/// A standard environment selected by [`EnvId`] at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyEnv {
    /// `FrozenLake-v1`.
    FrozenLake4x4(FrozenLake<4, 4>),
    /// `FrozenLake8x8-v1`.
    FrozenLake8x8(FrozenLake<8, 8>),
    /// `CliffWalking-v1`.
    CliffWalking(CliffWalking),
    /// `Taxi-v4`.
    Taxi(Taxi),
}

impl AnyEnv {
    /// The environment of `id`, with gymnasium's settings and time limit.
    pub fn new(id: EnvId) -> Self {
        match id {
            EnvId::FrozenLake4x4 { slippery } => {
                AnyEnv::FrozenLake4x4(FrozenLake::<4, 4>::standard(slippery))
            }
            EnvId::FrozenLake8x8 { slippery } => {
                AnyEnv::FrozenLake8x8(FrozenLake::<8, 8>::standard(slippery))
            }
            EnvId::CliffWalking => AnyEnv::CliffWalking(CliffWalking::new(false)),
            EnvId::Taxi => AnyEnv::Taxi(Taxi::new()),
        }
    }

    fn inner(&self) -> &dyn Env {
        match self {
            AnyEnv::FrozenLake4x4(e) => e,
            AnyEnv::FrozenLake8x8(e) => e,
            AnyEnv::CliffWalking(e) => e,
            AnyEnv::Taxi(e) => e,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn Env {
        match self {
            AnyEnv::FrozenLake4x4(e) => e,
            AnyEnv::FrozenLake8x8(e) => e,
            AnyEnv::CliffWalking(e) => e,
            AnyEnv::Taxi(e) => e,
        }
    }
}

impl Env for AnyEnv {
    fn n_states(&self) -> usize {
        self.inner().n_states()
    }
    fn n_actions(&self) -> usize {
        self.inner().n_actions()
    }
    fn transitions(&self, state: usize, action: usize) -> Result<Transitions> {
        self.inner().transitions(state, action)
    }
    fn initial_probability(&self, state: usize) -> f32 {
        self.inner().initial_probability(state)
    }
    fn max_episode_steps(&self) -> Option<u32> {
        self.inner().max_episode_steps()
    }
    fn episode(&self) -> &Episode {
        self.inner().episode()
    }
    fn episode_mut(&mut self) -> &mut Episode {
        self.inner_mut().episode_mut()
    }
    fn is_success(&self, step: &Step) -> bool {
        self.inner().is_success(step)
    }
}
