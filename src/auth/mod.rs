//! Authentication and authorisation: staff accounts and roles, console
//! sessions, API keys for suppliers, the platform, carriers and staff.

pub mod domain;
pub mod key_cache;
pub mod service;
mod store;
pub mod throttle;

pub use domain::{Caller, Role};
