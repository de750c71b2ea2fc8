//! Which questions are about the facility's own state (次にやること, 期限, うちの補助金, 申請状況,
//! 証明書), recognised in many phrasings by what they ask about and how; problems, changes,
//! reasons and suppositions stay general questions for the FAQ.

use crate::normalize::normalize;

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

/// Words that make a question about this facility (うちの, 当院, my …).
const MINE: &[&str] = &[
    "うち",
    "当院",
    "当薬局",
    "当施設",
    "当局",
    "弊院",
    "自院",
    "自施設",
    "自分",
    "わたし",
    "私",
    "my ",
    "our ",
    "当方",
    "弊局",
    "弊社",
    "当医院",
    "当クリニック",
    "当店",
    "我々",
    "うちら",
    "わたしたち",
    "私たち",
    "私ども",
    "我が院",
    "わが院",
    "我が薬局",
    "わが薬局",
];

/// Asking how to do something: a general question even when it says うちの (うちで証明書を
/// 発行するには, how do we apply).
const HOW_TO: &[&str] = &[
    "方法",
    "やり方",
    "どうやって",
    "仕方",
    "手順",
    "には",
    "how do",
    "how to",
    "how can",
];

/// Asking how something stands: its state, or whether it has happened yet. The past forms
/// (通った, 承認された) are about something this facility did; the plain ones (承認される
/// までの日数) are a general question and are not listed.
const STATUS: &[&str] = &[
    "状況",
    "状態",
    "どうなって",
    "どうなりました",
    "どうなった",
    "進捗",
    "ステータス",
    "結果",
    "通った",
    "通りました",
    "通ってい",
    "通ってる",
    "承認された",
    "承認されました",
    "承認されて",
    "承認済",
    "受付けられ",
    "受付され",
    "受理され",
    "届いた",
    "届きました",
    "決まった",
    "決まりました",
    "まだですか",
    "まだ?",
    "まだ？",
    "済んで",
    "出した",
    "提出した",
    "送った",
    "出ました",
    "出たか",
    "出た?",
    "出た？",
    "下りた",
    "おりた",
    "した内容",
    "したもの",
    "申請済",
    "status",
    "progress",
    "approved",
    "accepted",
    "received",
    "been paid",
    "yet",
    "come through",
    "go through",
    "gone through",
    "went through",
    "pending",
    "going",
    "ていないか",
    "てないか",
    "ましたか",
    "ていますか",
    "てますか",
    "ているか",
    "てるか",
    "てる?",
    "てる？",
    "ている?",
    "済",
    "審査中",
    "審査の結果",
    "申請した",
    "申込んだ",
    "注文した",
    "have we",
    "did we",
    "did our",
    "under review",
    "rejected",
    "不承認",
    "what happened",
    "what's happened",
    "完了してい",
    "has been",
    "has it",
    "has our",
    "has the",
    "still under",
    "still pending",
    "still waiting",
    "却下されましたか",
    "却下されてい",
    "processed",
    "so far",
    "まだでしょうか",
    "まだかな",
    " done",
    "申請中",
    "申込中",
    "手続中",
    "処理中",
    "what state",
    "where is our",
    "where's our",
    // Still open, waiting (which of our applications are still open, ペンディングの手続き).
    "still open",
    "outstanding",
    // A result that stays (登録してある端末, 提出してある書類).
    "登録してある",
    "発行してある",
    "申請してある",
    "申し込んである",
    "提出してある",
    "出してある",
];

/// Something still to do for this facility: what comes next, what is left, where it stands.
const NEXT: &[&str] = &[
    "次",
    "つぎ",
    "今後",
    "これから",
    "この後",
    "このあと",
    "今",
    "まずは",
    "まず何",
    "何から",
    "なにから",
    "手をつけ",
    "あと何",
    "あとなに",
    "残って",
    "残り",
    "どこまで進",
    "やらなきゃ",
    "やらないと",
    "しなきゃ",
    "しないといけないこと",
    "未完了",
    "終わっていない",
    "終わってない",
    "next",
    "now",
    "remaining",
    "where are we",
    "to-do",
    "todo",
    "現時点",
    "今月",
    "今週",
    "今日",
    "this month",
    "this week",
    "先に",
    "still",
];

/// What the `NEXT` words ask about: something to do.
const TODO: &[&str] = &[
    "やる",
    "する",
    "すべき",
    "こと",
    "手順",
    "すてっぷ",
    "作業",
    "手続",
    "流れ",
    "何を",
    "なにを",
    "何が",
    "なにが",
    "ばいい",
    "たらいい",
    "リスト",
    "予定",
    "進んで",
    "do ",
    "do?",
    "step",
    "setup",
    "remaining",
    "タスク",
    "アクション",
    "action",
    "スケジュール",
    "task",
    "schedule",
    "一手",
    "やらなきゃ",
    "しなきゃ",
    "ないといけない",
    "なければ",
    "出さない",
    "must",
    "have to",
    "べき",
    "準備",
];

/// A deadline asked about as this facility's own: one coming up or one missed.
const DUE: &[&str] = &[
    "過ぎ",
    "切れ",
    "一覧",
    "近い",
    "迫",
    "何を",
    "なにを",
    "遅れ",
    "間に合",
    "overdue",
    "all ",
    "upcoming",
    "守れてい",
    "今月",
    "今週",
    "来週",
    "もの",
    "soon",
    "直近",
    "miss",
    "this month",
    "this week",
    "次の",
    "next",
    "早い",
    "一番",
    "どの",
    "あと",
    "coming up",
];

/// A patient's card or a certificate: its 期限 is not one of the facility's deadlines.
const CARDS: &[&str] = &[
    "保険証",
    "被保険者証",
    "マイナンバーカード",
    "証明書",
    "card",
];

/// A question about what happens if, or whether one may: a general question even when it
/// names a deadline or a next step (締切を過ぎた申請は受け付けてもらえますか, 次にログインする
/// とき何が必要？).
const SUPPOSING: &[&str] = &[
    "場合",
    "たら",
    "てもでき",
    "ても大丈夫",
    "てもいい",
    "ても良い",
    "たら",
    "とき",
    "時は",
    "もらえますか",
    "できますか",
    "可能",
    "what if",
    "how long",
    "what happens",
    " can i ",
    " can we ",
    " when i ",
    " when we ",
    " if i ",
    " if we ",
    "間に合う",
    "間に合います",
    "過ぎると",
    "遅れると",
    "間に合わないと",
];

/// A problem, a change or a reason: never a question about how the facility's own work
/// stands (補助金が差し戻された, 申請を撤回したい, なぜ証明書が必要か, 次のステップの画面が表示されない).
const PROBLEM: &[&str] = &[
    "なぜ",
    "なんで",
    "理由",
    "意味",
    "直し方",
    "直せ",
    "撤回",
    "取消",
    "取下",
    "変更",
    "修正",
    "差戻",
    "エラー",
    "しまった ",
    "しまったの",
    "しまったけど",
    "しまったが",
    "しまいました",
    "二重",
    "重複",
    "画面",
    "表示されない",
    "なかったことに",
    "減ら",
    "増や",
    "変え",
    "取りやめ",
    "やめたい",
    "キャンセル",
    "正しい",
    "本当",
    "合ってる",
    "合っています",
    "で合って",
    "why",
    "mean",
    "withdraw",
    "cancel",
    "change",
    "fix",
    "expired",
    "revoked",
    "lost",
    "broke",
    "sent back",
    "returned",
    "error",
    "what now",
    "罰則",
    "ペナルティ",
    "penalty",
];

/// What is needed or how long it takes, in general: not about the facility's subsidy,
/// certificates, applications or deadlines (証明書は何枚いる, 審査にかかる日数), though it may
/// still ask for the next step (今の段階で必要な作業は？).
const GENERAL: &[&str] = &[
    "どうする",
    "どうすれば",
    "どうしたら",
    "必要",
    "need",
    "何枚いる",
    "いりますか",
    "どうなる",
    "what happens",
    "how long",
    "かかる",
    "までの期間",
    "日数",
    "どのくらい",
    "端数",
    "切捨",
    // The kinds of a thing (ステータスの種類): what there is, not where this facility stands.
    "種類",
    "kinds of",
    "types of",
];

/// The subsidy, by name.
const SUBSIDY: &[&str] = &[
    "補助金",
    "ほじょきん",
    "補助額",
    "補助して",
    "補助され",
    "助成",
    "subsidy",
];

/// Asking how much, or whether the money has come.
const AMOUNT: &[&str] = &[
    "いくら",
    "幾ら",
    "金額",
    "額",
    "上限",
    "もらえ",
    "どれくらい",
    "何円",
    "振込",
    "入金",
    "支払",
    "how much",
    "amount",
    "paid",
    "お金",
    "いつ入",
];

/// The facility's own certificates or applications, listed or in use (一覧, 発行された, 今使っている).
const LISTED: &[&str] = &[
    "一覧",
    "何枚",
    "発行された",
    "発行済",
    "使っている",
    "使ってる",
    "list",
    "show",
    "有効になって",
    "ちゃんと",
    "we have",
    "which certificates",
    "which of our",
    "see our",
    "残り",
];

/// Something begun and not finished: this facility's own work, whatever it is.
const PENDING: &[&str] = &[
    "ペンディング",
    "保留中",
    "終わっていない",
    "終わってない",
    "済んでいない",
    "済んでない",
    "やっていない",
    "やってない",
    "未完了",
    "進み具合",
    "どこまで進",
    "where are we",
    "what comes next",
    "what's next",
    "whats next",
    "残作業",
    "残タスク",
    "still to be done",
    "still to do",
    "working on",
    "to be done",
    "未提出",
    "未申請",
    "出していない",
    "出してない",
    "提出していない",
    "やり残",
    "漏れがない",
    "抜けがない",
    "pending task",
    "still need",
    "finish",
    "remain",
    "where do things stand",
    "進んでない",
    "進んでいない",
    "未対応",
    "未着手",
    "未処理",
    "対応していない",
    "対応してない",
    "やることリスト",
    "to-do list",
    "todo list",
    "what's left",
    "what is left",
    "left to do",
    "anything left",
    "is left",
];

/// The facility-specific question in `text`, if any (matched after normalization, so
/// ﾎｼﾞｮｷﾝ and ほじょきん count). `personal` says whether it is only about this facility: a
/// question that names no facility and could be a general one (補助金はいくら？, いつまでに何を
/// 出せばいい？) is answered from the FAQ when someone not logged in asks it and the FAQ has an
/// answer.
pub fn intent(text: &str) -> Option<(Intent, bool)> {
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
    // Both as typed and with the FAQ's words read in kana (しんせい → 申請).
    let t = format!(" {typed} {} ", crate::relevance::read_kana(&typed));
    let any = |words: &[&str]| words.iter().any(|w| t.contains(&normalize(w)));
    let mine = any(MINE) && !any(HOW_TO);
    let status = any(STATUS);
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
    if any(&["証明書", "certificate"]) && (mine || status || any(LISTED)) {
        return Some((Intent::Certificates, true));
    }
    if any(&[
        "申請",
        "申込",
        "application",
        "apply for",
        "applied",
        "order",
    ]) && (status || any(&["どこまで"]) || mine && any(LISTED))
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
    any(SUPPOSING) && !any(&["たらいい", "たら良い", "ばいい", "あったら", "あれば"])
}

/// The next step asked for: something still to do (次にやること, 残っている手続き), or where to
/// begin (何から始めればいい, a general question too).
fn pending(any: &dyn Fn(&[&str]) -> bool) -> Option<(Intent, bool)> {
    // 今後の制度の予定 and 今月のメンテナンス予定 ask about the scheme and the system.
    // どちらを先にやる？ compares two steps: a general question about the order.
    if supposing(any)
        || any(&[
            "制度",
            "メンテナンス",
            "バージョン",
            "研修",
            "どちら",
            "どっち",
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
        ] {
            assert_eq!(intent(text).map(|i| i.0), Some(want), "{text}");
        }
        for general in [
            "補助金の申請方法",
            "カードリーダーは何台",
            "電子証明書 再発行",
            "利用申請の期限",
            "申請に必要な書類",
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

    fn files(prefix: &str) -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("tests/")
            .filter_map(|e| {
                let path = e.ok()?.path();
                let name = path.file_name()?.to_str()?.to_string();
                (name.starts_with(prefix) && name.ends_with(".tsv"))
                    .then(|| (name, std::fs::read_to_string(&path).expect("readable")))
            })
            .collect();
        files.sort();
        files
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
        assert!(files.len() >= 5, "{} intent files", files.len());
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
