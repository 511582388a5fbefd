//! The staff console in a real browser (headless Chromium driven through
//! chromedriver by fantoccini), plus the console's HTTP-level security
//! checks (CSRF, login CSRF, throttling, roles) with a plain HTTP client.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian packages
//! `chromium`, `chromium-driver`). Runs on SQLite, or on PostgreSQL when
//! `CUSTODY_TEST_DATABASE_URL` is set. The floor flows run twice, on a
//! desktop and on a 480 px handheld (`both_widths!`); CI runs the desktop
//! runs in its SQLite pass and the handheld runs in its PostgreSQL pass
//! (`.ci/run` says why).
//! `CUSTODY_TEST_SCREENSHOTS=/some/dir` saves screenshots (docs/screenshots is
//! where the README's come from).

#[path = "../common/mod.rs"]
mod common;
mod driver;
mod floor;
mod inbound;
mod outbound;
mod returns;
mod screens;
mod shipping;
mod tracking;
mod world;

use common::{PASSWORD, TestApp, spawn_app};
use custody::warehouse::domain::BinType;
use custody::warehouse::service::{self as warehouse, BinInput};
use driver::{Browser, Width};
use fantoccini::key::Key;

/// Runs a scenario `async fn name(width: Width)` as two tests,
/// `name::desktop` and `name::handheld` (`.ci/run` filters on these names:
/// keep them).
#[macro_export]
macro_rules! both_widths {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn desktop() {
                    super::$name($crate::driver::Width::Desktop).await
                }
                #[actix_web::test]
                async fn handheld() {
                    super::$name($crate::driver::Width::Handheld).await
                }
            }
        )+
    };
}

fn bins(app: &TestApp, codes: &[&str]) {
    bins_of(app, BinType::Storage, codes);
}

fn bins_of(app: &TestApp, bin_type: BinType, codes: &[&str]) {
    let inputs: Vec<BinInput> = codes
        .iter()
        .map(|c| BinInput { code: (*c).to_owned(), bin_type, capacity_units: Some(100) })
        .collect();
    app.tx(|tx| warehouse::create_bins(tx, &inputs, true));
}

async fn sign_in(b: &Browser, username: &str, password: &str) {
    b.goto("/console/login").await;
    b.type_into("#username", username).await;
    b.type_into("#password", password).await;
    b.click("#login").await;
}

async fn signed_in(app: &TestApp, username: &str, role: &str) -> Browser {
    signed_in_at(app, username, role, Width::Desktop).await
}

/// A browser with `username` signed in, on the dashboard.
async fn signed_in_at(app: &TestApp, username: &str, role: &str, width: Width) -> Browser {
    let b = signed_in_to(app, username, role, width, "/console").await;
    b.find("#dashboard").await;
    b
}

/// A browser with `username` signed in, on the page at `path`. The session
/// is opened the way the login page opens it and its cookie handed to the
/// browser before the first page loads: typing into the login form costs
/// most of a second per test, and the login form has tests of its own.
async fn signed_in_to(app: &TestApp, username: &str, role: &str, width: Width, path: &str) -> Browser {
    app.staff(username, role);
    let session = app.tx(|tx| {
        let user = custody::auth::service::login_candidate(tx, username)?
            .verify(PASSWORD)
            .expect("the account just made");
        custody::auth::service::open_session(tx, user, chrono::Duration::hours(1))
    });
    let b = Browser::open_at(&app.base, width).await;
    use custody::console::session::{COOKIE_PATH, SESSION_COOKIE};
    b.set_cookie(SESSION_COOKIE, &session.token, COOKIE_PATH).await;
    b.goto(path).await;
    let at = b.path().await;
    assert!(!at.starts_with("/console/login"), "{username} was sent to the login page ({at}) from {path}");
    b
}

// ---------------------------------------------------------------- browser

#[actix_web::test]
async fn a_wrong_password_is_refused_and_the_right_one_opens_the_dashboard() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    let b = Browser::open(&app.base).await;

    b.goto("/console").await;
    b.wait_path("/console/login").await;
    assert_eq!(b.focused_id().await, "username", "the username field has focus");

    sign_in(&b, "ana", "not the password").await;
    let error = b.text("#login-error").await;
    assert_eq!(error, "用户名或密码错误。");
    let kept = b.find("#username").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("ana"), "the username is kept");
    assert_eq!(b.path().await, "/console/login?e=wrong&u=ana", "answered by a redirect (no resubmit)");

    sign_in(&b, "ana", PASSWORD).await;
    b.find("#dashboard").await;
    assert_eq!(b.path().await, "/console");
    assert_eq!(b.text("#who .name").await, "ana");
    b.close().await;
}

#[actix_web::test]
async fn the_language_switch_turns_the_console_english_and_back() {
    let app = spawn_app().await;
    let b = signed_in(&app, "ana", "admin").await;
    let lang = "return document.documentElement.lang";

    assert_eq!(b.text("#logout").await, "退出登录", "Chinese is the default");
    assert_eq!(b.js(lang).await, "zh-CN");

    b.click("#lang-en").await;
    b.wait_text("#logout", |t| t == "Log out").await;
    assert_eq!(b.js(lang).await, "en");
    assert_eq!(b.path().await, "/console", "the switch returns to the same page");
    assert_eq!(b.text("nav.mainnav a[aria-current=page]").await, "Dashboard");

    b.click("#lang-zh").await;
    b.wait_text("#logout", |t| t == "退出登录").await;
    assert_eq!(b.js(lang).await, "zh-CN");
    b.close().await;
}

#[actix_web::test]
async fn scanning_a_bin_opens_it_and_an_unknown_code_keeps_the_scan_field_ready() {
    let app = spawn_app().await;
    bins(&app, &["A-01-02-03", "A-01-02-04"]);
    let b = signed_in(&app, "pat", "picker").await;
    assert_eq!(b.focused_id().await, "scan", "the scan field has focus on load");

    // A keyboard-wedge scanner types the code and presses Enter into whatever has focus.
    let scan = b.client.active_element().await.unwrap();
    scan.send_keys(&format!("A-01-02-03{}", char::from(Key::Enter))).await.unwrap();
    b.wait_path("/console/bins/A-01-02-03").await;
    assert_eq!(b.text("#bin-code").await, "A-01-02-03");
    assert_eq!(b.focused_id().await, "scan", "the bin page is ready for the next scan");
    let label = b.find("#label-html").await.attr("href").await.unwrap();
    assert_eq!(label.as_deref(), Some("/console/bins/A-01-02-03/label"));
    b.screenshot("bin").await;

    b.client.active_element().await.unwrap().send_keys("Z-99-99-99\n").await.unwrap();
    let message = b.text("#scan-missing").await;
    assert!(message.contains("未找到") && message.contains("Z-99-99-99"), "{message}");
    assert_eq!(b.path().await, "/console/bins/A-01-02-03", "a miss stays on the page");
    assert_eq!(b.focused_id().await, "scan", "the scan field keeps focus after a miss");

    // The next scan replaces the selected text of the miss.
    b.client.active_element().await.unwrap().send_keys("a-01-02-04\n").await.unwrap();
    b.wait_path("/console/bins/A-01-02-04").await;
    assert_eq!(b.text("#bin-code").await, "A-01-02-04");
    b.close().await;
}

#[actix_web::test]
async fn the_scan_field_works_without_javascript_too() {
    let app = spawn_app().await;
    let b = signed_in_to(&app, "pat", "picker", Width::Desktop, "/console/scan?code=NOPE-1").await;
    let message = b.text("#scan-missing").await;
    assert!(message.contains("NOPE-1"), "{message}");
    assert_eq!(b.focused_id().await, "scan");
    b.close().await;
}

#[actix_web::test]
async fn logging_out_ends_the_session() {
    let app = spawn_app().await;
    let b = signed_in(&app, "ana", "supervisor").await;
    b.click("#logout").await;
    b.wait_path("/console/login").await;
    b.find("#username").await;
    assert_eq!(app.count("console_sessions"), 0, "the session is deleted");

    b.goto("/console/bins").await;
    b.wait_path("/console/login?next=/console/bins").await;
    b.close().await;
}

#[actix_web::test]
async fn a_floor_role_sees_no_admin_pages_and_is_refused_them() {
    let app = spawn_app().await;
    let b = signed_in(&app, "pat", "packer").await;
    let nav: Vec<String> = b
        .js("return [...document.querySelectorAll('nav.mainnav a')].map(a => a.getAttribute('href'))")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        nav,
        ["/console", "/console/pack", "/console/stock", "/console/bins"],
        "a packer's own screen, no admin pages"
    );
    assert_eq!(b.text("#who .role").await, "打包员");

    b.goto("/console/staff").await;
    assert_eq!(b.text("#error-message").await, "你的角色无权使用此页面。");
    b.goto("/console/bins").await;
    assert!(
        b.client.find(fantoccini::Locator::Css("#import-link")).await.is_err(),
        "no import for floor roles"
    );
    b.close().await;
}

#[actix_web::test]
async fn an_admin_registers_a_supplier_after_fixing_the_form() {
    let app = spawn_app().await;
    let b = signed_in(&app, "ana", "admin").await;
    b.click("#lang-en").await;
    b.wait_text("#logout", |t| t == "Log out").await;
    b.goto("/console/suppliers").await;

    b.type_into("#code", "bad code!").await;
    b.type_into("#name_zh", "深圳玩具").await;
    b.type_into("#name_en", "Shenzhen Toys").await;
    b.type_into("#return_address", "深圳市宝安区").await;
    b.click("#create-supplier").await;
    let problems = b.text("#problems").await;
    assert!(problems.contains("Code"), "{problems}");
    assert_eq!(b.path().await, "/console/suppliers", "answered by a redirect");
    assert_eq!(app.count("suppliers"), 0, "nothing is written");
    let kept = b.find("#name_zh").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("深圳玩具"), "the input is kept");

    b.type_into("#code", "sz-toys").await;
    b.click("#create-supplier").await;
    b.wait_text("#scan-message", |t| t == "Supplier created.").await;
    assert_eq!(b.text("#suppliers tbody td .code").await, "SZ-TOYS");
    assert_eq!(app.count("suppliers"), 1);
    b.close().await;
}

// ------------------------------------------------------------------- HTTP

/// The hidden CSRF field of the first form in `html`.
fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn http_sign_in(app: &TestApp, username: &str) -> reqwest::Response {
    let page = app.client.get(app.url("/console/login")).send().await.unwrap().text().await.unwrap();
    let token = csrf_field(&page);
    app.client
        .post(app.url("/console/login"))
        .form(&[("username", username), ("password", PASSWORD), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap()
}

async fn console_page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[actix_web::test]
async fn the_session_cookie_is_http_only_strict_and_scoped_to_the_console() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    let r = http_sign_in(&app, "ana").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("custody_session="))
        .expect("a session cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{part} missing from {cookie}");
    }
    assert!(!cookie.contains("Secure"), "the test app runs with cookie_secure=false");
}

#[actix_web::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    http_sign_in(&app, "ana").await;
    let (_, page) = console_page(&app, "/console/suppliers").await;
    let token = csrf_field(&page);
    let supplier = [
        ("code", "SZ-TOYS"),
        ("name_zh", "深圳玩具"),
        ("name_en", "Shenzhen Toys"),
        ("return_address", "深圳市宝安区"),
    ];

    let missing = app.client.post(app.url("/console/suppliers")).form(&supplier).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    assert!(missing.text().await.unwrap().contains("请求被拒绝"));
    let mut wrong = supplier.to_vec();
    wrong.push(("csrf_token", "0000"));
    let wrong = app.client.post(app.url("/console/suppliers")).form(&wrong).send().await.unwrap();
    assert_eq!(wrong.status(), 403);
    let logout = app.client.post(app.url("/console/logout")).send().await.unwrap();
    assert_eq!(logout.status(), 403, "logout is a form like any other");
    assert_eq!(app.count("suppliers"), 0);
    assert_eq!(app.count("console_sessions"), 1);

    let mut right = supplier.to_vec();
    right.push(("csrf_token", token.as_str()));
    let ok = app.client.post(app.url("/console/suppliers")).form(&right).send().await.unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(app.count("suppliers"), 1);
}

#[actix_web::test]
async fn a_login_without_the_login_form_token_is_refused() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    // What a forged cross-site form would send: no cookie, no matching token.
    let r = app
        .client
        .post(app.url("/console/login"))
        .form(&[("username", "ana"), ("password", PASSWORD), ("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console/login?e=expired&u=ana");
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("custody_session="))
    );
    assert_eq!(app.count("console_sessions"), 0);
}

#[actix_web::test]
async fn repeated_wrong_passwords_lock_the_login_for_a_while() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    let page = app.client.get(app.url("/console/login")).send().await.unwrap().text().await.unwrap();
    let token = csrf_field(&page);
    let attempt = |password: &'static str| {
        app.client
            .post(app.url("/console/login"))
            .form(&[("username", "ana"), ("password", password), ("csrf_token", token.as_str())])
            .send()
    };
    for _ in 0..5 {
        let r = attempt("wrong password!").await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/console/login?e=wrong&u=ana");
    }
    let locked = attempt(PASSWORD).await.unwrap();
    assert_eq!(locked.status(), 303);
    let to = locked.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/console/login?e=locked&m=15"),
        "even the right password waits out the lockout: {to}"
    );
    let (_, page) = console_page(&app, &to).await;
    assert!(page.contains("失败次数过多"), "{page}");
    assert_eq!(app.count("console_sessions"), 0);
}

#[actix_web::test]
async fn roles_decide_which_console_pages_open() {
    let app = spawn_app().await;
    app.staff("sam", "supervisor");
    http_sign_in(&app, "sam").await;
    assert_eq!(console_page(&app, "/console/suppliers").await.0, 200);
    let (_, page) = console_page(&app, "/console/suppliers").await;
    assert!(!page.contains("action=\"/console/suppliers\""), "supervisors read suppliers only");
    for admin_only in ["/console/staff", "/console/api-keys", "/console/bins/import"] {
        assert_eq!(console_page(&app, admin_only).await.0, 403, "{admin_only}");
    }
    let token = csrf_field(&page);
    let r = app
        .client
        .post(app.url("/console/suppliers"))
        .form(&[
            ("code", "X"),
            ("name_zh", "x"),
            ("name_en", "x"),
            ("return_address", "x"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("suppliers"), 0);
}

#[actix_web::test]
async fn console_pages_redirect_to_the_login_without_a_session() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/console")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/console/login"));
    for path in ["/console/bins", "/console/staff", "/console/bins/A-01-01-01"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(
            r.headers()["location"],
            format!("/console/login?next={path}"),
            "back to {path} after sign-in"
        );
    }
    let htmx = app
        .client
        .get(app.url("/console/scan?code=A"))
        .header("HX-Request", "true")
        .header("HX-Current-URL", app.url("/console/bins"))
        .send()
        .await
        .unwrap();
    assert_eq!(htmx.headers()["hx-redirect"], "/console/login?next=/console/bins");
}

#[actix_web::test]
async fn an_admin_imports_bins_all_or_nothing_and_keys_are_shown_once() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    http_sign_in(&app, "ana").await;
    let (_, page) = console_page(&app, "/console/bins/import").await;
    let token = csrf_field(&page);
    let keys_before = app.count("api_keys");

    let bad = "code,bin_type,capacity_units\nA-01-01-01,storage,10\nA-1-1,storage,\nA-01-01-02,shelf,\n";
    let r = app
        .client
        .post(app.url("/console/bins/import"))
        .form(&[("csv", bad), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console/bins/import");
    let (_, body) = console_page(&app, "/console/bins/import").await;
    assert!(body.contains("第 3 行") && body.contains("第 4 行"), "problems by line: {body}");
    assert!(body.contains("A-1-1"), "the input is kept");
    assert_eq!(app.count("bins"), 0);

    let good = "code,bin_type,capacity_units\nA-01-01-01,storage,10\nQC-01-01-01,qc,\n";
    let r = app
        .client
        .post(app.url("/console/bins/import"))
        .form(&[("csv", good), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/console/bins");
    let (_, body) = console_page(&app, "/console/bins").await;
    assert!(body.contains("已导入 2 个库位"), "{body}");
    assert_eq!(app.count("bins"), 2);

    let (status, label) = console_page(&app, "/console/bins/A-01-01-01/label?format=zpl").await;
    assert_eq!(status, 200);
    assert!(label.starts_with("^XA") && label.contains("A-01-01-01"));

    let r = app
        .client
        .post(app.url("/console/api-keys"))
        .form(&[("owner", "platform"), ("label", "OMS"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "Post/Redirect/Get: a refresh cannot make a second key");
    let shown = app.client.get(app.url("/console/api-keys")).send().await.unwrap();
    assert_eq!(shown.headers()["cache-control"], "no-store");
    let shown = shown.text().await.unwrap();
    let start = shown.find("cus_plt_").expect("the new key is shown");
    let key = &shown[start..start + 8 + 64];
    assert_eq!(app.count("api_keys"), keys_before + 1);
    let (_, list) = console_page(&app, "/console/api-keys").await;
    assert!(!list.contains(key), "the plaintext is shown once only");
    let (status, _) = app.get("/api/v1/me", key).await;
    assert_eq!(status, 200, "the key works");

    // Revoked in the console, the key stops at once (it was just resolved,
    // so the server holds it in its cache of recent keys).
    let at = list.find("/revoke\"").expect("a revoke action");
    let id = &list[at - 36..at];
    let r = app
        .client
        .post(app.url(&format!("/console/api-keys/{id}/revoke")))
        .form(&[("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, _) = app.get("/api/v1/me", key).await;
    assert_eq!(status, 401, "a revoked key is refused at once");
}

#[actix_web::test]
async fn an_admin_opens_every_page_and_manages_staff() {
    let app = spawn_app().await;
    app.staff("ana", "admin");
    app.supplier("SZ-TOYS");
    bins(&app, &["A-01-01-01"]);
    http_sign_in(&app, "ana").await;
    for path in [
        "/console",
        "/console/bins",
        "/console/bins?zone=A&type=storage&prefix=A-01",
        "/console/bins/A-01-01-01",
        "/console/bins/import",
        "/console/bins/labels",
        "/console/bins/labels?zone=A",
        "/console/suppliers",
        "/console/api-keys",
        "/console/staff",
        "/console/stock",
        "/console/stock?q=nothing-like-it",
        "/console/stock/move",
        "/console/stock/adjust",
        "/console/counts",
        "/console/dock",
        "/console/inbound-exceptions",
        "/console/inbound-exceptions?show=resolved",
        "/console/shipments",
        "/console/orders",
        "/console/waves",
        "/console/exceptions",
        "/console/pick",
        "/console/pack",
    ] {
        let (status, page) = console_page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains("<html lang=\"zh-CN\">") && !page.contains('⚠'), "{path}: no missing text");
    }
    assert_eq!(console_page(&app, "/console/bins/Z-09-09-09").await.0, 404);
    assert_eq!(console_page(&app, "/console/no-such-page").await.0, 404);

    let (_, page) = console_page(&app, "/console/staff").await;
    let token = csrf_field(&page);
    let short = [("username", "li.lei"), ("display_name", "李雷"), ("role", "packer"), ("password", "short")];
    let mut form = short.to_vec();
    form.push(("csrf_token", &token));
    let r = app.client.post(app.url("/console/staff")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let cookies: Vec<String> =
        r.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_owned()).collect();
    assert!(cookies.iter().all(|c| !c.contains("short")), "the password is never sent back: {cookies:?}");
    let (_, body) = console_page(&app, "/console/staff").await;
    assert!(body.contains("至少 10 个字符") && body.contains("value=\"李雷\""), "problem shown, input kept");
    assert!(!body.contains("value=\"short\""), "the password is never sent back");
    assert_eq!(app.count("staff_users"), 1);

    form[3] = ("password", PASSWORD);
    let r = app.client.post(app.url("/console/staff")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.count("staff_users"), 2);
    let (_, page) = console_page(&app, "/console/staff").await;
    assert!(page.contains("员工账号已创建"));
    let (_, again) = console_page(&app, "/console/staff").await;
    assert!(!again.contains("员工账号已创建"), "a flash is shown once");
    let id_at =
        page.find("action=\"/console/staff/").expect("a row action") + "action=\"/console/staff/".len();
    let id = &page[id_at..id_at + 36];
    let r = app
        .client
        .post(app.url(&format!("/console/staff/{id}/active")))
        .form(&[("active", "false"), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = console_page(&app, "/console/staff").await;
    assert!(page.contains("已停用"));
}
