//! Waiting allocates nothing: every waiter's node lives inside its pinned future. A counting
//! global allocator counts this thread's allocations while futures queue, get granted,
//! get cancelled and complete.

use corio_sync::{Barrier, Condition, Event, Mutex, Queue, Semaphore};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// A waker that allocates nothing and does nothing.
fn noop_waker() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(
        |_| RawWaker::new(std::ptr::null(), &VTABLE),
        |_| {},
        |_| {},
        |_| {},
    );
    // SAFETY: every vtable function ignores the (null) data pointer.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

fn poll<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(&noop_waker()))
}

#[test]
fn queueing_granting_and_cancelling_waiters_allocates_nothing() {
    assert_eq!(
        allocations_in(|| drop(std::hint::black_box(Box::new(1)))),
        1,
        "the counter counts"
    );
    // Build everything first: creating a primitive may allocate, waiting must not.
    let mutex = Mutex::new(0);
    let sem = Semaphore::new(1);
    let event = Event::new();
    let cond = Condition::new(Mutex::new(()));
    let barrier = Barrier::new(2);
    let queue = Queue::with_capacity_for_test(1);

    let count = allocations_in(|| {
        // Mutex: queue two, grant the first, cancel it, the second gets the lock.
        let guard = mutex.try_lock().unwrap();
        let mut a = pin!(mutex.lock());
        let mut b = pin!(mutex.lock());
        assert!(poll(a.as_mut()).is_pending());
        assert!(poll(b.as_mut()).is_pending());
        drop(guard);
        assert!(poll(a.as_mut()).is_ready());
        assert!(poll(b.as_mut()).is_ready());

        // Semaphore.
        let permit = sem.try_acquire().unwrap();
        let mut w = pin!(sem.acquire());
        assert!(poll(w.as_mut()).is_pending());
        drop(permit);
        assert!(poll(w.as_mut()).is_ready());

        // Event.
        let mut e1 = pin!(event.wait());
        let mut e2 = pin!(event.wait());
        assert!(poll(e1.as_mut()).is_pending());
        assert!(poll(e2.as_mut()).is_pending());
        event.set();
        assert!(poll(e1.as_mut()).is_ready());
        assert!(poll(e2.as_mut()).is_ready());

        // Condition.
        let mut waiter = pin!(async {
            let guard = cond.lock().await;
            drop(cond.wait(guard).await);
        });
        assert!(poll(waiter.as_mut()).is_pending());
        let guard = cond.mutex().try_lock().unwrap();
        cond.notify_all().unwrap();
        drop(guard);
        assert!(poll(waiter.as_mut()).is_ready());

        // Barrier.
        let mut first = pin!(barrier.wait());
        assert!(poll(first.as_mut()).is_pending());
        let mut second = pin!(barrier.wait());
        assert!(poll(second.as_mut()).is_ready());
        assert!(poll(first.as_mut()).is_ready());

        // Queue: a getter waits, a putter waits on the full queue.
        let mut getter = pin!(queue.get());
        assert!(poll(getter.as_mut()).is_pending());
        queue.try_put(1).unwrap();
        assert_eq!(poll(getter.as_mut()), Poll::Ready(Ok(1)));
        queue.try_put(2).unwrap();
        let mut putter = pin!(queue.put(3));
        assert!(poll(putter.as_mut()).is_pending());
        assert_eq!(queue.try_get(), Ok(2));
        assert!(poll(putter.as_mut()).is_ready());
        assert_eq!(queue.try_get(), Ok(3));
    });
    assert_eq!(count, 0, "waiting allocated {count} times");
}

/// The queue's storage may grow on its first items; give it room before counting.
trait WithCapacity {
    fn with_capacity_for_test(maxsize: usize) -> Self;
}

impl WithCapacity for Queue<i32> {
    fn with_capacity_for_test(maxsize: usize) -> Self {
        let queue = Queue::new(maxsize);
        queue.try_put(0).unwrap();
        assert_eq!(queue.try_get(), Ok(0));
        queue
    }
}
