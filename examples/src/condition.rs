//! Lesson: a [`Condition`] waits for a state, not for a moment.
//!
//! A counter (a `Vec` of dishes behind the condition's `Mutex`), three diners and a cook.
//! A diner takes the lock and calls `wait_for(guard, predicate)`: while there is no dish it
//! releases the lock and sleeps until notified, then takes the lock back and checks again.
//! `notify(1)` wakes the diner who has waited longest; `notify_all()` wakes them all, and
//! the ones who find nothing left simply wait again.

use std::sync::Arc;
use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::sleep;
use corio_sync::{Condition, Mutex};

use crate::timeline::Timeline;

/// One diner: waits until a dish is on the counter and takes it.
async fn diner(timeline: Timeline, number: u32, counter: Arc<Condition<Vec<&'static str>>>) {
    let name = format!("diner {number}");
    let guard = counter.lock().await;
    let mut guard = counter
        .wait_for(guard, |dishes| {
            if dishes.is_empty() {
                timeline.log(
                    &name,
                    "no dish on the counter, waits (the lock is released)",
                );
            }
            !dishes.is_empty()
        })
        .await;
    let dish = guard.remove(0);
    timeline.log(&name, format!("takes the {dish}"));
}

/// The cook puts `dish` on the counter and wakes `wake_all` or one diner.
async fn serve(
    timeline: &Timeline,
    counter: &Condition<Vec<&'static str>>,
    dish: &'static str,
    wake_all: bool,
) {
    let mut dishes = counter.lock().await;
    dishes.push(dish);
    if wake_all {
        timeline.log(
            "cook",
            format!("puts a {dish} on the counter, notify_all()"),
        );
        counter.notify_all().expect("the cook holds the lock");
    } else {
        timeline.log("cook", format!("puts a {dish} on the counter, notify(1)"));
        counter.notify(1).expect("the cook holds the lock");
    }
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{condition, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { condition::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    let counter = Arc::new(Condition::new(Mutex::new(Vec::new())));
    let diners: Vec<_> = (1..=3)
        .map(|n| spawn(diner(timeline.clone(), n, counter.clone())))
        .collect();

    for (dish, wake_all) in [("soup", false), ("salad", true), ("bread", false)] {
        sleep(Duration::from_millis(300)).await;
        serve(&timeline, &counter, dish, wake_all).await;
    }

    for handle in diners {
        handle
            .await
            .expect("a diner neither panics nor is cancelled");
    }
}
