//! Timers on the paused clock: sleeps never early, in deadline order, then registration
//! order; timeouts; intervals; and virtual time that jumps only when nothing can run.

use corio_executor::time::{
    interval, sleep, sleep_until, timeout, timeout_at, Instant, TimeoutHandle,
};
use corio_executor::{spawn_local, yield_now, Runtime};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

fn paused() -> Runtime {
    Runtime::builder().start_paused(true).build()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_sleep_never_completes_before_its_duration() {
    paused().block_on(async {
        for d in [1, 2, 63, 64, 65, 999, 4096, 100_000] {
            let start = Instant::now();
            sleep(ms(d)).await;
            assert_eq!(start.elapsed(), ms(d), "sleep({d} ms) on the paused clock");
        }
        let start = Instant::now();
        sleep(Duration::from_micros(1500)).await;
        assert!(
            start.elapsed() >= Duration::from_micros(1500),
            "sub-tick sleeps round up"
        );
    });
}

#[test]
fn the_real_clock_never_fires_early_either() {
    Runtime::new().block_on(async {
        let start = std::time::Instant::now();
        sleep(ms(15)).await;
        assert!(start.elapsed() >= ms(15));
    });
}

#[test]
fn sleeps_fire_in_deadline_order_then_registration_order() {
    let order = Rc::new(RefCell::new(Vec::new()));
    paused().block_on({
        let order = order.clone();
        async move {
            let plan = [
                ("c", 30),
                ("a", 10),
                ("b1", 20),
                ("b2", 20),
                ("d", 5000),
                ("b3", 20),
            ];
            let handles: Vec<_> = plan
                .into_iter()
                .map(|(name, delay)| {
                    let order = order.clone();
                    spawn_local(async move {
                        sleep(ms(delay)).await;
                        order.borrow_mut().push(name);
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    assert_eq!(*order.borrow(), ["a", "b1", "b2", "b3", "c", "d"]);
}

#[test]
fn sleep_zero_behaves_like_one_yield() {
    let order = Rc::new(RefCell::new(Vec::new()));
    paused().block_on({
        let order = order.clone();
        async move {
            let other = order.clone();
            spawn_local(async move { other.borrow_mut().push("other task") });
            let start = Instant::now();
            sleep(Duration::ZERO).await;
            order.borrow_mut().push("after sleep(0)");
            assert_eq!(start.elapsed(), Duration::ZERO);
        }
    });
    assert_eq!(*order.borrow(), ["other task", "after sleep(0)"]);
}

#[test]
fn very_long_sleeps_are_accepted() {
    paused().block_on(async {
        let years = timeout(ms(10), sleep(Duration::from_secs(60 * 60 * 24 * 365 * 30))).await;
        assert!(years.is_err());
        let forever = timeout(ms(10), sleep(Duration::MAX)).await;
        assert!(forever.is_err());
        let start = Instant::now();
        sleep(Duration::from_secs(60 * 60 * 24 * 365 * 3)).await; // beyond the 6-level wheel
        assert_eq!(start.elapsed(), Duration::from_secs(60 * 60 * 24 * 365 * 3));
    });
}

#[test]
fn sleep_until_a_past_deadline_completes_after_one_yield() {
    paused().block_on(async {
        let past = Instant::now();
        sleep(ms(5)).await;
        let before = Instant::now();
        sleep_until(past).await;
        assert_eq!(Instant::now(), before);
    });
}

#[test]
fn reset_moves_a_sleep_earlier_and_later() {
    paused().block_on(async {
        let start = Instant::now();
        let mut nap = std::pin::pin!(sleep(Duration::from_secs(10)));
        assert!(
            timeout(ms(1), nap.as_mut()).await.is_err(),
            "registers the 10 s timer"
        );
        nap.as_mut().reset(start + ms(50));
        nap.as_mut().await;
        assert_eq!(start.elapsed(), ms(50));
        nap.as_mut().reset(start + ms(200));
        nap.as_mut().await;
        assert_eq!(start.elapsed(), ms(200));
        assert_eq!(nap.deadline(), start + ms(200));
    });
}

#[test]
fn timeout_gives_ok_when_the_future_wins_and_elapsed_when_time_does() {
    paused().block_on(async {
        let start = Instant::now();
        assert_eq!(
            timeout(ms(100), async {
                sleep(ms(40)).await;
                1
            })
            .await,
            Ok(1)
        );
        assert_eq!(start.elapsed(), ms(40));
        let error = timeout(ms(100), sleep(Duration::from_secs(10)))
            .await
            .unwrap_err();
        assert_eq!(
            start.elapsed(),
            ms(140),
            "a timeout returns exactly at its deadline"
        );
        assert_eq!(
            error.to_string(),
            "deadline has elapsed before the future completed"
        );
    });
}

#[test]
fn a_timed_out_future_is_dropped() {
    struct Flag(Rc<RefCell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            *self.0.borrow_mut() = true;
        }
    }
    paused().block_on(async {
        let dropped = Rc::new(RefCell::new(false));
        let flag = Flag(dropped.clone());
        let outcome = timeout(ms(10), async move {
            let _flag = flag;
            std::future::pending::<()>().await;
        })
        .await;
        assert!(outcome.is_err());
        assert!(*dropped.borrow(), "the loser of a timeout is cancelled");
    });
}

#[test]
fn a_future_ready_on_its_first_poll_wins_even_a_zero_timeout() {
    paused().block_on(async {
        assert_eq!(
            timeout(Duration::ZERO, async { "ready" }).await,
            Ok("ready")
        );
        assert_eq!(timeout_at(Instant::now(), async { 3 }).await, Ok(3));
        assert!(timeout(Duration::ZERO, std::future::pending::<()>())
            .await
            .is_err());
    });
}

#[test]
fn intervals_tick_on_schedule_and_skip_missed_ticks() {
    paused().block_on(async {
        let start = Instant::now();
        let mut ticker = interval(ms(100));
        assert_eq!(ticker.tick().await, start);
        assert_eq!(ticker.tick().await, start + ms(100));
        assert_eq!(ticker.tick().await, start + ms(200));
        sleep(ms(350)).await; // now 550 ms: the ticks at 300, 400, 500 were missed
        assert_eq!(
            ticker.tick().await,
            start + ms(300),
            "the overdue tick fires at once"
        );
        assert_eq!(Instant::now(), start + ms(550));
        assert_eq!(
            ticker.tick().await,
            start + ms(600),
            "then the schedule resumes, no burst"
        );
    });
}

#[test]
fn an_interval_more_than_2_pow_32_periods_behind_skips_to_the_next_period() {
    paused().block_on(async {
        let start = Instant::now();
        let mut ticker = interval(ms(1));
        assert_eq!(ticker.tick().await, start);
        // 60 days of 1 ms periods: more than u32::MAX missed ticks.
        let sixty_days = Duration::from_secs(60 * 24 * 3600);
        sleep(sixty_days).await;
        assert_eq!(
            ticker.tick().await,
            start + ms(1),
            "the overdue tick at once"
        );
        let resumed = ticker.tick().await;
        assert_eq!(
            resumed,
            start + sixty_days + ms(1),
            "no burst of missed ticks"
        );
        assert_eq!(Instant::now(), resumed);
    });
}

#[test]
#[should_panic(expected = "interval period must be non-zero")]
fn a_zero_interval_is_refused() {
    paused().block_on(async {
        interval(Duration::ZERO);
    });
}

#[test]
fn paused_time_stands_still_while_tasks_can_run() {
    paused().block_on(async {
        let start = Instant::now();
        let busy = spawn_local(async {
            for _ in 0..1000 {
                yield_now().await;
            }
        });
        sleep(ms(1)).await;
        assert!(
            busy.is_finished(),
            "time only moved once the busy task had finished"
        );
        assert_eq!(start.elapsed(), ms(1));
    });
}

#[test]
fn a_failure_after_100ms_while_a_sibling_sleeps_10s_reads_exactly_100ms() {
    paused().block_on(async {
        let start = Instant::now();
        let long = spawn_local(sleep(Duration::from_secs(10)));
        let short = spawn_local(async {
            sleep(ms(100)).await;
            Err::<(), &str>("failed")
        });
        assert_eq!(short.await.unwrap(), Err("failed"));
        assert_eq!(start.elapsed(), ms(100));
        long.cancel();
        assert!(long.await.unwrap_err().is_cancelled());
        assert_eq!(start.elapsed(), ms(100));
    });
}

#[test]
fn a_million_pending_sleeps_work() {
    paused().block_on(async {
        let start = Instant::now();
        let mut sleeps: Vec<_> = (0..1_000_000u64)
            .map(|i| Box::pin(sleep(ms(1 + i % 5000))))
            .collect();
        // Register every one of them with the wheel.
        let mut first_poll = std::pin::pin!(futures::future::join_all(sleeps.iter_mut()));
        assert!(timeout(Duration::ZERO, first_poll.as_mut()).await.is_err());
        first_poll.await;
        assert_eq!(start.elapsed(), ms(5000));
    });
}

#[test]
#[should_panic(expected = "Sleep polled outside a corio runtime")]
fn a_sleep_polled_outside_a_runtime_names_the_mistake() {
    futures::executor::block_on(sleep(ms(1)));
}

#[test]
fn instant_arithmetic() {
    paused().block_on(async {
        let a = Instant::now();
        let b = a + ms(30);
        assert_eq!(b - a, ms(30));
        assert_eq!(a - b, Duration::ZERO, "saturates at zero");
        assert_eq!(b.duration_since(a), ms(30));
        assert_eq!(b - ms(30), a);
        assert!(a.checked_add(Duration::MAX).is_none());
        assert!(
            a + Duration::MAX > b,
            "adding Duration::MAX saturates far ahead"
        );
    });
}

mod common;

#[test]
fn a_far_but_reachable_deadline_fires_exactly_on_the_paused_clock() {
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            // Past 2^64 ns (about 584 years), well within u64 ticks.
            let thousand_years = Duration::from_secs(1_000 * 365 * 24 * 3600);
            let start = Instant::now();
            sleep(thousand_years).await;
            assert_eq!(start.elapsed(), thousand_years);
            sleep(ms(1)).await;
            assert_eq!(start.elapsed(), thousand_years + ms(1));
        });
    });
}

#[test]
fn an_idle_paused_loop_with_only_an_unreachable_deadline_sleeps_until_woken() {
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            let (sender, receiver) = futures::channel::oneshot::channel();
            let thread = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                sender.send(7).unwrap();
            });
            // The only timer is `Duration::MAX` away: "never". The loop waits for the thread.
            let got = timeout(Duration::MAX, receiver).await;
            assert_eq!(got.unwrap().unwrap(), 7);
            thread.join().unwrap();
            assert_eq!(
                start.elapsed(),
                Duration::ZERO,
                "virtual time stands still while the loop waits for another thread"
            );
            sleep(ms(1)).await;
            assert_eq!(
                start.elapsed(),
                ms(1),
                "a timer set afterwards fires on time"
            );
        });
    });
}

/// A waker whose owner has a bug: waking it panics.
struct PanickingWaker;

impl std::task::Wake for PanickingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("this waker panics");
    }
}

#[test]
fn a_panicking_timer_waker_does_not_cost_the_rest_of_its_batch_their_wakes() {
    use std::future::Future;
    common::watchdog(common::LIMIT, || {
        let rt = paused();
        let handles = RefCell::new(Vec::new());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                // First in the batch of timers due at 10 ms: a sleep with a panicking waker.
                let waker = std::task::Waker::from(std::sync::Arc::new(PanickingWaker));
                let mut bad = Box::pin(sleep(ms(10)));
                let mut cx = std::task::Context::from_waker(&waker);
                assert!(bad.as_mut().poll(&mut cx).is_pending());
                handles
                    .borrow_mut()
                    .extend((0..3).map(|_| corio_executor::spawn(sleep(ms(10)))));
                std::future::pending::<()>().await;
            })
        }));
        let payload = panicked.expect_err("the waker's panic surfaces from block_on");
        assert_eq!(*payload.downcast::<&str>().unwrap(), "this waker panics");
        rt.block_on(async {
            for handle in handles.take() {
                handle.await.unwrap();
            }
        });
    });
}

#[test]
fn of_nested_timeouts_with_one_deadline_only_the_outermost_reports_the_expiry() {
    paused().block_on(async {
        let deadline = Instant::now() + ms(10);
        let after_inner = Rc::new(RefCell::new(false));
        let outer = timeout_at(deadline, {
            let after_inner = after_inner.clone();
            async move {
                let inner = timeout_at(deadline, sleep(Duration::from_secs(10))).await;
                *after_inner.borrow_mut() = true;
                inner
            }
        })
        .await;
        assert!(outer.is_err(), "the outer timeout reports the expiry");
        assert!(
            !*after_inner.borrow(),
            "the code after the inner one never runs"
        );
        assert_eq!(Instant::now(), deadline);
    });
}

#[test]
fn nested_zero_timeouts_also_report_only_at_the_outermost() {
    paused().block_on(async {
        let after_inner = Rc::new(RefCell::new(false));
        let outer = timeout(Duration::ZERO, {
            let after_inner = after_inner.clone();
            async move {
                let inner = timeout(Duration::ZERO, sleep(Duration::ZERO)).await;
                *after_inner.borrow_mut() = true;
                inner
            }
        })
        .await;
        assert!(outer.is_err());
        assert!(!*after_inner.borrow());
    });
}

#[test]
fn a_zero_or_past_deadline_expires_a_body_pending_on_its_first_poll_without_polling_it_again() {
    paused().block_on(async {
        let start = Instant::now();
        let polls = Rc::new(RefCell::new(0));
        let counted_yield = |polls: Rc<RefCell<u32>>| {
            let mut yielded = false;
            std::future::poll_fn(move |cx| {
                *polls.borrow_mut() += 1;
                if std::mem::replace(&mut yielded, true) {
                    return std::task::Poll::Ready(());
                }
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            })
        };
        // asyncio: `async with timeout(0): await sleep(0)` raises TimeoutError.
        assert!(timeout(Duration::ZERO, sleep(Duration::ZERO))
            .await
            .is_err());
        assert!(timeout(Duration::ZERO, counted_yield(polls.clone()))
            .await
            .is_err());
        assert_eq!(*polls.borrow(), 1, "the body is not polled again");
        let past = Instant::now() - ms(1);
        assert!(timeout_at(past, counted_yield(polls.clone()))
            .await
            .is_err());
        assert_eq!(*polls.borrow(), 2);
        assert!(timeout_at(past, sleep(Duration::ZERO)).await.is_err());
        // A body ready on its first poll still wins.
        assert_eq!(timeout_at(past, async { 1 }).await, Ok(1));
        assert_eq!(start.elapsed(), Duration::ZERO);
    });
}

#[test]
fn a_body_finishing_on_the_deadlines_tick_loses_to_it() {
    paused().block_on(async {
        assert!(timeout(ms(10), sleep(ms(10))).await.is_err());
    });
}

#[test]
fn a_timeout_handle_reads_moves_and_removes_its_deadline() {
    paused().block_on(async {
        let start = Instant::now();
        let cm = TimeoutHandle::after(ms(100));
        assert_eq!(cm.when(), Some(start + ms(100)));
        let outcome = cm
            .scope(async {
                cm.reschedule(Some(start + ms(50)));
                assert_eq!(cm.when(), Some(start + ms(50)));
                sleep(ms(30)).await;
                cm.reschedule(Some(start + ms(500)));
                sleep(ms(400)).await;
                cm.reschedule(None);
                sleep(Duration::from_secs(3600)).await;
                "finished"
            })
            .await;
        assert_eq!(outcome, Ok("finished"));
        assert!(!cm.expired());
        assert_eq!(cm.when(), None);
        assert_eq!(start.elapsed(), Duration::from_secs(3600) + ms(430));
    });
}

#[test]
fn a_timeout_handle_moved_into_the_past_expires_after_its_body_yields() {
    paused().block_on(async {
        let cm = TimeoutHandle::never();
        let after = Rc::new(RefCell::new(false));
        let outcome = cm
            .scope({
                let (cm, after) = (cm.clone(), after.clone());
                async move {
                    cm.reschedule(Some(Instant::now()));
                    yield_now().await;
                    *after.borrow_mut() = true;
                }
            })
            .await;
        assert!(outcome.is_err());
        assert!(cm.expired());
        assert!(!*after.borrow(), "the body is not polled again");
    });
}

#[test]
fn a_timeout_handle_rescheduled_from_another_task_wakes_its_scope() {
    paused().block_on(async {
        let start = Instant::now();
        let cm = TimeoutHandle::never();
        let mover = spawn_local({
            let cm = cm.clone();
            async move {
                sleep(ms(20)).await;
                cm.reschedule(Some(Instant::now() + ms(5)));
            }
        });
        let outcome = cm.scope(std::future::pending::<()>()).await;
        assert!(outcome.is_err() && cm.expired());
        assert_eq!(start.elapsed(), ms(25));
        mover.await.unwrap();
    });
}

#[test]
fn nested_timeout_handles_with_one_deadline_both_expire_and_the_outer_reports() {
    paused().block_on(async {
        let deadline = Instant::now() + ms(10);
        let (cm1, cm2) = (
            TimeoutHandle::at(Some(deadline)),
            TimeoutHandle::at(Some(deadline)),
        );
        let outer = cm1
            .scope(async {
                let inner = cm2.scope(sleep(Duration::from_secs(10))).await;
                unreachable!("the inner scope never reports: {inner:?}");
            })
            .await;
        assert!(outer.is_err());
        assert!(cm1.expired() && cm2.expired());
    });
}

#[test]
#[should_panic(expected = "TimeoutHandle::reschedule called after its scope ended (it expired)")]
fn rescheduling_an_expired_timeout_names_the_mistake() {
    paused().block_on(async {
        let cm = TimeoutHandle::after(ms(1));
        assert!(cm.scope(std::future::pending::<()>()).await.is_err());
        cm.reschedule(None);
    });
}

#[test]
#[should_panic(expected = "make one TimeoutHandle per scope")]
fn a_timeout_handle_runs_one_scope() {
    paused().block_on(async {
        let cm = TimeoutHandle::never();
        assert_eq!(cm.scope(async { 1 }).await, Ok(1));
        let _ = cm.scope(async { 2 }).await;
    });
}

#[test]
fn a_refused_second_scope_leaves_the_running_scope_of_its_handle_alone() {
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            let cm = TimeoutHandle::never();
            let first = spawn_local({
                let cm = cm.clone();
                async move { cm.scope(std::future::pending::<()>()).await }
            });
            yield_now().await; // the first scope is entered and waits
            let second = spawn_local({
                let cm = cm.clone();
                async move { cm.scope(async {}).await }
            });
            let refused = second.await.unwrap_err();
            assert!(
                refused.is_panic(),
                "a second scope of one handle is refused"
            );
            assert!(!cm.expired());
            // The first scope still runs: its deadline can be moved, and the move wakes it.
            cm.reschedule(Some(Instant::now() + ms(30)));
            assert!(first.await.unwrap().is_err(), "the first scope timed out");
            assert!(cm.expired());
            assert_eq!(start.elapsed(), ms(30));
        })
    });
}
