//! Balance and ledger rows; cycle counts.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{cycle_count_lines, cycle_counts, stock_balances, stock_movements, stock_wakeups};
use crate::db::types::Timestamp;
use crate::ids::{BinId, CycleCountId, MovementId, SkuId, SupplierId};
use crate::stock::counts::CountStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_balances)]
pub struct BalanceRow {
    pub owner_id: SupplierId,
    pub sku_id: SkuId,
    pub bin_id: BinId,
    pub bucket: String,
    pub quantity: i32,
    pub updated_at: Timestamp,
    /// When units first came into the balance (kept by later additions):
    /// available stock is allocated first in, first out by this.
    pub first_in_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_movements)]
pub struct MovementRow {
    pub id: MovementId,
    pub owner_id: SupplierId,
    pub sku_id: SkuId,
    pub quantity: i32,
    pub from_bucket: Option<String>,
    pub from_bin: Option<BinId>,
    pub to_bucket: Option<String>,
    pub to_bin: Option<BinId>,
    pub reason: String,
    pub document_no: String,
    pub note: String,
    pub actor: String,
    pub created_at: Timestamp,
}

/// Takes `qty` units out of a balance if, and only if, it holds that many.
/// Returns the rows changed: 0 means there were not enough.
pub fn decrement(
    tx: &mut DbConn,
    owner: SupplierId,
    sku: SkuId,
    bin: BinId,
    bucket: &str,
    qty: i32,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(
        stock_balances::table
            .filter(stock_balances::owner_id.eq(owner))
            .filter(stock_balances::sku_id.eq(sku))
            .filter(stock_balances::bin_id.eq(bin))
            .filter(stock_balances::bucket.eq(bucket))
            .filter(stock_balances::quantity.ge(qty)),
    )
    .set((stock_balances::quantity.eq(stock_balances::quantity - qty), stock_balances::updated_at.eq(now)))
    .execute(tx)
}

/// Adds units to a balance, creating it if needed (one upsert statement, so
/// two transactions adding to a new balance at once cannot both insert).
pub fn increment(tx: &mut DbConn, row: &BalanceRow) -> QueryResult<usize> {
    use diesel::upsert::excluded;
    let q = diesel::insert_into(stock_balances::table)
        .values(row)
        .on_conflict((
            stock_balances::owner_id,
            stock_balances::sku_id,
            stock_balances::bin_id,
            stock_balances::bucket,
        ))
        .do_update()
        .set((
            stock_balances::quantity.eq(stock_balances::quantity + excluded(stock_balances::quantity)),
            stock_balances::updated_at.eq(excluded(stock_balances::updated_at)),
        ));
    match tx {
        DbConn::Pg(c) => q.execute(c),
        DbConn::Sqlite(c) => q.execute(c),
    }
}

pub fn insert_movement(tx: &mut DbConn, row: &MovementRow) -> QueryResult<()> {
    diesel::insert_into(stock_movements::table).values(row).execute(tx).map(drop)
}

/// New balances and their ledger rows: multi-row statements on PostgreSQL,
/// one by one on SQLite. A balance that exists already is refused (the
/// primary key), not added to.
pub fn insert_new(tx: &mut DbConn, balances: &[BalanceRow], ledger: &[MovementRow]) -> QueryResult<()> {
    match tx {
        DbConn::Pg(c) => {
            for chunk in balances.chunks(2000) {
                diesel::insert_into(stock_balances::table).values(chunk).execute(c)?;
            }
            for chunk in ledger.chunks(2000) {
                diesel::insert_into(stock_movements::table).values(chunk).execute(c)?;
            }
        }
        DbConn::Sqlite(c) => {
            for b in balances {
                diesel::insert_into(stock_balances::table).values(b).execute(c)?;
            }
            for m in ledger {
                diesel::insert_into(stock_movements::table).values(m).execute(c)?;
            }
        }
    }
    Ok(())
}

/// One balance's quantity (0 if there is none).
pub fn quantity(
    conn: &mut DbConn,
    owner: SupplierId,
    sku: SkuId,
    bin: BinId,
    bucket: &str,
) -> QueryResult<i32> {
    Ok(stock_balances::table
        .filter(stock_balances::owner_id.eq(owner))
        .filter(stock_balances::sku_id.eq(sku))
        .filter(stock_balances::bin_id.eq(bin))
        .filter(stock_balances::bucket.eq(bucket))
        .select(stock_balances::quantity)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// An owner's units of a SKU in one bucket, over all bins.
pub fn total_in_bucket(conn: &mut DbConn, owner: SupplierId, sku: SkuId, bucket: &str) -> QueryResult<i64> {
    let sum: Option<i64> = stock_balances::table
        .filter(stock_balances::owner_id.eq(owner))
        .filter(stock_balances::sku_id.eq(sku))
        .filter(stock_balances::bucket.eq(bucket))
        .select(diesel::dsl::sum(stock_balances::quantity))
        .first(conn)?;
    Ok(sum.unwrap_or(0))
}

/// Every non-zero balance matching the filter, in a stable order.
pub fn balances(
    conn: &mut DbConn,
    owner: Option<SupplierId>,
    sku: Option<SkuId>,
    bin: Option<BinId>,
    limit: i64,
) -> QueryResult<Vec<BalanceRow>> {
    let mut q = stock_balances::table
        .filter(stock_balances::quantity.gt(0))
        .select(BalanceRow::as_select())
        .order((stock_balances::sku_id, stock_balances::bin_id, stock_balances::bucket))
        .into_boxed();
    if let Some(o) = owner {
        q = q.filter(stock_balances::owner_id.eq(o));
    }
    if let Some(s) = sku {
        q = q.filter(stock_balances::sku_id.eq(s));
    }
    if let Some(b) = bin {
        q = q.filter(stock_balances::bin_id.eq(b));
    }
    q.limit(limit).load(conn)
}

/// Units of anything in a bin (every bucket that occupies space).
pub fn units_in_bin(conn: &mut DbConn, bin: BinId) -> QueryResult<i64> {
    let sum: Option<i64> = stock_balances::table
        .filter(stock_balances::bin_id.eq(bin))
        .select(diesel::dsl::sum(stock_balances::quantity))
        .first(conn)?;
    Ok(sum.unwrap_or(0))
}

/// Ledger rows for one owner's SKU, newest first.
pub fn movements(
    conn: &mut DbConn,
    owner: Option<SupplierId>,
    sku: SkuId,
    limit: i64,
) -> QueryResult<Vec<MovementRow>> {
    let mut q = stock_movements::table
        .filter(stock_movements::sku_id.eq(sku))
        .select(MovementRow::as_select())
        .order(stock_movements::id.desc())
        .into_boxed();
    if let Some(o) = owner {
        q = q.filter(stock_movements::owner_id.eq(o));
    }
    q.limit(limit).load(conn)
}

pub fn all_balances(conn: &mut DbConn) -> QueryResult<Vec<BalanceRow>> {
    stock_balances::table.select(BalanceRow::as_select()).load(conn)
}

pub fn all_movements(conn: &mut DbConn) -> QueryResult<Vec<MovementRow>> {
    stock_movements::table.select(MovementRow::as_select()).order(stock_movements::id).load(conn)
}

/// An owner's units per (SKU, bucket) over all bins, for the given SKUs.
pub fn totals_by_sku(
    conn: &mut DbConn,
    owner: SupplierId,
    skus: &[SkuId],
) -> QueryResult<std::collections::HashMap<(SkuId, String), i64>> {
    let rows: Vec<(SkuId, String, Option<i64>)> = stock_balances::table
        .filter(stock_balances::owner_id.eq(owner))
        .filter(stock_balances::sku_id.eq_any(skus))
        .group_by((stock_balances::sku_id, stock_balances::bucket))
        .select((stock_balances::sku_id, stock_balances::bucket, diesel::dsl::sum(stock_balances::quantity)))
        .load(conn)?;
    Ok(rows.into_iter().map(|(s, b, q)| ((s, b), q.unwrap_or(0))).collect())
}

/// An owner's available units of a SKU per bin, first in, first out: the
/// bin whose stock came in earliest first (then by bin id).
pub fn available_fifo(conn: &mut DbConn, owner: SupplierId, sku: SkuId) -> QueryResult<Vec<(BinId, i32)>> {
    let mut rows: Vec<(BinId, i32, Option<Timestamp>)> = stock_balances::table
        .filter(stock_balances::owner_id.eq(owner))
        .filter(stock_balances::sku_id.eq(sku))
        .filter(stock_balances::bucket.eq("available"))
        .filter(stock_balances::quantity.gt(0))
        .select((stock_balances::bin_id, stock_balances::quantity, stock_balances::first_in_at))
        .load(conn)?;
    rows.sort_by_key(|&(bin, _, first_in)| fifo_key(first_in, bin));
    Ok(rows.into_iter().map(|(bin, q, _)| (bin, q)).collect())
}

/// The order in which available balances are allocated: earliest first in,
/// then bin id; a balance that does not know when its units came in (one
/// written by hand) first. The same on both backends, which sort NULLs
/// differently.
pub fn fifo_key(first_in_at: Option<Timestamp>, bin: BinId) -> (Option<Timestamp>, BinId) {
    (first_in_at, bin)
}

/// A SKU with units in `bin` that is not `sku` of `owner`, if any.
pub fn other_occupant(
    conn: &mut DbConn,
    bin: BinId,
    owner: SupplierId,
    sku: SkuId,
) -> QueryResult<Option<SkuId>> {
    stock_balances::table
        .filter(stock_balances::bin_id.eq(bin))
        .filter(stock_balances::quantity.gt(0))
        .filter(stock_balances::sku_id.ne(sku).or(stock_balances::owner_id.ne(owner)))
        .select(stock_balances::sku_id)
        .first(conn)
        .optional()
}

/// A wake-up for the SKU's waiting orders (kept at its oldest).
pub fn wake(tx: &mut DbConn, sku: SkuId, now: Timestamp) -> QueryResult<()> {
    let insert = diesel::insert_into(stock_wakeups::table)
        .values((stock_wakeups::sku_id.eq(sku), stock_wakeups::since.eq(now)))
        .on_conflict_do_nothing();
    // Upserts are written per backend: the connection type over both has none.
    match tx {
        DbConn::Pg(c) => insert.execute(c)?,
        DbConn::Sqlite(c) => insert.execute(c)?,
    };
    Ok(())
}

pub fn wakeups(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(SkuId, Timestamp)>> {
    stock_wakeups::table
        .order((stock_wakeups::since, stock_wakeups::sku_id))
        .select((stock_wakeups::sku_id, stock_wakeups::since))
        .limit(limit)
        .load(conn)
}

/// Removes a wake-up dealt with: not one that came in after `since`.
pub fn woken(tx: &mut DbConn, sku: SkuId, since: Timestamp) -> QueryResult<usize> {
    diesel::delete(stock_wakeups::table.find(sku).filter(stock_wakeups::since.le(since))).execute(tx)
}

// ---- cycle counts

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cycle_counts)]
pub struct CountRow {
    pub id: CycleCountId,
    pub count_no: String,
    pub bin_id: BinId,
    pub status: String,
    pub created_by: String,
    pub counted_by: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: Timestamp,
    pub submitted_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cycle_count_lines)]
pub struct CountLineRow {
    pub count_id: CycleCountId,
    pub owner_id: SupplierId,
    pub sku_id: SkuId,
    pub expected: i32,
    pub counted: Option<i32>,
}

/// The bin's counts being counted or waiting for a decision.
pub fn open_counts_of_bin(conn: &mut DbConn, bin: BinId) -> QueryResult<i64> {
    cycle_counts::table
        .filter(cycle_counts::bin_id.eq(bin))
        .filter(cycle_counts::status.eq_any(["counting", "submitted"]))
        .count()
        .get_result(conn)
}

pub fn insert_count(tx: &mut DbConn, row: &CountRow) -> QueryResult<()> {
    diesel::insert_into(cycle_counts::table).values(row).execute(tx)?;
    Ok(())
}

pub fn insert_count_line(tx: &mut DbConn, row: &CountLineRow) -> QueryResult<()> {
    diesel::insert_into(cycle_count_lines::table).values(row).execute(tx)?;
    Ok(())
}

pub fn count(conn: &mut DbConn, id: CycleCountId) -> QueryResult<Option<CountRow>> {
    cycle_counts::table.find(id).select(CountRow::as_select()).first(conn).optional()
}

/// A count's lines, by SKU.
pub fn count_lines(conn: &mut DbConn, id: CycleCountId) -> QueryResult<Vec<CountLineRow>> {
    cycle_count_lines::table
        .filter(cycle_count_lines::count_id.eq(id))
        .order(cycle_count_lines::sku_id)
        .select(CountLineRow::as_select())
        .load(conn)
}

/// Every line of the count counted as 0 (before what was found is set).
pub fn count_all_as_zero(tx: &mut DbConn, id: CycleCountId) -> QueryResult<usize> {
    diesel::update(cycle_count_lines::table.filter(cycle_count_lines::count_id.eq(id)))
        .set(cycle_count_lines::counted.eq(Some(0)))
        .execute(tx)
}

/// What was found of an owner's SKU; a SKU the snapshot did not have gets
/// a line of its own (expected 0).
pub fn set_counted(
    tx: &mut DbConn,
    id: CycleCountId,
    owner: SupplierId,
    sku: SkuId,
    counted: i32,
) -> QueryResult<()> {
    let n = diesel::update(cycle_count_lines::table.find((id, owner, sku)))
        .set(cycle_count_lines::counted.eq(Some(counted)))
        .execute(tx)?;
    if n == 0 {
        let line =
            CountLineRow { count_id: id, owner_id: owner, sku_id: sku, expected: 0, counted: Some(counted) };
        diesel::insert_into(cycle_count_lines::table).values(&line).execute(tx)?;
    }
    Ok(())
}

/// Counted by `counter`: the count waits for a decision.
pub fn mark_count_submitted(
    tx: &mut DbConn,
    id: CycleCountId,
    counter: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(cycle_counts::table.find(id))
        .set((
            cycle_counts::status.eq(CountStatus::Submitted.as_str()),
            cycle_counts::counted_by.eq(Some(counter)),
            cycle_counts::submitted_at.eq(Some(now)),
        ))
        .execute(tx)
}

/// Approved or rejected (`status`) by `decider`.
pub fn mark_count_decided(
    tx: &mut DbConn,
    id: CycleCountId,
    status: &str,
    decider: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(cycle_counts::table.find(id))
        .set((
            cycle_counts::status.eq(status),
            cycle_counts::decided_by.eq(Some(decider)),
            cycle_counts::decided_at.eq(Some(now)),
        ))
        .execute(tx)
}

pub fn count_id_by_no(conn: &mut DbConn, count_no: &str) -> QueryResult<Option<CycleCountId>> {
    cycle_counts::table
        .filter(cycle_counts::count_no.eq(count_no))
        .select(cycle_counts::id)
        .first(conn)
        .optional()
}

/// Counts being counted or waiting for a decision, oldest first (`open`),
/// or the latest decided ones.
pub fn count_ids(conn: &mut DbConn, open: bool, limit: i64) -> QueryResult<Vec<CycleCountId>> {
    let statuses: &[&str] = if open { &["counting", "submitted"] } else { &["approved", "rejected"] };
    let mut q = cycle_counts::table
        .filter(cycle_counts::status.eq_any(statuses))
        .select(cycle_counts::id)
        .limit(limit)
        .into_boxed();
    q = if open {
        q.order((cycle_counts::created_at, cycle_counts::id))
    } else {
        q.order((cycle_counts::decided_at.desc(), cycle_counts::id.desc()))
    };
    q.load(conn)
}
