"""The corio benchmark workloads on Python's asyncio, for the README's table.

Each workload mirrors the criterion bench of the same name in ../benches/*.rs, so a reader
of the tutorial can see what the same program costs on asyncio. Prints one JSON object,
{"workload": median_seconds, ...}, on stdout.

    python3 benches/asyncio/workloads.py [--runs N] [--only NAME ...]
"""

import argparse
import asyncio
import json
import statistics
import sys
import time


async def spawn_many():
    # 10k empty tasks spawned, then each awaited.
    async def empty():
        return None

    tasks = [asyncio.create_task(empty()) for _ in range(10_000)]
    for t in tasks:
        await t


async def yield_many():
    # 200 tasks x 1000 yields.
    async def yielder():
        for _ in range(1000):
            await asyncio.sleep(0)

    await asyncio.gather(*(yielder() for _ in range(200)))


async def ping_pong():
    # 1000 tasks; each spawns a peer and exchanges two oneshot messages with it.
    loop = asyncio.get_running_loop()

    async def peer(ping, pong):
        await ping
        pong.set_result(None)

    async def pinger():
        ping, pong = loop.create_future(), loop.create_future()
        peer_task = asyncio.create_task(peer(ping, pong))
        ping.set_result(None)
        await pong
        await peer_task

    await asyncio.gather(*(pinger() for _ in range(1000)))


async def chained_spawn():
    # A chain of 1000 tasks, each spawning the next.
    done = asyncio.get_running_loop().create_future()

    def link(n):
        async def body():
            if n == 0:
                done.set_result(None)
            else:
                asyncio.create_task(link(n - 1))

        return body()

    asyncio.create_task(link(1000))
    await done


async def timer_cancel():
    # 100k sleeps of 1-6 s, polled once, then dropped (cancelled).
    tasks = [asyncio.create_task(asyncio.sleep(1 + i % 6)) for i in range(100_000)]
    await asyncio.sleep(0)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def timer_fire():
    # 100k tasks, each sleeping 1 or 2 ms. gather wraps each sleep() in a task, and the
    # sleep's timer is made when that task first runs, as in the Rust workload.
    await asyncio.gather(*(asyncio.sleep(0.001 + (i % 2) / 1000) for i in range(100_000)))


async def mutex_uncontended():
    # 1M lock + unlock in one task.
    lock = asyncio.Lock()
    for _ in range(1_000_000):
        async with lock:
            pass


async def mutex_contended():
    # 100 tasks x 1000, each holding the lock across a yield.
    lock = asyncio.Lock()

    async def worker():
        for _ in range(1000):
            async with lock:
                await asyncio.sleep(0)

    await asyncio.gather(*(worker() for _ in range(100)))


async def semaphore():
    # 1000 tasks x 10 acquires of a 10-permit semaphore, each holding across a yield.
    sem = asyncio.Semaphore(10)

    async def worker():
        for _ in range(10):
            async with sem:
                await asyncio.sleep(0)

    await asyncio.gather(*(worker() for _ in range(1000)))


async def event_broadcast():
    # 10k waiters, one set.
    event = asyncio.Event()
    waiters = [asyncio.create_task(event.wait()) for _ in range(10_000)]
    await asyncio.sleep(0)
    event.set()
    await asyncio.gather(*waiters)


async def queue_ping():
    # A producer/consumer pair, 1M items through a bounded queue of 64.
    queue = asyncio.Queue(64)

    async def producer():
        for i in range(1_000_000):
            await queue.put(i)

    async def consumer():
        for _ in range(1_000_000):
            await queue.get()

    await asyncio.gather(producer(), consumer())


async def taskgroup_10k():
    # A TaskGroup of 10k trivial children.
    async def child():
        return None

    async with asyncio.TaskGroup() as tg:
        for _ in range(10_000):
            tg.create_task(child())


WORKLOADS = {
    f.__name__: f
    for f in [
        spawn_many,
        yield_many,
        ping_pong,
        chained_spawn,
        timer_cancel,
        timer_fire,
        mutex_uncontended,
        mutex_contended,
        semaphore,
        event_broadcast,
        queue_ping,
        taskgroup_10k,
    ]
}


def median_seconds(workload, runs):
    """Median wall time of `runs` runs, each on a fresh event loop like asyncio.run."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        asyncio.run(workload())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per workload (default 5)")
    parser.add_argument("--only", nargs="*", choices=sorted(WORKLOADS), help="workloads to run")
    args = parser.parse_args()
    names = args.only or list(WORKLOADS)
    results = {}
    for name in names:
        results[name] = median_seconds(WORKLOADS[name], args.runs)
        print(f"asyncio {name}: {results[name] * 1e3:.2f} ms", file=sys.stderr)
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
