//! A parcel's timeline for customer service and the shipping floor: scan or
//! type its tracking or parcel number, read every warehouse scan and carrier
//! milestone in time order (warehouse local time).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::console::error::ConsoleError;
use crate::console::flash::Flash;
use crate::console::layout::{self, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser};
use crate::error::AppError;
use crate::http::AppState;
use crate::tracking::service::Timeline;

#[derive(Template)]
#[template(path = "console/timeline.html")]
struct TimelinePage {
    ui: Ui,
    timeline: Option<Timeline>,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct LookupQuery {
    code: String,
}

/// The lookup: a scan field; a code scanned goes to its timeline.
pub async fn lookup(user: ConsoleUser, q: web::Query<LookupQuery>) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Tracking)?;
    let code = q.code.trim().to_ascii_uppercase();
    if !code.is_empty() {
        return Ok(layout::see_other(&format!("/console/parcels/{}", urlencode(&code))));
    }
    let ui = Ui::for_user(&user, Area::Tracking, "timeline.title");
    layout::page(StatusCode::OK, &TimelinePage { ui, timeline: None })
}

/// A parcel's timeline; an unknown code goes back to the lookup saying what
/// was scanned.
pub async fn timeline(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Tracking)?;
    let code = path.into_inner();
    let c = code.clone();
    match crate::db::run(&state.pool, move |conn| crate::tracking::service::timeline(conn, &c)).await {
        Ok(t) => {
            let ui = Ui::for_user(&user, Area::Tracking, "timeline.title");
            layout::page(StatusCode::OK, &TimelinePage { ui, timeline: Some(t) })
        }
        Err(AppError::NotFound { .. }) => {
            let flash = Flash::error(crate::console::i18n::t(user.lang, "timeline.not_found")).scanned(&code);
            Ok(layout::back(&user, "/console/parcels", flash))
        }
        Err(e) => Err(e.into()),
    }
}
