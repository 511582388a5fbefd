//! Manifests (one per line-haul departure, under a master waybill), the
//! handover of their bags at the dock, and the export customs declaration
//! lists (China 9610, CEB603) with the broker's receipts per parcel. Above
//! shipping (a manifest lists closed bags) and outbound (parcels become
//! `handed_over`, orders `shipped`).

pub mod api;
pub mod customs;
pub mod domain;
pub mod service;
mod store;
