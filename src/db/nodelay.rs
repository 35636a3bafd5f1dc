//! `TCP_NODELAY` on the PostgreSQL connections.
//!
//! sqlx 0.9.0 opens its TCP connections without `TCP_NODELAY` (sqlx issue #4335; the fix, pull
//! request #4336, is merged but not released). With Nagle's algorithm on, the last segment of a
//! request that spans several segments waits for the server's delayed ACK: about 40 ms per
//! statement with large parameters. Measured on this project's reminder benchmark over loopback:
//! 30,000 messages queued in 6.5 s over TCP against 2.5 s over a Unix socket, and the dedupe lookups
//! of a re-run in 1.9 s against 0.2 s.
//!
//! sqlx gives no access to its socket, so after each new connection this finds the process's TCP
//! sockets whose peer is the database port (through `/proc/self/fd`) and switches Nagle off on
//! them. Turning it off on some other socket that happens to talk to that port is harmless.
//! Linux only; elsewhere it does nothing. Remove it once sqlx ships the fix.

/// Sets `TCP_NODELAY` on every TCP socket of this process connected to a peer on `port`.
/// Returns how many sockets it changed.
#[cfg(target_os = "linux")]
pub fn enable_on_sockets_to(port: u16) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<libc::c_int>().ok())
        .filter(|&fd| peer_port(fd) == Some(port) && !nodelay(fd).unwrap_or(true))
        .filter(|&fd| set_nodelay(fd))
        .count()
}

#[cfg(not(target_os = "linux"))]
pub fn enable_on_sockets_to(_port: u16) -> usize {
    0
}

/// The peer's port when `fd` is an IPv4 or IPv6 socket with a peer. Any other descriptor —
/// a file, a listener, one closed meanwhile — gives `None`: the calls below only fail on those.
#[cfg(target_os = "linux")]
fn peer_port(fd: libc::c_int) -> Option<u16> {
    // SAFETY: an all-zero `sockaddr_storage` is a valid value (plain integers and arrays).
    let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `addr` is large enough for any socket address and `len` says so; getpeername
    // writes at most `len` bytes. It does not take ownership of or close `fd`; on a descriptor
    // that is not a connected socket it fails (ENOTSOCK, ENOTCONN, EBADF) without writing.
    let rc = unsafe {
        libc::getpeername(
            fd,
            (&mut addr as *mut libc::sockaddr_storage).cast::<libc::sockaddr>(),
            &mut len,
        )
    };
    if rc != 0 {
        return None;
    }
    match libc::c_int::from(addr.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a `sockaddr_in`, which fits in it.
            let a =
                unsafe { &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(u16::from_be(a.sin_port))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a `sockaddr_in6`, which fits in it.
            let a =
                unsafe { &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(u16::from_be(a.sin6_port))
        }
        _ => None,
    }
}

/// Whether `TCP_NODELAY` is on (`None` when `fd` is not a TCP socket).
#[cfg(target_os = "linux")]
fn nodelay(fd: libc::c_int) -> Option<bool> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` describe a writable `c_int`; the call neither keeps nor closes `fd`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&mut value as *mut libc::c_int).cast::<libc::c_void>(),
            &mut len,
        )
    };
    (rc == 0).then_some(value != 0)
}

#[cfg(target_os = "linux")]
fn set_nodelay(fd: libc::c_int) -> bool {
    let on: libc::c_int = 1;
    // SAFETY: `on` is a readable `c_int` of the given length; the call neither keeps nor closes `fd`.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast::<libc::c_void>(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    rc == 0
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    use super::*;

    #[test]
    fn switches_nagle_off_on_sockets_to_the_port_only() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let other = TcpListener::bind("127.0.0.1:0").unwrap();
        let to_port = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let to_other = TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert_eq!(nodelay(to_port.as_raw_fd()), Some(false));

        assert_eq!(enable_on_sockets_to(port), 1);
        assert_eq!(nodelay(to_port.as_raw_fd()), Some(true));
        assert_eq!(nodelay(to_other.as_raw_fd()), Some(false));
        // The listener has no peer and is left alone; a second pass finds nothing to change.
        assert_eq!(peer_port(listener.as_raw_fd()), None);
        assert_eq!(enable_on_sockets_to(port), 0);
    }

    /// With TESSERA_TEST_DATABASE_URL on PostgreSQL: the pool's sockets come with Nagle off.
    #[tokio::test]
    async fn postgres_pool_connections_have_nagle_off() {
        let Ok(url) = std::env::var("TESSERA_TEST_DATABASE_URL") else {
            return;
        };
        let Some(port) = crate::db::postgres_tcp_port(&url) else {
            return;
        };
        let settings = crate::config::DatabaseSettings {
            url,
            ..Default::default()
        };
        let db = crate::db::connect(&settings).await.expect("connect");
        crate::db::ping(&db).await.expect("ping");
        let sockets: Vec<bool> = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<libc::c_int>().ok())
            .filter(|&fd| peer_port(fd) == Some(port))
            .filter_map(nodelay)
            .collect();
        assert!(!sockets.is_empty(), "no connection to port {port} found");
        assert!(sockets.iter().all(|on| *on), "{sockets:?}");
        db.close().await.ok();
    }
}
