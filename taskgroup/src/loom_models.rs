//! Loom models of the handshakes between a child, its group and the group's waiter:
//! a cancel that races with a child's poll is never lost, and a child finishing on another
//! thread always wakes (or is seen by) the task waiting for the group.

use std::future::{pending, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_task::{waker, ArcWake};

use crate::child::cell::OkToCell;
use crate::child::{CellRef, CellSink, ChildTask, OutputCell};
use crate::group_core::{GroupCore, Policy};

const GROUP: Policy = Policy {
    cancel_on_failure: true,
    track_completion: false,
};

/// A waker that records whether it was woken.
#[derive(Default)]
struct Flag(AtomicBool);

impl ArcWake for Flag {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.store(true, Ordering::SeqCst);
    }
}

fn child<F: Future<Output = Result<(), ()>>>(
    core: &Arc<GroupCore<()>>,
    future: F,
) -> (
    Pin<Box<ChildTask<F, CellSink<(), OkToCell>, ()>>>,
    CellRef<()>,
) {
    core.admit().unwrap();
    let (child_side, cell) = OutputCell::pair(Arc::clone(core) as _);
    (
        Box::pin(ChildTask::new(future, CellSink::new(child_side, 0))),
        cell,
    )
}

/// The group is cancelled (another thread) while the child is being polled: either the poll
/// sees the cancellation and completes, or the child's waker is woken so it is polled again.
#[test]
fn loom_cancel_racing_with_a_poll_is_never_lost() {
    loom::model(|| {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let (mut task, _cell) = child(&core, pending());
        let canceller = {
            let core = Arc::clone(&core);
            loom::thread::spawn(move || core.cancel_all())
        };
        let woken = Arc::new(Flag::default());
        let waker = waker(Arc::clone(&woken));
        let first = task.as_mut().poll(&mut Context::from_waker(&waker));
        canceller.join().unwrap();
        match first {
            Poll::Ready(()) => {}
            Poll::Pending => {
                assert!(woken.0.load(Ordering::SeqCst), "a cancel was lost");
                let again = task.as_mut().poll(&mut Context::from_waker(&waker));
                assert!(again.is_ready(), "a woken, cancelled child completes");
            }
        }
    });
}

/// A child finishes on another thread while the group's waiter checks for completion:
/// either the waiter sees the group finished, or it is woken.
#[test]
fn loom_child_finishing_wakes_the_waiting_group() {
    loom::model(|| {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let (mut task, cell) = child(&core, async { Ok(()) });
        let runner = loom::thread::spawn(move || {
            let noop = futures_task::noop_waker();
            assert!(task
                .as_mut()
                .poll(&mut Context::from_waker(&noop))
                .is_ready());
        });
        let woken = Arc::new(Flag::default());
        let waker = waker(Arc::clone(&woken));
        let first = core.poll_finished(&mut Context::from_waker(&waker), false);
        runner.join().unwrap();
        if first.is_pending() {
            assert!(woken.0.load(Ordering::SeqCst), "the waiter was not woken");
            assert!(core
                .poll_finished(&mut Context::from_waker(&waker), false)
                .is_ready());
        }
        // When the group is finished, the child's value is there.
        assert!(matches!(cell.take(), crate::child::Outcome::Done(())));
    });
}

/// A child fails on another thread while the scope's waiter registers: either it already
/// sees the group cancelling, or it is woken (so a running body is cancelled promptly).
#[test]
fn loom_failure_wakes_a_waiter_whose_body_is_running() {
    loom::model(|| {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let (mut task, _cell) = child(&core, async { Err(()) });
        let runner = loom::thread::spawn(move || {
            let noop = futures_task::noop_waker();
            let _ = task.as_mut().poll(&mut Context::from_waker(&noop));
        });
        let woken = Arc::new(Flag::default());
        let waker = waker(Arc::clone(&woken));
        let registered = core.poll_finished(&mut Context::from_waker(&waker), true);
        assert!(
            registered.is_pending(),
            "a running body keeps the group open"
        );
        let saw_cancel = core.is_cancelling();
        runner.join().unwrap();
        assert!(
            saw_cancel || woken.0.load(Ordering::SeqCst),
            "the body's cancellation was lost"
        );
    });
}

/// A child's handle cancels it while the child registers its waker slot for the first time:
/// either the poll sees the cancel flag, or the handle finds the waker and wakes it.
#[test]
fn loom_handle_cancel_racing_with_first_registration_is_never_lost() {
    loom::model(|| {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let (mut task, cell) = child(&core, pending());
        let handle = crate::child::ChildHandle::new(cell);
        let canceller = loom::thread::spawn(move || handle.cancel());
        let woken = Arc::new(Flag::default());
        let waker = waker(Arc::clone(&woken));
        let first = task.as_mut().poll(&mut Context::from_waker(&waker));
        canceller.join().unwrap();
        if first.is_pending() {
            assert!(woken.0.load(Ordering::SeqCst), "a handle's cancel was lost");
            assert!(task
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready());
        }
        assert!(core
            .poll_finished(&mut Context::from_waker(&waker), false)
            .is_ready());
    });
}

fn slot() -> crate::loom::AtomicUsize {
    crate::loom::AtomicUsize::new(crate::group_core::NO_KEY)
}

/// A child is polled on one thread while its group's owner drops the group on another: the
/// future is dropped exactly once (by the group if the child was idle, by the child's own
/// poll otherwise), and the child still reports to its group exactly once.
#[test]
fn loom_a_dropped_group_and_a_polling_child_drop_the_future_once() {
    loom::model(|| {
        let drops = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let guard = CountDrop(Arc::clone(&drops));
        let (mut task, _cell) = child(&core, async move {
            let _guard = guard;
            pending::<Result<(), ()>>().await
        });
        let noop = futures_task::noop_waker();
        // The first poll registers the child with its group.
        assert!(task
            .as_mut()
            .poll(&mut Context::from_waker(&noop))
            .is_pending());
        let poller = loom::thread::spawn(move || {
            let noop = futures_task::noop_waker();
            let second = task.as_mut().poll(&mut Context::from_waker(&noop));
            (task, second)
        });
        let panic = core.drop_children();
        assert!(panic.is_none());
        let (mut task, second) = poller.join().unwrap();
        if second.is_pending() {
            // The poll ran before the cancel: the group dropped the future, or the next poll
            // drops it.
            let noop = futures_task::noop_waker();
            assert!(task
                .as_mut()
                .poll(&mut Context::from_waker(&noop))
                .is_ready());
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped exactly once");
        drop(task);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped exactly once");
        let noop = futures_task::noop_waker();
        assert!(core
            .poll_finished(&mut Context::from_waker(&noop), false)
            .is_ready());
    });
}

/// The executor drops a child on one thread while its group's owner drops the group on
/// another: the future is dropped exactly once, before either drop returns.
#[test]
fn loom_a_dropped_group_and_an_executor_dropping_the_child_drop_the_future_once() {
    loom::model(|| {
        let drops = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let guard = CountDrop(Arc::clone(&drops));
        let (mut task, _cell) = child(&core, async move {
            let _guard = guard;
            pending::<Result<(), ()>>().await
        });
        let noop = futures_task::noop_waker();
        assert!(task
            .as_mut()
            .poll(&mut Context::from_waker(&noop))
            .is_pending());
        let executor = {
            let drops = Arc::clone(&drops);
            loom::thread::spawn(move || {
                drop(task);
                assert_eq!(drops.load(Ordering::SeqCst), 1);
            })
        };
        assert!(core.drop_children().is_none());
        executor.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped exactly once");
        assert!(core
            .poll_finished(&mut Context::from_waker(&noop), false)
            .is_ready());
    });
}

/// Counts its drops.
struct CountDrop(Arc<loom::sync::atomic::AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
