//! The supervisors' queue of outbound exceptions: rows and queries.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::outbound_exceptions as ox;
use crate::db::types::Timestamp;
use crate::ids::{BinId, OrderId, OutboundExceptionId, ParcelId, SkuId, SupplierId};
use crate::outbound::exceptions::ExceptionStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ox)]
pub struct ExceptionRow {
    pub id: OutboundExceptionId,
    pub kind: String,
    pub status: String,
    pub order_id: OrderId,
    pub parcel_id: Option<ParcelId>,
    pub sku_id: Option<SkuId>,
    pub owner_id: Option<SupplierId>,
    pub bin_id: Option<BinId>,
    pub quantity: i32,
    pub detail: String,
    pub raised_by: String,
    pub raised_at: Timestamp,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<String>,
}

pub fn insert(tx: &mut DbConn, row: &ExceptionRow) -> QueryResult<()> {
    diesel::insert_into(ox::table).values(row).execute(tx)?;
    Ok(())
}

/// The queue, oldest first: of one status and one order, if given.
pub fn queue(
    conn: &mut DbConn,
    status: Option<ExceptionStatus>,
    order: Option<OrderId>,
    limit: i64,
) -> QueryResult<Vec<ExceptionRow>> {
    let mut q = ox::table.select(ExceptionRow::as_select()).order((ox::raised_at, ox::id)).into_boxed();
    if let Some(s) = status {
        q = q.filter(ox::status.eq(s.as_str()));
    }
    if let Some(o) = order {
        q = q.filter(ox::order_id.eq(o));
    }
    q.limit(limit).load(conn)
}

pub fn by_id(conn: &mut DbConn, id: OutboundExceptionId) -> QueryResult<Option<ExceptionRow>> {
    ox::table.find(id).select(ExceptionRow::as_select()).first(conn).optional()
}

/// Marks an exception resolved by `actor`, with what was done.
pub fn resolve(
    tx: &mut DbConn,
    id: OutboundExceptionId,
    actor: &str,
    resolution: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(ox::table.find(id))
        .set((
            ox::status.eq(ExceptionStatus::Resolved.as_str()),
            ox::resolved_by.eq(Some(actor)),
            ox::resolved_at.eq(Some(now)),
            ox::resolution.eq(Some(resolution)),
        ))
        .execute(tx)
}

/// Marks the open exceptions of a parcel resolved by `by`, with `why`.
pub fn resolve_open_of_parcel(
    tx: &mut DbConn,
    parcel: ParcelId,
    by: &str,
    why: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(
        ox::table
            .filter(ox::parcel_id.eq(Some(parcel)))
            .filter(ox::status.eq(ExceptionStatus::Open.as_str())),
    )
    .set((
        ox::status.eq(ExceptionStatus::Resolved.as_str()),
        ox::resolved_by.eq(Some(by)),
        ox::resolved_at.eq(Some(now)),
        ox::resolution.eq(Some(why)),
    ))
    .execute(tx)
}

/// How many of these parcels have an open exception of this kind.
pub fn open_of_parcels(conn: &mut DbConn, kind: &str, parcels: &[ParcelId]) -> QueryResult<i64> {
    if parcels.is_empty() {
        return Ok(0);
    }
    ox::table
        .filter(ox::status.eq(ExceptionStatus::Open.as_str()))
        .filter(ox::kind.eq(kind))
        .filter(ox::parcel_id.eq_any(parcels.iter().map(|p| Some(*p)).collect::<Vec<_>>()))
        .count()
        .get_result(conn)
}

/// How many are open.
pub fn open_count(conn: &mut DbConn) -> QueryResult<i64> {
    ox::table.filter(ox::status.eq(ExceptionStatus::Open.as_str())).count().get_result(conn)
}

/// Open exceptions per stored kind.
pub fn open_by_kind(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    ox::table
        .filter(ox::status.eq(ExceptionStatus::Open.as_str()))
        .group_by(ox::kind)
        .select((ox::kind, diesel::dsl::count_star()))
        .load(conn)
}
