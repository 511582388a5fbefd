//! Manifest rows and queries: manifests, their bags, handover scans and
//! customs receipts.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{customs_receipts, handover_scans, manifest_bags, manifests};
use crate::db::types::Timestamp;
use crate::ids::{BagId, ChannelId, CustomsReceiptId, HandoverScanId, ManifestId, ParcelId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = manifests)]
pub struct ManifestRow {
    pub id: ManifestId,
    pub manifest_no: String,
    pub channel_id: ChannelId,
    pub carrier: String,
    pub master_waybill: String,
    pub transport_mode: String,
    pub transport_ref: String,
    pub planned_departure: Timestamp,
    pub status: String,
    pub bag_count: i32,
    pub parcel_count: i32,
    pub weight_g: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub closed_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub handed_over_by: Option<String>,
    pub handed_over_at: Option<Timestamp>,
    pub driver_name: Option<String>,
    pub vehicle_no: Option<String>,
    pub override_by: Option<String>,
    pub override_note: Option<String>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = manifest_bags)]
pub struct ManifestBagRow {
    pub manifest_id: ManifestId,
    pub bag_id: BagId,
    pub added_by: String,
    pub added_at: Timestamp,
    pub loaded_by: Option<String>,
    pub loaded_at: Option<Timestamp>,
    pub pulled_at: Option<Timestamp>,
    pub pulled_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = handover_scans)]
pub struct ScanRow {
    pub id: HandoverScanId,
    pub manifest_id: ManifestId,
    pub bag_id: BagId,
    pub code: String,
    pub scanned_by: String,
    pub scanned_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customs_receipts)]
pub struct ReceiptRow {
    pub id: CustomsReceiptId,
    pub manifest_id: ManifestId,
    pub parcel_id: ParcelId,
    pub status: String,
    pub reason: Option<String>,
    pub received_at: Timestamp,
    pub recorded_by: String,
    pub recorded_at: Timestamp,
}

pub fn insert(tx: &mut DbConn, row: &ManifestRow) -> QueryResult<()> {
    diesel::insert_into(manifests::table).values(row).execute(tx).map(drop)
}

pub fn by_id(conn: &mut DbConn, id: ManifestId) -> QueryResult<Option<ManifestRow>> {
    manifests::table.find(id).select(ManifestRow::as_select()).first(conn).optional()
}

pub fn by_no(conn: &mut DbConn, no: &str) -> QueryResult<Option<ManifestRow>> {
    manifests::table
        .filter(manifests::manifest_no.eq(no))
        .select(ManifestRow::as_select())
        .first(conn)
        .optional()
}

/// Manifests by status (all when `None`), newest first.
pub fn list(conn: &mut DbConn, status: Option<&str>, limit: i64) -> QueryResult<Vec<ManifestRow>> {
    let mut q =
        manifests::table.select(ManifestRow::as_select()).order(manifests::created_at.desc()).into_boxed();
    if let Some(s) = status {
        q = q.filter(manifests::status.eq(s.to_owned()));
    }
    q.limit(limit).load(conn)
}

pub fn closed(tx: &mut DbConn, id: ManifestId, actor: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(manifests::table.find(id).filter(manifests::status.eq("open")))
        .set((
            manifests::status.eq("closed"),
            manifests::closed_by.eq(Some(actor)),
            manifests::closed_at.eq(Some(now)),
            manifests::updated_at.eq(now),
        ))
        .execute(tx)
}

/// Who handed the manifest over, to whom and when.
pub struct Handover<'a> {
    pub actor: &'a str,
    pub driver_name: &'a str,
    pub vehicle_no: &'a str,
    pub override_by: Option<&'a str>,
    pub override_note: Option<&'a str>,
    pub now: Timestamp,
}

pub fn handed_over(tx: &mut DbConn, id: ManifestId, h: &Handover<'_>) -> QueryResult<usize> {
    diesel::update(manifests::table.find(id).filter(manifests::status.eq("closed")))
        .set((
            manifests::status.eq("handed_over"),
            manifests::handed_over_by.eq(Some(h.actor)),
            manifests::handed_over_at.eq(Some(h.now)),
            manifests::driver_name.eq(Some(h.driver_name)),
            manifests::vehicle_no.eq(Some(h.vehicle_no)),
            manifests::override_by.eq(h.override_by),
            manifests::override_note.eq(h.override_note),
            manifests::updated_at.eq(h.now),
        ))
        .execute(tx)
}

pub fn set_counts(
    tx: &mut DbConn,
    id: ManifestId,
    bags: i32,
    parcels: i32,
    weight_g: i64,
) -> QueryResult<()> {
    diesel::update(manifests::table.find(id))
        .set((
            manifests::bag_count.eq(bags),
            manifests::parcel_count.eq(parcels),
            manifests::weight_g.eq(weight_g),
        ))
        .execute(tx)
        .map(drop)
}

pub fn add_bag(tx: &mut DbConn, row: &ManifestBagRow) -> QueryResult<()> {
    diesel::insert_into(manifest_bags::table).values(row).execute(tx).map(drop)
}

/// Takes a bag off an open manifest (added by mistake): the row goes.
pub fn delete_bag(tx: &mut DbConn, id: ManifestId, bag: BagId) -> QueryResult<usize> {
    diesel::delete(manifest_bags::table.find((id, bag)).filter(manifest_bags::pulled_at.is_null()))
        .execute(tx)
}

/// The bags on a manifest now (not pulled), in the order added.
pub fn bags(conn: &mut DbConn, id: ManifestId) -> QueryResult<Vec<ManifestBagRow>> {
    manifest_bags::table
        .filter(manifest_bags::manifest_id.eq(id))
        .filter(manifest_bags::pulled_at.is_null())
        .order(manifest_bags::added_at)
        .select(ManifestBagRow::as_select())
        .load(conn)
}

/// The bags pulled off a manifest, and why.
pub fn pulled_bags(conn: &mut DbConn, id: ManifestId) -> QueryResult<Vec<ManifestBagRow>> {
    manifest_bags::table
        .filter(manifest_bags::manifest_id.eq(id))
        .filter(manifest_bags::pulled_at.is_not_null())
        .order(manifest_bags::added_at)
        .select(ManifestBagRow::as_select())
        .load(conn)
}

/// The manifest a bag is on now, if any.
pub fn manifest_of_bag(conn: &mut DbConn, bag: BagId) -> QueryResult<Option<ManifestId>> {
    manifest_bags::table
        .filter(manifest_bags::bag_id.eq(bag))
        .filter(manifest_bags::pulled_at.is_null())
        .select(manifest_bags::manifest_id)
        .first(conn)
        .optional()
}

/// A bag scanned onto the vehicle: the first scan counts.
pub fn loaded(
    tx: &mut DbConn,
    id: ManifestId,
    bag: BagId,
    actor: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(manifest_bags::table.find((id, bag)).filter(manifest_bags::loaded_at.is_null()))
        .set((manifest_bags::loaded_by.eq(Some(actor)), manifest_bags::loaded_at.eq(Some(now))))
        .execute(tx)
}

/// A bag not loaded at the handover: pulled off, with why.
pub fn pull_bag(
    tx: &mut DbConn,
    id: ManifestId,
    bag: BagId,
    reason: &str,
    now: Timestamp,
) -> QueryResult<usize> {
    diesel::update(manifest_bags::table.find((id, bag)).filter(manifest_bags::pulled_at.is_null()))
        .set((manifest_bags::pulled_at.eq(Some(now)), manifest_bags::pulled_reason.eq(Some(reason))))
        .execute(tx)
}

pub fn insert_scan(tx: &mut DbConn, row: &ScanRow) -> QueryResult<()> {
    diesel::insert_into(handover_scans::table).values(row).execute(tx).map(drop)
}

pub fn scans(conn: &mut DbConn, id: ManifestId) -> QueryResult<Vec<ScanRow>> {
    handover_scans::table
        .filter(handover_scans::manifest_id.eq(id))
        .order(handover_scans::scanned_at)
        .select(ScanRow::as_select())
        .load(conn)
}

pub fn insert_receipt(tx: &mut DbConn, row: &ReceiptRow) -> QueryResult<()> {
    diesel::insert_into(customs_receipts::table).values(row).execute(tx).map(drop)
}

/// Every receipt of a manifest, oldest first: the last of a parcel is its
/// answer.
pub fn receipts(conn: &mut DbConn, id: ManifestId) -> QueryResult<Vec<ReceiptRow>> {
    customs_receipts::table
        .filter(customs_receipts::manifest_id.eq(id))
        .order((customs_receipts::received_at, customs_receipts::recorded_at, customs_receipts::id))
        .select(ReceiptRow::as_select())
        .load(conn)
}

/// A parcel's customs answers, oldest first, with their manifest's number.
pub fn receipts_of_parcel(conn: &mut DbConn, parcel: ParcelId) -> QueryResult<Vec<(ReceiptRow, String)>> {
    customs_receipts::table
        .inner_join(manifests::table)
        .filter(customs_receipts::parcel_id.eq(parcel))
        .order((customs_receipts::received_at, customs_receipts::recorded_at, customs_receipts::id))
        .select((ReceiptRow::as_select(), manifests::manifest_no))
        .load(conn)
}
