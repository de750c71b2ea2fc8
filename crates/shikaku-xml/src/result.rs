//! Result files (xml-interface.md §5): written in the order of the spec's tables, empty
//! optional elements omitted, in UTF-8 or Shift_JIS (`CharacterCodeIdentifier` 0 / 1; a
//! character Shift_JIS cannot hold is written as 〓).

use time::{Date, OffsetDateTime};

use crate::request::{RawSearch, SearchInfo};

/// The output encoding (a terminal setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    ShiftJis,
}

impl Encoding {
    fn identifier(self) -> &'static str {
        match self {
            Encoding::Utf8 => "0",
            Encoding::ShiftJis => "1",
        }
    }

    fn declaration(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::ShiftJis => "Shift_JIS",
        }
    }
}

/// 処理結果区分 of the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    Normal,
    Processing,
    Error,
}

impl Segment {
    fn code(self) -> &'static str {
        match self {
            Segment::Normal => "1",
            Segment::Processing => "2",
            Segment::Error => "9",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultHeader {
    pub executed_at: OffsetDateTime,
    pub confirmation_date: Option<Date>,
    pub facility_code: Option<String>,
    pub arbitrary_file_identifier: Option<String>,
    /// `1` マイナンバーカード, `2` 被保険者証情報.
    pub reference_classification: Option<&'static str>,
    pub reception_number: Option<String>,
    pub segment: Segment,
    pub error: Option<(String, String)>,
    /// 処理件数 / 正常件数 / エラー件数 (bulk download).
    pub counts: Option<(usize, usize, usize)>,
    pub encoding: Encoding,
}

/// The echo of the search keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Echo {
    Parsed(SearchInfo),
    Raw(RawSearch),
}

/// 資格情報 of one person (§5.3), the subset shikaku holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Qualification {
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    /// `1` 本人, `2` 家族.
    pub personal_family: String,
    pub name: String,
    pub name_kana: String,
    /// `1` 男, `2` 女.
    pub sex: String,
    pub birthdate: Option<Date>,
    pub qualification_date: Option<Date>,
    pub disqualification_date: Option<Date>,
    /// 資格喪失事由 (`01` 死亡 … `99` その他), on a lost qualification.
    pub loss_reason: Option<String>,
    /// `030` = 3割.
    pub contribution_ratio: String,
    pub insurer_name: String,
    /// 高齢受給者証 (70–74, not 後期高齢).
    pub elderly: Option<Elderly>,
    /// 限度額適用認定証 適用区分 (A01…B10); written only with the consent below.
    pub limit_flag: Option<String>,
    /// When the patient consented to 限度額・特定疾病 information being provided (the
    /// request's `LimitApplicationCertificateRelatedConsFlg` 1, or the card reader's screen).
    pub limit_consent: Option<OffsetDateTime>,
    /// 特定疾病 認定疾病区分 (1–3); written only with the consent above.
    pub specific_disease: Option<String>,
    /// 特定健診情報 閲覧同意: (同意日時, 有効期限), when given at the card reader.
    pub checkups_consent: Option<(OffsetDateTime, OffsetDateTime)>,
    /// 薬剤情報 閲覧同意.
    pub drugs_consent: Option<(OffsetDateTime, OffsetDateTime)>,
}

/// `ElderlyRecipientCertificateInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elderly {
    pub valid_from: Date,
    pub valid_until: Option<Date>,
    /// `020` / `030`.
    pub ratio: String,
}

/// One person's result (single query body, or a `BulkConfirmUnit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonResult {
    pub echo: Echo,
    /// `1` 正常終了, `2` エラー.
    pub status: &'static str,
    pub code: Option<(String, String)>,
    /// 資格有効性 1–5; absent for a request error.
    pub validity: Option<u8>,
    pub qualification: Option<Qualification>,
}

struct Writer {
    out: String,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

impl Writer {
    fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// An element with text; omitted when the value is empty.
    fn leaf(&mut self, name: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        self.open(name);
        self.out.push_str(&escape(value));
        self.close(name);
    }

    /// An element readers require: written even when empty.
    fn required(&mut self, name: &str, value: &str) {
        self.open(name);
        self.out.push_str(&escape(value));
        self.close(name);
    }

    fn date(&mut self, name: &str, date: Option<Date>) {
        if let Some(d) = date {
            self.leaf(name, &date8(d));
        }
    }
}

/// `yyyyMMdd`.
pub fn date8(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `yyyyMMddHHmmss` in JST.
pub fn datetime14(t: OffsetDateTime) -> String {
    let t = t.to_offset(shikaku_domain::date::JST);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn header(w: &mut Writer, h: &ResultHeader) {
    w.open("MessageHeader");
    w.leaf("ProcessExecutionTime", &datetime14(h.executed_at));
    w.date("QualificationConfirmationDate", h.confirmation_date);
    w.leaf(
        "MedicalInstitutionCode",
        h.facility_code.as_deref().unwrap_or_default(),
    );
    w.leaf(
        "ArbitraryFileIdentifier",
        h.arbitrary_file_identifier.as_deref().unwrap_or_default(),
    );
    w.leaf(
        "ReferenceClassification",
        h.reference_classification.unwrap_or_default(),
    );
    w.leaf(
        "ReceptionNumber",
        h.reception_number.as_deref().unwrap_or_default(),
    );
    w.leaf("SegmentOfResult", h.segment.code());
    if let Some((code, message)) = &h.error {
        w.leaf("ErrorCode", code);
        w.leaf("ErrorMessage", message);
    }
    if let Some((total, normal, errors)) = h.counts {
        w.leaf("NumberOfProcessingResult", &total.to_string());
        w.leaf("NumberOfNormalProcessing", &normal.to_string());
        w.leaf("NumberOfError", &errors.to_string());
    }
    w.leaf("CharacterCodeIdentifier", h.encoding.identifier());
    w.close("MessageHeader");
}

fn echo(w: &mut Writer, echo: &Echo) {
    w.open("QualificationConfirmSearchInfo");
    match echo {
        Echo::Parsed(s) => {
            w.leaf("InsurerNumber", &s.insurer_number);
            w.leaf("InsuredCardSymbol", &s.symbol);
            w.leaf("InsuredIdentificationNumber", &s.number);
            w.leaf("InsuredBranchNumber", &s.branch);
            w.leaf("Birthdate", &date8(s.birthdate));
            w.leaf(
                "LimitApplicationCertificateRelatedConsFlg",
                &s.limit_consent,
            );
            w.leaf(
                "ArbitraryIdentifier",
                s.arbitrary_identifier.as_deref().unwrap_or_default(),
            );
        }
        Echo::Raw(raw) => {
            for (name, value) in &raw.fields {
                // Only the interface's own names are echoed.
                if crate::request::is_search_field(name) {
                    w.leaf(name, value);
                }
            }
        }
    }
    w.close("QualificationConfirmSearchInfo");
}

/// 限度額適用認定証区分: 非課税世帯 (オ, 低所得) hold the 限度額適用・標準負担額減額認定証.
fn limit_certificate_class(flag: &str) -> &'static str {
    match flag {
        "A05" | "A06" | "B05" | "B06" | "B07" | "B08" => "02",
        _ => "01",
    }
}

fn qualification(w: &mut Writer, q: &Qualification) {
    w.open("ResultOfQualificationConfirmation");
    w.leaf("InsuredCardClassification", "01");
    w.leaf("InsurerNumber", &format!("{:>8}", q.insurer_number));
    w.leaf("InsuredCardSymbol", &q.symbol);
    w.leaf("InsuredIdentificationNumber", &q.number);
    w.leaf("InsuredBranchNumber", &q.branch);
    w.leaf("PersonalFamilyClassification", &q.personal_family);
    w.required("Name", &q.name.replace(' ', "\u{3000}"));
    w.leaf("NameKana", &to_halfwidth_kana(&q.name_kana));
    w.required("Sex1", &q.sex);
    w.required("Birthdate", &q.birthdate.map(date8).unwrap_or_default());
    w.date("QualificationDate", q.qualification_date);
    w.date("DisqualificationDate", q.disqualification_date);
    w.leaf("InsuredPartialContributionRatio", &q.contribution_ratio);
    w.leaf("ReasonOfLoss", q.loss_reason.as_deref().unwrap_or_default());
    w.required("InsurerName", &q.insurer_name);
    if let Some(e) = &q.elderly {
        w.open("ElderlyRecipientCertificateInfo");
        w.date("ElderlyRecipientValidStartDate", Some(e.valid_from));
        w.date("ElderlyRecipientValidEndDate", e.valid_until);
        w.leaf("ElderlyRecipientContributionRatio", &e.ratio);
        w.close("ElderlyRecipientCertificateInfo");
    }
    if let Some(consented) = q.limit_consent {
        w.leaf("LimitApplicationCertificateRelatedConsFlg", "1");
        w.leaf(
            "LimitApplicationCertificateRelatedConsTime",
            &datetime14(consented),
        );
        if let Some(flag) = &q.limit_flag {
            w.open("LimitApplicationCertificateRelatedInfo");
            w.leaf(
                "LimitApplicationCertificateClassification",
                limit_certificate_class(flag),
            );
            w.leaf("LimitApplicationCertificateClassificationFlag", flag);
            w.close("LimitApplicationCertificateRelatedInfo");
        }
        if let Some(disease) = &q.specific_disease {
            w.leaf("SpecificDiseasesCertificateRelatedConsFlg", "1");
            w.leaf(
                "SpecificDiseasesCertificateRelatedConsTime",
                &datetime14(consented),
            );
            // One `SpecificDiseasesCertificateList` per certificate with its fields inside
            // (as the public C# DTOs and onshi-result read it; docs/xml-interface.md §5).
            w.open("SpecificDiseasesCertificateList");
            w.leaf("SpecificDiseasesDiseaseCategory", disease);
            // 人工透析 under 70 in 区分 ア/イ (上位所得) pays up to 20,000円 a month.
            let upper = matches!(q.limit_flag.as_deref(), Some("A01" | "A02"));
            let self_pay = if disease == "1" && upper {
                "20000"
            } else {
                "10000"
            };
            w.leaf("SpecificDiseasesSelfPay", self_pay);
            w.close("SpecificDiseasesCertificateList");
        }
    }
    for (prefix, consent) in [
        ("SpecificHealthCheckupsInfo", q.checkups_consent),
        ("PharmacistsInfo", q.drugs_consent),
    ] {
        if let Some((given, until)) = consent {
            w.leaf(&format!("{prefix}ConsFlg"), "1");
            w.leaf(&format!("{prefix}ConsTime"), &datetime14(given));
            w.leaf(&format!("{prefix}AvailableTime"), &datetime14(until));
        }
    }
    w.close("ResultOfQualificationConfirmation");
}

fn person(w: &mut Writer, p: &PersonResult, bulk: bool) {
    echo(w, &p.echo);
    w.leaf("ProcessingResultStatus", p.status);
    if let Some((code, message)) = &p.code {
        w.leaf("ProcessingResultCode", code);
        w.leaf("ProcessingResultMessage", message);
    }
    if let Some(v) = p.validity {
        w.leaf("QualificationValidity", &v.to_string());
    }
    if let Some(q) = &p.qualification {
        if bulk {
            qualification(w, q);
        } else {
            w.open("ResultList");
            qualification(w, q);
            w.close("ResultList");
        }
    }
}

fn document(h: &ResultHeader, body: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer {
        out: format!(
            "<?xml version=\"1.0\" encoding=\"{}\" standalone=\"no\"?>\n",
            h.encoding.declaration()
        ),
    };
    w.open("XmlMsg");
    header(&mut w, h);
    body(&mut w);
    w.close("XmlMsg");
    w.out.push('\n');
    encode(&w.out, h.encoding)
}

/// A single query's result (A).
pub fn single(h: &ResultHeader, p: &PersonResult) -> Vec<u8> {
    document(h, |w| {
        w.open("MessageBody");
        person(w, p, false);
        w.close("MessageBody");
    })
}

/// A My Number Card check pushed by the card reader (`face/OQSsiquc01res_face_*`): the body
/// of a single result without the search echo, `ReferenceClassification` 1.
pub fn face(h: &ResultHeader, p: &PersonResult) -> Vec<u8> {
    document(h, |w| {
        w.open("MessageBody");
        w.leaf("ProcessingResultStatus", p.status);
        if let Some((code, message)) = &p.code {
            w.leaf("ProcessingResultCode", code);
            w.leaf("ProcessingResultMessage", message);
        }
        if let Some(v) = p.validity {
            w.leaf("QualificationValidity", &v.to_string());
        }
        if let Some(q) = &p.qualification {
            w.open("ResultList");
            qualification(w, q);
            w.close("ResultList");
        }
        w.close("MessageBody");
    })
}

/// A file-level error: the header says it (`SegmentOfResult` 9, `ErrorCode`,
/// `ErrorMessage`), and the body repeats it as `ProcessingResultStatus` 2 with the same code
/// and message, for readers that require a body (onshi-result) or read only the body's
/// status (OQSDrug2's bulk reader).
pub fn file_error(h: &ResultHeader) -> Vec<u8> {
    document(h, |w| {
        w.open("MessageBody");
        w.leaf("ProcessingResultStatus", "2");
        if let Some((code, message)) = &h.error {
            w.leaf("ProcessingResultCode", code);
            w.leaf("ProcessingResultMessage", message);
        }
        w.close("MessageBody");
    })
}

/// The receipt of a bulk upload (C, `01res`).
pub fn bulk_receipt(
    h: &ResultHeader,
    reception_number: &str,
    received_at: OffsetDateTime,
) -> Vec<u8> {
    document(h, |w| {
        w.open("MessageBody");
        w.leaf("ReceptionNumber", reception_number);
        w.leaf("ReceptionDateTime", &datetime14(received_at));
        w.close("MessageBody");
    })
}

/// A bulk download result (C, `02res`): one `BulkConfirmUnit` per person in input order.
pub fn bulk_result(h: &ResultHeader, units: &[PersonResult]) -> Vec<u8> {
    document(h, |w| {
        if units.is_empty() {
            return;
        }
        w.open("MessageBody");
        for u in units {
            w.open("BulkConfirmUnit");
            person(w, u, true);
            w.close("BulkConfirmUnit");
        }
        w.close("MessageBody");
    })
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::ShiftJis => {
            let mut out = Vec::with_capacity(text.len());
            let mut buf = [0u8; 4];
            for c in text.chars() {
                let s: &str = c.encode_utf8(&mut buf);
                let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(s);
                if unmappable {
                    let (geta, _, _) = encoding_rs::SHIFT_JIS.encode("〓");
                    out.extend_from_slice(&geta);
                } else {
                    out.extend_from_slice(&bytes);
                }
            }
            out
        }
    }
}

/// Full-width katakana (and spaces) → half-width katakana, as `NameKana` is written.
pub fn to_halfwidth_kana(s: &str) -> String {
    const BASE: &str = "ァｧアｱィｨイｲゥｩウｳェｪエｴォｫオｵカｶキｷクｸケｹコｺサｻシｼスｽセｾソｿタﾀチﾁッｯツﾂテﾃトﾄナﾅニﾆヌﾇネﾈノﾉハﾊヒﾋフﾌヘﾍホﾎマﾏミﾐムﾑメﾒモﾓャｬヤﾔュｭユﾕョｮヨﾖラﾗリﾘルﾙレﾚロﾛワﾜヲｦンﾝー\u{ff70}・･　 ";
    const VOICED: &str =
        "ガカギキグクゲケゴコザサジシズスゼセゾソダタヂチヅツデテドトバハビヒブフベヘボホヴウ";
    const SEMI: &str = "パハピヒプフペヘポホ";
    let pairs = |table: &str| -> Vec<(char, char)> {
        let chars: Vec<char> = table.chars().collect();
        chars
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| (c[0], c[1]))
            .collect()
    };
    let base = pairs(BASE);
    let voiced = pairs(VOICED);
    let semi = pairs(SEMI);
    let half = |c: char| base.iter().find(|(f, _)| *f == c).map(|(_, h)| *h);
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if let Some(h) = half(c) {
            out.push(h);
        } else if let Some((_, plain)) = voiced.iter().find(|(f, _)| *f == c) {
            out.push(half(*plain).unwrap_or(*plain));
            out.push('ﾞ');
        } else if let Some((_, plain)) = semi.iter().find(|(f, _)| *f == c) {
            out.push(half(*plain).unwrap_or(*plain));
            out.push('ﾟ');
        } else {
            out.push(c);
        }
    }
    out
}

/// `QuaInf` of a 薬剤情報 / 特定健診情報 result (§5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuaInf {
    pub name: String,
    pub kana: String,
    pub birth: Option<Date>,
    /// `1` 男, `2` 女.
    pub sex: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugLine {
    pub code: String,
    pub name: String,
    pub quantity: String,
    pub unit: String,
    pub days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugDay {
    pub date: Date,
    pub lines: Vec<DrugLine>,
}

/// One facility's month: 医科/DPC (レセプト由来, `MeTrMonthInf`) or 調剤 (`CzDiInf/CzDiMonthInf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugMonth {
    pub source: String,
    pub facility_code: String,
    pub facility_name: String,
    /// `yyyyMM`.
    pub month: String,
    pub days: Vec<DrugDay>,
}

/// One 特定健診 item, as the result's `HealthCheckupResultAndQuestionInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckupItem {
    /// JLAC10 (17 characters).
    pub code: String,
    pub name: String,
    /// HL7 data type: `PQ` (a measured quantity), `CD` (a coded value), `ST` (text).
    pub data_type: &'static str,
    pub value: String,
    pub unit: String,
    /// The label of a coded value.
    pub value_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkup {
    pub date: Date,
    pub insurer_number: String,
    pub items: Vec<CheckupItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MedicalBody {
    Drugs(Vec<DrugMonth>),
    Checkups(Vec<Checkup>),
}

fn medical_document(
    encoding: Encoding,
    header: impl FnOnce(&mut Writer),
    body: impl FnOnce(&mut Writer),
) -> Vec<u8> {
    let mut w = Writer {
        out: format!(
            "<?xml version=\"1.0\" encoding=\"{}\" standalone=\"no\"?>\n",
            encoding.declaration()
        ),
    };
    w.open("XmlMsg");
    w.open("MessageHeader");
    header(&mut w);
    w.close("MessageHeader");
    body(&mut w);
    w.close("XmlMsg");
    w.out.push('\n');
    encode(&w.out, encoding)
}

/// The element names of one drug-month block: レセプト由来 (`MeTr…`, unprefixed inside) or
/// 調剤 (`Cz…` throughout), as OQSDrug2's `ProcessDrugInfoAsync2` reads them.
struct DrugNames {
    month_block: &'static str,
    org: &'static str,
    facility_code: &'static str,
    facility_name: &'static str,
    month: &'static str,
    class: &'static str,
    days: &'static str,
    day: &'static str,
    date: &'static str,
    lines: &'static str,
    line: &'static str,
    /// Prefix of the line's own fields (`Cz` or none).
    p: &'static str,
    usage_class: &'static str,
}

const RECEIPT_DRUGS: DrugNames = DrugNames {
    month_block: "MeTrMonthInf",
    org: "DiOrg",
    facility_code: "MeTrDiHCd",
    facility_name: "MeTrDiHNm",
    month: "MeTrMonth",
    class: "InOut",
    days: "DiDateInfs",
    day: "DiDateInf",
    date: "DiDate",
    lines: "DrugInfs",
    line: "DrugInf",
    p: "",
    usage_class: "MeTrIdCl",
};

const DISPENSED_DRUGS: DrugNames = DrugNames {
    month_block: "CzDiMonthInf",
    org: "CzDiOrg",
    facility_code: "CzMeTrDiHCd",
    facility_name: "CzMeTrDiHNm",
    month: "CzDiMonth",
    class: "CzPrCl",
    days: "CzDiDateInfs",
    day: "CzDiDateInf",
    date: "CzDiDate",
    lines: "CzDrugInfs",
    line: "CzDrugInf",
    p: "Cz",
    usage_class: "CzUsageCl",
};

fn drug_month(w: &mut Writer, m: &DrugMonth) {
    let dispensing = m.source == "調剤";
    let n = if dispensing {
        &DISPENSED_DRUGS
    } else {
        &RECEIPT_DRUGS
    };
    w.open(n.month_block);
    w.leaf(n.org, if m.source == "DPC" { "2" } else { "1" });
    w.leaf(n.facility_code, &m.facility_code);
    w.leaf(n.facility_name, &m.facility_name);
    w.leaf(n.month, &m.month);
    w.leaf(n.class, "2");
    w.open(n.days);
    for d in &m.days {
        w.open(n.day);
        w.date(n.date, Some(d.date));
        w.open(n.lines);
        for l in &d.lines {
            let p = n.p;
            w.open(n.line);
            w.leaf(n.usage_class, "1");
            w.leaf(&format!("{p}DrugC"), &l.code);
            w.leaf(&format!("{p}DrugN"), &l.name);
            w.leaf(&format!("{p}Qua1"), &l.quantity);
            w.leaf(&format!("{p}Unit"), &l.unit);
            if let Some(days) = l.days {
                w.leaf(&format!("{p}Times"), &days.to_string());
            }
            w.close(n.line);
        }
        w.close(n.lines);
        w.close(n.day);
    }
    w.close(n.days);
    w.close(n.month_block);
}

/// A 薬剤情報 / 特定健診情報 result (`ResultCode` 1). The person is `MessageHeader/QuaInf`
/// in a 薬剤 result and `MessageHeader/QualificationsInfo` in a 特定健診 result, each with
/// the element names its public reader uses (OQSDrug2 `Form1.cs`).
pub fn medical_ok(encoding: Encoding, qua: &QuaInf, body: &MedicalBody) -> Vec<u8> {
    let name = qua.name.replace(' ', "\u{3000}");
    let kana = to_halfwidth_kana(&qua.kana);
    medical_document(
        encoding,
        |w| {
            w.leaf("ResultCode", "1");
            match body {
                MedicalBody::Drugs(_) => {
                    w.open("QuaInf");
                    w.leaf("Name", &name);
                    w.leaf("KanaName", &kana);
                    w.date("Birth", qua.birth);
                    w.leaf("AdmGendCode", &qua.sex);
                    w.close("QuaInf");
                }
                MedicalBody::Checkups(_) => {
                    w.open("QualificationsInfo");
                    w.leaf("Name", &name);
                    w.leaf("KanasName", &kana);
                    w.date("Birthday", qua.birth);
                    w.leaf("AdministrativeGenderCode", &qua.sex);
                    w.close("QualificationsInfo");
                }
            }
        },
        |w| {
            w.open("MessageBody");
            match body {
                MedicalBody::Drugs(months) => {
                    for m in months.iter().filter(|m| m.source != "調剤") {
                        drug_month(w, m);
                    }
                    let dispensed: Vec<&DrugMonth> =
                        months.iter().filter(|m| m.source == "調剤").collect();
                    if !dispensed.is_empty() {
                        w.open("CzDiInf");
                        for m in dispensed {
                            drug_month(w, m);
                        }
                        w.close("CzDiInf");
                    }
                }
                MedicalBody::Checkups(list) => {
                    for c in list {
                        w.open("SpecificHealthCheckupInfo");
                        w.date("EffectiveTime", Some(c.date));
                        w.leaf("InsurerNumber", &format!("{:>8}", c.insurer_number));
                        w.open("HealthCheckupResultAndQuestionInfos");
                        for i in &c.items {
                            w.open("HealthCheckupResultAndQuestionInfo");
                            w.leaf("ItemCode", &i.code);
                            w.leaf("ItemName", &i.name);
                            w.leaf("DataType", i.data_type);
                            w.leaf("DataValue", &i.value);
                            w.leaf("Unit", &i.unit);
                            w.leaf("DataValueName", &i.value_name);
                            w.close("HealthCheckupResultAndQuestionInfo");
                        }
                        w.close("HealthCheckupResultAndQuestionInfos");
                        w.close("SpecificHealthCheckupInfo");
                    }
                }
            }
            w.close("MessageBody");
        },
    )
}

/// A refused 薬剤情報 / 特定健診情報 request: `ResultCode` ≠ 1 and the text to show.
pub fn medical_error(encoding: Encoding, code: &str, message: &str) -> Vec<u8> {
    medical_document(
        encoding,
        |w| {
            w.leaf("ResultCode", code);
            w.leaf("MessageContents", message);
        },
        |_| {},
    )
}
