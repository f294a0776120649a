//! Timers on a loop whose clock has run for longer than 2^32 ticks (about 49.7 days of
//! 1 ms ticks): every tick, `Instant` and `Duration` conversion must stay exact.

mod common;

use common::{watchdog, LIMIT};
use corio_executor::time::{sleep, timeout, Instant};
use corio_executor::Runtime;
use std::future::pending;
use std::time::Duration;

const SIXTY_DAYS: Duration = Duration::from_secs(60 * 24 * 3600);

#[test]
fn paused_timers_fire_after_sixty_days_of_virtual_time() {
    watchdog(LIMIT, || {
        let rt = Runtime::builder().start_paused(true).build();
        rt.block_on(async {
            let start = Instant::now();
            sleep(SIXTY_DAYS).await;
            assert_eq!(start.elapsed(), SIXTY_DAYS);
            let before = Instant::now();
            let expired = timeout(Duration::from_millis(100), pending::<()>()).await;
            assert!(expired.is_err(), "a 100 ms timeout fires after 60 days");
            assert_eq!(before.elapsed(), Duration::from_millis(100));
        });
    });
}

#[test]
fn a_paused_clock_that_starts_sixty_days_up_fires_timers_exactly() {
    watchdog(LIMIT, || {
        let rt = Runtime::builder()
            .start_paused(true)
            .clock_uptime(SIXTY_DAYS)
            .build();
        rt.block_on(async {
            let start = Instant::now();
            sleep(Duration::from_millis(250)).await;
            assert_eq!(start.elapsed(), Duration::from_millis(250));
        });
    });
}

#[test]
fn the_real_clock_parks_until_a_timer_after_sixty_days_of_uptime() {
    if std::time::Instant::now().checked_sub(SIXTY_DAYS).is_none() {
        eprintln!("skipped: this platform's monotonic clock cannot go back 60 days");
        return;
    }
    watchdog(LIMIT, || {
        let rt = Runtime::builder().clock_uptime(SIXTY_DAYS).build();
        rt.block_on(async {
            let start = Instant::now();
            // The loop has nothing else to do: it parks until the timer's deadline, which
            // lies past 2^32 ticks from the clock's origin.
            let expired = timeout(Duration::from_millis(100), pending::<()>()).await;
            assert!(expired.is_err());
            assert!(start.elapsed() >= Duration::from_millis(100));
        });
    });
}
