//! One file per page group. Handlers are thin: extract, check the role,
//! call the use cases through `db::run` / `db::transact`, render.

pub mod api_keys;
pub mod bins;
pub mod dashboard;
pub mod inbound;
pub mod login;
pub mod outbound;
pub mod staff;
pub mod suppliers;

use serde::Deserialize;

/// `?ok=<notice key>&n=<count>` after a successful POST (post/redirect/get).
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    pub ok: Option<String>,
    pub n: Option<String>,
}

impl Notice {
    pub fn apply(&self, ui: super::layout::Ui) -> super::layout::Ui {
        ui.with_notice(self.ok.as_deref(), self.n.as_deref().and_then(|n| n.parse().ok()))
    }
}
