//! One child of a group or batch, in four parts:
//!
//! - [`cell`]: the result cell a child shares with whoever reads its result, and the sink
//!   that puts a child's output there.
//! - [`wrapper`]: `ChildTask`, the cancellable wrapper actually spawned for each child, and
//!   the traits through which it hands its output on (`CellControl`, `Sink`).
//! - [`handle`]: [`ChildHandle`], what `spawn` returns.
//! - `native` (feature `corio`): children of `TaskGroup::new`/`scope` spawned as corio
//!   tasks directly, with no result cell.
//!
//! Cancellation does not depend on the executor: the wrapper checks the group's and its own
//! cancel flag before every poll of the inner future, and registers its waker with the group
//! so that cancelling wakes it. A cancelled wrapper drops the inner future in place (its
//! destructors run), then reports to the group and completes.

pub(crate) mod cell;
pub(crate) mod handle;
#[cfg(feature = "corio")]
pub(crate) mod native;
pub(crate) mod wrapper;

pub(crate) use cell::{CellRef, CellSink, Outcome, OutputCell};
pub use handle::ChildHandle;
pub(crate) use handle::Ended;
pub(crate) use wrapper::{AbortRef, ChildTask};
