use super::*;

/// The FAQ files shipped in `content/faq/`.
fn shipped() -> FaqIndex {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/faq");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("content/faq") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|x| x == "md") {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            files.push((name, std::fs::read_to_string(&path).expect("read")));
        }
    }
    FaqIndex::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))).expect("index")
}

/// Queries as users type them, with the entry that answers them.
const RELEVANCE: &[(&str, &str)] = &[
    ("補助金 いくら", "subsidy-amount"),
    ("カードリーダー 何台", "reader-count"),
    ("ほじょきん", "subsidy-amount"),
    ("ﾎｼﾞｮｷﾝ", "subsidy-amount"),
    ("電子証明書 再発行", "cert-reissue"),
    ("アカウント登録", "account-register"),
    ("パスワード 忘れた", "account-password"),
    ("医療機関コード エラー", "account-code"),
    ("登録済み", "account-duplicate"),
    ("英語", "account-language"),
    ("メーカー", "reader-makers"),
    ("カードリーダー いつまで", "reader-when"),
    ("配送時期", "reader-delivery"),
    ("カードリーダー キャンセル", "reader-change"),
    ("顔認証 できない", "reader-face"),
    ("利用申請 期限", "usage-apply"),
    ("お客さまID", "net-customer-id"),
    ("証明書 ダウンロード", "cert-download"),
    ("証明書 何台分", "cert-per-pc"),
    ("推奨OS", "cert-os"),
    ("回線 種類", "net-types"),
    ("ADSL", "net-isdn"),
    ("Bフレッツ", "net-bflets"),
    ("フレッツ光ネクスト", "net-ipvpn"),
    ("ルーター 設定", "net-router"),
    ("準備 手順", "setup-steps"),
    ("ベンダー 見積", "setup-vendor"),
    ("発注 いつまで", "setup-order"),
    ("運用テスト", "setup-test"),
    ("期限超過", "setup-schedule"),
    ("受付 変わる", "ops-flow"),
    ("ポスター", "ops-poster"),
    ("個人情報 利用目的", "ops-privacy"),
    ("一括照会", "ops-batch"),
    ("新しい資格あり", "ops-status"),
    ("薬剤情報 同意", "med-consent"),
    ("特定健診 何年分", "med-period"),
    ("メタボ健診", "med-checkup-what"),
    ("必要書類 領収書", "subsidy-documents"),
    ("実費補助 条件", "subsidy-acceleration"),
    ("消費税", "subsidy-tax"),
    ("差し戻し", "subsidy-returned"),
    ("端数 切り捨て", "subsidy-rounding"),
    ("XML 連携", "int-xml"),
    ("つながらない", "int-offline"),
    ("電話番号", "phone"),
    ("ｶｰﾄﾞﾘｰﾀﾞｰ 台数", "reader-count"),
    ("でんししょうめいしょ", "cert-what"),
];

#[test]
fn relevance_hit_rate_at_1_and_3() {
    let index = shipped();
    let (mut at1, mut at3) = (0, 0);
    let mut misses = Vec::new();
    for (query, want) in RELEVANCE {
        let hits = index.search(query, 3);
        assert!(index.entry(want).is_some(), "{want} exists");
        let rank = hits.iter().position(|h| h.id == *want);
        match rank {
            Some(0) => {
                at1 += 1;
                at3 += 1;
            }
            Some(_) => at3 += 1,
            None => misses.push(format!(
                "{query} → {:?} (want {want})",
                hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>()
            )),
        }
    }
    let n = RELEVANCE.len();
    let rate = |k: usize| k as f64 / n as f64;
    println!(
        "FAQ relevance: {n} queries, hit@1 {at1}/{n} = {:.1}%, hit@3 {at3}/{n} = {:.1}%",
        100.0 * rate(at1),
        100.0 * rate(at3)
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(n >= 40);
    assert!(rate(at3) >= 0.9, "hit@3 below 90%: {misses:#?}");
}

#[test]
fn the_named_queries_put_the_right_entry_first() {
    let index = shipped();
    for (query, want) in [
        ("補助金 いくら", "subsidy-amount"),
        ("カードリーダー 何台", "reader-count"),
        ("ほじょきん", "subsidy-amount"),
        ("ﾎｼﾞｮｷﾝ", "subsidy-amount"),
        ("電子証明書 再発行", "cert-reissue"),
    ] {
        let hits = index.search(query, 5);
        assert_eq!(
            hits.first().map(|h| h.id.as_str()),
            Some(want),
            "{query}: {hits:?}"
        );
    }
}

#[test]
fn content_covers_every_category_with_at_least_60_entries() {
    let index = shipped();
    assert!(index.entries().len() >= 60, "{}", index.entries().len());
    for c in CATEGORIES {
        assert!(index.in_category(c).count() >= 3, "{c}");
    }
}

#[test]
fn empty_and_unknown_queries() {
    let index = shipped();
    assert!(index.search("", 10).is_empty());
    assert!(index.search("　、。", 10).is_empty());
    assert!(index.search("zzzqqq", 10).is_empty());
}

#[test]
fn duplicate_ids_are_refused_with_both_files() {
    let text = "---\nid: x\ncategory: 回線\ntitle: T\n---\nbody\n";
    let e = FaqIndex::from_files([("a.md", text), ("b.md", text)]).expect_err("duplicate");
    assert!(
        e.to_string().contains("a.md") && e.to_string().contains("b.md"),
        "{e}"
    );
}
