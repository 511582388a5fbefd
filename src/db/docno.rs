//! Document numbers people read aloud and type: `ASN-261123-0001`.
//! One counter row per prefix and day, bumped in the creating transaction
//! (so numbers are unique, and per day without gaps unless a transaction
//! rolls back).

use diesel::prelude::*;

use super::DbConn;
use super::schema::document_counters as dc;

/// The next number for `prefix` today (UTC+8, the warehouse's day).
pub fn next(tx: &mut DbConn, prefix: &str) -> QueryResult<String> {
    let day = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%y%m%d").to_string();
    let n = bump(tx, prefix, &day)?;
    Ok(format!("{prefix}-{day}-{n:04}"))
}

/// The next consumer order number, `SO-O-261123-0042`. On PostgreSQL from
/// a sequence (no lock held until commit, so intakes do not queue; numbers
/// count on across days and may have gaps), on SQLite from the day's
/// counter (one writer at a time anyway).
pub fn order_no(tx: &mut DbConn) -> QueryResult<String> {
    match tx {
        DbConn::Pg(pg) => {
            #[derive(QueryableByName)]
            struct Next {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let next: Next = diesel::sql_query("SELECT nextval('order_no_seq') AS n").get_result(pg)?;
            Ok(order_no_of(next.n))
        }
        DbConn::Sqlite(_) => next(tx, "SO-O"),
    }
}

/// The consumer order number of a value of PostgreSQL's `order_no_seq`
/// (today's date, the warehouse's day, then the value).
pub fn order_no_of(n: i64) -> String {
    let day = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%y%m%d").to_string();
    format!("SO-O-{day}-{n:04}")
}

/// The next number of a counter that never restarts (1, 2, 3...), e.g. a
/// route's tracking number serial.
pub fn serial(tx: &mut DbConn, key: &str) -> QueryResult<i32> {
    bump(tx, key, "all")
}

fn bump(tx: &mut DbConn, prefix: &str, day: &str) -> QueryResult<i32> {
    // The first number of a day is an insert: two at once must not both try.
    super::lock_key(tx, &format!("docno\n{prefix}"))?;
    let key = dc::table.find((prefix, day));
    let bumped = diesel::update(key).set(dc::last_no.eq(dc::last_no + 1)).execute(tx)?;
    let n: i32 = if bumped == 0 {
        diesel::insert_into(dc::table)
            .values((dc::prefix.eq(prefix), dc::day.eq(day), dc::last_no.eq(1)))
            .execute(tx)?;
        1
    } else {
        key.select(dc::last_no).first(tx)?
    };
    Ok(n)
}
