//! [`AddressFamily`]: which IP versions a bind or a lookup may use.

use std::net::SocketAddr;

/// The address families `bind_sockets` and resolvers accept: Python's
/// `socket.AF_UNSPEC`, `socket.AF_INET` and `socket.AF_INET6`.
#[doc(alias = "AF_UNSPEC")]
#[doc(alias = "AF_INET")]
#[doc(alias = "AF_INET6")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AddressFamily {
    /// Either family (`AF_UNSPEC`, the default).
    #[default]
    Unspec,
    /// IPv4 only (`AF_INET`).
    Inet,
    /// IPv6 only (`AF_INET6`).
    Inet6,
}

impl AddressFamily {
    /// True when `addr` belongs to this family (always true for
    /// [`Unspec`](AddressFamily::Unspec)).
    ///
    /// ```
    /// use tornado_netutil::AddressFamily;
    /// let v4: std::net::SocketAddr = "127.0.0.1:80".parse().unwrap();
    /// assert!(AddressFamily::Inet.matches(&v4));
    /// assert!(!AddressFamily::Inet6.matches(&v4));
    /// assert!(AddressFamily::Unspec.matches(&v4));
    /// ```
    pub fn matches(self, addr: &SocketAddr) -> bool {
        match self {
            AddressFamily::Unspec => true,
            AddressFamily::Inet => addr.is_ipv4(),
            AddressFamily::Inet6 => addr.is_ipv6(),
        }
    }

    /// The family of `addr`.
    pub fn of(addr: &SocketAddr) -> AddressFamily {
        if addr.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        }
    }

    /// The sort rank Tornado gets from the numeric constants (`AF_INET` = 2
    /// sorts before `AF_INET6` = 10): IPv4 listeners are bound first.
    pub(crate) fn rank(addr: &SocketAddr) -> u8 {
        if addr.is_ipv4() { 0 } else { 1 }
    }
}
