//! The URLs a client fetches: `http` and `https` only, split as Python's
//! `urllib.parse.urlsplit` does, and joined as `urljoin` does (RFC 3986
//! §5.2) for redirects.

use crate::error::{HttpClientError, Result};

/// A parsed absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// `http` or `https`.
    pub(crate) scheme: &'static str,
    /// The user and password of the userinfo, percent-decoded.
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    /// The host without brackets, lowercased.
    pub(crate) host: String,
    pub(crate) port: Option<u16>,
    /// The authority after any userinfo, as written (the `Host` header).
    pub(crate) host_header: String,
    /// The path (never empty: `/` when the URL has none).
    pub(crate) path: String,
    /// The query without `?`, when there is one.
    pub(crate) query: Option<String>,
}

fn bad(message: &str) -> HttpClientError {
    HttpClientError::invalid(message)
}

fn unsupported(scheme: &str) -> HttpClientError {
    // Tornado's ValueError text, kept so that callers can recognise it.
    HttpClientError::invalid(format!("Unsupported url scheme: {scheme:?}"))
}

/// Splits `scheme:` off `s` when `s` starts with one (RFC 3986 §3.1).
fn split_scheme(s: &str) -> Option<(&str, &str)> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| (scheme, &s[colon + 1..]))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes what may not appear raw in a request target: non-ASCII
/// bytes (as UTF-8), controls, space and the characters RFC 3986 never
/// allows (`"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`).
fn encode_target(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b <= 0x20 || b >= 0x7f || b"\"<>\\^`{|}".contains(&b) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
}

impl Url {
    /// Parses an absolute `http`/`https` URL. The fragment is dropped.
    /// CR, LF and other control characters are refused, so that a URL can
    /// never split the request line.
    pub(crate) fn parse(s: &str) -> Result<Url> {
        if s.chars().any(|c| c.is_control()) {
            return Err(bad("invalid character in url"));
        }
        let s = s.trim_matches(' ');
        let Some((scheme, rest)) = split_scheme(s) else {
            return Err(unsupported(""));
        };
        let scheme = if scheme.eq_ignore_ascii_case("http") {
            "http"
        } else if scheme.eq_ignore_ascii_case("https") {
            "https"
        } else {
            return Err(unsupported(&scheme.to_ascii_lowercase()));
        };
        let Some(rest) = rest.strip_prefix("//") else {
            return Err(bad("url has no host"));
        };
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, host_port) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
                None => (Some(percent_decode(info)), None),
            },
        };
        let (host, port_text) = if let Some(v6) = host_port.strip_prefix('[') {
            let close = v6
                .find(']')
                .ok_or_else(|| bad("invalid IPv6 host in url"))?;
            let after = &v6[close + 1..];
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("invalid port in url"))?,
                ),
            };
            (&v6[..close], port)
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            }
        };
        if host.is_empty() {
            return Err(bad("url has no host"));
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:".contains(&b))
        {
            return Err(bad("invalid host in url"));
        }
        let port = match port_text {
            None | Some("") => None,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 5 => {
                Some(p.parse::<u16>().map_err(|_| bad("invalid port in url"))?)
            }
            Some(_) => return Err(bad("invalid port in url")),
        };
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        let mut encoded_path = String::with_capacity(path.len() + 1);
        if path.is_empty() {
            encoded_path.push('/');
        }
        encode_target(path, &mut encoded_path);
        let query = query.map(|q| {
            let mut out = String::with_capacity(q.len());
            encode_target(q, &mut out);
            out
        });
        Ok(Url {
            scheme,
            username,
            password,
            host: host.to_ascii_lowercase(),
            port,
            host_header: host_port.to_owned(),
            path: encoded_path,
            query,
        })
    }

    /// The port to connect to: the URL's, or 80/443.
    pub(crate) fn port_or_default(&self) -> u16 {
        self.port
            .unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    /// The request target in origin form: path and query (no `?` when the
    /// query is empty, as Tornado sends it).
    pub(crate) fn target(&self) -> std::borrow::Cow<'_, str> {
        match &self.query {
            Some(q) if !q.is_empty() => std::borrow::Cow::Owned(format!("{}?{q}", self.path)),
            _ => std::borrow::Cow::Borrowed(&self.path),
        }
    }

    /// True when both URLs have the same origin: scheme, host and port.
    pub(crate) fn same_origin(&self, other: &Url) -> bool {
        self.scheme == other.scheme
            && self.host == other.host
            && self.port_or_default() == other.port_or_default()
    }

    /// The URL as text, without any userinfo (what a cross-origin redirect
    /// is sent to, and what responses report).
    pub(crate) fn without_userinfo(&self) -> String {
        format!("{}://{}{}", self.scheme, self.host_header, self.target())
    }

    /// The URL as text, with its userinfo.
    pub(crate) fn to_text(&self) -> String {
        match (&self.username, &self.password) {
            (None, _) => self.without_userinfo(),
            (Some(u), p) => {
                let mut info = String::new();
                encode_userinfo(u, &mut info);
                if let Some(p) = p {
                    info.push(':');
                    encode_userinfo(p, &mut info);
                }
                format!(
                    "{}://{info}@{}{}",
                    self.scheme,
                    self.host_header,
                    self.target()
                )
            }
        }
    }

    /// Resolves `reference` (a `Location` value) against this URL, as
    /// `urllib.parse.urljoin` does, and parses the result. A reference
    /// with a scheme other than `http`/`https` is refused.
    pub(crate) fn join(&self, reference: &str) -> Result<Url> {
        if reference.chars().any(|c| c.is_control()) {
            return Err(bad("invalid character in url"));
        }
        let reference = reference.trim_matches(' ');
        if let Some((scheme, rest)) = split_scheme(reference) {
            let lower = scheme.to_ascii_lowercase();
            if lower != "http" && lower != "https" {
                return Err(unsupported(&lower));
            }
            if rest.starts_with("//") {
                return Url::parse(reference);
            }
            // `http:path`: relative to the base when the scheme matches
            // (RFC 3986 §5.2.2's non-strict mode, as urljoin does).
            if lower != self.scheme {
                return Err(bad("url has no host"));
            }
            return self.join(rest);
        }
        let reference = reference.split_once('#').map_or(reference, |(r, _)| r);
        if let Some(rest) = reference.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme));
        }
        let (ref_path, ref_query) = match reference.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (reference, None),
        };
        let path = if ref_path.is_empty() {
            self.path.clone()
        } else if ref_path.starts_with('/') {
            remove_dot_segments(ref_path)
        } else {
            let dir = self.path.rfind('/').map_or("/", |i| &self.path[..=i]);
            remove_dot_segments(&format!("{dir}{ref_path}"))
        };
        let query = match ref_query {
            Some(q) => Some(q.to_owned()),
            None if ref_path.is_empty() => self.query.clone(),
            None => None,
        };
        let mut text = format!("{}://{}{}", self.scheme, self.host_header, path);
        if let Some(q) = query {
            text.push('?');
            text.push_str(&q);
        }
        let mut joined = Url::parse(&text)?;
        joined.username = self.username.clone();
        joined.password = self.password.clone();
        Ok(joined)
    }
}

fn encode_userinfo(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_urlsplit() {
        let u = Url::parse("http://me:se%40cret@Example.COM:8080/a/b?x=1#frag").unwrap();
        assert_eq!(u.scheme, "http");
        assert_eq!(u.username.as_deref(), Some("me"));
        assert_eq!(u.password.as_deref(), Some("se@cret"));
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, Some(8080));
        assert_eq!(u.host_header, "Example.COM:8080");
        assert_eq!(u.target(), "/a/b?x=1");
        let v6 = Url::parse("https://[::1]:8443").unwrap();
        assert_eq!((v6.host.as_str(), v6.port_or_default()), ("::1", 8443));
        assert_eq!(v6.target(), "/");
        assert_eq!(Url::parse("http://h/?").unwrap().target(), "/");
    }

    #[test]
    fn refuses_other_schemes_and_injection() {
        for bad in [
            "ftp://example.com/",
            "h:5",
            "example.com",
            "http://",
            "http://h:99999/",
            "http://h/\r\nX: y",
            "http://h:12a/",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
        let e = Url::parse("ftp://x/").unwrap_err();
        assert!(e.message().contains("Unsupported url scheme"));
    }

    #[test]
    fn joins_like_urljoin() {
        let base = Url::parse("http://a/b/c/d;p?q").unwrap();
        // RFC 3986 §5.4.1 normal examples.
        for (reference, expected) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("https://other:1/x", "https://other:1/x"),
        ] {
            assert_eq!(
                base.join(reference).unwrap().to_text(),
                expected,
                "{reference}"
            );
        }
        assert!(base.join("ftp://example.com/").is_err());
        assert!(base.join("h:5").is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_and_print_round_trip(
            host in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{1,5}){0,2}",
            port in proptest::option::of(1u16..),
            path in "(/[a-zA-Z0-9_~%-][a-zA-Z0-9._~%-]{0,7}){0,4}/?",
            query in proptest::option::of("[a-zA-Z0-9=&/]{1,10}"),
            user in proptest::option::of("[a-zA-Z0-9 @:]{1,6}"),
            https in proptest::bool::ANY,
        ) {
            let scheme = if https { "https" } else { "http" };
            let mut base = Url::parse(&format!("{scheme}://{host}")).unwrap();
            base.port = port;
            base.host_header = match port {
                Some(p) => format!("{host}:{p}"),
                None => host.clone(),
            };
            base.path = if path.is_empty() { "/".to_owned() } else { path.clone() };
            base.query = query;
            base.username = user.clone();
            base.password = user.map(|u| format!("{u}!"));
            let printed = base.to_text();
            let parsed = Url::parse(&printed).unwrap();
            proptest::prop_assert_eq!(&parsed, &base);
            // An absolute reference to itself resolves to itself.
            proptest::prop_assert_eq!(base.join(&printed).unwrap(), base.clone());
            // A reference to its own target keeps the origin and userinfo.
            proptest::prop_assert_eq!(base.join(&base.target()).unwrap().to_text(), printed);
        }
    }

    #[test]
    fn origins() {
        let a = Url::parse("http://h/").unwrap();
        assert!(a.same_origin(&Url::parse("http://H:80/x").unwrap()));
        assert!(!a.same_origin(&Url::parse("https://h/").unwrap()));
        assert!(!a.same_origin(&Url::parse("http://h:81/").unwrap()));
    }
}
