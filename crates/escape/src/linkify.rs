//! Turning URLs in plain text into HTML links.

use std::fmt;
use std::sync::{Arc, LazyLock};

use regex::{Captures, Regex};

use crate::html::xhtml_escape;
use crate::text::python_strip;

/// Python's `\s` for `str` patterns (the characters `str.isspace()` accepts).
const PY_SPACE: &str =
    r"\t-\r\x1C-\x20\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}";
/// Python's `\w` for `str` patterns: letters, numbers and `_`.
const PY_WORD: &str = r"\p{L}\p{N}_";

/// Tornado's URL pattern without its leading `\b`, which is checked by hand
/// with Python's definition of a word character.
static URL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let body = format!(r"(?:[^{PY_SPACE}\&\(\)]|\&amp;|\&quot;)");
    let last = format!(r#"[^!"\#$%\&'\(\)\*\+,\.:;<=>\?@\[\]\^`\{{\|\}}\~{PY_SPACE}]"#);
    let pattern =
        format!(r"((?:([{PY_WORD}\-]+):(/{{1,3}})|www[.])(?:(?:{body}*{last})|(?:\({body}*\)))+)");
    Regex::new(&pattern).unwrap_or_else(|e| unreachable!("static pattern: {e}"))
});

static WORD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("^[{PY_WORD}]")).unwrap_or_else(|e| unreachable!("static pattern: {e}"))
});

fn is_word_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    c.is_ascii_alphanumeric()
        || c == '_'
        || (!c.is_ascii() && WORD_RE.is_match(c.encode_utf8(&mut buf)))
}

/// Python's `\b` at byte offset `at` of `text`.
fn is_word_boundary(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back().is_some_and(is_word_char);
    let after = text[at..].chars().next().is_some_and(is_word_char);
    before != after
}

/// What [`linkify`] adds inside each `<a>` tag after the `href`.
#[derive(Clone, Default)]
pub enum ExtraParams {
    /// Nothing (Tornado's default `extra_params=""`).
    #[default]
    None,
    /// Fixed text, e.g. `rel="nofollow" class="external"`; surrounding
    /// whitespace is stripped and one space is put before it.
    Text(String),
    /// A function of the link's `href` returning the text (Tornado's
    /// callable `extra_params`).
    Callback(Arc<dyn Fn(&str) -> String + Send + Sync>),
}

impl fmt::Debug for ExtraParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Self::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

/// Options for [`linkify`]; `Default` matches Tornado's defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LinkifyOptions {
    /// Shorten long URLs for display (to about 30 characters, with `...`)
    /// and put the full URL in a `title`. Default `false`.
    pub shorten: bool,
    /// Extra attributes for each link. Default none.
    pub extra_params: ExtraParams,
    /// Only link URLs that carry a protocol (so `www.x.com` stays text).
    /// Default `false`.
    pub require_protocol: bool,
    /// Protocols that may be linked, compared case-sensitively. Default
    /// `["http", "https"]`. Linking `javascript` is unsafe.
    pub permitted_protocols: Vec<String>,
}

impl Default for LinkifyOptions {
    fn default() -> Self {
        Self {
            shorten: false,
            extra_params: ExtraParams::None,
            require_protocol: false,
            permitted_protocols: vec!["http".to_owned(), "https".to_owned()],
        }
    }
}

impl LinkifyOptions {
    /// Sets [`shorten`](Self::shorten).
    pub fn shorten(mut self, shorten: bool) -> Self {
        self.shorten = shorten;
        self
    }

    /// Sets fixed [`extra_params`](Self::extra_params) text.
    pub fn extra_params(mut self, text: impl Into<String>) -> Self {
        self.extra_params = ExtraParams::Text(text.into());
        self
    }

    /// Sets an [`extra_params`](Self::extra_params) callback.
    pub fn extra_params_fn(mut self, f: impl Fn(&str) -> String + Send + Sync + 'static) -> Self {
        self.extra_params = ExtraParams::Callback(Arc::new(f));
        self
    }

    /// Sets [`require_protocol`](Self::require_protocol).
    pub fn require_protocol(mut self, require: bool) -> Self {
        self.require_protocol = require;
        self
    }

    /// Sets [`permitted_protocols`](Self::permitted_protocols).
    pub fn permitted_protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.permitted_protocols = protocols.into_iter().map(Into::into).collect();
        self
    }
}

/// HTML-escapes `text` and turns the URLs in it into `<a>` links.
///
/// Counterpart of Tornado's `tornado.escape.linkify`. A URL is a protocol
/// (letters, digits, `_`, `-`) followed by `:` and one to three `/`, or a host
/// starting with `www.` (which gets `http://` in the `href`). Trailing
/// punctuation is left out of the link and one level of balanced parentheses
/// is kept. Protocols are compared case-sensitively against
/// [`LinkifyOptions::permitted_protocols`].
///
/// ```
/// use tornado_escape::{linkify, LinkifyOptions};
/// let html = linkify("see http://x.com & www.y.org!", &LinkifyOptions::default());
/// assert_eq!(
///     html,
///     r#"see <a href="http://x.com">http://x.com</a> &amp; <a href="http://www.y.org">www.y.org</a>!"#
/// );
/// ```
pub fn linkify(text: &str, options: &LinkifyOptions) -> String {
    let fixed_params = match &options.extra_params {
        ExtraParams::Text(text) if !text.is_empty() => format!(" {}", python_strip(text)),
        _ => String::new(),
    };
    let text = xhtml_escape(text);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while search <= text.len() {
        let Some(caps) = URL_RE.captures_at(&text, search) else {
            break;
        };
        let Some(whole) = caps.get(0) else { break };
        if !is_word_boundary(&text, whole.start()) {
            search = whole.start()
                + text[whole.start()..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
            continue;
        }
        out.push_str(&text[copied..whole.start()]);
        make_link(&caps, options, &fixed_params, &mut out);
        copied = whole.end();
        search = whole.end();
    }
    out.push_str(&text[copied..]);
    out
}

fn make_link(caps: &Captures<'_>, options: &LinkifyOptions, fixed_params: &str, out: &mut String) {
    let url = caps.get(1).map_or("", |m| m.as_str());
    let proto = caps.get(2).map(|m| m.as_str());
    let slashes = caps.get(3).map_or("", |m| m.as_str());
    let permitted = match proto {
        None => !options.require_protocol,
        Some(proto) => options.permitted_protocols.iter().any(|p| p == proto),
    };
    if !permitted {
        out.push_str(url);
        return;
    }
    let href = match proto {
        Some(_) => url.to_owned(),
        None => format!("http://{url}"),
    };
    let mut params = match &options.extra_params {
        ExtraParams::Callback(f) => format!(" {}", python_strip(&f(&href))),
        _ => fixed_params.to_owned(),
    };
    let mut shown = url.to_owned();
    if options.shorten {
        let proto_len = proto.map_or(0, |p| p.chars().count() + 1 + slashes.chars().count());
        if let Some(short) = shorten_url(url, proto_len) {
            shown = short;
            params.push_str(&format!(" title=\"{href}\""));
        }
    }
    out.push_str("<a href=\"");
    out.push_str(&href);
    out.push('"');
    out.push_str(&params);
    out.push('>');
    out.push_str(&shown);
    out.push_str("</a>");
}

/// Tornado's display shortening, in characters (code points). Returns `None`
/// when the URL is shown in full.
fn shorten_url(url: &str, proto_len: usize) -> Option<String> {
    const MAX_LEN: usize = 30;
    let chars: Vec<char> = url.chars().collect();
    if chars.len() <= MAX_LEN {
        return None;
    }
    let mut short: Vec<char> = chars.clone();
    let rest: String = chars[proto_len.min(chars.len())..].iter().collect();
    let mut parts = rest.split('/');
    if let (Some(host), Some(first)) = (parts.next(), parts.next()) {
        let first: String = first.chars().take(8).collect();
        let first = first.split('?').next().unwrap_or("");
        let first = first.split('.').next().unwrap_or("");
        short = chars[..proto_len.min(chars.len())].to_vec();
        short.extend(host.chars());
        short.push('/');
        short.extend(first.chars());
    }
    if short.len() * 2 > MAX_LEN * 3 {
        short.truncate(MAX_LEN);
    }
    if short == chars {
        return None;
    }
    if let Some(amp) = short.iter().rposition(|&c| c == '&') {
        if amp > MAX_LEN - 5 {
            short.truncate(amp);
        }
    }
    short.extend("...".chars());
    if short.len() >= chars.len() {
        return None;
    }
    Some(short.into_iter().collect())
}
