//! Channel rows and queries.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{channel_versions, channels, tracking_ranges};
use crate::db::types::Timestamp;
use crate::ids::{ChannelId, TrackingRangeId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = channels)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub code: String,
    pub current_version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = channel_versions)]
pub struct VersionRow {
    pub channel_id: ChannelId,
    pub version: i32,
    pub active: bool,
    pub name: String,
    pub carrier: String,
    pub carrier_code: String,
    pub service: String,
    pub destinations: String,
    pub service_levels: String,
    pub cutoff_local: String,
    pub volumetric_divisor: i32,
    pub max_weight_g: i32,
    pub max_side_mm: i32,
    pub max_dims_sum_mm: i32,
    pub allowed_flags: i32,
    pub tracking_source: String,
    pub s10_indicator: Option<String>,
    pub label_layout: String,
    pub customs_form: String,
    pub rate_currency: String,
    pub rate_base_minor: i64,
    pub rate_per_kg_minor: i64,
    pub lost_after_days: i32,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tracking_ranges)]
pub struct RangeRow {
    pub id: TrackingRangeId,
    pub channel_id: ChannelId,
    pub prefix: String,
    pub suffix: String,
    pub width: i32,
    pub first_no: i64,
    pub last_no: i64,
    pub next_no: i64,
    pub imported_by: String,
    pub imported_at: Timestamp,
}

pub fn by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<ChannelRow>> {
    channels::table.filter(channels::code.eq(code)).select(ChannelRow::as_select()).first(conn).optional()
}

pub fn by_id(conn: &mut DbConn, id: ChannelId) -> QueryResult<Option<ChannelRow>> {
    channels::table.find(id).select(ChannelRow::as_select()).first(conn).optional()
}

pub fn insert_channel(tx: &mut DbConn, row: &ChannelRow) -> QueryResult<()> {
    diesel::insert_into(channels::table).values(row).execute(tx).map(drop)
}

pub fn set_current(tx: &mut DbConn, id: ChannelId, version: i32, now: Timestamp) -> QueryResult<()> {
    diesel::update(channels::table.find(id))
        .set((channels::current_version.eq(version), channels::updated_at.eq(now)))
        .execute(tx)
        .map(drop)
}

pub fn insert_version(tx: &mut DbConn, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(channel_versions::table).values(row).execute(tx).map(drop)
}

pub fn version(conn: &mut DbConn, id: ChannelId, version: i32) -> QueryResult<Option<VersionRow>> {
    channel_versions::table.find((id, version)).select(VersionRow::as_select()).first(conn).optional()
}

/// Each version's lost-parcel setting: channel, version, days.
pub fn lost_after_days(conn: &mut DbConn) -> QueryResult<Vec<(ChannelId, i32, i32)>> {
    channel_versions::table
        .select((channel_versions::channel_id, channel_versions::version, channel_versions::lost_after_days))
        .load(conn)
}

/// Every version of a channel, newest first.
pub fn versions(conn: &mut DbConn, id: ChannelId) -> QueryResult<Vec<VersionRow>> {
    channel_versions::table
        .filter(channel_versions::channel_id.eq(id))
        .order(channel_versions::version.desc())
        .select(VersionRow::as_select())
        .load(conn)
}

/// Each channel with its current version, by code.
pub fn current(conn: &mut DbConn) -> QueryResult<Vec<(ChannelRow, VersionRow)>> {
    channels::table
        .inner_join(
            channel_versions::table.on(channel_versions::channel_id
                .eq(channels::id)
                .and(channel_versions::version.eq(channels::current_version))),
        )
        .order(channels::code)
        .select((ChannelRow::as_select(), VersionRow::as_select()))
        .load(conn)
}

pub fn insert_range(tx: &mut DbConn, row: &RangeRow) -> QueryResult<()> {
    diesel::insert_into(tracking_ranges::table).values(row).execute(tx).map(drop)
}

pub fn ranges(conn: &mut DbConn, channel: ChannelId) -> QueryResult<Vec<RangeRow>> {
    tracking_ranges::table
        .filter(tracking_ranges::channel_id.eq(channel))
        .order((tracking_ranges::imported_at, tracking_ranges::id))
        .select(RangeRow::as_select())
        .load(conn)
}

/// The oldest range with numbers left (the caller holds the channel's lock).
pub fn open_range(tx: &mut DbConn, channel: ChannelId) -> QueryResult<Option<RangeRow>> {
    tracking_ranges::table
        .filter(tracking_ranges::channel_id.eq(channel))
        .filter(tracking_ranges::next_no.le(tracking_ranges::last_no))
        .order((tracking_ranges::imported_at, tracking_ranges::id))
        .select(RangeRow::as_select())
        .first(tx)
        .optional()
}

/// Takes `number` from the range if it is still the next one.
pub fn take_from_range(tx: &mut DbConn, id: TrackingRangeId, number: i64) -> QueryResult<bool> {
    diesel::update(tracking_ranges::table.find(id).filter(tracking_ranges::next_no.eq(number)))
        .set(tracking_ranges::next_no.eq(number + 1))
        .execute(tx)
        .map(|n| n == 1)
}

/// Numbers left in a channel's ranges.
pub fn numbers_left(conn: &mut DbConn, channel: ChannelId) -> QueryResult<i64> {
    let rows: Vec<(i64, i64)> = tracking_ranges::table
        .filter(tracking_ranges::channel_id.eq(channel))
        .select((tracking_ranges::next_no, tracking_ranges::last_no))
        .load(conn)?;
    Ok(rows.into_iter().map(|(next, last)| (last - next + 1).max(0)).sum())
}

/// Ranges of any channel that overlap [first, last] with the same prefix
/// and suffix (the same numbers twice).
pub fn overlapping(conn: &mut DbConn, prefix: &str, suffix: &str, first: i64, last: i64) -> QueryResult<i64> {
    tracking_ranges::table
        .filter(tracking_ranges::prefix.eq(prefix))
        .filter(tracking_ranges::suffix.eq(suffix))
        .filter(tracking_ranges::first_no.le(last))
        .filter(tracking_ranges::last_no.ge(first))
        .count()
        .get_result(conn)
}
