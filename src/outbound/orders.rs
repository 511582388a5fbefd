//! Orders: what every API shows of one, allocation of backorders, and
//! cancellation. New orders come in through [`super::intake`].
//!
//! Allocation reserves available stock of the line's owner, first-in
//! first-out by receipt, across bins if needed, through the ledger
//! (available -> reserved): the guarded decrement under the SKU's lock
//! means two orders can never reserve the same unit. What cannot be
//! reserved is backordered and allocated when stock becomes available.

use serde::{Deserialize, Serialize};

use super::pii::Buyer;
use super::store::{self, AllocationRow, LineRow, OrderRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, EventType, NewEvent, catalog};
use crate::ids::{AggregateId, OrderId, SkuId};
use crate::inbound::domain::string_enum;
use crate::stock::{self, Bucket, Movement, Place, Reason};
use crate::values;

/// Markets the warehouse ships to.
pub const DESTINATIONS: &[&str] = &["US", "GB", "SA", "AE", "ID", "TH", "VN", "MY", "PH", "SG"];

string_enum!(
    /// Where an order is.
    OrderStatus {
        /// Every unit reserved.
        Allocated = "allocated",
        /// Some units wait for stock.
        Backordered = "backordered",
        /// In a released wave, being picked.
        Waved = "waved",
        /// Every unit is in the order's tote.
        Picked = "picked",
        /// In a parcel, labelled, waiting in outbound staging.
        Packed = "packed",
        /// Its parcel was handed over to the line-haul carrier.
        Shipped = "shipped",
        Cancelled = "cancelled",
        /// Its parcel was delivered: the order is complete.
        Delivered = "delivered",
    }
);

impl OrderStatus {
    /// Packed and every state after, and cancelled: its lines, tasks and
    /// reservations no longer decide its status.
    pub fn settled(self) -> bool {
        matches!(self, Self::Packed | Self::Shipped | Self::Delivered | Self::Cancelled)
    }
}

/// Service levels are a shipping notion: channels offer them.
pub use crate::channels::domain::ServiceLevel;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The platform's id of the order: a repeat returns the existing order.
    pub platform_order_id: String,
    pub shop: String,
    /// The marketplace, e.g. `US`, `TH`.
    pub market: String,
    /// ISO 3166-1 alpha-2, one of the supported destinations.
    pub destination_country: String,
    pub service_level: ServiceLevel,
    /// Promised ship-by time.
    pub ship_by: Timestamp,
    pub lines: Vec<OrderLineInput>,
    pub buyer: Buyer,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    pub sku_id: SkuId,
    pub quantity: i64,
    pub unit_price: crate::catalog::domain::MoneyDto,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderLine {
    pub line_no: i32,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub quantity: i32,
    pub allocated: i32,
    pub cancelled: i32,
    /// Waiting for stock.
    pub backordered: i32,
    pub unit_price: crate::catalog::domain::MoneyDto,
}

/// An order as every API shows it: the buyer only masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: OrderId,
    pub order_no: String,
    pub platform_order_id: String,
    pub shop: String,
    pub market: String,
    pub destination_country: String,
    pub service_level: String,
    pub ship_by: Timestamp,
    pub status: OrderStatus,
    /// `J*** D***, ***-**34`; empty once erased.
    pub buyer_masked: String,
    pub buyer_erased: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The tote its picked units are in, until it is packed.
    pub tote: Option<String>,
    pub lines: Vec<OrderLine>,
}

fn status_of(r: &OrderRow) -> Result<OrderStatus, AppError> {
    OrderStatus::stored(&r.status, || format!("order {}", r.order_no))
}

pub fn get(conn: &mut DbConn, id: OrderId) -> Result<Order, AppError> {
    let row = store::by_id(conn, id)?.ok_or(AppError::not_found("order"))?;
    assemble(conn, row)
}

/// An order by its number (`ORD-…`).
pub fn by_no(conn: &mut DbConn, order_no: &str) -> Result<Order, AppError> {
    let row =
        store::by_no(conn, &order_no.trim().to_ascii_uppercase())?.ok_or(AppError::not_found("order"))?;
    assemble(conn, row)
}

/// An order by our number (`ORD-…`) or the platform's order id.
pub fn by_reference(conn: &mut DbConn, reference: &str) -> Result<Order, AppError> {
    let reference = reference.trim();
    let row = match store::by_no(conn, &reference.to_ascii_uppercase())? {
        Some(r) => Some(r),
        None => store::by_platform_ids(conn, &[reference.to_owned()])?.into_iter().next(),
    };
    assemble(conn, row.ok_or(AppError::not_found("order"))?)
}

/// A line of an order as after-sales sees it: whose goods, how many went
/// out, at what price.
#[derive(Debug, Clone)]
pub struct SoldLine {
    pub line_no: i32,
    pub sku_id: SkuId,
    pub owner_id: crate::ids::SupplierId,
    /// Units ordered less those cancelled.
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub currency: String,
}

/// The order's lines with their owners and prices.
pub fn sold_lines(conn: &mut DbConn, id: OrderId) -> Result<Vec<SoldLine>, AppError> {
    Ok(store::lines(conn, id)?
        .into_iter()
        .map(|l| SoldLine {
            line_no: l.line_no,
            sku_id: l.sku_id,
            owner_id: l.owner_id,
            quantity: l.quantity - l.cancelled,
            unit_price_minor: l.unit_price_minor,
            currency: l.currency,
        })
        .collect())
}

/// Serialises changes to one order (and its lines' stock), as every
/// writer of an order does.
pub fn lock(tx: &mut DbConn, id: OrderId) -> Result<(), AppError> {
    lock_order(tx, id, &[])
}

pub(super) fn assemble(conn: &mut DbConn, r: OrderRow) -> Result<Order, AppError> {
    let lines = store::lines(conn, r.id)?;
    let ids: Vec<SkuId> = lines.iter().map(|l| l.sku_id).collect();
    let codes: std::collections::HashMap<SkuId, String> =
        crate::catalog::service::sku_rows(conn, &ids)?.into_iter().map(|s| (s.id, s.sku_code)).collect();
    let codes = lines.iter().map(|l| codes.get(&l.sku_id).cloned().unwrap_or_default()).collect();
    order_from(r, lines, codes)
}

/// An order from its rows, and its lines' SKU codes (in line order).
pub(super) fn order_from(r: OrderRow, rows: Vec<LineRow>, sku_codes: Vec<String>) -> Result<Order, AppError> {
    let mut lines = Vec::with_capacity(rows.len());
    for (l, sku_code) in rows.into_iter().zip(sku_codes) {
        lines.push(OrderLine {
            line_no: l.line_no,
            sku_id: l.sku_id,
            sku_code,
            quantity: l.quantity,
            allocated: l.allocated,
            cancelled: l.cancelled,
            backordered: l.open(),
            unit_price: crate::catalog::domain::MoneyDto {
                amount_minor: l.unit_price_minor,
                currency: l.currency,
            },
        });
    }
    let status = status_of(&r)?;
    Ok(Order {
        id: r.id,
        order_no: r.order_no,
        platform_order_id: r.platform_order_id,
        shop: r.shop,
        market: r.market,
        destination_country: r.destination_country,
        service_level: r.service_level,
        ship_by: r.ship_by,
        status,
        buyer_masked: r.buyer_masked,
        buyer_erased: r.buyer_erased_at.is_some(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        tote: r.tote,
        lines,
    })
}

/// A packed order whose parcel was handed over to the line-haul carrier:
/// `shipped` (`order.shipped`). Only a packed order moves; any other is
/// left as it is.
pub(crate) fn ship(tx: &mut DbConn, id: OrderId, now: Timestamp) -> Result<bool, AppError> {
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    if status_of(&row)? != OrderStatus::Packed {
        return Ok(false);
    }
    store::set_status(tx, id, OrderStatus::Shipped.as_str(), now)?;
    record_event(tx, id, catalog::ORDER_SHIPPED, serde_json::json!({}))?;
    Ok(true)
}

/// Records an order event (the order's ids, destination and status, plus
/// `extra`), its row read in the same transaction.
pub(crate) fn record_event(
    tx: &mut DbConn,
    id: OrderId,
    event_type: EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    let r = &row;
    let event =
        order_event_of(r.id, &r.order_no, &r.platform_order_id, &r.destination_country, status_of(r)?);
    events::record(tx, event(event_type, extra))?;
    Ok(())
}

/// Derives the order's status from its lines, tasks and reservations, and
/// stores it: waiting for stock, being picked, waiting for a wave, or every
/// unit picked. Packed and cancelled orders stay as they are.
pub(crate) fn settle(tx: &mut DbConn, id: OrderId) -> Result<OrderStatus, AppError> {
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    let current = status_of(&row)?;
    if current.settled() {
        return Ok(current);
    }
    let facts = store::progress(tx, id)?;
    let status = if facts.waiting_for_stock {
        OrderStatus::Backordered
    } else if facts.to_pick {
        OrderStatus::Waved
    } else if facts.reserved {
        OrderStatus::Allocated
    } else {
        OrderStatus::Picked
    };
    if status != current {
        store::set_status(tx, id, status.as_str(), Timestamp::now())?;
    }
    Ok(status)
}

fn record(
    tx: &mut DbConn,
    o: &Order,
    event_type: EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    events::record(tx, order_event(o, event_type, extra))?;
    Ok(())
}

/// An order event: the order's ids, destination and status, plus `extra`.
pub(super) fn order_event(o: &Order, event_type: EventType, extra: serde_json::Value) -> NewEvent {
    order_event_of(o.id, &o.order_no, &o.platform_order_id, &o.destination_country, o.status)(
        event_type, extra,
    )
}

/// The events of one order, as a function of their type and extra fields.
fn order_event_of<'a>(
    id: OrderId,
    order_no: &'a str,
    platform_order_id: &'a str,
    destination_country: &'a str,
    status: OrderStatus,
) -> impl Fn(EventType, serde_json::Value) -> NewEvent + 'a {
    move |event_type, extra| NewEvent {
        event_type,
        aggregate_id: AggregateId(id.0),
        document_no: order_no.to_owned(),
        owner: None,
        payload: events::merged(
            serde_json::json!({
                "order_id": id, "order_no": order_no, "platform_order_id": platform_order_id,
                "destination_country": destination_country, "status": status,
            }),
            extra,
        ),
    }
}

/// Reserves what a waiting order still needs, FIFO by receipt across bins,
/// and records `order.allocated` or `order.backordered` when it reserved
/// something. (A new order is allocated by [`super::intake`] itself.)
/// Returns whether it reserved anything.
pub(crate) fn allocate_order(tx: &mut DbConn, id: OrderId) -> Result<bool, AppError> {
    lock_order(tx, id, &[])?;
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    if status_of(&row)?.settled() {
        return Ok(false);
    }
    let mut reserved = Vec::new();
    for line in store::lines(tx, id)? {
        let mut open = line.open();
        if open == 0 {
            continue;
        }
        let mut allocated = line.allocated;
        for (bin, have) in stock::service::available_fifo(tx, line.owner_id, line.sku_id)? {
            let take = open.min(have);
            stock::service::apply(
                tx,
                &Movement {
                    owner: line.owner_id,
                    sku: line.sku_id,
                    quantity: take,
                    from: Some(Place::at(Bucket::Available, bin)),
                    to: Some(Place::at(Bucket::Reserved, bin)),
                    reason: Reason::Reserved,
                    document_no: row.order_no.clone(),
                    note: format!("line {}", line.line_no),
                    actor: "allocation".into(),
                },
            )?;
            store::add_allocation(
                tx,
                &AllocationRow { order_id: id, line_no: line.line_no, bin_id: bin, quantity: take },
            )?;
            allocated += take;
            open -= take;
            reserved
                .push(serde_json::json!({"line_no": line.line_no, "sku_id": line.sku_id, "quantity": take}));
            if open == 0 {
                break;
            }
        }
        store::set_line(tx, id, line.line_no, allocated, line.cancelled)?;
    }
    let lines = store::lines(tx, id)?;
    let short: Vec<_> = lines
        .iter()
        .filter(|l| l.open() > 0)
        .map(|l| serde_json::json!({"line_no": l.line_no, "sku_id": l.sku_id, "missing": l.open()}))
        .collect();
    if reserved.is_empty() {
        return Ok(false);
    }
    settle(tx, id)?;
    let order = get(tx, id)?;
    if short.is_empty() {
        record(tx, &order, catalog::ORDER_ALLOCATED, serde_json::json!({"reserved": reserved}))?;
    } else {
        let extra = serde_json::json!({"reserved": reserved, "backordered": short});
        record(tx, &order, catalog::ORDER_BACKORDERED, extra)?;
    }
    Ok(true)
}

/// Takes the locks of a transaction that changes an order, in the
/// program's one lock order (`db::lock_keys`): the order's key, then the
/// stock keys of every SKU on its lines, sorted, then `then` (keys of the
/// order's own documents, e.g. a pick task). A line's SKU never changes, so
/// the lines read before the lock name the right keys.
pub(crate) fn lock_order(tx: &mut DbConn, id: OrderId, then: &[String]) -> Result<(), AppError> {
    let skus: std::collections::BTreeSet<String> =
        store::line_skus(tx, id)?.into_iter().map(stock::service::stock_key).collect();
    let mut keys = Vec::with_capacity(1 + skus.len() + then.len());
    keys.push(format!("order-id\n{id}"));
    keys.extend(skus);
    keys.extend(then.iter().cloned());
    crate::db::lock_keys(tx, &keys)?;
    Ok(())
}

/// Fills the orders waiting for SKUs whose stock became available (the
/// wake-ups stock movements leave), oldest order first, one order a
/// transaction, outside any lock of the movement that woke them. Run by
/// the use cases that make stock available, right after they commit
/// (`db::on_wake`), and by a background sweep for any wake-up
/// left behind. Returns how many orders reserved something.
pub fn fill_backorders(conn: &mut DbConn) -> Result<usize, AppError> {
    let mut filled = 0;
    for (sku, since) in stock::service::wakeups(conn, 100)? {
        loop {
            let waiting = store::backordered(conn, sku, 200)?;
            let mut reserved = 0;
            for id in &waiting {
                if crate::db::transact_blocking(conn, |tx| allocate_order(tx, *id))? {
                    reserved += 1;
                }
            }
            filled += reserved;
            // Nothing more to take, or nobody left waiting.
            if reserved == 0 || waiting.len() < 200 {
                break;
            }
        }
        crate::db::transact_blocking(conn, |tx| stock::service::woken(tx, sku, since))?;
    }
    Ok(filled)
}

/// [`fill_backorders`] right after the transaction that made stock
/// available committed (the hook of `db::on_wake`). A failure is logged,
/// not returned: the movement stands, and the sweep fills the orders a
/// moment later.
pub fn fill_backorders_now(conn: &mut DbConn) {
    if let Err(e) = fill_backorders(conn) {
        tracing::warn!(error = %e, "filling backorders failed; the sweep will try again");
    }
}

/// Cancels an order (platform) until it is packed: open pick tasks are
/// withdrawn, reservations go back to available, units already picked
/// leave the tote for `on_hold` with a put-back task for a supervisor, and
/// a parcel being packed is voided.
pub fn cancel(tx: &mut DbConn, id: OrderId) -> Result<Order, AppError> {
    lock_order(tx, id, &[])?;
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    match status_of(&row)? {
        OrderStatus::Cancelled => {
            return Err(AppError::conflict("illegal_transition", "The order is already cancelled."));
        }
        OrderStatus::Packed | OrderStatus::Shipped | OrderStatus::Delivered => {
            return Err(AppError::conflict(
                "illegal_transition",
                "The order is packed and labelled; it can no longer be cancelled.",
            ));
        }
        _ => {}
    }
    super::picking::cancel_tasks(tx, id)?;
    super::packing::void_parcel(tx, id)?;
    let allocations = store::allocations(tx, id)?;
    let lines = store::lines(tx, id)?;
    for l in &lines {
        store::set_line(tx, id, l.line_no, 0, l.quantity)?;
        store::clear_allocations(tx, id, l.line_no)?;
    }
    let now = Timestamp::now();
    store::set_status(tx, id, OrderStatus::Cancelled.as_str(), now)?;
    store::close(tx, id, now)?;
    for a in allocations.iter().filter(|a| a.quantity > 0) {
        let line = lines.iter().find(|l| l.line_no == a.line_no).ok_or(AppError::not_found("order line"))?;
        stock::service::apply(
            tx,
            &Movement {
                owner: line.owner_id,
                sku: line.sku_id,
                quantity: a.quantity,
                from: Some(Place::at(Bucket::Reserved, a.bin_id)),
                to: Some(Place::at(Bucket::Available, a.bin_id)),
                reason: Reason::Unreserved,
                document_no: row.order_no.clone(),
                note: "order cancelled".into(),
                actor: "platform".into(),
            },
        )?;
    }
    let mut put_back = Vec::new();
    let moved = empty_tote(
        tx,
        id,
        &row.order_no,
        Bucket::OnHold,
        Reason::PutBack,
        "order cancelled after picking",
        "platform",
    )?;
    for (line, quantity) in moved {
        let line_no = line.line_no;
        super::exceptions::raise(
            tx,
            super::exceptions::NewException {
                kind: super::exceptions::ExceptionKind::PutBack,
                order_id: id,
                parcel_id: None,
                sku: Some((line.sku_id, line.owner_id)),
                bin_id: None,
                quantity,
                detail: format!(
                    "order cancelled after picking: {quantity} unit(s) of line {line_no} from tote {}",
                    row.tote.clone().unwrap_or_default()
                ),
                actor: "platform",
            },
        )?;
        put_back.push(serde_json::json!({"line_no": line_no, "sku_id": line.sku_id, "quantity": quantity}));
    }
    let order = get(tx, id)?;
    record(tx, &order, catalog::ORDER_CANCELLED, serde_json::json!({"put_back": put_back}))?;
    Ok(order)
}

/// Moves every unit in the order's tote (the `picked` bucket) to `to`
/// (unlocated), line by line; returns each line moved and how many units.
pub(crate) fn empty_tote(
    tx: &mut DbConn,
    id: OrderId,
    order_no: &str,
    to: Bucket,
    reason: Reason,
    note: &str,
    actor: &str,
) -> Result<Vec<(LineRow, i32)>, AppError> {
    let lines = store::lines(tx, id)?;
    let mut moved = Vec::new();
    for (line_no, quantity) in super::picking::picked_by_line(tx, id)? {
        let line = lines.iter().find(|l| l.line_no == line_no).ok_or(AppError::not_found("order line"))?;
        stock::service::apply(
            tx,
            &Movement {
                owner: line.owner_id,
                sku: line.sku_id,
                quantity,
                from: Some(Place::unlocated(Bucket::Picked)),
                to: Some(Place::unlocated(to)),
                reason,
                document_no: order_no.to_owned(),
                note: format!("line {line_no}: {note}"),
                actor: actor.to_owned(),
            },
        )?;
        moved.push((line.clone(), quantity));
    }
    Ok(moved)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineCancelInput {
    /// Units to cancel; default: all that are not cancelled yet.
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// Cancels some or all units of one line (platform): the backordered part
/// first, then reserved units, which go back to available. A line fully
/// cancelled everywhere cancels the order.
pub fn cancel_line(
    tx: &mut DbConn,
    id: OrderId,
    line_no: i32,
    input: &LineCancelInput,
) -> Result<Order, AppError> {
    lock_order(tx, id, &[])?;
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    if !matches!(status_of(&row)?, OrderStatus::Allocated | OrderStatus::Backordered) {
        return Err(AppError::conflict(
            "illegal_transition",
            format!("The order is {}; lines are cancelled only before picking.", status_of(&row)?),
        ));
    }
    let lines = store::lines(tx, id)?;
    let line = lines.iter().find(|l| l.line_no == line_no).ok_or(AppError::not_found("order line"))?;
    let left = line.quantity - line.cancelled;
    let q = match input.quantity {
        None => left,
        Some(q) => values::positive_i32("quantity", q, i64::from(left.max(1))).map_err(|e| {
            if e.code == "too_large" {
                AppError::conflict(
                    "exceeds_line",
                    format!("Only {left} unit(s) of line {line_no} can be cancelled."),
                )
            } else {
                AppError::validation(vec![e])
            }
        })?,
    };
    if left == 0 || q == 0 {
        return Err(AppError::conflict("exceeds_line", format!("Line {line_no} is cancelled already.")));
    }
    let from_open = q.min(line.open());
    let mut release = q - from_open;
    store::set_line(tx, id, line_no, line.allocated - release, line.cancelled + q)?;
    let mut allocations: Vec<AllocationRow> =
        store::allocations(tx, id)?.into_iter().filter(|a| a.line_no == line_no && a.quantity > 0).collect();
    allocations.reverse();
    for a in allocations {
        if release == 0 {
            break;
        }
        let take = release.min(a.quantity);
        store::add_allocation(tx, &AllocationRow { quantity: -take, ..a.clone() })?;
        stock::service::apply(
            tx,
            &Movement {
                owner: line.owner_id,
                sku: line.sku_id,
                quantity: take,
                from: Some(Place::at(Bucket::Reserved, a.bin_id)),
                to: Some(Place::at(Bucket::Available, a.bin_id)),
                reason: Reason::Unreserved,
                document_no: row.order_no.clone(),
                note: format!("line {line_no} cancelled"),
                actor: "platform".into(),
            },
        )?;
        release -= take;
    }
    let lines = store::lines(tx, id)?;
    if lines.iter().all(|l| l.cancelled == l.quantity) {
        return cancel(tx, id);
    }
    let status =
        if lines.iter().any(|l| l.open() > 0) { OrderStatus::Backordered } else { OrderStatus::Allocated };
    store::set_status(tx, id, status.as_str(), Timestamp::now())?;
    let order = get(tx, id)?;
    let extra = serde_json::json!({"line_no": line_no, "sku_id": line.sku_id, "cancelled": q});
    record(tx, &order, catalog::ORDER_LINE_CANCELLED, extra)?;
    Ok(order)
}

/// Order number and platform order id of each of `ids`, in one query.
pub fn numbers(
    conn: &mut DbConn,
    ids: &[OrderId],
) -> Result<std::collections::HashMap<OrderId, (String, String)>, AppError> {
    Ok(store::numbers(conn, ids)?.into_iter().map(|(id, no, p)| (id, (no, p))).collect())
}

/// Its parcel was delivered: the order is complete (`order.delivered`,
/// with `extra`). Only a packed or shipped order completes; false for any
/// other (nothing changed).
pub fn deliver(
    tx: &mut DbConn,
    id: OrderId,
    extra: serde_json::Value,
    now: Timestamp,
) -> Result<bool, AppError> {
    let from = [OrderStatus::Packed.as_str(), OrderStatus::Shipped.as_str()];
    if store::move_status(tx, id, &from, OrderStatus::Delivered.as_str(), now)? == 0 {
        return Ok(false);
    }
    record_event(tx, id, catalog::ORDER_DELIVERED, extra)?;
    Ok(true)
}

/// Erases the buyer data of orders cancelled, or delivered, more than
/// `days` before `now`.
pub fn erase_expired_buyers(tx: &mut DbConn, days: i64, now: Timestamp) -> Result<usize, AppError> {
    Ok(store::erase_buyers(tx, now - chrono::Duration::days(days), now)?)
}

pub fn list(
    conn: &mut DbConn,
    status: Option<OrderStatus>,
    page: crate::paging::PageRequest,
) -> Result<crate::paging::Page<Order>, AppError> {
    let rows = store::list(conn, status.map(|s| s.as_str()), page.after.map(OrderId), page.limit + 1)?;
    let page = crate::paging::Page::from_rows(rows, page, |r| r.id.0);
    let mut items = Vec::with_capacity(page.items.len());
    for r in page.items {
        items.push(assemble(conn, r)?);
    }
    Ok(crate::paging::Page { items, next_cursor: page.next_cursor })
}

/// The console's order search (see [`store::search`]).
pub fn search(
    conn: &mut DbConn,
    q: Option<&str>,
    status: Option<OrderStatus>,
    limit: i64,
) -> Result<Vec<Order>, AppError> {
    let rows = store::search(conn, q, status.map(|s| s.as_str()), limit)?;
    rows.into_iter().map(|r| assemble(conn, r)).collect()
}
