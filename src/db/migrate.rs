//! Embedded migrations, one folder per backend, applied at start-up and by
//! `custody migrate`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, BoxError> {
    let applied = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Reverts every applied migration (used by the up-down-up test).
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>, BoxError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES)?,
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE)?,
    };
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}
