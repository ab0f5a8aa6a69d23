//! `xheaders`: the client's address and scheme from a trusted proxy.

use tornado_http1connection::RequestHead;
use tornado_netutil::is_valid_ip;

/// How `xheaders` reads proxy headers (Tornado's `HTTPServer(xheaders=True,
/// trusted_downstream=...)`), with Tornado's rules:
///
/// - The client IP is `X-Real-Ip` when present; otherwise the
///   `X-Forwarded-For` list is walked from its end, skipping trusted
///   downstream proxies (when every entry is trusted, the first one is
///   taken). The result is used only when it is a valid IP.
/// - The scheme is the last comma-separated entry of `X-Scheme`, else of
///   `X-Forwarded-Proto`; only `http` and `https` (exactly, as Tornado
///   compares) are taken.
/// - A header sent more than once counts as its values joined with commas,
///   as Tornado's `HTTPHeaders.get` gives them.
#[doc(alias = "xheaders")]
#[doc(alias = "trusted_downstream")]
#[derive(Debug, Clone, Default)]
pub struct XHeaders {
    /// Proxies whose addresses are skipped in `X-Forwarded-For`.
    pub trusted_downstream: Vec<String>,
}

/// Every value of header `name`, joined with commas; `None` when absent.
fn joined(head: &RequestHead, name: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for (n, v) in head.headers() {
        if n.eq_ignore_ascii_case(name) {
            let v = String::from_utf8_lossy(v);
            match &mut out {
                Some(s) => {
                    s.push(',');
                    s.push_str(v.trim());
                }
                None => out = Some(v.trim().to_owned()),
            }
        }
    }
    out
}

impl XHeaders {
    /// Rewrites `remote_ip` and `protocol` from the request's proxy headers
    /// (`_HTTPRequestContext._apply_xheaders`).
    #[doc(alias = "_apply_xheaders")]
    pub fn apply(
        &self,
        head: &RequestHead,
        remote_ip: &mut Option<String>,
        protocol: &mut &'static str,
    ) {
        let forwarded_for = joined(head, "X-Forwarded-For").map(|list| {
            let mut chosen = "";
            for candidate in list.rsplit(',').map(str::trim) {
                chosen = candidate;
                if !self.trusted_downstream.iter().any(|t| t == candidate) {
                    break;
                }
            }
            chosen.to_owned()
        });
        let ip = joined(head, "X-Real-Ip").or(forwarded_for);
        if let Some(ip) = ip.filter(|ip| is_valid_ip(ip)) {
            *remote_ip = Some(ip);
        }
        let scheme = joined(head, "X-Scheme").or_else(|| joined(head, "X-Forwarded-Proto"));
        if let Some(scheme) = scheme {
            match scheme.rsplit(',').next().map(str::trim) {
                Some("http") => *protocol = "http",
                Some("https") => *protocol = "https",
                _ => {}
            }
        }
    }
}
