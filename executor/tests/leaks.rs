//! No task allocation is lost when user code panics while the runtime drops a task's
//! output or future: in a `JoinHandle`'s drop, on cancellation, at shutdown.
//!
//! A counting global allocator tracks, per thread, the live allocations aligned to
//! [`MARK_ALIGN`]: only task allocations whose future carries a [`Marked`] value have that
//! alignment, so the count is exactly the live tasks of these tests.

use corio_executor::{spawn, yield_now, Runtime};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

const MARK_ALIGN: usize = 256;

/// Raises the alignment of whatever holds it (a task's future, its output) to MARK_ALIGN.
#[repr(align(256))]
#[derive(Default, Debug)]
struct Marked;

thread_local! {
    static LIVE_MARKED: Cell<isize> = const { Cell::new(0) };
}

struct CountMarked;

// SAFETY: forwards every call to `System` unchanged; only counts on the side.
unsafe impl GlobalAlloc for CountMarked {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && layout.align() == MARK_ALIGN {
            let _ = LIVE_MARKED.try_with(|live| live.set(live.get() + 1));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() == MARK_ALIGN {
            let _ = LIVE_MARKED.try_with(|live| live.set(live.get() - 1));
        }
        // SAFETY: forwarded: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountMarked = CountMarked;

/// Runs `scenario` and asserts it leaves no marked task allocation behind.
fn assert_no_task_leaks(scenario: impl FnOnce()) {
    let before = LIVE_MARKED.with(Cell::get);
    scenario();
    let after = LIVE_MARKED.with(Cell::get);
    assert_eq!(after - before, 0, "task allocations leaked");
}

/// Panics when dropped.
#[derive(Default, Debug)]
struct PanicsOnDrop(Marked);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("a destructor panics");
    }
}

#[test]
fn dropping_a_join_handle_whose_output_panics_in_drop_frees_the_task() {
    assert_no_task_leaks(|| {
        let rt = Runtime::new();
        rt.block_on(async {
            let handle = spawn(async { PanicsOnDrop::default() });
            yield_now().await;
            assert!(handle.is_finished());
            let dropped = catch_unwind(AssertUnwindSafe(|| drop(handle)));
            assert!(dropped.is_err(), "the output's panic reaches the dropper");
        });
    });
}

#[test]
fn cancelling_a_task_whose_future_panics_in_drop_frees_it() {
    assert_no_task_leaks(|| {
        let rt = Runtime::new();
        rt.block_on(async {
            let handle = spawn(async {
                let _guard = PanicsOnDrop::default();
                std::future::pending::<()>().await;
            });
            yield_now().await;
            handle.cancel();
            assert!(handle.await.unwrap_err().is_panic());
        });
    });
}

#[test]
fn shutting_down_with_tasks_whose_future_panics_in_drop_frees_them() {
    assert_no_task_leaks(|| {
        let rt = Runtime::new();
        rt.block_on(async {
            let handle = spawn(async {
                let _guard = PanicsOnDrop::default();
                std::future::pending::<()>().await;
            });
            drop(spawn(async {
                let _guard = PanicsOnDrop::default();
                std::future::pending::<()>().await;
            }));
            yield_now().await;
            drop(handle);
        });
        drop(rt);
    });
}

#[test]
fn a_task_whose_output_and_future_both_panic_in_drop_is_contained_and_freed() {
    /// Ready at once with an output that panics when dropped, and panics when dropped itself.
    struct Both(PanicsOnDrop);
    impl std::future::Future for Both {
        type Output = PanicsOnDrop;
        fn poll(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<PanicsOnDrop> {
            std::task::Poll::Ready(PanicsOnDrop::default())
        }
    }
    assert_no_task_leaks(|| {
        let rt = Runtime::new();
        rt.block_on(async {
            let joined = spawn(Both(PanicsOnDrop::default())).await;
            assert!(joined.unwrap_err().is_panic(), "the future's drop panicked");
            drop(spawn(Both(PanicsOnDrop::default())));
            yield_now().await;
        });
    });
}

#[test]
fn a_detached_task_whose_output_panics_in_drop_is_freed() {
    assert_no_task_leaks(|| {
        let rt = Runtime::new();
        rt.block_on(async {
            drop(spawn(async { PanicsOnDrop::default() }));
            yield_now().await;
            yield_now().await;
        });
    });
}
