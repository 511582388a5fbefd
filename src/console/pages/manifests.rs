//! Manifests at the console (the shipping role): the list, a manifest's
//! bags and declared totals (add a bag by scanning it, close it with a
//! button), its printable document, and the handover screen at the dock
//! (scan every bag; the driver and vehicle are confirmed with a separate
//! button: a scanner's Enter never hands a vehicle over).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::console::error::ConsoleError;
use crate::console::flash::Flash;
use crate::console::i18n::{Lang, fill, t};
use crate::console::layout::{self, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::http::AppState;
use crate::manifests::domain::{CustomsState, TransportMode};
use crate::manifests::service::{self, Manifest, ManifestDetail};

/// `12.50 USD + 3.00 EUR`: one amount per currency, never added.
pub fn amounts(v: &[crate::catalog::domain::MoneyDto]) -> String {
    v.iter()
        .map(|m| crate::console::pages::shipping::money(&m.amount_minor, &m.currency))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[derive(Template)]
#[template(path = "console/manifests.html")]
struct ListPage {
    ui: Ui,
    manifests: Vec<Manifest>,
    channels: Vec<String>,
    modes: Vec<&'static str>,
}

pub async fn list(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let ui = Ui::for_user(&user, Area::Shipping, "manifests.title");
    let (manifests, channels) = crate::db::run(&state.pool, |c| {
        let m = service::list(c, None, 100)?;
        let ch =
            crate::channels::service::list(c)?.into_iter().filter(|c| c.active).map(|c| c.code).collect();
        Ok((m, ch))
    })
    .await?;
    let modes = TransportMode::ALL.iter().map(|m| m.as_str()).collect();
    layout::page(StatusCode::OK, &ListPage { ui, manifests, channels, modes })
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct NewForm {
    channel: String,
    master_waybill: String,
    transport_mode: String,
    transport_ref: String,
    planned_departure: String,
}

pub async fn create(state: web::Data<AppState>, post: Post<NewForm>) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Shipping)?;
    let lang = user.lang;
    let keep = [
        ("channel", form.channel.as_str()),
        ("master_waybill", form.master_waybill.as_str()),
        ("transport_ref", form.transport_ref.as_str()),
        ("planned_departure", form.planned_departure.as_str()),
    ];
    let (Some(mode), Some(when)) = (
        TransportMode::from_db(form.transport_mode.trim()),
        layout::parse_local(&form.planned_departure, state.config.timezone),
    ) else {
        let flash = Flash::error(t(lang, "manifests.mode_and_time")).with_form(keep);
        return Ok(layout::back(&user, "/console/manifests", flash));
    };
    let input = service::NewManifestInput {
        channel: form.channel.clone(),
        master_waybill: form.master_waybill.clone(),
        transport_mode: mode,
        transport_ref: form.transport_ref.clone(),
        planned_departure: when,
    };
    let (actor, now) = (user.actor(), state.clock.now());
    match crate::db::transact(&state.pool, move |tx| service::create(tx, &input, &actor, now)).await {
        Ok(m) => {
            let flash = Flash::ok(fill(lang, "manifests.created", &[("manifest", m.manifest_no.clone())]));
            Ok(layout::back(&user, &format!("/console/manifests/{}", urlencode(&m.manifest_no)), flash))
        }
        Err(e) => Ok(layout::back(&user, "/console/manifests", layout::refusal(&user, e)?.with_form(keep))),
    }
}

#[derive(Template)]
#[template(path = "console/manifest.html")]
struct DetailPage {
    ui: Ui,
    d: ManifestDetail,
    totals: String,
    /// The warehouse's customs codes are set: the declaration lists can be made.
    customs: bool,
}

/// The manifest's document and its declared totals as one line.
async fn document(
    state: &AppState,
    path: web::Path<String>,
) -> Result<(ManifestDetail, String), ConsoleError> {
    let no = path.into_inner();
    let d = crate::db::run(&state.pool, move |c| service::detail(c, &no)).await?;
    let totals = amounts(&d.declared_totals);
    Ok((d, totals))
}

pub async fn detail(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let ui = Ui::for_user(&user, Area::Shipping, "manifest.title");
    let (d, totals) = document(&state, path).await?;
    let customs = state.config.customs.is_some();
    layout::page(StatusCode::OK, &DetailPage { ui, d, totals, customs })
}

#[derive(Template)]
#[template(path = "console/manifest_print.html")]
struct PrintPage {
    ui: Ui,
    d: ManifestDetail,
    totals: String,
    warehouse: String,
}

/// The manifest document to print and hand to the carrier.
pub async fn print(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let ui = Ui::for_user(&user, Area::Shipping, "manifest.title");
    let (d, totals) = document(&state, path).await?;
    let warehouse = state.config.warehouse_code.clone();
    // A document for the printer (its own print styles), like a bag label.
    let body = layout::render(&PrintPage { ui, d, totals, warehouse })?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body))
}

/// The manifest document as CSV, downloaded from its page.
pub async fn document_csv(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    Ok(crate::manifests::api::document_csv(&state, path.into_inner()).await?)
}

/// The export declaration lists (CEB603 XML or CSV) for the customs
/// broker, downloaded from the manifest's page.
pub async fn customs(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let (no, format) = path.into_inner();
    if !matches!(format.as_str(), "xml" | "csv") {
        return Err(crate::error::AppError::not_found("file").into());
    }
    Ok(crate::manifests::api::declaration_lists(&state, no, &format).await?)
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct ScanForm {
    code: String,
}

/// A bag scanned onto an open manifest.
pub async fn add_bag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<ScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Shipping)?;
    let no = path.into_inner();
    let to = format!("/console/manifests/{}", urlencode(&no));
    let (lang, code) = (user.lang, form.code.trim().to_ascii_uppercase());
    let (actor, now, m, bag) = (user.actor(), state.clock.now(), no.clone(), code.clone());
    match crate::db::transact(&state.pool, move |tx| service::add_bag(tx, &m, &bag, &actor, now)).await {
        Ok(m) => {
            let text = fill(lang, "manifest.bag_added", &[("bag", code), ("n", m.bag_count.to_string())]);
            Ok(layout::back(&user, &to, Flash::ok(text)))
        }
        Err(e) => {
            let flash = layout::refusal(&user, e)?.scanned(&code).expected(t(lang, "manifest.expect_bag"));
            Ok(layout::back(&user, &to, flash))
        }
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct Empty {}

pub async fn close(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<Empty>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, .. } = post;
    user.require(Area::Shipping)?;
    let no = path.into_inner();
    let to = format!("/console/manifests/{}", urlencode(&no));
    let (lang, actor, now) = (user.lang, user.actor(), state.clock.now());
    let result = crate::db::transact(&state.pool, move |tx| service::close(tx, &no, &actor, now)).await;
    let result = result.map(|m| Flash::ok(fill(lang, "manifest.closed", &[("manifest", m.manifest_no)])));
    layout::outcome(&user, &to, result)
}

#[derive(Template)]
#[template(path = "console/handover.html")]
struct HandoverPage {
    ui: Ui,
    d: ManifestDetail,
    loaded: usize,
    customs: CustomsState,
    can_override: bool,
}

/// The dock: scan every bag as it is loaded, then confirm with the driver
/// and the vehicle.
pub async fn handover(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let ui = Ui::for_user(&user, Area::Shipping, "handover.title");
    let no = path.into_inner();
    let d = crate::db::run(&state.pool, move |c| service::detail(c, &no)).await?;
    let loaded = d.bags.iter().filter(|b| b.loaded_at.is_some()).count();
    let customs = d.customs;
    let can_override = user.role.covers(crate::auth::Role::Supervisor);
    layout::page(StatusCode::OK, &HandoverPage { ui, d, loaded, customs, can_override })
}

/// A bag scanned at the dock: loaded, or refused loudly (what was scanned,
/// that it is not of this manifest).
pub async fn load(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<ScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Shipping)?;
    let no = path.into_inner();
    let to = format!("/console/manifests/{}/handover", urlencode(&no));
    let (lang, code) = (user.lang, form.code.trim().to_ascii_uppercase());
    let (actor, now, m, bag) = (user.actor(), state.clock.now(), no.clone(), code.clone());
    match crate::db::transact(&state.pool, move |tx| service::load_bag(tx, &m, &bag, &actor, now)).await {
        Ok(a) => {
            let key = if a.first_scan { "handover.loaded" } else { "handover.again" };
            let text = fill(
                lang,
                key,
                &[("bag", a.bag_no), ("n", a.loaded.to_string()), ("total", a.bags.to_string())],
            );
            Ok(layout::back(&user, &to, Flash::ok(text)))
        }
        Err(e) => {
            let flash = layout::refusal(&user, e)?.scanned(&code).expected(fill(
                lang,
                "handover.expect_bag",
                &[("manifest", no.clone())],
            ));
            Ok(layout::back(&user, &to, flash))
        }
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct HandoverForm {
    driver_name: String,
    vehicle_no: String,
    override_note: String,
}

/// The confirm button: hands the manifest over (bags not scanned are
/// pulled off, and the page says which).
pub async fn confirm(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<HandoverForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Shipping)?;
    let no = path.into_inner();
    let lang: Lang = user.lang;
    let back_to = format!("/console/manifests/{}/handover", urlencode(&no));
    let input = service::HandoverInput {
        driver_name: form.driver_name.clone(),
        vehicle_no: form.vehicle_no.clone(),
        override_note: Some(form.override_note.clone()).filter(|n| !n.trim().is_empty()),
    };
    let supervisor = user.role.covers(crate::auth::Role::Supervisor);
    let (actor, now, m) = (user.actor(), state.clock.now(), no.clone());
    let result = crate::db::transact(&state.pool, move |tx| {
        service::hand_over(tx, &m, &input, &actor, supervisor, now)
    })
    .await;
    match result {
        Ok(r) => {
            let flash = if r.missing_bags.is_empty() {
                Flash::ok(fill(lang, "handover.done", &[("n", r.parcels_handed_over.to_string())]))
            } else {
                Flash::warn(fill(
                    lang,
                    "handover.done_missing",
                    &[("n", r.parcels_handed_over.to_string()), ("bags", r.missing_bags.join(", "))],
                ))
            };
            Ok(layout::back(&user, &format!("/console/manifests/{}", urlencode(&no)), flash))
        }
        Err(e) => {
            let keep = [("driver_name", form.driver_name.as_str()), ("vehicle_no", form.vehicle_no.as_str())];
            Ok(layout::back(&user, &back_to, layout::refusal(&user, e)?.with_form(keep)))
        }
    }
}
