//! The model a question's terms are weighed by: which terms each entry of one language uses
//! (in its title or keywords, or in its answer), their document frequencies, and from them a
//! term's weight, the words no entry uses, the floors a question needs and an entry's coverage.

use std::collections::{HashMap, HashSet};

use super::{
    BODY_CREDIT, CONTEXT, KANJI_KEY, Kind, ONE_WORD_FLOOR, Said, TELLING_SHARE, Term,
    UNKNOWN_FLOOR, WEAK, WEAK_ONLY_FLOOR, english, is_kanji, is_suru, kanji_key,
};

/// The terms of one entry in one language: in its title or keywords, and in its answer.
#[derive(Debug, Default)]
pub struct EntryTerms {
    pub head: HashSet<String>,
    pub body: HashSet<String>,
    /// The title's terms alone (also in `head`): which entry is about what a question asks
    /// when two cover it alike ([`Model::title_share`]).
    pub title: HashSet<String>,
}

impl EntryTerms {
    fn credit(&self, term: &str) -> f32 {
        if self.head.contains(term) {
            1.0
        } else if self.body.contains(term) {
            BODY_CREDIT
        } else {
            0.0
        }
    }
}

/// Document frequencies over the entries of one language, and each entry's terms.
#[derive(Debug, Default)]
pub struct Model {
    pub entries: Vec<EntryTerms>,
    df: HashMap<String, usize>,
    /// Whether a question naming an unknown word needs [`UNKNOWN_FLOOR`]: for Japanese, where
    /// an unknown kanji or katakana word names another topic; not for English, whose
    /// questions miss words for want of synonyms (only its neighbouring topics do,
    /// [`english_neighbours`]).
    unknown_words: bool,
    /// The entries' katakana words ([`katakana_words`]): a kana seam must split a question's
    /// word into two of them.
    katakana: HashSet<String>,
    /// The entries' forms of each stem (`~貼` → 貼り, 貼る): what a stem no entry spells so
    /// (貼れ of 何を貼ればいい) is searched by.
    forms: HashMap<String, Vec<String>>,
}

impl Model {
    /// The Japanese model (unknown words raise the floor).
    pub fn japanese(entries: Vec<EntryTerms>) -> Model {
        Model {
            unknown_words: true,
            ..Model::new(entries)
        }
    }

    pub fn new(entries: Vec<EntryTerms>) -> Model {
        let mut df: HashMap<String, usize> = HashMap::new();
        for e in &entries {
            for t in e.head.union(&e.body) {
                *df.entry(t.clone()).or_default() += 1;
            }
        }
        let mut forms: HashMap<String, Vec<String>> = HashMap::new();
        for key in df.keys() {
            let mut chars = key.chars();
            if let (Some(kanji), Some(kana), None) = (chars.next(), chars.next(), chars.next())
                && is_kanji(kanji)
                && matches!(kana, 'ぁ'..='ゖ')
            {
                forms
                    .entry(format!("~{kanji}"))
                    .or_default()
                    .push(key.clone());
            }
        }
        forms.values_mut().for_each(|f| f.sort());
        Model {
            entries,
            df,
            unknown_words: false,
            katakana: HashSet::new(),
            forms,
        }
    }

    /// The model with the entries' katakana words, against which a kana seam is checked.
    pub fn with_katakana(self, katakana: HashSet<String>) -> Model {
        Model { katakana, ..self }
    }

    /// Whether the kana word around seam `i` splits there into two words the entries use
    /// (エラー|ファイル), not one none uses whose halves occur inside theirs (プリン|ター of
    /// プリンター: ぷり is in アプリ, んた in センター). Without the entries' words, any.
    fn splits_into_words(&self, terms: &[Term], i: usize) -> bool {
        if self.katakana.is_empty() {
            return true;
        }
        let adjacent = |t: &Term, step: i32| beside(terms, t, step).filter(|n| n.is_kana());
        let seam = &terms[i];
        let mut left: Vec<char> = seam.text.chars().take(1).collect();
        let mut at = seam;
        while let Some(p) = adjacent(at, -1) {
            left.splice(0..0, p.text.chars().take(1));
            at = p;
        }
        let mut right: Vec<char> = seam.text.chars().skip(1).collect();
        let mut at = seam;
        while let Some(n) = adjacent(at, 1) {
            right.extend(n.text.chars().skip(1));
            at = n;
        }
        let word = |w: Vec<char>| self.katakana.contains(&w.into_iter().collect::<String>());
        word(left) && word(right)
    }

    /// The question's terms with junctions inside kanji compounds made weak: a strong
    /// bigram no entry uses between two known words (申請|期限 → 請期, 改修|費 → 修費) is an
    /// artefact of the bigrams, not an unknown word. Numbers are made weak too.
    pub fn refine(&self, mut terms: Vec<Term>) -> Vec<Term> {
        let known = |t: Option<&Term>| t.is_some_and(|t| self.df.contains_key(&t.key));
        let known_strong = |t: Option<&Term>| t.is_some_and(|t| t.kind == Kind::Strong) && known(t);
        let junctions: Vec<bool> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| {
                // 30 of 30分, 20 of 2021年, c1 of PC1台: a number is a quantity or a date,
                // weak whether or not an entry has it.
                // A neighbouring topic with a figure in it (119番) stays a word.
                if t.has_digit() {
                    return t.kind == Kind::Strong && !t.is_neighbour();
                }
                let kanji = t.text.chars().all(is_kanji);
                let kana = t.is_kana();
                if !(kanji || kana)
                    || t.kind != Kind::Strong
                    || self.df.contains_key(&t.key)
                    || t.pos == 0
                {
                    return false;
                }
                let prev = beside(&terms, t, -1);
                let next = beside(&terms, t, 1);
                // エラー|ファイル: a katakana bigram no entry uses between two it does.
                if kana {
                    return known_strong(prev)
                        && known_strong(next)
                        && self.splits_into_words(&terms, i);
                }
                // 割出 of 割出ます: the second kanji starts a verb (出ま), not a word; but 入金
                // of 入金される is a word that takes する.
                // (Not 昼|休み: a first kanji no entry uses makes an unknown word.)
                let first_known = t
                    .text
                    .chars()
                    .next()
                    .is_some_and(|c| self.df.contains_key(&kanji_key(c)));
                let into_verb = first_known
                    && next.is_some_and(|n| {
                        n.kind == Kind::Stem && !n.text.chars().nth(1).is_some_and(is_suru)
                    });
                // 何割|出: a question word and its counter, then another word; 4年|以降 the
                // same after a number.
                let asked = prev.is_some_and(|p| p.text.starts_with('何') || p.has_digit());
                // 改修|費 ends in a kanji the entries use; 診察|券 in one they never do.
                let suffix = || {
                    t.text
                        .chars()
                        .last()
                        .is_some_and(|c| self.df.contains_key(&kanji_key(c)))
                };
                into_verb
                    || (known(prev) || asked)
                        && match next {
                            None => suffix(),
                            Some(_) => known_strong(next),
                        }
            })
            .collect();
        for (t, junction) in terms.iter_mut().zip(junctions) {
            if junction {
                t.kind = Kind::Weak;
            }
        }
        terms
    }

    /// The texts a term is searched by in the index: its own, or for a stem no entry spells
    /// so (貼れ of 何を貼ればいい), the entries' forms of the same verb (貼り, 貼る; not 倒し of
    /// 前倒し for 倒れ of 倒れた: their okurigana conjugate in two rows of kana).
    pub fn searched_as<'m>(&'m self, term: &'m Term) -> Vec<&'m str> {
        let kana = |text: &str| text.chars().nth(1);
        let forms: Vec<&str> = match self.forms.get(&term.key) {
            Some(forms) if term.kind == Kind::Stem && !self.df.contains_key(&term.text) => forms
                .iter()
                .filter(|f| kana(f).zip(kana(&term.text)).is_some_and(conjugate))
                .map(String::as_str)
                .collect(),
            _ => Vec::new(),
        };
        if forms.is_empty() {
            vec![term.text.as_str()]
        } else {
            forms
        }
    }

    /// Whether some entry uses the term with this key.
    pub fn knows(&self, key: &str) -> bool {
        self.df.contains_key(key)
    }

    /// Whether some entries use the term with this key, but not so many that it tells nothing
    /// (資格 of オンライン資格確認 is in most): a word that names what a question is about.
    pub fn tells(&self, key: &str) -> bool {
        self.df
            .get(key)
            .is_some_and(|&df| df * TELLING_SHARE <= self.entries.len())
    }

    /// A term's weight in a question.
    pub fn weight(&self, term: &Term) -> f32 {
        let n = self.entries.len() as f32;
        let df = self.df.get(&term.key).copied().unwrap_or(0);
        let idf = (1.0 + n / (df as f32 + 0.5)).ln();
        let context = if term.in_setting() { CONTEXT } else { 1.0 };
        context
            * term.share
            * match (term.kind, df) {
                // A word of the story no entry uses (メモ, 初期化) is neither the topic nor a
                // sign of another one.
                (_, 0) if term.said != Said::Asked && !term.is_neighbour() => 0.0,
                // Nor is a word of who asks (整形外科, 事務 of 整形外科の事務をしています).
                (_, 0) if term.of_who_asks() => 0.0,
                (Kind::Strong, _) => idf,
                (Kind::Weak, 0) => 0.0,
                (Kind::Stem | Kind::Weak, _) => WEAK * idf,
            }
    }

    /// Whether the question names something no entry mentions (a strong term, lone kanji or
    /// verb stem no entry uses: 廃止, 処方箋 in 電子処方箋, 色, 建て替え): then an entry must
    /// cover it at [`UNKNOWN_FLOOR`].
    pub fn has_unknown(&self, terms: &[Term]) -> bool {
        !self.unknown(terms).is_empty()
    }

    /// The question's terms that no entry uses and that make it name something else.
    pub fn unknown<'t>(&self, terms: &'t [Term]) -> Vec<&'t Term> {
        if !self.unknown_words {
            // English: only the neighbouring topics it names ([`english_neighbours`]).
            return terms
                .iter()
                .filter(|t| t.key.starts_with(english::NEIGHBOUR))
                .collect();
        }
        terms
            .iter()
            .filter(|t| {
                // A lone kanji no entry has (色 of カードリーダーの色) is a word too.
                let lone_kanji = t.key.starts_with(KANJI_KEY);
                // So is a verb or adjective no entry inflects (重さ of カードリーダーの重さ).
                let stem = t.kind == Kind::Stem;
                (t.kind == Kind::Strong || lone_kanji || stem)
                    && !t.in_setting()
                    && (t.said != Said::Told || t.is_neighbour())
                    && !self.df.contains_key(&t.key)
            })
            .collect()
    }

    /// Whether entry `i` matches only one of the question's several words (runs with a
    /// strong or stem term: 作り of マイナンバーカードの作り方 is a word).
    pub fn one_word_of_many(&self, i: usize, terms: &[Term]) -> bool {
        let Some(entry) = self.entries.get(i) else {
            return false;
        };
        // The kind of facility (歯科診療所からの問い合わせ先) is who asks: not one of the
        // question's words, which an entry answering for every kind never names.
        let content = |t: &&Term| t.kind != Kind::Weak && !t.of_who_asks();
        let words: HashSet<u16> = terms.iter().filter(content).map(|t| t.run).collect();
        let matched: HashSet<u16> = terms
            .iter()
            .filter(content)
            .filter(|t| entry.credit(&t.key) > 0.0)
            .map(|t| t.run)
            .collect();
        words.len() >= 2 && matched.len() == 1
    }

    /// The coverage any entry needs to answer the question: `floor`, or [`UNKNOWN_FLOOR`] when
    /// it names a word no entry uses.
    pub fn question_floor(&self, terms: &[Term], floor: f32) -> f32 {
        if self.has_unknown(terms) {
            floor.max(UNKNOWN_FLOOR)
        } else {
            floor
        }
    }

    /// The coverage entry `i` needs: the question's floor ([`Model::question_floor`]), or
    /// [`ONE_WORD_FLOOR`] when the entry shares only one of the question's words.
    pub fn needs(&self, i: usize, terms: &[Term], question_floor: f32) -> f32 {
        if self.one_word_of_many(i, terms) {
            question_floor.max(ONE_WORD_FLOOR)
        } else {
            question_floor
        }
    }

    /// The share of the question's weight that entry `i`'s title says: between entries that
    /// cover a question alike (利用申請はいつまで: the use application's deadline and the
    /// certificate's, whose category names 利用申請), the one whose title asks it.
    pub fn title_share(&self, i: usize, terms: &[Term]) -> f32 {
        let Some(entry) = self.entries.get(i) else {
            return 0.0;
        };
        // The question's own words: the setting (a conversation's topic) is no title's.
        let own = terms.iter().filter(|t| !t.in_setting());
        self.share(own, |t| {
            if entry.title.contains(&t.key) {
                1.0
            } else {
                0.0
            }
        })
    }

    /// The share of the question's weight that entry `i` matches (0 when the question has no
    /// weighted terms). A question of weak terms only (こんにちは) must be matched almost
    /// whole: below [`WEAK_ONLY_FLOOR`] it counts as 0.
    pub fn coverage(&self, i: usize, terms: &[Term]) -> f32 {
        let Some(entry) = self.entries.get(i) else {
            return 0.0;
        };
        // Who asks (うちは診療所ですが、…) is not what is asked: it counts neither against an
        // entry that answers every kind alike nor for one that names the kind (病院は3台まで),
        // which the search's score already ranks first among equals.
        let coverage = self.share(terms.iter().filter(|t| !t.asker), |t| entry.credit(&t.key));
        let weak_only = terms.iter().all(|t| t.kind == Kind::Weak);
        if weak_only && coverage < WEAK_ONLY_FLOOR {
            0.0
        } else {
            coverage
        }
    }

    /// The share of `terms`' weight that `credit` gives (0 when they weigh nothing).
    fn share<'t>(
        &self,
        terms: impl Iterator<Item = &'t Term>,
        credit: impl Fn(&Term) -> f32,
    ) -> f32 {
        let (mut matched, mut total) = (0.0, 0.0);
        for t in terms {
            let w = self.weight(t);
            total += w;
            matched += w * credit(t);
        }
        if total > 0.0 { matched / total } else { 0.0 }
    }
}

/// The rows of kana a verb's ending conjugates through, with the sound its te-form takes
/// (貼ら 貼り 貼る 貼れ 貼っ; 書か 書き 書い): two stems whose okurigana share a row can be one
/// verb's, two that do not are two verbs (倒れる of 倒れた and 倒す of 前倒し).
const CONJUGATION_ROWS: [&str; 9] = [
    "らりるれろっ",
    "かきくけこい",
    "がぎぐげごい",
    "さしすせそ",
    "たちつてとっ",
    "なにぬねのん",
    "ばびぶべぼん",
    "まみむめもん",
    "わいうえおっ",
];

/// Whether two okurigana can be the same verb's ([`CONJUGATION_ROWS`]).
fn conjugate((a, b): (char, char)) -> bool {
    a == b
        || CONJUGATION_ROWS
            .iter()
            .any(|row| row.contains(a) && row.contains(b))
}

/// The term right before (`step` -1) or after (`step` 1) `t` in its run.
fn beside<'t>(terms: &'t [Term], t: &Term, step: i32) -> Option<&'t Term> {
    terms
        .iter()
        .find(|n| n.run == t.run && i32::from(n.pos) == i32::from(t.pos) + step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::{Synonyms, entry_keys, japanese_terms, katakana_words, texts};

    #[test]
    fn a_stem_is_searched_by_the_forms_of_its_own_verb() {
        let s = Synonyms::parse("");
        let model = Model::japanese(vec![EntryTerms {
            head: entry_keys("ポスターを貼る 貼り紙 前倒しする")
                .into_iter()
                .collect(),
            body: HashSet::new(),
            title: HashSet::new(),
        }]);
        let searched = |q: &str| -> Vec<String> {
            let terms = model.refine(japanese_terms(q, &s));
            let stem = terms.iter().find(|t| t.kind == Kind::Stem).expect("a stem");
            model
                .searched_as(stem)
                .into_iter()
                .map(String::from)
                .collect()
        };
        // 貼れ is spelt by no entry: the entry's forms of 貼る are searched.
        assert_eq!(searched("何を貼ればいい"), ["貼り", "貼る"]);
        // 貼っ (貼ったら) too: っ is how る's row sounds before た.
        assert_eq!(searched("何を貼ったらいい"), ["貼り", "貼る"]);
        // 倒れ of 倒れた is 倒れる, not 倒す of 前倒し: searched as itself (finding nothing).
        assert_eq!(searched("患者さんが倒れた"), ["倒れ"]);
    }

    #[test]
    fn neighbouring_topics_are_one_unknown_word() {
        let s = Synonyms::parse("");
        let terms = japanese_terms("オンライン診療の始め方", &s);
        assert!(
            texts(&terms).contains(&"!オンライン診療"),
            "{:?}",
            texts(&terms)
        );
        assert!(!texts(&terms).contains(&"診療"));
        let model = Model::japanese(vec![EntryTerms {
            head: ["おん", "んら", "らい", "いん", "診療", "~始"]
                .map(String::from)
                .into(),
            body: HashSet::new(),
            title: HashSet::new(),
        }]);
        assert!(model.has_unknown(&model.refine(terms)));
    }

    #[test]
    fn a_lone_kanji_is_a_word_and_junctions_depend_on_what_follows() {
        let s = Synonyms::parse("");
        let entry = |t: &str| EntryTerms {
            head: entry_keys(t).into_iter().collect(),
            body: HashSet::new(),
            title: HashSet::new(),
        };
        let model = Model::japanese(vec![entry("顔認証 診察室 改修費 提出する 補助金")]);
        let face = model.refine(japanese_terms("顔で", &s));
        assert_eq!(face.len(), 1);
        assert!(model.coverage(0, &face) > 0.99, "顔 matches 顔認証");
        // 診察|券: 券 is a kanji no entry uses, so 察券 is an unknown word, not a seam.
        assert!(model.has_unknown(&model.refine(japanese_terms("診察券の作り方", &s))));
        // 改修|費 ends in a kanji the entries use: a seam of two known words.
        assert!(!model.has_unknown(&model.refine(japanese_terms("改修費", &s))));
        // A verb is a word of its own: an entry naming the card but not 作る shares one word
        // of two.
        let card = Model::japanese(vec![entry("マイナンバーカード 暗証番号")]);
        let terms = card.refine(japanese_terms("マイナンバーカードの作り方", &s));
        assert!(card.one_word_of_many(0, &terms));
        // エラー|ファイル: a katakana seam between two known words; but 診察券 stays unknown.
        let files = Model::japanese(vec![entry("エラー ファイル")]);
        assert!(!files.has_unknown(&files.refine(japanese_terms("エラーファイル", &s))));
        assert!(files.has_unknown(&files.refine(japanese_terms("エラーメッセージ", &s))));
        // プリン|ター: the halves occur inside the entries' words (アプリ, センター) but are not
        // words of their own, so プリンター is a word no entry uses.
        let text = "エラー ファイル アプリ センター";
        let words = Model::japanese(vec![entry(text)])
            .with_katakana(katakana_words(text).into_iter().collect());
        assert!(!words.has_unknown(&words.refine(japanese_terms("エラーファイル", &s))));
        assert!(words.has_unknown(&words.refine(japanese_terms("プリンター", &s))));
        // 30 of 30分: a number is weak; 4年|以降: the word after a number's counter is a
        // junction, not an unknown word.
        let later = Model::japanese(vec![entry("ロック 以降")]);
        let terms = later.refine(japanese_terms("ロックは30分", &s));
        assert!(terms.iter().any(Term::has_digit));
        assert!(
            terms
                .iter()
                .filter(|t| t.has_digit())
                .all(|t| t.kind == Kind::Weak)
        );
        assert!(!later.has_unknown(&later.refine(japanese_terms("2024年以降", &s))));
        // The bigram 1台 is not the kanji key of 台.
        let count = Model::japanese(vec![entry("台数")]);
        assert_eq!(
            count.coverage(0, &count.refine(japanese_terms("1台", &s))),
            0.0
        );
        // 色 of カードリーダーの色: a lone kanji no entry has is an unknown word.
        assert!(model.has_unknown(&model.refine(japanese_terms("補助金の色", &s))));
        assert!(!model.has_unknown(&model.refine(japanese_terms("補助金の費", &s))));
        // 昼|休み: a first kanji no entry uses is an unknown word even before a verb stem.
        assert!(model.has_unknown(&model.refine(japanese_terms("昼休みの時間", &s))));
        // 何割|出ます: the question word's counter, then a verb.
        assert!(!model.has_unknown(&model.refine(japanese_terms("補助金って何割出ますか", &s))));
    }
}
