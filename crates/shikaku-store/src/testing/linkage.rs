//! The contract of [`crate::linkage::LinkageStore`]: groups found by hash, an audit's record
//! (found, kept open, confirmed for exactly its rows, reopened, corrected), the insurer filter.

use shikaku_domain::linkage::{Disagreement, LinkAction, LinkState, LinkedRow, rows_key};
use time::OffsetDateTime;
use time::macros::date;

use super::{meta, qualification};
use crate::linkage::FoundLink;
use crate::{Finish, StagedRow, Store};

pub(crate) async fn link_suspects(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    let hash = vec![0x51u8; 32];
    let owner = qualification("7101", "00", date!(2020 - 04 - 01), None);
    let mut wrong = qualification("7102", "00", date!(2021 - 04 - 01), None);
    wrong.person_ref = "P7102".into();
    wrong.name = "佐藤 一郎".into();
    wrong.name_kana = "サトウ イチロウ".into();
    let mut session = s.begin_import(meta("links.csv")).await.expect("begin");
    session
        .stage(&[
            StagedRow::new(2, owner.clone(), Some(hash.clone())),
            StagedRow::new(3, wrong.clone(), Some(hash.clone())),
        ])
        .await
        .expect("stage");
    session
        .finish(Finish::Commit { rejected: 0 })
        .await
        .expect("finish");
    let linked = s.linked_hashes().await.expect("linked");
    assert!(linked.contains(&hash), "{}", s.backend());
    assert!(
        !linked.iter().any(|h| h == &vec![8u8; 32]),
        "single rows are not groups"
    );
    let rows = s
        .rows_for_hashes(std::slice::from_ref(&hash))
        .await
        .expect("rows");
    let group: Vec<_> = rows.iter().map(|(_, q)| q.clone()).collect();
    assert_eq!(group.len(), 2, "{}", s.backend());
    assert!(rows.iter().all(|(h, _)| h == &hash));
    let found = FoundLink {
        my_number_hash: hash.clone(),
        reason: Disagreement::Name,
        rows_key: rows_key(&group),
        rows: group.iter().map(LinkedRow::of).collect(),
    };
    let counts = s
        .record_link_audit(linked.len() as u64, std::slice::from_ref(&found), t(0))
        .await
        .expect("audit");
    assert_eq!((counts.suspects, counts.new, counts.corrected), (1, 1, 0));
    // Found again: still open, not new.
    let again = s
        .record_link_audit(linked.len() as u64, std::slice::from_ref(&found), t(1))
        .await
        .expect("audit");
    assert_eq!((again.new, again.corrected), (0, 0));
    let open = s.link_suspects(None, false).await.expect("open");
    assert_eq!(open.len(), 1, "{}", s.backend());
    let suspect = &open[0];
    assert_eq!(
        (suspect.state, suspect.reason, suspect.rows.len()),
        (LinkState::Open, Disagreement::Name, 2)
    );
    assert_eq!(suspect.checked_at, t(1));
    assert_eq!(
        s.link_suspects(Some(owner.card.insurer.as_str()), false)
            .await
            .expect("by insurer")
            .len(),
        1
    );
    assert!(
        s.link_suspects(Some("06138093"), true)
            .await
            .expect("other insurer")
            .is_empty()
    );
    assert_eq!(
        s.link_state(&hash).await.expect("state"),
        Some((LinkState::Open, found.rows_key.clone()))
    );
    assert_eq!(s.link_state(&[0x52; 32]).await.expect("none"), None);
    // A confirmation names the rows the operator saw: stale keys are refused.
    assert!(
        !s.confirm_link(suspect.id, "01130012:P1", "op", "理由", t(2))
            .await
            .expect("confirm")
    );
    assert!(
        s.confirm_link(
            suspect.id,
            &found.rows_key,
            "op",
            "婚姻による改姓を確認",
            t(2)
        )
        .await
        .expect("confirm")
    );
    assert!(
        !s.confirm_link(suspect.id, &found.rows_key, "op", "again", t(3))
            .await
            .expect("twice")
    );
    // Confirmed rows found again stay confirmed …
    s.record_link_audit(linked.len() as u64, std::slice::from_ref(&found), t(4))
        .await
        .expect("audit");
    let confirmed = s
        .link_suspect(suspect.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(confirmed.state, LinkState::Confirmed);
    assert_eq!(confirmed.resolved_by.as_deref(), Some("op"));
    assert!(s.link_suspects(None, false).await.expect("open").is_empty());
    assert_eq!(s.link_suspects(None, true).await.expect("all").len(), 1);
    // … until another row joins: reopened.
    let changed = FoundLink {
        rows_key: format!("{},06138093:P9", found.rows_key),
        ..found.clone()
    };
    let reopened = s
        .record_link_audit(linked.len() as u64, std::slice::from_ref(&changed), t(5))
        .await
        .expect("audit");
    assert_eq!(reopened.new, 1);
    assert_eq!(
        s.link_state(&hash).await.expect("state").map(|(st, _)| st),
        Some(LinkState::Open)
    );
    // The insurer's corrected file: the group agrees, the link is corrected.
    let corrected = s
        .record_link_audit(linked.len() as u64, &[], t(6))
        .await
        .expect("audit");
    assert_eq!(corrected.corrected, 1);
    let done = s
        .link_suspect(suspect.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (done.state, done.resolved_at, done.resolved_by.as_deref()),
        (LinkState::Corrected, Some(t(6)), Some("import"))
    );
    let actions: Vec<LinkAction> = s
        .link_events(suspect.id)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            LinkAction::Found,
            LinkAction::Confirmed,
            LinkAction::Reopened,
            LinkAction::Corrected
        ]
    );
}
