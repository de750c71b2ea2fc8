//! Text normalization shared by indexing and queries: NFKC (full/half width, ﾎｼﾞｮｷﾝ →
//! ホジョキン), katakana → hiragana, 長音 (ー) and iteration-free small differences removed,
//! lower case. Both sides go through the same function, so a query matches however it is typed.

use unicode_normalization::UnicodeNormalization;

/// Normalizes `text` for search.
pub fn normalize(text: &str) -> String {
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

/// Whether `c` separates words (spaces, punctuation, symbols of either width).
pub fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || matches!(
            c,
            '、' | '。'
                | '・'
                | '「'
                | '」'
                | '『'
                | '』'
                | '（'
                | '）'
                | '【'
                | '】'
                | '？'
                | '！'
                | '：'
                | '；'
                | '…'
                | '※'
                | '→'
                | '／'
        )
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
    fn bigrams_per_run() {
        assert_eq!(bigrams("補助金 いくら"), ["補助", "助金", "いく", "くら"]);
        assert_eq!(bigrams("a"), ["a"]);
        assert!(bigrams(" 、。 ").is_empty());
    }
}
