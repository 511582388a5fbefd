//! Tracking to the door: carriers' and aggregators' events in batches,
//! normalised to a small set of milestones (the raw code kept), applied to
//! parcels without ever moving one backwards; delivery completes the order;
//! parcels silent for their channel's number of days are suspected lost;
//! claims against the carrier; a parcel's whole timeline (warehouse scans
//! and carrier milestones) in one read.
//!
//! Above outbound (orders, parcels, exceptions), shipping (bags) and
//! channels (the lost-parcel setting).

pub mod api;
pub mod domain;
pub mod service;
mod store;
