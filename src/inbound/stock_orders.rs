//! Stock-up orders (备货单): the platform asks a supplier for stock; the
//! supplier accepts or declines; shipments against it move it on.

use serde::{Deserialize, Serialize};

use super::asn::Asn;
use super::domain::{AsnStatus, StockOrderAction, StockOrderStatus};
use super::store::{self, StockOrderLineRow, StockOrderRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, EventType, NewEvent, catalog};
use crate::ids::{AggregateId, AsnId, SkuId, StockOrderId, SupplierId};
use crate::values::{self, Errors};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockOrderInput {
    /// The platform's own id for the order: a repeat with the same id
    /// returns the existing order.
    pub platform_ref: String,
    pub supplier_id: SupplierId,
    /// Ship by (发货截止).
    pub deliver_by: Timestamp,
    /// At the warehouse by (到货截止); not before `deliver_by`.
    pub arrive_by: Timestamp,
    pub lines: Vec<StockOrderLineInput>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockOrderLineInput {
    pub sku_id: SkuId,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockOrderLine {
    pub sku_id: SkuId,
    pub sku_code: String,
    pub quantity: i32,
    pub shipped: i32,
    pub received: i32,
    pub passed_qc: i32,
    pub put_away: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockOrder {
    pub id: StockOrderId,
    pub order_no: String,
    pub platform_ref: String,
    pub supplier_id: SupplierId,
    pub warehouse_code: String,
    pub status: StockOrderStatus,
    pub deliver_by: Timestamp,
    pub arrive_by: Timestamp,
    /// Shipped after `deliver_by`, or not shipped and `deliver_by` passed.
    pub shipping_late: bool,
    /// Arrived after `arrive_by`, or not arrived and `arrive_by` passed.
    pub arrival_late: bool,
    pub decline_reason: Option<String>,
    pub accepted_at: Option<Timestamp>,
    pub shipped_at: Option<Timestamp>,
    pub arrived_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub lines: Vec<StockOrderLine>,
}

fn status_of(r: &StockOrderRow) -> Result<StockOrderStatus, AppError> {
    StockOrderStatus::stored(&r.status, || format!("stock-up order {}", r.order_no))
}

/// Whether the order is still waiting for something to happen by `due`.
fn late(done_at: Option<Timestamp>, due: Timestamp, open: bool, now: Timestamp) -> bool {
    match done_at {
        Some(t) => t > due,
        None => open && now > due,
    }
}

/// An order as its reader sees it; `now` decides whether an open one is
/// already late.
pub fn get(
    conn: &mut DbConn,
    id: StockOrderId,
    owner: Option<SupplierId>,
    now: Timestamp,
) -> Result<StockOrder, AppError> {
    let row = store::stock_order(conn, id)?
        .filter(|r| owner.is_none_or(|o| o == r.supplier_id))
        .ok_or(AppError::not_found("stock-up order"))?;
    assemble(conn, row, now)
}

fn assemble(conn: &mut DbConn, r: StockOrderRow, now: Timestamp) -> Result<StockOrder, AppError> {
    let mut lines = Vec::new();
    for l in store::stock_order_lines(conn, r.id)? {
        let sku_code =
            crate::catalog::service::sku_row(conn, l.sku_id)?.map(|s| s.sku_code).unwrap_or_default();
        lines.push(StockOrderLine {
            sku_id: l.sku_id,
            sku_code,
            quantity: l.quantity,
            shipped: l.shipped,
            received: l.received,
            passed_qc: l.passed,
            put_away: l.put_away,
        });
    }
    let status = status_of(&r)?;
    let open = !matches!(
        status,
        StockOrderStatus::Declined
            | StockOrderStatus::Cancelled
            | StockOrderStatus::Void
            | StockOrderStatus::TimedOut
    );
    Ok(StockOrder {
        id: r.id,
        order_no: r.order_no,
        platform_ref: r.platform_ref,
        supplier_id: r.supplier_id,
        warehouse_code: r.warehouse_code,
        status,
        deliver_by: r.deliver_by,
        arrive_by: r.arrive_by,
        shipping_late: late(r.shipped_at, r.deliver_by, open, now),
        arrival_late: late(r.arrived_at, r.arrive_by, open, now),
        decline_reason: r.decline_reason,
        accepted_at: r.accepted_at,
        shipped_at: r.shipped_at,
        arrived_at: r.arrived_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
        lines,
    })
}

/// Whether a repeat is the order made before: same supplier, deadlines
/// (to the microsecond, as stored) and lines (SKU and quantity).
fn same_order(input: &StockOrderInput, order: &StockOrder) -> bool {
    let micros = |t: &Timestamp| t.0.timestamp_micros();
    input.supplier_id == order.supplier_id
        && micros(&input.deliver_by) == micros(&order.deliver_by)
        && micros(&input.arrive_by) == micros(&order.arrive_by)
        && {
            let mut sent: Vec<(SkuId, i64)> = input.lines.iter().map(|l| (l.sku_id, l.quantity)).collect();
            let mut made: Vec<(SkuId, i64)> =
                order.lines.iter().map(|l| (l.sku_id, i64::from(l.quantity))).collect();
            sent.sort();
            made.sort();
            sent == made
        }
}

/// Creates an order (platform). Idempotent on `platform_ref`: a repeat of
/// the same order returns the order already made (and `false`); another
/// order under the same `platform_ref` is `409 platform_ref_taken`.
pub fn create(
    tx: &mut DbConn,
    input: &StockOrderInput,
    warehouse_code: &str,
    now: Timestamp,
) -> Result<(StockOrder, bool), AppError> {
    let mut errs = Errors::default();
    let platform_ref = errs.take(values::code("platform_ref", &input.platform_ref, 64));
    if let Some(r) = &platform_ref {
        crate::db::lock_key(tx, &format!("stock-order\n{r}"))?;
        if let Some(existing) = store::stock_order_by_ref(tx, r)? {
            let order = assemble(tx, existing, now)?;
            if !same_order(input, &order) {
                return Err(AppError::conflict(
                    "platform_ref_taken",
                    format!(
                        "Stock-up order {} was created with this platform_ref and other content; \
                         a repeat must be the same order.",
                        order.order_no
                    ),
                ));
            }
            return Ok((order, false));
        }
    }
    let supplier_ok = crate::suppliers::service::is_active(tx, input.supplier_id).unwrap_or(false);
    if !supplier_ok {
        errs.0.push(FieldError::new("supplier_id", "unknown_supplier", "no active supplier has this id"));
    }
    if input.arrive_by.0 < input.deliver_by.0 {
        errs.0.push(FieldError::new("arrive_by", "before_deliver_by", "must not be before deliver_by"));
    }
    if input.deliver_by.0 < now.0 {
        errs.0.push(FieldError::new("deliver_by", "in_the_past", "must be in the future"));
    }
    if input.lines.is_empty() || input.lines.len() > super::asn::MAX_LINES {
        errs.0.push(FieldError::new("lines", "required", "1 to 500 lines"));
    }
    let mut seen = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let f = format!("lines[{i}]");
        errs.take(values::positive_i32(&format!("{f}.quantity"), l.quantity, 1_000_000));
        if seen.contains(&l.sku_id) {
            errs.0.push(FieldError::new(&format!("{f}.sku_id"), "duplicate_sku", "one line per SKU"));
        }
        seen.push(l.sku_id);
        match crate::catalog::service::sku_row(tx, l.sku_id)? {
            Some(s) if s.supplier_id == input.supplier_id && s.status == "active" => {}
            _ => errs.0.push(FieldError::new(
                &format!("{f}.sku_id"),
                "unknown_sku",
                "the supplier has no active SKU with this id",
            )),
        }
    }
    errs.finish()?;
    let row = StockOrderRow {
        id: StockOrderId::generate(),
        order_no: crate::db::docno::next(tx, "SO")?,
        platform_ref: platform_ref.expect("checked"),
        supplier_id: input.supplier_id,
        warehouse_code: warehouse_code.to_owned(),
        deliver_by: Timestamp::from(input.deliver_by.0),
        arrive_by: Timestamp::from(input.arrive_by.0),
        status: StockOrderStatus::AwaitingAcceptance.as_str().into(),
        decline_reason: None,
        accepted_at: None,
        shipped_at: None,
        arrived_at: None,
        created_at: now,
        updated_at: now,
    };
    let lines: Vec<StockOrderLineRow> = input
        .lines
        .iter()
        .map(|l| StockOrderLineRow {
            order_id: row.id,
            sku_id: l.sku_id,
            quantity: l.quantity as i32,
            shipped: 0,
            received: 0,
            passed: 0,
            put_away: 0,
        })
        .collect();
    store::insert_stock_order(tx, &row, &lines)?;
    let order = assemble(tx, row, now)?;
    let lines: Vec<_> =
        order.lines.iter().map(|l| serde_json::json!({"sku_id": l.sku_id, "quantity": l.quantity})).collect();
    record(tx, &order, catalog::STOCK_ORDER_CREATED, serde_json::json!({"lines": lines}))?;
    Ok((order, true))
}

fn record(
    tx: &mut DbConn,
    o: &StockOrder,
    event_type: EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let payload = crate::events::merged(
        serde_json::json!({
            "stock_order_id": o.id, "order_no": o.order_no, "platform_ref": o.platform_ref,
            "supplier_id": o.supplier_id, "status": o.status,
            "shipping_late": o.shipping_late, "arrival_late": o.arrival_late,
        }),
        extra,
    );
    events::record(
        tx,
        NewEvent {
            event_type,
            aggregate_id: AggregateId(o.id.0),
            document_no: o.order_no.clone(),
            owner: Some(o.supplier_id),
            payload,
        },
    )?;
    Ok(())
}

fn locked(tx: &mut DbConn, id: StockOrderId, owner: Option<SupplierId>) -> Result<StockOrderRow, AppError> {
    crate::db::lock_key(tx, &format!("stock-order-id\n{id}"))?;
    store::stock_order(tx, id)?
        .filter(|r| owner.is_none_or(|o| o == r.supplier_id))
        .ok_or(AppError::not_found("stock-up order"))
}

fn change(
    tx: &mut DbConn,
    row: &StockOrderRow,
    action: StockOrderAction,
    event: EventType,
    extra: serde_json::Value,
    now: Timestamp,
) -> Result<StockOrder, AppError> {
    let to = status_of(row)?.next(action)?;
    store::set_stock_order_status(tx, row.id, to.as_str(), now)?;
    if action == StockOrderAction::Accept {
        store::mark_stock_order_accepted(tx, row.id, now)?;
    }
    if let Some(reason) = extra.get("reason").and_then(|r| r.as_str()) {
        store::set_decline_reason(tx, row.id, reason)?;
    }
    let order = get(tx, row.id, None, now)?;
    record(tx, &order, event, extra)?;
    Ok(order)
}

/// The supplier accepts. Past the deliver-by time it is too late.
pub fn accept(
    tx: &mut DbConn,
    id: StockOrderId,
    supplier: SupplierId,
    now: Timestamp,
) -> Result<StockOrder, AppError> {
    let row = locked(tx, id, Some(supplier))?;
    if now > row.deliver_by && status_of(&row)? == StockOrderStatus::AwaitingAcceptance {
        return Err(AppError::conflict(
            "stock_order_expired",
            "The deliver-by time has passed; the order can no longer be accepted.",
        ));
    }
    change(tx, &row, StockOrderAction::Accept, catalog::STOCK_ORDER_ACCEPTED, serde_json::json!({}), now)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineInput {
    pub reason: String,
}

pub fn decline(
    tx: &mut DbConn,
    id: StockOrderId,
    supplier: SupplierId,
    input: &DeclineInput,
    now: Timestamp,
) -> Result<StockOrder, AppError> {
    let reason = values::text("reason", &input.reason, 500).map_err(|e| AppError::validation(vec![e]))?;
    let row = locked(tx, id, Some(supplier))?;
    change(
        tx,
        &row,
        StockOrderAction::Decline,
        catalog::STOCK_ORDER_DECLINED,
        serde_json::json!({"reason": reason}),
        now,
    )
}

/// The platform withdraws: cancelled before acceptance, void after (only
/// while nothing has been shipped against it).
pub fn cancel(tx: &mut DbConn, id: StockOrderId, now: Timestamp) -> Result<StockOrder, AppError> {
    let row = locked(tx, id, None)?;
    let shipped = store::stock_order_lines(tx, id)?.iter().any(|l| l.shipped > 0);
    if shipped {
        return Err(AppError::conflict(
            "illegal_transition",
            "Goods have been shipped against this order; it can no longer be withdrawn.",
        ));
    }
    change(tx, &row, StockOrderAction::Cancel, catalog::STOCK_ORDER_CANCELLED, serde_json::json!({}), now)
}

/// Times out every order still awaiting acceptance after its deliver-by
/// time. Run periodically by the server and by `custody stock-orders expire`.
pub fn expire_overdue(tx: &mut DbConn, now: Timestamp) -> Result<usize, AppError> {
    let ids = store::overdue_unaccepted(tx, now)?;
    for id in &ids {
        let row = locked(tx, *id, None)?;
        if status_of(&row)? == StockOrderStatus::AwaitingAcceptance {
            change(
                tx,
                &row,
                StockOrderAction::TimeOut,
                catalog::STOCK_ORDER_TIMED_OUT,
                serde_json::json!({}),
                now,
            )?;
        }
    }
    Ok(ids.len())
}

/// Whether a shipment goes out after the deliver-by time of any order it
/// fills.
pub fn deliver_by_passed(conn: &mut DbConn, asn: AsnId, now: Timestamp) -> Result<bool, AppError> {
    for order in orders_of(conn, asn)? {
        if let Some(o) = store::stock_order(conn, order)?
            && now > o.deliver_by
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The stock-up orders a shipment fills.
pub fn orders_of(conn: &mut DbConn, asn: AsnId) -> Result<Vec<StockOrderId>, AppError> {
    let mut ids: Vec<StockOrderId> =
        store::lines(conn, asn)?.into_iter().filter_map(|l| l.stock_order_id).collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// After a shipment changed state: moves each order it fills to the
/// progress state its shipments imply, stamps first shipping and arrival
/// times, and records `stock_order.status_changed` when the state changed.
pub fn follow_shipment(tx: &mut DbConn, asn: &Asn, now: Timestamp) -> Result<(), AppError> {
    for order in orders_of(tx, asn.id)? {
        let row = locked(tx, order, None)?;
        let before = status_of(&row)?;
        if before.next(StockOrderAction::Ship).is_err() && before != StockOrderStatus::RejectedAtDock {
            continue;
        }
        if asn.status == AsnStatus::Submitted && row.shipped_at.is_none() {
            store::mark_stock_order_shipped(tx, order, now)?;
        }
        if asn.status == AsnStatus::Arrived && row.arrived_at.is_none() {
            store::mark_stock_order_arrived(tx, order, now)?;
        }
        let statuses = store::shipment_statuses(tx, order)?
            .iter()
            .map(|s| AsnStatus::stored(s, || format!("a shipment of stock-up order {}", row.order_no)))
            .collect::<Result<Vec<_>, _>>()?;
        let after = StockOrderStatus::from_shipments(&statuses);
        if after != before {
            store::set_stock_order_status(tx, order, after.as_str(), now)?;
            let o = get(tx, order, None, now)?;
            record(
                tx,
                &o,
                catalog::STOCK_ORDER_STATUS_CHANGED,
                serde_json::json!({"previous_status": before, "asn_no": asn.asn_no}),
            )?;
        }
    }
    Ok(())
}

pub fn list(
    conn: &mut DbConn,
    supplier: Option<SupplierId>,
    status: Option<StockOrderStatus>,
    page: crate::paging::PageRequest,
    now: Timestamp,
) -> Result<crate::paging::Page<StockOrder>, AppError> {
    let rows = store::list_stock_orders(
        conn,
        supplier,
        status.map(|s| s.as_str()),
        page.after.map(StockOrderId),
        page.limit + 1,
    )?;
    let page = crate::paging::Page::from_rows(rows, page, |r| r.id.0);
    let mut items = Vec::with_capacity(page.items.len());
    for r in page.items {
        items.push(assemble(conn, r, now)?);
    }
    Ok(crate::paging::Page { items, next_cursor: page.next_cursor })
}
