//! Tracking endpoints: carriers' events in (a carrier key), a parcel's
//! timeline (the platform key and staff; never a supplier: suppliers see
//! nothing of buyers' parcels), claims (staff; supervisors decide).

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::domain::ClaimStatus;
use super::service::{
    self, BatchAnswer, Claim, OpenClaimInput, RejectClaimInput, SettleClaimInput, Timeline, TrackingBatch,
};
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{ApiCaller, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(ingest)
        .service(timeline)
        .service(open_claim)
        .service(list_claims)
        .service(show_claim)
        .service(settle_claim)
        .service(reject_claim);
}

/// Customer service, the shipping floor and supervisors.
fn staff_reader(caller: &Caller) -> Result<(), AppError> {
    match caller {
        Caller::Staff { role, .. } if role.covers(Role::Shipping) || role.covers(Role::Returns) => Ok(()),
        Caller::Staff { .. } => Err(AppError::forbidden("Your role may not do this.")),
        _ => Err(AppError::forbidden("This endpoint is for warehouse staff.")),
    }
}

/// A carrier's or aggregator's batch of tracking events (1 to 1,000), with
/// a carrier key. Each event is answered on its own (`recorded`,
/// `duplicate`, `not_handed_over`, `unknown_tracking_number`,
/// `unknown_event_code`, `event_in_future`); a bad field refuses the whole
/// batch and stores nothing. Idempotent on (tracking number, event code,
/// event time); a late event never moves a parcel backwards.
#[utoipa::path(post, path = "/api/v1/tracking-events", tag = "tracking", request_body = TrackingBatch,
    responses((status = 200, body = BatchAnswer),
        (status = 403, body = Problem, description = "not a carrier key"),
        (status = 413, body = Problem, description = "payload_too_large"),
        (status = 422, body = Problem, description = "batch_size, invalid_tracking_no, required, ...")),
    security(("bearer" = [])))]
#[post("/tracking-events")]
pub async fn ingest(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<TrackingBatch>,
) -> Result<web::Json<BatchAnswer>, AppError> {
    if !matches!(caller.0, Caller::Carrier { .. }) {
        return Err(AppError::forbidden("Tracking events come in with a carrier key."));
    }
    let (batch, now) = (body.into_inner(), state.clock.now());
    let _turn = state.tracking_lane.acquire().await.map_err(|e| AppError::internal(anyhow::Error::new(e)))?;
    Ok(web::Json(db::transact(&state.pool, move |tx| service::ingest(tx, &batch, now)).await?))
}

/// A parcel's whole trip, by parcel number or tracking number: warehouse
/// scans (packed, label printed, bagged, bag closed) and carrier
/// milestones in time order, with its claims. The platform key and staff
/// (shipping, returns, supervisors); not a supplier.
#[utoipa::path(get, path = "/api/v1/parcels/{code}/timeline", tag = "tracking",
    params(("code" = String, Path, description = "Parcel number or tracking number")),
    responses((status = 200, body = Timeline), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/parcels/{code}/timeline")]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: ApiCaller,
    code: web::Path<String>,
) -> Result<web::Json<Timeline>, AppError> {
    match &caller.0 {
        Caller::Platform { .. } => {}
        Caller::Supplier { .. } | Caller::Carrier { .. } => {
            return Err(AppError::forbidden("A parcel's timeline is for the platform and staff."));
        }
        staff => staff_reader(staff)?,
    }
    let code = code.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::timeline(c, &code)).await?))
}

/// Open a claim against the carrier on a parcel it has (handed over or
/// later), e.g. suspected lost or damaged. One open claim per parcel.
#[utoipa::path(post, path = "/api/v1/parcels/{code}/claims", tag = "tracking", request_body = OpenClaimInput,
    params(("code" = String, Path, description = "Parcel number or tracking number")),
    responses((status = 201, body = Claim), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "parcel_not_shipped, claim_open"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/parcels/{code}/claims")]
pub async fn open_claim(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    code: web::Path<String>,
    body: web::Json<OpenClaimInput>,
) -> Result<HttpResponse, AppError> {
    staff_reader(&caller.0)?;
    let (code, input, actor, now) =
        (code.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    let work = input.clone();
    // A retry with the same Idempotency-Key answers the claim it opened
    // (without one, the second try is `409 claim_open`).
    crate::http::idempotency::write(
        &state,
        &req,
        &caller.0,
        &input,
        actix_web::http::StatusCode::CREATED,
        move |tx| service::open_claim(tx, &code, &work, &actor, now),
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimQuery {
    pub status: Option<ClaimStatus>,
}

/// Claims, newest first (the last 200).
#[utoipa::path(get, path = "/api/v1/claims", tag = "tracking", params(ClaimQuery),
    responses((status = 200, body = [Claim]), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/claims")]
pub async fn list_claims(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ClaimQuery>,
) -> Result<web::Json<Vec<Claim>>, AppError> {
    staff_reader(&caller.0)?;
    let status = q.status;
    Ok(web::Json(db::run(&state.pool, move |c| service::list_claims(c, status, 200)).await?))
}

#[utoipa::path(get, path = "/api/v1/claims/{claim_no}", tag = "tracking", params(("claim_no" = String, Path)),
    responses((status = 200, body = Claim), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/claims/{claim_no}")]
pub async fn show_claim(
    state: web::Data<AppState>,
    caller: ApiCaller,
    claim_no: web::Path<String>,
) -> Result<web::Json<Claim>, AppError> {
    staff_reader(&caller.0)?;
    let no = claim_no.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::get_claim(c, &no)).await?))
}

/// Settle an open claim with what the carrier pays (a supervisor).
#[utoipa::path(post, path = "/api/v1/claims/{claim_no}/settle", tag = "tracking", request_body = SettleClaimInput,
    params(("claim_no" = String, Path)),
    responses((status = 200, body = Claim), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "claim_not_open"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/claims/{claim_no}/settle")]
pub async fn settle_claim(
    state: web::Data<AppState>,
    caller: ApiCaller,
    claim_no: web::Path<String>,
    body: web::Json<SettleClaimInput>,
) -> Result<web::Json<Claim>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (no, input, actor, now) =
        (claim_no.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| service::settle_claim(tx, &no, &input, &actor, now)).await?,
    ))
}

/// Reject an open claim, with why (a supervisor).
#[utoipa::path(post, path = "/api/v1/claims/{claim_no}/reject", tag = "tracking", request_body = RejectClaimInput,
    params(("claim_no" = String, Path)),
    responses((status = 200, body = Claim), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "claim_not_open"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/claims/{claim_no}/reject")]
pub async fn reject_claim(
    state: web::Data<AppState>,
    caller: ApiCaller,
    claim_no: web::Path<String>,
    body: web::Json<RejectClaimInput>,
) -> Result<web::Json<Claim>, AppError> {
    caller.0.require_staff(Role::Supervisor)?;
    let (no, input, actor, now) =
        (claim_no.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| service::reject_claim(tx, &no, &input, &actor, now)).await?,
    ))
}
