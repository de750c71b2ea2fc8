//! Every form a signed-in user posts checks the session's CSRF token before anything else
//! (issue 24: the `CsrfForm` extractor, so a handler cannot forget the check).

use reqwest::StatusCode;

use crate::api::Server;
use crate::portal::{Browser, activate, operator_browser, registration};
use crate::support::{Env, add_operator};

/// Forged tokens on every urlencoded portal form, facility's and operator's, with ids that
/// exist and ids that do not: each gets the 403 page, none reaches its handler (the forged
/// log-out leaves the session signed in; the forged reader application applies for nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_portal_form_refuses_a_forged_token() {
    let server = Server::start(Env::sqlite()).await;
    let base = format!("http://{}", server.running.web_addr);
    let op_password = add_operator(&server.env, "op1");
    let mut clinic = Browser::new(&base);
    let page = clinic
        .post_raw("/portal/register", &registration("1311234566", "clinic"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    activate(&server, &mut clinic, "1311234566").await;
    let mut operator = operator_browser(&base, "op1", &op_password).await;

    let clinic_forms = [
        "/portal/logout",
        "/portal/account",
        "/portal/account/password",
        "/portal/plan",
        "/portal/steps",
        "/portal/readers",
        "/portal/readers/1",
        "/portal/readers/1/cancel",
        "/portal/use-application",
        "/portal/certificates",
        "/portal/certificates/1/download",
        "/portal/certificates/1/revoke",
        "/portal/subsidy-application",
        "/portal/subsidy-application/1/resubmit",
        "/portal/inquiries/1/reply",
    ];
    let operator_forms = [
        "/portal/operator/letters/print",
        "/portal/operator/facility-codes",
        "/portal/operator/readers/1/schedule",
        "/portal/operator/certificates/1/issue",
        "/portal/operator/subsidies/1/decide",
        "/portal/operator/inquiries/1/reply",
    ];
    let forged = [("_csrf", "forged"), ("maker", "almex"), ("quantity", "1")];
    for (browser, forms) in [
        (&mut clinic, &clinic_forms[..]),
        (&mut operator, &operator_forms[..]),
    ] {
        for path in forms {
            for fields in [&forged[..], &[][..]] {
                let page = browser.post_raw(path, fields).await;
                assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}: {}", page.body);
                assert!(
                    page.body
                        .contains("フォームの有効期限が切れたか、不正な送信です"),
                    "{path}: {}",
                    page.body
                );
            }
        }
    }
    let home = clinic.get("/portal/home").await;
    assert_eq!(home.status, StatusCode::OK, "still signed in");
    let readers = clinic.get("/portal/readers").await;
    assert!(!readers.body.contains("data-reader="), "{}", readers.body);
    // The same form with the session's token goes through.
    let page = clinic
        .post("/portal/readers", &[("maker", "almex"), ("quantity", "1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}
