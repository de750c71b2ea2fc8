//! The topics next to ours that a question may name and the FAQ does not answer
//! (オンライン診療, 介護保険, 電子処方箋, another system's password). The Japanese ones in
//! normalized forms, as a question reads after its synonyms (a topic typed 日程 is listed as
//! スケジュール, 医院 as 診療所), which [`super::japanese`] reads questions with; the English
//! ones as phrases of lowercase words, which [`super::english_neighbours`] joins.

/// Topics next to ours that the FAQ does not answer although their words are its words
/// (オンライン診療 shares オンライン, 介護保険証 shares 保険証): named in a question, each is one
/// word no entry uses, so an entry must cover the rest of the question at [`super::UNKNOWN_FLOOR`].
pub(super) const NEIGHBOURS: &[&str] = &[
    "オンライン診療",
    // Facilities outside the scheme, said as who asks (動物病院ですが、…, 接骨院です。…): the
    // FAQ is for hospitals, clinics and pharmacies.
    "動物病院",
    "接骨院",
    "整骨院",
    "鍼灸院",
    "施術所",
    "訪問看護ステーション",
    "介護施設",
    "老人ホーム",
    "歯科技工所",
    "助産所",
    // Submitting claims online (オンライン請求の手順): the FAQ answers whether its line is
    // subsidised, not how to claim.
    "オンライン請求の手順",
    "オンライン請求のやり方",
    "オンライン請求の方法",
    "オンライン請求のしかた",
    // An emergency call (119番に電話するとき): not the help desk's number.
    "119番",
    "110番",
    // A facility's own hours (the FAQ gives the help desk's only).
    "診察時間",
    "診療時間",
    "診療スケジュール",
    "診療日",
    "休診日",
    // The facility's own web site, and what is said of the facility (口コミ, 評判).
    "ホームページ",
    "口コミ",
    "クチコミ",
    "評判",
    // The facility's beds and stock (病床数の変更, 在庫管理): its own business.
    "病床数の変更",
    "病床の変更",
    "在庫管理",
    "外来時間",
    "訪問診療",
    // Choosing an electronic medical record system (the FAQ answers its modification only).
    "電子カルテの選び方",
    "電子カルテ選び",
    "電子カルテの選定",
    "電子カルテの比較",
    // Choosing a vendor (the FAQ says what to ask one, and where the list of them is), and a
    // paper consent form's template (consent is given at the card reader).
    "ベンダーの選び方",
    "ベンダー選び",
    "業者の選び方",
    "業者選び",
    "同意書の様式",
    "同意書の書式",
    // Where the reader stands, patients' waiting time (順番待ち is read as 待ち時間 first), how
    // to read a card's numbers, and a person's own qualification exam (資格 of 資格試験 is not
    // eligibility).
    "置き場所",
    "待ち時間",
    "記号番号の読み方",
    "記号番号の見方",
    "資格試験",
    "資格取得",
    // A briefing session's dates, and the vendor's own staff (the FAQ's 担当者 is the
    // facility's person in charge).
    "説明会",
    "ベンダーの担当者",
    "業者の担当者",
    // Comparing prices of products (WindowsとMacの価格差, read as 費用差): the FAQ gives the
    // subsidy, not prices.
    "費用の違い",
    "費用差",
    // Finding a place nearby (近くの薬局を教えて).
    "近くの",
    "近所の",
    "最寄りの",
    // Other subsidy schemes (the FAQ's is the 医療情報化支援基金's).
    "IT導入補助金",
    "ものづくり補助金",
    "事業再構築補助金",
    // Filing with the government online, with a plain IC card reader (ICカードリーダーで電子
    // 申請したい): not the portal's applications, nor the face-recognition reader.
    "電子申請",
    "ICカードリーダー",
    // More telephone lines (電話回線を増やしたい): the facility's phone contract, not the lines
    // the system can use.
    "電話回線を増や",
    "電話回線の増設",
    "電話回線を追加",
    // A patient's card PIN is reset at the municipal office.
    "暗証番号のリセット",
    "暗証番号の初期化",
    "暗証番号の再設定",
    // The line's installation is the carrier's; the router's own password the vendor's.
    "工事のスケジュール",
    "工事日",
    "ルーターのパスワード",
    // Crowding at reception (not a busy phone line, the phone entry's 混雑), and personal data
    // leaked (漏洩 below).
    "受付の混雑",
    "待合の混雑",
    "窓口の混雑",
    "院内の混雑",
    "混雑対策",
    "混雑緩和",
    // Peeling a sticker or poster off (剥がし方): the FAQ says what to put up, not how to
    // take it down.
    "剥が",
    "はがし方",
    // Buying a car (補助金で車を買えますか).
    "車を買",
    "車の購入",
    "自動車",
    "情報漏えい",
    "情報が漏れ",
    // Booking patients' visits (the FAQ's 予約 is checking booked patients' eligibility).
    "ネット予約",
    "ネットで予約",
    "予約をネットで",
    "予約システム",
    "予約を取",
    "往診",
    "在宅医療",
    "かかりつけ薬剤師",
    "かかりつけ医",
    "遠隔診療",
    "電話診療",
    "電子処方箋",
    "診療報酬",
    "介護保険",
    "医療費控除",
    "労災",
    "自賠責",
    "生活保護",
    "公費",
    "レセプト点検",
    "返戻",
    "お薬手帳",
    "ワクチン",
    "予防接種",
    "処方薬",
    "飲み合わせ",
    "薬価",
    "感染対策",
    "院内感染",
    "情報漏洩",
    "漏洩",
    "漏えい",
    "保険料",
    "確定申告",
    "税務",
    "開設届",
    // Which papers prove who a patient is (the FAQ answers the card and the health card only).
    "本人確認書類",
    // A patient's request for their records (カルテの開示請求).
    "開示請求",
    // A health check in general (the FAQ answers 特定健診 information only).
    "健康診断",
    "人間ドック",
    // A patient's card running out (the FAQ answers the terminal's certificate only).
    "カードの有効期限",
    "カードの期限",
    "保険証の有効期限",
    "保険証の期限",
    // Claims (the FAQ names オンライン請求 only as a line the system can share).
    "電子請求",
    "レセプト請求",
    // A recommendation among products: the FAQ never gives one (電子カルテのおすすめメーカー).
    "おすすめ",
    "お勧め",
    "お薦め",
    // Signing in to マイナポータル is the patient's own (the FAQ says only what it shows).
    "マイナポータルのログイン",
    "マイナポータルにログイン",
    "マイナポータルへのログイン",
    "マイナポータルの使い方",
    // A patient's own procedures with the card: registering it as the insurance card, the
    // points for it (the FAQ is for the facility that reads it).
    "保険証利用登録",
    "マイナポイント",
    // A patient's own records, seen by the patient (マイナポータルで自分の薬の履歴を見たい):
    // the FAQ says what the facility sees with consent.
    "自分の薬剤情報",
    "自分の処方",
    "自分の健診",
    "自分の特定健診",
    // Medical equipment the subsidy is not for (診察台, レントゲン), using the terminal for
    // anything else (ネット検索), and cutting staff.
    "医療機器",
    "診察台",
    "レントゲン",
    "内視鏡",
    "エアコン",
    "空調",
    "ネット検索",
    "インターネット検索",
    "職員を減ら",
    "人員削減",
    "人件費",
    // A trading partner's invoice (the FAQ reissues certificates, not invoices).
    "請求書の再発行",
    "請求書を再発行",
    // Joining a health insurance scheme is the insurer's (the FAQ checks a patient's).
    "保険に入る",
    "保険に加入",
    "保険加入",
    // Things patients leave behind.
    "忘れ物",
    "落とし物",
    // Other systems' passwords, how a patient undergoes a checkup or reads its results, and a
    // drawing of the facility's network.
    "電子カルテのパスワード",
    "レセプトコンピュータのパスワード",
    "メールのパスワード",
    "健診の受け方",
    "健診を受け",
    "健診の結果の見方",
    "健診結果の見方",
    "検査結果の見方",
    "ネットワーク図",
    "ネットワーク構成図",
    "構成図",
    // The facility's own opening hours, changed or asked (薬局の営業時間), and the staff's own
    // health insurance.
    "受付時間を変え",
    "受付時間の変更",
    "開局時間",
    "営業時間を変え",
    "薬局の営業時間",
    "病院の営業時間",
    "診療所の営業時間",
    "職員の健康保険",
    "従業員の健康保険",
    "職員の社会保険",
    "社会保険の手続き",
    // A wireless LAN inside the facility (the FAQ's lines are the connection to the outside).
    "Wi-Fi",
    "WiFi",
    // 無線LAN is read as 無線ネットワーク (LAN is a network); its password is the network's,
    // not the portal's (無線LANのパスワードを忘れた).
    "無線ネットワーク",
    "Wi-Fiのパスワード",
    "WiFiのパスワード",
    "無線ネットワークのパスワード",
    // A doctor's own licence (the FAQ's 資格確認 is a patient's insurance eligibility).
    "医師の資格",
    "医師資格",
    "医師免許",
    // Writing a medical record (the FAQ's 手書き is a paper receipt; its カルテ the electronic
    // record's modification and viewing).
    "カルテの書き方",
    "カルテの記載",
    "カルテ記載",
    // Filings with the regional bureau or the health centre (変更届; 開設届 above): the FAQ's
    // applications are the portal's.
    "届出",
    "変更届",
    "廃止届",
    // Being designated an insurance facility (保険医療機関の指定申請): the FAQ's designation
    // notice only holds the facility code.
    "指定申請",
    // A foreign patient's insurance (the FAQ's foreign words are its English pages).
    "外国人の患者",
    "外国人患者",
    // Starting online claims (the FAQ names オンライン請求 only as a line the system can share).
    "オンライン請求の始め方",
    "オンライン請求を始め",
    // The facility's own signs (院内の案内表示; the FAQ's display is the portal's screen).
    "案内表示",
    // A prescription's own validity and form (the FAQ's 期限 are the adoption's and the
    // consent's), a slow line or PC (the FAQ says which lines can be used, not how fast), and
    // the facility's lighting.
    "処方箋の有効期限",
    "処方箋の期限",
    "処方箋の様式",
    "回線が遅",
    "回線速度",
    "通信速度",
    "ネットが遅",
    "パソコンが遅",
    "照明",
    // A merger of facilities, and a referral letter.
    "合併",
    "紹介状",
    // Moving from paper charts to an electronic record (the FAQ answers the record's
    // modification, not its introduction; a clinic with paper charts is med-terminal's), and
    // sending a patient's medicine by post (the FAQ's 送付 is the posters').
    "カルテを紙から",
    "紙から電子",
    "薬を送付",
    "薬の送付",
    "薬を配送",
    "薬の配送",
    // What later years brought, which the FAQ (as of November 2020) does not answer: the
    // 資格確認書 issued instead of the insurance card, the card's abolition, the obligation.
    "資格確認書",
    "保険証の廃止",
    "保険証廃止",
    "義務化",
];

/// Topics next to ours that the FAQ does not answer (a credit card at reception, a blood
/// test, booking appointments, an X-ray): named in an English question, each is one word no
/// entry uses and raises the floor to [`super::UNKNOWN_FLOOR`], as the Japanese neighbours do —
/// other unknown English words are mostly the entries' words in other words and do not.
pub(super) const ENGLISH_NEIGHBOURS: &[&str] = &[
    "credit card",
    // The insurance card's abolition (the FAQ is as of November 2020).
    "abolition",
    "abolished",
    "abolish",
    // Other subsidy schemes (the IT introduction subsidy).
    "it introduction",
    "it implementation subsidy",
    // A patient's own procedures with the card: linking it to their insurance, the points.
    "my number points",
    "mynapoint",
    "link my",
    // The monthly claims' own deadline (when is the claims deadline each month?).
    "claims deadline",
    "claim deadline",
    "billing deadline",
    "monthly claims",
    "monthly billing",
    // Facilities outside the scheme, said as who asks (I work at a chiropractic clinic): the
    // FAQ is for hospitals, clinics and pharmacies.
    "chiropractic",
    "chiropractor",
    "osteopath",
    "osteopathic",
    "acupuncture",
    "acupuncturist",
    "bonesetter",
    "veterinary",
    "vet clinic",
    "animal hospital",
    "nursing home",
    "home nursing",
    // A company's address (Fujitsu Japan's head office address): the FAQ names the makers, not
    // where they are.
    "office address",
    "company address",
    "postal address",
    "headquarters",
    // A telephone or mobile contract (our NTT phone plan): the carrier's, not the line types.
    "phone plan",
    "mobile plan",
    // Registered mail redelivered: the post office's, not the certificate notice's.
    "redeliver",
    "redelivered",
    "redelivery",
    // How the waiting room runs (improve patient flow, waiting times): not the reception's
    // change with online verification.
    "improve patient flow",
    "waiting time",
    // Choosing another record system's vendor (the FAQ answers the record's modification).
    "record vendor",
    "emr vendor",
    "bank account",
    "x-ray",
    "blood test",
    "test results",
    "lab results",
    "appointment",
    "discount",
    "online consultation",
    "telemedicine",
    "vaccination",
    "vaccine",
    "e-prescription",
    // A pharmacist's query to the prescriber (疑義照会): not a lookup of eligibility.
    "prescription inquiry",
    "prescription inquiries",
    // A query is read as a lookup (prescription queries: prescription lookups).
    "prescription lookup",
    "electronic prescription",
    // Copying a patient's card (the FAQ says what the card and the system show).
    "photocopy",
    "photocopies",
    "photocopying",
    "insurance claim",
    // Submitting claims (the FAQ answers whether the online-claims line is subsidised).
    "submit claim",
    "claims electronically",
    "electronic claim",
    "parking",
    "payroll",
    "tax return",
    // Filing the facility's own taxes (the FAQ answers whether consumption tax is subsidised).
    "tax filing",
    "file taxes",
    "file our taxes",
    "filing taxes",
    "income tax",
    "corporate tax",
    "data breach",
    "wi-fi",
    "wifi",
    "printer",
    "antivirus",
    "firewall",
    "licence",
    "license",
    "visiting hours",
    // The facility's own rota (the doctor's schedule): not the vendor's or the setup's.
    "doctor schedule",
    "shift schedule",
    "duty roster",
    "inpatient",
    "faint",
    "fainted",
    "emergency",
    "ambulance",
    "first aid",
    "injury",
    "injured",
    "falls ill",
    "fell ill",
    "patient falls",
    "patient fell",
    // Which product to buy (the FAQ names what the subsidy covers, not which system is best).
    "best electronic medical record",
    "best emr",
    "salary",
    "hiring",
    "recruitment",
    "homepage",
    // The facility's own web site (the FAQ's privacy notice names the MHLW's).
    "clinic website",
    "pharmacy website",
    "hospital website",
    "website update",
    "update the website",
    "update website",
    "covid",
    "flu",
    "allergy",
    "allergies",
    "diagnosis",
    "cash register",
    "building permit",
    "city hall",
    "health check",
    "medical checkup",
    "physical exam",
    "physical examination",
    "annual checkup",
    "backup",
    "back up",
    "accounting",
    // The facility's own holidays for the year (the FAQ's holidays move its deadlines).
    "holiday list",
    "holiday calendar",
    "list of holidays",
    "holidays this year",
    "office holiday",
    // A patient's own share of the fee, and a shop's price for a reader.
    "copay",
    "co-pay",
    "copayment",
    "co-payment",
    "electronics shop",
    // Another system's password or mail, and a patient getting a new insurance card of their
    // own (the insurer issues it).
    "email password",
    "e-mail password",
    "mail password",
    "email not working",
    "e-mail not working",
    // Down is read as offline (email is down).
    "email offline",
    "email broken",
    "get a new health insurance card",
    "get a new insurance card",
    "reissue my health insurance card",
    "reissue a health insurance card",
    // A patient's own records, the staff's shifts, an insurance plan of one's own.
    "my medical records",
    "roster",
    "rota",
    "night shift",
    "insurance plan",
    "my own health insurance",
    // The prefecture's own registers (a new pharmacist), and cleaning or disinfecting the
    // premises.
    "prefecture",
    "prefectural",
    "cleans",
    "cleaning",
    "sanitise",
    "sanitize",
    "disinfect",
    "disinfecting",
    "disinfection",
    // A patient's lost card (the insurer or the municipal office replaces it).
    "lost health insurance card",
    "lost insurance card",
    "lost my insurance card",
    "lost her insurance card",
    "lost his insurance card",
    "lost my my number card",
    "lost her my number card",
    "lost his my number card",
    "lost their my number card",
    // The asker's own insurance (change my address for my health insurance).
    "my health insurance",
    // A visit to a doctor (Can I see a doctor today?).
    "see a doctor",
    "see the doctor",
    "see a dentist",
    "see the dentist",
    // The asker's own mail and the phone's call quality.
    "personal email",
    "personal e-mail",
    "private email",
    "private e-mail",
    "gmail",
    "dropping calls",
    "dropped calls",
    "drops calls",
    "e-mail account",
    "email account",
    "mail account",
    // A patient getting a My Number Card of their own (the FAQ says how the facility reads the
    // card, not how one is made), and an accountant (the stemmer reads it as account).
    "get a my number card",
    "get my number card",
    "obtain a my number card",
    "make a my number card",
    "accountant",
    // Supplies and staffing (receipt paper for the register; how many staff reception needs).
    "receipt paper",
    "paper roll",
    "how many staff",
    "staffing",
    // Patients booking their own visits (the FAQ's booked patients are checked in one go).
    "patients book",
    "patient book",
    "booking system",
    "online booking",
    // A pharmacy's or a clinic's own patient services and suppliers.
    "family pharmacist",
    "family doctor",
    "dental lab",
    // A technician is read as a vendor (a dental technician).
    "dental vendor",
];
