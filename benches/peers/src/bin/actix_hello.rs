//! Peer (b): actix-web with one worker.

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(tornado_bench_peers::BODY)
}

fn main() -> std::io::Result<()> {
    let port = tornado_bench_peers::port_from_args();
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(|| App::new().route("/", web::get().to(hello)))
            .workers(1)
            // actix closes idle keep-alive connections after 5 s by default;
            // the idle-memory measurement needs them to stay open (Tornado's
            // idle_connection_timeout is an hour).
            .keep_alive(Duration::from_secs(3600))
            .backlog(1024)
            .bind(("127.0.0.1", port))?;
        println!("actix-web listening on 127.0.0.1:{port}");
        server.run().await
    })
}
