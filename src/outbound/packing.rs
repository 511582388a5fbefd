//! The pack station: scan the tote, then every unit (a unit that is not in
//! the order is refused), take the suggested carton (the smallest of the
//! catalog that fits the measured units) or another, and weigh. A parcel
//! within the tolerance of its expected weight (measured unit weights plus
//! the carton's tare) is packed: it gets a tracking number on its route and
//! its units move to `packed`. Outside the tolerance it is held for a
//! supervisor: this is how empty and wrong parcels (空包) are caught.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::exceptions::{self, ExceptionKind, NewException};
use super::orders::OrderStatus;
use super::shipping;
use crate::catalog::store::SkuRow;
use crate::db::DbConn;
use crate::db::schema::{carton_types, orders, parcel_items, parcels};
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, OrderId, ParcelId, SkuId};
use crate::inbound::domain::string_enum;
use crate::stock::{Bucket, Reason};

/// Whatever the percentage, a tolerance below this is tighter than scales are.
pub const MIN_TOLERANCE_G: i32 = 10;

string_enum!(
    ParcelStatus {
        /// Units are being scanned in.
        Packing = "packing",
        /// Weighed outside the tolerance: waits for a supervisor.
        Held = "held",
        /// Weighed, labelled, in outbound staging.
        Packed = "packed",
        /// Its order was cancelled before it was packed.
        Cancelled = "cancelled",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = carton_types)]
pub struct CartonType {
    pub code: String,
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
    pub tare_g: i32,
    pub max_weight_g: i32,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = parcels)]
pub(crate) struct ParcelRow {
    pub id: ParcelId,
    pub parcel_no: String,
    pub order_id: OrderId,
    pub tote: String,
    pub status: String,
    pub carton_code: Option<String>,
    pub expected_weight_g: Option<i32>,
    pub weight_g: Option<i32>,
    pub route: Option<String>,
    pub tracking_no: Option<String>,
    pub packed_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub packed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParcelLine {
    pub line_no: i32,
    pub sku_id: crate::ids::SkuId,
    pub sku_code: String,
    pub barcode: String,
    /// The product's English name.
    pub name: String,
    /// The product's Chinese name.
    pub name_zh: String,
    /// Units the order wants (ordered less cancelled).
    pub quantity: i32,
    pub packed: i32,
    pub remaining: i32,
    /// Measured weight of one unit (declared if not measured yet).
    pub unit_weight_g: i32,
}

/// A parcel as the pack station and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Parcel {
    pub id: ParcelId,
    pub parcel_no: String,
    pub order_id: OrderId,
    pub order_no: String,
    pub destination_country: String,
    pub service_level: String,
    pub tote: String,
    pub status: ParcelStatus,
    pub lines: Vec<ParcelLine>,
    /// Units still to scan in.
    pub remaining: i32,
    /// The smallest carton of the catalog that fits; none if nothing fits.
    pub suggested_carton: Option<String>,
    pub carton_code: Option<String>,
    pub expected_weight_g: Option<i32>,
    pub weight_g: Option<i32>,
    pub route: Option<String>,
    pub tracking_no: Option<String>,
    pub packed_by: String,
    pub packed_at: Option<Timestamp>,
}

pub fn cartons(conn: &mut DbConn) -> Result<Vec<CartonType>, AppError> {
    Ok(carton_types::table
        .filter(carton_types::active.eq(true))
        .order((
            carton_types::length_mm * carton_types::width_mm * carton_types::height_mm,
            carton_types::code,
        ))
        .select(CartonType::as_select())
        .load(conn)?)
}

/// A unit's size and weight: measured at QC if it was, else declared.
fn measures(s: &SkuRow) -> ([i32; 3], i32) {
    let mut dims = [
        s.measured_length_mm.unwrap_or(s.declared_length_mm),
        s.measured_width_mm.unwrap_or(s.declared_width_mm),
        s.measured_height_mm.unwrap_or(s.declared_height_mm),
    ];
    dims.sort_unstable_by(|a, b| b.cmp(a));
    (dims, s.measured_weight_g.unwrap_or(s.declared_weight_g))
}

/// The smallest carton (by volume) that holds every unit: each unit fits
/// inside it on its own, their volumes fill at most 85% of it (room for
/// packing material), and their weight is within its limit.
pub fn suggest<'a>(cartons: &'a [CartonType], units: &[([i32; 3], i32, i32)]) -> Option<&'a CartonType> {
    let volume: i64 =
        units.iter().map(|(d, _, q)| d.iter().map(|x| i64::from(*x)).product::<i64>() * i64::from(*q)).sum();
    let weight: i64 = units.iter().map(|(_, w, q)| i64::from(*w) * i64::from(*q)).sum();
    cartons.iter().filter(|c| c.active).find(|c| {
        let mut inner = [c.length_mm, c.width_mm, c.height_mm];
        inner.sort_unstable_by(|a, b| b.cmp(a));
        let inner_volume: i64 = inner.iter().map(|x| i64::from(*x)).product();
        units.iter().all(|(d, _, _)| d.iter().zip(inner.iter()).all(|(u, i)| u <= i))
            && volume * 100 <= inner_volume * 85
            && weight + i64::from(c.tare_g) <= i64::from(c.max_weight_g)
    })
}

/// The weight a parcel may be off by.
pub fn tolerance_g(expected_g: i32, pct: u32) -> i32 {
    (((i64::from(expected_g) * i64::from(pct) + 99) / 100) as i32).max(MIN_TOLERANCE_G)
}

fn row(conn: &mut DbConn, id: ParcelId) -> Result<ParcelRow, AppError> {
    parcels::table
        .find(id)
        .select(ParcelRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::not_found("parcel"))
}

fn live_for(conn: &mut DbConn, order: OrderId) -> QueryResult<Option<ParcelRow>> {
    parcels::table
        .filter(parcels::order_id.eq(order))
        .filter(parcels::status.ne(ParcelStatus::Cancelled.as_str()))
        .select(ParcelRow::as_select())
        .first(conn)
        .optional()
}

fn status_of(r: &ParcelRow) -> Result<ParcelStatus, AppError> {
    ParcelStatus::stored(&r.status, || format!("parcel {}", r.parcel_no))
}

/// Lines with their SKUs and what is packed of each.
fn lines_of(conn: &mut DbConn, p: &ParcelRow) -> Result<Vec<(ParcelLine, SkuRow)>, AppError> {
    let packed: Vec<(i32, i32)> = parcel_items::table
        .filter(parcel_items::parcel_id.eq(p.id))
        .select((parcel_items::line_no, parcel_items::quantity))
        .load(conn)?;
    let lines = super::store::lines(conn, p.order_id)?;
    let ids: Vec<SkuId> = lines.iter().map(|l| l.sku_id).collect();
    let skus: std::collections::HashMap<SkuId, SkuRow> =
        crate::catalog::store::by_ids(conn, &ids)?.into_iter().map(|s| (s.id, s)).collect();
    let mut out = Vec::new();
    for l in lines {
        let quantity = l.quantity - l.cancelled;
        if quantity == 0 {
            continue;
        }
        let sku = skus.get(&l.sku_id).cloned().ok_or(AppError::not_found("sku"))?;
        let done = packed.iter().find(|(n, _)| *n == l.line_no).map(|(_, q)| *q).unwrap_or(0);
        out.push((
            ParcelLine {
                line_no: l.line_no,
                sku_id: l.sku_id,
                sku_code: sku.sku_code.clone(),
                barcode: sku.barcode.clone(),
                name: sku.name_en.clone(),
                name_zh: sku.name_zh.clone(),
                quantity,
                packed: done,
                remaining: quantity - done,
                unit_weight_g: measures(&sku).1,
            },
            sku,
        ));
    }
    Ok(out)
}

pub fn get(conn: &mut DbConn, id: ParcelId) -> Result<Parcel, AppError> {
    let r = row(conn, id)?;
    assemble(conn, r)
}

fn assemble(conn: &mut DbConn, r: ParcelRow) -> Result<Parcel, AppError> {
    let lines = lines_of(conn, &r)?;
    assemble_with(conn, r, lines)
}

/// The parcel from its row and its lines as they are now.
fn assemble_with(
    conn: &mut DbConn,
    r: ParcelRow,
    lines: Vec<(ParcelLine, SkuRow)>,
) -> Result<Parcel, AppError> {
    let order = super::store::by_id(conn, r.order_id)?.ok_or(AppError::not_found("order"))?;
    let units: Vec<_> = lines.iter().map(|(l, s)| (measures(s).0, l.unit_weight_g, l.quantity)).collect();
    let catalog = cartons(conn)?;
    let suggested_carton = suggest(&catalog, &units).map(|c| c.code.clone());
    let lines: Vec<ParcelLine> = lines.into_iter().map(|(l, _)| l).collect();
    Ok(Parcel {
        id: r.id,
        parcel_no: r.parcel_no.clone(),
        order_id: r.order_id,
        order_no: order.order_no,
        destination_country: order.destination_country,
        service_level: order.service_level,
        tote: r.tote.clone(),
        status: status_of(&r)?,
        remaining: lines.iter().map(|l| l.remaining).sum(),
        lines,
        suggested_carton,
        carton_code: r.carton_code,
        expected_weight_g: r.expected_weight_g,
        weight_g: r.weight_g,
        route: r.route,
        tracking_no: r.tracking_no,
        packed_by: r.packed_by,
        packed_at: r.packed_at,
    })
}

/// The tote scanned at the pack station: opens (or resumes) the parcel of
/// the picked order in it.
pub fn start(tx: &mut DbConn, tote: &str, packer: &str) -> Result<Parcel, AppError> {
    let tote = super::picking::tote_code(tote)?;
    let order: Option<(OrderId, String, String)> = orders::table
        .filter(orders::tote.eq(&tote))
        .select((orders::id, orders::order_no, orders::status))
        .first(tx)
        .optional()?;
    let Some((order, order_no, status)) = order else {
        return Err(AppError::invalid("tote", "empty_tote", format!("Tote {tote} holds no order to pack.")));
    };
    super::orders::lock_order(tx, order, &[])?;
    if status != OrderStatus::Picked.as_str() {
        return Err(AppError::conflict(
            "not_picked",
            format!("Order {order_no} in tote {tote} is {status}: it is not fully picked yet."),
        ));
    }
    if let Some(p) = live_for(tx, order)? {
        return assemble(tx, p);
    }
    let now = Timestamp::now();
    let row = ParcelRow {
        id: ParcelId::generate(),
        parcel_no: crate::db::docno::next(tx, "PCL")?,
        order_id: order,
        tote,
        status: ParcelStatus::Packing.as_str().into(),
        carton_code: None,
        expected_weight_g: None,
        weight_g: None,
        route: None,
        tracking_no: None,
        packed_by: packer.into(),
        created_at: now,
        updated_at: now,
        packed_at: None,
    };
    diesel::insert_into(parcels::table).values(&row).execute(tx)?;
    assemble(tx, row)
}

/// Locks the parcel's order and checks the parcel is being packed.
fn packing(tx: &mut DbConn, id: ParcelId) -> Result<ParcelRow, AppError> {
    let order: OrderId = row(tx, id)?.order_id;
    super::orders::lock_order(tx, order, &[])?;
    let r = row(tx, id)?;
    match status_of(&r)? {
        ParcelStatus::Packing => Ok(r),
        ParcelStatus::Held => {
            Err(AppError::conflict("parcel_held", "The parcel is held for a supervisor at the scale."))
        }
        ParcelStatus::Packed => Err(AppError::conflict("already_packed", "The parcel is packed already.")),
        ParcelStatus::Cancelled => Err(AppError::conflict("parcel_cancelled", "The order was cancelled.")),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackScanInput {
    /// A unit's barcode as scanned.
    pub barcode: String,
    /// Units of this barcode (default 1).
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// One unit (or a keyed quantity) scanned into the parcel.
pub fn scan(tx: &mut DbConn, id: ParcelId, input: &PackScanInput) -> Result<Parcel, AppError> {
    let r = packing(tx, id)?;
    let barcode = input.barcode.trim().to_ascii_uppercase();
    let lines = lines_of(tx, &r)?;
    let mine: Vec<&ParcelLine> = lines.iter().map(|(l, _)| l).filter(|l| l.barcode == barcode).collect();
    if mine.is_empty() {
        return Err(AppError::invalid(
            "barcode",
            "not_in_order",
            format!("{barcode} is not in this order: put the unit aside."),
        ));
    }
    let left: i32 = mine.iter().map(|l| l.remaining).sum();
    let q = crate::values::positive_i32("quantity", input.quantity.unwrap_or(1), 10_000)
        .map_err(|e| AppError::validation(vec![e]))?;
    if q > left {
        return Err(AppError::conflict(
            "too_many",
            format!("Only {left} more unit(s) of {} belong in this parcel.", mine[0].sku_code),
        ));
    }
    let mut q = q;
    let mut taken: Vec<(i32, i32)> = Vec::new();
    for l in mine.into_iter().filter(|l| l.remaining > 0) {
        let take = q.min(l.remaining);
        taken.push((l.line_no, take));
        let key = parcel_items::table.find((id, l.line_no));
        let n =
            diesel::update(key).set(parcel_items::quantity.eq(parcel_items::quantity + take)).execute(tx)?;
        if n == 0 {
            diesel::insert_into(parcel_items::table)
                .values((
                    parcel_items::parcel_id.eq(id),
                    parcel_items::line_no.eq(l.line_no),
                    parcel_items::quantity.eq(take),
                ))
                .execute(tx)?;
        }
        q -= take;
        if q == 0 {
            break;
        }
    }
    // The lines as they are now, without reading them again.
    let mut lines = lines;
    for (l, _) in &mut lines {
        if let Some((_, take)) = taken.iter().find(|(n, _)| *n == l.line_no) {
            l.packed += take;
            l.remaining -= take;
        }
    }
    assemble_with(tx, r, lines)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeighInput {
    /// The parcel's weight on the scale, in grams.
    pub weight_g: i64,
    /// The carton used; default the suggested one.
    #[serde(default)]
    pub carton: Option<String>,
}

/// Weighs a fully scanned parcel: within the tolerance it is packed and
/// labelled; outside it, held for a supervisor.
pub fn weigh(
    tx: &mut DbConn,
    id: ParcelId,
    input: &WeighInput,
    tolerance_pct: u32,
    packer: &str,
) -> Result<Parcel, AppError> {
    let r = packing(tx, id)?;
    let weight = crate::values::positive_i32("weight_g", input.weight_g, 100_000)
        .map_err(|e| AppError::validation(vec![e]))?;
    let parcel = assemble(tx, r.clone())?;
    if parcel.remaining > 0 {
        return Err(AppError::conflict(
            "units_remaining",
            format!("{} unit(s) are still to be scanned in.", parcel.remaining),
        ));
    }
    let code = match input.carton.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => c.to_ascii_uppercase(),
        None => parcel.suggested_carton.clone().ok_or_else(|| {
            AppError::invalid("carton", "no_carton_fits", "No catalog carton fits: choose one.")
        })?,
    };
    let carton = cartons(tx)?.into_iter().find(|c| c.code == code).ok_or_else(|| {
        AppError::invalid("carton", "unknown_carton", format!("{code} is not in the carton catalog."))
    })?;
    let expected = parcel.lines.iter().map(|l| l.unit_weight_g * l.packed).sum::<i32>() + carton.tare_g;
    let tolerance = tolerance_g(expected, tolerance_pct);
    let now = Timestamp::now();
    diesel::update(parcels::table.find(id))
        .set((
            parcels::carton_code.eq(Some(&carton.code)),
            parcels::expected_weight_g.eq(Some(expected)),
            parcels::weight_g.eq(Some(weight)),
            parcels::updated_at.eq(now),
        ))
        .execute(tx)?;
    if (weight - expected).abs() <= tolerance {
        return finish(tx, id, packer);
    }
    diesel::update(parcels::table.find(id))
        .set(parcels::status.eq(ParcelStatus::Held.as_str()))
        .execute(tx)?;
    let exception = exceptions::raise(
        tx,
        NewException {
            kind: ExceptionKind::WeightHold,
            order_id: r.order_id,
            parcel_id: Some(id),
            sku: None,
            bin_id: None,
            quantity: 0,
            detail: format!(
                "parcel {} weighs {weight} g, expected {expected} g ± {tolerance} g ({})",
                r.parcel_no, carton.code
            ),
            actor: packer,
        },
    )?;
    events::record(
        tx,
        NewEvent {
            event_type: catalog::PARCEL_WEIGHT_HELD,
            aggregate_id: AggregateId(id.0),
            document_no: r.parcel_no.clone(),
            owner: None,
            payload: serde_json::json!({
                "order_id": r.order_id, "order_no": parcel.order_no, "parcel_id": id, "parcel_no": r.parcel_no,
                "carton": carton.code, "weight_g": weight, "expected_weight_g": expected, "tolerance_g": tolerance,
                "exception_id": exception,
            }),
        },
    )?;
    get(tx, id)
}

/// Packs a parcel: a tracking number on its route, units to `packed`, the
/// order packed and its tote free.
fn finish(tx: &mut DbConn, id: ParcelId, actor: &str) -> Result<Parcel, AppError> {
    let r = row(tx, id)?;
    let order = super::store::by_id(tx, r.order_id)?.ok_or(AppError::not_found("order"))?;
    let route = shipping::route_for(&order.destination_country, &order.service_level);
    let tracking = shipping::next_tracking_no(tx, &route)?;
    let note = format!("packed in parcel {}", r.parcel_no);
    super::orders::empty_tote(tx, r.order_id, &order.order_no, Bucket::Packed, Reason::Packed, &note, actor)?;
    let now = Timestamp::now();
    diesel::update(parcels::table.find(id))
        .set((
            parcels::status.eq(ParcelStatus::Packed.as_str()),
            parcels::route.eq(Some(&route.code)),
            parcels::tracking_no.eq(Some(&tracking)),
            parcels::packed_at.eq(Some(now)),
            parcels::updated_at.eq(now),
        ))
        .execute(tx)?;
    super::store::set_status(tx, r.order_id, OrderStatus::Packed.as_str(), now)?;
    diesel::update(orders::table.find(r.order_id)).set(orders::tote.eq(None::<String>)).execute(tx)?;
    let parcel = get(tx, id)?;
    super::orders::record_event(
        tx,
        r.order_id,
        catalog::ORDER_PACKED,
        serde_json::json!({
            "parcel_id": id, "parcel_no": parcel.parcel_no, "tracking_no": tracking, "route": route.code,
            "carrier": route.carrier, "carton": parcel.carton_code, "weight_g": parcel.weight_g,
        }),
    )?;
    Ok(parcel)
}

/// A supervisor's decision on a held parcel: accept (pack it as it is) or
/// repack (back to scanning, from nothing).
pub fn resolve_hold(tx: &mut DbConn, id: ParcelId, accept: bool, actor: &str) -> Result<Parcel, AppError> {
    let order: OrderId = row(tx, id)?.order_id;
    super::orders::lock_order(tx, order, &[])?;
    let r = row(tx, id)?;
    if status_of(&r)? != ParcelStatus::Held {
        return Err(AppError::conflict("not_held", "The parcel is not held."));
    }
    if accept {
        return finish(tx, id, actor);
    }
    diesel::delete(parcel_items::table.filter(parcel_items::parcel_id.eq(id))).execute(tx)?;
    diesel::update(parcels::table.find(id))
        .set((
            parcels::status.eq(ParcelStatus::Packing.as_str()),
            parcels::weight_g.eq(None::<i32>),
            parcels::expected_weight_g.eq(None::<i32>),
            parcels::updated_at.eq(Timestamp::now()),
        ))
        .execute(tx)?;
    get(tx, id)
}

/// Voids the order's parcel if it is not packed (its order is cancelled).
pub fn void_parcel(tx: &mut DbConn, order: OrderId) -> Result<(), AppError> {
    if let Some(p) = live_for(tx, order)? {
        if status_of(&p)? == ParcelStatus::Packed {
            return Err(AppError::conflict("illegal_transition", "The parcel is packed already."));
        }
        diesel::update(parcels::table.find(p.id))
            .set((
                parcels::status.eq(ParcelStatus::Cancelled.as_str()),
                parcels::updated_at.eq(Timestamp::now()),
            ))
            .execute(tx)?;
        exceptions::close_for_parcel(tx, p.id, "order cancelled")?;
    }
    Ok(())
}

/// The order's live parcel, if any.
pub fn for_order(conn: &mut DbConn, order: OrderId) -> Result<Option<Parcel>, AppError> {
    match live_for(conn, order)? {
        Some(r) => Ok(Some(assemble(conn, r)?)),
        None => Ok(None),
    }
}

/// The parcel a code names at the pack station, to find it again after a
/// weight hold or to reprint its label: a parcel number, an order number,
/// a tracking number, or a tote (the last parcel packed from it).
pub fn find(conn: &mut DbConn, code: &str) -> Result<Option<ParcelId>, AppError> {
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    // Newest first: a tote or an order may have had a cancelled parcel before.
    macro_rules! newest {
        ($filter:expr) => {
            parcels::table
                .filter($filter)
                .filter(parcels::status.ne(ParcelStatus::Cancelled.as_str()))
                .order((parcels::created_at.desc(), parcels::id.desc()))
                .select(parcels::id)
                .first::<ParcelId>(conn)
                .optional()?
        };
    }
    if let Some(id) = newest!(parcels::parcel_no.eq(&code)) {
        return Ok(Some(id));
    }
    if let Some(id) = newest!(parcels::tracking_no.eq(Some(&code))) {
        return Ok(Some(id));
    }
    let order: Option<OrderId> =
        orders::table.filter(orders::order_no.eq(&code)).select(orders::id).first(conn).optional()?;
    if let Some(order) = order
        && let Some(id) = newest!(parcels::order_id.eq(order))
    {
        return Ok(Some(id));
    }
    Ok(newest!(parcels::tote.eq(&code)))
}

/// Parcels held at the scale for a supervisor.
pub fn held_count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(parcels::table.filter(parcels::status.eq(ParcelStatus::Held.as_str())).count().get_result(conn)?)
}

/// One print of a parcel's label.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LabelPrint {
    /// 1 for the first print; more is a reprint.
    pub copy_no: i32,
    pub printed_by: String,
    pub printed_at: Timestamp,
}

/// Records a print of a packed parcel's label (the first, or a reprint).
/// Returns its copy number.
pub fn record_print(tx: &mut DbConn, id: ParcelId, actor: &str) -> Result<i32, AppError> {
    use crate::db::schema::label_prints;
    let order: OrderId = row(tx, id)?.order_id;
    super::orders::lock_order(tx, order, &[])?;
    let r = row(tx, id)?;
    if status_of(&r)? != ParcelStatus::Packed {
        return Err(AppError::conflict("not_packed", "A label is printed once the parcel is packed."));
    }
    let last: Option<i32> = label_prints::table
        .filter(label_prints::parcel_id.eq(id))
        .select(diesel::dsl::max(label_prints::copy_no))
        .first(tx)?;
    let copy_no = last.unwrap_or(0) + 1;
    diesel::insert_into(label_prints::table)
        .values((
            label_prints::parcel_id.eq(id),
            label_prints::copy_no.eq(copy_no),
            label_prints::printed_by.eq(actor),
            label_prints::printed_at.eq(Timestamp::now()),
        ))
        .execute(tx)?;
    Ok(copy_no)
}

/// Every print of a parcel's label, first first.
pub fn prints(conn: &mut DbConn, id: ParcelId) -> Result<Vec<LabelPrint>, AppError> {
    use crate::db::schema::label_prints;
    let rows: Vec<(i32, String, Timestamp)> = label_prints::table
        .filter(label_prints::parcel_id.eq(id))
        .order(label_prints::copy_no)
        .select((label_prints::copy_no, label_prints::printed_by, label_prints::printed_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(copy_no, printed_by, printed_at)| LabelPrint { copy_no, printed_by, printed_at })
        .collect())
}

/// What the label needs from a packed parcel.
pub(crate) fn label_data(
    conn: &mut DbConn,
    id: ParcelId,
) -> Result<(Parcel, super::store::OrderRow), AppError> {
    let parcel = get(conn, id)?;
    if parcel.status != ParcelStatus::Packed {
        return Err(AppError::conflict("not_packed", "A label is printed once the parcel is packed."));
    }
    let order = super::store::by_id(conn, parcel.order_id)?.ok_or(AppError::not_found("order"))?;
    Ok((parcel, order))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carton(code: &str, l: i32, w: i32, h: i32) -> CartonType {
        CartonType {
            code: code.into(),
            length_mm: l,
            width_mm: w,
            height_mm: h,
            tare_g: 50,
            max_weight_g: 5000,
            active: true,
        }
    }

    #[test]
    fn the_smallest_carton_that_fits_is_suggested() {
        let cat = vec![carton("XS", 160, 110, 60), carton("S", 220, 160, 100), carton("M", 300, 220, 160)];
        // One phone case fits the smallest box.
        assert_eq!(suggest(&cat, &[([150, 80, 15], 60, 1)]).unwrap().code, "XS");
        // Four of them no longer fill less than 85% of it... (150*80*15*4 = 720,000 of 1,056,000 mm3 is 68%: still XS)
        assert_eq!(suggest(&cat, &[([150, 80, 15], 60, 4)]).unwrap().code, "XS");
        // ...six do (1,080,000 mm3 > 85%).
        assert_eq!(suggest(&cat, &[([150, 80, 15], 60, 6)]).unwrap().code, "S");
        // A long item needs a long box whatever its volume, in any orientation.
        assert_eq!(suggest(&cat, &[([250, 20, 20], 60, 1)]).unwrap().code, "M");
        // Too heavy for every box, or too big: nothing is suggested.
        assert!(suggest(&cat, &[([50, 50, 50], 6000, 1)]).is_none());
        assert!(suggest(&cat, &[([400, 50, 50], 100, 1)]).is_none());
    }

    #[test]
    fn the_tolerance_is_a_percentage_with_a_floor() {
        assert_eq!(tolerance_g(1000, 5), 50);
        assert_eq!(tolerance_g(1001, 5), 51);
        assert_eq!(tolerance_g(100, 5), MIN_TOLERANCE_G);
    }
}
