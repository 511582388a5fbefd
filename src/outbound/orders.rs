//! Order intake (platform key), allocation and cancellation.
//!
//! Allocation reserves available stock of the line's owner, first-in
//! first-out by receipt, across bins if needed, through the ledger
//! (available -> reserved): the guarded decrement under the SKU's lock
//! means two orders can never reserve the same unit. What cannot be
//! reserved is backordered and allocated when stock becomes available.

use serde::{Deserialize, Serialize};

use super::pii::{Buyer, Keys};
use super::store::{self, AllocationRow, LineRow, OrderRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, EventType, NewEvent, catalog};
use crate::ids::{AggregateId, OrderId, SkuId};
use crate::inbound::domain::string_enum;
use crate::stock::{self, Bucket, Movement, Place, Reason};
use crate::values::{self, Errors};

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
        Cancelled = "cancelled",
    }
);

string_enum!(
    ServiceLevel {
        Economy = "economy",
        Standard = "standard",
        Express = "express",
    }
);

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

fn status_of(r: &OrderRow) -> OrderStatus {
    OrderStatus::from_db(&r.status).unwrap_or(OrderStatus::Cancelled)
}

pub fn get(conn: &mut DbConn, id: OrderId) -> Result<Order, AppError> {
    let row = store::by_id(conn, id)?.ok_or(AppError::not_found("order"))?;
    assemble(conn, row)
}

fn assemble(conn: &mut DbConn, r: OrderRow) -> Result<Order, AppError> {
    let lines = store::lines(conn, r.id)?;
    let mut codes = Vec::with_capacity(lines.len());
    for l in &lines {
        codes.push(crate::catalog::store::by_id(conn, l.sku_id)?.map(|s| s.sku_code).unwrap_or_default());
    }
    Ok(order_from(r, lines, codes))
}

/// An order from its rows, and its lines' SKU codes (in line order).
fn order_from(r: OrderRow, rows: Vec<LineRow>, sku_codes: Vec<String>) -> Order {
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
    let status = status_of(&r);
    Order {
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
    }
}

/// Takes an order in (idempotent on `platform_order_id`: a repeat returns
/// the existing order and `false`) and allocates it.
pub fn intake(tx: &mut DbConn, input: &OrderInput, keys: &Keys) -> Result<(Order, bool), AppError> {
    let mut errs = Errors::default();
    let platform_id = errs.take(values::code("platform_order_id", &input.platform_order_id, 64));
    if let Some(p) = &platform_id {
        crate::db::lock_key(tx, &format!("order\n{p}"))?;
        if let Some(existing) = store::by_platform_id(tx, p)? {
            return Ok((assemble(tx, existing)?, false));
        }
    }
    let shop = errs.take(values::text("shop", &input.shop, 80));
    let market = errs.take(values::code("market", &input.market, 8));
    let dest = input.destination_country.trim().to_ascii_uppercase();
    if !DESTINATIONS.contains(&dest.as_str()) {
        errs.0.push(FieldError::new(
            "destination_country",
            "unsupported_destination",
            format!("must be one of {}", DESTINATIONS.join(", ")),
        ));
    }
    input.buyer.check("buyer", &dest, &mut errs);
    if input.lines.is_empty() || input.lines.len() > 100 {
        errs.0.push(FieldError::new("lines", "required", "1 to 100 lines"));
    }
    // The order's SKUs in one read.
    let mut sku_ids: Vec<SkuId> = input.lines.iter().map(|l| l.sku_id).collect();
    sku_ids.sort();
    sku_ids.dedup();
    let skus: std::collections::HashMap<SkuId, crate::catalog::store::SkuRow> =
        crate::catalog::store::by_ids(tx, &sku_ids)?.into_iter().map(|s| (s.id, s)).collect();
    let mut lines = Vec::new();
    let id = OrderId::generate();
    for (i, l) in input.lines.iter().enumerate() {
        let f = format!("lines[{i}]");
        let q = errs.take(values::positive_i32(&format!("{f}.quantity"), l.quantity, 10_000));
        let price = errs.take(crate::values::Money::non_negative(
            &format!("{f}.unit_price"),
            l.unit_price.amount_minor,
            &l.unit_price.currency,
        ));
        let owner = match skus.get(&l.sku_id) {
            Some(s) if s.status == "active" => Some(s.supplier_id),
            _ => {
                errs.0.push(FieldError::new(
                    &format!("{f}.sku_id"),
                    "unknown_sku",
                    "no active SKU has this id",
                ));
                None
            }
        };
        if let (Some(q), Some(price), Some(owner)) = (q, price, owner) {
            lines.push(LineRow {
                order_id: id,
                line_no: i as i32 + 1,
                sku_id: l.sku_id,
                owner_id: owner,
                quantity: q,
                allocated: 0,
                cancelled: 0,
                unit_price_minor: price.minor,
                currency: price.currency.as_str().to_owned(),
            });
        }
    }
    errs.finish()?;
    // Every SKU's lock, in one order, so that two orders for the same SKUs
    // queue instead of deadlocking.
    for sku in &sku_ids {
        crate::db::lock_key(tx, &format!("stock\n{sku}"))?;
    }
    let (key_id, sealed) = keys.seal(id.0, &input.buyer)?;
    let now = Timestamp::now();
    let order_no = crate::db::docno::order_no(tx)?;
    // Allocation before the order is written: the order is new, so what it
    // needs is every line's quantity, and its rows go in once, complete.
    let mut allocations = Vec::new();
    let mut reserved = Vec::new();
    for line in &mut lines {
        let fifo = stock::store::available_fifo(tx, line.owner_id, line.sku_id)?;
        let available_before: i64 = fifo.iter().map(|(_, q)| i64::from(*q)).sum();
        let mut takes = Vec::new();
        for (bin, have) in fifo {
            let take = line.open().min(have);
            if take == 0 {
                break;
            }
            takes.push((bin, take));
            line.allocated += take;
        }
        if takes.is_empty() {
            continue;
        }
        let note = format!("line {}", line.line_no);
        stock::service::reserve(tx, &skus[&line.sku_id], &takes, available_before, &order_no, &note)?;
        for (bin, take) in takes {
            allocations.push(AllocationRow {
                order_id: id,
                line_no: line.line_no,
                bin_id: bin,
                quantity: take,
            });
            reserved
                .push(serde_json::json!({"line_no": line.line_no, "sku_id": line.sku_id, "quantity": take}));
        }
    }
    let short: Vec<_> = lines
        .iter()
        .filter(|l| l.open() > 0)
        .map(|l| serde_json::json!({"line_no": l.line_no, "sku_id": l.sku_id, "missing": l.open()}))
        .collect();
    let status = if short.is_empty() { OrderStatus::Allocated } else { OrderStatus::Backordered };
    let row = OrderRow {
        id,
        order_no,
        platform_order_id: platform_id.expect("checked"),
        shop: shop.expect("checked"),
        market: market.expect("checked"),
        destination_country: dest,
        service_level: input.service_level.as_str().into(),
        ship_by: Timestamp::from(input.ship_by.0),
        status: status.as_str().into(),
        buyer_sealed: Some(sealed),
        buyer_key_id: Some(key_id),
        buyer_masked: input.buyer.masked(),
        buyer_erased_at: None,
        cancelled_at: None,
        created_at: now,
        updated_at: now,
        tote: None,
    };
    store::insert(tx, &row, &lines)?;
    for a in &allocations {
        store::insert_allocation(tx, a)?;
    }
    let codes = lines.iter().map(|l| skus[&l.sku_id].sku_code.clone()).collect();
    let order = order_from(row, lines, codes);
    let summary: Vec<_> = order
        .lines
        .iter()
        .map(|l| serde_json::json!({"line_no": l.line_no, "sku_id": l.sku_id, "quantity": l.quantity}))
        .collect();
    let received =
        serde_json::json!({"service_level": order.service_level, "ship_by": order.ship_by, "lines": summary});
    let (allocated_type, allocated) = if short.is_empty() {
        (catalog::ORDER_ALLOCATED, serde_json::json!({"reserved": reserved}))
    } else {
        (catalog::ORDER_BACKORDERED, serde_json::json!({"reserved": reserved, "backordered": short}))
    };
    events::store::record_first(
        tx,
        vec![
            order_event(&order, catalog::ORDER_RECEIVED, received),
            order_event(&order, allocated_type, allocated),
        ],
    )?;
    Ok((order, true))
}

/// Records an order event (the order's ids, destination and status, plus
/// `extra`), read in the same transaction.
pub(crate) fn record_event(
    tx: &mut DbConn,
    id: OrderId,
    event_type: EventType,
    extra: serde_json::Value,
) -> Result<(), AppError> {
    let order = get(tx, id)?;
    record(tx, &order, event_type, extra)
}

/// Derives the order's status from its lines, tasks and reservations, and
/// stores it: waiting for stock, being picked, waiting for a wave, or every
/// unit picked. Packed and cancelled orders stay as they are.
pub(crate) fn settle(tx: &mut DbConn, id: OrderId) -> Result<OrderStatus, AppError> {
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    let current = status_of(&row);
    if matches!(current, OrderStatus::Packed | OrderStatus::Cancelled) {
        return Ok(current);
    }
    let status = if store::lines(tx, id)?.iter().any(|l| l.open() > 0) {
        OrderStatus::Backordered
    } else if super::picking::has_open_tasks(tx, id)? {
        OrderStatus::Waved
    } else if store::allocations(tx, id)?.iter().any(|a| a.quantity > 0) {
        OrderStatus::Allocated
    } else {
        OrderStatus::Picked
    };
    if status != current {
        store::set_status(tx, id, status.as_str(), Timestamp::now())?;
    }
    Ok(status)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchOutcome {
    Created,
    /// Taken in before: the existing order.
    Existing,
    /// Refused: see `errors`; nothing of it was written.
    Invalid,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub platform_order_id: String,
    pub outcome: BatchOutcome,
    pub order: Option<Order>,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResponse {
    pub created: usize,
    pub existing: usize,
    pub invalid: usize,
    /// One per order, in the request's order.
    pub results: Vec<BatchResult>,
}

/// Takes in a batch of orders in the caller's transaction (one commit, not
/// one per order), each order in its own savepoint: a refused order is
/// rolled back alone and reported with its problems.
pub fn intake_batch(tx: &mut DbConn, batch: &[OrderInput], keys: &Keys) -> Result<BatchResponse, AppError> {
    // The batch's SKUs are locked up front, in one order, so that two
    // batches at once queue instead of deadlocking.
    let mut skus: Vec<SkuId> = batch.iter().flat_map(|o| o.lines.iter().map(|l| l.sku_id)).collect();
    skus.sort();
    skus.dedup();
    for sku in &skus {
        crate::db::lock_key(tx, &format!("stock\n{sku}"))?;
    }
    let mut results = Vec::with_capacity(batch.len());
    for o in batch {
        let platform_order_id = o.platform_order_id.clone();
        let (outcome, order, errors) =
            match diesel::Connection::transaction::<_, AppError, _>(tx, |t| intake(t, o, keys)) {
                Ok((order, true)) => (BatchOutcome::Created, Some(order), Vec::new()),
                Ok((order, false)) => (BatchOutcome::Existing, Some(order), Vec::new()),
                Err(AppError::Validation { errors, .. }) => (BatchOutcome::Invalid, None, errors),
                Err(e) => return Err(e),
            };
        results.push(BatchResult { platform_order_id, outcome, order, errors });
    }
    let count = |which: BatchOutcome| results.iter().filter(|r| r.outcome == which).count();
    Ok(BatchResponse {
        created: count(BatchOutcome::Created),
        existing: count(BatchOutcome::Existing),
        invalid: count(BatchOutcome::Invalid),
        results,
    })
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
fn order_event(o: &Order, event_type: EventType, extra: serde_json::Value) -> NewEvent {
    let payload = events::store::merged(
        serde_json::json!({
            "order_id": o.id, "order_no": o.order_no, "platform_order_id": o.platform_order_id,
            "destination_country": o.destination_country, "status": o.status,
        }),
        extra,
    );
    NewEvent {
        event_type,
        aggregate_id: AggregateId(o.id.0),
        document_no: o.order_no.clone(),
        owner: None,
        payload,
    }
}

/// Reserves what a waiting order still needs, FIFO by receipt across bins,
/// and records `order.allocated` or `order.backordered` when it reserved
/// something. (A new order is allocated by `intake` itself.)
pub(crate) fn allocate_order(tx: &mut DbConn, id: OrderId) -> Result<(), AppError> {
    crate::db::lock_key(tx, &format!("order-id\n{id}"))?;
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    if matches!(status_of(&row), OrderStatus::Cancelled | OrderStatus::Packed) {
        return Ok(());
    }
    let mut reserved = Vec::new();
    for line in store::lines(tx, id)? {
        let mut open = line.open();
        if open == 0 {
            continue;
        }
        // The SKU's lock first, so that the bins read are the bins reserved from.
        crate::db::lock_key(tx, &format!("stock\n{}", line.sku_id))?;
        let mut allocated = line.allocated;
        for (bin, have) in stock::store::available_fifo(tx, line.owner_id, line.sku_id)? {
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
        return Ok(());
    }
    settle(tx, id)?;
    let order = get(tx, id)?;
    if short.is_empty() {
        record(tx, &order, catalog::ORDER_ALLOCATED, serde_json::json!({"reserved": reserved}))?;
    } else {
        let extra = serde_json::json!({"reserved": reserved, "backordered": short});
        record(tx, &order, catalog::ORDER_BACKORDERED, extra)?;
    }
    Ok(())
}

/// Allocates waiting orders for a SKU whose available stock grew, oldest
/// order first.
pub fn allocate_backorders(tx: &mut DbConn, sku: SkuId) -> Result<(), AppError> {
    for id in store::backordered(tx, sku, 200)? {
        allocate_order(tx, id)?;
    }
    Ok(())
}

/// Cancels an order (platform) until it is packed: open pick tasks are
/// withdrawn, reservations go back to available, units already picked
/// leave the tote for `on_hold` with a put-back task for a supervisor, and
/// a parcel being packed is voided.
pub fn cancel(tx: &mut DbConn, id: OrderId) -> Result<Order, AppError> {
    crate::db::lock_key(tx, &format!("order-id\n{id}"))?;
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    match status_of(&row) {
        OrderStatus::Cancelled => {
            return Err(AppError::conflict("illegal_transition", "The order is already cancelled."));
        }
        OrderStatus::Packed => {
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
    crate::db::lock_key(tx, &format!("order-id\n{id}"))?;
    let row = store::by_id(tx, id)?.ok_or(AppError::not_found("order"))?;
    if !matches!(status_of(&row), OrderStatus::Allocated | OrderStatus::Backordered) {
        return Err(AppError::conflict(
            "illegal_transition",
            format!("The order is {}; lines are cancelled only before picking.", status_of(&row)),
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

/// Erases the buyer data of orders cancelled more than `days` ago.
pub fn erase_expired_buyers(tx: &mut DbConn, days: i64) -> Result<usize, AppError> {
    let now = Timestamp::now();
    Ok(store::erase_buyers(tx, now - chrono::Duration::days(days), now)?)
}

pub fn list(
    conn: &mut DbConn,
    status: Option<OrderStatus>,
    page: crate::http::pagination::PageRequest,
) -> Result<crate::http::pagination::Page<Order>, AppError> {
    let rows = store::list(conn, status.map(|s| s.as_str()), page.after.map(OrderId), page.limit + 1)?;
    let page = crate::http::pagination::Page::from_rows(rows, page, |r| r.id.0);
    let mut items = Vec::with_capacity(page.items.len());
    for r in page.items {
        items.push(assemble(conn, r)?);
    }
    Ok(crate::http::pagination::Page { items, next_cursor: page.next_cursor })
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
