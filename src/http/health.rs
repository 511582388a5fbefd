//! Liveness, readiness and metrics endpoints for operators.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::AppState;
use super::metrics::Readings;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// `up` or `down`.
    pub database: &'static str,
    /// `postgres` or `sqlite`.
    pub backend: &'static str,
    /// The event relay's broker connection in this process: `up`, `down`,
    /// `standby` (another instance publishes), `disabled` (no broker
    /// configured) or `not_running`. Events are kept safely in every state,
    /// so this does not make the service unready.
    pub broker: &'static str,
}

/// The process is alive. Public.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready to serve: the database answers. Public; 503 when not ready.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    readiness(&state.pool, state.backend, state.relay.state()).await
}

/// `200` with [`Readiness`] when the database answers, `503` when not
/// (`serve`'s `/readyz`, and the relay's own port).
pub async fn readiness(
    pool: &crate::db::Pool,
    backend: &'static str,
    broker: crate::events::relay::BrokerState,
) -> HttpResponse {
    let up = crate::db::run(pool, |c| Ok(crate::db::ping(c))).await.unwrap_or(false);
    let body = Readiness {
        status: if up { "ready" } else { "not_ready" },
        database: if up { "up" } else { "down" },
        backend,
        broker: broker.as_str(),
    };
    if up { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

/// Prometheus metrics (text format). Public on the bind address: put it
/// behind the network boundary in production.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "Prometheus text", content_type = "text/plain"),
    (status = 500, description = "internal_error: the metrics could not be encoded")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let mut readings = Readings::read(&state.pool, &state.intake.stats);
    // Left out of this scrape when the database does not answer.
    if let Ok(backlog) = crate::db::run(&state.pool, |c| Ok(crate::events::backlog(c)?)).await {
        readings.set_backlog(backlog);
    }
    let body = state.metrics.encode(&readings).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().content_type(prometheus::TEXT_FORMAT).body(body))
}
