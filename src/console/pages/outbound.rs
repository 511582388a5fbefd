//! The outbound floor screens, scanner-first like the inbound ones:
//!
//! - the picker screen: one task at a time; scan the bin, the unit, then
//!   the tote; a short pick says how many were found and why;
//! - the pack station: scan the tote, every unit, weigh, print the label;
//! - for supervisors: order search (the buyer masked), wave planning, and
//!   the exceptions queue (short picks, weight holds, units to put back).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::inbound::{Message, answer, fill, refused};
use crate::console::error::{self, ConsoleError};
use crate::console::layout::{self, Ui};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::error::AppError;
use crate::http::AppState;
use crate::ids::{OutboundExceptionId, ParcelId};
use crate::outbound::exceptions::{self, Action, OutboundException, ResolveInput};
use crate::outbound::orders::{self, Order, OrderStatus, ServiceLevel};
use crate::outbound::packing::{self, CartonType, PackScanInput, Parcel, ParcelStatus, WeighInput};
use crate::outbound::picking::{self, PickInput, PickTask, ShortReason, WaveInput};

fn actor(user: &ConsoleUser) -> String {
    format!("staff:{}", user.username)
}

/// A number typed into a form: empty is `None`; anything else must be a
/// whole number.
fn number(field: &str, s: &str) -> Result<Option<i64>, AppError> {
    match s.trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "not_a_number", "must be a whole number")),
    }
}

// ---- order search

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderQuery {
    q: String,
    status: String,
}

#[derive(Template)]
#[template(path = "console/orders.html")]
struct OrdersPage {
    ui: Ui,
    q: String,
    status: String,
    statuses: Vec<&'static str>,
    orders: Vec<Order>,
    open_exceptions: i64,
}

pub async fn orders(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "orders.title");
    let OrderQuery { q, status } = query.into_inner();
    let (term, st) = (q.trim().to_owned(), OrderStatus::from_db(status.trim()));
    let (orders, open_exceptions) = crate::db::run(&state.pool, move |c| {
        let term = Some(term.as_str()).filter(|t| !t.is_empty());
        Ok((orders::search(c, term, st, 200)?, exceptions::open_count(c)?))
    })
    .await?;
    let statuses = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
    layout::page(StatusCode::OK, &OrdersPage { ui, q, status, statuses, orders, open_exceptions })
}

// ---- wave planning

#[derive(Template)]
#[template(path = "console/waves.html")]
struct WavesPage {
    ui: Ui,
    message: Option<Message>,
    waiting: Vec<(String, String, i64)>,
    services: Vec<&'static str>,
}

async fn waves_page(
    state: &AppState,
    ui: Ui,
    message: Option<Message>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let waiting = crate::db::run(&state.pool, |c| Ok(crate::outbound::store::waiting_for_wave(c)?)).await?;
    let services = ServiceLevel::ALL.iter().map(|s| s.as_str()).collect();
    layout::page(status, &WavesPage { ui, message, waiting, services })
}

pub async fn waves(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "waves.title");
    waves_page(&state, ui, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WaveForm {
    destination_country: String,
    service_level: String,
    /// `YYYY-MM-DDTHH:MM` (a datetime-local field), UTC.
    ship_by_before: String,
    max_orders: String,
    max_lines: String,
}

fn wave_input(f: &WaveForm) -> Result<WaveInput, AppError> {
    let cutoff = match f.ship_by_before.trim() {
        "" => None,
        t => Some(
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
                .map(|d| crate::db::types::Timestamp::from(d.and_utc()))
                .map_err(|_| {
                    AppError::invalid("ship_by_before", "invalid_time", "must be a date and time")
                })?,
        ),
    };
    Ok(WaveInput {
        destination_country: Some(f.destination_country.trim().to_owned()).filter(|c| !c.is_empty()),
        service_level: ServiceLevel::from_db(f.service_level.trim()),
        ship_by_before: cutoff,
        max_orders: number("max_orders", &f.max_orders)?,
        max_lines: number("max_lines", &f.max_lines)?,
    })
}

pub async fn release_wave(
    state: web::Data<AppState>,
    post: Post<WaveForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "waves.title");
    let (lang, actor) = (user.lang, actor(&user));
    let result = match wave_input(&form) {
        Ok(input) => {
            crate::db::transact(&state.pool, move |tx| picking::release_wave(tx, &input, &actor)).await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|w| {
        let args = [
            ("wave", w.wave_no),
            ("orders", w.orders.len().to_string()),
            ("tasks", w.tasks.len().to_string()),
        ];
        Message::ok(fill(lang, "waves.released", &args))
    });
    let st = &state;
    answer(ui, result, move |ui, m, s| waves_page(st, ui, m, s)).await
}

// ---- exceptions queue

#[derive(Template)]
#[template(path = "console/exceptions.html")]
struct ExceptionsPage {
    ui: Ui,
    message: Option<Message>,
    items: Vec<OutboundException>,
}

async fn exceptions_page(
    state: &AppState,
    ui: Ui,
    message: Option<Message>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let items = crate::db::run(&state.pool, |c| {
        exceptions::list(c, Some(exceptions::ExceptionStatus::Open), None, 200)
    })
    .await?;
    layout::page(status, &ExceptionsPage { ui, message, items })
}

pub async fn exceptions(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "exc.title");
    exceptions_page(&state, ui, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    action: String,
    bin: String,
    note: String,
}

pub async fn resolve(
    state: web::Data<AppState>,
    path: web::Path<OutboundExceptionId>,
    post: Post<ResolveForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "exc.title");
    let Some(action) = Action::from_db(form.action.trim()) else { return Err(error::bad_form(&user)) };
    let input = ResolveInput {
        action,
        bin: Some(form.bin.trim().to_owned()).filter(|b| !b.is_empty()),
        note: form.note,
    };
    let (id, actor, lang) = (path.into_inner(), actor(&user), user.lang);
    let result =
        crate::db::transact(&state.pool, move |tx| exceptions::resolve(tx, id, &input, &actor)).await;
    let result = result.map(|e| {
        Message::ok(fill(
            lang,
            "exc.resolved",
            &[("order", e.order_no), ("action", action.as_str().to_owned())],
        ))
    });
    let st = &state;
    answer(ui, result, move |ui, m, s| exceptions_page(st, ui, m, s)).await
}

// ---- picker screen

#[derive(Template)]
#[template(path = "console/pick.html")]
struct PickPage {
    ui: Ui,
    message: Option<Message>,
    task: Option<PickTask>,
    /// What is confirmed so far: the bin, then the unit.
    bin: String,
    barcode: String,
    quantity: String,
    reasons: Vec<&'static str>,
}

impl PickPage {
    fn step(&self) -> &'static str {
        if self.bin.is_empty() {
            "bin"
        } else if self.barcode.is_empty() {
            "unit"
        } else {
            "tote"
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn pick_page(
    state: &AppState,
    user: &ConsoleUser,
    ui: Ui,
    message: Option<Message>,
    bin: String,
    barcode: String,
    quantity: String,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let me = actor(user);
    let task = crate::db::run(&state.pool, move |c| picking::current(c, &me)).await?;
    let (bin, barcode) = if task.is_some() { (bin, barcode) } else { (String::new(), String::new()) };
    let reasons = ShortReason::ALL.iter().map(|r| r.as_str()).collect();
    layout::page(status, &PickPage { ui, message, task, bin, barcode, quantity, reasons })
}

pub async fn pick(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Picking)?;
    let ui = Ui::for_user(&user, Area::Picking, "pick.title");
    pick_page(&state, &user, ui, None, String::new(), String::new(), String::new(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PickForm {
    scan: String,
    bin: String,
    barcode: String,
    quantity: String,
    /// Set by the short-pick form: `missing` or `damaged`.
    short: String,
}

/// Claims the next task along the walk.
pub async fn pick_next(
    state: web::Data<AppState>,
    post: Post<super::inbound::NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, .. } = post;
    user.require(Area::Picking)?;
    let ui = Ui::for_user(&user, Area::Picking, "pick.title");
    let me = actor(&user);
    let claimed = crate::db::transact(&state.pool, move |tx| picking::claim(tx, &me)).await;
    let result = claimed.map(|t| match t {
        Some(_) => None,
        None => Message::warn(crate::console::i18n::t(user.lang, "pick.nothing").to_owned()),
    });
    let (st, us) = (&state, &user);
    answer(ui, result, move |ui, m, s| {
        pick_page(st, us, ui, m, String::new(), String::new(), String::new(), s)
    })
    .await
}

/// One scan on the picker screen: the bin, then the unit, then the tote
/// (which confirms the pick); or the short-pick form.
pub async fn pick_scan(
    state: web::Data<AppState>,
    post: Post<PickForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Picking)?;
    let ui = Ui::for_user(&user, Area::Picking, "pick.title");
    let me = actor(&user);
    let lang = user.lang;
    let scan = form.scan.trim().to_ascii_uppercase();
    let (mut bin, mut barcode) =
        (form.bin.trim().to_ascii_uppercase(), form.barcode.trim().to_ascii_uppercase());
    let short = ShortReason::from_db(form.short.trim());
    let me2 = me.clone();
    let Some(task) = crate::db::run(&state.pool, move |c| picking::current(c, &me2)).await? else {
        return pick_page(
            &state,
            &user,
            ui,
            None,
            String::new(),
            String::new(),
            String::new(),
            StatusCode::OK,
        )
        .await;
    };
    let checked: Result<bool, AppError> = if short.is_some() {
        Ok(true)
    } else if bin.is_empty() {
        if scan == task.bin_code {
            bin = scan.clone();
            Ok(false)
        } else {
            Err(AppError::invalid("bin", "wrong_bin", format!("This task is in bin {}.", task.bin_code)))
        }
    } else if barcode.is_empty() {
        if scan == task.barcode {
            barcode = scan.clone();
            Ok(false)
        } else {
            Err(AppError::invalid("barcode", "wrong_item", format!("This task picks {}.", task.sku_code)))
        }
    } else {
        Ok(true)
    };
    let confirm = match checked {
        Ok(c) => c,
        Err(e) => {
            let (ui, status) = refused(ui, e)?;
            return pick_page(&state, &user, ui, None, bin, barcode, form.quantity, status).await;
        }
    };
    if !confirm {
        return pick_page(&state, &user, ui, None, bin, barcode, form.quantity, StatusCode::OK).await;
    }
    let quantity = match number("quantity", &form.quantity) {
        Ok(q) => q,
        Err(e) => {
            let (ui, status) = refused(ui, e)?;
            return pick_page(&state, &user, ui, None, bin, barcode, String::new(), status).await;
        }
    };
    let input = PickInput { bin: bin.clone(), barcode: barcode.clone(), tote: scan.clone(), quantity, short };
    let id = task.id;
    let result = crate::db::transact(&state.pool, move |tx| {
        let done = picking::confirm(tx, id, &input, &me)?;
        // Straight on to the next task along the walk.
        picking::claim(tx, &me)?;
        Ok(done)
    })
    .await;
    let keep = result.is_err();
    let result = result.map(|t| {
        let args =
            [("q", t.picked.to_string()), ("sku", t.sku_code.clone()), ("tote", t.tote.unwrap_or_default())];
        let mut text = fill(lang, "pick.done", &args);
        if t.picked < t.quantity {
            text = format!(
                "{text} {}",
                fill(lang, "pick.short_done", &[("n", (t.quantity - t.picked).to_string())])
            );
        }
        Message::ok(text)
    });
    let (st, us) = (&state, &user);
    let (bin, barcode) = if keep { (bin, barcode) } else { (String::new(), String::new()) };
    answer(ui, result, move |ui, m, s| pick_page(st, us, ui, m, bin, barcode, String::new(), s)).await
}

// ---- pack station

#[derive(Template)]
#[template(path = "console/pack.html")]
struct PackPage {
    ui: Ui,
    message: Option<Message>,
    parcel: Option<Parcel>,
    cartons: Vec<CartonType>,
}

impl PackPage {
    fn status(&self) -> &'static str {
        self.parcel.as_ref().map_or("none", |p| p.status.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScanForm {
    scan: String,
    quantity: String,
}

pub async fn pack_station(
    state: web::Data<AppState>,
    user: ConsoleUser,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Packing)?;
    let ui = Ui::for_user(&user, Area::Packing, "pack.title");
    pack_page(&state, ui, None, None, StatusCode::OK).await
}

async fn pack_page(
    state: &AppState,
    ui: Ui,
    parcel: Option<ParcelId>,
    message: Option<Message>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let (parcel, cartons) = crate::db::run(&state.pool, move |c| {
        let p = parcel.map(|id| packing::get(c, id)).transpose()?;
        Ok((p, packing::cartons(c)?))
    })
    .await?;
    layout::page(status, &PackPage { ui, message, parcel, cartons })
}

/// The tote scanned: opens its order's parcel.
pub async fn pack_tote(
    state: web::Data<AppState>,
    post: Post<ScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Packing)?;
    let me = actor(&user);
    let tote = form.scan;
    match crate::db::transact(&state.pool, move |tx| packing::start(tx, &tote, &me)).await {
        Ok(p) => Ok(layout::see_other(&format!("/console/pack/{}", p.id))),
        Err(e) => {
            let ui = Ui::for_user(&user, Area::Packing, "pack.title");
            let (ui, status) = refused(ui, e)?;
            pack_page(&state, ui, None, None, status).await
        }
    }
}

pub async fn parcel(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<ParcelId>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Packing)?;
    let ui = Ui::for_user(&user, Area::Packing, "pack.title");
    let id = path.into_inner();
    match crate::db::run(&state.pool, move |c| packing::get(c, id)).await {
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Packing, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
        Ok(p) => pack_page(&state, ui, Some(p.id), held_message(&user, &p), StatusCode::OK).await,
    }
}

fn held_message(user: &ConsoleUser, p: &Parcel) -> Option<Message> {
    (p.status == ParcelStatus::Held).then(|| Message {
        kind: "error",
        text: fill(
            user.lang,
            "pack.held",
            &[
                ("weight", p.weight_g.unwrap_or(0).to_string()),
                ("expected", p.expected_weight_g.unwrap_or(0).to_string()),
            ],
        ),
    })
}

pub async fn pack_scan(
    state: web::Data<AppState>,
    path: web::Path<ParcelId>,
    post: Post<ScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Packing)?;
    let ui = Ui::for_user(&user, Area::Packing, "pack.title");
    let id = path.into_inner();
    let lang = user.lang;
    let result = match number("quantity", &form.quantity) {
        Ok(quantity) => {
            let input = PackScanInput { barcode: form.scan.clone(), quantity };
            crate::db::transact(&state.pool, move |tx| packing::scan(tx, id, &input)).await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|p| {
        let code = form.scan.trim().to_ascii_uppercase();
        let sku = p.lines.iter().find(|l| l.barcode == code).map(|l| l.sku_code.clone()).unwrap_or(code);
        Message::ok(fill(lang, "pack.scanned", &[("sku", sku), ("left", p.remaining.to_string())]))
    });
    let st = &state;
    answer(ui, result, move |ui, m, s| pack_page(st, ui, Some(id), m, s)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WeighForm {
    weight_g: String,
    carton: String,
}

pub async fn weigh(
    state: web::Data<AppState>,
    path: web::Path<ParcelId>,
    post: Post<WeighForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Packing)?;
    let ui = Ui::for_user(&user, Area::Packing, "pack.title");
    let id = path.into_inner();
    let (me, pct) = (actor(&user), state.config.pack_weight_tolerance_pct);
    let result = match number("weight_g", &form.weight_g) {
        Ok(w) => {
            let input = WeighInput {
                weight_g: w.unwrap_or(0),
                carton: Some(form.carton.trim().to_owned()).filter(|c| !c.is_empty()),
            };
            crate::db::transact(&state.pool, move |tx| packing::weigh(tx, id, &input, pct, &me)).await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|p| match p.status {
        ParcelStatus::Held => held_message(&user, &p),
        _ => Message::ok(fill(user.lang, "pack.packed", &[("tracking", p.tracking_no.unwrap_or_default())])),
    });
    let st = &state;
    answer(ui, result, move |ui, m, s| pack_page(st, ui, Some(id), m, s)).await
}

/// The shipping label, print-ready (opened in its own tab to print).
pub async fn label(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<ParcelId>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Packing)?;
    let (id, keys, wh) =
        (path.into_inner(), state.config.pii_keys.clone(), state.config.warehouse_code.clone());
    let body = crate::db::run(&state.pool, move |c| {
        let (parcel, order) = packing::label_data(c, id)?;
        crate::outbound::shipping::render_label(
            c,
            &parcel,
            &order,
            &keys,
            &wh,
            crate::labels::LabelFormat::Html,
        )
    })
    .await;
    match body {
        Ok(b) => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(b)),
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Packing, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}
