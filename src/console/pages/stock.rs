//! Where is it: stock by SKU (found by code, barcode or name) with its
//! buckets, its bins and its ledger; and the supervisors' stock work: moves,
//! adjustments and blind cycle counts.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::inbound::reasons;
use crate::catalog::service::Sku;
use crate::catalog::service::SkuFilter;
use crate::console::error::{self, ConsoleError};
use crate::console::flash::Flash;
use crate::console::i18n::{Lang, fill};
use crate::console::layout::{self, Choice, Ui, urlencode};
use crate::console::session::{Area, ConsoleUser, NoFields, Post};
use crate::console::work::{self, Screen};
use crate::error::AppError;
use crate::http::AppState;
use crate::ids::{SkuId, SupplierId};
use crate::paging::PageRequest;
use crate::stock::counts::{self, CountStatus, CycleCount};
use crate::stock::service::{
    self as stock, AdjustInput, AdjustReason, Balance, LedgerEntry, MoveInput, SkuStock,
};

/// A SKU as the stock pages list it, with its name in the page's language.
pub struct Found {
    pub sku: Sku,
    pub name: String,
    pub supplier: String,
    pub stock: Option<SkuStock>,
}

fn sku_name(lang: Lang, s: &Sku) -> String {
    if lang == Lang::Zh { s.name_zh.clone() } else { s.name_en.clone() }
}

/// The code of each supplier of `skus`.
fn supplier_codes(c: &mut crate::db::DbConn, skus: &[Sku]) -> Result<BTreeMap<SupplierId, String>, AppError> {
    let mut out = BTreeMap::new();
    for s in skus {
        if let std::collections::btree_map::Entry::Vacant(e) = out.entry(s.supplier_id) {
            e.insert(crate::suppliers::service::get(c, s.supplier_id)?.code);
        }
    }
    Ok(out)
}

/// Each SKU with its owner's stock of it.
fn with_stock(c: &mut crate::db::DbConn, lang: Lang, skus: Vec<Sku>) -> Result<Vec<Found>, AppError> {
    let suppliers = supplier_codes(c, &skus)?;
    let mut by_owner: BTreeMap<SupplierId, Vec<(SkuId, String)>> = BTreeMap::new();
    for s in &skus {
        by_owner.entry(s.supplier_id).or_default().push((s.id, s.sku_code.clone()));
    }
    let mut totals: BTreeMap<SkuId, SkuStock> = BTreeMap::new();
    for (owner, list) in by_owner {
        let ids: Vec<SkuId> = list.iter().map(|(id, _)| *id).collect();
        let in_transit = crate::inbound::asn::in_transit_by_sku(c, owner, &ids)?;
        for t in stock::stock_by_sku(c, owner, &list, &in_transit)? {
            totals.insert(t.sku_id, t);
        }
    }
    Ok(skus
        .into_iter()
        .map(|s| Found {
            name: sku_name(lang, &s),
            supplier: suppliers.get(&s.supplier_id).cloned().unwrap_or_default(),
            stock: totals.remove(&s.id),
            sku: s,
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

#[derive(Template)]
#[template(path = "console/stock.html")]
struct StockPage {
    ui: Ui,
    q: String,
    found: Vec<Found>,
    searched: bool,
    can_change: bool,
}

/// `GET /console/stock?q=`: a barcode opens its SKU; a code or a name lists
/// the SKUs that match.
pub async fn search(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Stock)?;
    let ui = Ui::for_user(&user, Area::Stock, "stock.title");
    let q: String = query.q.trim().chars().filter(|c| !c.is_control()).take(64).collect();
    let lang = user.lang;
    let term = q.clone();
    let found = crate::db::run(&state.pool, move |c| {
        if term.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(s) = crate::catalog::service::by_barcode(c, &term)? {
            return with_stock(c, lang, vec![s]);
        }
        let page = PageRequest { after: None, limit: 50 };
        let by_code = SkuFilter { sku_code: Some(term.to_ascii_uppercase()), ..SkuFilter::default() };
        let mut skus = crate::catalog::service::list(c, &by_code, page)?.items;
        if skus.is_empty() {
            let by_text = SkuFilter { q: Some(term.clone()), ..SkuFilter::default() };
            skus = crate::catalog::service::list(c, &by_text, page)?.items;
        }
        with_stock(c, lang, skus)
    })
    .await?;
    if found.len() == 1 && !q.is_empty() {
        return Ok(layout::see_other(&format!("/console/stock/sku/{}", found[0].sku.id)));
    }
    let can_change = user.may(Area::StockAdmin);
    layout::page(StatusCode::OK, &StockPage { ui, searched: !q.is_empty(), q, found, can_change })
}

/// One ledger row for a person: the reason in words; a note shown only
/// where a person typed it (moves, adjustments).
pub struct LedgerRow {
    pub e: LedgerEntry,
    pub typed_note: bool,
}

#[derive(Template)]
#[template(path = "console/stock_sku.html")]
struct SkuPage {
    ui: Ui,
    found: Found,
    balances: Vec<Balance>,
    ledger: Vec<LedgerRow>,
    can_change: bool,
}

pub async fn sku(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::Stock)?;
    let ui = Ui::for_user(&user, Area::Stock, "stock.sku_title");
    let Ok(id) = path.parse::<SkuId>() else {
        return Err(error::for_user(&user, Area::Stock, StatusCode::NOT_FOUND, "err.not_found"));
    };
    let lang = user.lang;
    let found = crate::db::run(&state.pool, move |c| {
        let s = crate::catalog::service::get(c, id, None)?;
        let owner = s.supplier_id;
        let found = with_stock(c, lang, vec![s])?.pop().ok_or(AppError::not_found("sku"))?;
        let balances = stock::balances(c, Some(owner), Some(id), None, 500)?
            .into_iter()
            .filter(|b| b.quantity != 0)
            .collect();
        let ledger = stock::ledger(c, Some(owner), id, 100)?
            .into_iter()
            .map(|e| LedgerRow {
                typed_note: matches!(
                    e.reason.as_str(),
                    "moved" | "adjust_found" | "adjust_lost" | "adjust_damaged" | "held" | "released"
                ) && !e.note.is_empty(),
                e,
            })
            .collect();
        Ok((found, balances, ledger))
    })
    .await;
    match found {
        Ok((found, balances, ledger)) => {
            let can_change = user.may(Area::StockAdmin);
            layout::page(StatusCode::OK, &SkuPage { ui, found, balances, ledger, can_change })
        }
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(&user, Area::Stock, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- moves and adjustments

#[derive(Template)]
#[template(path = "console/stock_change.html")]
struct ChangePage {
    ui: Ui,
    /// `move` or `adjust`.
    kind: &'static str,
    reasons: Vec<Choice>,
}

pub async fn move_form(user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::StockAdmin)?;
    let ui = Ui::for_user(&user, Area::StockAdmin, "stock.move_title");
    layout::page(StatusCode::OK, &ChangePage { ui, kind: "move", reasons: Vec::new() })
}

pub async fn adjust_form(user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::StockAdmin)?;
    let ui = Ui::for_user(&user, Area::StockAdmin, "stock.adjust_title");
    let chosen = ui.kept("reason").to_owned();
    let reasons = reasons(&ui, "adjust_reason", &["found", "lost", "damaged"], &chosen);
    layout::page(StatusCode::OK, &ChangePage { ui, kind: "adjust", reasons })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangeForm {
    barcode: String,
    from_bin: String,
    to_bin: String,
    bin: String,
    quantity: String,
    reason: String,
    note: String,
}

impl ChangeForm {
    fn kept(&self) -> [(&'static str, &str); 7] {
        [
            ("barcode", &self.barcode),
            ("from_bin", &self.from_bin),
            ("to_bin", &self.to_bin),
            ("bin", &self.bin),
            ("quantity", &self.quantity),
            ("reason", &self.reason),
            ("note", &self.note),
        ]
    }
}

fn sku_of(c: &mut crate::db::DbConn, barcode: &str) -> Result<Sku, AppError> {
    crate::catalog::service::by_barcode(c, barcode)?.ok_or_else(|| {
        AppError::invalid(
            "barcode",
            "unknown_barcode",
            format!("No product has the barcode {}.", barcode.trim()),
        )
    })
}

fn quantity(s: &str) -> Result<i32, AppError> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|q| *q > 0)
        .ok_or_else(|| AppError::invalid("quantity", "not_positive", "must be a whole number above zero"))
}

/// A supervisor moves units from one bin to another.
pub async fn move_stock(
    state: web::Data<AppState>,
    post: Post<ChangeForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::StockAdmin)?;
    let (actor, lang) = (user.actor(), user.lang);
    let (barcode, from, to, q, note) = (
        form.barcode.clone(),
        form.from_bin.clone(),
        form.to_bin.clone(),
        form.quantity.clone(),
        form.note.clone(),
    );
    let result = crate::db::transact(&state.pool, move |tx| {
        let sku = sku_of(tx, &barcode)?;
        let input = MoveInput {
            sku_id: sku.id,
            from_bin: from.clone(),
            to_bin: to.clone(),
            quantity: quantity(&q)?,
            bucket: None,
            note: note.clone(),
        };
        stock::move_stock(tx, &input, &actor).map(|c| (c, sku))
    })
    .await;
    match result {
        Ok((c, sku)) => {
            let flash = Flash::ok(fill(
                lang,
                "stock.moved",
                &[
                    ("q", c.quantity.to_string()),
                    ("sku", sku.sku_code),
                    ("from", form.from_bin.to_ascii_uppercase()),
                    ("to", form.to_bin.to_ascii_uppercase()),
                ],
            ));
            Ok(layout::back(&user, &format!("/console/stock/sku/{}", sku.id), flash))
        }
        Err(e) => {
            Ok(layout::back(&user, "/console/stock/move", layout::refusal(&user, e)?.with_form(form.kept())))
        }
    }
}

/// A supervisor adjusts the books: units found, lost or damaged, with the
/// reason chosen on purpose and a note.
pub async fn adjust(
    state: web::Data<AppState>,
    post: Post<ChangeForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::StockAdmin)?;
    let reason = match form.reason.trim() {
        "found" => Some(AdjustReason::Found),
        "lost" => Some(AdjustReason::Lost),
        "damaged" => Some(AdjustReason::Damaged),
        _ => None,
    };
    let Some(reason) = reason else {
        let e = AppError::invalid("reason", "reason_required", "Choose why the stock is adjusted.");
        return Ok(layout::back(
            &user,
            "/console/stock/adjust",
            layout::refusal(&user, e)?.with_form(form.kept()),
        ));
    };
    let (actor, lang) = (user.actor(), user.lang);
    let (barcode, bin, q, note) =
        (form.barcode.clone(), form.bin.clone(), form.quantity.clone(), form.note.clone());
    let result = crate::db::transact(&state.pool, move |tx| {
        let sku = sku_of(tx, &barcode)?;
        let input = AdjustInput {
            sku_id: sku.id,
            bin: bin.clone(),
            quantity: quantity(&q)?,
            reason,
            note: note.clone(),
        };
        stock::adjust(tx, &input, &actor).map(|c| (c, sku))
    })
    .await;
    match result {
        Ok((c, sku)) => {
            let flash = Flash::ok(fill(
                lang,
                "stock.adjusted",
                &[
                    ("q", c.quantity.to_string()),
                    ("sku", sku.sku_code),
                    ("reason", crate::console::i18n::word(lang, "adjust_reason", form.reason.trim())),
                ],
            ));
            Ok(layout::back(&user, &format!("/console/stock/sku/{}", sku.id), flash))
        }
        Err(e) => Ok(layout::back(
            &user,
            "/console/stock/adjust",
            layout::refusal(&user, e)?.with_form(form.kept()),
        )),
    }
}

// ---- blind cycle counts

#[derive(Template)]
#[template(path = "console/counts.html")]
struct CountsPage {
    ui: Ui,
    open: Vec<CycleCount>,
    decided: Vec<CycleCount>,
}

pub async fn counts(state: web::Data<AppState>, user: ConsoleUser) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::StockAdmin)?;
    let ui = Ui::for_user(&user, Area::StockAdmin, "count.title");
    let (open, decided) =
        crate::db::run(&state.pool, |c| Ok((counts::list(c, true, 100)?, counts::list(c, false, 20)?)))
            .await?;
    layout::page(StatusCode::OK, &CountsPage { ui, open, decided })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BinForm {
    code: String,
}

/// Opens a blind count of the bin scanned.
pub async fn start_count(
    state: web::Data<AppState>,
    post: Post<BinForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::StockAdmin)?;
    let actor = user.actor();
    let bin = form.code.clone();
    let result = crate::db::transact(&state.pool, move |tx| {
        counts::start(tx, &counts::StartCount { bin: bin.clone() }, &actor)
    })
    .await;
    match result {
        Ok(c) => Ok(layout::see_other(&format!("/console/counts/{}", urlencode(&c.count_no)))),
        Err(e) => Ok(layout::back(&user, "/console/counts", layout::refusal(&user, e)?.scanned(&form.code))),
    }
}

/// A counter's tally so far: units scanned per barcode.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct CountWork {
    count_no: String,
    /// barcode -> (SKU code, units)
    tally: BTreeMap<String, (String, i32)>,
}

#[derive(Template)]
#[template(path = "console/count.html")]
struct CountPage {
    ui: Ui,
    count: CycleCount,
    tally: Vec<(String, String, i32)>,
    me: String,
}

async fn count_state(
    state: &AppState,
    user: &ConsoleUser,
    no: String,
) -> Result<(CycleCount, CountWork), ConsoleError> {
    let me = user.user_id;
    let found = crate::db::run(&state.pool, move |c| {
        let count = counts::by_no(c, &no)?;
        let w = work::load::<CountWork>(c, me, Screen::Count)?
            .filter(|w| w.count_no == count.count_no)
            .unwrap_or(CountWork { count_no: count.count_no.clone(), tally: BTreeMap::new() });
        Ok((count, w))
    })
    .await;
    match found {
        Ok(x) => Ok(x),
        Err(AppError::NotFound { .. }) => {
            Err(error::for_user(user, Area::StockAdmin, StatusCode::NOT_FOUND, "err.not_found"))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn count(
    state: web::Data<AppState>,
    user: ConsoleUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    user.require(Area::StockAdmin)?;
    let ui = Ui::for_user(&user, Area::StockAdmin, "count.one");
    let (count, w) = count_state(&state, &user, path.into_inner()).await?;
    let tally = w.tally.into_iter().map(|(b, (s, n))| (b, s, n)).collect();
    layout::page(StatusCode::OK, &CountPage { ui, count, tally, me: user.actor() })
}

/// A unit scanned in the bin being counted: one more of its SKU. The
/// counter never sees the books.
pub async fn count_scan(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<BinForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::StockAdmin)?;
    let no = path.into_inner();
    let here = format!("/console/counts/{}", urlencode(&no));
    let (me, lang) = (user.user_id, user.lang);
    let code = form.code.trim().to_ascii_uppercase();
    let c2 = code.clone();
    let result = crate::db::transact(&state.pool, move |tx| {
        let count = counts::by_no(tx, &no)?;
        if count.status != CountStatus::Counting {
            return Err(AppError::conflict(
                "count_not_open",
                format!("Count {} is not being counted.", count.count_no),
            ));
        }
        let sku = sku_of(tx, &c2)?;
        let mut w = work::load::<CountWork>(tx, me, Screen::Count)?
            .filter(|w| w.count_no == count.count_no)
            .unwrap_or(CountWork { count_no: count.count_no.clone(), tally: BTreeMap::new() });
        let n = {
            let e = w.tally.entry(sku.barcode.clone()).or_insert((sku.sku_code.clone(), 0));
            e.1 += 1;
            e.1
        };
        work::save(tx, me, Screen::Count, &w)?;
        Ok(Flash::ok(fill(lang, "count.scanned", &[("sku", sku.sku_code), ("n", n.to_string())])))
    })
    .await;
    let flash = match result {
        Ok(f) => f,
        Err(e) => layout::refusal(&user, e)?.scanned(&code),
    };
    Ok(layout::back(&user, &here, flash))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetForm {
    barcode: String,
    counted: String,
}

/// Keys in the count of one SKU (after scanning one of its units): an
/// explicit action.
pub async fn count_set(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<SetForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::StockAdmin)?;
    let no = path.into_inner();
    let here = format!("/console/counts/{}", urlencode(&no));
    let me = user.user_id;
    let (barcode, counted) =
        (form.barcode.trim().to_ascii_uppercase(), form.counted.trim().parse::<i32>().ok());
    let result = crate::db::transact(&state.pool, move |tx| {
        let mut w = work::load::<CountWork>(tx, me, Screen::Count)?
            .filter(|w| w.count_no == no.to_ascii_uppercase())
            .ok_or_else(|| AppError::conflict("unit_first", "Scan a unit of the SKU first."))?;
        let Some(entry) = w.tally.get_mut(&barcode) else {
            return Err(AppError::conflict("unit_first", "Scan a unit of the SKU first."));
        };
        let Some(n) = counted.filter(|n| (0..=1_000_000).contains(n)) else {
            return Err(AppError::invalid("counted", "not_a_number", "must be a whole number"));
        };
        entry.1 = n;
        work::save(tx, me, Screen::Count, &w)?;
        Ok(())
    })
    .await;
    match result {
        Ok(()) => Ok(layout::see_other(&here)),
        Err(e) => Ok(layout::back(&user, &here, layout::refusal(&user, e)?)),
    }
}

/// Submits the count: what was scanned and keyed. SKUs on the books not
/// counted count as none.
pub async fn count_submit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    let user = post.user;
    user.require(Area::StockAdmin)?;
    let no = path.into_inner();
    let here = format!("/console/counts/{}", urlencode(&no));
    let (me, actor, lang) = (user.user_id, user.actor(), user.lang);
    let result = crate::db::transact(&state.pool, move |tx| {
        let count = counts::by_no(tx, &no)?;
        let w = work::load::<CountWork>(tx, me, Screen::Count)?
            .filter(|w| w.count_no == count.count_no)
            .unwrap_or_default();
        let lines = w
            .tally
            .iter()
            .map(|(b, (_, n))| counts::CountedLine { barcode: Some(b.clone()), sku_id: None, counted: *n })
            .collect();
        let done = counts::submit(tx, count.id, &counts::SubmitCount { lines }, &actor)?;
        work::clear(tx, me, Screen::Count)?;
        Ok(done)
    })
    .await
    .map(|c| Flash::ok(fill(lang, "count.submitted", &[("count", c.count_no)])));
    layout::outcome(&user, &here, result)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    decision: String,
}

/// A second person approves the count (the variance is booked) or rejects
/// it (count again).
pub async fn count_decide(
    state: web::Data<AppState>,
    path: web::Path<String>,
    post: Post<DecideForm>,
) -> Result<HttpResponse, ConsoleError> {
    let Post { user, form } = post;
    user.require(Area::StockAdmin)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(error::bad_form(&user)),
    };
    let no = path.into_inner();
    let here = format!("/console/counts/{}", urlencode(&no));
    let (actor, lang) = (user.actor(), user.lang);
    let result = crate::db::transact(&state.pool, move |tx| {
        let count = counts::by_no(tx, &no)?;
        counts::decide(tx, count.id, approve, &actor)
    })
    .await
    .map(|c| {
        let key = if approve { "count.approved" } else { "count.rejected" };
        Flash::ok(fill(lang, key, &[("count", c.count_no)]))
    });
    layout::outcome(&user, &here, result)
}
