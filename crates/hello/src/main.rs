//! The limit for this stack, for the page benchmarks (`scripts/bench-pages`): a bare axum "hello"
//! built from the same lock file, with the same runtime, as Uppfölj itself. Listens on the address
//! given as the first argument (default 127.0.0.1:3999).

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3999".to_owned());
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
