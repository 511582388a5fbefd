//! Real headless Chromium through chromedriver. A browser a test closed
//! cleanly is wiped (cookies, storage, the page) and kept for the next test
//! of the same width: starting one costs most of a second. A browser whose
//! test failed is never reused: when its guard drops, the driver and every
//! process it started are killed by their ids. A watchdog per driver kills
//! its process group when the test binary exits, so that kept browsers do
//! not outlive the run.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long any wait may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub struct Chromedriver {
    child: Child,
    /// Kills the driver's process group once the test binary is gone.
    watchdog: Option<Child>,
    port: u16,
    pub url: String,
    profile: PathBuf,
    /// The WebDriver session, once one is open: ended cleanly on drop.
    session: Option<String>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Chromedriver {
    pub async fn start() -> Self {
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            // Its own process group, with the browser it starts: the
            // watchdog kills the group.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {CHROMEDRIVER} ({e}); apt-get install chromium chromium-driver")
            });
        let profile =
            std::env::temp_dir().join(format!("custody-chromium-{}", uuid::Uuid::now_v7().simple()));
        let watchdog = Command::new("sh")
            .args([
                "-c",
                "while kill -0 \"$0\" 2>/dev/null; do sleep 0.5; done; kill -9 \"-$1\"; rm -rf \"$2\"",
            ])
            .arg(std::process::id().to_string())
            .arg(child.id().to_string())
            .arg(&profile)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        let driver =
            Self { child, watchdog, port, url: format!("http://127.0.0.1:{port}"), profile, session: None };
        let started = Instant::now();
        let http = reqwest::Client::new();
        loop {
            let up = http
                .get(format!("{}/status", driver.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return driver;
            }
            assert!(started.elapsed() < PATIENCE, "chromedriver did not answer on {}", driver.url);
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `DELETE /session/{id}`, synchronously (Drop cannot await): the driver
    /// closes the browser the orderly way, helpers included.
    fn end_session(&mut self) {
        let Some(id) = self.session.take() else { return };
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return };
        let _ = stream.set_read_timeout(Some(PATIENCE));
        let request = format!(
            "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        // The driver answers once the browser has quit; the answer itself
        // does not matter.
        if stream.write_all(request.as_bytes()).is_ok() {
            let _ = stream.read(&mut [0u8; 512]);
        }
    }
}

/// The processes below `pid` (the browser and its helpers).
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()) {
            out.push(child);
            out.extend(descendants(child));
        }
    }
    out
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        self.end_session();
        // Whatever is left (a browser that did not quit), by id: only the
        // driver and the processes it started.
        let leftovers = descendants(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in leftovers {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}

/// Leaves nothing of a test in the browser: one window, no cookies (they
/// are per host, not per port: the next test's server is on the same host),
/// no storage. The window keeps the test's last page until the next test
/// opens its own (the console's pages run nothing by themselves): loading a
/// blank page in between cost a page load per test.
async fn wipe(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    let windows = client.windows().await?;
    for extra in windows.iter().skip(1) {
        client.switch_to_window(extra.clone()).await?;
        client.close_window().await?;
    }
    if let Some(first) = windows.into_iter().next() {
        client.switch_to_window(first).await?;
    }
    client.delete_all_cookies().await?;
    client.execute("try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}", vec![]).await?;
    Ok(())
}

/// Browsers closed cleanly, wiped, waiting for the next test of their width.
static KEPT: Mutex<Vec<(Width, Chromedriver)>> = Mutex::new(Vec::new());

fn kept(width: Width) -> Option<Chromedriver> {
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    let at = kept.iter().position(|(w, _)| *w == width)?;
    Some(kept.swap_remove(at).1)
}

/// The screen a floor flow runs on: a desktop, or a handheld terminal
/// (480 px wide, the widest of the scanners' screens; the layout must also
/// hold at 360).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Desktop,
    Handheld,
    /// The narrowest handheld screens (360 px).
    Narrow,
}

impl Width {
    fn window(self) -> &'static str {
        match self {
            Width::Desktop => "--window-size=1280,900",
            // A desktop window is never narrower than about 500 px; the
            // handhelds' widths come from device emulation.
            Width::Handheld | Width::Narrow => "--window-size=800,900",
        }
    }

    /// The viewport of a handheld, as Chrome's device emulation sets it.
    fn device(self) -> Option<Value> {
        let (width, height) = match self {
            Width::Desktop => return None,
            Width::Handheld => (480, 900),
            Width::Narrow => (360, 740),
        };
        Some(json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0}}))
    }
}

/// A browser session. Call [`Browser::close`] at the end of a test; if the
/// test fails first, the driver guard still kills everything.
pub struct Browser {
    pub client: Client,
    pub base: String,
    pub width: Width,
    // Dropped after the client.
    driver: Chromedriver,
}

impl Browser {
    pub async fn open(base: &str) -> Self {
        Self::open_at(base, Width::Desktop).await
    }

    pub async fn open_at(base: &str, width: Width) -> Self {
        while let Some(mut driver) = kept(width) {
            let Some(session) = driver.session.clone() else { continue };
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            // A kept browser that does not answer is dropped (and killed).
            if let Ok(client) = Client::with_existing_session(&driver.url, &session, connector).await {
                driver.session = Some(session);
                return Self { client, base: base.to_owned(), width, driver };
            }
        }
        let driver = Chromedriver::start().await;
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-breakpad",
                    "--disable-crash-reporter",
                    // Handheld terminals run the browser as a kiosk with this
                    // flag (deploy/README.md): the console's sounds play
                    // without a tap first.
                    "--autoplay-policy=no-user-gesture-required",
                    width.window(),
                    format!("--user-data-dir={}", driver.profile.display()),
                ],
            }
        });
        let mut caps = caps;
        if let Some(device) = width.device() {
            caps["goog:chromeOptions"]["mobileEmulation"] = device;
        }
        let Value::Object(caps) = caps else { unreachable!() };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a chromium session");
        let mut driver = driver;
        driver.session = client.session_id().await.ok().flatten();
        Self { client, base: base.to_owned(), width, driver }
    }

    /// Wipes the browser (cookies, storage, the page, extra windows) and
    /// keeps it for the next test of its width. A browser that cannot be
    /// wiped is ended (the guard's drop ends it too, when a test fails
    /// before this).
    pub async fn close(self) {
        let Self { client, width, driver, .. } = self;
        if wipe(&client).await.is_ok() && client.persist().await.is_ok() {
            drop(client);
            KEPT.lock().unwrap_or_else(|e| e.into_inner()).push((width, driver));
            return;
        }
        let mut driver = driver;
        if client.close().await.is_ok() {
            driver.session = None;
        }
    }

    /// Sets an HttpOnly, SameSite=Strict cookie for this server's `path`
    /// before any of its pages is open (Chrome DevTools' `Network.setCookie`
    /// through chromedriver: WebDriver's own Add Cookie needs a page of the
    /// cookie's host open first, a page load for nothing).
    pub async fn set_cookie(&self, name: &str, value: &str, path: &str) {
        let session = self.driver.session.as_deref().expect("a WebDriver session");
        let command = json!({"cmd": "Network.setCookie", "params": {
            "name": name, "value": value, "url": format!("{}{path}", self.base),
            "path": path, "httpOnly": true, "sameSite": "Strict"}});
        let answer = reqwest::Client::new()
            .post(format!("{}/session/{session}/goog/cdp/execute", self.driver.url))
            .json(&command)
            .send()
            .await
            .expect("chromedriver answers");
        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        assert!(status.is_success(), "Network.setCookie {name}: {status} {body}");
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.expect("navigate");
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The element, once it is in the page.
    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| e.to_string());
        match found {
            Ok(el) => el,
            Err(e) => {
                let at = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
                let source = self.client.source().await.unwrap_or_default();
                let tail: String = source.chars().take(1500).collect();
                panic!("no element {css} at {at}: {e}\n{tail}")
            }
        }
    }

    /// How many elements match now (no waiting).
    pub async fn find_all(&self, css: &str) -> usize {
        self.client.find_all(fantoccini::Locator::Css(css)).await.map(|v| v.len()).unwrap_or(0)
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// Waits until the element's text satisfies `ok` (the page may still
    /// be loading or htmx may still be swapping), returning the text.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        let mut last = String::new();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(t) = el.text().await
            {
                if ok(&t) {
                    return t;
                }
                last = t;
            }
            assert!(started.elapsed() < PATIENCE, "{css} never showed the expected text; last: {last:?}");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the browser is at `path` (after a redirect or htmx navigation).
    pub async fn wait_path(&self, path: &str) {
        let started = Instant::now();
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "expected to reach {path}, still at {now}");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.expect("clear");
        el.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    /// The natural width of the image `css` once the browser has finished
    /// loading it (0 if it could not be decoded): an `<img>` loads after the
    /// page that holds it.
    pub async fn image_width(&self, css: &str) -> i64 {
        let started = Instant::now();
        let script = format!(
            "const i = document.querySelector({css:?}); return i && i.complete ? i.naturalWidth : null;"
        );
        loop {
            if let Some(w) = self.js(&script).await.as_i64() {
                return w;
            }
            assert!(started.elapsed() < PATIENCE, "{css} never finished loading");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The id of the element that has the keyboard focus.
    pub async fn focused_id(&self) -> String {
        // Between two documents (a redirect) there is no answer: none has it.
        self.client
            .execute("return document.activeElement ? document.activeElement.id : null", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The page works at this width: nothing overflows the screen sideways
    /// (wide tables scroll inside their card), every visible input and
    /// button is on screen and big enough to use, and the scan field takes
    /// most of the width. Returns the page's width in CSS pixels.
    pub async fn check_layout(&self) -> i64 {
        let report = self
            .js(
                "const vw = document.documentElement.clientWidth;
                 const problems = [];
                 if (document.documentElement.scrollWidth > vw + 1) {
                   problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
                 }
                 for (const e of document.querySelectorAll('input:not([type=hidden]), button, select, textarea, a.button')) {
                   if (e.offsetParent === null || e.closest('.scroll, table, [hidden], .print-frame')) continue;
                   const r = e.getBoundingClientRect();
                   const name = e.tagName + (e.id ? '#' + e.id : '') + (e.name ? '[' + e.name + ']' : '');
                   if (r.right > vw + 1 || r.left < -1) problems.push(name + ' is off screen (' + r.left + '..' + r.right + ')');
                   if (r.height < 30) problems.push(name + ' is too low to tap (' + r.height + ' px)');
                   if (e.matches('input[type=checkbox]')) continue;
                   if (r.width < 44) problems.push(name + ' is too narrow (' + r.width + ' px)');
                   if (e.matches('input[data-scan]') && r.width < Math.min(0.55 * vw, 600)) {
                     problems.push(name + ' is a scan field only ' + r.width + ' px wide of ' + vw);
                   }
                 }
                 return {vw, problems};",
            )
            .await;
        let problems: Vec<String> = report["problems"]
            .as_array()
            .map(|a| a.iter().map(|p| p.as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default();
        let at = self.path().await;
        assert!(problems.is_empty(), "{at} at {:?}: {}", self.width, problems.join("; "));
        report["vw"].as_i64().unwrap_or(0)
    }

    /// The sound the page played for its alert (`error`, `warn`, `ok`), and
    /// whether the browser let it play.
    pub async fn sound(&self) -> (String, String) {
        let v = self
            .js("return [document.documentElement.getAttribute('data-sound') || '',                  document.documentElement.getAttribute('data-sound-state') || '']")
            .await;
        (v[0].as_str().unwrap_or_default().to_owned(), v[1].as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the element with this id has the keyboard focus (a
    /// page's script focuses its scan field once the page has loaded).
    pub async fn wait_focus(&self, id: &str) {
        let started = Instant::now();
        loop {
            let now = self.focused_id().await;
            if now == id {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "#{id} never took the focus; #{now} has it at {}",
                self.path().await
            );
            actix_web::rt::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// Types a code and Enter into whatever has the focus, as a
    /// keyboard-wedge scanner does.
    pub async fn wedge(&self, code: &str) {
        let started = Instant::now();
        loop {
            // The page may be between two documents (a redirect): try again.
            match self.client.active_element().await {
                Ok(el) if el.send_keys(&format!("{code}\n")).await.is_ok() => return,
                _ => {}
            }
            assert!(started.elapsed() < PATIENCE, "could not type {code:?} into the page");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG when `CUSTODY_TEST_SCREENSHOTS` names a folder (for a human to look at).
    pub async fn screenshot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("CUSTODY_TEST_SCREENSHOTS") {
            let png = self.client.screenshot().await.expect("screenshot");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png).unwrap();
        }
    }
}
