//! Time: the runtime's clock (real or paused), timers on a hierarchical wheel, and the
//! futures built on them: [`sleep`](fn@sleep), [`sleep_until`], [`timeout`](fn@timeout), [`timeout_at`],
//! [`TimeoutHandle`] (a deadline that can be read and moved while it runs) and [`interval`](fn@interval).
//!
//! All of them read [`Instant::now`], the runtime's clock: with
//! [`Builder::start_paused`](crate::Builder::start_paused) it is virtual time, which stands
//! still while any task can run and jumps to the next deadline when none can.
//!
//! ```
//! use corio_executor::time::{interval, sleep, timeout, Instant};
//! use std::time::Duration;
//!
//! let rt = corio_executor::Runtime::builder().start_paused(true).build();
//! rt.block_on(async {
//!     let start = Instant::now();
//!     let mut every_second = interval(Duration::from_secs(1));
//!     every_second.tick().await; // the first tick is at once
//!     every_second.tick().await;
//!     assert!(timeout(Duration::from_secs(1), sleep(Duration::from_secs(2))).await.is_err());
//!     assert_eq!(start.elapsed(), Duration::from_secs(2));
//! });
//! ```

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
