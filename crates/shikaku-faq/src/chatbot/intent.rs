//! Which questions are about the facility's own state (次にやること, 期限, うちの補助金, 申請状況,
//! 証明書), recognised in many phrasings by what they ask about and how; problems, changes,
//! reasons and suppositions stay general questions for the FAQ.

use crate::normalize::normalize;

mod words;

use words::{
    AMOUNT, CARDS, DUE, GENERAL, HOW_TO, HOW_TO_PURPOSE, LISTED, MINE, NEXT, NOT_FINISHED,
    NOT_PROGRESS, NOT_TO_DO, PENDING, PROBLEM, STATUS, SUBSIDY, SUPPOSING, TIMES_AHEAD, TODO,
};

/// A question the chatbot answers from the logged-in facility's own data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// 「補助金はいくら？」「うちの補助金の申請状況は？」
    Subsidy,
    /// 「次にやることは？」「今やるべきことを教えて」
    NextStep,
    /// 「うちの期限は？」「期限を過ぎているものは？」
    Deadlines,
    /// 「申請状況を知りたい」「申し込みはどうなっていますか」
    Applications,
    /// 「うちの電子証明書は？」「証明書の状態」
    Certificates,
}

/// The facility-specific question in `text`, if any (matched after normalization, so
/// ﾎｼﾞｮｷﾝ and ほじょきん count). `personal` says whether it is only about this facility: a
/// question that names no facility and could be a general one (補助金はいくら？, いつまでに何を
/// 出せばいい？) is answered from the FAQ when someone not logged in asks it and the FAQ has an
/// answer.
pub fn intent(text: &str) -> Option<(Intent, bool)> {
    // A message of several sentences asks in its last one that asks (…と出ました。どうすれば
    // いいですか); the story before it is not a question about the facility's own data.
    let asked = crate::relevance::asking_part(text);
    let text = asked.as_deref().unwrap_or(text);
    // うちは病院ですが… says what the facility is, not that the question is about its own data.
    let question = super::context::after_kind_statement(text);
    // 教えてもらえますか asks politely; it does not ask whether something can be had (受け
    // 付けてもらえますか does).
    let mut typed = normalize(question.as_deref().unwrap_or(text));
    for request in ["教えて", "見せて", "知らせて"] {
        for ending in ["もらえますか", "いただけますか"] {
            typed = typed.replace(&normalize(&format!("{request}{ending}")), request);
        }
    }
    // I'm opening next year: a time, not the next step; 決済 (payment) is not 済 (done); will
    // that do? asks whether a thing suffices.
    for words in [TIMES_AHEAD, NOT_FINISHED, NOT_PROGRESS, NOT_TO_DO] {
        for word in words {
            typed = typed.replace(&normalize(word), " ");
        }
    }
    // Both as typed and with the FAQ's words read in kana (しんせい → 申請).
    let t = format!(" {typed} {} ", crate::relevance::read_kana(&typed));
    let any = |words: &[&str]| words.iter().any(|w| t.contains(&normalize(w)));
    let mine = any(MINE) && !any(HOW_TO) && !any(HOW_TO_PURPOSE);
    // Where is our customer number printed? asks where something is written, not how a thing
    // of ours stands (where is our application?).
    let written = any(&["where is our", "where's our"])
        && any(&["printed", "written", "located", "shown on", "stated"]);
    let status = any(STATUS) && !written;
    // 差し戻されていないか asks for a state, whatever word it uses.
    // Have we submitted everything we need to? asks for a state too.
    let asks_state = any(&["ていないか", "てないか", " have we ", " did we "]);
    if any(PROBLEM) && !asks_state {
        return None;
    }
    if any(GENERAL) && !asks_state {
        return pending(&any);
    }
    if any(SUBSIDY) {
        return (any(AMOUNT) || status || mine).then_some((Intent::Subsidy, status || mine));
    }
    if supposing(&any) {
        return None;
    }
    // 発行された証明書を端末に入れる手順 asks how to install one, and 発行された証明書はどこから
    // 取得する (where does our IT department pick up …) where to get one, not which ones this
    // facility has.
    let how_or_where = any(HOW_TO) || any(&["どこから", "どこで", "where do", "where can"]);
    if any(&["証明書", "certificate"]) && (status || (mine || any(LISTED)) && !how_or_where) {
        return Some((Intent::Certificates, true));
    }
    // How far our 手続き (the applications, as staff say it) have got; its unfinished ones
    // listed are the next steps.
    if any(&[
        "申請",
        "申込",
        "application",
        "apply for",
        "applied",
        "order",
    ]) && (status || any(&["どこまで", "where are we"]) || mine && any(LISTED))
        || any(&["手続"]) && any(&["どこまで"])
    {
        return Some((Intent::Applications, true));
    }
    if !any(CARDS) {
        let deadline = any(&[
            "期限",
            "期日",
            "締切",
            "デッドライン",
            "いつまでに",
            "deadline",
            "due",
        ]);
        if deadline && (mine || any(DUE))
            || any(&["overdue", "遅れている", "遅れてる", "are late", "behind"])
        {
            return Some((Intent::Deadlines, true));
        }
        if any(&["いつまでに"]) && any(&["ばいい", "たらいい", "終わらせ"]) {
            return Some((Intent::Deadlines, false));
        }
    }
    // How the whole adoption stands: asked as the facility's own, or as a state of things.
    let progress = any(&["状況", "現状", "段階", "進捗", "どこまで", "どんな感じ"])
        && (mine
            || any(&[
                "現在",
                "今",
                "見たい",
                "知りたい",
                "確認したい",
                "教えて",
                "お知らせ",
            ]));
    if progress || status && (mine || any(&["have we", "did we", "are we"])) {
        return Some((Intent::NextStep, true));
    }
    pending(&any)
}

/// Whether the question supposes something (〜とき, 〜場合) rather than asks what to do next
/// (〜たらいい).
fn supposing(any: &dyn Fn(&[&str]) -> bool) -> bool {
    any(SUPPOSING)
        && !any(&[
            "たらいい",
            "たら良い",
            "だらいい",
            "だら良い",
            "ばいい",
            "あったら",
            "あれば",
        ])
}

/// The next step asked for: something still to do (次にやること, 残っている手続き), or where to
/// begin (何から始めればいい, a general question too).
fn pending(any: &dyn Fn(&[&str]) -> bool) -> Option<(Intent, bool)> {
    // 今後の制度の予定 and 今月のメンテナンス予定 ask about the scheme and the system.
    // どちらを先にやる？ compares two steps: a general question about the order. A step named
    // before must (運用テストってやらなきゃいけないの, ルーターって自分で設定しなきゃ) asks
    // whether that step is needed, not what this facility has left.
    if supposing(any)
        || any(&[
            "制度",
            "メンテナンス",
            "バージョン",
            "研修",
            "どちら",
            "どっち",
            "ってやらなきゃ",
            "ってしなきゃ",
            "ってやらないと",
            "って自分で",
        ])
    {
        return None;
    }
    // What comes after a named step (the next step after the operation test, 運用テストが終わったら
    // 次は？) is the FAQ's order of steps, and may be this facility's next one.
    if any(&[
        "何から",
        "なにから",
        " after the ",
        " after a ",
        "が終わったら",
        "が終わった後",
        "が済んだら",
        "まずは",
        "まず何",
        "まず最初",
        "やること",
        "すること",
        "where do i start",
        "where to start",
    ]) {
        return Some((Intent::NextStep, false));
    }
    let forgotten = any(&["忘れ", "漏れ", "抜け"]) && any(&["手続", "作業", "こと", "もの"]);
    (forgotten || any(PENDING) || any(NEXT) && any(TODO)).then_some((Intent::NextStep, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_questions_in_many_phrasings() {
        for (text, want) in [
            ("次にやることは？", Intent::NextStep),
            ("今やるべきことを教えて", Intent::NextStep),
            ("まず何をすればいい？", Intent::NextStep),
            ("What should I do next?", Intent::NextStep),
            ("うちの補助金の申請状況は？", Intent::Subsidy),
            ("補助金はいくら？", Intent::Subsidy),
            ("ﾎｼﾞｮｷﾝの上限", Intent::Subsidy),
            ("our subsidy status", Intent::Subsidy),
            ("申請状況を知りたい", Intent::Applications),
            ("申し込みはどうなっていますか", Intent::Applications),
            ("うちの電子証明書は？", Intent::Certificates),
            ("証明書の状態を見たい", Intent::Certificates),
            ("うちの期限は？", Intent::Deadlines),
            ("期限を過ぎているものは？", Intent::Deadlines),
            // A message: its last sentence that asks, with a short one's sentence before.
            (
                "お世話になっております。当院の補助金の申請状況を知りたいです。",
                Intent::Subsidy,
            ),
            (
                "先月申請を出しました。今どうなっていますか。",
                Intent::Applications,
            ),
        ] {
            assert_eq!(intent(text).map(|i| i.0), Some(want), "{text}");
        }
        for general in [
            "補助金の申請方法",
            "カードリーダーは何台",
            "先月、患者さんから薬の情報を見ることに同意をもらいました。今月また来院されました。\
             もう一度同意をもらう必要がありますか。",
            "内科の医師です。初診の患者さんの服薬状況を知りたいと思っています。",
            "We are renovating our reception desk next month. Does the subsidy cover new furniture?",
            "The schedule page indicates \"overdue\". Could you explain what this signifies?",
            "One of our computers has failed. Can the certificate be issued again?",
            "電子証明書 再発行",
            "利用申請の期限",
            "申請に必要な書類",
            "同意の期限切れ",
            "Where is our customer ID written?",
            "Where is our customer ID?",
            "Where is our NTT customer number printed?",
            "発行された証明書を端末に入れる手順",
            "Our subsidy got kicked back",
            "うちのコードが登録済みになってる",
            "I'm opening a practice next year. What do I need to prepare?",
            "キャッシュレス決済の補助金",
        ] {
            assert_eq!(intent(general), None, "{general}");
        }
        assert_eq!(intent("補助金はいくら？"), Some((Intent::Subsidy, false)));
        assert_eq!(
            intent("うちの補助金はいくら？"),
            Some((Intent::Subsidy, true))
        );
    }
}

#[cfg(test)]
mod phrasings {
    //! The recogniser against question files written blind (`tests/intents*.tsv`, each header
    //! says what the build of its day got), and against every FAQ question of the labelled and
    //! held-out files, which must stay general.
    use super::*;

    fn named(name: &str) -> Option<Intent> {
        Some(match name {
            "NextStep" => Intent::NextStep,
            "Deadlines" => Intent::Deadlines,
            "Subsidy" => Intent::Subsidy,
            "Applications" => Intent::Applications,
            "Certificates" => Intent::Certificates,
            _ => return None,
        })
    }

    /// The files `tests/{prefix}*.tsv` with their texts, oldest first.
    fn files(prefix: &str) -> Vec<(String, String)> {
        crate::tests::test_files(prefix)
            .into_iter()
            .map(|name| {
                let text = crate::tests::test_file(&name);
                (name, text)
            })
            .collect()
    }

    fn rows(text: &str) -> impl Iterator<Item = (&str, &str)> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
    }

    #[test]
    fn personal_questions_written_blind_are_recognised() {
        let (mut personal, mut personal_ok, mut general, mut general_ok) = (0, 0, 0, 0);
        let files = files("intents");
        assert!(files.len() >= 14, "{} intent files", files.len());
        for (name, text) in &files {
            let (mut n, mut ok) = (0, 0);
            for (q, want) in rows(text) {
                let got = intent(q);
                let wants: Vec<Option<Intent>> = want.split('|').map(named).collect();
                let good = wants.iter().any(|w| match w {
                    Some(i) => got.map(|g| g.0) == Some(*i),
                    // A general question is not taken as one about the facility itself.
                    None => got.is_none_or(|g| !g.1),
                });
                let is_personal = wants.iter().all(Option::is_some);
                n += 1;
                ok += usize::from(good);
                if is_personal {
                    personal += 1;
                    personal_ok += usize::from(good);
                } else {
                    general += 1;
                    general_ok += usize::from(good);
                }
                if !good {
                    println!("  miss {name}: {q} (want {want}, got {got:?})");
                }
            }
            println!("{name}: {ok}/{n}");
            assert!(n >= 10, "{name}: only {n} questions");
        }
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        println!(
            "personal questions recognised: {personal_ok}/{personal} ({:.1}%); general ones left to the FAQ: {general_ok}/{general} ({:.1}%)",
            pct(personal_ok, personal),
            pct(general_ok, general)
        );
        assert!(pct(personal_ok, personal) >= 95.0);
        assert!(pct(general_ok, general) >= 95.0);
    }

    #[test]
    fn faq_questions_are_not_taken_as_personal_ones() {
        let mut taken = Vec::new();
        let (mut n, mut either) = (0, 0);
        for (name, text) in files("heldout").into_iter().chain(files("labelled")) {
            for (q, _) in rows(&text) {
                n += 1;
                match intent(q) {
                    Some((i, true)) => taken.push(format!("{name}: {q} → {i:?}")),
                    Some((_, false)) => either += 1,
                    None => {}
                }
            }
        }
        println!(
            "FAQ questions taken as about the facility itself: {} of {n}; as possibly so (the FAQ's answer, then its own figures): {either}",
            taken.len()
        );
        for t in &taken {
            println!("  {t}");
        }
        // A handful are (うちのクリニックは補助金いくらもらえる？); one in two hundred at most.
        assert!(taken.len() * 200 <= n, "{taken:#?}");
    }
}
