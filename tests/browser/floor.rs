//! What keeps the floor from being fooled, whatever the screen: every POST
//! redirects (a refresh or Back never resubmits), a worker whose session
//! expired loses neither the scan nor the place, and switching language
//! never leaves the task.

use serde_json::json;

use crate::common::{PASSWORD, spawn_app};
use crate::driver::{Browser, Width};
use crate::{both_widths, signed_in_to, world};

fn counted(app: &crate::common::TestApp) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query("SELECT CAST(COALESCE(SUM(counted), 0) AS BIGINT) AS n FROM asn_carton_items")
        .get_result::<N>(&mut *conn)
        .unwrap()
        .n
}

/// Item 3: a refresh never re-submits (a unit is counted once, a key made
/// once), and Back shows the current state, not a resubmission.
async fn a_refresh_or_back_never_submits_again(width: Width) {
    let app = spawn_app().await;
    let s = world::shipment(&app, "SF950", &[5]).await;
    let rita =
        signed_in_to(&app, "rita", "receiver", width, &format!("/console/receiving/{}", s.asn_no)).await;
    rita.wedge(&format!("{}-C001", s.asn_no)).await;
    rita.wait_text("#scan-message", |t| t.contains("已开第 1 箱")).await;
    rita.wedge(&s.barcode).await;
    rita.wait_text("#scan-message", |t| t.contains("已点入")).await;
    assert_eq!(counted(&app), 1);
    let here = rita.path().await;
    assert_eq!(
        here,
        format!("/console/receiving/{}", s.asn_no),
        "the answer to the scan is a page of its own"
    );
    rita.client.refresh().await.unwrap();
    rita.wait_text("#tally td.counted", |_| true).await;
    assert_eq!(counted(&app), 1, "a refresh counted nothing");
    assert_eq!(rita.find_all("#scan-message").await, 0, "the message was shown once");
    rita.wedge(&s.barcode).await;
    rita.wait_text("#tally td.counted", |t| t == "2").await;
    rita.goto("/console/dock").await;
    rita.client.back().await.unwrap();
    rita.wait_text("#tally td.counted", |t| t == "2").await;
    assert_eq!(rita.path().await, here, "Back is the page, as it is now");
    assert_eq!(counted(&app), 2);
    rita.close().await;

    // A new API key: shown once, and a refresh makes no second one.
    let ana = signed_in_to(&app, "ana", "admin", width, "/console/api-keys").await;
    ana.find("#owner").await.select_by_value("platform").await.unwrap();
    ana.type_into("#label", "OMS").await;
    ana.click("#create-key").await;
    let key = ana.wait_text("#new-key", |t| t.starts_with("cus_plt_")).await;
    ana.check_layout().await;
    let keys = app.count("api_keys");
    ana.client.refresh().await.unwrap();
    ana.find("#keys").await;
    assert_eq!(app.count("api_keys"), keys, "a refresh made no second key");
    assert_eq!(ana.find_all("#new-key").await, 0, "the key is shown once");
    let (status, _) = app.get("/api/v1/me", &key).await;
    assert_eq!(status, 200);
    ana.close().await;
}

fn expire_sessions(app: &crate::common::TestApp) {
    use diesel::RunQueryDsl;
    let mut conn = app.pool.get().unwrap();
    diesel::sql_query("DELETE FROM console_sessions").execute(&mut *conn).unwrap();
}

/// Item 9: a session that expires mid-task loses neither the scan (the
/// worker is told it was not recorded) nor the place; switching language
/// never leaves the task.
async fn an_expired_session_keeps_the_workers_place_and_says_the_scan_was_lost(width: Width) {
    let app = spawn_app().await;
    let f = world::floor(&app, &[("A-01-01-01", 3)]).await;
    world::order(&app, &f, "BR-EXP-1", 2).await;
    world::ok(&app, "/api/v1/waves", &f.supervisor, json!({})).await;
    let pia = signed_in_to(&app, "pia", "picker", width, "/console/pick").await;
    pia.click("#next-task").await;
    pia.wedge("A-01-01-01").await;
    pia.wait_text("#bin-ok", |_| true).await;

    // Language: the task and its step stay.
    pia.click("#lang-en").await;
    pia.wait_text("#logout", |t| t == "Log out").await;
    assert_eq!(pia.path().await, "/console/pick");
    assert_eq!(pia.find("#step").await.attr("data-step").await.unwrap().as_deref(), Some("unit"));
    pia.click("#lang-zh").await;
    pia.wait_text("#logout", |t| t == "退出登录").await;
    assert_eq!(pia.find("#step").await.attr("data-step").await.unwrap().as_deref(), Some("unit"));

    // The session ends; the next scan is not recorded, and says so.
    expire_sessions(&app);
    pia.wedge(&f.sku.1).await;
    pia.wait_path(&format!("/console/login?next=/console/pick&lost={}", f.sku.1)).await;
    let lost = pia.text("#problems").await;
    assert!(lost.contains(&f.sku.1) && lost.contains("未被记录"), "{lost}");
    assert!(pia.text("#login-expired").await.contains("登录已过期"));
    pia.check_layout().await;
    pia.type_into("#username", "pia").await;
    pia.type_into("#password", PASSWORD).await;
    pia.click("#login").await;

    // Back at the task, at the same step, the scan to do again in the field.
    pia.wait_path("/console/pick").await;
    let m = pia.text("#scan-message").await;
    assert!(m.contains(&f.sku.1) && m.contains("请重新扫描"), "{m}");
    assert_eq!(pia.find("#step").await.attr("data-step").await.unwrap().as_deref(), Some("unit"));
    assert_eq!(pia.text("#units-scanned").await, "0", "the lost scan was not counted");
    let field = pia.find("#scan").await.prop("value").await.unwrap();
    assert_eq!(field.as_deref(), Some(f.sku.1.as_str()), "the lost scan is in the field");
    pia.wedge(&f.sku.1).await;
    pia.wait_text("#units-scanned", |t| t == "1").await;
    pia.close().await;

    // A page opened after expiry also comes back to itself.
    let b = Browser::open_at(&app.base, width).await;
    b.goto("/console/stock?q=SKU-1").await;
    b.wait_path("/console/login?next=/console/stock%3Fq%3DSKU-1").await;
    b.type_into("#username", "pia").await;
    b.type_into("#password", PASSWORD).await;
    b.click("#login").await;
    b.wait_path(&format!("/console/stock/sku/{}", f.sku.0)).await;
    b.close().await;
}

both_widths!(
    a_refresh_or_back_never_submits_again,
    an_expired_session_keeps_the_workers_place_and_says_the_scan_was_lost
);

/// Every console form answers with a redirect, refusals included; nothing
/// answers a POST with a page that a refresh would send again.
#[actix_web::test]
async fn every_console_form_redirects() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    let page = app.client.get(app.url("/console/login")).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let token = |html: &str| {
        let start = html.find(marker).expect("a CSRF field") + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    };
    let login_token = token(&page);
    let r = app
        .client
        .post(app.url("/console/login"))
        .form(&[("username", "ana"), ("password", PASSWORD), ("csrf_token", login_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = app.client.get(app.url("/console/staff")).send().await.unwrap().text().await.unwrap();
    let csrf = token(&page);
    // Each route with a body that is wrong in some way (or right): the
    // answer is a redirect every time, never a page.
    let posts = [
        "/console/dock",
        "/console/dock/ASN-NOPE/reject",
        "/console/receiving/ASN-NOPE/scan",
        "/console/receiving/ASN-NOPE/cartons/1/close",
        "/console/receiving/ASN-NOPE/close",
        "/console/qc/ASN-NOPE/scan",
        "/console/qc/ASN-NOPE/verdict",
        "/console/qc/ASN-NOPE/measure",
        "/console/putaway/ASN-NOPE",
        "/console/putaway/ASN-NOPE/confirm",
        "/console/putaway/ASN-NOPE/reset",
        "/console/inbound-exceptions/00000000-0000-0000-0000-000000000000",
        "/console/waves",
        "/console/pick",
        "/console/pick/next",
        "/console/pick/count",
        "/console/pick/short",
        "/console/pick/reset",
        "/console/pack",
        "/console/stock/move",
        "/console/stock/adjust",
        "/console/counts",
        "/console/suppliers",
        "/console/api-keys",
        "/console/staff",
        "/console/bins/import",
    ];
    // The console never sends these without their ids: a hand-made request
    // without them is a 400 page, not an action.
    let malformed = ["/console/qc/ASN-NOPE/verdict", "/console/qc/ASN-NOPE/measure"];
    for path in posts {
        let r = app
            .client
            .post(app.url(path))
            .form(&[("csrf_token", csrf.as_str()), ("code", "X-1"), ("scan", "X-1"), ("result", "pass")])
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        if malformed.contains(&path) {
            assert_eq!(status, 400, "{path}");
            continue;
        }
        assert_eq!(status, 303, "{path} answers with a redirect");
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with("/console"), "{path} -> {to}");
    }
}
