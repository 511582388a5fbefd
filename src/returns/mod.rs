//! After-sales: return requests from the platform, decided under the return
//! policy in force when they were made (policy versions are data with
//! effective dates), with the costs each party bears recorded for
//! settlement.
//!
//! Above outbound (delivered orders and their lines).

pub mod api;
pub mod desk;
pub mod domain;
pub mod photos;
pub mod policy;
pub mod service;
mod store;
