//! What happened, carried across a Post/Redirect/Get.
//!
//! Every console POST answers with a 303 to the page the worker is on; the
//! outcome of the action (a line of text, the problems, the code that was
//! scanned and what was expected, the text to put back into the scan field,
//! the values of a refused form) travels in a short-lived cookie that the
//! next page shows once, in the one alert panel every page has, and then
//! clears ([`clear_after_use`]). A refresh or Back therefore never resubmits.
//!
//! The cookie is signed (HMAC-SHA256 with the session's own secret, its CSRF
//! token, which never leaves the server except in the session's pages), so
//! that nothing but this server can put words in the panel. It is not
//! encrypted: it holds only what the next page shows, and it is never kept
//! on the server. That is why a new API key, shown once, travels in it: the
//! key goes to the browser exactly as a page would have sent it, and is
//! never at rest anywhere but with whoever created it. Never a password.

use std::collections::BTreeMap;

use actix_web::cookie::{Cookie, SameSite, time};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::i18n::{self, Lang};
use crate::error::AppError;

pub const COOKIE: &str = "custody_flash";
/// Cookies are limited to about 4 KiB; the value stays well under it.
const MAX_VALUE: usize = 3_600;
/// Long enough for a slow handheld to follow the redirect, short enough
/// that a message never turns up on a page opened minutes later.
const MAX_AGE_SECS: i64 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[default]
    Ok,
    /// Done, but look: a carton scanned twice, a unit not on the shipment.
    Warn,
    /// Refused: nothing changed.
    Error,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ok => "ok",
            Kind::Warn => "warn",
            Kind::Error => "error",
        }
    }
}

/// One problem of a refused action, in the page's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Which field or CSV line; empty for the action as a whole.
    #[serde(rename = "f", default, skip_serializing_if = "String::is_empty")]
    pub field: String,
    #[serde(rename = "m")]
    pub message: String,
}

/// The outcome of one action, as the next page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    #[serde(rename = "k")]
    pub kind: Kind,
    /// The one line saying what happened.
    #[serde(rename = "t", default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// The code the scanner read (shown as it was read).
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub scanned: Option<String>,
    /// What the screen expected instead.
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Put back into the scan field, selected, so that the next scan
    /// replaces it and a misread can be seen and fixed.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<String>,
    /// A refused form's values, to fill it again (never a password).
    #[serde(rename = "f", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub form: BTreeMap<String, String>,
    /// A new API key's plaintext, shown on the next page only.
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Scanned text as shown back: a misread can be long garbage.
pub fn shown(code: &str) -> String {
    code.trim().chars().filter(|c| !c.is_control()).take(64).collect()
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Self {
        Self { kind: Kind::Ok, text: text.into(), ..Self::default() }
    }

    pub fn warn(text: impl Into<String>) -> Self {
        Self { kind: Kind::Warn, text: text.into(), ..Self::default() }
    }

    /// A refusal with one line of text.
    pub fn error(text: impl Into<String>) -> Self {
        Self { kind: Kind::Error, text: text.into(), ..Self::default() }
    }

    /// A refused action: its problems in the page's language.
    pub fn refused(lang: Lang, e: &AppError) -> Self {
        Self { kind: Kind::Error, problems: problems(lang, e), ..Self::default() }
    }

    /// What was scanned (shown in the panel and kept in the field).
    pub fn scanned(mut self, code: &str) -> Self {
        let code = shown(code);
        if !code.is_empty() {
            self.keep = Some(code.clone());
            self.scanned = Some(code);
        }
        self
    }

    pub fn expected(mut self, what: impl Into<String>) -> Self {
        let what = what.into();
        if !what.is_empty() {
            self.expected = Some(what);
        }
        self
    }

    /// Keeps a refused form's values (each cut to 500 characters).
    pub fn with_form<'a>(mut self, fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        for (k, v) in fields {
            self.form.insert(k.to_owned(), v.chars().take(500).collect());
        }
        self
    }

    pub fn form_value(&self, key: &str) -> &str {
        self.form.get(key).map_or("", String::as_str)
    }

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// `hex(json).hex(mac)`, made to fit a cookie: a form that does not fit
    /// is dropped first (the problems still say what to fix), then problems
    /// beyond the first few.
    pub fn seal(&self, secret: &str) -> String {
        let mut f = self.clone();
        loop {
            let json = f.encode();
            if json.len() * 2 + 65 <= MAX_VALUE || (f.form.is_empty() && f.problems.len() <= 1) {
                let json = if json.len() * 2 + 65 > MAX_VALUE {
                    // One problem of absurd length: cut its text.
                    let mut g = f.clone();
                    for p in &mut g.problems {
                        p.message = p.message.chars().take(200).collect();
                    }
                    g.text = g.text.chars().take(200).collect();
                    g.encode()
                } else {
                    json
                };
                return format!("{}.{}", hex::encode(&json), hex::encode(mac(secret, &json)));
            }
            if !f.form.is_empty() {
                f.form.clear();
            } else {
                f.problems.truncate((f.problems.len() / 2).max(1));
            }
        }
    }

    /// The flash in a cookie value, if this session's secret signed it.
    pub fn open(value: &str, secret: &str) -> Option<Self> {
        if secret.is_empty() || value.len() > MAX_VALUE {
            return None;
        }
        let (body, tag) = value.split_once('.')?;
        let json = hex::decode(body).ok()?;
        let tag = hex::decode(tag).ok()?;
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
        m.update(b"custody-flash\n");
        m.update(&json);
        m.verify_slice(&tag).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// The cookie carrying this flash to the next page.
    pub fn cookie(&self, secret: &str, secure: bool) -> Cookie<'static> {
        let mut c = super::session::cookie(COOKIE, self.seal(secret), secure, SameSite::Strict);
        c.set_max_age(time::Duration::seconds(MAX_AGE_SECS));
        c
    }
}

fn mac(secret: &str, json: &[u8]) -> Vec<u8> {
    let mut m =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    m.update(b"custody-flash\n");
    m.update(json);
    m.finalize().into_bytes().to_vec()
}

/// Clears the flash once a page has shown it: any console answer that is
/// not a redirect (a redirect passes the flash on to where it leads).
/// Static assets are not pages and leave it alone.
pub async fn clear_after_use(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let had = req.cookie(COOKIE).is_some() && !req.path().starts_with("/console/assets/");
    let mut res = next.call(req).await?;
    let sets_new = res.response().cookies().any(|c| c.name() == COOKIE);
    if had && !sets_new && !res.status().is_redirection() {
        let _ = res.response_mut().add_cookie(&super::session::removal(COOKIE));
    }
    Ok(res)
}

/// The problems of a refused action, in the page's language. Messages the
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
pub fn field_label(lang: Lang, field: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    #[test]
    fn a_sealed_flash_opens_only_with_its_sessions_secret() {
        let f = Flash::error("库位不对").scanned("A-01-01-02").expected("A-01-01-01");
        let sealed = f.seal("secret-one");
        assert_eq!(Flash::open(&sealed, "secret-one"), Some(f.clone()));
        assert_eq!(Flash::open(&sealed, "secret-two"), None, "another session's secret");
        assert_eq!(Flash::open(&sealed, ""), None, "no secret never opens");
        let (body, tag) = sealed.split_once('.').unwrap();
        let forged = serde_json::to_vec(&Flash::ok("forged")).unwrap();
        assert_eq!(Flash::open(&format!("{}.{tag}", hex::encode(forged)), "secret-one"), None);
        assert_eq!(Flash::open(body, "secret-one"), None, "no tag");
        assert_eq!(Flash::open("zz.zz", "secret-one"), None);
    }

    #[test]
    fn a_flash_always_fits_a_cookie() {
        let mut f = Flash::error("x").with_form([("csv", "A-01-01-01,storage\n".repeat(500).as_str())]);
        for i in 0..200 {
            f.problems.push(Problem { field: format!("line {i}"), message: "太长了".repeat(20) });
        }
        let sealed = f.seal("s");
        assert!(sealed.len() <= MAX_VALUE, "{}", sealed.len());
        let opened = Flash::open(&sealed, "s").expect("still signed");
        assert!(opened.form.is_empty() && !opened.problems.is_empty());
        let huge = Flash::error("x".repeat(10_000)).seal("s");
        assert!(huge.len() <= MAX_VALUE);
    }

    #[test]
    fn scanned_text_is_shown_without_control_characters_and_cut() {
        let f = Flash::error("x").scanned(&format!(" A\u{7}B{} ", "9".repeat(100)));
        assert_eq!(f.scanned.as_deref().map(str::len), Some(64));
        assert!(f.scanned.as_deref().unwrap().starts_with("AB9"));
        assert_eq!(Flash::error("x").scanned("   ").scanned, None);
    }

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
}
