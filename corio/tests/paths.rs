//! The short paths the README's asyncio table gives, used as a program would use them.

use corio::sync::{Event, Mutex, Queue, Semaphore};
use corio::time::{sleep, timeout, Instant};
use corio::{JoinHandle, TaskGroup};
use std::sync::Arc;
use std::time::Duration;

#[corio::test(start_paused = true)]
async fn spawned_tasks_sleep_side_by_side_and_timeout_gives_up() {
    let start = Instant::now();
    let tasks: Vec<JoinHandle<u64>> = (1..=3)
        .map(|n| {
            corio::spawn(async move {
                sleep(Duration::from_secs(n)).await;
                n
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, 6);
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(3),
        "the sleeps overlapped"
    );

    let late = timeout(Duration::from_secs(1), sleep(Duration::from_secs(2))).await;
    assert!(late.is_err(), "a 2 s sleep does not fit in 1 s");
    assert_eq!(start.elapsed(), Duration::from_secs(4));
}

#[test]
fn run_debug_and_the_task_listing() {
    let names = corio::run_debug(async {
        corio::task::TaskBuilder::new()
            .name("listed")
            .spawn(std::future::pending::<()>());
        let tasks: Vec<corio::task::TaskSnapshot> = corio::Handle::current().tasks();
        let tree: corio::task::TaskTree = corio::Handle::current().dump_tree();
        assert!(tree.to_string().contains("'listed'"));
        tasks
            .iter()
            .map(|task| task.info().name().map(str::to_owned))
            .collect::<Vec<_>>()
    });
    assert_eq!(names, [Some("listed".to_owned())]);
}

#[test]
fn run_spawn_blocking_and_cancel() {
    let (sum, cancelled) = corio::run(async {
        let sum = corio::spawn_blocking(|| (1..=100u32).sum::<u32>())
            .await
            .unwrap();
        let forever = corio::spawn_local(std::future::pending::<()>());
        corio::yield_now().await;
        forever.cancel();
        (sum, forever.await.unwrap_err().is_cancelled())
    });
    assert_eq!(sum, 5050);
    assert!(cancelled);
}

#[corio::test]
async fn task_group_and_both_gathers() {
    let total = TaskGroup::<String>::scope(|tg| async move {
        let a = tg.spawn(async { Ok(20) }).unwrap();
        let b = tg.spawn(async { Ok(22) }).unwrap();
        Ok(a.await.unwrap() + b.await.unwrap())
    })
    .await;
    assert_eq!(total, Ok(42));

    let outputs = corio::gather((1..=3).map(|n| async move { Ok::<_, String>(n * 2) })).await;
    assert_eq!(outputs, Ok(vec![2, 4, 6]));

    let mixed = corio::gather!(async { Ok::<_, String>(1u8) }, async { Ok("two") }).await;
    assert_eq!(mixed, Ok((1u8, "two")));
}

#[corio::test]
async fn the_primitives_under_corio_sync() {
    let queue = Arc::new(Queue::new(2));
    let done = Arc::new(Event::new());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let permits = Arc::new(Semaphore::new(1));
    let consumer = corio::spawn({
        let (queue, done, seen, permits) =
            (queue.clone(), done.clone(), seen.clone(), permits.clone());
        async move {
            for _ in 0..3 {
                let item = queue.get().await.unwrap();
                let _permit = permits.acquire().await;
                seen.lock().await.push(item);
            }
            done.set();
        }
    });
    for item in ["a", "b", "c"] {
        queue.put(item).await.unwrap();
    }
    done.wait().await;
    consumer.await.unwrap();
    assert_eq!(*seen.lock().await, ["a", "b", "c"]);
}

#[cfg(feature = "io")]
#[corio::test]
async fn open_connection_and_start_server_at_the_root() {
    let server = corio::start_server(
        |mut reader: corio::streams::StreamReader, writer: corio::streams::StreamWriter| async move {
            let line = reader.readline().await.unwrap();
            writer.write(&line.to_ascii_uppercase()).unwrap();
            writer.drain().await.unwrap();
        },
        "127.0.0.1:0",
    )
    .await
    .unwrap();
    let (mut reader, writer) = corio::open_connection(server.sockets()[0]).await.unwrap();
    writer.write(b"ping\n").unwrap();
    let answer = timeout(Duration::from_secs(20), reader.readline()).await;
    assert_eq!(answer.expect("the server answers").unwrap(), b"PING\n");
}
