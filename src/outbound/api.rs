//! Order endpoints (platform key; staff read).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use super::exceptions::{self, ExceptionStatus, OutboundException, ResolveInput};
use super::intake::{self, BatchResponse};
use super::orders::{self, LineCancelInput, Order, OrderInput, OrderStatus};
use super::packing::{self, CartonType, PackScanInput, Parcel, WeighInput};
use super::picking::{self, PickInput, PickTask, Wave, WaveInput};
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;
use crate::http::AppState;
use crate::ids::{OrderId, OutboundExceptionId, ParcelId, PickTaskId};
use crate::labels::LabelFormat;
use crate::paging::{Page, PageParams};

/// Most orders in one batch request.
pub const MAX_BATCH: usize = 500;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_order)
        .service(create_batch)
        .service(list_orders)
        .service(show_order)
        .service(cancel_order)
        .service(cancel_line)
        .service(release_wave)
        .service(claim_task)
        .service(confirm_pick)
        .service(start_packing)
        .service(show_parcel)
        .service(scan_unit)
        .service(weigh_parcel)
        .service(parcel_label)
        .service(pii_reads)
        .service(list_cartons)
        .service(list_exceptions)
        .service(resolve_exception);
}

fn platform_only(caller: &Caller) -> Result<(), AppError> {
    match caller {
        Caller::Platform { .. } => Ok(()),
        _ => Err(AppError::forbidden("Orders come in with the platform key.")),
    }
}

fn reader(caller: &Caller) -> Result<(), AppError> {
    match caller {
        Caller::Platform { .. } | Caller::Staff { .. } => Ok(()),
        Caller::Supplier { .. } | Caller::Carrier { .. } => {
            Err(AppError::forbidden("Orders are read by the platform and staff."))
        }
    }
}

/// Take in one order (platform key) and allocate it. Idempotent on
/// `platform_order_id`: a repeat returns the existing order with 200.
#[utoipa::path(post, path = "/api/v1/orders", tag = "outbound", request_body = OrderInput,
    responses((status = 201, body = Order), (status = 200, body = Order, description = "Already taken in"),
        (status = 422, body = Problem, description = "unknown_sku, unsupported_destination, invalid_phone, ...")),
    security(("bearer" = [])))]
#[post("/orders")]
pub async fn create_order(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    body: web::Json<OrderInput>,
) -> Result<HttpResponse, AppError> {
    platform_only(&caller.0)?;
    let input = body.into_inner();
    let work = async {
        let (order, created) = intake::single(state.intake.take_in(vec![input.clone()]).await?)?;
        Ok((order, if created { StatusCode::CREATED } else { StatusCode::OK }))
    };
    crate::http::idempotency::around(&state, &req, &caller.0, &input, work).await
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    /// 1 to 500 orders.
    pub orders: Vec<OrderInput>,
}

/// Take in up to 500 orders at once (platform key). Each order stands
/// alone: a bad one is reported and skipped, the others go in.
#[utoipa::path(post, path = "/api/v1/orders/batch", tag = "outbound", request_body = BatchInput,
    responses((status = 200, body = BatchResponse), (status = 422, body = Problem, description = "batch_size")),
    security(("bearer" = [])))]
#[post("/orders/batch")]
pub async fn create_batch(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    body: web::Json<BatchInput>,
) -> Result<HttpResponse, AppError> {
    platform_only(&caller.0)?;
    let input = body.into_inner();
    if input.orders.is_empty() || input.orders.len() > MAX_BATCH {
        return Err(AppError::invalid("orders", "batch_size", format!("1 to {MAX_BATCH} orders per batch")));
    }
    let work = async {
        let platform_ids = input.orders.iter().map(|o| o.platform_order_id.clone()).collect();
        let outcomes = state.intake.take_in(input.orders.clone()).await?;
        Ok((intake::batch_response(platform_ids, outcomes), StatusCode::OK))
    };
    crate::http::idempotency::around(&state, &req, &caller.0, &input, work).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
}

/// Orders, oldest first (platform key or staff). The buyer appears masked.
#[utoipa::path(get, path = "/api/v1/orders", tag = "outbound", params(PageParams, OrderFilter),
    responses((status = 200, body = Page<Order>)), security(("bearer" = [])))]
#[get("/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    caller: ApiCaller,
    page: web::Query<PageParams>,
    filter: web::Query<OrderFilter>,
) -> Result<web::Json<Page<Order>>, AppError> {
    reader(&caller.0)?;
    let (page, status) = (page.parse()?, filter.status);
    Ok(web::Json(db::run(&state.pool, move |c| orders::list(c, status, page)).await?))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "outbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Order), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/orders/{id}")]
pub async fn show_order(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<OrderId>,
) -> Result<web::Json<Order>, AppError> {
    reader(&caller.0)?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| orders::get(c, id)).await?))
}

/// Cancel an order (platform key): its reservations go back to available.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "outbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Order), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/orders/{id}/cancel")]
pub async fn cancel_order(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<OrderId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<Order>, AppError> {
    platform_only(&caller.0)?;
    let id = id.into_inner();
    Ok(web::Json(db::transact(&state.pool, move |tx| orders::cancel(tx, id)).await?))
}

/// Cancel some or all units of one line (platform key), before picking.
#[utoipa::path(post, path = "/api/v1/orders/{id}/lines/{line_no}/cancel", tag = "outbound",
    request_body = LineCancelInput, params(("id" = uuid::Uuid, Path), ("line_no" = i32, Path)),
    responses((status = 200, body = Order), (status = 409, body = Problem, description = "exceeds_line, illegal_transition")),
    security(("bearer" = [])))]
#[post("/orders/{id}/lines/{line_no}/cancel")]
pub async fn cancel_line(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(OrderId, i32)>,
    body: crate::http::optional_json::OptionalJson<LineCancelInput>,
) -> Result<web::Json<Order>, AppError> {
    platform_only(&caller.0)?;
    let ((id, line), input) = (path.into_inner(), body.into_inner().unwrap_or_default());
    Ok(web::Json(db::transact(&state.pool, move |tx| orders::cancel_line(tx, id, line, &input)).await?))
}

/// Release a wave of allocated orders, earliest ship-by first (supervisor).
#[utoipa::path(post, path = "/api/v1/waves", tag = "outbound", request_body = WaveInput,
    responses((status = 200, body = Wave), (status = 409, body = Problem, description = "nothing_to_wave")),
    security(("bearer" = [])))]
#[post("/waves")]
pub async fn release_wave(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: crate::http::optional_json::OptionalJson<WaveInput>,
) -> Result<web::Json<Wave>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (input, actor) = (body.into_inner().unwrap_or_default(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| picking::release_wave(tx, &input, &actor)).await?))
}

/// The next pick task along the walk for this picker (or the one they hold);
/// 204 when there is nothing to pick.
#[utoipa::path(post, path = "/api/v1/pick-tasks/claim", tag = "outbound",
    responses((status = 200, body = PickTask), (status = 204, description = "Nothing to pick")),
    security(("bearer" = [])))]
#[post("/pick-tasks/claim")]
pub async fn claim_task(
    state: web::Data<AppState>,
    caller: ApiCaller,
    _body: crate::http::optional_json::NoBody,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Picker)?;
    let actor = caller.0.actor();
    match db::transact(&state.pool, move |tx| picking::claim(tx, &actor)).await? {
        Some(task) => Ok(HttpResponse::Ok().json(task)),
        None => Ok(HttpResponse::NoContent().finish()),
    }
}

/// Confirm a claimed task by the bin and unit scanned (picker).
#[utoipa::path(post, path = "/api/v1/pick-tasks/{id}/confirm", tag = "outbound", request_body = PickInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = PickTask), (status = 409, body = Problem), (status = 422, body = Problem,
        description = "wrong_bin, wrong_item, wrong_tote, invalid_tote, short_reason_required, too_many")),
    security(("bearer" = [])))]
#[post("/pick-tasks/{id}/confirm")]
pub async fn confirm_pick(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<PickTaskId>,
    body: web::Json<PickInput>,
) -> Result<web::Json<PickTask>, AppError> {
    caller.0.require_staff(Role::Picker)?;
    let (id, input, actor) = (id.into_inner(), body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| picking::confirm(tx, id, &input, &actor)).await?))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartPackingInput {
    /// The tote scanned at the pack station.
    pub tote: String,
}

/// Scan a tote at the pack station (packer): opens, or resumes, the parcel
/// of the picked order in it, with the carton suggestion.
#[utoipa::path(post, path = "/api/v1/pack/start", tag = "outbound", request_body = StartPackingInput,
    responses((status = 200, body = Parcel), (status = 409, body = Problem, description = "not_picked"),
        (status = 422, body = Problem, description = "invalid_tote, empty_tote")),
    security(("bearer" = [])))]
#[post("/pack/start")]
pub async fn start_packing(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<StartPackingInput>,
) -> Result<web::Json<Parcel>, AppError> {
    caller.0.require_staff(Role::Packer)?;
    let (tote, actor) = (body.into_inner().tote, caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| packing::start(tx, &tote, &actor)).await?))
}

#[utoipa::path(get, path = "/api/v1/parcels/{id}", tag = "outbound", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Parcel), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/parcels/{id}")]
pub async fn show_parcel(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ParcelId>,
) -> Result<web::Json<Parcel>, AppError> {
    reader(&caller.0)?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| packing::get(c, id)).await?))
}

/// Scan a unit (or a unit and a keyed quantity) into the parcel (packer).
#[utoipa::path(post, path = "/api/v1/parcels/{id}/scans", tag = "outbound", request_body = PackScanInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Parcel), (status = 409, body = Problem, description = "too_many, parcel_held, already_packed"),
        (status = 422, body = Problem, description = "not_in_order")),
    security(("bearer" = [])))]
#[post("/parcels/{id}/scans")]
pub async fn scan_unit(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ParcelId>,
    body: web::Json<PackScanInput>,
) -> Result<web::Json<Parcel>, AppError> {
    caller.0.require_staff(Role::Packer)?;
    let (id, input) = (id.into_inner(), body.into_inner());
    Ok(web::Json(db::transact(&state.pool, move |tx| packing::scan(tx, id, &input)).await?))
}

/// Weigh the fully scanned parcel (packer). Within the tolerance it is
/// packed and gets its tracking number; outside it, it is `held` for a
/// supervisor (`parcel.weight_held`).
#[utoipa::path(post, path = "/api/v1/parcels/{id}/weigh", tag = "outbound", request_body = WeighInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Parcel), (status = 409, body = Problem, description = "units_remaining"),
        (status = 422, body = Problem, description = "unknown_carton, no_carton_fits")),
    security(("bearer" = [])))]
#[post("/parcels/{id}/weigh")]
pub async fn weigh_parcel(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ParcelId>,
    body: web::Json<WeighInput>,
) -> Result<web::Json<Parcel>, AppError> {
    caller.0.require_staff(Role::Packer)?;
    let (id, input, actor) = (id.into_inner(), body.into_inner(), caller.0.actor());
    let pct = state.config.pack_weight_tolerance_pct;
    Ok(web::Json(db::transact(&state.pool, move |tx| packing::weigh(tx, id, &input, pct, &actor)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParcelLabelQuery {
    /// `html` (print-ready 100 × 150 mm page, the default) or `zpl`.
    pub format: Option<String>,
}

/// The shipping label of a packed parcel (staff): the only place the
/// buyer's address is shown in full.
#[utoipa::path(get, path = "/api/v1/parcels/{id}/label", tag = "outbound", params(("id" = uuid::Uuid, Path), ParcelLabelQuery),
    responses((status = 200, content_type = "text/html", body = String), (status = 409, body = Problem,
        description = "not_packed, buyer_erased")),
    security(("bearer" = [])))]
#[get("/parcels/{id}/label")]
pub async fn parcel_label(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<ParcelId>,
    q: web::Query<ParcelLabelQuery>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Packer)?;
    let format = LabelFormat::parse(q.format.as_deref())?;
    let (id, keys, wh) =
        (id.into_inner(), state.config.pii_keys.clone(), state.config.warehouse_code.clone());
    let actor = caller.0.actor();
    let body = db::transact(&state.pool, move |tx| {
        super::shipping::read_label(tx, id, &keys, &wh, format, &actor, super::pii::Purpose::LabelApi)
    })
    .await?;
    // The buyer's address: kept by no cache, the browser's included.
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PiiReadsQuery {
    /// Only the reads of this order.
    pub order_no: Option<String>,
    /// At most this many, newest first (1 to 500; 100 by default).
    pub limit: Option<i64>,
}

/// The audit log of reads of buyers' full data (admin): who read which
/// order's address, when, and through what (a label for the console or the
/// API). Newest first.
#[utoipa::path(get, path = "/api/v1/audit/pii-reads", tag = "outbound", params(PiiReadsQuery),
    responses((status = 200, body = Vec<super::pii::PiiRead>)),
    security(("bearer" = [])))]
#[get("/audit/pii-reads")]
pub async fn pii_reads(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<PiiReadsQuery>,
) -> Result<web::Json<Vec<super::pii::PiiRead>>, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid("limit", "out_of_range", "1 to 500"));
    }
    let order_no = q.order_no.map(|o| o.trim().to_owned()).filter(|o| !o.is_empty());
    Ok(web::Json(db::run(&state.pool, move |c| super::pii::reads(c, order_no.as_deref(), limit)).await?))
}

/// The carton catalog, smallest first.
#[utoipa::path(get, path = "/api/v1/carton-types", tag = "outbound",
    responses((status = 200, body = Vec<CartonType>)), security(("bearer" = [])))]
#[get("/carton-types")]
pub async fn list_cartons(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<Vec<CartonType>>, AppError> {
    reader(&caller.0)?;
    Ok(web::Json(db::run(&state.pool, packing::cartons).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExceptionFilter {
    /// `open` (the default) or `resolved`.
    pub status: Option<ExceptionStatus>,
    pub order_id: Option<OrderId>,
}

/// The supervisors' queue: short picks, weight holds, units to put back.
#[utoipa::path(get, path = "/api/v1/outbound-exceptions", tag = "outbound", params(ExceptionFilter),
    responses((status = 200, body = Vec<OutboundException>)), security(("bearer" = [])))]
#[get("/outbound-exceptions")]
pub async fn list_exceptions(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ExceptionFilter>,
) -> Result<web::Json<Vec<OutboundException>>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (status, order) = (q.status.unwrap_or(ExceptionStatus::Open), q.order_id);
    Ok(web::Json(db::run(&state.pool, move |c| exceptions::list(c, Some(status), order, 200)).await?))
}

/// Resolve an exception (supervisor) with one of its `actions`.
#[utoipa::path(post, path = "/api/v1/outbound-exceptions/{id}/resolve", tag = "outbound", request_body = ResolveInput,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = OutboundException), (status = 409, body = Problem, description = "already_resolved"),
        (status = 422, body = Problem, description = "action_not_allowed")),
    security(("bearer" = [])))]
#[post("/outbound-exceptions/{id}/resolve")]
pub async fn resolve_exception(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<OutboundExceptionId>,
    body: web::Json<ResolveInput>,
) -> Result<web::Json<OutboundException>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (id, input, actor) = (id.into_inner(), body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| exceptions::resolve(tx, id, &input, &actor)).await?))
}
