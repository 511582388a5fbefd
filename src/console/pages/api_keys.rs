//! API keys (admin): the list, a new key for a supplier, the platform or a
//! staff member (its plaintext shown once, on the page the creation
//! redirects to: a refresh neither shows it again nor makes a second key),
//! and revocation.

use std::collections::HashMap;
use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::service::{self as auth, KeyOwner, StaffUser};
use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::layout::{self, Choice, Ui};
use crate::console::session::{Area, NoFields, Post};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::AppState;
use crate::ids::{ApiKeyId, SupplierId, UserId};
use crate::paging::{MAX_LIMIT, PageRequest};
use crate::suppliers::service::{self as suppliers, Supplier};

pub struct KeyRow {
    pub id: String,
    pub prefix: String,
    pub kind: String,
    pub owner: String,
    pub label: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct KeyForm {
    /// `platform`, `supplier:<id>` or `staff:<id>`.
    pub owner: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "console/api_keys.html")]
struct KeysPage {
    ui: Ui,
    keys: Vec<KeyRow>,
    supplier_owners: Vec<Choice>,
    staff_owners: Vec<Choice>,
    platform_selected: bool,
    carrier_selected: bool,
    form: KeyForm,
    /// The key just created (its row, and its plaintext in `ui.secret`).
    created: Option<KeyRow>,
}

/// Every supplier, page by page (owner names for the list and the form).
fn all_suppliers(c: &mut DbConn) -> Result<Vec<Supplier>, AppError> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = suppliers::list(c, None, PageRequest { after, limit: MAX_LIMIT })?;
        out.extend(page.items);
        match page.next_cursor.and_then(|c| uuid::Uuid::parse_str(&c).ok()) {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

async fn render(state: &AppState, ui: Ui) -> Result<HttpResponse, ConsoleError> {
    let form = KeyForm { owner: ui.kept("owner").to_owned(), label: ui.kept("label").to_owned() };
    let (keys, sups, users) = crate::db::run(&state.pool, |c| {
        Ok((auth::list_api_keys(c)?, all_suppliers(c)?, auth::list_users(c)?))
    })
    .await?;
    let sup_names: HashMap<SupplierId, &Supplier> = sups.iter().map(|s| (s.id, s)).collect();
    let user_names: HashMap<UserId, &StaffUser> = users.iter().map(|u| (u.id, u)).collect();
    let keys = keys
        .into_iter()
        .map(|k| KeyRow {
            id: k.id.to_string(),
            prefix: k.prefix,
            kind: ui.word("key_kind", k.kind.as_str()),
            owner: match (k.supplier_id, k.user_id) {
                (Some(s), _) => sup_names.get(&s).map_or_else(|| s.to_string(), |s| s.code.clone()),
                (_, Some(u)) => user_names.get(&u).map_or_else(|| u.to_string(), |u| u.username.clone()),
                _ if k.kind == crate::auth::domain::ApiKeyKind::Carrier => ui.t("keys.carrier").to_owned(),
                _ => ui.t("keys.platform").to_owned(),
            },
            label: k.label,
            created: ui.when(&k.created_at),
            last_used: k.last_used_at.as_ref().map(|t| ui.when(t)),
            revoked: k.revoked_at.as_ref().map(|t| ui.when(t)),
        })
        .collect::<Vec<_>>();
    // The new key's row, found by the prefix of the plaintext shown once.
    let created = ui.secret.as_ref().and_then(|secret| {
        keys.iter().find(|k| secret.starts_with(&k.prefix) && k.revoked.is_none()).map(|k| KeyRow {
            id: k.id.clone(),
            prefix: k.prefix.clone(),
            kind: k.kind.clone(),
            owner: k.owner.clone(),
            label: k.label.clone(),
            created: k.created.clone(),
            last_used: None,
            revoked: None,
        })
    });
    let supplier_owners = sups
        .iter()
        .filter(|s| s.status == crate::values::ActiveStatus::Active)
        .map(|s| {
            let value = format!("supplier:{}", s.id);
            Choice { selected: form.owner == value, label: format!("{} · {}", s.code, s.name_zh), value }
        })
        .collect();
    let staff_owners = users
        .iter()
        .filter(|u| u.active)
        .map(|u| {
            let value = format!("staff:{}", u.id);
            Choice {
                selected: form.owner == value,
                label: format!("{} · {}", u.username, u.display_name),
                value,
            }
        })
        .collect();
    let platform_selected = form.owner == "platform";
    let carrier_selected = form.owner == "carrier";
    layout::page(
        StatusCode::OK,
        &KeysPage {
            ui,
            keys,
            supplier_owners,
            staff_owners,
            platform_selected,
            carrier_selected,
            form,
            created,
        },
    )
}

pub async fn list(
    state: web::Data<AppState>,
    user: crate::console::session::ConsoleUser,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::ApiKeys)?;
    let ui = Ui::for_user(&user, Area::ApiKeys, "keys.title");
    render(&state, ui).await
}

enum Owner {
    Platform,
    Carrier,
    Supplier(SupplierId),
    Staff(UserId),
}

fn parse_owner(s: &str) -> Result<Owner, AppError> {
    let bad =
        || AppError::invalid("owner", "unknown_owner", "choose a supplier, the platform or a staff member");
    match s.split_once(':') {
        None if s == "platform" => Ok(Owner::Platform),
        None if s == "carrier" => Ok(Owner::Carrier),
        Some(("supplier", id)) => SupplierId::from_str(id).map(Owner::Supplier).map_err(|_| bad()),
        Some(("staff", id)) => UserId::from_str(id).map(Owner::Staff).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

pub async fn create(state: web::Data<AppState>, post: Post<KeyForm>) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::ApiKeys)?;
    let (owner_str, label) = (form.owner.clone(), form.label.clone());
    let made = crate::db::transact(&state.pool, move |tx| {
        let owner = match parse_owner(&owner_str)? {
            Owner::Platform => KeyOwner::Platform,
            Owner::Carrier => KeyOwner::Carrier,
            Owner::Supplier(id) => {
                let s = suppliers::get(tx, id)?;
                if s.status != crate::values::ActiveStatus::Active {
                    return Err(AppError::invalid(
                        "owner",
                        "supplier_suspended",
                        "the supplier is suspended",
                    ));
                }
                KeyOwner::Supplier(id)
            }
            Owner::Staff(id) => {
                let u = auth::list_users(tx)?
                    .into_iter()
                    .find(|u| u.id == id && u.active)
                    .ok_or(AppError::not_found("staff user"))?;
                KeyOwner::Staff(u.id)
            }
        };
        let (key, plaintext) = auth::create_api_key(tx, owner, &label)?;
        Ok((key, plaintext))
    })
    .await;
    let flash = match made {
        Ok((key, plaintext)) => {
            tracing::info!(user_id = %user.user_id, key_id = %key.id, kind = key.kind.as_str(), "API key created from the console");
            let mut f = Flash::warn(crate::console::i18n::t(user.lang, "keys.shown_once"));
            f.secret = Some(plaintext);
            f
        }
        Err(e) => layout::refusal(&user, e)?
            .with_form([("owner", form.owner.as_str()), ("label", form.label.as_str())]),
    };
    Ok(layout::back(&user, "/console/api-keys", flash))
}

pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<String>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::ApiKeys)?;
    let Ok(id) = ApiKeyId::from_str(&id) else {
        return Err(error::for_user(&user, Area::ApiKeys, StatusCode::NOT_FOUND, "err.not_found"));
    };
    match crate::db::transact(&state.pool, move |tx| auth::revoke_api_key(tx, &id.to_string())).await {
        Ok(()) => {
            state.api_keys.forget_all();
            tracing::info!(user_id = %user.user_id, key_id = %id, "API key revoked from the console");
            let flash = Flash::ok(crate::console::i18n::t(user.lang, "ok.key_revoked"));
            Ok(layout::back(&user, "/console/api-keys", flash))
        }
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::ApiKeys, StatusCode::NOT_FOUND, "keys.not_live"))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_owners_parse_from_the_forms_values_only() {
        assert!(matches!(parse_owner("platform"), Ok(Owner::Platform)));
        assert!(matches!(parse_owner("carrier"), Ok(Owner::Carrier)));
        let id = SupplierId::generate();
        assert!(matches!(parse_owner(&format!("supplier:{id}")), Ok(Owner::Supplier(s)) if s == id));
        for bad in ["", "supplier:", "staff:nope", "platform:x", "root"] {
            assert!(parse_owner(bad).is_err(), "{bad}");
        }
    }
}
