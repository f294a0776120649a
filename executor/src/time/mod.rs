//! Time: the runtime's clock (real or paused), timers on a hierarchical wheel, and the
//! futures built on them: [`sleep`](fn@sleep), [`sleep_until`], [`timeout`](fn@timeout), [`timeout_at`],
//! [`TimeoutHandle`] (a deadline that can be read and moved while it runs) and [`interval`](fn@interval).
//!
//! All of them read [`Instant::now`], the runtime's clock: with
//! [`Builder::start_paused`](crate::Builder::start_paused) it is virtual time, which stands
//! still while any task can run and jumps to the next deadline when none can.

pub(crate) mod clock;
pub(crate) mod driver;
mod instant;
mod interval;
mod sleep;
mod timeout;
pub(crate) mod wheel;

pub use instant::Instant;
pub use interval::{interval, Interval};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Elapsed, Timeout, TimeoutHandle};
