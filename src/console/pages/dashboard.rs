//! The dashboard (what the shift has waiting, each number a link to its
//! list) and the scan field every floor page has.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::console::error::ConsoleError;
use crate::console::layout::{self, Ui};
use crate::console::session::{Area, ConsoleUser};
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::http::AppState;
use crate::warehouse::domain::BinCode;

/// The scan field's state: what was scanned and not found.
#[derive(Default)]
pub struct Scan {
    pub missing: Option<String>,
}

/// One number on the dashboard and the list it links to.
pub struct Count {
    pub id: String,
    pub label: String,
    pub n: i64,
    /// Where the number leads; none when the role may not open the list.
    pub href: Option<&'static str>,
    /// Something is wrong or late: shown in red.
    pub alerting: bool,
}

pub struct Group {
    pub title: &'static str,
    pub counts: Vec<Count>,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard {
    ui: Ui,
    scan: Scan,
    groups: Vec<Group>,
}

#[derive(Template)]
#[template(path = "console/scan_result.html")]
struct ScanResult {
    ui: Ui,
    scan: Scan,
}

async fn dashboard(state: &AppState, user: &ConsoleUser, scan: Scan) -> Result<HttpResponse, ConsoleError> {
    let ui = Ui::for_user(user, Area::Dashboard, "dashboard.title");
    let now = Timestamp::now();
    let (start, end) = layout::local_day(now, user.tz);
    let (inbound, waiting, waves, out_exc, in_exc, held) = crate::db::run(&state.pool, move |c| {
        Ok((
            crate::inbound::receiving::floor_counts(c, start, end)?,
            crate::outbound::picking::waiting(c, now, end)?,
            crate::outbound::picking::waves(c, true, 200)?.len() as i64,
            crate::outbound::exceptions::open_by_kind(c)?,
            crate::inbound::receiving::open_exception_counts(c)?,
            crate::outbound::packing::held_count(c)?,
        ))
    })
    .await?;
    let link = |area: Area, href: &'static str| user.may(area).then_some(href);
    let count = |id: &str, key: &str, n: i64, href: Option<&'static str>, alerting: bool| Count {
        id: id.to_owned(),
        label: ui.t(key).to_owned(),
        n,
        href,
        alerting: alerting && n > 0,
    };
    let (overdue, today, later) =
        waiting.iter().fold((0, 0, 0), |(o, t, l), w| (o + w.overdue, t + w.due_today, l + w.later));
    let mut exceptions: Vec<Count> = out_exc
        .iter()
        .map(|(k, n)| Count {
            id: format!("exc-{}", k.as_str()),
            label: ui.word("exc_kind", k.as_str()),
            n: *n,
            href: link(Area::Outbound, "/console/exceptions"),
            alerting: true,
        })
        .collect();
    exceptions.extend(in_exc.iter().map(|(k, n)| Count {
        id: format!("iexc-{}", k.as_str()),
        label: ui.word("exception", k.as_str()),
        n: *n,
        href: link(Area::InboundAdmin, "/console/inbound-exceptions"),
        alerting: true,
    }));
    if exceptions.is_empty() {
        exceptions.push(count("exc-none", "dashboard.no_exceptions", 0, None, false));
    }
    let groups = vec![
        Group {
            title: "dashboard.inbound",
            counts: vec![
                count(
                    "arriving-today",
                    "dashboard.arriving_today",
                    inbound.arriving_today,
                    link(Area::Inbound, "/console/dock"),
                    false,
                ),
                count(
                    "cartons-waiting",
                    "dashboard.cartons_waiting",
                    inbound.cartons_waiting,
                    link(Area::Inbound, "/console/dock"),
                    false,
                ),
                count(
                    "lots-in-qc",
                    "dashboard.lots_in_qc",
                    inbound.lots_in_qc,
                    link(Area::Inbound, "/console/dock"),
                    false,
                ),
            ],
        },
        Group {
            title: "dashboard.outbound",
            counts: vec![
                count(
                    "orders-overdue",
                    "dashboard.orders_overdue",
                    overdue,
                    link(Area::Outbound, "/console/waves"),
                    true,
                ),
                count(
                    "orders-today",
                    "dashboard.orders_today",
                    today,
                    link(Area::Outbound, "/console/waves"),
                    false,
                ),
                count(
                    "orders-later",
                    "dashboard.orders_later",
                    later,
                    link(Area::Outbound, "/console/waves"),
                    false,
                ),
                count(
                    "waves-open",
                    "dashboard.waves_open",
                    waves,
                    link(Area::Outbound, "/console/waves"),
                    false,
                ),
                count(
                    "parcels-held",
                    "dashboard.parcels_held",
                    held,
                    link(Area::Outbound, "/console/exceptions"),
                    true,
                ),
            ],
        },
        Group { title: "dashboard.exceptions", counts: exceptions },
    ];
    let status = if scan.missing.is_some() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    layout::page(status, &Dashboard { ui, scan, groups })
}

pub async fn show(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    dashboard(&state, &user, Scan::default()).await
}

#[derive(Deserialize)]
pub struct ScanQuery {
    #[serde(default)]
    code: String,
}

/// Where a scanned code leads, for this person: a bin, a shipment (by
/// tracking number, carton label or number), a product (its stock), an
/// order, a parcel (by tote, parcel, order or tracking number).
fn destination(
    c: &mut crate::db::DbConn,
    user_may: &dyn Fn(Area) -> bool,
    code: &str,
) -> Result<Option<String>, AppError> {
    if let Ok(parsed) = BinCode::parse("code", code) {
        match crate::warehouse::service::by_code(c, &parsed.render()) {
            Ok(bin) => return Ok(Some(format!("/console/bins/{}", layout::urlencode(&bin.code)))),
            Err(AppError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if user_may(Area::Inbound)
        && let Some(no) = crate::inbound::receiving::asn_no_for_code(c, code)?
    {
        return Ok(Some(format!("/console/receiving/{}", layout::urlencode(&no))));
    }
    if let Some(s) = crate::catalog::service::by_barcode(c, code)? {
        return Ok(Some(format!("/console/stock/sku/{}", s.id)));
    }
    if user_may(Area::Outbound) && crate::outbound::orders::by_no(c, code).is_ok() {
        return Ok(Some(format!("/console/orders/{}", layout::urlencode(code))));
    }
    if user_may(Area::Packing)
        && let Some(p) = crate::outbound::packing::find(c, code)?
    {
        return Ok(Some(format!("/console/pack/{p}")));
    }
    Ok(None)
}

/// `GET /console/scan?code=…`: what a scanner typed into the dashboard's or
/// a bin page's field. A code found opens its page; anything else stays on
/// the page with a loud message, the scan field focused for the next scan.
/// With htmx only the message is sent back (the field keeps focus without a
/// reload); without JavaScript the whole page.
pub async fn scan(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<ScanQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let code = q.code.trim().to_ascii_uppercase();
    let role = user.role;
    let found = if code.is_empty() {
        None
    } else {
        crate::db::run(&state.pool, move |c| destination(c, &|a: Area| a.allows(role), &code)).await?
    };
    match found {
        Some(to) => Ok(if user.htmx {
            HttpResponse::Ok().insert_header(("HX-Redirect", to)).finish()
        } else {
            layout::see_other(&to)
        }),
        None => {
            let scan = Scan { missing: Some(crate::console::flash::shown(&q.code)) };
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
