//! Each lesson, run on corio's paused clock, prints the lines that carry its lesson.
//!
//! The paused clock makes the times exact (a one-second sleep reads exactly 1000 ms) and
//! the run instant, so these tests check both what happened and when.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use corio_examples::lessons::{Clock, Lesson};
use corio_examples::timeline::Sink;

/// One parsed timeline line: `[ 1000 ms] job 2: finished`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    millis: u64,
    who: String,
    what: String,
}

fn parse(line: &str) -> Line {
    let (stamp, rest) = line
        .split_once(" ms] ")
        .unwrap_or_else(|| panic!("not a timeline line: {line:?}"));
    let millis = stamp
        .trim_start_matches('[')
        .trim()
        .parse()
        .expect("a number of ms");
    let (who, what) = rest.split_once(": ").expect("`who: what`");
    Line {
        millis,
        who: who.to_string(),
        what: what.to_string(),
    }
}

/// Runs the lesson `name` on the paused clock and returns its parsed lines. A lesson that
/// does not finish within 20 s of real time (a hang: on the paused clock a lesson takes
/// milliseconds) fails the test instead of stalling it.
fn run(name: &str) -> Vec<Line> {
    let lesson = Lesson::named(name).expect("a lesson of that name");
    let sink = Sink::buffer();
    let (done, finished) = mpsc::channel();
    let lesson_sink = sink.clone();
    thread::spawn(move || {
        lesson.run(Clock::Paused, lesson_sink);
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => {}
        Err(RecvTimeoutError::Timeout) => panic!(
            "lesson {name} did not finish in 20 s; it printed {:#?}",
            sink.lines()
        ),
        Err(RecvTimeoutError::Disconnected) => panic!("lesson {name} panicked"),
    }
    sink.lines().iter().map(|line| parse(line)).collect()
}

/// The position of the first line from `who` whose text starts with `what`.
fn position(lines: &[Line], who: &str, what: &str) -> usize {
    lines
        .iter()
        .position(|line| line.who == who && line.what.starts_with(what))
        .unwrap_or_else(|| panic!("no line `{who}: {what}...` in {lines:#?}"))
}

/// The time of the first line from `who` whose text starts with `what`.
fn time_of(lines: &[Line], who: &str, what: &str) -> u64 {
    lines[position(lines, who, what)].millis
}

#[test]
fn event_loop_runs_a_spawned_task_only_when_main_awaits_and_awaits_add_up() {
    let lines = run("event_loop");
    // spawn() only queues the task: main goes on until it awaits, then the greeter runs.
    assert!(position(&lines, "main", "spawned a greeter") < position(&lines, "greeter", ""));
    assert!(position(&lines, "greeter", "") < position(&lines, "main", "sleep(300 ms) is over"));
    // Two awaits in a row: 300 ms, then 200 more.
    assert_eq!(time_of(&lines, "main", "sleep(300 ms) is over"), 300);
    assert_eq!(time_of(&lines, "main", "sleep(200 ms) is over"), 500);
}

#[test]
fn tasks_three_one_second_jobs_finish_in_one_second() {
    let lines = run("tasks");
    for job in ["job 1", "job 2", "job 3"] {
        assert_eq!(time_of(&lines, job, "started"), 0);
        assert_eq!(
            time_of(&lines, job, "finished"),
            1000,
            "{job} runs concurrently"
        );
    }
    assert_eq!(
        time_of(&lines, "main", "joined all three, results [10, 20, 30]"),
        1000
    );
    // Cancelling through the handle drops the task's future at once: no time passes.
    let dropped = position(&lines, "slow job", "cancelled: its future was dropped");
    let awaited = position(&lines, "main", "cancel() and await");
    assert!(position(&lines, "slow job", "started") < dropped && dropped < awaited);
    assert_eq!(lines[awaited].millis, 1000);
    assert!(
        lines[awaited].what.ends_with("cancelled: true"),
        "{:?}",
        lines[awaited]
    );
    // spawn_local: three !Send tasks share one Rc<RefCell<Vec>>, each push seen by the next.
    assert_eq!(time_of(&lines, "local 1", "pushed 1: [1]"), 1100);
    assert_eq!(time_of(&lines, "local 2", "pushed 2: [1, 2]"), 1200);
    assert_eq!(time_of(&lines, "local 3", "pushed 3: [1, 2, 3]"), 1300);
    assert_eq!(
        time_of(&lines, "main", "joined the local tasks: [1, 2, 3]"),
        1300
    );
}

#[test]
fn timeouts_cut_off_the_slow_call_follow_a_moved_deadline_and_time_out_a_group() {
    let lines = run("timeouts");
    // timeout(): the quick call wins, the slow one is dropped at its deadline.
    assert_eq!(time_of(&lines, "main", "got Ok(42): in time"), 200);
    let dropped = position(&lines, "fetch history", "cancelled");
    let elapsed = position(&lines, "main", "got Err(Elapsed)");
    assert!(dropped < elapsed);
    assert_eq!(lines[dropped].millis, 700);
    assert_eq!(lines[elapsed].millis, 700);
    // TimeoutHandle: each chunk moves the deadline 300 ms on; the stall expires it.
    assert_eq!(
        time_of(
            &lines,
            "main",
            "download in a TimeoutHandle scope, deadline at 1000 ms"
        ),
        700
    );
    assert_eq!(
        time_of(
            &lines,
            "download",
            "chunk 1 arrived, reschedule(): deadline moved to 1200 ms"
        ),
        900
    );
    assert_eq!(
        time_of(
            &lines,
            "download",
            "chunk 2 arrived, reschedule(): deadline moved to 1400 ms"
        ),
        1100
    );
    assert!(!lines
        .iter()
        .any(|line| line.what.starts_with("chunk 3 arrived")));
    assert_eq!(time_of(&lines, "download", "cancelled"), 1400);
    assert_eq!(
        time_of(
            &lines,
            "main",
            "the scope gave Err(Elapsed), expired(): true"
        ),
        1400
    );
    // TaskGroup::with_timeout: the late child is cancelled at the deadline, the group fails
    // with a timeout, and the child that finished in time keeps its result.
    assert_eq!(time_of(&lines, "fetch users", "done"), 1600);
    assert_eq!(time_of(&lines, "build report", "cancelled"), 1900);
    let returned = position(&lines, "main", "the group returned Err");
    assert_eq!(lines[returned].millis, 1900);
    assert!(
        lines[returned].what.ends_with("is_timeout(): true"),
        "{:?}",
        lines[returned]
    );
    assert_eq!(
        time_of(
            &lines,
            "main",
            "fetch users finished in time, its result: Ok(42)"
        ),
        1900
    );
}

#[test]
fn taskgroup_cancels_the_slow_sibling_and_reports_the_failure() {
    let lines = run("taskgroup");
    assert_eq!(time_of(&lines, "fetch users", "done"), 200);
    assert_eq!(time_of(&lines, "fetch orders", "failed"), 300);
    // The sibling is cancelled at the failure: its drop guard prints, it never finishes.
    assert_eq!(
        time_of(&lines, "build report", "cancelled: its future was dropped"),
        300
    );
    assert!(!lines
        .iter()
        .any(|line| line.who == "build report" && line.what == "finished"));
    // The group returns once the cancelled sibling is gone, at 300 ms, with the error listed.
    let returned = position(&lines, "main", "the group returned Err");
    assert!(position(&lines, "build report", "cancelled") < returned);
    assert_eq!(lines[returned].millis, 300);
    assert_eq!(
        lines[returned].what,
        "the group returned Err: task group failed with 1 error: [1] fetch orders: connection reset"
    );
}

#[test]
fn gather_returns_the_error_while_the_sibling_runs_on_and_finishes_later() {
    let lines = run("gather");
    let returned = position(
        &lines,
        "main",
        "gather returned Err: fetch orders: connection reset",
    );
    assert_eq!(lines[returned].millis, 300);
    // Not cancelled: the sibling finishes after gather returned, at its own 1000 ms.
    let finished = position(&lines, "build report", "finished");
    assert!(returned < finished);
    assert_eq!(lines[finished].millis, 1000);
    assert!(!lines.iter().any(|line| line.what.contains("cancelled")));
}

#[test]
fn waiting_each_tool_waits_as_it_should_and_cancels_what_it_no_longer_waits_for() {
    let lines = run("waiting");
    // race: the fastest mirror wins; the race returns after the two others were dropped.
    let raced = position(&lines, "main", "race gave Some(\"mirror 2\")");
    assert_eq!(lines[raced].millis, 100);
    for loser in ["mirror 1", "mirror 3"] {
        let dropped = position(&lines, loser, "cancelled");
        assert!(dropped < raced);
        assert_eq!(lines[dropped].millis, 100);
    }
    // as_completed with a 300 ms timeout: completion order, then the deadline.
    assert_eq!(
        time_of(&lines, "main", "as_completed gave Ok(\"cache\")"),
        200
    );
    assert_eq!(
        time_of(&lines, "main", "as_completed gave Ok(\"dns\")"),
        300
    );
    let timed_out = position(&lines, "main", "as_completed gave Err(TimedOut)");
    assert_eq!(lines[timed_out].millis, 400);
    assert!(position(&lines, "disk", "cancelled") < timed_out);
    // gather_settled: every outcome, in argument order, failure included.
    assert_eq!(
        time_of(
            &lines,
            "main",
            "gather_settled gave [Ok(\"disk\"), Err(\"network: unreachable\"), Ok(\"memory\")]"
        ),
        500
    );
    // interval: the first tick at once, then one every 100 ms.
    for (n, at) in [(1, 500), (2, 600), (3, 700)] {
        let tick = position(&lines, "interval", &format!("tick {n}, due at {at} ms"));
        assert_eq!(lines[tick].millis, at);
    }
    // Names: the handles and the children themselves know them.
    assert_eq!(
        time_of(
            &lines,
            "main",
            "spawned children named [\"fetch:users\", \"fetch:orders\"]"
        ),
        700
    );
    for child in ["fetch:users", "fetch:orders"] {
        assert_eq!(time_of(&lines, child, "task::current() knows my name"), 800);
    }
    // select!: the first of two futures, the loser dropped with it.
    let selected = position(&lines, "main", "select! gave \"mirror A\"");
    assert_eq!(lines[selected].millis, 900);
    let dropped = position(&lines, "mirror B", "cancelled");
    assert!(dropped < selected);
    assert_eq!(lines[dropped].millis, 900);
}

#[test]
fn lock_hands_the_lock_over_in_arrival_order_and_loses_no_update() {
    let lines = run("lock");
    for (worker, at) in [("worker 1", 0), ("worker 2", 100), ("worker 3", 200)] {
        assert_eq!(time_of(&lines, worker, "asks for the lock"), 0);
        assert_eq!(
            time_of(&lines, worker, "got the lock"),
            at,
            "{worker} waits its turn"
        );
    }
    assert!(
        position(&lines, "worker 1", "got the lock") < position(&lines, "worker 2", "got the lock")
    );
    assert!(
        position(&lines, "worker 2", "got the lock") < position(&lines, "worker 3", "got the lock")
    );
    assert_eq!(time_of(&lines, "main", "balance is 3"), 300);
}

#[test]
fn semaphore_never_lets_more_than_two_run() {
    let lines = run("semaphore");
    let mut running = 0;
    let mut most = 0;
    for line in &lines {
        if line.what.starts_with("connected") {
            running += 1;
            most = most.max(running);
        } else if line.what.starts_with("done") {
            running -= 1;
        }
    }
    assert_eq!(most, 2);
    assert_eq!(
        lines
            .iter()
            .filter(|line| line.what.starts_with("done"))
            .count(),
        5
    );
    // A waiting download starts the moment a permit is dropped.
    assert_eq!(time_of(&lines, "download 1", "done"), 300);
    assert_eq!(time_of(&lines, "download 3", "connected"), 300);
    assert_eq!(time_of(&lines, "main", "all five done"), 900);
}

#[test]
fn event_set_wakes_every_waiter_and_later_waits_return_at_once() {
    let lines = run("event");
    let set = position(&lines, "host", "opens the doors");
    assert_eq!(lines[set].millis, 500);
    for guest in ["guest 1", "guest 2", "guest 3"] {
        let walks_in = position(&lines, guest, "walks in");
        assert!(set < walks_in);
        assert_eq!(lines[walks_in].millis, 500, "{guest} wakes at the set()");
    }
    assert_eq!(
        time_of(&lines, "guest 4", "arrives, the doors are open"),
        700
    );
    assert_eq!(time_of(&lines, "guest 4", "walks in"), 700);
}

#[test]
fn condition_notify_wakes_the_oldest_and_wait_for_rechecks() {
    let lines = run("condition");
    assert_eq!(time_of(&lines, "diner 1", "takes the soup"), 300);
    assert_eq!(time_of(&lines, "diner 2", "takes the salad"), 600);
    // notify_all() woke diner 3 too; it found nothing and waited again.
    let waits: Vec<u64> = lines
        .iter()
        .filter(|line| line.who == "diner 3" && line.what.starts_with("no dish"))
        .map(|line| line.millis)
        .collect();
    assert_eq!(waits, [0, 600]);
    assert_eq!(time_of(&lines, "diner 3", "takes the bread"), 900);
}

#[test]
fn barrier_releases_everyone_together_with_distinct_indexes_and_one_leader() {
    let lines = run("barrier");
    let released: Vec<&Line> = lines
        .iter()
        .filter(|line| line.what.starts_with("goes on"))
        .collect();
    assert_eq!(released.len(), 3);
    assert!(
        released.iter().all(|line| line.millis == 300),
        "{released:#?}"
    );
    let mut indexes: Vec<&str> = released
        .iter()
        .map(|line| &line.what["goes on: index ".len()..][..1])
        .collect();
    indexes.sort();
    assert_eq!(indexes, ["0", "1", "2"]);
    assert_eq!(
        released
            .iter()
            .filter(|line| line.what.ends_with("the leader"))
            .count(),
        1
    );
    // The leader is the last to arrive: hiker 2, at 300 ms.
    let leader = &lines[position(&lines, "hiker 2", "goes on")];
    assert!(leader.what.ends_with("the leader"), "{leader:?}");
}

#[test]
fn queue_join_returns_when_every_job_is_done_then_workers_stop() {
    let lines = run("queue");
    for job in 1..=5 {
        let finished = lines
            .iter()
            .filter(|line| line.what.starts_with(&format!("finished job {job},")))
            .count();
        assert_eq!(finished, 1, "job {job} is done exactly once");
    }
    // put() waited while the queue (of two) was full.
    assert!(lines
        .iter()
        .any(|line| line.who == "producer" && line.what.contains("waits")));
    let joined = position(&lines, "producer", "join() returned");
    assert_eq!(lines[joined].millis, 1000);
    let last_done = lines
        .iter()
        .rposition(|line| line.what.starts_with("finished job"))
        .unwrap();
    assert!(last_done < joined);
    assert!(joined < position(&lines, "fast worker", "the queue is shut down"));
    assert!(joined < position(&lines, "slow worker", "the queue is shut down"));
}

#[test]
fn network_three_one_second_downloads_overlap_into_one_second() {
    let lines = run("network");
    for page in ["/a.html", "/b.html", "/c.html"] {
        assert_eq!(time_of(&lines, page, "request sent"), 0);
        assert_eq!(
            time_of(&lines, page, "got 36 bytes"),
            1000,
            "{page} waited alongside the others"
        );
    }
    assert_eq!(time_of(&lines, "main", "three downloads"), 1000);
}

#[test]
fn debug_names_the_task_that_held_the_loop_draws_the_tree_and_names_the_one_left_behind() {
    let lesson = Lesson::named("debug").expect("the debug lesson");
    let sink = Sink::buffer();
    lesson.run(Clock::Paused, sink.clone());
    let lines = sink.lines();
    let find = |text: &str| {
        lines
            .iter()
            .position(|line| line.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?} in {lines:#?}"))
    };
    // The blocking call is reported when its poll ends, before main wakes at 500 ms.
    let slow = find("'checksum' (spawned at examples/src/debug.rs:");
    assert!(
        lines[slow].starts_with("corio debug: task "),
        "{}",
        lines[slow]
    );
    assert!(
        lines[slow].contains(" held the loop for "),
        "{}",
        lines[slow]
    );
    assert!(slow < find("[  500 ms] main: the task tree"));
    // The tree: the group's children under the supervisor, the nested group's under parse.
    let tree: Vec<&str> = lines[find("live tasks")..find("cancelled the supervisor")]
        .iter()
        .map(|line| line.split(" [").next().unwrap())
        .collect();
    assert_eq!(
        tree,
        [
            "    7 live tasks",
            "    task 1 'forgotten'",
            "    task 2 'supervisor'",
            "    ├── task 3 'fetch'",
            "    └── task 4 'parse'",
            "        ├── task 5 'parse-1'",
            "        ├── task 6 'parse-2'",
            "        └── task 7 'checksum'",
        ]
    );
    // At shutdown, only the task main left behind is still pending.
    let (last, _) = lines.split_last().unwrap();
    assert!(
        last.starts_with("corio debug: task 1 'forgotten' (spawned at examples/src/debug.rs:")
            && last
                .ends_with("was still pending when the runtime shut down, after 1 poll: cancelled"),
        "{last}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|line| line.starts_with("corio debug"))
            .count(),
        2
    );
}
