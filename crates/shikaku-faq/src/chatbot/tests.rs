use super::*;

fn facts() -> FacilityFacts {
    FacilityFacts {
        name: "千代田クリニック".into(),
        subsidy: SubsidyFact::Cap {
            amount: 321_000,
            base: 429_000,
            rate: "3/4".into(),
            rule_set: "追加支援".into(),
            readers: 1,
        },
        next_step: Some(NextStep {
            label: "オンライン資格確認利用申請".into(),
            deadline: Some("2021年1月8日（金）".into()),
            overdue: false,
        }),
        plan_set: true,
        overdue: Vec::new(),
        deadlines: vec![NextStep {
            label: "オンライン資格確認利用申請".into(),
            deadline: Some("2021年1月8日（金）".into()),
            overdue: false,
        }],
        applications: vec![("カードリーダー（1台）".into(), "申込済み".into())],
        certificates: vec![("受付PC".into(), "発行済み".into())],
    }
}

#[test]
fn facility_questions_are_answered_from_its_own_data_with_a_link() {
    let mut f = facts();
    let a = facility_reply(Intent::Subsidy, &f, Lang::Ja);
    assert!(
        a.text.contains("最大321,000円です")
            && a.text.contains("429,000円 × 3/4")
            && a.text.contains("](/portal/subsidy-application)"),
        "{}",
        a.text
    );
    let n = facility_reply(Intent::NextStep, &f, Lang::Ja);
    assert!(
        n.text.contains("「オンライン資格確認利用申請」")
            && n.text.contains("2021年1月8日（金）です")
            && n.text.contains("](/portal/home)")
    );
    let d = facility_reply(Intent::Deadlines, &f, Lang::Ja);
    assert!(
        d.text
            .contains("- オンライン資格確認利用申請: 2021年1月8日（金）"),
        "{}",
        d.text
    );
    let apps = facility_reply(Intent::Applications, &f, Lang::Ja);
    assert!(apps.text.contains("- カードリーダー（1台）: 申込済み"));
    let certs = facility_reply(Intent::Certificates, &f, Lang::En);
    assert!(
        certs.text.contains("- 受付PC: 発行済み")
            && certs.text.contains("/portal/certificates?lang=en")
    );
    f.subsidy = SubsidyFact::Applied {
        amount: 300_000,
        status: "審査中".into(),
    };
    f.next_step = None;
    assert!(
        facility_reply(Intent::Subsidy, &f, Lang::Ja)
            .text
            .contains("300,000円")
    );
    assert!(
        facility_reply(Intent::NextStep, &f, Lang::Ja)
            .text
            .contains("すべて完了")
    );
    f.plan_set = false;
    assert!(
        facility_reply(Intent::NextStep, &f, Lang::Ja)
            .text
            .contains("まだ登録されていません")
    );
    f.subsidy = SubsidyFact::NoReader;
    assert!(
        facility_reply(Intent::Subsidy, &f, Lang::Ja)
            .text
            .contains("](/portal/readers)")
    );
}

fn index() -> FaqIndex {
    crate::tests::shipped()
}

fn say(index: &FaqIndex, text: &str, context: &Context) -> Reply {
    reply(
        index,
        &ChatInput::Text(text.into()),
        context,
        Lang::Ja,
        true,
    )
}

#[test]
fn the_guided_tree_leads_from_a_category_to_an_answer_and_help() {
    let index = index();
    let none = Context::default();
    let start = reply(&index, &ChatInput::Start, &none, Lang::Ja, true);
    assert!(start.choices.iter().any(|c| c.value == "cat:補助金"));
    let category = reply(
        &index,
        &ChatInput::from_choice("cat:補助金"),
        &none,
        Lang::Ja,
        true,
    );
    assert!(
        category
            .choices
            .iter()
            .any(|c| c.value == "faq:subsidy-amount")
    );
    assert_eq!(category.context.category.as_deref(), Some("補助金"));
    let answer = reply(
        &index,
        &ChatInput::from_choice("faq:subsidy-amount"),
        &none,
        Lang::Ja,
        true,
    );
    assert_eq!(answer.entry_id.as_deref(), Some("subsidy-amount"));
    assert!(answer.text.contains("32.1万円"));
    assert!(!answer.related.is_empty(), "related entries are offered");
    let help = reply(
        &index,
        &ChatInput::from_choice("no"),
        &none,
        Lang::Ja,
        false,
    );
    assert!(help.text.contains("受付時間外") && help.text.contains("](/inquiry)"));
    let open = reply(&index, &ChatInput::Contact, &none, Lang::Ja, true);
    assert!(open.text.contains("受付中"));
}

#[test]
fn free_text_is_answered_from_the_faq_or_plainly_not_found() {
    let index = index();
    let none = Context::default();
    let a = say(&index, "補助金はいくら？", &none);
    assert_eq!(a.entry_id.as_deref(), Some("subsidy-amount"));
    assert_eq!(a, say(&index, "補助金はいくら？", &none), "deterministic");
    let b = say(&index, "ｶｰﾄﾞﾘｰﾀﾞｰは何台もらえる", &none);
    assert_eq!(b.entry_id.as_deref(), Some("reader-count"));
    for out_of_scope in ["駐車場はありますか", "今日の天気は？", "zzqqxx"] {
        let r = say(&index, out_of_scope, &none);
        assert!(
            !r.answered && r.entry_id.is_none(),
            "{out_of_scope}: {}",
            r.text
        );
        assert!(r.text.contains("見つかりませんでした") && r.text.contains("](/inquiry)"));
    }
    let en = reply(
        &index,
        &ChatInput::Text("How much is the subsidy?".into()),
        &none,
        Lang::En,
        true,
    );
    assert_eq!(en.entry_id.as_deref(), Some("subsidy-amount"));
    assert!(
        en.text.contains("How much subsidy can we receive?"),
        "{}",
        en.text
    );
}

#[test]
fn anonymous_personal_questions_lead_to_the_login() {
    let index = index();
    let none = Context::default();
    for text in [
        "次にやることは？",
        "今やるべきことを教えて",
        "うちの補助金の申請状況は？",
        // Typed in a hurry: the slips are read before the question is.
        "whats the status of our subsidey aplication?",
        "what is our next stpe",
    ] {
        let r = say(&index, text, &none);
        assert!(r.text.contains("](/portal/login)"), "{text}: {}", r.text);
    }
}

/// The first turn of the conversations below: a question about the free card readers.
fn about_readers(index: &FaqIndex) -> Reply {
    let one = say(
        index,
        "カードリーダーは何台もらえますか",
        &Context::default(),
    );
    assert_eq!(one.entry_id.as_deref(), Some("reader-count"));
    one
}

#[test]
fn a_four_turn_conversation_keeps_its_context() {
    let index = index();
    // 1. A topic.
    let one = about_readers(&index);
    // 2. The facility's kind: remembered, and the lines for it shown.
    let two = say(&index, "うちは診療所です", &one.context);
    assert_eq!(two.context.kind, Some(FacilityKind::Clinic));
    assert!(
        two.text.contains("診療所の場合: ") && two.text.contains("1台が無償"),
        "{}",
        two.text
    );
    // 3. A follow-up on the topic under discussion.
    let three = say(&index, "それの期限はいつ？", &two.context);
    assert_eq!(
        three.entry_id.as_deref(),
        Some("reader-when"),
        "{}",
        three.text
    );
    assert!(three.text.contains("カードリーダー"), "{}", three.text);
    // 4. A new topic answered for a clinic.
    let four = say(&index, "補助金の上限は？", &three.context);
    assert_eq!(four.entry_id.as_deref(), Some("subsidy-amount"));
    assert!(
        four.text
            .contains("診療所の場合: 診療所・薬局: 基準額 42.9万円の3/4"),
        "{}",
        four.text
    );
    assert_eq!(four.context.kind, Some(FacilityKind::Clinic));
}

#[test]
fn a_question_that_may_be_general_gets_the_faq_and_the_way_to_its_own_figures() {
    let index = index();
    let none = Context::default();
    // General or about the facility: the FAQ's answer, then how to see its own figures.
    let r = say(&index, "補助金はいくら？", &none);
    assert_eq!(r.entry_id.as_deref(), Some("subsidy-amount"), "{}", r.text);
    assert!(
        r.text
            .contains("補助金の額と申請状況は、ポータルにログインすると"),
        "{}",
        r.text
    );
    // Only about the facility: the login, with the general entries one click away.
    let r = say(&index, "うちの補助金の申請状況は？", &none);
    assert_eq!(r.entry_id, None);
    assert!(
        r.related.iter().any(|h| h.id.starts_with("subsidy-")),
        "{:?}",
        r.related
    );
    // About the same things, and general: the FAQ alone.
    for text in [
        "補助金が差し戻された",
        "証明書は何枚いる",
        "申し込んだ機種を変えたい",
    ] {
        let r = say(&index, text, &none);
        assert!(r.entry_id.is_some(), "{text}: {}", r.text);
        assert!(!r.text.contains("/portal/login"), "{text}: {}", r.text);
    }
}

/// The conversation files (`tests/conversations*.tsv`): each line a conversation, its turns
/// `text => entry` separated by ` || ` (`note`: a reply without an entry, `login`: the way to
/// log in, `-`: not found; alternatives with `|`), `en: ` before one held on the English page.
#[test]
fn conversations_written_blind_keep_their_topic() {
    let index = index();
    let files = crate::tests::test_files("conversations");
    assert!(files.len() >= 16, "{} conversation files", files.len());
    let (mut turns, mut kept) = (0, 0);
    for name in files {
        let text = crate::tests::test_file(&name);
        let (mut n, mut ok) = (0, 0);
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            // `en: ` before a conversation: held on the English page.
            let (lang, line) = match line.strip_prefix("en: ") {
                Some(rest) => (Lang::En, rest),
                None => (Lang::Ja, line),
            };
            let mut context = Context::default();
            for turn in line.split(" || ") {
                let (said, want) = turn.split_once("=>").expect("text => entry");
                let input = ChatInput::Text(said.trim().into());
                let r = reply(&index, &input, &context, lang, true);
                let got = match &r.entry_id {
                    Some(id) => id.clone(),
                    None if r.text.contains("/portal/login") => "login".into(),
                    None if !r.answered => "-".into(),
                    None => "note".into(),
                };
                n += 1;
                if want.trim().split('|').any(|w| w == got) {
                    ok += 1;
                } else {
                    println!("  miss: {} (want {}, got {got})", said.trim(), want.trim());
                }
                context = r.context;
            }
        }
        println!("{name}: {ok}/{n} turns");
        assert!(n >= 10, "{name}: only {n} turns");
        turns += n;
        kept += ok;
    }
    println!("conversation turns answered as written: {kept}/{turns}");
    assert!(kept * 10 >= turns * 9, "{kept}/{turns}");
}

#[test]
fn a_kind_said_with_a_new_question_answers_the_question() {
    let index = index();
    let one = about_readers(&index);
    // Only a case of the same topic: its lines for hospitals.
    let two = say(&index, "病院の場合は？", &one.context);
    assert_eq!(
        two.entry_id.as_deref(),
        Some("reader-count"),
        "{}",
        two.text
    );
    assert!(two.text.contains("病院"), "{}", two.text);
    // The kind said with a question of its own: that question.
    let three = say(&index, "うちは病院ですが補助金はいくら？", &one.context);
    assert_eq!(
        three.entry_id.as_deref(),
        Some("subsidy-amount"),
        "{}",
        three.text
    );
    assert_eq!(three.context.kind, Some(FacilityKind::Hospital));
}
