//! The catalog (商品): SKUs registered by suppliers, with what they declare
//! and what the warehouse measures.

pub mod api;
pub mod domain;
pub mod service;
mod store;
