//! `GET /api/v1/me`: who the key belongs to. Useful to an integrator's first call.

use crate::ids::{SupplierId, UserId};
use actix_web::{get, web};
use serde::Serialize;

use crate::auth::{Caller, Role};
use crate::error::{AppError, Problem};
use crate::http::ApiCaller;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// `supplier`, `platform`, `carrier` or `staff`.
    pub kind: &'static str,
    pub supplier_id: Option<SupplierId>,
    pub user_id: Option<UserId>,
    pub role: Option<Role>,
}

/// The caller behind the bearer key. Any key.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = Problem)), security(("bearer" = [])))]
#[get("/me")]
pub async fn me(caller: ApiCaller) -> Result<web::Json<Me>, AppError> {
    Ok(web::Json(match caller.0 {
        Caller::Supplier { supplier_id, .. } => {
            Me { kind: "supplier", supplier_id: Some(supplier_id), user_id: None, role: None }
        }
        Caller::Platform { .. } => Me { kind: "platform", supplier_id: None, user_id: None, role: None },
        Caller::Carrier { .. } => Me { kind: "carrier", supplier_id: None, user_id: None, role: None },
        Caller::Staff { user_id, role, .. } => {
            Me { kind: "staff", supplier_id: None, user_id: Some(user_id), role: Some(role) }
        }
    }))
}
