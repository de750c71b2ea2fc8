//! The local cluster (issue 22): `deploy/local-cluster.sh` with this build's binary — a
//! PostgreSQL primary and hot standby, two nodes, HAProxy — and what must hold across nodes.
//! Needs Debian's postgresql and haproxy; under `CI=true` their absence fails the test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::stdout;

mod failures;
mod load;

struct Cluster {
    dir: tempfile::TempDir,
    lines: HashMap<String, String>,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/local-cluster.sh")
}

impl Cluster {
    /// `None` when the machine lacks PostgreSQL or HAProxy (and this is not CI).
    fn up() -> Option<Cluster> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let have = |bin: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {bin}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let pg = Path::new("/usr/lib/postgresql").exists();
        if !(have("haproxy") && pg) {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI must have haproxy and postgresql"
            );
            eprintln!("skipped: haproxy or postgresql not installed");
            return None;
        }
        let mut cluster = Cluster {
            dir: tempfile::tempdir().expect("cluster dir"),
            lines: HashMap::new(),
        };
        cluster.lines = cluster
            .script(&["up"])
            .lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect();
        Some(cluster)
    }

    /// `local-cluster.sh` with these arguments (up, stop, kill); panics when it fails.
    fn script(&self, args: &[&str]) -> String {
        let out = Command::new("bash")
            .arg(script())
            .args(args)
            .env("SHIKAKU_CLUSTER_DIR", self.dir.path())
            .env("SHIKAKU_BIN", env!("CARGO_BIN_EXE_shikaku"))
            .output()
            .expect("local-cluster.sh");
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    }

    /// One value per line from `psql` against the primary.
    fn psql(&self, sql: &str) -> Vec<String> {
        let out = Command::new("psql")
            .args([self.get("db"), "-Atc", sql])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out).lines().map(String::from).collect()
    }

    /// A terminal certificate for `name` and an mTLS client with it; its serial.
    fn terminal(&self, name: &str) -> (reqwest::Client, String) {
        let certs = self.dir.path().join("certs");
        let issued = self.shikaku(&[
            "cert",
            "issue",
            "--facility",
            "1311234566",
            "--terminal",
            name,
            "--out",
            certs.to_str().expect("utf-8"),
        ]);
        let serial = issued
            .lines()
            .find_map(|l| l.strip_prefix("serial: "))
            .unwrap_or_else(|| panic!("no serial in {issued}"))
            .trim()
            .to_string();
        let ca = Path::new(self.get("data-dir")).join("ca.crt");
        let client = shikaku_terminal::client::mtls_client(
            &ca,
            &certs.join(format!("{name}.crt")),
            &certs.join(format!("{name}.key")),
            32,
        )
        .expect("client");
        (client, serial)
    }

    fn get(&self, key: &str) -> &str {
        self.lines
            .get(key)
            .unwrap_or_else(|| panic!("no {key}: in {:?}", self.lines))
    }

    /// `shikaku` against the cluster's primary and shared data directory.
    fn shikaku(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .args(["--db", self.get("db"), "--data-dir", self.get("data-dir")])
            .args(args)
            .output()
            .expect("shikaku");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("down")
            .env("SHIKAKU_CLUSTER_DIR", self.dir.path())
            .output();
    }
}

async fn lookup(client: &reqwest::Client, api: &str) -> (u16, serde_json::Value) {
    let response = client
        .post(format!("{api}/v1/eligibility"))
        .json(&serde_json::json!({
            "insurer_number": "01130012", "number": "345", "birth_date": "1980-05-17"
        }))
        .send()
        .await
        .expect("lookup");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// A card challenge from node 1 verified on node 2, once: the replay is refused on either.
async fn card_challenges_cross_nodes_once(cluster: &Cluster, client: &reqwest::Client) {
    use shikaku_pki::jpki::{CardAuth, VirtualCard, challenge_message};
    let path = cluster.dir.path().join("sato.card");
    let args = crate::support::sato_card_issue(&path);
    cluster.shikaku(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut card = VirtualCard::load(&path).expect("card");
    let key = card.authenticate(&CardAuth::FaceMatched).expect("face");
    let post = |url: String, body: serde_json::Value| async move {
        let r = client.post(url).json(&body).send().await.expect("send");
        let status = r.status().as_u16();
        (
            status,
            r.json::<serde_json::Value>().await.unwrap_or_default(),
        )
    };
    let (code, v) = post(
        format!("{}/v1/card/challenge", cluster.get("node1-api")),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let nonce = v["nonce"].as_str().expect("nonce").to_string();
    let signature = key.sign(&challenge_message(
        &hex::decode(&nonce).expect("hex"),
        "face",
    ));
    let body = serde_json::json!({
        "nonce": nonce, "certificate": card.certificate_pem,
        "signature": hex::encode(signature), "method": "face", "register": true
    });
    let (code, v) = post(
        format!("{}/v1/card/verify", cluster.get("node2-api")),
        body.clone(),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_ne!(
        v["status"], "nonce_invalid",
        "node 2 accepts node 1's nonce: {v}"
    );
    for node in ["node1-api", "node2-api"] {
        let (_, v) = post(
            format!("{}/v1/card/verify", cluster.get(node)),
            body.clone(),
        )
        .await;
        assert_eq!(v["status"], "nonce_invalid", "a replay on {node}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_challenges_and_revocations_hold_across_nodes() {
    let Some(cluster) = Cluster::up() else {
        return;
    };
    let (client, serial) = cluster.terminal("cluster-1");
    let apis = [
        cluster.get("node1-api").to_string(),
        cluster.get("node2-api").to_string(),
        cluster.get("api").to_string(),
    ];
    card_challenges_cross_nodes_once(&cluster, &client).await;
    // Keep-alive connections to both nodes and through HAProxy.
    for api in &apis {
        assert_eq!(lookup(&client, api).await.0, 200, "{api}");
    }
    cluster.shikaku(&["cert", "revoke", &serial]);
    for api in &apis {
        let (status, body) = lookup(&client, api).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (403, Some("certificate_revoked")),
            "{api}: the next request after the revocation"
        );
    }
}
