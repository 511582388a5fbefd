//! At the dock and the receiving table: check-in by scan, refusal, counting
//! cartons unit by unit, closing the receipt with its discrepancy report.
//!
//! Two clerks never count the same carton: a carton is opened by one clerk
//! (the open is a guarded update under the shipment's lock) and only that
//! clerk's scans count into it until it is closed.

use serde::{Deserialize, Serialize};

use super::asn::{self, Asn, status_of};
use super::domain::{AsnAction, AsnStatus, DockRejectReason, ExceptionKind};
use super::store::{self, AsnRow, CartonRow, ExceptionRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::catalog;
use crate::ids::{AsnId, ExceptionId, SkuId};
use crate::stock::{self, Bucket, Movement, Place, Reason};

/// What a scan at the dock found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckIn {
    pub asn: Asn,
    /// The carton scanned, if a carton label was scanned.
    pub carton_no: Option<i32>,
    /// True if this scan checked the shipment in (its first scan).
    pub arrived_now: bool,
    /// True if the carton had already been scanned.
    pub carton_already_scanned: bool,
}

enum Scanned {
    Carton(AsnRow, CartonRow),
    Shipment(AsnRow),
}

fn find_code(conn: &mut DbConn, code: &str) -> Result<Scanned, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(AppError::invalid("code", "required", "Scan a tracking number or a carton label."));
    }
    if let Some(c) = store::carton_by_label(conn, &code)? {
        let a = store::asn(conn, c.asn_id)?.ok_or(AppError::not_found("shipment"))?;
        return Ok(Scanned::Carton(a, c));
    }
    let mut shipments = store::asns_by_tracking(conn, &code)?;
    if shipments.len() > 1 {
        let numbers: Vec<&str> = shipments.iter().map(|a| a.asn_no.as_str()).collect();
        return Err(AppError::invalid(
            "code",
            "ambiguous_tracking",
            format!(
                "Tracking number {code} belongs to {} shipments ({}): scan a carton label or the shipment number.",
                numbers.len(),
                numbers.join(", ")
            ),
        ));
    }
    if let Some(a) = shipments.pop() {
        return Ok(Scanned::Shipment(a));
    }
    if let Some(a) = store::asn_by_no(conn, &code)? {
        return Ok(Scanned::Shipment(a));
    }
    Err(AppError::invalid(
        "code",
        "unknown_code",
        format!(
            "No shipment or carton has the code {code}. Check the label, or set the carton aside as unknown."
        ),
    ))
}

/// The shipment number a scanned tracking number, carton label or shipment
/// number belongs to, if any (for the console's global scan field).
pub fn asn_no_for_code(conn: &mut DbConn, code: &str) -> Result<Option<String>, AppError> {
    match find_code(conn, code) {
        Ok(Scanned::Carton(a, _)) | Ok(Scanned::Shipment(a)) => Ok(Some(a.asn_no)),
        Err(AppError::Validation { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Scans a tracking number or a carton label at the dock: the shipment is
/// checked in (once) and the carton counted as arrived (once).
/// `now` decides whether the shipment arrived late.
pub fn check_in(tx: &mut DbConn, code: &str, actor: &str, now: Timestamp) -> Result<CheckIn, AppError> {
    let (row, carton) = match find_code(tx, code)? {
        Scanned::Carton(a, c) => (a, Some(c)),
        Scanned::Shipment(a) => (a, None),
    };
    let row = asn::lock(tx, row.id, None)?;
    let mut arrived_now = false;
    match status_of(&row)? {
        AsnStatus::Submitted => {
            arrive(tx, &row, actor, now)?;
            arrived_now = true;
        }
        AsnStatus::Arrived | AsnStatus::Receiving => {}
        _ => {
            status_of(&row)?.next(AsnAction::CheckIn)?;
        }
    }
    let mut already = false;
    if let Some(c) = &carton {
        already = !mark_carton_arrived(tx, row.id, c.carton_no)?;
    }
    Ok(CheckIn {
        asn: asn::get(tx, row.id, None)?,
        carton_no: carton.map(|c| c.carton_no),
        arrived_now,
        carton_already_scanned: already,
    })
}

fn arrive(tx: &mut DbConn, row: &AsnRow, _actor: &str, now: Timestamp) -> Result<Asn, AppError> {
    let late = super::performance::arrived_late(tx, row.id, now)?;
    let a = asn::transition(
        tx,
        row,
        AsnAction::CheckIn,
        catalog::ASN_ARRIVED,
        serde_json::json!({"arrival_late": late, "carton_count": row.carton_count}),
        now,
    )?;
    if late {
        super::performance::charge_late_arrival(tx, &a)?;
    }
    Ok(a)
}

/// Returns false if the carton had already arrived.
fn mark_carton_arrived(tx: &mut DbConn, asn_id: AsnId, carton_no: i32) -> Result<bool, AppError> {
    Ok(store::mark_carton_arrived(tx, asn_id, carton_no, Timestamp::now())?)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    pub reason: DockRejectReason,
    #[serde(default)]
    pub note: String,
}

/// Refuses a whole shipment at the dock; it goes back as it came.
pub fn reject(tx: &mut DbConn, id: AsnId, input: &RejectInput) -> Result<Asn, AppError> {
    let note = input.note.trim().chars().take(500).collect::<String>();
    if input.reason.needs_note() && note.is_empty() {
        return Err(AppError::invalid(
            "note",
            "note_required",
            "Say why in the note when the reason is other.",
        ));
    }
    let row = asn::lock(tx, id, None)?;
    status_of(&row)?.next(AsnAction::RejectAtDock)?;
    store::set_reject_reason(tx, id, input.reason.as_str(), &note)?;
    asn::transition(
        tx,
        &row,
        AsnAction::RejectAtDock,
        catalog::ASN_REJECTED,
        serde_json::json!({"reason": input.reason, "note": note}),
        Timestamp::now(),
    )
}

fn carton(tx: &mut DbConn, asn_id: AsnId, carton_no: i32) -> Result<CartonRow, AppError> {
    store::carton(tx, asn_id, carton_no)?.ok_or_else(|| {
        AppError::invalid("carton_no", "unknown_carton", format!("The shipment has no carton {carton_no}."))
    })
}

/// A carton at the receiving table, as the screen shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CartonView {
    pub asn: Asn,
    pub carton_no: i32,
    /// The carton this clerk was counting before and has paused to open
    /// this one (its counts are kept; scanning its label resumes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paused: Option<i32>,
}

/// Opens a carton for counting by `actor` (scan its label or give its
/// number). Starts receiving on the shipment if this is its first carton
/// (checking it in if nobody did at the dock). A clerk counts one carton at
/// a time: a carton they had open on this shipment is paused (its counts
/// are kept, and scanning its label again resumes it), so that every unit
/// is counted into the carton on the screen.
pub fn open_carton(
    tx: &mut DbConn,
    id: AsnId,
    label_or_no: &str,
    actor: &str,
    now: Timestamp,
) -> Result<CartonView, AppError> {
    let row = asn::lock(tx, id, None)?;
    let code = label_or_no.trim().to_ascii_uppercase();
    let carton_no = match code.parse::<i32>() {
        Ok(n) => n,
        Err(_) => match store::carton_by_label(tx, &code)? {
            Some(c) if c.asn_id == id => c.carton_no,
            Some(_) => {
                return Err(AppError::conflict(
                    "carton_of_other_shipment",
                    format!("Carton {code} belongs to another shipment."),
                ));
            }
            None => {
                return Err(AppError::invalid(
                    "carton",
                    "unknown_carton",
                    format!("No carton has the label {code}. Record it as an unknown carton."),
                ));
            }
        },
    };
    let c = carton(tx, id, carton_no)?;
    let row = match status_of(&row)? {
        AsnStatus::Submitted => {
            arrive(tx, &row, actor, now)?;
            start_receiving(tx, id)?
        }
        AsnStatus::Arrived => start_receiving(tx, id)?,
        AsnStatus::Receiving => row,
        other => {
            return Err(AppError::conflict(
                "illegal_transition",
                format!("The shipment is {other}; its cartons are not being received."),
            ));
        }
    };
    if c.closed_at.is_some() {
        return Err(AppError::conflict(
            "carton_closed",
            format!("Carton {carton_no} has already been counted."),
        ));
    }
    // The guarded update is what stops two clerks: only one can take a free carton.
    let n = store::take_carton(tx, id, carton_no, actor, Timestamp::now())?;
    if n == 0 {
        return Err(AppError::conflict(
            "carton_taken",
            format!("Carton {carton_no} is being counted by {}.", c.receiving_by.unwrap_or_default()),
        ));
    }
    let paused = store::other_carton_open_by(tx, id, carton_no, actor)?;
    if let Some(p) = paused {
        store::pause_carton(tx, id, p)?;
    }
    mark_carton_arrived(tx, id, carton_no)?;
    Ok(CartonView { asn: asn::get(tx, row.id, None)?, carton_no, paused })
}

fn start_receiving(tx: &mut DbConn, id: AsnId) -> Result<AsnRow, AppError> {
    let row = store::asn(tx, id)?.ok_or(AppError::not_found("shipment"))?;
    asn::transition(
        tx,
        &row,
        AsnAction::StartReceiving,
        catalog::ASN_RECEIVING_STARTED,
        serde_json::json!({}),
        Timestamp::now(),
    )?;
    store::asn(tx, id)?.ok_or(AppError::not_found("shipment"))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanInput {
    pub carton_no: i32,
    /// The unit's barcode, as scanned.
    pub barcode: String,
    /// Units of this barcode (scan once, key the count). Default 1.
    #[serde(default)]
    pub quantity: Option<i64>,
    /// The units are damaged.
    #[serde(default)]
    pub damaged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    Counted,
    Damaged,
    /// The SKU is not on this shipment: set the unit aside; recorded as an
    /// exception, not counted.
    UnitNotOnShipment,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanResult {
    pub outcome: ScanOutcome,
    pub sku_code: Option<String>,
    pub quantity: i32,
    pub view: CartonView,
    /// Units of this scan beyond what the carton's label says it holds of
    /// the SKU: recorded at once as an `over` exception of the carton.
    pub carton_over: i32,
}

/// Counts units into the carton `actor` has open.
pub fn scan(tx: &mut DbConn, id: AsnId, input: &ScanInput, actor: &str) -> Result<ScanResult, AppError> {
    let row = asn::lock(tx, id, None)?;
    if status_of(&row)? != AsnStatus::Receiving {
        return Err(AppError::conflict(
            "illegal_transition",
            format!(
                "The shipment is {}; units are counted only while it is being received.",
                status_of(&row)?
            ),
        ));
    }
    let quantity = crate::values::positive_i32("quantity", input.quantity.unwrap_or(1), 10_000)
        .map_err(|e| AppError::validation(vec![e]))?;
    let c = carton(tx, id, input.carton_no)?;
    if c.closed_at.is_some() {
        return Err(AppError::conflict(
            "carton_closed",
            format!("Carton {} has already been counted.", c.carton_no),
        ));
    }
    match c.receiving_by.as_deref() {
        Some(by) if by == actor => {}
        Some(by) => {
            return Err(AppError::conflict(
                "carton_taken",
                format!("Carton {} is being counted by {by}.", c.carton_no),
            ));
        }
        None => {
            return Err(AppError::conflict(
                "carton_not_open",
                format!("Scan carton {}'s label first to open it.", c.carton_no),
            ));
        }
    }
    let code = input.barcode.trim().to_ascii_uppercase();
    let Some(sku) = crate::catalog::service::by_barcode(tx, &code)? else {
        return Err(AppError::invalid(
            "barcode",
            "unknown_barcode",
            format!("No product has the barcode {code}. Scan again, or set the unit aside."),
        ));
    };
    let on_shipment = store::lines(tx, id)?.iter().any(|l| l.sku_id == sku.id);
    if !on_shipment {
        // Another supplier's product is recorded by barcode only.
        let own = sku.supplier_id == row.supplier_id;
        record_exception(
            tx,
            Exception {
                asn: id,
                carton_no: Some(c.carton_no),
                kind: ExceptionKind::UnitNotOnShipment,
                sku: own.then_some(sku.id),
                code: code.clone(),
                quantity,
                note: String::new(),
                reason: None,
            },
            actor,
        )?;
        return Ok(ScanResult {
            outcome: ScanOutcome::UnitNotOnShipment,
            sku_code: own.then_some(sku.sku_code),
            quantity,
            view: CartonView { asn: asn::get(tx, id, None)?, carton_no: c.carton_no, paused: None },
            carton_over: 0,
        });
    }
    let before = store::carton_item_counts(tx, id, c.carton_no, sku.id)?;
    let (good, bad) = if input.damaged { (0, quantity) } else { (quantity, 0) };
    // On the shipment but not packed in this carton: counted all the same.
    store::count_into_carton(tx, id, c.carton_no, sku.id, good, bad)?;
    if input.damaged {
        record_exception(
            tx,
            Exception {
                asn: id,
                carton_no: Some(c.carton_no),
                kind: ExceptionKind::Damaged,
                sku: Some(sku.id),
                code: code.clone(),
                quantity,
                note: String::new(),
                reason: None,
            },
            actor,
        )?;
    }
    // More in the carton than its label says: raised now, while the clerk
    // still holds the carton, not discovered at the end of the receipt.
    let (expected, was) = before.map_or((0, 0), |(e, c, d)| (e, c + d));
    let carton_over = (was + quantity - expected).max(0) - (was - expected).max(0);
    if carton_over > 0 {
        record_exception(
            tx,
            Exception {
                asn: id,
                carton_no: Some(c.carton_no),
                kind: ExceptionKind::Over,
                sku: Some(sku.id),
                code: code.clone(),
                quantity: carton_over,
                note: String::new(),
                reason: None,
            },
            actor,
        )?;
    }
    Ok(ScanResult {
        outcome: if input.damaged { ScanOutcome::Damaged } else { ScanOutcome::Counted },
        sku_code: Some(sku.sku_code),
        quantity,
        view: CartonView { asn: asn::get(tx, id, None)?, carton_no: c.carton_no, paused: None },
        carton_over,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnknownCartonInput {
    /// What the carton's label says, if anything.
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub note: String,
}

/// A receiving exception about to be recorded.
struct Exception {
    asn: AsnId,
    carton_no: Option<i32>,
    kind: ExceptionKind,
    sku: Option<SkuId>,
    /// The barcode or label scanned.
    code: String,
    quantity: i32,
    note: String,
    /// The reason chosen for a short receipt.
    reason: Option<&'static str>,
}

fn record_exception(tx: &mut DbConn, e: Exception, actor: &str) -> Result<(), AppError> {
    store::insert_exception(
        tx,
        &ExceptionRow {
            id: ExceptionId::generate(),
            asn_id: e.asn,
            carton_no: e.carton_no,
            kind: e.kind.as_str().into(),
            sku_id: e.sku,
            code: e.code,
            quantity: e.quantity,
            note: e.note,
            actor: actor.into(),
            created_at: Timestamp::now(),
            reason: e.reason.map(str::to_owned),
            resolved_at: None,
            resolved_by: None,
            resolution: None,
        },
    )?;
    Ok(())
}

/// Records a carton that came with the shipment but is on no shipment.
pub fn unknown_carton(
    tx: &mut DbConn,
    id: AsnId,
    input: &UnknownCartonInput,
    actor: &str,
) -> Result<Asn, AppError> {
    let row = asn::lock(tx, id, None)?;
    if !status_of(&row)?.has_arrived() || status_of(&row)?.is_final() {
        return Err(AppError::conflict(
            "illegal_transition",
            format!(
                "The shipment is {}; exceptions are recorded while it is at the warehouse.",
                status_of(&row)?
            ),
        ));
    }
    record_exception(
        tx,
        Exception {
            asn: id,
            carton_no: None,
            kind: ExceptionKind::UnknownCarton,
            sku: None,
            code: input.label.trim().chars().take(80).collect(),
            quantity: 0,
            note: input.note.trim().chars().take(500).collect(),
            reason: None,
        },
        actor,
    )?;
    asn::get(tx, id, None)
}

/// Closes the carton `actor` is counting: what was counted enters the
/// books (good units to receiving, damaged to damaged).
pub fn close_carton(tx: &mut DbConn, id: AsnId, carton_no: i32, actor: &str) -> Result<CartonView, AppError> {
    let row = asn::lock(tx, id, None)?;
    let c = carton(tx, id, carton_no)?;
    if c.closed_at.is_some() {
        return Err(AppError::conflict("carton_closed", format!("Carton {carton_no} is already closed.")));
    }
    if c.receiving_by.as_deref() != Some(actor) {
        return Err(AppError::conflict(
            "carton_not_open",
            format!("Carton {carton_no} is not open for you; open it by scanning its label."),
        ));
    }
    store::close_carton(tx, id, carton_no, Timestamp::now())?;
    let counted = store::items_of_carton(tx, id, carton_no)?;
    stock::service::lock_skus(tx, counted.iter().map(|i| i.sku_id))?;
    for i in counted {
        for (q, bucket, reason) in [
            (i.counted, Bucket::Receiving, Reason::Received),
            (i.damaged, Bucket::Damaged, Reason::ReceivedDamaged),
        ] {
            if q > 0 {
                stock::service::apply(
                    tx,
                    &Movement {
                        owner: row.supplier_id,
                        sku: i.sku_id,
                        quantity: q,
                        from: None,
                        to: Some(Place::unlocated(bucket)),
                        reason,
                        document_no: row.asn_no.clone(),
                        note: format!("carton {carton_no}"),
                        actor: actor.into(),
                    },
                )?;
            }
        }
        store::add_received(tx, id, i.sku_id, i.counted, i.damaged)?;
    }
    Ok(CartonView { asn: asn::get(tx, id, None)?, carton_no, paused: None })
}

/// Refuses while a carton is open or paused: its counts are not booked yet.
pub fn ensure_cartons_closed(conn: &mut DbConn, id: AsnId) -> Result<(), AppError> {
    let open: Vec<String> = store::cartons(conn, id)?
        .into_iter()
        .filter(|c| c.receiving_started_at.is_some() && c.closed_at.is_none())
        .map(|c| c.carton_no.to_string())
        .collect();
    if !open.is_empty() {
        return Err(AppError::conflict(
            "cartons_open",
            format!("Close the cartons still being counted first: {}", open.join(", ")),
        ));
    }
    Ok(())
}

/// One SKU's line of the discrepancy report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Discrepancy {
    pub sku_id: SkuId,
    pub sku_code: String,
    pub expected: i32,
    pub received: i32,
    pub damaged: i32,
    pub short: i32,
    pub over: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceivingException {
    pub kind: ExceptionKind,
    pub carton_no: Option<i32>,
    pub sku_id: Option<SkuId>,
    /// The barcode or label that was scanned.
    pub code: String,
    pub quantity: i32,
    pub note: String,
    pub created_at: Timestamp,
}

/// The receipt: per SKU expected vs received, and every exception.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReceiptReport {
    pub asn_id: AsnId,
    pub asn_no: String,
    pub status: AsnStatus,
    pub cartons_expected: i32,
    pub cartons_received: i32,
    pub lines: Vec<Discrepancy>,
    pub exceptions: Vec<ReceivingException>,
    pub total_short: i32,
    pub total_over: i32,
    pub total_damaged: i32,
}

pub fn report(
    conn: &mut DbConn,
    id: AsnId,
    owner: Option<crate::ids::SupplierId>,
) -> Result<ReceiptReport, AppError> {
    let a = asn::get(conn, id, owner)?;
    let lines: Vec<Discrepancy> = a
        .lines
        .iter()
        .map(|l| {
            let got = l.received + l.damaged;
            Discrepancy {
                sku_id: l.sku_id,
                sku_code: l.sku_code.clone(),
                expected: l.expected,
                received: l.received,
                damaged: l.damaged,
                short: (l.expected - got).max(0),
                over: (got - l.expected).max(0),
            }
        })
        .collect();
    let exceptions = store::exceptions(conn, id)?
        .into_iter()
        .filter_map(|e| {
            Some(ReceivingException {
                kind: ExceptionKind::from_db(&e.kind)?,
                carton_no: e.carton_no,
                sku_id: e.sku_id,
                code: e.code,
                quantity: e.quantity,
                note: e.note,
                created_at: e.created_at,
            })
        })
        .collect();
    Ok(ReceiptReport {
        asn_id: a.id,
        asn_no: a.asn_no.clone(),
        status: a.status,
        cartons_expected: a.carton_count,
        cartons_received: a.cartons.iter().filter(|c| c.closed_at.is_some()).count() as i32,
        total_short: lines.iter().map(|l| l.short).sum(),
        total_over: lines.iter().map(|l| l.over).sum(),
        total_damaged: lines.iter().map(|l| l.damaged).sum(),
        lines,
        exceptions,
    })
}

/// Why a receipt closes short, when the clerk said so (the console asks;
/// the API may).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortClose {
    pub reason: super::domain::ShortReason,
    #[serde(default)]
    pub note: String,
}

/// Closes the receipt: every opened carton must be closed (a paused one
/// too); cartons never opened count as not received. Records short/over
/// exceptions (the short ones with the reason given, if any), hands the
/// good units to QC with a sampling plan per SKU, and reports the
/// discrepancies in `asn.received`.
pub fn close_receipt(
    tx: &mut DbConn,
    id: AsnId,
    actor: &str,
    qc: &super::qc::QcSettings,
    short_close: Option<&ShortClose>,
) -> Result<ReceiptReport, AppError> {
    let row = asn::lock(tx, id, None)?;
    if status_of(&row)? != AsnStatus::Receiving {
        status_of(&row)?.next(AsnAction::CloseReceipt { short: false })?;
    }
    let note = short_close.map(|s| s.note.trim().chars().take(500).collect::<String>()).unwrap_or_default();
    if short_close.is_some_and(|s| s.reason == super::domain::ShortReason::Other) && note.is_empty() {
        return Err(AppError::invalid(
            "note",
            "note_required",
            "Say why in the note when the reason is other.",
        ));
    }
    ensure_cartons_closed(tx, id)?;
    let before = report(tx, id, None)?;
    for l in &before.lines {
        for (kind, q) in [(ExceptionKind::Short, l.short), (ExceptionKind::Over, l.over)] {
            if q > 0 {
                let short = kind == ExceptionKind::Short;
                record_exception(
                    tx,
                    Exception {
                        asn: id,
                        carton_no: None,
                        kind,
                        sku: Some(l.sku_id),
                        code: l.sku_code.clone(),
                        quantity: q,
                        note: if short { note.clone() } else { String::new() },
                        reason: short_close.filter(|_| short).map(|s| s.reason.as_str()),
                    },
                    actor,
                )?;
            }
        }
    }
    let short = before.total_short > 0;
    let report = self::report(tx, id, None)?;
    asn::transition(
        tx,
        &row,
        AsnAction::CloseReceipt { short },
        catalog::ASN_RECEIVED,
        serde_json::json!({
            "cartons_expected": report.cartons_expected, "cartons_received": report.cartons_received,
            "total_short": report.total_short, "total_over": report.total_over,
            "total_damaged": report.total_damaged,
            "discrepancies": report.lines.iter().filter(|l| l.short + l.over + l.damaged > 0).map(|l| serde_json::json!({
                "sku_id": l.sku_id, "sku_code": l.sku_code, "expected": l.expected, "received": l.received,
                "damaged": l.damaged, "short": l.short, "over": l.over,
            })).collect::<Vec<_>>(),
            "exceptions": report.exceptions.len(),
        }),
        Timestamp::now(),
    )?;
    let lines = store::lines(tx, id)?;
    stock::service::lock_skus(tx, lines.iter().filter(|l| l.received > 0).map(|l| l.sku_id))?;
    for l in &lines {
        if let Some(order) = l.stock_order_id {
            store::bump_stock_order_line(tx, order, l.sku_id, 0, l.received, 0, 0)?;
        }
        if l.received > 0 {
            stock::service::apply(
                tx,
                &Movement {
                    owner: row.supplier_id,
                    sku: l.sku_id,
                    quantity: l.received,
                    from: Some(Place::unlocated(Bucket::Receiving)),
                    to: Some(Place::unlocated(Bucket::Qc)),
                    reason: Reason::ToQc,
                    document_no: row.asn_no.clone(),
                    note: String::new(),
                    actor: actor.into(),
                },
            )?;
            super::qc::plan_lot(tx, id, l.sku_id, l.received, qc)?;
        }
    }
    if short {
        let a = asn::get(tx, id, None)?;
        super::performance::charge_short(tx, &a, report.total_short)?;
    }
    if lines.iter().all(|l| l.received == 0) {
        // Nothing good to inspect: the shipment is done, all of it going back.
        let row = store::asn(tx, id)?.ok_or(AppError::not_found("shipment"))?;
        asn::transition(
            tx,
            &row,
            AsnAction::FinishInspection { any_passed: false },
            catalog::ASN_RETURNED,
            serde_json::json!({"reason": "nothing_received"}),
            Timestamp::now(),
        )?;
    }
    self::report(tx, id, None)
}

/// An inbound exception as the supervisors' queue shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueuedException {
    pub id: ExceptionId,
    pub asn_id: AsnId,
    pub asn_no: String,
    pub kind: ExceptionKind,
    pub carton_no: Option<i32>,
    pub sku_code: Option<String>,
    /// The barcode or label that was scanned.
    pub code: String,
    pub quantity: i32,
    pub note: String,
    /// The reason chosen when a receipt was closed short.
    pub reason: Option<super::domain::ShortReason>,
    pub actor: String,
    pub created_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

fn queued(row: ExceptionRow, asn_no: String, sku_code: Option<String>) -> Result<QueuedException, AppError> {
    let kind = ExceptionKind::from_db(&row.kind).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("receiving exception {} has unknown kind {:?}", row.id, row.kind))
    })?;
    let reason = match row.reason.as_deref() {
        None => None,
        Some(r) => Some(super::domain::ShortReason::from_db(r).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("receiving exception {} has unknown reason {r:?}", row.id))
        })?),
    };
    Ok(QueuedException {
        id: row.id,
        asn_id: row.asn_id,
        asn_no,
        kind,
        carton_no: row.carton_no,
        sku_code,
        code: row.code,
        quantity: row.quantity,
        note: row.note,
        reason,
        actor: row.actor,
        created_at: row.created_at,
        resolved_at: row.resolved_at,
        resolved_by: row.resolved_by,
        resolution: row.resolution,
    })
}

/// The inbound exceptions queue, newest first (`open`: unresolved only).
pub fn exception_queue(
    conn: &mut DbConn,
    open: bool,
    kind: Option<ExceptionKind>,
    limit: i64,
) -> Result<Vec<QueuedException>, AppError> {
    store::exception_queue(conn, open, kind.map(ExceptionKind::as_str), limit.clamp(1, 500))?
        .into_iter()
        .map(|(row, asn_no, sku)| queued(row, asn_no, sku))
        .collect()
}

/// A supervisor closes an exception with what was done about it.
pub fn resolve_exception(
    tx: &mut DbConn,
    id: ExceptionId,
    note: &str,
    actor: &str,
) -> Result<QueuedException, AppError> {
    let note: String = note.trim().chars().take(500).collect();
    if note.is_empty() {
        return Err(AppError::invalid("note", "note_required", "Say what was done about it."));
    }
    let row = store::exception(tx, id)?.ok_or(AppError::not_found("exception"))?;
    asn::lock(tx, row.asn_id, None)?;
    if store::resolve_exception(tx, id, actor, &note, Timestamp::now())? == 0 {
        return Err(AppError::conflict("already_resolved", "This exception is resolved already."));
    }
    let row = store::exception(tx, id)?.ok_or(AppError::not_found("exception"))?;
    let a = store::asn(tx, row.asn_id)?.ok_or(AppError::not_found("shipment"))?;
    let sku = match row.sku_id {
        Some(s) => crate::catalog::service::sku_row(tx, s)?.map(|s| s.sku_code),
        None => None,
    };
    queued(row, a.asn_no, sku)
}

/// Open exceptions by kind (for the dashboard); kinds with none are left out.
pub fn open_exception_counts(conn: &mut DbConn) -> Result<Vec<(ExceptionKind, i64)>, AppError> {
    let mut out: Vec<(ExceptionKind, i64)> = store::open_exception_counts(conn)?
        .into_iter()
        .filter_map(|(k, n)| ExceptionKind::from_db(&k).map(|k| (k, n)))
        .collect();
    out.sort_by_key(|(k, _)| ExceptionKind::ALL.iter().position(|x| x == k));
    Ok(out)
}

/// What the inbound floor has waiting, for the dashboard.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct FloorCounts {
    /// Shipments announced for today that have not arrived yet.
    pub arriving_today: i64,
    /// Cartons at the warehouse not counted yet.
    pub cartons_waiting: i64,
    /// QC lots not decided yet.
    pub lots_in_qc: i64,
}

pub fn floor_counts(
    conn: &mut DbConn,
    day_start: Timestamp,
    day_end: Timestamp,
) -> Result<FloorCounts, AppError> {
    Ok(FloorCounts {
        arriving_today: store::arriving_between(conn, day_start, day_end)?,
        cartons_waiting: store::cartons_waiting(conn)?,
        lots_in_qc: store::lots_undecided(conn)?,
    })
}
