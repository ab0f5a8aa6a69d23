//! Request heads: parsed in place with httparse, checked under SECURITY.md.

use std::fmt;
use std::mem::MaybeUninit;
use std::ops::Range;

use bytes::BytesMut;
use tornado_httputil::{HttpHeaders, RequestStartLine};

use crate::error::{Error, ErrorKind, Result};

/// An HTTP/1 version.
///
/// Corresponds to the `version` string of Tornado's `RequestStartLine` /
/// `ResponseStartLine` (`"HTTP/1.0"` or `"HTTP/1.1"`), which
/// `HTTP1Connection` compares to decide keep-alive and chunking; no Tornado
/// class of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `HTTP/1.0`
    Http10,
    /// `HTTP/1.1`
    Http11,
}

impl Version {
    /// `"HTTP/1.0"` or `"HTTP/1.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

/// How a message's body is delimited.
///
/// No Tornado type of its own: it names the choice `HTTP1Connection._read_body`
/// makes for a request body, between no body, `_read_fixed_body`
/// (`Content-Length`) and `_read_chunked_body` (`Transfer-Encoding: chunked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "_read_body")]
pub enum BodyFraming {
    /// No body.
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request head. The method, target, and header names and values
/// are slices of the bytes that arrived: parsing copies nothing.
///
/// Tornado hands delegates a `RequestStartLine` and an `HTTPHeaders`;
/// [`start_line`](Self::start_line) and [`to_http_headers`](Self::to_http_headers)
/// build those when wanted.
///
/// Counterpart of Tornado's `tornado.httputil.RequestStartLine` together with
/// the `HTTPHeaders` that `HTTP1Connection._read_message` parses after it.
#[derive(Clone, Default)]
#[doc(alias = "RequestStartLine")]
pub struct RequestHead {
    /// The head's bytes, in a buffer from the stream's pool (given back by
    /// [`release`](Self::release)).
    buf: BytesMut,
    method: Range<usize>,
    target: Range<usize>,
    version11: bool,
    /// Name and value of each header line as `u32` offsets into `buf`: half
    /// the size of `Range<usize>` pairs, which an idle connection keeps.
    headers: Vec<[u32; 4]>,
    pub(crate) framing: Option<BodyFraming>,
    pub(crate) connection_close: bool,
    pub(crate) connection_keep_alive: bool,
    pub(crate) expect_continue: bool,
    pub(crate) gzip: bool,
}

impl fmt::Debug for RequestHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestHead")
            .field("method", &self.method())
            .field("target", &self.target())
            .field("version", &self.version())
            .field("headers", &self.headers.len())
            .finish()
    }
}

fn text(buf: &[u8]) -> &str {
    // Method, target and header names were checked to be ASCII.
    std::str::from_utf8(buf).unwrap_or_default()
}

impl RequestHead {
    /// The method, e.g. `GET`.
    pub fn method(&self) -> &str {
        text(&self.buf[self.method.clone()])
    }

    /// The method's bytes, without the UTF-8 check.
    pub(crate) fn method_bytes(&self) -> &[u8] {
        &self.buf[self.method.clone()]
    }

    /// The request target as sent (`HTTPServerRequest.uri`).
    pub fn target(&self) -> &str {
        text(&self.buf[self.target.clone()])
    }

    /// The target before `?`.
    pub fn path(&self) -> &str {
        let target = self.target();
        target.split_once('?').map_or(target, |(p, _)| p)
    }

    /// The target after `?` (empty if none).
    pub fn query(&self) -> &str {
        self.target().split_once('?').map_or("", |(_, q)| q)
    }

    /// The version.
    pub fn version(&self) -> Version {
        if self.version11 {
            Version::Http11
        } else {
            Version::Http10
        }
    }

    /// Headers in arrival order; values are raw bytes (latin-1 on the wire).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers.iter().map(|&[ns, ne, vs, ve]| {
            (
                text(&self.buf[ns as usize..ne as usize]),
                &self.buf[vs as usize..ve as usize],
            )
        })
    }

    /// The first value of a header, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The first value of a header as text, when it is ASCII or UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The number of header lines.
    pub fn header_count(&self) -> usize {
        self.headers.len()
    }

    /// How the body is delimited.
    pub fn framing(&self) -> BodyFraming {
        self.framing.unwrap_or(BodyFraming::None)
    }

    /// The raw head bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Tornado's `RequestStartLine`.
    pub fn start_line(&self) -> RequestStartLine {
        RequestStartLine {
            method: self.method().to_owned(),
            path: self.target().to_owned(),
            version: self.version().as_str().to_owned(),
        }
    }

    /// Tornado's `HTTPHeaders` of this head.
    pub fn to_http_headers(&self) -> HttpHeaders {
        let mut headers = HttpHeaders::new();
        for (name, value) in self.headers() {
            // Every line passed the same checks already.
            let _ = headers.add_bytes(name.as_bytes(), value);
        }
        headers
    }

    /// Drops the head's bytes, keeping the header table's capacity for the
    /// next request: an idle connection holds no request data.
    pub fn release(&mut self) {
        if self.buf.capacity() > 0 {
            tornado_iostream::recycle_buffer(std::mem::take(&mut self.buf));
        }
        self.headers.clear();
    }

    /// Parses a complete head (it ends with the blank line), keeping
    /// `self`'s buffers to avoid allocating per request.
    pub fn parse(&mut self, raw: &[u8], max_headers: usize) -> Result<()> {
        self.buf.clear();
        self.buf.extend_from_slice(raw);
        self.parse_in_place(max_headers, false)
    }

    /// The head's buffer, for reading a head into.
    pub(crate) fn buf_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// [`parse`](Self::parse) of the bytes already in `buf`, for a head whose
    /// line ends the caller may have checked (`lf_checked`: every LF follows
    /// a CR).
    pub(crate) fn parse_in_place(&mut self, max_headers: usize, lf_checked: bool) -> Result<()> {
        let buf = std::mem::take(&mut self.buf);
        let parsed = self.parse_head(&buf, max_headers, lf_checked);
        self.buf = buf;
        match parsed? {
            Some(_) => Ok(()),
            None => Err(Error::bad_request("incomplete request head")),
        }
    }

    /// Parses the head at the front of `buf`, which may hold more (pipelined
    /// requests) or less (`Ok(None)`: the head is not all there): the head's
    /// length once complete. The offsets kept are from the start of `buf`,
    /// so they hold for the head's bytes moved to the start of `self.buf`.
    ///
    /// Every line of a head parsed here must end in CRLF, which is checked
    /// from the parse itself, line by line, instead of by a scan of the
    /// whole head; a bare LF is an error.
    pub(crate) fn parse_prefix(&mut self, buf: &[u8], max_headers: usize) -> Result<Option<usize>> {
        let parsed = self.parse_head(buf, max_headers, true);
        if let Ok(Some(n)) = parsed {
            if !self.crlf_line_ends(buf, n) {
                return Err(Error::bad_request("bare LF in request head"));
            }
        }
        parsed
    }

    /// True when every line of the head parsed from `buf[..n]` ends in CRLF.
    /// A request head has LFs nowhere else: httparse refuses line folding
    /// in requests, and CR or LF inside a line.
    fn crlf_line_ends(&self, buf: &[u8], n: usize) -> bool {
        // Blank lines before the request line, the request line (its
        // version is the 8 bytes after the target and a space), each header
        // line (its value is trimmed of trailing blanks; an empty value
        // points at its line end), and the blank line.
        let blank = &buf[..self.method.start];
        blank.len() % 2 == 0
            && blank.chunks_exact(2).all(|pair| pair == b"\r\n")
            && buf.get(self.target.end + 9) == Some(&b'\r')
            && self.headers.iter().all(|&[_, _, _, end]| {
                let mut at = end as usize;
                while matches!(buf.get(at), Some(b' ' | b'\t')) {
                    at += 1;
                }
                buf.get(at) == Some(&b'\r')
            })
            && n >= 2
            && buf[n - 2] == b'\r'
    }

    /// The parse proper; `lf_checked`: every LF in `buf` is known to follow
    /// a CR, or the caller checks line ends itself.
    // Inlined into both callers: the hot one knows `lf_checked`.
    #[inline(always)]
    fn parse_head(
        &mut self,
        buf: &[u8],
        max_headers: usize,
        lf_checked: bool,
    ) -> Result<Option<usize>> {
        self.headers.clear();
        self.framing = None;
        self.connection_close = false;
        self.connection_keep_alive = false;
        self.expect_continue = false;
        self.gzip = false;
        // SECURITY.md: a bare LF ends no line (the one desync vector
        // Tornado still has, HD-06).
        if !lf_checked {
            for at in memchr::memchr_iter(b'\n', buf) {
                if at == 0 || buf[at - 1] != b'\r' {
                    return Err(Error::bad_request("bare LF in request head"));
                }
            }
        }
        // Uninitialised slots: no 4 KiB of zeroing per request.
        let mut storage = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; 128];
        // A limit raised past the stack slots gets heap slots, no more than
        // the head has lines (so a large limit costs nothing until used).
        let mut heap = Vec::new();
        let lines = if max_headers > storage.len() {
            memchr::memchr_iter(b'\n', buf).count()
        } else {
            0
        };
        let slots: &mut [MaybeUninit<httparse::Header<'_>>] = if lines > storage.len() {
            heap.resize_with(max_headers.min(lines), MaybeUninit::uninit);
            &mut heap
        } else {
            let limit = max_headers.min(storage.len());
            &mut storage[..limit]
        };
        let mut request = httparse::Request::new(&mut []);
        let status = request
            .parse_with_uninit_headers(buf, slots)
            .map_err(|e| match e {
                httparse::Error::TooManyHeaders => {
                    Error::new(ErrorKind::HeadTooLarge, "too many header lines")
                }
                httparse::Error::Version => Error::bad_request("unsupported HTTP version"),
                _ => Error::bad_request("malformed request head"),
            })?;
        let httparse::Status::Complete(len) = status else {
            return Ok(None);
        };
        if len > u32::MAX as usize {
            return Err(Error::new(
                ErrorKind::HeadTooLarge,
                "request head too large",
            ));
        }
        let base = buf.as_ptr() as usize;
        let range = |s: &[u8]| {
            let start = s.as_ptr() as usize - base;
            start..start + s.len()
        };
        let method = request.method.unwrap_or_default();
        let target = request.path.unwrap_or_default();
        if target
            .bytes()
            .fold(false, |bad, b| bad | !(0x21..=0x7e).contains(&b))
        {
            return Err(Error::bad_request("invalid byte in request target"));
        }
        self.method = range(method.as_bytes());
        self.target = range(target.as_bytes());
        self.version11 = request.version == Some(1);
        let mut hosts = 0;
        let mut content_length: Option<u64> = None;
        let mut transfer_encoding = 0;
        let mut chunked = false;
        for header in request.headers.iter() {
            let name = header.name;
            let value = header.value;
            // The headers that matter, told apart by length first.
            match name.len() {
                4 if name.eq_ignore_ascii_case("host") => {
                    hosts += 1;
                    if !valid_host(value) {
                        return Err(Error::bad_request("invalid Host header"));
                    }
                }
                14 if name.eq_ignore_ascii_case("content-length") => {
                    for piece in value.split(|&b| b == b',') {
                        let n = parse_content_length(trim(piece))?;
                        if content_length.is_some_and(|old| old != n) {
                            return Err(Error::bad_request("conflicting Content-Length values"));
                        }
                        content_length = Some(n);
                    }
                }
                17 if name.eq_ignore_ascii_case("transfer-encoding") => {
                    transfer_encoding += 1;
                    chunked = trim(value).eq_ignore_ascii_case(b"chunked");
                    if !chunked {
                        return Err(Error::bad_request("unsupported Transfer-Encoding"));
                    }
                }
                10 if name.eq_ignore_ascii_case("connection") => {
                    for token in value.split(|&b| b == b',') {
                        let token = trim(token);
                        if token.eq_ignore_ascii_case(b"close") {
                            self.connection_close = true;
                        } else if token.eq_ignore_ascii_case(b"keep-alive") {
                            self.connection_keep_alive = true;
                        }
                    }
                }
                6 if name.eq_ignore_ascii_case("expect") => {
                    self.expect_continue = trim(value).eq_ignore_ascii_case(b"100-continue");
                }
                16 if name.eq_ignore_ascii_case("content-encoding") => {
                    self.gzip = trim(value).eq_ignore_ascii_case(b"gzip");
                }
                _ => {}
            }
            let (n, v) = (range(name.as_bytes()), range(value));
            // Offsets fit: a head is checked against `u32::MAX` below.
            self.headers
                .push([n.start as u32, n.end as u32, v.start as u32, v.end as u32]);
        }
        if self.version11 && hosts == 0 {
            return Err(Error::bad_request("missing Host header"));
        }
        if hosts > 1 {
            return Err(Error::bad_request("repeated Host header"));
        }
        if transfer_encoding > 1 {
            return Err(Error::bad_request("repeated Transfer-Encoding"));
        }
        self.framing = Some(match (chunked, content_length) {
            (true, Some(_)) => {
                return Err(Error::bad_request(
                    "both Transfer-Encoding and Content-Length",
                ));
            }
            (true, None) => BodyFraming::Chunked,
            (false, Some(0) | None) => BodyFraming::None,
            (false, Some(n)) => BodyFraming::Length(n),
        });
        Ok(Some(len))
    }
}

pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn parse_content_length(s: &[u8]) -> Result<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return Err(Error::bad_request("invalid Content-Length"));
    }
    Ok(s.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')))
}

/// `uri-host [":" port]`: no comma (merged Host headers), no space, no
/// control or non-ASCII byte.
fn valid_host(value: &[u8]) -> bool {
    // Branch-free over the value: one table lookup per byte.
    value
        .iter()
        .fold(true, |ok, &b| ok & HOST_BYTE[usize::from(b)])
}

/// The bytes a Host header may hold: a reg-name, an IP literal, a port.
static HOST_BYTE: [bool; 256] = tornado_httputil::alphanumeric_and(b"-._~!$&'()*+;=:[]%");

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<RequestHead> {
        let mut head = RequestHead::default();
        head.parse(raw.as_bytes(), 100)?;
        Ok(head)
    }

    #[test]
    fn parses_in_place() {
        let head = parse("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Y: z\r\n\r\n").unwrap();
        assert_eq!(head.method(), "GET");
        assert_eq!(head.path(), "/a");
        assert_eq!(head.query(), "b=1");
        assert_eq!(head.header("x-y"), Some(&b"z"[..]));
        assert_eq!(head.framing(), BodyFraming::None);
    }

    #[test]
    fn refuses_smuggling_shapes() {
        for raw in [
            "GET / HTTP/1.1\r\nHost: x\nContent-Length: 3\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a,b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET /\u{e9} HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            assert_eq!(parse(raw).unwrap_err().status(), Some(400), "{raw:?}");
        }
    }

    #[test]
    fn header_count_limit_above_the_stack_slots() {
        let raw = format!(
            "GET / HTTP/1.1\r\nHost: x\r\n{}\r\n",
            "X: a\r\n".repeat(500)
        );
        let mut head = RequestHead::default();
        head.parse(raw.as_bytes(), 1000).unwrap();
        assert_eq!(head.header_count(), 501);
        let error = head.parse(raw.as_bytes(), 300).unwrap_err();
        assert_eq!(error.status(), Some(431));
    }

    #[test]
    fn identical_content_lengths_are_one() {
        let head = parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n").unwrap();
        assert_eq!(head.framing(), BodyFraming::Length(5));
    }

    /// A head built from pieces that may end a line in CRLF or a bare LF,
    /// leave a value empty or pad it with blanks, and come after blank
    /// lines; followed by more bytes (a pipelined request).
    fn head_strategy() -> impl proptest::strategy::Strategy<Value = (Vec<u8>, usize)> {
        use proptest::prelude::*;
        let eol = prop_oneof![4 => Just(&b"\r\n"[..]), 1 => Just(&b"\n"[..])];
        let value = prop_oneof![
            Just(&b""[..]),
            Just(&b"v"[..]),
            Just(&b"a b"[..]),
            Just(&b"x  \t"[..])
        ];
        let name = prop_oneof![Just("X-A"), Just("Accept"), Just("Content-Length")];
        (
            proptest::collection::vec(eol.clone(), 0..3),
            eol.clone(),
            eol.clone(),
            proptest::collection::vec((name, value, eol.clone()), 0..5),
            eol,
        )
            .prop_map(|(blanks, line_end, host_end, headers, last)| {
                let mut raw = Vec::new();
                for blank in blanks {
                    raw.extend_from_slice(blank);
                }
                raw.extend_from_slice(b"GET /p?q HTTP/1.1");
                raw.extend_from_slice(line_end);
                raw.extend_from_slice(b"Host: h");
                raw.extend_from_slice(host_end);
                for (name, value, end) in headers {
                    raw.extend_from_slice(name.as_bytes());
                    raw.extend_from_slice(b": ");
                    // A Content-Length value must be digits.
                    raw.extend_from_slice(if name == "Content-Length" {
                        b"0"
                    } else {
                        value
                    });
                    raw.extend_from_slice(end);
                }
                raw.extend_from_slice(last);
                let len = raw.len();
                raw.extend_from_slice(b"GET /next HTTP/1.1\r\n");
                (raw, len)
            })
    }

    proptest::proptest! {
        /// The parse in the stream's buffer, with its line-by-line CRLF
        /// check, accepts exactly the heads that the full parse (a scan for
        /// bare LFs, then httparse) accepts, with the same result.
        #[test]
        fn parse_prefix_agrees_with_parse((raw, len) in head_strategy()) {
            let mut full = RequestHead::default();
            let expected = full.parse(&raw[..len], 100).map(|()| len);
            let mut prefix = RequestHead::default();
            let got = prefix.parse_prefix(&raw, 100);
            match (&expected, &got) {
                (Ok(n), Ok(Some(m))) => {
                    proptest::prop_assert_eq!(n, m);
                    proptest::prop_assert_eq!(full.method(), "GET");
                    // Offsets count from the buffer's start either way.
                    prefix.buf.extend_from_slice(&raw[..*m]);
                    proptest::prop_assert_eq!(prefix.target(), full.target());
                    let a: Vec<_> = prefix.headers().collect();
                    let b: Vec<_> = full.headers().collect();
                    proptest::prop_assert_eq!(a, b);
                }
                (Err(e), Err(f)) => proptest::prop_assert_eq!(e.status(), f.status()),
                _ => proptest::prop_assert!(false, "{:?} vs {:?}", expected, got),
            }
        }
    }
}
