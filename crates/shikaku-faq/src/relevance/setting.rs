//! The setting of a Japanese question — when it is asked, who asks and for whom, how the asker
//! feels, how often — which is dropped from it like a stop phrase: not what it asks
//! (先日申し込んだ, 院内に貼るポスター, 医事課で登録したら, か心配です). Normalized forms;
//! [`super::japanese`] drops them with [`super::phrases::STOP_PHRASES`].

use super::script::{Script, Scripted, spells};

/// Blanks (turns into separators) the clock times of the asker's case, with a particle after
/// them (午後7時に, 10時半から, 7時30分まで → まで stays): when, not what — the entries' hours
/// are written 9:00〜17:00, and an hour no entry names was a word no entry uses. Figures in
/// Arabic numerals ([`super::script::arabic_figures`] has run). Not hours counted (24時間).
/// Months stay: the FAQ's own dates are months (令和3年3月までに, 4月1日以降), and a month
/// said alone (3月を過ぎたら) is mostly theirs.
pub(super) fn blank_times(text: &mut Scripted) {
    let is_digit = |text: &Scripted, i: usize| text.get(i).is_some_and(|(c, _)| c.is_ascii_digit());
    let digits_from = |text: &Scripted, mut i: usize| {
        while is_digit(text, i) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    while i < text.len() {
        if !is_digit(text, i) || i > 0 && is_digit(text, i - 1) {
            i += 1;
            continue;
        }
        let unit = digits_from(text, i);
        if !spells(text, unit, "時") || spells(text, unit + 1, "間") {
            i = unit;
            continue;
        }
        // 10時半, 7時30分.
        let minutes = digits_from(text, unit + 1);
        let end = if spells(text, unit + 1, "半") {
            unit + 2
        } else if minutes > unit + 1 && spells(text, minutes, "分") {
            minutes + 1
        } else {
            unit + 1
        };
        let end = TIME_PARTICLES
            .iter()
            .find(|p| spells(text, end, p))
            .map_or(end, |p| end + p.chars().count());
        for slot in &mut text[i..end] {
            *slot = (' ', Script::Separator);
        }
        i = end;
    }
}

/// The particles that go with a time ([`blank_times`]); not まで, which asks by when.
const TIME_PARTICLES: &[&str] = &["から", "に", "が", "は", "の", "で", "も"];

/// When, who and where the asker is, and how they feel (normalized forms).
pub(super) const SETTING: &[&str] = &[
    // When the question is asked (先日申し込んだ, 来年に延ばしたい): not what it asks.
    "今からでも",
    "今から",
    "久しぶりに",
    "引っ越しを機に",
    "を機に",
    "朝から",
    "先日",
    // When the asker's case began (半年前に同意をもらった): a year's count before (3年前の薬)
    // is how far back, the drug history's.
    "半年ほど前",
    "半年くらい前",
    "半年前",
    "昔の",
    "昔",
    "先ほど",
    "先週",
    "先月",
    "今週",
    "今月",
    "今年",
    "来週",
    "来月",
    "来年",
    // Who is asking and for whom: the setting, not the topic (院内に貼るポスター, 顔認証でき
    // ない高齢者).
    "独自に",
    "独自で",
    "自分で",
    "自分",
    "私の",
    "私",
    "わたし",
    "院内",
    "当院",
    "弊院",
    "当薬局",
    "各店舗",
    "店舗ごとに",
    "店舗ごと",
    "店舗",
    "うちの",
    "うちでは",
    "うちは",
    "うちで",
    "うちも",
    "患者さん",
    // An honorific after a word (業者さん).
    "さん",
    "初診の",
    "長く通院している",
    "通院している",
    "通院中の",
    "患者様",
    "患者",
    // The people who came with something (保険証の人は？): who, as 患者 is.
    "の人",
    "高齢者",
    "お年寄り",
    "高齢の",
    "おじいちゃん",
    "おばあちゃん",
    "おじいさん",
    "おばあさん",
    "待合室",
    "待合に",
    "待合で",
    "院長が",
    "院長の",
    // A patient in a mask (マスクをした患者の顔認証): who, not what. (マスクをしている,
    // マスクをつけた and マスク着用 are synonyms of a face not recognised.)
    "マスクをした",
    "マスクを付けた",
    "マスクのまま",
    "海外出身のスタッフ",
    "外国籍のスタッフ",
    "外国人の職員",
    "外国人スタッフ向けに",
    "外国人スタッフ向け",
    "外国人スタッフ",
    // Who wants it (画面を英語にしたいスタッフがいる): the asker's people, not the topic.
    "したいスタッフがいる",
    "したいスタッフがいます",
    "したい職員がいる",
    "したい職員がいます",
    // Which department or role of a larger facility asks (医事課で登録したら, 情シスが設定する,
    // 本部でまとめて, 分院の回線): who, not what.
    "医事課長",
    "医事課の",
    "医事課で",
    "医事課",
    "情シス",
    "情報システム部",
    "情報システム課",
    "システム担当者",
    "システム担当",
    "本部で",
    "本部として",
    "経理",
    "総務課",
    "総務",
    "医局",
    "病棟",
    "外来の",
    "外来",
    "分院",
    "本院",
    "薬局長",
    "会計に",
    "会計で",
    // The size of the asker's hospital (200床以上の病院).
    "小さな",
    "小さい",
    "病床数が",
    "病床数",
    "床以上の",
    "床以上",
    "床未満の",
    "床未満",
    // Why the asker asks: leave (担当が産休に入るので).
    "産休に入る",
    "育休に入る",
    "産休",
    "育休",
    // How the asker feels about it (このままで大丈夫か心配, 困っている).
    "か心配です",
    "か心配",
    "心配です",
    "心配",
    "不安です",
    "不安",
    "困ったときは",
    "困ったときの",
    "困ったとき",
    "困った時は",
    "困った時の",
    "困った時",
    "困ったことがあったとき",
    "困ったこと",
    "困ったら",
    "困った場合",
    "困っています",
    "困っている",
    "困ってます",
    "気になる",
    // Our side (薬局側でやる必要, こちら側の作業): who, not what.
    "薬局側",
    "医療機関側",
    "病院側",
    "診療所側",
    "こちら側",
    "こちらで",
    "うち側",
    // What the asker uses now (今使っているフレッツ光ネクスト).
    "今使っている",
    "今使ってる",
    "現在使っている",
    // How often or how much, said of any topic (何回か間違えたら, もう一度ほしい, ずっと有効).
    "何回か",
    "何度か",
    "何か月",
    // A number of months (1か月遅らせたい): a quantity, like the number itself.
    "か月",
    "ヶ月",
    "カ月",
    "ケ月",
    "何ヶ月",
    "何カ月",
    "何ケ月",
    "何度も",
    "何回も",
    "もう一度",
    // From now on (今後も使える？): when, not what.
    "今後も",
    "今後は",
    "今後",
    "この先も",
    // Not yet, still (まだ届かない, いまだに): when, as still and yet are in English.
    "いまだに",
    "未だに",
    "まだ",
    "毎回",
    "結局",
    "そもそも",
    "定期的に",
    "定期的",
    "一度",
    "一回",
    "長く",
    "ずっと",
    "すぐに",
    "なかなか",
    "全然",
    // When the asker is: 明日の予約患者, 今日から.
    "明日",
    "今日",
    "今の",
    "今は",
    "現在の",
    "昨日",
    // The time of day (午後7時に電話しても): when, as the hour itself ([`blank_times`]).
    "午前中",
    "午前",
    "午後",
    "夕方",
    "今朝",
    "毎日",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relevance::script::{arabic_figures, scripted};

    #[test]
    fn the_clock_times_of_the_askers_case_are_blanked() {
        let read = |t: &str| {
            let mut text = arabic_figures(scripted(t));
            blank_times(&mut text);
            text.iter()
                .map(|(c, _)| *c)
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("|")
        };
        assert_eq!(read("午後7時に電話"), "午後|電話");
        assert_eq!(read("7時半から"), "");
        assert_eq!(read("10時30分まで"), "まで");
        assert_eq!(read("十時には"), "十時には");
        // Hours counted, and months and days (the FAQ's own dates), stay.
        assert_eq!(read("24時間対応"), "24時間対応");
        assert_eq!(read("3月を過ぎたら"), "3月を過ぎたら");
        assert_eq!(read("4月1日以降"), "4月1日以降");
        assert_eq!(read("5営業日前"), "5営業日前");
    }
}
