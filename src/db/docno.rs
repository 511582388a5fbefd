//! Document numbers people read aloud and type: `ASN-261123-0001`.
//! One counter row per prefix and day, bumped in the creating transaction
//! (so numbers are unique, and per day without gaps unless a transaction
//! rolls back).

use diesel::prelude::*;

use super::DbConn;
use super::schema::document_counters as dc;

static TIMEZONE: std::sync::OnceLock<chrono_tz::Tz> = std::sync::OnceLock::new();

/// The warehouse's time zone (`CUSTODY_TIMEZONE`), whose day numbers are
/// dated by: set once at start-up (the first setting wins).
pub fn set_timezone(tz: chrono_tz::Tz) {
    let _ = TIMEZONE.set(tz);
}

/// Today in the warehouse, `261123`.
fn today() -> String {
    let tz = TIMEZONE.get().copied().unwrap_or(chrono_tz::Asia::Shanghai);
    chrono::Utc::now().with_timezone(&tz).format("%y%m%d").to_string()
}

/// The next number for `prefix` today (the warehouse's day).
pub fn next(tx: &mut DbConn, prefix: &str) -> QueryResult<String> {
    let day = today();
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
    let day = today();
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
