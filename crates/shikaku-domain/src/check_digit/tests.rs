use super::*;
use proptest::prelude::*;

fn digits(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b - b'0').collect()
}

/// The worked examples of codes.md §1, §3, §4 and §5.
#[test]
fn worked_examples() {
    let cases = [
        ("0113001", 2),
        ("3913115", 6),
        ("13805", 7),
        ("3913104", 0),
        ("13815", 6),
        ("123456", 6),
        ("501234", 9),
        ("8013715", 1),
    ];
    for (body, check) in cases {
        assert_eq!(luhn_check_digit(&digits(body)), check, "body {body}");
    }
    let body: [u8; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1];
    assert_eq!(my_number_check_digit(&body), 8);
}

proptest! {
    /// Changing any single digit of a Luhn-valid number always breaks the check.
    #[test]
    fn luhn_detects_every_single_digit_error(body in proptest::collection::vec(0u8..10, 1..12), pos in 0usize..12, delta in 1u8..10) {
        let check = luhn_check_digit(&body);
        let pos = pos % body.len();
        let mut changed = body.clone();
        changed[pos] = (changed[pos] + delta) % 10;
        prop_assert_ne!(luhn_check_digit(&changed), check);
    }

    /// Luhn also detects swapping two adjacent different digits, except 0↔9.
    #[test]
    fn luhn_detects_adjacent_transpositions(body in proptest::collection::vec(0u8..10, 2..12), pos in 0usize..11) {
        let pos = pos % (body.len() - 1);
        let (a, b) = (body[pos], body[pos + 1]);
        prop_assume!(a != b && !(a.min(b) == 0 && a.max(b) == 9));
        let mut swapped = body.clone();
        swapped.swap(pos, pos + 1);
        prop_assert_ne!(luhn_check_digit(&swapped), luhn_check_digit(&body));
    }

    /// The check digit is always a single digit, and a sum ending in 0 gives 0.
    #[test]
    fn luhn_check_is_a_digit(body in proptest::collection::vec(0u8..10, 0..20)) {
        prop_assert!(luhn_check_digit(&body) < 10);
    }

    /// My Number: any single-digit change in the body changes the check digit
    /// (weights 2..7 and 11 is prime, so no weight×delta is a multiple of 11),
    /// unless both remainders fall into the 0/1 → 0 bucket.
    #[test]
    fn my_number_single_digit_errors(body in proptest::array::uniform11(0u8..10), pos in 0usize..11, delta in 1u8..10) {
        let mut changed = body;
        changed[pos] = (changed[pos] + delta) % 10;
        let a = my_number_check_digit(&body);
        let b = my_number_check_digit(&changed);
        prop_assert!(a < 10 && b < 10);
        if a == b {
            // Only possible through the remainder-0/1 bucket.
            prop_assert_eq!(a, 0);
        }
    }
}
