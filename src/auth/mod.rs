//! Authentication and authorisation: staff accounts and roles, console
//! sessions, API keys for suppliers, the platform and staff.

pub mod domain;
pub mod extract;
pub mod key_cache;
pub mod service;
pub mod store;
pub mod throttle;

pub use domain::{Caller, Role};
pub use extract::ApiCaller;
