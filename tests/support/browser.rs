//! A real browser for the tests (included by `tests/browser.rs` only): Debian's headless Chromium, driven over
//! WebDriver (Debian's `chromedriver`) with `fantoccini`.
//!
//! Each [`Browser`] is a fresh temporary profile (its own cookie jar), with
//! the network beyond loopback off (no background networking, component
//! updates, sync or first-run pages) and no sandbox when run as root (a
//! container's root cannot use Chromium's). Without Chromium the tests
//! print a loud SKIPPED notice, except in CI, where they fail: `.ci/run`
//! installs `chromium` and `chromium-driver` with apt-get when missing.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long any one wait for the page may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// A `chromedriver` of the test's own, on a free loopback port.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts `chromedriver`, or `None` (after the SKIPPED notice) when
    /// Chromium is not installed outside CI.
    pub fn start(test: &str) -> Option<Driver> {
        let missing = [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .find(|p| !std::path::Path::new(p).exists());
        if let Some(path) = missing {
            let why = format!(
                "`{path}` is missing (apt-get install chromium chromium-driver; `.ci/run` does it)"
            );
            assert!(
                !crate::support::in_ci(),
                "{test}: {why}, and CI requires it"
            );
            eprintln!(
                "\n==================== SKIPPED ====================\n\
                 {test}: {why}\n\
                 =================================================\n"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{test}: chromedriver does not start: {e}"));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{test}: chromedriver does not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Driver { child, url })
    }

    /// A new browser with a fresh, temporary profile, `width` pixels wide.
    pub async fn browser(&self, width: u32) -> Browser {
        let profile = tempdir("sessionkit-chromium");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-default-apps".to_owned(),
            "--disable-extensions".to_owned(),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},900"),
            format!("--user-data-dir={}", profile.display()),
        ];
        if running_as_root() {
            args.push("--no-sandbox".to_owned());
        }
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "timeouts": {"pageLoad": 15_000, "script": 15_000, "implicit": 0},
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = tokio::time::timeout(
            WAIT,
            ClientBuilder::new(connector)
                .capabilities(capabilities)
                .connect(&self.url),
        )
        .await
        .expect("Chromium starts within the wait")
        .unwrap_or_else(|e| panic!("Chromium cannot start: {e}"));
        Browser { client, profile }
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"))
}

/// A fresh directory under the system's temporary directory.
fn tempdir(prefix: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One browser profile.
pub struct Browser {
    pub client: Client,
    profile: PathBuf,
}

impl Browser {
    /// Loads `url` and waits for its `body`.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.wait_for("body").await;
    }

    /// Waits until `css` matches an element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` within {WAIT:?}: {e}"))
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
    }

    /// Whether an element matches `css` now.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
    }

    /// Waits until the page's URL is `url` and its `body` is there (after a
    /// form submission or a redirect).
    pub async fn wait_for_url(&self, url: &str) {
        let url = url::Url::parse(url).unwrap();
        self.client
            .wait()
            .at_most(WAIT)
            .for_url(&url)
            .await
            .unwrap_or_else(|e| panic!("not at {url} within {WAIT:?}: {e}"));
        self.wait_for("body").await;
    }

    /// Submits the form matching `css` and waits until the page it was on
    /// has been replaced by the answer (the URL alone cannot tell when the
    /// answer is the same page again).
    pub async fn submit(&self, css: &str) {
        let old = self.wait_for("html").await;
        let form = self.client.form(Locator::Css(css)).await.unwrap();
        form.submit().await.unwrap();
        let deadline = Instant::now() + WAIT;
        // A replaced page's elements can no longer be read.
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "`{css}` did not load a new page");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.wait_for("body").await;
    }

    /// Saves a screenshot as `target/browser-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Closes the browser and removes its profile.
    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
