//! Work in progress on the floor screens: what a worker has confirmed so
//! far by scanning, before the action it leads to (the pick task's bin and
//! units before the tote, the QC unit before its verdict, the putaway unit
//! and an off-suggestion bin before the confirm), and what a page must show
//! once after a redirect but is too big for the flash cookie (a refused CSV
//! of bins).
//!
//! Kept in the database per staff member and screen, not in the session or
//! the page: a refresh, a language switch, another instance behind the
//! balancer, or a new sign-in after the session expired all find the
//! worker at the same step. The business actions never trust it: every
//! confirm checks the task, lot or bin again in its own transaction.

mod store;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::ids::UserId;

/// Which screen a piece of work belongs to (one row per worker each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Pick,
    Qc,
    Putaway,
    /// A blind cycle count's tally.
    Count,
    /// A refused bins CSV, shown again to be fixed.
    BinImport,
}

impl Screen {
    fn as_str(self) -> &'static str {
        match self {
            Screen::Pick => "pick",
            Screen::Qc => "qc",
            Screen::Putaway => "putaway",
            Screen::Count => "count",
            Screen::BinImport => "bin_import",
        }
    }
}

/// The worker's state on `screen`, if any. A row that no longer parses
/// (written by an older release) counts as none: it is only progress, and
/// the screen starts the step again.
pub fn load<T: DeserializeOwned>(
    conn: &mut DbConn,
    user: UserId,
    screen: Screen,
) -> Result<Option<T>, AppError> {
    let state = store::state(conn, user, screen.as_str())?;
    Ok(state.and_then(|s| serde_json::from_str(&s).ok()))
}

pub fn save<T: Serialize>(tx: &mut DbConn, user: UserId, screen: Screen, state: &T) -> Result<(), AppError> {
    let state = serde_json::to_string(state).map_err(AppError::internal)?;
    store::save(tx, user, screen.as_str(), &state, Timestamp::now())?;
    Ok(())
}

pub fn clear(tx: &mut DbConn, user: UserId, screen: Screen) -> Result<(), AppError> {
    store::clear(tx, user, screen.as_str())?;
    Ok(())
}

/// Reads and removes (what is shown once).
pub fn take<T: DeserializeOwned>(
    tx: &mut DbConn,
    user: UserId,
    screen: Screen,
) -> Result<Option<T>, AppError> {
    let found = load(tx, user, screen)?;
    clear(tx, user, screen)?;
    Ok(found)
}
