//! Status events: recorded in the transactional outbox with the state change
//! they report, sequenced for the feed, published to RabbitMQ by the relay.
//!
//! Modules call [`record`] inside their write transaction and never talk to
//! the broker: if the transaction rolls back, the event never existed.

pub mod api;
pub mod catalog;
pub mod relay;
mod store;

/// An outbox row as the relay publishes it ([`relay::message`]).
pub use store::OutboxRow;
/// The outbox as other capabilities see it (the store itself is private).
pub use store::{backlog, lease, merged, parked, retry_parked};
/// Order intake writes many orders' events in one statement.
pub(crate) use store::{insert_rows, outbox_row};
pub mod tail;

pub use catalog::EventType;
pub use store::{NewEvent, record, record_many};

/// What the integration tests reach below the service surface: sequencing
/// and purging by hand. Not for the application's own code.
#[doc(hidden)]
pub mod testing {
    pub use super::store::{assign_positions, purge};
}
