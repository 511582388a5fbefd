//! One file per page group. Handlers are thin: extract, check the role,
//! call the use cases through `db::run` / `db::transact`, and answer a POST
//! with a redirect carrying its outcome (Post/Redirect/Get).

pub mod api_keys;
pub mod bins;
pub mod dashboard;
pub mod inbound;
pub mod inbound_admin;
pub mod login;
pub mod manifests;
pub mod outbound;
pub mod returns;
pub mod shipping;
pub mod staff;
pub mod stock;
pub mod suppliers;
pub mod tracking;
