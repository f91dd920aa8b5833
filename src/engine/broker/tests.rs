//! The broker driven alone through `TestCtx`: messages in, what it sends,
//! emits and schedules out.

mod follower;
mod harness;
mod leader;
mod maintenance;
mod session;
