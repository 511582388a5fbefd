//! The supervisors' side of inbound: the exceptions queue (damaged, short,
//! over, not on the shipment, unknown cartons, rejected lots), resolved one
//! by one with a note, and the history of finished and refused shipments.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::i18n::fill;
use crate::console::layout::{self, Choice, Ui};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::http::AppState;
use crate::ids::ExceptionId;
use crate::inbound::asn::{self, AsnSummary};
use crate::inbound::domain::{AsnStatus, ExceptionKind};
use crate::inbound::receiving::{self, QueuedException};
use crate::paging::PageParams;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    kind: String,
    /// `resolved` shows the resolved ones.
    show: String,
}

#[derive(Template)]
#[template(path = "console/inbound_exceptions.html")]
struct QueuePage {
    ui: Ui,
    items: Vec<QueuedException>,
    kinds: Vec<Choice>,
    resolved: bool,
}

pub async fn queue(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::InboundAdmin)?;
    let ui = Ui::for_user(&user, Area::InboundAdmin, "iexc.title");
    let kind = ExceptionKind::from_db(q.kind.trim());
    let resolved = q.show == "resolved";
    let items = crate::db::run(&state.pool, move |c| {
        let mut all = receiving::exception_queue(c, !resolved, kind, 300)?;
        if resolved {
            all.retain(|e| e.resolved_at.is_some());
        }
        Ok(all)
    })
    .await?;
    let kinds = ExceptionKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: ui.word("exception", k.as_str()),
            selected: kind == Some(*k),
        })
        .collect();
    layout::page(StatusCode::OK, &QueuePage { ui, items, kinds, resolved })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResolveForm {
    note: String,
}

/// A supervisor closes an exception, saying what was done.
pub async fn resolve(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<ResolveForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::InboundAdmin)?;
    let Ok(id) = path.parse::<ExceptionId>() else {
        return Err(error::for_user(&user, Area::InboundAdmin, StatusCode::NOT_FOUND, "err.not_found"));
    };
    let (actor, lang) = (user.actor(), user.lang);
    let note = form.note.clone();
    let result =
        crate::db::transact(&state.pool, move |tx| receiving::resolve_exception(tx, id, &note, &actor))
            .await
            .map(|e| Flash::ok(fill(lang, "iexc.resolved", &[("asn", e.asn_no)])));
    match result {
        Ok(f) => Ok(layout::back(&user, "/console/inbound-exceptions", f)),
        Err(e) => Ok(layout::back(&user, "/console/inbound-exceptions", layout::refusal(&user, e)?)),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HistoryQuery {
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "console/shipments.html")]
struct HistoryPage {
    ui: Ui,
    items: Vec<AsnSummary>,
    next_href: Option<String>,
}

/// Finished shipments: completed, returned to the supplier, refused at the
/// dock, cancelled; page by page in the order they were announced.
pub async fn history(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::InboundAdmin)?;
    let mut ui = Ui::for_user(&user, Area::InboundAdmin, "history.title");
    let page = match (PageParams { cursor: q.into_inner().cursor, limit: Some(50) }).parse() {
        Ok(p) => p,
        Err(e) => {
            ui = ui.with_problems(&e);
            PageParams { cursor: None, limit: Some(50) }.parse()?
        }
    };
    let statuses =
        [AsnStatus::Completed, AsnStatus::Returned, AsnStatus::RejectedAtDock, AsnStatus::Cancelled];
    let page = crate::db::run(&state.pool, move |c| asn::list(c, None, &statuses, page)).await?;
    let next_href = page.next_cursor.map(|c| format!("/console/shipments?cursor={c}"));
    layout::page(StatusCode::OK, &HistoryPage { ui, items: page.items, next_href })
}
