//! The corio tutorial's programs. The README is the tutorial; each lesson here is one of its
//! ideas, as an `async fn main` that logs a [`timeline`] of what happens and when.
//!
//! - `examples/<name>.rs` runs one lesson with [`corio_executor::run`] on the real clock:
//!   `cargo run --release --example tasks`.
//! - `examples/tour.rs` runs them all in the README's order ([`lessons::tour`]).
//! - `tests/` runs each lesson on corio's paused clock and checks the lines that carry its
//!   lesson, and that the output the README shows is what the lessons print.

pub mod crawler;
pub mod debug;
pub mod drop_guard;
pub mod echo;
pub mod errands;
pub mod lessons;
pub mod timeline;

pub mod barrier;
pub mod condition;
pub mod event;
pub mod event_loop;
pub mod gather;
pub mod lock;
pub mod network;
pub mod queue;
pub mod semaphore;
pub mod taskgroup;
pub mod tasks;
pub mod timeouts;
pub mod waiting;

/// The README's code blocks, compiled and run as doctests by `cargo test --workspace`.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
