//! The frame every console page is drawn in (top bar, navigation by role,
//! notices and error lists), and the response helpers: HTML with security
//! headers, redirects.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use askama::Template;

use std::collections::BTreeMap;

use chrono_tz::Tz;

use super::error::ConsoleError;
use super::flash::{Flash, Problem};
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
    /// What the last action did: the one alert panel, in the same place on
    /// every page.
    pub alert: Option<Alert>,
    /// Text to put back into the scan field (selected), after a refusal.
    pub keep: String,
    /// A refused form's values.
    pub form: BTreeMap<String, String>,
    /// A new API key, shown once.
    pub secret: Option<String>,
    pub tz: Tz,
}

/// The alert panel: what happened, loud when it was refused.
pub struct Alert {
    /// `ok`, `warn` or `error`: the colour and the sound.
    pub kind: &'static str,
    pub text: String,
    pub problems: Vec<Problem>,
    pub scanned: Option<String>,
    pub expected: Option<String>,
}

impl From<Flash> for Alert {
    fn from(f: Flash) -> Self {
        Alert {
            kind: f.kind.as_str(),
            text: f.text,
            problems: f.problems,
            scanned: f.scanned,
            expected: f.expected,
        }
    }
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

const NAV: [(Area, &str, &str); 12] = [
    (Area::Dashboard, "/console", "nav.dashboard"),
    (Area::Inbound, "/console/dock", "nav.inbound"),
    (Area::Picking, "/console/pick", "nav.pick"),
    (Area::Packing, "/console/pack", "nav.pack"),
    (Area::Outbound, "/console/orders", "nav.outbound"),
    (Area::Shipping, "/console/sort", "nav.shipping"),
    (Area::Returns, "/console/returns", "nav.returns"),
    (Area::Stock, "/console/stock", "nav.stock"),
    (Area::Bins, "/console/bins", "nav.bins"),
    (Area::Suppliers, "/console/suppliers", "nav.suppliers"),
    (Area::ApiKeys, "/console/api-keys", "nav.api_keys"),
    (Area::Staff, "/console/staff", "nav.staff"),
];

fn nav_area(area: Area) -> Area {
    match area {
        Area::BinImport | Area::BinLabels => Area::Bins,
        Area::SupplierAdmin => Area::Suppliers,
        Area::Receiving | Area::Qc | Area::Putaway | Area::InboundAdmin => Area::Inbound,
        Area::StockAdmin => Area::Stock,
        Area::Tracking => Area::Shipping,
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
        let flash = user.flash.clone().unwrap_or_default();
        let shown = user.flash.is_some();
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
            keep: flash.keep.clone().unwrap_or_default(),
            form: flash.form.clone(),
            secret: flash.secret.clone(),
            alert: (shown && (!flash.text.is_empty() || !flash.problems.is_empty())).then(|| flash.into()),
            tz: user.tz,
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
            alert: None,
            keep: String::new(),
            form: BTreeMap::new(),
            secret: None,
            tz: chrono_tz::Asia::Shanghai,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// A translated word for a value stored in English (`role.packer`,
    /// `bin_type.pick_face`, `status.active`). A value the table does not
    /// know shows as itself, marked, so that the zh-completeness test finds
    /// it.
    pub fn word(&self, group: &str, value: &str) -> String {
        i18n::word(self.lang, group, value)
    }

    /// A time as the warehouse reads it: local, to the minute.
    pub fn when(&self, t: &crate::db::types::Timestamp) -> String {
        when(t, self.tz)
    }

    pub fn when_opt(&self, t: &Option<crate::db::types::Timestamp>) -> String {
        t.as_ref().map(|t| self.when(t)).unwrap_or_default()
    }

    /// Who did something, as a person reads it: a staff member's username;
    /// the system, the platform or a supplier's integration by name.
    pub fn actor(&self, actor: &str) -> String {
        if let Some(u) = actor.strip_prefix("staff:") {
            return u.to_owned();
        }
        let key = match actor.split(':').next().unwrap_or_default() {
            "platform-key" => "actor.platform",
            "supplier-key" => "actor.supplier",
            _ => "actor.system",
        };
        self.t(key).to_owned()
    }

    /// The zone's name, for the one line that says which clock times are in.
    pub fn tz_name(&self) -> &'static str {
        self.tz.name()
    }

    pub fn lang_href(&self, to: &str) -> String {
        format!("/console/lang/{to}?next={}", urlencode(&self.here))
    }

    /// A refused form's value for `key` (empty if none).
    pub fn kept(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    /// Shows an error that the page itself found (a bad filter), without a
    /// redirect.
    pub fn with_problems(mut self, e: &AppError) -> Self {
        self.alert = Some(Flash::refused(self.lang, e).into());
        self
    }

    /// The kind of the alert (`none` without one), for the page's sound.
    pub fn alert_kind(&self) -> &'static str {
        self.alert.as_ref().map_or("none", |a| a.kind)
    }
}

/// A time for tables: to the minute, in the warehouse's zone.
pub fn when(t: &crate::db::types::Timestamp, tz: Tz) -> String {
    t.0.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The start and end of the warehouse's day around `now` (local midnights).
pub fn local_day(
    now: crate::db::types::Timestamp,
    tz: Tz,
) -> (crate::db::types::Timestamp, crate::db::types::Timestamp) {
    use crate::db::types::Timestamp;
    use chrono::{Duration, TimeZone};
    let date = now.0.with_timezone(&tz).date_naive();
    let at = |d: chrono::NaiveDate| {
        let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        tz.from_local_datetime(&midnight).earliest().map(|t| Timestamp(t.to_utc()))
    };
    let start = at(date).unwrap_or(Timestamp(now.0 - Duration::hours(12)));
    let end = at(date + Duration::days(1)).unwrap_or(Timestamp(now.0 + Duration::hours(12)));
    (start, end)
}

/// A `datetime-local` field's value (warehouse time) as an instant.
pub fn parse_local(s: &str, tz: Tz) -> Option<crate::db::types::Timestamp> {
    let naive = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M").ok()?;
    // A time that a clock change skips does not exist; one it repeats is
    // taken as the earlier.
    naive.and_local_timezone(tz).earliest().map(|t| crate::db::types::Timestamp::from(t.to_utc()))
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

/// The end of every console POST: a 303 to `to`, carrying what happened to
/// the page there (Post/Redirect/Get: a refresh or Back never resubmits).
pub fn back(user: &ConsoleUser, to: &str, flash: Flash) -> HttpResponse {
    let mut resp = see_other(to);
    let _ = resp.add_cookie(&flash.cookie(&user.csrf_token, user.cookie_secure));
    resp
}

/// A refusal the worker can fix, as a flash to decorate (what was scanned,
/// what was expected); anything else becomes an error page.
pub fn refusal(user: &ConsoleUser, e: AppError) -> Result<Flash, ConsoleError> {
    let e = user_error(e)?;
    Ok(Flash::refused(user.lang, &e))
}

/// [`back`] with the outcome of an action: its flash, or its refusal.
pub fn outcome(
    user: &ConsoleUser,
    to: &str,
    result: Result<Flash, AppError>,
) -> Result<HttpResponse, ConsoleError> {
    let flash = match result {
        Ok(f) => f,
        Err(e) => refusal(user, e)?,
    };
    Ok(back(user, to, flash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_and_read_in_the_warehouses_zone() {
        let t = crate::db::types::Timestamp::from(
            chrono::DateTime::parse_from_rfc3339("2026-12-06T18:40:00Z").unwrap().to_utc(),
        );
        assert_eq!(when(&t, chrono_tz::Asia::Shanghai), "2026-12-07 02:40");
        assert_eq!(when(&t, chrono_tz::UTC), "2026-12-06 18:40");
        assert_eq!(parse_local("2026-12-07T02:40", chrono_tz::Asia::Shanghai), Some(t));
        assert_eq!(parse_local("yesterday", chrono_tz::Asia::Shanghai), None);
        // 02:30 on 8 March 2026 does not exist in New York.
        assert_eq!(parse_local("2026-03-08T02:30", chrono_tz::America::New_York), None);
    }

    #[test]
    fn the_warehouses_day_is_its_local_day() {
        let now = crate::db::types::Timestamp(
            chrono::DateTime::parse_from_rfc3339("2026-12-06T18:40:00Z").unwrap().to_utc(),
        );
        // 02:40 on the 7th in Guangzhou.
        let (start, end) = local_day(now, chrono_tz::Asia::Shanghai);
        assert_eq!(start.0.to_rfc3339(), "2026-12-06T16:00:00+00:00");
        assert_eq!(end.0.to_rfc3339(), "2026-12-07T16:00:00+00:00");
        assert_eq!(local_day(now, chrono_tz::UTC).1.0.to_rfc3339(), "2026-12-07T00:00:00+00:00");
    }

    #[test]
    fn the_language_switch_returns_to_the_encoded_page() {
        assert_eq!(urlencode("/console/bins?zone=A&type=qc"), "/console/bins%3Fzone%3DA%26type%3Dqc");
    }
}
