//! Bag rows and queries.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{bag_parcels, bags};
use crate::db::types::Timestamp;
use crate::ids::{BagId, ChannelId, ParcelId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bags)]
pub struct BagRow {
    pub id: BagId,
    pub bag_no: String,
    pub channel_id: ChannelId,
    pub destination: String,
    pub status: String,
    pub parcel_count: i32,
    pub parcels_weight_g: i64,
    pub weight_g: Option<i32>,
    pub tolerance_g: Option<i32>,
    pub hold_reason: Option<String>,
    pub opened_by: String,
    pub opened_at: Timestamp,
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bag_parcels)]
pub struct BagParcelRow {
    pub bag_id: BagId,
    pub parcel_id: ParcelId,
    pub weight_g: i32,
    pub added_by: String,
    pub added_at: Timestamp,
}

pub fn by_id(conn: &mut DbConn, id: BagId) -> QueryResult<Option<BagRow>> {
    bags::table.find(id).select(BagRow::as_select()).first(conn).optional()
}

pub fn by_no(conn: &mut DbConn, bag_no: &str) -> QueryResult<Option<BagRow>> {
    bags::table.filter(bags::bag_no.eq(bag_no)).select(BagRow::as_select()).first(conn).optional()
}

pub fn by_ids(conn: &mut DbConn, ids: &[BagId]) -> QueryResult<Vec<BagRow>> {
    bags::table.filter(bags::id.eq_any(ids)).select(BagRow::as_select()).load(conn)
}

/// The parcels of several bags, in the order they were bagged.
pub fn parcels_in(conn: &mut DbConn, ids: &[BagId]) -> QueryResult<Vec<BagParcelRow>> {
    bag_parcels::table
        .filter(bag_parcels::bag_id.eq_any(ids))
        .order(bag_parcels::added_at)
        .select(BagParcelRow::as_select())
        .load(conn)
}

/// The open bag of a channel and destination, if any.
pub fn open_for(conn: &mut DbConn, channel: ChannelId, destination: &str) -> QueryResult<Option<BagRow>> {
    bags::table
        .filter(bags::channel_id.eq(channel))
        .filter(bags::destination.eq(destination))
        .filter(bags::status.eq("open"))
        .select(BagRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(tx: &mut DbConn, row: &BagRow) -> QueryResult<()> {
    diesel::insert_into(bags::table).values(row).execute(tx).map(drop)
}

pub fn add_parcel(tx: &mut DbConn, row: &BagParcelRow) -> QueryResult<()> {
    diesel::insert_into(bag_parcels::table).values(row).execute(tx)?;
    diesel::update(bags::table.find(row.bag_id))
        .set((
            bags::parcel_count.eq(bags::parcel_count + 1),
            bags::parcels_weight_g.eq(bags::parcels_weight_g + i64::from(row.weight_g)),
            bags::updated_at.eq(row.added_at),
        ))
        .execute(tx)
        .map(drop)
}

/// Takes a parcel out of a bag; false if it was not in it.
pub fn remove_parcel(tx: &mut DbConn, bag: BagId, parcel: ParcelId, now: Timestamp) -> QueryResult<bool> {
    let Some(row) =
        bag_parcels::table.find((bag, parcel)).select(BagParcelRow::as_select()).first(tx).optional()?
    else {
        return Ok(false);
    };
    diesel::delete(bag_parcels::table.find((bag, parcel))).execute(tx)?;
    diesel::update(bags::table.find(bag))
        .set((
            bags::parcel_count.eq(bags::parcel_count - 1),
            bags::parcels_weight_g.eq(bags::parcels_weight_g - i64::from(row.weight_g)),
            bags::updated_at.eq(now),
        ))
        .execute(tx)?;
    Ok(true)
}

/// A parcel's place in its bag, with the bag.
pub fn parcel_in_bag(conn: &mut DbConn, parcel: ParcelId) -> QueryResult<Option<(BagParcelRow, BagRow)>> {
    bag_parcels::table
        .inner_join(bags::table)
        .filter(bag_parcels::parcel_id.eq(parcel))
        .select((BagParcelRow::as_select(), BagRow::as_select()))
        .first(conn)
        .optional()
}

/// The bag a parcel is in.
pub fn bag_of(conn: &mut DbConn, parcel: ParcelId) -> QueryResult<Option<BagId>> {
    bag_parcels::table
        .filter(bag_parcels::parcel_id.eq(parcel))
        .select(bag_parcels::bag_id)
        .first(conn)
        .optional()
}

pub fn parcels(conn: &mut DbConn, bag: BagId) -> QueryResult<Vec<BagParcelRow>> {
    bag_parcels::table
        .filter(bag_parcels::bag_id.eq(bag))
        .order(bag_parcels::added_at)
        .select(BagParcelRow::as_select())
        .load(conn)
}

/// A bag on the scale: what it weighed and what was decided.
pub struct Weighing<'a> {
    pub status: &'a str,
    pub weight_g: i32,
    pub tolerance_g: i32,
    pub hold_reason: Option<&'a str>,
    pub actor: &'a str,
    pub now: Timestamp,
}

/// Weighed: closed, or held with why.
pub fn weighed(tx: &mut DbConn, id: BagId, w: &Weighing<'_>) -> QueryResult<()> {
    diesel::update(bags::table.find(id))
        .set((
            bags::status.eq(w.status),
            bags::weight_g.eq(Some(w.weight_g)),
            bags::tolerance_g.eq(Some(w.tolerance_g)),
            bags::hold_reason.eq(w.hold_reason),
            bags::closed_by.eq(Some(w.actor)),
            bags::closed_at.eq(Some(w.now)),
            bags::updated_at.eq(w.now),
        ))
        .execute(tx)
        .map(drop)
}

pub fn set_status(tx: &mut DbConn, id: BagId, status: &str, now: Timestamp) -> QueryResult<()> {
    let reopened = status == "open";
    let q = diesel::update(bags::table.find(id));
    if reopened {
        q.set((
            bags::status.eq(status),
            bags::weight_g.eq(None::<i32>),
            bags::tolerance_g.eq(None::<i32>),
            bags::hold_reason.eq(None::<String>),
            bags::closed_by.eq(None::<String>),
            bags::closed_at.eq(None::<Timestamp>),
            bags::updated_at.eq(now),
        ))
        .execute(tx)
        .map(drop)
    } else {
        q.set((bags::status.eq(status), bags::hold_reason.eq(None::<String>), bags::updated_at.eq(now)))
            .execute(tx)
            .map(drop)
    }
}

/// Bags by status (all when `None`), newest first.
pub fn list(conn: &mut DbConn, status: Option<&str>, limit: i64) -> QueryResult<Vec<BagRow>> {
    let mut q = bags::table.select(BagRow::as_select()).order(bags::opened_at.desc()).into_boxed();
    if let Some(s) = status {
        q = q.filter(bags::status.eq(s.to_owned()));
    }
    q.limit(limit).load(conn)
}
