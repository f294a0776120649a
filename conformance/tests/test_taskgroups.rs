//! CPython's `Lib/test/test_asyncio/test_taskgroups.py`, ported to corio_taskgroup.
//!
//! `async with TaskGroup() as g: body` is `TaskGroup::scope(|g| async move { body })`;
//! `g.create_task(coro)` is `g.spawn(future)`, whose future returns `Result<T, Exc>`;
//! `1 / 0` is `Err(Exc::ZeroDivision)`; an `ExceptionGroup` is the `GroupError`, and a nested
//! group's error is `Exc::Group(errors)`. A task running the group (`r =
//! asyncio.create_task(runner())`) is `spawn`, and `r.cancel()` is `JoinHandle::cancel`.
//! `except CancelledError: NUM += 1; raise` is an [`OnCancel`] guard. CPython runs every
//! case twice, with and without the eager task factory; corio has no eager tasks, so each
//! case runs once.
//!
// Not applicable:
// - TestTaskGroup.test_taskgroup_20: raises KeyboardInterrupt from cleanup; Python's BaseException hierarchy
// - TestTaskGroup.test_taskgroup_20a: raises a BaseException subclass from cleanup; Python's BaseException hierarchy
// - TestTaskGroup.test_taskgroup_21a: a child raises a BaseException subclass and cleanup raises TypeError; Python's BaseException hierarchy
// - TestTaskGroup.test_taskgroup_23: reads the private g._tasks
// - TestTaskGroup.test_taskgroup_task_context: contextvars (context=)
// - TestTaskGroup.test_taskgroup_already_entered: a scope is entered once by construction; entering it twice cannot be written
// - TestTaskGroup.test_taskgroup_double_enter: a scope is entered once by construction; entering it twice cannot be written
// - TestTaskGroup.test_taskgroup_not_entered: a corio TaskGroup takes children from the moment it exists; there is no enter step
// - TestTaskGroup.test_taskgroup_without_parent_task: calls __aenter__ outside a task (Python-only protocol)
// - TestTaskGroup.test_cancelling_level_preserved: Task.cancelling()/uncancel() counters; cancellation here is a drop
// - TestTaskGroup.test_nested_groups_both_cancelled: Task.cancelling()/uncancel() counters; cancellation here is a drop
// - TestTaskGroup.test_exception_refcycles_direct: gc.get_referrers on exception objects
// - TestTaskGroup.test_exception_refcycles_errors: gc.get_referrers on exception objects
// - TestTaskGroup.test_exception_refcycles_parent_task: gc.get_referrers on exception objects
// - TestTaskGroup.test_exception_refcycles_parent_task_wr: gc and weakrefs on tasks
// - TestTaskGroup.test_exception_refcycles_propagate_cancellation_error: gc.get_referrers on exception objects
// - TestTaskGroup.test_exception_refcycles_base_error: gc.get_referrers on exception objects
//
// Deliberate differences:
// - TestTaskGroup.test_taskgroup_08: the cancelled children raise ZeroDivisionError from `finally`; Drop cannot return an error
// - TestTaskGroup.test_taskgroup_11: the cancelled children raise ZeroDivisionError from `finally` inside a nested group; Drop cannot return an error
// - TestTaskGroup.test_taskgroup_12: the cancelled children raise ZeroDivisionError from `finally` inside a nested group; Drop cannot return an error
// - TestTaskGroup.test_taskgroup_15: the cancelled body awaits sleep(0.5) in its except block, during which a child fails (no async cleanup)
// - TestTaskGroup.test_taskgroup_16: the cancelled body awaits sleep(0.5) in its except block, during which a child fails (no async cleanup)
// - TestTaskGroup.test_taskgroup_18: the cancelled body turns its CancelledError into MyExc; cancellation by drop cannot be caught or replaced
// - TestTaskGroup.test_taskgroup_19: cleanup of the cancelled body raises MyExc; Drop cannot return an error
// - TestTaskGroup.test_taskgroup_context_manager_exit_raises: an async context manager's exit raises while cancelled; Drop cannot return an error
//
// Needs API:

use corio_conformance::{run_paused, sleep_s, DropFlag, OnCancel, Promise, Shared};
use corio_executor::{spawn, yield_now, JoinHandle};
use corio_taskgroup::{ChildError, ChildHandle, GroupError, SpawnError, TaskGroup};
use std::collections::BTreeSet;

/// The exceptions of the Python tests.
#[derive(Debug, Clone, PartialEq)]
enum Exc {
    ZeroDivision,
    Value,
    My,
    Runtime,
    Custom,
    /// A nested group's ExceptionGroup.
    Group(Vec<Exc>),
}

impl Exc {
    fn kind(&self) -> &'static str {
        match self {
            Exc::ZeroDivision => "ZeroDivisionError",
            Exc::Value => "ValueError",
            Exc::My => "MyExc",
            Exc::Runtime => "RuntimeError",
            Exc::Custom => "CustomException",
            Exc::Group(_) => "ExceptionGroup",
        }
    }
}

impl From<GroupError<Exc>> for Exc {
    fn from(group: GroupError<Exc>) -> Self {
        Exc::Group(group.into_errors())
    }
}

impl From<SpawnError> for Exc {
    fn from(_: SpawnError) -> Self {
        Exc::Runtime
    }
}

/// `get_error_types(eg)`: the set of exception types in a group.
fn error_types(errors: &[Exc]) -> BTreeSet<&'static str> {
    errors.iter().map(Exc::kind).collect()
}

fn kinds(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

/// `await asyncio.sleep(d); return value`.
async fn sleep_then<T>(d: f64, value: T) -> Result<T, Exc> {
    sleep_s(d).await;
    Ok(value)
}

/// `await asyncio.sleep(d); 1 / 0`.
async fn sleep_then_zde<T>(d: f64) -> Result<T, Exc> {
    sleep_s(d).await;
    Err(Exc::ZeroDivision)
}

async fn assert_cancelled<T: std::fmt::Debug>(task: JoinHandle<T>) {
    let outcome = task.await;
    assert!(
        matches!(&outcome, Err(e) if e.is_cancelled()),
        "expected the task to be cancelled, got {outcome:?}"
    );
}

#[test]
fn taskgroup_test_taskgroup_01() {
    run_paused(|| async {
        let (t1, t2) = TaskGroup::<Exc>::scope(|g| async move {
            let t1 = g.spawn(sleep_then(0.1, 42))?;
            let t2 = g.spawn(sleep_then(0.2, 11))?;
            Ok((t1, t2))
        })
        .await
        .unwrap();
        assert_eq!(t1.result(), Ok(42));
        assert_eq!(t2.result(), Ok(11));
    });
}

#[test]
fn taskgroup_test_taskgroup_02() {
    run_paused(|| async {
        let (t1, t2) = TaskGroup::<Exc>::scope(|g| async move {
            let t1 = g.spawn(sleep_then(0.1, 42))?;
            sleep_s(0.15).await;
            let t2 = g.spawn(sleep_then(0.2, 11))?;
            Ok((t1, t2))
        })
        .await
        .unwrap();
        assert_eq!(t1.result(), Ok(42));
        assert_eq!(t2.result(), Ok(11));
    });
}

#[test]
fn taskgroup_test_taskgroup_03() {
    run_paused(|| async {
        let (t1, t2) = TaskGroup::<Exc>::scope(|g| async move {
            let t1 = g.spawn(sleep_then(1.0, 42))?;
            sleep_s(0.15).await;
            // Cancel t1 explicitly: everything else goes on as expected.
            t1.cancel();
            let t2 = g.spawn(sleep_then(0.2, 11))?;
            Ok((t1, t2))
        })
        .await
        .unwrap();
        assert_eq!(t1.result(), Err(ChildError::Cancelled));
        assert_eq!(t2.result(), Ok(11));
    });
}

#[test]
fn taskgroup_test_taskgroup_04() {
    run_paused(|| async {
        let num = Shared::new(0);
        let t2_cancel = Shared::new(false);
        let t2: Shared<Option<ChildHandle<()>>> = Shared::new(None);

        let runner = spawn({
            let (num, t2_cancel, t2) = (num.clone(), t2_cancel.clone(), t2.clone());
            async move {
                TaskGroup::<Exc>::scope(|g| {
                    let num = num.clone();
                    async move {
                        g.spawn(sleep_then_zde::<()>(0.1))?;
                        let handle = g.spawn(async move {
                            let cancelled = OnCancel::new(move || t2_cancel.set(true));
                            sleep_s(1.0).await;
                            cancelled.finish();
                            num.update(|n| *n += 1);
                            Ok(())
                        })?;
                        t2.set(Some(handle));
                        Ok(())
                    }
                })
                .await?;
                num.update(|n| *n += 10);
                Ok::<(), GroupError<Exc>>(())
            }
        });

        let err = runner.await.unwrap().unwrap_err();
        assert_eq!(error_types(err.errors()), kinds(&["ZeroDivisionError"]));

        assert_eq!(num.get(), 0);
        assert!(t2_cancel.get());
        assert_eq!(t2.take().unwrap().result(), Err(ChildError::Cancelled));
    });
}

#[test]
fn taskgroup_test_cancel_children_on_child_error() {
    run_paused(|| async {
        let num = Shared::new(0);
        let t2_cancel = Shared::new(false);
        let runner_cancel = Shared::new(false);

        let runner = spawn({
            let (num, t2_cancel, runner_cancel) =
                (num.clone(), t2_cancel.clone(), runner_cancel.clone());
            async move {
                TaskGroup::<Exc>::scope(|g| {
                    let num = num.clone();
                    async move {
                        g.spawn(sleep_then_zde::<()>(0.1))?;
                        g.spawn(sleep_then_zde::<()>(0.1))?;
                        g.spawn(sleep_then_zde::<()>(0.1))?;
                        g.spawn(async move {
                            let cancelled = OnCancel::new(move || t2_cancel.set(true));
                            sleep_s(5.0).await;
                            cancelled.finish();
                            num.update(|n| *n += 1);
                            Ok(())
                        })?;
                        let cancelled = OnCancel::new(move || runner_cancel.set(true));
                        sleep_s(10.0).await;
                        cancelled.finish();
                        Ok(())
                    }
                })
                .await?;
                num.update(|n| *n += 10);
                Ok::<(), GroupError<Exc>>(())
            }
        });

        let err = runner.await.unwrap().unwrap_err();
        assert_eq!(error_types(err.errors()), kinds(&["ZeroDivisionError"]));
        assert_eq!(num.get(), 0);
        assert!(t2_cancel.get());
        assert!(runner_cancel.get());
    });
}

/// `foo()` of test_cancellation / test_taskgroup_07: sleeps 5 s, counts its cancellation.
fn counted_sleeper(num: &Shared<i32>) -> impl std::future::Future<Output = Result<(), Exc>> {
    let num = num.clone();
    async move {
        let cancelled = OnCancel::new(move || num.update(|n| *n += 1));
        sleep_s(5.0).await;
        cancelled.finish();
        Ok(())
    }
}

#[test]
fn taskgroup_test_cancellation() {
    run_paused(|| async {
        let num = Shared::new(0);
        let r = spawn({
            let num = num.clone();
            async move {
                TaskGroup::<Exc>::scope(|g| async move {
                    for _ in 0..5 {
                        g.spawn(counted_sleeper(&num))?;
                    }
                    Ok(())
                })
                .await
            }
        });
        sleep_s(0.1).await;

        assert!(!r.is_finished());
        r.cancel();
        assert_cancelled(r).await;

        assert_eq!(num.get(), 5);
    });
}

#[test]
fn taskgroup_test_taskgroup_07() {
    run_paused(|| async {
        let num = Shared::new(0);
        let r = spawn({
            let num = num.clone();
            async move {
                TaskGroup::<Exc>::scope(|g| async move {
                    for _ in 0..5 {
                        g.spawn(counted_sleeper(&num))?;
                    }
                    let cancelled = OnCancel::new(move || num.update(|n| *n += 10));
                    sleep_s(10.0).await;
                    cancelled.finish();
                    Ok(())
                })
                .await
            }
        });
        sleep_s(0.1).await;

        assert!(!r.is_finished());
        r.cancel();
        assert_cancelled(r).await;

        assert_eq!(num.get(), 15);
    });
}

#[test]
fn taskgroup_test_taskgroup_09() {
    run_paused(|| async {
        let handles: Shared<Option<(ChildHandle<i32>, ChildHandle<i32>)>> = Shared::new(None);
        let h = handles.clone();
        let outcome = TaskGroup::<Exc>::scope(|g| async move {
            let t1 = g.spawn(sleep_then(1.0, 42))?;
            let t2 = g.spawn(sleep_then(2.0, 11))?;
            h.set(Some((t1, t2)));
            sleep_s(0.1).await;
            Err::<(), _>(Exc::ZeroDivision)
        })
        .await;

        let err = outcome.expect_err("ExceptionGroup was not raised");
        assert_eq!(error_types(err.errors()), kinds(&["ZeroDivisionError"]));
        let (t1, t2) = handles.take().unwrap();
        assert_eq!(t1.result(), Err(ChildError::Cancelled));
        assert_eq!(t2.result(), Err(ChildError::Cancelled));
    });
}

#[test]
fn taskgroup_test_taskgroup_10() {
    run_paused(|| async {
        let handles: Shared<Option<(ChildHandle<i32>, ChildHandle<i32>)>> = Shared::new(None);
        let h = handles.clone();
        let outcome = TaskGroup::<Exc>::scope(|g| async move {
            let t1 = g.spawn(sleep_then(1.0, 42))?;
            let t2 = g.spawn(sleep_then(2.0, 11))?;
            h.set(Some((t1, t2)));
            Err::<(), _>(Exc::ZeroDivision)
        })
        .await;

        let err = outcome.expect_err("ExceptionGroup was not raised");
        assert_eq!(error_types(err.errors()), kinds(&["ZeroDivisionError"]));
        let (t1, t2) = handles.take().unwrap();
        assert_eq!(t1.result(), Err(ChildError::Cancelled));
        assert_eq!(t2.result(), Err(ChildError::Cancelled));
    });
}

async fn crash_after(t: f64) -> Result<(), Exc> {
    sleep_s(t).await;
    Err(Exc::Value)
}

#[test]
fn taskgroup_test_taskgroup_13() {
    run_paused(|| async {
        let r = spawn(async move {
            TaskGroup::<Exc>::scope(|g1| async move {
                g1.spawn(crash_after(0.1))?;
                TaskGroup::<Exc>::scope(|g2| async move {
                    g2.spawn(crash_after(10.0))?;
                    Ok(())
                })
                .await?;
                Ok(())
            })
            .await
        });
        let err = r.await.unwrap().unwrap_err();
        assert_eq!(error_types(err.errors()), kinds(&["ValueError"]));
    });
}

#[test]
fn taskgroup_test_taskgroup_14() {
    run_paused(|| async {
        let r = spawn(async move {
            TaskGroup::<Exc>::scope(|g1| async move {
                g1.spawn(crash_after(10.0))?;
                TaskGroup::<Exc>::scope(|g2| async move {
                    g2.spawn(crash_after(0.1))?;
                    Ok(())
                })
                .await?;
                Ok(())
            })
            .await
        });
        let err = r.await.unwrap().unwrap_err();
        assert_eq!(error_types(err.errors()), kinds(&["ExceptionGroup"]));
        let Exc::Group(inner) = &err.errors()[0] else {
            panic!("expected a nested group")
        };
        assert_eq!(error_types(inner), kinds(&["ValueError"]));
    });
}

#[test]
fn taskgroup_test_taskgroup_17() {
    run_paused(|| async {
        let num = Shared::new(0);
        let r = spawn({
            let num = num.clone();
            async move {
                TaskGroup::<Exc>::scope(|_g| async move {
                    let cancelled = OnCancel::new(move || num.update(|n| *n += 10));
                    sleep_s(10.0).await;
                    cancelled.finish();
                    Ok(())
                })
                .await
            }
        });
        sleep_s(0.1).await;

        assert!(!r.is_finished());
        r.cancel();
        assert_cancelled(r).await;

        assert_eq!(num.get(), 10);
    });
}

#[test]
fn taskgroup_test_taskgroup_22() {
    run_paused(|| async {
        let r = spawn(async move {
            TaskGroup::<Exc>::scope(|g| async move {
                g.spawn(sleep_then(1.0, 42))?;
                g.spawn(sleep_then(2.0, 11))?;
                Ok(())
            })
            .await
        });
        sleep_s(0.05).await;
        r.cancel();
        assert_cancelled(r).await;
    });
}

#[test]
fn taskgroup_test_taskgroup_24() {
    run_paused(|| async {
        TaskGroup::<Exc>::scope(|g| async move {
            let root_g = g.clone();
            g.spawn(async move {
                sleep_s(0.1).await;
                root_g.spawn(sleep_then(0.1, ()))?;
                root_g.spawn(sleep_then(0.2, ()))?;
                Ok(())
            })?;
            Ok(())
        })
        .await
        .unwrap();
    });
}

#[test]
fn taskgroup_test_taskgroup_25() {
    run_paused(|| async {
        let nhydras = Shared::new(0);

        fn hydra(
            g: corio_taskgroup::GroupHandle<Exc>,
            nhydras: Shared<i32>,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Exc>> + Send>> {
            Box::pin(async move {
                nhydras.update(|n| *n += 1);
                sleep_s(0.01).await;
                g.spawn(hydra(g.clone(), nhydras.clone()))?;
                g.spawn(hydra(g.clone(), nhydras.clone()))?;
                Ok(())
            })
        }

        let n = nhydras.clone();
        let outcome = TaskGroup::<Exc>::scope(|g| async move {
            g.spawn(hydra(g.clone(), n.clone()))?;
            g.spawn(async move {
                while n.get() < 10 {
                    sleep_s(0.015).await;
                }
                Err::<(), _>(Exc::ZeroDivision)
            })?;
            Ok(())
        })
        .await;

        let err = outcome.unwrap_err();
        assert_eq!(error_types(err.errors()), kinds(&["ZeroDivisionError"]));
        assert!(nhydras.get() >= 10);
    });
}

#[test]
fn taskgroup_test_taskgroup_no_create_task_after_failure() {
    run_paused(|| async {
        let refused = Shared::new(None::<bool>);
        let r = refused.clone();
        let outcome = TaskGroup::<Exc>::scope(|g| async move {
            g.spawn(async {
                sleep_s(0.001).await;
                Err::<(), _>(Exc::ZeroDivision)
            })?;
            let g2 = g.clone();
            g.spawn(async move {
                // `except CancelledError: with assertRaises(RuntimeError): g.create_task(...)`
                let on_cancel = OnCancel::new(move || {
                    let attempt = g2.spawn(async { Err::<(), _>(Exc::ZeroDivision) });
                    r.set(Some(matches!(attempt, Err(SpawnError::ShuttingDown))));
                });
                sleep_s(1.0).await;
                on_cancel.finish();
                Ok(())
            })?;
            Ok(())
        })
        .await;

        let err = outcome.unwrap_err();
        assert_eq!(error_types(err.errors()), kinds(&["ZeroDivisionError"]));
        assert_eq!(
            refused.get(),
            Some(true),
            "create_task in a failing group must be refused"
        );
    });
}

#[test]
fn taskgroup_test_taskgroup_task_name() {
    run_paused(|| async {
        TaskGroup::<Exc>::scope(|g| async move {
            let t = g.spawn_named("yolo", async {
                yield_now().await;
                Ok(())
            })?;
            assert_eq!(t.name(), Some("yolo"));
            Ok(())
        })
        .await
        .unwrap();
    });
}

/// `asyncio.current_task().get_name()` inside the child is
/// `corio_executor::task::current()`'s name.
#[test]
fn taskgroup_test_name() {
    run_paused(|| async {
        let name = Shared::new(None::<String>);
        let n = name.clone();
        TaskGroup::<Exc>::scope(|tg| async move {
            tg.spawn_named("example name", async move {
                n.set(corio_executor::task::current().and_then(|t| t.name().map(str::to_owned)));
                Ok(())
            })?;
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(name.get().as_deref(), Some("example name"));
    });
}

#[test]
fn taskgroup_test_taskgroup_finished() {
    run_paused(|| async {
        let handle = TaskGroup::<Exc>::scope(|g| async move { Ok(g) })
            .await
            .unwrap();
        let closed = Shared::new(false);
        let flag = DropFlag::new(&closed);
        let refused = handle.spawn(async move {
            let _flag = flag;
            sleep_s(0.0).await;
            Ok(())
        });
        assert!(matches!(refused, Err(SpawnError::Finished)));
        // The refused future was dropped, never run (the coroutine was closed).
        assert!(closed.get());
    });
}

#[test]
fn taskgroup_test_coro_closed_when_tg_closed() {
    run_paused(|| async {
        let handle = TaskGroup::<Exc>::scope(|g| async move { Ok(g) })
            .await
            .unwrap();
        let refused = handle.spawn(async {
            sleep_s(0.0).await;
            Ok(())
        });
        assert!(matches!(refused, Err(SpawnError::Finished)));
    });
}

/// Partly ported: the `cancelling()` counts are asyncio's; the rest runs as written.
#[test]
fn taskgroup_test_error_and_cancel() {
    run_paused(|| async {
        let event = Promise::new();
        let t = spawn({
            let event = event.clone();
            async move {
                let outcome = TaskGroup::<Exc>::scope(|g| async move {
                    g.spawn(async move {
                        event.set(());
                        yield_now().await;
                        Err::<(), _>(Exc::Runtime)
                    })?;
                    sleep_s(1.0).await;
                    panic!("Sleep in group should have been cancelled");
                    #[allow(unreachable_code)]
                    Ok::<(), Exc>(())
                })
                .await;
                assert_eq!(
                    error_types(outcome.unwrap_err().errors()),
                    kinds(&["RuntimeError"])
                );
                sleep_s(1.0).await;
                panic!("Sleep after group should have been cancelled");
            }
        });
        event.wait().await;
        t.cancel();
        assert_cancelled(t).await;
    });
}

#[test]
fn taskgroup_test_cancels_task_if_created_during_creation() {
    run_paused(|| async {
        let ran = Shared::new(false);
        let cancelled = Shared::new(false);
        let (r, c) = (ran.clone(), cancelled.clone());
        let outcome = TaskGroup::<Exc>::scope(|tg| async move {
            let tg2 = tg.clone();
            tg.spawn(async move {
                tg2.spawn(async { Err::<(), _>(Exc::My) })?;
                let on_cancel = OnCancel::new(move || c.set(true));
                yield_now().await; // eager tasks cancel here
                yield_now().await; // lazy tasks cancel here
                on_cancel.finish();
                r.set(true);
                Ok(())
            })?;
            Ok(())
        })
        .await;

        let err = outcome.unwrap_err();
        assert_eq!(err.errors(), [Exc::My]);
        assert!(cancelled.get(), "the second task was not cancelled");
        assert!(!ran.get());
    });
}

#[test]
fn taskgroup_test_cancellation_does_not_leak_out_of_tg() {
    run_paused(|| async {
        let outcome = TaskGroup::<Exc>::scope(|tg| async move {
            tg.spawn(async { Err::<(), _>(Exc::My) })?;
            Ok(())
        })
        .await;
        assert_eq!(
            outcome
                .expect_err("should have raised one MyError in group")
                .errors(),
            [Exc::My]
        );
        // If the cancellation leaked, this task would be cancelled here.
        yield_now().await;
        let _ = Exc::Custom;
    });
}
