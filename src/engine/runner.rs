//! A simulation plus its schedule of timed commands and the log of every
//! command applied: what a scenario run, a browser session and a share URL
//! all are. Replaying the same scenario, seed and log gives the same trace.

use serde::Serialize;

use super::command::{Command, CommandError};
use super::event::{ClusterEvent, Event};
use super::ids::NodeId;
use super::scenario::{Scenario, ScenarioError, TimedCommand};
use super::sim::Simulation;
use super::time::Millis;

pub struct Runner {
    pub sim: Simulation,
    /// Scheduled commands not yet due, in time order (stable for equal times).
    pending: Vec<TimedCommand>,
    /// Every command applied after setup, with its time (the session's command log).
    log: Vec<TimedCommand>,
}

/// A command that could not be applied when its time came.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedCommand {
    pub at: Millis,
    pub command: Command,
    pub error: CommandError,
}

impl Runner {
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Runner, ScenarioError> {
        let sim = scenario.build(seed)?;
        let mut pending = scenario.actions.clone();
        crate::sort::sort_by_key(&mut pending, |a| a.at);
        Ok(Runner { sim, pending, log: Vec::new() })
    }

    /// Forgets the scheduled commands `keep` refuses (the playground's
    /// "fork from here": after rewinding, drop what was done later).
    pub fn retain_pending(&mut self, keep: impl FnMut(&TimedCommand) -> bool) {
        self.pending.retain(keep);
    }

    /// Runs to `time`, applying scheduled commands when they are due
    /// (before any other item due at the same millisecond).
    pub fn run_until(&mut self, time: Millis) -> Vec<RejectedCommand> {
        let mut rejected = Vec::new();
        while let Some(next) = self.pending.first() {
            if next.at > time {
                break;
            }
            let next = self.pending.remove(0);
            self.sim.run_until_before(next.at);
            if let Err(error) = self.apply_at(next.at, next.command.clone()) {
                rejected.push(RejectedCommand { at: next.at, command: next.command, error });
            }
        }
        self.sim.run_until(time);
        rejected
    }

    /// Applies a command now and records it in the log.
    pub fn apply_now(&mut self, command: Command) -> Result<(), CommandError> {
        self.apply_at(self.sim.now(), command)
    }

    fn apply_at(&mut self, at: Millis, command: Command) -> Result<(), CommandError> {
        match self.sim.apply(command.clone()) {
            Ok(()) => {
                self.log.push(TimedCommand { at, command });
                Ok(())
            }
            Err(error) => {
                let label = command.label();
                self.sim.record(
                    NodeId::Controller,
                    Event::Cluster(ClusterEvent::CommandRejected { command: label, error: error.to_string() }),
                );
                Err(error)
            }
        }
    }

    /// Every command applied so far, with its time.
    pub fn log(&self) -> &[TimedCommand] {
        &self.log
    }

    /// Commands scheduled but not yet applied.
    pub fn pending(&self) -> &[TimedCommand] {
        &self.pending
    }
}

/// Runs a scenario to `until` and hashes its whole event trace (see
/// `event::trace_hash`): what golden tests pin and what the native and the
/// wasm32 builds must agree on.
pub fn scenario_trace_hash(scenario: &Scenario, seed: u64, until: Millis) -> Result<u64, ScenarioError> {
    let mut runner = Runner::new(scenario, seed)?;
    runner.run_until(until);
    Ok(super::event::trace_hash(runner.sim.drain_events().iter()))
}
