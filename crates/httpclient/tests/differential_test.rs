//! Differential test: the same raw responses fetched by Python Tornado
//! 6.6.1's `SimpleAsyncHTTPClient` (when importable) and by ours; both must
//! agree on accept or refuse, status and body, except where
//! `docs/deviations.md` says we differ on purpose. Prints a warning and
//! checks nothing where Tornado is not installed.

mod common;

use std::process::Command;

use common::{canned, gzip, run};
use tornado_httpclient::AsyncHttpClient;

const CLIENT: &str = r#"
import sys, json, asyncio
from tornado.httpclient import AsyncHTTPClient
async def main():
    client = AsyncHTTPClient()
    for url in sys.argv[1:]:
        try:
            r = await client.fetch(url, raise_error=False, request_timeout=5)
            print(json.dumps({"code": r.code, "body": r.body.decode("latin-1")}), flush=True)
        except Exception as e:
            print(json.dumps({"error": type(e).__name__}), flush=True)
asyncio.run(main())
"#;

/// A raw response and whether we differ from Tornado on it on purpose.
struct Case {
    name: &'static str,
    reply: Vec<u8>,
    deviation: bool,
}

fn case(name: &'static str, reply: &[u8]) -> Case {
    Case {
        name,
        reply: reply.to_vec(),
        deviation: false,
    }
}

fn cases() -> Vec<Case> {
    let mut gz = gzip(b"hello ");
    gz.extend(gzip(b"world"));
    let mut gzipped = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    gzipped.extend(gz);
    let mut informational_10 = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(10);
    informational_10.extend(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let mut informational_11 = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(11);
    informational_11.extend(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    vec![
        case("plain", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        case("equal lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"),
        case("unequal lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 2,3\r\n\r\nok"),
        case("negative length", b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok"),
        case("plus length", b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"),
        case(
            "chunked",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n",
        ),
        case(
            "bad chunk size",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
        ),
        case(
            "chunk without CRLF",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX0\r\n\r\n",
        ),
        case(
            "chunked and length",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nok",
        ),
        case(
            "gzip transfer coding",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok",
        ),
        case("close delimited", b"HTTP/1.0 200 OK\r\n\r\nuntil close"),
        case("short body", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
        case("204", b"HTTP/1.1 204 No Content\r\n\r\n"),
        case("204 with body", b"HTTP/1.1 204 No Content\r\nContent-Length: 1\r\n\r\nx"),
        case("304 with length", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n"),
        case("404", b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope"),
        case("ten 1xx", &informational_10),
        case("eleven 1xx", &informational_11),
        // RFC 9112 §5.2 has user agents unfold; Tornado 6.6 refuses.
        Case {
            name: "folded header",
            reply: b"HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok".to_vec(),
            deviation: true,
        },
        case("bare LF head", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
        case("bad status", b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok"),
        case("not http", b"SSH-2.0-OpenSSH\r\n\r\n"),
        case(
            "invalid gzip",
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnotgz",
        ),
        case("two gzip members", &gzipped),
        Case {
            name: "chunk extension",
            reply: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\r\nok\r\n0\r\n\r\n"
                .to_vec(),
            deviation: true,
        },
        Case {
            name: "trailer",
            reply: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX: y\r\n\r\n"
                .to_vec(),
            deviation: true,
        },
    ]
}

/// `Ok((code, body))` or `Err(())` for a failure without a response.
type Outcome = Result<(u16, Vec<u8>), ()>;

fn python(urls: &[String]) -> Option<Vec<Outcome>> {
    let output = Command::new("python3")
        .arg("-c")
        .arg(CLIENT)
        .args(urls)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let outcomes: Vec<Outcome> = text
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("json line");
            match v.get("code") {
                Some(code) => Ok((
                    code.as_u64().unwrap_or(0) as u16,
                    v["body"]
                        .as_str()
                        .unwrap_or_default()
                        .chars()
                        .map(|c| c as u8)
                        .collect(),
                )),
                None => Err(()),
            }
        })
        .collect();
    (outcomes.len() == urls.len()).then_some(outcomes)
}

#[test]
fn same_outcomes_as_tornado() {
    let cases = cases();
    let servers: Vec<_> = cases
        .iter()
        .map(|c| canned(Vec::leak(c.reply.clone())))
        .collect();
    let urls: Vec<String> = servers.iter().map(|s| s.url("/")).collect();
    let Some(theirs) = python(&urls) else {
        println!(
            "warning: Python Tornado is not importable; same_outcomes_as_tornado checks nothing"
        );
        return;
    };
    let ours: Vec<Outcome> = run(async {
        let mut out = Vec::new();
        for url in &urls {
            // A fresh client per case, as each raw server answers once.
            let result = AsyncHttpClient::new().fetch_with(url.as_str(), false).await;
            out.push(result.map(|r| (r.code, r.body.to_vec())).map_err(|_| ()));
        }
        out
    });
    let mut disagreements = Vec::new();
    for ((case, ours), theirs) in cases.iter().zip(&ours).zip(&theirs) {
        let agree = ours == theirs;
        if agree == case.deviation {
            disagreements.push(format!(
                "{}: ours {:?}, Tornado {:?} (documented deviation: {})",
                case.name, ours, theirs, case.deviation
            ));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
