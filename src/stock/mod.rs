//! Stock (库存): balances per owner × SKU × bin × bucket, and the append-only
//! ledger they are derived from. Every change of stock anywhere in Custody is
//! one [`domain::Movement`] applied by [`service::apply`] inside the caller's
//! transaction; the balance rows are updated in the same statement set, never
//! below zero (a guarded decrement, backed by a `CHECK`).
//!
//! Supervisor functions (move, adjust, hold/release, cycle counts) and the
//! stock API live here too.

pub mod api;
pub mod counts;
pub mod domain;
pub mod service;
mod store;

pub use domain::{Bucket, Movement, Place, Reason, UNLOCATED};

/// What the integration tests reach below the service surface: writing a
/// balance row directly, to show the database refuses a wrong owner. Not
/// for the application's own code.
#[doc(hidden)]
pub mod testing {
    pub use super::store::{BalanceRow, increment, movements};
}
