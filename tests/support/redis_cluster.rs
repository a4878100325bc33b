//! A real Redis Cluster for the cluster tests: 3 masters + 3 replicas, each
//! a `redis-server` with `cluster-enabled yes` on a free loopback port,
//! joined by `redis-cli --cluster create … --cluster-replicas 1`, with a
//! short `cluster-node-timeout` so a failover takes about a second. Torn
//! down on drop. Without `redis-server`/`redis-cli` the tests print SKIPPED
//! (and fail in CI), as the single-node tests do.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The node timeout: how long a master may be silent before its replica
/// takes over.
pub const NODE_TIMEOUT_MS: u64 = 1000;

/// One node of the cluster.
pub struct Node {
    /// Its port (the cluster bus is this + 10 000).
    pub port: u16,
    child: Option<Child>,
}

/// A node as `CLUSTER NODES` lists it.
pub struct ClusterNode {
    /// Its port.
    pub port: u16,
    /// A master (else a replica).
    pub master: bool,
    /// The slot ranges it serves (inclusive).
    pub slots: Vec<(u16, u16)>,
}

/// A local Redis Cluster (killed on drop).
pub struct RedisCluster {
    /// The nodes, masters first as created.
    pub nodes: Vec<Node>,
    dir: std::path::PathBuf,
}

/// A port `p` with `p` and its cluster bus port `p + 10000` free.
fn free_cluster_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// `redis-cli -p port args…` (raw), or `None` when the node does not answer.
pub fn cli(port: u16, args: &[&str]) -> Option<String> {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "--raw"])
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.starts_with("Could not connect")).then_some(text)
}

impl RedisCluster {
    /// Starts and joins a 3 + 3 cluster, or `None` (SKIPPED) without the
    /// Redis binaries outside CI.
    pub fn start(test: &str) -> Option<RedisCluster> {
        if super::redis::missing(test, &["redis-server", "redis-cli"]) {
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "sessionkit-cluster-{}-{}",
            std::process::id(),
            free_cluster_port()
        ));
        let mut cluster = RedisCluster {
            nodes: Vec::new(),
            dir,
        };
        for _ in 0..6 {
            let port = free_cluster_port();
            let mut node = Node { port, child: None };
            cluster.spawn(&mut node);
            cluster.nodes.push(node);
        }
        for node in &cluster.nodes {
            wait_for(|| cli(node.port, &["PING"]).is_some_and(|r| r.contains("PONG")));
        }
        let addresses: Vec<String> = cluster
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        cluster.wait_ok();
        Some(cluster)
    }

    fn spawn(&self, node: &mut Node) {
        let dir = self.dir.join(node.port.to_string());
        std::fs::create_dir_all(&dir).expect("a directory for the node");
        let child = Command::new("redis-server")
            .args(["--port", &node.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes"])
            .args(["--cluster-config-file", "nodes.conf"])
            .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        node.child = Some(child);
    }

    /// `redis-cluster://127.0.0.1:p1,…` naming every node.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis-cluster://{}", hosts.join(","))
    }

    /// A port of a node that is up.
    fn live_port(&self) -> u16 {
        self.nodes
            .iter()
            .find(|n| n.child.is_some())
            .expect("a live node")
            .port
    }

    /// Waits until every live node reports `cluster_state:ok` and agrees
    /// on who serves every slot.
    pub fn wait_ok(&self) {
        wait_for(|| {
            self.nodes.iter().filter(|n| n.child.is_some()).all(|n| {
                cli(n.port, &["CLUSTER", "INFO"]).is_some_and(|i| {
                    i.contains("cluster_state:ok") && i.contains("cluster_slots_ok:16384")
                })
            })
        });
    }

    /// The slot of `key`.
    pub fn slot(&self, key: &str) -> u16 {
        cli(self.live_port(), &["CLUSTER", "KEYSLOT", key])
            .and_then(|s| s.trim().parse().ok())
            .expect("CLUSTER KEYSLOT")
    }

    /// The live nodes as `CLUSTER NODES` on a live node tells them.
    pub fn topology(&self) -> Vec<ClusterNode> {
        let text = cli(self.live_port(), &["CLUSTER", "NODES"]).expect("CLUSTER NODES");
        text.lines()
            .filter(|l| !l.contains("fail") && !l.contains("disconnected"))
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                let port = f.get(1)?.split(['@', ':']).nth(1)?.parse().ok()?;
                let master = f.get(2)?.contains("master");
                let slots = f
                    .iter()
                    .skip(8)
                    .filter(|r| !r.starts_with('['))
                    .filter_map(|r| match r.split_once('-') {
                        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                        None => r.parse().ok().map(|s| (s, s)),
                    })
                    .collect();
                Some(ClusterNode {
                    port,
                    master,
                    slots,
                })
            })
            .collect()
    }

    /// The port of the master serving `key`'s slot.
    pub fn master_of(&self, key: &str) -> u16 {
        let slot = self.slot(key);
        self.topology()
            .into_iter()
            .find(|n| n.master && n.slots.iter().any(|&(a, b)| (a..=b).contains(&slot)))
            .map(|n| n.port)
            .expect("a master serves the slot")
    }

    /// The node id of the node on `port`.
    pub fn id_of(&self, port: u16) -> String {
        cli(port, &["CLUSTER", "MYID"])
            .expect("CLUSTER MYID")
            .trim()
            .to_owned()
    }

    /// Kills the node on `port` (as a crash would).
    pub fn kill(&mut self, port: u16) {
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node");
        if let Some(mut child) = node.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The command that moves `slots` slots from the master on `from` to
    /// the master on `to`, keys included (`redis-cli --cluster reshard`).
    pub fn reshard(&self, from: u16, to: u16, slots: u32) -> Command {
        let mut command = Command::new("redis-cli");
        command
            .arg("--cluster")
            .arg("reshard")
            .arg(format!("127.0.0.1:{}", self.live_port()))
            .args(["--cluster-from", &self.id_of(from)])
            .args(["--cluster-to", &self.id_of(to)])
            .args(["--cluster-slots", &slots.to_string()])
            .args(["--cluster-yes", "--cluster-pipeline", "100"])
            .stdin(Stdio::null());
        command
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls `ok` for up to 30 seconds.
fn wait_for(mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the Redis Cluster did not become ready in 30 s");
}
