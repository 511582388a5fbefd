//! The staff web console (server-rendered, scanner-first).

pub fn configure(_cfg: &mut actix_web::web::ServiceConfig) {}
