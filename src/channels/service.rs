//! Channel use cases: versions added (never edited), tracking number ranges
//! imported, routing a parcel, its next tracking number.

use serde::{Deserialize, Serialize};

use super::domain::{
    self, ChannelService, CustomsForm, Decision, LabelLayout, Refusal, Rules, ServiceLevel, TrackingSource,
};
use super::store::{self, ChannelRow, RangeRow, VersionRow};
use crate::catalog::domain::{MoneyDto, SensitiveFlag};
use crate::db::DbConn;
use crate::db::types::Timestamp;
use crate::error::{AppError, FieldError};
use crate::events::{self, NewEvent, catalog};
use crate::ids::{AggregateId, ChannelId, TrackingRangeId};
use crate::values::{self, CountryCode, Errors};

/// A channel's rules as an admin sends them. Every field is required: a
/// new version states the whole channel, so that reading one version
/// tells everything it did.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    /// What people call it, e.g. `China Post ePacket US`.
    pub name: String,
    pub carrier: String,
    /// The carrier's code for customs lists (logistics company code).
    pub carrier_code: String,
    pub service: ChannelService,
    /// ISO 3166-1 alpha-2 destinations.
    pub destinations: Vec<String>,
    pub service_levels: Vec<ServiceLevel>,
    /// The daily cut-off, warehouse local time, `HH:MM`.
    pub cutoff: String,
    /// cm³ per kg: 6000 for IATA air cargo, 5000 for most express.
    pub volumetric_divisor: i64,
    pub max_weight_g: i64,
    /// The longest side allowed.
    pub max_side_mm: i64,
    /// Length + width + height allowed.
    pub max_dims_sum_mm: i64,
    /// The sensitive goods it may carry; a parcel with any other flag is
    /// never routed here.
    pub allowed_flags: Vec<SensitiveFlag>,
    pub tracking_source: TrackingSource,
    /// For `s10`: the two-letter service indicator.
    #[serde(default)]
    pub s10_indicator: Option<String>,
    pub label_layout: LabelLayout,
    pub customs_form: CustomsForm,
    /// What a parcel costs: `base` + `per_kg` x chargeable kg (pro rata).
    pub rate_base: MoneyDto,
    pub rate_per_kg: MoneyDto,
    /// Days without a carrier milestone after which a parcel is suspected
    /// lost.
    pub lost_after_days: i64,
    /// `false` retires the channel (a version like any other).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// One version of a channel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Channel {
    pub id: ChannelId,
    pub code: String,
    pub version: i32,
    /// Whether this is the version new parcels are routed with.
    pub current: bool,
    pub active: bool,
    pub name: String,
    pub carrier: String,
    pub carrier_code: String,
    pub service: ChannelService,
    pub destinations: Vec<String>,
    pub service_levels: Vec<ServiceLevel>,
    pub cutoff: String,
    pub volumetric_divisor: i32,
    pub max_weight_g: i32,
    pub max_side_mm: i32,
    pub max_dims_sum_mm: i32,
    pub allowed_flags: Vec<SensitiveFlag>,
    pub tracking_source: TrackingSource,
    pub s10_indicator: Option<String>,
    pub label_layout: LabelLayout,
    pub customs_form: CustomsForm,
    pub rate_base: MoneyDto,
    pub rate_per_kg: MoneyDto,
    pub lost_after_days: i32,
    pub created_by: String,
    pub created_at: Timestamp,
}

fn split(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

fn view(c: &ChannelRow, v: VersionRow) -> Result<Channel, AppError> {
    let row = || format!("channel {} version {}", c.code, v.version);
    let service_levels = split(&v.service_levels)
        .iter()
        .map(|s| ServiceLevel::stored(s, row))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Channel {
        id: c.id,
        code: c.code.clone(),
        version: v.version,
        current: v.version == c.current_version,
        active: v.active,
        service: ChannelService::stored(&v.service, row)?,
        tracking_source: TrackingSource::stored(&v.tracking_source, row)?,
        label_layout: LabelLayout::stored(&v.label_layout, row)?,
        customs_form: CustomsForm::stored(&v.customs_form, row)?,
        destinations: split(&v.destinations),
        service_levels,
        allowed_flags: SensitiveFlag::from_bits(v.allowed_flags),
        rate_base: MoneyDto { amount_minor: v.rate_base_minor, currency: v.rate_currency.clone() },
        rate_per_kg: MoneyDto { amount_minor: v.rate_per_kg_minor, currency: v.rate_currency },
        name: v.name,
        carrier: v.carrier,
        carrier_code: v.carrier_code,
        cutoff: v.cutoff_local,
        volumetric_divisor: v.volumetric_divisor,
        max_weight_g: v.max_weight_g,
        max_side_mm: v.max_side_mm,
        max_dims_sum_mm: v.max_dims_sum_mm,
        s10_indicator: v.s10_indicator,
        lost_after_days: v.lost_after_days,
        created_by: v.created_by,
        created_at: v.created_at,
    })
}

impl Channel {
    /// The rules routing applies.
    pub fn rules(&self) -> Rules {
        Rules {
            active: self.active,
            destinations: self.destinations.clone(),
            service_levels: self.service_levels.clone(),
            volumetric_divisor: self.volumetric_divisor,
            max_weight_g: self.max_weight_g,
            max_side_mm: self.max_side_mm,
            max_dims_sum_mm: self.max_dims_sum_mm,
            allowed_flags: self.allowed_flags.clone(),
            rate_base_minor: self.rate_base.amount_minor,
            rate_per_kg_minor: self.rate_per_kg.amount_minor,
        }
    }
}

/// Checks an input and makes the version row it describes.
fn parse(
    input: &ChannelInput,
    id: ChannelId,
    version: i32,
    actor: &str,
    now: Timestamp,
) -> Result<VersionRow, AppError> {
    let mut errs = Errors::default();
    let name = errs.take(values::text("name", &input.name, 120));
    let carrier = errs.take(values::text("carrier", &input.carrier, 120));
    let carrier_code = errs.take(values::code("carrier_code", &input.carrier_code, 32));
    let mut destinations = Vec::new();
    for (i, d) in input.destinations.iter().enumerate() {
        if let Some(c) = errs.take(CountryCode::parse(&format!("destinations[{i}]"), d)) {
            destinations.push(c.as_str().to_owned());
        }
    }
    destinations.sort();
    destinations.dedup();
    if input.destinations.is_empty() || input.destinations.len() > 250 {
        errs.0.push(FieldError::new("destinations", "required", "1 to 250 destinations"));
    }
    let mut levels: Vec<ServiceLevel> = input.service_levels.clone();
    levels.sort_by_key(|l| l.as_str());
    levels.dedup();
    if levels.is_empty() {
        errs.0.push(FieldError::new("service_levels", "required", "at least one service level"));
    }
    let cutoff = errs.take(domain::cutoff("cutoff", &input.cutoff));
    let divisor = errs.take(values::positive_i32("volumetric_divisor", input.volumetric_divisor, 100_000));
    let max_weight = errs.take(values::positive_i32("max_weight_g", input.max_weight_g, 1_000_000));
    let max_side = errs.take(values::positive_i32("max_side_mm", input.max_side_mm, 10_000));
    let max_sum = errs.take(values::positive_i32("max_dims_sum_mm", input.max_dims_sum_mm, 30_000));
    let lost_after = errs.take(values::positive_i32("lost_after_days", input.lost_after_days, 365));
    let indicator = match (input.tracking_source, input.s10_indicator.as_deref()) {
        (TrackingSource::S10, Some(i)) => errs.take(domain::s10_indicator("s10_indicator", i)),
        (TrackingSource::S10, None) => {
            errs.0.push(FieldError::new("s10_indicator", "required", "S10 numbers need a service indicator"));
            None
        }
        (TrackingSource::Imported, Some(_)) => {
            errs.0.push(FieldError::new(
                "s10_indicator",
                "not_allowed",
                "imported numbers have no S10 indicator; leave it out",
            ));
            None
        }
        (TrackingSource::Imported, None) => None,
    };
    let base = errs.take(crate::values::Money::price(
        "rate_base",
        input.rate_base.amount_minor,
        &input.rate_base.currency,
    ));
    let per_kg = errs.take(crate::values::Money::price(
        "rate_per_kg",
        input.rate_per_kg.amount_minor,
        &input.rate_per_kg.currency,
    ));
    if let (Some(b), Some(p)) = (&base, &per_kg)
        && b.currency() != p.currency()
    {
        errs.0.push(FieldError::new(
            "rate_per_kg.currency",
            "mixed_currencies",
            "both rates in one currency",
        ));
    }
    errs.finish()?;
    let base = base.expect("checked");
    Ok(VersionRow {
        channel_id: id,
        version,
        active: input.active,
        name: name.expect("checked"),
        carrier: carrier.expect("checked"),
        carrier_code: carrier_code.expect("checked"),
        service: input.service.as_str().into(),
        destinations: destinations.join(","),
        service_levels: levels.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(","),
        cutoff_local: cutoff.expect("checked").format("%H:%M").to_string(),
        volumetric_divisor: divisor.expect("checked"),
        max_weight_g: max_weight.expect("checked"),
        max_side_mm: max_side.expect("checked"),
        max_dims_sum_mm: max_sum.expect("checked"),
        allowed_flags: SensitiveFlag::to_bits(&input.allowed_flags),
        tracking_source: input.tracking_source.as_str().into(),
        s10_indicator: indicator,
        label_layout: input.label_layout.as_str().into(),
        customs_form: input.customs_form.as_str().into(),
        rate_currency: base.currency().as_str().into(),
        rate_base_minor: base.minor(),
        rate_per_kg_minor: per_kg.expect("checked").minor(),
        lost_after_days: lost_after.expect("checked"),
        created_by: actor.into(),
        created_at: now,
    })
}

/// The same rules (who and when aside).
fn same_rules(a: &VersionRow, b: &VersionRow) -> bool {
    let strip = |v: &VersionRow| VersionRow {
        version: 0,
        created_by: String::new(),
        created_at: Timestamp(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
        ..v.clone()
    };
    strip(a) == strip(b)
}

/// Adds a version of channel `code` (creating the channel at version 1).
/// Sending the current rules again adds nothing and answers `false`.
/// Rates of all channels are in one currency, so that routing can compare
/// them.
pub fn put(
    tx: &mut DbConn,
    code: &str,
    input: &ChannelInput,
    actor: &str,
    now: Timestamp,
) -> Result<(Channel, bool), AppError> {
    let code = values::code("code", code, 40).map_err(|e| AppError::validation(vec![e]))?;
    crate::db::lock_key(tx, "channels")?;
    let existing = store::by_code(tx, &code)?;
    let (channel, version) = match &existing {
        Some(c) => (c.clone(), c.current_version + 1),
        None => (
            ChannelRow {
                id: ChannelId::generate(),
                code: code.clone(),
                current_version: 1,
                created_at: now,
                updated_at: now,
            },
            1,
        ),
    };
    let row = parse(input, channel.id, version, actor, now)?;
    if let Some(other) = store::current(tx)?
        .into_iter()
        .find(|(c, v)| c.id != channel.id && v.rate_currency != row.rate_currency)
    {
        return Err(AppError::invalid(
            "rate_base.currency",
            "rate_currency_mismatch",
            format!(
                "Channel {} is priced in {}: price every channel in one currency.",
                other.0.code, other.1.rate_currency
            ),
        ));
    }
    if let Some(c) = &existing {
        let current = store::version(tx, c.id, c.current_version)?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("channel {} lost its version", c.code)))?;
        if same_rules(&current, &row) {
            return Ok((view(c, current)?, false));
        }
        store::insert_version(tx, &row)?;
        store::set_current(tx, c.id, version, now)?;
    } else {
        store::insert_channel(tx, &channel)?;
        store::insert_version(tx, &row)?;
    }
    let channel = ChannelRow { current_version: version, updated_at: now, ..channel };
    let out = view(&channel, row)?;
    events::record(
        tx,
        NewEvent {
            event_type: catalog::CHANNEL_VERSIONED,
            aggregate_id: AggregateId(out.id.0),
            document_no: out.code.clone(),
            owner: None,
            payload: serde_json::json!({
                "code": out.code, "version": out.version, "active": out.active,
                "destinations": out.destinations, "service_levels": out.service_levels,
                "allowed_flags": out.allowed_flags,
            }),
        },
    )?;
    Ok((out, true))
}

/// Every channel at its current version, by code.
pub fn list(conn: &mut DbConn) -> Result<Vec<Channel>, AppError> {
    store::current(conn)?.into_iter().map(|(c, v)| view(&c, v)).collect()
}

/// A channel's current version and its history, newest first.
pub fn get(conn: &mut DbConn, code: &str) -> Result<(Channel, Vec<Channel>), AppError> {
    let c = store::by_code(conn, &code.trim().to_ascii_uppercase())?.ok_or(AppError::not_found("channel"))?;
    let versions =
        store::versions(conn, c.id)?.into_iter().map(|v| view(&c, v)).collect::<Result<Vec<_>, _>>()?;
    let current =
        versions.iter().find(|v| v.current).cloned().ok_or(AppError::not_found("channel version"))?;
    Ok((current, versions))
}

/// Days without a carrier milestone after which a parcel is suspected
/// lost, per channel version (a parcel keeps the version it was routed
/// with): `(channel, version) -> days`.
pub fn lost_after_days(
    conn: &mut DbConn,
) -> Result<std::collections::HashMap<(ChannelId, i32), i64>, AppError> {
    Ok(store::lost_after_days(conn)?.into_iter().map(|(c, v, d)| ((c, v), i64::from(d))).collect())
}

/// The version a parcel was routed with.
pub fn version(conn: &mut DbConn, id: ChannelId, version: i32) -> Result<Channel, AppError> {
    let c = store::by_id(conn, id)?.ok_or(AppError::not_found("channel"))?;
    let v = store::version(conn, id, version)?.ok_or(AppError::not_found("channel version"))?;
    view(&c, v)
}

/// A range of pre-assigned numbers to import.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeInput {
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub suffix: String,
    /// Digits of the serial, zero-padded.
    pub width: i64,
    pub first: i64,
    pub last: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackingRange {
    pub id: TrackingRangeId,
    pub prefix: String,
    pub suffix: String,
    pub width: i32,
    pub first: i64,
    pub last: i64,
    /// The next number to hand out (`last + 1`: used up).
    pub next: i64,
    pub left: i64,
    /// The first number as printed.
    pub first_number: String,
    pub imported_by: String,
    pub imported_at: Timestamp,
}

fn range_view(r: RangeRow) -> TrackingRange {
    TrackingRange {
        first_number: domain::ranged_number(&r.prefix, r.first_no, r.width, &r.suffix),
        left: (r.last_no - r.next_no + 1).max(0),
        id: r.id,
        prefix: r.prefix,
        suffix: r.suffix,
        width: r.width,
        first: r.first_no,
        last: r.last_no,
        next: r.next_no,
        imported_by: r.imported_by,
        imported_at: r.imported_at,
    }
}

fn affix(field: &str, s: &str) -> Result<String, FieldError> {
    let t = s.trim().to_ascii_uppercase();
    if t.len() <= 8 && t.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(t)
    } else {
        Err(FieldError::new(field, "invalid_affix", "at most 8 letters or digits"))
    }
}

/// Imports carrier-assigned numbers for a channel whose tracking numbers
/// are `imported`. A range overlapping one already imported (same prefix
/// and suffix) is refused: the same number must never go on two parcels.
pub fn import_range(
    tx: &mut DbConn,
    code: &str,
    input: &RangeInput,
    actor: &str,
    now: Timestamp,
) -> Result<TrackingRange, AppError> {
    let (channel, _) = get(tx, code)?;
    if channel.tracking_source != TrackingSource::Imported {
        return Err(AppError::conflict(
            "not_imported_numbers",
            format!("Channel {} makes its own S10 numbers; it takes no imported ranges.", channel.code),
        ));
    }
    let mut errs = Errors::default();
    let prefix = errs.take(affix("prefix", &input.prefix));
    let suffix = errs.take(affix("suffix", &input.suffix));
    let width = errs.take(values::positive_i32("width", input.width, 18));
    if input.first < 0 {
        errs.0.push(FieldError::new("first", "negative", "must be 0 or more"));
    }
    if input.last < input.first {
        errs.0.push(FieldError::new("last", "before_first", "must not be below first"));
    }
    if let Some(w) = width
        && input.last >= 10_i64.saturating_pow(w as u32)
    {
        errs.0.push(FieldError::new("last", "too_wide", format!("does not fit in {w} digits")));
    }
    if input.last.saturating_sub(input.first) >= 10_000_000 {
        errs.0.push(FieldError::new("last", "too_many", "at most 10,000,000 numbers per range"));
    }
    errs.finish()?;
    let (prefix, suffix, width) =
        (prefix.expect("checked"), suffix.expect("checked"), width.expect("checked"));
    crate::db::lock_key(tx, "tracking-ranges")?;
    if store::overlapping(tx, &prefix, &suffix, input.first, input.last)? > 0 {
        return Err(AppError::conflict(
            "range_overlaps",
            "Some of these numbers were imported already; import only numbers never imported.",
        ));
    }
    let row = RangeRow {
        id: TrackingRangeId::generate(),
        channel_id: channel.id,
        prefix,
        suffix,
        width,
        first_no: input.first,
        last_no: input.last,
        next_no: input.first,
        imported_by: actor.into(),
        imported_at: now,
    };
    store::insert_range(tx, &row)?;
    Ok(range_view(row))
}

pub fn ranges(conn: &mut DbConn, code: &str) -> Result<Vec<TrackingRange>, AppError> {
    let (channel, _) = get(conn, code)?;
    Ok(store::ranges(conn, channel.id)?.into_iter().map(range_view).collect())
}

/// What routing was asked and answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Routing {
    /// The chosen channel, absent when none may carry the parcel.
    pub chosen: Option<Chosen>,
    /// Each channel that may not, and why.
    pub refused: Vec<RefusedChannel>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Chosen {
    pub channel_id: ChannelId,
    pub code: String,
    pub version: i32,
    pub volumetric_weight_g: i64,
    pub chargeable_weight_g: i64,
    pub cost: MoneyDto,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefusedChannel {
    pub code: String,
    pub reasons: Vec<Refusal>,
}

impl Routing {
    /// One line for a `no_route` hold: each channel and why it refused.
    pub fn reason(&self) -> String {
        if self.refused.is_empty() {
            return "no channel is set up".into();
        }
        self.refused
            .iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    r.code,
                    r.reasons.iter().map(Refusal::describe).collect::<Vec<_>>().join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Routes a parcel among the current versions of every channel: the
/// cheapest that may carry it. A channel of imported numbers with none
/// left is refused (never a label without a number).
pub fn route(conn: &mut DbConn, parcel: &domain::Parcel) -> Result<Routing, AppError> {
    let channels = list(conn)?;
    let mut candidates = Vec::new();
    let mut refused = Vec::new();
    for c in &channels {
        if c.active && c.tracking_source == TrackingSource::Imported && store::numbers_left(conn, c.id)? == 0
        {
            refused.push(RefusedChannel { code: c.code.clone(), reasons: vec![Refusal::NoTrackingNumbers] });
            continue;
        }
        candidates.push(domain::Candidate { key: (c.id, c.version), code: c.code.clone(), rules: c.rules() });
    }
    let currency = channels.first().map(|c| c.rate_base.currency.clone()).unwrap_or_default();
    Ok(match domain::route(&candidates, parcel) {
        Decision::Routed { key, code, volumetric_weight_g, chargeable_weight_g, cost_minor } => Routing {
            chosen: Some(Chosen {
                channel_id: key.0,
                code,
                version: key.1,
                volumetric_weight_g,
                chargeable_weight_g,
                cost: MoneyDto { amount_minor: cost_minor, currency },
            }),
            refused,
        },
        Decision::NoRoute { refused: more } => {
            refused.extend(more.into_iter().map(|(code, reasons)| RefusedChannel { code, reasons }));
            refused.sort_by(|a, b| a.code.cmp(&b.code));
            Routing { chosen: None, refused }
        }
    })
}

/// The next tracking number of a channel version (inside the packing
/// transaction): an S10 number from the indicator's counter, or the next
/// imported number.
pub fn next_tracking_no(tx: &mut DbConn, channel: &Channel) -> Result<String, AppError> {
    match channel.tracking_source {
        TrackingSource::S10 => {
            let indicator = channel.s10_indicator.clone().ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("channel {} has no S10 indicator", channel.code))
            })?;
            let serial = crate::db::docno::serial(tx, &format!("TRK-{indicator}"))?;
            if !(1..=99_999_999).contains(&serial) {
                return Err(AppError::conflict(
                    "tracking_range_exhausted",
                    format!("The {indicator} tracking number range is used up."),
                ));
            }
            Ok(domain::s10(&indicator, serial as u32))
        }
        TrackingSource::Imported => {
            crate::db::lock_key(tx, &format!("tracking-range\n{}", channel.id))?;
            let Some(range) = store::open_range(tx, channel.id)? else {
                return Err(AppError::conflict(
                    "tracking_range_exhausted",
                    format!("Channel {} has no imported tracking numbers left.", channel.code),
                ));
            };
            if !store::take_from_range(tx, range.id, range.next_no)? {
                return Err(AppError::internal(anyhow::anyhow!(
                    "tracking range {} moved under its lock",
                    range.id
                )));
            }
            Ok(domain::ranged_number(&range.prefix, range.next_no, range.width, &range.suffix))
        }
    }
}

/// A channel's code.
pub fn code_of(conn: &mut DbConn, id: ChannelId) -> Result<String, AppError> {
    Ok(store::by_id(conn, id)?.ok_or(AppError::not_found("channel"))?.code)
}
