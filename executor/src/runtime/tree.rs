//! The task tree ([`Handle::dump_tree`](super::Handle::dump_tree)): live tasks drawn under
//! their parents, one line each with id, name, state, polls and spawn location. A task's
//! parent is the task that was polled when it was spawned (a TaskGroup's children: the
//! task that owns the group); tasks spawned by the future given to `block_on`, from other
//! threads, or whose parent has finished, are roots.

use super::task::TaskSnapshot;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A printable tree of a runtime's live tasks by parent, from
/// [`Handle::dump_tree`](crate::Handle::dump_tree); `Display` draws it.
///
/// ```
/// use corio_executor::task::TaskBuilder;
/// corio_executor::run(async {
///     let parent = TaskBuilder::new().name("parent").spawn(async {
///         TaskBuilder::new().name("child").spawn(std::future::pending::<()>());
///         std::future::pending::<()>().await
///     });
///     corio_executor::yield_now().await; // the parent runs and spawns its child
///     let tree = corio_executor::Handle::current().dump_tree().to_string();
///     let lines: Vec<&str> = tree.lines().collect();
///     assert_eq!(lines[0], "2 live tasks");
///     assert!(lines[1].starts_with(&format!("task {} 'parent' [waiting]", parent.id())));
///     assert!(lines[2].starts_with("└── task "), "{tree}");
///     assert!(lines[2].contains("'child' [ready]"), "{tree}");
/// });
/// ```
#[derive(Debug, Clone)]
pub struct TaskTree {
    tasks: Vec<TaskSnapshot>,
}

impl TaskTree {
    pub(crate) fn new(tasks: Vec<TaskSnapshot>) -> TaskTree {
        TaskTree { tasks }
    }

    /// The tasks the tree draws, in spawn order.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let first = corio_executor::spawn(std::future::pending::<()>());
    ///     let second = corio_executor::spawn(std::future::pending::<()>());
    ///     let tree = corio_executor::Handle::current().dump_tree();
    ///     let ids: Vec<u64> = tree.tasks().iter().map(|task| task.info().id()).collect();
    ///     assert_eq!(ids, [first.id(), second.id()]);
    /// });
    /// ```
    pub fn tasks(&self) -> &[TaskSnapshot] {
        &self.tasks
    }
}

impl fmt::Display for TaskTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.tasks.len();
        writeln!(f, "{count} live task{}", if count == 1 { "" } else { "s" })?;
        let live: BTreeSet<u64> = self.tasks.iter().map(|task| task.info().id()).collect();
        let mut children: BTreeMap<Option<u64>, Vec<&TaskSnapshot>> = BTreeMap::new();
        for task in &self.tasks {
            let parent = task.info().parent().filter(|parent| live.contains(parent));
            children.entry(parent).or_default().push(task);
        }
        let roots = children.get(&None).cloned().unwrap_or_default();
        for root in roots {
            draw(f, root, &children, "", None)?;
        }
        Ok(())
    }
}

/// Draws `task` and, below it, its children. `last` is `None` for a root, else whether
/// `task` is its parent's last child.
fn draw(
    f: &mut fmt::Formatter<'_>,
    task: &TaskSnapshot,
    children: &BTreeMap<Option<u64>, Vec<&TaskSnapshot>>,
    indent: &str,
    last: Option<bool>,
) -> fmt::Result {
    let (branch, below) = match last {
        None => ("", String::new()),
        Some(true) => ("└── ", format!("{indent}    ")),
        Some(false) => ("├── ", format!("{indent}│   ")),
    };
    let info = task.info();
    write!(f, "{indent}{branch}task {}", info.id())?;
    if let Some(name) = info.name() {
        write!(f, " '{name}'")?;
    }
    let at = info.spawned_at();
    writeln!(
        f,
        " [{}] polls: {}, spawned at {}:{}",
        task.state(),
        task.polls(),
        at.file(),
        at.line()
    )?;
    if let Some(kids) = children.get(&Some(info.id())) {
        for (i, kid) in kids.iter().enumerate() {
            draw(f, kid, children, &below, Some(i + 1 == kids.len()))?;
        }
    }
    Ok(())
}
