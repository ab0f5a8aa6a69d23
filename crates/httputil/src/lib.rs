//! HTTP utilities without I/O: headers, start lines, bodies, cookies, as tornado.httputil.
//!
//! Mirrors Python's `tornado.httputil`.
