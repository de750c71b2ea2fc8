//! Markdown written by the content team (FAQ answers, chatbot replies), rendered with
//! pulldown-cmark: paragraphs, lists, emphasis and links. Raw HTML in the source is shown as
//! text, links go only to `https:`, `http:`, `tel:`, `mailto:` or this site's own paths, and
//! bare URLs and phone numbers in the text become links.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Whether a link target is one a page may carry (no `javascript:` or `data:`).
fn safe_target(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["https://", "http://", "tel:", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
        || (url.starts_with('/') && !url.starts_with("//"))
}

/// Where a bare URL or phone number starts in `text`: (start, end, link target).
fn next_link(text: &str) -> Option<(usize, usize, String)> {
    let url = text.find("https://").or_else(|| text.find("http://"));
    let url = url.map(|start| {
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || "）)」』、。<>\"'".contains(c))
            .map_or(text.len(), |n| start + n);
        (start, end, text[start..end].to_string())
    });
    let phone = find_phone(text).map(|(s, e)| (s, e, format!("tel:{}", &text[s..e])));
    match (url, phone) {
        (Some(u), Some(p)) => Some(if p.0 < u.0 { p } else { u }),
        (u, p) => u.or(p),
    }
}

/// A Japanese phone number written with hyphens (0800-8007121, 03-1234-5678).
fn find_phone(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if bytes[i] == b'0' && boundary {
            let mut j = i;
            let (mut digits, mut hyphens) = (0, 0);
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'-') {
                if bytes[j] == b'-' {
                    hyphens += 1;
                } else {
                    digits += 1;
                }
                j += 1;
            }
            while j > i && bytes[j - 1] == b'-' {
                j -= 1;
                hyphens -= 1;
            }
            if (10..=11).contains(&digits) && hyphens >= 1 {
                return Some((i, j));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// Text with its bare URLs and phone numbers as links.
fn linkify<'a>(text: &str, out: &mut Vec<Event<'a>>) {
    let mut rest = text;
    while let Some((start, end, target)) = next_link(rest) {
        if start > 0 {
            out.push(Event::Text(CowStr::from(rest[..start].to_string())));
        }
        out.push(Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: CowStr::from(target),
            title: CowStr::from(""),
            id: CowStr::from(""),
        }));
        out.push(Event::Text(CowStr::from(rest[start..end].to_string())));
        out.push(Event::End(TagEnd::Link));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(Event::Text(CowStr::from(rest.to_string())));
    }
}

/// The HTML of `text`.
pub fn to_html(text: &str) -> String {
    let mut events = Vec::new();
    let mut in_link = 0usize;
    let mut dropped_links = 0usize;
    for event in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Html(raw) | Event::InlineHtml(raw) => {
                events.push(Event::Text(CowStr::from(raw.to_string())));
            }
            Event::Start(Tag::Link { ref dest_url, .. }) if !safe_target(dest_url) => {
                dropped_links += 1;
            }
            Event::End(TagEnd::Link) if dropped_links > 0 && in_link == 0 => {
                dropped_links -= 1;
            }
            Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                events.push(event);
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                events.push(event);
            }
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Text(t) if in_link == 0 => linkify(&t, &mut events),
            Event::SoftBreak => events.push(Event::HardBreak),
            other => events.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_links_and_escaping() {
        let html = to_html("前文<script>\n\n- a\n- b&c\n\n1. x\n2. y\n\n後文");
        assert_eq!(
            html,
            "<p>前文&lt;script&gt;</p>\n<ul>\n<li>a</li>\n<li>b&amp;c</li>\n</ul>\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n<p>後文</p>\n"
        );
    }

    #[test]
    fn bare_urls_and_phone_numbers_become_links() {
        let html = to_html("電話 0800-8007121（通話無料）。様式: https://example.jp/a.html。");
        assert!(
            html.contains(r#"<a href="tel:0800-8007121">0800-8007121</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://example.jp/a.html">https://example.jp/a.html</a>。"#),
            "{html}"
        );
        // Dates and codes are not phone numbers.
        assert!(!to_html("2021-03-31 と 1234567890").contains("tel:"));
    }

    #[test]
    fn only_safe_link_targets() {
        let html = to_html("[ポータル](/portal) [x](javascript:alert(1)) [y](https://a.jp)");
        assert!(html.contains(r#"<a href="/portal">ポータル</a>"#), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains(r#"<a href="https://a.jp">y</a>"#), "{html}");
    }
}
