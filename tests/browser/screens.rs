//! The screens a shift runs on: the dashboard of what is waiting, where a
//! product is, orders and parcels, the inbound exceptions queue and the
//! shipments' history, the supervisors' stock work, bin labels in batches;
//! what each role sees; and a Chinese console with no English in it.

use std::collections::{BTreeSet, VecDeque};

use serde_json::json;

use crate::common::{PASSWORD, TestApp, spawn_app};
use crate::driver::Width;
use crate::{bins, both_widths, signed_in, signed_in_at, signed_in_to, world};

fn set_ship_by(app: &TestApp, order_no: &str, at: chrono::DateTime<chrono::Utc>) {
    use custody::db::schema::orders;
    use custody::db::types::Timestamp;
    use diesel::prelude::*;
    let mut conn = app.pool.get().unwrap();
    diesel::update(orders::table.filter(orders::order_no.eq(order_no)))
        .set(orders::ship_by.eq(Timestamp(at)))
        .execute(&mut *conn)
        .unwrap();
}

/// A warehouse with something at every step: used by the dashboard, the
/// role crawl and the Chinese-only test.
struct Busy {
    received: world::Shipment,
    arriving: world::Shipment,
    floor: world::Floor,
    parcel_path: String,
}

async fn busy(app: &TestApp) -> Busy {
    let floor = world::floor(app, &[("A-01-01-01", 20)]).await;
    // Inbound: one shipment due today, one at the dock with a carton
    // waiting, one received short (in QC, with a short exception).
    let arriving = world::shipment_of(app, "SUP-B", 2, "SF-TODAY", &[4]).await;
    let docked = world::shipment_of(app, "SUP-C", 3, "SF-DOCK", &[2, 2]).await;
    world::ok(
        app,
        "/api/v1/dock/check-in",
        &docked.staff,
        json!({"code": format!("{}-C001", docked.asn_no)}),
    )
    .await;
    let received = world::shipment_of(app, "SUP-D", 4, "SF-RCVD", &[5, 5]).await;
    world::received(app, &received, &[5, 4]).await;
    // Outbound: an order held at the scale, one picked, orders waiting by cut-off.
    let held = world::order(app, &floor, "BR-HELD", 1).await;
    world::picked(app, &floor, "TOTE-70").await;
    let packer = app.staff("packer-busy", "packer");
    let (_, p) = app.post("/api/v1/pack/start", &packer, &json!({"tote": "TOTE-70"})).await;
    let parcel = p["id"].as_str().unwrap().to_owned();
    world::ok(app, &format!("/api/v1/parcels/{parcel}/scans"), &packer, json!({"barcode": floor.sku.1}))
        .await;
    world::ok(app, &format!("/api/v1/parcels/{parcel}/weigh"), &packer, json!({"weight_g": 40})).await;
    let now = chrono::Utc::now();
    for (id, ship_by) in
        [("BR-LATE", now - chrono::Duration::hours(3)), ("BR-LATER", now + chrono::Duration::days(3))]
    {
        let o = world::order(app, &floor, id, 1).await;
        set_ship_by(app, o["order_no"].as_str().unwrap(), ship_by);
    }
    let _ = held;
    Busy { received, arriving, floor, parcel_path: format!("/console/pack/{parcel}") }
}

/// Every floor page of a busy warehouse (and a few admin ones).
fn floor_pages(w: &Busy) -> Vec<String> {
    vec![
        "/console".to_owned(),
        "/console/dock".to_owned(),
        format!("/console/receiving/{}", w.received.asn_no),
        format!("/console/receiving/{}/close", w.received.asn_no),
        format!("/console/qc/{}", w.received.asn_no),
        format!("/console/dock/{}/reject", w.arriving.asn_no),
        "/console/inbound-exceptions".to_owned(),
        "/console/shipments".to_owned(),
        "/console/orders".to_owned(),
        "/console/waves".to_owned(),
        "/console/exceptions".to_owned(),
        "/console/pick".to_owned(),
        "/console/pack".to_owned(),
        w.parcel_path.clone(),
        format!("/console/stock/sku/{}", w.floor.sku.0),
        "/console/stock?q=SKU".to_owned(),
        "/console/stock/move".to_owned(),
        "/console/stock/adjust".to_owned(),
        "/console/counts".to_owned(),
        "/console/bins".to_owned(),
        "/console/bins/A-01-01-01".to_owned(),
        "/console/bins/labels?zone=A".to_owned(),
        "/console/api-keys".to_owned(),
        "/console/staff".to_owned(),
    ]
}

/// The dashboard counts what the shift has waiting, each number a link to
/// its list.
async fn the_dashboard_counts_what_the_shift_has_waiting(width: Width) {
    let app = spawn_app().await;
    let _w = busy(&app).await;
    let sam = signed_in_at(&app, "sam2", "supervisor", width).await;
    sam.check_layout().await;
    let n = |id: &'static str| {
        let b = &sam;
        async move { b.text(&format!("#count-{id} .n")).await }
    };
    assert_eq!(n("arriving-today").await, "1", "SF-TODAY: due today, not arrived yet");
    assert_eq!(n("cartons-waiting").await, "1", "SF-DOCK's first carton, at the dock");
    assert_eq!(n("lots-in-qc").await, "1");
    assert_eq!(n("orders-overdue").await, "1");
    assert_eq!(n("orders-later").await, "1");
    assert_eq!(n("parcels-held").await, "1");
    assert_eq!(n("exc-weight_hold").await, "1");
    assert_eq!(n("iexc-short").await, "1");
    let href = sam.find("#count-parcels-held a").await.attr("href").await.unwrap();
    assert_eq!(href.as_deref(), Some("/console/exceptions"));
    sam.click("#count-iexc-short a").await;
    sam.wait_path("/console/inbound-exceptions").await;
    sam.find("#inbound-exceptions tr[data-kind='short']").await;
    if width == Width::Desktop {
        sam.goto("/console").await;
        sam.find("#dashboard").await;
        sam.screenshot("dashboard").await;
    }
    sam.close().await;
}

/// Where is it: by code, barcode or name, with its buckets, bins and ledger;
/// a bin shows what it holds.
async fn where_is_it_finds_stock_by_code_barcode_name_and_bin(width: Width) {
    let app = spawn_app().await;
    let f = world::floor(&app, &[("A-01-01-01", 7), ("A-01-01-02", 3)]).await;
    world::order(&app, &f, "BR-WHERE", 2).await;
    let pia = signed_in_to(&app, "pia", "picker", width, "/console/stock").await;
    pia.check_layout().await;
    // By name: the list.
    pia.wedge("测试").await;
    pia.wait_path(&format!("/console/stock/sku/{}", f.sku.0)).await;
    pia.goto("/console/stock?q=nothing-like-this").await;
    assert!(pia.text("#stock-none").await.contains("nothing-like-this"));
    // By barcode: straight to the SKU.
    pia.goto("/console/stock").await;
    pia.wedge(&f.sku.1).await;
    pia.wait_path(&format!("/console/stock/sku/{}", f.sku.0)).await;
    pia.check_layout().await;
    assert_eq!(pia.text("#available").await, "8");
    assert_eq!(pia.text("#reserved").await, "2");
    assert_eq!(
        pia.text("#sku-name").await.split(" · ").next(),
        Some("测试商品"),
        "the Chinese name in Chinese"
    );
    let bins = pia.text("#sku-bins").await;
    assert!(bins.contains("A-01-01-01") && bins.contains("A-01-01-02"), "{bins}");
    let ledger = pia.text("#ledger").await;
    assert!(ledger.contains("盘盈") && ledger.contains("订单占用"), "the ledger in words: {ledger}");
    // A bin shows what it holds.
    pia.click("#sku-bins a[href='/console/bins/A-01-01-02']").await;
    pia.wait_path("/console/bins/A-01-01-02").await;
    let row = pia.text("#bin-contents tr[data-bucket='available']").await;
    assert!(row.contains("SKU-1") && row.contains("3"), "{row}");
    pia.check_layout().await;
    // The dashboard's scan field finds a product too.
    pia.goto("/console").await;
    pia.wedge(&f.sku.1).await;
    pia.wait_path(&format!("/console/stock/sku/{}", f.sku.0)).await;
    pia.close().await;
}

/// A supervisor moves, adjusts and counts stock in the console; a count is
/// blind and someone else approves it.
async fn a_supervisor_moves_adjusts_and_counts_stock(width: Width) {
    let app = spawn_app().await;
    let f = world::floor(&app, &[("A-01-01-01", 5)]).await;
    let sam = signed_in_to(&app, "sam2", "supervisor", width, "/console/stock/move").await;
    sam.check_layout().await;
    // A scanned barcode's Enter does not submit the half-filled form.
    sam.click("#change-barcode").await;
    sam.wedge(&f.sku.1).await;
    assert_eq!(sam.path().await, "/console/stock/move");
    sam.type_into("#change-from", "A-01-01-01").await;
    sam.type_into("#change-to", "A-01-01-02").await;
    sam.type_into("#change-quantity", "2").await;
    sam.click("#change-submit").await;
    sam.wait_text("#scan-message", |t| t.contains("已从 A-01-01-01 移到 A-01-01-02")).await;

    sam.goto("/console/stock/adjust").await;
    let chosen = sam.find("#change-reason").await.prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some(""), "no reason is preselected");
    sam.type_into("#change-barcode", &f.sku.1).await;
    sam.type_into("#change-bin", "A-01-01-02").await;
    sam.find("#change-reason").await.select_by_value("lost").await.unwrap();
    sam.type_into("#change-quantity", "1").await;
    sam.type_into("#change-note", "dropped and broken").await;
    sam.click("#change-submit").await;
    sam.wait_text("#scan-message", |t| t.contains("已调整")).await;

    // A blind count of A-01-01-01 (3 on the books): 2 found.
    sam.goto("/console/counts").await;
    sam.check_layout().await;
    sam.wedge("A-01-01-01").await;
    sam.wait_text("#count-no", |t| t.starts_with("CC-")).await;
    let count_path = sam.path().await;
    assert_eq!(sam.find_all("#count-lines").await, 0, "the books are not shown while counting");
    sam.wedge(&f.sku.1).await;
    sam.wait_text("#count-tally td.counted", |t| t == "1").await;
    sam.type_into("#count-tally input[name='counted']", "2").await;
    sam.click("#count-tally button").await;
    sam.wait_text("#count-tally td.counted", |t| t == "2").await;
    sam.check_layout().await;
    sam.click("#submit-count").await;
    sam.wait_text("#count-status", |t| t == "待审核").await;
    assert_eq!(sam.text("#count-lines td.off").await, "-1");
    sam.find("#four-eyes").await;
    let tess = signed_in_to(&app, "tess", "supervisor", width, &count_path).await;
    tess.click("#approve-count").await;
    tess.wait_text("#count-status", |t| t == "已批准").await;
    let (_, stock) = app.get("/api/v1/stock/verify", &f.supervisor).await;
    assert_eq!(stock["mismatches"].as_array().map(Vec::len), Some(0), "{stock}");
    sam.close().await;
    tess.close().await;
}

/// Bin labels in a batch, printed with one button; one bin's label printed
/// from its page without leaving it.
async fn bin_labels_print_in_batches_and_from_the_bin_page(width: Width) {
    let app = spawn_app().await;
    bins(&app, &["A-01-01-01", "A-01-01-02", "A-01-02-01", "B-01-01-01"]);
    let sam = signed_in_to(&app, "sam2", "supervisor", width, "/console/bins").await;
    sam.click("#labels-link").await;
    sam.wait_path("/console/bins/labels").await;
    sam.type_into("#labels-from", "A-01-01-02").await;
    sam.type_into("#labels-to", "B-01-01-01").await;
    sam.click("#labels-show").await;
    sam.wait_text("#labels-count", |t| t == "3").await;
    sam.check_layout().await;
    let codes = sam.js("return [...document.querySelectorAll('.bin-label')].map(l => l.dataset.bin)").await;
    assert_eq!(codes, json!(["A-01-01-02", "A-01-02-01", "B-01-01-01"]));
    assert!(sam.find_all(".bin-label svg rect").await > 10, "each label has its barcode");
    sam.click("#print-labels").await;
    let printed = sam.js("return document.documentElement.getAttribute('data-printed')").await;
    assert_eq!(printed.as_str(), Some("page"));

    sam.goto("/console/bins/A-01-02-01").await;
    sam.click("#label-html").await;
    let printed = sam
        .js("return new Promise(r => { const t = setInterval(() => { const p = document.documentElement.getAttribute('data-printed'); if (p) { clearInterval(t); r(p); } }, 50); })")
        .await;
    assert_eq!(printed.as_str(), Some("/console/bins/A-01-02-01/label"));
    assert_eq!(sam.path().await, "/console/bins/A-01-02-01", "no detour: still on the bin page");
    sam.close().await;
}

both_widths!(
    the_dashboard_counts_what_the_shift_has_waiting,
    where_is_it_finds_stock_by_code_barcode_name_and_bin,
    a_supervisor_moves_adjusts_and_counts_stock,
    bin_labels_print_in_batches_and_from_the_bin_page,
);

/// Orders and parcels for supervisors: the buyer masked, the tasks, the
/// parcel; the inbound exceptions queue resolved with a note; the history
/// of finished shipments.
#[actix_web::test]
async fn supervisors_follow_orders_parcels_and_inbound_exceptions() {
    let app = spawn_app().await;
    let w = busy(&app).await;
    let sam = signed_in_to(&app, "sam2", "supervisor", Width::Desktop, "/console/orders?q=BR-HELD").await;
    sam.wait_text("#order-no", |t| !t.is_empty()).await;
    let buyer = sam.text("#buyer").await;
    assert!(buyer.contains("J*** D***") && !buyer.contains("Jane"), "{buyer}");
    assert!(sam.text("#order-parcel").await.contains("已拦截"));
    assert!(sam.text("#order-tasks").await.contains("A-01-01-01"));

    sam.goto("/console/inbound-exceptions").await;
    let short = sam
        .text(&format!("#inbound-exceptions tr[data-kind='short'][data-asn='{}']", w.received.asn_no))
        .await;
    assert!(short.contains('1'), "{short}");
    sam.type_into(
        "#inbound-exceptions tr[data-kind='short'] input[name='note']",
        "supplier will send 1 more",
    )
    .await;
    sam.click("#inbound-exceptions tr[data-kind='short'] button").await;
    sam.wait_text("#scan-message", |t| t.contains("已处理")).await;
    sam.find("#no-inbound-exceptions").await;
    sam.goto("/console/inbound-exceptions?show=resolved").await;
    assert!(sam.text("#inbound-exceptions").await.contains("supplier will send 1 more"));

    // Refused at the dock: it joins the history.
    world::ok(
        &app,
        &format!("/api/v1/asns/{}/reject", w.arriving.id),
        &w.arriving.staff,
        json!({"reason": "late"}),
    )
    .await;
    sam.goto("/console/shipments").await;
    let row = sam.text(&format!("#shipments tr[data-asn='{}']", w.arriving.asn_no)).await;
    assert!(row.contains("已拒收"), "{row}");
    let _ = (&w.floor, &w.parcel_path);
    sam.close().await;
}

/// The links and buttons a role is shown lead to pages it may open: no
/// navigation item, link or form leads to a 403.
#[actix_web::test]
async fn each_role_is_shown_only_what_it_may_use() {
    let app = spawn_app().await;
    let _w = busy(&app).await;
    for role in ["receiver", "qc", "picker", "packer", "shipping", "returns", "supervisor", "admin"] {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        let username = format!("crawl-{role}");
        app.staff(&username, role);
        let page = client.get(app.url("/console/login")).send().await.unwrap().text().await.unwrap();
        let marker = "name=\"csrf_token\" value=\"";
        let start = page.find(marker).unwrap() + marker.len();
        let token = &page[start..start + page[start..].find('"').unwrap()];
        let r = client
            .post(app.url("/console/login"))
            .form(&[("username", username.as_str()), ("password", PASSWORD), ("csrf_token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from(["/console".to_owned()]);
        while let Some(path) = queue.pop_front() {
            if !seen.insert(path.clone()) || seen.len() > 120 {
                continue;
            }
            let r = client.get(app.url(&path)).send().await.unwrap();
            let status = r.status().as_u16();
            assert_ne!(status, 403, "{role} was shown a way to {path}, which it may not open");
            if status != 200 {
                continue;
            }
            let ct =
                r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            if !ct.starts_with("text/html") {
                continue;
            }
            let html = r.text().await.unwrap();
            let csrf = html
                .find(marker)
                .map(|i| &html[i + marker.len()..])
                .map(|r| r[..r.find('"').unwrap()].to_owned())
                .unwrap_or_default();
            for attr in ["href=\"", "action=\""] {
                for (i, _) in html.match_indices(attr) {
                    let rest = &html[i + attr.len()..];
                    let link = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
                    let skip = ["/console/logout", "/console/lang/", "/console/assets/", "/console/login"];
                    if !link.starts_with("/console") || skip.iter().any(|s| link.starts_with(s)) {
                        continue;
                    }
                    if attr == "href=\"" {
                        if !link.contains("/label") {
                            queue.push_back(link);
                        }
                        continue;
                    }
                    // A form shown to this role must be one it may submit:
                    // sent with the token and nothing else, it is refused
                    // for what is missing, never for who sent it.
                    if html[..i].rfind("<form").is_some_and(|f| html[f..i].contains("method=\"get\"")) {
                        queue.push_back(link);
                        continue;
                    }
                    let r = client
                        .post(app.url(&link))
                        .form(&[("csrf_token", csrf.as_str())])
                        .send()
                        .await
                        .unwrap();
                    assert_ne!(
                        r.status().as_u16(),
                        403,
                        "{role} was shown a form posting to {link} that it may not use"
                    );
                }
            }
        }
        assert!(seen.len() >= 3, "{role} saw {seen:?}");
    }
}

/// In Chinese, no English leaks into a floor page: no untranslated key, no
/// stored English word, no English product name.
#[actix_web::test]
async fn every_floor_page_reads_in_chinese_only() {
    let app = spawn_app().await;
    let w = busy(&app).await;
    let admin = signed_in(&app, "ana", "admin").await;
    // The admin pages list keys and accounts: data, not the console's words.
    let pages: Vec<String> =
        floor_pages(&w).into_iter().filter(|p| !p.ends_with("/api-keys") && !p.ends_with("/staff")).collect();
    // Names of people and things the test made (not words of the console).
    let allowed: BTreeSet<&str> = [
        "ana", "sam", "packer", "busy", "picker", "tote", "arranger", "sf", "today", "dock", "rcvd", "mm",
        // The zone name the clock line gives (an IANA name).
        "asia", "shanghai",
    ]
    .into_iter()
    .collect();
    for path in &pages {
        admin.goto(path).await;
        admin.find("main").await;
        // What a person reads: the page's text, its options included; text
        // people typed (notes) is theirs, in whatever language they typed it.
        let text = admin
            .js("const m = document.querySelector('main').cloneNode(true);
                 m.querySelectorAll('.note, [hidden], script').forEach(e => e.remove());
                 return m.textContent + ' ' + document.querySelector('nav').textContent")
            .await;
        let text = text.as_str().unwrap_or_default().to_owned();
        assert!(!text.contains('⚠'), "{path}: an untranslated key or word: {text}");
        let english: Vec<String> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 2 && w.chars().any(|c| c.is_ascii_lowercase()))
            .map(str::to_ascii_lowercase)
            .filter(|w| !allowed.contains(w.as_str()))
            .collect();
        assert!(english.is_empty(), "{path}: English in the Chinese console: {english:?}\n{text}");
    }
    admin.close().await;
}

/// Every floor page holds on the narrowest handheld too (360 px): nothing
/// overflows, inputs and buttons stay usable.
#[actix_web::test]
async fn every_floor_page_holds_at_360_px() {
    let app = spawn_app().await;
    let w = busy(&app).await;
    let b = signed_in_at(&app, "ana", "admin", Width::Narrow).await;
    let pages = floor_pages(&w);
    for path in &pages {
        b.goto(path).await;
        b.find("main").await;
        let vw = b.check_layout().await;
        assert!(vw <= 360, "{path}: {vw} px wide");
    }
    b.close().await;
}

/// Times are the warehouse's local time, where they are read and where they
/// are typed (the wave cut-off).
#[actix_web::test]
async fn times_are_read_and_typed_in_the_warehouses_time_zone() {
    let app = spawn_app().await;
    let f = world::floor(&app, &[("A-01-01-01", 10)]).await;
    let s = world::shipment_of(&app, "SUP-TZ", 2, "SF-TZ", &[1]).await;
    {
        use custody::db::schema::asns;
        use custody::db::types::Timestamp;
        use diesel::prelude::*;
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T18:40:00Z").unwrap().to_utc();
        let mut conn = app.pool.get().unwrap();
        diesel::update(asns::table.filter(asns::asn_no.eq(&s.asn_no)))
            .set(asns::estimated_arrival.eq(Timestamp(at)))
            .execute(&mut *conn)
            .unwrap();
    }
    // Two orders: ship by 09:00 and 11:00 on 1 March 2027, Guangzhou time.
    for (id, utc) in [("BR-TZ-9", "2027-03-01T01:00:00Z"), ("BR-TZ-11", "2027-03-01T03:00:00Z")] {
        let o = world::order(&app, &f, id, 1).await;
        set_ship_by(
            &app,
            o["order_no"].as_str().unwrap(),
            chrono::DateTime::parse_from_rfc3339(utc).unwrap().to_utc(),
        );
    }
    let sam = signed_in_to(&app, "sam2", "supervisor", Width::Desktop, "/console/dock").await;
    let row = sam.text(&format!("#arriving tr[data-asn='{}']", s.asn_no)).await;
    assert!(row.contains("2026-12-07 02:40"), "18:40 UTC is 02:40 the next day in Guangzhou: {row}");
    assert!(sam.text("#clock").await.contains("Asia/Shanghai"));
    // A cut-off typed as 10:00 local takes the 09:00 order, not the 11:00 one.
    sam.goto("/console/waves").await;
    sam.js("document.getElementById('wave-cutoff').value = '2027-03-01T10:00'").await;
    sam.click("#release-wave").await;
    let m = sam.wait_text("#scan-message", |t| t.contains("已放出")).await;
    assert!(m.contains("1 个订单"), "{m}");
    sam.goto("/console/orders?q=BR-TZ-11").await;
    assert_eq!(
        sam.find("#order-status").await.attr("data-status").await.unwrap().as_deref(),
        Some("allocated")
    );
    let ship_by = sam.text(".facts").await;
    assert!(ship_by.contains("2027-03-01 11:00"), "{ship_by}");
    sam.close().await;
}
