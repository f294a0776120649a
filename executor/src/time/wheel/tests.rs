//! Unit tests of the timer wheel, and a property test against a `BTreeMap` model.

use super::*;
use std::collections::BTreeMap;

/// Advances `wheel` to `tick` and returns what fired, in order.
fn advance_collect<T>(wheel: &mut TimerWheel<T>, tick: u64) -> Vec<T> {
    let mut fired = Vec::new();
    wheel.advance(tick, |value| fired.push(value));
    fired
}

/// The first tick of each level's slot span sizes: 64^L for L in 1..=10.
fn level_spans() -> Vec<u64> {
    (1..LEVELS as u32)
        .map(|level| 1u64 << (level * SLOT_BITS))
        .collect()
}

#[test]
fn empty_wheel() {
    let mut wheel = TimerWheel::<u32>::new();
    assert_eq!(wheel.now(), 0);
    assert_eq!(wheel.len(), 0);
    assert!(wheel.is_empty());
    assert_eq!(wheel.next_deadline(), None);
    assert!(advance_collect(&mut wheel, 1_000).is_empty());
    assert_eq!(wheel.now(), 1_000);
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn memory_per_entry_and_per_wheel() {
    // The module docs quote this number as the memory cost of one pending timer.
    #[cfg(target_pointer_width = "64")]
    {
        use std::mem::size_of;
        use std::task::Waker;
        assert_eq!(size_of::<slab::Entry<Waker>>(), 40);
        // And the fixed part, quoted as 5.8 KB.
        assert_eq!(size_of::<TimerWheel<Waker>>(), 5_776);
    }
}

#[test]
fn fires_exactly_at_each_level_boundary() {
    let mut deadlines = vec![0, 1, 62, 63];
    for span in level_spans() {
        deadlines.extend([span - 1, span, span + 1]);
    }
    deadlines.push(u64::MAX - 1);
    deadlines.push(u64::MAX);
    for &deadline in &deadlines {
        let mut wheel = TimerWheel::new();
        wheel.insert(deadline, deadline);
        if deadline > 0 {
            assert!(
                advance_collect(&mut wheel, deadline - 1).is_empty(),
                "deadline {deadline} fired a tick early"
            );
            assert_eq!(wheel.len(), 1);
        }
        let next = wheel.next_deadline().expect("a timer is pending");
        assert!(next <= deadline, "next_deadline {next} is past {deadline}");
        assert_eq!(advance_collect(&mut wheel, deadline), vec![deadline]);
        assert!(wheel.is_empty());
        assert_eq!(wheel.now(), deadline);
    }
}

#[test]
fn fires_in_deadline_order_when_stepping_tick_by_tick() {
    let mut wheel = TimerWheel::new();
    // Inserted out of order, across levels 0-2.
    for deadline in [4_100u64, 3, 64, 63, 4_096, 65, 4_095, 1, 200] {
        wheel.insert(deadline, deadline);
    }
    let mut fired = Vec::new();
    for tick in 0..=5_000 {
        wheel.advance(tick, |deadline| {
            assert_eq!(deadline, tick, "fired at the wrong tick");
            fired.push(deadline);
        });
    }
    assert_eq!(fired, vec![1, 3, 63, 64, 65, 200, 4_095, 4_096, 4_100]);
}

#[test]
fn deadline_in_the_past_fires_on_next_advance() {
    let mut wheel = TimerWheel::new();
    wheel.advance(500, |_: &str| unreachable!());
    wheel.insert(10, "past");
    wheel.insert(500, "now");
    wheel.insert(0, "long past");
    assert_eq!(wheel.next_deadline(), Some(500));
    // Overdue timers count as due at `now()`, so they keep insertion order.
    assert_eq!(
        advance_collect(&mut wheel, 500),
        vec!["past", "now", "long past"]
    );
    assert!(wheel.is_empty());
}

#[test]
fn remove_before_fire_cancels() {
    let mut wheel = TimerWheel::new();
    let a = wheel.insert(100, 'a');
    let b = wheel.insert(100, 'b');
    let c = wheel.insert(5_000, 'c');
    assert_eq!(wheel.remove(a), Some('a'));
    assert_eq!(wheel.remove(c), Some('c'));
    assert_eq!(wheel.len(), 1);
    assert_eq!(wheel.remove(a), None, "removing twice");
    assert_eq!(advance_collect(&mut wheel, 10_000), vec!['b']);
    assert_eq!(wheel.remove(b), None, "removing after fire");
    assert!(wheel.is_empty());
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn remove_after_fire_is_none() {
    let mut wheel = TimerWheel::new();
    let key = wheel.insert(7, 1);
    assert_eq!(advance_collect(&mut wheel, 7), vec![1]);
    assert_eq!(wheel.remove(key), None);
    assert_eq!(wheel.get_mut(key), None);
}

#[test]
fn stale_key_after_slot_reuse_is_harmless() {
    let mut wheel = TimerWheel::new();
    let old = wheel.insert(10, "old");
    assert_eq!(wheel.remove(old), Some("old"));
    // The freed entry is reused for the next timer.
    let new = wheel.insert(20, "new");
    assert_ne!(old, new);
    assert_eq!(wheel.get_mut(old), None);
    assert_eq!(wheel.remove(old), None);
    assert_eq!(wheel.len(), 1);
    assert_eq!(advance_collect(&mut wheel, 20), vec!["new"]);

    // Same after the reused entry fired.
    let fired_key = new;
    let newer = wheel.insert(30, "newer");
    assert_eq!(wheel.remove(fired_key), None);
    assert_eq!(wheel.remove(newer), Some("newer"));
}

#[test]
fn get_mut_changes_the_value_that_fires() {
    let mut wheel = TimerWheel::new();
    let key = wheel.insert(3_000, 1);
    *wheel.get_mut(key).expect("pending") += 41;
    // Still reachable after a cascade moved it to a lower level.
    assert!(advance_collect(&mut wheel, 2_999).is_empty());
    assert_eq!(wheel.get_mut(key).copied(), Some(42));
    assert_eq!(advance_collect(&mut wheel, 3_000), vec![42]);
    assert_eq!(wheel.get_mut(key), None);
}

#[test]
fn next_deadline_is_exact_nearby_and_a_lower_bound_far_away() {
    let mut wheel = TimerWheel::new();
    wheel.insert(40, ());
    assert_eq!(wheel.next_deadline(), Some(40));

    let mut wheel = TimerWheel::new();
    wheel.insert(5_000, ());
    // Level 2 slot 1 spans 4096..8192.
    assert_eq!(wheel.next_deadline(), Some(4_096));
    advance_collect(&mut wheel, 4_096);
    // Now at level 1 slot 14, spanning 4992..5056.
    assert_eq!(wheel.next_deadline(), Some(4_992));
    advance_collect(&mut wheel, 4_992);
    assert_eq!(wheel.next_deadline(), Some(5_000));

    // Following next_deadline reaches the timer in at most one step per level.
    let mut wheel = TimerWheel::new();
    let deadline = 123_456_789_012;
    wheel.insert(deadline, ());
    let mut steps = 0;
    while let Some(next) = wheel.next_deadline() {
        assert!(next <= deadline && next >= wheel.now());
        let fired = advance_collect(&mut wheel, next);
        steps += 1;
        assert_eq!(fired.len(), usize::from(next == deadline));
    }
    assert!(steps <= LEVELS, "took {steps} steps");
    assert_eq!(wheel.now(), deadline);
}

#[test]
fn long_jumps_over_empty_time_are_cheap() {
    // A year of 1 ms ticks per step, a million steps: stepping tick by tick (or slot by slot)
    // would never finish.
    const YEAR: u64 = 365 * 24 * 3_600 * 1_000;
    let mut wheel = TimerWheel::new();
    wheel.insert(u64::MAX, "end");
    let early = wheel.insert(YEAR * 500_000 + 17, "middle");
    for step in 1..=1_000_000u64 {
        let fired = advance_collect(&mut wheel, step * YEAR);
        if step == 500_000 {
            assert!(fired.is_empty());
        } else if step == 500_001 {
            assert_eq!(fired, vec!["middle"]);
        } else {
            assert!(fired.is_empty(), "step {step} fired {fired:?}");
        }
    }
    assert_eq!(wheel.remove(early), None);
    assert_eq!(wheel.len(), 1);
    assert_eq!(advance_collect(&mut wheel, u64::MAX), vec!["end"]);
}

#[test]
fn u64_max_deadline_never_fires_early() {
    let mut wheel = TimerWheel::new();
    wheel.insert(u64::MAX, 1);
    // Level 10, slot 15: the span of the top 4 bits.
    assert_eq!(wheel.next_deadline(), Some(15 << 60));
    assert!(advance_collect(&mut wheel, u64::MAX - 1).is_empty());
    assert!(advance_collect(&mut wheel, u64::MAX - 1).is_empty());
    assert_eq!(wheel.next_deadline(), Some(u64::MAX));
    assert_eq!(advance_collect(&mut wheel, u64::MAX), vec![1]);
    // At the end of time, everything is due at once.
    wheel.insert(5, 2);
    wheel.insert(u64::MAX, 3);
    assert_eq!(advance_collect(&mut wheel, u64::MAX), vec![2, 3]);
}

#[test]
fn advancing_backwards_is_a_no_op() {
    let mut wheel = TimerWheel::new();
    wheel.insert(150, "a");
    advance_collect(&mut wheel, 100);
    assert!(advance_collect(&mut wheel, 50).is_empty());
    assert_eq!(wheel.now(), 100);
    assert_eq!(advance_collect(&mut wheel, 150), vec!["a"]);
}

#[test]
fn same_tick_keeps_insertion_order_across_levels() {
    // 4165 = 1 * 4096 + 1 * 64 + 5: reachable from level 2, 1 and 0 depending on `now`.
    const DEADLINE: u64 = 4_165;
    let mut wheel = TimerWheel::new();
    wheel.insert(DEADLINE, "level 2 at tick 0");
    wheel.insert(DEADLINE + 1, "one tick later");
    wheel.advance(4_000, |_| unreachable!());
    wheel.insert(DEADLINE, "level 2 at tick 4000");
    wheel.advance(4_096, |_| unreachable!());
    wheel.insert(DEADLINE, "level 1 at tick 4096");
    wheel.advance(4_160, |_| unreachable!());
    wheel.insert(DEADLINE, "level 0 at tick 4160");
    wheel.insert(DEADLINE - 1, "one tick earlier");
    assert_eq!(
        advance_collect(&mut wheel, 10_000),
        vec![
            "one tick earlier",
            "level 2 at tick 0",
            "level 2 at tick 4000",
            "level 1 at tick 4096",
            "level 0 at tick 4160",
            "one tick later",
        ]
    );

    // The same through the overflow levels, with a deadline 2^40 + 2^20 + 3 ticks out.
    let deadline = (1u64 << 40) + (1 << 20) + 3;
    let mut wheel = TimerWheel::new();
    let mut expected = Vec::new();
    for (n, now) in [0, 1 << 39, 1 << 40, (1 << 40) + (1 << 20), deadline - 1]
        .into_iter()
        .enumerate()
    {
        wheel.advance(now, |_| unreachable!());
        wheel.insert(deadline, n);
        expected.push(n);
    }
    assert_eq!(advance_collect(&mut wheel, deadline), expected);
}

#[test]
fn a_panicking_fire_leaves_the_rest_pending() {
    let mut wheel = TimerWheel::new();
    for n in 0..4 {
        wheel.insert(10, n);
    }
    wheel.insert(20, 4);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wheel.advance(30, |n| assert_ne!(n, 1, "fire panics on 1"))
    }));
    assert!(outcome.is_err());
    assert_eq!(wheel.len(), 3, "0 and 1 are gone, the rest wait");
    assert_eq!(advance_collect(&mut wheel, 30), vec![2, 3, 4]);
}

#[test]
fn a_million_timers_fire_in_order_or_are_removed() {
    const COUNT: u64 = 1_000_000;
    let mut wheel = TimerWheel::new();
    // A deterministic spread of deadlines over about 3 hours of 1 ms ticks.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let keys: Vec<_> = (0..COUNT)
        .map(|n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let deadline = state % 10_000_000;
            (wheel.insert(deadline, (deadline, n)), deadline)
        })
        .collect();
    assert_eq!(wheel.len(), COUNT as usize);
    // Cancel every third one, as most sleeps are cancelled before they fire.
    let mut removed = 0;
    for (n, &(key, deadline)) in keys.iter().enumerate() {
        if n % 3 == 0 {
            assert_eq!(wheel.remove(key), Some((deadline, n as u64)));
            removed += 1;
        }
    }
    assert_eq!(wheel.len(), (COUNT - removed) as usize);

    let mut fired = 0u64;
    let mut last = (0, 0);
    let mut tick = 0;
    while let Some(next) = wheel.next_deadline() {
        tick = next.max(tick + 997);
        wheel.advance(tick, |(deadline, n)| {
            assert!(deadline <= tick, "fired early");
            assert!((deadline, n) > last, "out of order");
            assert_ne!(n % 3, 0, "a removed timer fired");
            last = (deadline, n);
            fired += 1;
        });
    }
    assert_eq!(fired, COUNT - removed);
    assert!(wheel.is_empty());
    // The slab is warm: a second million reuses it.
    let capacity = wheel.slab.capacity();
    for n in 0..COUNT {
        wheel.insert(tick + n % 5_000, (0, n));
    }
    assert_eq!(wheel.slab.capacity(), capacity);
    let mut count = 0;
    wheel.advance(u64::MAX, |_| count += 1);
    assert_eq!(count, COUNT);
}

mod model {
    //! The property test: random inserts, removes and advances (small steps, level
    //! boundaries, huge jumps, `u64::MAX`) against a `BTreeMap` keyed by (due tick, insertion
    //! number).
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::Index;

    /// How an inserted timer's deadline is chosen, relative to the wheel's `now`.
    #[derive(Clone, Debug)]
    enum Deadline {
        /// `now + n`.
        Soon(u64),
        /// `now + 64^level + delta`: right around a level boundary.
        NearBoundary(u32, i64),
        /// `now - n`: already past.
        Past(u64),
        /// An absolute tick anywhere in `u64`.
        Anywhere(u64),
        /// `u64::MAX`.
        Max,
        /// The deadline of an earlier timer, so that one tick collects timers inserted at
        /// different levels.
        SameAs(Index),
    }

    /// One step of a test case.
    #[derive(Clone, Debug)]
    enum Op {
        /// Insert a timer.
        Insert(Deadline),
        /// Remove the timer of an earlier key (pending, fired or removed).
        Remove(Index),
        /// Read a timer's value through `get_mut`.
        GetMut(Index),
        /// Advance by a small amount.
        AdvanceBy(u64),
        /// Advance to around the next level boundary.
        AdvanceNearBoundary(u32, i64),
        /// Advance to an absolute tick (a no-op when it is behind).
        AdvanceTo(u64),
        /// Advance to exactly `next_deadline()`.
        AdvanceToNextDeadline,
    }

    fn deadline() -> impl Strategy<Value = Deadline> {
        prop_oneof![
            4 => (0u64..300).prop_map(Deadline::Soon),
            3 => (0u32..LEVELS as u32, -2i64..=2).prop_map(|(l, d)| Deadline::NearBoundary(l, d)),
            1 => (1u64..300).prop_map(Deadline::Past),
            1 => any::<u64>().prop_map(Deadline::Anywhere),
            1 => Just(Deadline::Max),
            3 => any::<Index>().prop_map(Deadline::SameAs),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => deadline().prop_map(Op::Insert),
            3 => any::<Index>().prop_map(Op::Remove),
            1 => any::<Index>().prop_map(Op::GetMut),
            3 => (0u64..200).prop_map(Op::AdvanceBy),
            // Jumps of every size, from one tick to most of the `u64` range.
            1 => (0u32..64, 0u64..1_000).prop_map(|(bits, jitter)| {
                Op::AdvanceBy((1u64 << bits).saturating_add(jitter))
            }),
            2 => (1u32..LEVELS as u32, -2i64..=2)
                .prop_map(|(l, d)| Op::AdvanceNearBoundary(l, d)),
            1 => any::<u64>().prop_map(Op::AdvanceTo),
            2 => Just(Op::AdvanceToNextDeadline),
        ]
    }

    /// `base + 64^level + delta`, saturating at both ends of `u64`.
    fn near_boundary(base: u64, level: u32, delta: i64) -> u64 {
        let span = 1u64.checked_shl(level * SLOT_BITS).unwrap_or(u64::MAX);
        base.saturating_add(span).saturating_add_signed(delta)
    }

    /// The wheel's expected behaviour.
    #[derive(Default)]
    struct Model {
        /// Pending timers by (due tick, insertion number) -> value.
        pending: BTreeMap<(u64, u64), u64>,
        /// Every key handed out, with the model's name for it.
        keys: Vec<(TimerKey, (u64, u64))>,
        /// The current tick.
        now: u64,
    }

    impl Model {
        fn advance(&mut self, tick: u64) -> Vec<u64> {
            if tick < self.now {
                return Vec::new();
            }
            self.now = tick;
            let later = match tick.checked_add(1) {
                Some(after) => self.pending.split_off(&(after, 0)),
                None => BTreeMap::new(),
            };
            std::mem::replace(&mut self.pending, later)
                .into_values()
                .collect()
        }
    }

    fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
        let mut wheel = TimerWheel::new();
        let mut model = Model::default();
        for (seq, op) in (0u64..).zip(ops) {
            let advance_to = match op {
                Op::Insert(deadline) => {
                    let tick = match deadline {
                        Deadline::Soon(n) => model.now.saturating_add(n),
                        Deadline::NearBoundary(level, delta) => {
                            near_boundary(model.now, level, delta)
                        }
                        Deadline::Past(n) => model.now.saturating_sub(n),
                        Deadline::Anywhere(tick) => tick,
                        Deadline::Max => u64::MAX,
                        Deadline::SameAs(index) if !model.keys.is_empty() => {
                            model.keys[index.index(model.keys.len())].1 .0
                        }
                        Deadline::SameAs(_) => model.now,
                    };
                    let key = wheel.insert(tick, seq);
                    // A past deadline is due now, behind what is already due now.
                    let name = (tick.max(model.now), seq);
                    model.pending.insert(name, seq);
                    model.keys.push((key, name));
                    None
                }
                Op::Remove(index) if !model.keys.is_empty() => {
                    let (key, name) = model.keys[index.index(model.keys.len())];
                    prop_assert_eq!(wheel.remove(key), model.pending.remove(&name));
                    None
                }
                Op::GetMut(index) if !model.keys.is_empty() => {
                    let (key, name) = model.keys[index.index(model.keys.len())];
                    prop_assert_eq!(
                        wheel.get_mut(key).copied(),
                        model.pending.get(&name).copied()
                    );
                    None
                }
                Op::Remove(_) | Op::GetMut(_) => None,
                Op::AdvanceBy(n) => Some(model.now.saturating_add(n)),
                Op::AdvanceNearBoundary(level, delta) => {
                    // Round down to the level's span, then step one span on.
                    let span_start = model.now & (u64::MAX << (level * SLOT_BITS));
                    Some(near_boundary(span_start, level, delta))
                }
                Op::AdvanceTo(tick) => Some(tick),
                Op::AdvanceToNextDeadline => wheel.next_deadline(),
            };
            if let Some(tick) = advance_to {
                let fired = advance_collect(&mut wheel, tick);
                prop_assert_eq!(fired, model.advance(tick), "advancing to {}", tick);
            }
            prop_assert_eq!(wheel.now(), model.now);
            prop_assert_eq!(wheel.len(), model.pending.len());
            prop_assert_eq!(wheel.is_empty(), model.pending.is_empty());
            match (wheel.next_deadline(), model.pending.keys().next()) {
                (None, None) => {}
                (Some(next), Some(&(earliest, _))) => {
                    prop_assert!(
                        next <= earliest,
                        "next_deadline {} > earliest {}",
                        next,
                        earliest
                    );
                    prop_assert!(
                        next >= model.now,
                        "next_deadline {} < now {}",
                        next,
                        model.now
                    );
                }
                (next, earliest) => {
                    prop_assert!(
                        false,
                        "next_deadline {:?} but earliest {:?}",
                        next,
                        earliest
                    )
                }
            }
        }
        // Drain: everything left fires in order at the end of time.
        prop_assert_eq!(
            advance_collect(&mut wheel, u64::MAX),
            model.advance(u64::MAX)
        );
        prop_assert!(wheel.is_empty());
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn wheel_matches_btreemap_model(ops in prop::collection::vec(op(), 1..300)) {
            run(ops)?;
        }
    }
}
