//! Tracking rows and queries: carriers' events, the parcels' carrier-side
//! columns (milestone, delivery, lost suspicion: written only here), claims.
//! A batch of events shares its round trips: one lookup of its parcels, one
//! multi-row insert, one update of the parcels it moved (PostgreSQL).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Timestamptz, Uuid as SqlUuid};

use crate::db::DbConn;
use crate::db::schema::{claims, parcels, tracking_events};
use crate::db::types::Timestamp;
use crate::ids::{ChannelId, ClaimId, OrderId, ParcelId, TrackingEventId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tracking_events)]
pub struct EventRow {
    pub id: TrackingEventId,
    pub parcel_id: ParcelId,
    pub tracking_no: String,
    pub carrier: String,
    pub raw_code: String,
    pub status: String,
    pub event_at: Timestamp,
    pub location: String,
    pub incident_reason: Option<String>,
    pub received_at: Timestamp,
}

/// A parcel as tracking sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parcels)]
pub struct TrackedParcel {
    pub id: ParcelId,
    pub parcel_no: String,
    pub order_id: OrderId,
    pub status: String,
    pub route: Option<String>,
    pub tracking_no: Option<String>,
    pub channel_id: Option<ChannelId>,
    pub channel_version: Option<i32>,
    pub milestone_status: Option<String>,
    pub milestone_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub lost_suspected_at: Option<Timestamp>,
    pub handed_over_at: Option<Timestamp>,
    /// The manifest it was handed over on.
    pub handed_over_on: Option<String>,
    pub updated_at: Timestamp,
}

/// The live parcels carrying these tracking numbers, locked for the
/// batch's changes on PostgreSQL (in id order, so that two batches sharing
/// parcels take them in the same order). SQLite's writer holds the whole
/// database already.
pub fn parcels_by_tracking(tx: &mut DbConn, numbers: &[String]) -> QueryResult<Vec<TrackedParcel>> {
    macro_rules! q {
        () => {
            parcels::table
                .filter(parcels::tracking_no.eq_any(numbers))
                .filter(parcels::status.ne("cancelled"))
                .order(parcels::id)
                .select(TrackedParcel::as_select())
        };
    }
    match tx {
        DbConn::Pg(pg) => q!().for_update().load(pg),
        DbConn::Sqlite(_) => q!().load(tx),
    }
}

pub fn parcel(conn: &mut DbConn, id: ParcelId) -> QueryResult<Option<TrackedParcel>> {
    parcels::table.find(id).select(TrackedParcel::as_select()).first(conn).optional()
}

/// Inserts the events that are not stored yet (same tracking number, raw
/// code and time) and returns the ids of those it inserted.
pub fn insert_new(tx: &mut DbConn, rows: &[EventRow]) -> QueryResult<Vec<TrackingEventId>> {
    let mut inserted = Vec::with_capacity(rows.len());
    match tx {
        DbConn::Pg(pg) => {
            // 10 columns: 1,000 rows stay well under PostgreSQL's 65,535 binds.
            for chunk in rows.chunks(1000) {
                let ids: Vec<TrackingEventId> = diesel::insert_into(tracking_events::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .returning(tracking_events::id)
                    .get_results(pg)?;
                inserted.extend(ids);
            }
        }
        DbConn::Sqlite(c) => {
            // In-process: no round trips to share.
            for r in rows {
                let n = diesel::insert_into(tracking_events::table)
                    .values(r)
                    .on_conflict_do_nothing()
                    .execute(c)?;
                if n == 1 {
                    inserted.push(r.id);
                }
            }
        }
    }
    Ok(inserted)
}

/// A parcel's changes from one batch.
#[derive(Debug, Clone)]
pub struct ParcelChange {
    pub id: ParcelId,
    /// The status it was read in (the update checks it is still so).
    pub expected: String,
    pub status: String,
    pub milestone_status: Option<String>,
    pub milestone_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
}

/// Writes the parcels' changes, each only if the parcel is still in the
/// status it was read in; returns how many it wrote. One statement on
/// PostgreSQL (`UPDATE ... FROM unnest(...)`), row by row on SQLite.
pub fn apply_changes(tx: &mut DbConn, changes: &[ParcelChange], now: Timestamp) -> QueryResult<usize> {
    if changes.is_empty() {
        return Ok(0);
    }
    match tx {
        DbConn::Pg(pg) => {
            let col = |f: &dyn Fn(&ParcelChange) -> String| changes.iter().map(f).collect::<Vec<_>>();
            let ids: Vec<uuid::Uuid> = changes.iter().map(|c| c.id.0).collect();
            let expected = col(&|c| c.expected.clone());
            let status = col(&|c| c.status.clone());
            let ms: Vec<Option<String>> = changes.iter().map(|c| c.milestone_status.clone()).collect();
            let mat: Vec<Option<DateTime<Utc>>> =
                changes.iter().map(|c| c.milestone_at.map(|t| t.0)).collect();
            let dat: Vec<Option<DateTime<Utc>>> =
                changes.iter().map(|c| c.delivered_at.map(|t| t.0)).collect();
            diesel::sql_query(
                "UPDATE parcels SET status = v.status, milestone_status = v.ms, milestone_at = v.mat, \
                 delivered_at = COALESCE(parcels.delivered_at, v.dat), updated_at = $7 \
                 FROM unnest($1, $2, $3, $4, $5, $6) AS v(id, expected, status, ms, mat, dat) \
                 WHERE parcels.id = v.id AND parcels.status = v.expected",
            )
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Array<Text>, _>(expected)
            .bind::<Array<Text>, _>(status)
            .bind::<Array<Nullable<Text>>, _>(ms)
            .bind::<Array<Nullable<Timestamptz>>, _>(mat)
            .bind::<Array<Nullable<Timestamptz>>, _>(dat)
            .bind::<Timestamptz, _>(now.0)
            .execute(pg)
        }
        DbConn::Sqlite(_) => {
            let mut n = 0;
            for c in changes {
                n += diesel::update(parcels::table.find(c.id).filter(parcels::status.eq(&c.expected)))
                    .set((
                        parcels::status.eq(&c.status),
                        parcels::milestone_status.eq(&c.milestone_status),
                        parcels::milestone_at.eq(c.milestone_at),
                        parcels::updated_at.eq(now),
                    ))
                    .execute(tx)?;
                if let Some(d) = c.delivered_at {
                    diesel::update(parcels::table.find(c.id).filter(parcels::delivered_at.is_null()))
                        .set(parcels::delivered_at.eq(Some(d)))
                        .execute(tx)?;
                }
            }
            Ok(n)
        }
    }
}

/// A parcel's carrier events, oldest first.
pub fn events_of(conn: &mut DbConn, parcel: ParcelId) -> QueryResult<Vec<EventRow>> {
    tracking_events::table
        .filter(tracking_events::parcel_id.eq(parcel))
        .order((tracking_events::event_at, tracking_events::id))
        .select(EventRow::as_select())
        .load(conn)
}

/// Parcels on their way (`statuses`), not suspected yet, whose last scan
/// (or, with none, their last change: the handover) is before `cutoff`.
pub fn silent_since(
    conn: &mut DbConn,
    statuses: &[&str],
    cutoff: Timestamp,
    limit: i64,
) -> QueryResult<Vec<TrackedParcel>> {
    parcels::table
        .filter(parcels::status.eq_any(statuses))
        .filter(parcels::lost_suspected_at.is_null())
        // Silent since its last milestone, or since the handover when none
        // came (parcels handed over by hand, without a manifest: since the
        // row's last change).
        .filter(
            parcels::milestone_at.lt(cutoff).or(parcels::milestone_at.is_null().and(
                parcels::handed_over_at
                    .lt(cutoff)
                    .or(parcels::handed_over_at.is_null().and(parcels::updated_at.lt(cutoff))),
            )),
        )
        .order(parcels::id)
        .select(TrackedParcel::as_select())
        .limit(limit)
        .load(conn)
}

/// Marks a parcel suspected lost, once: false if it was already.
pub fn suspect_lost(tx: &mut DbConn, id: ParcelId, now: Timestamp) -> QueryResult<bool> {
    let n = diesel::update(parcels::table.find(id).filter(parcels::lost_suspected_at.is_null()))
        .set(parcels::lost_suspected_at.eq(Some(now)))
        .execute(tx)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = claims)]
pub struct ClaimRow {
    pub id: ClaimId,
    pub claim_no: String,
    pub parcel_id: ParcelId,
    pub status: String,
    pub reason: String,
    pub opened_by: String,
    pub opened_at: Timestamp,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
}

pub fn insert_claim(tx: &mut DbConn, row: &ClaimRow) -> QueryResult<()> {
    diesel::insert_into(claims::table).values(row).execute(tx).map(drop)
}

pub fn claim_by_no(conn: &mut DbConn, claim_no: &str) -> QueryResult<Option<ClaimRow>> {
    claims::table.filter(claims::claim_no.eq(claim_no)).select(ClaimRow::as_select()).first(conn).optional()
}

pub fn open_claim_of(conn: &mut DbConn, parcel: ParcelId) -> QueryResult<Option<ClaimRow>> {
    claims::table
        .filter(claims::parcel_id.eq(parcel))
        .filter(claims::status.eq("open"))
        .select(ClaimRow::as_select())
        .first(conn)
        .optional()
}

pub fn claims_of(conn: &mut DbConn, parcel: ParcelId) -> QueryResult<Vec<ClaimRow>> {
    claims::table
        .filter(claims::parcel_id.eq(parcel))
        .order(claims::opened_at)
        .select(ClaimRow::as_select())
        .load(conn)
}

/// Claims by status (all when `None`), newest first.
pub fn list_claims(conn: &mut DbConn, status: Option<&str>, limit: i64) -> QueryResult<Vec<ClaimRow>> {
    let mut q = claims::table.select(ClaimRow::as_select()).order(claims::opened_at.desc()).into_boxed();
    if let Some(s) = status {
        q = q.filter(claims::status.eq(s.to_owned()));
    }
    q.limit(limit).load(conn)
}

/// The decision on an open claim.
pub struct Decision<'a> {
    pub status: &'a str,
    pub amount: Option<(i64, &'a str)>,
    pub note: Option<&'a str>,
    pub actor: &'a str,
    pub now: Timestamp,
}

/// Decides a claim if it is still open; false if someone decided it first.
pub fn decide_claim(tx: &mut DbConn, id: ClaimId, d: &Decision<'_>) -> QueryResult<bool> {
    let n = diesel::update(claims::table.find(id).filter(claims::status.eq("open")))
        .set((
            claims::status.eq(d.status),
            claims::amount_minor.eq(d.amount.map(|a| a.0)),
            claims::currency.eq(d.amount.map(|a| a.1)),
            claims::note.eq(d.note),
            claims::decided_by.eq(Some(d.actor)),
            claims::decided_at.eq(Some(d.now)),
        ))
        .execute(tx)?;
    Ok(n == 1)
}
