//! The shipping label of a routed parcel: its channel (at the version it
//! was routed with) and tracking number (see `channels`). The label
//! (100 × 150 mm, as a print-ready page or ZPL) is the only place the
//! buyer's name, address and phone are shown in full: they are opened from
//! the sealed copy when the label is printed, and never stored or logged in
//! clear.

use super::packing::Parcel;
use super::pii::{Buyer, Keys};
use super::store::OrderRow;
use crate::db::DbConn;
use crate::error::AppError;
use crate::labels::{LabelFormat, code128_svg, render_html, zpl_text};

/// Where a parcel goes and with whom: its channel, at the version it was
/// routed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The channel's code, e.g. `EPACKET`.
    pub code: String,
    pub carrier: String,
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
    let (Some(channel), Some(version)) = (parcel.channel_id, parcel.channel_version) else {
        return Err(AppError::conflict("not_routed", "The parcel has no channel: it cannot have a label."));
    };
    let channel = crate::channels::service::version(conn, channel, version)?;
    let route = Route { code: channel.code, carrier: channel.carrier };
    let mut customs = Vec::new();
    for l in super::store::lines(conn, order.id)? {
        let quantity = l.quantity - l.cancelled;
        if quantity == 0 {
            continue;
        }
        let sku = crate::catalog::service::sku_row(conn, l.sku_id)?.ok_or(AppError::not_found("sku"))?;
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
    // One currency an order (intake refuses mixed lines); should an older
    // order have two, each has its own total, never one sum of both.
    let mut total = crate::values::Totals::default();
    for c in customs {
        total
            .add(c.value)
            .map_err(|e| AppError::internal(anyhow::anyhow!("customs total of {}: {e}", o.order_no)))?;
    }
    render_html(&ShippingLabelHtml {
        tracking,
        carrier: &route.carrier,
        route: &route.code,
        warehouse,
        order_no: &o.order_no,
        parcel_no: &p.parcel_no,
        to: address_lines(buyer),
        svg,
        customs,
        total: total.to_string(),
        weight_g: p.weight_g.unwrap_or(0),
        carton: p.carton_code.as_deref().unwrap_or(""),
        service_level: &o.service_level,
        ship_by: o.ship_by.0.format("%Y-%m-%d").to_string(),
    })
}

/// The shipping label as a print-ready page (`templates/labels/shipping.html`).
/// Every field is escaped there but `svg`.
#[derive(askama::Template)]
#[template(path = "labels/shipping.html")]
struct ShippingLabelHtml<'a> {
    tracking: &'a str,
    carrier: &'a str,
    route: &'a str,
    warehouse: &'a str,
    order_no: &'a str,
    parcel_no: &'a str,
    /// The buyer's name, address and phone, a line each (`address_lines`).
    to: Vec<String>,
    /// Code 128 of the tracking number, drawn by `code128_svg`: no buyer
    /// data goes into it.
    svg: String,
    customs: &'a [CustomsLine],
    total: String,
    weight_g: i32,
    carton: &'a str,
    service_level: &'a str,
    ship_by: String,
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
        carrier = zpl_text(&route.carrier),
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

    /// The buyer's data is the platform's, not ours: on the label it is
    /// text, whatever it holds; only the barcode is inserted as markup.
    #[test]
    fn buyer_data_on_the_label_is_escaped() {
        let buyer = Buyer {
            name: "<script>alert(1)</script>".into(),
            phone: "+1 555 \"quoted\" & <i>".into(),
            address: crate::outbound::pii::Address {
                line1: "1 Main St</div><img src=x onerror=alert(2)>".into(),
                line2: String::new(),
                city: "Springfield".into(),
                region: "IL".into(),
                postal_code: "62701".into(),
                country: "us".into(),
            },
        };
        let customs = [CustomsLine {
            description: "Mug <u>".into(),
            hs_code: "950300".into(),
            quantity: 3,
            value: crate::values::Money::stored(5997, "USD").unwrap(),
            weight_g: 750,
        }];
        let page = ShippingLabelHtml {
            tracking: "LX123456785CN",
            carrier: "China Post ePacket",
            route: "EPACKET-US",
            warehouse: "CAN1",
            order_no: "SO-1",
            parcel_no: "P-1",
            to: address_lines(&buyer),
            svg: code128_svg("LX123456785CN", 60).unwrap(),
            customs: &customs,
            total: "59.97 USD".into(),
            weight_g: 800,
            carton: "BOX-S",
            service_level: "standard",
            ship_by: "2025-01-02".into(),
        };
        let html = render_html(&page).unwrap();
        for raw in ["<script", "<img", "<i>", "<u>", "\"quoted\""] {
            assert!(!html.contains(raw), "{raw} in {html}");
        }
        for escaped in [
            "<div>&#60;script&#62;alert(1)&#60;/script&#62;</div>",
            "<div>1 Main St&#60;/div&#62;&#60;img src=x onerror=alert(2)&#62;</div>",
            "<div>Tel +1 555 &#34;quoted&#34; &#38; &#60;i&#62;</div>",
            "<td>Mug &#60;u&#62;</td>",
        ] {
            assert!(html.contains(escaped), "{escaped} in {html}");
        }
        assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""), "the barcode is markup: {html}");
        assert_eq!(html.matches("<svg").count(), 1);
    }
}
