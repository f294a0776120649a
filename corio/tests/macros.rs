//! What `#[corio::test]` and `#[corio::main]` expand to, observed from a test: which clock
//! the runtime has, what a body may return, and that the runtime is gone afterwards.

use corio::time::{sleep, timeout, Instant};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[corio::test(start_paused = true)]
async fn start_paused_test_sleeps_an_hour_of_virtual_time_at_once() {
    let real = std::time::Instant::now();
    let start = Instant::now();
    // A 10 s probe first, so that a clock that is not paused fails the test in 10 s
    // instead of hanging it for an hour.
    sleep(Duration::from_secs(10)).await;
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "the clock is not paused"
    );
    sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3610));
}

#[corio::test]
async fn plain_test_runs_on_the_real_clock() {
    // On the paused clock this sleep would take no real time: nothing else can run.
    let real = std::time::Instant::now();
    sleep(Duration::from_millis(20)).await;
    assert!(real.elapsed() >= Duration::from_millis(20));
}

#[corio::test]
async fn plain_test_waits_for_a_wake_from_a_std_thread_before_its_timeout() {
    // Why real is the default: a paused clock knows nothing of plain threads, and would
    // jump to the timeout's deadline at once while the thread is still working.
    let event = Arc::new(corio::sync::Event::new());
    let setter = std::thread::spawn({
        let event = event.clone();
        move || {
            std::thread::sleep(Duration::from_millis(50));
            event.set();
        }
    });
    let waited = timeout(Duration::from_secs(10), event.wait()).await;
    assert!(waited.is_ok(), "the timeout fired before the thread's wake");
    setter.join().unwrap();
}

#[corio::test(start_paused = false)]
async fn start_paused_false_is_the_real_clock() {
    let real = std::time::Instant::now();
    sleep(Duration::from_millis(20)).await;
    assert!(real.elapsed() >= Duration::from_millis(20));
}

#[corio::test(start_paused = true)]
async fn a_test_may_return_a_result_and_use_question_mark() -> Result<(), String> {
    let n: u32 = "7".parse().map_err(|e| format!("{e}"))?;
    let doubled = timeout(Duration::from_secs(1), async move { n * 2 })
        .await
        .map_err(|_| "timed out".to_string())?;
    assert_eq!(doubled, 14);
    Ok(())
}

#[corio::test]
async fn the_test_body_can_spawn_tasks_on_its_runtime() {
    let task = corio::spawn(async { 40 + 2 });
    assert_eq!(task.await.unwrap(), 42);
    let local = corio::spawn_local(async { std::rc::Rc::new(1) });
    assert_eq!(*local.await.unwrap(), 1);
}

#[test]
#[should_panic(expected = "the body's own panic")]
fn a_panic_in_the_body_fails_the_test() {
    #[corio::main]
    async fn main() {
        corio::yield_now().await;
        panic!("the body's own panic");
    }
    main();
}

/// Sets a flag when dropped: the mark of a task that was cancelled.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn main_cancels_every_task_still_alive_when_the_body_returns() {
    static DROPPED: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    let dropped = DROPPED.get_or_init(|| Arc::new(AtomicBool::new(false)));

    #[corio::main(start_paused = true)]
    async fn main() -> u32 {
        let guard = SetOnDrop(DROPPED.get().unwrap().clone());
        corio::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        corio::yield_now().await; // the task starts and waits forever
        7
    }

    assert_eq!(main(), 7);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the task left running was dropped with the runtime"
    );
    assert!(
        corio::Handle::try_current().is_none(),
        "no runtime is left on the thread"
    );
}

#[test]
fn main_returns_the_body_error() {
    #[corio::main]
    async fn main() -> Result<(), std::num::ParseIntError> {
        let _n: u32 = "not a number".parse()?;
        Ok(())
    }
    assert!(main().is_err());
}

#[corio::test]
#[should_panic(expected = "attributes after #[corio::test] still apply")]
async fn attributes_written_after_the_macro_are_kept() {
    corio::yield_now().await;
    panic!("attributes after #[corio::test] still apply");
}
