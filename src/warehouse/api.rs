//! Layout endpoints. Staff read; admins change the layout.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use super::domain::BinType;
use super::service::{self, Bin, BinInput, Zone, ZoneInput};
use super::store::BinFilter;
use crate::auth::Role;
use crate::db;
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;
use crate::http::AppState;
use crate::labels;
use crate::paging::{Page, PageParams};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_zones)
        .service(create_zone)
        .service(list_bins)
        .service(create_bins)
        .service(import_bins)
        .service(bin_label)
        .service(show_bin);
}

fn staff(caller: &ApiCaller) -> Result<(), AppError> {
    if caller.0.is_staff() {
        Ok(())
    } else {
        Err(AppError::forbidden("This endpoint is for warehouse staff."))
    }
}

/// All zones in walk order. Staff.
#[utoipa::path(get, path = "/api/v1/zones", tag = "warehouse",
    responses((status = 200, body = [Zone])), security(("bearer" = [])))]
#[get("/zones")]
pub async fn list_zones(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<web::Json<Vec<Zone>>, AppError> {
    staff(&caller)?;
    Ok(web::Json(db::run(&state.pool, service::zones).await?))
}

/// Create a zone; it is walked after the existing ones. Admin.
#[utoipa::path(post, path = "/api/v1/zones", tag = "warehouse", request_body = ZoneInput,
    responses((status = 201, body = Zone), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/zones")]
pub async fn create_zone(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<ZoneInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let input = body.into_inner();
    let zone = db::transact(&state.pool, move |tx| service::create_zone(tx, &input)).await?;
    Ok(HttpResponse::Created().json(zone))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BinQuery {
    pub zone: Option<String>,
    pub bin_type: Option<BinType>,
    /// Codes starting with this text, e.g. `A-01`.
    pub code_prefix: Option<String>,
}

/// List bins. Staff.
#[utoipa::path(get, path = "/api/v1/bins", tag = "warehouse", params(PageParams, BinQuery),
    responses((status = 200, body = Page<Bin>)), security(("bearer" = [])))]
#[get("/bins")]
pub async fn list_bins(
    state: web::Data<AppState>,
    caller: ApiCaller,
    page: web::Query<PageParams>,
    q: web::Query<BinQuery>,
) -> Result<web::Json<Page<Bin>>, AppError> {
    staff(&caller)?;
    let page = page.parse()?;
    let q = q.into_inner();
    let f = BinFilter {
        zone: q.zone.map(|z| z.trim().to_ascii_uppercase()),
        bin_type: q.bin_type.map(|t| t.as_str().to_owned()),
        code_prefix: q.code_prefix.map(|p| p.trim().to_ascii_uppercase()),
    };
    Ok(web::Json(db::run(&state.pool, move |c| service::list(c, &f, page)).await?))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BinsInput {
    pub bins: Vec<BinInput>,
}

/// Create bins, all or none. Their zones must exist. Admin.
#[utoipa::path(post, path = "/api/v1/bins", tag = "warehouse", request_body = BinsInput,
    responses((status = 201, body = [Bin]), (status = 409, body = Problem, description = "bin_code_taken"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/bins")]
pub async fn create_bins(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Json<BinsInput>,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let input = body.into_inner();
    let bins = db::transact(&state.pool, move |tx| service::create_bins(tx, &input.bins, false)).await?;
    Ok(HttpResponse::Created().json(bins))
}

/// Import bins from CSV (`text/csv` body: header `code,bin_type,capacity_units`),
/// all or none; missing zones are created. Admin.
#[utoipa::path(post, path = "/api/v1/bins/import", tag = "warehouse",
    request_body(content = String, content_type = "text/csv",
        example = "code,bin_type,capacity_units\nA-01-01-01,storage,500\n"),
    responses((status = 201, body = [Bin]), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
#[post("/bins/import")]
pub async fn import_bins(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    caller.0.require_staff(Role::Admin)?;
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::bad_request("not_utf8", "The CSV must be UTF-8 text."))?;
    let inputs = service::parse_bins_csv(&text)?;
    let bins = db::transact(&state.pool, move |tx| service::create_bins(tx, &inputs, true)).await?;
    Ok(HttpResponse::Created().json(bins))
}

/// One bin by its code (what a scanner reads). Staff.
#[utoipa::path(get, path = "/api/v1/bins/{code}", tag = "warehouse", params(("code" = String, Path)),
    responses((status = 200, body = Bin), (status = 404, body = Problem)), security(("bearer" = [])))]
#[get("/bins/{code}")]
pub async fn show_bin(
    state: web::Data<AppState>,
    caller: ApiCaller,
    code: web::Path<String>,
) -> Result<web::Json<Bin>, AppError> {
    staff(&caller)?;
    let code = code.into_inner();
    Ok(web::Json(db::run(&state.pool, move |c| service::by_code(c, &code)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabelQuery {
    /// `html` (print-ready page, 100 x 50 mm; the default) or `zpl`.
    pub format: Option<String>,
}

/// A bin label with a Code 128 barcode of the bin code. Staff.
#[utoipa::path(get, path = "/api/v1/bins/{code}/label", tag = "warehouse", params(("code" = String, Path), LabelQuery),
    responses((status = 200, description = "text/html or application/zpl"), (status = 404, body = Problem)),
    security(("bearer" = [])))]
#[get("/bins/{code}/label")]
pub async fn bin_label(
    state: web::Data<AppState>,
    caller: ApiCaller,
    code: web::Path<String>,
    q: web::Query<LabelQuery>,
) -> Result<HttpResponse, AppError> {
    staff(&caller)?;
    let code = code.into_inner();
    let bin = db::run(&state.pool, move |c| service::by_code(c, &code)).await?;
    render_label(&bin, q.format.as_deref().unwrap_or("html"), &state.config.warehouse_code)
}

/// A bin label as a print-ready page (`templates/labels/bin.html`).
#[derive(askama::Template)]
#[template(path = "labels/bin.html")]
struct BinLabelHtml<'a> {
    code: &'a str,
    warehouse: &'a str,
    bin_type: &'a str,
    /// Code 128 of the code, drawn by `labels::code128_svg`.
    svg: String,
}

/// Shared by the API and the console.
pub fn render_label(bin: &Bin, format: &str, warehouse: &str) -> Result<HttpResponse, AppError> {
    match format {
        "zpl" => Ok(HttpResponse::Ok().content_type("application/zpl").body(format!(
            "^XA^CI28^PW800^LL400\n^FO40,30^A0N,40,40^FD{wh} {t}^FS\n^FO40,90^BY3^BCN,180,N,N,N^FD{code}^FS\n^FO40,300^A0N,70,70^FD{code}^FS\n^XZ\n",
            wh = labels::zpl_text(warehouse),
            t = bin.bin_type.as_str(),
            code = labels::zpl_text(&bin.code),
        ))),
        "html" => {
            let page = BinLabelHtml {
                code: &bin.code,
                warehouse,
                bin_type: bin.bin_type.as_str(),
                svg: labels::code128_svg(&bin.code, 60).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?,
            };
            Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(labels::render_html(&page)?))
        }
        _ => Err(AppError::invalid("format", "unknown_format", "must be html or zpl")),
    }
}
