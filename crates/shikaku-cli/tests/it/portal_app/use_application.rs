//! The use application's rules and deadlines, by the portal's clock.

use reqwest::StatusCode;
use time::macros::datetime;

use super::*;

#[tokio::test]
async fn the_use_applications_deadline_follows_the_portals_clock() {
    // Setup on Mon 2021-02-15: five business days before is Fri 02-05 (02-11 is a holiday).
    let form = USE_APPLICATION;
    let app = PortalApp::at(datetime!(2021-02-08 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    b.get("/portal/use-application").await;
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("5営業日前"), "{}", page.body);

    // 2021-02-05 09:00 JST: in time.
    app.clock.set(datetime!(2021-02-05 00:00 UTC));
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let home = b.get("/portal/home").await;
    assert!(home.body.contains("2021-02-05"), "today by the clock");
}

#[tokio::test]
async fn the_use_application_checks_every_rule_by_the_portals_clock() {
    // 2021-01-05: start in March, setup Mon 2021-02-15 (5 business days before: Fri 02-05).
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    b.get("/portal/readers").await;
    b.post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    b.get("/portal/use-application").await;
    let mut form = vec![
        ("line_type", "ip-vpn"),
        ("service", "flets-next"),
        ("customer_id", ""),
        ("start_month", "2021-03"),
        ("test_month", ""),
        ("setup_date", "2021-02-15"),
        ("online_claims", "1"),
    ];
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("data-field=\"customer_id\""),
        "{}",
        page.body
    );
    form[2] = ("customer_id", "CAF12345678");
    form[5] = ("setup_date", "2021-01-05");
    let page = b.post("/portal/use-application", &form).await;
    assert!(page.body.contains("5営業日前"), "{}", page.body);
    form[3] = ("start_month", "2020-01");
    let page = b.post("/portal/use-application", &form).await;
    assert!(
        page.body.contains("data-field=\"start_month\""),
        "{}",
        page.body
    );
    form[3] = ("start_month", "2021-03");
    form[5] = ("setup_date", "2021-02-15");
    let page = b.post("/portal/use-application", &form).await;
    assert_eq!(
        page.location, "/portal/home?done=use-filed",
        "{}",
        page.body
    );

    // The timeline: reader and use application done, the deadline 5 business days before
    // the setup, with the same date in 令和.
    let home = b.get(&page.location).await;
    assert!(home.body.contains("利用申請を提出しました"));
    for step in ["reader-application", "use-application"] {
        assert!(
            home.body
                .contains(&format!("data-step=\"{step}\" class=\"done\"")),
            "{step}"
        );
    }
    let row_start = home
        .body
        .find("data-step=\"use-application\"")
        .expect("row");
    let row = &home.body[row_start..row_start + home.body[row_start..].find("</tr>").expect("end")];
    assert!(row.contains("2021-02-05（令和3年2月5日(金)）"), "{row}");
}
