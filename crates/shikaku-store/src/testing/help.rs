//! The contract of [`crate::help::HelpStore`]: counters that add up and lists worst first.

use time::OffsetDateTime;

use crate::Store;

pub(crate) async fn help_feedback(s: &dyn Store) {
    let t = |secs: i64| OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("time");
    for (entry, helpful, at) in [
        ("phone", true, 1),
        ("subsidy-amount", false, 2),
        ("subsidy-amount", false, 3),
        ("subsidy-amount", true, 4),
        ("reader-count", false, 5),
    ] {
        s.record_feedback(entry, helpful, t(at))
            .await
            .expect("feedback");
    }
    let rows = s.entry_feedback().await.expect("feedback rows");
    let summary: Vec<(&str, i64, i64)> = rows
        .iter()
        .map(|r| (r.entry_id.as_str(), r.helpful, r.unhelpful))
        .collect();
    assert_eq!(
        summary,
        [
            ("subsidy-amount", 1, 2),
            ("reader-count", 0, 1),
            ("phone", 1, 0)
        ],
        "least helpful first: most 「いいえ」 beyond 「はい」, then most 「いいえ」"
    );
    assert_eq!(rows[0].last_at, t(4));

    for (query, lang, at) in [
        ("駐車場はありますか", "ja", 10),
        ("今日の天気は？", "ja", 11),
        ("駐車場はありますか", "ja", 12),
        ("駐車場はありますか", "en", 13),
    ] {
        s.record_unanswered(query, lang, t(at))
            .await
            .expect("unanswered");
    }
    let rows = s.unanswered(10).await.expect("unanswered rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (rows[0].query.as_str(), rows[0].lang.as_str(), rows[0].asked),
        ("駐車場はありますか", "ja", 2)
    );
    assert_eq!((rows[0].first_at, rows[0].last_at), (t(10), t(12)));
    assert_eq!(s.unanswered(1).await.expect("limit").len(), 1);
}
