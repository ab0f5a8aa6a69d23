//! The crate's one error type.

use std::fmt;

/// Malformed input from a peer: Tornado's `HTTPInputError` (a server answers
/// it with `400 Bad Request`).
///
/// A small `Copy` enum: it never carries a copy of the offending input, so it
/// is cheap to return and safe to log. Match on the variant, not on the
/// message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "HTTPInputError")]
pub enum HttpInputError {
    /// A header line starts with space or tab (obs-fold).
    HeaderFolding,
    /// A header line has no `:`.
    NoColon,
    /// A header line ends with LF alone, without CR (refused; see
    /// `docs/deviations.md`).
    BareLf,
    /// A header name is empty or not an RFC 9110 token.
    InvalidHeaderName,
    /// A header value holds CR, LF, NUL or another forbidden character.
    InvalidHeaderValue,
    /// The request line is not `method SP target SP HTTP/d.d`.
    MalformedRequestLine,
    /// The start line names a version other than `HTTP/1.x`.
    UnexpectedVersion,
    /// The status line is not `HTTP/d.d SP 3DIGIT SP [reason]`.
    MalformedResponseLine,
    /// The Host header is missing on an HTTP/1.1 request.
    MissingHost,
    /// The Host header is not `uri-host [":" port]`.
    InvalidHost,
    /// The Host header holds a comma (several Host headers were merged).
    MultipleHosts,
    /// The query string is not latin-1 or has too many fields.
    InvalidQuery,
    /// A form body arrived with a `Content-Encoding`.
    UnsupportedContentEncoding,
    /// A urlencoded body has more fields than allowed.
    TooManyArguments,
    /// The multipart content type is not exactly `multipart/form-data`.
    MultipartInvalidContentType,
    /// The multipart content type has no `boundary`.
    MultipartNoBoundary,
    /// Multipart parsing is switched off in the configuration.
    MultipartDisabled,
    /// The multipart body has no final `--boundary--`.
    MultipartNoFinalBoundary,
    /// The multipart body has more parts than allowed.
    MultipartTooManyParts,
    /// A multipart part has no `\r\n\r\n` after its headers.
    MultipartMissingHeaders,
    /// A multipart part header is larger than allowed.
    MultipartPartHeaderTooLarge,
    /// A multipart part header is not UTF-8 or breaks the header rules.
    MultipartInvalidPartHeader,
    /// A multipart part is not `form-data` or does not end with CRLF.
    MultipartInvalidPart,
    /// A multipart part has no `name` parameter.
    MultipartMissingName,
}

impl fmt::Display for HttpInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The wording follows Tornado's messages (lower-cased), without the
        // echoed input.
        f.write_str(match self {
            Self::HeaderFolding => {
                "header line cannot start with whitespace, folding not supported"
            }
            Self::NoColon => "no colon in header line",
            Self::BareLf => "header line ends with a bare lf",
            Self::InvalidHeaderName => "invalid header name",
            Self::InvalidHeaderValue => "invalid header value",
            Self::MalformedRequestLine => "malformed http request line",
            Self::UnexpectedVersion => "unexpected http version",
            Self::MalformedResponseLine => "error parsing response start line",
            Self::MissingHost => "missing host header",
            Self::InvalidHost => "invalid host header",
            Self::MultipleHosts => "multiple host headers not allowed",
            Self::InvalidQuery => "invalid query string: max number of fields exceeded",
            Self::UnsupportedContentEncoding => "unsupported content-encoding",
            Self::TooManyArguments => {
                "invalid x-www-form-urlencoded body: max number of fields exceeded"
            }
            Self::MultipartInvalidContentType => {
                "invalid multipart/form-data: invalid content type"
            }
            Self::MultipartNoBoundary => {
                "invalid multipart/form-data: multipart boundary not found"
            }
            Self::MultipartDisabled => {
                "invalid multipart/form-data: multipart/form-data parsing is disabled"
            }
            Self::MultipartNoFinalBoundary => {
                "invalid multipart/form-data: invalid multipart/form-data: no final boundary found"
            }
            Self::MultipartTooManyParts => {
                "invalid multipart/form-data: multipart/form-data has too many parts"
            }
            Self::MultipartMissingHeaders => {
                "invalid multipart/form-data: multipart/form-data missing headers"
            }
            Self::MultipartPartHeaderTooLarge => {
                "invalid multipart/form-data: multipart/form-data part header too large"
            }
            Self::MultipartInvalidPartHeader => "invalid multipart/form-data: invalid part header",
            Self::MultipartInvalidPart => {
                "invalid multipart/form-data: invalid multipart/form-data"
            }
            Self::MultipartMissingName => {
                "invalid multipart/form-data: multipart/form-data missing name"
            }
        })
    }
}

impl std::error::Error for HttpInputError {}
