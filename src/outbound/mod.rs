//! Outbound: consumer orders from the platform, from intake to a labelled
//! parcel in outbound staging.
//!
//! - [`intake`]: one order or a batch of up to 500 (idempotent on the
//!   platform's order id), checked and allocated FIFO across bins in a few
//!   set-based statements.
//! - [`orders`]: the order, backorders filled as stock arrives, cancellation
//!   until packed; the order's status is derived from its lines, tasks and
//!   reservations ([`orders::settle`]).
//! - [`pii`]: the buyer's sealed personal data.
//! - [`picking`]: waves, pick tasks claimed without two pickers ever
//!   sharing one, totes, short picks with re-allocation.
//! - [`packing`]: the pack station, carton suggestion, weight check.
//! - [`shipping`]: routes, S10 tracking numbers, the shipping label.
//! - [`exceptions`]: the supervisors' queue (short picks, weight holds,
//!   units to put back).

pub mod api;
pub mod exceptions;
pub mod intake;
pub mod orders;
pub mod packing;
pub mod picking;
pub mod pii;
pub mod shipping;
mod store;
