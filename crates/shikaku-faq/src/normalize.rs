//! Text normalization shared by indexing and queries: NFKC (full/half width, ﾎｼﾞｮｷﾝ →
//! ホジョキン), katakana → hiragana, 長音 (ー) and iteration-free small differences removed,
//! lower case. Both sides go through the same function, so a query matches however it is typed.

use unicode_normalization::UnicodeNormalization;

/// Okurigana that writers add or leave out in the same word (取り消し, 取消し, 取消): folded to
/// the shortest form on both sides, so an entry that writes 取消 answers a question that types
/// 取り消し. Normalized forms (katakana already hiragana); each pair keeps the meaning.
pub const OKURIGANA: &[(&str, &str)] = &[
    ("取り消", "取消"),
    ("申し込", "申込"),
    ("問い合わ", "問合"),
    ("問合わ", "問合"),
    ("差し戻", "差戻"),
    ("取り下", "取下"),
    ("立ち会", "立会"),
    ("立ち合", "立会"),
    ("立合", "立会"),
    ("振り込", "振込"),
    ("払い込", "払込"),
    ("引き継", "引継"),
    ("受け取", "受取"),
    ("受け付", "受付"),
    ("切り捨", "切捨"),
    ("切り替", "切替"),
    ("見積も", "見積"),
    ("見積り", "見積"),
    ("締め切", "締切"),
    ("入れ替", "入替"),
    ("読み取", "読取"),
    ("取り扱", "取扱"),
    ("取り付", "取付"),
    ("割り当", "割当"),
    ("書き換", "書換"),
    ("付き", "付"),
];

/// `text` (normalized characters, each with whatever else the caller keeps beside it) with
/// [`OKURIGANA`] folded: one left-to-right pass, the first variant of the table that starts at
/// a position wins, and the canonical form's characters get their companions from `make`. The
/// index ([`normalize`]) and the question reader (`relevance::japanese`) both fold through
/// this one pass, so the two sides cannot disagree.
pub fn fold_okurigana<T: Copy>(
    text: &[T],
    char_of: impl Fn(&T) -> char,
    make: impl Fn(char) -> T,
) -> Vec<T> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    'next: while i < text.len() {
        for (variant, canonical) in OKURIGANA {
            let n = variant.chars().count();
            if text
                .get(i..i + n)
                .is_some_and(|s| s.iter().map(&char_of).eq(variant.chars()))
            {
                out.extend(canonical.chars().map(&make));
                i += n;
                continue 'next;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

/// Normalizes `text` for search.
pub fn normalize(text: &str) -> String {
    let chars: Vec<char> = normalize_chars(text).chars().collect();
    fold_okurigana(&chars, |c| *c, |c| c).into_iter().collect()
}

/// Width, script and case folded, character by character.
fn normalize_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkc() {
        let c = match c {
            // Katakana ァ..ヶ → hiragana ぁ..ゖ.
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            // 長音 and wave dashes vary between writers (リーダ / リーダー).
            'ー' | '～' | '〜' => continue,
            c => c,
        };
        for lower in c.to_lowercase() {
            out.push(lower);
        }
    }
    out
}

/// Whether `c` separates words: spaces, punctuation and symbols of either width (、。「」【】
/// ※→☆★◆ and emoticons' marks) — anything that is neither a letter nor a digit of some script.
pub fn is_separator(c: char) -> bool {
    !c.is_alphanumeric()
}

/// Character bigrams of each run of non-separator characters (a run of one character gives
/// that character). `ほじょきん いくら` → ほじ, じょ, ょき, きん, いく, くら.
pub fn bigrams(normalized: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
        }
        run.clear();
    };
    for c in normalized.chars() {
        if is_separator(c) {
            flush(&mut run, &mut out);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_scripts_long_vowels_and_case_meet() {
        assert_eq!(normalize("ﾎｼﾞｮｷﾝ"), "ほじょきん");
        assert_eq!(normalize("ホジョキン"), "ほじょきん");
        assert_eq!(normalize("カードリーダー"), normalize("かどりだ"));
        assert_eq!(normalize("ＩＰ－ＶＰＮ"), "ip-vpn");
        assert_eq!(normalize("Windows10"), "windows10");
    }

    #[test]
    fn okurigana_variants_meet() {
        for typed in ["取り消し", "取消し", "取消"] {
            assert!(normalize(typed).starts_with("取消"), "{typed}");
        }
        assert_eq!(normalize("お問い合わせ"), normalize("お問合せ"));
        assert_eq!(
            normalize("顔認証付きカードリーダー"),
            normalize("顔認証付カードリーダー")
        );
        // One pass: the first variant starting at a position wins, on both sides alike.
        assert_eq!(normalize("受け付き"), "受付き");
    }

    #[test]
    fn bigrams_per_run() {
        assert_eq!(bigrams("補助金 いくら"), ["補助", "助金", "いく", "くら"]);
        assert_eq!(bigrams("a"), ["a"]);
        assert!(bigrams(" 、。 ").is_empty());
    }
}
