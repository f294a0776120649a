//! The network lesson's programs: an echo server on asyncio's streams API and a client
//! that checks every byte it gets back. `examples/echo_server.rs` and
//! `examples/echo_client.rs` run them; `tests/echo.rs` runs them against each other.

use corio_io::streams::{open_connection, start_server, StreamReader, StreamWriter};
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How much the server reads at a time.
const READ_SIZE: usize = 64 * 1024;

/// Serves echo on `addr` until the task is cancelled: calls `on_listening` with the bound
/// address once connections are accepted, then echoes each connection's bytes until it ends.
///
/// # Errors
/// If `addr` cannot be bound.
pub async fn serve(addr: &str, on_listening: impl FnOnce(SocketAddr)) -> io::Result<()> {
    let server = start_server(echo, addr).await?;
    on_listening(server.sockets()[0]);
    server.serve_forever().await;
    Ok(())
}

/// One connection: send back whatever comes, until end of stream (or an error, which ends
/// only this connection).
async fn echo(mut reader: StreamReader, writer: StreamWriter) {
    loop {
        let data = match reader.read(READ_SIZE).await {
            Ok(data) if !data.is_empty() => data,
            _ => break, // end of stream, or the peer is gone
        };
        if writer.write(&data).is_err() || writer.drain().await.is_err() {
            break;
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

/// What [`client`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientReport {
    /// Round trips completed, over all connections.
    pub round_trips: usize,
    /// Bytes sent and received back, checked.
    pub bytes: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// Opens `connections` connections to an echo server at `addr` at once; on each, sends
/// `messages` messages of `size` bytes one after the other, each time waiting for the echo
/// and checking it byte for byte.
///
/// # Errors
/// A connection that fails, or an echo that differs (`InvalidData`).
pub async fn client(
    addr: SocketAddr,
    connections: usize,
    messages: usize,
    size: usize,
) -> io::Result<ClientReport> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|n| corio_executor::spawn(one_connection(addr, n, messages, size)))
        .collect();
    for task in tasks {
        match task.await {
            Ok(done) => done?,
            Err(err) => return Err(io::Error::other(err.to_string())),
        }
    }
    Ok(ClientReport {
        round_trips: connections * messages,
        bytes: connections * messages * size,
        elapsed: started.elapsed(),
    })
}

async fn one_connection(
    addr: SocketAddr,
    n: usize,
    messages: usize,
    size: usize,
) -> io::Result<()> {
    let (mut reader, writer) = open_connection(addr).await?;
    for m in 0..messages {
        let message: Vec<u8> = (0..size)
            .map(|i| ((n * 31 + m * 7 + i) % 251) as u8)
            .collect();
        writer.write(&message)?;
        writer.drain().await?;
        let echoed = reader.readexactly(size).await.map_err(io::Error::from)?;
        if echoed != message {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("connection {n}, message {m}: the echo differs from what was sent"),
            ));
        }
    }
    writer.close();
    writer.wait_closed().await
}
