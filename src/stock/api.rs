//! Stock endpoints: what a supplier has (by SKU), balances and the ledger
//! for staff, the supervisor's functions, and cycle counts.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::counts::{self, CycleCount, StartCount, SubmitCount};
use super::service::{
    self, AdjustInput, Balance, HoldInput, LedgerCheck, LedgerEntry, MoveInput, SkuStock, StockChange,
};
use crate::auth::{Caller, Role};
use crate::catalog::service::SkuFilter;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;
use crate::http::AppState;
use crate::ids::{CycleCountId, SkuId, SupplierId};
use crate::paging::{Page, PageParams};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(stock_by_sku)
        .service(balances)
        .service(ledger)
        .service(verify)
        .service(move_stock)
        .service(adjust)
        .service(hold)
        .service(release)
        .service(start_count)
        .service(show_count)
        .service(submit_count)
        .service(approve_count)
        .service(reject_count);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    /// Staff: whose stock (required for staff).
    pub supplier_id: Option<SupplierId>,
}

/// Stock by SKU: available, reserved, in inbound, in QC, return-to-supplier
/// hold... A supplier sees its own; staff name the supplier. Pages follow
/// the supplier's SKUs.
#[utoipa::path(get, path = "/api/v1/stock", tag = "stock", params(PageParams, StockQuery),
    responses((status = 200, body = Page<SkuStock>)), security(("bearer" = [])))]
#[get("/stock")]
pub async fn stock_by_sku(
    state: web::Data<AppState>,
    caller: ApiCaller,
    page: web::Query<PageParams>,
    q: web::Query<StockQuery>,
) -> Result<web::Json<Page<SkuStock>>, AppError> {
    let page = page.parse()?;
    let owner = match &caller.0 {
        Caller::Supplier { supplier_id, .. } => *supplier_id,
        Caller::Staff { .. } => {
            q.supplier_id.ok_or_else(|| AppError::invalid("supplier_id", "required", "Say whose stock."))?
        }
        Caller::Platform { .. } | Caller::Carrier { .. } => {
            return Err(AppError::forbidden("Stock is for suppliers and staff."));
        }
    };
    Ok(web::Json(
        db::run(&state.pool, move |c| {
            let filter = SkuFilter { supplier_id: Some(owner), ..Default::default() };
            let skus = crate::catalog::service::list(c, &filter, page)?;
            let ids: Vec<(SkuId, String)> = skus.items.iter().map(|s| (s.id, s.sku_code.clone())).collect();
            let sku_ids: Vec<SkuId> = ids.iter().map(|(id, _)| *id).collect();
            let in_transit = crate::inbound::asn::in_transit_by_sku(c, owner, &sku_ids)?;
            let items = service::stock_by_sku(c, owner, &ids, &in_transit)?;
            Ok(Page { items, next_cursor: skus.next_cursor })
        })
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceQuery {
    pub supplier_id: Option<SupplierId>,
    pub sku_id: Option<SkuId>,
    /// A bin code.
    pub bin: Option<String>,
    /// At most this many rows (default 200, at most 1000).
    pub limit: Option<i64>,
}

/// Balances per owner × SKU × bin × bucket (staff), narrowed by any of
/// owner, SKU and bin.
#[utoipa::path(get, path = "/api/v1/stock/balances", tag = "stock", params(BalanceQuery),
    responses((status = 200, body = Vec<Balance>)), security(("bearer" = [])))]
#[get("/stock/balances")]
pub async fn balances(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<BalanceQuery>,
) -> Result<web::Json<Vec<Balance>>, AppError> {
    if !caller.0.is_staff() {
        return Err(AppError::forbidden("Balances by bin are for staff; suppliers read /api/v1/stock."));
    }
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    Ok(web::Json(
        db::run(&state.pool, move |c| {
            let bin = match &q.bin {
                Some(code) => Some(crate::warehouse::service::by_code(c, code)?.id),
                None => None,
            };
            service::balances(c, q.supplier_id, q.sku_id, bin, limit)
        })
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    pub sku_id: SkuId,
    /// At most this many rows, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// The ledger of one SKU, newest first. A supplier sees its own SKUs only.
#[utoipa::path(get, path = "/api/v1/stock/ledger", tag = "stock", params(LedgerQuery),
    responses((status = 200, body = Vec<LedgerEntry>)), security(("bearer" = [])))]
#[get("/stock/ledger")]
pub async fn ledger(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<LedgerQuery>,
) -> Result<web::Json<Vec<LedgerEntry>>, AppError> {
    let owner = match &caller.0 {
        Caller::Supplier { supplier_id, .. } => Some(*supplier_id),
        Caller::Staff { .. } => None,
        Caller::Platform { .. } | Caller::Carrier { .. } => {
            return Err(AppError::forbidden("The ledger is for suppliers and staff."));
        }
    };
    let (sku, limit) = (q.sku_id, q.limit.unwrap_or(100).clamp(1, 1000));
    Ok(web::Json(
        db::run(&state.pool, move |c| {
            crate::catalog::service::get(c, sku, owner)?;
            service::ledger(c, owner, sku, limit)
        })
        .await?,
    ))
}

/// Replays the whole ledger against every balance (supervisor; reads
/// everything, for audits).
#[utoipa::path(get, path = "/api/v1/stock/verify", tag = "stock",
    responses((status = 200, body = LedgerCheck)), security(("bearer" = [])))]
#[get("/stock/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<LedgerCheck>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    Ok(web::Json(db::run(&state.pool, service::verify).await?))
}

/// Move stock bin to bin (supervisor).
#[utoipa::path(post, path = "/api/v1/stock/moves", tag = "stock", request_body = MoveInput,
    responses((status = 200, body = StockChange), (status = 409, body = Problem, description = "insufficient_stock, bin_full")),
    security(("bearer" = [])))]
#[post("/stock/moves")]
pub async fn move_stock(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<MoveInput>,
) -> Result<web::Json<StockChange>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (input, actor) = (body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::move_stock(tx, &input, &actor)).await?))
}

/// Adjust stock with a reason (supervisor): found, lost, damaged.
#[utoipa::path(post, path = "/api/v1/stock/adjustments", tag = "stock", request_body = AdjustInput,
    responses((status = 200, body = StockChange), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/stock/adjustments")]
pub async fn adjust(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<AdjustInput>,
) -> Result<web::Json<StockChange>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (input, actor) = (body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::adjust(tx, &input, &actor)).await?))
}

/// Put available units on hold (supervisor).
#[utoipa::path(post, path = "/api/v1/stock/holds", tag = "stock", request_body = HoldInput,
    responses((status = 200, body = StockChange), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/stock/holds")]
pub async fn hold(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<HoldInput>,
) -> Result<web::Json<StockChange>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (input, actor) = (body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::hold(tx, &input, true, &actor)).await?))
}

/// Release held units back to available (supervisor).
#[utoipa::path(post, path = "/api/v1/stock/releases", tag = "stock", request_body = HoldInput,
    responses((status = 200, body = StockChange), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/stock/releases")]
pub async fn release(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<HoldInput>,
) -> Result<web::Json<StockChange>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (input, actor) = (body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::hold(tx, &input, false, &actor)).await?))
}

/// Start a blind cycle count of a bin (supervisor).
#[utoipa::path(post, path = "/api/v1/cycle-counts", tag = "stock", request_body = StartCount,
    responses((status = 200, body = CycleCount), (status = 409, body = Problem, description = "count_open")),
    security(("bearer" = [])))]
#[post("/cycle-counts")]
pub async fn start_count(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<StartCount>,
) -> Result<web::Json<CycleCount>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (input, actor) = (body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| counts::start(tx, &input, &actor)).await?))
}

/// A count: book quantities stay hidden until it is submitted (staff).
#[utoipa::path(get, path = "/api/v1/cycle-counts/{id}", tag = "stock", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CycleCount)), security(("bearer" = [])))]
#[get("/cycle-counts/{id}")]
pub async fn show_count(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<CycleCountId>,
) -> Result<web::Json<CycleCount>, AppError> {
    caller.0.require_staff(Role::Receiver).or_else(|_| caller.0.require_staff(Role::Picker))?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| counts::get(c, id)).await?))
}

/// Submit what was counted (any floor staff): the variance is shown after.
#[utoipa::path(post, path = "/api/v1/cycle-counts/{id}/submit", tag = "stock", request_body = SubmitCount,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CycleCount), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/cycle-counts/{id}/submit")]
pub async fn submit_count(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<CycleCountId>,
    body: web::Json<SubmitCount>,
) -> Result<web::Json<CycleCount>, AppError> {
    caller.0.require_staff(Role::Receiver).or_else(|_| caller.0.require_staff(Role::Picker))?;
    let (id, input, actor) = (id.into_inner(), body.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| counts::submit(tx, id, &input, &actor)).await?))
}

/// Approve a submitted count (supervisor, not the counter): the variance is
/// booked.
#[utoipa::path(post, path = "/api/v1/cycle-counts/{id}/approve", tag = "stock", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CycleCount), (status = 409, body = Problem, description = "four_eyes")),
    security(("bearer" = [])))]
#[post("/cycle-counts/{id}/approve")]
pub async fn approve_count(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<CycleCountId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<CycleCount>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (id, actor) = (id.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| counts::decide(tx, id, true, &actor)).await?))
}

/// Reject a submitted count (supervisor): nothing is booked; count again.
#[utoipa::path(post, path = "/api/v1/cycle-counts/{id}/reject", tag = "stock", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CycleCount), (status = 409, body = Problem)), security(("bearer" = [])))]
#[post("/cycle-counts/{id}/reject")]
pub async fn reject_count(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<CycleCountId>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<CycleCount>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (id, actor) = (id.into_inner(), caller.0.actor());
    Ok(web::Json(db::transact(&state.pool, move |tx| counts::decide(tx, id, false, &actor)).await?))
}
