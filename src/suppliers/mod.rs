//! Suppliers (货主 / 供应商): the owners of every unit in the warehouse.

pub mod api;
pub mod domain;
pub mod service;
mod store;
