//! Inbound rows and queries.

use std::collections::HashMap;

use diesel::prelude::*;

use super::domain::AsnStatus;
use crate::db::DbConn;
use crate::db::schema::{
    asn_carton_items, asn_cartons, asn_lines, asns, penalties, penalty_rules, qc_inspections, qc_samples,
    receiving_exceptions, stock_order_lines, stock_orders,
};
use crate::db::types::Timestamp;
use crate::ids::{
    AsnId, ExceptionId, InspectionId, PenaltyId, PenaltyRuleId, SkuId, StockOrderId, SupplierId,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_orders)]
pub struct StockOrderRow {
    pub id: StockOrderId,
    pub order_no: String,
    pub platform_ref: String,
    pub supplier_id: SupplierId,
    pub warehouse_code: String,
    pub deliver_by: Timestamp,
    pub arrive_by: Timestamp,
    pub status: String,
    pub decline_reason: Option<String>,
    pub accepted_at: Option<Timestamp>,
    pub shipped_at: Option<Timestamp>,
    pub arrived_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_order_lines)]
pub struct StockOrderLineRow {
    pub order_id: StockOrderId,
    pub sku_id: SkuId,
    pub quantity: i32,
    pub shipped: i32,
    pub received: i32,
    pub passed: i32,
    pub put_away: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = asns)]
pub struct AsnRow {
    pub id: AsnId,
    pub asn_no: String,
    pub supplier_id: SupplierId,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    pub estimated_arrival: Timestamp,
    pub status: String,
    pub carton_count: i32,
    pub cartons_arrived: i32,
    pub reject_reason: Option<String>,
    pub reject_note: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub arrived_at: Option<Timestamp>,
    pub received_at: Option<Timestamp>,
    pub inspected_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = asn_lines)]
pub struct AsnLineRow {
    pub asn_id: AsnId,
    pub sku_id: SkuId,
    pub stock_order_id: Option<StockOrderId>,
    pub expected: i32,
    pub received: i32,
    pub damaged: i32,
    pub qc_passed: i32,
    pub qc_failed: i32,
    pub put_away: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = asn_cartons)]
pub struct CartonRow {
    pub asn_id: AsnId,
    pub carton_no: i32,
    pub label: String,
    pub arrived_at: Option<Timestamp>,
    pub receiving_by: Option<String>,
    pub receiving_started_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = asn_carton_items)]
pub struct CartonItemRow {
    pub asn_id: AsnId,
    pub carton_no: i32,
    pub sku_id: SkuId,
    pub expected: i32,
    pub counted: i32,
    pub damaged: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receiving_exceptions)]
pub struct ExceptionRow {
    pub id: ExceptionId,
    pub asn_id: AsnId,
    pub carton_no: Option<i32>,
    pub kind: String,
    pub sku_id: Option<SkuId>,
    pub code: String,
    pub quantity: i32,
    pub note: String,
    pub actor: String,
    pub created_at: Timestamp,
    /// Why a short receipt was closed short (the reason the clerk chose).
    pub reason: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = qc_inspections)]
pub struct InspectionRow {
    pub id: InspectionId,
    pub asn_id: AsnId,
    pub sku_id: SkuId,
    pub lot_size: i32,
    pub aql: String,
    pub inspection_level: String,
    pub code_letter: String,
    pub sample_size: i32,
    pub accept_no: i32,
    pub reject_no: i32,
    pub sampled: i32,
    pub major_defects: i32,
    pub critical_defects: i32,
    pub status: String,
    pub inspector: Option<String>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = qc_samples)]
pub struct SampleRow {
    pub inspection_id: InspectionId,
    pub unit_no: i32,
    pub result: String,
    pub defect_code: Option<String>,
    pub note: String,
    pub photo_url: Option<String>,
    pub actor: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = penalty_rules)]
pub struct PenaltyRuleRow {
    pub id: PenaltyRuleId,
    pub code: String,
    pub kind: String,
    pub fixed_minor: i64,
    pub per_unit_minor: i64,
    pub currency: String,
    pub active: bool,
    pub effective_from: Timestamp,
    pub effective_to: Option<Timestamp>,
    pub description: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = penalties)]
pub struct PenaltyRow {
    pub id: PenaltyId,
    pub supplier_id: SupplierId,
    pub asn_id: AsnId,
    pub rule_id: PenaltyRuleId,
    pub kind: String,
    pub units: i32,
    pub amount_minor: i64,
    pub currency: String,
    pub basis: String,
    pub created_at: Timestamp,
}

// ---- stock-up orders

pub fn insert_stock_order(
    tx: &mut DbConn,
    row: &StockOrderRow,
    lines: &[StockOrderLineRow],
) -> QueryResult<()> {
    diesel::insert_into(stock_orders::table).values(row).execute(tx)?;
    for l in lines {
        diesel::insert_into(stock_order_lines::table).values(l).execute(tx)?;
    }
    Ok(())
}

pub fn stock_order(conn: &mut DbConn, id: StockOrderId) -> QueryResult<Option<StockOrderRow>> {
    stock_orders::table.find(id).select(StockOrderRow::as_select()).first(conn).optional()
}

pub fn stock_order_by_ref(conn: &mut DbConn, platform_ref: &str) -> QueryResult<Option<StockOrderRow>> {
    stock_orders::table
        .filter(stock_orders::platform_ref.eq(platform_ref))
        .select(StockOrderRow::as_select())
        .first(conn)
        .optional()
}

pub fn stock_order_lines(conn: &mut DbConn, id: StockOrderId) -> QueryResult<Vec<StockOrderLineRow>> {
    stock_order_lines::table
        .filter(stock_order_lines::order_id.eq(id))
        .order(stock_order_lines::sku_id)
        .select(StockOrderLineRow::as_select())
        .load(conn)
}

pub fn list_stock_orders(
    conn: &mut DbConn,
    supplier: Option<SupplierId>,
    status: Option<&str>,
    after: Option<StockOrderId>,
    limit: i64,
) -> QueryResult<Vec<StockOrderRow>> {
    let mut q = stock_orders::table.select(StockOrderRow::as_select()).order(stock_orders::id).into_boxed();
    if let Some(s) = supplier {
        q = q.filter(stock_orders::supplier_id.eq(s));
    }
    if let Some(s) = status {
        q = q.filter(stock_orders::status.eq(s.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(stock_orders::id.gt(a));
    }
    q.limit(limit).load(conn)
}

pub fn set_stock_order_status(
    tx: &mut DbConn,
    id: StockOrderId,
    status: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(stock_orders::table.find(id))
        .set((stock_orders::status.eq(status), stock_orders::updated_at.eq(now)))
        .execute(tx)
}

/// Adds to the counters of a stock-up order line (negative to take back).
pub fn bump_stock_order_line(
    tx: &mut DbConn,
    order: StockOrderId,
    sku: SkuId,
    shipped: i32,
    received: i32,
    passed: i32,
    put_away: i32,
) -> QueryResult<usize> {
    use stock_order_lines as l;
    diesel::update(l::table.find((order, sku)))
        .set((
            l::shipped.eq(l::shipped + shipped),
            l::received.eq(l::received + received),
            l::passed.eq(l::passed + passed),
            l::put_away.eq(l::put_away + put_away),
        ))
        .execute(tx)
}

/// Stamps when the supplier accepted the order.
pub fn mark_stock_order_accepted(tx: &mut DbConn, id: StockOrderId, at: Timestamp) -> QueryResult<usize> {
    diesel::update(stock_orders::table.find(id)).set(stock_orders::accepted_at.eq(Some(at))).execute(tx)
}

/// Why the supplier declined the order.
pub fn set_decline_reason(tx: &mut DbConn, id: StockOrderId, reason: &str) -> QueryResult<usize> {
    diesel::update(stock_orders::table.find(id))
        .set(stock_orders::decline_reason.eq(Some(reason)))
        .execute(tx)
}

/// Stamps when the order's first shipment was sent.
pub fn mark_stock_order_shipped(tx: &mut DbConn, id: StockOrderId, at: Timestamp) -> QueryResult<usize> {
    diesel::update(stock_orders::table.find(id)).set(stock_orders::shipped_at.eq(Some(at))).execute(tx)
}

/// Stamps when the order's first shipment arrived.
pub fn mark_stock_order_arrived(tx: &mut DbConn, id: StockOrderId, at: Timestamp) -> QueryResult<usize> {
    diesel::update(stock_orders::table.find(id)).set(stock_orders::arrived_at.eq(Some(at))).execute(tx)
}

/// Orders still awaiting acceptance whose deliver-by time has passed.
pub fn overdue_unaccepted(conn: &mut DbConn, now: Timestamp) -> QueryResult<Vec<StockOrderId>> {
    stock_orders::table
        .filter(stock_orders::status.eq("awaiting_acceptance"))
        .filter(stock_orders::deliver_by.lt(now))
        .select(stock_orders::id)
        .load(conn)
}

/// The statuses of the shipments made against an order.
pub fn shipment_statuses(conn: &mut DbConn, order: StockOrderId) -> QueryResult<Vec<String>> {
    asn_lines::table
        .inner_join(asns::table)
        .filter(asn_lines::stock_order_id.eq(order))
        .select(asns::status)
        .distinct()
        .load(conn)
}

// ---- shipments

pub fn insert_asn(
    tx: &mut DbConn,
    row: &AsnRow,
    lines: &[AsnLineRow],
    cartons: &[CartonRow],
    items: &[CartonItemRow],
) -> QueryResult<()> {
    diesel::insert_into(asns::table).values(row).execute(tx)?;
    for l in lines {
        diesel::insert_into(asn_lines::table).values(l).execute(tx)?;
    }
    for c in cartons {
        diesel::insert_into(asn_cartons::table).values(c).execute(tx)?;
    }
    for i in items {
        diesel::insert_into(asn_carton_items::table).values(i).execute(tx)?;
    }
    Ok(())
}

pub fn asn(conn: &mut DbConn, id: AsnId) -> QueryResult<Option<AsnRow>> {
    asns::table.find(id).select(AsnRow::as_select()).first(conn).optional()
}

pub fn asn_by_no(conn: &mut DbConn, no: &str) -> QueryResult<Option<AsnRow>> {
    asns::table.filter(asns::asn_no.eq(no)).select(AsnRow::as_select()).first(conn).optional()
}

pub fn set_asn_status(tx: &mut DbConn, id: AsnId, status: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(asns::table.find(id)).set((asns::status.eq(status), asns::updated_at.eq(now))).execute(tx)
}

/// Stamps the time the shipment reached `status`, for the states that
/// have a time of their own (submitted, arrived, received, inspected,
/// completed); nothing for the others.
pub fn stamp_asn_reached(tx: &mut DbConn, id: AsnId, status: AsnStatus, at: Timestamp) -> QueryResult<usize> {
    let at = Some(at);
    let target = asns::table.find(id);
    match status {
        AsnStatus::Submitted => diesel::update(target).set(asns::submitted_at.eq(at)).execute(tx),
        AsnStatus::Arrived => diesel::update(target).set(asns::arrived_at.eq(at)).execute(tx),
        AsnStatus::Received | AsnStatus::PartlyReceived => {
            diesel::update(target).set(asns::received_at.eq(at)).execute(tx)
        }
        AsnStatus::Inspected | AsnStatus::Returned => {
            diesel::update(target).set(asns::inspected_at.eq(at)).execute(tx)
        }
        AsnStatus::Completed => diesel::update(target).set(asns::completed_at.eq(at)).execute(tx),
        _ => Ok(0),
    }
}

/// The shipment's carrier and tracking number.
pub fn set_carrier(
    tx: &mut DbConn,
    id: AsnId,
    carrier: Option<&str>,
    tracking_no: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(asns::table.find(id))
        .set((asns::carrier.eq(carrier), asns::tracking_no.eq(tracking_no)))
        .execute(tx)
}

/// Why the shipment was refused at the dock.
pub fn set_reject_reason(tx: &mut DbConn, id: AsnId, reason: &str, note: &str) -> QueryResult<usize> {
    diesel::update(asns::table.find(id))
        .set((asns::reject_reason.eq(Some(reason)), asns::reject_note.eq(Some(note))))
        .execute(tx)
}

/// The live (not cancelled) shipment with this tracking number.
/// Live shipments with this tracking number (of every supplier: at the
/// dock a tracking number may be shared by two suppliers' shipments).
pub fn asns_by_tracking(conn: &mut DbConn, tracking: &str) -> QueryResult<Vec<AsnRow>> {
    asns::table
        .filter(asns::tracking_no.eq(tracking))
        .filter(asns::status.ne("cancelled"))
        .order(asns::id)
        .select(AsnRow::as_select())
        .limit(10)
        .load(conn)
}

/// One supplier's live shipment with this tracking number.
pub fn supplier_asn_by_tracking(
    conn: &mut DbConn,
    supplier: crate::ids::SupplierId,
    tracking: &str,
) -> QueryResult<Option<AsnRow>> {
    asns::table
        .filter(asns::supplier_id.eq(supplier))
        .filter(asns::tracking_no.eq(tracking))
        .filter(asns::status.ne("cancelled"))
        .select(AsnRow::as_select())
        .first(conn)
        .optional()
}

pub fn carton_by_label(conn: &mut DbConn, label: &str) -> QueryResult<Option<CartonRow>> {
    asn_cartons::table
        .filter(asn_cartons::label.eq(label))
        .select(CartonRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_asns(
    conn: &mut DbConn,
    supplier: Option<SupplierId>,
    statuses: &[String],
    after: Option<AsnId>,
    limit: i64,
) -> QueryResult<Vec<AsnRow>> {
    let mut q = asns::table.select(AsnRow::as_select()).order(asns::id).into_boxed();
    if let Some(s) = supplier {
        q = q.filter(asns::supplier_id.eq(s));
    }
    if !statuses.is_empty() {
        q = q.filter(asns::status.eq_any(statuses.to_vec()));
    }
    if let Some(a) = after {
        q = q.filter(asns::id.gt(a));
    }
    q.limit(limit).load(conn)
}

pub fn lines(conn: &mut DbConn, asn: AsnId) -> QueryResult<Vec<AsnLineRow>> {
    asn_lines::table
        .filter(asn_lines::asn_id.eq(asn))
        .order(asn_lines::sku_id)
        .select(AsnLineRow::as_select())
        .load(conn)
}

pub fn cartons(conn: &mut DbConn, asn: AsnId) -> QueryResult<Vec<CartonRow>> {
    asn_cartons::table
        .filter(asn_cartons::asn_id.eq(asn))
        .order(asn_cartons::carton_no)
        .select(CartonRow::as_select())
        .load(conn)
}

pub fn carton_items(conn: &mut DbConn, asn: AsnId) -> QueryResult<Vec<CartonItemRow>> {
    asn_carton_items::table
        .filter(asn_carton_items::asn_id.eq(asn))
        .order((asn_carton_items::carton_no, asn_carton_items::sku_id))
        .select(CartonItemRow::as_select())
        .load(conn)
}

// ---- receiving

pub fn carton(conn: &mut DbConn, asn: AsnId, carton_no: i32) -> QueryResult<Option<CartonRow>> {
    asn_cartons::table.find((asn, carton_no)).select(CartonRow::as_select()).first(conn).optional()
}

/// Marks a carton arrived (and counts it on its shipment), unless it had
/// arrived already. Returns whether it had not.
pub fn mark_carton_arrived(tx: &mut DbConn, asn: AsnId, carton_no: i32, now: Timestamp) -> QueryResult<bool> {
    let n =
        diesel::update(asn_cartons::table.find((asn, carton_no)).filter(asn_cartons::arrived_at.is_null()))
            .set(asn_cartons::arrived_at.eq(Some(now)))
            .execute(tx)?;
    if n > 0 {
        diesel::update(asns::table.find(asn))
            .set((asns::cartons_arrived.eq(asns::cartons_arrived + 1), asns::updated_at.eq(now)))
            .execute(tx)?;
    }
    Ok(n > 0)
}

/// Gives a carton that is not closed to `clerk` for counting, if nobody
/// else is counting it (a guarded update: of two clerks, one gets it).
/// Returns 0 if someone else is.
pub fn take_carton(
    tx: &mut DbConn,
    asn: AsnId,
    carton_no: i32,
    clerk: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(
        asn_cartons::table
            .find((asn, carton_no))
            .filter(asn_cartons::closed_at.is_null())
            .filter(asn_cartons::receiving_by.is_null().or(asn_cartons::receiving_by.eq(clerk))),
    )
    .set((asn_cartons::receiving_by.eq(Some(clerk)), asn_cartons::receiving_started_at.eq(Some(now))))
    .execute(tx)
}

/// Another carton of the shipment `clerk` has open, if any.
pub fn other_carton_open_by(
    tx: &mut DbConn,
    asn: AsnId,
    carton_no: i32,
    clerk: &str,
) -> QueryResult<Option<i32>> {
    asn_cartons::table
        .filter(asn_cartons::asn_id.eq(asn))
        .filter(asn_cartons::carton_no.ne(carton_no))
        .filter(asn_cartons::receiving_by.eq(clerk))
        .filter(asn_cartons::closed_at.is_null())
        .select(asn_cartons::carton_no)
        .first(tx)
        .optional()
}

/// Nobody is counting the carton now (its counts are kept).
pub fn pause_carton(tx: &mut DbConn, asn: AsnId, carton_no: i32) -> QueryResult<usize> {
    diesel::update(asn_cartons::table.find((asn, carton_no)))
        .set(asn_cartons::receiving_by.eq(None::<String>))
        .execute(tx)
}

/// A SKU's units in a carton: expected, counted, damaged.
pub fn carton_item_counts(
    tx: &mut DbConn,
    asn: AsnId,
    carton_no: i32,
    sku: SkuId,
) -> QueryResult<Option<(i32, i32, i32)>> {
    asn_carton_items::table
        .find((asn, carton_no, sku))
        .select((asn_carton_items::expected, asn_carton_items::counted, asn_carton_items::damaged))
        .first(tx)
        .optional()
}

/// Counts units of a SKU into a carton, good and damaged. A SKU of the
/// shipment that was not packed in this carton gets a line of its own
/// (expected 0).
pub fn count_into_carton(
    tx: &mut DbConn,
    asn: AsnId,
    carton_no: i32,
    sku: SkuId,
    good: i32,
    damaged: i32,
) -> QueryResult<()> {
    use asn_carton_items as items;
    let n = diesel::update(items::table.find((asn, carton_no, sku)))
        .set((items::counted.eq(items::counted + good), items::damaged.eq(items::damaged + damaged)))
        .execute(tx)?;
    if n == 0 {
        diesel::insert_into(items::table)
            .values(&CartonItemRow {
                asn_id: asn,
                carton_no,
                sku_id: sku,
                expected: 0,
                counted: good,
                damaged,
            })
            .execute(tx)?;
    }
    Ok(())
}

pub fn close_carton(tx: &mut DbConn, asn: AsnId, carton_no: i32, now: Timestamp) -> QueryResult<usize> {
    diesel::update(asn_cartons::table.find((asn, carton_no)))
        .set(asn_cartons::closed_at.eq(Some(now)))
        .execute(tx)
}

/// What was counted into one carton.
pub fn items_of_carton(tx: &mut DbConn, asn: AsnId, carton_no: i32) -> QueryResult<Vec<CartonItemRow>> {
    asn_carton_items::table
        .filter(asn_carton_items::asn_id.eq(asn))
        .filter(asn_carton_items::carton_no.eq(carton_no))
        .select(CartonItemRow::as_select())
        .load(tx)
}

/// Adds a closed carton's units to the shipment's line of the SKU.
pub fn add_received(
    tx: &mut DbConn,
    asn: AsnId,
    sku: SkuId,
    received: i32,
    damaged: i32,
) -> QueryResult<usize> {
    diesel::update(asn_lines::table.find((asn, sku)))
        .set((
            asn_lines::received.eq(asn_lines::received + received),
            asn_lines::damaged.eq(asn_lines::damaged + damaged),
        ))
        .execute(tx)
}

pub fn exceptions(conn: &mut DbConn, asn: AsnId) -> QueryResult<Vec<ExceptionRow>> {
    receiving_exceptions::table
        .filter(receiving_exceptions::asn_id.eq(asn))
        .order(receiving_exceptions::id)
        .select(ExceptionRow::as_select())
        .load(conn)
}

pub fn insert_exception(tx: &mut DbConn, row: &ExceptionRow) -> QueryResult<()> {
    diesel::insert_into(receiving_exceptions::table).values(row).execute(tx).map(drop)
}

/// The exceptions queue: newest first, with each one's shipment number and
/// SKU code. `open`: only those not resolved yet.
pub fn exception_queue(
    conn: &mut DbConn,
    open: bool,
    kind: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(ExceptionRow, String, Option<String>)>> {
    let mut q = receiving_exceptions::table
        .inner_join(asns::table)
        .left_join(
            crate::db::schema::skus::table
                .on(crate::db::schema::skus::id.nullable().eq(receiving_exceptions::sku_id)),
        )
        .select((ExceptionRow::as_select(), asns::asn_no, crate::db::schema::skus::sku_code.nullable()))
        .order((receiving_exceptions::created_at.desc(), receiving_exceptions::id.desc()))
        .limit(limit)
        .into_boxed();
    if open {
        q = q.filter(receiving_exceptions::resolved_at.is_null());
    }
    if let Some(k) = kind {
        q = q.filter(receiving_exceptions::kind.eq(k.to_owned()));
    }
    q.load(conn)
}

pub fn exception(conn: &mut DbConn, id: ExceptionId) -> QueryResult<Option<ExceptionRow>> {
    receiving_exceptions::table.find(id).select(ExceptionRow::as_select()).first(conn).optional()
}

/// Marks an open exception resolved; 0 if it was resolved already.
pub fn resolve_exception(
    tx: &mut DbConn,
    id: ExceptionId,
    by: &str,
    note: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(receiving_exceptions::table.find(id).filter(receiving_exceptions::resolved_at.is_null()))
        .set((
            receiving_exceptions::resolved_at.eq(Some(now)),
            receiving_exceptions::resolved_by.eq(Some(by)),
            receiving_exceptions::resolution.eq(Some(note)),
        ))
        .execute(tx)
}

/// Open exceptions by kind (for the dashboard).
pub fn open_exception_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    receiving_exceptions::table
        .filter(receiving_exceptions::resolved_at.is_null())
        .group_by(receiving_exceptions::kind)
        .select((receiving_exceptions::kind, diesel::dsl::count_star()))
        .load(conn)
}

/// Units a supplier has on the way: announced on shipments that are sent
/// but whose receipt is not closed, less what closed cartons already
/// brought in (that is in the receiving bucket).
pub fn in_transit_by_sku(
    conn: &mut DbConn,
    owner: SupplierId,
    skus: &[SkuId],
) -> QueryResult<HashMap<SkuId, i64>> {
    let rows: Vec<(SkuId, i32, i32, i32)> = asn_lines::table
        .inner_join(asns::table)
        .filter(asns::supplier_id.eq(owner))
        .filter(asns::status.eq_any(["submitted", "arrived", "receiving"]))
        .filter(asn_lines::sku_id.eq_any(skus))
        .select((asn_lines::sku_id, asn_lines::expected, asn_lines::received, asn_lines::damaged))
        .load(conn)?;
    let mut out = HashMap::new();
    for (sku, expected, received, damaged) in rows {
        *out.entry(sku).or_insert(0) += i64::from((expected - received - damaged).max(0));
    }
    Ok(out)
}

// ---- quality inspection

pub fn inspections(conn: &mut DbConn, asn: AsnId) -> QueryResult<Vec<InspectionRow>> {
    qc_inspections::table
        .filter(qc_inspections::asn_id.eq(asn))
        .order(qc_inspections::sku_id)
        .select(InspectionRow::as_select())
        .load(conn)
}

pub fn insert_inspection(tx: &mut DbConn, row: &InspectionRow) -> QueryResult<()> {
    diesel::insert_into(qc_inspections::table).values(row).execute(tx)?;
    Ok(())
}

pub fn inspection(conn: &mut DbConn, id: InspectionId) -> QueryResult<InspectionRow> {
    qc_inspections::table.find(id).select(InspectionRow::as_select()).first(conn)
}

/// The inspection lot of one SKU of a shipment.
pub fn lot_of(conn: &mut DbConn, asn: AsnId, sku: SkuId) -> QueryResult<Option<InspectionRow>> {
    qc_inspections::table
        .filter(qc_inspections::asn_id.eq(asn))
        .filter(qc_inspections::sku_id.eq(sku))
        .select(InspectionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_sample(tx: &mut DbConn, row: &SampleRow) -> QueryResult<()> {
    diesel::insert_into(qc_samples::table).values(row).execute(tx)?;
    Ok(())
}

/// Where a lot's inspection stands after a sample.
pub struct LotProgress<'a> {
    pub sampled: i32,
    pub major_defects: i32,
    pub critical_defects: i32,
    pub status: &'static str,
    pub inspector: &'a str,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

pub fn record_lot_progress(tx: &mut DbConn, id: InspectionId, p: &LotProgress<'_>) -> QueryResult<usize> {
    use qc_inspections as qi;
    diesel::update(qi::table.find(id))
        .set((
            qi::sampled.eq(p.sampled),
            qi::major_defects.eq(p.major_defects),
            qi::critical_defects.eq(p.critical_defects),
            qi::status.eq(p.status),
            qi::inspector.eq(Some(p.inspector)),
            qi::started_at.eq(p.started_at),
            qi::completed_at.eq(p.completed_at),
        ))
        .execute(tx)
}

/// A decided lot's units on the shipment's line: passed and failed.
pub fn set_qc_result(
    tx: &mut DbConn,
    asn: AsnId,
    sku: SkuId,
    passed: i32,
    failed: i32,
) -> QueryResult<usize> {
    diesel::update(asn_lines::table.find((asn, sku)))
        .set((asn_lines::qc_passed.eq(passed), asn_lines::qc_failed.eq(failed)))
        .execute(tx)
}

pub fn samples(conn: &mut DbConn, inspection: InspectionId) -> QueryResult<Vec<SampleRow>> {
    qc_samples::table
        .filter(qc_samples::inspection_id.eq(inspection))
        .order(qc_samples::unit_no)
        .select(SampleRow::as_select())
        .load(conn)
}

// ---- putaway

/// Adds units put away to the shipment's line of the SKU.
pub fn add_put_away(tx: &mut DbConn, asn: AsnId, sku: SkuId, units: i32) -> QueryResult<usize> {
    diesel::update(asn_lines::table.find((asn, sku)))
        .set(asn_lines::put_away.eq(asn_lines::put_away + units))
        .execute(tx)
}

// ---- penalties

pub fn active_rules(conn: &mut DbConn, kind: &str, at: Timestamp) -> QueryResult<Vec<PenaltyRuleRow>> {
    penalty_rules::table
        .filter(penalty_rules::kind.eq(kind))
        .filter(penalty_rules::active.eq(true))
        .filter(penalty_rules::effective_from.le(at))
        .filter(penalty_rules::effective_to.is_null().or(penalty_rules::effective_to.gt(at)))
        .select(PenaltyRuleRow::as_select())
        .load(conn)
}

pub fn all_rules(conn: &mut DbConn) -> QueryResult<Vec<PenaltyRuleRow>> {
    penalty_rules::table.order(penalty_rules::code).select(PenaltyRuleRow::as_select()).load(conn)
}

pub fn insert_penalty(tx: &mut DbConn, row: &PenaltyRow) -> QueryResult<()> {
    diesel::insert_into(penalties::table).values(row).execute(tx)?;
    Ok(())
}

/// A supplier's newest shipments that were received (or later) or refused
/// at the dock.
pub fn received_or_refused_asns(
    conn: &mut DbConn,
    supplier: SupplierId,
    limit: i64,
) -> QueryResult<Vec<AsnRow>> {
    asns::table
        .filter(asns::supplier_id.eq(supplier))
        .filter(asns::received_at.is_not_null().or(asns::status.eq("rejected_at_dock")))
        .order(asns::id.desc())
        .limit(limit)
        .select(AsnRow::as_select())
        .load(conn)
}

pub fn penalties_of(
    conn: &mut DbConn,
    supplier: Option<SupplierId>,
    limit: i64,
) -> QueryResult<Vec<PenaltyRow>> {
    let mut q = penalties::table.select(PenaltyRow::as_select()).order(penalties::id.desc()).into_boxed();
    if let Some(s) = supplier {
        q = q.filter(penalties::supplier_id.eq(s));
    }
    q.limit(limit).load(conn)
}

/// Shipments announced to arrive in `[from, to)` and not checked in yet.
pub fn arriving_between(conn: &mut DbConn, from: Timestamp, to: Timestamp) -> QueryResult<i64> {
    asns::table
        .filter(asns::status.eq("submitted"))
        .filter(asns::estimated_arrival.ge(from))
        .filter(asns::estimated_arrival.lt(to))
        .count()
        .get_result(conn)
}

/// Cartons at the warehouse whose counting is not finished.
pub fn cartons_waiting(conn: &mut DbConn) -> QueryResult<i64> {
    asn_cartons::table
        .inner_join(asns::table)
        .filter(asns::status.eq_any(["arrived", "receiving"]))
        .filter(asn_cartons::arrived_at.is_not_null())
        .filter(asn_cartons::closed_at.is_null())
        .count()
        .get_result(conn)
}

/// QC lots not decided yet.
pub fn lots_undecided(conn: &mut DbConn) -> QueryResult<i64> {
    qc_inspections::table
        .filter(qc_inspections::status.eq_any(["pending", "in_progress"]))
        .count()
        .get_result(conn)
}
