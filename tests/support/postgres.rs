//! PostgreSQL for the SQL store tests.
//!
//! - [`TestDatabase`]: a database of its own (unique name) on the machine's
//!   shared server at 127.0.0.1:5432 (trust auth), dropped afterwards, so
//!   runs never see each other.
//! - [`PostgresServer`]: a server of the test's own (`initdb` + `pg_ctl` on
//!   a free port, as the `postgres` user), for the fault tests that stop it.
//!
//! Without `psql`/the shared server (or `initdb`), outside CI, the tests
//! print a loud SKIPPED notice; in CI they fail.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::in_ci;

fn skipped(test: &str, why: &str) {
    assert!(!in_ci(), "{test}: {why}, and CI requires it");
    eprintln!(
        "\n==================== SKIPPED ====================\n\
         {test}: {why}\n\
         =================================================\n"
    );
}

/// `psql` against the shared server's `postgres` database.
fn psql(port: u16, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atqc", sql])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A database of this test's own on the shared server (dropped on drop).
pub struct TestDatabase {
    /// Its name.
    pub name: String,
    port: u16,
}

impl TestDatabase {
    /// Creates a fresh database on 127.0.0.1:5432, or `None` (SKIPPED)
    /// when the server or `psql` is missing, outside CI.
    pub fn create(test: &str) -> Option<TestDatabase> {
        Self::create_on(test, 5432)
    }

    /// A fresh database on the server at `port`.
    pub fn create_on(test: &str, port: u16) -> Option<TestDatabase> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "sessionkit_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        if let Err(e) = psql(port, &format!("CREATE DATABASE {name}")) {
            skipped(test, &format!("no PostgreSQL on 127.0.0.1:{port}: {e}"));
            return None;
        }
        Some(TestDatabase { name, port })
    }

    /// `postgres://postgres@127.0.0.1:PORT/NAME`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{}", self.port, self.name)
    }

    /// The same database as an SQLAlchemy URL (psycopg 3).
    pub fn sqlalchemy_url(&self) -> String {
        format!(
            "postgresql+psycopg://postgres@127.0.0.1:{}/{}",
            self.port, self.name
        )
    }

    /// Runs `sql` in this database with `psql` and returns its output
    /// (unaligned, tuples only).
    pub fn query(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-d", &self.name, "-v", "ON_ERROR_STOP=1", "-Atqc", sql])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = psql(
            self.port,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// The directory of the installed server's binaries (`initdb`, `pg_ctl`).
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// A PostgreSQL server of this test's own on a free loopback port, run as
/// the `postgres` user (stopped and removed on drop).
pub struct PostgresServer {
    /// Its port.
    pub port: u16,
    bin: PathBuf,
    dir: PathBuf,
    settings: String,
}

impl PostgresServer {
    /// `initdb` + `pg_ctl start`, or `None` (SKIPPED) without the server's
    /// binaries, outside CI.
    pub fn start(test: &str) -> Option<PostgresServer> {
        Self::start_with(test, "")
    }

    /// [`PostgresServer::start`] with extra server settings
    /// (`-c name=value …`).
    pub fn start_with(test: &str, settings: &str) -> Option<PostgresServer> {
        let Some(bin) = bin_dir() else {
            skipped(
                test,
                "no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)",
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("sessionkit-pg-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a directory for the server");
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .expect("chown");
        assert!(status.success(), "chown postgres {dir:?}");
        let server = PostgresServer {
            port,
            bin,
            dir,
            settings: settings.to_owned(),
        };
        let out = server
            .as_postgres("initdb")
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(server.dir.join("data"))
            .output()
            .expect("initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.restart();
        Some(server)
    }

    fn as_postgres(&self, binary: &str) -> Command {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"])
            .arg(self.bin.join(binary))
            .stdin(Stdio::null());
        c
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub fn restart(&self) {
        let out = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-o")
            .arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {} {}",
                self.port,
                self.dir.display(),
                self.settings
            ))
            .args(["-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .output()
            .expect("pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while psql(self.port, "SELECT 1").is_err() {
            assert!(Instant::now() < deadline, "postgres did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m
    /// immediate`).
    pub fn kill(&self) {
        let _ = self
            .as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
