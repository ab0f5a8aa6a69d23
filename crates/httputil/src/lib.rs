//! HTTP utilities without I/O: headers, start lines, bodies, cookies, as
//! Tornado's `tornado.httputil`.
//!
//! This crate mirrors Python's `tornado.httputil` module (Tornado 6.6.1). It
//! is a pure layer-0 crate: no sockets, no async, no global state (Tornado's
//! global `set_parse_body_config` becomes a [`ParseBodyConfig`] value passed
//! in). Everything is `Send` and may be used from any thread.
//!
//! | Tornado | here |
//! |---|---|
//! | `HTTPHeaders` | [`HttpHeaders`] |
//! | `RequestStartLine`, `ResponseStartLine`, `parse_*_start_line` | [`RequestStartLine`], [`ResponseStartLine`], [`parse_request_start_line`], [`parse_response_start_line`] |
//! | `HTTPServerRequest` | [`HttpServerRequest`] |
//! | `parse_body_arguments`, `parse_multipart_form_data`, `HTTPFile`, `ParseBodyConfig` | [`parse_body_arguments`], [`parse_multipart_form_data`], [`HttpFile`], [`ParseBodyConfig`] |
//! | `url_concat`, `format_timestamp`, `parse_cookie`, `split_host_and_port`, `qs_to_qsl`, `encode_username_password` | same names |
//! | `_parse_header`, `_encode_header`, `_parse_request_range`, `_get_content_range` | [`parse_header`], [`encode_header`], [`parse_request_range`], [`get_content_range`] |
//! | `HTTPInputError` | [`HttpInputError`] |
//!
//! Parsing follows our `SECURITY.md`, which is stricter than Tornado in a few
//! places (bare-LF header lines, raw bytes ≥ 0x80 in a request target); the
//! differences are listed in `docs/deviations.md`. Every parser runs in
//! linear time and every limit is configurable.
//!
//! # Example
//!
//! ```
//! use tornado_httputil::{HttpHeaders, HttpServerRequest, ParseBodyConfig, parse_request_start_line};
//!
//! let line = parse_request_start_line("POST /login?next=%2F HTTP/1.1")?;
//! let headers = HttpHeaders::parse(
//!     "Host: example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n",
//! )?;
//! let mut request = HttpServerRequest::new(line, headers, b"user=ana&remember".to_vec())?;
//! request.parse_body(&ParseBodyConfig::default())?;
//! assert_eq!(request.arguments.get_last("next"), Some(b"/".as_slice()));
//! assert_eq!(request.body_arguments.get_last("user"), Some(b"ana".as_slice()));
//! assert_eq!(request.body_arguments.get_last("remember"), Some(b"".as_slice()));
//! # Ok::<(), tornado_httputil::HttpInputError>(())
//! ```

mod body;
mod cookie;
mod error;
mod header_params;
mod headers;
mod range;
mod request;
mod start_line;
mod util;
mod work;

pub use body::{
    HttpFile, HttpFiles, MultipartConfig, ParseBodyConfig, UrlEncodedConfig, parse_body_arguments,
    parse_multipart_form_data,
};
pub use cookie::{is_legal_cookie_name, parse_cookie};
pub use error::HttpInputError;
pub use header_params::{encode_header, parse_header};
pub use headers::{
    HttpHeaders, alphanumeric_and, is_tchar, is_token, is_token_bytes, normalize_header_name,
};
pub use range::{get_content_range, parse_request_range};
pub use request::HttpServerRequest;
pub use start_line::{
    RequestStartLine, ResponseStartLine, parse_request_start_line, parse_response_start_line,
};
pub use util::{
    encode_username_password, encode_username_password_bytes, format_system_time, format_timestamp,
    format_timestamp_f64, qs_to_qsl, split_host_and_port, timegm, url_concat,
};
