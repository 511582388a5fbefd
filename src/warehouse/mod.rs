//! Warehouse layout: zones and bins (库位), their types, capacity and walk
//! order, CSV import and printable bin labels.

pub mod api;
pub mod domain;
pub mod service;
mod store;
