//! Small helpers: `url_concat`, `format_timestamp`, `split_host_and_port`,
//! `qs_to_qsl`, `encode_username_password`.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use regex::Regex;
use tornado_escape::{QueryArguments, url_escape, url_unescape};
use tornado_util::{civil_from_days, days_from_civil};
use unicode_normalization::UnicodeNormalization;

static DECIMAL_DIGIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Nd}$").unwrap_or_else(|e| unreachable!("static pattern: {e}"))
});

fn is_decimal_digit(c: char) -> bool {
    let mut buf = [0u8; 4];
    c.is_ascii_digit() || (!c.is_ascii() && DECIMAL_DIGIT.is_match(c.encode_utf8(&mut buf)))
}

/// The value of a Unicode decimal digit (category Nd), as Python's `int()`
/// reads it. Nd characters come in runs of ten starting at zero.
pub(crate) fn decimal_digit_value(c: char) -> Option<u32> {
    if let Some(d) = c.to_digit(10) {
        return Some(d);
    }
    if !is_decimal_digit(c) {
        return None;
    }
    let mut offset = 0u32;
    let mut code = u32::from(c);
    while let Some(prev) = code.checked_sub(1).and_then(char::from_u32) {
        if !is_decimal_digit(prev) {
            break;
        }
        offset += 1;
        code -= 1;
    }
    Some(offset % 10)
}

/// Splits `host:port` on the last colon when the text after it is one or
/// more decimal digits; otherwise the whole text is the host.
///
/// Counterpart of Tornado's `split_host_and_port` (regex `^(.+):(\d+)$`): no
/// range check on the port (`host:99999` gives 99999), Unicode digits count,
/// `::1` gives host `:` and port 1. A port beyond `u64` is treated as no port.
///
/// ```
/// use tornado_httputil::split_host_and_port;
/// assert_eq!(split_host_and_port("example.com:8080"), ("example.com", Some(8080)));
/// assert_eq!(split_host_and_port("example.com"), ("example.com", None));
/// ```
pub fn split_host_and_port(netloc: &str) -> (&str, Option<u64>) {
    // `$` also matches just before a final newline.
    let body = netloc.strip_suffix('\n').unwrap_or(netloc);
    if let Some(colon) = body.rfind(':') {
        let (host, digits) = (&body[..colon], &body[colon + 1..]);
        if !host.is_empty() && !host.contains('\n') && !digits.is_empty() {
            let port = digits.chars().try_fold(0u64, |acc, c| {
                acc.checked_mul(10)?
                    .checked_add(u64::from(decimal_digit_value(c)?))
            });
            if let Some(port) = port {
                return (host, Some(port));
            }
        }
    }
    (netloc, None)
}

/// Flattens parsed arguments back to `(name, value)` pairs.
///
/// Counterpart of Tornado's `qs_to_qsl`.
///
/// ```
/// use tornado_escape::{parse_qs_bytes, ParseQsOptions};
/// let args = parse_qs_bytes(b"a=1&b=2&a=3", &ParseQsOptions::default()).unwrap();
/// let pairs: Vec<_> = tornado_httputil::qs_to_qsl(&args).collect();
/// assert_eq!(pairs, [("a", b"1".as_slice()), ("a", b"3"), ("b", b"2")]);
/// ```
pub fn qs_to_qsl(qs: &QueryArguments) -> impl Iterator<Item = (&str, &[u8])> {
    qs.iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k, v.as_slice())))
}

/// Encodes credentials as `username:password` in UTF-8 after Unicode NFC
/// normalization, for HTTP Basic auth.
///
/// Counterpart of Tornado's `encode_username_password` for `str` arguments.
///
/// ```
/// let encoded = tornado_httputil::encode_username_password("e\u{301}", "pw");
/// assert_eq!(encoded, "é:pw".as_bytes());
/// ```
pub fn encode_username_password(username: &str, password: &str) -> Vec<u8> {
    let mut out: String = username.nfc().collect();
    out.push(':');
    out.extend(password.nfc());
    out.into_bytes()
}

/// [`encode_username_password`] for byte arguments (no normalization).
///
/// Counterpart of Tornado's `encode_username_password` when given `bytes`:
/// the two values are joined with `:` as they are.
#[doc(alias = "encode_username_password")]
pub fn encode_username_password_bytes(username: &[u8], password: &[u8]) -> Vec<u8> {
    [username, b":", password].concat()
}

const USES_NETLOC: &[&str] = &[
    "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp",
    "snews", "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git",
    "git+ssh", "ws", "wss",
];
const USES_PARAMS: &[&str] = &[
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtspu", "sip", "sips",
    "mms", "sftp", "tel",
];

/// Python's `urlsplit` (+ `urlparse`'s `;params`), enough to rebuild the URL
/// around a new query exactly as `urlunparse` would.
struct SplitUrl {
    scheme: String,
    netloc: String,
    path: String,
    query: String,
    fragment: String,
}

fn split_url(url: &str) -> SplitUrl {
    let url = url.trim_start_matches(|c: char| c <= ' ');
    let mut rest: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut scheme = String::new();
    if let Some(colon) = rest.find(':') {
        let candidate = &rest[..colon];
        let valid = candidate.starts_with(|c: char| c.is_ascii_alphabetic())
            && candidate
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
        if valid {
            scheme = candidate.to_ascii_lowercase();
            rest = rest[colon + 1..].to_owned();
        }
    }
    let mut netloc = String::new();
    if rest.starts_with("//") {
        let end = rest[2..]
            .find(['/', '?', '#'])
            .map_or(rest.len(), |i| i + 2);
        netloc = rest[2..end].to_owned();
        rest = rest[end..].to_owned();
    }
    let mut fragment = String::new();
    if let Some(hash) = rest.find('#') {
        fragment = rest[hash + 1..].to_owned();
        rest.truncate(hash);
    }
    let mut query = String::new();
    if let Some(q) = rest.find('?') {
        query = rest[q + 1..].to_owned();
        rest.truncate(q);
    }
    // urlparse + urlunparse drop an empty `;params` at the end of the path.
    if USES_PARAMS.contains(&scheme.as_str()) {
        let from = rest.rfind('/').unwrap_or(0);
        if let Some(semi) = rest[from..].find(';').map(|i| i + from) {
            if semi + 1 == rest.len() {
                rest.truncate(semi);
            }
        }
    }
    SplitUrl {
        scheme,
        netloc,
        path: rest,
        query,
        fragment,
    }
}

fn join_url(parts: &SplitUrl) -> String {
    let mut url = parts.path.clone();
    let needs_netloc = !parts.netloc.is_empty()
        || (!parts.scheme.is_empty()
            && USES_NETLOC.contains(&parts.scheme.as_str())
            && !url.starts_with("//"));
    if needs_netloc {
        if !url.is_empty() && !url.starts_with('/') {
            url.insert(0, '/');
        }
        url = format!("//{}{url}", parts.netloc);
    }
    if !parts.scheme.is_empty() {
        url = format!("{}:{url}", parts.scheme);
    }
    if !parts.query.is_empty() {
        url.push('?');
        url.push_str(&parts.query);
    }
    if !parts.fragment.is_empty() {
        url.push('#');
        url.push_str(&parts.fragment);
    }
    url
}

/// Appends query arguments to a URL, keeping its existing query (which is
/// re-encoded) and fragment.
///
/// Counterpart of Tornado's `url_concat` with a dict or a list of pairs
/// (`None` is the unchanged URL: pass an empty slice). Existing arguments
/// keep blank values (`?x` becomes `x=`), are split on `&` only, and are
/// re-encoded like Python's `urlencode` (space as `+`). Python `str()`s
/// non-string values; convert them before calling.
///
/// ```
/// use tornado_httputil::url_concat;
/// assert_eq!(url_concat("http://e.com/p?a=1#top", &[("b", "x y")]), "http://e.com/p?a=1&b=x+y#top");
/// ```
pub fn url_concat<K: AsRef<str>, V: AsRef<str>>(url: &str, args: &[(K, V)]) -> String {
    let mut parts = split_url(url);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for field in parts.query.split('&').filter(|f| !f.is_empty()) {
        let (name, value) = field.split_once('=').unwrap_or((field, ""));
        pairs.push((url_unescape(name, true), url_unescape(value, true)));
    }
    pairs.extend(
        args.iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())),
    );
    parts.query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_escape(k, true), url_escape(v, true)))
        .collect::<Vec<_>>()
        .join("&");
    join_url(&parts)
}

/// Seconds since the Unix epoch for a UTC calendar time, as Python's
/// `calendar.timegm` (which `format_timestamp` applies to time tuples).
/// Day, hour, minute and second may be out of range and roll over
/// (`second = 60` is the next minute); `month` is clamped to 1–12 (Python
/// raises for other months).
///
/// ```
/// assert_eq!(tornado_httputil::timegm(2013, 1, 27, 18, 43, 20), 1_359_312_200);
/// ```
pub fn timegm(year: i64, month: u32, day: u32, hour: i64, minute: i64, second: i64) -> i64 {
    let days = days_from_civil(year, month.clamp(1, 12), 1) + i64::from(day) - 1;
    days * 86_400 + hour * 3_600 + minute * 60 + second
}

/// Formats seconds since the Unix epoch as an HTTP date:
/// `Sun, 27 Jan 2013 18:43:20 GMT`.
///
/// Counterpart of Tornado's `format_timestamp` for an integer timestamp.
/// Years after 9999 print with more digits (Python raises instead).
///
/// ```
/// assert_eq!(tornado_httputil::format_timestamp(1_359_312_200), "Sun, 27 Jan 2013 18:43:20 GMT");
/// ```
pub fn format_timestamp(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        in_day / 3_600,
        in_day % 3_600 / 60,
        in_day % 60
    )
}

/// [`format_timestamp`] for a float timestamp, rounded to microseconds
/// first as Python's `datetime.fromtimestamp` does (so `.9999999` rolls over
/// to the next second). `None` for NaN, infinities and years outside
/// 1–9999.
///
/// Counterpart of Tornado's `format_timestamp` called with a `float`.
///
/// ```
/// assert_eq!(
///     tornado_httputil::format_timestamp_f64(1_359_312_200.999_999).as_deref(),
///     Some("Sun, 27 Jan 2013 18:43:20 GMT")
/// );
/// ```
#[doc(alias = "format_timestamp")]
pub fn format_timestamp_f64(ts: f64) -> Option<String> {
    // 0001-01-01 and 9999-12-31T23:59:59.
    const MIN: f64 = -62_135_596_800.0;
    const MAX: f64 = 253_402_300_799.0;
    if !ts.is_finite() || !(MIN..MAX + 1.0).contains(&ts) {
        return None;
    }
    let whole = ts.trunc();
    let micros = ((ts - whole) * 1e6).round_ties_even();
    let mut secs = whole as i64;
    if micros >= 1e6 {
        secs += 1;
    } else if micros < 0.0 {
        secs -= 1;
    }
    (MIN as i64..=MAX as i64)
        .contains(&secs)
        .then(|| format_timestamp(secs))
}

/// [`format_timestamp`] for a `SystemTime` (whole seconds).
///
/// Counterpart of Tornado's `format_timestamp` called with an aware
/// `datetime.datetime` (a point in time, formatted in UTC).
#[doc(alias = "format_timestamp")]
pub fn format_system_time(time: SystemTime) -> String {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs_f64().ceil() as i64),
    };
    format_timestamp(secs)
}
