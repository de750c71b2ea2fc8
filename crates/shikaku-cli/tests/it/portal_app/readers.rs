//! Card readers: the limit, changes, cancelling (asked first).

use reqwest::StatusCode;
use time::macros::datetime;

use super::*;

#[tokio::test]
async fn the_reader_form_is_offered_only_while_readers_are_left() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    let page = b.get("/portal/readers").await;
    assert!(page.body.contains("data-remaining>1<"), "{}", page.body);
    assert!(page.body.contains("id=\"apply-reader\""));
    b.post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    let page = b.get("/portal/readers").await;
    assert!(page.body.contains("data-remaining>0<"), "{}", page.body);
    assert!(!page.body.contains("id=\"apply-reader\""), "{}", page.body);
    assert!(page.body.contains("id=\"readers-full\""));
    // Cancelling it gives the reader back.
    let id = crate::portal::first_id(&page.body, "reader");
    b.post(&format!("/portal/readers/{id}/cancel"), &[]).await;
    let page = b.get("/portal/readers").await;
    assert!(page.body.contains("data-remaining>1<"), "{}", page.body);
}

#[tokio::test]
async fn a_clinic_may_have_one_reader_and_change_it() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut b = app.facility(CLINIC, "clinic").await;
    b.get("/portal/readers").await;
    let page = b
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "2")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("1台まで"), "{}", page.body);
    let page = b
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    assert_eq!(page.location, "/portal/readers?done=reader-applied");
    let readers = b.get("/portal/readers").await;
    let id = crate::portal::first_id(&readers.body, "reader");
    let page = b
        .post(
            "/portal/readers",
            &[("maker", "fujitsu"), ("quantity", "1")],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a second one"
    );
    let page = b
        .post(
            &format!("/portal/readers/{id}"),
            &[("maker", "panasonic"), ("quantity", "1")],
        )
        .await;
    assert_eq!(page.location, "/portal/readers?done=reader-changed");
    let readers = b.get(&page.location).await;
    assert!(readers.body.contains("申し込みを変更しました"));
    assert!(readers.body.contains("パナソニック"), "{}", readers.body);
}

#[tokio::test]
async fn cancelling_a_reader_and_filing_a_subsidy_ask_first() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    let readers = b.get("/portal/readers?done=reader-applied").await;
    assert!(
        readers.body.contains("カードリーダーを申し込みました"),
        "{}",
        readers.body
    );
    let id = crate::portal::first_id(&readers.body, "reader");
    // The list links to a question, not to the cancellation itself.
    assert!(
        readers
            .body
            .contains(&format!("href=\"/portal/readers/{id}/cancel\""))
    );
    let question = b.get(&format!("/portal/readers/{id}/cancel")).await;
    assert_eq!(question.status, StatusCode::OK);
    assert!(
        question.body.contains("取り消しますか"),
        "{}",
        question.body
    );
    assert!(
        question.body.contains("株式会社アルメックス"),
        "{}",
        question.body
    );
    assert_eq!(
        app.state
            .portal
            .reader(&PortalApp::operator_actor(), &id)
            .await
            .expect("reader")
            .status,
        shikaku_domain::portal::ReaderStatus::Applied,
        "asking changes nothing"
    );

    // Filing without ticking the confirmation files nothing and keeps what was typed.
    b.get("/portal/subsidy-application").await;
    let page = b
        .post("/portal/subsidy-application", &subsidy_form("400000")[..4])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("確認のチェック"), "{}", page.body);
    assert!(page.body.contains("value=\"400000\""), "{}", page.body);
    assert!(app.subsidy_states(CLINIC).await.is_empty());
}

#[tokio::test]
async fn the_delivery_month_is_shown_with_its_notice_and_ends_cancelling() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut clinic = clinic_with_reader(&app).await;
    let page = clinic.get("/portal/readers").await;
    let reader_id = crate::portal::first_id(&page.body, "reader");
    let mut op = app.operator("op1").await;
    op.get("/portal/operator/readers").await;
    let page = op
        .post(
            &format!("/portal/operator/readers/{reader_id}/schedule"),
            &[("delivery_month", "2021-03")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let delivery = shikaku_domain::portal::YearMonth::parse("2021-03").expect("month");
    let readers = clinic.get("/portal/readers").await;
    assert!(
        readers.body.contains(&format!(
            "{}（配送のご案内は{}）",
            delivery.label_ja(),
            delivery.delivery_notice_ja()
        )),
        "the delivery month and its notice: {}",
        readers.body
    );
    let page = clinic
        .post(&format!("/portal/readers/{reader_id}/cancel"), &[])
        .await;
    assert_eq!(
        page.status,
        StatusCode::CONFLICT,
        "no cancel once the delivery month is fixed"
    );
}
