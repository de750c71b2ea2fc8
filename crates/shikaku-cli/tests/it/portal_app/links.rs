//! The operator's review of suspect links (issue 26 §1): the list with its insurer filter,
//! the CSV for the insurer, a link's rows and history, and the confirmation "same person".

use reqwest::StatusCode;
use time::macros::datetime;

use super::PortalApp;
use crate::portal_app::CLINIC;

/// A generated population with `links` seeded wrong links, imported (its audit runs).
async fn import_population(app: &PortalApp, links: u64) {
    let mut csv = Vec::new();
    shikaku_app::population::generate_seeded(
        &shikaku_app::population::PopulationOptions {
            persons: 3_000,
            seed: 9,
            reference: time::macros::date!(2026 - 04 - 01),
            wrong_links: links,
        },
        &mut csv,
    )
    .expect("population");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("q.csv");
    std::fs::write(&path, csv).expect("write");
    let report = shikaku_app::import::import_qualifications(
        app.state.service.store().as_ref(),
        &shikaku_app::PersonKey::from_bytes(&[3; 32]),
        &path,
        &shikaku_app::import::ImportOptions {
            dry_run: false,
            skip_invalid: false,
            operator: "test".into(),
            data_as_of: None,
        },
        |_| {},
    )
    .await
    .expect("import");
    let audit = report.links.expect("audited").expect("audit ran");
    assert_eq!(audit.counts.suspects, links, "{audit:?}");
}

#[tokio::test]
async fn an_operator_reviews_suspect_links_and_confirms_one_with_a_reason() {
    let app = PortalApp::at(datetime!(2026-12-01 01:00 UTC)).await;
    import_population(&app, 2).await;

    let mut clinic = app.facility(CLINIC, "clinic").await;
    let refused = clinic.get("/portal/operator/links").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let mut op = app.operator("op1").await;
    let page = op.get("/portal/operator/links").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let table = &page.body[page.body.find("id=\"links\"").expect("links table")..];
    let references: Vec<&str> = table
        .match_indices("/portal/operator/links/L")
        .map(|(i, _)| &table[i + 23..i + 30])
        .collect();
    assert_eq!(references.len(), 2, "{table}");
    assert!(table.contains("未解決"), "{table}");
    let insurer_cell = table
        .split("<td>")
        .nth(3)
        .and_then(|c| c.split('<').next())
        .expect("insurers")
        .split('、')
        .next()
        .expect("first insurer")
        .to_string();

    // Filtered by an insurer of a link; a wrong insurer number is a field error.
    let filtered = op
        .get(&format!("/portal/operator/links?insurer={insurer_cell}"))
        .await;
    assert!(filtered.body.contains(references[0]) || filtered.body.contains(references[1]));
    let bad = op.get("/portal/operator/links?insurer=12345").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("保険者番号は6桁または8桁"),
        "{}",
        bad.body
    );

    let csv = op.get("/portal/operator/links.csv").await;
    assert!(
        csv.bytes.starts_with("\u{feff}".as_bytes()),
        "BOM for Excel"
    );
    assert!(
        csv.body
            .contains("参照番号,状態,理由,行数,保険者番号,保険者の個人識別")
    );
    assert_eq!(
        csv.body.lines().count(),
        1 + 2,
        "one row per link: {}",
        csv.body
    );

    // One link: its rows (no 個人番号), its history, and the confirmation.
    let reference = references[0].to_string();
    let detail = op.get(&format!("/portal/operator/links/{reference}")).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    assert!(detail.body.contains("取込み時の点検"), "{}", detail.body);
    assert!(detail.body.contains("id=\"confirm\""));
    let short = op
        .post(
            &format!("/portal/operator/links/{reference}/confirm"),
            &[("rows_key", "x"), ("reason", "短い")],
        )
        .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        short.body
    );
    assert!(short.body.contains("10文字以上"), "{}", short.body);
    // A rows key other than the page's (the rows changed meanwhile) is refused.
    op.get(&format!("/portal/operator/links/{reference}")).await;
    let stale = op
        .post(
            &format!("/portal/operator/links/{reference}/confirm"),
            &[
                ("rows_key", "01130012:P1"),
                ("reason", "保険者に照会し同一人物と確認した"),
            ],
        )
        .await;
    assert!(
        stale.body.contains("表示後に変わりました"),
        "{}",
        stale.body
    );
    let detail = op.get(&format!("/portal/operator/links/{reference}")).await;
    let key_at = detail.body.find("name=\"rows_key\" value=\"").expect("key") + 23;
    let rows_key =
        detail.body[key_at..key_at + detail.body[key_at..].find('"').expect("end")].to_string();
    let done = op
        .post(
            &format!("/portal/operator/links/{reference}/confirm"),
            &[
                ("rows_key", &rows_key),
                ("reason", "保険者に照会し同一人物と確認した"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let after = op.get(&format!("/portal/operator/links/{reference}")).await;
    assert!(after.body.contains("同一人物と確認済"), "{}", after.body);
    assert!(after.body.contains("op1") && after.body.contains("保険者に照会し"));
    assert!(
        !after.body.contains("id=\"confirm\""),
        "no second confirmation"
    );
    let open = op.get("/portal/operator/links").await;
    assert!(
        !open.body.contains(&reference),
        "only open links by default"
    );
    let all = op.get("/portal/operator/links?all=1").await;
    assert!(all.body.contains(&reference));
    let english = op
        .get(&format!("/portal/operator/links/{reference}?lang=en"))
        .await;
    assert!(
        english.body.contains("confirmed as one person"),
        "{}",
        english.body
    );
}
