//! After the pack station: the channels parcels are routed by, the sort
//! station (scan a parcel, read its bag, scan the bag) and bags (closed
//! with their weight).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::channels::service::Channel;
use crate::console::error::ConsoleError;
use crate::console::flash::Flash;
use crate::console::i18n::fill;
use crate::console::layout::{self, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, Post};
use crate::http::AppState;

#[derive(Template)]
#[template(path = "console/channels.html")]
struct ChannelsPage {
    ui: Ui,
    channels: Vec<Channel>,
}

/// Every channel at its current version: what routing at the pack station
/// applies, in the words of the floor.
pub async fn channels(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let ui = Ui::for_user(&user, Area::Shipping, "channels.title");
    let channels = crate::db::run(&state.pool, crate::channels::service::list).await?;
    layout::page(StatusCode::OK, &ChannelsPage { ui, channels })
}

/// `12.50 CNY` for minor units in a currency.
pub fn money(minor: &i64, currency: &str) -> String {
    match crate::values::Money::stored(*minor, currency) {
        Ok(m) => m.to_string(),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// The API's name of a sensitive-goods flag.
pub fn flag(f: &crate::catalog::domain::SensitiveFlag) -> &'static str {
    crate::channels::domain::flag_code(*f)
}

/// The sort station: scan a parcel, read which bag, scan the bag.
#[derive(Template)]
#[template(path = "console/sort.html")]
struct SortPage {
    ui: Ui,
    /// The parcel scanned last, waiting for its bag.
    pending: Option<crate::shipping::service::SortAnswer>,
    open_bags: Vec<crate::shipping::service::Bag>,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct SortQuery {
    pub parcel: String,
}

pub async fn sort(
    state: web::Data<AppState>,
    user: ConsoleUser,
    q: web::Query<SortQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let ui = Ui::for_user(&user, Area::Shipping, "sort.title");
    let parcel = q.into_inner().parcel.trim().to_owned();
    let (pending, open_bags) = crate::db::run(&state.pool, move |c| {
        // A parcel bagged meanwhile (or unknown) is simply not pending.
        let pending =
            if parcel.is_empty() { None } else { crate::shipping::service::sort_scan(c, &parcel).ok() };
        let open = crate::shipping::service::list(c, Some(crate::shipping::domain::BagStatus::Open), 50)?;
        Ok((pending, open))
    })
    .await?;
    layout::page(StatusCode::OK, &SortPage { ui, pending, open_bags })
}

/// Every field defaults: a form missing one is answered by the page, not
/// refused like a forged one.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct SortForm {
    /// What was scanned: a parcel's tracking number, or a bag label.
    code: String,
    /// The parcel waiting for its bag, if any.
    parcel: String,
}

/// A scan at the sort station. A bag label (`BAG-…`) puts the waiting
/// parcel into that bag; anything else is a parcel, and the page then says
/// its bag.
pub async fn sort_scan(
    state: web::Data<AppState>,
    post: Post<SortForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Shipping)?;
    let (code, parcel) = (form.code.trim().to_ascii_uppercase(), form.parcel.trim().to_owned());
    let lang = user.lang;
    if code.starts_with("BAG-") {
        if parcel.is_empty() {
            let flash = Flash::error(t(lang, "sort.parcel_first"))
                .scanned(&code)
                .expected(t(lang, "sort.expect_parcel"));
            return Ok(layout::back(&user, "/console/sort", flash));
        }
        let (actor, now, bag) = (user.actor(), state.clock.now(), code.clone());
        let p = parcel.clone();
        let result = crate::db::transact(&state.pool, move |tx| {
            crate::shipping::service::add_parcel(tx, &bag, &p, &actor, now)
        })
        .await;
        return match result {
            Ok(b) => {
                let text = fill(
                    lang,
                    "sort.bagged",
                    &[("parcel", parcel), ("bag", b.bag_no), ("n", b.parcel_count.to_string())],
                );
                Ok(layout::back(&user, "/console/sort", Flash::ok(text)))
            }
            Err(e) => {
                let flash = layout::refusal(&user, e)?.scanned(&code).expected(t(lang, "sort.expect_bag"));
                Ok(layout::back(&user, &format!("/console/sort?parcel={}", urlencode(&parcel)), flash))
            }
        };
    }
    let scanned = code.clone();
    let result = crate::db::run(&state.pool, move |c| crate::shipping::service::sort_scan(c, &scanned)).await;
    match result {
        Ok(a) => {
            let text = match &a.bag {
                Some(b) => fill(lang, "sort.goes_to", &[("parcel", code.clone()), ("bag", b.bag_no.clone())]),
                None => fill(
                    lang,
                    "sort.no_bag",
                    &[
                        ("parcel", code.clone()),
                        ("channel", a.channel.clone()),
                        ("dest", a.destination.clone()),
                    ],
                ),
            };
            Ok(layout::back(&user, &format!("/console/sort?parcel={}", urlencode(&code)), Flash::ok(text)))
        }
        Err(e) => {
            let flash = layout::refusal(&user, e)?.scanned(&code).expected(t(lang, "sort.expect_parcel"));
            Ok(layout::back(&user, "/console/sort", flash))
        }
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct OpenBagForm {
    parcel: String,
}

/// Opens the bag of the waiting parcel's channel and destination (a button:
/// a scanner's Enter never opens a bag) and prints its label.
pub async fn open_bag(
    state: web::Data<AppState>,
    post: Post<OpenBagForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Shipping)?;
    let (actor, now, parcel) = (user.actor(), state.clock.now(), form.parcel.trim().to_owned());
    let input = crate::shipping::service::OpenBagInput {
        parcel: Some(parcel.clone()),
        channel: None,
        destination: None,
    };
    let lang = user.lang;
    let result = crate::db::transact(&state.pool, move |tx| {
        crate::shipping::service::open_bag(tx, &input, &actor, now)
    })
    .await;
    let result = result.map(|(b, _)| Flash::ok(fill(lang, "sort.opened", &[("bag", b.bag_no)])));
    layout::outcome(&user, &format!("/console/sort?parcel={}", urlencode(&parcel)), result)
}

fn t(lang: crate::console::i18n::Lang, key: &str) -> &'static str {
    crate::console::i18n::t(lang, key)
}

#[derive(Template)]
#[template(path = "console/bag.html")]
struct BagPage {
    ui: Ui,
    bag: crate::shipping::service::BagDetail,
    can_decide: bool,
}

/// A bag: its parcels, closing it with its weight, a supervisor's decision
/// on a held one.
pub async fn bag(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let ui = Ui::for_user(&user, Area::Shipping, "bag.title");
    let code = path.into_inner();
    let bag = crate::db::run(&state.pool, move |c| crate::shipping::service::get(c, &code)).await?;
    let can_decide = user.role.covers(crate::auth::Role::Supervisor);
    layout::page(StatusCode::OK, &BagPage { ui, bag, can_decide })
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct CloseForm {
    weight_g: String,
}

pub async fn close_bag(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<CloseForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::Shipping)?;
    let bag_no = path.into_inner();
    let lang = user.lang;
    let to = format!("/console/bags/{}", urlencode(&bag_no));
    let Ok(weight) = form.weight_g.trim().parse::<i64>() else {
        let flash = Flash::error(t(lang, "bag.weight_number")).scanned(&form.weight_g);
        return Ok(layout::back(&user, &to, flash));
    };
    let (actor, now, code) = (user.actor(), state.clock.now(), bag_no.clone());
    let input = crate::shipping::service::CloseBagInput { weight_g: weight };
    let result = crate::db::transact(&state.pool, move |tx| {
        crate::shipping::service::close_bag(tx, &code, &input, &actor, now)
    })
    .await;
    let result = result.map(|b| match b.hold_reason {
        Some(reason) => Flash::error(fill(lang, "bag.held", &[("bag", b.bag_no), ("reason", reason)])),
        None => Flash::ok(fill(lang, "bag.closed", &[("bag", b.bag_no), ("n", b.parcel_count.to_string())])),
    });
    layout::outcome(&user, &to, result)
}

/// The bag's label, to print from the console.
pub async fn bag_label(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Shipping)?;
    let code = path.into_inner();
    let bag = crate::db::run(&state.pool, move |c| crate::shipping::service::get(c, &code)).await?.bag;
    let body = crate::shipping::service::label(
        &bag,
        &state.config.warehouse_code,
        crate::labels::LabelFormat::Html,
    )?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body))
}
