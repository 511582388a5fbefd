//! Zone and bin rows and queries.

use crate::db::types::Timestamp;
use crate::ids::{BinId, ZoneId};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{bins, zones};
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = zones)]
pub struct ZoneRow {
    pub id: ZoneId,
    pub code: String,
    pub name: String,
    pub sequence: i32,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bins)]
pub struct BinRow {
    pub id: BinId,
    pub code: String,
    pub zone_id: ZoneId,
    pub aisle: i32,
    pub bay: i32,
    pub level: i32,
    pub bin_type: String,
    pub capacity_units: Option<i32>,
    pub walk_order: i64,
    pub active: bool,
    pub created_at: Timestamp,
}

pub fn insert_zone(conn: &mut DbConn, row: &ZoneRow) -> QueryResult<()> {
    diesel::insert_into(zones::table).values(row).execute(conn).map(drop)
}

pub fn zone_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<ZoneRow>> {
    zones::table.filter(zones::code.eq(code)).select(ZoneRow::as_select()).first(conn).optional()
}

pub fn zones(conn: &mut DbConn) -> QueryResult<Vec<ZoneRow>> {
    zones::table.order(zones::sequence).select(ZoneRow::as_select()).load(conn)
}

pub fn next_zone_sequence(conn: &mut DbConn) -> QueryResult<i32> {
    let max: Option<i32> = zones::table.select(diesel::dsl::max(zones::sequence)).first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_bins(conn: &mut DbConn, rows: &[BinRow]) -> QueryResult<()> {
    // One statement per row: a multi-row insert needs per-backend code and
    // imports are small (a few thousand rows at most).
    for r in rows {
        diesel::insert_into(bins::table).values(r).execute(conn)?;
    }
    Ok(())
}

pub fn bin_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<(BinRow, ZoneRow)>> {
    bins::table
        .inner_join(zones::table)
        .filter(bins::code.eq(code))
        .select((BinRow::as_select(), ZoneRow::as_select()))
        .first(conn)
        .optional()
}

pub fn existing_codes(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<String>> {
    bins::table.filter(bins::code.eq_any(codes)).select(bins::code).load(conn)
}

#[derive(Debug, Default, Clone)]
pub struct BinFilter {
    pub zone: Option<String>,
    pub bin_type: Option<String>,
    pub code_prefix: Option<String>,
}

pub fn list_bins(conn: &mut DbConn, f: &BinFilter, page: PageRequest) -> QueryResult<Vec<(BinRow, ZoneRow)>> {
    let mut q = bins::table
        .inner_join(zones::table)
        .select((BinRow::as_select(), ZoneRow::as_select()))
        .order(bins::id)
        .into_boxed();
    if let Some(after) = page.after {
        q = q.filter(bins::id.gt(BinId(after)));
    }
    if let Some(z) = &f.zone {
        q = q.filter(zones::code.eq(z.clone()));
    }
    if let Some(t) = &f.bin_type {
        q = q.filter(bins::bin_type.eq(t.clone()));
    }
    if let Some(p) = &f.code_prefix {
        q = q.filter(bins::code.like(format!("{}%", p.replace(['%', '_', '\\'], ""))));
    }
    q.limit(page.limit + 1).load(conn)
}

/// Bins of a zone and/or between two codes (inclusive), in walk order: a
/// batch of labels to print. At most `limit`.
pub fn bins_for_labels(
    conn: &mut DbConn,
    zone: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(BinRow, ZoneRow)>> {
    let mut q = bins::table
        .inner_join(zones::table)
        .select((BinRow::as_select(), ZoneRow::as_select()))
        .order(bins::walk_order)
        .into_boxed();
    if let Some(z) = zone {
        q = q.filter(zones::code.eq(z.to_owned()));
    }
    if let Some(f) = from {
        q = q.filter(bins::code.ge(f.to_owned()));
    }
    if let Some(t) = to {
        q = q.filter(bins::code.le(t.to_owned()));
    }
    q.limit(limit).load(conn)
}

pub fn count_bins(conn: &mut DbConn) -> QueryResult<i64> {
    bins::table.count().get_result(conn)
}

pub fn bin_by_id(conn: &mut DbConn, id: BinId) -> QueryResult<Option<(BinRow, ZoneRow)>> {
    bins::table
        .inner_join(zones::table)
        .filter(bins::id.eq(id))
        .select((BinRow::as_select(), ZoneRow::as_select()))
        .first(conn)
        .optional()
}

/// Codes of the given bins (unknown ids are left out).
pub fn bin_codes(conn: &mut DbConn, ids: &[BinId]) -> QueryResult<Vec<(BinId, String)>> {
    bins::table.filter(bins::id.eq_any(ids)).select((bins::id, bins::code)).load(conn)
}

/// Active storage bins that hold nothing at all and could take `units`,
/// in walk order.
pub fn empty_storage_bins(conn: &mut DbConn, units: i32, limit: i64) -> QueryResult<Vec<BinRow>> {
    use crate::db::schema::stock_balances;
    bins::table
        .filter(bins::active.eq(true))
        .filter(bins::bin_type.eq("storage"))
        .filter(bins::capacity_units.is_null().or(bins::capacity_units.ge(units)))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            stock_balances::table
                .filter(stock_balances::bin_id.eq(bins::id))
                .filter(stock_balances::quantity.gt(0)),
        )))
        .order(bins::walk_order)
        .select(BinRow::as_select())
        .limit(limit)
        .load(conn)
}

/// Bins in walk order, by id.
pub fn bins_by_ids(conn: &mut DbConn, ids: &[BinId]) -> QueryResult<Vec<BinRow>> {
    bins::table.filter(bins::id.eq_any(ids)).order(bins::walk_order).select(BinRow::as_select()).load(conn)
}
