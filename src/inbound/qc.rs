//! Quality inspection (质检 / 抽检) by ISO 2859-1 single sampling, normal
//! inspection: one lot per SKU of a shipment. Major defects are judged at
//! the configured AQL (default 2.5); critical ones (counterfeit, empty box)
//! at AQL 0: any one rejects the lot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::asn::{self, status_of};
use super::domain::{AsnAction, AsnStatus, DefectCode, InspectionStatus, lot_decision};
use super::sampling::{self, Aql, InspectionLevel};
use super::store::{self, InspectionRow, SampleRow};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, AsnId, InspectionId, SkuId};
use crate::stock::{self, Bucket, Movement, Place, Reason};

/// How lots are planned (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct QcSettings {
    pub aql: Aql,
    pub level: InspectionLevel,
}

impl Default for QcSettings {
    fn default() -> Self {
        Self { aql: Aql::from_thousandths(2500).expect("2.5 is a preferred AQL"), level: InspectionLevel::II }
    }
}

/// Plans the inspection of `lot_size` units of one SKU of a shipment.
pub fn plan_lot(
    tx: &mut DbConn,
    asn: AsnId,
    sku: SkuId,
    lot_size: i32,
    s: &QcSettings,
) -> Result<(), AppError> {
    let plan = sampling::plan(lot_size.max(0) as u32, s.level, s.aql).map_err(AppError::internal)?;
    let row = InspectionRow {
        id: InspectionId::generate(),
        asn_id: asn,
        sku_id: sku,
        lot_size,
        aql: s.aql.to_string(),
        inspection_level: s.level.to_string(),
        code_letter: plan.code_letter.to_string(),
        sample_size: plan.sample_size as i32,
        accept_no: plan.accept as i32,
        reject_no: plan.reject as i32,
        sampled: 0,
        major_defects: 0,
        critical_defects: 0,
        status: InspectionStatus::Pending.as_str().into(),
        inspector: None,
        started_at: None,
        completed_at: None,
        created_at: Timestamp::now(),
    };
    store::insert_inspection(tx, &row)?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sample {
    pub unit_no: i32,
    /// `pass` or `defect`.
    pub result: String,
    pub defect_code: Option<DefectCode>,
    pub critical: bool,
    pub note: String,
    pub photo_url: Option<String>,
    pub actor: String,
    pub created_at: Timestamp,
}

/// One inspection lot with its plan and what was found so far.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lot {
    pub id: InspectionId,
    pub asn_id: AsnId,
    pub sku_id: SkuId,
    pub sku_code: String,
    pub barcode: String,
    pub name_zh: String,
    pub name_en: String,
    pub lot_size: i32,
    /// AQL for major defects; critical defects are judged at 0.
    pub aql: String,
    pub inspection_level: String,
    pub code_letter: String,
    pub sample_size: i32,
    /// Accept with at most this many major defects.
    pub accept_no: i32,
    /// Reject at this many major defects.
    pub reject_no: i32,
    pub sampled: i32,
    pub major_defects: i32,
    pub critical_defects: i32,
    pub status: InspectionStatus,
    pub inspector: Option<String>,
    pub completed_at: Option<Timestamp>,
    /// Set once decided: units to be put away / going back to the supplier.
    pub passed: Option<i32>,
    pub returned: Option<i32>,
    pub samples: Vec<Sample>,
}

fn to_lot(conn: &mut DbConn, r: InspectionRow) -> Result<Lot, AppError> {
    let sku = crate::catalog::service::sku_row(conn, r.sku_id)?.ok_or(AppError::not_found("sku"))?;
    let samples = store::samples(conn, r.id)?
        .into_iter()
        .map(|s| {
            let code = s.defect_code.as_deref().and_then(DefectCode::from_db);
            Sample {
                unit_no: s.unit_no,
                result: s.result,
                critical: code.is_some_and(|c| c.is_critical()),
                defect_code: code,
                note: s.note,
                photo_url: s.photo_url,
                actor: s.actor,
                created_at: s.created_at,
            }
        })
        .collect();
    let status = InspectionStatus::stored(&r.status, || format!("inspection lot {}", r.id))?;
    let (passed, returned) = match status {
        InspectionStatus::Accepted => {
            let bad = r.major_defects + r.critical_defects;
            (Some(r.lot_size - bad), Some(bad))
        }
        InspectionStatus::Rejected => (Some(0), Some(r.lot_size)),
        _ => (None, None),
    };
    Ok(Lot {
        id: r.id,
        asn_id: r.asn_id,
        sku_id: r.sku_id,
        sku_code: sku.sku_code,
        barcode: sku.barcode,
        name_zh: sku.name_zh,
        name_en: sku.name_en,
        lot_size: r.lot_size,
        aql: r.aql,
        inspection_level: r.inspection_level,
        code_letter: r.code_letter,
        sample_size: r.sample_size,
        accept_no: r.accept_no,
        reject_no: r.reject_no,
        sampled: r.sampled,
        major_defects: r.major_defects,
        critical_defects: r.critical_defects,
        status,
        inspector: r.inspector,
        completed_at: r.completed_at,
        passed,
        returned,
        samples,
    })
}

impl Lot {
    /// What recording one more sampled unit would decide: a pass (`None`)
    /// or a defect of that code. The console asks before a defect that
    /// rejects the whole lot.
    pub fn would_decide(&self, defect: Option<DefectCode>) -> Option<InspectionStatus> {
        let critical = defect.is_some_and(|d| d.is_critical());
        lot_decision(
            self.sample_size,
            self.reject_no,
            self.sampled + 1,
            self.major_defects + i32::from(defect.is_some() && !critical),
            self.critical_defects + i32::from(critical),
        )
    }

    pub fn is_decided(&self) -> bool {
        matches!(self.status, InspectionStatus::Accepted | InspectionStatus::Rejected)
    }
}

/// A shipment's lots (`owner`: a supplier sees only its own shipments).
pub fn lots(
    conn: &mut DbConn,
    id: AsnId,
    owner: Option<crate::ids::SupplierId>,
) -> Result<Vec<Lot>, AppError> {
    asn::get(conn, id, owner)?;
    let rows = store::inspections(conn, id)?;
    rows.into_iter().map(|r| to_lot(conn, r)).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SampleResult {
    Pass,
    Defect,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleInput {
    pub result: SampleResult,
    /// Required for a defect; not allowed for a pass.
    #[serde(default)]
    pub defect_code: Option<DefectCode>,
    #[serde(default)]
    pub note: String,
    /// A photo of the defect, already uploaded (http or https URL).
    #[serde(default)]
    pub photo_url: Option<String>,
}

/// Records the next sampled unit of a lot. The lot is decided as soon as
/// the plan decides it; when every lot of the shipment is decided, the
/// inspection of the shipment ends.
pub fn record_sample(
    tx: &mut DbConn,
    id: AsnId,
    sku: SkuId,
    input: &SampleInput,
    actor: &str,
) -> Result<Lot, AppError> {
    let mut errs = crate::values::Errors::default();
    match (input.result, input.defect_code) {
        (SampleResult::Defect, None) => {
            errs.0.push(FieldError::new("defect_code", "required", "say what is wrong with the unit"))
        }
        (SampleResult::Pass, Some(_)) => {
            errs.0.push(FieldError::new("defect_code", "not_allowed", "a passed unit has no defect"))
        }
        _ => {}
    }
    if input.note.chars().count() > 500 {
        errs.0.push(FieldError::new("note", "too_long", "at most 500 characters"));
    }
    if input.defect_code == Some(DefectCode::Other) && input.note.trim().is_empty() {
        errs.0.push(FieldError::new("note", "note_required", "say what the defect is when it is other"));
    }
    if let Some(url) = &input.photo_url
        && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 500)
    {
        errs.0.push(FieldError::new("photo_url", "invalid_url", "an http(s) URL of at most 500 characters"));
    }
    errs.finish()?;
    let row = asn::lock(tx, id, None)?;
    let row = match status_of(&row)? {
        AsnStatus::Received | AsnStatus::PartlyReceived => {
            asn::transition(
                tx,
                &row,
                AsnAction::StartInspection,
                catalog::ASN_INSPECTING,
                serde_json::json!({}),
                Timestamp::now(),
            )?;
            store::asn(tx, id)?.ok_or(AppError::not_found("shipment"))?
        }
        AsnStatus::Inspecting => row,
        other => {
            return Err(AppError::conflict(
                "illegal_transition",
                format!("The shipment is {other}; it is not being inspected."),
            ));
        }
    };
    let lot = store::lot_of(tx, id, sku)?.ok_or(AppError::not_found("inspection lot"))?;
    let status = InspectionStatus::stored(&lot.status, || format!("inspection lot {}", lot.id))?;
    if matches!(status, InspectionStatus::Accepted | InspectionStatus::Rejected) {
        return Err(AppError::conflict("lot_decided", format!("This lot is already {status}.")));
    }
    let now = Timestamp::now();
    let critical = input.defect_code.is_some_and(|c| c.is_critical());
    let defect = input.result == SampleResult::Defect;
    store::insert_sample(
        tx,
        &SampleRow {
            inspection_id: lot.id,
            unit_no: lot.sampled + 1,
            result: if defect { "defect" } else { "pass" }.into(),
            defect_code: input.defect_code.map(|c| c.as_str().to_owned()),
            note: input.note.trim().to_owned(),
            photo_url: input.photo_url.clone(),
            actor: actor.into(),
            created_at: now,
        },
    )?;
    let sampled = lot.sampled + 1;
    let major = lot.major_defects + i32::from(defect && !critical);
    let crit = lot.critical_defects + i32::from(critical);
    let decision = lot_decision(lot.sample_size, lot.reject_no, sampled, major, crit);
    let new_status = decision.unwrap_or(InspectionStatus::InProgress);
    store::record_lot_progress(
        tx,
        lot.id,
        &store::LotProgress {
            sampled,
            major_defects: major,
            critical_defects: crit,
            status: new_status.as_str(),
            inspector: actor,
            started_at: lot.started_at.or(Some(now)),
            completed_at: decision.map(|_| now),
        },
    )?;
    if decision.is_some() {
        finish_lot(tx, &row, lot.id, actor)?;
    }
    let lot = store::inspection(tx, lot.id)?;
    to_lot(tx, lot)
}

fn finish_lot(
    tx: &mut DbConn,
    row: &store::AsnRow,
    lot_id: InspectionId,
    actor: &str,
) -> Result<(), AppError> {
    let lot_row = store::inspection(tx, lot_id)?;
    let lot = to_lot(tx, lot_row)?;
    let passed = lot.passed.unwrap_or(0);
    let returned = lot.returned.unwrap_or(0);
    if returned > 0 {
        stock::service::apply(
            tx,
            &Movement {
                owner: row.supplier_id,
                sku: lot.sku_id,
                quantity: returned,
                from: Some(Place::unlocated(Bucket::Qc)),
                to: Some(Place::unlocated(Bucket::RtsHold)),
                reason: Reason::QcRejected,
                document_no: row.asn_no.clone(),
                note: format!("lot {}", lot.status),
                actor: actor.into(),
            },
        )?;
    }
    store::set_qc_result(tx, row.id, lot.sku_id, passed, returned)?;
    if let Some(order) =
        store::lines(tx, row.id)?.iter().find(|l| l.sku_id == lot.sku_id).and_then(|l| l.stock_order_id)
    {
        store::bump_stock_order_line(tx, order, lot.sku_id, 0, 0, passed, 0)?;
    }
    let mut defects: BTreeMap<&str, i32> = BTreeMap::new();
    for s in &lot.samples {
        if let Some(c) = s.defect_code {
            *defects.entry(c.as_str()).or_default() += 1;
        }
    }
    events::record(
        tx,
        NewEvent {
            event_type: catalog::QC_COMPLETED,
            aggregate_id: AggregateId(lot.id.0),
            document_no: row.asn_no.clone(),
            owner: Some(row.supplier_id),
            payload: serde_json::json!({
                "inspection_id": lot.id, "asn_id": row.id, "asn_no": row.asn_no, "supplier_id": row.supplier_id,
                "sku_id": lot.sku_id, "sku_code": lot.sku_code, "lot_size": lot.lot_size,
                "plan": {"aql": lot.aql, "inspection_level": lot.inspection_level, "code_letter": lot.code_letter,
                         "sample_size": lot.sample_size, "accept": lot.accept_no, "reject": lot.reject_no},
                "sampled": lot.sampled, "major_defects": lot.major_defects, "critical_defects": lot.critical_defects,
                "defects": defects, "verdict": lot.status, "passed": passed, "returned": returned,
            }),
        },
    )?;
    if lot.status == InspectionStatus::Rejected {
        let a = asn::get(tx, row.id, None)?;
        super::performance::charge_quality(tx, &a, &lot.sku_code, returned)?;
        // A rejected lot waits in the inbound exceptions queue until a
        // supervisor has dealt with it (return to supplier, dispute).
        store::insert_exception(
            tx,
            &store::ExceptionRow {
                id: crate::ids::ExceptionId::generate(),
                asn_id: row.id,
                carton_no: None,
                kind: super::domain::ExceptionKind::LotRejected.as_str().into(),
                sku_id: Some(lot.sku_id),
                code: lot.sku_code.clone(),
                quantity: returned,
                note: String::new(),
                actor: actor.into(),
                created_at: Timestamp::now(),
                reason: None,
                resolved_at: None,
                resolved_by: None,
                resolution: None,
            },
        )?;
    }
    // The shipment's inspection ends with its last lot.
    let lots = store::inspections(tx, row.id)?;
    let open = lots.iter().any(|l| !matches!(l.status.as_str(), "accepted" | "rejected"));
    if !open {
        let any_passed = store::lines(tx, row.id)?.iter().any(|l| l.qc_passed > 0);
        let row = store::asn(tx, row.id)?.ok_or(AppError::not_found("shipment"))?;
        let event = if any_passed { catalog::ASN_INSPECTED } else { catalog::ASN_RETURNED };
        asn::transition(
            tx,
            &row,
            AsnAction::FinishInspection { any_passed },
            event,
            serde_json::json!({}),
            Timestamp::now(),
        )?;
    }
    Ok(())
}
