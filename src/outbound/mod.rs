//! Outbound: consumer orders from the platform, their allocation against
//! stock, and the buyer's personal data ([`pii`]).
//!
//! Built so far: intake (one order or a batch of up to 500, idempotent on
//! the platform's order id), sealed buyer data with retention, FIFO
//! allocation across bins with backorders filled as stock arrives, and
//! cancellation; waves and pick tasks claimed without two pickers ever
//! sharing one ([`picking`]). Short picks, packing and labels are still to
//! come.

pub mod api;
pub mod orders;
pub mod picking;
pub mod pii;
pub mod store;
