//! Misuse panics with a message that names the mistake, never a hang.

use corio_executor::{run, spawn, spawn_blocking, spawn_local, Handle, Runtime};

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

#[test]
fn spawn_outside_a_runtime() {
    let message = panic_message(|| drop(spawn(async {})));
    assert!(
        message.contains("spawn called outside a corio runtime"),
        "{message}"
    );
    let message = panic_message(|| drop(spawn_local(async {})));
    assert!(
        message.contains("spawn_local called outside a corio runtime"),
        "{message}"
    );
    let message = panic_message(|| drop(spawn_blocking(|| ())));
    assert!(
        message.contains("spawn_blocking called outside a corio runtime"),
        "{message}"
    );
    let message = panic_message(|| drop(Handle::current()));
    assert!(message.contains("outside a corio runtime"), "{message}");
}

#[test]
fn block_on_inside_the_running_loop() {
    let message = panic_message(|| {
        run(async {
            run(async {});
        })
    });
    assert!(
        message.contains("block_on called from inside a running corio runtime"),
        "{message}"
    );
}

#[test]
fn the_runtime_is_usable_after_a_panicking_block_on() {
    let rt = Runtime::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { panic!("main failed") })
    }));
    assert!(result.is_err());
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn a_runtime_dropped_inside_another_runtime_shuts_down_cleanly() {
    run(async {
        let inner = Runtime::new();
        inner.handle().spawn(std::future::pending::<()>());
        drop(inner);
        corio_executor::yield_now().await;
    });
}
