//! Return requests and the return policy's versions: a request is checked
//! against what the order delivered and what is already coming back,
//! decided under the version in force when it came in, and recorded with
//! the decision and the costs each party bears, together with its events.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::domain::{
    CostKind, Disposition, Grade, Party, ReasonClass, ReasonCode, ReturnStatus, ReturnStep, ReturnType,
    WeightFlag,
};
use super::policy::{self, Decision, LineIn, Rules};
use super::store::{self, LiabilityRow, LineRow, PolicyRow, ReturnRow};
use crate::catalog::domain::MoneyDto;
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, ReturnId, ReturnLiabilityId, ReturnPolicyId, SkuId, SupplierId};
use crate::money::Money;
use crate::outbound::orders::{self, OrderStatus};
use crate::values;

/// A version of a market's return policy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyVersion {
    pub id: ReturnPolicyId,
    pub market: String,
    pub version: i32,
    pub effective_from: Timestamp,
    pub rules: Rules,
    pub note: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

fn policy_view(r: PolicyRow) -> Result<PolicyVersion, AppError> {
    let rules: Rules = serde_json::from_str(&r.rules)
        .map_err(|e| AppError::internal(anyhow::anyhow!("return policy {} v{}: {e}", r.market, r.version)))?;
    Ok(PolicyVersion {
        id: r.id,
        market: r.market,
        version: r.version,
        effective_from: r.effective_from,
        rules,
        note: r.note,
        created_by: r.created_by,
        created_at: r.created_at,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicyInput {
    /// The market (two letters, e.g. `US`).
    pub market: String,
    /// When it takes effect: after the market's latest version, and not in
    /// the past (a decision once made is never made under another version).
    pub effective_from: Timestamp,
    pub rules: Rules,
    #[serde(default)]
    pub note: String,
}

/// Adds a version of a market's policy (versions are never edited).
pub fn add_policy(
    tx: &mut DbConn,
    input: &NewPolicyInput,
    actor: &str,
    now: Timestamp,
) -> Result<PolicyVersion, AppError> {
    let market =
        values::CountryCode::parse("market", &input.market).map_err(|e| AppError::validation(vec![e]))?;
    let note = values::optional_text("note", &input.note, 500).map_err(|e| AppError::validation(vec![e]))?;
    input.rules.check().map_err(AppError::validation)?;
    crate::db::lock_key(tx, &format!("return-policy\n{}", market.as_str()))?;
    let latest = store::latest_policy(tx, market.as_str())?;
    if input.effective_from < now {
        return Err(AppError::invalid(
            "effective_from",
            "in_the_past",
            "A new version takes effect now or later: decisions already made stay under their version.",
        ));
    }
    if let Some(l) = &latest
        && input.effective_from <= l.effective_from
    {
        return Err(AppError::invalid(
            "effective_from",
            "before_latest",
            format!("must be after version {}'s {}", l.version, l.effective_from.0.to_rfc3339()),
        ));
    }
    let row = PolicyRow {
        id: ReturnPolicyId::generate(),
        market: market.as_str().into(),
        version: latest.map_or(1, |l| l.version + 1),
        effective_from: input.effective_from,
        rules: serde_json::to_string(&input.rules).map_err(|e| AppError::internal(anyhow::Error::new(e)))?,
        note,
        created_by: actor.into(),
        created_at: now,
    };
    store::insert_policy(tx, &row)?;
    let v = policy_view(row)?;
    events::record(
        tx,
        NewEvent {
            event_type: catalog::RETURN_POLICY_ADDED,
            aggregate_id: AggregateId(v.id.0),
            document_no: format!("{}-v{}", v.market, v.version),
            owner: None,
            payload: serde_json::json!({
                "market": v.market, "version": v.version, "effective_from": v.effective_from, "rules": v.rules,
            }),
        },
    )?;
    Ok(v)
}

pub fn policies(conn: &mut DbConn, market: Option<&str>) -> Result<Vec<PolicyVersion>, AppError> {
    let market = market.map(|m| m.trim().to_ascii_uppercase());
    store::policies(conn, market.as_deref())?.into_iter().map(policy_view).collect()
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    /// The order line's number.
    pub line_no: i32,
    pub quantity: i64,
}

/// The platform's return request.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// The platform's id of the return: the same id again answers the
    /// return made the first time.
    pub platform_return_id: String,
    /// Our order number (`ORD-…`) or the platform's order id.
    pub order: String,
    #[serde(rename = "type")]
    pub return_type: ReturnType,
    pub reason: ReasonCode,
    pub lines: Vec<ReturnLineInput>,
    /// The buyer's return parcel's tracking number, once shipped.
    #[serde(default)]
    pub return_tracking_no: Option<String>,
    /// What the buyer's return shipping costs (the order's currency).
    #[serde(default)]
    pub return_shipping_cost: Option<MoneyDto>,
}

/// A line of a return.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReturnLine {
    pub line_no: i32,
    pub sku_id: SkuId,
    pub quantity: i32,
    pub unit_price: MoneyDto,
    /// The buyer keeps these units (none come back).
    pub keep: bool,
}

/// A cost of the return and who bears it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReturnLiability {
    pub party: Party,
    /// The supplier whose goods a supplier-borne cost is for.
    pub supplier_id: Option<SupplierId>,
    pub kind: CostKind,
    pub amount: MoneyDto,
}

/// The policy version a return was decided under.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyRef {
    pub id: ReturnPolicyId,
    pub market: String,
    pub version: i32,
    pub effective_from: Timestamp,
}

/// A return as the API shows it. No buyer data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Return {
    pub id: ReturnId,
    pub return_no: String,
    pub platform_return_id: String,
    pub order_no: String,
    #[serde(rename = "type")]
    pub return_type: ReturnType,
    pub reason: ReasonCode,
    pub reason_class: ReasonClass,
    pub status: ReturnStatus,
    pub parcel_expected: bool,
    pub return_tracking_no: Option<String>,
    pub refund: MoneyDto,
    pub return_shipping_cost: Option<MoneyDto>,
    pub policy: PolicyRef,
    pub decision: Decision,
    pub lines: Vec<ReturnLine>,
    pub liabilities: Vec<ReturnLiability>,
    pub requested_at: Timestamp,
    /// At the returns desk: when, by whom, and its weight against what was
    /// shipped.
    pub arrival: Option<ArrivalInfo>,
    /// The units that came back, with their grades and dispositions.
    pub units: Vec<ReturnUnit>,
    /// Photos taken at the desk (a supplier sees those of its own units).
    pub photos: Vec<super::photos::Photo>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArrivalInfo {
    pub arrived_at: Timestamp,
    pub arrived_by: String,
    pub weight_g: i32,
    /// What the returned units weighed when they left (none: not known).
    pub expected_weight_g: Option<i32>,
    pub weight_flag: Option<WeightFlag>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReturnUnit {
    pub line_no: i32,
    pub unit_no: i32,
    pub grade: Option<Grade>,
    pub grade_note: String,
    pub graded_by: Option<String>,
    pub disposition: Option<Disposition>,
    pub disposed_by: Option<String>,
}

fn bad(e: FieldError) -> AppError {
    AppError::validation(vec![e])
}

/// A request's own fields, checked.
struct Checked {
    platform_id: String,
    tracking: Option<String>,
    /// `(line_no, quantity)` as asked.
    lines: Vec<(i32, i32)>,
}

/// Checks a request's own fields.
fn checked(input: &ReturnRequest) -> Result<Checked, AppError> {
    let mut errors = values::Errors::default();
    let id = errors.take(values::code("platform_return_id", &input.platform_return_id, 64));
    let tracking = match &input.return_tracking_no {
        Some(t) if !t.trim().is_empty() => errors.take(values::code("return_tracking_no", t, 40)).map(Some),
        _ => Some(None),
    };
    if input.lines.is_empty() || input.lines.len() > 200 {
        errors.take::<()>(Err(FieldError::new("lines", "batch_size", "must hold 1 to 200 lines")));
    }
    let mut seen = HashSet::new();
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let q = errors.take(values::positive_i32(&format!("lines[{i}].quantity"), l.quantity, 100_000));
        if !seen.insert(l.line_no) {
            errors.take::<()>(Err(FieldError::new(
                &format!("lines[{i}].line_no"),
                "duplicate",
                "is listed twice",
            )));
        }
        if let Some(q) = q {
            lines.push((l.line_no, q));
        }
    }
    errors.finish()?;
    Ok(Checked { platform_id: id.unwrap_or_default(), tracking: tracking.flatten(), lines })
}

/// Opens a return for a delivered order, decided under the policy of the
/// order's market in force `now`. The same `platform_return_id` again
/// answers the first return (`false`); with another order or other lines
/// it is refused.
pub fn request(tx: &mut DbConn, input: &ReturnRequest, now: Timestamp) -> Result<(Return, bool), AppError> {
    let Checked { platform_id, tracking, lines: asked } = checked(input)?;
    let order = orders::by_reference(tx, &input.order)?;
    orders::lock(tx, order.id)?;
    if let Some(existing) = store::by_platform_id(tx, &platform_id)? {
        let same_lines: Vec<(i32, i32)> =
            store::lines(tx, existing.id)?.iter().map(|l| (l.line_no, l.quantity)).collect();
        let mut asked_sorted = asked.clone();
        asked_sorted.sort_unstable();
        if existing.order_id != order.id || same_lines != asked_sorted {
            return Err(AppError::conflict(
                "platform_return_id_taken",
                format!("This return id is another return already: {platform_id} → {}", existing.return_no),
            ));
        }
        return Ok((view(tx, existing, None)?, false));
    }
    if order.status != OrderStatus::Delivered {
        return Err(AppError::conflict(
            "order_not_delivered",
            format!("A return is for a delivered order: {} is {}", order.order_no, order.status),
        ));
    }
    let sold: BTreeMap<i32, orders::SoldLine> =
        orders::sold_lines(tx, order.id)?.into_iter().map(|l| (l.line_no, l)).collect();
    let holding: Vec<&str> =
        ReturnStatus::ALL.iter().filter(|s| s.holds_units()).map(|s| s.as_str()).collect();
    let mut returning: HashMap<i32, i32> = HashMap::new();
    for (line_no, q) in store::units_returning(tx, order.id, &holding)? {
        *returning.entry(line_no).or_default() += q;
    }
    let mut errors = Vec::new();
    let mut lines_in = Vec::new();
    for (i, (line_no, q)) in asked.iter().enumerate() {
        let Some(line) = sold.get(line_no) else {
            errors.push(FieldError::new(
                &format!("lines[{i}].line_no"),
                "unknown_line",
                format!("order {} has no line {line_no}", order.order_no),
            ));
            continue;
        };
        let already = returning.get(line_no).copied().unwrap_or(0);
        let left = line.quantity - already;
        if *q > left {
            errors.push(FieldError::new(
                &format!("lines[{i}].quantity"),
                "over_return",
                format!(
                    "line {line_no}: {q} asked, at most {left} ({} delivered, {already} already returning)",
                    line.quantity
                ),
            ));
            continue;
        }
        let price = Money::stored(line.unit_price_minor, &line.currency)
            .map_err(|e| AppError::internal(anyhow::anyhow!("order line price: {e}")))?;
        lines_in.push(LineIn { line_no: *line_no, quantity: *q, unit_price: price });
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let currency = sold.values().next().map(|l| l.currency.clone()).unwrap_or_default();
    let shipping = match &input.return_shipping_cost {
        Some(m) => Some(Money::price("return_shipping_cost", m.amount_minor, &m.currency).map_err(bad)?),
        None => None,
    };
    if let Some(s) = shipping
        && s.currency().as_str() != currency
    {
        return Err(AppError::invalid(
            "return_shipping_cost.currency",
            "currency_mismatch",
            format!("must be the order's currency, {currency}"),
        ));
    }
    let Some(policy_row) = store::policy_at(tx, &order.market, now)? else {
        return Err(AppError::conflict(
            "no_return_policy",
            format!("No return policy is in force for this market: {}", order.market),
        ));
    };
    let version = policy_view(policy_row)?;
    let class = input.reason.class();
    let decision = policy::decide(&version.rules, class, input.return_type, &lines_in, shipping).map_err(
        |e| match e {
            policy::DecideError::Currency(why) => AppError::conflict("policy_currency_mismatch", why),
            policy::DecideError::Money(e) => AppError::internal(anyhow::anyhow!("return decision: {e}")),
        },
    )?;
    let step = if decision.parcel_expected { ReturnStep::ExpectParcel } else { ReturnStep::KeepGoods };
    let status = ReturnStatus::Requested
        .next(step)
        .map_err(|code| AppError::internal(anyhow::anyhow!("a new return cannot {step}: {code}")))?;
    let id = ReturnId::generate();
    let row = ReturnRow {
        id,
        return_no: crate::db::docno::next(tx, "RET")?,
        platform_return_id: platform_id,
        order_id: order.id,
        return_type: input.return_type.as_str().into(),
        reason_code: input.reason.as_str().into(),
        reason_class: class.as_str().into(),
        status: status.as_str().into(),
        return_tracking_no: tracking,
        policy_id: version.id,
        decision: serde_json::to_string(&decision).map_err(|e| AppError::internal(anyhow::Error::new(e)))?,
        currency: decision.currency.clone(),
        refund_minor: decision.refund_minor,
        shipping_cost_minor: shipping.map(|s| s.minor()),
        requested_at: now,
        created_at: now,
        updated_at: now,
        arrived_at: None,
        arrived_by: None,
        arrival_weight_g: None,
        expected_weight_g: None,
        weight_flag: None,
    };
    let keep: HashMap<i32, bool> = decision.lines.iter().map(|l| (l.line_no, l.keep)).collect();
    let line_rows: Vec<LineRow> = lines_in
        .iter()
        .map(|l| {
            let s = &sold[&l.line_no];
            LineRow {
                return_id: id,
                line_no: l.line_no,
                sku_id: s.sku_id,
                owner_id: s.owner_id,
                quantity: l.quantity,
                unit_price_minor: l.unit_price.minor(),
                keep: keep.get(&l.line_no).copied().unwrap_or(false),
            }
        })
        .collect();
    let liabilities = allocate(&decision, &line_rows, id, now);
    store::insert(tx, &row, &line_rows, &liabilities)?;
    let out = view(tx, row, None)?;
    let owners: HashSet<SupplierId> = line_rows.iter().map(|l| l.owner_id).collect();
    let owner = if owners.len() == 1 { owners.into_iter().next() } else { None };
    let payload = serde_json::json!({
        "return_id": out.id, "return_no": out.return_no, "platform_return_id": out.platform_return_id,
        "order_no": out.order_no, "type": out.return_type, "reason": out.reason, "reason_class": out.reason_class,
        "status": out.status, "parcel_expected": out.parcel_expected, "refund": out.refund,
        "policy": {"market": out.policy.market, "version": out.policy.version},
        "lines": out.lines, "liabilities": out.liabilities,
    });
    let event = |event_type| NewEvent {
        event_type,
        aggregate_id: AggregateId(id.0),
        document_no: out.return_no.clone(),
        owner,
        payload: payload.clone(),
    };
    events::record(tx, event(catalog::RETURN_REQUESTED))?;
    if status == ReturnStatus::RefundedWithoutReturn {
        events::record(tx, event(catalog::RETURN_REFUNDED_WITHOUT_RETURN))?;
    }
    Ok((out, true))
}

/// The decision's costs as rows: a supplier-borne cost is split between
/// the suppliers whose goods are returned, by the value of their lines
/// (the remainder of the division to the largest share).
fn allocate(d: &Decision, lines: &[LineRow], id: ReturnId, now: Timestamp) -> Vec<LiabilityRow> {
    let mut value: BTreeMap<SupplierId, i64> = BTreeMap::new();
    for l in lines {
        *value.entry(l.owner_id).or_default() += l.unit_price_minor * i64::from(l.quantity);
    }
    let total: i64 = value.values().sum();
    let mut out = Vec::new();
    for l in &d.liabilities {
        let row = |owner, amount| LiabilityRow {
            id: ReturnLiabilityId::generate(),
            return_id: id,
            party: l.party.as_str().into(),
            owner_id: owner,
            kind: l.kind.as_str().into(),
            amount_minor: amount,
            currency: l.currency.clone(),
            created_at: now,
        };
        if l.party != Party::Supplier || total == 0 {
            out.push(row(None, l.amount_minor));
            continue;
        }
        let mut shares: Vec<(SupplierId, i64)> = value
            .iter()
            .map(|(o, v)| {
                (
                    *o,
                    i64::try_from(i128::from(l.amount_minor) * i128::from(*v) / i128::from(total))
                        .unwrap_or(0),
                )
            })
            .collect();
        let rest = l.amount_minor - shares.iter().map(|(_, a)| a).sum::<i64>();
        if let Some(largest) = shares.iter_mut().max_by_key(|(o, _)| value[o]) {
            largest.1 += rest;
        }
        out.extend(shares.into_iter().filter(|(_, a)| *a > 0).map(|(o, a)| row(Some(o), a)));
    }
    out
}

/// The return as `supplier` may see it (its own lines and the costs it
/// bears), or whole.
fn view(conn: &mut DbConn, r: ReturnRow, supplier: Option<SupplierId>) -> Result<Return, AppError> {
    let what = || format!("return {}", r.return_no);
    let decision: Decision = serde_json::from_str(&r.decision)
        .map_err(|e| AppError::internal(anyhow::anyhow!("{}: decision: {e}", what())))?;
    let p = store::policy(conn, r.policy_id)?;
    let order_no = orders::numbers(conn, &[r.order_id])?.remove(&r.order_id).map(|n| n.0).unwrap_or_default();
    let money = |minor| MoneyDto { amount_minor: minor, currency: r.currency.clone() };
    let lines: Vec<ReturnLine> = store::lines(conn, r.id)?
        .into_iter()
        .filter(|l| supplier.is_none_or(|s| l.owner_id == s))
        .map(|l| ReturnLine {
            line_no: l.line_no,
            sku_id: l.sku_id,
            quantity: l.quantity,
            unit_price: money(l.unit_price_minor),
            keep: l.keep,
        })
        .collect();
    let liabilities = store::liabilities(conn, r.id)?
        .into_iter()
        .filter(|l| supplier.is_none_or(|s| l.owner_id == Some(s)))
        .map(|l| {
            Ok(ReturnLiability {
                party: Party::stored(&l.party, what)?,
                supplier_id: l.owner_id,
                kind: CostKind::stored(&l.kind, what)?,
                amount: MoneyDto { amount_minor: l.amount_minor, currency: l.currency },
            })
        })
        .collect::<Result<_, AppError>>()?;
    let shown: HashSet<i32> = lines.iter().map(|l| l.line_no).collect();
    let units = store::units(conn, r.id)?
        .into_iter()
        .filter(|u| shown.contains(&u.line_no))
        .map(|u| {
            Ok(ReturnUnit {
                line_no: u.line_no,
                unit_no: u.unit_no,
                grade: u.grade.as_deref().map(|g| Grade::stored(g, what)).transpose()?,
                grade_note: u.grade_note,
                graded_by: u.graded_by,
                disposition: u.disposition.as_deref().map(|d| Disposition::stored(d, what)).transpose()?,
                disposed_by: u.disposed_by,
            })
        })
        .collect::<Result<_, AppError>>()?;
    let arrival = match (r.arrived_at, r.arrived_by.clone(), r.arrival_weight_g) {
        (Some(at), Some(by), Some(w)) => Some(ArrivalInfo {
            arrived_at: at,
            arrived_by: by,
            weight_g: w,
            expected_weight_g: r.expected_weight_g,
            weight_flag: r.weight_flag.as_deref().map(|f| WeightFlag::stored(f, what)).transpose()?,
        }),
        _ => None,
    };
    let shown_lines: Option<Vec<i32>> = supplier.map(|_| shown.iter().copied().collect());
    let photos = super::photos::of_return(conn, r.id, &r.return_no, shown_lines.as_deref())?;
    Ok(Return {
        arrival,
        units,
        photos,
        id: r.id,
        return_type: ReturnType::stored(&r.return_type, what)?,
        reason: ReasonCode::stored(&r.reason_code, what)?,
        reason_class: ReasonClass::stored(&r.reason_class, what)?,
        status: ReturnStatus::stored(&r.status, what)?,
        return_no: r.return_no,
        platform_return_id: r.platform_return_id,
        order_no,
        parcel_expected: decision.parcel_expected,
        return_tracking_no: r.return_tracking_no,
        refund: money(r.refund_minor),
        return_shipping_cost: r.shipping_cost_minor.map(money),
        policy: PolicyRef {
            id: p.id,
            market: p.market,
            version: p.version,
            effective_from: p.effective_from,
        },
        decision,
        lines,
        liabilities,
        requested_at: r.requested_at,
    })
}

/// A return by its number; a supplier only sees one with its goods.
pub fn get(conn: &mut DbConn, return_no: &str, supplier: Option<SupplierId>) -> Result<Return, AppError> {
    let r =
        store::by_no(conn, &return_no.trim().to_ascii_uppercase())?.ok_or(AppError::not_found("return"))?;
    if let Some(s) = supplier
        && !store::lines(conn, r.id)?.iter().any(|l| l.owner_id == s)
    {
        return Err(AppError::not_found("return"));
    }
    view(conn, r, supplier)
}

/// Returns, newest first (the last 200): all, or a supplier's.
pub fn list(
    conn: &mut DbConn,
    supplier: Option<SupplierId>,
    status: Option<ReturnStatus>,
) -> Result<Vec<Return>, AppError> {
    store::list(conn, supplier, status.map(|s| s.as_str()), 200)?
        .into_iter()
        .map(|r| view(conn, r, supplier))
        .collect()
}

/// A return's number.
pub(crate) fn number_of(conn: &mut DbConn, id: ReturnId) -> Result<String, AppError> {
    Ok(store::by_id(conn, id)?.ok_or(AppError::not_found("return"))?.return_no)
}

/// The number of a return's order.
pub(crate) fn order_no_of(conn: &mut DbConn, r: &ReturnRow) -> Result<String, AppError> {
    orders::numbers(conn, &[r.order_id])?.remove(&r.order_id).map(|n| n.0).ok_or(AppError::not_found("order"))
}

/// The one supplier whose goods a return holds, if only one's: its events
/// show in that supplier's feed.
pub(crate) fn sole_owner(conn: &mut DbConn, id: ReturnId) -> Result<Option<SupplierId>, AppError> {
    let owners: HashSet<SupplierId> = store::lines(conn, id)?.into_iter().map(|l| l.owner_id).collect();
    Ok(if owners.len() == 1 { owners.into_iter().next() } else { None })
}

/// Returns past their grading deadline: arrived more than `hours` before
/// `now` and not fully graded, oldest first.
pub fn overdue(
    conn: &mut DbConn,
    supplier: Option<SupplierId>,
    hours: i64,
    now: Timestamp,
) -> Result<Vec<Return>, AppError> {
    let cutoff = now - chrono::Duration::hours(hours);
    store::overdue(conn, cutoff, supplier)?.into_iter().map(|r| view(conn, r, supplier)).collect()
}

/// The platform withdraws a return before its parcel arrived: its units
/// may be returned again; its costs are withdrawn with it (`return.cancelled`).
pub fn cancel(tx: &mut DbConn, no: &str, now: Timestamp) -> Result<Return, AppError> {
    let r = store::by_no(tx, &no.trim().to_ascii_uppercase())?.ok_or(AppError::not_found("return"))?;
    let status = ReturnStatus::stored(&r.status, || format!("return {}", r.return_no))?;
    let to = status.next(ReturnStep::Cancel).map_err(|code| {
        AppError::conflict(
            code,
            format!("This return can no longer be cancelled: {} is {status}", r.return_no),
        )
    })?;
    if store::move_status(tx, r.id, status.as_str(), to.as_str(), now)? != 1 {
        return Err(AppError::conflict(
            "return_moved",
            format!("The return changed meanwhile: {}", r.return_no),
        ));
    }
    let out = get(tx, &r.return_no, None)?;
    let owner = sole_owner(tx, r.id)?;
    events::record(
        tx,
        NewEvent {
            event_type: catalog::RETURN_CANCELLED,
            aggregate_id: AggregateId(r.id.0),
            document_no: out.return_no.clone(),
            owner,
            payload: serde_json::json!({
                "return_id": out.id, "return_no": out.return_no, "platform_return_id": out.platform_return_id,
                "order_no": out.order_no, "status": out.status,
            }),
        },
    )?;
    Ok(out)
}
