"""Peer (e): Python Tornado's own hello server for `cargo xtask bench http`.

`python3 benches/http/tornado_hello.py --port N`: `GET /` answers `200`,
`Content-Type: text/plain`, body `Hello, world`, keep-alive (a
`tornado.web.Application` with one `RequestHandler`, one process, one
thread, asyncio event loop; access logging is off as in the Rust servers).
"""

import argparse
import asyncio
import logging

import tornado.web


class HelloHandler(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write(b"Hello, world")


async def main(port):
    app = tornado.web.Application([(r"/", HelloHandler)])
    app.listen(port, address="127.0.0.1")
    print(f"tornado {tornado.version} listening on 127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8888)
    args = parser.parse_args()
    logging.getLogger("tornado.access").disabled = True
    asyncio.run(main(args.port))
