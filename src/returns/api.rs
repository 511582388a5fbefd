//! Return endpoints: the platform opens returns and reads them all; a
//! supplier reads the returns of its goods (its lines, the costs it bears);
//! staff of the returns desk and supervisors read them. Policy versions are
//! read by everyone with a key and added by an admin.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::desk::{self, Arrival, ArrivalInput, DispositionsInput, GradesInput, ResolveInput, Unidentified};
use super::domain::ReturnStatus;
use super::photos::{self, Content, Image, Photo, Subject};
use super::service::{self, NewPolicyInput, PolicyVersion, Return, ReturnRequest};
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{ApiCaller, AppState};
use crate::ids::{ReturnPhotoId, SupplierId, UnidentifiedReturnId};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The desk's fixed paths before `/returns/{return_no}`.
    cfg.service(arrival)
        .service(list_unidentified)
        .service(resolve_unidentified)
        .service(grade)
        .service(dispose)
        .service(add_return_photo)
        .service(add_unidentified_photo)
        .service(return_photo)
        .service(unidentified_photo)
        .service(show_unidentified)
        .service(open_return)
        .service(cancel_return)
        .service(list_returns)
        .service(show_return)
        .service(list_policies)
        .service(add_policy);
}

/// Who may read returns, and which: `Some(supplier)` sees only its own.
fn reader(caller: &Caller) -> Result<Option<SupplierId>, AppError> {
    match caller {
        Caller::Platform { .. } => Ok(None),
        Caller::Supplier { supplier_id, .. } => Ok(Some(*supplier_id)),
        Caller::Staff { role, .. } if role.covers(Role::Returns) => Ok(None),
        Caller::Staff { .. } => Err(AppError::forbidden("Your role may not do this.")),
        Caller::Carrier { .. } => Err(AppError::forbidden("This endpoint is not for carriers.")),
    }
}

/// The platform opens a return for a delivered order. Idempotent on
/// `platform_return_id`: the same request again answers `200` with the
/// return made the first time; the same id with another order or other
/// lines is `409 platform_return_id_taken`.
#[utoipa::path(post, path = "/api/v1/returns", tag = "returns", request_body = ReturnRequest,
    responses((status = 201, body = Return), (status = 200, body = Return, description = "the same request again"),
        (status = 403, body = Problem), (status = 404, body = Problem, description = "order"),
        (status = 409, body = Problem, description = "order_not_delivered, platform_return_id_taken, no_return_policy"),
        (status = 422, body = Problem, description = "over_return, unknown_line, currency_mismatch, ...")),
    security(("bearer" = [])))]
#[post("/returns")]
pub async fn open_return(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    body: web::Json<ReturnRequest>,
) -> Result<HttpResponse, AppError> {
    if !matches!(caller.0, Caller::Platform { .. }) {
        return Err(AppError::forbidden("Returns are opened with the platform's key."));
    }
    let (input, now) = (body.into_inner(), state.clock.now());
    let work = input.clone();
    // Idempotent on `platform_return_id` already; an Idempotency-Key is
    // honoured too, as on every create.
    crate::http::idempotency::write_with_status(&state, &req, &caller.0, &input, move |tx| {
        let (r, created) = service::request(tx, &work, now)?;
        Ok((r, if created { StatusCode::CREATED } else { StatusCode::OK }))
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReturnQuery {
    pub status: Option<ReturnStatus>,
    /// Only returns past their grading deadline (arrived more than
    /// `CUSTODY_RETURN_GRADING_HOURS` ago, not fully graded), oldest first.
    pub overdue: Option<bool>,
}

/// Returns, newest first (the last 200); a supplier's key lists the
/// returns of its goods.
#[utoipa::path(get, path = "/api/v1/returns", tag = "returns", params(ReturnQuery),
    responses((status = 200, body = [Return]), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/returns")]
pub async fn list_returns(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ReturnQuery>,
) -> Result<web::Json<Vec<Return>>, AppError> {
    let supplier = reader(&caller.0)?;
    let q = q.into_inner();
    if q.overdue == Some(true) {
        let (hours, now) = (state.config.return_grading_hours, state.clock.now());
        return Ok(web::Json(
            db::run(&state.pool, move |c| service::overdue(c, supplier, hours, now)).await?,
        ));
    }
    let status = q.status;
    Ok(web::Json(db::run(&state.pool, move |c| service::list(c, supplier, status)).await?))
}

/// A return: its decision, the policy version it was decided under, its
/// lines and who bears which cost. A supplier sees its own lines and costs,
/// and no return without its goods (404).
#[utoipa::path(get, path = "/api/v1/returns/{return_no}", tag = "returns", params(("return_no" = String, Path)),
    responses((status = 200, body = Return), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/returns/{return_no}")]
pub async fn show_return(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
) -> Result<web::Json<Return>, AppError> {
    let supplier = reader(&caller.0)?;
    let no = no.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::get(c, &no, supplier)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// One market (e.g. `US`).
    pub market: Option<String>,
}

/// The return policy's versions, per market newest first.
#[utoipa::path(get, path = "/api/v1/return-policies", tag = "returns", params(PolicyQuery),
    responses((status = 200, body = [PolicyVersion])), security(("bearer" = [])))]
#[get("/return-policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    _caller: ApiCaller,
    q: web::Query<PolicyQuery>,
) -> Result<web::Json<Vec<PolicyVersion>>, AppError> {
    let market = q.into_inner().market;
    Ok(web::Json(db::run(&state.pool, move |c| service::policies(c, market.as_deref())).await?))
}

/// Adds a version of a market's return policy (an admin): it takes effect
/// at `effective_from`, now or later and after the market's latest version.
/// Versions are never edited.
#[utoipa::path(post, path = "/api/v1/return-policies", tag = "returns", request_body = NewPolicyInput,
    responses((status = 201, body = PolicyVersion), (status = 403, body = Problem),
        (status = 422, body = Problem, description = "in_the_past, before_latest, out_of_range, ...")),
    security(("bearer" = [])))]
#[post("/return-policies")]
pub async fn add_policy(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    body: web::Json<NewPolicyInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let (input, actor, now) = (body.into_inner(), caller.0.actor(), state.clock.now());
    let work = input.clone();
    // A retry with the same Idempotency-Key answers the version it added
    // (without one, the second try is `422 before_latest`).
    crate::http::idempotency::write(&state, &req, &caller.0, &input, StatusCode::CREATED, move |tx| {
        service::add_policy(tx, &work, &actor, now)
    })
    .await
}

/// A return parcel scanned and weighed at the returns desk (the returns
/// role). `outcome` `identified`: the return it belongs to, now `arrived`,
/// with `arrival.weight_flag` `light` or `empty` when it weighs less than
/// what was shipped. `unidentified`: nothing matched; it waits in the queue.
#[utoipa::path(post, path = "/api/v1/returns/arrivals", tag = "returns", request_body = ArrivalInput,
    responses((status = 200, body = Arrival), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "return_final, illegal_transition"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/returns/arrivals")]
pub async fn arrival(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    body: web::Json<ArrivalInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let (input, actor, now) = (body.into_inner(), caller.0.actor(), state.clock.now());
    let work = input.clone();
    // A retried scan with the same Idempotency-Key answers the first one
    // (an unidentified parcel is queued once).
    crate::http::idempotency::write(&state, &req, &caller.0, &input, StatusCode::OK, move |tx| {
        desk::arrive(tx, &work, &actor, now)
    })
    .await
}

/// Parcels that arrived with nothing to identify them, oldest first.
#[utoipa::path(get, path = "/api/v1/returns/unidentified", tag = "returns",
    responses((status = 200, body = [Unidentified]), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/returns/unidentified")]
pub async fn list_unidentified(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<Vec<Unidentified>>, AppError> {
    caller.0.require_staff(Role::Returns)?;
    Ok(web::Json(db::run(&state.pool, desk::unidentified).await?))
}

/// An unidentified parcel matched to its return: the return arrives.
#[utoipa::path(post, path = "/api/v1/returns/unidentified/{id}/resolve", tag = "returns", request_body = ResolveInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Return), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "already_resolved, return_final")),
    security(("bearer" = [])))]
#[post("/returns/unidentified/{id}/resolve")]
pub async fn resolve_unidentified(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<UnidentifiedReturnId>,
    body: web::Json<ResolveInput>,
) -> Result<web::Json<Return>, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let (id, input, actor, now) = (id.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| desk::resolve(tx, id, &input, &actor, now)).await?))
}

/// Grades returned units (`sellable_new`, `sellable_repack`, `damaged`,
/// `wrong_item`, `empty`, `counterfeit_suspected`); every unit graded: the
/// return is `graded`.
#[utoipa::path(post, path = "/api/v1/returns/{return_no}/grades", tag = "returns", request_body = GradesInput,
    params(("return_no" = String, Path)),
    responses((status = 200, body = Return), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "return_not_arrived, unit_dispositioned"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/returns/{return_no}/grades")]
pub async fn grade(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    body: web::Json<GradesInput>,
) -> Result<web::Json<Return>, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let (no, input, actor, now) = (no.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| desk::grade(tx, &no, &input, &actor, now)).await?))
}

/// Sends graded units where they go, through the stock ledger: `restock`
/// (into a bin, available: waiting orders are filled), `return_to_supplier`,
/// `dispose`, `hold`. Without `to`, a unit goes where its grade sends it;
/// anything else is a supervisor's decision with a note
/// (`422 override_needs_supervisor`). Every unit done: the return is `closed`.
#[utoipa::path(post, path = "/api/v1/returns/{return_no}/dispositions", tag = "returns", request_body = DispositionsInput,
    params(("return_no" = String, Path)),
    responses((status = 200, body = Return), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "return_not_graded, unit_dispositioned"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/returns/{return_no}/dispositions")]
pub async fn dispose(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    body: web::Json<DispositionsInput>,
) -> Result<web::Json<Return>, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let supervisor = matches!(&caller.0, Caller::Staff { role, .. } if role.covers(Role::Supervisor));
    let (no, input, actor, now) = (no.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| desk::dispose(tx, &no, &input, supervisor, &actor, now)).await?,
    ))
}

/// The platform withdraws a return whose parcel has not arrived: its units
/// may be returned again. `409 return_arrived` once the parcel is at the
/// desk, `return_final` once decided for good.
#[utoipa::path(post, path = "/api/v1/returns/{return_no}/cancel", tag = "returns", params(("return_no" = String, Path)),
    responses((status = 200, body = Return), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "return_arrived, return_final")),
    security(("bearer" = [])))]
#[post("/returns/{return_no}/cancel")]
pub async fn cancel_return(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    _body: crate::http::optional_json::NoBody,
) -> Result<web::Json<Return>, AppError> {
    if !matches!(caller.0, Caller::Platform { .. }) {
        return Err(AppError::forbidden("Returns are cancelled with the platform's key."));
    }
    let (no, now) = (no.into_inner(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::cancel(tx, &no, now)).await?))
}

/// One parcel of the unidentified queue, with its photos.
#[utoipa::path(get, path = "/api/v1/returns/unidentified/{id}", tag = "returns", params(("id" = String, Path)),
    responses((status = 200, body = Unidentified), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/returns/unidentified/{id}")]
pub async fn show_unidentified(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<UnidentifiedReturnId>,
) -> Result<web::Json<Unidentified>, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let id = id.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| desk::unidentified_one(c, id)).await?))
}

/// An upload's bytes, read up to the photo limit (`413` beyond it) and
/// checked to be the image they are declared as.
async fn photo_body(req: &actix_web::HttpRequest, mut payload: web::Payload) -> Result<Image, AppError> {
    use futures_util::StreamExt;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned());
    let (mut body, mut total) = (web::BytesMut::new(), 0usize);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::bad_request("unreadable_body", e.to_string()))?;
        total += chunk.len();
        // Past the limit the rest is read and dropped (up to four times the
        // limit), so that the sender reads the 413 instead of a reset.
        if total > 4 * photos::MAX_BYTES {
            break;
        }
        if total <= photos::MAX_BYTES {
            body.extend_from_slice(&chunk);
        }
    }
    if total > photos::MAX_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    Image::new(body.to_vec(), declared.as_deref())
}

/// Keeps the photo: `201` with it and its `Location`; `200` with the photo
/// kept before when the same bytes were sent again for the same subject (a
/// retried upload keeps one photo). An `Idempotency-Key` is honoured as on
/// every create: the request it stands for is the path, the unit (as
/// parsed, whatever the query's order) and the bytes' SHA-256, so one key
/// with other bytes is `idempotency_key_reused`.
async fn store_photo(
    state: &AppState,
    req: &actix_web::HttpRequest,
    caller: &ApiCaller,
    subject: Subject,
    image: Image,
) -> Result<HttpResponse, AppError> {
    let unit = match &subject {
        Subject::Return { unit, .. } => *unit,
        Subject::Unidentified(_) => None,
    };
    let request = (unit, image.sha256_hex(), image.media_type());
    let (actor, now) = (caller.0.actor(), state.clock.now());
    crate::http::idempotency::write_located(state, req, &caller.0, &request, move |tx| {
        let (photo, created) = photos::add(tx, &subject, &image, &actor, now)?;
        Ok((photo, if created { StatusCode::CREATED } else { StatusCode::OK }))
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PhotoQuery {
    /// The unit the photo shows: its line number (with `unit_no`).
    pub line_no: Option<i32>,
    /// The unit the photo shows: 1 to the line's quantity (with `line_no`).
    pub unit_no: Option<i32>,
}

/// A photo taken at the returns desk (the returns role): of the parcel, or
/// with `line_no` and `unit_no` of one unit that came back (the evidence
/// behind its grade; its supplier sees it). The body is the image itself,
/// `image/jpeg`, `image/png` or `image/webp`, up to 8 MiB; it must be what
/// its first bytes say. At most 30 photos a return.
#[utoipa::path(post, path = "/api/v1/returns/{return_no}/photos", tag = "returns",
    params(("return_no" = String, Path), PhotoQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "the photo: image/jpeg, image/png or image/webp"),
    responses((status = 201, body = Photo), (status = 200, body = Photo, description = "the same bytes again"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "return_not_at_desk, too_many_photos"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "not_an_image, photo_type_mismatch, empty_photo, unknown_unit")),
    security(("bearer" = [])))]
#[post("/returns/{return_no}/photos")]
pub async fn add_return_photo(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    no: web::Path<String>,
    q: web::Query<PhotoQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let unit = match (q.line_no, q.unit_no) {
        (Some(l), Some(u)) => Some((l, u)),
        (None, None) => None,
        _ => {
            return Err(AppError::invalid(
                "unit_no",
                "unit_incomplete",
                "a unit is named by line_no and unit_no",
            ));
        }
    };
    let image = photo_body(&req, payload).await?;
    let subject = Subject::Return { return_no: no.into_inner(), unit };
    store_photo(&state, &req, &caller, subject, image).await
}

/// A photo of a parcel in the unidentified queue (the returns role): what
/// is on it and in it, so that it can be matched later. It follows the
/// parcel to its return. Body as for a return's photos.
#[utoipa::path(post, path = "/api/v1/returns/unidentified/{id}/photos", tag = "returns",
    params(("id" = String, Path)),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "the photo: image/jpeg, image/png or image/webp"),
    responses((status = 201, body = Photo), (status = 200, body = Photo, description = "the same bytes again"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "already_resolved, too_many_photos"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "not_an_image, photo_type_mismatch, empty_photo")),
    security(("bearer" = [])))]
#[post("/returns/unidentified/{id}/photos")]
pub async fn add_unidentified_photo(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    id: web::Path<UnidentifiedReturnId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let image = photo_body(&req, payload).await?;
    let subject = Subject::Unidentified(id.into_inner());
    store_photo(&state, &req, &caller, subject, image).await
}

/// A photo's bytes: never changed once taken, so cached for good by its
/// `ETag` (the SHA-256 of the bytes); `If-None-Match` answers `304`.
pub fn photo_response(req: &actix_web::HttpRequest, c: Content, name: ReturnPhotoId) -> HttpResponse {
    use actix_web::http::header;
    let etag = format!("\"{}\"", c.sha256);
    let cached = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if cached { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    resp.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"));
    if cached {
        return resp.finish();
    }
    resp.insert_header((header::CONTENT_TYPE, c.media_type.as_str()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}.{}\"", c.media_type.extension()),
        ))
        .body(c.bytes)
}

/// A return's photo, the image itself. A supplier reads those of its own
/// units (a parcel's photos show the buyer's label: not a supplier's).
#[utoipa::path(get, path = "/api/v1/returns/{return_no}/photos/{photo_id}", tag = "returns",
    params(("return_no" = String, Path), ("photo_id" = String, Path)),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>, description = "image/jpeg, image/png or image/webp"),
        (status = 304, description = "If-None-Match named its ETag"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/returns/{return_no}/photos/{photo_id}")]
pub async fn return_photo(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    path: web::Path<(String, ReturnPhotoId)>,
) -> Result<HttpResponse, AppError> {
    let supplier = reader(&caller.0)?;
    let (no, id) = path.into_inner();
    let c = db::run(&state.pool, move |c| photos::read_of_return(c, &no, id, supplier)).await?;
    Ok(photo_response(&req, c, id))
}

/// An unidentified parcel's photo, the image itself (the returns role).
#[utoipa::path(get, path = "/api/v1/returns/unidentified/{id}/photos/{photo_id}", tag = "returns",
    params(("id" = String, Path), ("photo_id" = String, Path)),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>, description = "image/jpeg, image/png or image/webp"),
        (status = 304, description = "If-None-Match named its ETag"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/returns/unidentified/{id}/photos/{photo_id}")]
pub async fn unidentified_photo(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    path: web::Path<(UnidentifiedReturnId, ReturnPhotoId)>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Returns)?;
    let (parcel, id) = path.into_inner();
    let c = db::run(&state.pool, move |c| photos::read_of_unidentified(c, parcel, id)).await?;
    Ok(photo_response(&req, c, id))
}
