//! SKU endpoints. Suppliers register and read their own SKUs; staff read
//! all of them and record measured weight and dimensions.

use crate::ids::{SkuId, SupplierId};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};

use super::domain::{Measures, SkuInput};
use super::service::{self, Sku};
use super::store::SkuFilter;
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;
use crate::http::AppState;
use crate::http::idempotency;
use crate::paging::{Page, PageParams};
use crate::values::ActiveStatus;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(register).service(list).service(show).service(set_status).service(measure);
}

/// Register a SKU. Supplier key only; the SKU belongs to the key's supplier.
/// Honors `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/skus", tag = "catalog", request_body = SkuInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Sku),
        (status = 409, body = Problem, description = "barcode_taken, sku_code_taken, supplier_inactive"),
        (status = 422, body = Problem, description = "validation_failed with one entry per bad field")),
    security(("bearer" = [])))]
#[post("/skus")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Json<SkuInput>,
) -> Result<HttpResponse, AppError> {
    let Caller::Supplier { supplier_id, .. } = caller.0 else {
        return Err(AppError::forbidden("SKUs are registered with a supplier key."));
    };
    let input = body.into_inner();
    let work = input.clone();
    idempotency::write(&state, &req, &caller.0, &input, StatusCode::CREATED, move |tx| {
        service::register(tx, supplier_id, &work)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// Staff only: one supplier's SKUs.
    pub supplier_id: Option<SupplierId>,
    pub status: Option<ActiveStatus>,
    /// Exact barcode (what a scanner reads).
    pub barcode: Option<String>,
    /// Exact supplier SKU code.
    pub sku_code: Option<String>,
    /// Part of a name or SKU code.
    pub q: Option<String>,
}

/// List SKUs. A supplier key sees only its own; staff see all.
#[utoipa::path(get, path = "/api/v1/skus", tag = "catalog", params(PageParams, ListFilter),
    responses((status = 200, body = Page<Sku>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
#[get("/skus")]
pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    page: web::Query<PageParams>,
    filter: web::Query<ListFilter>,
) -> Result<web::Json<Page<Sku>>, AppError> {
    let page = page.parse()?;
    let f = filter.into_inner();
    let supplier_id = match caller.0 {
        Caller::Supplier { supplier_id, .. } => Some(supplier_id),
        Caller::Staff { .. } => f.supplier_id,
        Caller::Platform { .. } | Caller::Carrier { .. } => {
            return Err(AppError::forbidden("The platform key does not read the catalog."));
        }
    };
    let filter = SkuFilter {
        supplier_id,
        status: f.status.map(|s| s.as_str().to_owned()),
        barcode: f.barcode.map(|b| b.trim().to_ascii_uppercase()),
        sku_code: f.sku_code.map(|c| c.trim().to_ascii_uppercase()),
        q: f.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
    };
    Ok(web::Json(db::run(&state.pool, move |c| service::list(c, &filter, page)).await?))
}

fn owner_scope(caller: &Caller) -> Result<Option<SupplierId>, AppError> {
    match caller {
        Caller::Supplier { supplier_id, .. } => Ok(Some(*supplier_id)),
        Caller::Staff { .. } => Ok(None),
        Caller::Platform { .. } | Caller::Carrier { .. } => Err(AppError::not_found("sku")),
    }
}

/// One SKU. A supplier asking for another supplier's SKU gets 404.
#[utoipa::path(get, path = "/api/v1/skus/{id}", tag = "catalog", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Sku), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/skus/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<SkuId>,
) -> Result<web::Json<Sku>, AppError> {
    let owner = owner_scope(&caller.0)?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::get(c, id, owner)).await?))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: ActiveStatus,
}

/// Suspend or reactivate a SKU. The owning supplier, or a supervisor.
#[utoipa::path(post, path = "/api/v1/skus/{id}/status", tag = "catalog", request_body = StatusChange,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Sku), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[post("/skus/{id}/status")]
pub async fn set_status(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<SkuId>,
    body: web::Json<StatusChange>,
) -> Result<web::Json<Sku>, AppError> {
    if caller.0.is_staff() {
        caller.0.require_staff(Role::Supervisor)?;
    }
    let owner = owner_scope(&caller.0)?;
    let (id, status) = (id.into_inner(), body.status);
    Ok(web::Json(db::transact(&state.pool, move |tx| service::set_status(tx, id, owner, status)).await?))
}

/// Record the measured weight and dimensions. Staff: receiver or QC (or above).
#[utoipa::path(put, path = "/api/v1/skus/{id}/measurements", tag = "catalog", request_body = Measures,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Sku), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[put("/skus/{id}/measurements")]
pub async fn measure(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<SkuId>,
    body: web::Json<Measures>,
) -> Result<web::Json<Sku>, AppError> {
    if caller.0.require_staff(Role::Qc).is_err() {
        caller.0.require_staff(Role::Receiver)?;
    }
    let (id, m) = (id.into_inner(), body.into_inner());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::record_measurements(tx, id, &m)).await?))
}
