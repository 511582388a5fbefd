//! The pack station's rows and queries: cartons, parcels, their units and
//! label prints.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{carton_types, label_prints, parcel_items, parcels};
use crate::db::types::Timestamp;
use crate::ids::{ChannelId, OrderId, ParcelId};
use crate::outbound::packing::ParcelStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = carton_types)]
pub struct CartonRow {
    pub code: String,
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
    pub tare_g: i32,
    pub max_weight_g: i32,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = parcels)]
pub struct ParcelRow {
    pub id: ParcelId,
    pub parcel_no: String,
    pub order_id: OrderId,
    pub tote: String,
    pub status: String,
    pub carton_code: Option<String>,
    pub expected_weight_g: Option<i32>,
    pub weight_g: Option<i32>,
    pub route: Option<String>,
    pub tracking_no: Option<String>,
    pub packed_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub packed_at: Option<Timestamp>,
    pub channel_id: Option<ChannelId>,
    pub channel_version: Option<i32>,
    pub volumetric_weight_g: Option<i32>,
    pub chargeable_weight_g: Option<i32>,
    pub hold_reason: Option<String>,
}

/// The active cartons of the catalog, smallest (by volume) first.
pub fn active_cartons(conn: &mut DbConn) -> QueryResult<Vec<CartonRow>> {
    carton_types::table
        .filter(carton_types::active.eq(true))
        .order((
            carton_types::length_mm * carton_types::width_mm * carton_types::height_mm,
            carton_types::code,
        ))
        .select(CartonRow::as_select())
        .load(conn)
}

pub fn by_id(conn: &mut DbConn, id: ParcelId) -> QueryResult<Option<ParcelRow>> {
    parcels::table.find(id).select(ParcelRow::as_select()).first(conn).optional()
}

/// The order's parcel that is not cancelled, if any.
pub fn live_of_order(conn: &mut DbConn, order: OrderId) -> QueryResult<Option<ParcelRow>> {
    parcels::table
        .filter(parcels::order_id.eq(order))
        .filter(parcels::status.ne(ParcelStatus::Cancelled.as_str()))
        .select(ParcelRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_ids(conn: &mut DbConn, ids: &[ParcelId]) -> QueryResult<Vec<ParcelRow>> {
    parcels::table.filter(parcels::id.eq_any(ids)).select(ParcelRow::as_select()).load(conn)
}

/// Units packed so far in each of these parcels, per order line.
pub fn packed_by_line_of(conn: &mut DbConn, ids: &[ParcelId]) -> QueryResult<Vec<(ParcelId, i32, i32)>> {
    parcel_items::table
        .filter(parcel_items::parcel_id.eq_any(ids))
        .select((parcel_items::parcel_id, parcel_items::line_no, parcel_items::quantity))
        .load(conn)
}

/// Units packed so far, per order line.
pub fn packed_by_line(conn: &mut DbConn, id: ParcelId) -> QueryResult<Vec<(i32, i32)>> {
    parcel_items::table
        .filter(parcel_items::parcel_id.eq(id))
        .select((parcel_items::line_no, parcel_items::quantity))
        .load(conn)
}

pub fn insert(tx: &mut DbConn, row: &ParcelRow) -> QueryResult<()> {
    diesel::insert_into(parcels::table).values(row).execute(tx)?;
    Ok(())
}

/// Adds `units` of an order line to the parcel.
pub fn add_units(tx: &mut DbConn, id: ParcelId, line_no: i32, units: i32) -> QueryResult<()> {
    let key = parcel_items::table.find((id, line_no));
    let n = diesel::update(key).set(parcel_items::quantity.eq(parcel_items::quantity + units)).execute(tx)?;
    if n == 0 {
        diesel::insert_into(parcel_items::table)
            .values((
                parcel_items::parcel_id.eq(id),
                parcel_items::line_no.eq(line_no),
                parcel_items::quantity.eq(units),
            ))
            .execute(tx)?;
    }
    Ok(())
}

/// The carton used, the weight expected and the weight on the scale.
pub fn record_weighing(
    tx: &mut DbConn,
    id: ParcelId,
    carton: &str,
    expected_g: i32,
    weight_g: i32,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(parcels::table.find(id))
        .set((
            parcels::carton_code.eq(Some(carton)),
            parcels::expected_weight_g.eq(Some(expected_g)),
            parcels::weight_g.eq(Some(weight_g)),
            parcels::updated_at.eq(now),
        ))
        .execute(tx)
}

/// Holds the parcel for a supervisor.
/// Held for a supervisor, and why (`weight`, `no_route: ...`).
pub fn hold(tx: &mut DbConn, id: ParcelId, reason: &str) -> QueryResult<usize> {
    diesel::update(parcels::table.find(id))
        .set((parcels::status.eq(ParcelStatus::Held.as_str()), parcels::hold_reason.eq(Some(reason))))
        .execute(tx)
}

/// Where routing sent a parcel.
pub struct Routed<'a> {
    pub channel: ChannelId,
    pub version: i32,
    pub code: &'a str,
    pub tracking_no: &'a str,
    pub volumetric_weight_g: i32,
    pub chargeable_weight_g: i32,
}

/// Packed: its channel (and the version it was routed with), weights and
/// tracking number.
pub fn mark_packed(tx: &mut DbConn, id: ParcelId, routed: &Routed<'_>, now: Timestamp) -> QueryResult<usize> {
    diesel::update(parcels::table.find(id))
        .set((
            parcels::status.eq(ParcelStatus::Packed.as_str()),
            parcels::route.eq(Some(routed.code)),
            parcels::tracking_no.eq(Some(routed.tracking_no)),
            parcels::channel_id.eq(Some(routed.channel)),
            parcels::channel_version.eq(Some(routed.version)),
            parcels::volumetric_weight_g.eq(Some(routed.volumetric_weight_g)),
            parcels::chargeable_weight_g.eq(Some(routed.chargeable_weight_g)),
            parcels::hold_reason.eq(None::<String>),
            parcels::packed_at.eq(Some(now)),
            parcels::updated_at.eq(now),
        ))
        .execute(tx)
}

/// Back to scanning, from nothing: its units and weights are dropped.
pub fn repack(tx: &mut DbConn, id: ParcelId, now: Timestamp) -> QueryResult<usize> {
    diesel::delete(parcel_items::table.filter(parcel_items::parcel_id.eq(id))).execute(tx)?;
    diesel::update(parcels::table.find(id))
        .set((
            parcels::status.eq(ParcelStatus::Packing.as_str()),
            parcels::weight_g.eq(None::<i32>),
            parcels::expected_weight_g.eq(None::<i32>),
            parcels::hold_reason.eq(None::<String>),
            parcels::updated_at.eq(now),
        ))
        .execute(tx)
}

pub fn cancel(tx: &mut DbConn, id: ParcelId, now: Timestamp) -> QueryResult<usize> {
    diesel::update(parcels::table.find(id))
        .set((parcels::status.eq(ParcelStatus::Cancelled.as_str()), parcels::updated_at.eq(now)))
        .execute(tx)
}

/// The newest parcel that is not cancelled and matches `$filter`.
macro_rules! newest {
    ($conn:expr, $filter:expr) => {
        parcels::table
            .filter($filter)
            .filter(parcels::status.ne(ParcelStatus::Cancelled.as_str()))
            .order((parcels::created_at.desc(), parcels::id.desc()))
            .select(parcels::id)
            .first::<ParcelId>($conn)
            .optional()
    };
}

/// The newest live parcel whose parcel number or tracking number is
/// `code`, with its order's destination: what the sort station needs, in
/// one statement.
pub fn newest_labelled(conn: &mut DbConn, code: &str) -> QueryResult<Option<(ParcelRow, String)>> {
    use crate::db::schema::orders;
    parcels::table
        .inner_join(orders::table.on(orders::id.eq(parcels::order_id)))
        .filter(parcels::parcel_no.eq(code).or(parcels::tracking_no.eq(Some(code))))
        .filter(parcels::status.ne(ParcelStatus::Cancelled.as_str()))
        // A parcel number before a tracking number, as `find` looks.
        .order((parcels::parcel_no.eq(code).desc(), parcels::created_at.desc(), parcels::id.desc()))
        .select((ParcelRow::as_select(), orders::destination_country))
        .first(conn)
        .optional()
}

/// The newest live parcel with this parcel number.
pub fn newest_by_no(conn: &mut DbConn, parcel_no: &str) -> QueryResult<Option<ParcelId>> {
    newest!(conn, parcels::parcel_no.eq(parcel_no))
}

/// The newest live parcel with this tracking number.
pub fn newest_by_tracking_no(conn: &mut DbConn, tracking_no: &str) -> QueryResult<Option<ParcelId>> {
    newest!(conn, parcels::tracking_no.eq(Some(tracking_no)))
}

/// The order's newest live parcel.
pub fn newest_of_order(conn: &mut DbConn, order: OrderId) -> QueryResult<Option<ParcelId>> {
    newest!(conn, parcels::order_id.eq(order))
}

/// The newest live parcel packed from this tote.
pub fn newest_from_tote(conn: &mut DbConn, tote: &str) -> QueryResult<Option<ParcelId>> {
    newest!(conn, parcels::tote.eq(tote))
}

/// Parcels held at the scale.
pub fn held_count(conn: &mut DbConn) -> QueryResult<i64> {
    parcels::table.filter(parcels::status.eq(ParcelStatus::Held.as_str())).count().get_result(conn)
}

/// The copy number of the parcel's last label print, if it was printed.
pub fn last_print(tx: &mut DbConn, id: ParcelId) -> QueryResult<Option<i32>> {
    label_prints::table
        .filter(label_prints::parcel_id.eq(id))
        .select(diesel::dsl::max(label_prints::copy_no))
        .first(tx)
}

pub fn insert_print(
    tx: &mut DbConn,
    id: ParcelId,
    copy_no: i32,
    actor: &str,
    now: Timestamp,
) -> QueryResult<()> {
    diesel::insert_into(label_prints::table)
        .values((
            label_prints::parcel_id.eq(id),
            label_prints::copy_no.eq(copy_no),
            label_prints::printed_by.eq(actor),
            label_prints::printed_at.eq(now),
        ))
        .execute(tx)?;
    Ok(())
}

/// Every print of the parcel's label, first first: copy number, by whom, when.
pub fn prints(conn: &mut DbConn, id: ParcelId) -> QueryResult<Vec<(i32, String, Timestamp)>> {
    label_prints::table
        .filter(label_prints::parcel_id.eq(id))
        .order(label_prints::copy_no)
        .select((label_prints::copy_no, label_prints::printed_by, label_prints::printed_at))
        .load(conn)
}

/// `from` to `to`, only if the parcel is in `from`.
pub fn move_status(
    tx: &mut DbConn,
    id: ParcelId,
    from: &str,
    to: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(parcels::table.find(id).filter(parcels::status.eq(from)))
        .set((parcels::status.eq(to), parcels::updated_at.eq(now)))
        .execute(tx)
}

/// A bagged parcel handed over on `manifest_no`: 1, or 0 if it was not
/// bagged.
pub fn hand_over(tx: &mut DbConn, id: ParcelId, manifest_no: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(parcels::table.find(id).filter(parcels::status.eq(ParcelStatus::Bagged.as_str())))
        .set((
            parcels::status.eq(ParcelStatus::HandedOver.as_str()),
            parcels::handed_over_at.eq(Some(now)),
            parcels::handed_over_on.eq(Some(manifest_no)),
            parcels::updated_at.eq(now),
        ))
        .execute(tx)
}

/// Held, and why, only if the parcel is in `from`.
pub fn hold_from(
    tx: &mut DbConn,
    id: ParcelId,
    from: &str,
    reason: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(parcels::table.find(id).filter(parcels::status.eq(from)))
        .set((
            parcels::status.eq(ParcelStatus::Held.as_str()),
            parcels::hold_reason.eq(Some(reason)),
            parcels::updated_at.eq(now),
        ))
        .execute(tx)
}

/// Parcel numbers and tracking numbers of several parcels, in one query.
pub fn numbers(conn: &mut DbConn, ids: &[ParcelId]) -> QueryResult<Vec<(ParcelId, String, Option<String>)>> {
    parcels::table
        .filter(parcels::id.eq_any(ids))
        .select((parcels::id, parcels::parcel_no, parcels::tracking_no))
        .load(conn)
}
