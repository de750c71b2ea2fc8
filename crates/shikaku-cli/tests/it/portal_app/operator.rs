//! The operator's adoption figures.

use time::macros::datetime;

use super::*;

#[tokio::test]
async fn in_operation_means_real_lookups_after_the_planned_start() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut clinic = app.facility(CLINIC, "clinic").await;
    file_use_application(&mut clinic).await;
    let mut op = app.operator("op1").await;
    let operating = |body: &str| {
        let at = body.find("data-operating-percent>").expect("figure") + 23;
        body[at..at + body[at..].find('<').expect("end")].to_string()
    };

    // The operation test in February, before the planned start (2021-03-01): not operating.
    app.clock.set(datetime!(2021-02-16 01:00 UTC));
    lookup_at(&app, datetime!(2021-02-16 01:00 UTC)).await;
    let page = op.get("/portal/operator").await;
    assert_eq!(operating(&page.body), "0.0%", "{}", page.body);
    assert!(page.body.contains("id=\"operating-definition\""));
    // The start passes without a lookup: still not operating.
    app.clock.set(datetime!(2021-03-03 01:00 UTC));
    let page = op.get("/portal/operator").await;
    assert_eq!(operating(&page.body), "0.0%");
    // A real lookup on or after the start: operating, counted in March.
    lookup_at(&app, datetime!(2021-03-03 02:00 UTC)).await;
    app.clock.set(datetime!(2021-03-03 03:00 UTC));
    let page = op.get("/portal/operator").await;
    assert_eq!(operating(&page.body), "100.0%", "{}", page.body);
    let csv = op.get("/portal/operator/adoption.csv").await;
    assert!(
        csv.body.contains("施設区分,診療所,1,0,1,0,1,100.0"),
        "{}",
        csv.body
    );
    // The chart is a curve over the last twelve months, not a dot.
    assert!(page.body.matches("<circle").count() >= 12, "{}", page.body);
}

#[tokio::test]
async fn adoption_csv_for_excel_on_japanese_windows() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut clinic = clinic_with_reader(&app).await;
    file_use_application(&mut clinic).await;
    let mut op = app.operator("op1").await;
    let dashboard = op.get("/portal/operator").await;
    assert!(
        dashboard.body.contains("<svg"),
        "chart rendered server side"
    );
    // Japanese headers and labels, UTF-8 with its mark, or Shift_JIS on request (decoded by
    // the charset the answer names).
    let csv = op.get("/portal/operator/adoption.csv").await;
    assert!(
        csv.body.starts_with("\u{feff}集計区分,区分,登録数"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("施設区分,診療所,1,1,1,0,0,0.0"),
        "registered, reader, use application; no certificate, not operating: {}",
        csv.body
    );
    let sjis = op.get("/portal/operator/adoption.csv?encoding=sjis").await;
    assert!(
        sjis.body.starts_with("集計区分,区分,登録数")
            && sjis.body.contains("都道府県,13 東京都,1,1,1,0,0,0.0"),
        "{}",
        sjis.body
    );
    let en = op.get("/portal/operator/adoption.csv?lang=en").await;
    assert!(
        en.body.contains("category,clinic,1,1,1,0,0,0.0"),
        "{}",
        en.body
    );
    let facilities = op
        .get("/portal/operator/facilities.csv?q=%E3%81%97%E3%81%8B%E3%81%8F")
        .await;
    assert!(
        facilities
            .body
            .contains("1311234566,しかく内科クリニック,診療所,東京都,"),
        "{}",
        facilities.body
    );
}
