//! Login throttling, shared by every instance through the database: a
//! username is locked after too many failures from any address (a password
//! guessed from many machines), and an address after too many failures
//! across usernames (one machine trying many accounts). A lockout lasts
//! until the failures that caused it are older than the window; a success
//! forgives the username's failures, not the address's.

use std::time::Duration;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::login_failures as f;
use crate::db::types::Timestamp;
use crate::ids::LoginFailureId;

#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    max_per_username: u32,
    max_per_address: u32,
    window: Duration,
}

impl LoginThrottle {
    pub fn new(max_per_username: u32, max_per_address: u32, window: Duration) -> Self {
        Self { max_per_username, max_per_address, window }
    }

    fn since(&self, now: Timestamp) -> Timestamp {
        Timestamp(now.0 - chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX))
    }

    /// Seconds until another attempt is allowed, if `username` or `addr` is
    /// locked out now.
    pub fn locked_for(
        &self,
        conn: &mut DbConn,
        username: &str,
        addr: &str,
        now: Timestamp,
    ) -> QueryResult<Option<u64>> {
        let since = self.since(now);
        let username = username.to_lowercase();
        // The `max` latest failures in the window: locked until the oldest
        // of them leaves it.
        let by_user: Vec<Timestamp> = f::table
            .filter(f::username.eq(&username).and(f::failed_at.gt(since)))
            .order(f::failed_at.desc())
            .limit(i64::from(self.max_per_username))
            .select(f::failed_at)
            .load(conn)?;
        let by_addr: Vec<Timestamp> = f::table
            .filter(f::address.eq(addr).and(f::failed_at.gt(since)))
            .order(f::failed_at.desc())
            .limit(i64::from(self.max_per_address))
            .select(f::failed_at)
            .load(conn)?;
        let until = |latest: &[Timestamp], max: u32| {
            (latest.len() as u64 >= u64::from(max)).then(|| latest.last().map(|t| t.0)).flatten()
        };
        let window = chrono::Duration::from_std(self.window).unwrap_or(chrono::Duration::MAX);
        let free_at = [until(&by_user, self.max_per_username), until(&by_addr, self.max_per_address)]
            .into_iter()
            .flatten()
            .map(|oldest| oldest + window)
            .max();
        Ok(free_at.map(|at| (at - now.0).num_seconds().max(1) as u64))
    }

    /// Records a failure (and drops those older than the window).
    pub fn failed(&self, tx: &mut DbConn, username: &str, addr: &str, now: Timestamp) -> QueryResult<()> {
        diesel::delete(f::table.filter(f::failed_at.le(self.since(now)))).execute(tx)?;
        diesel::insert_into(f::table)
            .values((
                f::id.eq(LoginFailureId::generate()),
                f::username.eq(username.to_lowercase()),
                f::address.eq(addr),
                f::failed_at.eq(now),
            ))
            .execute(tx)
            .map(drop)
    }

    /// A success forgives the username's failures.
    pub fn succeeded(&self, tx: &mut DbConn, username: &str) -> QueryResult<()> {
        diesel::delete(f::table.filter(f::username.eq(username.to_lowercase()))).execute(tx).map(drop)
    }
}
