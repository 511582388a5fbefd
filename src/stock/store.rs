//! Balance and ledger rows.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{stock_balances, stock_movements, stock_wakeups};
use crate::db::types::Timestamp;
use crate::ids::{BinId, MovementId, SkuId, SupplierId};

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
