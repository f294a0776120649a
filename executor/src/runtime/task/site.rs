//! [`SpawnSite`]: where a task was spawned and the name it was given, in one word of its
//! header.
//!
//! Contract: `spawned_at()` is the `Location` given at creation, `name()` the name (if
//! any); clones share the name; dropping the last clone frees it. Any thread.
//!
//! Why one word: the header is allocated for every task and sits in cache while the task
//! lives, and most tasks have no name. An unnamed task's site is the `&'static Location`
//! itself; a named task's is an `Arc` of its name and location, marked by the low bit of
//! the pointer, which both pointees leave clear (they are aligned to at least 2 bytes, as
//! the assertion below checks). Two words (name and location side by side) would make every
//! task's header 8 bytes bigger, and push the allocation of a TaskGroup's child out of the
//! allocator's cheapest size class.

use std::fmt;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::Arc;

/// A named task's site, shared by the task and every [`TaskInfo`](super::TaskInfo) of it.
struct Named {
    name: String,
    at: &'static Location<'static>,
}

/// The tag in the low bit of a named site's pointer.
const NAMED: usize = 1;

// The tag bit must be free in both kinds of pointer.
const _: () = assert!(
    std::mem::align_of::<Location<'static>>() > NAMED && std::mem::align_of::<Named>() > NAMED
);

/// Where a task was spawned, and its name: one pointer (see the module docs).
pub(crate) struct SpawnSite(NonNull<u8>);

// SAFETY: a site is either a `&'static Location` (Sync, so sharing and sending the
// reference is fine) or an `Arc<Named>` (Send and Sync: `Named` holds a `String` and a
// `&'static Location`); `SpawnSite` exposes only shared access to either, and clones and
// drops the `Arc` through its own thread-safe count.
unsafe impl Send for SpawnSite {}
// SAFETY: as for `Send`: only `&self` reads of Sync data.
unsafe impl Sync for SpawnSite {}

impl SpawnSite {
    /// The site of a task spawned at `at`, named `name` if given.
    pub(crate) fn new(name: Option<String>, at: &'static Location<'static>) -> SpawnSite {
        match name {
            None => SpawnSite(NonNull::from(at).cast()),
            Some(name) => {
                let raw = Arc::into_raw(Arc::new(Named { name, at }));
                // `wrapping_add` keeps the pointer's provenance (the Arc's allocation).
                let tagged = raw.cast::<u8>().wrapping_add(NAMED);
                SpawnSite(NonNull::new(tagged.cast_mut()).expect("an Arc is never null"))
            }
        }
    }

    /// The pointer `Arc::into_raw` gave for a named site, untagged; `None` if unnamed. It
    /// is derived from the site's own pointer, so it keeps the provenance of the whole
    /// `Arc` allocation (counts included), which the count operations below need; a
    /// pointer made from a `&Named` would cover the `Named` alone.
    fn named_ptr(&self) -> Option<*const Named> {
        let addr = self.0.as_ptr() as usize;
        (addr & NAMED != 0).then(|| {
            self.0
                .as_ptr()
                .wrapping_sub(NAMED)
                .cast::<Named>()
                .cast_const()
        })
    }

    /// The named part, if this site has a name.
    fn named(&self) -> Option<&Named> {
        // SAFETY: a named pointer is `Arc::into_raw` of a `Named` (`new`), and this site
        // holds one strong count of that Arc until it is dropped, so the `Named` is alive
        // for as long as `&self` is borrowed.
        self.named_ptr().map(|raw| unsafe { &*raw })
    }

    /// Where the task was spawned.
    pub(crate) fn spawned_at(&self) -> &'static Location<'static> {
        match self.named() {
            Some(named) => named.at,
            // SAFETY: an untagged pointer is the `&'static Location` given to `new`.
            None => unsafe { self.0.cast::<Location<'static>>().as_ref() },
        }
    }

    /// The task's name, if it was given one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.named().map(|named| named.name.as_str())
    }
}

impl Clone for SpawnSite {
    fn clone(&self) -> SpawnSite {
        if let Some(raw) = self.named_ptr() {
            // SAFETY: `raw` is `Arc::into_raw` of a live `Arc<Named>` (this site holds a
            // count), with the allocation's provenance (`named_ptr`); the count taken here
            // is the one this clone's drop gives back.
            unsafe { Arc::increment_strong_count(raw) };
        }
        SpawnSite(self.0)
    }
}

impl Drop for SpawnSite {
    fn drop(&mut self) {
        if let Some(raw) = self.named_ptr() {
            // SAFETY: this site owns one strong count of the `Arc<Named>` whose data is at
            // `raw` (from `Arc::into_raw` in `new`, or the increment in `clone`); it gives
            // that count back exactly once, here, and never reads the pointer again.
            drop(unsafe { Arc::from_raw(raw) });
        }
    }
}

impl PartialEq for SpawnSite {
    fn eq(&self, other: &SpawnSite) -> bool {
        self.name() == other.name() && self.spawned_at() == other.spawned_at()
    }
}

impl Eq for SpawnSite {}

impl fmt::Debug for SpawnSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnSite")
            .field("name", &self.name())
            .field("spawned_at", &self.spawned_at())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::SpawnSite;
    use std::panic::Location;

    #[test]
    fn an_unnamed_site_is_its_location() {
        let here = Location::caller();
        let site = SpawnSite::new(None, here);
        assert_eq!(site.name(), None);
        assert_eq!(site.spawned_at(), here);
        assert_eq!(site.clone(), site);
    }

    /// Clones share the name; it lives until the last clone is dropped (Miri checks the
    /// counts: a leak or a use after free fails the test).
    #[test]
    fn a_named_site_shares_its_name_between_clones() {
        let here = Location::caller();
        let site = SpawnSite::new(Some("fetcher".to_string()), here);
        let copy = site.clone();
        drop(site);
        assert_eq!(copy.name(), Some("fetcher"));
        assert_eq!(copy.spawned_at(), here);
        let moved = std::thread::spawn(move || copy.name().map(str::to_owned))
            .join()
            .unwrap();
        assert_eq!(moved.as_deref(), Some("fetcher"));
    }
}
