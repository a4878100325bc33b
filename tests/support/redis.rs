//! Real `redis-server` processes for the store tests: each test starts its
//! own on a free loopback port (never the machine's shared one on 6379), so
//! tests can flush, kill and restart it. Without `redis-server` on `PATH`
//! the tests print a loud SKIPPED notice and pass — except in CI (`CI`
//! set), where they fail.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::in_ci;

/// A `redis-server` on 127.0.0.1 (killed on drop).
pub struct RedisServer {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
    dir: std::path::PathBuf,
}

impl RedisServer {
    /// Starts a server on a free port, or `None` (SKIPPED) without
    /// `redis-server` outside CI.
    pub fn start(test: &str) -> Option<RedisServer> {
        if missing(test, &["redis-server"]) {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("sessionkit-redis-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for redis-server");
        let mut server = RedisServer {
            child: None,
            port,
            dir,
        };
        server.restart();
        Some(server)
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server (as a crash would: no shutdown handshake).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.command(&["PING"]).is_some_and(|r| r.contains("PONG")) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    /// Runs one command with `redis-cli` and returns its output, or `None`
    /// when the server does not answer.
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--raw"])
            .args(args)
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.success() && !text.starts_with("Could not connect")).then_some(text)
    }

    /// A redis-rs connection to the server, for raw reads.
    pub async fn client(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("the URL")
            .get_multiplexed_async_connection()
            .await
            .expect("connect to the test redis-server")
    }

    /// How many times each command ran (`INFO commandstats`), e.g.
    /// `calls("getex")`.
    pub fn calls(&self, command: &str) -> u64 {
        let info = self.command(&["INFO", "commandstats"]).unwrap_or_default();
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{command}:calls=")))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// Whether one of `binaries` is missing from `PATH`: then prints a loud
/// SKIPPED notice for `test` (outside CI) or fails (in CI).
pub fn missing(test: &str, binaries: &[&str]) -> bool {
    let Some(binary) = binaries
        .iter()
        .find(|b| Command::new(b).arg("--version").output().is_err())
    else {
        return false;
    };
    let why = format!("`{binary}` is not on PATH (apt-get install redis-server)");
    assert!(!in_ci(), "{test}: {why}, and CI requires it");
    eprintln!(
        "\n==================== SKIPPED ====================\n\
         {test}: {why}\n\
         =================================================\n"
    );
    true
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
