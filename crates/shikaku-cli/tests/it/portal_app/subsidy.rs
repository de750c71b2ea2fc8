//! The subsidy: filing per the seed, withdrawal, one live application, uploads, the forms, the review.

use reqwest::StatusCode;
use shikaku_domain::portal::SubsidyStatus;
use time::macros::datetime;

use super::*;

#[tokio::test]
async fn a_filed_subsidy_is_withdrawn_before_a_decision_and_filed_anew() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    let page = {
        b.get("/portal/subsidy-application").await;
        b.post("/portal/subsidy-application", &subsidy_form("400000"))
            .await
    };
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location;
    let page = b.get(&location).await;
    assert!(
        page.body.contains("id=\"notice\""),
        "feedback after filing: {}",
        page.body
    );
    assert!(page.body.contains("補助金を申請しました"), "{}", page.body);
    let detail = location.split('?').next().expect("path").to_string();
    let id = detail.rsplit('/').next().expect("id").to_string();
    let page = b.get(&detail).await;
    assert!(
        !page.body.contains("id=\"notice\""),
        "said once, after the action"
    );
    assert!(page.body.contains("id=\"withdraw\""), "{}", page.body);
    assert!(
        !page.body.contains("id=\"resubmit\""),
        "offered only when returned"
    );

    // Without the confirmation nothing changes.
    let page = b.post(&format!("{detail}/withdraw"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("確認のチェック"), "{}", page.body);
    assert_eq!(app.subsidy_states(CLINIC).await, [SubsidyStatus::Submitted]);

    let page = b
        .post(&format!("{detail}/withdraw"), &[("confirm", "yes")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = b.get(&detail).await;
    assert!(page.body.contains("取下げ"), "{}", page.body);
    assert!(!page.body.contains("id=\"withdraw\""), "withdrawn is final");
    assert!(
        !page.body.contains("id=\"upload\""),
        "no documents any more"
    );
    // A second withdrawal is refused by the state, not by the page.
    let page = b
        .post(&format!("{detail}/withdraw"), &[("confirm", "yes")])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("「取下げ」のため"), "{}", page.body);

    // The operator cannot decide it any more.
    let mut op = app.operator("op1").await;
    let page = op.get(&format!("/portal/operator/subsidies/{id}")).await;
    assert!(!page.body.contains("name=\"decision\""), "{}", page.body);

    // The facility may file anew (later: the list is newest first).
    app.clock.advance(time::Duration::minutes(5));
    assert_eq!(file_subsidy(&mut b, "300000").await, StatusCode::SEE_OTHER);
    assert_eq!(
        app.subsidy_states(CLINIC).await,
        [SubsidyStatus::Withdrawn, SubsidyStatus::Submitted]
    );
}

/// The store refuses the second of two racing submissions (its contract suite shows it with
/// the application check passed by both); here the facility sees one filed, one refused.
#[tokio::test]
async fn two_tabs_filing_a_subsidy_at_once_store_one_application() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut first = clinic_with_reader(&app).await;
    first.get("/portal/subsidy-application").await;
    let mut second = app.browser();
    second.share_session(&first);
    let form = subsidy_form("400000");
    let (a, b) = tokio::join!(
        first.post("/portal/subsidy-application", &form),
        second.post("/portal/subsidy-application", &form)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY]
    );
    assert_eq!(app.subsidy_states(CLINIC).await, [SubsidyStatus::Submitted]);
}

#[tokio::test]
async fn a_too_large_upload_gets_the_page_with_its_form() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    assert_eq!(file_subsidy(&mut b, "400000").await, StatusCode::SEE_OTHER);
    let list = b.get("/portal/subsidy-application").await;
    let id = crate::portal::first_id(&list.body, "subsidy");
    let detail = format!("/portal/subsidy-application/{id}");
    b.get(&detail).await;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(12 * 1024 * 1024, b'x');
    let page = b
        .multipart(
            &format!("{detail}/documents"),
            &[("kind", "receipt")],
            Some(("receipt.pdf", big)),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.starts_with("<!doctype html>"), "{}", page.body);
    assert!(page.body.contains("ファイルが大きすぎる"), "{}", page.body);
    assert!(page.body.contains("id=\"upload\""), "the form again");
    // The inquiry form answers the same way, with the typed text kept out of a 413.
    let mut visitor = app.browser();
    visitor.get("/inquiry").await;
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(12 * 1024 * 1024, 0);
    let page = visitor
        .multipart(
            "/inquiry",
            &[
                ("category", "subsidy"),
                ("subject", "件名"),
                ("body", "本文"),
                ("email", "it@clinic.example.jp"),
            ],
            Some(("screen.png", big)),
        )
        .await;
    assert!(page.body.starts_with("<!doctype html>"), "{}", page.body);
    assert!(
        page.body.contains("id=\"inquiry\""),
        "the form again: {}",
        page.body
    );
}

#[tokio::test]
async fn the_subsidy_follows_the_seeds_rules() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    // Before 導入完了 (set-up and operation test) nothing can be filed.
    let mut early = app.facility(CLINIC, "clinic").await;
    early.get("/portal/readers").await;
    early
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    early.get("/portal/subsidy-application").await;
    let page = early
        .post("/portal/subsidy-application", &subsidy_form("400000"))
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("導入完了後"), "{}", page.body);
    assert!(
        page.body.contains("機器受取/設定、運用テスト"),
        "names what is missing: {}",
        page.body
    );
    for step in ["setup", "operation-test"] {
        early.get("/portal/home").await;
        early
            .post("/portal/steps", &[("step", step), ("done", "1")])
            .await;
    }
    let mut b = early;

    // The cost items are the seed's ①〜④; a cost that gives a 0-yen subsidy is refused.
    let form = b.get("/portal/subsidy-application").await;
    for item in ["terminal", "software-network", "system-change", "line"] {
        assert!(
            form.body.contains(&format!("name=\"amount-{item}\"")),
            "{item}"
        );
    }
    let page = b
        .post("/portal/subsidy-application", &subsidy_form("1"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("補助額が0円"), "{}", page.body);
    // Vendor, receipt number and a completion date not in the future are required.
    let mut missing = subsidy_form("400000");
    missing.retain(|(k, _)| *k != "vendor" && *k != "completed_on");
    missing.push(("completed_on", "2021-03-05"));
    let page = b.post("/portal/subsidy-application", &missing).await;
    assert!(page.body.contains("data-field=\"vendor\""), "{}", page.body);
    assert!(
        page.body.contains("data-field=\"completed_on\""),
        "{}",
        page.body
    );
    assert!(app.subsidy_states(CLINIC).await.is_empty());

    let page = b
        .post("/portal/subsidy-application", &subsidy_form("400000"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let detail = b.get(page.location.split('?').next().expect("path")).await;
    assert!(detail.body.contains("① 資格確認端末"), "{}", detail.body);

    // Cancelling the reader the subsidy counted sends the application back to be computed
    // again.
    let readers = b.get("/portal/readers").await;
    let reader = crate::portal::first_id(&readers.body, "reader");
    b.get(&format!("/portal/readers/{reader}/cancel")).await;
    let page = b
        .post(&format!("/portal/readers/{reader}/cancel"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.subsidy_states(CLINIC).await, [SubsidyStatus::Returned]);

    // Correcting it: a mistake re-renders the form with what was typed, not the old values.
    let detail_path = page_path_of(&detail.body);
    b.get(&detail_path).await;
    let mut typo = subsidy_form("12万円");
    typo.retain(|(k, _)| *k != "confirm");
    let page = b.post(&format!("{detail_path}/resubmit"), &typo).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"12万円\""), "{}", page.body);
}

#[tokio::test]
async fn the_subsidy_forms_are_pdfs_filled_in_from_the_application() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    assert_eq!(file_subsidy(&mut b, "420000").await, StatusCode::SEE_OTHER);
    let list = b.get("/portal/subsidy-application").await;
    let id = crate::portal::first_id(&list.body, "subsidy");
    let detail = b.get(&format!("/portal/subsidy-application/{id}")).await;
    let mut op = app.operator("op1").await;
    for (kind, title, facts) in [
        (
            "grant-application",
            "補助金交付申請書",
            ["しかく内科クリニック", "420,000 円", "交付申請額"],
        ),
        (
            "completion-report",
            "事業完了報告書",
            ["しかくシステム株式会社", "R-2021-0042", "2021-02-26"],
        ),
    ] {
        let path = format!("/portal/subsidy-application/{id}/forms/{kind}");
        assert!(detail.body.contains(&format!("href=\"{path}\"")), "{kind}");
        // The facility and the operator get the same document.
        let mine = b.get(&path).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        assert!(mine.bytes.starts_with(b"%PDF-"), "{kind}");
        let theirs = op.get(&path).await;
        assert_eq!(theirs.bytes, mine.bytes, "{kind}");
        if let Some(text) = crate::identity::pdftotext(&mine.bytes) {
            assert!(text.contains(title), "{kind}: {text}");
            for fact in facts {
                assert!(text.contains(fact), "{kind} lacks {fact}: {text}");
            }
        }
    }
    // Another facility's forms are not found.
    let mut other = app.facility("1341234566", "pharmacy").await;
    let page = other
        .get(&format!(
            "/portal/subsidy-application/{id}/forms/grant-application"
        ))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_operator_reviews_a_subsidy_and_its_documents() {
    let app = PortalApp::at(datetime!(2021-03-01 01:00 UTC)).await;
    let mut b = clinic_with_reader(&app).await;
    b.get("/portal/subsidy-application").await;
    for (amount, why) in [
        ("0", "zero"),
        ("abc", "not digits"),
        ("-300000", "negative"),
    ] {
        let page = b
            .post("/portal/subsidy-application", &subsidy_form(amount))
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    }
    assert_eq!(file_subsidy(&mut b, "420,000").await, StatusCode::SEE_OTHER);
    let list = b.get("/portal/subsidy-application").await;
    let id = crate::portal::first_id(&list.body, "subsidy");
    let detail = format!("/portal/subsidy-application/{id}");
    let docs = format!("{detail}/documents");
    b.get(&detail).await;

    // A document is what its name says, and 10 MB at most.
    let page = b
        .multipart(
            &docs,
            &[("kind", "receipt")],
            Some(("receipt.pdf", b"\x89PNG\r\n\x1a\nnot a pdf".to_vec())),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("一致しません"), "{}", page.body);
    let page = b
        .multipart(
            &docs,
            &[("kind", "receipt")],
            Some(("receipt.pdf", vec![b'%'; 10 * 1024 * 1024 + 1])),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = b
        .multipart(&docs, &[("kind", "receipt")], Some(("receipt.pdf", pdf())))
        .await;
    assert_eq!(page.location, format!("{detail}?done=document-uploaded"));

    // Approval needs all three documents; a return needs a reason.
    let mut op = app.operator("op1").await;
    let review = format!("/portal/operator/subsidies/{id}");
    op.get(&review).await;
    let decide = format!("{review}/decide");
    let page = op
        .post(&decide, &[("decision", "approve"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("書類が足りません"), "{}", page.body);
    let page = op
        .post(&decide, &[("decision", "return"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "no reason");
    let page = op
        .post(
            &decide,
            &[
                ("decision", "return"),
                ("reason", "内訳書を添付してください"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // The facility adds the rest and submits again; the operator approves.
    app.clock.advance(time::Duration::hours(1));
    let returned = b.get(&detail).await;
    assert!(returned.body.contains("内訳書を添付してください"));
    for (kind, name, bytes) in [
        (
            "receipt-breakdown",
            "breakdown.png",
            b"\x89PNG\r\n\x1a\n....".to_vec(),
        ),
        (
            "completion-report",
            "report.jpg",
            vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
        ),
    ] {
        let page = b
            .multipart(&docs, &[("kind", kind)], Some((name, bytes)))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{kind}: {}", page.body);
    }
    b.get(&detail).await;
    let mut again = subsidy_form("420000");
    again.retain(|(k, _)| *k != "confirm");
    let page = b.post(&format!("{detail}/resubmit"), &again).await;
    assert_eq!(page.location, format!("{detail}?done=subsidy-resubmitted"));
    op.get(&review).await;
    let page = op
        .post(&decide, &[("decision", "approve"), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let approved = b.get(&detail).await;
    assert!(approved.body.contains("data-status=\"approved\""));
    for action in ["審査中", "差戻し", "承認", "書類の提出"] {
        assert!(approved.body.contains(action), "history shows {action}");
    }
    // The document comes back byte for byte, to the facility and to operators.
    let receipt = b.get(&format!("{docs}/receipt")).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert_eq!(receipt.bytes, pdf());
    assert_eq!(op.get(&format!("{docs}/receipt")).await.bytes, pdf());
}
