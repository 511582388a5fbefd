//! Console errors are pages, not problem+json: a sign-in redirect, or an
//! HTML error page in the user's language with the usual frame.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use super::i18n::Lang;
use super::layout::{self, Ui};
use super::session::{self, Area, ConsoleUser};
use crate::error::AppError;
use crate::http::AppState;

#[derive(Debug)]
pub enum ConsoleError {
    /// No live session: to the login page, which brings the worker back to
    /// `next` and says which scan (`lost`) was not recorded.
    LoginRequired { htmx: bool, next: Option<String>, lost: Option<String> },
    /// A rendered error page.
    Page { status: StatusCode, html: String },
}

impl fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LoginRequired { .. } => f.write_str("console login required"),
            Self::Page { status, .. } => write!(f, "console error page {status}"),
        }
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::LoginRequired { htmx: true, .. } => StatusCode::OK,
            Self::LoginRequired { htmx: false, .. } => StatusCode::SEE_OTHER,
            Self::Page { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // htmx follows a redirect inside the XHR and would swap the login
            // page into the scan result; HX-Redirect makes it navigate.
            Self::LoginRequired { htmx: true, next, lost } => HttpResponse::Ok()
                .insert_header(("HX-Redirect", login_url(next.as_deref(), lost.as_deref())))
                .cookie(session::removal(session::SESSION_COOKIE))
                .finish(),
            Self::LoginRequired { htmx: false, next, lost } => {
                let mut resp = layout::see_other(&login_url(next.as_deref(), lost.as_deref()));
                let _ = resp.add_cookie(&session::removal(session::SESSION_COOKIE));
                resp
            }
            Self::Page { status, html } => layout::html(*status, html.clone()),
        }
    }
}

/// `/console/login`, with where to return and the scan that was lost.
pub fn login_url(next: Option<&str>, lost: Option<&str>) -> String {
    let mut url = "/console/login".to_owned();
    let mut sep = '?';
    if let Some(n) = next {
        url.push_str(&format!("{sep}next={}", layout::urlencode(n)));
        sep = '&';
    }
    if let Some(l) = lost {
        url.push_str(&format!("{sep}lost={}", layout::urlencode(l)));
    }
    url
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    ui: Ui,
    status: u16,
    message: String,
}

fn page(ui: Ui, status: StatusCode, message: String) -> ConsoleError {
    let html = ErrorPage { ui, status: status.as_u16(), message }
        .render()
        .unwrap_or_else(|_| format!("<!doctype html><title>{status}</title><p>{status}</p>"));
    ConsoleError::Page { status, html }
}

/// An error page for a signed-in user, in the usual frame.
pub fn for_user(user: &ConsoleUser, area: Area, status: StatusCode, message_key: &str) -> ConsoleError {
    let ui = Ui::for_user(user, area, "err.title");
    let message = ui.t(message_key).to_owned();
    page(ui, status, message)
}

pub fn forbidden(user: &ConsoleUser) -> ConsoleError {
    for_user(user, Area::Dashboard, StatusCode::FORBIDDEN, "err.forbidden")
}

pub fn csrf_refused(user: &ConsoleUser) -> ConsoleError {
    for_user(user, Area::Dashboard, StatusCode::FORBIDDEN, "err.csrf")
}

pub fn bad_form(user: &ConsoleUser) -> ConsoleError {
    for_user(user, Area::Dashboard, StatusCode::BAD_REQUEST, "err.bad_request")
}

fn anonymous(req: &HttpRequest, status: StatusCode, message_key: &str) -> ConsoleError {
    let warehouse =
        req.app_data::<web::Data<AppState>>().map(|s| s.config.warehouse_code.clone()).unwrap_or_default();
    let ui = Ui::anonymous(Lang::of(req), &warehouse, "err.title");
    let message = ui.t(message_key).to_owned();
    page(ui, status, message)
}

pub fn bad_request(req: &HttpRequest) -> ConsoleError {
    anonymous(req, StatusCode::BAD_REQUEST, "err.bad_request")
}

pub fn not_found(req: &HttpRequest) -> ConsoleError {
    anonymous(req, StatusCode::NOT_FOUND, "err.page_not_found")
}

/// Any console path that no route matches.
pub async fn not_found_route(req: HttpRequest) -> Result<HttpResponse, ConsoleError> {
    Err(not_found(&req))
}

/// Errors that the handler did not turn into a message in the page: the
/// database is away, or a bug. The log keeps the cause; the page does not.
/// Without the request the language is unknown, so the page says it twice.
impl From<AppError> for ConsoleError {
    fn from(e: AppError) -> Self {
        let status = e.status_code();
        if let AppError::Internal(cause) = &e {
            tracing::error!(error = ?cause, "console request failed");
        }
        let mut ui = Ui::anonymous(Lang::Zh, "", "err.title");
        ui.title = "出错了 · Something went wrong";
        let message = match e {
            AppError::Internal(_) => {
                "服务器出错，已记录。 · Something went wrong on our side; it has been logged.".to_owned()
            }
            AppError::Unavailable { .. } => {
                "数据库暂时不可用，请稍后重试。 · The database is not reachable right now; retry shortly."
                    .to_owned()
            }
            other => other.public_detail(),
        };
        page(ui, status, message)
    }
}
