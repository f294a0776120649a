//! `timeout`: race a future against a deadline; the loser is dropped.
//!
//! The contract, after asyncio's `timeout` and `wait_for`:
//! - A body ready on its first poll wins, whatever the deadline.
//! - Otherwise, once the deadline has passed the timeout expires *without polling the body
//!   again*: a zero or past deadline around a body pending on its first poll expires after
//!   one turn of the loop, and a body that would finish on the same tick as the deadline
//!   loses.
//! - So of nested timeouts with the same deadline only the outermost reports the expiry: it
//!   looks at its deadline before it polls its body, and drops the inner one unpolled.
//! - [`TimeoutHandle`] gives a timeout a deadline that can be read and moved while it runs,
//!   or none at all (asyncio's `async with timeout(None) as cm: cm.reschedule(..)`).

use super::{sleep_until, Instant, Sleep};
use parking_lot::Mutex;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Runs `future` for at most `duration`, like `asyncio.wait_for`.
///
/// Gives `Ok(output)` if the future finishes first, else `Err(Elapsed)`, and the future is
/// dropped (cancelled). A future that is ready on its first poll wins even for a zero
/// duration; once the deadline has passed, the future is not polled again.
///
/// ```
/// use corio_executor::time::{sleep, timeout};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = timeout(Duration::from_secs(1), sleep(Duration::from_secs(5))).await;
///     assert!(slow.is_err());
/// });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(Instant::now() + duration, future)
}

/// Runs `future` until `deadline` at the latest; see [`timeout`].
///
/// ```
/// use corio_executor::time::{sleep, timeout_at, Instant};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(100);
///     assert!(timeout_at(deadline, sleep(Duration::from_secs(1))).await.is_err());
///     assert_eq!(Instant::now(), deadline);
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep_until(deadline),
        started: false,
        scope: None,
    }
}

/// The future returned by [`timeout`], [`timeout_at`] and [`TimeoutHandle::scope`].
///
/// Awaiting it gives `Ok(output)` or `Err(Elapsed)`. [`timeout`] fixes the deadline when it
/// is called, not when the future is first polled.
///
/// ```
/// use corio_executor::time::{sleep, timeout, Timeout};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let guarded: Timeout<_> = timeout(Duration::from_secs(1), async { "answer" });
///     sleep(Duration::from_secs(5)).await; // long past the deadline, but not yet polled
///     assert_eq!(guarded.await, Ok("answer"), "ready on its first poll: the body wins");
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
    /// The body has been polled: from now on the deadline is looked at first.
    started: bool,
    /// For [`TimeoutHandle::scope`]: the handle's state, whose deadline may move.
    scope: Option<ScopeLink>,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// ```
    /// use corio_executor::time::{sleep, timeout};
    /// use std::time::Duration;
    /// corio_executor::run(async {
    ///     let nap = sleep(Duration::from_secs(10));
    ///     let deadline = nap.deadline();
    ///     let guarded = timeout(Duration::from_secs(1), nap);
    ///     assert_eq!(guarded.get_ref().deadline(), deadline);
    /// });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// Gives the wrapped future back, abandoning the deadline.
    ///
    /// ```
    /// use corio_executor::time::timeout;
    /// use std::time::Duration;
    /// corio_executor::run(async {
    ///     let guarded = timeout(Duration::ZERO, async { 7 });
    ///     let body = guarded.into_inner(); // no deadline any more
    ///     assert_eq!(body.await, 7);
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `future` is structurally pinned: no method moves it out of a pinned `Timeout`
        // (`into_inner` takes `self` by value, which needs it unpinned), and `Timeout` has no
        // Drop impl of its own. `Sleep` and `ScopeLink` are `Unpin`, so borrowing them
        // mutably is fine.
        // SAFETY: by the above, nothing pinned is moved through this `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        if let Some(scope) = &mut this.scope {
            scope.sync(&mut this.sleep, cx.waker(), !this.started);
        }
        // Past the first poll, the deadline goes first: an expired timeout does not poll
        // its body again (the inner one of nested timeouts is dropped unpolled).
        let mut deadline_checked = false;
        if this.started {
            if Pin::new(&mut this.sleep).poll(cx).is_ready() {
                return Poll::Ready(Err(this.expire()));
            }
            deadline_checked = true;
        }
        this.started = true;
        let polled = {
            let _in_body = this.scope.as_ref().map(ScopeLink::enter_body);
            // SAFETY: `future` is structurally pinned (the comment at the top of `poll`): it
            // stays where it is until dropped.
            unsafe { Pin::new_unchecked(&mut this.future) }.poll(cx)
        };
        if let Poll::Ready(output) = polled {
            if let Some(scope) = &this.scope {
                scope.end(Phase::Finished);
            }
            return Poll::Ready(Ok(output));
        }
        if let Some(scope) = &mut this.scope {
            // The body may have moved the deadline: look at the new one now.
            deadline_checked &= !scope.sync(&mut this.sleep, cx.waker(), false);
        }
        if !deadline_checked && Pin::new(&mut this.sleep).poll(cx).is_ready() {
            return Poll::Ready(Err(this.expire()));
        }
        Poll::Pending
    }
}

impl<F> Timeout<F> {
    fn expire(&mut self) -> Elapsed {
        if let Some(scope) = &self.scope {
            scope.end(Phase::Expired);
        }
        Elapsed(())
    }
}

/// The error of a [`timeout`] whose deadline passed first.
///
/// ```
/// use corio_executor::time::{sleep, timeout, Elapsed};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let err: Elapsed = timeout(Duration::from_secs(1), sleep(Duration::from_secs(2)))
///         .await
///         .unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed before the future completed");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed before the future completed")
    }
}

impl std::error::Error for Elapsed {}

/// A timeout's deadline that can be read and moved while it runs, or that can be none at
/// all: asyncio's `asyncio.timeout()` context manager.
///
/// Make one, run a future in its [`scope`](Self::scope), and use the handle (from inside
/// the future, or from another task through a clone) to read [`when`](Self::when) the
/// deadline is, [`reschedule`](Self::reschedule) it, and afterwards ask whether it
/// [`expired`](Self::expired). Clones share one deadline.
///
/// ```
/// use corio_executor::time::{sleep, Instant, TimeoutHandle};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let start = Instant::now();
///     // async with asyncio.timeout(None) as cm:
///     let cm = TimeoutHandle::never();
///     let outcome = cm
///         .scope(async {
///             assert_eq!(cm.when(), None);
///             cm.reschedule(Some(Instant::now() + Duration::from_secs(1)));
///             sleep(Duration::from_secs(10)).await;
///         })
///         .await;
///     assert!(outcome.is_err() && cm.expired());
///     assert_eq!(start.elapsed(), Duration::from_secs(1));
/// });
/// ```
#[derive(Clone)]
pub struct TimeoutHandle {
    state: Arc<Mutex<ScopeState>>,
}

/// Where a [`TimeoutHandle`]'s scope is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No scope has been polled yet.
    Created,
    /// The scope is running.
    Entered,
    /// The deadline passed first.
    Expired,
    /// The body finished first, or the scope was dropped before its deadline.
    Finished,
}

#[derive(Debug)]
struct ScopeState {
    when: Option<Instant>,
    /// Bumped by each `reschedule`, so the running scope sees the deadline moved.
    generation: u64,
    phase: Phase,
    /// The scope's body is being polled: a reschedule from inside it needs no wake.
    in_body: bool,
    /// Wakes the running scope when another task moves the deadline.
    waker: Option<Waker>,
}

impl TimeoutHandle {
    /// A handle whose deadline is `deadline`, or none (`None`: the scope never expires until
    /// rescheduled).
    ///
    /// ```
    /// use corio_executor::time::{Instant, TimeoutHandle};
    /// use std::time::Duration;
    /// corio_executor::run(async {
    ///     let deadline = Instant::now() + Duration::from_secs(5);
    ///     assert_eq!(TimeoutHandle::at(Some(deadline)).when(), Some(deadline));
    /// });
    /// ```
    pub fn at(deadline: Option<Instant>) -> TimeoutHandle {
        TimeoutHandle {
            state: Arc::new(Mutex::new(ScopeState {
                when: deadline,
                generation: 0,
                phase: Phase::Created,
                in_body: false,
                waker: None,
            })),
        }
    }

    /// A handle whose deadline is `duration` from now (from the handle's making, not the
    /// scope's first poll).
    ///
    /// ```
    /// use corio_executor::time::{sleep, TimeoutHandle};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let cm = TimeoutHandle::after(Duration::from_millis(10));
    ///     assert!(cm.scope(sleep(Duration::from_secs(1))).await.is_err());
    ///     assert!(cm.expired());
    /// });
    /// ```
    pub fn after(duration: Duration) -> TimeoutHandle {
        TimeoutHandle::at(Some(Instant::now() + duration))
    }

    /// A handle with no deadline: asyncio's `timeout(None)`.
    ///
    /// ```
    /// use corio_executor::time::TimeoutHandle;
    /// corio_executor::run(async {
    ///     let cm = TimeoutHandle::never();
    ///     assert_eq!(cm.scope(async { 5 }).await, Ok(5));
    ///     assert!(!cm.expired());
    /// });
    /// ```
    pub fn never() -> TimeoutHandle {
        TimeoutHandle::at(None)
    }

    /// The deadline, or `None` if there is none (asyncio's `Timeout.when()`).
    ///
    /// ```
    /// use corio_executor::time::{Instant, TimeoutHandle};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let cm = TimeoutHandle::after(Duration::from_secs(2));
    ///     assert_eq!(cm.when(), Some(Instant::now() + Duration::from_secs(2)));
    ///     assert_eq!(TimeoutHandle::never().when(), None);
    /// });
    /// ```
    pub fn when(&self) -> Option<Instant> {
        self.state.lock().when
    }

    /// Moves the deadline, earlier or later, or removes it (`None`). The running scope
    /// takes the new deadline at once; one already passed expires the scope after its body
    /// yields (its body is not polled again).
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant, TimeoutHandle};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let cm = TimeoutHandle::after(Duration::from_millis(10));
    ///     let outcome = cm
    ///         .scope(async {
    ///             cm.reschedule(None); // no deadline after all
    ///             sleep(Duration::from_secs(1)).await;
    ///             "finished"
    ///         })
    ///         .await;
    ///     assert_eq!(outcome, Ok("finished"));
    /// });
    /// ```
    ///
    /// # Panics
    /// If the scope has ended (expired, or its body finished): there is no deadline left to
    /// move.
    pub fn reschedule(&self, deadline: Option<Instant>) {
        let waker = {
            let mut state = self.state.lock();
            assert!(
                matches!(state.phase, Phase::Created | Phase::Entered),
                "TimeoutHandle::reschedule called after its scope ended ({}): there is no \
                 deadline left to move",
                if state.phase == Phase::Expired {
                    "it expired"
                } else {
                    "its body finished or it was dropped"
                }
            );
            state.when = deadline;
            state.generation += 1;
            if state.in_body {
                None
            } else {
                state.waker.take()
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// True once the scope has expired: its deadline passed before its body finished (also
    /// when it was dropped after its deadline had passed, as the inner one of nested
    /// timeouts with one deadline is).
    ///
    /// ```
    /// use corio_executor::time::{sleep, TimeoutHandle};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let quick = TimeoutHandle::after(Duration::from_secs(1));
    ///     assert_eq!(quick.scope(async { "in time" }).await, Ok("in time"));
    ///     assert!(!quick.expired());
    ///     let slow = TimeoutHandle::after(Duration::from_secs(1));
    ///     assert!(slow.scope(sleep(Duration::from_secs(2))).await.is_err());
    ///     assert!(slow.expired());
    /// });
    /// ```
    pub fn expired(&self) -> bool {
        self.state.lock().phase == Phase::Expired
    }

    /// Runs `future` with this handle's deadline: like [`timeout_at`], but the deadline is
    /// read when the scope first runs and follows every [`reschedule`](Self::reschedule).
    ///
    /// A handle runs one scope: polling a second scope of the same handle panics.
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant, TimeoutHandle};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let cm = TimeoutHandle::after(Duration::from_millis(100));
    ///     let outcome = cm
    ///         .scope(async {
    ///             // Push the deadline back while there is still work to do.
    ///             let later = cm.when().unwrap() + Duration::from_millis(100);
    ///             cm.reschedule(Some(later));
    ///             sleep(Duration::from_millis(150)).await;
    ///             "done in time"
    ///         })
    ///         .await;
    ///     assert_eq!(outcome, Ok("done in time"));
    /// });
    /// ```
    pub fn scope<F: IntoFuture>(&self, future: F) -> Timeout<F::IntoFuture> {
        Timeout {
            future: future.into_future(),
            // Armed on the first poll, from the handle's deadline then.
            sleep: sleep_until(Instant::never()),
            started: false,
            scope: Some(ScopeLink {
                state: self.state.clone(),
                seen: None,
                owns_handle: false,
            }),
        }
    }
}

impl fmt::Debug for TimeoutHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("TimeoutHandle")
            .field("when", &state.when)
            .field("phase", &state.phase)
            .finish()
    }
}

/// A scope's tie to its handle: brings reschedules into the scope's sleep, and records how
/// the scope ended.
#[derive(Debug)]
struct ScopeLink {
    state: Arc<Mutex<ScopeState>>,
    /// The handle's generation the scope's sleep was last armed for; `None` before the first
    /// poll.
    seen: Option<u64>,
    /// This scope is the handle's one scope: it entered the handle (its first poll found the
    /// handle unused), so the phase and the waker slot are its own. A refused second scope
    /// never is, and leaves both alone, also when it is dropped.
    owns_handle: bool,
}

/// Marks the scope's body as being polled until dropped.
struct InBody<'a>(&'a ScopeLink);

impl Drop for InBody<'_> {
    fn drop(&mut self) {
        self.0.state.lock().in_body = false;
    }
}

impl ScopeLink {
    /// Keeps the waker for reschedules from elsewhere and re-arms `sleep` if the deadline
    /// moved since it was armed. Returns true if it re-armed. `entering`: the first poll.
    fn sync(&mut self, sleep: &mut Sleep, waker: &Waker, entering: bool) -> bool {
        let mut state = self.state.lock();
        if entering {
            assert!(
                state.phase == Phase::Created,
                "a TimeoutHandle's scope polled after another scope of the same handle ran: \
                 make one TimeoutHandle per scope"
            );
            state.phase = Phase::Entered;
            self.owns_handle = true;
        }
        match &mut state.waker {
            Some(kept) if kept.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        if self.seen == Some(state.generation) {
            return false;
        }
        self.seen = Some(state.generation);
        let deadline = state.when.unwrap_or_else(Instant::never);
        drop(state);
        Pin::new(sleep).reset(deadline);
        true
    }

    fn enter_body(&self) -> InBody<'_> {
        self.state.lock().in_body = true;
        InBody(self)
    }

    fn end(&self, how: Phase) {
        let mut state = self.state.lock();
        state.phase = how;
        state.waker = None;
    }
}

impl Drop for ScopeLink {
    fn drop(&mut self) {
        if !self.owns_handle {
            // Never polled, or refused because another scope has the handle: that scope's
            // phase and waker are not ours to touch.
            return;
        }
        let mut state = self.state.lock();
        if state.phase == Phase::Entered {
            // Dropped while running: expired if its deadline had passed by then.
            let passed = state.when.is_some_and(|when| Instant::now() >= when);
            state.phase = if passed {
                Phase::Expired
            } else {
                Phase::Finished
            };
        }
        state.waker = None;
    }
}
