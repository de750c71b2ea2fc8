//! The front door (`/`): what a facility comes for — sign in or register, the FAQ, the
//! chatbot, the subsidy estimate, the inquiry form, the call centre's hours — and the
//! system's notices (`content/notices.tsv`). The developer links sit in the footer.

use axum::extract::Query;
use axum::response::Response;
use tower_sessions::Session;

use crate::pages::{Lang, render};

/// One notice of `content/notices.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    pub date: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    pub link: &'static str,
}

const NOTICES: &str = include_str!("../../../content/notices.tsv");

/// The notices, newest first; a malformed line is skipped (the test below keeps the file
/// well-formed).
pub(crate) fn notices() -> Vec<Notice> {
    NOTICES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(Notice {
                date: f.next()?,
                ja: f.next()?,
                en: f.next()?,
                link: f.next().unwrap_or(""),
            })
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "front.html")]
struct FrontPage {
    lang: Lang,
    signed_in: bool,
    notices: Vec<Notice>,
}

#[derive(serde::Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    lang: Lang,
}

pub async fn front(session: Session, Query(q): Query<LangQuery>) -> Response {
    let signed_in = session
        .get::<serde_json::Value>(crate::portal::ACTOR_KEY)
        .await
        .ok()
        .flatten()
        .is_some();
    render(&FrontPage {
        lang: q.lang,
        signed_in,
        notices: notices(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_has_a_date_both_languages_and_a_site_link() {
        let all = notices();
        let lines = NOTICES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(all.len(), lines, "a malformed line");
        for n in &all {
            assert!(shikaku_domain::parse_date(n.date).is_ok(), "{n:?}");
            assert!(!n.ja.is_empty() && !n.en.is_empty(), "{n:?}");
            assert!(n.link.is_empty() || n.link.starts_with('/'), "{n:?}");
        }
        assert!(
            all.windows(2).all(|w| w[0].date >= w[1].date),
            "newest first"
        );
    }
}
