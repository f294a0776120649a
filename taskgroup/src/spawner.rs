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
