//! Custody: warehouse management for the full-custody (全托管) cross-border
//! model. Modules are business capabilities; `db`, `http`, `config`,
//! `telemetry` are the shared plumbing. See `docs/ARCHITECTURE.md`.

pub mod auth;
pub mod auth_api;
pub mod catalog;
pub mod channels;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod http;
pub mod ids;
pub mod inbound;
pub mod labels;
pub mod manifests;
pub mod money;
pub mod outbound;
pub mod paging;
pub mod returns;
pub mod shipping;
pub mod stock;
pub mod suppliers;
pub mod telemetry;
pub mod tracking;
pub mod values;
pub mod warehouse;

/// Every `/api/v1` route, by capability.
pub fn api_routes(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(auth_api::me);
    suppliers::api::configure(cfg);
    catalog::api::configure(cfg);
    warehouse::api::configure(cfg);
    inbound::api::configure(cfg);
    stock::api::configure(cfg);
    outbound::api::configure(cfg);
    channels::api::configure(cfg);
    shipping::api::configure(cfg);
    tracking::api::configure(cfg);
    returns::api::configure(cfg);
    manifests::api::configure(cfg);
    events::api::configure(cfg);
}
