//! Liveness, readiness and metrics endpoints for operators.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::AppState;

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
    let up = crate::db::run(&state.pool, |c| Ok(crate::db::ping(c))).await.unwrap_or(false);
    let body = Readiness {
        status: if up { "ready" } else { "not_ready" },
        database: if up { "up" } else { "down" },
        backend: state.backend,
    };
    if up { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

/// Prometheus metrics (text format). Public on the bind address: put it
/// behind the network boundary in production.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render(&state.pool))
}
