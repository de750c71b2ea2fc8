//! Reading a Japanese question: normalized characters with their scripts, okurigana folded,
//! synonyms, stop phrases, the asker's setting, neighbouring topics, particles, and bigrams
//! classed strong / stem / weak (see the module above for the model they feed).

use std::collections::HashSet;
use std::sync::LazyLock;

use super::asker::{is_facility, kind_statement_end};
use super::neighbours::NEIGHBOURS;
use super::phrases::{
    FILLERS, NOT_STOP_PHRASES, PARTICLES, QUESTION_WORDS, RELAYED, RELAYERS, STOP_PHRASES,
};
use super::script::{
    Script, Scripted, arabic_figures, is_cjk, is_japanese, is_kanji, is_suru, scripted, spells,
    with_readings,
};
use super::setting::{SETTING, blank_times};
use super::synonyms::Synonyms;
use super::{Kind, Term};

/// Every key a Japanese entry text can be matched on: the bigrams of its normalized form
/// (what [`Term::key`] holds for strong and weak terms), its stem keys and its kanji keys.
pub fn entry_keys(text: &str) -> Vec<String> {
    let normalized = crate::normalize::normalize(text);
    let mut keys = crate::normalize::bigrams(&normalized);
    keys.extend(stem_keys(text));
    keys.extend(kanji_keys(&normalized));
    keys
}

/// The stem keys of a text (`~X` for each kanji followed by hiragana), as [`Term::key`].
fn stem_keys(text: &str) -> Vec<String> {
    scripted(text)
        .windows(2)
        .filter(|w| w[0].1 == Script::Kanji && w[1].1 == Script::Hiragana)
        .map(|w| format!("~{}", w[0].0))
        .collect()
}

/// The key a lone kanji matches on ([`kanji_keys`]): three characters, so that no bigram
/// (1台 of 1台目) can be mistaken for one.
pub(super) fn kanji_key(c: char) -> String {
    format!("{KANJI_KEY}{c}")
}

/// How a kanji key starts ([`kanji_key`]).
pub(super) const KANJI_KEY: &str = "字:";

/// The kanji of a (normalized) text as keys a lone kanji in a question matches (顔 of 顔で
/// matches 顔認証).
fn kanji_keys(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| is_kanji(*c))
        .map(kanji_key)
        .collect()
}

/// `phrases` with their scripted text, longest first (so the longest phrase at a position
/// wins).
fn longest_first(phrases: &[&'static str]) -> Vec<(&'static str, Scripted)> {
    let mut v: Vec<_> = phrases.iter().map(|p| (*p, scripted(p))).collect();
    v.sort_by_key(|(_, s)| std::cmp::Reverse(s.len()));
    v
}

/// Blanks (turns into separators) every occurrence of `phrases` in `text`, left to right, the
/// first of `phrases` that starts at a position winning; `same` compares a character of the
/// text with one of a phrase. Returns the phrases found, each once, in order.
fn blank_phrases(
    text: &mut Scripted,
    phrases: &[(&'static str, Scripted)],
    same: impl Fn(&(char, Script), &(char, Script)) -> bool,
) -> Vec<&'static str> {
    blank_phrases_but(text, phrases, &[], same)
}

/// [`blank_phrases`], except where one of `kept` starts right after a kanji (届|かない is a
/// verb's ending, not the guess かな; うまくいかない is left to the stop phrases): the text it
/// spans stays.
fn blank_phrases_but(
    text: &mut Scripted,
    phrases: &[(&'static str, Scripted)],
    kept: &[(&'static str, Scripted)],
    same: impl Fn(&(char, Script), &(char, Script)) -> bool,
) -> Vec<&'static str> {
    // The first phrase that starts at `at`.
    let phrase_at = |text: &Scripted, at: usize| {
        phrases.iter().find(|(_, p)| {
            text.get(at..at + p.len())
                .is_some_and(|t| t.iter().zip(p).all(|(t, p)| same(t, p)))
        })
    };
    let kept_at = |text: &Scripted, at: usize| {
        let after_kanji = at > 0 && text[at - 1].1 == Script::Kanji;
        kept.iter().filter(|_| after_kanji).find_map(|(_, p)| {
            text.get(at..at + p.len())
                .is_some_and(|t| t.iter().zip(p).all(|(t, p)| same(t, p)))
                .then_some(p.len())
        })
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if let Some(n) = kept_at(text, i) {
            i += n;
            continue;
        }
        match phrase_at(text, i) {
            Some((phrase, p)) => {
                // A particle right after the phrase goes with it (予約患者|を|まとめて), unless
                // another phrase starts there (可能|でしょうか).
                let mut end = i + p.len();
                if text
                    .get(end)
                    .is_some_and(|(c, s)| *s == Script::Hiragana && PARTICLES.contains(c))
                    && phrase_at(text, end).is_none()
                {
                    end += 1;
                }
                for slot in &mut text[i..end] {
                    *slot = (' ', Script::Separator);
                }
                if !found.contains(phrase) {
                    found.push(*phrase);
                }
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// `text` without the fillers it opens with (えーと、あのー補助金って… → 補助金って…) and the
/// pauses after them: they are not words of the question, and their kana would join the first
/// word's (えとカードリーダー → とか).
pub fn without_fillers(text: &str) -> &str {
    let pause = |c: char| c.is_whitespace() || "、，,。…・~〜ーっ".contains(c);
    let mut rest = text.trim_start_matches(pause);
    while let Some(after) = FILLERS.iter().find_map(|f| rest.strip_prefix(f)) {
        rest = after.trim_start_matches(pause);
    }
    rest
}

/// `text` in the FAQ's words: its figures, readings, English words and synonyms rewritten.
fn rewritten(text: &str, synonyms: &Synonyms) -> Scripted {
    // Typed without conversion (ほじょきんのしんせいきげん): read the FAQ's words in it.
    let text = with_readings(arabic_figures(scripted(text)));
    // English words in a Japanese question (portalのpassword, and hojokin deadline, whose
    // hojokin the synonyms read as 補助金): the entries' Japanese words. A question without
    // Japanese is read by the synonyms once.
    let cjk = |t: &Scripted| t.iter().any(|(c, _)| is_cjk(*c));
    if !cjk(&text) {
        let read = synonyms.apply(text.clone());
        if !cjk(&read) {
            return read;
        }
    }
    synonyms.apply(Synonyms::glossary().apply(text))
}

/// The weighted terms of a Japanese question (after synonyms, stop phrases and particles).
pub fn japanese_terms(query: &str, synonyms: &Synonyms) -> Vec<Term> {
    let mut text = rewritten(without_fillers(query), synonyms);
    blank_times(&mut text);
    // A reason or concession (担当が産休に入るので, ベンダーが来るけど) sets the scene: what is
    // said before it is context.
    // So does a statement of the facility's kind before the question (うちは診療所ですが、…).
    // Its words are who asks (皮膚科です、, 整形外科クリニックの事務をしています。).
    let who_until = kind_statement_end(&text);
    let context_until = clause_end(&text).max(who_until);
    // Neighbouring topics before stop phrases, so that a stop phrase inside one (院内 of
    // 院内感染) cannot split it; compared by character: オンライン診療 is the topic however
    // its kana were typed.
    static NEAR: LazyLock<Vec<(&str, Scripted)>> = LazyLock::new(|| longest_first(NEIGHBOURS));
    let neighbours = blank_phrases(&mut text, &NEAR, |t, p| t.0 == p.0);
    // Who passed the question on, when it says it was (before the stop phrases take 言われ).
    let said: String = text.iter().map(|(c, _)| *c).collect();
    if RELAYED.iter().any(|r| said.contains(r)) {
        static RELAY: LazyLock<Vec<(&str, Scripted)>> = LazyLock::new(|| longest_first(RELAYERS));
        blank_phrases(&mut text, &RELAY, |t, p| t == p);
    }
    // Stop phrases: by character and script, so a hiragana one never matches inside a
    // katakana word.
    static STOPS: LazyLock<Vec<(&str, Scripted)>> =
        LazyLock::new(|| longest_first(&[STOP_PHRASES, SETTING].concat()));
    static ENDINGS: LazyLock<Vec<(&str, Scripted)>> =
        LazyLock::new(|| longest_first(NOT_STOP_PHRASES));
    blank_phrases_but(&mut text, &STOPS, &ENDINGS, |t, p| t == p);
    // Particles after a content word, and は, も or の after such a particle (には, での,
    // とも) — not the first kana of the next word (注文を|やめたい).
    let mut after_content = false;
    let mut after_particle = false;
    for i in 0..text.len() {
        let (c, script) = text[i];
        // 届|かない, 動|かなくなった: the verb's ending, not the particle か.
        let ending = i > 0
            && text[i - 1].1 == Script::Kanji
            && NOT_STOP_PHRASES.iter().any(|e| spells(&text, i, e));
        let particle = script == Script::Hiragana
            && !ending
            && (after_content && PARTICLES.contains(&c) || after_particle && "はもの".contains(c));
        if particle {
            text[i] = (' ', Script::Separator);
        }
        after_particle = particle && after_content;
        after_content = !particle && script.content();
    }
    let mut terms = Vec::new();
    let (mut offset, mut runs) = (0, 0);
    for (r, run) in text.split(|(_, s)| *s == Script::Separator).enumerate() {
        let start = offset;
        offset += run.len() + 1;
        runs = r + 1;
        // The kind of facility said as a word of its own (歯科診療所からの問い合わせ先): who
        // asks, context.
        let facility = is_facility(&run.iter().map(|(c, _)| *c).collect::<Vec<_>>());
        let context = start < context_until;
        match run {
            [] => {}
            // A lone kanji (顔で, 税は) is a word: matched wherever an entry has that kanji, at
            // a stem's weight. 何 asks; other lone characters are indexed only where they
            // stand alone, so they are weak.
            [(c, s)] => {
                if *s == Script::Kanji && *c != '何' {
                    let mut t = Term::new(c.to_string(), Kind::Stem, 1.0)
                        .at(r, 0)
                        .in_context(context)
                        .of_asker(start < who_until);
                    t.key = kanji_key(*c);
                    terms.push(t);
                } else if s.content() {
                    terms.push(
                        Term::new(c.to_string(), Kind::Weak, 1.0)
                            .at(r, 0)
                            .in_context(context)
                            .of_asker(start < who_until),
                    );
                }
            }
            _ => {
                let kinds = bigram_kinds(run);
                let kept = kinds.iter().flatten().count().max(1);
                let share = 1.0 / (kept as f32).sqrt();
                terms.extend(
                    run.windows(2)
                        .zip(kinds)
                        .enumerate()
                        .filter_map(|(i, (w, kind))| {
                            let text = [w[0].0, w[1].0].iter().collect();
                            Some(
                                Term::new(text, kind?, share)
                                    .at(r, i)
                                    .in_context(start + i < context_until)
                                    .of_facility(facility)
                                    .of_asker(start + i < who_until),
                            )
                        }),
                )
            }
        }
    }
    // Each neighbouring topic is one word of its own, after the question's runs.
    terms.extend(
        neighbours
            .into_iter()
            .enumerate()
            .map(|(k, topic)| Term::new(format!("!{topic}"), Kind::Strong, 1.0).at(runs + k, 0)),
    );
    // All the question says is in the reason clause (レセコンが無いので|どうしたらいいか困って
    // いる): that clause is what it asks about.
    // So is a statement of who asks that says nothing else (うちはレセコンを使っていない
    // 紙のクリニックなんだけど).
    if !terms.iter().any(|t| !t.context && t.kind != Kind::Weak) {
        for t in &mut terms {
            t.context = false;
            t.asker = false;
        }
    }
    let mut seen = HashSet::new();
    terms.retain(|t| seen.insert(t.key.clone()));
    terms
}

/// Where the last reason or concession clause of a question ends (after ので, けど, けれど, or
/// the hearsay みたいで: 前の担当が登録してたみたいで…), or 0: the words before it are context.
/// Not のです (したいのですが), not たいので (作りたいので手順を: what the asker wants is the
/// topic), and not ですけど or んだけど, which soften a question about what comes before them.
fn clause_end(text: &Scripted) -> usize {
    const MARKERS: [&str; 4] = ["ので", "けど", "けれど", "みたいで"];
    let at = |i: usize, m: &str| spells(text, i, m);
    let mut end = 0;
    for i in 1..text.len() {
        let (before, _) = text[i - 1];
        for m in MARKERS {
            let n = m.chars().count();
            let softener = m != "ので" && "すだ".contains(before);
            let copula = m == "ので" && (at(i + n, "す") || i >= 2 && at(i - 2, "たい"));
            if before != ' ' && at(i, m) && !softener && !copula {
                end = i + n;
            }
        }
    }
    end
}

/// The kind of each bigram of a run of two or more characters, `None` for the inflection
/// after a stem: once a kanji has taken its okurigana (消し of 消してしまった, 新し of 新しく引く),
/// the kana that follow until the next kanji or katakana conjugate it (てしまった, なかった,
/// く): they say how, not what, and would otherwise weigh as much as the word itself.
fn bigram_kinds(run: &[(char, Script)]) -> Vec<Option<Kind>> {
    let mut inflection = false;
    run.windows(2)
        .enumerate()
        .map(|(i, w)| {
            // A question word ends the inflection (切れたら|どうなる, 届いて|いつ).
            if QUESTION_WORDS.iter().any(|q| spells(run, i, q)) {
                inflection = false;
            }
            let kind = match (w[0].1, w[1].1) {
                (Script::Hiragana, _) if inflection => None,
                // に見 of さんに見せる: a kana ending and the next word's first kanji.
                (Script::Hiragana, Script::Kanji) => None,
                // ンし of ログインしたい: する after a katakana word; だい of カードリーダー
                // いつ: a question word said straight after one, without a particle.
                (Script::Katakana, Script::Hiragana)
                    if is_suru(w[1].0) || QUESTION_WORDS.iter().any(|q| spells(run, i + 1, q)) =>
                {
                    None
                }
                // 内す of 案内する: する after a kanji word is not a stem of its last kanji.
                (Script::Kanji, Script::Hiragana)
                    if is_suru(w[1].0) && i > 0 && run[i - 1].1 == Script::Kanji =>
                {
                    None
                }
                // 何枚, 何年: a question word and a counter; 大何 of 最大何台: a word and
                // the question word after it.
                _ if w[0].0 == '何' || w[1].0 == '何' => Some(Kind::Weak),
                (Script::Kanji, Script::Hiragana) => Some(Kind::Stem),
                (a, b) if a == b && a.content() => Some(Kind::Strong),
                _ => Some(Kind::Weak),
            };
            inflection = match (w[0].1, w[1].1) {
                (Script::Kanji, Script::Hiragana) => true,
                // ログイン|しようとしたら, ロック|されて: a katakana word that takes する.
                (Script::Katakana, Script::Hiragana) => is_suru(w[1].0),
                (_, Script::Hiragana) => inflection,
                _ => false,
            };
            kind
        })
        .collect()
}

/// A Japanese question without the English words it cannot be read by. An English question
/// around the FAQ's Japanese words (What is 大型チェーン薬局?, Is the 顔認証 card reader free?, How
/// much hojokin can a clinic get?) is read as the Japanese question it names: its English
/// words go, but for those `kept` (the entries' own Latin words, PC and IP-VPN, and the words
/// the glossary and the synonyms read as Japanese: reader, hojokin), figures and names (a word
/// with a capital that does not open the question and is no stop word: Windows, Excel).
/// Read whole, its English words were bigrams no entry has (ho, ow, mu …) and nothing was
/// found. A question is English
/// around Japanese when it has Japanese after its synonyms and two English stop words or
/// more; in another Japanese question only its English stop words go (補助金 how much?),
/// unless typed in capitals (IT導入補助金). The question as it is when it has no Japanese.
pub fn without_english_frame<'q>(
    query: &'q str,
    synonyms: &Synonyms,
    kept: impl Fn(&str) -> bool,
) -> std::borrow::Cow<'q, str> {
    let words = || {
        query
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
    };
    if words().next().is_none() || !is_japanese(query, synonyms) {
        return query.into();
    }
    let stop = |w: &str| super::is_english_stop_word(&w.to_ascii_lowercase());
    let framed = words().filter(|w| stop(w)).count() >= 2;
    let mut opening = true;
    let mut dropped = |word: &str| {
        // Not a stop word typed with a capital (… Thanks!, Please …), unless in capitals (OK).
        let name = !opening
            && word.len() >= 2
            && word.chars().any(|c| c.is_ascii_uppercase())
            && (!stop(word) || word.chars().all(|c| c.is_ascii_uppercase()));
        let capitals = word.len() >= 2 && word.chars().all(|c| c.is_ascii_uppercase());
        opening = false;
        !kept(&word.to_ascii_lowercase())
            && !word.chars().any(|c| c.is_ascii_digit())
            && !name
            && (framed || stop(word) && !capitals)
    };
    let read = |out: &mut String, word: &str| out.push_str(if dropped(word) { " " } else { word });
    super::addresses::rewrite_runs(query, |c| c.is_ascii_alphanumeric(), read).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::asker::{FACILITY_KINDS, ROLES, SPECIALTIES};
    use crate::relevance::texts;

    #[test]
    fn polite_endings_and_particles_are_not_terms() {
        let s = Synonyms::parse("");
        assert_eq!(
            texts(&japanese_terms("駐車場はありますか", &s)),
            ["駐車", "車場"]
        );
        assert_eq!(
            texts(&japanese_terms("補助金はいくらですか？", &s)),
            ["補助", "助金", "いく", "くら"]
        );
        assert_eq!(
            texts(&japanese_terms(
                "電子証明書の再発行について教えてください",
                &s
            )),
            ["電子", "子証", "証明", "明書", "再発", "発行"]
        );
        // A katakana word keeps its kana even where it looks like a stop phrase.
        assert!(texts(&japanese_terms("カードリーダー", &s)).contains(&"かど"));
        let weak = japanese_terms("いくら", &s);
        assert!(weak.iter().all(|t| t.kind == Kind::Weak));
        let kinds: Vec<Kind> = japanese_terms("壊れた", &s)
            .iter()
            .map(|t| t.kind)
            .collect();
        assert_eq!(kinds, [Kind::Stem], "た conjugates 壊れ");
        // A condition is the setting; a word before 何 is not joined to it.
        let terms = japanese_terms("病院だと最大何台", &s);
        assert_eq!(texts(&terms), ["病院", "最大", "大何", "何台"]);
        assert_eq!(terms[2].kind, Kind::Weak);
    }

    #[test]
    fn no_variant_or_phrase_is_listed_twice() {
        let tables = [
            ("synonyms.tsv", include_str!("../synonyms.tsv")),
            ("readings.tsv", include_str!("../readings.tsv")),
            ("glossary.tsv", include_str!("../glossary.tsv")),
        ];
        // After normalization (問合わせ and 問合せ fold alike): the second would never be used.
        let mut twice = Vec::new();
        for (name, text) in tables {
            let mut seen = HashSet::new();
            for line in text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            {
                let variant = line.split('\t').next().unwrap_or_default();
                let key: String = scripted(variant).into_iter().map(|(c, _)| c).collect();
                if !seen.insert(key) {
                    twice.push(format!("{name}: {variant}"));
                }
            }
        }
        for (name, list) in [
            (
                "STOP_PHRASES and SETTING",
                &[STOP_PHRASES, SETTING].concat()[..],
            ),
            ("NEIGHBOURS", NEIGHBOURS),
            ("RELAYERS", RELAYERS),
        ] {
            let mut seen = HashSet::new();
            for phrase in list {
                if !seen.insert(scripted(phrase)) {
                    twice.push(format!("{name}: {phrase}"));
                }
            }
        }
        assert!(twice.is_empty(), "listed twice: {twice:?}");
    }

    #[test]
    fn neighbouring_topics_are_listed_as_questions_read_them() {
        // Neighbouring topics, stop phrases, the setting and who passed a question on are
        // found in a question after its synonyms: one the shipped synonyms rewrite (無線LAN,
        // whose LAN is read as ネットワーク) would never be found. (Readings apply to a question
        // typed in kana only, and to a phrase of four kana or more in one with kanji; not
        // here: どういう alone would be read as 同意う.)
        let index = crate::tests::shipped();
        let chars = |s: &Scripted| s.iter().map(|(c, _)| *c).collect::<String>();
        let read = |n: &str| {
            index
                .synonyms
                .apply(Synonyms::glossary().apply(scripted(n)))
        };
        let lost: Vec<String> = [
            NEIGHBOURS,
            STOP_PHRASES,
            SETTING,
            RELAYERS,
            FACILITY_KINDS,
            SPECIALTIES,
            ROLES,
        ]
        .concat()
        .iter()
        .map(|n| (n, chars(&scripted(n)), chars(&read(n))))
        .filter(|(_, listed, read)| listed != read)
        .map(|(n, _, read)| format!("{n} is read as {read}"))
        .collect();
        assert!(lost.is_empty(), "{lost:#?}");
    }

    #[test]
    fn an_english_question_around_japanese_words_is_read_by_them() {
        let s = Synonyms::parse("hojokin\t補助金\n");
        let kept = |w: &str| ["pc", "hojokin", "reader", "password", "portal"].contains(&w);
        let frame = |q: &str| {
            let read = without_english_frame(q, &s, kept);
            read.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        assert_eq!(frame("What is 大型チェーン薬局?"), "大型チェーン薬局?");
        assert_eq!(
            frame("Is the 電子証明書 needed for each PC?"),
            "電子証明書 PC?"
        );
        // Romaji the synonyms read as Japanese make it Japanese too.
        assert_eq!(frame("How much hojokin can we get?"), "hojokin ?");
        // Figures stay.
        assert_eq!(frame("What does 区分 9 mean?"), "区分 9 ?");
        // In another Japanese question only the English stop words go.
        assert_eq!(frame("補助金 how much?"), "補助金 much?");
        assert_eq!(
            frame("Is Windows 11 OK for the 端末?"),
            "Windows 11 OK 端末?"
        );
        for q in [
            "portalのpasswordを忘れた",
            "ORCAのreaderは？",
            "IT導入補助金",
            "What is a PC?",
        ] {
            assert_eq!(frame(q), q);
        }
    }

    #[test]
    fn english_words_and_who_passed_a_question_on() {
        let s = Synonyms::parse("");
        // An English word in a Japanese question is read with the glossary; an English
        // question is left to the English reader.
        assert_eq!(
            texts(&japanese_terms("portalのpassword", &s)),
            ["ぽた", "たる", "ぱす", "すわ", "わど"]
        );
        assert!(texts(&japanese_terms("forgot my password", &s)).contains(&"pa"));
        // Who passed the question on is dropped only when the question says so.
        assert_eq!(
            texts(&japanese_terms("院長に補助金を調べてと言われた", &s)),
            ["補助", "助金"]
        );
        assert_eq!(
            texts(&japanese_terms("院長に会いたい", &s)),
            ["院長", "会い"]
        );
    }

    #[test]
    fn words_before_a_reason_clause_are_context_but_not_before_a_softener() {
        let s = Synonyms::parse("");
        let context = |q: &str| -> Vec<String> {
            japanese_terms(q, &s)
                .into_iter()
                .filter(|t| t.context)
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(
            context("事務長が交代するので担当者を変えたい"),
            ["事務", "務長", "交代"]
        );
        assert_eq!(context("業者が来るけど立会いは必要"), ["業者", "来る"]);
        assert_eq!(context("業者が来たみたいで立会いは必要"), ["業者", "来た"]);
        assert!(context("補助金を申請したいのですが書類は").is_empty());
        assert!(context("アカウントを作りたいので手順を").is_empty());
        assert!(context("補助金を申請したいんですけど書類は").is_empty());
        assert!(context("証明書の申請期限").is_empty());
        // A statement of the facility's kind that opens a question: who asks.
        assert_eq!(
            context("うちは診療所ですが、補助金の上限は"),
            ["診療", "療所"]
        );
        assert_eq!(context("当院は病院なので証明書は何枚"), ["病院", "院な"]);
        assert!(context("ログインできないのですが、パスワードは").is_empty());
        assert_eq!(
            context("うちは診療所です、補助金の上限は"),
            ["診療", "療所"]
        );
        // Nothing said after the clause: the clause is what it asks about.
        assert!(context("カードリーダーが壊れたので困っています").is_empty());
    }

    #[test]
    fn inflection_after_a_stem_is_not_a_term_but_a_question_word_is() {
        let s = Synonyms::parse("");
        assert_eq!(
            texts(&japanese_terms("証明書を消してしまった", &s)),
            ["証明", "明書", "消し"]
        );
        // できる and ある say nothing of the topic; どうなる after 切れたら is asked.
        assert_eq!(
            texts(&japanese_terms("本人確認できなかった", &s)),
            ["本人", "人確", "確認"]
        );
        assert_eq!(
            texts(&japanese_terms("回線が切れたらどうなる", &s)),
            ["回線", "切れ", "どう", "うな", "なる"]
        );
        assert_eq!(
            texts(&japanese_terms("回線は必要はある", &s)),
            ["回線", "必要"]
        );
        // か after a kanji and before な is a verb's ending, not a particle or the guess かな:
        // 届 stays a stem even straight after a katakana word; 必要かな still guesses.
        assert_eq!(
            texts(&japanese_terms("カードリーダー届かない", &s)),
            ["かど", "どり", "りだ", "だ届", "届か"]
        );
        assert_eq!(texts(&japanese_terms("動かなくなった", &s)), ["動か"]);
        assert_eq!(texts(&japanese_terms("必要かな", &s)), ["必要"]);
    }

    #[test]
    fn a_longer_variant_wins_over_a_canonical_form_and_always_pairs_stay() {
        let s = Synonyms::parse("貼る\t掲示\n掲示物\t掲示\nチェック\t確認\talways\n予約\t照会\n");
        assert_eq!(texts(&japanese_terms("掲示物", &s)), ["掲示"]);
        let known = s.unknown_to("ちぇっくでぃじっと 予約", "");
        assert_eq!(texts(&japanese_terms("チェック", &known)), ["確認"]);
        assert_eq!(
            texts(&japanese_terms("予約", &known)),
            ["予約"],
            "a variant the entries use stays"
        );
    }

    #[test]
    fn the_setting_goes_with_its_particle_and_honorifics_are_dropped() {
        let s = Synonyms::parse("");
        assert_eq!(
            texts(&japanese_terms("明日の予約患者をまとめて", &s)),
            ["予約", "まと", "とめ", "めて"]
        );
        assert_eq!(
            texts(&japanese_terms("業者さんに来てもらう", &s)),
            ["業者", "来て"]
        );
    }

    #[test]
    fn messages_lose_their_greetings_and_katakana_verbs_their_endings() {
        let s = Synonyms::parse("");
        assert_eq!(
            texts(&japanese_terms(
                "お世話になっております。ポータルにログインしようとしたらロックされてしまいました",
                &s
            )),
            ["ぽた", "たる", "ろぐ", "ぐい", "いん", "ろっ", "っく"]
        );
        // 可能|でしょうか: the particle after a dropped phrase is left to the phrase that
        // starts with it.
        assert_eq!(texts(&japanese_terms("変更は可能でしょうか", &s)), ["変更"]);
    }

    #[test]
    fn a_question_without_kanji_or_katakana_is_read() {
        let s = Synonyms::parse("");
        assert_eq!(
            texts(&japanese_terms("ほじょきんのしんせいきげん", &s)),
            texts(&japanese_terms("補助金の申請期限", &s))
        );
        // With a kanji in it, the kana are the asker's own (どういう is not 同意う).
        assert!(!texts(&japanese_terms("同意はどういう意味", &s)).contains(&"同意う"));
    }

    #[test]
    fn a_particle_does_not_take_the_next_words_first_kana() {
        let s = Synonyms::parse("");
        assert_eq!(
            texts(&japanese_terms("注文をやめたい", &s)),
            ["注文", "やめ", "めた", "たい"]
        );
        assert_eq!(texts(&japanese_terms("端末にも", &s)), ["端末"]);
        // する after a kanji word: the word is the term (not 内す).
        assert_eq!(texts(&japanese_terms("案内する", &s)), ["案内"]);
    }

    #[test]
    fn synonyms_rewrite_what_people_type() {
        let s = Synonyms::parse("電カル\t電子カルテ\nカルテ\t電子カルテ\nhojokin\t補助金\n");
        let want = texts(&japanese_terms("電子カルテ改修", &Synonyms::parse(""))).join(" ");
        for typed in ["電カル改修", "電子カルテ改修", "カルテ改修"] {
            assert_eq!(texts(&japanese_terms(typed, &s)).join(" "), want, "{typed}");
        }
        assert!(is_japanese("hojokin", &s));
        assert!(!is_japanese("hojokinx", &s), "only whole romaji words");
    }
}
