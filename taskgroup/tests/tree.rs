//! corio's task tree (`Handle::dump_tree`) with groups: a TaskGroup's children show under
//! the task that owns the group, also those a sibling spawned, and a nested group's under
//! the child that runs it; gather's children show under its caller; each child's spawn
//! location is the line that spawned it.

use corio_executor::task::{TaskBuilder, TaskInfo};
use corio_executor::time::sleep;
use corio_executor::{yield_now, Handle, Runtime};
use corio_taskgroup::{gather, TaskGroup};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(3600);

/// Each line of `tree` reduced to its drawing and the task's name (ids, states and
/// locations vary).
fn shape(tree: &str) -> Vec<String> {
    tree.lines()
        .skip(1)
        .map(|line| {
            let start = line.find("task ").expect("a task line");
            let name = line[start..].split('\'').nth(1).unwrap_or("<unnamed>");
            format!("{}{name}", &line[..start])
        })
        .collect()
}

#[test]
fn a_nested_groups_children_show_under_the_tasks_that_own_the_groups() {
    let rt = Runtime::builder().start_paused(true).build();
    rt.block_on(async {
        let supervisor = TaskBuilder::new().name("supervisor").spawn(async {
            TaskGroup::<()>::scope(|tg| async move {
                let sibling_spawner = tg.clone();
                tg.spawn_named("fetch", async move {
                    // A child adds a sibling: it belongs under the group's owner too.
                    sibling_spawner
                        .spawn_named("retry", async {
                            sleep(LONG).await;
                            Ok(())
                        })
                        .unwrap();
                    sleep(LONG).await;
                    Ok(())
                })
                .unwrap();
                tg.spawn_named("parse", async {
                    TaskGroup::<()>::scope(|inner| async move {
                        for name in ["parse-1", "parse-2"] {
                            inner
                                .spawn_named(name, async {
                                    sleep(LONG).await;
                                    Ok(())
                                })
                                .unwrap();
                        }
                        Ok(())
                    })
                    .await
                    .map_err(|_| ())
                })
                .unwrap();
                Ok(())
            })
            .await
        });
        for _ in 0..5 {
            yield_now().await;
        }
        let tree = Handle::current().dump_tree().to_string();
        assert_eq!(
            shape(&tree),
            [
                "supervisor",
                "├── fetch",
                "├── parse",
                "│   ├── parse-1",
                "│   └── parse-2",
                "└── retry",
            ],
            "{tree}"
        );
        assert!(
            tree.lines()
                .skip(1)
                .all(|line| line.contains(" [waiting] ")),
            "every task waits for a timer or its children:\n{tree}"
        );
        supervisor.cancel();
    });
}

#[test]
fn a_group_child_records_the_line_that_spawned_it_and_its_owner() {
    let rt = Runtime::builder().start_paused(true).build();
    rt.block_on(async {
        let owner = TaskBuilder::new().name("owner").spawn(async {
            let me = corio_executor::task::current().unwrap().id();
            let tg = TaskGroup::<()>::new();
            let job = async { Ok(corio_executor::task::current().unwrap()) };
            let (child, line) = (tg.spawn_named("child", job).unwrap(), line!());
            tg.wait().await.unwrap();
            let info: TaskInfo = child.result().unwrap();
            assert_eq!(info.name(), Some("child"));
            assert_eq!(info.parent(), Some(me));
            assert_eq!(
                (info.spawned_at().file(), info.spawned_at().line()),
                (file!(), line)
            );
        });
        owner.await.unwrap();
    });
}

#[test]
fn gathers_children_show_under_its_caller() {
    let rt = Runtime::builder().start_paused(true).build();
    rt.block_on(async {
        let caller = TaskBuilder::new().name("caller").spawn(async {
            let (outputs, line) = (
                gather((0..2).map(|_| async { Ok::<_, ()>(corio_executor::task::current()) })),
                line!(),
            );
            let me = corio_executor::task::current().unwrap().id();
            for info in outputs.await.unwrap() {
                let info = info.unwrap();
                assert_eq!(info.parent(), Some(me));
                assert_eq!(info.spawned_at().line(), line - 1, "the gather call");
            }
        });
        caller.await.unwrap();
    });
}
