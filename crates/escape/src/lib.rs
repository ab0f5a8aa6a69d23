//! HTML, URL and JSON escaping, byte-compatible with Tornado's
//! `tornado.escape`.
//!
//! This crate mirrors Python's `tornado.escape` module (Tornado 6.6.1). Every
//! function gives the same output as its Python counterpart on the shared
//! conformance vectors; the few deliberate differences are listed in
//! `docs/deviations.md`. It is a pure layer-0 crate: no I/O, no global state,
//! every function is safe to call from any thread.
//!
//! | Tornado | here |
//! |---|---|
//! | `xhtml_escape`, `xhtml_unescape` | [`xhtml_escape`], [`xhtml_escape_into`], [`xhtml_unescape`] |
//! | `url_escape`, `url_unescape` | [`url_escape`], [`url_escape_bytes`], [`url_unescape`], [`url_unescape_to`], [`url_unescape_bytes`] |
//! | `parse_qs_bytes` | [`parse_qs_bytes`] with [`ParseQsOptions`], giving [`QueryArguments`] |
//! | `json_encode`, `json_decode` | [`json_encode`], [`json_decode`], [`json_decode_bytes`] |
//! | `squeeze`, `linkify` | [`squeeze`], [`linkify`] with [`LinkifyOptions`] |
//! | `utf8`, `to_unicode` | [`utf8`], [`to_unicode`] |
//!
//! # Example
//!
//! ```
//! use tornado_escape::{json_encode, linkify, url_escape, xhtml_escape, LinkifyOptions};
//!
//! assert_eq!(xhtml_escape("<b>\"Tom\" & 'Jerry'</b>"),
//!            "&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;");
//! assert_eq!(url_escape("a b&c", true), "a+b%26c");
//! assert_eq!(json_encode(&vec!["</script>", "é"]), r#"["<\/script>", "\u00e9"]"#);
//! assert_eq!(
//!     linkify("docs at www.tornadoweb.org", &LinkifyOptions::default()),
//!     r#"docs at <a href="http://www.tornadoweb.org">www.tornadoweb.org</a>"#,
//! );
//! ```
//!
//! Python functions that accept `str` or `bytes` become a `&str` function
//! plus, where bytes make sense, a `_bytes` variant. Errors are one `Copy`
//! enum, [`EscapeError`].

mod entities;
mod error;
mod html;
mod json;
mod linkify;
mod qs;
mod text;
mod url;

pub use error::EscapeError;
pub use html::{xhtml_escape, xhtml_escape_cow, xhtml_escape_into, xhtml_unescape};
pub use json::{
    float_repr, json_decode, json_decode_as, json_decode_bytes, json_encode, push_float_repr,
    try_json_encode,
};
pub use linkify::{ExtraParams, LinkifyOptions, linkify};
pub use qs::{ParseQsOptions, QueryArguments, latin1_encode, parse_qs_bytes};
pub use text::{is_python_whitespace, python_strip, squeeze, to_unicode, to_unicode_lossy, utf8};
pub use url::{
    UrlEncoding, unquote_to_bytes, url_escape, url_escape_bytes, url_unescape, url_unescape_bytes,
    url_unescape_to,
};
