//! Against the real Python Tornado 6.6.1 server (when `python3 -c "import
//! tornado"` works): its gzip transform, chunked output, redirects,
//! 304s, keep-alive and `100-continue` as our client sees them. Prints a
//! warning and checks nothing where Tornado is not installed.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::run;
use tornado_httpclient::{AsyncHttpClient, HttpRequest};

const APP: &str = r#"
import asyncio, tornado.web
class Hello(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello world!")
class Big(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("tornado " * 10000)
class Chunk(tornado.web.RequestHandler):
    async def get(self):
        self.write("asdf")
        await self.flush()
        self.write("qwer")
class Echo(tornado.web.RequestHandler):
    def post(self):
        self.write(self.request.body)
class Etag(tornado.web.RequestHandler):
    def get(self):
        self.write("cached body")
async def main():
    app = tornado.web.Application([
        ("/hello", Hello), ("/big", Big), ("/chunk", Chunk), ("/echo", Echo), ("/etag", Etag),
        ("/redirect", tornado.web.RedirectHandler, {"url": "/hello"}),
    ], gzip=True)
    server = app.listen(0, "127.0.0.1")
    port = list(server._sockets.values())[0].getsockname()[1]
    print(port, flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"#;

struct Tornado {
    child: Child,
    port: u16,
}

impl Drop for Tornado {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tornado() -> Option<Tornado> {
    let mut child = Command::new("python3")
        .args(["-c", APP])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    match line.trim().parse() {
        Ok(port) => Some(Tornado { child, port }),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
}

#[test]
fn against_python_tornado() {
    let Some(server) = tornado() else {
        println!(
            "warning: Python Tornado is not importable; against_python_tornado checks nothing"
        );
        return;
    };
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", server.port);
    run(async {
        let client = AsyncHttpClient::new();
        let r = client.fetch(url("/hello")).await.unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
        // Tornado's gzip transform, decompressed here.
        let r = client.fetch(url("/big")).await.unwrap();
        assert_eq!(
            r.headers.get("X-Consumed-Content-Encoding").unwrap(),
            "gzip"
        );
        assert_eq!(r.body.len(), "tornado ".len() * 10000);
        let r = client.fetch(url("/chunk")).await.unwrap();
        assert_eq!(r.text(), Some("asdfqwer"));
        let r = client.fetch(url("/redirect")).await.unwrap();
        assert!(r.effective_url.ends_with("/hello"));
        let r = client
            .fetch(
                HttpRequest::new(url("/echo"))
                    .method("POST")
                    .body("1234")
                    .expect_100_continue(true),
            )
            .await
            .unwrap();
        assert_eq!(r.text(), Some("1234"));
        let r =
            client
                .fetch(HttpRequest::new(url("/echo")).method("POST").body_producer(
                    |w| async move {
                        w.write(&b"chunked "[..]).await?;
                        w.write(&b"upload"[..]).await
                    },
                ))
                .await
                .unwrap();
        assert_eq!(r.text(), Some("chunked upload"));
        // An ETag round trip: Tornado answers 304 without a body.
        let r = client.fetch(url("/etag")).await.unwrap();
        let etag = r.headers.get("Etag").unwrap().into_owned();
        let r = client
            .fetch_with(
                HttpRequest::new(url("/etag"))
                    .header("If-None-Match", &etag)
                    .unwrap(),
                false,
            )
            .await
            .unwrap();
        assert_eq!(r.code, 304);
        assert!(r.body.is_empty());
        // All of it over one kept-alive connection.
        assert_eq!(client.connections_opened(), 1);
    });
}
