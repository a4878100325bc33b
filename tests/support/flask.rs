//! Real Flask for the live interop tests.
//!
//! On first use this creates a Python venv under `target/interop-venv` with
//! the pinned packages of `tests/interop/requirements.txt` (Flask 3.1.3,
//! itsdangerous 2.2.0, ...). A lock file serialises concurrent test binaries.
//! In CI (`CI` set) a missing Python or a failed install fails the test;
//! elsewhere the test prints a loud SKIPPED notice and passes.

use std::cell::RefCell;
use std::fs::{self, File};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value as Json;

use super::in_ci;

/// The repository's root (the facade package's directory), also when this
/// module is compiled into the bench crate's tests (`benches/`).
fn manifest() -> &'static Path {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if dir.join("tests/interop").is_dir() {
        dir
    } else {
        dir.parent().unwrap_or(dir)
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                manifest().join(p)
            }
        })
        .unwrap_or_else(|| manifest().join("target"))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn ensure_venv() -> Result<PathBuf, String> {
    let requirements = manifest().join("tests/interop/requirements.txt");
    let wanted = fs::read_to_string(&requirements)
        .map_err(|e| format!("{}: {e}", requirements.display()))?;
    let target = target_dir();
    fs::create_dir_all(&target).map_err(|e| e.to_string())?;
    let venv = target.join("interop-venv");
    let python = venv.join("bin/python");
    let stamp = venv.join(".sessionkit-requirements");
    let lock = File::create(target.join("interop-venv.lock")).map_err(|e| e.to_string())?;
    lock.lock()
        .map_err(|e| format!("cannot lock the venv: {e}"))?;
    if python.exists() && fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    eprintln!(
        "interop: creating {} with {}",
        venv.display(),
        wanted.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let _ = fs::remove_dir_all(&venv);
    let system_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements))?;
    fs::write(&stamp, &wanted).map_err(|e| e.to_string())?;
    Ok(python)
}

/// The venv's Python, or `None` (after a loud notice) when it cannot be set
/// up outside CI. Panics in CI.
pub fn python(test: &str) -> Option<PathBuf> {
    match ensure_venv() {
        Ok(p) => Some(p),
        Err(e) if in_ci() => panic!("live Flask interop is required in CI but unavailable: {e}"),
        Err(e) => {
            eprintln!(
                "\n==================== SKIPPED: {test} ====================\n\
                 live Flask interop test skipped: no usable Python/Flask ({e}).\n\
                 Install python3 with venv and pip (and network access to PyPI) to run it.\n\
                 ==========================================================\n"
            );
            None
        }
    }
}

/// A running `tests/interop/flask_codec.py`.
pub struct FlaskCodec {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl FlaskCodec {
    pub fn start(test: &str) -> Option<FlaskCodec> {
        let python = python(test)?;
        let mut child = Command::new(python)
            .arg(manifest().join("tests/interop/flask_codec.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the Flask helper");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Some(FlaskCodec {
            child,
            stdin,
            stdout,
        })
    }

    pub fn call(&mut self, req: &Json) -> Json {
        writeln!(self.stdin, "{req}").expect("write to the Flask helper");
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("read from the Flask helper");
        assert!(!line.is_empty(), "the Flask helper exited");
        serde_json::from_str(&line).expect("helper answers JSON")
    }
}

impl Drop for FlaskCodec {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `tests/interop/flask_app.py` on a loopback port (killed on drop).
pub struct FlaskApp {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl FlaskApp {
    /// Starts the app with `secret`; it binds a free port itself (no race
    /// with other servers) and reports it once it is listening.
    pub fn start(test: &str, secret: &str) -> Option<FlaskApp> {
        let python = python(test)?;
        let mut child = Command::new(python)
            .arg(manifest().join("tests/interop/flask_app.py"))
            .arg(secret)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the Flask app");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the Flask app's port");
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the Flask app did not start: {line:?}"));
        Some(FlaskApp {
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for FlaskApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `tests/interop/flask_session_app.py` (Flask-Session 0.8 on
/// Redis at `redis_port`), on a loopback port (killed on drop).
pub struct FlaskSessionApp {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl FlaskSessionApp {
    /// Starts the app with `secret`, storing sessions in the Redis on
    /// `redis_port`, with or without Flask-Session's signer.
    pub fn start(test: &str, secret: &str, redis_port: u16, signer: bool) -> Option<Self> {
        Self::start_with_format(test, secret, redis_port, signer, "msgpack")
    }

    /// The app on Flask-SQLAlchemy (`SESSION_TYPE = "sqlalchemy"`) at the
    /// SQLAlchemy URL `database`.
    pub fn start_sqlalchemy(test: &str, secret: &str, database: &str) -> Option<Self> {
        Self::spawn(test, secret, database, false, "msgpack")
    }

    /// [`FlaskSessionApp::start`] with `SESSION_SERIALIZATION_FORMAT`.
    pub fn start_with_format(
        test: &str,
        secret: &str,
        redis_port: u16,
        signer: bool,
        format: &str,
    ) -> Option<Self> {
        Self::spawn(test, secret, &redis_port.to_string(), signer, format)
    }

    fn spawn(test: &str, secret: &str, store: &str, signer: bool, format: &str) -> Option<Self> {
        let python = python(test)?;
        let mut child = Command::new(python)
            .arg(manifest().join("tests/interop/flask_session_app.py"))
            .arg(secret)
            .arg(store)
            .arg(if signer { "1" } else { "0" })
            .arg(format)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the Flask-Session app");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the Flask-Session app's port");
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the Flask-Session app did not start: {line:?}"));
        Some(FlaskSessionApp {
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for FlaskSessionApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `method base+path` with `cookie` against a live Flask app: the body and
/// the `name=value` of its `Set-Cookie`, if any (the answer must be a 2xx).
pub async fn flask_request(
    base: &str,
    method: &str,
    path: &str,
    cookie: Option<&str>,
) -> (String, Option<String>) {
    let client = reqwest::Client::new();
    let mut r = client.request(method.parse().unwrap(), format!("{base}{path}"));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let response = r.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    (response.text().await.unwrap(), cookie)
}

/// The proptest configuration of a live test: `cases` cases (or
/// `PROPTEST_CASES`) from a seed fixed per test ([`super::seeded`]).
pub fn live_config(test: &str, cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        // Room for `prop_assume!` (cases Flask cannot answer alike).
        max_global_rejects: 100 * cases,
        failure_persistence: None,
        ..Config::default()
    };
    super::seeded(test, config)
}

/// Runs `cases` generated inputs through `check`, which compares one input
/// with Flask-WTF and returns our verdict; every verdict in `at_least`
/// must then have occurred that many times (or the generator is too weak
/// to show anything).
pub fn run_live<S: Strategy>(
    test: &str,
    cases: u32,
    strategy: S,
    at_least: &[(&str, u32)],
    check: impl Fn(&mut FlaskCodec, S::Value) -> Result<String, TestCaseError>,
) {
    let Some(flask) = FlaskCodec::start(test) else {
        return;
    };
    let flask = RefCell::new(flask);
    let config = live_config(test, cases);
    // The minimums are for `cases`; a run scaled with `PROPTEST_CASES`
    // scales them too.
    let run = u64::from(config.cases);
    let scaled = |min: u32| (u64::from(min) * run / u64::from(cases)) as u32;
    let mut runner = TestRunner::new(config);
    let seen = RefCell::new(std::collections::BTreeMap::<String, u32>::new());
    let result = runner.run(&strategy, |input| {
        let verdict = check(&mut flask.borrow_mut(), input)?;
        *seen.borrow_mut().entry(verdict).or_default() += 1;
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    // Shown with `--nocapture`: how far each count is above its minimum.
    eprintln!("{test}: {seen:?}");
    for (verdict, min) in at_least {
        assert!(
            seen.get(*verdict).copied().unwrap_or(0) >= scaled(*min),
            "weak generator: {seen:?}"
        );
    }
}
