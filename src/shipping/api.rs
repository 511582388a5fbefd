//! Sort station and bag endpoints (the shipping role; supervisors decide on
//! held bags).

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::domain::BagStatus;
use super::service::{self, Bag, BagDetail, CloseBagInput, OpenBagInput, ResolveBagInput, SortAnswer};
use crate::auth::Role;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{ApiCaller, AppState};
use crate::labels;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(sort_scan)
        .service(list_bags)
        .service(open_bag)
        .service(show_bag)
        .service(add_parcel)
        .service(remove_parcel)
        .service(close_bag)
        .service(resolve_bag)
        .service(bag_label);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParcelScan {
    /// The parcel's tracking number (or parcel number) as scanned.
    pub parcel: String,
}

/// A parcel scanned at the sort station: which bag it goes in (the open
/// bag of its channel and destination; none yet: open one).
#[utoipa::path(post, path = "/api/v1/sort/scan", tag = "shipping", request_body = ParcelScan,
    responses((status = 200, body = SortAnswer), (status = 409, body = Problem, description = "already_bagged, parcel_not_packed"),
        (status = 422, body = Problem, description = "unknown_parcel")),
    security(("bearer" = [])))]
#[post("/sort/scan")]
pub async fn sort_scan(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<ParcelScan>,
) -> Result<web::Json<SortAnswer>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let code = body.into_inner().parcel;
    Ok(web::Json(db::run(&state.pool, move |c| service::sort_scan(c, &code)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BagQuery {
    pub status: Option<BagStatus>,
}

/// Bags, newest first (the last 200).
#[utoipa::path(get, path = "/api/v1/bags", tag = "shipping", params(BagQuery),
    responses((status = 200, body = [Bag])), security(("bearer" = [])))]
#[get("/bags")]
pub async fn list_bags(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<BagQuery>,
) -> Result<web::Json<Vec<Bag>>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let status = q.status;
    Ok(web::Json(db::run(&state.pool, move |c| service::list(c, status, 200)).await?))
}

/// Open the bag of a parcel's channel and destination (`201`), or get the
/// one open already (`200`).
#[utoipa::path(post, path = "/api/v1/bags", tag = "shipping", request_body = OpenBagInput,
    responses((status = 200, body = Bag), (status = 201, body = Bag), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/bags")]
pub async fn open_bag(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<OpenBagInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (input, actor, now) = (body.into_inner(), caller.0.actor(), state.clock.now());
    let (bag, opened) =
        db::transact(&state.pool, move |tx| service::open_bag(tx, &input, &actor, now)).await?;
    Ok(if opened { HttpResponse::Created().json(bag) } else { HttpResponse::Ok().json(bag) })
}

/// A bag with its parcels, by number or id.
#[utoipa::path(get, path = "/api/v1/bags/{bag}", tag = "shipping", params(("bag" = String, Path)),
    responses((status = 200, body = BagDetail), (status = 422, body = Problem, description = "unknown_bag")),
    security(("bearer" = [])))]
#[get("/bags/{bag}")]
pub async fn show_bag(
    state: web::Data<AppState>,
    caller: ApiCaller,
    bag: web::Path<String>,
) -> Result<web::Json<BagDetail>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let bag = bag.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::get(c, &bag)).await?))
}

/// Scan a parcel into a bag: refused (`wrong_bag`) unless the bag is of the
/// parcel's channel and destination.
#[utoipa::path(post, path = "/api/v1/bags/{bag}/parcels", tag = "shipping", request_body = ParcelScan,
    params(("bag" = String, Path)),
    responses((status = 200, body = Bag),
        (status = 409, body = Problem, description = "wrong_bag, bag_not_open, already_bagged, parcel_not_packed"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/bags/{bag}/parcels")]
pub async fn add_parcel(
    state: web::Data<AppState>,
    caller: ApiCaller,
    bag: web::Path<String>,
    body: web::Json<ParcelScan>,
) -> Result<web::Json<Bag>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (bag, parcel, actor, now) =
        (bag.into_inner(), body.into_inner().parcel, caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| service::add_parcel(tx, &bag, &parcel, &actor, now)).await?,
    ))
}

/// Take a parcel out of an open bag (sorted by mistake).
#[utoipa::path(post, path = "/api/v1/bags/{bag}/parcels/remove", tag = "shipping", request_body = ParcelScan,
    params(("bag" = String, Path)),
    responses((status = 200, body = Bag), (status = 409, body = Problem, description = "not_in_bag, bag_not_open"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/bags/{bag}/parcels/remove")]
pub async fn remove_parcel(
    state: web::Data<AppState>,
    caller: ApiCaller,
    bag: web::Path<String>,
    body: web::Json<ParcelScan>,
) -> Result<web::Json<Bag>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (bag, parcel, now) = (bag.into_inner(), body.into_inner().parcel, state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::remove_parcel(tx, &bag, &parcel, now)).await?))
}

/// Close a bag with its weight: `closed` within the tolerance of its
/// parcels plus the sack, else `held` for a supervisor.
#[utoipa::path(post, path = "/api/v1/bags/{bag}/close", tag = "shipping", request_body = CloseBagInput,
    params(("bag" = String, Path)),
    responses((status = 200, body = Bag), (status = 409, body = Problem, description = "bag_not_open, bag_empty"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/bags/{bag}/close")]
pub async fn close_bag(
    state: web::Data<AppState>,
    caller: ApiCaller,
    bag: web::Path<String>,
    body: web::Json<CloseBagInput>,
) -> Result<web::Json<Bag>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (bag, input, actor, now) = (bag.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| service::close_bag(tx, &bag, &input, &actor, now)).await?,
    ))
}

/// A supervisor's decision on a held bag: `accept` (closed as weighed) or
/// `reopen` (check its parcels, weigh again), with a note.
#[utoipa::path(post, path = "/api/v1/bags/{bag}/resolve", tag = "shipping", request_body = ResolveBagInput,
    params(("bag" = String, Path)),
    responses((status = 200, body = Bag), (status = 409, body = Problem, description = "bag_not_held, another_bag_open"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/bags/{bag}/resolve")]
pub async fn resolve_bag(
    state: web::Data<AppState>,
    caller: ApiCaller,
    bag: web::Path<String>,
    body: web::Json<ResolveBagInput>,
) -> Result<web::Json<Bag>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (bag, input, actor, now) = (bag.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| service::resolve_hold(tx, &bag, &input, &actor, now)).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelQuery {
    /// `html` (default) or `zpl`.
    pub format: Option<String>,
}

/// The bag's label (100 × 150 mm): its number as a Code 128, channel,
/// destination; HTML or ZPL.
#[utoipa::path(get, path = "/api/v1/bags/{bag}/label", tag = "shipping", params(("bag" = String, Path), LabelQuery),
    responses((status = 200, description = "The label (HTML, or ZPL with format=zpl)", content_type = "text/html"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[get("/bags/{bag}/label")]
pub async fn bag_label(
    state: web::Data<AppState>,
    caller: ApiCaller,
    bag: web::Path<String>,
    q: web::Query<LabelQuery>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let code = bag.into_inner();
    let bag = db::run(&state.pool, move |c| service::get(c, &code)).await?.bag;
    let format = labels::LabelFormat::parse(q.format.as_deref())?;
    let body = service::label(&bag, &state.config.warehouse_code, format)?;
    Ok(HttpResponse::Ok().content_type(format.content_type()).body(body))
}
