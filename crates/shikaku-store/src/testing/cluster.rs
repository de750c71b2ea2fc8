//! Contract: the state the nodes of a cluster share — login failures, no-match answers and
//! the leases on 一括照会 jobs — behaves the same on every store.

use time::OffsetDateTime;

use crate::{NoMatchEvent, Store};

use super::unique;

pub(super) async fn login_failures(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time");
    let (key, other) = (format!("pair-{}", unique()), format!("pair-{}", unique()));
    assert_eq!(s.login_failures(&key).await.expect("none"), None);
    for (n, at) in [(1, 0), (2, 5), (3, 9)] {
        let count = s.add_login_failure(&key, t(at), t(at - 900)).await;
        assert_eq!(count.expect("add"), n);
    }
    assert_eq!(s.login_failures(&key).await.expect("read"), Some((3, t(9))));
    s.add_login_failure(&other, t(10), t(-890))
        .await
        .expect("other");
    // A count whose last failure is older than the window starts again.
    assert_eq!(
        s.add_login_failure(&key, t(909), t(9))
            .await
            .expect("again"),
        1
    );
    // The other key's stale row was removed on the way.
    assert_eq!(
        s.add_login_failure(&other, t(2000), t(1100))
            .await
            .expect("anew"),
        1
    );
    s.clear_login_failures(&key).await.expect("clear");
    assert_eq!(s.login_failures(&key).await.expect("cleared"), None);
    assert!(s.login_failures(&other).await.expect("kept").is_some());
}

pub(super) async fn no_match_events(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_800_000_000 + secs).expect("time");
    let facility = format!("F{}", unique());
    let event = |node: &str, at: i64| NoMatchEvent {
        id: 0,
        node: node.into(),
        facility_code: facility.clone(),
        terminal_name: "受付1".into(),
        card_hash: format!("{:016x}", at),
        birth_hash: "00000000000000ff".into(),
        at: t(at),
    };
    s.record_no_matches(&[event("a", 10), event("b", 20), event("a", 30)])
        .await
        .expect("record");
    s.record_no_matches(&[]).await.expect("nothing");
    let mine = |events: Vec<NoMatchEvent>| -> Vec<(String, OffsetDateTime)> {
        events
            .into_iter()
            .filter(|e| e.facility_code == facility)
            .map(|e| (e.node, e.at))
            .collect()
    };
    let read = s.no_matches_since(t(15), 1000).await.expect("since");
    assert!(read.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
    assert_eq!(
        mine(read.clone()),
        vec![("b".to_string(), t(20)), ("a".to_string(), t(30))]
    );
    let ids: Vec<i64> = read.iter().map(|e| e.id).collect();
    assert!(ids.iter().all(|id| *id > 0), "ids are assigned: {ids:?}");
    let first = read
        .iter()
        .find(|e| e.facility_code == facility)
        .expect("b");
    assert_eq!(first.card_hash, format!("{:016x}", 20));
    assert!(s.forget_no_matches(t(25)).await.expect("forget") >= 2);
    assert_eq!(
        mine(s.no_matches_since(t(0), 1000).await.expect("left")),
        vec![("a".to_string(), t(30))]
    );
}

pub(super) async fn batch_leases(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let id = format!("B{}", unique());
    s.insert_batch(&super::queued_batch(&id, t(10)))
        .await
        .expect("insert");
    let open = |now: i64| {
        let id = id.clone();
        async move {
            s.unleased_batches(t(now), 10_000)
                .await
                .expect("unleased")
                .contains(&id)
        }
    };
    assert!(open(20).await, "a new job is no node's");
    assert!(s.lease_batch(&id, "node-a", t(80), t(20)).await.expect("a"));
    assert!(!open(30).await, "node a holds it");
    assert!(
        !s.lease_batch(&id, "node-b", t(90), t(30)).await.expect("b"),
        "node b waits for the lease to end"
    );
    assert!(
        s.lease_batch(&id, "node-a", t(120), t(60))
            .await
            .expect("extend"),
        "its holder extends it"
    );
    assert!(
        !s.lease_batch(&id, "node-b", t(150), t(100))
            .await
            .expect("b")
    );
    // Node a died: after its lease the job is open again, and node b takes it.
    assert!(open(120).await);
    assert!(
        s.lease_batch(&id, "node-b", t(180), t(120))
            .await
            .expect("b")
    );
    assert!(
        !s.lease_batch(&id, "node-a", t(200), t(140))
            .await
            .expect("a")
    );
    s.finish_batch(&id, "[]", t(150)).await.expect("finish");
    assert!(!open(500).await, "a done job is not open");
    assert!(
        !s.lease_batch(&id, "node-b", t(600), t(500))
            .await
            .expect("done")
    );
    assert!(
        !s.lease_batch("no-such-job", "node-a", t(600), t(500))
            .await
            .expect("gone")
    );
}
