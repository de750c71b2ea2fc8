//! 検証番号: the check digits of `codes.md` §1 (Luhn, modulus 10 weights 2-1) and §5 (個人番号).

/// The Luhn check digit of `body` (digit values 0–9, most significant first): walking from the
/// rightmost digit leftwards with weights 2, 1, 2, 1 …, summing the digits of each product.
pub fn luhn_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let product = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The check digit of a 個人番号 (My Number) body of 11 digits, `codes.md` §5.
pub fn my_number_check_digit(body: &[u8; 11]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(d) * q
        })
        .sum();
    let remainder = sum % 11;
    if remainder <= 1 {
        0
    } else {
        (11 - remainder) as u8
    }
}

#[cfg(test)]
mod tests;
