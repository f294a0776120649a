//! Time: the runtime's clock, timers and the timer wheel behind them.

pub(crate) mod wheel;
