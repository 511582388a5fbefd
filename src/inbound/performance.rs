//! Supplier performance (dock-to-stock, short/over, QC failures, late
//! flags) and penalties charged by the rules in `penalty_rules` (data: an
//! amount rule per kind, with effective dates).

use serde::Serialize;

use super::asn::Asn;
use super::domain::AsnStatus;
use super::store::{self, PenaltyRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::AppError;
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, AsnId, PenaltyId, SupplierId};

/// Whether a shipment arrives after the arrive-by time of an order it fills.
pub fn arrived_late(conn: &mut DbConn, asn: AsnId, now: Timestamp) -> Result<bool, AppError> {
    for order in super::stock_orders::orders_of(conn, asn)? {
        if store::stock_order(conn, order)?.is_some_and(|o| now > o.arrive_by) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub fn charge_late_arrival(tx: &mut DbConn, asn: &Asn) -> Result<(), AppError> {
    charge(tx, asn, "late_arrival", 1, format!("{} arrived after the arrive-by time", asn.asn_no))
}

pub fn charge_short(tx: &mut DbConn, asn: &Asn, units: i32) -> Result<(), AppError> {
    charge(tx, asn, "short_shipment", units, format!("{units} unit(s) short on {}", asn.asn_no))
}

pub fn charge_quality(tx: &mut DbConn, asn: &Asn, sku_code: &str, units: i32) -> Result<(), AppError> {
    charge(tx, asn, "quality_failure", units, format!("lot of {sku_code} on {} rejected by QC", asn.asn_no))
}

/// Charges the supplier by every rule of `kind` in force now.
fn charge(tx: &mut DbConn, asn: &Asn, kind: &str, units: i32, basis: String) -> Result<(), AppError> {
    let now = Timestamp::now();
    for rule in store::active_rules(tx, kind, now)? {
        let overflow = |e: crate::values::MoneyError| {
            AppError::internal(anyhow::anyhow!("penalty rule {} on {}: {e}", rule.code, asn.asn_no))
        };
        let fixed = crate::values::Money::stored(rule.fixed_minor, &rule.currency).map_err(overflow)?;
        let per_unit = crate::values::Money::stored(rule.per_unit_minor, &rule.currency).map_err(overflow)?;
        let amount = per_unit.times(i64::from(units)).and_then(|v| v.plus(fixed)).map_err(overflow)?.minor();
        let row = PenaltyRow {
            id: PenaltyId::generate(),
            supplier_id: asn.supplier_id,
            asn_id: asn.id,
            rule_id: rule.id,
            kind: kind.into(),
            units,
            amount_minor: amount,
            currency: rule.currency.clone(),
            basis: basis.clone(),
            created_at: now,
        };
        store::insert_penalty(tx, &row)?;
        events::record(
            tx,
            NewEvent {
                event_type: catalog::PENALTY_RECORDED,
                aggregate_id: AggregateId(row.id.0),
                document_no: asn.asn_no.clone(),
                owner: Some(asn.supplier_id),
                payload: serde_json::json!({
                    "penalty_id": row.id, "supplier_id": asn.supplier_id, "asn_no": asn.asn_no,
                    "rule": rule.code, "kind": kind, "units": units,
                    "amount_minor": amount, "currency": rule.currency, "basis": basis,
                }),
            },
        )?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Penalty {
    pub id: PenaltyId,
    pub supplier_id: SupplierId,
    pub asn_id: AsnId,
    pub rule_code: String,
    pub kind: String,
    pub units: i32,
    pub amount_minor: i64,
    pub currency: String,
    pub basis: String,
    pub created_at: Timestamp,
}

pub fn penalties(conn: &mut DbConn, supplier: Option<SupplierId>) -> Result<Vec<Penalty>, AppError> {
    let rules: std::collections::HashMap<_, _> =
        store::all_rules(conn)?.into_iter().map(|r| (r.id, r.code)).collect();
    Ok(store::penalties_of(conn, supplier, 500)?
        .into_iter()
        .map(|p| Penalty {
            id: p.id,
            supplier_id: p.supplier_id,
            asn_id: p.asn_id,
            rule_code: rules.get(&p.rule_id).cloned().unwrap_or_default(),
            kind: p.kind,
            units: p.units,
            amount_minor: p.amount_minor,
            currency: p.currency,
            basis: p.basis,
            created_at: p.created_at,
        })
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PenaltyRule {
    pub code: String,
    pub kind: String,
    pub fixed_minor: i64,
    pub per_unit_minor: i64,
    pub currency: String,
    pub active: bool,
    pub effective_from: Timestamp,
    pub effective_to: Option<Timestamp>,
    pub description: String,
}

pub fn rules(conn: &mut DbConn) -> Result<Vec<PenaltyRule>, AppError> {
    Ok(store::all_rules(conn)?
        .into_iter()
        .map(|r| PenaltyRule {
            code: r.code,
            kind: r.kind,
            fixed_minor: r.fixed_minor,
            per_unit_minor: r.per_unit_minor,
            currency: r.currency,
            active: r.active,
            effective_from: r.effective_from,
            effective_to: r.effective_to,
            description: r.description,
        })
        .collect())
}

/// One shipment's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShipmentPerformance {
    pub asn_id: AsnId,
    pub asn_no: String,
    pub status: AsnStatus,
    pub expected: i64,
    pub received: i64,
    pub short: i64,
    pub over: i64,
    pub damaged: i64,
    pub qc_failed: i64,
    pub dock_to_stock_seconds: Option<i64>,
    pub shipped_late: bool,
    pub arrived_late: bool,
}

/// A supplier's figures over its recent shipments.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupplierPerformance {
    pub supplier_id: SupplierId,
    pub shipments: usize,
    /// Mean dock-to-stock time of completed shipments.
    pub avg_dock_to_stock_seconds: Option<i64>,
    /// Short units / expected units over received shipments.
    pub short_rate: f64,
    pub over_rate: f64,
    /// Units failed by QC / units inspected.
    pub qc_failure_rate: f64,
    pub late_shipments: usize,
    pub late_arrivals: usize,
    /// Penalties charged, one sum per currency (amounts of two currencies
    /// are never added together).
    pub penalties: Vec<crate::catalog::domain::MoneyDto>,
    pub recent: Vec<ShipmentPerformance>,
}

/// Figures over the supplier's last 200 shipments (received or later).
pub fn of_supplier(conn: &mut DbConn, supplier: SupplierId) -> Result<SupplierPerformance, AppError> {
    let rows = store::received_or_refused_asns(conn, supplier, 200)?;
    let mut recent = Vec::new();
    for r in rows {
        let lines = store::lines(conn, r.id)?;
        let sum = |f: fn(&store::AsnLineRow) -> i32| lines.iter().map(|l| i64::from(f(l))).sum::<i64>();
        let expected = sum(|l| l.expected);
        let got = sum(|l| l.received + l.damaged);
        let mut deliver_by = None;
        let mut arrive_by = None;
        for order in super::stock_orders::orders_of(conn, r.id)? {
            if let Some(o) = store::stock_order(conn, order)? {
                deliver_by = Some(deliver_by.map_or(o.deliver_by, |d: Timestamp| d.min(o.deliver_by)));
                arrive_by = Some(arrive_by.map_or(o.arrive_by, |d: Timestamp| d.min(o.arrive_by)));
            }
        }
        recent.push(ShipmentPerformance {
            asn_id: r.id,
            asn_no: r.asn_no.clone(),
            status: AsnStatus::stored(&r.status, || format!("shipment {}", r.asn_no))?,
            expected,
            received: sum(|l| l.received),
            short: lines.iter().map(|l| i64::from((l.expected - l.received - l.damaged).max(0))).sum(),
            over: (got - expected)
                .max(0)
                .min(lines.iter().map(|l| i64::from((l.received + l.damaged - l.expected).max(0))).sum()),
            damaged: sum(|l| l.damaged),
            qc_failed: sum(|l| l.qc_failed),
            dock_to_stock_seconds: match (r.arrived_at, r.completed_at) {
                (Some(a), Some(c)) => Some((c.0 - a.0).num_seconds()),
                _ => None,
            },
            shipped_late: matches!((r.submitted_at, deliver_by), (Some(s), Some(d)) if s > d),
            arrived_late: matches!((r.arrived_at, arrive_by), (Some(a), Some(d)) if a > d),
        });
    }
    let expected: i64 = recent.iter().map(|s| s.expected).sum();
    let ratio = |n: i64, d: i64| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let inspected: i64 = recent.iter().map(|s| s.received).sum();
    let d2s: Vec<i64> = recent.iter().filter_map(|s| s.dock_to_stock_seconds).collect();
    let mut totals = crate::values::Totals::default();
    for p in penalties(conn, Some(supplier))? {
        let amount = crate::values::Money::stored(p.amount_minor, &p.currency)
            .map_err(|e| AppError::internal(anyhow::anyhow!("penalty {}: {e}", p.id)))?;
        totals
            .add(amount)
            .map_err(|e| AppError::internal(anyhow::anyhow!("penalties of {supplier}: {e}")))?;
    }
    let penalties = totals
        .amounts()
        .into_iter()
        .map(|m| crate::catalog::domain::MoneyDto {
            amount_minor: m.minor(),
            currency: m.currency().as_str().into(),
        })
        .collect();
    Ok(SupplierPerformance {
        supplier_id: supplier,
        shipments: recent.len(),
        avg_dock_to_stock_seconds: (!d2s.is_empty()).then(|| d2s.iter().sum::<i64>() / d2s.len() as i64),
        short_rate: ratio(recent.iter().map(|s| s.short).sum(), expected),
        over_rate: ratio(recent.iter().map(|s| s.over).sum(), expected),
        qc_failure_rate: ratio(recent.iter().map(|s| s.qc_failed).sum(), inspected),
        late_shipments: recent.iter().filter(|s| s.shipped_late).count(),
        late_arrivals: recent.iter().filter(|s| s.arrived_late).count(),
        penalties,
        recent,
    })
}
