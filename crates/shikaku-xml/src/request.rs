//! Request files (xml-interface.md §2.2, §4): names, and parsing with every problem named by
//! its element path.

use time::Date;

use crate::dom::{self, Element};

/// The request kinds handled in v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `OQSsiquc01`: single qualification query (A).
    Single,
    /// `OQSmuquc01`: 一括照会 upload (C).
    BulkUpload,
    /// `OQSmuquc02`: 一括照会 download by ReceptionNumber (C).
    BulkDownload,
    /// `YZKsiquc01`: 薬剤情報 (D).
    Drugs,
    /// `TKKsiquc01`: 特定健診情報 (D).
    Checkups,
    /// `OQSxfget01`: pull a My Number Card result again by its reception number (B, our design).
    FacePull,
    /// A request shikaku does not answer with data (訪問診療 / オンライン診療 / 医療扶助 bulk
    /// `OQSmuhvq` / `OQSmuonq` / `OQSmutic`, 照会番号登録 `OQSsiimm` / `OQSmuimm`, or any other
    /// `XXXxxxxxNNreq_` name): it still gets a file-level error result that says why.
    Unsupported,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Single => "OQSsiquc01",
            Kind::BulkUpload => "OQSmuquc01",
            Kind::BulkDownload => "OQSmuquc02",
            Kind::Drugs => "YZKsiquc01",
            Kind::Checkups => "TKKsiquc01",
            Kind::FacePull => "OQSxfget01",
            Kind::Unsupported => "",
        }
    }

    const ALL: [Kind; 6] = [
        Kind::Single,
        Kind::BulkUpload,
        Kind::BulkDownload,
        Kind::Drugs,
        Kind::Checkups,
        Kind::FacePull,
    ];
}

/// A request file name: `<prefix>req_<id>.xml`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestName {
    pub kind: Kind,
    /// The 10-character prefix as written (`OQSsiquc01`, `OQSmuhvq02`, …).
    pub prefix: String,
    pub id: String,
}

/// Why shikaku answers a known but unsupported request with an error result.
pub fn unsupported_reason(prefix: &str) -> String {
    let what = match prefix.get(..8) {
        Some("OQSmuhvq") => "訪問診療の一括照会",
        Some("OQSmuonq") => "オンライン診療の一括照会",
        Some("OQSmutic") => "医療扶助（医療券）の一括照会",
        Some("OQSsiimm") | Some("OQSmuimm") => "照会番号の登録",
        _ => "この種類の要求",
    };
    let why = match prefix.get(..8) {
        Some("OQSmuhvq") | Some("OQSmuonq") => {
            "shikaku は居宅同意取得型・オンライン診療の同意情報を保持していないため、一括で返せる資格情報がありません。患者ごとに単件照会（OQSsiquc01）または一括照会（OQSmuquc01）をご利用ください"
        }
        Some("OQSmutic") => {
            "shikaku は医療扶助の医療券・調剤券情報を保持していないため、返せる情報がありません。福祉事務所にご確認ください"
        }
        Some("OQSsiimm") | Some("OQSmuimm") => {
            "shikaku は照会番号を扱いません。被保険者証の記号・番号で照会してください"
        }
        _ => {
            "対応している要求は OQSsiquc01・OQSmuquc01/02・YZKsiquc01・TKKsiquc01・OQSxfget01 です"
        }
    };
    format!("{what}（{prefix}）には対応していません。{why}")
}

impl RequestName {
    /// `None` for names that are not ours to process (other prefixes, temp files).
    pub fn parse(file_name: &str) -> Option<RequestName> {
        if file_name.starts_with('.') {
            return None;
        }
        let stem = file_name.strip_suffix(".xml")?;
        // `XXXxxxxxNN`: 3 capitals (system), 5 small letters (業務), 2 digits.
        let prefix = stem.get(..10)?;
        let b = prefix.as_bytes();
        let shaped = b[..3].iter().all(u8::is_ascii_uppercase)
            && b[3..8].iter().all(u8::is_ascii_lowercase)
            && b[8..].iter().all(u8::is_ascii_digit);
        let id = stem[10..].strip_prefix("req_")?;
        let ok = shaped
            && (1..=40).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        ok.then(|| RequestName {
            kind: Kind::ALL
                .into_iter()
                .find(|k| k.prefix() == prefix)
                .unwrap_or(Kind::Unsupported),
            prefix: prefix.to_string(),
            id: id.to_string(),
        })
    }

    pub fn request_file(&self) -> String {
        format!("{}req_{}.xml", self.prefix, self.id)
    }

    /// The result's name: `req_` → `res_`, same id.
    pub fn result_file(&self) -> String {
        format!("{}res_{}.xml", self.prefix, self.id)
    }

    /// The name of a PDF result (D requests with `FileCategory` 1 or 3).
    pub fn pdf_result_file(&self) -> String {
        format!("{}res_{}.pdf", self.prefix, self.id)
    }

    /// Every name a result of this request can have.
    pub fn result_files(&self) -> [String; 2] {
        [self.result_file(), self.pdf_result_file()]
    }
}

/// A problem in a request, with the element path (`/XmlMsg/MessageBody/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    /// `OQR2001` (missing), `OQR2002` (malformed), `OQR9001` (structure).
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a request cannot be processed at all (a file-level error result).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    Dom(#[from] dom::DomError),
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
}

impl RequestError {
    /// The 処理結果コード of §6.3 for a file-level error.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Dom(dom::DomError::TooLarge { .. } | dom::DomError::TooMany) => "OQR9003",
            RequestError::Invalid(p) if p.iter().any(|p| p.code == "OQR9005") => "OQR9005",
            RequestError::Invalid(p) if p.iter().any(|p| p.code == "OQR9003") => "OQR9003",
            _ => "OQR9001",
        }
    }
}

/// The header fields of A and C uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub confirmation_date: Date,
    pub facility_code: String,
    pub arbitrary_file_identifier: Option<String>,
}

/// `QualificationConfirmSearchInfo` (§4.1). Field values as sent (trimmed), after checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchInfo {
    /// 8 characters, a 6-digit 国保 number right-aligned with spaces.
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub birthdate: Date,
    pub limit_consent: String,
    pub arbitrary_identifier: Option<String>,
}

/// A person's search info, or why it cannot be searched (a person-level error).
pub type SearchEntry = Result<SearchInfo, (RawSearch, Problem)>;

/// What was sent, echoed back when the person's entry is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawSearch {
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Single {
        header: Header,
        search: SearchEntry,
    },
    BulkUpload {
        header: Header,
        searches: Vec<SearchEntry>,
    },
    BulkDownload {
        facility_code: String,
        arbitrary_file_identifier: Option<String>,
        reception_number: String,
    },
    /// D: 薬剤情報 or 特定健診情報 of the person behind these card numbers.
    MedicalInfo(MedicalRequest),
    /// B: the card reader's result with this reception number (its ArbitraryFileIdentifier).
    FacePull {
        facility_code: String,
        arbitrary_file_identifier: Option<String>,
        reception_number: String,
    },
}

/// A 薬剤情報 / 特定健診情報 request (§4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicalRequest {
    pub facility_code: String,
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub arbitrary_file_identifier: Option<String>,
    /// 取得期間 `yyyyMM` (薬剤 only).
    pub start_month: Option<String>,
    pub end_month: Option<String>,
    /// `FileCategory` as OQSDrug2 sends it: `1` PDF, `2` XML, `3` PDF and `4` XML with
    /// 診療・手術 information.
    pub file_category: FileCategory,
}

/// 出力形式 of a D request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCategory {
    Pdf,
    Xml,
    PdfWithTreatment,
    XmlWithTreatment,
}

impl FileCategory {
    pub fn parse(v: &str) -> Option<FileCategory> {
        Some(match v {
            "1" => FileCategory::Pdf,
            "2" => FileCategory::Xml,
            "3" => FileCategory::PdfWithTreatment,
            "4" => FileCategory::XmlWithTreatment,
            _ => return None,
        })
    }

    pub fn is_pdf(self) -> bool {
        matches!(self, FileCategory::Pdf | FileCategory::PdfWithTreatment)
    }
}

fn check_month(
    c: &mut Checker,
    parent: &Element,
    path: &str,
    name: &str,
    required: bool,
) -> Option<String> {
    let at = format!("{path}/{name}");
    match text(parent, name) {
        None if required => {
            c.problem(at, "OQR2001", format!("必須項目 {name} が未設定です"));
            None
        }
        None => None,
        Some(v) => {
            let ok = v.len() == 6
                && v.bytes().all(|b| b.is_ascii_digit())
                && v[4..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m));
            if ok {
                Some(v.to_string())
            } else {
                c.problem(at, "OQR2002", format!("年月は yyyyMM です: 「{v}」"));
                None
            }
        }
    }
}

fn check_medical(c: &mut Checker, root: &Element, kind: Kind) -> Option<MedicalRequest> {
    let path = "/XmlMsg/MessageHeader";
    let Some(header) = root.child("MessageHeader") else {
        c.problem(
            path.into(),
            "OQR9001",
            "MessageHeader がありません (missing)",
        );
        return None;
    };
    c.only(
        header,
        path,
        &[
            "MedicalInstitutionCode",
            "InsurerNumber",
            "InsuranceCardSymbol",
            "InsuredPersonIdentificationNumber",
            "BranchNumber",
            "ArbitraryFileIdentifier",
        ],
        &[],
    );
    let facility = check_facility(c, header, path);
    let afi = check_afi(c, header, path);
    let insurer = match text(header, "InsurerNumber") {
        None => {
            c.problem(
                format!("{path}/InsurerNumber"),
                "OQR2001",
                "必須項目 InsurerNumber が未設定です",
            );
            None
        }
        Some(v) => match shikaku_domain::InsurerNumber::parse(v) {
            Ok(n) => Some(n.as_str().to_string()),
            Err(e) => {
                c.problem(format!("{path}/InsurerNumber"), "OQR2002", e.to_string());
                None
            }
        },
    };
    let number = text(header, "InsuredPersonIdentificationNumber").map(str::to_string);
    if number.is_none() {
        c.problem(
            format!("{path}/InsuredPersonIdentificationNumber"),
            "OQR2001",
            "必須項目 InsuredPersonIdentificationNumber が未設定です",
        );
    }
    let branch = text(header, "BranchNumber").unwrap_or_default().to_string();
    if !branch.is_empty() && (branch.len() != 2 || !branch.bytes().all(|b| b.is_ascii_digit())) {
        c.problem(
            format!("{path}/BranchNumber"),
            "OQR2002",
            format!("「{branch}」: 数字2桁 (2 digits)"),
        );
    }
    let body_path = "/XmlMsg/MessageBody";
    let mut months = (None, None);
    let mut category = None;
    if let Some(body) = root.child("MessageBody") {
        c.only(
            body,
            body_path,
            &[
                "StartDate",
                "EndDate",
                "FileCategory",
                "PrDiInfClassification",
                "MedicalTreatmentFlag",
            ],
            &[],
        );
        let drugs = kind == Kind::Drugs;
        months = (
            check_month(c, body, body_path, "StartDate", drugs),
            check_month(c, body, body_path, "EndDate", drugs),
        );
        match text(body, "FileCategory").map(|v| (v, FileCategory::parse(v))) {
            Some((_, Some(f))) => category = Some(f),
            Some((v, None)) => c.problem(
                format!("{body_path}/FileCategory"),
                "OQR2002",
                format!(
                    "「{v}」: 1 (PDF)・2 (XML)・3 (PDF, 診療情報つき)・4 (XML, 診療情報つき) のいずれかです"
                ),
            ),
            None => c.problem(
                format!("{body_path}/FileCategory"),
                "OQR2001",
                "必須項目 FileCategory が未設定です",
            ),
        }
    }
    Some(MedicalRequest {
        facility_code: facility?,
        insurer_number: insurer?,
        symbol: text(header, "InsuranceCardSymbol")
            .unwrap_or_default()
            .to_string(),
        number: number?,
        branch,
        arbitrary_file_identifier: afi,
        start_month: months.0,
        end_month: months.1,
        file_category: category?,
    })
}

/// The most persons in one bulk upload (§2.4.9).
pub const MAX_BULK: usize = 10_000;

const SEARCH_FIELDS: [&str; 7] = [
    "InsurerNumber",
    "InsuredCardSymbol",
    "InsuredIdentificationNumber",
    "InsuredBranchNumber",
    "Birthdate",
    "LimitApplicationCertificateRelatedConsFlg",
    "ArbitraryIdentifier",
];

/// Whether `name` is an element of `QualificationConfirmSearchInfo`.
pub fn is_search_field(name: &str) -> bool {
    SEARCH_FIELDS.contains(&name)
}

/// At most this many problems are listed in one result; the rest are counted.
pub const MAX_PROBLEMS: usize = 100;

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
    /// Problems beyond `MAX_PROBLEMS`, counted and not kept.
    more: usize,
}

impl Checker {
    fn problem(&mut self, path: String, code: &'static str, message: impl Into<String>) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.more += 1;
            return;
        }
        self.problems.push(Problem {
            path,
            code,
            message: message.into(),
        });
    }

    /// The problems kept, and one more line counting those that were not.
    fn into_problems(mut self) -> Vec<Problem> {
        if self.more > 0 {
            let code = self.problems.first().map_or("OQR9001", |p| p.code);
            self.problems.push(Problem {
                path: "/XmlMsg".into(),
                code,
                message: format!(
                    "ほかに {} 件の問題があります（最初の {MAX_PROBLEMS} 件のみ表示） ({} more problems not listed)",
                    self.more, self.more
                ),
            });
        }
        self.problems
    }

    /// Refuses children not in `allowed`, and repeats of single-valued children.
    fn only(&mut self, element: &Element, path: &str, allowed: &[&str], repeatable: &[&str]) {
        let mut seen: Vec<&str> = Vec::new();
        for child in &element.children {
            let at = format!("{path}/{}", child.name);
            if !allowed.contains(&child.name.as_str()) {
                self.problem(at, "OQR9001", "未知の要素です (unknown element)");
            } else if seen.contains(&child.name.as_str())
                && !repeatable.contains(&child.name.as_str())
            {
                self.problem(at, "OQR9001", "要素が重複しています (element repeated)");
            } else {
                seen.push(&child.name);
            }
        }
    }
}

fn text<'a>(parent: &'a Element, name: &str) -> Option<&'a str> {
    parent
        .child(name)
        .map(|e| e.text.trim())
        .filter(|t| !t.is_empty())
}

/// `yyyyMMdd`.
pub fn parse_date8(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    shikaku_domain::parse_date(&format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..])).ok()
}

fn check_facility(c: &mut Checker, header: &Element, path: &str) -> Option<String> {
    let at = format!("{path}/MedicalInstitutionCode");
    match text(header, "MedicalInstitutionCode") {
        None => {
            c.problem(
                at,
                "OQR2001",
                "必須項目が未設定です (required element missing or empty)",
            );
            None
        }
        Some(v) => match shikaku_domain::FacilityCode::parse(v) {
            Ok(code) => Some(code.as_str().to_string()),
            Err(e) => {
                c.problem(at, "OQR2002", e.to_string());
                None
            }
        },
    }
}

fn check_afi(c: &mut Checker, header: &Element, path: &str) -> Option<String> {
    let value = text(header, "ArbitraryFileIdentifier")?;
    if value.chars().count() > 40 {
        c.problem(
            format!("{path}/ArbitraryFileIdentifier"),
            "OQR2002",
            "40文字以内です (at most 40 characters)",
        );
        return None;
    }
    Some(value.to_string())
}

fn check_header(c: &mut Checker, root: &Element) -> Option<Header> {
    let path = "/XmlMsg/MessageHeader";
    let Some(header) = root.child("MessageHeader") else {
        c.problem(
            path.into(),
            "OQR9001",
            "MessageHeader がありません (missing)",
        );
        return None;
    };
    c.only(
        header,
        path,
        &[
            "QualificationConfirmationDate",
            "MedicalInstitutionCode",
            "ArbitraryFileIdentifier",
        ],
        &[],
    );
    let date_at = format!("{path}/QualificationConfirmationDate");
    let date = match text(header, "QualificationConfirmationDate") {
        None => {
            c.problem(
                date_at,
                "OQR2001",
                "必須項目が未設定です (required element missing or empty)",
            );
            None
        }
        Some(v) => {
            let d = parse_date8(v);
            if d.is_none() {
                c.problem(
                    date_at,
                    "OQR2002",
                    format!("日付は yyyyMMdd です: 「{v}」 (a date yyyyMMdd)"),
                );
            }
            d
        }
    };
    let facility = check_facility(c, header, path);
    let afi = check_afi(c, header, path);
    Some(Header {
        confirmation_date: date?,
        facility_code: facility?,
        arbitrary_file_identifier: afi,
    })
}

/// One `QualificationConfirmSearchInfo`: the entry, or the first problem with its path.
fn check_search(element: &Element, path: &str) -> SearchEntry {
    let raw = RawSearch {
        fields: element
            .children
            .iter()
            .map(|c| (c.name.clone(), c.text.trim().to_string()))
            .collect(),
    };
    let mut c = Checker::default();
    c.only(element, path, &SEARCH_FIELDS, &[]);
    let required = |c: &mut Checker, name: &str| -> Option<String> {
        match text(element, name) {
            Some(v) => Some(v.to_string()),
            None => {
                c.problem(
                    format!("{path}/{name}"),
                    "OQR2001",
                    format!("必須項目 {name} が未設定です (required {name} is missing)"),
                );
                None
            }
        }
    };
    let malformed = |c: &mut Checker, name: &str, why: String| {
        c.problem(
            format!("{path}/{name}"),
            "OQR2002",
            format!("項目 {name} の形式が不正です: {why}"),
        );
    };
    let insurer = required(&mut c, "InsurerNumber").and_then(|v| {
        // Sent space-padded to 8; the domain checks digits and check digit.
        match shikaku_domain::InsurerNumber::parse(v.trim()) {
            Ok(n) => Some(format!("{:>8}", n.as_str())),
            Err(e) => {
                malformed(&mut c, "InsurerNumber", e.to_string());
                None
            }
        }
    });
    let symbol = text(element, "InsuredCardSymbol")
        .unwrap_or_default()
        .to_string();
    if !symbol.is_empty()
        && let Err(e) = shikaku_domain::CardSymbol::parse_optional(&symbol)
    {
        malformed(&mut c, "InsuredCardSymbol", e.to_string());
    }
    let number = required(&mut c, "InsuredIdentificationNumber");
    if let Some(n) = &number
        && let Err(e) = shikaku_domain::CardNumber::parse(n)
    {
        malformed(&mut c, "InsuredIdentificationNumber", e.to_string());
    }
    let branch = text(element, "InsuredBranchNumber")
        .unwrap_or_default()
        .to_string();
    if !branch.is_empty() && (branch.len() != 2 || !branch.bytes().all(|b| b.is_ascii_digit())) {
        malformed(
            &mut c,
            "InsuredBranchNumber",
            format!("「{branch}」: 数字2桁 (2 digits)"),
        );
    }
    let birthdate = required(&mut c, "Birthdate").and_then(|v| {
        let d = parse_date8(&v);
        if d.is_none() {
            malformed(&mut c, "Birthdate", format!("「{v}」: yyyyMMdd"));
        }
        d
    });
    let consent = required(&mut c, "LimitApplicationCertificateRelatedConsFlg");
    if let Some(v) = &consent
        && v != "0"
        && v != "1"
    {
        malformed(
            &mut c,
            "LimitApplicationCertificateRelatedConsFlg",
            format!("「{v}」: 0 または 1 (0 or 1)"),
        );
    }
    let arbitrary = text(element, "ArbitraryIdentifier").map(str::to_string);
    if arbitrary.as_ref().is_some_and(|a| a.chars().count() > 40) {
        malformed(
            &mut c,
            "ArbitraryIdentifier",
            "40文字以内 (at most 40 characters)".into(),
        );
    }
    // Every problem of the person in one result: the first one's code and path, all messages.
    if let Some(first) = c.problems.first().cloned() {
        let mut problem = first;
        if c.problems.len() > 1 {
            problem.message = c
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect::<Vec<_>>()
                .join("; ");
            problem.path = path.to_string();
        }
        return Err((raw, problem));
    }
    match (insurer, number, birthdate, consent) {
        (Some(insurer_number), Some(number), Some(birthdate), Some(limit_consent)) => {
            Ok(SearchInfo {
                insurer_number,
                symbol,
                number,
                branch,
                birthdate,
                limit_consent,
                arbitrary_identifier: arbitrary,
            })
        }
        _ => Err((
            raw,
            Problem {
                path: path.into(),
                code: "OQR2001",
                message: "必須項目が未設定です".into(),
            },
        )),
    }
}

/// Parses and checks a request of the kind its file name says.
pub fn parse_request(kind: Kind, bytes: &[u8]) -> Result<Request, RequestError> {
    let root = dom::parse(bytes)?;
    let mut c = Checker::default();
    if root.name != "XmlMsg" {
        c.problem(
            format!("/{}", root.name),
            "OQR9001",
            "ルート要素は XmlMsg です (the root element must be XmlMsg)",
        );
        return Err(RequestError::Invalid(c.into_problems()));
    }
    c.only(&root, "/XmlMsg", &["MessageHeader", "MessageBody"], &[]);
    let body_path = "/XmlMsg/MessageBody";
    let body = root.child("MessageBody");
    if body.is_none() {
        c.problem(
            body_path.into(),
            "OQR9001",
            "MessageBody がありません (missing)",
        );
    }
    let request = match kind {
        Kind::Unsupported => {
            c.problem(
                "/XmlMsg".into(),
                "OQR9005",
                "この要求には対応していません (unsupported request)",
            );
            return Err(RequestError::Invalid(c.into_problems()));
        }
        Kind::Drugs | Kind::Checkups => {
            let medical = check_medical(&mut c, &root, kind);
            match medical {
                Some(m) if c.problems.is_empty() => Request::MedicalInfo(m),
                _ => return Err(RequestError::Invalid(c.into_problems())),
            }
        }
        Kind::Single | Kind::BulkUpload => {
            let header = check_header(&mut c, &root);
            let mut searches = Vec::new();
            if let Some(body) = body {
                c.only(
                    body,
                    body_path,
                    &["QualificationConfirmSearchInfo"],
                    &["QualificationConfirmSearchInfo"],
                );
                let infos: Vec<&Element> = body.all("QualificationConfirmSearchInfo").collect();
                let at = format!("{body_path}/QualificationConfirmSearchInfo");
                match (kind, infos.len()) {
                    (_, 0) => c.problem(at, "OQR2001", "照会する方がありません (no QualificationConfirmSearchInfo)"),
                    (Kind::Single, n) if n > 1 => c.problem(
                        at,
                        "OQR9001",
                        format!("単件照会は1件です（{n}件あります） (a single query carries exactly one)"),
                    ),
                    (_, n) if n > MAX_BULK => c.problem(
                        at,
                        "OQR9003",
                        format!("件数上限 ({MAX_BULK}件) を超えています: {n}件"),
                    ),
                    _ => {
                        for (i, info) in infos.iter().enumerate() {
                            let path = if kind == Kind::Single {
                                at.clone()
                            } else {
                                format!("{at}[{}]", i + 1)
                            };
                            searches.push(check_search(info, &path));
                        }
                    }
                }
            }
            if !c.problems.is_empty() {
                return Err(RequestError::Invalid(c.into_problems()));
            }
            let Some(header) = header else {
                return Err(RequestError::Invalid(c.into_problems()));
            };
            match kind {
                Kind::Single => Request::Single {
                    header,
                    search: searches
                        .into_iter()
                        .next()
                        .ok_or_else(|| RequestError::Invalid(Vec::new()))?,
                },
                _ => Request::BulkUpload { header, searches },
            }
        }
        Kind::BulkDownload | Kind::FacePull => {
            let path = "/XmlMsg/MessageHeader";
            let header = root.child("MessageHeader");
            let (facility, afi) = match header {
                Some(h) => {
                    c.only(
                        h,
                        path,
                        &["MedicalInstitutionCode", "ArbitraryFileIdentifier"],
                        &[],
                    );
                    (check_facility(&mut c, h, path), check_afi(&mut c, h, path))
                }
                None => {
                    c.problem(
                        path.into(),
                        "OQR9001",
                        "MessageHeader がありません (missing)",
                    );
                    (None, None)
                }
            };
            let mut reception = None;
            if let Some(body) = body {
                c.only(body, body_path, &["ReceptionNumber"], &[]);
                match text(body, "ReceptionNumber") {
                    Some(r)
                        if r.len() <= 40
                            && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
                    {
                        reception = Some(r.to_string());
                    }
                    Some(r) => c.problem(
                        format!("{body_path}/ReceptionNumber"),
                        "OQR2002",
                        format!("受付番号の形式が不正です: 「{r}」"),
                    ),
                    None => c.problem(
                        format!("{body_path}/ReceptionNumber"),
                        "OQR2001",
                        "必須項目 ReceptionNumber が未設定です",
                    ),
                }
            }
            match (facility, reception) {
                (Some(facility_code), Some(reception_number))
                    if c.problems.is_empty() && kind == Kind::FacePull =>
                {
                    Request::FacePull {
                        facility_code,
                        arbitrary_file_identifier: afi,
                        reception_number,
                    }
                }
                (Some(facility_code), Some(reception_number)) if c.problems.is_empty() => {
                    Request::BulkDownload {
                        facility_code,
                        arbitrary_file_identifier: afi,
                        reception_number,
                    }
                }
                _ => return Err(RequestError::Invalid(c.into_problems())),
            }
        }
    };
    Ok(request)
}

/// The file-level facts a result needs even when the request could not be parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Salvaged {
    pub facility_code: Option<String>,
    pub arbitrary_file_identifier: Option<String>,
    pub confirmation_date: Option<Date>,
}

/// The facility code, file identifier and 資格確認日 of a request, if they can be read at all.
pub fn salvage_header(bytes: &[u8]) -> Salvaged {
    let Ok(root) = dom::parse(bytes) else {
        return Salvaged::default();
    };
    let header = root.child("MessageHeader");
    let get = |name: &str| {
        header
            .and_then(|h| h.child(name))
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty() && t.chars().count() <= 40)
    };
    Salvaged {
        facility_code: get("MedicalInstitutionCode")
            .filter(|c| shikaku_domain::FacilityCode::parse(c).is_ok()),
        arbitrary_file_identifier: get("ArbitraryFileIdentifier"),
        confirmation_date: get("QualificationConfirmationDate").and_then(|d| parse_date8(&d)),
    }
}
