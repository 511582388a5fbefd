//! Bins: the list (filters, cursor pages), one bin with what it holds and
//! its label (printed from the page, no detour), labels in batches (a zone
//! or a range), and the admin's CSV import (all bins or none, problems
//! listed by line).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::dashboard::Scan;
use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::layout::{self, Choice, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::console::work::{self, Screen};
use crate::error::{AppError, FieldError};
use crate::http::AppState;
use crate::paging::PageParams;
use crate::warehouse::domain::BinType;
use crate::warehouse::service::BinFilter;
use crate::warehouse::service::{self as warehouse, Bin, Zone};

const PAGE_SIZE: i64 = 50;
/// Bigger layouts go in several files: one insert of thousands of rows
/// runs into the databases' statement-parameter limits.
const MAX_IMPORT_BINS: usize = 2000;

#[derive(Debug, Default, Deserialize)]
pub struct BinQuery {
    zone: Option<String>,
    #[serde(rename = "type")]
    bin_type: Option<String>,
    prefix: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "console/bins.html")]
struct BinsPage {
    ui: Ui,
    scan: Scan,
    zones: Vec<Choice>,
    types: Vec<Choice>,
    prefix: String,
    bins: Vec<Bin>,
    next_href: Option<String>,
    filtered: bool,
    can_import: bool,
    can_label: bool,
}

fn non_empty(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty())
}

pub async fn list(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<BinQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Bins)?;
    let q = q.into_inner();
    let mut ui = Ui::for_user(&user, Area::Bins, "bins.title");
    let zone = non_empty(q.zone.as_ref());
    let bin_type = q.bin_type.as_deref().and_then(|t| BinType::parse("type", t).ok());
    let prefix: Option<String> = non_empty(q.prefix.as_ref()).map(|p| p.chars().take(20).collect());
    let page = match (PageParams { cursor: q.cursor.clone(), limit: Some(PAGE_SIZE) }).parse() {
        Ok(p) => p,
        Err(e) => {
            ui = ui.with_problems(&e);
            PageParams { cursor: None, limit: Some(PAGE_SIZE) }.parse()?
        }
    };
    let filter = BinFilter {
        zone: zone.clone(),
        bin_type: bin_type.map(|t| t.as_str().to_owned()),
        code_prefix: prefix.clone(),
    };
    let (zones, page) = crate::db::run(&state.pool, move |c| {
        let zones: Vec<Zone> = warehouse::zones(c)?;
        Ok((zones, warehouse::list(c, &filter, page)?))
    })
    .await?;

    let mut query = String::new();
    for (k, v) in
        [("zone", zone.as_deref()), ("type", bin_type.map(BinType::as_str)), ("prefix", prefix.as_deref())]
    {
        if let Some(v) = v {
            query.push_str(&format!("{k}={}&", urlencode(v)));
        }
    }
    let next_href = page.next_cursor.as_ref().map(|c| format!("/console/bins?{query}cursor={c}"));
    let zones = zone_choices(zones, zone.as_deref());
    let types = BinType::ALL
        .into_iter()
        .map(|t| Choice {
            value: t.as_str().into(),
            label: ui.word("bin_type", t.as_str()),
            selected: bin_type == Some(t),
        })
        .collect();
    layout::page(
        StatusCode::OK,
        &BinsPage {
            can_import: user.may(Area::BinImport),
            can_label: user.may(Area::BinLabels),
            filtered: zone.is_some() || bin_type.is_some() || prefix.is_some(),
            ui,
            scan: Scan::default(),
            zones,
            types,
            prefix: prefix.unwrap_or_default(),
            bins: page.items,
            next_href,
        },
    )
}

/// What a bin holds: one SKU of one owner in one bucket.
pub struct Content {
    pub sku_id: crate::ids::SkuId,
    pub sku_code: String,
    pub supplier: String,
    pub bucket: String,
    pub quantity: i32,
}

/// The zones of a filter, the chosen one selected; a zone named by its
/// code alone (as an import creates them) is not named twice.
fn zone_choices(zones: Vec<Zone>, chosen: Option<&str>) -> Vec<Choice> {
    zones
        .into_iter()
        .map(|z| Choice {
            selected: chosen == Some(z.code.as_str()),
            label: if z.name == z.code { z.code.clone() } else { format!("{} · {}", z.code, z.name) },
            value: z.code,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/bin.html")]
struct BinPage {
    ui: Ui,
    scan: Scan,
    bin: Bin,
    href: String,
    contents: Vec<Content>,
}

async fn find(state: &AppState, user: &ConsoleUser, code: &str) -> Result<Bin, ConsoleError> {
    let code = code.trim().to_ascii_uppercase();
    match crate::db::run(&state.pool, move |c| warehouse::by_code(c, &code)).await {
        Ok(bin) => Ok(bin),
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(user, Area::Bins, StatusCode::NOT_FOUND, "bins.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    user: ConsoleUser,
    code: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Bins)?;
    let bin = find(&state, &user, &code).await?;
    let href = format!("/console/bins/{}", urlencode(&bin.code));
    let id = bin.id;
    let contents = crate::db::run(&state.pool, move |c| {
        let mut out = Vec::new();
        let mut suppliers = std::collections::HashMap::new();
        for b in crate::stock::service::balances(c, None, None, Some(id), 500)? {
            if b.quantity == 0 {
                continue;
            }
            let supplier = match suppliers.get(&b.supplier_id) {
                Some(s) => String::clone(s),
                None => {
                    let code = crate::suppliers::service::get(c, b.supplier_id)?.code;
                    suppliers.insert(b.supplier_id, code.clone());
                    code
                }
            };
            out.push(Content {
                sku_id: b.sku_id,
                sku_code: b.sku_code,
                supplier,
                bucket: b.bucket.as_str().to_owned(),
                quantity: b.quantity,
            });
        }
        Ok(out)
    })
    .await?;
    layout::page(
        StatusCode::OK,
        &BinPage {
            ui: Ui::for_user(&user, Area::Bins, "bins.one"),
            scan: Scan::default(),
            bin,
            href,
            contents,
        },
    )
}

#[derive(Deserialize)]
pub struct LabelQuery {
    format: Option<String>,
}

/// The printable label (HTML for a browser print, ZPL for a thermal printer).
pub async fn label(
    state: web::Data<AppState>,
    user: ConsoleUser,
    code: web::Path<String>,
    q: web::Query<LabelQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Bins)?;
    let bin = find(&state, &user, &code).await?;
    let format = q.format.as_deref().unwrap_or("html");
    if !matches!(format, "html" | "zpl") {
        return Err(error::for_user(&user, Area::Bins, StatusCode::BAD_REQUEST, "err.bad_request"));
    }
    let mut resp = crate::warehouse::api::render_label(&bin, format, &state.config.warehouse_code)?;
    // Printed from a hidden frame of the bin page: only the console may frame it.
    resp.headers_mut().insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("SAMEORIGIN"));
    if format == "zpl" {
        let disposition = format!("attachment; filename=\"{}.zpl\"", bin.code);
        if let Ok(v) = header::HeaderValue::from_str(&disposition) {
            resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
}

#[derive(Template)]
#[template(path = "console/bin_import.html")]
struct ImportPage {
    ui: Ui,
    csv: String,
}

pub async fn import_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::BinImport)?;
    let ui = Ui::for_user(&user, Area::BinImport, "import.title");
    // A refused file comes back to be fixed (it is too big for the flash).
    let me = user.user_id;
    let csv = crate::db::run(&state.pool, move |c| work::load::<String>(c, me, Screen::BinImport))
        .await?
        .filter(|_| ui.alert.is_some())
        .unwrap_or_default();
    layout::page(StatusCode::OK, &ImportPage { ui, csv })
}

/// Line numbers (1-based) of the CSV's data lines, in the order
/// `parse_bins_csv` returns their bins (blank lines and the header skipped).
fn data_lines(text: &str) -> Vec<usize> {
    text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).skip(1).map(|(i, _)| i + 1).collect()
}

/// `create_bins` names problems by position (`bins[3].code`); in a CSV the
/// user needs the line.
fn at_lines(text: &str, e: AppError) -> AppError {
    let AppError::Validation { errors, .. } = e else { return e };
    let lines = data_lines(text);
    let errors = errors
        .into_iter()
        .map(|fe| {
            let at = |i: usize, rest: &str| {
                lines
                    .get(i)
                    .map(|n| FieldError::new(&format!("line {n}: {rest}"), &fe.code, fe.message.clone()))
            };
            let mapped = if let Some(rest) = fe.field.strip_prefix("bins[") {
                rest.split_once("].").and_then(|(i, f)| i.parse().ok().and_then(|i| at(i, f)))
            } else if lines.len() == 1 && fe.field == "code" {
                at(0, "code")
            } else {
                None
            };
            mapped.unwrap_or(fe)
        })
        .collect();
    AppError::validation(errors)
}

pub async fn import(
    state: web::Data<AppState>,
    post: Post<ImportForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::BinImport)?;
    let csv = form.csv;
    let outcome = match warehouse::parse_bins_csv(&csv) {
        Err(e) => Err(e),
        Ok(inputs) if inputs.len() > MAX_IMPORT_BINS => Err(AppError::invalid(
            "csv",
            "too_many_lines",
            format!("at most {MAX_IMPORT_BINS} bins per import; split the file"),
        )),
        Ok(inputs) => {
            let text = csv.clone();
            crate::db::transact(&state.pool, move |tx| {
                warehouse::create_bins(tx, &inputs, true).map_err(|e| at_lines(&text, e))
            })
            .await
        }
    };
    let me = user.user_id;
    match outcome {
        Ok(bins) => {
            tracing::info!(user_id = %user.user_id, bins = bins.len(), "bins imported from the console");
            crate::db::transact(&state.pool, move |tx| work::clear(tx, me, Screen::BinImport)).await?;
            let text =
                crate::console::i18n::fill(user.lang, "ok.bins_imported", &[("n", bins.len().to_string())]);
            Ok(layout::back(&user, "/console/bins", Flash::ok(text)))
        }
        Err(e) => {
            let flash = layout::refusal(&user, e)?;
            crate::db::transact(&state.pool, move |tx| work::save(tx, me, Screen::BinImport, &csv)).await?;
            Ok(layout::back(&user, "/console/bins/import", flash))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LabelsQuery {
    zone: String,
    from: String,
    to: String,
}

/// One label of a batch.
pub struct BinLabel {
    pub code: String,
    pub bin_type: String,
    /// The Code 128 barcode, as SVG this server drew.
    pub svg: String,
}

#[derive(Template)]
#[template(path = "console/bin_labels.html")]
struct LabelsPage {
    ui: Ui,
    zones: Vec<Choice>,
    from: String,
    to: String,
    labels: Vec<BinLabel>,
    asked: bool,
    max: i64,
}

/// Bin labels in a batch: a zone, or a range of codes, one label per
/// printed page, printed with one button.
pub async fn labels(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<LabelsQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::BinLabels)?;
    let mut ui = Ui::for_user(&user, Area::BinLabels, "labels.title");
    let q = q.into_inner();
    let pick = |s: &str| Some(s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
    let (zone, from, to) = (pick(&q.zone), pick(&q.from), pick(&q.to));
    let asked = zone.is_some() || from.is_some() || to.is_some();
    let (z, f, t) = (zone.clone(), from.clone(), to.clone());
    let (zones, bins) = crate::db::run(&state.pool, move |c| {
        let zones = warehouse::zones(c)?;
        let bins = if asked {
            warehouse::for_labels(c, z.as_deref(), f.as_deref(), t.as_deref())
        } else {
            Ok(Vec::new())
        };
        Ok((zones, bins))
    })
    .await?;
    let bins = match bins {
        Ok(b) => b,
        Err(e) => {
            ui = ui.with_problems(&layout::user_error(e)?);
            Vec::new()
        }
    };
    let mut labels = Vec::with_capacity(bins.len());
    for b in bins {
        let svg =
            crate::labels::code128_svg(&b.code, 60).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
        labels.push(BinLabel { bin_type: ui.word("bin_type", b.bin_type.as_str()), code: b.code, svg });
    }
    let zones = zone_choices(zones, zone.as_deref());
    layout::page(
        StatusCode::OK,
        &LabelsPage {
            ui,
            zones,
            from: from.unwrap_or_default(),
            to: to.unwrap_or_default(),
            labels,
            asked,
            max: warehouse::MAX_LABEL_BATCH,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_problems_name_the_csv_line() {
        let csv = "code,bin_type\n\nA-01-01-01,storage\nA-01-01-01,storage\n";
        let e = AppError::invalid("bins[1].code", "duplicate", "A-01-01-01 is listed twice");
        let AppError::Validation { errors, .. } = at_lines(csv, e) else { panic!() };
        assert_eq!(errors[0].field, "line 4: code");
    }

    #[test]
    fn problems_stay_as_they_are_when_no_line_is_known() {
        let e = AppError::invalid("csv", "empty", "the file is empty");
        let AppError::Validation { errors, .. } = at_lines("", e) else { panic!() };
        assert_eq!(errors[0].field, "csv");
    }
}
