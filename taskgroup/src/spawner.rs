//! Which executor children run on: [`DefaultSpawner`] (the current corio runtime, with the
//! `corio` feature) and the glue that hands a child to any `Spawn` / `LocalSpawn`.

use std::future::Future;

use futures_task::{FutureObj, LocalFutureObj, LocalSpawn, Spawn};

use crate::error::SpawnError;

/// The spawner a [`TaskGroup`](crate::TaskGroup) uses unless given another one: the current
/// corio runtime's [`Handle`](corio_executor::Handle).
#[cfg(feature = "corio")]
pub type DefaultSpawner = corio_executor::Handle;

/// Without the `corio` feature there is no default spawner: build groups with
/// [`TaskGroup::with_spawner`](crate::TaskGroup::with_spawner). This type has no values.
#[cfg(not(feature = "corio"))]
#[derive(Debug, Clone, Copy)]
pub enum DefaultSpawner {}

/// The current corio runtime's handle, or a panic that names the mistake.
#[cfg(feature = "corio")]
pub(crate) fn current_runtime(what: &str) -> corio_executor::Handle {
    corio_executor::Handle::try_current().unwrap_or_else(|| {
        panic!(
            "{what} was called outside a corio runtime: call it inside `corio_executor::run`, \
             or pass a spawner for your executor explicitly"
        )
    })
}

/// Spawns with corio's native `Handle::spawn` (one allocation, no `FutureObj` box),
/// refusing like `Spawn` does once the runtime has shut down. The task's output is the
/// child's outcome, read through the returned `JoinHandle`.
///
/// A `name` goes to corio's task when spawned on the runtime's own thread (through
/// `task::TaskBuilder`, which spawns only there); from another thread corio has no named spawn,
/// and the name stays with the child's handle only.
#[cfg(feature = "corio")]
pub(crate) fn spawn_native<F>(
    runtime: &corio_executor::Handle,
    name: Option<&str>,
    task: F,
) -> Result<corio_executor::JoinHandle<F::Output>, SpawnError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Spawn::status(runtime)?;
    match name {
        Some(name) if runtime.is_current() => Ok(corio_executor::task::TaskBuilder::new()
            .name(name)
            .spawn(task)),
        _ => Ok(runtime.spawn(task)),
    }
}

pub(crate) fn spawn_send<S, F>(spawner: &S, task: F) -> Result<(), SpawnError>
where
    S: Spawn + ?Sized,
    F: Future<Output = ()> + Send + 'static,
{
    spawner
        .spawn_obj(FutureObj::new(Box::new(task)))
        .map_err(SpawnError::from)
}

pub(crate) fn spawn_local<S, F>(spawner: &S, task: F) -> Result<(), SpawnError>
where
    S: LocalSpawn + ?Sized,
    F: Future<Output = ()> + 'static,
{
    spawner
        .spawn_local_obj(LocalFutureObj::new(Box::new(task)))
        .map_err(SpawnError::from)
}
