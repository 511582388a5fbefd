//! Supplier endpoints. Admins register and suspend suppliers; staff read
//! them; a supplier key reads only its own record.

use crate::ids::SupplierId;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use super::domain::SupplierInput;
use super::service::{self, Supplier};
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;
use crate::http::AppState;
use crate::http::idempotency;
use crate::paging::{Page, PageParams};
use crate::values::ActiveStatus;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(create).service(show).service(set_status);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// Only suppliers in this status.
    pub status: Option<ActiveStatus>,
}

/// List suppliers. Staff only.
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "suppliers",
    params(PageParams, ListFilter),
    responses((status = 200, body = Page<Supplier>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/suppliers")]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    page: web::Query<PageParams>,
    filter: web::Query<ListFilter>,
) -> Result<web::Json<Page<Supplier>>, AppError> {
    if !caller.0.is_staff() {
        return Err(AppError::forbidden("Only warehouse staff may list suppliers."));
    }
    let page = page.parse()?;
    let status = filter.status;
    Ok(web::Json(db::run(&state.pool, move |c| service::list(c, status, page)).await?))
}

/// Register a supplier. Admin only. Honors `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "suppliers", request_body = SupplierInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Supplier), (status = 409, body = Problem, description = "supplier_code_taken"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/suppliers")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Json<SupplierInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let input = body.into_inner();
    let work_input = input.clone();
    idempotency::write(&state, &req, &caller.0, &input, StatusCode::CREATED, move |tx| {
        service::create(tx, &work_input)
    })
    .await
}

/// One supplier. Staff; a supplier key may read only its own record (others are 404).
#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "suppliers",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Supplier), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/suppliers/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<SupplierId>,
) -> Result<web::Json<Supplier>, AppError> {
    let id = id.into_inner();
    match &caller.0 {
        Caller::Staff { .. } => {}
        Caller::Supplier { supplier_id, .. } if *supplier_id == id => {}
        _ => return Err(AppError::not_found("supplier")),
    }
    Ok(web::Json(db::run(&state.pool, move |c| service::get(c, id)).await?))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: ActiveStatus,
}

/// Suspend or reactivate a supplier. Admin only. A suspended supplier's keys stop working.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/status", tag = "suppliers", request_body = StatusChange,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Supplier), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[post("/suppliers/{id}/status")]
pub async fn set_status(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<SupplierId>,
    body: web::Json<StatusChange>,
) -> Result<web::Json<Supplier>, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let (id, status) = (id.into_inner(), body.status);
    let supplier = db::transact(&state.pool, move |tx| service::set_status(tx, id, status)).await?;
    // A suspended supplier's keys stop working now, not when the cache expires.
    state.api_keys.forget_all();
    Ok(web::Json(supplier))
}
