//! HTTP tests: the real server on a random port, a fresh database per test.
//! SQLite by default; PostgreSQL when `CUSTODY_TEST_DATABASE_URL` is set.

#[path = "../common/mod.rs"]
mod common;

mod catalog;
mod cli;
mod events;
mod http;
mod inbound;
mod inbound_rules;
mod orders;
mod outbound;
mod schema;
mod stock;
mod suppliers;
mod warehouse;
