//! GroupError: every error in order, a Display that lists them, std::error::Error.

use std::error::Error;
use std::fmt;

use corio_taskgroup::TaskGroup;

#[derive(Debug, PartialEq)]
struct Failure(&'static str);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failure {}", self.0)
    }
}

impl Error for Failure {}

/// The body's error cancels its child before that child ever runs: one error, listed in the
/// Display, and the error's source.
#[test]
fn display_and_source_name_the_error() {
    let mut pool = futures::executor::LocalPool::new();
    let group = TaskGroup::<Failure, _>::with_spawner(pool.spawner());
    let error = pool
        .run_until(group.run(|tg| async move {
            tg.spawn(async { Err::<(), _>(Failure("child")) }).unwrap();
            Err::<(), _>(Failure("body"))
        }))
        .unwrap_err();
    assert_eq!(error.errors(), [Failure("body")]);
    assert_eq!(
        error.to_string(),
        "task group failed with 1 error: [1] failure body"
    );
    assert_eq!(error.source().unwrap().to_string(), "failure body");
}

#[test]
fn display_of_several_errors() {
    let pool = futures::executor::ThreadPool::builder()
        .pool_size(2)
        .create()
        .unwrap();
    let tg = TaskGroup::<Failure, _>::with_spawner(pool);
    let both_polling = std::sync::Arc::new(std::sync::Barrier::new(2));
    for name in ["a", "b"] {
        let both_polling = both_polling.clone();
        tg.spawn(async move {
            both_polling.wait();
            Err::<(), _>(Failure(name))
        })
        .unwrap();
    }
    let error = futures::executor::block_on(tg.wait()).unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("task group failed with 2 errors: [1] failure "),
        "{text}"
    );
    assert!(text.contains("[2] failure "), "{text}");
    // Boxed as a trait object, like any std error.
    let boxed: Box<dyn Error + Send + Sync> = Box::new(error);
    assert!(boxed.to_string().contains("2 errors"));
}
