//! The inbound floor screens, scanner-first: the dock (check-in by scan,
//! refusal after a confirm), receiving (open a carton by its label, count
//! units into the carton on the screen, close cartons, close the receipt
//! after a confirm if it is short), QC (scan each sample unit, then record
//! its verdict by hand; a verdict that rejects the lot asks first) and
//! putaway (scan a unit, then the bin; another bin than the suggestion asks
//! first).
//!
//! Every POST answers with a redirect to the screen (Post/Redirect/Get):
//! what happened travels in the flash, the worker's step in `console::work`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::i18n::{Lang, fill};
use crate::console::layout::{self, Choice, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, NoFields, Post};
use crate::console::work::{self, Screen};
use crate::error::AppError;
use crate::http::AppState;
use crate::ids::SkuId;
use crate::inbound::asn::{self, Asn, AsnSummary};
use crate::inbound::domain::{AsnStatus, DefectCode, DockRejectReason, InspectionStatus, ShortReason};
use crate::inbound::putaway::{self, PutawayInput, PutawayTask};
use crate::inbound::qc::{self, Lot, SampleInput, SampleResult};
use crate::inbound::receiving::{self, ReceiptReport, ScanInput, ScanOutcome, ShortClose};

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

/// The choices of a reason list, none chosen unless `chosen` names one: a
/// destructive action's reason is picked on purpose.
pub(super) fn reasons(ui: &Ui, group: &str, values: &[&str], chosen: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice { value: (*v).to_owned(), label: ui.word(group, v), selected: *v == chosen })
        .collect()
}

fn name(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::Zh { zh.to_owned() } else { en.to_owned() }
}

// ---- dock

#[derive(Template)]
#[template(path = "console/dock.html")]
struct DockPage {
    ui: Ui,
    arriving: Vec<AsnSummary>,
    at_qc: Vec<AsnSummary>,
    to_put_away: Vec<AsnSummary>,
    can_receive: bool,
    can_inspect: bool,
    can_put_away: bool,
    can_supervise: bool,
}

pub async fn dock(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Inbound)?;
    let ui = Ui::for_user(&user, Area::Inbound, "dock.title");
    let page = crate::paging::PageParams { cursor: None, limit: Some(200) }.parse()?;
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
        StatusCode::OK,
        &DockPage {
            ui,
            arriving,
            at_qc,
            to_put_away,
            can_receive: user.may(Area::Receiving),
            can_inspect: user.may(Area::Qc),
            can_put_away: user.may(Area::Putaway),
            can_supervise: user.may(Area::InboundAdmin),
        },
    )
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
    let (code, actor, lang, now) = (form.code.clone(), user.actor(), user.lang, state.clock.now());
    let result =
        crate::db::transact(&state.pool, move |tx| receiving::check_in(tx, &code, &actor, now)).await;
    let flash = match result {
        Ok(c) => {
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
            if c.carton_already_scanned { Flash::warn(text) } else { Flash::ok(text) }
        }
        Err(e) => layout::refusal(&user, e)?
            .scanned(&form.code)
            .expected(crate::console::i18n::t(lang, "dock.expected")),
    };
    Ok(layout::back(&user, "/console/dock", flash))
}

#[derive(Template)]
#[template(path = "console/dock_reject.html")]
struct RejectPage {
    ui: Ui,
    asn: Asn,
    reasons: Vec<Choice>,
}

/// The confirm step of a refusal at the dock: the reason is chosen on
/// purpose (nothing preselected), a note is needed for "other".
pub async fn reject_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Receiving)?;
    let ui = Ui::for_user(&user, Area::Inbound, "dock.reject_title");
    let (asn, ()) = load(&state, &user, Area::Inbound, path.into_inner(), |_, _| Ok(())).await?;
    let values: Vec<&str> = DockRejectReason::ALL.iter().map(|r| r.as_str()).collect();
    let reasons = reasons(&ui, "reject", &values, ui.kept("reason"));
    layout::page(StatusCode::OK, &RejectPage { ui, asn, reasons })
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
    let no = path.into_inner();
    let here = format!("/console/dock/{}/reject", urlencode(&no));
    let kept = [("reason", form.reason.as_str()), ("note", form.note.as_str())];
    let Some(reason) = DockRejectReason::from_db(form.reason.trim()) else {
        let e = AppError::invalid("reason", "reason_required", "Choose why the shipment is refused.");
        return Ok(layout::back(&user, &here, layout::refusal(&user, e)?.with_form(kept)));
    };
    let input = receiving::RejectInput { reason, note: form.note.clone() };
    let lang = user.lang;
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        receiving::reject(tx, a.id, &input)
    })
    .await;
    match result {
        Ok(a) => Ok(layout::back(
            &user,
            "/console/dock",
            Flash::ok(fill(lang, "dock.rejected", &[("asn", a.asn_no)])),
        )),
        Err(e) => Ok(layout::back(&user, &here, layout::refusal(&user, e)?.with_form(kept))),
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

/// What the open carton holds against its label.
pub struct CartonLine {
    pub sku_code: String,
    pub expected: i32,
    pub counted: i32,
    pub over: bool,
}

#[derive(Template)]
#[template(path = "console/receiving.html")]
struct ReceivingPage {
    ui: Ui,
    asn: Asn,
    tally: Vec<Tally>,
    /// The carton this clerk is counting.
    open_carton: Option<i32>,
    open_lines: Vec<CartonLine>,
    me: String,
    /// Counting goes on and this person may count.
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
                name: name(lang, &l.name_zh, &l.name_en),
                expected: l.expected,
                counted,
                damaged,
                diff: counted + damaged - l.expected,
            }
        })
        .collect()
}

fn my_open_carton(asn: &Asn, me: &str) -> Option<i32> {
    asn.cartons
        .iter()
        .find(|c| c.closed_at.is_none() && c.receiving_by.as_deref() == Some(me))
        .map(|c| c.carton_no)
}

pub async fn receiving(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Inbound)?;
    let ui = Ui::for_user(&user, Area::Inbound, "recv.title");
    let (asn, report) = load(&state, &user, Area::Inbound, path.into_inner(), |c, a| {
        if a.received_at.is_some() { receiving::report(c, a.id, None).map(Some) } else { Ok(None) }
    })
    .await?;
    let me = user.actor();
    let open_carton = my_open_carton(&asn, &me);
    let open_lines = open_carton
        .and_then(|n| asn.cartons.iter().find(|c| c.carton_no == n))
        .map(|c| {
            c.items
                .iter()
                .map(|i| CartonLine {
                    sku_code: asn.line(i.sku_id).map(|l| l.sku_code.clone()).unwrap_or_default(),
                    expected: i.expected,
                    counted: i.counted + i.damaged,
                    over: i.counted + i.damaged > i.expected,
                })
                .collect()
        })
        .unwrap_or_default();
    let receiving = matches!(asn.status, AsnStatus::Submitted | AsnStatus::Arrived | AsnStatus::Receiving)
        && user.may(Area::Receiving);
    let tally = tally(&asn, user.lang);
    layout::page(
        StatusCode::OK,
        &ReceivingPage { ui, asn, tally, open_carton, open_lines, me, receiving, report },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiveScanForm {
    code: String,
    /// The carton the screen showed open when the unit was scanned.
    carton: String,
    quantity: String,
    damaged: String,
}

/// One scan at the receiving table: a carton label opens that carton (and
/// pauses the one this clerk had open); with a carton open, a unit barcode
/// counts into exactly the carton the screen showed.
pub async fn receive_scan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<ReceiveScanForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Receiving)?;
    let asn_no = path.into_inner();
    let here = format!("/console/receiving/{}", urlencode(&asn_no));
    let actor = user.actor();
    let code = form.code.trim().to_ascii_uppercase();
    let quantity = match form.quantity.trim() {
        "" => Some(1),
        q => q.parse::<i64>().ok(),
    };
    let shown: Option<i32> = form.carton.trim().parse().ok();
    let damaged = !form.damaged.is_empty();
    let (lang, now) = (user.lang, state.clock.now());
    let scanned = code.clone();
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &asn_no)?;
        let open = my_open_carton(&a, &actor);
        let is_label = a.cartons.iter().any(|c| c.label == code);
        let is_number = open.is_none() && code.parse::<i32>().is_ok();
        if is_label || is_number {
            let v = receiving::open_carton(tx, a.id, &code, &actor, now)?;
            let mut text = fill(lang, "recv.opened", &[("n", v.carton_no.to_string())]);
            if let Some(p) = v.paused {
                text = format!("{text} {}", fill(lang, "recv.paused", &[("n", p.to_string())]));
            }
            return Ok(if v.paused.is_some() { Flash::warn(text) } else { Flash::ok(text) });
        }
        let Some(open) = open else {
            return Err(AppError::invalid(
                "code",
                "carton_not_open",
                "Scan a carton's label first to open it.",
            ));
        };
        if shown.is_some_and(|s| s != open) {
            return Err(AppError::conflict(
                "carton_changed",
                format!("The screen showed another carton; you are counting carton {open} now: {open}"),
            ));
        }
        let Some(quantity) = quantity else {
            return Err(AppError::invalid("quantity", "not_positive", "must be a whole number above zero"));
        };
        let input = ScanInput { carton_no: open, barcode: code.clone(), quantity: Some(quantity), damaged };
        let r = receiving::scan(tx, a.id, &input, &actor)?;
        let sku = r.sku_code.clone().unwrap_or_else(|| code.clone());
        let args = [("q", r.quantity.to_string()), ("sku", sku), ("n", open.to_string())];
        let mut flash = match r.outcome {
            ScanOutcome::Counted => Flash::ok(fill(lang, "recv.counted_units", &args)),
            ScanOutcome::Damaged => Flash::warn(fill(lang, "recv.damaged_units", &args)),
            ScanOutcome::UnitNotOnShipment => Flash::warn(fill(lang, "recv.not_on_shipment", &args)),
        };
        if r.carton_over > 0 {
            let over = fill(
                lang,
                "recv.carton_over",
                &[("n", open.to_string()), ("over", r.carton_over.to_string())],
            );
            flash = Flash::warn(format!("{} {over}", flash.text));
        }
        Ok(flash)
    })
    .await;
    let flash = match result {
        Ok(f) => f,
        Err(e) => {
            let expected = match e.code() {
                "carton_not_open" => crate::console::i18n::t(lang, "recv.expected_label").to_owned(),
                "carton_changed" | "carton_taken" | "unknown_carton" | "carton_of_other_shipment" => {
                    String::new()
                }
                _ => crate::console::i18n::t(lang, "recv.expected_unit").to_owned(),
            };
            layout::refusal(&user, e)?.scanned(&scanned).expected(expected)
        }
    };
    Ok(layout::back(&user, &here, flash))
}

pub async fn close_carton(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::Receiving)?;
    let (asn_no, n) = path.into_inner();
    let here = format!("/console/receiving/{}", urlencode(&asn_no));
    let (actor, lang) = (user.actor(), user.lang);
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &asn_no)?;
        receiving::close_carton(tx, a.id, n, &actor)
    })
    .await
    .map(|_| Flash::ok(fill(lang, "recv.carton_closed", &[("n", n.to_string())])));
    layout::outcome(&user, &here, result)
}

#[derive(Template)]
#[template(path = "console/receipt_close.html")]
struct ClosePage {
    ui: Ui,
    asn: Asn,
    report: ReceiptReport,
    reasons: Vec<Choice>,
}

/// The confirm step of closing a receipt that is short: what is missing,
/// and why (chosen on purpose; a note for "other").
pub async fn close_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Receiving)?;
    let ui = Ui::for_user(&user, Area::Inbound, "recv.close_title");
    let (asn, report) =
        load(&state, &user, Area::Inbound, path.into_inner(), |c, a| receiving::report(c, a.id, None))
            .await?;
    let values: Vec<&str> = ShortReason::ALL.iter().map(|r| r.as_str()).collect();
    let reasons = reasons(&ui, "short_reason", &values, ui.kept("reason"));
    layout::page(StatusCode::OK, &ClosePage { ui, asn, report, reasons })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    reason: String,
    note: String,
}

/// Closes the receipt. Short of what the shipment lists, it asks first:
/// without a reason chosen, the worker is sent to the confirm step.
pub async fn close_receipt(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<CloseForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Receiving)?;
    let asn_no = path.into_inner();
    let here = format!("/console/receiving/{}", urlencode(&asn_no));
    let confirm = format!("{here}/close");
    let kept = [("reason", form.reason.as_str()), ("note", form.note.as_str())];
    let short_close = match form.reason.trim() {
        "" => None,
        r => match ShortReason::from_db(r) {
            Some(reason) => Some(ShortClose { reason, note: form.note.clone() }),
            None => return Err(error::bad_form(&user)),
        },
    };
    let (actor, qc, lang) = (user.actor(), state.config.qc, user.lang);
    let no = asn_no.clone();
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        // Open cartons first: asking why it is short makes no sense while
        // counts are still to be booked.
        receiving::ensure_cartons_closed(tx, a.id)?;
        let short = receiving::report(tx, a.id, None)?.total_short;
        if short > 0 && short_close.is_none() {
            return Ok(None);
        }
        receiving::close_receipt(tx, a.id, &actor, &qc, short_close.as_ref()).map(Some)
    })
    .await;
    match result {
        Ok(Some(_)) => {
            Ok(layout::back(&user, &here, Flash::ok(crate::console::i18n::t(lang, "recv.receipt_closed"))))
        }
        // Short: nothing was closed; the confirm step asks why.
        Ok(None) => Ok(layout::see_other(&confirm)),
        Err(e) if !form.reason.is_empty() => {
            Ok(layout::back(&user, &confirm, layout::refusal(&user, e)?.with_form(kept)))
        }
        Err(e) => Ok(layout::back(&user, &here, layout::refusal(&user, e)?)),
    }
}

// ---- quality inspection

/// A QC inspector's step: the unit scanned and waiting for its verdict,
/// and a rejecting defect waiting for its confirm.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct QcWork {
    asn_no: String,
    sku_id: SkuId,
    /// Which sample unit of the lot (1-based).
    unit_no: i32,
    /// A defect that rejects the lot, waiting for the confirm.
    #[serde(default)]
    pending: Option<(DefectCode, String)>,
}

#[derive(Template)]
#[template(path = "console/qc.html")]
struct QcPage {
    ui: Ui,
    asn: Asn,
    lots: Vec<Lot>,
    /// The lot being inspected now: the one with a unit scanned, else the
    /// first undecided one.
    current: Option<Lot>,
    /// The unit scanned, waiting for its verdict.
    unit: Option<i32>,
    defects: Vec<Choice>,
}

async fn qc_state(
    state: &AppState,
    user: &ConsoleUser,
    asn_no: String,
) -> Result<(Asn, Vec<Lot>, Option<QcWork>), ConsoleError> {
    let me = user.user_id;
    let (asn, (lots, work)) = load(state, user, Area::Qc, asn_no.clone(), move |c, a| {
        let lots = qc::lots(c, a.id, None)?;
        let work = work::load::<QcWork>(c, me, Screen::Qc)?.filter(|w| {
            w.asn_no == asn_no
                && lots.iter().any(|l| l.sku_id == w.sku_id && !l.is_decided() && l.sampled + 1 == w.unit_no)
        });
        Ok((lots, work))
    })
    .await?;
    Ok((asn, lots, work))
}

pub async fn qc(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Qc)?;
    let ui = Ui::for_user(&user, Area::Inbound, "qc.title");
    let (asn, lots, work) = qc_state(&state, &user, path.into_inner()).await?;
    let current = match &work {
        Some(w) => lots.iter().find(|l| l.sku_id == w.sku_id).cloned(),
        None => lots.iter().find(|l| !l.is_decided()).cloned(),
    };
    let values: Vec<&str> = DefectCode::ALL.iter().map(|d| d.as_str()).collect();
    let defects = reasons(&ui, "defect", &values, ui.kept("defect_code"));
    layout::page(StatusCode::OK, &QcPage { ui, asn, lots, current, unit: work.map(|w| w.unit_no), defects })
}

/// A sample unit scanned at the QC table: it must be a unit of a lot still
/// being inspected on this shipment. Its verdict is recorded by hand next.
pub async fn qc_scan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<CodeForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Qc)?;
    let asn_no = path.into_inner();
    let here = format!("/console/qc/{}", urlencode(&asn_no));
    let code = form.code.trim().to_ascii_uppercase();
    let (me, lang) = (user.user_id, user.lang);
    let (c2, no) = (code.clone(), asn_no.clone());
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        let lots = qc::lots(tx, a.id, None)?;
        let open: Vec<&Lot> = lots.iter().filter(|l| !l.is_decided()).collect();
        if let Some(w) = work::load::<QcWork>(tx, me, Screen::Qc)?
            && w.asn_no == no
            && let Some(l) = open.iter().find(|l| l.sku_id == w.sku_id && l.sampled + 1 == w.unit_no)
        {
            return Err(AppError::conflict(
                "verdict_pending",
                format!("Record the verdict of unit {} of {} first: {}", w.unit_no, l.sku_code, l.sku_code),
            ));
        }
        let Some(lot) = open.iter().find(|l| l.barcode == c2) else {
            return Err(match crate::catalog::service::by_barcode(tx, &c2)? {
                None => {
                    AppError::invalid("code", "unknown_barcode", format!("No product has the barcode {c2}."))
                }
                Some(s) if s.supplier_id != a.supplier_id => AppError::invalid(
                    "code",
                    "other_supplier",
                    format!("{c2} is another supplier's product ({}), not on this shipment.", s.sku_code),
                ),
                Some(s) => AppError::invalid(
                    "code",
                    "not_in_inspection",
                    format!("{c2} is {}, which is not being inspected on this shipment.", s.sku_code),
                ),
            });
        };
        let unit_no = lot.sampled + 1;
        work::save(
            tx,
            me,
            Screen::Qc,
            &QcWork { asn_no: no.clone(), sku_id: lot.sku_id, unit_no, pending: None },
        )?;
        Ok(Flash::ok(fill(
            lang,
            "qc.unit_scanned",
            &[("n", unit_no.to_string()), ("of", lot.sample_size.to_string()), ("sku", lot.sku_code.clone())],
        )))
    })
    .await;
    let flash = match result {
        Ok(f) => f,
        Err(e) => {
            // What this table expects: a unit of a lot still being inspected.
            let lots = crate::db::run(&state.pool, move |c| {
                let a = asn::by_no(c, &asn_no)?;
                qc::lots(c, a.id, None)
            })
            .await
            .unwrap_or_default();
            let expected = lots
                .iter()
                .filter(|l| !l.is_decided())
                .map(|l| format!("{} ({})", l.barcode, l.sku_code))
                .collect::<Vec<_>>()
                .join(", ");
            layout::refusal(&user, e)?.scanned(&code).expected(expected)
        }
    };
    Ok(layout::back(&user, &here, flash))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VerdictForm {
    sku_id: String,
    unit_no: String,
    result: String,
    defect_code: String,
    note: String,
    /// Set by the confirm step of a rejecting defect.
    confirm: String,
}

/// The verdict of the scanned unit: pass or a defect, by an explicit
/// action. It must be for the unit the inspector scanned (a stale or
/// repeated submit is refused); a defect that rejects the lot goes to the
/// confirm step first.
pub async fn qc_verdict(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<VerdictForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Qc)?;
    let asn_no = path.into_inner();
    let here = format!("/console/qc/{}", urlencode(&asn_no));
    let confirm_page = format!("{here}/reject");
    let kept = [("defect_code", form.defect_code.as_str()), ("note", form.note.as_str())];
    let (Ok(sku), Ok(unit_no)) = (form.sku_id.parse::<SkuId>(), form.unit_no.trim().parse::<i32>()) else {
        return Err(error::bad_form(&user));
    };
    let (result, defect_code) = match form.result.as_str() {
        "pass" => (SampleResult::Pass, None),
        "defect" => match form.defect_code.trim() {
            "" => {
                let e = AppError::invalid(
                    "defect_code",
                    "reason_required",
                    "Choose what is wrong with the unit.",
                );
                return Ok(layout::back(&user, &here, layout::refusal(&user, e)?.with_form(kept)));
            }
            c => (SampleResult::Defect, Some(DefectCode::from_db(c).ok_or_else(|| error::bad_form(&user))?)),
        },
        _ => return Err(error::bad_form(&user)),
    };
    let confirmed = form.confirm == "1";
    let (me, actor, lang, note) = (user.user_id, user.actor(), user.lang, form.note.clone());
    let no = asn_no.clone();
    let outcome = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        let lots = qc::lots(tx, a.id, None)?;
        let lot = lots.iter().find(|l| l.sku_id == sku).ok_or(AppError::not_found("inspection lot"))?;
        let work = work::load::<QcWork>(tx, me, Screen::Qc)?;
        let scanned =
            work.as_ref().is_some_and(|w| w.asn_no == no && w.sku_id == sku && w.unit_no == unit_no);
        if !scanned || lot.is_decided() || lot.sampled + 1 != unit_no {
            return Err(AppError::conflict(
                "unit_not_scanned",
                "Scan the sample unit first; a verdict is recorded for the unit just scanned.",
            ));
        }
        if lot.would_decide(defect_code) == Some(InspectionStatus::Rejected) && !confirmed {
            let pending = defect_code.map(|d| (d, note.clone()));
            work::save(tx, me, Screen::Qc, &QcWork { asn_no: no.clone(), sku_id: sku, unit_no, pending })?;
            return Ok(None);
        }
        let input = SampleInput { result, defect_code, note: note.clone(), photo_url: None };
        let lot = qc::record_sample(tx, a.id, sku, &input, &actor)?;
        work::clear(tx, me, Screen::Qc)?;
        Ok(Some(lot))
    })
    .await;
    match outcome {
        Ok(None) => Ok(layout::see_other(&confirm_page)),
        Ok(Some(lot)) => {
            let args = [
                ("sku", lot.sku_code.clone()),
                ("n", lot.sampled.to_string()),
                ("of", lot.sample_size.to_string()),
            ];
            let flash = match lot.status {
                InspectionStatus::Accepted => Flash::ok(fill(lang, "qc.accepted", &args)),
                InspectionStatus::Rejected => Flash::warn(fill(lang, "qc.rejected", &args)),
                _ => Flash::ok(fill(lang, "qc.recorded", &args)),
            };
            Ok(layout::back(&user, &here, flash))
        }
        Err(e) => {
            let to = if confirmed { &confirm_page } else { &here };
            Ok(layout::back(&user, to, layout::refusal(&user, e)?.with_form(kept)))
        }
    }
}

#[derive(Template)]
#[template(path = "console/qc_reject.html")]
struct QcRejectPage {
    ui: Ui,
    asn: Asn,
    lot: Lot,
    unit_no: i32,
    defect: String,
    defect_code: String,
    note: String,
}

/// The confirm step of a defect that rejects the whole lot.
pub async fn qc_reject_form(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Qc)?;
    let asn_no = path.into_inner();
    let ui = Ui::for_user(&user, Area::Inbound, "qc.reject_title");
    let (asn, lots, work) = qc_state(&state, &user, asn_no.clone()).await?;
    let Some((w, (code, note))) = work.and_then(|w| w.pending.clone().map(|p| (w, p))) else {
        return Ok(layout::see_other(&format!("/console/qc/{}", urlencode(&asn_no))));
    };
    let Some(lot) = lots.into_iter().find(|l| l.sku_id == w.sku_id) else {
        return Ok(layout::see_other(&format!("/console/qc/{}", urlencode(&asn_no))));
    };
    let defect = ui.word("defect", code.as_str());
    layout::page(
        StatusCode::OK,
        &QcRejectPage {
            ui,
            asn,
            lot,
            unit_no: w.unit_no,
            defect,
            defect_code: code.as_str().to_owned(),
            note,
        },
    )
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
    let here = format!("/console/qc/{}", urlencode(&path.into_inner()));
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
    let result =
        crate::db::transact(&state.pool, move |tx| crate::catalog::service::record_measurements(tx, sku, &m))
            .await
            .map(|s| Flash::ok(fill(lang, "qc.measured", &[("sku", s.sku_code)])));
    let kept = [
        ("weight_g", form.weight_g.as_str()),
        ("length_mm", form.length_mm.as_str()),
        ("width_mm", form.width_mm.as_str()),
        ("height_mm", form.height_mm.as_str()),
    ];
    match result {
        Ok(f) => Ok(layout::back(&user, &here, f)),
        Err(e) => Ok(layout::back(&user, &here, layout::refusal(&user, e)?.with_form(kept))),
    }
}

// ---- putaway

/// A putaway clerk's step: the unit scanned, and a bin other than the
/// suggestion waiting for the confirm.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PutawayWork {
    asn_no: String,
    barcode: String,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    pending_bin: Option<String>,
}

#[derive(Template)]
#[template(path = "console/putaway.html")]
struct PutawayPage {
    ui: Ui,
    asn: Asn,
    tasks: Vec<PutawayTask>,
    /// The task whose unit was scanned: now scan the bin.
    chosen: Option<PutawayTask>,
    /// A bin other than the suggestion, waiting for the confirm.
    pending_bin: Option<String>,
    quantity: String,
}

pub async fn putaway(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Putaway)?;
    let ui = Ui::for_user(&user, Area::Inbound, "putaway.title");
    let asn_no = path.into_inner();
    let me = user.user_id;
    let no = asn_no.clone();
    let (asn, (tasks, work)) = load(&state, &user, Area::Putaway, asn_no, move |c, a| {
        let tasks = putaway::tasks(c, a.id)?;
        let work = work::load::<PutawayWork>(c, me, Screen::Putaway)?.filter(|w| w.asn_no == no);
        Ok((tasks, work))
    })
    .await?;
    let chosen = work.as_ref().and_then(|w| tasks.iter().find(|t| t.barcode == w.barcode).cloned());
    let pending_bin = chosen.as_ref().and(work.as_ref()).and_then(|w| w.pending_bin.clone());
    let quantity = match (&chosen, work.as_ref().and_then(|w| w.quantity)) {
        (Some(_), _) if !ui.kept("quantity").is_empty() => ui.kept("quantity").to_owned(),
        (Some(_), Some(q)) => q.to_string(),
        (Some(t), None) => t.remaining.to_string(),
        _ => String::new(),
    };
    layout::page(StatusCode::OK, &PutawayPage { ui, asn, tasks, chosen, pending_bin, quantity })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PutawayForm {
    code: String,
    quantity: String,
}

enum PutawayStep {
    /// The unit was scanned: now the bin.
    Chosen(String),
    /// Another bin than the suggestion: it waits for the confirm.
    Confirm(String, Option<String>),
    Done(Box<putaway::PutawayResult>),
}

/// One scan at putaway: a unit of the shipment picks the SKU; then a bin.
/// The suggested bin puts the units away at once; another one waits for an
/// explicit confirm.
pub async fn putaway_scan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<PutawayForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Putaway)?;
    let asn_no = path.into_inner();
    let here = format!("/console/putaway/{}", urlencode(&asn_no));
    let code = form.code.trim().to_ascii_uppercase();
    let quantity = match form.quantity.trim() {
        "" => None,
        q => match q.parse::<i64>() {
            Ok(q) => Some(q),
            Err(_) => {
                let e = AppError::invalid("quantity", "not_positive", "must be a whole number above zero");
                return Ok(layout::back(&user, &here, layout::refusal(&user, e)?));
            }
        },
    };
    let (me, actor, lang) = (user.user_id, user.actor(), user.lang);
    let (c2, no) = (code.clone(), asn_no.clone());
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &no)?;
        let tasks = putaway::tasks(tx, a.id)?;
        let work = work::load::<PutawayWork>(tx, me, Screen::Putaway)?.filter(|w| w.asn_no == no);
        let chosen = work.as_ref().and_then(|w| tasks.iter().find(|t| t.barcode == w.barcode));
        // A unit of this shipment (also in the bin step: another unit switches).
        if let Some(t) = tasks.iter().find(|t| t.barcode == c2) {
            let w = PutawayWork {
                asn_no: no.clone(),
                barcode: t.barcode.clone(),
                quantity: None,
                pending_bin: None,
            };
            work::save(tx, me, Screen::Putaway, &w)?;
            return Ok(PutawayStep::Chosen(t.sku_code.clone()));
        }
        let Some(task) = chosen else {
            return Err(match crate::catalog::service::by_barcode(tx, &c2)? {
                None => {
                    AppError::invalid("code", "unknown_barcode", format!("No product has the barcode {c2}."))
                }
                Some(s) => AppError::invalid(
                    "code",
                    "not_waiting_here",
                    format!("{c2} is {}, which is not waiting for putaway on this shipment.", s.sku_code),
                ),
            });
        };
        let suggested = task.suggestion.as_ref().map(|s| s.bin_code.clone());
        let bin = crate::warehouse::service::storage_bin(tx, "bin", &c2)?;
        let quantity = quantity.or(work.as_ref().and_then(|w| w.quantity));
        if suggested.as_deref() != Some(bin.code.as_str()) {
            // Refused bins say so now, before anyone is asked to confirm.
            crate::stock::service::ensure_sole_occupant(tx, &bin, a.supplier_id, task.sku_id)?;
            let w = PutawayWork {
                asn_no: no.clone(),
                barcode: task.barcode.clone(),
                quantity,
                pending_bin: Some(bin.code.clone()),
            };
            work::save(tx, me, Screen::Putaway, &w)?;
            return Ok(PutawayStep::Confirm(bin.code, suggested));
        }
        let input =
            PutawayInput { sku_id: Some(task.sku_id), barcode: None, bin: bin.code.clone(), quantity };
        let r = putaway::confirm(tx, a.id, &input, &actor)?;
        work::clear(tx, me, Screen::Putaway)?;
        Ok(PutawayStep::Done(Box::new(r)))
    })
    .await;
    let flash = match result {
        Ok(PutawayStep::Chosen(sku)) => Flash::ok(fill(lang, "putaway.unit_scanned", &[("sku", sku)])),
        Ok(PutawayStep::Confirm(bin, suggested)) => Flash::warn(fill(
            lang,
            "putaway.off_suggestion",
            &[("bin", bin), ("suggested", suggested.unwrap_or_else(|| "—".into()))],
        )),
        Ok(PutawayStep::Done(r)) => putaway_done(lang, *r),
        Err(e) => {
            // What this step expects: the suggested bin once a unit is
            // scanned, else a unit waiting here.
            let expected = crate::db::run(&state.pool, move |c| {
                let a = asn::by_no(c, &asn_no)?;
                let tasks = putaway::tasks(c, a.id)?;
                let chosen = work::load::<PutawayWork>(c, me, Screen::Putaway)?
                    .filter(|w| w.asn_no == asn_no)
                    .and_then(|w| tasks.iter().find(|t| t.barcode == w.barcode).cloned());
                Ok(match chosen {
                    Some(t) => t.suggestion.map(|s| s.bin_code).unwrap_or_default(),
                    None => tasks.iter().map(|t| t.barcode.clone()).collect::<Vec<_>>().join(", "),
                })
            })
            .await
            .unwrap_or_default();
            layout::refusal(&user, e)?
                .scanned(&code)
                .expected(expected)
                .with_form([("quantity", form.quantity.as_str())])
        }
    };
    Ok(layout::back(&user, &here, flash))
}

fn putaway_done(lang: Lang, r: putaway::PutawayResult) -> Flash {
    let args = [("q", r.quantity.to_string()), ("sku", r.sku_code), ("bin", r.bin_code)];
    let mut text = fill(lang, "putaway.done", &args);
    if r.asn.status == AsnStatus::Completed {
        text = format!("{text} {}", crate::console::i18n::t(lang, "putaway.completed"));
    }
    Flash::ok(text)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PutawayConfirmForm {
    bin: String,
    quantity: String,
}

/// The explicit confirm of a bin other than the suggestion: only for the
/// bin the worker scanned.
pub async fn putaway_confirm(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<PutawayConfirmForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Putaway)?;
    let asn_no = path.into_inner();
    let here = format!("/console/putaway/{}", urlencode(&asn_no));
    let quantity = match form.quantity.trim() {
        "" => None,
        q => Some(q.parse::<i64>().map_err(|_| error::bad_form(&user))?),
    };
    let (me, actor, lang) = (user.user_id, user.actor(), user.lang);
    let bin = form.bin.trim().to_ascii_uppercase();
    let result = crate::db::transact(&state.pool, move |tx| {
        let a = asn::by_no(tx, &asn_no)?;
        let work = work::load::<PutawayWork>(tx, me, Screen::Putaway)?
            .filter(|w| w.asn_no == asn_no && w.pending_bin.as_deref() == Some(bin.as_str()))
            .ok_or_else(|| {
                AppError::conflict(
                    "bin_not_scanned",
                    "Scan the bin first; a confirm is for the bin just scanned.",
                )
            })?;
        let input = PutawayInput {
            sku_id: None,
            barcode: Some(work.barcode.clone()),
            bin: bin.clone(),
            quantity: quantity.or(work.quantity),
        };
        let r = putaway::confirm(tx, a.id, &input, &actor)?;
        work::clear(tx, me, Screen::Putaway)?;
        Ok(r)
    })
    .await
    .map(|r| putaway_done(lang, r));
    layout::outcome(&user, &here, result)
}

/// Sets the scanned unit aside (start again with another one).
pub async fn putaway_reset(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::Putaway)?;
    let here = format!("/console/putaway/{}", urlencode(&path.into_inner()));
    let me = user.user_id;
    crate::db::transact(&state.pool, move |tx| work::clear(tx, me, Screen::Putaway)).await?;
    Ok(layout::see_other(&here))
}
