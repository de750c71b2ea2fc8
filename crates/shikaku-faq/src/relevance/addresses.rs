//! What a question names that is no word of it: a web or mail address (where), a date typed
//! with slashes (when: the entries write dates in words, 令和3年1月31日), and the seam between
//! a product's letters and its number (Windows10 is Windows 10).

use std::borrow::Cow;

/// `query` with its web and mail addresses and its slashed dates blanked, and a space between
/// letters and the figure that follows them. A fraction (1/2, 3/4: a subsidy's rate) is no
/// date; nor is a telephone number (0800-8007121, which the help desk's entry names).
pub fn without_addresses(query: &str) -> Cow<'_, str> {
    if !query.chars().any(|c| c.is_ascii_alphanumeric()) {
        return query.into();
    }
    let out = rewrite_runs(query, |c| c.is_ascii_graphic(), push_token);
    if out == query {
        query.into()
    } else {
        out.into()
    }
}

/// `text` with each run of the characters `in_run` keeps together rewritten by `each`, which
/// appends the run's reading to the text so far; the characters between runs as they are.
pub(super) fn rewrite_runs(
    text: &str,
    in_run: impl Fn(char) -> bool,
    mut each: impl FnMut(&mut String, &str),
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if in_run(c) {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            each(&mut out, &run);
            run.clear();
        }
        out.push(c);
    }
    if !run.is_empty() {
        each(&mut out, &run);
    }
    out
}

/// One run of ASCII characters, as the question reads it.
fn push_token(out: &mut String, token: &str) {
    let lower = token.to_ascii_lowercase();
    let address = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("www.")
        || token
            .split_once('@')
            .is_some_and(|(name, host)| !name.is_empty() && host.contains('.'));
    if address || is_date(token.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())) {
        out.push(' ');
        return;
    }
    let mut before: Option<char> = None;
    for c in token.chars() {
        if c.is_ascii_digit() && before.is_some_and(|b| b.is_ascii_alphabetic()) {
            out.push(' ');
        }
        out.push(c);
        before = Some(c);
    }
}

/// Whether `token` is a date typed with slashes: year, month and day (2021/3/1), or a month
/// and a day of two figures (2/28, 5/20) — not a fraction (1/2, 3/4).
fn is_date(token: &str) -> bool {
    let parts: Vec<&str> = token.split('/').collect();
    let figures: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    match figures.as_deref() {
        Some([_, month, day]) => (1..=12).contains(month) && (1..=31).contains(day),
        Some([month, day]) => (1..=12).contains(month) && (10..=31).contains(day),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(q: &str) -> String {
        without_addresses(q)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn addresses_and_dates_are_no_words() {
        assert_eq!(
            read("https://www.iryohokenjyoho-portalsite.jp/ のアカウント登録"),
            "のアカウント登録"
        );
        assert_eq!(read("info@example.jp に変えたい"), "に変えたい");
        assert_eq!(read("補助金申請、2/28締切？"), "補助金申請、 締切？");
        assert_eq!(read("Do we apply by 2021/1/31?"), "Do we apply by");
        assert_eq!(read("Windows10のサポート"), "Windows 10のサポート");
        // Fractions, telephone numbers and words stay.
        for q in [
            "補助率は1/2？",
            "3/4になる",
            "0800-8007121は土日も？",
            "IP-VPNとPC",
        ] {
            assert_eq!(read(q), q);
        }
    }
}
