//! A steady lookup load through HAProxy while a part of the cluster fails, and the check
//! that every answer is accounted for in the access log.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::Cluster;

/// One person of the imported population, looked up once by one request.
pub(super) struct Person {
    body: serde_json::Value,
    /// The keyed hash the access log records for this person (hex).
    hash: String,
}

/// Generates `n` persons with the cluster's keyed-hash secret, imports them into the primary
/// and returns one current qualification per person.
pub(super) fn population(cluster: &Cluster, n: usize) -> Vec<Person> {
    let csv = cluster.dir.path().join("population.csv");
    let csv_path = csv.to_str().expect("utf-8");
    cluster.shikaku(&[
        "gen",
        "population",
        "--persons",
        &n.to_string(),
        "--out",
        csv_path,
    ]);
    cluster.shikaku(&["import", "qualifications", csv_path]);
    let key = shikaku_app::PersonKey::load_or_create(Path::new(cluster.get("data-dir")))
        .expect("the cluster's key");
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut seen = std::collections::HashSet::new();
    let mut persons = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        // insurer,symbol,number,branch,person_ref,…,birth_date(9),qualified_from,qualified_until(11)
        if f.len() < 12 || !f[11].is_empty() || !seen.insert(f[4].to_string()) {
            continue;
        }
        persons.push(Person {
            body: serde_json::json!({
                "insurer_number": f[0], "symbol": f[1], "number": f[2], "branch": f[3],
                "birth_date": f[9],
            }),
            hash: hex::encode(key.hash("person", &[f[0], f[4]])),
        });
    }
    persons
}

/// How one request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    /// 200 with an answer (its status).
    Answered(String),
    /// An HTTP error with a JSON error body (503 while the primary is down).
    Refused(u16, String),
    /// The connection failed (a node killed mid-request).
    Dropped(String),
}

/// A lookup load: `workers` requests in flight, each worker pausing `pause` between its
/// requests, every request a person not asked about before.
pub(super) struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<(usize, Outcome)>>>,
}

impl Load {
    pub(super) fn start(
        client: &reqwest::Client,
        api: &str,
        persons: &Arc<Vec<Person>>,
        next: &Arc<AtomicUsize>,
        workers: usize,
        pause: Duration,
    ) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..workers)
            .map(|_| {
                let (client, url) = (client.clone(), format!("{api}/v1/eligibility"));
                let (persons, next, stop) = (persons.clone(), next.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut done = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(person) = persons.get(i) else {
                            break;
                        };
                        let sent = client
                            .post(&url)
                            .timeout(Duration::from_secs(20))
                            .json(&person.body)
                            .send()
                            .await;
                        let outcome = match sent {
                            Err(e) => Outcome::Dropped(e.to_string()),
                            Ok(r) => {
                                let code = r.status().as_u16();
                                match r.json::<serde_json::Value>().await {
                                    Ok(v) if code == 200 => Outcome::Answered(
                                        v["status"].as_str().unwrap_or("?").to_string(),
                                    ),
                                    Ok(v) => Outcome::Refused(
                                        code,
                                        v["error"].as_str().unwrap_or("?").to_string(),
                                    ),
                                    Err(e) => Outcome::Dropped(format!("{code}: {e}")),
                                }
                            }
                        };
                        done.push((i, outcome));
                        tokio::time::sleep(pause).await;
                    }
                    done
                })
            })
            .collect();
        Load { stop, tasks }
    }

    /// Stops the load; every request has ended (answered or failed) within the deadline.
    pub(super) async fn finish(self) -> Vec<(usize, Outcome)> {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for task in self.tasks {
            let done = tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("a request hung past its timeout")
                .expect("worker");
            all.extend(done);
        }
        all.sort_by_key(|(i, _)| *i);
        all
    }
}

/// Checks the access log against the outcomes: each answered person has exactly one entry;
/// a request that failed has at most one (it may have been logged before its node died);
/// nothing else was logged for this terminal. Returns (answered, failed).
pub(super) fn account(
    cluster: &Cluster,
    serial: &str,
    persons: &[Person],
    outcomes: &[(usize, Outcome)],
) -> (usize, usize) {
    let logged: HashMap<String, usize> = cluster
        .psql(&format!(
            "SELECT encode(person_hash, 'hex'), count(*) FROM access_log \
             WHERE cert_serial = '{serial}' GROUP BY 1"
        ))
        .iter()
        .filter_map(|l| l.split_once('|'))
        .map(|(h, n)| (h.to_string(), n.parse().expect("count")))
        .collect();
    let mut asked = std::collections::HashSet::new();
    let (mut answered, mut failed) = (0, 0);
    for (i, outcome) in outcomes {
        let hash = &persons[*i].hash;
        asked.insert(hash.clone());
        let entries = logged.get(hash).copied().unwrap_or(0);
        match outcome {
            Outcome::Answered(status) => {
                answered += 1;
                // A current qualification (some start after today).
                assert!(
                    matches!(status.as_str(), "valid" | "not_yet"),
                    "person {i}: {status}"
                );
                assert_eq!(entries, 1, "person {i} answered 200: one access-log entry");
            }
            Outcome::Refused(code, error) => {
                failed += 1;
                assert!(
                    *code == 503 && error == "unavailable",
                    "person {i}: only 503 unavailable is a clean refusal, got {code} {error}"
                );
                assert!(entries <= 1, "person {i}: {entries} entries");
            }
            Outcome::Dropped(_) => {
                failed += 1;
                assert!(entries <= 1, "person {i}: {entries} entries");
            }
        }
    }
    let stray: Vec<(Option<usize>, &String)> = logged
        .keys()
        .filter(|h| !asked.contains(*h))
        .map(|h| (persons.iter().position(|p| &p.hash == h), h))
        .collect();
    let rows: Vec<String> = stray
        .iter()
        .flat_map(|(_, h)| {
            cluster.psql(&format!(
                "SELECT kind, status, at FROM access_log WHERE encode(person_hash, 'hex') = '{h}'"
            ))
        })
        .collect();
    assert!(
        stray.is_empty(),
        "entries for persons never asked: {stray:?} {rows:?} (outcomes {}..{})",
        outcomes.first().map_or(0, |o| o.0),
        outcomes.last().map_or(0, |o| o.0)
    );
    (answered, failed)
}
