//! The port `custody relay` serves when it runs alone and
//! `CUSTODY_RELAY_BIND` is set: `/healthz`, `/readyz` and `/metrics`, so
//! that the relay's counters (published, refused, parked, the broker
//! connection, the outbox backlog) are scraped in the split topology too.
//! Nothing else: no API, no console.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, web};

use super::metrics::{Metrics, Readings};
use crate::db::Pool;
use crate::events::relay::RelayStatus;

struct RelayPort {
    pool: Pool,
    relay: Arc<RelayStatus>,
    metrics: Metrics,
    backend: &'static str,
}

/// Serves the relay's port on `listener` (one worker: it answers probes
/// and scrapes, nothing more).
pub fn start(
    listener: TcpListener,
    pool: Pool,
    relay: Arc<RelayStatus>,
    backend: &'static str,
) -> std::io::Result<Server> {
    let port = web::Data::new(RelayPort { pool, metrics: Metrics::for_relay(relay.clone()), relay, backend });
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(port.clone())
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .route("/metrics", web::get().to(metrics))
            .default_service(web::to(HttpResponse::NotFound))
    })
    .workers(1)
    .shutdown_timeout(2)
    .listen(listener)?
    .run())
}

/// Alive while the relay's thread runs; `503` once it has ended (a panic),
/// so that a liveness probe restarts the process.
async fn healthz(port: web::Data<RelayPort>) -> HttpResponse {
    if port.relay.is_running() {
        HttpResponse::Ok().content_type("text/plain").body("ok")
    } else {
        HttpResponse::ServiceUnavailable().content_type("text/plain").body("the relay's thread has stopped")
    }
}

/// Ready when the database answers, as `serve`'s; `broker` says whether
/// this relay publishes (`up`), waits as the standby, or cannot reach the
/// broker (`down`).
async fn readyz(port: web::Data<RelayPort>) -> HttpResponse {
    super::health::readiness(&port.pool, port.backend, port.relay.state()).await
}

async fn metrics(port: web::Data<RelayPort>) -> HttpResponse {
    let mut readings = Readings::read_pool(&port.pool);
    if let Ok(backlog) = crate::db::run(&port.pool, |c| Ok(crate::events::backlog(c)?)).await {
        readings.set_backlog(backlog);
    }
    match port.metrics.encode(&readings) {
        Ok(body) => HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(body),
        Err(e) => {
            tracing::error!(error = %e, "the relay's metrics could not be encoded");
            HttpResponse::InternalServerError().finish()
        }
    }
}
