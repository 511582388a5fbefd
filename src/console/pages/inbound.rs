//! The inbound floor screens, scanner-first: the dock (check-in by scan,
//! refusal), receiving (open a carton by its label, count units by scan or
//! keyed quantity, close cartons, close the receipt), QC (one sampled unit
//! at a time, by the plan) and putaway (scan a unit, then the bin).
//!
//! Every scan posts a form and gets the page back with what happened in one
//! line and the scan field focused for the next scan; no JavaScript needed.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;
use serde::Deserialize;

use crate::console::error::{self, ConsoleError};
use crate::console::i18n::{self, Lang};
use crate::console::layout::{self, Ui};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::error::AppError;
use crate::http::AppState;
use crate::inbound::asn::{self, Asn, AsnSummary};
use crate::inbound::domain::{AsnStatus, DefectCode, DockRejectReason, InspectionStatus};
use crate::inbound::putaway::{self, PutawayInput, PutawayTask};
use crate::inbound::qc::{self, Lot, SampleInput, SampleResult};
use crate::inbound::receiving::{self, ReceiptReport, ScanInput, ScanOutcome};

/// One line saying what the last scan did.
pub struct Message {
    /// `ok`, `warn` or `error` (the flash style).
    pub kind: &'static str,
    pub text: String,
}

impl Message {
    pub(super) fn ok(text: String) -> Option<Self> {
        Some(Self { kind: "ok", text })
    }
    pub(super) fn warn(text: String) -> Option<Self> {
        Some(Self { kind: "warn", text })
    }
}

pub(super) fn fill(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = i18n::t(lang, key).to_owned();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// A refused action: its problems on the page, or the error page for
/// anything that is not the user's to fix.
pub(super) fn refused(ui: Ui, e: AppError) -> Result<(Ui, StatusCode), ConsoleError> {
    let e = layout::user_error(e)?;
    let status = e.status_code();
    Ok((ui.with_problems(&e), status))
}

/// The page again after an action: its message on success, its problems
/// (and their status) on a refusal the user can fix.
pub(super) async fn answer<F, Fut>(
    ui: Ui,
    result: Result<Option<Message>, AppError>,
    page: F,
) -> Result<HttpResponse, ConsoleError>
where
    F: FnOnce(Ui, Option<Message>, StatusCode) -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, ConsoleError>>,
{
    match result {
        Ok(message) => page(ui, message, StatusCode::OK).await,
        Err(e) => {
            let (ui, status) = refused(ui, e)?;
            page(ui, None, status).await
        }
    }
}

/// A shipment by its number, with what a page needs of it, read on the
/// blocking pool; an unknown number is the 404 page.
async fn load<T, F>(
    state: &AppState,
    user: &ConsoleUser,
    area: Area,
    asn_no: String,
    more: F,
) -> Result<(Asn, T), ConsoleError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConn, &Asn) -> Result<T, AppError> + Send + 'static,
{
    let found = crate::db::run(&state.pool, move |c| {
        let a = asn::by_no(c, &asn_no)?;
        let extra = more(c, &a)?;
        Ok((a, extra))
    })
    .await;
    match found {
        Ok(x) => Ok(x),
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(user, area, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- dock

#[derive(Template)]
#[template(path = "console/dock.html")]
struct DockPage {
    ui: Ui,
    message: Option<Message>,
    code: String,
    arriving: Vec<AsnSummary>,
    at_qc: Vec<AsnSummary>,
    to_put_away: Vec<AsnSummary>,
    reasons: Vec<&'static str>,
    can_receive: bool,
    can_inspect: bool,
}

async fn dock_page(
    state: &AppState,
    user: &ConsoleUser,
    ui: Ui,
    message: Option<Message>,
    code: String,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let page = crate::http::pagination::PageParams { cursor: None, limit: Some(200) }.parse()?;
    let (arriving, at_qc, to_put_away) = crate::db::run(&state.pool, move |c| {
        let list = |c: &mut _, s: &[AsnStatus]| asn::list(c, None, s, page).map(|p| p.items);
        Ok((
            list(c, &[AsnStatus::Submitted, AsnStatus::Arrived, AsnStatus::Receiving])?,
            list(c, &[AsnStatus::Received, AsnStatus::PartlyReceived, AsnStatus::Inspecting])?,
            list(c, &[AsnStatus::Inspected])?,
        ))
    })
    .await?;
    layout::page(
        status,
        &DockPage {
            ui,
            message,
            code,
            arriving,
            at_qc,
            to_put_away,
            reasons: DockRejectReason::ALL.iter().map(|r| r.as_str()).collect(),
            can_receive: user.may(Area::Receiving),
            can_inspect: user.may(Area::Qc),
        },
    )
}

pub async fn dock(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Inbound)?;
    let ui = Ui::for_user(&user, Area::Inbound, "dock.title");
    dock_page(&state, &user, ui, None, String::new(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

/// A scan at the dock: checks the shipment in, counts the carton.
pub async fn check_in(
    state: web::Data<AppState>,
    post: Post<CodeForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Receiving)?;
    let ui = Ui::for_user(&user, Area::Inbound, "dock.title");
    let (code, actor) = (form.code.clone(), format!("staff:{}", user.username));
    match crate::db::transact(&state.pool, move |tx| receiving::check_in(tx, &code, &actor)).await {
        Ok(c) => {
            let lang = user.lang;
            let mut text = fill(
                lang,
                if c.arrived_now { "dock.arrived" } else { "dock.scanned" },
                &[
                    ("asn", c.asn.asn_no.clone()),
                    ("done", c.asn.cartons_arrived.to_string()),
                    ("total", c.asn.carton_count.to_string()),
                ],
            );
            if let Some(n) = c.carton_no {
                let key = if c.carton_already_scanned { "dock.carton_again" } else { "dock.carton" };
                text = format!("{text} {}", fill(lang, key, &[("n", n.to_string())]));
            }
            let message = if c.carton_already_scanned { Message::warn(text) } else { Message::ok(text) };
            dock_page(&state, &user, ui, message, String::new(), StatusCode::OK).await
        }
        Err(e) => {
            let (ui, status) = refused(ui, e)?;
            dock_page(&state, &user, ui, None, form.code.chars().take(64).collect(), status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RejectForm {
    reason: String,
    note: String,
}

pub async fn reject(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<RejectForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Receiving)?;
    let Some(reason) = DockRejectReason::from_db(&form.reason) else { return Err(error::bad_form(&user)) };
    let no = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "dock.title");
    let input = receiving::RejectInput { reason, note: form.note };
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        receiving::reject(tx, a.id, &input)
    })
    .await;
    match result {
        Ok(a) => {
            let text = {
                let lang = user.lang;
                fill(lang, "dock.rejected", &[("asn", a.asn_no)])
            };
            dock_page(&state, &user, ui, Message::ok(text), String::new(), StatusCode::OK).await
        }
        Err(e) => {
            let (ui, status) = refused(ui, e)?;
            dock_page(&state, &user, ui, None, String::new(), status).await
        }
    }
}

// ---- receiving

/// Expected against counted for one SKU, over every carton.
pub struct Tally {
    pub sku_code: String,
    pub name: String,
    pub expected: i32,
    pub counted: i32,
    pub damaged: i32,
    /// counted + damaged - expected.
    pub diff: i32,
}

#[derive(Template)]
#[template(path = "console/receiving.html")]
struct ReceivingPage {
    ui: Ui,
    message: Option<Message>,
    asn: Asn,
    tally: Vec<Tally>,
    /// The carton this clerk is counting.
    open_carton: Option<i32>,
    me: String,
    receiving: bool,
    report: Option<ReceiptReport>,
}

fn tally(asn: &Asn, lang: Lang) -> Vec<Tally> {
    asn.lines
        .iter()
        .map(|l| {
            let items = asn.cartons.iter().flat_map(|c| c.items.iter()).filter(|i| i.sku_id == l.sku_id);
            let (counted, damaged) = items.fold((0, 0), |(c, d), i| (c + i.counted, d + i.damaged));
            Tally {
                sku_code: l.sku_code.clone(),
                name: if lang == Lang::Zh { l.name_zh.clone() } else { l.name_en.clone() },
                expected: l.expected,
                counted,
                damaged,
                diff: counted + damaged - l.expected,
            }
        })
        .collect()
}

async fn receiving_page(
    state: &AppState,
    user: &ConsoleUser,
    ui: Ui,
    asn_no: String,
    message: Option<Message>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let (asn, report) = load(state, user, Area::Inbound, asn_no, |c, a| {
        if a.received_at.is_some() { receiving::report(c, a.id, None).map(Some) } else { Ok(None) }
    })
    .await?;
    let me = format!("staff:{}", user.username);
    let open_carton = asn
        .cartons
        .iter()
        .find(|c| c.closed_at.is_none() && c.receiving_by.as_deref() == Some(me.as_str()))
        .map(|c| c.carton_no);
    let receiving = matches!(asn.status, AsnStatus::Submitted | AsnStatus::Arrived | AsnStatus::Receiving);
    let tally = tally(&asn, user.lang);
    layout::page(status, &ReceivingPage { ui, message, asn, tally, open_carton, me, receiving, report })
}

pub async fn receiving(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Inbound)?;
    let ui = Ui::for_user(&user, Area::Inbound, "recv.title");
    receiving_page(&state, &user, ui, path.into_inner(), None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiveScanForm {
    code: String,
    quantity: String,
    damaged: String,
}

/// One scan at the receiving table: a carton label opens that carton; with
/// a carton open, a unit barcode counts `quantity` units into it.
pub async fn receive_scan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<ReceiveScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Receiving)?;
    let asn_no = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "recv.title");
    let actor = format!("staff:{}", user.username);
    let code = form.code.trim().to_ascii_uppercase();
    let quantity =
        if form.quantity.trim().is_empty() { Some(1) } else { form.quantity.trim().parse::<i64>().ok() };
    let damaged = !form.damaged.is_empty();
    let no = asn_no.clone();
    let lang = user.lang;
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        let open = a
            .cartons
            .iter()
            .find(|c| c.closed_at.is_none() && c.receiving_by.as_deref() == Some(actor.as_str()))
            .map(|c| c.carton_no);
        let is_label = a.cartons.iter().any(|c| c.label == code);
        if is_label || open.is_none() {
            let v = receiving::open_carton(tx, a.id, &code, &actor)?;
            return Ok(fill(lang, "recv.opened", &[("n", v.carton_no.to_string())]));
        }
        let Some(quantity) = quantity else {
            return Err(AppError::invalid("quantity", "not_positive", "must be a whole number above zero"));
        };
        let input = ScanInput {
            carton_no: open.unwrap_or(0),
            barcode: code.clone(),
            quantity: Some(quantity),
            damaged,
        };
        let r = receiving::scan(tx, a.id, &input, &actor)?;
        let sku = r.sku_code.unwrap_or_else(|| code.clone());
        let args = [("q", r.quantity.to_string()), ("sku", sku), ("n", input.carton_no.to_string())];
        Ok(match r.outcome {
            ScanOutcome::Counted => fill(lang, "recv.counted_units", &args),
            ScanOutcome::Damaged => format!("!{}", fill(lang, "recv.damaged_units", &args)),
            ScanOutcome::UnitNotOnShipment => format!("!{}", fill(lang, "recv.not_on_shipment", &args)),
        })
    })
    .await;
    let result = result.map(|text| match text.strip_prefix('!') {
        Some(t) => Message::warn(t.to_owned()),
        None => Message::ok(text),
    });
    let (st, us) = (&state, &user);
    answer(ui, result, move |ui, m, s| receiving_page(st, us, ui, asn_no, m, s)).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

pub async fn close_carton(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::Receiving)?;
    let (asn_no, n) = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "recv.title");
    let (no, actor) = (asn_no.clone(), format!("staff:{}", user.username));
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        receiving::close_carton(tx, a.id, n, &actor)
    })
    .await;
    let result = result.map(|_| {
        let text = {
            let lang = user.lang;
            fill(lang, "recv.carton_closed", &[("n", n.to_string())])
        };
        Message::ok(text)
    });
    let (st, us) = (&state, &user);
    answer(ui, result, move |ui, m, s| receiving_page(st, us, ui, asn_no, m, s)).await
}

pub async fn close_receipt(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::Receiving)?;
    let asn_no = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "recv.title");
    let (no, actor, qc) = (asn_no.clone(), format!("staff:{}", user.username), state.config.qc);
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        receiving::close_receipt(tx, a.id, &actor, &qc)
    })
    .await;
    let result = result.map(|_| {
        let text = i18n::t(user.lang, "recv.receipt_closed").to_owned();
        Message::ok(text)
    });
    let (st, us) = (&state, &user);
    answer(ui, result, move |ui, m, s| receiving_page(st, us, ui, asn_no, m, s)).await
}

// ---- quality inspection

#[derive(Template)]
#[template(path = "console/qc.html")]
struct QcPage {
    ui: Ui,
    message: Option<Message>,
    asn: Asn,
    lots: Vec<Lot>,
    /// The lot being inspected now (the first undecided one).
    current: Option<Lot>,
    defects: Vec<&'static str>,
}

async fn qc_page(
    state: &AppState,
    user: &ConsoleUser,
    ui: Ui,
    asn_no: String,
    message: Option<Message>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let (asn, lots) = load(state, user, Area::Qc, asn_no, |c, a| qc::lots(c, a.id, None)).await?;
    let current = lots
        .iter()
        .find(|l| matches!(l.status, InspectionStatus::Pending | InspectionStatus::InProgress))
        .cloned();
    let defects = DefectCode::ALL.iter().map(|d| d.as_str()).collect();
    layout::page(status, &QcPage { ui, message, asn, lots, current, defects })
}

pub async fn qc(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Qc)?;
    let ui = Ui::for_user(&user, Area::Inbound, "qc.title");
    qc_page(&state, &user, ui, path.into_inner(), None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SampleForm {
    sku_id: String,
    result: String,
    defect_code: String,
    note: String,
}

pub async fn qc_sample(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<SampleForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Qc)?;
    let asn_no = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "qc.title");
    let Ok(sku) = form.sku_id.parse() else { return Err(error::bad_form(&user)) };
    let result = match form.result.as_str() {
        "pass" => SampleResult::Pass,
        "defect" => SampleResult::Defect,
        _ => return Err(error::bad_form(&user)),
    };
    let defect_code = match form.defect_code.as_str() {
        "" => None,
        c => Some(DefectCode::from_db(c).ok_or_else(|| error::bad_form(&user))?),
    };
    let input = SampleInput { result, defect_code, note: form.note, photo_url: None };
    let (no, actor, lang) = (asn_no.clone(), format!("staff:{}", user.username), user.lang);
    let outcome = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        qc::record_sample(tx, a.id, sku, &input, &actor)
    })
    .await;
    let result = outcome.map(|lot| {
        let args = [
            ("sku", lot.sku_code.clone()),
            ("n", lot.sampled.to_string()),
            ("of", lot.sample_size.to_string()),
        ];
        match lot.status {
            InspectionStatus::Accepted => Message::ok(fill(lang, "qc.accepted", &args)),
            InspectionStatus::Rejected => Message::warn(fill(lang, "qc.rejected", &args)),
            _ => Message::ok(fill(lang, "qc.recorded", &args)),
        }
    });
    let (st, us) = (&state, &user);
    answer(ui, result, move |ui, m, s| qc_page(st, us, ui, asn_no, m, s)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeasureForm {
    sku_id: String,
    weight_g: String,
    length_mm: String,
    width_mm: String,
    height_mm: String,
}

/// Records the measured weight and dimensions of the lot's SKU.
pub async fn qc_measure(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<MeasureForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Qc)?;
    let asn_no = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "qc.title");
    let Ok(sku) = form.sku_id.parse() else { return Err(error::bad_form(&user)) };
    // An empty or non-numeric field is 0, which the validation refuses by name.
    let n = |s: &str| s.trim().parse::<i64>().unwrap_or(0);
    let m = crate::catalog::domain::Measures {
        weight_g: n(&form.weight_g),
        length_mm: n(&form.length_mm),
        width_mm: n(&form.width_mm),
        height_mm: n(&form.height_mm),
    };
    let lang = user.lang;
    match crate::db::transact(&state.pool, move |tx| {
        crate::catalog::service::record_measurements(tx, sku, &m)
    })
    .await
    {
        Ok(s) => {
            let message = Message::ok(fill(lang, "qc.measured", &[("sku", s.sku_code)]));
            qc_page(&state, &user, ui, asn_no, message, StatusCode::OK).await
        }
        Err(e) => {
            let (ui, status) = refused(ui, e)?;
            qc_page(&state, &user, ui, asn_no, None, status).await
        }
    }
}

// ---- putaway

#[derive(Template)]
#[template(path = "console/putaway.html")]
struct PutawayPage {
    ui: Ui,
    message: Option<Message>,
    asn: Asn,
    tasks: Vec<PutawayTask>,
    /// The task whose unit was scanned: now scan the bin.
    chosen: Option<PutawayTask>,
}

async fn putaway_page(
    state: &AppState,
    user: &ConsoleUser,
    ui: Ui,
    asn_no: String,
    chosen_barcode: Option<String>,
    message: Option<Message>,
    status: StatusCode,
) -> Result<HttpResponse, ConsoleError> {
    let (asn, tasks) = load(state, user, Area::Receiving, asn_no, |c, a| putaway::tasks(c, a.id)).await?;
    let chosen = chosen_barcode.as_ref().and_then(|b| tasks.iter().find(|t| &t.barcode == b).cloned());
    if chosen_barcode.is_some() && chosen.is_none() && status == StatusCode::OK {
        // A unit scanned that is not waiting here: say so, ask again.
        let e =
            AppError::invalid("barcode", "not_on_shipment", "This product is not waiting for putaway here.");
        let (ui, status) = refused(ui, e)?;
        return layout::page(status, &PutawayPage { ui, message: None, asn, tasks, chosen: None });
    }
    layout::page(status, &PutawayPage { ui, message, asn, tasks, chosen })
}

pub async fn putaway(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Receiving)?;
    let ui = Ui::for_user(&user, Area::Inbound, "putaway.title");
    putaway_page(&state, &user, ui, path.into_inner(), None, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PutawayForm {
    barcode: String,
    bin: String,
    quantity: String,
}

/// Step one: a unit's barcode picks the SKU (and shows its suggested bin);
/// step two: the bin's barcode puts the units there.
pub async fn putaway_scan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<PutawayForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Receiving)?;
    let asn_no = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "putaway.title");
    let barcode = form.barcode.trim().to_ascii_uppercase();
    if form.bin.trim().is_empty() {
        // Only the unit was scanned: ask for the bin (the page refuses a
        // unit that is not waiting here).
        return putaway_page(&state, &user, ui, asn_no, Some(barcode), None, StatusCode::OK).await;
    }
    let quantity = match form.quantity.trim() {
        "" => None,
        q => match q.parse::<i64>() {
            Ok(q) => Some(q),
            Err(_) => {
                let e = AppError::invalid("quantity", "not_positive", "must be a whole number above zero");
                let (ui, status) = refused(ui, e)?;
                return putaway_page(&state, &user, ui, asn_no, Some(barcode), None, status).await;
            }
        },
    };
    let input =
        PutawayInput { sku_id: None, barcode: Some(barcode.clone()), bin: form.bin.clone(), quantity };
    let (no, actor, lang) = (asn_no.clone(), format!("staff:{}", user.username), user.lang);
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        putaway::confirm(tx, a.id, &input, &actor)
    })
    .await;
    let result = result.map(|r| {
        let args = [("q", r.quantity.to_string()), ("sku", r.sku_code), ("bin", r.bin_code)];
        let mut text = fill(lang, "putaway.done", &args);
        if r.asn.status == AsnStatus::Completed {
            text = format!("{text} {}", i18n::t(lang, "putaway.completed"));
        }
        Message::ok(text)
    });
    // A refusal keeps the scanned unit, so that only the bin is scanned again.
    let keep = result.is_err().then_some(barcode);
    let (st, us) = (&state, &user);
    answer(ui, result, move |ui, m, s| putaway_page(st, us, ui, asn_no, keep, m, s)).await
}
