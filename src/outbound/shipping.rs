//! Routes, tracking numbers and the shipping label.
//!
//! A route is chosen by destination and service level. Its tracking
//! numbers are UPU S10 numbers (`LX123456785CN`): the route's two-letter
//! service indicator, an eight-digit serial from the route's own counter,
//! the S10 check digit and `CN`, the origin. The label (100 × 150 mm, as a
//! print-ready page or ZPL) is the only place the buyer's name, address and
//! phone are shown in full: they are opened from the sealed copy when the
//! label is printed, and never stored or logged in clear.

use super::packing::Parcel;
use super::pii::{Buyer, Keys};
use super::store::OrderRow;
use crate::db::DbConn;
use crate::error::AppError;
use crate::labels::{LabelFormat, code128_svg, escape, zpl_text};

/// Where a parcel goes and with whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// e.g. `EPACKET-US`.
    pub code: String,
    pub carrier: &'static str,
    /// The S10 service indicator of its tracking numbers.
    pub indicator: &'static str,
}

/// The route for a destination and service level.
pub fn route_for(destination: &str, service_level: &str) -> Route {
    let (product, carrier, indicator) = match service_level {
        "express" => ("EMS", "China Post EMS", "EA"),
        "economy" => ("SMALLPKT", "China Post Small Packet", "UA"),
        _ => ("EPACKET", "China Post ePacket", "LX"),
    };
    Route { code: format!("{product}-{destination}"), carrier, indicator }
}

/// The S10 check digit of an eight-digit serial.
pub fn s10_check_digit(serial: u32) -> u32 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let digits = format!("{serial:08}");
    let sum: u32 = digits.bytes().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    }
}

/// `LX` + serial + check digit + `CN`.
pub fn s10(indicator: &str, serial: u32) -> String {
    format!("{indicator}{serial:08}{}CN", s10_check_digit(serial))
}

/// The route's next tracking number (in the packing transaction).
pub fn next_tracking_no(tx: &mut DbConn, route: &Route) -> Result<String, AppError> {
    let serial = crate::db::docno::serial(tx, &format!("TRK-{}", route.indicator))?;
    if !(1..=99_999_999).contains(&serial) {
        return Err(AppError::conflict(
            "tracking_range_exhausted",
            format!("The {} tracking number range is used up.", route.indicator),
        ));
    }
    Ok(s10(route.indicator, serial as u32))
}

/// One line of the customs declaration.
struct CustomsLine {
    description: String,
    hs_code: String,
    quantity: i32,
    value: crate::values::Money,
    weight_g: i32,
}

/// The shipping label of a packed parcel for `actor`, the read of the
/// buyer's address written to the audit log in the same transaction.
pub fn read_label(
    tx: &mut DbConn,
    parcel: crate::ids::ParcelId,
    keys: &Keys,
    warehouse: &str,
    format: LabelFormat,
    actor: &str,
    purpose: super::pii::Purpose,
) -> Result<String, AppError> {
    let (parcel, order) = super::packing::label_data(tx, parcel)?;
    let label = render_label(tx, &parcel, &order, keys, warehouse, format)?;
    super::pii::record_read(tx, &order, Some(parcel.id), actor, purpose)?;
    Ok(label)
}

/// Renders the shipping label of a packed parcel.
fn render_label(
    conn: &mut DbConn,
    parcel: &Parcel,
    order: &OrderRow,
    keys: &Keys,
    warehouse: &str,
    format: LabelFormat,
) -> Result<String, AppError> {
    let (Some(sealed), Some(key_id)) = (order.buyer_sealed.as_deref(), order.buyer_key_id.as_deref()) else {
        return Err(AppError::conflict(
            "buyer_erased",
            "The buyer's address was erased; no label can be printed.",
        ));
    };
    let buyer = keys.open(order.id.0, key_id, sealed)?;
    let tracking = parcel.tracking_no.clone().ok_or(AppError::not_found("tracking number"))?;
    let route = route_for(&order.destination_country, &order.service_level);
    let mut customs = Vec::new();
    for l in super::store::lines(conn, order.id)? {
        let quantity = l.quantity - l.cancelled;
        if quantity == 0 {
            continue;
        }
        let sku = crate::catalog::store::by_id(conn, l.sku_id)?.ok_or(AppError::not_found("sku"))?;
        let value = crate::values::Money::stored(l.unit_price_minor, &l.currency)
            .and_then(|price| price.times(i64::from(quantity)))
            .map_err(|e| {
                AppError::internal(anyhow::anyhow!("order {} line {}: {e}", order.order_no, l.line_no))
            })?;
        customs.push(CustomsLine {
            description: sku.name_en.clone(),
            hs_code: sku.hs_code.clone(),
            quantity,
            value,
            weight_g: sku.measured_weight_g.unwrap_or(sku.declared_weight_g) * quantity,
        });
    }
    Ok(match format {
        LabelFormat::Html => html(parcel, order, &buyer, &route, &tracking, &customs, warehouse)?,
        LabelFormat::Zpl => zpl(parcel, order, &buyer, &route, &tracking, &customs, warehouse),
    })
}

fn address_lines(b: &Buyer) -> Vec<String> {
    let a = &b.address;
    let mut lines = vec![b.name.clone(), a.line1.clone()];
    if !a.line2.trim().is_empty() {
        lines.push(a.line2.clone());
    }
    let city = [a.city.as_str(), a.region.as_str(), a.postal_code.as_str()]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    lines.push(city);
    lines.push(a.country.trim().to_ascii_uppercase());
    lines.push(format!("Tel {}", b.phone));
    lines
}

fn html(
    p: &Parcel,
    o: &OrderRow,
    buyer: &Buyer,
    route: &Route,
    tracking: &str,
    customs: &[CustomsLine],
    warehouse: &str,
) -> Result<String, AppError> {
    let svg = code128_svg(tracking, 60).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let to: String = address_lines(buyer).iter().map(|l| format!("<div>{}</div>", escape(l))).collect();
    let rows: String = customs
        .iter()
        .map(|c| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} g</td></tr>",
                escape(&c.description),
                escape(&c.hs_code),
                c.quantity,
                escape(&c.value.to_string()),
                c.weight_g
            )
        })
        .collect();
    // One currency an order (intake refuses mixed lines); should an older
    // order have two, each has its own total, never one sum of both.
    let mut total = crate::values::Totals::default();
    for c in customs {
        total
            .add(c.value)
            .map_err(|e| AppError::internal(anyhow::anyhow!("customs total of {}: {e}", o.order_no)))?;
    }
    Ok(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{tracking}</title><style>\
         @page {{ size: 100mm 150mm; margin: 0 }} body {{ margin: 0; font-family: sans-serif }}\
         .label {{ width: 100mm; height: 150mm; box-sizing: border-box; padding: 3mm 4mm; display: flex; \
         flex-direction: column; gap: 1.5mm; font-size: 8.5pt }}\
         .top {{ display: flex; justify-content: space-between; font-weight: bold; font-size: 11pt }}\
         .to {{ border: 0.4mm solid #000; padding: 2mm; font-size: 11pt; line-height: 1.25 }}\
         .to .h {{ font-size: 7pt; font-weight: bold }} svg {{ width: 92mm; height: 20mm }}\
         .trk {{ text-align: center; font-size: 13pt; font-weight: bold; letter-spacing: 0.5mm }}\
         table {{ width: 100%; border-collapse: collapse; font-size: 7pt }} td, th {{ border: 0.2mm solid #000; \
         padding: 0.3mm 0.8mm; text-align: left }}\
         </style></head><body><div class=\"label\" data-tracking=\"{tracking}\">\
         <div class=\"top\"><span>{carrier}</span><span>{route}</span></div>\
         <div>From: Custody {wh}, Guangzhou, CN · {order_no} · {parcel_no}</div>\
         <div class=\"to\"><div class=\"h\">SHIP TO</div>{to}</div>{svg}<div class=\"trk\">{tracking}</div>\
         <div><b>CUSTOMS DECLARATION CN22</b> · Merchandise · Origin: CN</div>\
         <table><tr><th>Contents</th><th>HS code</th><th>Qty</th><th>Value</th><th>Weight</th></tr>{rows}\
         <tr><th colspan=\"3\">Total</th><th>{total}</th><th>{weight} g</th></tr></table>\
         <div>Carton {carton} · {weight} g · {service} · ship by {ship_by}</div></div></body></html>",
        carrier = escape(route.carrier),
        route = escape(&route.code),
        wh = escape(warehouse),
        order_no = escape(&o.order_no),
        parcel_no = escape(&p.parcel_no),
        total = escape(&total.to_string()),
        weight = p.weight_g.unwrap_or(0),
        carton = escape(p.carton_code.as_deref().unwrap_or("")),
        service = escape(&o.service_level),
        ship_by = o.ship_by.0.format("%Y-%m-%d"),
    ))
}

fn zpl(
    p: &Parcel,
    o: &OrderRow,
    buyer: &Buyer,
    route: &Route,
    tracking: &str,
    customs: &[CustomsLine],
    warehouse: &str,
) -> String {
    // 4 × 6 in at 203 dpi: 812 × 1218 dots.
    let mut out = format!(
        "^XA^CI28^PW812^LL1218\n^FO30,30^A0N,34,34^FD{carrier}^FS\n^FO520,30^A0N,34,34^FD{route}^FS\n\
         ^FO30,80^A0N,24,24^FDFrom: Custody {wh}, Guangzhou, CN  {order_no}^FS\n^FO30,120^GB752,300,3^FS\n\
         ^FO45,130^A0N,22,22^FDSHIP TO^FS\n",
        carrier = zpl_text(route.carrier),
        route = zpl_text(&route.code),
        wh = zpl_text(warehouse),
        order_no = zpl_text(&o.order_no),
    );
    let mut y = 160;
    for line in address_lines(buyer) {
        out.push_str(&format!("^FO45,{y}^A0N,34,34^FD{}^FS\n", zpl_text(&line)));
        y += 40;
    }
    out.push_str(&format!(
        "^FO60,450^BY3^BCN,180,N,N,N^FD{t}^FS\n^FO200,645^A0N,44,44^FD{t}^FS\n\
         ^FO30,710^A0N,26,26^FDCUSTOMS DECLARATION CN22 - Merchandise - Origin CN^FS\n",
        t = zpl_text(tracking)
    ));
    let mut y = 750;
    for c in customs.iter().take(8) {
        out.push_str(&format!(
            "^FO30,{y}^A0N,22,22^FD{} x{} HS {} {} {} g^FS\n",
            zpl_text(&c.description.chars().take(28).collect::<String>()),
            c.quantity,
            zpl_text(&c.hs_code),
            zpl_text(&c.value.to_string()),
            c.weight_g
        ));
        y += 30;
    }
    out.push_str(&format!(
        "^FO30,1150^A0N,26,26^FD{parcel} {carton} {w} g^FS\n^XZ\n",
        parcel = zpl_text(&p.parcel_no),
        carton = zpl_text(p.carton_code.as_deref().unwrap_or("")),
        w = p.weight_g.unwrap_or(0)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s10_check_digits_match_the_upu_examples() {
        // The UPU S10 standard's own example: EE 12345678 5 US.
        assert_eq!(s10_check_digit(12_345_678), 5);
        assert_eq!(s10("LX", 12_345_678), "LX123456785CN");
        // Remainder 1 gives 10, written 0; remainder 0 gives 11, written 5.
        assert_eq!(s10_check_digit(8), 0); // 8 × 7 = 56 = 5 × 11 + 1
        assert_eq!(s10_check_digit(0), 5);
        // 4 × 9 + 2 × 7 = 50 = 4 × 11 + 6: 11 - 6 = 5.
        assert_eq!(s10("EA", 42), "EA000000425CN");
    }

    #[test]
    fn routes_follow_the_service_level() {
        assert_eq!(route_for("US", "standard").code, "EPACKET-US");
        assert_eq!(route_for("TH", "express").indicator, "EA");
        assert_eq!(route_for("SA", "economy").code, "SMALLPKT-SA");
    }
}
