//! Order intake's statements (`outbound::intake`). On PostgreSQL: the
//! first (locks, order numbers) and the write of every order taken in by a
//! request, in two parts (the orders', which can go in ahead of the stock
//! locks, and the stock's), each prepared once per connection; and the same
//! writes on SQLite.
//!
//! On PostgreSQL each part goes in as **one statement**: each table's rows
//! are bound as one array per column and inserted with `unnest`, in
//! data-modifying CTEs; the stock's statement is itself the guarded
//! decrement of the available balances. The statement texts never change,
//! so diesel prepares them once per connection. They write exactly the rows
//! that `stock::service` (balances, ledger) and `events::store` (outbox,
//! counters) write one by one; the whole-flow and ledger tests run on both
//! backends to keep the two in step.
//!
//! On SQLite (in-process: a statement costs no round trip) the rows go in
//! one by one through the stores of the modules that own them.

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::events::OutboxRow;
use crate::ids::{AggregateId, BinId, SkuId, SupplierId};
use crate::outbound::intake::Writes;
use crate::stock::Bucket;
use crate::stock::service::BalanceRow;

/// Intake's first statement on PostgreSQL: takes the advisory locks of
/// `keys` (the platform order ids', in the order given, as
/// [`crate::db::lock_keys`]), then draws `n` order numbers from the
/// sequence, in one round trip. On SQLite nothing
/// needs locking and no number is drawn here: each order takes one from the
/// day's counter when it is created, so that the day's numbers have no
/// gaps.
pub fn lock_then_order_nos(tx: &mut DbConn, keys: &[String], n: usize) -> QueryResult<Vec<String>> {
    match tx {
        DbConn::Pg(pg) => {
            let numbers: Vec<i64> = LockThenNumber { keys, n: n as i64 }.load(pg)?;
            Ok(numbers.into_iter().map(crate::db::docno::order_no_of).collect())
        }
        DbConn::Sqlite(_) => Ok(Vec::new()),
    }
}

/// The locks, then the numbers: the CTE holds a volatile function, so it is
/// evaluated once, in full, before the first number is drawn.
struct LockThenNumber<'a> {
    keys: &'a [String],
    n: i64,
}

impl QueryId for LockThenNumber<'_> {
    type QueryId = LockThenNumber<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::Query for LockThenNumber<'_> {
    type SqlType = BigInt;
}

impl QueryFragment<Pg> for LockThenNumber<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH l AS (");
        out.push_sql(crate::db::LOCK_KEYS_SQL);
        out.push_bind_param::<Array<Text>, _>(self.keys)?;
        out.push_sql(crate::db::LOCK_KEYS_END);
        out.push_sql(") SELECT nextval('order_no_seq') FROM l CROSS JOIN generate_series(1, ");
        out.push_bind_param::<BigInt, _>(&self.n)?;
        out.push_sql(")");
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for LockThenNumber<'_> {}

/// From here to the end of the transaction, statements run on plans made
/// once per connection, whatever the arrays they are given hold (on
/// PostgreSQL; SQLite has no such choice). The statements after the stock
/// locks are key lookups by their nature: the reads of the SKUs' balances
/// and counters, and the write. Left to choose, PostgreSQL planned a read
/// of a batch's thousand SKUs as a scan of every balance, and judged a
/// fresh plan of the eight-table write cheaper every time (planning was 15%
/// of the machine's time at full load). The reads before the locks keep
/// their own plans: a generic plan of "orders with these platform ids",
/// made while `orders` was small, scanned the table.
pub fn plan_generically(tx: &mut DbConn) -> QueryResult<()> {
    match tx {
        DbConn::Pg(pg) => pg.batch_execute("SET LOCAL plan_cache_mode = force_generic_plan"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// `unnest($1, $2, ...)` of the given columns, each bound as an array.
macro_rules! unnest {
    ($out:ident; $first_ty:ty => $first:expr $(, $ty:ty => $col:expr)* $(,)?) => {
        $out.push_sql("unnest(");
        $out.push_bind_param::<Array<$first_ty>, _>(&$first)?;
        $(
            $out.push_sql(", ");
            $out.push_bind_param::<Array<$ty>, _>(&$col)?;
        )*
        $out.push_sql(")");
    };
}

/// Whether the orders' part of an intake is written ahead of the stock
/// locks (and undone to [`savepoint`] if the allocation under the locks
/// comes out differently): on PostgreSQL. On SQLite the transaction is the
/// only writer from its first statement, so there is nothing to gain.
pub fn writes_ahead_of_locks(tx: &DbConn) -> bool {
    matches!(tx, DbConn::Pg(_))
}

/// Writes the orders' part of `w` in the caller's transaction: orders,
/// lines, allocations, ledger rows, the orders' events and counters.
pub fn write_orders(tx: &mut DbConn, w: &Writes) -> QueryResult<()> {
    if w.orders.is_empty() {
        return Ok(());
    }
    match tx {
        DbConn::Pg(pg) => {
            OrderColumns::of(w).execute(pg)?;
        }
        DbConn::Sqlite(_) => {
            super::insert_all(tx, &w.orders, &w.lines, &w.allocations)?;
            for m in &w.movements {
                crate::stock::service::insert_movement(tx, m)?;
            }
            crate::events::insert_rows(tx, &w.order_events, &w.order_counters)?;
        }
    }
    Ok(())
}

/// Writes the stock's part of `w` in the caller's transaction, which holds
/// the SKUs' stock locks: each balance's units from available to reserved,
/// the SKUs' events and counters. Returns how many available balances were
/// decremented: fewer than `w.reserved` holds means a balance held fewer
/// units than were reserved from it (the guard held, and the caller rolls
/// back).
pub fn write_reservation(tx: &mut DbConn, w: &Writes, now: Timestamp) -> QueryResult<usize> {
    if w.reserved.is_empty() && w.stock_events.is_empty() {
        return Ok(0);
    }
    Ok(match tx {
        DbConn::Pg(pg) => StockColumns::of(w, now).execute(pg)?,
        DbConn::Sqlite(_) => {
            let mut n = 0;
            for (&(owner, sku, bin), &quantity) in &w.reserved {
                let available = Bucket::Available.as_str();
                n += crate::stock::service::decrement(tx, owner, sku, bin, available, quantity, now)?;
                crate::stock::service::increment(
                    tx,
                    &BalanceRow {
                        owner_id: owner,
                        sku_id: sku,
                        bin_id: bin,
                        bucket: Bucket::Reserved.as_str().to_owned(),
                        quantity,
                        updated_at: now,
                        first_in_at: Some(now),
                    },
                )?;
            }
            crate::events::insert_rows(tx, &w.stock_events, &w.stock_counters)?;
            n
        }
    })
}

/// A savepoint before the orders' part is written ahead of the stock locks
/// (PostgreSQL only; see `intake::take_in`).
pub fn savepoint(tx: &mut DbConn) -> QueryResult<()> {
    match tx {
        DbConn::Pg(pg) => pg.batch_execute("SAVEPOINT intake_ahead"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Undoes everything since [`savepoint`], the stock locks taken since
/// included (PostgreSQL releases a rolled-back subtransaction's locks).
pub fn back_to_savepoint(tx: &mut DbConn) -> QueryResult<()> {
    match tx {
        DbConn::Pg(pg) => pg.batch_execute("ROLLBACK TO SAVEPOINT intake_ahead"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

fn column<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

/// Outbox rows, one array per column.
struct EventColumns {
    id: Vec<Uuid>,
    event_type: Vec<String>,
    kind: Vec<String>,
    aggregate: Vec<Uuid>,
    document: Vec<String>,
    owner: Vec<Option<Uuid>>,
    sequence: Vec<i64>,
    occurred: Vec<DateTime<Utc>>,
    payload: Vec<String>,
}

impl EventColumns {
    fn of(e: &[OutboxRow]) -> Self {
        Self {
            id: column(e, |x| x.id.0),
            event_type: column(e, |x| x.event_type.clone()),
            kind: column(e, |x| x.aggregate_kind.clone()),
            aggregate: column(e, |x| x.aggregate_id.0),
            document: column(e, |x| x.document_no.clone()),
            owner: column(e, |x| x.owner_id.map(|o| o.0)),
            sequence: column(e, |x| x.sequence),
            occurred: column(e, |x| x.occurred_at.0),
            payload: column(e, |x| x.payload.clone()),
        }
    }

    /// `INSERT INTO outbox ... SELECT ... FROM unnest(...)`.
    fn walk_insert<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO outbox (id, event_type, aggregate_kind, aggregate_id, document_no, owner_id, sequence, \
             occurred_at, payload, attempts) SELECT *, 0 FROM ",
        );
        unnest!(out; SqlUuid => self.id, Text => self.event_type, Text => self.kind, SqlUuid => self.aggregate,
            Text => self.document, Nullable<SqlUuid> => self.owner, BigInt => self.sequence,
            Timestamptz => self.occurred, Text => self.payload);
        Ok(())
    }
}

/// Event counters, one array per column.
struct CounterColumns {
    kind: Vec<String>,
    aggregate: Vec<Uuid>,
    last: Vec<i64>,
}

impl CounterColumns {
    fn of(c: &[(String, AggregateId, i64)]) -> Self {
        Self { kind: column(c, |x| x.0.clone()), aggregate: column(c, |x| x.1.0), last: column(c, |x| x.2) }
    }

    /// `INSERT INTO event_sequences ... ON CONFLICT ... DO UPDATE`.
    fn walk_upsert<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO event_sequences (aggregate_kind, aggregate_id, last_sequence) SELECT * FROM ",
        );
        unnest!(out; Text => self.kind, SqlUuid => self.aggregate, BigInt => self.last);
        out.push_sql(
            " ON CONFLICT (aggregate_kind, aggregate_id) DO UPDATE SET last_sequence = excluded.last_sequence",
        );
        Ok(())
    }
}

/// The orders' part of [`Writes`] as one array per column.
struct OrderColumns {
    // orders
    o_id: Vec<Uuid>,
    o_no: Vec<String>,
    o_platform_id: Vec<String>,
    o_shop: Vec<String>,
    o_market: Vec<String>,
    o_destination: Vec<String>,
    o_service: Vec<String>,
    o_ship_by: Vec<DateTime<Utc>>,
    o_status: Vec<String>,
    o_sealed: Vec<Option<Vec<u8>>>,
    o_key_id: Vec<Option<String>>,
    o_masked: Vec<String>,
    o_created: Vec<DateTime<Utc>>,
    o_updated: Vec<DateTime<Utc>>,
    // order_lines
    l_order: Vec<Uuid>,
    l_no: Vec<i32>,
    l_sku: Vec<Uuid>,
    l_owner: Vec<Uuid>,
    l_quantity: Vec<i32>,
    l_allocated: Vec<i32>,
    l_cancelled: Vec<i32>,
    l_price: Vec<i64>,
    l_currency: Vec<String>,
    // order_allocations
    a_order: Vec<Uuid>,
    a_line: Vec<i32>,
    a_bin: Vec<Uuid>,
    a_quantity: Vec<i32>,
    // stock_movements
    m_id: Vec<Uuid>,
    m_owner: Vec<Uuid>,
    m_sku: Vec<Uuid>,
    m_quantity: Vec<i32>,
    m_from_bucket: Vec<Option<String>>,
    m_from_bin: Vec<Option<Uuid>>,
    m_to_bucket: Vec<Option<String>>,
    m_to_bin: Vec<Option<Uuid>>,
    m_reason: Vec<String>,
    m_document: Vec<String>,
    m_note: Vec<String>,
    m_actor: Vec<String>,
    m_created: Vec<DateTime<Utc>>,
    events: EventColumns,
    counters: CounterColumns,
}

impl OrderColumns {
    fn of(w: &Writes) -> Self {
        let (o, l, a, m) = (&w.orders, &w.lines, &w.allocations, &w.movements);
        Self {
            o_id: column(o, |x| x.id.0),
            o_no: column(o, |x| x.order_no.clone()),
            o_platform_id: column(o, |x| x.platform_order_id.clone()),
            o_shop: column(o, |x| x.shop.clone()),
            o_market: column(o, |x| x.market.clone()),
            o_destination: column(o, |x| x.destination_country.clone()),
            o_service: column(o, |x| x.service_level.clone()),
            o_ship_by: column(o, |x| x.ship_by.0),
            o_status: column(o, |x| x.status.clone()),
            o_sealed: column(o, |x| x.buyer_sealed.clone()),
            o_key_id: column(o, |x| x.buyer_key_id.clone()),
            o_masked: column(o, |x| x.buyer_masked.clone()),
            o_created: column(o, |x| x.created_at.0),
            o_updated: column(o, |x| x.updated_at.0),
            l_order: column(l, |x| x.order_id.0),
            l_no: column(l, |x| x.line_no),
            l_sku: column(l, |x| x.sku_id.0),
            l_owner: column(l, |x| x.owner_id.0),
            l_quantity: column(l, |x| x.quantity),
            l_allocated: column(l, |x| x.allocated),
            l_cancelled: column(l, |x| x.cancelled),
            l_price: column(l, |x| x.unit_price_minor),
            l_currency: column(l, |x| x.currency.clone()),
            a_order: column(a, |x| x.order_id.0),
            a_line: column(a, |x| x.line_no),
            a_bin: column(a, |x| x.bin_id.0),
            a_quantity: column(a, |x| x.quantity),
            m_id: column(m, |x| x.id.0),
            m_owner: column(m, |x| x.owner_id.0),
            m_sku: column(m, |x| x.sku_id.0),
            m_quantity: column(m, |x| x.quantity),
            m_from_bucket: column(m, |x| x.from_bucket.clone()),
            m_from_bin: column(m, |x| x.from_bin.map(|b| b.0)),
            m_to_bucket: column(m, |x| x.to_bucket.clone()),
            m_to_bin: column(m, |x| x.to_bin.map(|b| b.0)),
            m_reason: column(m, |x| x.reason.clone()),
            m_document: column(m, |x| x.document_no.clone()),
            m_note: column(m, |x| x.note.clone()),
            m_actor: column(m, |x| x.actor.clone()),
            m_created: column(m, |x| x.created_at.0),
            events: EventColumns::of(&w.order_events),
            counters: CounterColumns::of(&w.order_counters),
        }
    }
}

/// The stock's part of [`Writes`] as one array per column.
struct StockColumns {
    now: DateTime<Utc>,
    available: &'static str,
    reserved: &'static str,
    r_owner: Vec<Uuid>,
    r_sku: Vec<Uuid>,
    r_bin: Vec<Uuid>,
    r_quantity: Vec<i32>,
    events: EventColumns,
    counters: CounterColumns,
}

impl StockColumns {
    fn of(w: &Writes, now: Timestamp) -> Self {
        let r: Vec<(&(SupplierId, SkuId, BinId), &i32)> = w.reserved.iter().collect();
        Self {
            now: now.0,
            available: Bucket::Available.as_str(),
            reserved: Bucket::Reserved.as_str(),
            r_owner: column(&r, |(k, _)| k.0.0),
            r_sku: column(&r, |(k, _)| k.1.0),
            r_bin: column(&r, |(k, _)| k.2.0),
            r_quantity: column(&r, |(_, q)| **q),
            events: EventColumns::of(&w.stock_events),
            counters: CounterColumns::of(&w.stock_counters),
        }
    }
}

impl QueryId for OrderColumns {
    type QueryId = OrderColumns;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<PgConnection> for OrderColumns {}

impl QueryId for StockColumns {
    type QueryId = StockColumns;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<PgConnection> for StockColumns {}

impl QueryFragment<Pg> for OrderColumns {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH new_orders AS (INSERT INTO orders (id, order_no, platform_order_id, shop, market, \
             destination_country, service_level, ship_by, status, buyer_sealed, buyer_key_id, buyer_masked, \
             created_at, updated_at) SELECT * FROM ",
        );
        unnest!(out; SqlUuid => self.o_id, Text => self.o_no, Text => self.o_platform_id, Text => self.o_shop,
            Text => self.o_market, Text => self.o_destination, Text => self.o_service,
            Timestamptz => self.o_ship_by, Text => self.o_status, Nullable<Bytea> => self.o_sealed,
            Nullable<Text> => self.o_key_id, Text => self.o_masked, Timestamptz => self.o_created,
            Timestamptz => self.o_updated);
        out.push_sql(
            "), new_lines AS (INSERT INTO order_lines (order_id, line_no, sku_id, owner_id, quantity, allocated, \
             cancelled, unit_price_minor, currency) SELECT * FROM ",
        );
        unnest!(out; SqlUuid => self.l_order, Integer => self.l_no, SqlUuid => self.l_sku, SqlUuid => self.l_owner,
            Integer => self.l_quantity, Integer => self.l_allocated, Integer => self.l_cancelled,
            BigInt => self.l_price, Text => self.l_currency);
        out.push_sql(
            "), new_allocations AS (INSERT INTO order_allocations (order_id, line_no, bin_id, quantity) \
             SELECT * FROM ",
        );
        unnest!(out; SqlUuid => self.a_order, Integer => self.a_line, SqlUuid => self.a_bin,
            Integer => self.a_quantity);
        out.push_sql(
            "), ledger AS (INSERT INTO stock_movements (id, owner_id, sku_id, quantity, from_bucket, from_bin, \
             to_bucket, to_bin, reason, document_no, note, actor, created_at) SELECT * FROM ",
        );
        unnest!(out; SqlUuid => self.m_id, SqlUuid => self.m_owner, SqlUuid => self.m_sku,
            Integer => self.m_quantity, Nullable<Text> => self.m_from_bucket, Nullable<SqlUuid> => self.m_from_bin,
            Nullable<Text> => self.m_to_bucket, Nullable<SqlUuid> => self.m_to_bin, Text => self.m_reason,
            Text => self.m_document, Text => self.m_note, Text => self.m_actor, Timestamptz => self.m_created);
        out.push_sql("), events AS (");
        self.events.walk_insert(&mut out)?;
        out.push_sql(") ");
        self.counters.walk_upsert(&mut out)
    }
}

impl QueryFragment<Pg> for StockColumns {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "WITH into_reserved AS (INSERT INTO stock_balances (owner_id, sku_id, bin_id, quantity, bucket, \
             updated_at, first_in_at) SELECT r.*, ",
        );
        out.push_bind_param::<Text, _>(self.reserved)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamptz, _>(&self.now)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamptz, _>(&self.now)?;
        out.push_sql(" FROM ");
        unnest!(out; SqlUuid => self.r_owner, SqlUuid => self.r_sku, SqlUuid => self.r_bin,
            Integer => self.r_quantity);
        out.push_sql(
            " AS r ON CONFLICT (owner_id, sku_id, bin_id, bucket) DO UPDATE SET \
             quantity = stock_balances.quantity + excluded.quantity, updated_at = excluded.updated_at\
             ), events AS (",
        );
        self.events.walk_insert(&mut out)?;
        out.push_sql("), counters AS (");
        self.counters.walk_upsert(&mut out)?;
        out.push_sql(") UPDATE stock_balances AS b SET quantity = b.quantity - r.q, updated_at = ");
        out.push_bind_param::<Timestamptz, _>(&self.now)?;
        out.push_sql(" FROM ");
        unnest!(out; SqlUuid => self.r_owner, SqlUuid => self.r_sku, SqlUuid => self.r_bin,
            Integer => self.r_quantity);
        out.push_sql(
            " AS r (owner_id, sku_id, bin_id, q) WHERE b.owner_id = r.owner_id AND b.sku_id = r.sku_id \
             AND b.bin_id = r.bin_id AND b.quantity >= r.q AND b.bucket = ",
        );
        out.push_bind_param::<Text, _>(self.available)?;
        Ok(())
    }
}
