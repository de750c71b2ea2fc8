//! What the help pages learn: 「役に立ちましたか」 on FAQ pages and in the chatbot, questions
//! nothing answered (masked), and the operator's page and CSV, worst first.

use reqwest::StatusCode;
use time::macros::datetime;

use super::*;

#[tokio::test]
async fn feedback_and_unanswered_questions_reach_the_operator_worst_first() {
    let app = PortalApp::at(datetime!(2021-01-05 01:00 UTC)).await;
    let mut visitor = app.browser();

    // The entry page asks; a plain post goes back to the entry with thanks.
    let page = visitor.get("/faq/subsidy-amount").await;
    assert!(
        page.body.contains("この回答は役に立ちましたか？"),
        "{}",
        page.body
    );
    for (entry, helpful) in [
        ("subsidy-amount", "no"),
        ("subsidy-amount", "no"),
        ("subsidy-amount", "yes"),
        ("phone", "yes"),
    ] {
        let done = visitor
            .post_raw(&format!("/faq/{entry}/feedback"), &[("helpful", helpful)])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(done.location, format!("/faq/{entry}?feedback=thanks"));
    }
    let thanks = visitor.get("/faq/phone?feedback=thanks").await;
    assert!(thanks.body.contains("ご回答ありがとうございました"));
    let bad = visitor
        .post_raw("/faq/phone/feedback", &[("helpful", "maybe")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = visitor
        .post_raw("/faq/no-such-entry/feedback", &[("helpful", "yes")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Searches: an answered one is not stored; unanswered ones are, numbers masked.
    visitor
        .get("/faq/search?q=%E8%A3%9C%E5%8A%A9%E9%87%91")
        .await; // 補助金
    for q in [
        "駐車場はありますか",
        "駐車場はありますか",
        "駐車場の件 03-1234-5678 まで",
    ] {
        let url = format!(
            "/faq/search?{}",
            serde_urlencoded::to_string([("q", q)]).expect("q")
        );
        let page = visitor.get(&url).await;
        assert!(page.body.contains("見つかりませんでした"), "{q}");
    }
    // The chatbot: a question nothing answers, and 解決しない on the entry under discussion.
    visitor
        .post_raw("/chat", &[("text", "今日の天気は？")])
        .await;
    visitor
        .post_raw(
            "/chat",
            &[("choice", "no"), ("context", "補助金|subsidy-amount|")],
        )
        .await;

    // Only operators see the report.
    let mut clinic = app.facility(CLINIC, "clinic").await;
    let refused = clinic.get("/portal/operator/help").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let mut op = app.operator("op1").await;
    let page = op.get("/portal/operator/help").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let feedback = &page.body[page.body.find("id=\"feedback\"").expect("feedback table")..];
    let first = feedback
        .find("data-entry=\"subsidy-amount\"")
        .expect("subsidy row");
    let second = feedback.find("data-entry=\"phone\"").expect("phone row");
    assert!(first < second, "least helpful first");
    assert!(
        feedback.contains("<td>1</td><td>3</td><td>25.0%</td>"),
        "1 yes, 3 no (one from the chatbot): {feedback}"
    );
    let unanswered = &page.body[page.body.find("id=\"unanswered\"").expect("table")..];
    let parking = unanswered
        .find("駐車場はありますか</th><td>日本語</td><td>2</td>")
        .expect("asked twice");
    assert!(unanswered.find("今日の天気は？").expect("chatbot question") > parking);
    assert!(
        unanswered.contains("駐車場の件 # まで"),
        "the phone number is masked: {unanswered}"
    );
    assert!(!page.body.contains("1234-5678") && !page.body.contains("補助金</th>"));

    let csv = op.get("/portal/operator/help/unanswered.csv").await;
    assert!(
        csv.bytes.starts_with("\u{feff}".as_bytes()),
        "BOM for Excel"
    );
    assert!(
        csv.body.contains("質問,言語,回数,最初,最後"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("駐車場はありますか,日本語,2,"),
        "{}",
        csv.body
    );
    let csv = op.get("/portal/operator/help/feedback.csv").await;
    assert!(
        csv.body
            .contains("subsidy-amount,補助金はいくらもらえますか？,1,3,25.0,"),
        "{}",
        csv.body
    );
    let unknown = op.get("/portal/operator/help/other.csv").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
