//! The outbound floor screens, scanner-first like the inbound ones:
//!
//! - the picker screen: one task at a time; scan the bin, then every unit
//!   (or one unit and the count keyed in and confirmed), then the tote; a
//!   short pick is its own explicit action with a reason chosen on purpose;
//! - the pack station: scan a tote, every unit, weigh, print the label; a
//!   parcel is found again by tote, parcel, order or tracking number, and
//!   every print of its label is recorded;
//! - for supervisors: orders and their detail (the buyer masked), wave
//!   planning by cut-off and the waves' progress, and the exceptions queue.
//!
//! Every POST answers with a redirect (Post/Redirect/Get); the picker's
//! progress on a task lives in `console::work`, so that a refresh, a
//! language switch or a new sign-in finds the same step.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::inbound::reasons;
use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::i18n::{self, Lang, fill};
use crate::console::layout::{self, Choice, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, NoFields, Post};
use crate::console::work::{self, Screen};
use crate::error::AppError;
use crate::http::AppState;
use crate::ids::{OutboundExceptionId, ParcelId, PickTaskId};
use crate::outbound::exceptions::{self, Action, ExceptionKind, OutboundException, ResolveInput};
use crate::outbound::orders::{self, Order, OrderStatus, ServiceLevel};
use crate::outbound::packing::{
    self, CartonType, LabelPrint, PackScanInput, Parcel, ParcelStatus, WeighInput,
};
use crate::outbound::picking::{self, PickInput, PickTask, ShortReason, Waiting, WaveInput, WaveProgress};

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

// ---- orders

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
    // One order found by its number: straight to it (a scan of an order number).
    if orders.len() == 1 && !q.trim().is_empty() && status.is_empty() {
        return Ok(layout::see_other(&format!("/console/orders/{}", urlencode(&orders[0].order_no))));
    }
    let statuses = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
    layout::page(StatusCode::OK, &OrdersPage { ui, q, status, statuses, orders, open_exceptions })
}

#[derive(Template)]
#[template(path = "console/order.html")]
struct OrderPage {
    ui: Ui,
    order: Order,
    tasks: Vec<PickTask>,
    parcel: Option<Parcel>,
    exceptions: Vec<OutboundException>,
}

pub async fn order(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "order.title");
    let no = path.into_inner();
    let found = crate::db::run(&state.pool, move |c| {
        let order = orders::by_no(c, &no)?;
        let tasks = picking::tasks_of_order(c, order.id)?;
        let parcel = packing::for_order(c, order.id)?;
        let exceptions = exceptions::list(c, None, Some(order.id), 100)?;
        Ok((order, tasks, parcel, exceptions))
    })
    .await;
    match found {
        Ok((order, tasks, parcel, exceptions)) => {
            layout::page(StatusCode::OK, &OrderPage { ui, order, tasks, parcel, exceptions })
        }
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Outbound, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- wave planning

#[derive(Template)]
#[template(path = "console/waves.html")]
struct WavesPage {
    ui: Ui,
    waiting: Vec<Waiting>,
    waves: Vec<WaveProgress>,
    services: Vec<Choice>,
}

pub async fn waves(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "waves.title");
    let now = state.clock.now();
    let (_, end) = layout::local_day(now, user.tz);
    let (waiting, waves) = crate::db::run(&state.pool, move |c| {
        Ok((picking::waiting(c, now, end)?, picking::waves(c, false, 30)?))
    })
    .await?;
    let services = ServiceLevel::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: ui.word("service", s.as_str()),
            selected: ui.kept("service_level") == s.as_str(),
        })
        .collect();
    layout::page(StatusCode::OK, &WavesPage { ui, waiting, waves, services })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WaveForm {
    destination_country: String,
    service_level: String,
    /// `YYYY-MM-DDTHH:MM` (a datetime-local field), warehouse time.
    ship_by_before: String,
    max_orders: String,
    max_lines: String,
}

fn wave_input(f: &WaveForm, tz: chrono_tz::Tz) -> Result<WaveInput, AppError> {
    let cutoff =
        match f.ship_by_before.trim() {
            "" => None,
            t => Some(layout::parse_local(t, tz).ok_or_else(|| {
                AppError::invalid("ship_by_before", "invalid_time", "must be a date and time")
            })?),
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
    let (lang, actor) = (user.lang, user.actor());
    let result = match wave_input(&form, user.tz) {
        Ok(input) => {
            crate::db::transact(&state.pool, move |tx| picking::release_wave(tx, &input, &actor)).await
        }
        Err(e) => Err(e),
    };
    let kept = [
        ("destination_country", form.destination_country.as_str()),
        ("service_level", form.service_level.as_str()),
        ("ship_by_before", form.ship_by_before.as_str()),
        ("max_orders", form.max_orders.as_str()),
        ("max_lines", form.max_lines.as_str()),
    ];
    let flash = match result {
        Ok(w) => Flash::ok(fill(
            lang,
            "waves.released",
            &[
                ("wave", w.wave_no),
                ("orders", w.orders.len().to_string()),
                ("tasks", w.tasks.len().to_string()),
            ],
        )),
        Err(e) => layout::refusal(&user, e)?.with_form(kept),
    };
    Ok(layout::back(&user, "/console/waves", flash))
}

// ---- exceptions queue

/// An outbound exception as the queue shows it, described in the page's
/// language from its facts (never the stored English detail).
pub struct ExceptionRow {
    pub e: OutboundException,
    pub what: String,
}

#[derive(Template)]
#[template(path = "console/exceptions.html")]
struct ExceptionsPage {
    ui: Ui,
    items: Vec<ExceptionRow>,
}

fn describe(lang: Lang, e: &OutboundException, parcel: Option<&Parcel>) -> String {
    let q = e.quantity.to_string();
    match e.kind {
        ExceptionKind::ShortMissing => fill(lang, "exc.what_short_missing", &[("q", q)]),
        ExceptionKind::ShortDamaged => fill(lang, "exc.what_short_damaged", &[("q", q)]),
        ExceptionKind::PutBack => fill(lang, "exc.what_put_back", &[("q", q)]),
        ExceptionKind::LostSuspected => fill(
            lang,
            "exc.what_lost",
            &[
                ("parcel", parcel.and_then(|p| p.tracking_no.clone()).unwrap_or_default()),
                ("detail", e.detail.clone()),
            ],
        ),
        ExceptionKind::HandoverMissing => {
            fill(lang, "exc.what_handover_missing", &[("detail", e.detail.clone())])
        }
        ExceptionKind::CustomsRejected => {
            fill(lang, "exc.what_customs_rejected", &[("detail", e.detail.clone())])
        }
        ExceptionKind::NoRoute => fill(
            lang,
            "exc.what_no_route",
            &[
                ("parcel", parcel.map(|p| p.parcel_no.clone()).unwrap_or_default()),
                ("reason", e.detail.clone()),
            ],
        ),
        ExceptionKind::WeightHold => fill(
            lang,
            "exc.what_weight",
            &[
                ("parcel", parcel.map(|p| p.parcel_no.clone()).unwrap_or_default()),
                ("weight", parcel.and_then(|p| p.weight_g).unwrap_or(0).to_string()),
                ("expected", parcel.and_then(|p| p.expected_weight_g).unwrap_or(0).to_string()),
            ],
        ),
    }
}

pub async fn exceptions(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Outbound)?;
    let ui = Ui::for_user(&user, Area::Outbound, "exc.title");
    let lang = user.lang;
    let items = crate::db::run(&state.pool, move |c| {
        let list = exceptions::list(c, Some(exceptions::ExceptionStatus::Open), None, 200)?;
        let mut out = Vec::with_capacity(list.len());
        for e in list {
            let parcel = match e.parcel_id {
                Some(p) if e.kind == ExceptionKind::WeightHold => Some(packing::get(c, p)?),
                _ => None,
            };
            out.push(ExceptionRow { what: describe(lang, &e, parcel.as_ref()), e });
        }
        Ok(out)
    })
    .await?;
    layout::page(StatusCode::OK, &ExceptionsPage { ui, items })
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
    let Some(action) = Action::from_db(form.action.trim()) else { return Err(error::bad_form(&user)) };
    let input = ResolveInput {
        action,
        bin: Some(form.bin.trim().to_owned()).filter(|b| !b.is_empty()),
        note: form.note,
    };
    let (id, actor, lang) = (path.into_inner(), user.actor(), user.lang);
    let result = crate::db::transact(&state.pool, move |tx| exceptions::resolve(tx, id, &input, &actor))
        .await
        .map(|e| {
            Flash::ok(fill(
                lang,
                "exc.resolved",
                &[("order", e.order_no), ("action", i18n::word(lang, "action", action.as_str()))],
            ))
        });
    layout::outcome(&user, "/console/exceptions", result)
}

// ---- picker screen

/// A picker's progress on the task they hold: the bin confirmed, the units
/// scanned (or keyed in and confirmed).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PickWork {
    task: Option<PickTaskId>,
    bin_ok: bool,
    units: i32,
    /// The units were keyed in and confirmed, not each scanned.
    #[serde(default)]
    keyed: bool,
}

impl PickWork {
    fn for_task(self, task: &PickTask) -> Self {
        if self.task == Some(task.id) {
            self
        } else {
            PickWork { task: Some(task.id), ..PickWork::default() }
        }
    }

    fn step(&self, task: &PickTask) -> &'static str {
        if !self.bin_ok {
            "bin"
        } else if self.units < task.quantity - task.picked {
            "unit"
        } else {
            "tote"
        }
    }
}

#[derive(Template)]
#[template(path = "console/pick.html")]
struct PickPage {
    ui: Ui,
    task: Option<PickTask>,
    work: PickWork,
    reasons: Vec<Choice>,
}

impl PickPage {
    fn step(&self) -> &'static str {
        self.task.as_ref().map_or("none", |t| self.work.step(t))
    }

    fn remaining(&self) -> i32 {
        self.task.as_ref().map_or(0, |t| t.quantity - t.picked)
    }
}

async fn pick_state(
    state: &AppState,
    user: &ConsoleUser,
) -> Result<(Option<PickTask>, PickWork), ConsoleError> {
    let (me, actor) = (user.user_id, user.actor());
    Ok(crate::db::run(&state.pool, move |c| {
        let task = picking::current(c, &actor)?;
        let work = work::load::<PickWork>(c, me, Screen::Pick)?.unwrap_or_default();
        let work = match &task {
            Some(t) => work.for_task(t),
            None => PickWork::default(),
        };
        Ok((task, work))
    })
    .await?)
}

pub async fn pick(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Picking)?;
    let ui = Ui::for_user(&user, Area::Picking, "pick.title");
    let (task, work) = pick_state(&state, &user).await?;
    let values: Vec<&str> = ShortReason::ALL.iter().map(|r| r.as_str()).collect();
    let reasons = reasons(&ui, "short", &values, ui.kept("short"));
    layout::page(StatusCode::OK, &PickPage { ui, task, work, reasons })
}

/// Claims the next task along the walk.
pub async fn pick_next(
    state: web::Data<AppState>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, .. } = post;
    user.require(Area::Picking)?;
    let (actor, lang) = (user.actor(), user.lang);
    let result = crate::db::transact(&state.pool, move |tx| picking::claim(tx, &actor)).await;
    let flash = match result {
        Ok(Some(_)) => None,
        Ok(None) => Some(Flash::warn(i18n::t(lang, "pick.nothing"))),
        Err(e) => Some(layout::refusal(&user, e)?),
    };
    Ok(match flash {
        Some(f) => layout::back(&user, "/console/pick", f),
        None => layout::see_other("/console/pick"),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScanForm {
    scan: String,
    quantity: String,
}

/// What a scan at a step was, when it was not what the step wanted: an
/// unknown code and a wrong one are told apart.
fn wrong_scan(
    tx: &mut crate::db::DbConn,
    task: &PickTask,
    step: &str,
    scan: &str,
) -> Result<AppError, AppError> {
    let bin = crate::warehouse::service::by_code(tx, scan).ok();
    let sku = crate::catalog::service::by_barcode(tx, scan)?;
    Ok(match (step, bin, sku) {
        ("bin", Some(b), _) => AppError::invalid(
            "bin",
            "wrong_bin",
            format!("{} is another bin; this task is in {}.", b.code, task.bin_code),
        ),
        ("bin", None, Some(_)) => {
            AppError::invalid("bin", "bin_first", "Scan the bin first, then the units.")
        }
        ("bin", None, None) => AppError::invalid("bin", "not_a_bin", format!("{scan} is not a bin code.")),
        (_, _, Some(s)) => AppError::invalid(
            "barcode",
            "wrong_item",
            format!("{scan} is {}; this task picks {}.", s.sku_code, task.sku_code),
        ),
        (_, Some(_), None) => {
            AppError::invalid("barcode", "bin_done", "The bin is confirmed; scan the units.")
        }
        (_, None, None) => {
            AppError::invalid("barcode", "unknown_barcode", format!("No product has the barcode {scan}."))
        }
    })
}

enum Picked {
    Step,
    Done(Box<PickTask>),
}

/// One scan on the picker screen: the bin, then each unit, then the tote,
/// which confirms the pick of exactly the units scanned.
pub async fn pick_scan(
    state: web::Data<AppState>,
    post: Post<ScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Picking)?;
    let (me, actor, lang) = (user.user_id, user.actor(), user.lang);
    let scan = form.scan.trim().to_ascii_uppercase();
    let s2 = scan.clone();
    let result = crate::db::transact(&state.pool, move |tx| {
        let Some(task) = picking::current(tx, &actor)? else {
            return Err(AppError::conflict("no_task", "Take a task first."));
        };
        let mut w = work::load::<PickWork>(tx, me, Screen::Pick)?.unwrap_or_default().for_task(&task);
        match w.step(&task) {
            "bin" => {
                if s2 != task.bin_code {
                    return Err(wrong_scan(tx, &task, "bin", &s2)?);
                }
                w.bin_ok = true;
            }
            "unit" => {
                if s2 != task.barcode {
                    return Err(wrong_scan(tx, &task, "unit", &s2)?);
                }
                w.units += 1;
            }
            _ => {
                if s2 == task.barcode {
                    return Err(AppError::invalid(
                        "barcode",
                        "too_many",
                        format!("All {} unit(s) are scanned; scan the tote.", w.units),
                    ));
                }
                let input = PickInput {
                    bin: task.bin_code.clone(),
                    barcode: task.barcode.clone(),
                    tote: s2.clone(),
                    quantity: Some(i64::from(w.units)),
                    short: None,
                };
                let done = picking::confirm(tx, task.id, &input, &actor)?;
                work::clear(tx, me, Screen::Pick)?;
                // Straight on to the next task along the walk.
                picking::claim(tx, &actor)?;
                return Ok(Picked::Done(Box::new(done)));
            }
        }
        work::save(tx, me, Screen::Pick, &w)?;
        Ok(Picked::Step)
    })
    .await;
    let flash = match result {
        Ok(Picked::Step) => None,
        Ok(Picked::Done(t)) => Some(Flash::ok(fill(
            lang,
            "pick.done",
            &[("q", t.picked.to_string()), ("sku", t.sku_code.clone()), ("tote", t.tote.unwrap_or_default())],
        ))),
        Err(e) => {
            let (task, work) = pick_state(&state, &user).await?;
            let expected = task.as_ref().map(|t| match work.step(t) {
                "bin" => t.bin_code.clone(),
                "unit" => format!("{} ({})", t.barcode, t.sku_code),
                _ => t.tote.clone().unwrap_or_else(|| i18n::t(lang, "pick.any_tote").to_owned()),
            });
            Some(layout::refusal(&user, e)?.scanned(&scan).expected(expected.unwrap_or_default()))
        }
    };
    Ok(match flash {
        Some(f) => layout::back(&user, "/console/pick", f),
        None => layout::see_other("/console/pick"),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CountForm {
    count: String,
}

/// One unit scanned, the rest keyed in: the count is confirmed by an
/// explicit action, never by a scan.
pub async fn pick_count(
    state: web::Data<AppState>,
    post: Post<CountForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Picking)?;
    let (me, actor) = (user.user_id, user.actor());
    let count = form.count.trim().parse::<i32>().ok();
    let result = crate::db::transact(&state.pool, move |tx| {
        let task = picking::current(tx, &actor)?
            .ok_or_else(|| AppError::conflict("no_task", "Take a task first."))?;
        let mut w = work::load::<PickWork>(tx, me, Screen::Pick)?.unwrap_or_default().for_task(&task);
        if !w.bin_ok || w.units < 1 {
            return Err(AppError::invalid(
                "count",
                "unit_first",
                "Scan the bin and one unit before keying the count.",
            ));
        }
        let remaining = task.quantity - task.picked;
        let Some(n) = count.filter(|n| (1..=remaining).contains(n)) else {
            return Err(AppError::invalid(
                "count",
                "count_out_of_range",
                format!("Key a count from 1 to {remaining}."),
            ));
        };
        w.units = n;
        w.keyed = true;
        work::save(tx, me, Screen::Pick, &w)?;
        Ok(())
    })
    .await;
    match result {
        Ok(()) => Ok(layout::see_other("/console/pick")),
        Err(e) => Ok(layout::back(&user, "/console/pick", layout::refusal(&user, e)?)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShortForm {
    short: String,
    tote: String,
}

/// A short pick: fewer units than the task asks for (the units scanned so
/// far go into the tote), with the reason chosen on purpose.
pub async fn pick_short(
    state: web::Data<AppState>,
    post: Post<ShortForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Picking)?;
    let kept = [("short", form.short.as_str()), ("tote", form.tote.as_str())];
    let Some(reason) = ShortReason::from_db(form.short.trim()) else {
        let e = AppError::invalid("short", "reason_required", "Choose why units are missing.");
        return Ok(layout::back(&user, "/console/pick", layout::refusal(&user, e)?.with_form(kept)));
    };
    let (me, actor, lang) = (user.user_id, user.actor(), user.lang);
    let tote = form.tote.clone();
    let result = crate::db::transact(&state.pool, move |tx| {
        let task = picking::current(tx, &actor)?
            .ok_or_else(|| AppError::conflict("no_task", "Take a task first."))?;
        let w = work::load::<PickWork>(tx, me, Screen::Pick)?.unwrap_or_default().for_task(&task);
        if !w.bin_ok {
            return Err(AppError::invalid(
                "bin",
                "bin_first",
                "Scan the bin first, then report what is missing.",
            ));
        }
        let input = PickInput {
            bin: task.bin_code.clone(),
            barcode: task.barcode.clone(),
            tote: tote.clone(),
            quantity: Some(i64::from(w.units)),
            short: Some(reason),
        };
        let done = picking::confirm(tx, task.id, &input, &actor)?;
        work::clear(tx, me, Screen::Pick)?;
        picking::claim(tx, &actor)?;
        Ok(done)
    })
    .await;
    let flash = match result {
        Ok(t) => {
            let text = fill(
                lang,
                "pick.done",
                &[
                    ("q", t.picked.to_string()),
                    ("sku", t.sku_code.clone()),
                    ("tote", t.tote.clone().unwrap_or_default()),
                ],
            );
            Flash::warn(format!(
                "{text} {}",
                fill(lang, "pick.short_done", &[("n", (t.quantity - t.picked).to_string())])
            ))
        }
        Err(e) => layout::refusal(&user, e)?.with_form(kept),
    };
    Ok(layout::back(&user, "/console/pick", flash))
}

/// Starts the task's steps again (the bin and units scanned so far are
/// forgotten; nothing was booked).
pub async fn pick_reset(
    state: web::Data<AppState>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::Picking)?;
    let me = user.user_id;
    crate::db::transact(&state.pool, move |tx| work::clear(tx, me, Screen::Pick)).await?;
    Ok(layout::see_other("/console/pick"))
}

// ---- pack station

#[derive(Template)]
#[template(path = "console/pack.html")]
struct PackPage {
    ui: Ui,
    parcel: Option<Parcel>,
    cartons: Vec<CartonType>,
    prints: Vec<LabelPrint>,
    /// A print just recorded: the page prints the label at once.
    print_now: bool,
}

impl PackPage {
    fn status(&self) -> &'static str {
        self.parcel.as_ref().map_or("none", |p| p.status.as_str())
    }
}

pub async fn pack_station(
    state: web::Data<AppState>,
    user: ConsoleUser,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Packing)?;
    let ui = Ui::for_user(&user, Area::Packing, "pack.title");
    let cartons = crate::db::run(&state.pool, packing::cartons).await?;
    layout::page(
        StatusCode::OK,
        &PackPage { ui, parcel: None, cartons, prints: Vec::new(), print_now: false },
    )
}

/// A scan at the pack station: a tote opens its order's parcel; a tote,
/// parcel, order or tracking number finds a parcel again (a held one once
/// released, one to reprint).
pub async fn pack_tote(
    state: web::Data<AppState>,
    post: Post<ScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Packing)?;
    let actor = user.actor();
    let code = form.scan.trim().to_ascii_uppercase();
    let c2 = code.clone();
    let result = crate::db::transact(&state.pool, move |tx| {
        if picking::tote_code(&c2).is_ok() {
            match packing::start(tx, &c2, &actor) {
                Ok(p) => return Ok(p.id),
                Err(e @ (AppError::Validation { .. } | AppError::Conflict { .. })) => {
                    return packing::find(tx, &c2)?.ok_or(e);
                }
                Err(e) => return Err(e),
            }
        }
        packing::find(tx, &c2)?.ok_or_else(|| {
            AppError::invalid(
                "scan",
                "nothing_to_pack",
                format!("{c2} is not a tote, parcel, order or tracking number of a parcel."),
            )
        })
    })
    .await;
    match result {
        Ok(id) => Ok(layout::see_other(&format!("/console/pack/{id}"))),
        Err(e) => {
            let expected = i18n::t(user.lang, "pack.expected_code");
            Ok(layout::back(
                &user,
                "/console/pack",
                layout::refusal(&user, e)?.scanned(&code).expected(expected),
            ))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ParcelQuery {
    print: String,
}

pub async fn parcel(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<ParcelId>,
    q: web::Query<ParcelQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Packing)?;
    let ui = Ui::for_user(&user, Area::Packing, "pack.title");
    let id = path.into_inner();
    let found = crate::db::run(&state.pool, move |c| {
        Ok((packing::get(c, id)?, packing::cartons(c)?, packing::prints(c, id)?))
    })
    .await;
    match found {
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Packing, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
        Ok((p, cartons, prints)) => {
            let print_now = p.status.labelled() && !q.print.is_empty();
            let mut ui = ui;
            if p.status == ParcelStatus::Held && ui.alert.is_none() {
                ui.alert = Some(held_flash(user.lang, &p).into());
            }
            layout::page(StatusCode::OK, &PackPage { ui, parcel: Some(p), cartons, prints, print_now })
        }
    }
}

fn held_flash(lang: Lang, p: &Parcel) -> Flash {
    if let Some(reason) = p.hold_reason.as_deref().and_then(|r| r.strip_prefix("no_route: ")) {
        return Flash::error(fill(
            lang,
            "pack.no_route",
            &[("parcel", p.parcel_no.clone()), ("reason", reason.to_owned())],
        ));
    }
    Flash::error(fill(
        lang,
        "pack.held",
        &[
            ("weight", p.weight_g.unwrap_or(0).to_string()),
            ("expected", p.expected_weight_g.unwrap_or(0).to_string()),
        ],
    ))
}

pub async fn pack_scan(
    state: web::Data<AppState>,
    path: web::Path<ParcelId>,
    post: Post<ScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Packing)?;
    let id = path.into_inner();
    let here = format!("/console/pack/{id}");
    let lang = user.lang;
    let code = form.scan.trim().to_ascii_uppercase();
    let result = match number("quantity", &form.quantity) {
        Ok(quantity) => {
            let input = PackScanInput { barcode: code.clone(), quantity };
            crate::db::transact(&state.pool, move |tx| packing::scan(tx, id, &input)).await
        }
        Err(e) => Err(e),
    };
    let flash = match result {
        Ok(p) => {
            let sku =
                p.lines.iter().find(|l| l.barcode == code).map(|l| l.sku_code.clone()).unwrap_or_default();
            Flash::ok(fill(lang, "pack.scanned", &[("sku", sku), ("left", p.remaining.to_string())]))
        }
        Err(e) => {
            let expected = crate::db::run(&state.pool, move |c| packing::get(c, id))
                .await
                .map(|p| {
                    p.lines
                        .iter()
                        .filter(|l| l.remaining > 0)
                        .map(|l| format!("{} ({})", l.barcode, l.sku_code))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            layout::refusal(&user, e)?.scanned(&code).expected(expected)
        }
    };
    Ok(layout::back(&user, &here, flash))
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
    let id = path.into_inner();
    let here = format!("/console/pack/{id}");
    let (actor, pct, lang) = (user.actor(), state.config.pack_weight_tolerance_pct, user.lang);
    let result = match number("weight_g", &form.weight_g) {
        Ok(w) => {
            let input = WeighInput {
                weight_g: w.unwrap_or(0),
                carton: Some(form.carton.trim().to_owned()).filter(|c| !c.is_empty()),
            };
            crate::db::transact(&state.pool, move |tx| packing::weigh(tx, id, &input, pct, &actor)).await
        }
        Err(e) => Err(e),
    };
    let result = result.map(|p| match p.status {
        ParcelStatus::Held => held_flash(lang, &p),
        _ => Flash::ok(fill(lang, "pack.packed", &[("tracking", p.tracking_no.unwrap_or_default())])),
    });
    layout::outcome(&user, &here, result)
}

/// Records a print of the label (the first or a reprint) and comes back to
/// the parcel, which prints the label at once.
pub async fn print(
    state: web::Data<AppState>,
    path: web::Path<ParcelId>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::Packing)?;
    let id = path.into_inner();
    let (actor, lang) = (user.actor(), user.lang);
    let result = crate::db::transact(&state.pool, move |tx| packing::record_print(tx, id, &actor)).await;
    match result {
        Ok(copy) => {
            let key = if copy == 1 { "pack.printed" } else { "pack.reprinted" };
            let flash = Flash::ok(fill(lang, key, &[("n", copy.to_string())]));
            Ok(layout::back(&user, &format!("/console/pack/{id}?print={copy}"), flash))
        }
        Err(e) => Ok(layout::back(&user, &format!("/console/pack/{id}"), layout::refusal(&user, e)?)),
    }
}

/// The shipping label, print-ready (printed from a hidden frame of the
/// parcel page, or opened on its own).
pub async fn label(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<ParcelId>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Packing)?;
    let (id, keys, wh) =
        (path.into_inner(), state.config.pii_keys.clone(), state.config.warehouse_code.clone());
    let actor = user.actor();
    let body = crate::db::transact(&state.pool, move |tx| {
        crate::outbound::shipping::read_label(
            tx,
            id,
            &keys,
            &wh,
            crate::labels::LabelFormat::Html,
            &actor,
            crate::outbound::pii::Purpose::LabelConsole,
        )
    })
    .await;
    match body {
        Ok(b) => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            // Only this console may frame it (to print without leaving the page).
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
            ))
            .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
            .body(b)),
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Packing, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}
