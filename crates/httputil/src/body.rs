//! Form bodies: `application/x-www-form-urlencoded` and
//! `multipart/form-data`.

use std::collections::HashMap;

use tornado_escape::{ParseQsOptions, QueryArguments, parse_qs_bytes, python_strip};

use crate::error::HttpInputError;
use crate::header_params::parse_header;
use crate::headers::HttpHeaders;

/// Limits for `multipart/form-data` bodies.
///
/// Counterpart of Tornado's `ParseMultipartConfig`; `Default` gives its
/// values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "ParseMultipartConfig")]
pub struct MultipartConfig {
    /// Parse multipart bodies at all. Default `true`; when `false` such a
    /// body is an error.
    pub enabled: bool,
    /// Most parts in one body. Default 100 (Tornado counts the empty
    /// preamble as a part and so allows 99; we allow 100). Bounds the work
    /// and the number of allocations per request.
    pub max_parts: usize,
    /// Most bytes in one part's header block. Default 10,240. Bounds the
    /// cost of header parsing per part.
    pub max_part_header_size: usize,
}

impl Default for MultipartConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_parts: 100,
            max_part_header_size: 10 * 1024,
        }
    }
}

/// Limits for `application/x-www-form-urlencoded` bodies and query strings.
///
/// Counterpart of Tornado's `ParseUrlEncodedConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "ParseUrlEncodedConfig")]
pub struct UrlEncodedConfig {
    /// Most fields, counted as one plus the number of `&`. Default 1,000.
    /// Bounds parsing work and memory per request.
    pub max_arguments: usize,
}

impl Default for UrlEncodedConfig {
    fn default() -> Self {
        Self {
            max_arguments: 1000,
        }
    }
}

/// Body parsing limits, per server or application (Tornado keeps them in
/// one global, `set_parse_body_config`).
///
/// Counterpart of Tornado's `ParseBodyConfig`.
///
/// ```
/// let config = tornado_httputil::ParseBodyConfig::default().max_parts(10).max_arguments(50);
/// assert_eq!((config.multipart.max_parts, config.urlencoded.max_arguments), (10, 50));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ParseBodyConfig {
    /// Multipart limits.
    pub multipart: MultipartConfig,
    /// Urlencoded (and query string) limits.
    pub urlencoded: UrlEncodedConfig,
}

impl ParseBodyConfig {
    /// Sets [`MultipartConfig::enabled`].
    pub fn multipart_enabled(mut self, enabled: bool) -> Self {
        self.multipart.enabled = enabled;
        self
    }

    /// Sets [`MultipartConfig::max_parts`].
    pub fn max_parts(mut self, max_parts: usize) -> Self {
        self.multipart.max_parts = max_parts;
        self
    }

    /// Sets [`MultipartConfig::max_part_header_size`].
    pub fn max_part_header_size(mut self, size: usize) -> Self {
        self.multipart.max_part_header_size = size;
        self
    }

    /// Sets [`UrlEncodedConfig::max_arguments`].
    pub fn max_arguments(mut self, max_arguments: usize) -> Self {
        self.urlencoded.max_arguments = max_arguments;
        self
    }
}

/// An uploaded file from a multipart body.
///
/// Counterpart of Tornado's `tornado.httputil.HTTPFile`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "HTTPFile")]
pub struct HttpFile {
    /// The client's file name (RFC 2231/5987 `filename*` decoded).
    pub filename: String,
    /// The file's bytes.
    pub body: Vec<u8>,
    /// The part's `Content-Type`, or `application/unknown`.
    pub content_type: String,
}

/// Uploaded files by form field name, in first-seen order (Tornado's
/// `dict[str, list[HTTPFile]]`).
///
/// Counterpart of the `files` dict of Tornado's `HTTPServerRequest` (also
/// the `files` argument filled by `parse_body_arguments`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[doc(alias = "files")]
pub struct HttpFiles {
    entries: Vec<(String, Vec<HttpFile>)>,
    index: HashMap<String, usize>,
}

impl HttpFiles {
    /// No files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a file under `name`.
    pub fn push(&mut self, name: &str, file: HttpFile) {
        match self.index.get(name) {
            Some(&i) => self.entries[i].1.push(file),
            None => {
                self.index.insert(name.to_owned(), self.entries.len());
                self.entries.push((name.to_owned(), vec![file]));
            }
        }
    }

    /// The files under `name`.
    pub fn get(&self, name: &str) -> Option<&[HttpFile]> {
        self.index.get(name).map(|&i| self.entries[i].1.as_slice())
    }

    /// `(name, files)` in first-seen order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[HttpFile])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Number of field names with files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are no files.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Parses a form body into `arguments` and `files` (both appended to).
///
/// Counterpart of Tornado's `parse_body_arguments`. The content type is
/// matched by case-sensitive prefix, as in Tornado: a body whose type is
/// neither `application/x-www-form-urlencoded…` nor `multipart/form-data…`
/// is left alone. A `Content-Encoding` header makes either kind an error.
/// Urlencoded bodies keep blank values and obey
/// [`UrlEncodedConfig::max_arguments`]; multipart bodies need a `boundary`
/// parameter and obey [`MultipartConfig`].
///
/// ```
/// use tornado_escape::QueryArguments;
/// use tornado_httputil::{parse_body_arguments, HttpFiles, ParseBodyConfig};
/// let (mut args, mut files) = (QueryArguments::new(), HttpFiles::new());
/// let body = b"--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhi\r\n--X--";
/// parse_body_arguments("multipart/form-data; boundary=X", body, &mut args, &mut files, None,
///                      &ParseBodyConfig::default()).unwrap();
/// assert_eq!(files.get("f").unwrap()[0].body, b"hi");
/// ```
pub fn parse_body_arguments(
    content_type: &str,
    body: &[u8],
    arguments: &mut QueryArguments,
    files: &mut HttpFiles,
    headers: Option<&HttpHeaders>,
    config: &ParseBodyConfig,
) -> Result<(), HttpInputError> {
    let encoded = headers.is_some_and(|h| h.contains("Content-Encoding"));
    if content_type.starts_with("application/x-www-form-urlencoded") {
        if encoded {
            return Err(HttpInputError::UnsupportedContentEncoding);
        }
        let options = ParseQsOptions::default()
            .keep_blank_values(true)
            .max_num_fields(Some(config.urlencoded.max_arguments));
        let parsed =
            parse_qs_bytes(body, &options).map_err(|_| HttpInputError::TooManyArguments)?;
        arguments.extend_from(&parsed);
    } else if content_type.starts_with("multipart/form-data") {
        if encoded {
            return Err(HttpInputError::UnsupportedContentEncoding);
        }
        let mut fields = content_type.split(';');
        if fields.next().map(python_strip) != Some("multipart/form-data") {
            return Err(HttpInputError::MultipartInvalidContentType);
        }
        let boundary = content_type
            .split(';')
            .filter_map(|field| python_strip(field).split_once('='))
            .find(|(k, v)| *k == "boundary" && !v.is_empty())
            .map(|(_, v)| v)
            .ok_or(HttpInputError::MultipartNoBoundary)?;
        parse_multipart_form_data(
            boundary.as_bytes(),
            body,
            arguments,
            files,
            &config.multipart,
        )?;
    }
    Ok(())
}

/// Parses a `multipart/form-data` body with the given boundary.
///
/// Counterpart of Tornado's `parse_multipart_form_data`. The last
/// `--boundary--` ends the body (anything after it is ignored); parts are
/// separated by `--boundary\r\n`, each with a header block ended by
/// `\r\n\r\n` (UTF-8, CRLF lines, no control characters, at most
/// [`MultipartConfig::max_part_header_size`] bytes) and a body ended by
/// `\r\n`. `Content-Disposition` must be exactly `form-data` with a
/// non-empty `name`; a non-empty `filename` (or `filename*`) makes the part
/// a file. The first bad part rejects the whole body.
pub fn parse_multipart_form_data(
    boundary: &[u8],
    data: &[u8],
    arguments: &mut QueryArguments,
    files: &mut HttpFiles,
    config: &MultipartConfig,
) -> Result<(), HttpInputError> {
    if !config.enabled {
        return Err(HttpInputError::MultipartDisabled);
    }
    let boundary = match boundary
        .strip_prefix(b"\"")
        .and_then(|b| b.strip_suffix(b"\""))
    {
        Some(inner) => inner,
        None => boundary,
    };
    let final_boundary = [b"--", boundary, b"--"].concat();
    let end = memchr::memmem::rfind(data, &final_boundary)
        .ok_or(HttpInputError::MultipartNoFinalBoundary)?;
    let data = &data[..end];
    let delimiter = [b"--", boundary, b"\r\n"].concat();
    // Find the delimiters first, stopping as soon as there are too many, so a
    // hostile body costs at most one bounded scan before it is refused.
    let mut starts = vec![0];
    for at in memchr::memmem::find_iter(data, &delimiter) {
        if at < *starts.last().unwrap_or(&0) {
            continue; // overlapping match inside the previous delimiter
        }
        if starts.len() > config.max_parts {
            return Err(HttpInputError::MultipartTooManyParts);
        }
        starts.push(at + delimiter.len());
    }
    let mut pieces = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let stop = starts
            .get(i + 1)
            .map_or(data.len(), |&next| next - delimiter.len());
        pieces.push(&data[start..stop]);
    }
    for part in pieces {
        crate::work::step();
        if !part.is_empty() {
            parse_part(part, arguments, files, config)?;
        }
    }
    Ok(())
}

fn parse_part(
    part: &[u8],
    arguments: &mut QueryArguments,
    files: &mut HttpFiles,
    config: &MultipartConfig,
) -> Result<(), HttpInputError> {
    let eoh =
        memchr::memmem::find(part, b"\r\n\r\n").ok_or(HttpInputError::MultipartMissingHeaders)?;
    if eoh > config.max_part_header_size {
        return Err(HttpInputError::MultipartPartHeaderTooLarge);
    }
    let header_text = std::str::from_utf8(&part[..eoh])
        .map_err(|_| HttpInputError::MultipartInvalidPartHeader)?;
    let headers = HttpHeaders::parse_part_headers(header_text)
        .map_err(|_| HttpInputError::MultipartInvalidPartHeader)?;
    let disposition_header = headers.get("Content-Disposition").unwrap_or_default();
    let (disposition, params) = parse_header(&disposition_header);
    if disposition != "form-data" || !part.ends_with(b"\r\n") {
        return Err(HttpInputError::MultipartInvalidPart);
    }
    let value_start = (eoh + 4).min(part.len() - 2);
    let value = &part[value_start..part.len() - 2];
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let name = param("name").ok_or(HttpInputError::MultipartMissingName)?;
    match param("filename") {
        Some(filename) => {
            let content_type = headers
                .get("Content-Type")
                .map_or_else(|| "application/unknown".to_owned(), |c| c.into_owned());
            files.push(
                name,
                HttpFile {
                    filename: filename.to_owned(),
                    body: value.to_vec(),
                    content_type,
                },
            );
        }
        None => arguments.push(name, value.to_vec()),
    }
    Ok(())
}
