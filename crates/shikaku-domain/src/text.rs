//! Character-level helpers shared by the code parsers.

/// Full-width ASCII (U+FF01–U+FF5E) to ASCII; everything else unchanged.
pub(crate) fn fold_fullwidth_ascii(c: char) -> char {
    let code = c as u32;
    if (0xFF01..=0xFF5E).contains(&code) {
        char::from_u32(code - 0xFEE0).unwrap_or(c)
    } else {
        c
    }
}

/// Trims ASCII and ideographic spaces and folds full-width digits, for purely numeric codes.
pub(crate) fn digits_input(input: &str) -> String {
    input
        .trim_matches(|c: char| c == ' ' || c == '\u{3000}' || c == '\t')
        .chars()
        .map(fold_fullwidth_ascii)
        .collect()
}

/// Position (1-based) and character of the first non-ASCII-digit, if any.
pub(crate) fn first_non_digit(s: &str) -> Option<(usize, char)> {
    s.chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_digit())
        .map(|(i, c)| (i + 1, c))
}

/// Digit values of an all-ASCII-digit string.
pub(crate) fn digit_values(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b - b'0').collect()
}
