//! Lesson: tasks run concurrently.
//!
//! [`spawn`] puts a future on the loop as a task of its own and hands back a
//! [`JoinHandle`](corio_executor::JoinHandle). Three jobs that each sleep one second are
//! all asleep at the same time, so together they take one second, not three. A handle can
//! also cancel its task: the task's future is dropped (its drop guard prints) and awaiting
//! the handle says so.
//!
//! [`spawn`] needs a `Send` future, because a `Send` task may be handed to the loop from
//! another thread. Tasks that stay on the loop's thread can be spawned with
//! [`spawn_local`] instead, and then share plain `Rc<RefCell<..>>` state: three local tasks
//! push to one `Vec` without any `Arc` or lock.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use corio_executor::time::sleep;
use corio_executor::{spawn, spawn_local, yield_now};

use crate::drop_guard::DropGuard;
use crate::timeline::Timeline;

/// One job: starts, sleeps a second (as if waiting for the network), returns its result.
async fn job(timeline: Timeline, number: u32) -> u32 {
    let name = format!("job {number}");
    timeline.log(&name, "started");
    sleep(Duration::from_secs(1)).await;
    timeline.log(&name, "finished");
    number * 10
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{tasks, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { tasks::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    timeline.log("main", "spawning three jobs of one second each");
    let handles: Vec<_> = (1..=3).map(|n| spawn(job(timeline.clone(), n))).collect();

    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.expect("a job neither panics nor is cancelled"));
    }
    timeline.log(
        "main",
        format!("joined all three, results {results:?}: one second, not three"),
    );

    let slow_timeline = timeline.clone();
    let slow = spawn(async move {
        slow_timeline.log("slow job", "started, needs 60 s");
        let guard = DropGuard::new(slow_timeline, "slow job");
        sleep(Duration::from_secs(60)).await;
        guard.finish();
    });
    yield_now().await; // let the slow job start
    slow.cancel();
    let cancelled = slow.await.is_err_and(|error| error.is_cancelled());
    timeline.log(
        "main",
        format!("cancel() and await: the handle says cancelled: {cancelled}"),
    );

    timeline.log(
        "main",
        "spawn_local: three tasks share one Rc<RefCell<Vec>>, no Send needed",
    );
    let visits = Rc::new(RefCell::new(Vec::new()));
    let locals: Vec<_> = (1..=3u64)
        .map(|n| {
            let (visits, timeline) = (visits.clone(), timeline.clone());
            spawn_local(async move {
                sleep(Duration::from_millis(100 * n)).await;
                // The borrow ends before the next await: no other task can see it.
                visits.borrow_mut().push(n);
                let now = visits.borrow().clone();
                timeline.log(format!("local {n}"), format!("pushed {n}: {now:?}"));
            })
        })
        .collect();
    for local in locals {
        local
            .await
            .expect("a local task neither panics nor is cancelled");
    }
    timeline.log(
        "main",
        format!("joined the local tasks: {:?}", visits.borrow()),
    );
}
