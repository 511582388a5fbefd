//! The frame every console page is drawn in (top bar, navigation by role,
//! notices and error lists), and the response helpers: HTML with security
//! headers, redirects.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use askama::Template;

use super::error::ConsoleError;
use super::i18n::{self, Lang};
use super::session::{Area, ConsoleUser};
use crate::error::AppError;

/// Scripts and styles come only from the console's own assets; no inline
/// script, no framing, forms post only back here.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// What the layout (`templates/console/base.html`) needs.
pub struct Ui {
    pub lang: Lang,
    pub warehouse: String,
    pub user: Option<UserBar>,
    /// The session's CSRF token (or the login form's pre-session token).
    pub csrf: String,
    pub nav: Vec<NavItem>,
    /// Where the language switch returns to.
    pub here: String,
    pub title: &'static str,
    /// A success message (after a redirect).
    pub notice: Option<String>,
    /// What went wrong with the last submit, one line per problem.
    pub problems: Vec<Problem>,
}

pub struct UserBar {
    pub display_name: String,
    pub role: &'static str,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// One `<option>` of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone)]
pub struct Problem {
    /// Which field or CSV line; empty for the form as a whole.
    pub field: String,
    pub message: String,
}

const NAV: [(Area, &str, &str); 9] = [
    (Area::Dashboard, "/console", "nav.dashboard"),
    (Area::Inbound, "/console/dock", "nav.inbound"),
    (Area::Picking, "/console/pick", "nav.pick"),
    (Area::Packing, "/console/pack", "nav.pack"),
    (Area::Outbound, "/console/orders", "nav.outbound"),
    (Area::Bins, "/console/bins", "nav.bins"),
    (Area::Suppliers, "/console/suppliers", "nav.suppliers"),
    (Area::ApiKeys, "/console/api-keys", "nav.api_keys"),
    (Area::Staff, "/console/staff", "nav.staff"),
];

fn nav_area(area: Area) -> Area {
    match area {
        Area::BinImport => Area::Bins,
        Area::SupplierAdmin => Area::Suppliers,
        Area::Receiving | Area::Qc => Area::Inbound,
        other => other,
    }
}

impl Ui {
    pub fn for_user(user: &ConsoleUser, area: Area, title_key: &str) -> Self {
        let lang = user.lang;
        let current = nav_area(area);
        let nav = NAV
            .iter()
            .filter(|(a, ..)| user.may(*a))
            .map(|(a, href, key)| NavItem { href, label: i18n::t(lang, key), active: *a == current })
            .collect();
        let home = NAV.iter().find(|(a, ..)| *a == current).map_or("/console", |(_, href, _)| *href);
        Self {
            lang,
            warehouse: user.warehouse.clone(),
            user: Some(UserBar {
                display_name: user.display_name.clone(),
                role: i18n::t(lang, &format!("role.{}", user.role.as_str())),
            }),
            csrf: user.csrf_token.clone(),
            nav,
            here: user.here.clone().unwrap_or_else(|| home.to_owned()),
            title: i18n::t(lang, title_key),
            notice: None,
            problems: Vec::new(),
        }
    }

    /// The frame of the login page and of errors before sign-in.
    pub fn anonymous(lang: Lang, warehouse: &str, title_key: &str) -> Self {
        Self {
            lang,
            warehouse: warehouse.to_owned(),
            user: None,
            csrf: String::new(),
            nav: Vec::new(),
            here: "/console/login".into(),
            title: i18n::t(lang, title_key),
            notice: None,
            problems: Vec::new(),
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// A translated word for a value stored in English (`role.packer`,
    /// `bin_type.pick_face`, `status.active`).
    pub fn word(&self, group: &str, value: &str) -> String {
        i18n::lookup(self.lang, &format!("{group}.{value}")).map_or_else(|| value.to_owned(), str::to_owned)
    }

    pub fn when(&self, t: &crate::db::types::Timestamp) -> String {
        when(t)
    }

    pub fn lang_href(&self, to: &str) -> String {
        format!("/console/lang/{to}?next={}", urlencode(&self.here))
    }

    /// Shows the success message named by a redirect's `?ok=` (only known
    /// keys: nothing the URL says is echoed).
    pub fn with_notice(mut self, ok: Option<&str>, n: Option<u32>) -> Self {
        self.notice = ok
            .and_then(|k| i18n::lookup(self.lang, &format!("ok.{k}")))
            .map(|s| s.replace("{n}", &n.unwrap_or(0).to_string()));
        self
    }

    pub fn with_problems(mut self, e: &AppError) -> Self {
        self.problems = problems(self.lang, e);
        self
    }
}

/// A time for tables: to the minute, in UTC (as stored), saying so.
pub fn when(t: &crate::db::types::Timestamp) -> String {
    t.0.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Errors a user can fix (bad input, a taken code, a vanished record) are
/// shown in the page; anything else becomes an error page.
pub fn user_error(e: AppError) -> Result<AppError, ConsoleError> {
    match e {
        AppError::Validation { .. } | AppError::Conflict { .. } | AppError::NotFound { .. } => Ok(e),
        other => Err(other.into()),
    }
}

/// The problems of a refused submit, in the page's language. Messages the
/// table knows by their stable code are translated; in English the
/// domain's own (more specific) message is kept.
pub fn problems(lang: Lang, e: &AppError) -> Vec<Problem> {
    let text = |code: &str, original: &str| match (lang, i18n::lookup(lang, &format!("err.{code}"))) {
        (Lang::Zh, Some(zh)) => zh.to_owned(),
        _ => original.to_owned(),
    };
    match e {
        AppError::Validation { errors, .. } => errors
            .iter()
            .map(|fe| Problem { field: field_label(lang, &fe.field), message: text(&fe.code, &fe.message) })
            .collect(),
        AppError::Conflict { code, detail } => {
            // The English detail may end with the codes concerned ("…: A-01-01-01").
            let message = match (lang, i18n::lookup(lang, &format!("err.{code}"))) {
                (Lang::Zh, Some(zh)) => match detail.rsplit_once(": ") {
                    Some((_, which)) => format!("{zh}：{which}"),
                    None => zh.to_owned(),
                },
                _ => detail.clone(),
            };
            vec![Problem { field: String::new(), message }]
        }
        AppError::NotFound { .. } => {
            vec![Problem { field: String::new(), message: i18n::t(lang, "err.not_found").into() }]
        }
        other => vec![Problem { field: String::new(), message: other.public_detail() }],
    }
}

/// `name_zh` → "中文名称"; `line 4: code` → "第 4 行：库位编码".
fn field_label(lang: Lang, field: &str) -> String {
    let plain =
        |f: &str| i18n::lookup(lang, &format!("field.{f}")).map_or_else(|| f.to_owned(), str::to_owned);
    if let Some(rest) = field.strip_prefix("line ") {
        if let Some((n, f)) = rest.split_once(": ") {
            return format!("{}: {}", i18n::t(lang, "csv.line").replace("{n}", n), plain(f));
        }
        return i18n::t(lang, "csv.line").replace("{n}", rest);
    }
    plain(field)
}

/// An HTML page with the console's security headers. Pages are per user
/// and may show secrets (a new API key): never cached.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    resp.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .insert_header((header::REFERRER_POLICY, HeaderValue::from_static("same-origin")));
    resp.body(body)
}

pub fn render(t: &impl Template) -> Result<String, ConsoleError> {
    t.render().map_err(|e| AppError::internal(anyhow::anyhow!("template: {e}")).into())
}

pub fn page(status: StatusCode, t: &impl Template) -> Result<HttpResponse, ConsoleError> {
    Ok(html(status, render(t)?))
}

/// 303: after a POST, the browser GETs the result page (no resubmit on reload).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    #[test]
    fn csv_line_fields_are_named_in_the_pages_language() {
        assert_eq!(field_label(Lang::En, "line 4: code"), "line 4: Code");
        assert_eq!(field_label(Lang::Zh, "line 4: code"), "第 4 行: 编码");
        assert_eq!(field_label(Lang::En, "unheard_of"), "unheard_of");
    }

    #[test]
    fn known_error_codes_are_translated_and_english_keeps_the_detail() {
        let e = AppError::validation(vec![FieldError::new(
            "password",
            "password_too_short",
            "must be at least 10 characters",
        )]);
        assert_eq!(problems(Lang::En, &e)[0].message, "must be at least 10 characters");
        assert_ne!(problems(Lang::Zh, &e)[0].message, "must be at least 10 characters");
    }

    #[test]
    fn the_language_switch_returns_to_the_encoded_page() {
        assert_eq!(urlencode("/console/bins?zone=A&type=qc"), "/console/bins%3Fzone%3DA%26type%3Dqc");
    }
}
