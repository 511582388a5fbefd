//! Status events: recorded in the transactional outbox with the state change
//! they report, sequenced for the feed, published to RabbitMQ by the relay.
//!
//! Modules call [`record`] inside their write transaction and never talk to
//! the broker: if the transaction rolls back, the event never existed.

pub mod api;
pub mod bench;
pub mod catalog;
pub mod relay;
pub mod store;
pub mod tail;

pub use catalog::EventType;
pub use store::{NewEvent, record};
