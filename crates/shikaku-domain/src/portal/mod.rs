//! The portal's rules (`portal.md`, the seed), one module per application as in the app,
//! store and HTTP layers: the card-reader application ([`readers`]), the use application
//! ([`use_application`]), terminal certificates ([`certificates`]) and the subsidy
//! application with its documents ([`subsidy`]); each application kind has its own state
//! enum ([`Lifecycle`]). Here: what every form shares (field errors, fixed lists, contact
//! fields). Pure: the app layer stores and the HTTP layer shows.

use std::fmt;

pub mod certificates;
mod lifecycle;
pub mod readers;
pub mod records;
pub mod subsidy;
pub mod use_application;

pub use certificates::{CertAction, CertStatus, TerminalOs, check_terminal_name};
pub use lifecycle::{Action, Lifecycle, UnknownCode};
pub use readers::{Maker, ReaderAction, ReaderStatus, check_reader_quantity};
pub use subsidy::{
    CostItem, DocumentKind, FileType, MAX_DOCUMENT_BYTES, SubsidyAction, SubsidyStatus,
    check_document,
};
pub use use_application::{
    LINE_SERVICES, LineService, LineType, UseApplication, UseApplicationForm, YearMonth,
    check_use_application, line_service,
};

/// A problem with one form field, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub ja: String,
    pub en: String,
}

impl FieldError {
    pub fn new(field: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field,
            ja: ja.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.ja, self.en)
    }
}

/// A value from a fixed list, with its stored code and labels.
pub trait Choice: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label_ja(self) -> &'static str;
    fn label_en(self) -> &'static str;
    /// The label in English or Japanese.
    fn label(self, english: bool) -> &'static str {
        if english {
            self.label_en()
        } else {
            self.label_ja()
        }
    }
    fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.code() == code.trim())
    }
}

/// The postal code as `NNN-NNNN` (with or without the hyphen, full-width digits accepted).
pub fn normalize_postal_code(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            '-' | '－' | 'ー' | ' ' => None,
            _ => Some('x'),
        })
        .collect();
    (digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{}-{}", &digits[..3], &digits[3..]))
}

/// A phone number: digits and hyphens, 10–11 digits, starting with 0.
pub fn normalize_phone(input: &str) -> Option<String> {
    let t = input.trim();
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    (t.starts_with('0')
        && (10..=11).contains(&digits)
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
    .then(|| t.to_string())
}

/// An e-mail address good enough to send to: one `@`, a dot in the domain, no spaces or
/// control characters (so it cannot carry a mail header).
pub fn normalize_email(input: &str) -> Option<String> {
    let t = input.trim();
    let (local, domain) = t.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && t.len() <= 254
        && !domain.contains('@')
        && t.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"'));
    ok.then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_fields() {
        assert_eq!(
            normalize_postal_code("１００ー０００１").as_deref(),
            Some("100-0001")
        );
        assert_eq!(
            normalize_postal_code("1000001").as_deref(),
            Some("100-0001")
        );
        assert_eq!(normalize_postal_code("100-00a1"), None);
        assert!(normalize_phone("03-1234-5678").is_some());
        assert!(normalize_phone("1234").is_none());
        assert!(normalize_email("it@clinic.example.jp").is_some());
        assert!(normalize_email("a@b.jp\r\nBcc: x@y.jp").is_none());
        assert!(normalize_email("no-at-sign").is_none());
    }
}
