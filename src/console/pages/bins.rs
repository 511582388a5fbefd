//! Bins: the list (filters, cursor pages), one bin with its label, and the
//! admin's CSV import (all bins or none, problems listed by line).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;
use serde::Deserialize;

use super::Notice;
use super::dashboard::Scan;
use crate::console::error::{self, ConsoleError};
use crate::console::layout::{self, Choice, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::error::{AppError, FieldError};
use crate::http::AppState;
use crate::http::pagination::PageParams;
use crate::warehouse::domain::BinType;
use crate::warehouse::service::{self as warehouse, Bin, Zone};
use crate::warehouse::store::BinFilter;

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
    ok: Option<String>,
    n: Option<String>,
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
    let mut ui =
        Notice { ok: q.ok.clone(), n: q.n.clone() }.apply(Ui::for_user(&user, Area::Bins, "bins.title"));
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
    let zones = zones
        .into_iter()
        .map(|z| Choice {
            selected: zone.as_deref() == Some(&z.code),
            label: format!("{} · {}", z.code, z.name),
            value: z.code,
        })
        .collect();
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

#[derive(Template)]
#[template(path = "console/bin.html")]
struct BinPage {
    ui: Ui,
    scan: Scan,
    bin: Bin,
    href: String,
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
    layout::page(
        StatusCode::OK,
        &BinPage { ui: Ui::for_user(&user, Area::Bins, "bins.one"), scan: Scan::default(), bin, href },
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

pub async fn import_form(user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::BinImport)?;
    let ui = Ui::for_user(&user, Area::BinImport, "import.title");
    layout::page(StatusCode::OK, &ImportPage { ui, csv: String::new() })
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
    match outcome {
        Ok(bins) => {
            tracing::info!(user_id = %user.user_id, bins = bins.len(), "bins imported from the console");
            Ok(layout::see_other(&format!("/console/bins?ok=bins_imported&n={}", bins.len())))
        }
        Err(e) => {
            let e = layout::user_error(e)?;
            let ui = Ui::for_user(&user, Area::BinImport, "import.title").with_problems(&e);
            layout::page(e.status_code(), &ImportPage { ui, csv })
        }
    }
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
