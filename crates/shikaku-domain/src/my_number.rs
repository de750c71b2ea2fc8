//! 個人番号 (My Number), 12 digits, `codes.md` §5.
//!
//! The value never appears in Debug output, logs or storage in clear: callers store a keyed hash.

use std::fmt;

use crate::check_digit::my_number_check_digit;
use crate::text::{digit_values, digits_input, first_non_digit};

#[derive(Clone, PartialEq, Eq)]
pub struct MyNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MyNumberError {
    #[error("個人番号は12桁です: {len}桁 (My Number must have 12 digits, got {len})")]
    Length { len: usize },
    #[error("個人番号の{position}文字目は数字ではありません (character {position} is not a digit)")]
    NonDigit { position: usize },
    #[error("個人番号の検証番号が一致しません (My Number check digit is wrong)")]
    CheckDigit,
}

impl MyNumber {
    pub fn parse(input: &str) -> Result<Self, MyNumberError> {
        let s = digits_input(input);
        // The offending character is not echoed: it is part of a personal number.
        if let Some((position, _)) = first_non_digit(&s) {
            return Err(MyNumberError::NonDigit { position });
        }
        if s.len() != 12 {
            return Err(MyNumberError::Length { len: s.len() });
        }
        let digits = digit_values(&s);
        let mut body = [0u8; 11];
        body.copy_from_slice(&digits[..11]);
        if my_number_check_digit(&body) != digits[11] {
            return Err(MyNumberError::CheckDigit);
        }
        Ok(Self(s))
    }

    /// Builds a valid number from an 11-digit body (for synthetic data).
    pub fn from_body(body: [u8; 11]) -> Self {
        let check = my_number_check_digit(&body);
        let mut s: String = body.iter().map(|d| char::from(b'0' + d % 10)).collect();
        s.push(char::from(b'0' + check));
        Self(s)
    }

    /// The digits, for hashing only. Never log or store this.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MyNumber(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example() {
        assert!(MyNumber::parse("123456789018").is_ok());
        assert_eq!(
            MyNumber::parse("123456789017"),
            Err(MyNumberError::CheckDigit)
        );
        assert_eq!(
            MyNumber::parse("12345678901"),
            Err(MyNumberError::Length { len: 11 })
        );
        assert_eq!(
            MyNumber::parse("12345678901x"),
            Err(MyNumberError::NonDigit { position: 12 })
        );
        assert_eq!(
            MyNumber::from_body([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]).expose(),
            "123456789018"
        );
    }

    #[test]
    fn debug_is_redacted() {
        let n = MyNumber::parse("123456789018").expect("valid");
        assert_eq!(format!("{n:?}"), "MyNumber(***)");
    }
}
