//! Channel endpoints. Staff and the platform read; admins add versions and
//! import tracking numbers.

use actix_web::{HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};

use super::domain::{self, ServiceLevel};
use super::service::{self, Channel, ChannelInput, RangeInput, Routing, TrackingRange};
use crate::auth::{Caller, Role};
use crate::catalog::domain::SensitiveFlag;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{ApiCaller, AppState};
use crate::values::{self, CountryCode, Errors};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_channels)
        .service(quote)
        .service(show_channel)
        .service(put_channel)
        .service(list_ranges)
        .service(import_range);
}

fn readers(caller: &Caller) -> Result<(), AppError> {
    match caller {
        Caller::Staff { .. } | Caller::Platform { .. } => Ok(()),
        Caller::Supplier { .. } | Caller::Carrier { .. } => {
            Err(AppError::forbidden("Channels are for staff and the platform."))
        }
    }
}

/// Every channel at its current version. Staff and platform.
#[utoipa::path(get, path = "/api/v1/channels", tag = "shipping",
    responses((status = 200, body = [Channel])), security(("bearer" = [])))]
#[get("/channels")]
pub async fn list_channels(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<Vec<Channel>>, AppError> {
    readers(&caller.0)?;
    Ok(web::Json(db::run(&state.pool, service::list).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelHistory {
    pub current: Channel,
    /// Every version, newest first.
    pub versions: Vec<Channel>,
}

/// A channel: its current version and every earlier one.
#[utoipa::path(get, path = "/api/v1/channels/{code}", tag = "shipping", params(("code" = String, Path)),
    responses((status = 200, body = ChannelHistory), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/channels/{code}")]
pub async fn show_channel(
    state: web::Data<AppState>,
    caller: ApiCaller,
    code: web::Path<String>,
) -> Result<web::Json<ChannelHistory>, AppError> {
    readers(&caller.0)?;
    let code = code.into_inner();
    let (current, versions) = db::run(&state.pool, move |c| service::get(c, &code)).await?;
    Ok(web::Json(ChannelHistory { current, versions }))
}

/// Add a version of a channel (admin). The body states the whole channel;
/// versions are never edited, and parcels keep the version they were
/// routed with. `201` for a new channel or version, `200` when the body is
/// the current version already.
#[utoipa::path(put, path = "/api/v1/channels/{code}", tag = "shipping", request_body = ChannelInput,
    params(("code" = String, Path)),
    responses((status = 200, body = Channel), (status = 201, body = Channel), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[put("/channels/{code}")]
pub async fn put_channel(
    state: web::Data<AppState>,
    caller: ApiCaller,
    code: web::Path<String>,
    body: web::Json<ChannelInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let (code, input, actor, now) =
        (code.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    let (channel, added) =
        db::transact(&state.pool, move |tx| service::put(tx, &code, &input, &actor, now)).await?;
    Ok(if added { HttpResponse::Created().json(channel) } else { HttpResponse::Ok().json(channel) })
}

/// A channel's imported tracking number ranges. Staff.
#[utoipa::path(get, path = "/api/v1/channels/{code}/tracking-ranges", tag = "shipping",
    params(("code" = String, Path)),
    responses((status = 200, body = [TrackingRange]), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/channels/{code}/tracking-ranges")]
pub async fn list_ranges(
    state: web::Data<AppState>,
    caller: ApiCaller,
    code: web::Path<String>,
) -> Result<web::Json<Vec<TrackingRange>>, AppError> {
    if !caller.0.is_staff() {
        return Err(AppError::forbidden("Tracking number ranges are for warehouse staff."));
    }
    let code = code.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::ranges(c, &code)).await?))
}

/// Import a range of numbers the carrier pre-assigned (admin; channels
/// whose tracking source is `imported`). Overlapping ranges are refused.
#[utoipa::path(post, path = "/api/v1/channels/{code}/tracking-ranges", tag = "shipping", request_body = RangeInput,
    params(("code" = String, Path)),
    responses((status = 201, body = TrackingRange), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not_imported_numbers, range_overlaps"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/channels/{code}/tracking-ranges")]
pub async fn import_range(
    state: web::Data<AppState>,
    caller: ApiCaller,
    code: web::Path<String>,
    body: web::Json<RangeInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let (code, input, actor, now) =
        (code.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    let range =
        db::transact(&state.pool, move |tx| service::import_range(tx, &code, &input, &actor, now)).await?;
    Ok(HttpResponse::Created().json(range))
}

/// A parcel to route, as a supervisor or the platform describes it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    pub destination: String,
    pub service_level: ServiceLevel,
    pub weight_g: i64,
    pub length_mm: i64,
    pub width_mm: i64,
    pub height_mm: i64,
    #[serde(default)]
    pub flags: Vec<SensitiveFlag>,
}

/// Which channel a parcel would take, and why each other one would not:
/// what routing at the pack station decides, asked ahead. Staff and
/// platform.
#[utoipa::path(post, path = "/api/v1/channels/quote", tag = "shipping", request_body = QuoteInput,
    responses((status = 200, body = Routing), (status = 422, body = Problem)), security(("bearer" = [])))]
#[post("/channels/quote")]
pub async fn quote(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<QuoteInput>,
) -> Result<web::Json<Routing>, AppError> {
    readers(&caller.0)?;
    let q = body.into_inner();
    let mut errs = Errors::default();
    let destination = errs.take(CountryCode::parse("destination", &q.destination));
    let weight = errs.take(values::positive_i32("weight_g", q.weight_g, 1_000_000));
    let l = errs.take(values::positive_i32("length_mm", q.length_mm, 10_000));
    let w = errs.take(values::positive_i32("width_mm", q.width_mm, 10_000));
    let h = errs.take(values::positive_i32("height_mm", q.height_mm, 10_000));
    errs.finish()?;
    let parcel = domain::Parcel {
        destination: destination.expect("checked").as_str().to_owned(),
        service_level: q.service_level,
        weight_g: i64::from(weight.expect("checked")),
        dims_mm: [l, w, h].map(|d| i64::from(d.expect("checked"))),
        flags: q.flags,
    };
    Ok(web::Json(db::run(&state.pool, move |c| service::route(c, &parcel)).await?))
}
