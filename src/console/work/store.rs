//! The `console_work` rows: one per staff member and screen.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::console_work;
use crate::db::types::Timestamp;
use crate::ids::UserId;

/// The worker's state on a screen, as stored (JSON).
pub fn state(conn: &mut DbConn, user: UserId, screen: &str) -> QueryResult<Option<String>> {
    console_work::table.find((user, screen)).select(console_work::state).first(conn).optional()
}

/// Stores the worker's state on a screen, replacing what was there.
pub fn save(tx: &mut DbConn, user: UserId, screen: &str, state: &str, now: Timestamp) -> QueryResult<()> {
    let upsert = diesel::insert_into(console_work::table)
        .values((
            console_work::user_id.eq(user),
            console_work::screen.eq(screen),
            console_work::state.eq(state),
            console_work::updated_at.eq(now),
        ))
        .on_conflict((console_work::user_id, console_work::screen))
        .do_update()
        .set((console_work::state.eq(state), console_work::updated_at.eq(now)));
    // Upserts are written per backend: the connection type over both has none.
    match tx {
        DbConn::Pg(c) => upsert.execute(c)?,
        DbConn::Sqlite(c) => upsert.execute(c)?,
    };
    Ok(())
}

pub fn clear(tx: &mut DbConn, user: UserId, screen: &str) -> QueryResult<()> {
    diesel::delete(console_work::table.find((user, screen))).execute(tx)?;
    Ok(())
}
