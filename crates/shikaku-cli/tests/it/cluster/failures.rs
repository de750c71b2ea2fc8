//! What must hold across the nodes of the local cluster, and through the failure of each of
//! its parts under a steady lookup load (issue 22, point 4).

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::Cluster;
use super::load::{Load, Outcome, account, population};
use crate::portal::Browser;

async fn json(r: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let r = r.send().await.expect("send");
    let code = r.status().as_u16();
    (code, r.json().await.unwrap_or_default())
}

/// A 一括照会 submitted on node 1 is read on node 2, done.
async fn batch_submitted_on_one_node_is_read_on_the_other(cluster: &Cluster) {
    let (client, _) = cluster.terminal("cluster-batch");
    let (code, v) = json(
        client
            .post(format!("{}/v1/batches", cluster.get("node1-api")))
            .json(&serde_json::json!({"items": [
                {"insurer_number": "01130012", "number": "345", "birth_date": "1980-05-17"},
            ]})),
    )
    .await;
    assert_eq!(code, 202, "{v}");
    let id = v["id"].as_str().expect("id").to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, v) =
            json(client.get(format!("{}/v1/batches/{id}", cluster.get("node2-api")))).await;
        assert_eq!(code, 200, "node 2 reads node 1's job: {v}");
        if v["status"] == "done" {
            assert_eq!(v["results"].as_array().map(Vec::len), Some(1), "{v}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the job was not done in 30 s: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Ten inquiries from one client at once, five to each node: five are filed (the limit),
/// the rest refused, on whichever node they land.
async fn the_inquiry_limit_holds_across_nodes(cluster: &Cluster) {
    let mut browsers = Vec::new();
    for i in 0..10 {
        let node = if i % 2 == 0 { "node1-web" } else { "node2-web" };
        let mut b = Browser::new(cluster.get(node));
        assert_eq!(b.get("/inquiry").await.status, StatusCode::OK);
        browsers.push(b);
    }
    let sends = browsers.iter_mut().enumerate().map(|(i, b)| async move {
        let subject = format!("クラスタ{i}");
        b.multipart(
            "/inquiry",
            &[
                ("category", "other"),
                ("subject", subject.as_str()),
                ("body", "本文"),
                ("email", "cluster@example.com"),
            ],
            None,
        )
        .await
        .status
    });
    let statuses = futures::future::join_all(sends).await;
    let filed = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((filed, refused), (5, 5), "{statuses:?}");
}

/// Failed logins on node 1 slow the same client down on node 2.
async fn login_waits_hold_across_nodes(cluster: &Cluster) {
    let mut one = Browser::new(cluster.get("node1-web"));
    one.get("/portal/login").await;
    for _ in 0..3 {
        let page = one
            .post(
                "/portal/login",
                &[("login", "1399999999"), ("password", "wrong-password-1")],
            )
            .await;
        assert!(page.body.contains("パスワードが違います"), "{}", page.body);
    }
    let mut two = Browser::new(cluster.get("node2-web"));
    two.get("/portal/login").await;
    let page = two
        .post(
            "/portal/login",
            &[("login", "1399999999"), ("password", "wrong-password-1")],
        )
        .await;
    assert!(
        page.body.contains("ログインの失敗が続いたため"),
        "node 2 applies node 1's failures: {}",
        page.body
    );
}

/// Five wrong birth dates for one card on node 1: node 2 refuses the card too (within the
/// limiter's sharing interval).
async fn the_no_match_limit_holds_across_nodes(cluster: &Cluster) {
    let (client, _) = cluster.terminal("cluster-guess");
    for day in 1..=5 {
        let (code, v) = json(
            client
                .post(format!("{}/v1/eligibility", cluster.get("node1-api")))
                .json(&serde_json::json!({
                    "insurer_number": "01130012", "number": "424242",
                    "birth_date": format!("1980-01-{day:02}")
                })),
        )
        .await;
        assert_eq!((code, v["status"].as_str()), (200, Some("no_match")), "{v}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (code, v) = json(
        client
            .post(format!("{}/v1/eligibility", cluster.get("node2-api")))
            .json(&serde_json::json!({
                "insurer_number": "01130012", "number": "424242", "birth_date": "1980-01-06"
            })),
    )
    .await;
    assert_eq!(
        (code, v["error"].as_str()),
        (429, Some("too_many_no_match")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_state_holds_across_nodes() {
    let Some(cluster) = Cluster::up() else {
        return;
    };
    batch_submitted_on_one_node_is_read_on_the_other(&cluster).await;
    the_inquiry_limit_holds_across_nodes(&cluster).await;
    login_waits_hold_across_nodes(&cluster).await;
    the_no_match_limit_holds_across_nodes(&cluster).await;
}

/// The load of each phase: 8 requests in flight through HAProxy, each worker pausing 5 ms.
const WORKERS: usize = 8;
const PAUSE: Duration = Duration::from_millis(5);

async fn wait_until(what: &str, limit: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok().await {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn metric(body: &str, name: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
}

async fn standby_usable(cluster: &Cluster, node: &str) -> bool {
    let Ok(r) = reqwest::get(format!("{}/metrics", cluster.get(node))).await else {
        return false;
    };
    let body = r.text().await.unwrap_or_default();
    metric(&body, "shikaku_standby_usable ") == Some(1.0)
}

/// Under the load through HAProxy: 2 s, then `action` (local-cluster.sh), `down_s` seconds,
/// `up`, 2 s more; every request's outcome, in person order.
async fn phase(
    cluster: &Cluster,
    client: &reqwest::Client,
    persons: &Arc<Vec<super::load::Person>>,
    next: &Arc<AtomicUsize>,
    action: &[&str],
    down_s: u64,
) -> Vec<(usize, Outcome)> {
    let load = Load::start(client, cluster.get("api"), persons, next, WORKERS, PAUSE);
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.script(action);
    tokio::time::sleep(Duration::from_secs(down_s)).await;
    cluster.script(&["up"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    load.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_survive_a_node_crash_a_standby_restart_and_a_primary_restart() {
    let Some(cluster) = Cluster::up() else {
        return;
    };
    let persons = Arc::new(population(&cluster, 40_000));
    let next = Arc::new(AtomicUsize::new(0));
    let api = cluster.get("api").to_string();
    for node in ["node1-web", "node2-web"] {
        wait_until("the standby in use", Duration::from_secs(30), async || {
            standby_usable(&cluster, node).await
        })
        .await;
    }

    // 1. Node 1 SIGKILLed under load: requests on it fail, the rest go on through node 2;
    //    node 1 restarts and serves again.
    let (client, serial) = cluster.terminal("cluster-kill");
    let outcomes = phase(&cluster, &client, &persons, &next, &["kill", "node1"], 3).await;
    let (answered, failed) = account(&cluster, &serial, &persons, &outcomes);
    eprintln!("node killed: {answered} answered, {failed} failed");
    assert!(answered > 100, "{answered} answered");
    let (code, v) = json(
        client
            .post(format!("{}/v1/eligibility", cluster.get("node1-api")))
            .json(&serde_json::json!({
                "insurer_number": "01130012", "number": "345", "birth_date": "1980-05-17"
            })),
    )
    .await;
    assert_eq!(code, 200, "node 1 serves again after its restart: {v}");

    // 2. The standby stopped and started under load: every lookup is answered (from the
    //    primary meanwhile), and the nodes read from the standby again afterwards.
    let (client, serial) = cluster.terminal("cluster-standby");
    let outcomes = phase(&cluster, &client, &persons, &next, &["stop", "standby"], 3).await;
    let (answered, failed) = account(&cluster, &serial, &persons, &outcomes);
    eprintln!("standby restarted: {answered} answered, {failed} failed");
    assert_eq!(
        failed,
        0,
        "no lookup fails for the standby: {:?}",
        outcomes
            .iter()
            .find(|(_, o)| !matches!(o, Outcome::Answered(_)))
    );
    for node in ["node1-web", "node2-web"] {
        wait_until(
            "the standby back in use",
            Duration::from_secs(30),
            async || standby_usable(&cluster, node).await,
        )
        .await;
    }

    // 3. The primary restarted under load: 503 while it is down, then answers again with
    //    no operator action; every 200 is in the access log.
    let (client, serial) = cluster.terminal("cluster-primary");
    let (probe, _) = cluster.terminal("cluster-probe");
    let load = Load::start(&client, &api, &persons, &next, WORKERS, PAUSE);
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.script(&["stop", "primary"]);
    // Longer than a request waits for a database connection (5 s), so some fail.
    tokio::time::sleep(Duration::from_secs(8)).await;
    cluster.script(&["up"]);
    wait_until(
        "lookups answered again",
        Duration::from_secs(60),
        async || {
            let r = probe
                .post(format!("{api}/v1/eligibility"))
                .json(&serde_json::json!({
                    "insurer_number": "01130012", "number": "345", "birth_date": "1980-05-17"
                }))
                .send()
                .await;
            r.is_ok_and(|r| r.status() == 200)
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let outcomes = load.finish().await;
    let (answered, failed) = account(&cluster, &serial, &persons, &outcomes);
    eprintln!("primary restarted: {answered} answered, {failed} failed");
    assert!(failed > 0, "the primary's absence shows as 503s");
    let last = outcomes.iter().rev().take(20);
    assert!(
        last.clone().all(|(_, o)| matches!(o, Outcome::Answered(_))),
        "answered again after the restart: {:?}",
        last.collect::<Vec<_>>()
    );
}
