//! Debug mode and introspection: slow polls, late timers, tasks pending at shutdown and
//! panics nobody awaited are reported to the debug sink, naming the task; `task::current`,
//! `Handle::tasks` and `Handle::dump_tree` tell what is alive and what it is doing.
//!
//! Timing uses the paused clock, except where the report is about real time: a poll cannot
//! be timed on the paused clock, so the slow-poll and late-timer tests hold the loop for
//! real and assert only that the report appears and names the task.

use corio_executor::task::{self, TaskBuilder, TaskState};
use corio_executor::time::sleep;
use corio_executor::{spawn, yield_now, Handle, Runtime};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A debug sink the test can read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A debug-mode runtime whose reports go to the returned sink.
fn debug_runtime(threshold: Duration, paused: bool) -> (Runtime, Captured) {
    let captured = Captured::default();
    let rt = Runtime::builder()
        .debug(true)
        .slow_poll_threshold(threshold)
        .start_paused(paused)
        .debug_sink(captured.clone())
        .build();
    (rt, captured)
}

#[test]
fn a_poll_that_holds_the_loop_past_the_threshold_is_reported_naming_the_task() {
    let (rt, captured) = debug_runtime(Duration::from_millis(20), false);
    let (hog_id, line) = rt.block_on(async {
        let line = line!() + 1;
        let hog = TaskBuilder::new().name("hog").spawn(async {
            // A real busy poll: the loop can do nothing else meanwhile.
            std::thread::sleep(Duration::from_millis(60));
        });
        let quick = TaskBuilder::new().name("quick").spawn(async {});
        let id = hog.id();
        hog.await.unwrap();
        quick.await.unwrap();
        (id, line)
    });
    let reports = captured.text();
    let hog = format!("task {hog_id} 'hog' (spawned at {}:{line})", file!());
    let report = reports
        .lines()
        .find(|report| report.contains(&hog))
        .unwrap_or_else(|| panic!("no report names {hog}:\n{reports}"));
    assert!(report.starts_with("corio debug: "), "{report}");
    assert!(report.contains("held the loop for "), "{report}");
    assert!(
        !reports.contains("'quick'"),
        "a quick poll is not reported:\n{reports}"
    );
}

#[test]
fn a_timer_that_fires_late_says_by_how_much() {
    let (rt, captured) = debug_runtime(Duration::from_millis(20), false);
    rt.block_on(async {
        let sleeper = spawn(sleep(Duration::from_millis(5)));
        yield_now().await; // the sleeper registers its timer
                           // The loop is held for 80 ms: the 5 ms timer fires about 75 ms late.
        std::thread::sleep(Duration::from_millis(80));
        sleeper.await.unwrap();
    });
    let reports = captured.text();
    let report = reports
        .lines()
        .find(|report| report.contains("a timer fired "))
        .unwrap_or_else(|| panic!("no late-timer report:\n{reports}"));
    let late: u64 = report
        .split("a timer fired ")
        .nth(1)
        .and_then(|rest| rest.split(" ms late").next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("no lateness in {report}"));
    assert!(late >= 20, "{report}");
}

#[test]
fn a_task_pending_at_shutdown_is_reported_with_its_name_and_spawn_location() {
    // A threshold no poll here reaches (printing a panic's backtrace may take 100 ms).
    let (rt, captured) = debug_runtime(Duration::from_secs(3600), true);
    let (id, line) = rt.block_on(async {
        let stuck = TaskBuilder::new().name("stuck");
        let (stuck, line) = (stuck.spawn(std::future::pending::<()>()), line!());
        yield_now().await;
        (stuck.id(), line)
    });
    assert_eq!(
        captured.text(),
        "",
        "nothing to report while the task is alive"
    );
    drop(rt);
    assert_eq!(
        captured.text(),
        format!(
            "corio debug: task {id} 'stuck' (spawned at {}:{line}) was still pending when the \
             runtime shut down, after 1 poll: cancelled\n",
            file!()
        )
    );
}

#[test]
fn a_panic_nobody_awaited_goes_to_the_sink_with_the_spawn_location() {
    // A threshold no poll here reaches (printing a panic's backtrace may take 100 ms).
    let (rt, captured) = debug_runtime(Duration::from_secs(3600), true);
    let (id, line) = rt.block_on(async {
        let doomed = TaskBuilder::new().name("doomed");
        let (doomed, line) = (doomed.spawn(async { panic!("boom") }), line!());
        let id = doomed.id();
        drop(doomed); // detached: nobody will see the panic
        yield_now().await;
        (id, line)
    });
    assert_eq!(
        captured.text(),
        format!(
            "corio debug: task {id} 'doomed' (spawned at {}:{line}) panicked and nobody \
             awaited it: boom\n",
            file!()
        )
    );
}

/// Run by `corio_debug_turns_debug_mode_on_and_reports_go_to_stderr` in a child process,
/// with `CORIO_DEBUG=1`: a plain runtime leaves a task pending.
#[test]
#[ignore = "a helper: run in a child process by the test below"]
fn helper_a_plain_runtime_leaves_a_task_pending() {
    let rt = Runtime::new();
    rt.block_on(async {
        TaskBuilder::new()
            .name("left behind")
            .spawn(std::future::pending::<()>());
        yield_now().await;
    });
}

#[test]
fn corio_debug_turns_debug_mode_on_and_reports_go_to_stderr() {
    let run_helper = |debug: &str| {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "helper_a_plain_runtime_leaves_a_task_pending",
                "--include-ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CORIO_DEBUG", debug)
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stderr).unwrap()
    };
    let on = run_helper("1");
    assert!(
        on.lines().any(|line| line.starts_with("corio debug: task ")
            && line.contains("'left behind'")
            && line.contains("still pending when the runtime shut down")),
        "stderr with CORIO_DEBUG=1:\n{on}"
    );
    let off = run_helper("0");
    assert!(
        !off.contains("corio debug"),
        "stderr with CORIO_DEBUG=0:\n{off}"
    );
}

#[test]
fn every_spawn_records_where_the_user_spawned_the_task() {
    let rt = Runtime::builder().start_paused(true).build();
    let handle = rt.handle();
    let from_thread = std::thread::spawn(move || {
        let remote = TaskBuilder::new().name("remote");
        let job = async { task::current().unwrap() };
        (remote.spawn_on(&handle, job), line!())
    })
    .join()
    .unwrap();
    rt.block_on(async {
        let (plain, plain_line) = (spawn(async { task::current().unwrap() }), line!());
        let named = TaskBuilder::new().name("named");
        let (named, named_line) = (named.spawn(async { task::current().unwrap() }), line!());
        let (blocking, blocking_line) = (corio_executor::spawn_blocking(|| ()), line!());
        let infos = Handle::current().tasks();
        let plain = plain.await.unwrap();
        let named = named.await.unwrap();
        assert_eq!(
            (plain.spawned_at().file(), plain.spawned_at().line()),
            (file!(), plain_line)
        );
        assert_eq!(plain.name(), None);
        assert_eq!(named.spawned_at().line(), named_line);
        assert_eq!(named.name(), Some("named"));
        let blocking_info = infos.last().unwrap().info();
        assert_eq!(blocking_info.spawned_at().line(), blocking_line);
        blocking.await.unwrap();

        let (remote, remote_line) = from_thread;
        let remote = remote.await.unwrap();
        assert_eq!(remote.name(), Some("remote"));
        assert_eq!(remote.spawned_at().line(), remote_line);
        assert_eq!(remote.parent(), None, "spawned from another thread: a root");
    });
}

#[test]
fn tasks_shows_a_task_ready_then_running_then_waiting_then_gone() {
    let rt = Runtime::builder().start_paused(true).build();
    rt.block_on(async {
        let worker = TaskBuilder::new().name("worker").spawn(async {
            let me = Handle::current().tasks();
            assert_eq!(me.len(), 1);
            assert_eq!(
                me[0].state(),
                TaskState::Running,
                "the task asking is running"
            );
            assert_eq!(me[0].polls(), 1, "this is its first poll");
            sleep(Duration::from_millis(10)).await;
        });
        let tasks = Handle::current().tasks();
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].info().id(), worker.id());
        assert_eq!(tasks[0].info().name(), Some("worker"));
        assert_eq!(tasks[0].state(), TaskState::Ready, "spawned, not run yet");
        assert_eq!(tasks[0].polls(), 0);
        assert_eq!(
            tasks[0].info().parent(),
            None,
            "spawned by the block_on future"
        );

        yield_now().await;
        let tasks = Handle::current().tasks();
        assert_eq!(tasks[0].state(), TaskState::Waiting, "in its sleep");
        assert_eq!(tasks[0].polls(), 1);
        assert_eq!(tasks[0].busy(), None, "debug mode is off");

        worker.await.unwrap();
        assert!(
            Handle::current().tasks().is_empty(),
            "a finished task is gone"
        );
    });
}

#[test]
fn tasks_from_another_thread_is_answered_by_the_loop_between_polls() {
    let rt = Runtime::builder().start_paused(true).build();
    let handle = rt.handle();
    rt.block_on(async move {
        let waiter = TaskBuilder::new()
            .name("waiter")
            .spawn(std::future::pending::<()>());
        yield_now().await;
        let watcher = std::thread::spawn(move || handle.tasks());
        while !watcher.is_finished() {
            // Real time: the watcher's request must reach the loop.
            corio_executor::spawn_blocking(|| std::thread::sleep(Duration::from_millis(1)))
                .await
                .unwrap();
        }
        let seen = watcher.join().unwrap();
        let waiter = seen
            .iter()
            .find(|task| task.info().id() == waiter.id())
            .expect("the waiter is listed");
        assert_eq!(waiter.state(), TaskState::Waiting);
        assert_eq!(waiter.info().name(), Some("waiter"));
    });
}

#[test]
fn time_in_poll_is_counted_in_debug_mode() {
    let (rt, _captured) = debug_runtime(Duration::from_secs(10), false);
    rt.block_on(async {
        let busy = TaskBuilder::new().name("busy").spawn(async {
            std::thread::sleep(Duration::from_millis(5));
            std::future::pending::<()>().await
        });
        yield_now().await;
        let tasks = Handle::current().tasks();
        assert_eq!(tasks[0].info().id(), busy.id());
        assert!(
            tasks[0].busy().unwrap() >= Duration::from_millis(5),
            "{:?}",
            tasks[0]
        );
    });
}

#[test]
fn the_tree_draws_each_task_under_the_task_that_spawned_it() {
    let rt = Runtime::builder().start_paused(true).build();
    rt.block_on(async {
        let parent = TaskBuilder::new().name("parent").spawn(async {
            TaskBuilder::new().name("child").spawn(async {
                TaskBuilder::new()
                    .name("grandchild")
                    .spawn(std::future::pending::<()>());
                std::future::pending::<()>().await
            });
            TaskBuilder::new()
                .name("second child")
                .spawn(std::future::pending::<()>());
            std::future::pending::<()>().await
        });
        TaskBuilder::new()
            .name("sibling")
            .spawn(std::future::pending::<()>());
        for _ in 0..3 {
            yield_now().await;
        }
        let tree = Handle::current().dump_tree().to_string();
        let shape: Vec<String> = tree
            .lines()
            .map(|line| match line.split_once(" [") {
                // Keep the drawing and the name: ids and locations are checked elsewhere.
                Some((head, _)) => {
                    let (indent, rest) = head.split_at(head.find("task").unwrap());
                    format!(
                        "{indent}{}",
                        rest.split_once(' ').unwrap().1.split_once(' ').unwrap().1
                    )
                }
                None => line.to_owned(),
            })
            .collect();
        assert_eq!(
            shape,
            [
                "5 live tasks",
                "'parent'",
                "├── 'child'",
                "│   └── 'grandchild'",
                "└── 'second child'",
                "'sibling'",
            ],
            "{tree}"
        );
        assert!(
            tree.contains(&format!(
                "task {} 'parent' [waiting] polls: 1, spawned at {}:",
                parent.id(),
                file!()
            )),
            "{tree}"
        );
    });
}

#[test]
#[should_panic(
    expected = "Handle::tasks called on its runtime's thread while the loop is not running"
)]
fn tasks_on_the_runtimes_thread_outside_its_loop_panics_naming_the_mistake() {
    let rt = Runtime::new();
    rt.handle().tasks();
}

#[test]
#[allow(clippy::async_yields_async)] // the task's handle is awaited by the second block_on
fn the_time_between_two_block_ons_is_no_slow_poll() {
    let (rt, captured) = debug_runtime(Duration::from_millis(20), false);
    let job = rt.block_on(async {
        let job = TaskBuilder::new().name("idle").spawn(async {
            yield_now().await;
        });
        yield_now().await;
        job
    });
    // Outside the loop: nothing runs, nothing is polled.
    std::thread::sleep(Duration::from_millis(60));
    rt.block_on(job).unwrap();
    assert_eq!(captured.text(), "");
}
