//! Manifest, handover and customs endpoints: the shipping role works them,
//! a supervisor overrides the customs check, the platform key reads
//! manifests; a supplier key gets nothing here.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;

use super::customs;
use super::domain::ManifestStatus;
use super::service::{
    self, HandoverInput, HandoverResult, LoadAnswer, Manifest, ManifestDetail, NewManifestInput,
    ReceiptAnswer, ReceiptsInput,
};
use crate::auth::{Caller, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::{ApiCaller, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_manifests)
        .service(create_manifest)
        .service(show_manifest)
        .service(manifest_csv)
        .service(add_bag)
        .service(remove_bag)
        .service(close_manifest)
        .service(customs_list)
        .service(customs_receipts)
        .service(load_bag)
        .service(hand_over);
}

/// Staff and the platform read manifests; suppliers never see them.
fn readers(caller: &Caller) -> Result<(), AppError> {
    match caller {
        Caller::Staff { .. } | Caller::Platform { .. } => Ok(()),
        Caller::Supplier { .. } | Caller::Carrier { .. } => {
            Err(AppError::forbidden("Manifests are for staff and the platform."))
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManifestQuery {
    pub status: Option<ManifestStatus>,
}

/// Manifests, newest first (the last 200). Staff and platform.
#[utoipa::path(get, path = "/api/v1/manifests", tag = "manifests", params(ManifestQuery),
    responses((status = 200, body = [Manifest]), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/manifests")]
pub async fn list_manifests(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ManifestQuery>,
) -> Result<web::Json<Vec<Manifest>>, AppError> {
    readers(&caller.0)?;
    let status = q.status;
    Ok(web::Json(db::run(&state.pool, move |c| service::list(c, status, 200)).await?))
}

/// Open a manifest for one line-haul departure (master waybill, channel,
/// transport mode, flight / vessel / truck, planned departure).
#[utoipa::path(post, path = "/api/v1/manifests", tag = "manifests", request_body = NewManifestInput,
    responses((status = 201, body = Manifest), (status = 422, body = Problem, description = "unknown_channel, invalid_code")),
    security(("bearer" = [])))]
#[post("/manifests")]
pub async fn create_manifest(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: ApiCaller,
    body: web::Json<NewManifestInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (input, actor, now) = (body.into_inner(), caller.0.actor(), state.clock.now());
    let work = input.clone();
    // A retry with the same Idempotency-Key answers the first manifest
    // instead of opening a second one for the same departure.
    crate::http::idempotency::write(&state, &req, &caller.0, &input, StatusCode::CREATED, move |tx| {
        service::create(tx, &work, &actor, now)
    })
    .await
}

/// The manifest document as JSON: bags, house waybills (tracking numbers),
/// weights, counts, declared values per currency, customs answers.
#[utoipa::path(get, path = "/api/v1/manifests/{manifest}", tag = "manifests", params(("manifest" = String, Path)),
    responses((status = 200, body = ManifestDetail), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/manifests/{manifest}")]
pub async fn show_manifest(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
) -> Result<web::Json<ManifestDetail>, AppError> {
    readers(&caller.0)?;
    let no = no.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::detail(c, &no)).await?))
}

/// The manifest document as CSV: a row per house waybill (per currency of
/// its declared value), then a `TOTAL` row per currency.
#[utoipa::path(get, path = "/api/v1/manifests/{manifest}/csv", tag = "manifests", params(("manifest" = String, Path)),
    responses((status = 200, description = "The manifest as CSV", content_type = "text/csv"),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/manifests/{manifest}/csv")]
pub async fn manifest_csv(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    readers(&caller.0)?;
    document_csv(&state, no.into_inner()).await
}

/// The manifest document as a CSV download (the API and the console).
pub async fn document_csv(state: &AppState, no: String) -> Result<HttpResponse, AppError> {
    let d = db::run(&state.pool, move |c| service::detail(c, &no)).await?;
    let body = service::document_csv(&d)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.csv\"", d.manifest.manifest_no),
        ))
        .body(body))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BagScan {
    /// The bag's label (`BAG-…`) as scanned.
    pub bag: String,
}

/// Scan a closed bag of the manifest's channel onto it while it is open.
#[utoipa::path(post, path = "/api/v1/manifests/{manifest}/bags", tag = "manifests", request_body = BagScan,
    params(("manifest" = String, Path)),
    responses((status = 200, body = Manifest),
        (status = 409, body = Problem, description = "manifest_closed, manifest_handed_over, bag_not_closed, wrong_channel, bag_on_manifest"),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "unknown_bag")),
    security(("bearer" = [])))]
#[post("/manifests/{manifest}/bags")]
pub async fn add_bag(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    body: web::Json<BagScan>,
) -> Result<web::Json<Manifest>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (no, bag, actor, now) = (no.into_inner(), body.into_inner().bag, caller.0.actor(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::add_bag(tx, &no, &bag, &actor, now)).await?))
}

/// Take a bag off an open manifest (scanned onto the wrong one).
#[utoipa::path(post, path = "/api/v1/manifests/{manifest}/bags/remove", tag = "manifests", request_body = BagScan,
    params(("manifest" = String, Path)),
    responses((status = 200, body = Manifest), (status = 409, body = Problem, description = "manifest_closed, bag_not_on_manifest"),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/manifests/{manifest}/bags/remove")]
pub async fn remove_bag(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    body: web::Json<BagScan>,
) -> Result<web::Json<Manifest>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (no, bag) = (no.into_inner(), body.into_inner().bag);
    Ok(web::Json(db::transact(&state.pool, move |tx| service::remove_bag(tx, &no, &bag)).await?))
}

/// Close the manifest: its list is final; late bags go on the next one.
#[utoipa::path(post, path = "/api/v1/manifests/{manifest}/close", tag = "manifests", params(("manifest" = String, Path)),
    responses((status = 200, body = Manifest), (status = 409, body = Problem, description = "manifest_closed, manifest_empty"),
        (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[post("/manifests/{manifest}/close")]
pub async fn close_manifest(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
) -> Result<web::Json<Manifest>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (no, actor, now) = (no.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::close(tx, &no, &actor, now)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomsQuery {
    /// `xml` (CEB603-shaped, default), `csv` or `json`.
    pub format: Option<String>,
}

/// The export declaration lists (China 9610) of the manifest's parcels: XML
/// shaped like the single-window CEB603 message, CSV or JSON. Made from the
/// `CUSTODY_CUSTOMS_*` codes; no network call: the broker submits it.
#[utoipa::path(get, path = "/api/v1/manifests/{manifest}/customs", tag = "manifests",
    params(("manifest" = String, Path), CustomsQuery),
    responses((status = 200, description = "The declaration lists", content_type = "application/xml"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "customs_not_configured"),
        (status = 422, body = Problem, description = "unknown_format")),
    security(("bearer" = [])))]
#[get("/manifests/{manifest}/customs")]
pub async fn customs_list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    q: web::Query<CustomsQuery>,
) -> Result<HttpResponse, AppError> {
    readers(&caller.0)?;
    let format = q.format.as_deref().unwrap_or("xml").to_ascii_lowercase();
    declaration_lists(&state, no.into_inner(), &format).await
}

/// The manifest's declaration lists in `format` (`xml`, `csv`, `json`), as
/// a download named after the manifest (the API and the console).
pub async fn declaration_lists(state: &AppState, no: String, format: &str) -> Result<HttpResponse, AppError> {
    if !matches!(format, "xml" | "csv" | "json") {
        return Err(AppError::invalid("format", "unknown_format", "must be xml, csv or json"));
    }
    let codes = state.config.customs.clone().ok_or_else(|| {
        AppError::conflict(
            "customs_not_configured",
            "The warehouse's customs codes (CUSTODY_CUSTOMS_*) are not set: no declaration list can be made.",
        )
    })?;
    let now = state.clock.now();
    let c = codes.clone();
    let (m, lists) = db::run(&state.pool, move |conn| service::declarations(conn, &no, &c)).await?;
    let cx = service::list_context(&m, &codes, now);
    let file = format!("attachment; filename=\"{}-customs.{format}\"", m.manifest_no);
    let mut out = HttpResponse::Ok();
    out.insert_header(("Content-Disposition", file));
    Ok(match format {
        "json" => out.json(lists),
        "csv" => out
            .content_type("text/csv; charset=utf-8")
            .body(customs::csv(&lists, &cx).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?),
        _ => out.content_type("application/xml; charset=utf-8").body(customs::ceb603_xml(&lists, &cx)),
    })
}

/// The customs broker's receipts on the manifest's lists (1 to 1,000),
/// answered per receipt: a rejected parcel is pulled from its bag and held
/// (`customs_rejected`) before the handover.
#[utoipa::path(post, path = "/api/v1/manifests/{manifest}/customs-receipts", tag = "manifests",
    request_body = ReceiptsInput, params(("manifest" = String, Path)),
    responses((status = 200, body = [ReceiptAnswer]), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "manifest_handed_over"),
        (status = 422, body = Problem, description = "batch_size")),
    security(("bearer" = [])))]
#[post("/manifests/{manifest}/customs-receipts")]
pub async fn customs_receipts(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    body: web::Json<ReceiptsInput>,
) -> Result<web::Json<Vec<ReceiptAnswer>>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (no, input, actor, now) = (no.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::receipts(tx, &no, &input, &actor, now)).await?))
}

/// A bag scanned onto the vehicle at the dock. A bag not of this manifest
/// is refused (`bag_not_on_manifest`, saying where it belongs).
#[utoipa::path(post, path = "/api/v1/manifests/{manifest}/handover/scans", tag = "manifests", request_body = BagScan,
    params(("manifest" = String, Path)),
    responses((status = 200, body = LoadAnswer),
        (status = 409, body = Problem, description = "bag_not_on_manifest, manifest_not_closed, manifest_handed_over"),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "unknown_bag")),
    security(("bearer" = [])))]
#[post("/manifests/{manifest}/handover/scans")]
pub async fn load_bag(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    body: web::Json<BagScan>,
) -> Result<web::Json<LoadAnswer>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let (no, bag, actor, now) = (no.into_inner(), body.into_inner().bag, caller.0.actor(), state.clock.now());
    Ok(web::Json(db::transact(&state.pool, move |tx| service::load_bag(tx, &no, &bag, &actor, now)).await?))
}

/// Hand the manifest over to the carrier's driver: bags not scanned are
/// pulled off (`handover_missing`), the loaded parcels become
/// `handed_over` and their orders `shipped`. Refused
/// (`customs_not_clear`) while parcels lack a customs acceptance, unless a
/// supervisor gives `override_note`.
#[utoipa::path(post, path = "/api/v1/manifests/{manifest}/handover", tag = "manifests", request_body = HandoverInput,
    params(("manifest" = String, Path)),
    responses((status = 200, body = HandoverResult),
        (status = 403, body = Problem, description = "an override by a non-supervisor"),
        (status = 409, body = Problem, description = "customs_not_clear, nothing_loaded, manifest_not_closed, manifest_handed_over"),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/manifests/{manifest}/handover")]
pub async fn hand_over(
    state: web::Data<AppState>,
    caller: ApiCaller,
    no: web::Path<String>,
    body: web::Json<HandoverInput>,
) -> Result<web::Json<HandoverResult>, AppError> {
    caller.0.require_staff(Role::Shipping)?;
    let supervisor = caller.0.require_staff(Role::Supervisor).is_ok();
    let (no, input, actor, now) = (no.into_inner(), body.into_inner(), caller.0.actor(), state.clock.now());
    Ok(web::Json(
        db::transact(&state.pool, move |tx| service::hand_over(tx, &no, &input, &actor, supervisor, now))
            .await?,
    ))
}
