//! Order intake (platform key): one order, or a batch of up to 500, taken in
//! and allocated in the caller's transaction with the same few statements
//! whatever the number of orders. Requests arriving together are written
//! together ([`queue`]: group commit).
//!
//! 1. **Order ids locked, numbers drawn** (one statement): each platform
//!    order id's lock, so that two requests with the same order queue and
//!    the second finds the first; then, on PostgreSQL, one order number per
//!    order (`store::intake::lock_then_order_nos`).
//! 2. **Each order on its own**, before any stock is locked: the orders
//!    already taken in and the SKUs are read; a repeat is found (and read
//!    in full), a bad order is refused with its problems (and takes
//!    nothing), a good one has its buyer sealed.
//! 3. **Allocated ahead** (PostgreSQL): the SKUs' available balances as
//!    last committed are read, the orders allocated from them in memory
//!    (step 5), and the orders' part of the write (step 6) goes in, after
//!    a savepoint, before any stock lock is taken.
//! 4. **Stock locked, then read**: the stock lock of each SKU the new
//!    orders take, all in one agreed order, so that intakes of the same SKUs
//!    queue instead of deadlocking; then those SKUs' available balances of
//!    their own supplier (first in, first out) and their event counters.
//!    Intakes that share a SKU run this step and the next ones one after
//!    the other, so everything that can be done before it is.
//! 5. **Allocation in memory**, order after order in the request's order:
//!    each line reserves, oldest stock first across bins, what the SKU's
//!    balances still hold after the orders before it. If it comes out as
//!    it did ahead of the locks (the usual case: stock another intake took
//!    meanwhile still left enough in the same bins), only the stock's part
//!    is left to write; otherwise the savepoint undoes step 3 and both
//!    parts are written from this allocation (`custody_intake_reallocated_total`).
//! 6. **The write** (`store::intake`), in two parts. The orders' part: orders,
//!    lines, allocations, a ledger row per line and bin, the orders' events
//!    and counters. The stock's part: each balance's units from available
//!    to reserved (guarded so that no balance goes below zero), the SKUs'
//!    events (each carries the SKU's available figure and next sequence
//!    number) and counters.
//!
//! The locks make the reads the truth until commit, so the reservation is
//! exactly what was read; the guard in the write is the last line of
//! defence against a writer that did not take the SKU's lock.

pub mod queue;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::orders::{self, DESTINATIONS, Order, OrderInput, OrderStatus};
use super::pii::Keys;
use super::store::{self, AllocationRow, LineRow, OrderRow};
use crate::catalog::service::SkuRow;
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{OutboxRow, catalog};
use crate::ids::{AggregateId, BinId, OrderId, SkuId, SupplierId};
use crate::stock::service::MovementRow;
use crate::stock::{Bucket, Movement, Place, Reason};
use crate::values::{self, Errors};

/// What became of one order of a request.
#[derive(Debug)]
pub enum Outcome {
    Created(Order),
    /// Taken in before, or earlier in the same batch: that order.
    Existing(Order),
    /// Refused with its problems; nothing of it was written.
    Invalid(Vec<FieldError>),
    /// Its `platform_order_id` names an order taken in before with other
    /// content: refused (409 alone, `invalid` in a batch), never answered
    /// with the other order as if it were this one.
    Taken(FieldError),
}

/// Takes one order in (idempotent on `platform_order_id`: a repeat returns
/// the existing order and `false`) and allocates it.
pub fn intake(tx: &mut DbConn, input: &OrderInput, keys: &Keys) -> Result<(Order, bool), AppError> {
    single(take_in(tx, std::slice::from_ref(input), keys)?)
}

/// The answer to a request of one order: the order and whether it is new,
/// or its problems as a validation error.
pub fn single(mut outcomes: Vec<Outcome>) -> Result<(Order, bool), AppError> {
    match outcomes.pop() {
        Some(Outcome::Created(order)) => Ok((order, true)),
        Some(Outcome::Existing(order)) => Ok((order, false)),
        Some(Outcome::Invalid(errors)) => Err(AppError::validation(errors)),
        Some(Outcome::Taken(e)) => Err(AppError::conflict("platform_order_id_taken", e.message)),
        None => Err(AppError::internal(anyhow::anyhow!("intake gave no outcome for its order"))),
    }
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

/// The answer to a batch: each order stands alone (a refused one is
/// reported with its problems and the others went in). `platform_ids` are
/// the batch's, in order, as sent.
pub fn batch_response(platform_ids: Vec<String>, outcomes: Vec<Outcome>) -> BatchResponse {
    let results: Vec<BatchResult> = platform_ids
        .into_iter()
        .zip(outcomes)
        .map(|(platform_order_id, outcome)| {
            let (outcome, order, errors) = match outcome {
                Outcome::Created(order) => (BatchOutcome::Created, Some(order), Vec::new()),
                Outcome::Existing(order) => (BatchOutcome::Existing, Some(order), Vec::new()),
                Outcome::Invalid(errors) => (BatchOutcome::Invalid, None, errors),
                Outcome::Taken(error) => (BatchOutcome::Invalid, None, vec![error]),
            };
            BatchResult { platform_order_id, outcome, order, errors }
        })
        .collect();
    let count = |which: BatchOutcome| results.iter().filter(|r| r.outcome == which).count();
    BatchResponse {
        created: count(BatchOutcome::Created),
        existing: count(BatchOutcome::Existing),
        invalid: count(BatchOutcome::Invalid),
        results,
    }
}

/// Takes orders in and allocates them (see the module's steps); one
/// outcome per input, in order.
pub fn take_in(tx: &mut DbConn, inputs: &[OrderInput], keys: &Keys) -> Result<Vec<Outcome>, AppError> {
    // The platform ids as they are stored, where they are valid at all.
    let platform_ids: Vec<Option<String>> =
        inputs.iter().map(|o| values::code("platform_order_id", &o.platform_order_id, 64).ok()).collect();
    let mut known: Vec<String> = platform_ids.iter().flatten().cloned().collect();
    known.sort();
    known.dedup();
    let order_locks: Vec<String> = known.iter().map(|p| format!("order\n{p}")).collect();
    let mut numbers = store::intake::lock_then_order_nos(tx, &order_locks, inputs.len())?.into_iter();
    let existing: HashMap<String, OrderRow> =
        store::by_platform_ids(tx, &known)?.into_iter().map(|r| (r.platform_order_id.clone(), r)).collect();
    let mut sku_ids: Vec<SkuId> = inputs.iter().flat_map(|o| o.lines.iter().map(|l| l.sku_id)).collect();
    sku_ids.sort();
    sku_ids.dedup();
    let sku_rows: HashMap<SkuId, SkuRow> =
        crate::catalog::service::sku_rows(tx, &sku_ids)?.into_iter().map(|r| (r.id, r)).collect();

    // Each order on its own, before any stock is locked: repeats, checks,
    // the buyer sealed.
    let mut plans: Vec<Plan> = Vec::with_capacity(inputs.len());
    // Platform id -> the plan that creates its order in this request.
    let mut creating: HashMap<&str, usize> = HashMap::new();
    for (input, platform_id) in inputs.iter().zip(&platform_ids) {
        if let Some(p) = platform_id {
            if let Some(&first) = creating.get(p.as_str()) {
                let same = same_content(&inputs[first], input, &sku_rows);
                plans.push(if same {
                    Plan::Repeat(first)
                } else {
                    Plan::Taken(FieldError::new(
                        "platform_order_id",
                        "platform_order_id_taken",
                        "an order sent at the same time has this platform_order_id and other content; \
                         a repeat must be the same order",
                    ))
                });
                continue;
            }
            if let Some(row) = existing.get(p) {
                let order = orders::assemble(tx, row.clone())?;
                plans.push(if same_order(input, &order, row, &sku_rows, keys) {
                    Plan::Existing(Box::new(order))
                } else {
                    Plan::Taken(FieldError::new(
                        "platform_order_id",
                        "platform_order_id_taken",
                        format!(
                            "order {} was taken in with this platform_order_id and other content; \
                             a repeat must be the same order",
                            order.order_no
                        ),
                    ))
                });
                continue;
            }
        }
        match check(input, &sku_rows) {
            Ok(checked) => {
                if let Some(p) = platform_id {
                    creating.insert(p.as_str(), plans.len());
                }
                let sealed = keys.seal(checked.id.0, &input.buyer)?;
                plans.push(Plan::Create(Box::new(checked), sealed));
            }
            Err(errors) => plans.push(Plan::Invalid(errors)),
        }
    }

    // The stock of the SKUs the new orders take.
    let mut to_lock: Vec<SkuId> = plans
        .iter()
        .filter_map(|p| match p {
            Plan::Create(c, _) => Some(c.lines.iter().map(|l| l.sku_id)),
            _ => None,
        })
        .flatten()
        .collect();
    to_lock.sort();
    to_lock.dedup();
    let stock_locks: Vec<String> = to_lock.iter().map(|s| format!("stock\n{s}")).collect();
    // PostgreSQL drew a number for every order; SQLite draws them as orders
    // are created.
    let order_nos: Vec<Option<String>> =
        plans.iter().map(|p| if matches!(p, Plan::Create(..)) { numbers.next() } else { None }).collect();
    store::intake::plan_generically(tx)?;
    let now = Timestamp::now();

    // Ahead of the locks (PostgreSQL; on SQLite the transaction is the only
    // writer from its first statement): allocate from the stock as last
    // committed and write what follows from that allocation alone. Then,
    // under the locks, allocate again from what the balances hold now: if
    // every order takes the same units from the same bins (the usual case:
    // another intake only holds the locks of SKUs both take, and there was
    // stock for both), only the stock's part is left to write. Otherwise
    // the written part is rolled back and written anew from the new
    // allocation.
    let ahead = store::intake::writes_ahead_of_locks(tx) && !to_lock.is_empty();
    if ahead {
        let committed = Stock::read(tx, &to_lock, &sku_rows, false)?;
        let guess = allocate_all(tx, &plans, &order_nos, committed, now, Part::Orders)?;
        store::intake::savepoint(tx)?;
        store::intake::write_orders(tx, &guess.writes)?;
        crate::db::lock_keys(tx, &stock_locks)?;
        let held = Stock::read(tx, &to_lock, &sku_rows, true)?;
        let now_held = allocate_all(tx, &plans, &order_nos, held, now, Part::Stock)?;
        if now_held.writes.allocations == guess.writes.allocations {
            write_stock(tx, &now_held.writes, now)?;
            return Ok(guess.outcomes);
        }
        REALLOCATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!(
            orders = inputs.len(),
            "the stock changed before its locks were taken; allocating again"
        );
        store::intake::back_to_savepoint(tx)?;
    }

    // Under the locks: read, allocate, write both parts.
    crate::db::lock_keys(tx, &stock_locks)?;
    let held = Stock::read(tx, &to_lock, &sku_rows, true)?;
    let done = allocate_all(tx, &plans, &order_nos, held, now, Part::Both)?;
    store::intake::write_orders(tx, &done.writes)?;
    write_stock(tx, &done.writes, now)?;
    Ok(done.outcomes)
}

/// Writes the stock's part of `w` (the caller holds the SKUs' stock
/// locks). Fails (and the caller rolls back) if an available balance holds
/// fewer units than were reserved from it.
fn write_stock(tx: &mut DbConn, w: &Writes, now: Timestamp) -> Result<(), AppError> {
    if store::intake::write_reservation(tx, w, now)? != w.reserved.len() {
        return Err(AppError::conflict(
            "insufficient_stock",
            "Stock changed while the orders were allocated; send them again.",
        ));
    }
    Ok(())
}

/// Intakes whose allocation ahead of the stock locks no longer held once
/// the locks were taken, and were written again (since the process started;
/// `custody_intake_reallocated_total` in `/metrics`).
pub static REALLOCATED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Everything a request's new orders write, in two parts: what follows
/// from the allocation alone (`store::intake::write_orders`) and what needs
/// the stock locks (`store::intake::write_reservation`).
#[derive(Debug, Default)]
pub(super) struct Writes {
    pub orders: Vec<OrderRow>,
    pub lines: Vec<LineRow>,
    pub allocations: Vec<AllocationRow>,
    /// One ledger row per line and bin reserved from.
    pub movements: Vec<MovementRow>,
    /// Each new order's own events (received; allocated or backordered).
    pub order_events: Vec<OutboxRow>,
    /// The new orders' event counters: (kind, document, last sequence).
    pub order_counters: Vec<(String, AggregateId, i64)>,
    /// Units moved from available to reserved, per balance (owner, SKU, bin).
    pub reserved: BTreeMap<(SupplierId, SkuId, BinId), i32>,
    /// The SKUs' inventory events (each carries the SKU's available figure
    /// and its next sequence number: both need the stock locks).
    pub stock_events: Vec<OutboxRow>,
    /// The SKUs' event counters' new values.
    pub stock_counters: Vec<(String, AggregateId, i64)>,
    /// The part whose events the allocation builds.
    pub part: Part,
}

/// A request's allocation: its writes and each order's outcome.
struct Allocated {
    writes: Writes,
    outcomes: Vec<Outcome>,
}

/// Which part of the write an allocation is for: the events of the other
/// part are not built (an allocation ahead of the locks writes only the
/// orders' part, the one under them, when it agrees, only the stock's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Part {
    Orders,
    Stock,
    #[default]
    Both,
}

impl Part {
    fn orders(self) -> bool {
        self != Part::Stock
    }

    fn stock(self) -> bool {
        self != Part::Orders
    }
}

/// Allocates every new order of `plans` from `stock`, order after order
/// (`order_nos`: each plan's number, if drawn already), building the
/// events of `part`.
fn allocate_all(
    tx: &mut DbConn,
    plans: &[Plan<'_>],
    order_nos: &[Option<String>],
    mut stock: Stock,
    now: Timestamp,
    part: Part,
) -> Result<Allocated, AppError> {
    let mut writes = Writes { part, ..Writes::default() };
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(plans.len());
    for (plan, order_no) in plans.iter().zip(order_nos) {
        let outcome = match plan {
            Plan::Create(checked, sealed) => {
                let order_no = match order_no {
                    Some(n) => n.clone(),
                    None => crate::db::docno::order_no(tx)?,
                };
                Outcome::Created(stock.allocate(checked, sealed, order_no, now, &mut writes)?)
            }
            Plan::Repeat(first) => match &outcomes[*first] {
                Outcome::Created(order) => Outcome::Existing(order.clone()),
                _ => {
                    return Err(AppError::internal(anyhow::anyhow!(
                        "a repeat's first order was not created"
                    )));
                }
            },
            Plan::Existing(order) => Outcome::Existing((**order).clone()),
            Plan::Invalid(errors) => Outcome::Invalid(errors.clone()),
            Plan::Taken(error) => Outcome::Taken(error.clone()),
        };
        outcomes.push(outcome);
    }
    writes.stock_counters.extend(stock.counters());
    Ok(Allocated { writes, outcomes })
}

/// What becomes of one order of a request, decided before the stock is
/// locked.
enum Plan<'a> {
    /// New and valid: allocated after the locks, with its buyer sealed
    /// (key id, sealed bytes).
    Create(Box<Checked<'a>>, (String, Vec<u8>)),
    /// The same platform id as an earlier order of the request (its index).
    Repeat(usize),
    /// Taken in before: that order.
    Existing(Box<Order>),
    Invalid(Vec<FieldError>),
    /// Its platform id names an order with other content.
    Taken(FieldError),
}

/// Whether a repeated order is the order taken in before: the same content
/// once normalised as intake normalises it (shop, market, destination,
/// service, ship-by, lines with their prices) and the same buyer (opened
/// from its seal; once erased, the rest decides).
fn same_order(
    input: &OrderInput,
    order: &Order,
    row: &OrderRow,
    sku_rows: &HashMap<SkuId, SkuRow>,
    keys: &Keys,
) -> bool {
    let Ok(c) = check(input, sku_rows) else { return false };
    let lines_match = c.lines.len() == order.lines.len()
        && c.lines.iter().zip(&order.lines).all(|(a, b)| {
            a.sku_id == b.sku_id
                && a.quantity == b.quantity
                && a.unit_price_minor == b.unit_price.amount_minor
                && a.currency == b.unit_price.currency
        });
    let buyer_matches = match (row.buyer_sealed.as_deref(), row.buyer_key_id.as_deref()) {
        (Some(sealed), Some(key_id)) => keys
            .open(row.id.0, key_id, sealed)
            .is_ok_and(|b| serde_json::to_value(&b).ok() == serde_json::to_value(&input.buyer).ok()),
        _ => true,
    };
    lines_match
        && buyer_matches
        && c.shop == order.shop
        && c.market == order.market
        && c.destination_country == order.destination_country
        && input.service_level.as_str() == order.service_level
        // Stored to the microsecond.
        && input.ship_by.0.timestamp_micros() == order.ship_by.0.timestamp_micros()
}

/// Whether two orders sent at once under one platform id say the same,
/// once normalised as intake normalises them.
fn same_content(a: &OrderInput, b: &OrderInput, sku_rows: &HashMap<SkuId, SkuRow>) -> bool {
    let (Ok(x), Ok(y)) = (check(a, sku_rows), check(b, sku_rows)) else { return false };
    let lines = |c: &Checked| -> Vec<(SkuId, i32, i64, String)> {
        c.lines.iter().map(|l| (l.sku_id, l.quantity, l.unit_price_minor, l.currency.clone())).collect()
    };
    (&x.shop, &x.market, &x.destination_country) == (&y.shop, &y.market, &y.destination_country)
        && lines(&x) == lines(&y)
        && a.service_level == b.service_level
        && a.ship_by.0.timestamp_micros() == b.ship_by.0.timestamp_micros()
        && serde_json::to_value(&a.buyer).ok() == serde_json::to_value(&b.buyer).ok()
}

/// An order that passed its checks: its row but for the number, status and
/// buyer, and its lines (nothing allocated yet).
struct Checked<'a> {
    input: &'a OrderInput,
    id: OrderId,
    platform_order_id: String,
    shop: String,
    market: String,
    destination_country: String,
    lines: Vec<LineRow>,
}

/// Checks one order on its own: fields, buyer, destination, and lines of
/// known, active SKUs. Every problem is reported, not only the first.
fn check<'a>(
    input: &'a OrderInput,
    sku_rows: &HashMap<SkuId, SkuRow>,
) -> Result<Checked<'a>, Vec<FieldError>> {
    let mut errs = Errors::default();
    let platform_id = errs.take(values::code("platform_order_id", &input.platform_order_id, 64));
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
    let id = OrderId::generate();
    let mut lines = Vec::with_capacity(input.lines.len());
    // One currency an order, and a total that can be computed.
    let mut total: Option<values::Money> = None;
    let mut seen_skus = std::collections::HashSet::new();
    for (i, l) in input.lines.iter().enumerate() {
        let f = format!("lines[{i}]");
        let q = errs.take(values::positive_i32(&format!("{f}.quantity"), l.quantity, 10_000));
        let price = errs.take(values::Money::price(
            &format!("{f}.unit_price"),
            l.unit_price.amount_minor,
            &l.unit_price.currency,
        ));
        let owner = match sku_rows.get(&l.sku_id) {
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
        if !seen_skus.insert(l.sku_id) {
            errs.0.push(FieldError::new(
                &format!("{f}.sku_id"),
                "duplicate_sku",
                "one line per SKU: this SKU is on an earlier line",
            ));
        }
        if let (Some(q), Some(price)) = (q, price) {
            let line_total = price.times(i64::from(q));
            match (total, line_total) {
                (_, Err(e)) => errs.0.push(e.at(&format!("{f}.unit_price"))),
                (None, Ok(t)) => total = Some(t),
                (Some(sum), Ok(t)) => match sum.plus(t) {
                    Ok(s) => total = Some(s),
                    Err(e @ values::MoneyError::MixedCurrencies(..)) => {
                        errs.0.push(e.at(&format!("{f}.unit_price.currency")))
                    }
                    Err(e) => errs.0.push(e.at(&format!("{f}.unit_price"))),
                },
            }
        }
        if let (Some(q), Some(price), Some(owner)) = (q, price, owner) {
            lines.push(LineRow {
                order_id: id,
                line_no: i as i32 + 1,
                sku_id: l.sku_id,
                owner_id: owner,
                quantity: q,
                allocated: 0,
                cancelled: 0,
                unit_price_minor: price.minor(),
                currency: price.currency().as_str().to_owned(),
            });
        }
    }
    match (platform_id, shop, market) {
        (Some(platform_order_id), Some(shop), Some(market)) if errs.0.is_empty() => {
            Ok(Checked { input, id, platform_order_id, shop, market, destination_country: dest, lines })
        }
        _ => Err(errs.0),
    }
}

/// One SKU as intake sees it under its lock.
struct SkuStock {
    row: SkuRow,
    /// The owner's available balances, first in first: (bin, units left).
    bins: Vec<(BinId, i32)>,
    /// The owner's available units in all, as they go down.
    available: i64,
    /// The last sequence number of the SKU's inventory events.
    last_sequence: i64,
    /// Whether this intake recorded an inventory event of the SKU.
    changed: bool,
}

/// The SKUs of a request, read once and allocated from in memory.
struct Stock {
    skus: HashMap<SkuId, SkuStock>,
}

impl Stock {
    /// The SKUs' stock (their own supplier's available balances, oldest
    /// first) and their inventory events' last sequence numbers.
    /// Without `counters` the sequence numbers are left at 0 (an allocation
    /// whose events are not written).
    fn read(
        tx: &mut DbConn,
        ids: &[SkuId],
        sku_rows: &HashMap<SkuId, SkuRow>,
        counters: bool,
    ) -> Result<Self, AppError> {
        if ids.is_empty() {
            return Ok(Self { skus: HashMap::new() });
        }
        let last: HashMap<SkuId, i64> = if counters {
            store::sku_sequences(tx, catalog::INVENTORY_AVAILABLE_CHANGED.aggregate, ids)?
                .into_iter()
                .filter_map(|(sku, last)| Some((sku, last?)))
                .collect()
        } else {
            HashMap::new()
        };
        let mut skus: HashMap<SkuId, SkuStock> = ids
            .iter()
            .filter_map(|id| sku_rows.get(id))
            .map(|row| {
                let stock = SkuStock {
                    row: row.clone(),
                    bins: Vec::new(),
                    available: 0,
                    last_sequence: last.get(&row.id).copied().unwrap_or(0),
                    changed: false,
                };
                (row.id, stock)
            })
            .collect();
        let mut first_in: HashMap<SkuId, Vec<(Option<Timestamp>, BinId, i32)>> = HashMap::new();
        for (sku, owner, bin, quantity, first_in_at) in store::available_of(tx, ids)? {
            if skus.get(&sku).is_some_and(|s| s.row.supplier_id == owner) {
                first_in.entry(sku).or_default().push((first_in_at, bin, quantity));
            }
        }
        for (sku, mut balances) in first_in {
            balances.sort_by_key(|&(first_in_at, bin, _)| crate::stock::service::fifo_key(first_in_at, bin));
            if let Some(s) = skus.get_mut(&sku) {
                s.available = balances.iter().map(|&(_, _, q)| i64::from(q)).sum();
                s.bins = balances.into_iter().map(|(_, bin, q)| (bin, q)).collect();
            }
        }
        Ok(Self { skus })
    }

    /// Allocates a checked order from what is left, oldest stock first, and
    /// adds its rows and events to `w`; returns the order as created.
    fn allocate(
        &mut self,
        c: &Checked<'_>,
        (key_id, sealed): &(String, Vec<u8>),
        order_no: String,
        now: Timestamp,
        w: &mut Writes,
    ) -> Result<Order, AppError> {
        let mut lines = c.lines.clone();
        let mut reserved = Vec::new();
        for line in &mut lines {
            let sku = self.skus.get_mut(&line.sku_id).ok_or(AppError::not_found("sku"))?;
            let mut taken = 0;
            for (bin, have) in sku.bins.iter_mut() {
                let take = line.open().min(*have);
                if take == 0 {
                    if line.open() == 0 {
                        break;
                    }
                    continue;
                }
                *have -= take;
                line.allocated += take;
                taken += take;
                w.reserve(line, *bin, take, &order_no, now);
                if w.part.orders() {
                    reserved.push(
                        serde_json::json!({"line_no": line.line_no, "sku_id": line.sku_id, "quantity": take}),
                    );
                }
            }
            if taken > 0 {
                sku.available -= i64::from(taken);
                sku.last_sequence += 1;
                sku.changed = true;
            }
            if taken > 0 && w.part.stock() {
                let event = crate::stock::service::available_changed_event(
                    line.owner_id,
                    line.sku_id,
                    &sku.row.sku_code,
                    sku.available,
                    -i64::from(taken),
                    Reason::Reserved,
                    &order_no,
                );
                w.stock_events.push(crate::events::outbox_row(event, sku.last_sequence, now)?);
            }
        }
        let short: Vec<_> = lines
            .iter()
            .filter(|l| l.open() > 0)
            .map(|l| serde_json::json!({"line_no": l.line_no, "sku_id": l.sku_id, "missing": l.open()}))
            .collect();
        let status = if short.is_empty() { OrderStatus::Allocated } else { OrderStatus::Backordered };
        let row = OrderRow {
            id: c.id,
            order_no,
            platform_order_id: c.platform_order_id.clone(),
            shop: c.shop.clone(),
            market: c.market.clone(),
            destination_country: c.destination_country.clone(),
            service_level: c.input.service_level.as_str().into(),
            ship_by: Timestamp::from(c.input.ship_by.0),
            status: status.as_str().into(),
            buyer_sealed: Some(sealed.clone()),
            buyer_key_id: Some(key_id.clone()),
            buyer_masked: c.input.buyer.masked(),
            buyer_erased_at: None,
            cancelled_at: None,
            created_at: now,
            updated_at: now,
            tote: None,
        };
        let codes = lines.iter().map(|l| self.skus[&l.sku_id].row.sku_code.clone()).collect();
        if w.part.orders() {
            w.orders.push(row.clone());
            w.lines.extend(lines.iter().cloned());
        }
        let order = orders::order_from(row, lines, codes)?;
        if !w.part.orders() {
            return Ok(order);
        }
        let summary: Vec<_> = order
            .lines
            .iter()
            .map(|l| serde_json::json!({"line_no": l.line_no, "sku_id": l.sku_id, "quantity": l.quantity}))
            .collect();
        let received = serde_json::json!({"service_level": order.service_level, "ship_by": order.ship_by, "lines": summary});
        let (allocated_type, allocated) = if short.is_empty() {
            (catalog::ORDER_ALLOCATED, serde_json::json!({"reserved": reserved}))
        } else {
            (catalog::ORDER_BACKORDERED, serde_json::json!({"reserved": reserved, "backordered": short}))
        };
        let first = [
            orders::order_event(&order, catalog::ORDER_RECEIVED, received),
            orders::order_event(&order, allocated_type, allocated),
        ];
        for (i, event) in first.into_iter().enumerate() {
            w.order_events.push(crate::events::outbox_row(event, i as i64 + 1, now)?);
        }
        w.order_counters.push((catalog::ORDER_RECEIVED.aggregate.to_owned(), AggregateId(order.id.0), 2));
        Ok(order)
    }

    /// The new last sequence numbers of the SKUs whose inventory events
    /// this intake recorded.
    fn counters(&self) -> impl Iterator<Item = (String, AggregateId, i64)> + '_ {
        let kind = catalog::INVENTORY_AVAILABLE_CHANGED.aggregate;
        self.skus
            .values()
            .filter(|s| s.changed)
            .map(move |s| (kind.to_owned(), AggregateId(s.row.id.0), s.last_sequence))
    }
}

impl Writes {
    /// `take` units of a line from a bin: the allocation, the balance's
    /// move from available to reserved, and its ledger row.
    fn reserve(&mut self, line: &LineRow, bin: BinId, take: i32, order_no: &str, now: Timestamp) {
        self.allocations.push(AllocationRow {
            order_id: line.order_id,
            line_no: line.line_no,
            bin_id: bin,
            quantity: take,
        });
        *self.reserved.entry((line.owner_id, line.sku_id, bin)).or_default() += take;
        if !self.part.orders() {
            return;
        }
        let reservation = Movement {
            owner: line.owner_id,
            sku: line.sku_id,
            quantity: take,
            from: Some(Place::at(Bucket::Available, bin)),
            to: Some(Place::at(Bucket::Reserved, bin)),
            reason: Reason::Reserved,
            document_no: order_no.to_owned(),
            note: format!("line {}", line.line_no),
            actor: "allocation".into(),
        };
        self.movements.push(crate::stock::service::ledger_row(&reservation, now));
    }
}
