//! `flexcord sandbox` in a real browser: headless Chromium driven through chromedriver's W3C
//! WebDriver API (a small JSON client below, over flexcord-http) plays the Discord user and the
//! Flex agent on the sandbox page, against the real bridge, at a desktop's width and a phone's. It
//! saves screenshots to `$CARGO_TARGET_DIR/sandbox-{wide,phone}.png` (or the target dir this test
//! runs from); `FLEXCORD_UPDATE_SCREENSHOTS=1 cargo test -p flexcord --test sandbox_browser` also
//! writes them to `docs/images/` for the README.
//!
//! Without Debian's `chromium` and `chromium-driver` it prints a notice and passes, except under
//! `CI=true`, where it fails (`.ci/chromium.sh` installs them).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use flexcord_http::http::Method;
use flexcord_http::url::Url;
use flexcord_http::{HttpClient, Request};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Upper bound for any one thing to show up on the page (a loaded 2-core machine is slow).
const WAIT: Duration = Duration::from_secs(60);
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The `error` of a WebDriver error body (which may be cut short, so not parsed as JSON).
fn webdriver_error(body: &str) -> Option<String> {
    let start = body.find("\"error\":\"")? + "\"error\":\"".len();
    let len = body[start..].find('"')?;
    Some(body[start..start + len].to_owned())
}

/// A minimal W3C WebDriver session.
struct WebDriver {
    http: HttpClient,
    session: Url,
}

impl WebDriver {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let url = Url::parse(&format!(
            "{}{path}",
            self.session.as_str().trim_end_matches('/')
        ))
        .unwrap();
        let mut request = Request::new(method, url);
        if let Some(body) = body {
            request = request.json(&body).unwrap();
        }
        let response = match self.http.send(request).await {
            Ok(response) => response,
            // WebDriver answers errors ("no such element", "stale element reference") with an
            // error status: hand the error to the caller, which retries the transient ones.
            Err(e) => match e.body_excerpt().and_then(webdriver_error) {
                Some(error) => return json!({ "error": error }),
                None => panic!("WebDriver {path}: {}", e.detailed()),
            },
        };
        let value: Value = response.json().unwrap();
        value["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Looks an element up once: `None` while it is not on the page.
    async fn try_find(&self, css: &str) -> Option<String> {
        let found = self
            .call(
                Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        found[ELEMENT_KEY].as_str().map(str::to_owned)
    }

    /// Finds `css` and acts on it, again and again until the action succeeds or `WAIT` runs out.
    ///
    /// The page re-renders whenever the bridge sends something, so an element found a moment ago
    /// may be gone ("stale element reference"), covered, or not yet interactable when the action
    /// reaches it. Each try looks the element up afresh; only those transient WebDriver errors
    /// are retried, anything else fails the test at once.
    async fn act(&self, css: &str, action: &str, body: Value) {
        const TRANSIENT: [&str; 4] = [
            "stale element reference",
            "no such element",
            "element not interactable",
            "element click intercepted",
        ];
        let mut last = Value::Null;
        let acted = tokio::time::timeout(WAIT, async {
            loop {
                if let Some(id) = self.try_find(css).await {
                    let answer = self
                        .call(
                            Method::POST,
                            &format!("/element/{id}/{action}"),
                            Some(body.clone()),
                        )
                        .await;
                    match answer.get("error").and_then(Value::as_str) {
                        None => return,
                        Some(error) if TRANSIENT.contains(&error) => last = answer,
                        Some(_) => panic!("{action} on {css}: {answer}"),
                    }
                }
                // Poll again on the next page update (bounded by WAIT above).
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        if acted.is_err() {
            panic!("could not {action} {css} within {WAIT:?}; last answer: {last}");
        }
    }

    async fn click(&self, css: &str) {
        self.act(css, "click", json!({})).await;
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.act(css, "value", json!({ "text": text })).await;
    }

    async fn script(&self, script: &str) -> Value {
        self.call(
            Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// Waits until `condition` (a JS expression) is true on the page.
    async fn wait_for(&self, what: &str, condition: &str) {
        let script = format!("return !!({condition});");
        let waited = tokio::time::timeout(WAIT, async {
            loop {
                if self.script(&script).await == json!(true) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await;
        if waited.is_err() {
            let page = self.script("return document.body.innerText;").await;
            panic!(
                "timed out waiting for {what}; the page says:\n{}",
                page.as_str().unwrap_or("")
            );
        }
    }

    async fn screenshot(&self, to: &Path) {
        let data = self.call(Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .unwrap();
        std::fs::write(to, png).unwrap();
    }

    async fn quit(self) {
        self.call(Method::DELETE, "", None).await;
    }
}

/// Saves a screenshot to the target dir and, with `FLEXCORD_UPDATE_SCREENSHOTS=1`, also as the
/// README's `docs/images/{name}` (so the docs show what this test saw).
async fn save_screenshot(web: &WebDriver, name: &str) {
    let shot = target_dir().join(name);
    web.screenshot(&shot).await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    if std::env::var("FLEXCORD_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/images");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(&shot, docs.join(name)).unwrap();
    }
}

fn target_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // target/debug/deps/sandbox_browser-… → target
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

async fn free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[expect(
    clippy::print_stderr,
    reason = "a skipped test says why, where the person running it looks"
)]
fn browser_missing() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return false;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{CHROMIUM} or {CHROMEDRIVER} is missing under CI=true: run .ci/chromium.sh");
    }
    eprintln!(
        "notice: sandbox browser test skipped: install chromium and chromium-driver (.ci/chromium.sh)"
    );
    true
}

/// chromedriver, stopped (and with it Chromium) when dropped, even when the test fails.
struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver and a headless Chromium session.
async fn start_browser(profile: &Path, width: u32) -> (Driver, WebDriver) {
    let port = free_port().await;
    let driver = Driver(
        std::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = HttpClient::builder()
        .timeout(Duration::from_secs(60))
        .max_response_bytes(64 * 1024 * 1024)
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let status = Url::parse(&format!("{base}/status")).unwrap();
    let up = tokio::time::timeout(WAIT, async {
        loop {
            if let Ok(r) = http.send(Request::get(status.clone())).await
                && r.json::<Value>()
                    .is_ok_and(|v| v["value"]["ready"] == json!(true))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(up.is_ok(), "chromedriver did not come up");
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        &format!("--window-size={width},1150"),
        &format!("--user-data-dir={}", profile.display()),
    ];
    let mut options = json!({ "binary": CHROMIUM, "args": args });
    if width < 500 {
        // A headless window is at least 500 px wide: a phone's width needs device emulation.
        options["mobileEmulation"] =
            json!({ "deviceMetrics": { "width": width, "height": 844, "pixelRatio": 1.0 } });
    }
    let new_session = Request::post(Url::parse(&format!("{base}/session")).unwrap())
        .json(&json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
        }}}))
        .unwrap();
    let created: Value = http
        .send(new_session)
        .await
        .unwrap_or_else(|e| panic!("new session: {}", e.detailed()))
        .json()
        .unwrap();
    let session = created["value"]["sessionId"].as_str().unwrap().to_owned();
    let session = Url::parse(&format!("{base}/session/{session}")).unwrap();
    (driver, WebDriver { http, session })
}

const DM: &str = "document.querySelector('#messages')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_and_an_agent_go_through_support_and_a_bug_report_in_the_browser() {
    if browser_missing() {
        return;
    }
    let kb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb");
    let running = flexcord::commands::sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(kb),
        flexcord::config::FileConfig::default(),
    )
    .await
    .expect("the sandbox starts");
    // A fresh, empty profile for this run.
    let profile = target_dir().join(format!("sandbox-chromium-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let (driver, web) = start_browser(&profile, 1400).await;
    web.goto(&running.url()).await;

    // /helpme in #customer-service: the bot opens a DM with the live-agent button.
    web.wait_for(
        "the page with the bridge running",
        "document.querySelector('#status.live') && document.querySelector('#channel-customer-service')",
    )
    .await;
    web.click("#channel-customer-service").await;
    web.click("[data-command=helpme]").await;
    web.wait_for("the DM channel", "document.querySelector('#channel-dm')")
        .await;
    web.click("#channel-dm").await;
    web.wait_for(
        "the live-agent button",
        "document.querySelector('#messages [data-custom-id=\"fc:agent\"]')",
    )
    .await;

    // A question: the virtual agent suggests an article.
    web.type_into("#composer-text", "How do I reset my password?")
        .await;
    web.click("#composer-send").await;
    web.wait_for(
        "an article about passwords",
        "[...document.querySelectorAll('#messages .msg.bot')].some(m => /password/i.test(m.textContent))",
    )
    .await;

    // Ask for an agent: a case is created and a task comes in on the Flex side.
    web.click("#messages .msg:last-child [data-custom-id=\"fc:agent\"], #messages [data-custom-id=\"fc:agent\"]")
        .await;
    web.wait_for(
        "the case notice",
        &format!("/case #?\\d+/i.test({DM}.textContent)"),
    )
    .await;
    web.wait_for(
        "the incoming task",
        "document.querySelector('[data-action=accept]')",
    )
    .await;
    web.click("[data-action=accept]").await;
    web.wait_for(
        "the join notice",
        &format!("/joined/i.test({DM}.textContent)"),
    )
    .await;
    web.wait_for(
        "the player shown by name on the agent's side",
        "document.querySelector('#conversation .channel-title').textContent.includes('Sam') && !document.querySelector('#flex').textContent.includes('discord:')",
    )
    .await;
    web.wait_for(
        "the bot transcript on the agent's side",
        "/password/i.test(document.querySelector('#conversation').textContent)",
    )
    .await;

    // Both ways.
    web.type_into("#agent-text", "Hi Sam, Ada here. Use the reset link.")
        .await;
    web.click("#agent-send").await;
    web.wait_for(
        "the agent's reply in the DM",
        &format!("{DM}.textContent.includes('Ada here')"),
    )
    .await;
    web.type_into("#composer-text", "Thanks, that worked!")
        .await;
    web.click("#composer-send").await;
    web.wait_for(
        "the player's message at the agent",
        "document.querySelector('#conversation').textContent.includes('that worked')",
    )
    .await;

    // Close, rate 5, and the case carries rating and transcript.
    web.click("#agent-close").await;
    web.wait_for(
        "the rating buttons",
        "document.querySelector('#messages [data-custom-id^=\"fc:rate:\"][data-custom-id$=\":5\"]')",
    )
    .await;
    web.click("#messages [data-custom-id^=\"fc:rate:\"][data-custom-id$=\":5\"]")
        .await;
    web.wait_for(
        "every rating button disabled after the rating",
        "[...document.querySelectorAll('#messages [data-custom-id^=\"fc:rate:\"]')].every(b => b.disabled)",
    )
    .await;
    web.wait_for(
        "the rated case with its transcript",
        "[...document.querySelectorAll('#cases .case')].some(c => c.textContent.includes('rated 5/5') && c.textContent.includes('that worked'))",
    )
    .await;

    // /bug through the modal: the report card in #bug-report and a bug case.
    web.click("#channel-bug-report").await;
    web.click("[data-command=bug]").await;
    web.wait_for(
        "the bug form",
        "document.querySelector('#modal-backdrop:not(.hidden) #field-title')",
    )
    .await;
    web.type_into("#field-title", "Crash when opening the map")
        .await;
    web.type_into(
        "#field-description",
        "The game closes as soon as I press M.",
    )
    .await;
    web.click("#modal-submit").await;
    web.wait_for(
        "the report card in #bug-report",
        "[...document.querySelectorAll('#messages .embed')].some(e => e.textContent.includes('Crash when opening the map'))",
    )
    .await;
    web.wait_for(
        "the bug case",
        "[...document.querySelectorAll('#cases .case')].some(c => c.textContent.includes('Crash when opening the map') && c.textContent.includes('bug'))",
    )
    .await;

    // The moderator looks the support case up with the staff-only /case: the answer shows the
    // case the player's chat created, rated.
    web.type_into("#composer-text", "/case 1001").await;
    web.click("#composer-send").await;
    web.wait_for(
        "the moderator's /case answer",
        "[...document.querySelectorAll('#messages .msg')].some(m => m.textContent.includes('Kai (staff) used /case 1001') && m.textContent.includes('1001') && m.classList.contains('ephemeral'))",
    )
    .await;

    // An announcement posted twice: the second is not silently ignored, the page says why.
    web.click("details.announce summary").await;
    web.click("#announce-send").await;
    web.wait_for(
        "the announcement accepted",
        "document.querySelector('#announce-notice').textContent.startsWith('Announced')",
    )
    .await;
    web.click("#announce-send").await;
    web.wait_for(
        "the repeated announcement explained",
        "document.querySelector('#announce-notice').textContent.startsWith('Already announced')",
    )
    .await;

    // Back to the DM for the picture: the whole story on one screen.
    web.click("#channel-dm").await;
    web.wait_for("the DM", "document.querySelector('#channel-dm.active')")
        .await;
    save_screenshot(&web, "sandbox-wide.png").await;

    web.quit().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    running.stop().await.expect("the bridge stops cleanly");
}

/// True when the page is wider than the window (something overflows sideways).
const OVERFLOWS: &str = "document.documentElement.scrollWidth > window.innerWidth";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_panes_stack_with_a_switch_and_nothing_overflows() {
    if browser_missing() {
        return;
    }
    // No knowledge-base folder: the built-in sample articles answer.
    let running = flexcord::commands::sandbox::start(
        "127.0.0.1:0".parse().unwrap(),
        None,
        flexcord::config::FileConfig::default(),
    )
    .await
    .expect("the sandbox starts");
    let profile = target_dir().join(format!(
        "sandbox-chromium-profile-narrow-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let (driver, web) = start_browser(&profile, 390).await;
    web.goto(&running.url()).await;
    web.wait_for(
        "the page with the bridge running",
        "document.querySelector('#status.live') && document.querySelector('#channel-customer-service')",
    )
    .await;
    assert_eq!(
        web.script(&format!("return {OVERFLOWS};")).await,
        json!(false)
    );

    // One pane at a time, switched by the tabs.
    let visible = |id: &str| format!("document.querySelector('#{id}').offsetParent !== null");
    web.wait_for(
        "only the Discord pane",
        &format!("{} && !({})", visible("discord"), visible("flex")),
    )
    .await;
    web.click("#show-flex").await;
    web.wait_for(
        "only the Flex pane",
        &format!("{} && !({})", visible("flex"), visible("discord")),
    )
    .await;
    web.click("#show-discord").await;

    // The story still works at this width.
    web.click("#channel-customer-service").await;
    web.click("[data-command=helpme]").await;
    web.wait_for("the DM channel", "document.querySelector('#channel-dm')")
        .await;
    web.click("#channel-dm").await;
    web.type_into("#composer-text", "How do I reset my password?")
        .await;
    web.click("#composer-send").await;
    web.wait_for(
        "an article about passwords",
        "[...document.querySelectorAll('#messages .msg.bot')].some(m => /password/i.test(m.textContent))",
    )
    .await;
    // Discord markdown and mentions render; markup in user text stays text.
    web.type_into(
        "#composer-text",
        "**Hi** <@4242> `code` <img src=x onerror=\"window.pwned=1\">",
    )
    .await;
    web.click("#composer-send").await;
    web.wait_for(
        "the rendered message",
        "[...document.querySelectorAll('#messages .msg.user')].some(m => m.querySelector('strong')?.textContent === 'Hi' && m.querySelector('.mention')?.textContent === '@Sam' && m.querySelector('code')?.textContent === 'code')",
    )
    .await;
    assert_eq!(
        web.script("return !document.querySelector('#messages img[src=x]') && window.pwned === undefined && document.querySelector('#messages').textContent.includes('<img src=x');").await,
        json!(true),
        "user text must be shown, not run"
    );
    assert_eq!(
        web.script(&format!("return {OVERFLOWS};")).await,
        json!(false)
    );
    save_screenshot(&web, "sandbox-phone.png").await;

    // The player switches their Discord client to Hindi: /helpme is answered in Hindi, with
    // Hindi buttons, and the page still fits.
    web.script(
        "const s = document.querySelector('#player-locale'); s.value = 'hi'; \
         s.dispatchEvent(new Event('change')); return true;",
    )
    .await;
    web.click("#channel-customer-service").await;
    web.click("[data-command=helpme]").await;
    web.wait_for(
        "the Hindi answer to /helpme",
        "[...document.querySelectorAll('#messages .msg.bot')].some(m => /[\\u0900-\\u097F]/.test(m.textContent))",
    )
    .await;
    assert_eq!(
        web.script(&format!("return {OVERFLOWS};")).await,
        json!(false)
    );

    // The blocklist at work: the moderator blocks Sam, Sam's next DM gets the polite notice and
    // no answer, and unblocking lets Sam back in.
    web.script(
        "const s = document.querySelector('#player-locale'); s.value = 'en-US'; \
         s.dispatchEvent(new Event('change')); return true;",
    )
    .await;
    web.click("[data-command=block]").await;
    web.wait_for(
        "the moderator's /block answered",
        "[...document.querySelectorAll('#messages .msg')].some(m => m.textContent.includes('Kai (staff) used /block Sam') && m.textContent.includes('is blocked'))",
    )
    .await;
    web.click("#channel-dm").await;
    web.type_into("#composer-text", "hello again").await;
    web.click("#composer-send").await;
    web.wait_for(
        "the notice that support is not available",
        "[...document.querySelectorAll('#messages .msg.bot')].some(m => m.textContent.includes('not available to you'))",
    )
    .await;
    web.click("#channel-customer-service").await;
    web.click("[data-command=unblock]").await;
    web.wait_for(
        "the moderator's /unblock answered",
        "[...document.querySelectorAll('#messages .msg')].some(m => m.textContent.includes('Kai (staff) used /unblock Sam') && m.textContent.includes('is not blocked'))",
    )
    .await;

    web.quit().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);
    running.stop().await.expect("the bridge stops cleanly");
}
