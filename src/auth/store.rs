//! Rows and queries for staff users, console sessions and API keys.

use crate::db::types::Timestamp;
use crate::ids::{ApiKeyId, SupplierId, UserId};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{api_keys, console_sessions, staff_users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = staff_users)]
pub struct StaffUserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = console_sessions)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: ApiKeyId,
    pub prefix: String,
    pub key_hash: String,
    pub kind: String,
    pub supplier_id: Option<SupplierId>,
    pub user_id: Option<UserId>,
    pub label: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

pub fn insert_user(conn: &mut DbConn, row: &StaffUserRow) -> QueryResult<()> {
    diesel::insert_into(staff_users::table).values(row).execute(conn).map(drop)
}

pub fn user_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<StaffUserRow>> {
    staff_users::table
        .filter(staff_users::username.eq(username))
        .select(StaffUserRow::as_select())
        .first(conn)
        .optional()
}

pub fn user_by_id(conn: &mut DbConn, id: UserId) -> QueryResult<Option<StaffUserRow>> {
    staff_users::table.find(id).select(StaffUserRow::as_select()).first(conn).optional()
}

pub fn list_users(conn: &mut DbConn) -> QueryResult<Vec<StaffUserRow>> {
    staff_users::table.order(staff_users::username).select(StaffUserRow::as_select()).load(conn)
}

pub fn set_user_active(conn: &mut DbConn, id: UserId, active: bool) -> QueryResult<usize> {
    diesel::update(staff_users::table.find(id)).set(staff_users::active.eq(active)).execute(conn)
}

pub fn touch_login(conn: &mut DbConn, id: UserId, now: Timestamp) -> QueryResult<()> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::last_login_at.eq(Some(now)))
        .execute(conn)
        .map(drop)
}

pub fn insert_session(conn: &mut DbConn, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(console_sessions::table).values(row).execute(conn).map(drop)
}

/// The live session and its (active) user.
pub fn session_with_user(
    conn: &mut DbConn,
    token_hash: &str,
    now: Timestamp,
) -> QueryResult<Option<(SessionRow, StaffUserRow)>> {
    console_sessions::table
        .inner_join(staff_users::table)
        .filter(console_sessions::token_hash.eq(token_hash))
        .filter(console_sessions::expires_at.gt(now))
        .filter(staff_users::active.eq(true))
        .select((SessionRow::as_select(), StaffUserRow::as_select()))
        .first(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(console_sessions::table.filter(console_sessions::token_hash.eq(token_hash))).execute(conn)
}

pub fn delete_sessions_of(conn: &mut DbConn, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(console_sessions::table.filter(console_sessions::user_id.eq(user_id))).execute(conn)
}

pub fn delete_expired_sessions(conn: &mut DbConn, now: Timestamp) -> QueryResult<usize> {
    diesel::delete(console_sessions::table.filter(console_sessions::expires_at.le(now))).execute(conn)
}

pub fn insert_api_key(conn: &mut DbConn, row: &ApiKeyRow) -> QueryResult<()> {
    diesel::insert_into(api_keys::table).values(row).execute(conn).map(drop)
}

pub fn live_key_by_hash(conn: &mut DbConn, key_hash: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Records use at most once a minute per key, so that reads stay reads.
pub fn touch_key(conn: &mut DbConn, id: ApiKeyId, now: Timestamp) -> QueryResult<()> {
    let stale = now - chrono::Duration::seconds(60);
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::last_used_at.is_null().or(api_keys::last_used_at.lt(stale))),
    )
    .set(api_keys::last_used_at.eq(Some(now)))
    .execute(conn)
    .map(drop)
}

pub fn list_keys(conn: &mut DbConn) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table.order(api_keys::id.desc()).select(ApiKeyRow::as_select()).load(conn)
}

pub fn revoke_key(conn: &mut DbConn, id_or_prefix: &str, now: Timestamp) -> QueryResult<usize> {
    let target = api_keys::table.filter(api_keys::revoked_at.is_null()).into_boxed();
    let target = match uuid::Uuid::parse_str(id_or_prefix) {
        Ok(id) => target.filter(api_keys::id.eq(ApiKeyId(id))),
        Err(_) => target.filter(api_keys::prefix.eq(id_or_prefix.to_owned())),
    };
    let ids: Vec<ApiKeyId> = target.select(api_keys::id).load(conn)?;
    if ids.len() != 1 {
        // Zero, or an ambiguous prefix: revoke nothing.
        return Ok(0);
    }
    diesel::update(api_keys::table.find(ids[0])).set(api_keys::revoked_at.eq(Some(now))).execute(conn)
}
