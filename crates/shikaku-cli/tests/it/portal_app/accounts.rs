//! The front door, registration, messages in the visitor's language, and who may reach what.

use reqwest::StatusCode;
use time::macros::datetime;

use super::*;
use crate::portal::registration;

#[tokio::test]
async fn the_front_door_leads_to_everything_a_facility_comes_for() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut visitor = app.browser();
    let page = visitor.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    for link in [
        "href=\"/portal/login\"",
        "href=\"/portal/register\"",
        "href=\"/faq\"",
        "href=\"/chat\"",
        "href=\"/subsidy\"",
        "href=\"/inquiry\"",
        "href=\"tel:0800-8007121\"",
        "平日 9:00〜17:00",
        "<time datetime=\"2020-11-01\">",
        "href=\"/openapi.json\"",
    ] {
        assert!(page.body.contains(link), "{link}: {}", page.body);
    }
    let en = visitor.get("/?lang=en").await;
    assert!(en.body.contains("lang=\"en\""), "{}", en.body);
    assert!(en.body.contains("Log in"), "{}", en.body);
    // Every page's brand link leads here; signed in, the way in is the facility's own page.
    let mut clinic = app.facility(CLINIC, "clinic").await;
    let home = clinic.get("/portal/home").await;
    assert!(
        home.body.contains("class=\"brand\" href=\"/\""),
        "{}",
        home.body
    );
    let page = clinic.get("/").await;
    assert!(page.body.contains("href=\"/portal/home\""), "{}", page.body);
    assert!(
        !page.body.contains("アカウント登録（はじめての方）"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn registration_names_each_wrong_field_and_refuses_a_second_account() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut b = app.browser();
    let mut bad = registration("1311234567", "clinic");
    bad[5] = ("phone", "12");
    let page = b.post_raw("/portal/register", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("data-field=\"code\""), "{}", page.body);
    assert!(page.body.contains("data-field=\"phone\""), "{}", page.body);
    let mut clinic = app.facility(CLINIC, "clinic").await;
    let home = clinic.get("/portal/home").await;
    assert!(home.body.contains("しかく内科クリニック"));
    let page = app
        .browser()
        .post_raw("/portal/register", &registration(CLINIC, "clinic"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("登録済み"), "{}", page.body);
    // The catalogue is public: the three makers.
    let catalogue = app.browser().get("/portal/catalogue").await;
    assert_eq!(catalogue.status, StatusCode::OK);
    for maker in ["fujitsu", "panasonic", "almex"] {
        assert!(
            catalogue.body.contains(&format!("data-maker=\"{maker}\"")),
            "{maker}"
        );
    }
}

#[tokio::test]
async fn a_japanese_page_says_whats_wrong_in_japanese_only() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = app.browser();
    let page = b
        .post_raw("/portal/register", &registration("1311234567", "clinic"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("検証番号"), "{}", page.body);
    assert!(!page.body.contains("check digit"), "{}", page.body);
    let page = b
        .post_raw(
            "/portal/register?lang=en",
            &registration("1311234567", "clinic"),
        )
        .await;
    assert!(page.body.contains("check digit"), "{}", page.body);
    assert!(!page.body.contains("検証番号"), "{}", page.body);

    let mut clinic = clinic_with_reader(&app).await;
    clinic.get("/portal/subsidy-application").await;
    let page = clinic
        .post("/portal/subsidy-application", &subsidy_form("12万"))
        .await;
    assert!(page.body.contains("半角数字"), "{}", page.body);
    assert!(!page.body.contains("must be digits"), "{}", page.body);
    let estimate = clinic
        .get("/subsidy?category=clinic&readers=1&reader_applied=2021-13-01&cost=1")
        .await;
    assert!(
        estimate.body.contains("存在しない日付です"),
        "{}",
        estimate.body
    );
    assert!(
        !estimate.body.contains("calendar date"),
        "{}",
        estimate.body
    );
}

/// Every route, every role: another facility gets "not found" for this clinic's records and
/// "forbidden" for the operator's pages; a visitor without a session is sent to log in.
#[tokio::test]
async fn the_authorization_matrix_every_route_every_role() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut a = clinic_with_reader(&app).await;
    let readers = a.get("/portal/readers").await;
    let reader_id = crate::portal::first_id(&readers.body, "reader");
    a.get("/portal/use-application").await;
    let page = a
        .post(
            "/portal/use-application",
            &[
                ("line_type", "ip-vpn"),
                ("service", "flets-next"),
                ("customer_id", "CAF12345678"),
                ("start_month", "2021-05"),
                ("test_month", ""),
                ("setup_date", "2021-04-15"),
                ("online_claims", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    a.get("/portal/certificates").await;
    let page = a
        .post(
            "/portal/certificates",
            &[
                ("terminal_name", "uketsuke-1"),
                ("os", "win10-iot-ltsc-2019"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let certs = a.get("/portal/certificates").await;
    let cert_id = crate::portal::first_id(&certs.body, "cert");
    assert_eq!(file_subsidy(&mut a, "420000").await, StatusCode::SEE_OTHER);
    let list = a.get("/portal/subsidy-application").await;
    let subsidy_id = crate::portal::first_id(&list.body, "subsidy");
    let detail_path = format!("/portal/subsidy-application/{subsidy_id}");
    let docs = format!("{detail_path}/documents");
    a.get(&detail_path).await;
    let page = a
        .multipart(&docs, &[("kind", "receipt")], Some(("receipt.pdf", pdf())))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let mut b = app.facility("2711111111", "hospital").await;
    b.get("/portal/home").await;
    let foreign_posts = [
        format!("/portal/readers/{reader_id}"),
        format!("/portal/readers/{reader_id}/cancel"),
        format!("/portal/certificates/{cert_id}/download"),
        format!("/portal/certificates/{cert_id}/revoke"),
        format!("/portal/subsidy-application/{subsidy_id}/resubmit"),
    ];
    for path in &foreign_posts {
        let page = b
            .post(
                path,
                &[
                    ("maker", "almex"),
                    ("quantity", "1"),
                    ("label1", "x"),
                    ("amount1", "1"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "{path} for another facility"
        );
    }
    let page = b
        .multipart(&docs, &[("kind", "receipt")], Some(("x.pdf", pdf())))
        .await;
    assert_eq!(
        page.status,
        StatusCode::NOT_FOUND,
        "upload to another facility's application"
    );
    for path in [detail_path.clone(), format!("{docs}/receipt")] {
        assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let operator_gets = [
        "/portal/operator",
        "/portal/operator/adoption.csv",
        "/portal/operator/facilities",
        "/portal/operator/facilities.csv",
        "/portal/operator/readers",
        "/portal/operator/certificates",
        "/portal/operator/subsidies",
    ];
    for path in operator_gets {
        assert_eq!(
            b.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path} for a facility"
        );
    }
    let review = format!("/portal/operator/subsidies/{subsidy_id}");
    assert_eq!(
        b.get(&review).await.status,
        StatusCode::FORBIDDEN,
        "review page for another facility"
    );
    assert_eq!(
        a.get(&review).await.status,
        StatusCode::FORBIDDEN,
        "review page for the applicant"
    );
    let op_posts = [
        format!("/portal/operator/readers/{reader_id}/schedule"),
        format!("/portal/operator/certificates/{cert_id}/issue"),
        format!("/portal/operator/certificates/{cert_id}/reject"),
        format!("/portal/operator/certificates/{cert_id}/revoke"),
        format!("/portal/operator/subsidies/{subsidy_id}/decide"),
    ];
    for path in &op_posts {
        let page = b
            .post(
                path,
                &[("delivery_month", "2030-01"), ("decision", "approve")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} for a facility");
    }
    let mut stranger = app.browser();
    let facility_gets = [
        "/portal/home",
        "/portal/readers",
        "/portal/use-application",
        "/portal/certificates",
        "/portal/subsidy-application",
    ];
    for path in facility_gets
        .iter()
        .copied()
        .chain(operator_gets)
        .map(String::from)
        .chain([
            detail_path.clone(),
            format!("{docs}/receipt"),
            review.clone(),
        ])
    {
        let page = stranger.get(&path).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{path} without a session"
        );
        assert!(page.location.starts_with("/portal/login"), "{path}");
    }
    for path in foreign_posts.iter().chain(&op_posts) {
        let page = stranger.post_raw(path, &[("_csrf", "x")]).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{path} without a session"
        );
    }
    // A hospital may have three readers, not four.
    b.get("/portal/readers").await;
    let page = b
        .post(
            "/portal/readers",
            &[("maker", "fujitsu"), ("quantity", "4")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = b
        .post(
            "/portal/readers",
            &[("maker", "fujitsu"), ("quantity", "3")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}
