//! Admin operations that act on broker state directly, as an admin client
//! with a zero-latency connection would: DeleteRecords and offset resets.
//!
//! STUB until the broker and group coordinator land.

use super::command::{Command, CommandError};
use super::sim::Simulation;

pub(crate) fn delete_records(sim: &mut Simulation, command: Command) -> Result<(), CommandError> {
    let _ = (sim, command);
    Err(CommandError::general("DeleteRecords is not implemented yet"))
}

pub(crate) fn reset_group_offsets(sim: &mut Simulation, command: Command) -> Result<(), CommandError> {
    let _ = (sim, command);
    Err(CommandError::general("offset reset is not implemented yet"))
}
