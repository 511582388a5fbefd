//! Shipping channels (渠道) as data: a carrier service with destinations,
//! service levels, a daily cut-off, a volumetric divisor, weight and size
//! limits, the sensitive goods it may carry, where its tracking numbers
//! come from, its label and customs form, and its rates. Versions are
//! added, never edited; a parcel keeps the version it was routed with.
//! Routing picks the cheapest channel that may carry a parcel.
//!
//! Below outbound: packing asks for a route and a tracking number; this
//! module knows nothing of orders or parcels.

pub mod api;
pub mod domain;
pub mod service;
mod store;
