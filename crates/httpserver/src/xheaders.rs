//! `xheaders`: the client's address and scheme from a trusted proxy.

use tornado_http1connection::RequestHead;
use tornado_netutil::is_valid_ip;

/// How `xheaders` reads proxy headers (Tornado's `HTTPServer(xheaders=True,
/// trusted_downstream=...)`).
///
/// The client IP comes from `X-Real-Ip`, else from the last address of
/// `X-Forwarded-For` that is not a trusted downstream proxy; it is used only
/// when it is a valid IP. The scheme comes from `X-Scheme`, else from the
/// last value of `X-Forwarded-Proto`, and only `http` or `https` are taken.
#[derive(Debug, Clone, Default)]
pub struct XHeaders {
    /// Proxies whose addresses are skipped in `X-Forwarded-For`.
    pub trusted_downstream: Vec<String>,
}

impl XHeaders {
    /// Rewrites `remote_ip` and `protocol` from the request's proxy headers.
    pub fn apply(
        &self,
        head: &RequestHead,
        remote_ip: &mut Option<String>,
        protocol: &mut &'static str,
    ) {
        let forwarded_for = head.header_str("X-Forwarded-For").and_then(|list| {
            list.split(',')
                .map(str::trim)
                .rev()
                .find(|ip| !self.trusted_downstream.iter().any(|t| t == ip))
                .map(str::to_owned)
        });
        let ip = head
            .header_str("X-Real-Ip")
            .map(|s| s.trim().to_owned())
            .or(forwarded_for);
        if let Some(ip) = ip.filter(|ip| is_valid_ip(ip)) {
            *remote_ip = Some(ip);
        }
        let scheme = head.header_str("X-Scheme").map(str::trim).or_else(|| {
            head.header_str("X-Forwarded-Proto")
                .and_then(|list| list.rsplit(',').next())
                .map(str::trim)
        });
        if let Some(scheme) = scheme {
            if scheme.eq_ignore_ascii_case("http") {
                *protocol = "http";
            } else if scheme.eq_ignore_ascii_case("https") {
                *protocol = "https";
            }
        }
    }
}
