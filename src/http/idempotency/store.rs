//! The `idempotency_records` rows: one stored response per caller's scope
//! and key.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::idempotency_records as rec;
use crate::db::types::Timestamp;

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = rec)]
pub struct Record {
    pub scope: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub status_code: i32,
    pub response_body: String,
    pub created_at: Timestamp,
}

/// The record of a key, if it was made after `since`.
pub fn record_since(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    since: Timestamp,
) -> QueryResult<Option<Record>> {
    rec::table
        .find((scope, key))
        .filter(rec::created_at.gt(since))
        .select(Record::as_select())
        .first(conn)
        .optional()
}

pub fn insert(tx: &mut DbConn, record: &Record) -> QueryResult<usize> {
    diesel::insert_into(rec::table).values(record).execute(tx)
}

/// Dates a record anew (a pending record taken over).
pub fn renew(tx: &mut DbConn, scope: &str, key: &str, now: Timestamp) -> QueryResult<usize> {
    diesel::update(rec::table.find((scope, key))).set(rec::created_at.eq(now)).execute(tx)
}

/// The response the work gave.
pub fn complete(tx: &mut DbConn, scope: &str, key: &str, status_code: i32, body: &str) -> QueryResult<usize> {
    diesel::update(rec::table.find((scope, key)))
        .set((rec::status_code.eq(status_code), rec::response_body.eq(body)))
        .execute(tx)
}

pub fn delete(tx: &mut DbConn, scope: &str, key: &str) -> QueryResult<usize> {
    diesel::delete(rec::table.find((scope, key))).execute(tx)
}

/// Deletes the record of a key if it still has this status (pending).
pub fn delete_if_status(tx: &mut DbConn, scope: &str, key: &str, status_code: i32) -> QueryResult<usize> {
    diesel::delete(rec::table.find((scope, key)).filter(rec::status_code.eq(status_code))).execute(tx)
}

/// Deletes the records made at or before `cutoff`.
pub fn delete_up_to(conn: &mut DbConn, cutoff: Timestamp) -> QueryResult<usize> {
    diesel::delete(rec::table.filter(rec::created_at.le(cutoff))).execute(conn)
}
