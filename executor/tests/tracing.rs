//! The `tracing` feature: each task is a span named `task` with its id and name, entered on
//! each of its polls, so a tracing subscriber sees corio's tasks.
#![cfg(feature = "tracing")]

use corio_executor::task::TaskBuilder;
use corio_executor::{run, yield_now};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span as the recorder saw it made: id, name, `field=value` list.
type SpanRecord = (u64, String, Vec<String>);

/// A subscriber that records each span's name and fields, and each entry into a span.
#[derive(Clone, Default)]
struct Recorder {
    next_id: Arc<AtomicU64>,
    spans: Arc<Mutex<Vec<SpanRecord>>>,
    entered: Arc<Mutex<Vec<u64>>>,
}

struct Fields<'a>(&'a mut Vec<String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Vec::new();
        span.record(&mut Fields(&mut fields));
        let name = span.metadata().name().to_owned();
        self.spans.lock().unwrap().push((id, name, fields));
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, span: &Id) {
        self.entered.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, _: &Id) {}
}

#[test]
fn each_task_is_a_span_entered_on_each_poll() {
    let recorder = Recorder::default();
    let task_id = tracing::subscriber::with_default(recorder.clone(), || {
        run(async {
            let job = TaskBuilder::new().name("traced").spawn(async {
                yield_now().await;
                yield_now().await;
            });
            let id = job.id();
            job.await.unwrap();
            id
        })
    });
    let spans = recorder.spans.lock().unwrap().clone();
    let (span, _, fields) = spans
        .iter()
        .find(|(_, name, fields)| {
            name == "task" && fields.iter().any(|field| field == "task.name=\"traced\"")
        })
        .unwrap_or_else(|| panic!("no span for the task: {spans:?}"));
    assert!(fields.contains(&format!("task.id={task_id}")), "{fields:?}");
    let entries = recorder
        .entered
        .lock()
        .unwrap()
        .iter()
        .filter(|entered| *entered == span)
        .count();
    assert_eq!(entries, 3, "one entry per poll: two yields, then the end");
}
