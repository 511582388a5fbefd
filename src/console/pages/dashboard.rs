//! The dashboard (real counts) and the scan field every floor page has.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::console::error::ConsoleError;
use crate::console::layout::{self, Ui};
use crate::console::session::{Area, ConsoleUser};
use crate::error::AppError;
use crate::http::AppState;
use crate::warehouse::domain::BinCode;

/// The scan field's state: what was scanned and not found.
#[derive(Default)]
pub struct Scan {
    pub missing: Option<String>,
}

pub struct Counts {
    pub suppliers: i64,
    pub skus: i64,
    pub bins: i64,
    pub staff: i64,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard {
    ui: Ui,
    scan: Scan,
    counts: Counts,
}

#[derive(Template)]
#[template(path = "console/scan_result.html")]
struct ScanResult {
    ui: Ui,
    scan: Scan,
}

async fn dashboard(state: &AppState, user: &ConsoleUser, scan: Scan) -> Result<HttpResponse, ConsoleError> {
    let counts = crate::db::run(&state.pool, |c| {
        Ok(Counts {
            suppliers: crate::suppliers::service::count(c)?,
            skus: crate::catalog::service::count(c)?,
            bins: crate::warehouse::service::count(c)?,
            staff: crate::auth::service::list_users(c)?.len() as i64,
        })
    })
    .await?;
    let status = if scan.missing.is_some() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    layout::page(
        status,
        &Dashboard { ui: Ui::for_user(user, Area::Dashboard, "dashboard.title"), scan, counts },
    )
}

pub async fn show(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    dashboard(&state, &user, Scan::default()).await
}

#[derive(Deserialize)]
pub struct ScanQuery {
    #[serde(default)]
    code: String,
}

/// `GET /console/scan?code=…`: what a scanner typed. A bin code opens the
/// bin; anything else stays on the page with a message, the scan field
/// focused for the next scan. With htmx only the message is sent back (the
/// field keeps focus without a reload); without JavaScript the whole page.
pub async fn scan(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<ScanQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let code = q.code.trim().to_ascii_uppercase();
    let found = match BinCode::parse("code", &code) {
        Ok(parsed) => {
            let canonical = parsed.render();
            match crate::db::run(&state.pool, move |c| crate::warehouse::service::by_code(c, &canonical))
                .await
            {
                Ok(bin) => Some(bin.code),
                Err(AppError::NotFound { .. }) => None,
                Err(e) => return Err(e.into()),
            }
        }
        Err(_) => None,
    };
    // Not a bin: a tracking number, carton label or shipment number opens
    // that shipment's receiving page.
    let found = match found {
        Some(bin) => Some(format!("/console/bins/{}", layout::urlencode(&bin))),
        None => {
            let c = code.clone();
            crate::db::run(&state.pool, move |conn| crate::inbound::receiving::asn_no_for_code(conn, &c))
                .await?
                .map(|no| format!("/console/receiving/{}", layout::urlencode(&no)))
        }
    };
    match found {
        Some(to) => Ok(if user.htmx {
            HttpResponse::Ok().insert_header(("HX-Redirect", to)).finish()
        } else {
            layout::see_other(&to)
        }),
        None => {
            // Long garbage from a misread stays readable in the message.
            let shown: String = q.code.trim().chars().take(64).collect();
            let scan = Scan { missing: Some(shown) };
            if user.htmx {
                // 200: htmx swaps only successful responses by default.
                let ui = Ui::for_user(&user, Area::Dashboard, "dashboard.title");
                layout::page(StatusCode::OK, &ScanResult { ui, scan })
            } else {
                dashboard(&state, &user, scan).await
            }
        }
    }
}
