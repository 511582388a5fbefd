//! The returns desk: a return parcel identified by whatever is on it (and
//! weighed against what was shipped), each unit graded, each unit
//! dispositioned through the stock ledger; parcels with nothing to identify
//! them wait in a queue of their own.

use serde::{Deserialize, Serialize};

use super::domain::{Disposition, Grade, ReturnStatus, ReturnStep, WeightFlag};
use super::service::{self, Return};
use super::store::{self, ReturnRow, UnidentifiedRow, UnitRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, ReturnUnitId, UnidentifiedReturnId};
use crate::stock::{Bucket, Movement, Place, Reason};
use crate::values;

/// A return parcel at the desk.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalInput {
    /// What is on the parcel: the return's number, the buyer's return
    /// tracking number, the original tracking or parcel number, the order
    /// number, or a unit's barcode.
    pub code: String,
    /// The parcel's weight on the desk's scale.
    pub weight_g: i64,
    /// What is written on it, or anything to help find it later.
    #[serde(default)]
    pub note: String,
}

/// A parcel nobody could match to a return (yet).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unidentified {
    pub id: UnidentifiedReturnId,
    pub code: String,
    pub weight_g: i32,
    pub note: String,
    pub status: String,
    pub resolved_return_no: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    /// Photos of the parcel (and of what was in it).
    pub photos: Vec<super::photos::Photo>,
}

/// What the desk's scan found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Arrival {
    /// The return it belongs to, now `arrived`.
    Identified { r#return: Box<Return> },
    /// Nothing matched: it waits in the unidentified queue.
    Unidentified { unidentified: Unidentified },
}

fn unidentified_view(conn: &mut DbConn, r: UnidentifiedRow) -> Result<Unidentified, AppError> {
    let resolved_return_no = match r.resolved_return_id {
        Some(id) => Some(service::number_of(conn, id)?),
        None => None,
    };
    Ok(Unidentified {
        photos: super::photos::of_unidentified(conn, r.id)?,
        id: r.id,
        code: r.code,
        weight_g: r.weight_g,
        note: r.note,
        status: r.status,
        resolved_return_no,
        created_by: r.created_by,
        created_at: r.created_at,
    })
}

/// The return awaiting its parcel that `code` names, if exactly one does
/// (for a barcode: the oldest awaiting a unit of that SKU).
fn identify(conn: &mut DbConn, code: &str) -> Result<Option<ReturnRow>, AppError> {
    let upper = code.to_ascii_uppercase();
    if let Some(r) = store::by_no(conn, &upper)? {
        return Ok(Some(r));
    }
    let mut found = store::awaiting_by_tracking(conn, code)?;
    if found.is_empty() && upper != code {
        found = store::awaiting_by_tracking(conn, &upper)?;
    }
    if found.is_empty()
        && let Some(parcel) = crate::outbound::packing::find(conn, code)?
    {
        let order = crate::outbound::packing::get(conn, parcel)?.order_id;
        found = store::awaiting_of_order(conn, order)?;
    }
    if found.is_empty()
        && let Some(sku) = crate::catalog::service::by_barcode(conn, code)?
    {
        found = store::awaiting_with_sku(conn, sku.id)?;
    }
    Ok(found.into_iter().next())
}

/// Weight the returned units had when they left: the outbound parcel's
/// weight times the share of its units coming back.
fn expected_weight(conn: &mut DbConn, r: &ReturnRow, returning: i32) -> Result<Option<i32>, AppError> {
    let order_no = service::order_no_of(conn, r)?;
    let Some(parcel) = crate::outbound::packing::find(conn, &order_no)? else { return Ok(None) };
    let p = crate::outbound::packing::get(conn, parcel)?;
    let shipped: i32 = p.lines.iter().map(|l| l.packed).sum();
    Ok(p.weight_g
        .filter(|_| shipped > 0)
        .map(|w| i32::try_from(i64::from(w) * i64::from(returning) / i64::from(shipped)).unwrap_or(i32::MAX)))
}

/// A parcel scanned and weighed at the desk.
pub fn arrive(
    tx: &mut DbConn,
    input: &ArrivalInput,
    actor: &str,
    now: Timestamp,
) -> Result<Arrival, AppError> {
    let code = values::code("code", &input.code, 64).map_err(|e| AppError::validation(vec![e]))?;
    let weight = values::positive_i32("weight_g", input.weight_g, 100_000)
        .map_err(|e| AppError::validation(vec![e]))?;
    let note = values::optional_text("note", &input.note, 500).map_err(|e| AppError::validation(vec![e]))?;
    let Some(r) = identify(tx, &code)? else {
        let row = UnidentifiedRow {
            id: UnidentifiedReturnId::generate(),
            code,
            weight_g: weight,
            note,
            status: "open".into(),
            resolved_return_id: None,
            created_by: actor.into(),
            created_at: now,
            resolved_by: None,
            resolved_at: None,
        };
        store::insert_unidentified(tx, &row)?;
        events::record(
            tx,
            NewEvent {
                event_type: catalog::RETURN_UNIDENTIFIED,
                aggregate_id: AggregateId(row.id.0),
                document_no: row.code.clone(),
                owner: None,
                payload: serde_json::json!({"unidentified_id": row.id, "code": row.code, "weight_g": row.weight_g}),
            },
        )?;
        return Ok(Arrival::Unidentified { unidentified: unidentified_view(tx, row)? });
    };
    Ok(Arrival::Identified { r#return: Box::new(arrived(tx, r, weight, actor, now)?) })
}

fn arrived(
    tx: &mut DbConn,
    r: ReturnRow,
    weight: i32,
    actor: &str,
    now: Timestamp,
) -> Result<Return, AppError> {
    let status = ReturnStatus::stored(&r.status, || format!("return {}", r.return_no))?;
    status.next(ReturnStep::Arrive).map_err(|code| {
        AppError::conflict(code, format!("This return is not awaiting a parcel: {} is {status}", r.return_no))
    })?;
    let lines = store::lines(tx, r.id)?;
    let returning: i32 = lines.iter().filter(|l| !l.keep).map(|l| l.quantity).sum();
    let expected = expected_weight(tx, &r, returning)?;
    let flag = expected.and_then(|e| WeightFlag::of(weight, e));
    if store::mark_arrived(tx, r.id, actor, weight, expected, flag.map(|f| f.as_str()), now)? != 1 {
        return Err(AppError::conflict(
            "return_moved",
            format!("The return changed meanwhile: {}", r.return_no),
        ));
    }
    for l in lines.iter().filter(|l| !l.keep) {
        for unit_no in 1..=l.quantity {
            store::insert_unit(
                tx,
                &UnitRow {
                    id: ReturnUnitId::generate(),
                    return_id: r.id,
                    line_no: l.line_no,
                    unit_no,
                    grade: None,
                    grade_note: String::new(),
                    graded_by: None,
                    graded_at: None,
                    disposition: None,
                    bin_id: None,
                    disposed_by: None,
                    disposed_at: None,
                },
            )?;
        }
    }
    let out = service::get(tx, &r.return_no, None)?;
    record(
        tx,
        &out,
        catalog::RETURN_ARRIVED,
        serde_json::json!({
            "weight_g": weight, "expected_weight_g": expected, "weight_flag": flag,
        }),
    )?;
    Ok(out)
}

fn record(
    tx: &mut DbConn,
    r: &Return,
    event_type: crate::events::EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let mut payload = serde_json::json!({
        "return_id": r.id, "return_no": r.return_no, "order_no": r.order_no, "status": r.status,
    });
    if let (Some(p), serde_json::Value::Object(e)) = (payload.as_object_mut(), extra) {
        p.extend(e);
    }
    let owner = service::sole_owner(tx, r.id)?;
    events::record(
        tx,
        NewEvent {
            event_type,
            aggregate_id: AggregateId(r.id.0),
            document_no: r.return_no.clone(),
            owner,
            payload,
        },
    )?;
    Ok(())
}

/// One parcel of the unidentified queue (open or matched).
pub fn unidentified_one(conn: &mut DbConn, id: UnidentifiedReturnId) -> Result<Unidentified, AppError> {
    let row = store::unidentified(conn, id)?.ok_or(AppError::not_found("unidentified parcel"))?;
    unidentified_view(conn, row)
}

/// The unidentified queue (open ones, oldest first).
pub fn unidentified(conn: &mut DbConn) -> Result<Vec<Unidentified>, AppError> {
    store::open_unidentified(conn)?.into_iter().map(|r| unidentified_view(conn, r)).collect()
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// The return the parcel turned out to be.
    pub return_no: String,
}

/// An unidentified parcel matched to its return: the return arrives with
/// the weight taken at the desk.
pub fn resolve(
    tx: &mut DbConn,
    id: UnidentifiedReturnId,
    input: &ResolveInput,
    actor: &str,
    now: Timestamp,
) -> Result<Return, AppError> {
    let u = store::unidentified(tx, id)?.ok_or(AppError::not_found("unidentified parcel"))?;
    let r = store::by_no(tx, &input.return_no.trim().to_ascii_uppercase())?
        .ok_or(AppError::not_found("return"))?;
    if store::resolve_unidentified(tx, id, r.id, actor, now)? != 1 {
        return Err(AppError::conflict(
            "already_resolved",
            format!("This parcel was matched already: {}", u.code),
        ));
    }
    // Its photos are the return's parcel's now.
    store::attach_unidentified_photos(tx, id, r.id)?;
    arrived(tx, r, u.weight_g, actor, now)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitGrade {
    pub line_no: i32,
    /// 1 to the line's quantity.
    pub unit_no: i32,
    pub grade: Grade,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradesInput {
    pub units: Vec<UnitGrade>,
}

fn unit_of<'a>(
    units: &'a [UnitRow],
    field: &str,
    line_no: i32,
    unit_no: i32,
) -> Result<&'a UnitRow, AppError> {
    units.iter().find(|u| u.line_no == line_no && u.unit_no == unit_no).ok_or_else(|| {
        AppError::invalid(
            field,
            "unknown_unit",
            format!("no unit {unit_no} of line {line_no} came back in this return"),
        )
    })
}

fn status_of(r: &ReturnRow) -> Result<ReturnStatus, AppError> {
    ReturnStatus::stored(&r.status, || format!("return {}", r.return_no))
}

/// Grades units (again, until they are dispositioned). When every unit has
/// a grade the return is `graded`.
pub fn grade(
    tx: &mut DbConn,
    no: &str,
    input: &GradesInput,
    actor: &str,
    now: Timestamp,
) -> Result<Return, AppError> {
    let r = store::by_no(tx, &no.trim().to_ascii_uppercase())?.ok_or(AppError::not_found("return"))?;
    let status = status_of(&r)?;
    if !matches!(status, ReturnStatus::Arrived | ReturnStatus::Graded) {
        return Err(AppError::conflict(
            "return_not_arrived",
            format!("Grade a return whose parcel arrived: {} is {status}", r.return_no),
        ));
    }
    if input.units.is_empty() || input.units.len() > 1000 {
        return Err(AppError::invalid("units", "batch_size", "must hold 1 to 1,000 units"));
    }
    let units = store::units(tx, r.id)?;
    for (i, g) in input.units.iter().enumerate() {
        let note = values::optional_text(&format!("units[{i}].note"), &g.note, 500)
            .map_err(|e| AppError::validation(vec![e]))?;
        let u = unit_of(&units, &format!("units[{i}]"), g.line_no, g.unit_no)?;
        if store::grade_unit(tx, u.id, g.grade.as_str(), &note, actor, now)? != 1 {
            return Err(AppError::conflict(
                "unit_dispositioned",
                format!(
                    "This unit has gone to its disposition already: line {} unit {}",
                    g.line_no, g.unit_no
                ),
            ));
        }
    }
    let all_graded = store::units(tx, r.id)?.iter().all(|u| u.grade.is_some());
    if all_graded && status == ReturnStatus::Arrived {
        store::move_status(tx, r.id, ReturnStatus::Arrived.as_str(), ReturnStatus::Graded.as_str(), now)?;
    }
    let out = service::get(tx, &r.return_no, None)?;
    let graded: Vec<_> = input
        .units
        .iter()
        .map(|g| serde_json::json!({"line_no": g.line_no, "unit_no": g.unit_no, "grade": g.grade}))
        .collect();
    record(tx, &out, catalog::RETURN_GRADED, serde_json::json!({"units": graded}))?;
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitDisposition {
    pub line_no: i32,
    pub unit_no: i32,
    /// Where it goes; none: where its grade sends it (sellable: restock;
    /// damaged: return to supplier; wrong item, empty, counterfeit: hold).
    /// Anything else is a supervisor's decision, with a note.
    #[serde(default)]
    pub to: Option<Disposition>,
    /// The bin a restocked unit goes into.
    #[serde(default)]
    pub bin: Option<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispositionsInput {
    pub units: Vec<UnitDisposition>,
}

/// Sends graded units where they go, each through the stock ledger (reason
/// `returned`; a disposed unit goes in as damaged and straight out,
/// `disposed`). When every unit is dispositioned the return is `closed`.
pub fn dispose(
    tx: &mut DbConn,
    no: &str,
    input: &DispositionsInput,
    supervisor: bool,
    actor: &str,
    now: Timestamp,
) -> Result<Return, AppError> {
    let r = store::by_no(tx, &no.trim().to_ascii_uppercase())?.ok_or(AppError::not_found("return"))?;
    let status = status_of(&r)?;
    if status != ReturnStatus::Graded {
        return Err(AppError::conflict(
            "return_not_graded",
            format!("Grade every unit first: {} is {status}", r.return_no),
        ));
    }
    if input.units.is_empty() || input.units.len() > 1000 {
        return Err(AppError::invalid("units", "batch_size", "must hold 1 to 1,000 units"));
    }
    let units = store::units(tx, r.id)?;
    let lines = store::lines(tx, r.id)?;
    let mut done = Vec::new();
    for (i, d) in input.units.iter().enumerate() {
        let field = format!("units[{i}]");
        let u = unit_of(&units, &field, d.line_no, d.unit_no)?;
        let grade =
            Grade::stored(u.grade.as_deref().unwrap_or_default(), || format!("return {} unit", r.return_no))?;
        let default = grade.default_disposition();
        let to = d.to.unwrap_or(default);
        let note = values::optional_text(&format!("{field}.note"), &d.note, 500)
            .map_err(|e| AppError::validation(vec![e]))?;
        let decided = supervisor && !note.is_empty();
        if to != default && !decided {
            return Err(AppError::validation(vec![FieldError::new(
                &format!("{field}.to"),
                "override_needs_supervisor",
                format!("a {grade} unit goes to {default}; {to} is a supervisor's decision, with a note"),
            )]));
        }
        let line = lines.iter().find(|l| l.line_no == d.line_no).ok_or(AppError::not_found("return line"))?;
        let bin = match (to, &d.bin) {
            (Disposition::Restock, Some(code)) => {
                Some(crate::warehouse::service::storage_bin(tx, &format!("{field}.bin"), code)?)
            }
            (Disposition::Restock, None) => {
                return Err(AppError::invalid(
                    &format!("{field}.bin"),
                    "required",
                    "a restocked unit goes into a bin: scan it",
                ));
            }
            _ => None,
        };
        if store::dispose_unit(tx, u.id, to.as_str(), bin.as_ref().map(|b| b.id), actor, now)? != 1 {
            return Err(AppError::conflict(
                "unit_dispositioned",
                format!(
                    "This unit has gone to its disposition already: line {} unit {}",
                    d.line_no, d.unit_no
                ),
            ));
        }
        let movement = |from, to, reason| Movement {
            owner: line.owner_id,
            sku: line.sku_id,
            quantity: 1,
            from,
            to,
            reason,
            document_no: r.return_no.clone(),
            note: if note.is_empty() { format!("{grade}") } else { format!("{grade}: {note}") },
            actor: actor.into(),
        };
        let place = match to {
            Disposition::Restock => {
                Place::at(Bucket::Available, bin.as_ref().map(|b| b.id).expect("checked above"))
            }
            Disposition::ReturnToSupplier => Place::unlocated(Bucket::RtsHold),
            Disposition::Hold => Place::unlocated(Bucket::OnHold),
            Disposition::Dispose => Place::unlocated(Bucket::Damaged),
        };
        crate::stock::service::apply(tx, &movement(None, Some(place), Reason::Returned))?;
        if to == Disposition::Dispose {
            crate::stock::service::apply(tx, &movement(Some(place), None, Reason::Disposed))?;
        }
        done.push(serde_json::json!({
            "line_no": d.line_no, "unit_no": d.unit_no, "grade": grade, "disposition": to,
            "bin": bin.map(|b| b.code),
        }));
    }
    let closing = store::units(tx, r.id)?.iter().all(|u| u.disposition.is_some());
    if closing {
        store::move_status(tx, r.id, ReturnStatus::Graded.as_str(), ReturnStatus::Closed.as_str(), now)?;
    }
    let out = service::get(tx, &r.return_no, None)?;
    record(tx, &out, catalog::RETURN_DISPOSITIONED, serde_json::json!({"units": done}))?;
    if closing {
        record(tx, &out, catalog::RETURN_CLOSED, serde_json::json!({}))?;
    }
    Ok(out)
}
