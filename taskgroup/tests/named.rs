//! Named children (asyncio's `create_task(coro, name=...)`): the child's handle keeps its
//! name; on corio's native path the corio task carries it too.

mod common;

use corio_taskgroup::TaskGroup;
use futures_task::Spawn;

async fn a_named_childs_handle_keeps_its_name<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = TaskGroup::<(), _>::with_spawner(spawner);
    let named = tg.spawn_named("fetch", async { Ok(1) }).unwrap();
    let from_handle = tg.handle().spawn_named("parse", async { Ok(2) }).unwrap();
    let unnamed = tg.spawn(async { Ok(3) }).unwrap();
    assert_eq!(named.name(), Some("fetch"));
    assert_eq!(from_handle.name(), Some("parse"));
    assert_eq!(unnamed.name(), None);
    assert!(format!("{named:?}").contains("fetch"));
    tg.wait().await.unwrap();
    // Still named once finished.
    assert_eq!(named.name(), Some("fetch"));
    assert_eq!(named.result(), Ok(1));
    assert_eq!(from_handle.result(), Ok(2));
}

on_every_executor!(a_named_childs_handle_keeps_its_name);

#[test]
fn a_named_local_child_keeps_its_name() {
    let mut pool = futures::executor::LocalPool::new();
    let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    let child = tg
        .spawn_local_named("local", async { Ok(std::rc::Rc::new(5)) })
        .unwrap();
    assert_eq!(child.name(), Some("local"));
    pool.run_until(tg.wait()).unwrap();
    assert_eq!(*child.result().unwrap(), 5);
}

/// On the native path the runtime knows the child by its name (`Runtime::live_tasks`).
#[cfg(feature = "corio")]
#[test]
fn a_named_native_child_is_a_named_corio_task() {
    let runtime = corio_executor::Runtime::new();
    runtime.block_on(async {
        let tg = TaskGroup::<()>::new();
        let (release, released) = futures::channel::oneshot::channel::<()>();
        let child = tg
            .spawn_named("worker", async move {
                let _ = released.await;
                Ok("worked")
            })
            .unwrap();
        assert_eq!(child.name(), Some("worker"));
        corio_executor::yield_now().await;
        let names: Vec<_> = runtime
            .live_tasks()
            .iter()
            .filter_map(|task| task.name().map(str::to_owned))
            .collect();
        assert_eq!(names, ["worker"]);
        release.send(()).unwrap();
        tg.wait().await.unwrap();
        assert_eq!(child.result(), Ok("worked"));
    });
}
