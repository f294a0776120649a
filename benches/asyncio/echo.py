"""TCP echo on loopback on Python's asyncio and on uvloop, for the README's Python column.

How to run (uvloop from PyPI: `pip install uvloop`):

    python3 benches/asyncio/echo.py                  # asyncio's own loop
    python3 benches/asyncio/echo.py --loop uvloop    # the same server on uvloop
    python3 benches/asyncio/echo.py --connect 127.0.0.1:8888   # any running echo server

Prints one JSON object on stdout, {"echo_ping_pong": s, "echo_stream": s}: the median
seconds per iteration, where an iteration is what it is in benches/benches/echo.rs (the
same file format as workloads.py, for bench-table's --asyncio), and a readable summary on
stderr.

What it measures. The server is the same program as the Rust benches' servers, in asyncio's
streams API: a task per connection reading up to 16 KiB and writing it all back
(`writer.write(data); await writer.drain()`), TCP_NODELAY on (asyncio's default). It runs in
a child process of its own (`--serve`), one thread, so it has a core to itself as each Rust
server has its own thread. The client is this script, in the parent process: not the Rust
bench's mio client (that bench cannot drive a server outside its own process), but the same
work in plain non-blocking sockets and epoll, no event loop:

- echo_ping_pong: 50 connections, each sending a 64-byte message and waiting for the whole
  echo before sending the next. One iteration is one round trip on each of the 50
  connections (criterion's element count there: 50). The p99 round trip is printed too.
- echo_stream: one connection writing 64 KiB chunks while reading the echo back. One
  iteration is 1 MiB echoed.

The client is CPython too, so it can be the bottleneck instead of the server. It reports
how busy it was (its CPU time over wall time): near 100% means the numbers are a bound on
the client, not the server's speed. To see what the client itself can do, point it at a
fast server: `cargo run --release -p corio-examples --example echo_server` and
`python3 benches/asyncio/echo.py --connect 127.0.0.1:8888` (that server reads 64 KiB at a
time; the benches' servers read 16 KiB).
"""

import argparse
import asyncio
import json
import select
import socket
import statistics
import subprocess
import sys
import time

CONNECTIONS = 50
MESSAGE = 64
STREAM_WRITE = 64 * 1024
STREAM_PER_ITER = 1 << 20
BUF = 16 * 1024


# ---- The server (child process) ----


async def echo(reader, writer):
    try:
        while True:
            data = await reader.read(BUF)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


def run_server(loop_name):
    if loop_name == "uvloop":
        import uvloop

        uvloop.run(serve())
    else:
        asyncio.run(serve())


def start_server(loop_name):
    """The server in a child process; returns the process and its address."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--loop", loop_name],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline()
    if not line:
        child.wait()
        sys.exit(f"echo.py: the {loop_name} server did not start")
    return child, ("127.0.0.1", int(line))


# ---- The client (this process) ----


class Client:
    def __init__(self, addr, connections):
        self.epoll = select.epoll()
        self.conns = []
        for _ in range(connections):
            conn = socket.create_connection(addr)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.setblocking(False)
            self.epoll.register(conn.fileno(), select.EPOLLIN)
            self.conns.append(conn)
        self.index = {conn.fileno(): i for i, conn in enumerate(self.conns)}

    def close(self):
        for conn in self.conns:
            conn.close()
        self.epoll.close()

    def ping_pong(self, rounds, latencies):
        """Each connection does `rounds` round trips; returns the wall time."""
        n = len(self.conns)
        message = b"\x07" * MESSAGE
        left = [rounds] * n
        got = [0] * n
        sent_at = [0.0] * n
        start = time.perf_counter()
        for i, conn in enumerate(self.conns):
            conn.sendall(message)  # 64 bytes to an idle socket: always fits at once
            sent_at[i] = time.perf_counter()
        active = n
        while active:
            for fd, _ in self.epoll.poll():
                i = self.index[fd]
                if not left[i]:
                    continue
                conn = self.conns[i]
                while True:
                    try:
                        data = conn.recv(MESSAGE - got[i])
                    except BlockingIOError:
                        break
                    if not data:
                        sys.exit("echo.py: the server closed a connection")
                    got[i] += len(data)
                    if got[i] < MESSAGE:
                        continue
                    got[i] = 0
                    now = time.perf_counter()
                    latencies.append(now - sent_at[i])
                    left[i] -= 1
                    if not left[i]:
                        active -= 1
                        break
                    conn.sendall(message)
                    sent_at[i] = time.perf_counter()
        return time.perf_counter() - start

    def stream(self, total):
        """Streams `total` bytes through the first connection while reading the echo back;
        returns the wall time until the last byte is back."""
        conn = self.conns[0]
        fd = conn.fileno()
        chunk = memoryview(b"\x03" * STREAM_WRITE)
        sent = received = 0
        start = time.perf_counter()
        while received < total:
            progress = False
            while sent < total:
                try:
                    k = conn.send(chunk[: min(total - sent, STREAM_WRITE)])
                except BlockingIOError:
                    break
                sent += k
                progress = True
            while True:
                try:
                    data = conn.recv(STREAM_WRITE)
                except BlockingIOError:
                    break
                if not data:
                    sys.exit("echo.py: the server closed the connection")
                received += len(data)
                progress = True
            if not progress:
                mask = select.EPOLLIN | (select.EPOLLOUT if sent < total else 0)
                self.epoll.modify(fd, mask)
                self.epoll.poll()
                self.epoll.modify(fd, select.EPOLLIN)
        return time.perf_counter() - start


def calibrate(run_once, seconds):
    """How many iterations take about `seconds`."""
    iters = 1
    while True:
        wall = run_once(iters)
        if wall >= seconds / 10:
            return max(1, round(iters * seconds / wall))
        iters *= 2


def samples(run_once, seconds, runs):
    """`runs` samples of about `seconds` each: (seconds per iteration, client CPU share)."""
    iters = calibrate(run_once, seconds)
    out = []
    for _ in range(runs):
        cpu = time.process_time()
        wall = run_once(iters)
        out.append((wall / iters, (time.process_time() - cpu) / wall))
    return out


def measure(addr, runs, seconds):
    """Medians per workload, the client's CPU share in each, and the p99 round trip."""
    results, busy = {}, {}

    client = Client(addr, CONNECTIONS)
    latencies = []
    client.ping_pong(100, [])  # warm up
    timed = samples(lambda n: client.ping_pong(n, latencies), seconds, runs)
    client.close()
    results["echo_ping_pong"] = statistics.median(s for s, _ in timed)
    busy["echo_ping_pong"] = statistics.median(b for _, b in timed)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else 0.0

    client = Client(addr, 1)
    client.stream(STREAM_PER_ITER)  # warm up
    timed = samples(lambda n: client.stream(STREAM_PER_ITER * n), seconds, runs)
    client.close()
    results["echo_stream"] = statistics.median(s for s, _ in timed)
    busy["echo_stream"] = statistics.median(b for _, b in timed)
    return results, busy, p99


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--connect", metavar="HOST:PORT", help="measure a running server")
    parser.add_argument("--runs", type=int, default=5, help="samples per workload (default 5)")
    parser.add_argument(
        "--seconds", type=float, default=0.5, help="length of one sample (default 0.5)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        run_server(args.loop)
        return

    if args.connect:
        host, _, port = args.connect.rpartition(":")
        child, addr, name = None, (host, int(port)), args.connect
    else:
        child, addr = start_server(args.loop)
        name = args.loop
    try:
        results, busy, p99 = measure(addr, args.runs, args.seconds)
    finally:
        if child:
            child.kill()
            child.wait()

    ping, stream = results["echo_ping_pong"], results["echo_stream"]
    print(
        f"{name} echo_ping_pong: {ping * 1e6:.1f} us per {CONNECTIONS} round trips "
        f"({CONNECTIONS / ping:,.0f} round trips/s), p99 round trip {p99 * 1e6:.0f} us, "
        f"client busy {busy['echo_ping_pong']:.0%}",
        file=sys.stderr,
    )
    print(
        f"{name} echo_stream: {stream * 1e3:.2f} ms per MiB "
        f"({1 / stream:,.0f} MiB/s), client busy {busy['echo_stream']:.0%}",
        file=sys.stderr,
    )
    json.dump(results, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
