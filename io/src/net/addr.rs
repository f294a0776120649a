//! Turning what the user wrote ("localhost:8080", `(ip, port)`, a `SocketAddr`) into socket
//! addresses: numeric addresses and `localhost` at once, other names on the blocking pool
//! (the system resolver blocks), so a lookup never stalls the loop.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// What [`lookup_host`], `connect` and `bind` accept as an address: a `SocketAddr`,
/// `(IpAddr, u16)`, `"host:port"`, `("host", port)` or a slice of `SocketAddr`s.
///
/// Numeric addresses and `localhost` resolve without a lookup; other names go through the
/// system resolver on corio's blocking pool.
///
/// ```
/// use corio_io::net::{TcpListener, UdpSocket};
/// use std::net::{Ipv4Addr, SocketAddr};
/// corio_executor::run(async {
///     let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let b = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
///     let c = TcpListener::bind(("localhost", 0)).await.unwrap();
///     let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
///     let d = UdpSocket::bind(&[any][..]).await.unwrap();
///     # let _ = (a, b, c, d);
/// });
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

mod sealed {
    use super::Resolve;

    /// How an address is resolved; sealed so the enum stays private.
    pub trait Sealed {
        fn resolve(&self) -> Resolve;
    }
}

/// An address resolved already, or a name (host, port) for the system resolver.
#[doc(hidden)]
#[derive(Debug)]
pub enum Resolve {
    Done(io::Result<Vec<SocketAddr>>),
    Lookup(String, u16),
}

/// Resolves `host` to socket addresses, as Python's `loop.getaddrinfo`.
///
/// ```
/// corio_executor::run(async {
///     let addrs: Vec<_> = corio_io::net::lookup_host("localhost:80").await.unwrap().collect();
///     assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
///     let numeric: Vec<_> = corio_io::net::lookup_host("[::1]:8080").await.unwrap().collect();
///     assert_eq!(numeric, vec!["[::1]:8080".parse().unwrap()]);
/// });
/// ```
///
/// # Errors
/// `InvalidInput` for a string that is not `host:port`; the resolver's error for a name it
/// cannot resolve. A lookup that is not numeric or `localhost` needs a corio runtime.
pub async fn lookup_host(host: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(&host).await.map(Vec::into_iter)
}

pub(crate) async fn resolve(addr: &impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    match sealed::Sealed::resolve(addr) {
        Resolve::Done(result) => result,
        Resolve::Lookup(host, port) => {
            let lookup = corio_executor::spawn_blocking(move || {
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map(Iterator::collect)
            });
            lookup.await.unwrap_or_else(|err| {
                Err(io::Error::other(format!("address lookup failed: {err}")))
            })
        }
    }
}

fn host_port(host: &str, port: u16) -> Resolve {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Resolve::Done(Ok(vec![SocketAddr::new(ip, port)]));
    }
    // "[::1]" as in a URL.
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        if let Ok(ip) = inner.parse::<Ipv6Addr>() {
            return Resolve::Done(Ok(vec![SocketAddr::new(ip.into(), port)]));
        }
    }
    if host.eq_ignore_ascii_case("localhost") {
        return Resolve::Done(Ok(vec![
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port),
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port),
        ]));
    }
    Resolve::Lookup(host.to_owned(), port)
}

impl ToSocketAddrs for str {}
impl sealed::Sealed for str {
    fn resolve(&self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::Done(Ok(vec![addr]));
        }
        let parsed = self
            .rsplit_once(':')
            .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)));
        match parsed {
            Some((host, port)) => host_port(host, port),
            None => Resolve::Done(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid socket address {self:?}: expected host:port"),
            ))),
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::Sealed for String {
    fn resolve(&self) -> Resolve {
        self.as_str().resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::Sealed for (&str, u16) {
    fn resolve(&self) -> Resolve {
        host_port(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::Sealed for (String, u16) {
    fn resolve(&self) -> Resolve {
        host_port(&self.0, self.1)
    }
}

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::Sealed for [SocketAddr] {
    fn resolve(&self) -> Resolve {
        Resolve::Done(Ok(self.to_vec()))
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::Sealed for &T {
    fn resolve(&self) -> Resolve {
        (**self).resolve()
    }
}

macro_rules! numeric {
    ($($ty:ty => |$a:ident| $make:expr;)*) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::Sealed for $ty {
            fn resolve(&self) -> Resolve {
                let $a = self;
                Resolve::Done(Ok(vec![$make]))
            }
        }
    )*};
}

numeric! {
    SocketAddr => |a| *a;
    SocketAddrV4 => |a| SocketAddr::V4(*a);
    SocketAddrV6 => |a| SocketAddr::V6(*a);
    (IpAddr, u16) => |a| SocketAddr::new(a.0, a.1);
    (Ipv4Addr, u16) => |a| SocketAddr::new(a.0.into(), a.1);
    (Ipv6Addr, u16) => |a| SocketAddr::new(a.0.into(), a.1);
}

#[cfg(test)]
mod tests {
    use super::sealed::Sealed;
    use super::*;

    fn done(addr: &impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
        match addr.resolve() {
            Resolve::Done(result) => result,
            Resolve::Lookup(host, _) => panic!("{host} went to the resolver"),
        }
    }

    #[test]
    fn numeric_addresses_and_localhost_need_no_lookup() {
        assert_eq!(
            done(&"127.0.0.1:80").unwrap(),
            vec!["127.0.0.1:80".parse().unwrap()]
        );
        assert_eq!(
            done(&"[::1]:80").unwrap(),
            vec!["[::1]:80".parse().unwrap()]
        );
        assert_eq!(
            done(&("::1", 80)).unwrap(),
            vec!["[::1]:80".parse().unwrap()]
        );
        assert_eq!(done(&"LocalHost:9").unwrap().len(), 2);
        assert!(
            matches!("example.invalid:1".resolve(), Resolve::Lookup(h, 1) if h == "example.invalid")
        );
    }

    #[test]
    fn a_string_without_a_port_is_invalid_input() {
        let err = done(&"localhost").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("host:port"), "{err}");
    }
}
