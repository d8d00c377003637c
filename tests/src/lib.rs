//! A small W3C WebDriver client for driving the real Carnet window.
//!
//! Why not a WebDriver crate: the tests need a dozen endpoints (session, find, click, type,
//! read, run a script, screenshot); a blocking client over `ureq` is a page of code, while the
//! usual crates bring an async runtime and a TLS stack into the build for nothing.
//!
//! The environment is prepared by `cargo xtask test` (or `cargo xtask e2e`): Xvfb on
//! `DISPLAY`, `tauri-driver` listening at `CARNET_WEBDRIVER` (default
//! `http://127.0.0.1:4444`), and the app built at `CARNET_DESKTOP_BIN`.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// WebDriver's key codes.
pub mod keys {
    pub const ENTER: &str = "\u{E007}";
    pub const TAB: &str = "\u{E004}";
    pub const ARROW_DOWN: &str = "\u{E015}";
}

pub type Result<T> = std::result::Result<T, String>;

/// The passphrase of every notebook the tests make (it meets the 80-bit rule).
pub const PASSPHRASE: &str = "carnet de test pour la fenêtre réelle";
/// The recovery key of every notebook the tests make, as the officer would type it.
pub const RECOVERY_BYTES: [u8; 32] = [0x3c; 32];
const KEY_BYTES: [u8; 32] = [0x5a; 32];

/// An encrypted notebook at `path`, as the first start makes it, sealed under [`PASSPHRASE`].
pub fn create_notebook(
    path: &Path,
    device: carnet::Uuid,
    clock: Box<dyn carnet::Clock>,
) -> carnet::Store {
    let keys = carnet::notebook_lock::NewKeys {
        key: carnet::notebook_key::NotebookKey::from_bytes(KEY_BYTES),
        recovery: carnet::key_file::RecoveryKey::from_bytes(RECOVERY_BYTES),
        randomness: carnet::key_file::Randomness {
            salt: [1; 16],
            passphrase_nonce: [2; 24],
            recovery_nonce: [3; 24],
        },
    };
    carnet::notebook_lock::create(path, PASSPHRASE, &keys, device, clock).unwrap()
}

/// The engine on a notebook made by [`create_notebook`] (its key, without the derivation).
pub fn open_notebook(path: &Path, clock: Box<dyn carnet::Clock>) -> carnet::Store {
    let key = carnet::notebook_key::NotebookKey::from_bytes(KEY_BYTES);
    carnet::Store::open_with(path, Some(&key), clock).unwrap()
}

/// One WebDriver session: one running Carnet window.
pub struct Session {
    base: String,
    id: String,
    agent: ureq::Agent,
    closed: bool,
}

/// An element handle.
#[derive(Clone, Debug)]
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn driver_url() -> String {
    std::env::var("CARNET_WEBDRIVER").unwrap_or_else(|_| "http://127.0.0.1:4444".into())
}

/// The desktop binary under test.
pub fn app_binary() -> PathBuf {
    std::env::var_os("CARNET_DESKTOP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/carnet-desktop")
        })
}

/// Where screenshots go: `target/e2e-screens/`.
pub fn screens_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screens");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

impl Session {
    /// Starts Carnet on the database at `db`.
    pub fn start(db: &Path) -> Result<Session> {
        Self::start_app(&app_binary(), db)
    }

    /// Starts `app` with `--db db`, unlocks the notebook with [`PASSPHRASE`] and waits until
    /// its first screen is ready (`document.body.dataset.ready`).
    pub fn start_app(app: &Path, db: &Path) -> Result<Session> {
        let session = Self::start_with(app, db, &[])?;
        if session.ready_state()? == "locked" {
            session.unlock(PASSPHRASE)?;
        }
        session.wait_until("the first screen", Duration::from_secs(30), |s| {
            Ok(s.ready_state()? == "true")
        })?;
        Ok(session)
    }

    /// What the window shows: `true` (a screen of the notebook), or a lock screen (`locked`,
    /// `new`, `plaintext`, `recovery`).
    pub fn ready_state(&self) -> Result<String> {
        Ok(self
            .script("return document.body.dataset.ready || ''", json!([]))?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Types `passphrase` on the unlock screen and submits it.
    pub fn unlock(&self, passphrase: &str) -> Result<()> {
        let field = self.wait_for("#unlock-form input[type=password]")?;
        self.clear(&field)?;
        self.type_into(&field, passphrase)?;
        self.type_into(&field, keys::ENTER)
    }

    /// Starts `app` with `--db db` and `extra` arguments, and waits until the window shows a
    /// screen or a lock screen.
    pub fn start_with(app: &Path, db: &Path, extra: &[&str]) -> Result<Session> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let base = driver_url();
        let db_text = db.display().to_string();
        let args: Vec<&str> = ["--db", db_text.as_str()]
            .into_iter()
            .chain(extra.iter().copied())
            .collect();
        let caps = json!({
            "capabilities": { "alwaysMatch": { "tauri:options": {
                "application": app.display().to_string(),
                "args": args,
            }}}
        });
        let value = call(&agent, "POST", &format!("{base}/session"), Some(caps))?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {value}"))?
            .to_string();
        let session = Session {
            base,
            id,
            agent,
            closed: false,
        };
        session.wait_until("the app to be ready", Duration::from_secs(30), |s| {
            Ok(!s
                .script(
                    "return (document.body && document.body.dataset.ready) || ''",
                    json!([]),
                )?
                .as_str()
                .unwrap_or_default()
                .is_empty())
        })?;
        Ok(session)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.base, self.id, path)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        call(&self.agent, "POST", &self.url(path), Some(body))
    }

    fn get(&self, path: &str) -> Result<Value> {
        call(&self.agent, "GET", &self.url(path), None)
    }

    /// Runs a script in the page and returns its result.
    pub fn script(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Navigates within the app (`#/personnes`…).
    pub fn go(&self, hash: &str) -> Result<()> {
        self.script("location.hash = arguments[0]", json!([hash]))?;
        self.wait_until("the screen to render", Duration::from_secs(10), |s| {
            Ok(s.script(
                "return location.hash === arguments[0] && !!document.querySelector('main h1')",
                json!([hash]),
            )? == json!(true))
        })
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> Result<Element> {
        let value = self.post("/element", json!({ "using": "css selector", "value": css }))?;
        value[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_string()))
            .ok_or_else(|| format!("no element {css}: {value}"))
    }

    /// Waits for an element to exist, then returns it.
    pub fn wait_for(&self, css: &str) -> Result<Element> {
        let mut found = None;
        self.wait_until(&format!("element {css}"), Duration::from_secs(10), |s| {
            found = s.find(css).ok();
            Ok(found.is_some())
        })?;
        found.ok_or_else(|| format!("no element {css}"))
    }

    pub fn click(&self, el: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", el.0), json!({}))
            .map(|_| ())
    }

    /// Types into an element (keys such as [`keys::ENTER`] included).
    pub fn type_into(&self, el: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", el.0), json!({ "text": text }))
            .map(|_| ())
    }

    pub fn clear(&self, el: &Element) -> Result<()> {
        self.post(&format!("/element/{}/clear", el.0), json!({}))
            .map(|_| ())
    }

    /// Types into whatever has the focus.
    pub fn type_keys(&self, text: &str) -> Result<()> {
        let active = self.get("/element/active")?;
        let id = active[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| format!("nothing has the focus: {active}"))?;
        self.type_into(&Element(id.to_string()), text)
    }

    pub fn text(&self, el: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/text", el.0))?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// The visible text of the main area.
    pub fn main_text(&self) -> Result<String> {
        Ok(self
            .script("return document.querySelector('main').innerText", json!([]))?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Polls `check` until it is true or `timeout` passes.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Session) -> Result<bool>,
    ) -> Result<()> {
        let start = Instant::now();
        let mut last_error = String::new();
        while start.elapsed() < timeout {
            match check(self) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => last_error = e,
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("timed out waiting for {what} {last_error}"))
    }

    /// Waits until the main area's text contains `needle`.
    pub fn wait_for_text(&self, needle: &str) -> Result<()> {
        self.wait_until(&format!("text {needle:?}"), Duration::from_secs(10), |s| {
            Ok(s.main_text()?.contains(needle))
        })
        .map_err(|e| format!("{e}; page shows: {}", self.main_text().unwrap_or_default()))
    }

    /// Saves a PNG of the window under `target/e2e-screens/<name>.png`.
    pub fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // What a test just found in the DOM may not be painted yet (WebKit paints on a later
        // frame): two frames are waited for, half a second at most, so the picture shows it.
        self.post(
            "/execute/async",
            json!({
                "script": "const done = arguments[arguments.length - 1]; \
                           setTimeout(() => done(false), 500); \
                           requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                "args": [],
            }),
        )?;
        let value = self.get("/screenshot")?;
        let data = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let path = screens_dir().join(format!("{name}.png"));
        std::fs::write(&path, data).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Resizes the window (1366×768 and 1920×1080 are the two sizes checked).
    pub fn resize(&self, width: u32, height: u32) -> Result<()> {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .map(|_| ())
    }

    /// Closes the window and ends the session.
    pub fn quit(mut self) -> Result<()> {
        self.closed = true;
        call(&self.agent, "DELETE", &self.url(""), None).map(|_| ())
    }
}

/// A failed test still closes its window, so the next test can open one.
impl Drop for Session {
    fn drop(&mut self) {
        if !self.closed {
            let _ = call(&self.agent, "DELETE", &self.url(""), None);
        }
    }
}

fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> Result<Value> {
    let response = match (method, body) {
        ("POST", Some(body)) => agent.post(url).send_json(body),
        ("DELETE", _) => agent.delete(url).call(),
        _ => agent.get(url).call(),
    };
    let mut response = response.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status();
    let value: Value = response
        .body_mut()
        .read_json()
        .map_err(|e| format!("{method} {url}: unreadable answer ({e})"))?;
    let inner = value.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        Ok(inner)
    } else {
        Err(format!(
            "{method} {url}: {} {}",
            inner["error"].as_str().unwrap_or("error"),
            inner["message"].as_str().unwrap_or_default()
        ))
    }
}
