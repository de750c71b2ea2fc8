//! 被保険者証等の記号・番号・枝番 (card symbol, number and branch), `codes.md` §6.
//!
//! Text fields are normalized before validation, storage and comparison, so that
//! 「１２－３４」 on one side and "12-34" on the other are the same card.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::insurer_number::InsurerNumber;
use crate::text::fold_fullwidth_ascii;

/// The limit of a 記号 or 番号 in Shift_JIS bytes (1 per ASCII character, 2 otherwise).
pub const MAX_CARD_TEXT_BYTES: usize = 38;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardTextError {
    #[error("{field}が空です ({field} is empty)")]
    Empty { field: &'static str },
    #[error(
        "{field}が長すぎます: {bytes}バイト（上限{MAX_CARD_TEXT_BYTES}バイト） ({field} is {bytes} bytes in Shift_JIS terms, over the {MAX_CARD_TEXT_BYTES}-byte limit)"
    )]
    TooLong { field: &'static str, bytes: usize },
    #[error(
        "{field}の{position}文字目に制御文字 U+{code:04X} があります ({field} has a control character at position {position})"
    )]
    Control {
        field: &'static str,
        position: usize,
        code: u32,
    },
    #[error("枝番は2桁の数字です (branch must be two digits 00–99)")]
    Branch,
}

const HYPHENS: &[char] = &[
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}', '\u{FF0D}',
    '\u{FE63}', '\u{FF70}',
];

fn is_halfwidth_katakana(c: char) -> bool {
    ('\u{FF61}'..='\u{FF9F}').contains(&c) && c != '\u{FF70}'
}

/// Normalizes a 記号 or 番号 as `codes.md` §6: full-width ASCII folded and Latin letters
/// upper-cased; half-width katakana to full-width; hyphen variants to "-" (ー only between
/// digits or Latin letters); spaces trimmed and inner runs collapsed to one half-width space.
pub fn normalize_card_text(input: &str) -> String {
    // Nearly every real value is ASCII letters and digits: nothing to fold, map or collapse
    // but the case (one allocation instead of four; an import normalizes millions).
    if input
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return input.to_ascii_uppercase();
    }
    normalize_general(input)
}

fn normalize_general(input: &str) -> String {
    // Pass 1: fold full-width ASCII, map hyphens, ideographic space, and upper-case.
    let folded: Vec<char> = input
        .chars()
        .map(|c| {
            let c = fold_fullwidth_ascii(c);
            if HYPHENS.contains(&c) {
                '-'
            } else if c == '\u{3000}' {
                ' '
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    // Pass 2: ー between two digits or Latin letters is a hyphen.
    let mut mapped = String::with_capacity(input.len());
    for (i, &c) in folded.iter().enumerate() {
        if c == '\u{30FC}' {
            let prev = i.checked_sub(1).and_then(|j| folded.get(j));
            let next = folded.get(i + 1);
            let alnum = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            if alnum(prev) && alnum(next) {
                mapped.push('-');
                continue;
            }
        }
        mapped.push(c);
    }
    // Pass 3: half-width katakana runs through NFKC (so ｶﾞ becomes ガ).
    let mut widened = String::with_capacity(mapped.len());
    let mut run = String::new();
    for c in mapped.chars() {
        if is_halfwidth_katakana(c) {
            run.push(c);
        } else {
            if !run.is_empty() {
                widened.extend(run.nfkc());
                run.clear();
            }
            widened.push(c);
        }
    }
    widened.extend(run.nfkc());
    // Pass 4: trim and collapse spaces.
    widened
        .split(' ')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Length in Shift_JIS bytes: 1 for ASCII and half-width katakana, 2 for anything else.
fn sjis_bytes(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if c.is_ascii() || is_halfwidth_katakana(c) {
                1
            } else {
                2
            }
        })
        .sum()
}

fn validate_text(field: &'static str, input: &str) -> Result<String, CardTextError> {
    validate_normalized(field, normalize_card_text(input))
}

fn validate_normalized(field: &'static str, s: String) -> Result<String, CardTextError> {
    if let Some((position, c)) = s.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(CardTextError::Control {
            field,
            position: position + 1,
            code: c as u32,
        });
    }
    if s.is_empty() {
        return Err(CardTextError::Empty { field });
    }
    let bytes = sjis_bytes(&s);
    if bytes > MAX_CARD_TEXT_BYTES {
        return Err(CardTextError::TooLong { field, bytes });
    }
    Ok(s)
}

/// 被保険者証等記号 (normalized, non-empty). A card without a symbol is `Option::None`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardSymbol(String);

impl CardSymbol {
    /// Parses a symbol; an input that is empty after normalization means "no symbol".
    pub fn parse_optional(input: &str) -> Result<Option<Self>, CardTextError> {
        let s = normalize_card_text(input);
        if s.is_empty() {
            return Ok(None);
        }
        validate_normalized("記号", s).map(|s| Some(Self(s)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 被保険者証等番号 (normalized, non-empty).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardNumber(String);

impl CardNumber {
    pub fn parse(input: &str) -> Result<Self, CardTextError> {
        validate_text("番号", input).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 枝番: two digits "00"–"99".
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Branch([u8; 2]);

impl Branch {
    /// Exactly two digits (full-width folded), as insurer loads require.
    pub fn parse(input: &str) -> Result<Self, CardTextError> {
        let s: String = input.trim().chars().map(fold_fullwidth_ascii).collect();
        match s.as_bytes() {
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Ok(Self([*a, *b])),
            _ => Err(CardTextError::Branch),
        }
    }

    /// One or two digits; a single digit is padded ("1" → "01"), the convention for
    /// interactive and receipt-computer input.
    pub fn parse_padded(input: &str) -> Result<Self, CardTextError> {
        let s: String = input.trim().chars().map(fold_fullwidth_ascii).collect();
        match s.as_bytes() {
            [a] if a.is_ascii_digit() => Ok(Self([b'0', *a])),
            _ => Self::parse(&s),
        }
    }

    pub fn as_str(&self) -> &str {
        // The bytes are ASCII digits by construction.
        std::str::from_utf8(&self.0).unwrap_or("00")
    }
}

/// The numbers printed on a card: 保険者番号・記号・番号・枝番.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CardNumbers {
    pub insurer: InsurerNumber,
    pub symbol: Option<CardSymbol>,
    pub number: CardNumber,
    pub branch: Branch,
}

impl CardNumbers {
    /// The symbol as stored: empty string when the card has none.
    pub fn symbol_str(&self) -> &str {
        self.symbol.as_ref().map_or("", CardSymbol::as_str)
    }
}

// Card symbols and numbers identify a person: Debug output never shows them.
impl fmt::Debug for CardSymbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardSymbol(***)")
    }
}
impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardNumber(***)")
    }
}
impl fmt::Debug for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Branch({})", self.as_str())
    }
}
impl fmt::Debug for CardNumbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CardNumbers({:?}, ***, ***, {:?})",
            self.insurer, self.branch
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_agrees_with_the_general_rules(input in "[A-Za-z0-9-]{0,12}") {
            proptest::prop_assert_eq!(normalize_card_text(&input), normalize_general(&input));
        }
    }

    #[test]
    fn normalization_examples_of_codes_md() {
        let cases = [
            ("１２－３４", "12-34"),
            ("ａｂ１", "AB1"),
            ("国１", "国1"),
            ("5ー6", "5-6"),
            ("ｶﾞｸ", "ガク"),
            ("コード", "コード"),
            ("A\u{2212}B", "A-B"),
            ("  12\u{3000}\u{3000}34  ", "12 34"),
            ("\u{3000}記号\u{3000}", "記号"),
            ("ab-cd", "AB-CD"),
        ];
        for (input, expect) in cases {
            assert_eq!(normalize_card_text(input), expect, "input {input:?}");
        }
    }

    #[test]
    fn long_sound_mark_kept_in_kana() {
        assert_eq!(normalize_card_text("ヨーカ"), "ヨーカ");
        assert_eq!(normalize_card_text("Aー"), "Aー");
    }

    #[test]
    fn symbol_is_optional_and_number_required() {
        assert_eq!(CardSymbol::parse_optional("  ").expect("ok"), None);
        assert_eq!(
            CardNumber::parse(" "),
            Err(CardTextError::Empty { field: "番号" })
        );
    }

    #[test]
    fn byte_limit_in_shift_jis_terms() {
        assert!(CardNumber::parse(&"1".repeat(38)).is_ok());
        assert_eq!(
            CardNumber::parse(&"1".repeat(39)),
            Err(CardTextError::TooLong {
                field: "番号",
                bytes: 39
            })
        );
        assert!(CardNumber::parse(&"国".repeat(19)).is_ok());
        assert_eq!(
            CardNumber::parse(&"国".repeat(20)),
            Err(CardTextError::TooLong {
                field: "番号",
                bytes: 40
            })
        );
    }

    #[test]
    fn control_characters_rejected() {
        assert_eq!(
            CardNumber::parse("12\u{0007}3"),
            Err(CardTextError::Control {
                field: "番号",
                position: 3,
                code: 7
            })
        );
    }

    #[test]
    fn branch() {
        assert_eq!(
            Branch::parse("01").map(|b| b.as_str().to_string()),
            Ok("01".into())
        );
        assert_eq!(
            Branch::parse("０２").map(|b| b.as_str().to_string()),
            Ok("02".into())
        );
        assert_eq!(Branch::parse("1"), Err(CardTextError::Branch));
        assert_eq!(
            Branch::parse_padded("1").map(|b| b.as_str().to_string()),
            Ok("01".into())
        );
        assert_eq!(Branch::parse("123"), Err(CardTextError::Branch));
        assert_eq!(Branch::parse("a1"), Err(CardTextError::Branch));
    }
}
