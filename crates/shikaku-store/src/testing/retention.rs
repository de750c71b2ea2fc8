//! Contract: the access log's retention removes what is older than the kept months and
//! nothing newer; on PostgreSQL by dropping whole monthly partitions.

use time::OffsetDateTime;
use time::macros::{date, datetime};

use crate::{AccessLogEntry, Store};

pub(super) async fn access_log_retention(s: &dyn Store) {
    let entry = |at: OffsetDateTime, person: u8| AccessLogEntry {
        at,
        facility_code: "1311234566".into(),
        terminal_name: "保存期間".into(),
        cert_serial: "re".into(),
        kind: "card_numbers".into(),
        status: "valid".into(),
        person_hash: vec![person; 32],
    };
    // As if run in March 2019: that month and the next three get their partitions.
    let early = s
        .maintain_access_log(datetime!(2019-03-05 00:00 UTC), date!(2000 - 01 - 01))
        .await
        .expect("prepare 2019");
    // Whole seconds: PostgreSQL keeps microseconds.
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("whole second");
    let old = [
        entry(datetime!(2019-03-10 12:00 UTC), 201),
        entry(datetime!(2019-09-01 00:00 UTC), 202),
        entry(datetime!(2019-11-30 23:59:59.9 UTC), 203),
    ];
    let kept = [
        entry(datetime!(2019-12-01 00:00:00.5 UTC), 204),
        entry(now, 205),
    ];
    s.append_access_log(&old).await.expect("append old");
    s.append_access_log(&kept).await.expect("append kept");
    let done = s
        .maintain_access_log(now, date!(2019 - 12 - 01))
        .await
        .expect("maintain");
    for (e, person) in old.iter().zip(201..) {
        assert!(
            s.access_log_for_persons(&[vec![person; 32]], 10)
                .await
                .expect("read")
                .is_empty(),
            "{} is older than the kept months",
            e.at
        );
    }
    for (e, person) in kept.iter().zip(204..) {
        assert_eq!(
            s.access_log_for_persons(&[vec![person; 32]], 10)
                .await
                .expect("read"),
            std::slice::from_ref(e),
            "{} is kept",
            e.at
        );
    }
    if s.backend() == "postgres" {
        assert_eq!(early.partitions_created, 4, "{early:?}");
        // March to June 2019 dropped whole; September and November were in the default one.
        assert!(done.partitions_dropped >= 4, "{done:?}");
        assert!(done.entries_deleted >= 2, "{done:?}");
    } else {
        assert_eq!(done.entries_deleted, 3, "{done:?}");
    }
    // Again: nothing more to do, and appends go on.
    let again = s
        .maintain_access_log(now, date!(2019 - 12 - 01))
        .await
        .expect("again");
    assert_eq!((again.partitions_dropped, again.entries_deleted), (0, 0));
    s.append_access_log(&[entry(now, 206)])
        .await
        .expect("append after");
}
