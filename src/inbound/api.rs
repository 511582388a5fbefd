//! Inbound endpoints: stock-up orders (platform and supplier), shipments
//! (supplier), and the warehouse's dock, receiving, QC and putaway (staff).
//! Handlers only check who may call and hand over to the use cases.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::asn::{self, Asn, AsnInput, AsnSummary, SubmitInput};
use super::domain::{AsnStatus, StockOrderStatus};
use super::labels::{self, LabelFormat};
use super::performance::{self, Penalty, PenaltyRule, SupplierPerformance};
use super::putaway::{self, PutawayInput, PutawayResult, PutawayTask};
use super::qc::{self, Lot, SampleInput};
use super::receiving::{
    self, CartonView, CheckIn, ReceiptReport, RejectInput, ScanInput, ScanResult, UnknownCartonInput,
};
use super::stock_orders::{self, DeclineInput, StockOrder, StockOrderInput};
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;
use crate::http::AppState;
use crate::http::idempotency;
use crate::ids::{AsnId, SkuId, StockOrderId, SupplierId};
use crate::paging::{Page, PageParams};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_stock_order)
        .service(list_stock_orders)
        .service(show_stock_order)
        .service(accept_stock_order)
        .service(decline_stock_order)
        .service(cancel_stock_order)
        .service(create_asn)
        .service(list_asns)
        .service(show_asn)
        .service(submit_asn)
        .service(cancel_asn)
        .service(asn_labels)
        .service(receipt)
        .service(check_in)
        .service(reject_asn)
        .service(open_carton)
        .service(scan)
        .service(close_carton)
        .service(unknown_carton)
        .service(close_receipt)
        .service(qc_lots)
        .service(qc_sample)
        .service(putaway_tasks)
        .service(putaway_confirm)
        .service(supplier_performance)
        .service(list_penalties)
        .service(penalty_rules);
}

/// A supplier sees its own; staff see all; the platform reads stock-up
/// orders only.
fn owner(caller: &Caller, what: &'static str) -> Result<Option<SupplierId>, AppError> {
    match caller {
        Caller::Supplier { supplier_id, .. } => Ok(Some(*supplier_id)),
        Caller::Staff { .. } => Ok(None),
        Caller::Platform { .. } | Caller::Carrier { .. } => Err(AppError::not_found(what)),
    }
}

fn supplier_only(caller: &Caller) -> Result<SupplierId, AppError> {
    match caller {
        Caller::Supplier { supplier_id, .. } => Ok(*supplier_id),
        _ => Err(AppError::forbidden("This is done with the supplier's key.")),
    }
}

fn platform_only(caller: &Caller) -> Result<(), AppError> {
    match caller {
        Caller::Platform { .. } => Ok(()),
        _ => Err(AppError::forbidden("This is done with the platform key.")),
    }
}

// ---- stock-up orders

/// Ask a supplier for stock (platform key). Idempotent on `platform_ref`:
/// a repeat returns the existing order with 200.
#[utoipa::path(post, path = "/api/v1/stock-orders", tag = "inbound", request_body = StockOrderInput,
    responses((status = 201, body = StockOrder), (status = 200, body = StockOrder, description = "Already created"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/stock-orders")]
pub async fn create_stock_order(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    body: web::Json<StockOrderInput>,
) -> Result<HttpResponse, AppError> {
    platform_only(&caller.0)?;
    let input = body.into_inner();
    let (wh, request, now) = (state.config.warehouse_code.clone(), input.clone(), state.clock.now());
    idempotency::write_with_status(&state, &req, &caller.0, &request, move |tx| {
        let (order, created) = stock_orders::create(tx, &input, &wh, now)?;
        Ok((order, if created { StatusCode::CREATED } else { StatusCode::OK }))
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockOrderFilter {
    pub status: Option<StockOrderStatus>,
    /// Staff and platform: one supplier's orders.
    pub supplier_id: Option<SupplierId>,
}

/// Stock-up orders: a supplier sees its own, the platform and staff all.
#[utoipa::path(get, path = "/api/v1/stock-orders", tag = "inbound", params(PageParams, StockOrderFilter),
    responses((status = 200, body = Page<StockOrder>)), security(("bearer" = [])))]
#[get("/stock-orders")]
pub async fn list_stock_orders(
    state: web::Data<AppState>,
    caller: ApiCaller,
    page: web::Query<PageParams>,
    filter: web::Query<StockOrderFilter>,
) -> Result<web::Json<Page<StockOrder>>, AppError> {
    let page = page.parse()?;
    let supplier = match caller.0 {
        Caller::Supplier { supplier_id, .. } => Some(supplier_id),
        _ => filter.supplier_id,
    };
    let (status, now) = (filter.status, state.clock.now());
    Ok(web::Json(db::run(&state.pool, move |c| stock_orders::list(c, supplier, status, page, now)).await?))
}

fn order_scope(caller: &Caller) -> Option<SupplierId> {
    match caller {
        Caller::Supplier { supplier_id, .. } => Some(*supplier_id),
        _ => None,
    }
}

#[utoipa::path(get, path = "/api/v1/stock-orders/{id}", tag = "inbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = StockOrder), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/stock-orders/{id}")]
pub async fn show_stock_order(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<StockOrderId>,
) -> Result<web::Json<StockOrder>, AppError> {
    let (id, scope, now) = (id.into_inner(), order_scope(&caller.0), state.clock.now());
    Ok(web::Json(db::run(&state.pool, move |c| stock_orders::get(c, id, scope, now)).await?))
}

/// Accept a stock-up order (supplier key), before its deliver-by time.
#[utoipa::path(post, path = "/api/v1/stock-orders/{id}/accept", tag = "inbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = StockOrder),
        (status = 409, body = Problem, description = "illegal_transition, stock_order_expired")),
    security(("bearer" = [])))]
#[post("/stock-orders/{id}/accept")]
pub async fn accept_stock_order(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<StockOrderId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<StockOrder>, AppError> {
    let supplier = supplier_only(&caller.0)?;
    let (id, now) = (id.into_inner(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| stock_orders::accept(tx, id, supplier, now)).await?))
}

/// Decline a stock-up order (supplier key) with a reason.
#[utoipa::path(post, path = "/api/v1/stock-orders/{id}/decline", tag = "inbound", request_body = DeclineInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = StockOrder), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/stock-orders/{id}/decline")]
pub async fn decline_stock_order(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<StockOrderId>,
    body: web::Json<DeclineInput>,
) -> Result<web::Json<StockOrder>, AppError> {
    let supplier = supplier_only(&caller.0)?;
    let (id, input, now) = (id.into_inner(), body.into_inner(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| stock_orders::decline(tx, id, supplier, &input, now)).await?,
    ))
}

/// Withdraw a stock-up order (platform key): cancelled before acceptance,
/// void after; refused once anything was shipped against it.
#[utoipa::path(post, path = "/api/v1/stock-orders/{id}/cancel", tag = "inbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = StockOrder), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/stock-orders/{id}/cancel")]
pub async fn cancel_stock_order(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<StockOrderId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<StockOrder>, AppError> {
    platform_only(&caller.0)?;
    let (id, now) = (id.into_inner(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| stock_orders::cancel(tx, id, now)).await?))
}

// ---- shipments

/// Create a draft shipment with its lines and cartons (supplier key).
/// Honors `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/asns", tag = "inbound", request_body = AsnInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = Asn),
        (status = 422, body = Problem, description = "validation_failed: unknown_sku, cartons_do_not_add_up, ...")),
    security(("bearer" = [])))]
#[post("/asns")]
pub async fn create_asn(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: ApiCaller,
    body: web::Json<AsnInput>,
) -> Result<HttpResponse, AppError> {
    let supplier = supplier_only(&caller.0)?;
    let input = body.into_inner();
    let work = input.clone();
    idempotency::write(&state, &req, &caller.0, &input, StatusCode::CREATED, move |tx| {
        asn::create(tx, supplier, &work)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsnFilter {
    /// Comma-separated statuses, e.g. `submitted,arrived`.
    pub status: Option<String>,
    /// Staff: one supplier's shipments.
    pub supplier_id: Option<SupplierId>,
}

/// Shipments: a supplier sees its own; staff see all.
#[utoipa::path(get, path = "/api/v1/asns", tag = "inbound", params(PageParams, AsnFilter),
    responses((status = 200, body = Page<AsnSummary>)), security(("bearer" = [])))]
#[get("/asns")]
pub async fn list_asns(
    state: web::Data<AppState>,
    caller: ApiCaller,
    page: web::Query<PageParams>,
    filter: web::Query<AsnFilter>,
) -> Result<web::Json<Page<AsnSummary>>, AppError> {
    let page = page.parse()?;
    let supplier = owner(&caller.0, "shipment")?.or(filter.supplier_id);
    let statuses = parse_statuses(filter.status.as_deref())?;
    Ok(web::Json(db::run(&state.pool, move |c| asn::list(c, supplier, &statuses, page)).await?))
}

pub fn parse_statuses(s: Option<&str>) -> Result<Vec<AsnStatus>, AppError> {
    s.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            AsnStatus::from_db(s).ok_or_else(|| {
                AppError::invalid("status", "unknown_status", format!("no shipment status `{s}`"))
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/asns/{id}", tag = "inbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Asn), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/asns/{id}")]
pub async fn show_asn(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
) -> Result<web::Json<Asn>, AppError> {
    let scope = owner(&caller.0, "shipment")?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| asn::get(c, id, scope)).await?))
}

/// Ship a draft (supplier key): carrier and tracking number must be known.
#[utoipa::path(post, path = "/api/v1/asns/{id}/submit", tag = "inbound", request_body = SubmitInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Asn), (status = 409, body = Problem, description = "illegal_transition"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/asns/{id}/submit")]
pub async fn submit_asn(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    body: crate::http::optional_json::OptionalJson<SubmitInput>,
) -> Result<web::Json<Asn>, AppError> {
    let supplier = supplier_only(&caller.0)?;
    let (id, input, now) = (id.into_inner(), body.into_inner().unwrap_or_default(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| asn::submit(tx, id, supplier, &input, now)).await?))
}

/// Withdraw a shipment before it arrives (supplier key).
#[utoipa::path(post, path = "/api/v1/asns/{id}/cancel", tag = "inbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Asn), (status = 409, body = Problem, description = "illegal_transition")),
    security(("bearer" = [])))]
#[post("/asns/{id}/cancel")]
pub async fn cancel_asn(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<Asn>, AppError> {
    let supplier = supplier_only(&caller.0)?;
    let id = id.into_inner();
    Ok(web::Json(db::transact(&state.pool, move |tx| asn::cancel(tx, id, supplier)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelQuery {
    /// `html` (print-ready page, the default) or `zpl`.
    pub format: Option<String>,
    /// One carton only.
    pub carton: Option<i32>,
}

/// Carton labels (箱唛), one per carton: print-ready HTML or ZPL.
#[utoipa::path(get, path = "/api/v1/asns/{id}/labels", tag = "inbound", params(("id" = uuid::Uuid, Path), LabelQuery),
    responses((status = 200, content_type = "text/html", body = String), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/asns/{id}/labels")]
pub async fn asn_labels(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    q: web::Query<LabelQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = owner(&caller.0, "shipment")?;
    let format = LabelFormat::parse(q.format.as_deref())?;
    let (id, only, wh) = (id.into_inner(), q.carton, state.config.warehouse_code.clone());
    let body = db::run(&state.pool, move |c| {
        let a = asn::get(c, id, scope)?;
        let supplier = crate::suppliers::service::get(c, a.supplier_id)?;
        labels::render(&a, &format!("{} {}", supplier.code, supplier.name_en), &wh, only, format)
    })
    .await?;
    Ok(HttpResponse::Ok().content_type(format.content_type()).body(body))
}

/// The receipt: expected vs received per SKU, short/over/damaged, and every
/// receiving exception.
#[utoipa::path(get, path = "/api/v1/asns/{id}/receipt", tag = "inbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ReceiptReport), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/asns/{id}/receipt")]
pub async fn receipt(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
) -> Result<web::Json<ReceiptReport>, AppError> {
    let scope = owner(&caller.0, "shipment")?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| receiving::report(c, id, scope)).await?))
}

// ---- dock and receiving (staff)

#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanCode {
    /// A tracking number, a carton label or a shipment number, as scanned.
    pub code: String,
}

/// Dock check-in by scan (receiver): the shipment arrives on its first scan;
/// each carton label scanned counts that carton once.
#[utoipa::path(post, path = "/api/v1/dock/check-in", tag = "receiving", request_body = ScanCode,
    responses((status = 200, body = CheckIn), (status = 409, body = Problem), (status = 422, body = Problem,
        description = "unknown_code")),
    security(("bearer" = [])))]
#[post("/dock/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<ScanCode>,
) -> Result<web::Json<CheckIn>, AppError> {
    caller.0.require_staff(Role::Receiver)?;
    let (code, actor, now) = (body.into_inner().code, caller.0.actor(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| receiving::check_in(tx, &code, &actor, now)).await?))
}

/// Refuse a whole shipment at the dock (receiver), with a reason.
#[utoipa::path(post, path = "/api/v1/asns/{id}/reject", tag = "receiving", request_body = RejectInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Asn), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/asns/{id}/reject")]
pub async fn reject_asn(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    body: web::Json<RejectInput>,
) -> Result<web::Json<Asn>, AppError> {
    caller.0.require_staff(Role::Receiver)?;
    let (id, input) = (id.into_inner(), body.into_inner());
    Ok(web::Json(db::transact(&state.pool, move |tx| receiving::reject(tx, id, &input)).await?))
}

#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCarton {
    /// The carton label as scanned, or the carton number.
    pub carton: String,
}

/// Open a carton for counting (receiver). Only the clerk who opened it
/// counts into it until it is closed.
#[utoipa::path(post, path = "/api/v1/asns/{id}/cartons/open", tag = "receiving", request_body = OpenCarton,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CartonView), (status = 409, body = Problem, description = "carton_taken, carton_closed")),
    security(("bearer" = [])))]
#[post("/asns/{id}/cartons/open")]
pub async fn open_carton(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    body: web::Json<OpenCarton>,
) -> Result<web::Json<CartonView>, AppError> {
    caller.0.require_staff(Role::Receiver)?;
    let (id, carton, actor, now) =
        (id.into_inner(), body.into_inner().carton, caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| receiving::open_carton(tx, id, &carton, &actor, now)).await?,
    ))
}

/// Count units into the open carton (receiver). Honors `Idempotency-Key`, so
/// that a scanner's retry never counts twice.
#[utoipa::path(post, path = "/api/v1/asns/{id}/scans", tag = "receiving", request_body = ScanInput,
    params(("id" = uuid::Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = ScanResult),
        (status = 409, body = Problem, description = "carton_not_open, carton_taken, carton_closed"),
        (status = 422, body = Problem, description = "unknown_barcode")),
    security(("bearer" = [])))]
#[post("/asns/{id}/scans")]
pub async fn scan(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    body: web::Json<ScanInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Receiver)?;
    let (id, input, actor) = (id.into_inner(), body.into_inner(), caller.0.actor());
    let work = input.clone();
    idempotency::write(&state, &req, &caller.0, &input, StatusCode::OK, move |tx| {
        receiving::scan(tx, id, &work, &actor)
    })
    .await
}

/// Close the carton being counted (receiver): its units enter the books.
#[utoipa::path(post, path = "/api/v1/asns/{id}/cartons/{carton_no}/close", tag = "receiving",
    params(("id" = uuid::Uuid, Path), ("carton_no" = i32, Path)),
    responses((status = 200, body = CartonView), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/asns/{id}/cartons/{carton_no}/close")]
pub async fn close_carton(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(AsnId, i32)>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<CartonView>, AppError> {
    caller.0.require_staff(Role::Receiver)?;
    let ((id, n), actor) = (path.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| receiving::close_carton(tx, id, n, &actor)).await?))
}

/// Record a carton that came with the shipment but is on no shipment.
#[utoipa::path(post, path = "/api/v1/asns/{id}/unknown-cartons", tag = "receiving", request_body = UnknownCartonInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Asn), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/asns/{id}/unknown-cartons")]
pub async fn unknown_carton(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    body: web::Json<UnknownCartonInput>,
) -> Result<web::Json<Asn>, AppError> {
    caller.0.require_staff(Role::Receiver)?;
    let (id, input, actor) = (id.into_inner(), body.into_inner(), caller.0.actor());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| receiving::unknown_carton(tx, id, &input, &actor)).await?,
    ))
}

/// Close the receipt (receiver): the discrepancy report, and the good units
/// go to QC with a sampling plan per SKU.
#[utoipa::path(post, path = "/api/v1/asns/{id}/close-receipt", tag = "receiving", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ReceiptReport), (status = 409, body = Problem, description = "cartons_open")),
    security(("bearer" = [])))]
#[post("/asns/{id}/close-receipt")]
pub async fn close_receipt(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<ReceiptReport>, AppError> {
    caller.0.require_staff(Role::Receiver)?;
    let (id, actor, qc) = (id.into_inner(), caller.0.actor(), state.config.qc);
    Ok(web::Json(
        db::transact(&state.pool, move |tx| receiving::close_receipt(tx, id, &actor, &qc, None)).await?,
    ))
}

// ---- quality inspection

/// The shipment's inspection lots with their sampling plans and results.
#[utoipa::path(get, path = "/api/v1/asns/{id}/qc", tag = "quality", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<Lot>), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/asns/{id}/qc")]
pub async fn qc_lots(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
) -> Result<web::Json<Vec<Lot>>, AppError> {
    let scope = owner(&caller.0, "shipment")?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| qc::lots(c, id, scope)).await?))
}

/// Record the next sampled unit of a lot (QC): pass, or a defect code.
#[utoipa::path(post, path = "/api/v1/asns/{id}/qc/{sku_id}/samples", tag = "quality", request_body = SampleInput,
    params(("id" = uuid::Uuid, Path), ("sku_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Lot), (status = 409, body = Problem, description = "lot_decided, illegal_transition")),
    security(("bearer" = [])))]
#[post("/asns/{id}/qc/{sku_id}/samples")]
pub async fn qc_sample(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(AsnId, SkuId)>,
    body: web::Json<SampleInput>,
) -> Result<web::Json<Lot>, AppError> {
    caller.0.require_staff(Role::Qc)?;
    let ((id, sku), input, actor) = (path.into_inner(), body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| qc::record_sample(tx, id, sku, &input, &actor)).await?))
}

// ---- putaway

/// What is left to put away, with a suggested bin for each SKU (staff).
#[utoipa::path(get, path = "/api/v1/asns/{id}/putaway", tag = "putaway", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<PutawayTask>)), security(("bearer" = [])))]
#[get("/asns/{id}/putaway")]
pub async fn putaway_tasks(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
) -> Result<web::Json<Vec<PutawayTask>>, AppError> {
    caller.0.require_staff(Role::Picker).or_else(|_| caller.0.require_staff(Role::Receiver))?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| putaway::tasks(c, id)).await?))
}

/// Put units into a scanned bin (putaway/picker or receiver): the suggested
/// one or another storage bin that may take them (a single-SKU bin holding
/// another SKU or owner is refused). The units become available to sell.
#[utoipa::path(post, path = "/api/v1/asns/{id}/putaway", tag = "putaway", request_body = PutawayInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = PutawayResult),
        (status = 409, body = Problem, description = "bin_full, bin_holds_other_sku, exceeds_remaining, illegal_transition"),
        (status = 422, body = Problem, description = "unknown_bin, not_a_storage_bin")),
    security(("bearer" = [])))]
#[post("/asns/{id}/putaway")]
pub async fn putaway_confirm(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<AsnId>,
    body: web::Json<PutawayInput>,
) -> Result<web::Json<PutawayResult>, AppError> {
    caller.0.require_staff(Role::Picker).or_else(|_| caller.0.require_staff(Role::Receiver))?;
    let (id, input, actor) = (id.into_inner(), body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| putaway::confirm(tx, id, &input, &actor)).await?))
}

// ---- supplier performance

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierQuery {
    /// Staff: whose figures (required for staff).
    pub supplier_id: Option<SupplierId>,
}

fn supplier_of(caller: &Caller, q: &SupplierQuery) -> Result<SupplierId, AppError> {
    match caller {
        Caller::Supplier { supplier_id, .. } => Ok(*supplier_id),
        Caller::Staff { .. } => q
            .supplier_id
            .ok_or_else(|| AppError::invalid("supplier_id", "required", "Say whose figures you want.")),
        Caller::Platform { .. } | Caller::Carrier { .. } => {
            Err(AppError::forbidden("Supplier figures are for the supplier and staff."))
        }
    }
}

/// Dock-to-stock, short/over and QC failure rates, late flags and
/// penalties over the supplier's recent shipments.
#[utoipa::path(get, path = "/api/v1/performance", tag = "suppliers", params(SupplierQuery),
    responses((status = 200, body = SupplierPerformance)), security(("bearer" = [])))]
#[get("/performance")]
pub async fn supplier_performance(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<SupplierQuery>,
) -> Result<web::Json<SupplierPerformance>, AppError> {
    let supplier = supplier_of(&caller.0, &q)?;
    Ok(web::Json(db::run(&state.pool, move |c| performance::of_supplier(c, supplier)).await?))
}

/// Penalties charged (newest first): a supplier sees its own.
#[utoipa::path(get, path = "/api/v1/penalties", tag = "suppliers", params(SupplierQuery),
    responses((status = 200, body = Vec<Penalty>)), security(("bearer" = [])))]
#[get("/penalties")]
pub async fn list_penalties(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<SupplierQuery>,
) -> Result<web::Json<Vec<Penalty>>, AppError> {
    let supplier = match &caller.0 {
        Caller::Staff { .. } => q.supplier_id,
        other => Some(supplier_of(other, &q)?),
    };
    Ok(web::Json(db::run(&state.pool, move |c| performance::penalties(c, supplier)).await?))
}

/// The penalty rules in force and past (data, with effective dates).
#[utoipa::path(get, path = "/api/v1/penalty-rules", tag = "suppliers",
    responses((status = 200, body = Vec<PenaltyRule>)), security(("bearer" = [])))]
#[get("/penalty-rules")]
pub async fn penalty_rules(
    state: web::Data<AppState>,
    _caller: ApiCaller,
) -> Result<web::Json<Vec<PenaltyRule>>, AppError> {
    Ok(web::Json(db::run(&state.pool, performance::rules).await?))
}
