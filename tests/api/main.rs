//! HTTP tests: the real server on a random port, a fresh database per test.
//! SQLite by default; PostgreSQL when `CUSTODY_TEST_DATABASE_URL` is set.

#[path = "../common/mod.rs"]
mod common;

mod catalog;
mod channels;
mod cli;
mod events;
mod http;
mod inbound;
mod inbound_rules;
mod instances;
mod manifests;
mod orders;
mod outbound;
mod returns;
mod schema;
mod shipping;
mod shipping_flow;
mod stock;
mod suppliers;
mod tracking;
mod warehouse;
