//! A command-line fetcher, as `python -m tornado.httpclient URL` is.
//!
//! ```text
//! cargo run --release -p tornado-httpclient --example fetch -- URL
//!     [--method M] [--body B] [--header 'Name: value']...
//!     [--print-headers] [--no-print-body] [--no-follow-redirects]
//!     [--no-validate-cert] [--proxy-host H --proxy-port P]
//! ```
//!
//! Prints the body (and the status line and headers with
//! `--print-headers`); on a failure prints the error to stderr and exits
//! with status 1 (2 for bad arguments). An error response (a status
//! outside 200–299) is printed too, as Tornado's `main()` prints it.

use std::io::Write;
use std::process::ExitCode;

use tornado_httpclient::{HttpClient, HttpRequest};

struct Args {
    url: String,
    method: String,
    body: Option<String>,
    headers: Vec<(String, String)>,
    print_headers: bool,
    print_body: bool,
    follow_redirects: bool,
    validate_cert: bool,
    proxy_host: Option<String>,
    proxy_port: Option<u16>,
}

const USAGE: &str = "usage: fetch URL [--method M] [--body B] [--header 'Name: value']... \
[--print-headers] [--no-print-body] [--no-follow-redirects] [--no-validate-cert] \
[--proxy-host H --proxy-port P]";

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        url: String::new(),
        method: "GET".to_owned(),
        body: None,
        headers: Vec::new(),
        print_headers: false,
        print_body: true,
        follow_redirects: true,
        validate_cert: true,
        proxy_host: None,
        proxy_port: None,
    };
    let value = |argv: &mut dyn Iterator<Item = String>, flag: &str| {
        argv.next().ok_or_else(|| format!("{flag} needs a value"))
    };
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--method" => args.method = value(&mut argv, &arg)?,
            "--body" => args.body = Some(value(&mut argv, &arg)?),
            "--header" => {
                let line = value(&mut argv, &arg)?;
                let (name, v) = line
                    .split_once(':')
                    .ok_or_else(|| format!("header {line:?} is not 'Name: value'"))?;
                args.headers
                    .push((name.trim().to_owned(), v.trim().to_owned()));
            }
            "--print-headers" => args.print_headers = true,
            "--no-print-body" => args.print_body = false,
            "--no-follow-redirects" => args.follow_redirects = false,
            "--no-validate-cert" => args.validate_cert = false,
            "--proxy-host" => args.proxy_host = Some(value(&mut argv, &arg)?),
            "--proxy-port" => {
                let port = value(&mut argv, &arg)?;
                args.proxy_port = Some(port.parse().map_err(|_| format!("bad port {port:?}"))?);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            url if args.url.is_empty() => args.url = url.to_owned(),
            extra => return Err(format!("unexpected argument {extra:?}")),
        }
    }
    if args.url.is_empty() {
        return Err(USAGE.to_owned());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut request = HttpRequest::new(&args.url)
        .method(&args.method)
        .follow_redirects(args.follow_redirects)
        .validate_cert(args.validate_cert)
        .allow_nonstandard_methods(true);
    if let Some(body) = &args.body {
        request = request.body(body.clone());
    }
    for (name, value) in &args.headers {
        request = match request.header(name, value) {
            Ok(request) => request,
            Err(e) => {
                eprintln!("invalid header {name:?}: {e}");
                return ExitCode::from(2);
            }
        };
    }
    if let Some(host) = &args.proxy_host {
        request = request.proxy(host.clone(), args.proxy_port.unwrap_or(80));
    }
    let client = match HttpClient::new() {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // As Tornado's main(): an error response is still printed; the exit
    // status then says it failed.
    let (response, failed) = match client.fetch(request) {
        Ok(response) => (response, false),
        Err(e) => {
            eprintln!("error: {e}");
            match e.into_response() {
                Some(response) => (response, true),
                None => return ExitCode::FAILURE,
            }
        }
    };
    let mut out = std::io::stdout().lock();
    if args.print_headers {
        let _ = writeln!(out, "HTTP/1.1 {} {}", response.code, response.reason);
        for (name, value) in response.headers.get_all() {
            let _ = writeln!(out, "{name}: {value}");
        }
        let _ = writeln!(out);
    }
    if args.print_body {
        let _ = out.write_all(&response.body);
    }
    let _ = out.flush();
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
