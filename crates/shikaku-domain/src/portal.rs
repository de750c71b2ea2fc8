//! The portal's rules (`portal.md`, the seed): card-reader makers and quantities, the use
//! application (line types, the providers of the seed's table, お客さまID, months), terminal
//! certificates (name, OS), the subsidy documents and what an uploaded file really is, and
//! the state machines of every application. Pure: the app layer stores and the HTTP layer
//! shows.

use std::fmt;

use time::{Date, Month};

use crate::calendar::business_days_before;
use crate::subsidy::FacilityCategory;

/// A problem with one form field, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub ja: String,
    pub en: String,
}

impl FieldError {
    pub fn new(field: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field,
            ja: ja.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.ja, self.en)
    }
}

/// A value from a fixed list, with its stored code and labels.
pub trait Choice: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label_ja(self) -> &'static str;
    fn label_en(self) -> &'static str;
    fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.code() == code.trim())
    }
}

/// 顔認証付きカードリーダーの製造元 (seed, 令和2年11月).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maker {
    Fujitsu,
    Panasonic,
    Almex,
}

impl Choice for Maker {
    const ALL: &'static [Maker] = &[Maker::Fujitsu, Maker::Panasonic, Maker::Almex];
    fn code(self) -> &'static str {
        match self {
            Maker::Fujitsu => "fujitsu",
            Maker::Panasonic => "panasonic",
            Maker::Almex => "almex",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            Maker::Fujitsu => "富士通Japan株式会社",
            Maker::Panasonic => "パナソニックシステムソリューションズジャパン株式会社",
            Maker::Almex => "株式会社アルメックス",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            Maker::Fujitsu => "Fujitsu Japan Ltd.",
            Maker::Panasonic => "Panasonic System Solutions Japan Co., Ltd.",
            Maker::Almex => "ALMEX Inc.",
        }
    }
}

/// How many readers a facility may have at once (live applications together): hospitals up
/// to 3, every other category 1 (`subsidy.md`).
pub fn check_reader_quantity(
    category: FacilityCategory,
    already: u32,
    requested: u32,
) -> Result<(), FieldError> {
    let max = category.max_readers();
    if requested == 0 {
        return Err(FieldError::new(
            "quantity",
            "台数は1以上です",
            "the quantity must be at least 1",
        ));
    }
    if already + requested > max {
        return Err(FieldError::new(
            "quantity",
            format!(
                "{}は{}台までです（申し込み済み {} 台、今回 {} 台）",
                category.label_ja(),
                max,
                already,
                requested
            ),
            format!(
                "a {} may have at most {} reader(s) ({} already applied for, {} requested)",
                category.label_en(),
                max,
                already,
                requested
            ),
        ));
    }
    Ok(())
}

/// 電気通信回線種別.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineType {
    IpVpn,
    IpsecIke,
}

impl Choice for LineType {
    const ALL: &'static [LineType] = &[LineType::IpVpn, LineType::IpsecIke];
    fn code(self) -> &'static str {
        match self {
            LineType::IpVpn => "ip-vpn",
            LineType::IpsecIke => "ipsec-ike",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            LineType::IpVpn => "IP-VPN接続方式（光回線に限る）",
            LineType::IpsecIke => "IP-sec+IKE接続方式",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            LineType::IpVpn => "IP-VPN (optical lines only)",
            LineType::IpsecIke => "IPsec+IKE",
        }
    }
}

/// A line service of the seed's table (p.18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineService {
    pub code: &'static str,
    pub line_type: LineType,
    pub carrier: &'static str,
    pub name: &'static str,
    /// NTT東日本・西日本: the お客さまID is required.
    pub needs_customer_id: bool,
    /// The last day the service exists (Bフレッツ: 令和3年1月31日).
    pub ends: Option<Date>,
}

const NTT: &str = "NTT東日本・西日本";

pub const LINE_SERVICES: &[LineService] = &[
    LineService {
        code: "flets-next",
        line_type: LineType::IpVpn,
        carrier: NTT,
        name: "フレッツ 光ネクスト",
        needs_customer_id: true,
        ends: None,
    },
    LineService {
        code: "flets-cross",
        line_type: LineType::IpVpn,
        carrier: NTT,
        name: "フレッツ 光クロス",
        needs_customer_id: true,
        ends: None,
    },
    LineService {
        code: "b-flets",
        line_type: LineType::IpVpn,
        carrier: NTT,
        name: "Bフレッツ",
        needs_customer_id: true,
        ends: Some(time::macros::date!(2021 - 01 - 31)),
    },
    LineService {
        code: "flets-light",
        line_type: LineType::IpVpn,
        carrier: NTT,
        name: "フレッツ 光ライト",
        needs_customer_id: true,
        ends: None,
    },
    LineService {
        code: "flets-light-plus",
        line_type: LineType::IpVpn,
        carrier: NTT,
        name: "フレッツ 光ライトプラス",
        needs_customer_id: true,
        ends: None,
    },
    LineService {
        code: "ctc-commufa",
        line_type: LineType::IpVpn,
        carrier: "中部テレコミュニケーション株式会社（CTC）",
        name: "ビジネスコミュファ光",
        needs_customer_id: false,
        ends: None,
    },
    LineService {
        code: "qtnet-bbiq",
        line_type: LineType::IpVpn,
        carrier: "株式会社QTnet",
        name: "BBIQ",
        needs_customer_id: false,
        ends: None,
    },
    LineService {
        code: "nttpc-ip-members",
        line_type: LineType::IpsecIke,
        carrier: "株式会社NTTPC コミュニケーションズ",
        name: "IP-Members",
        needs_customer_id: false,
        ends: None,
    },
    LineService {
        code: "nttdata-oqs",
        line_type: LineType::IpsecIke,
        carrier: "株式会社NTTデータ",
        name: "オンライン資格確認接続サービス",
        needs_customer_id: false,
        ends: None,
    },
    LineService {
        code: "fujitsu-fenics",
        line_type: LineType::IpsecIke,
        carrier: "富士通株式会社",
        name: "FENICS IIユニバーサルコネクアドバンス メディカルVPN接続サービス",
        needs_customer_id: false,
        ends: None,
    },
    LineService {
        code: "mind-secure",
        line_type: LineType::IpsecIke,
        carrier: "三菱電機インフォメーションネットワーク株式会社",
        name: "セキュアネットワークサービス <オンライン資格確認>",
        needs_customer_id: false,
        ends: None,
    },
];

pub fn line_service(code: &str) -> Option<&'static LineService> {
    LINE_SERVICES.iter().find(|s| s.code == code.trim())
}

/// A calendar month (`YYYY-MM`), as the use application asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    pub month: Month,
}

impl YearMonth {
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (y, m) = text.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
        (1900..=2999)
            .contains(&year)
            .then_some(YearMonth { year, month })
    }

    pub fn of(date: Date) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).unwrap_or(Date::MIN)
    }

    pub fn last_day(self) -> Date {
        let days = self.month.length(self.year);
        Date::from_calendar_date(self.year, self.month, days).unwrap_or(Date::MAX)
    }

    pub fn label_ja(self) -> String {
        format!("{}年{}月", self.year, u8::from(self.month))
    }

    pub fn previous(self) -> YearMonth {
        match self.month {
            Month::January => YearMonth {
                year: self.year - 1,
                month: Month::December,
            },
            m => YearMonth {
                year: self.year,
                month: m.previous(),
            },
        }
    }

    /// When the delivery notice for this delivery month is sent: 上旬 (the first ten days) of
    /// the month before (seed).
    pub fn delivery_notice_ja(self) -> String {
        format!("{}上旬", self.previous().label_ja())
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

/// The use application as typed into the form.
#[derive(Debug, Clone, Default)]
pub struct UseApplicationForm {
    pub line_type: String,
    pub service: String,
    pub customer_id: String,
    pub start_month: String,
    pub test_month: String,
    pub setup_date: String,
    pub online_claims: bool,
}

/// A use application that holds every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseApplication {
    pub line_type: LineType,
    pub service: &'static LineService,
    pub customer_id: Option<String>,
    pub start_month: YearMonth,
    pub test_month: Option<YearMonth>,
    pub setup_date: Date,
    pub online_claims: bool,
}

/// Checks a use application filed on `today` (JST). Every problem is reported, by field.
pub fn check_use_application(
    form: &UseApplicationForm,
    today: Date,
) -> Result<UseApplication, Vec<FieldError>> {
    let mut errors = Vec::new();
    let line_type = LineType::parse(&form.line_type);
    if line_type.is_none() {
        errors.push(FieldError::new(
            "line_type",
            "回線種別を選んでください（IP-VPN接続方式 または IP-sec+IKE接続方式）",
            "choose the line type (IP-VPN or IPsec+IKE)",
        ));
    }
    let service = line_service(&form.service);
    match (service, line_type) {
        (None, _) => errors.push(FieldError::new(
            "service",
            "回線事業者・サービスを一覧から選んでください",
            "choose the line service from the list",
        )),
        (Some(s), Some(t)) if s.line_type != t => errors.push(FieldError::new(
            "service",
            format!("{}は{}のサービスではありません", s.name, t.label_ja()),
            format!("{} is not a {} service", s.name, t.label_en()),
        )),
        _ => {}
    }
    let customer_id = form.customer_id.trim();
    let customer_id = if service.is_some_and(|s| s.needs_customer_id) {
        let ok = customer_id.len() >= 4
            && customer_id.len() <= 20
            && customer_id.bytes().all(|b| b.is_ascii_alphanumeric());
        if customer_id.is_empty() {
            errors.push(FieldError::new(
                "customer_id",
                "NTT東日本・西日本の回線ではお客さまIDが必要です",
                "the customer ID is required for NTT East/West lines",
            ));
        } else if !ok {
            errors.push(FieldError::new(
                "customer_id",
                "お客さまIDは半角英数字4〜20文字です",
                "the customer ID is 4-20 ASCII letters or digits",
            ));
        }
        Some(customer_id.to_string())
    } else {
        None
    };
    let this_month = YearMonth::of(today);
    let start_month = YearMonth::parse(&form.start_month);
    match start_month {
        None => errors.push(FieldError::new(
            "start_month",
            "利用開始予定年月を YYYY-MM で入力してください",
            "enter the planned start month as YYYY-MM",
        )),
        Some(m) if m < this_month => errors.push(FieldError::new(
            "start_month",
            format!("利用開始予定年月（{}）が過去です", m.label_ja()),
            format!("the planned start month {m} is in the past"),
        )),
        Some(_) => {}
    }
    let test_month = match form.test_month.trim() {
        "" => None,
        text => match YearMonth::parse(text) {
            None => {
                errors.push(FieldError::new(
                    "test_month",
                    "運用テスト開始予定年月は YYYY-MM です",
                    "the operation-test month is YYYY-MM",
                ));
                None
            }
            Some(m) if m < this_month => {
                errors.push(FieldError::new(
                    "test_month",
                    format!("運用テスト開始予定年月（{}）が過去です", m.label_ja()),
                    format!("the operation-test month {m} is in the past"),
                ));
                None
            }
            Some(m) if start_month.is_some_and(|s| m > s) => {
                errors.push(FieldError::new(
                    "test_month",
                    "運用テストは利用開始より前（同月まで）に予定してください",
                    "the operation test must be planned no later than the start month",
                ));
                None
            }
            Some(m) => Some(m),
        },
    };
    let setup = crate::parse_date(&form.setup_date).ok();
    match setup {
        None => errors.push(FieldError::new(
            "setup_date",
            "機器受取/設定予定日を YYYY-MM-DD で入力してください",
            "enter the planned setup date as YYYY-MM-DD",
        )),
        Some(setup) => {
            let deadline = business_days_before(setup, 5).ok();
            if deadline.is_none_or(|d| today > d) {
                errors.push(FieldError::new(
                    "setup_date",
                    format!(
                        "利用申請は機器受取/設定の5営業日前までです（設定予定日 {} の期限は {}）",
                        crate::calendar::format_wareki(setup),
                        deadline.map_or_else(|| "-".into(), crate::calendar::format_wareki)
                    ),
                    format!(
                        "the use application is due 5 business days before setup ({} for a setup on {setup})",
                        deadline.map_or_else(|| "-".into(), |d| d.to_string())
                    ),
                ));
            }
            if let Some(start) = start_month
                && setup > start.last_day()
            {
                errors.push(FieldError::new(
                    "setup_date",
                    "機器設定は利用開始予定月までに行ってください",
                    "setup must happen no later than the start month",
                ));
            }
        }
    }
    if let (Some(s), Some(start)) = (service, start_month)
        && s.ends.is_some_and(|end| start.first_day() > end)
    {
        errors.push(FieldError::new(
            "service",
            format!(
                "{}は{}にサービス終了予定です。回線業者へご相談ください",
                s.name,
                s.ends
                    .map(crate::calendar::format_wareki)
                    .unwrap_or_default()
            ),
            format!("{} ends before the planned start", s.name),
        ));
    }
    match (line_type, service, start_month, setup) {
        (Some(line_type), Some(service), Some(start_month), Some(setup_date))
            if errors.is_empty() =>
        {
            Ok(UseApplication {
                line_type,
                service,
                customer_id,
                start_month,
                test_month,
                setup_date,
                online_claims: form.online_claims,
            })
        }
        _ => Err(errors),
    }
}

/// 資格確認端末の推奨OS (seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminalOs {
    Win10IotLtsc2019,
    Win10EnterpriseLtsc2019,
}

impl Choice for TerminalOs {
    const ALL: &'static [TerminalOs] = &[
        TerminalOs::Win10IotLtsc2019,
        TerminalOs::Win10EnterpriseLtsc2019,
    ];
    fn code(self) -> &'static str {
        match self {
            TerminalOs::Win10IotLtsc2019 => "win10-iot-ltsc-2019",
            TerminalOs::Win10EnterpriseLtsc2019 => "win10-enterprise-ltsc-2019",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            TerminalOs::Win10IotLtsc2019 => "Windows10 IoT Enterprise 2019 LTSC 64bit版",
            TerminalOs::Win10EnterpriseLtsc2019 => "Windows10 Enterprise 2019 LTSC 64bit版",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            TerminalOs::Win10IotLtsc2019 => "Windows 10 IoT Enterprise 2019 LTSC 64-bit",
            TerminalOs::Win10EnterpriseLtsc2019 => "Windows 10 Enterprise 2019 LTSC 64-bit",
        }
    }
}

/// A terminal's name as it goes into its certificate: 1–32 ASCII letters, digits, `-` or `_`.
pub fn check_terminal_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 32
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new(
            "terminal_name",
            "端末名は半角英数字と - _ で1〜32文字です（例: uketsuke-1）",
            "the terminal name is 1-32 ASCII letters, digits, - or _ (e.g. uketsuke-1)",
        ));
    }
    Ok(name.to_string())
}

/// The three documents a subsidy application needs (seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Receipt,
    ReceiptBreakdown,
    CompletionReport,
}

impl Choice for DocumentKind {
    const ALL: &'static [DocumentKind] = &[
        DocumentKind::Receipt,
        DocumentKind::ReceiptBreakdown,
        DocumentKind::CompletionReport,
    ];
    fn code(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::ReceiptBreakdown => "receipt-breakdown",
            DocumentKind::CompletionReport => "completion-report",
        }
    }
    fn label_ja(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "領収書（写）",
            DocumentKind::ReceiptBreakdown => "領収書内訳書（写）",
            DocumentKind::CompletionReport => "事業完了報告書",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "Receipt (copy)",
            DocumentKind::ReceiptBreakdown => "Receipt breakdown (copy)",
            DocumentKind::CompletionReport => "Completion report",
        }
    }
}

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// What an uploaded file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else {
            None
        }
    }

    pub fn from_extension(file_name: &str) -> Option<FileType> {
        let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(FileType::Pdf),
            "jpg" | "jpeg" => Some(FileType::Jpeg),
            "png" => Some(FileType::Png),
            _ => None,
        }
    }

    /// The type a stored content type names.
    pub fn from_content_type(content_type: &str) -> Option<FileType> {
        [FileType::Pdf, FileType::Jpeg, FileType::Png]
            .into_iter()
            .find(|t| t.content_type() == content_type)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }
}

/// Checks an uploaded document: PDF, JPEG or PNG, its content what its name says, not empty,
/// not larger than [`MAX_DOCUMENT_BYTES`].
pub fn check_document(file_name: &str, bytes: &[u8]) -> Result<FileType, FieldError> {
    let field = "document";
    let Some(named) = FileType::from_extension(file_name) else {
        return Err(FieldError::new(
            field,
            format!("{file_name}: PDF・JPEG・PNG のファイルを選んでください"),
            format!("{file_name}: choose a PDF, JPEG or PNG file"),
        ));
    };
    if bytes.is_empty() {
        return Err(FieldError::new(
            field,
            format!("{file_name}: ファイルが空です"),
            format!("{file_name}: the file is empty"),
        ));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(FieldError::new(
            field,
            format!(
                "{file_name}: ファイルが大きすぎます（{} MB まで）",
                MAX_DOCUMENT_BYTES >> 20
            ),
            format!(
                "{file_name}: the file is too large (at most {} MB)",
                MAX_DOCUMENT_BYTES >> 20
            ),
        ));
    }
    match FileType::sniff(bytes) {
        Some(found) if found == named => Ok(found),
        _ => Err(FieldError::new(
            field,
            format!(
                "{file_name}: ファイルの中身が拡張子（{}）と一致しません",
                named.content_type()
            ),
            format!(
                "{file_name}: the content is not what the extension says ({})",
                named.content_type()
            ),
        )),
    }
}

/// Where an application stands; decisions move it along these edges only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The facility edits or cancels a reader application.
    ReaderEdit,
    ReaderCancel,
    /// An operator fixes the delivery month.
    ReaderSchedule,
    CertIssue,
    CertReject,
    CertDownload,
    CertRevoke,
    SubsidyApprove,
    SubsidyReturn,
    SubsidyReject,
    SubsidyResubmit,
}

impl Transition {
    /// The status after this transition from `from`, or None when it is not allowed.
    pub fn apply(self, from: &str) -> Option<&'static str> {
        use Transition::*;
        match (self, from) {
            (ReaderEdit, "applied") => Some("applied"),
            (ReaderCancel, "applied") => Some("cancelled"),
            (ReaderSchedule, "applied" | "scheduled") => Some("scheduled"),
            (CertIssue, "applied") => Some("issued"),
            (CertReject, "applied") => Some("rejected"),
            (CertDownload, "issued") => Some("downloaded"),
            (CertRevoke, "issued" | "downloaded") => Some("revoked"),
            (SubsidyApprove, "submitted") => Some("approved"),
            (SubsidyReturn, "submitted") => Some("returned"),
            (SubsidyReject, "submitted") => Some("rejected"),
            (SubsidyResubmit, "returned") => Some("submitted"),
            _ => None,
        }
    }
}

/// Japanese and English labels of application statuses.
pub fn status_label(status: &str) -> (&'static str, &'static str) {
    match status {
        "applied" => ("申込済み", "applied"),
        "scheduled" => ("配送時期確定", "delivery scheduled"),
        "cancelled" => ("取消", "cancelled"),
        "issued" => ("発行済み（未ダウンロード）", "issued (not downloaded)"),
        "downloaded" => ("ダウンロード済み", "downloaded"),
        "rejected" => ("却下", "rejected"),
        "revoked" => ("失効", "revoked"),
        "submitted" => ("審査中", "under review"),
        "returned" => ("差戻し", "returned for correction"),
        "approved" => ("承認", "approved"),
        _ => ("不明", "unknown"),
    }
}

/// The postal code as `NNN-NNNN` (with or without the hyphen, full-width digits accepted).
pub fn normalize_postal_code(input: &str) -> Option<String> {
    let digits: String = input
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            '-' | '－' | 'ー' | ' ' => None,
            _ => Some('x'),
        })
        .collect();
    (digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{}-{}", &digits[..3], &digits[3..]))
}

/// A phone number: digits and hyphens, 10–11 digits, starting with 0.
pub fn normalize_phone(input: &str) -> Option<String> {
    let t = input.trim();
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    (t.starts_with('0')
        && (10..=11).contains(&digits)
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
    .then(|| t.to_string())
}

/// An e-mail address good enough to send to: one `@`, a dot in the domain, no spaces or
/// control characters (so it cannot carry a mail header).
pub fn normalize_email(input: &str) -> Option<String> {
    let t = input.trim();
    let (local, domain) = t.split_once('@')?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && t.len() <= 254
        && !domain.contains('@')
        && t.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"'));
    ok.then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form() -> UseApplicationForm {
        UseApplicationForm {
            line_type: "ip-vpn".into(),
            service: "flets-next".into(),
            customer_id: "CAF12345678".into(),
            start_month: "2021-03".into(),
            test_month: "2021-02".into(),
            setup_date: "2021-02-15".into(),
            online_claims: true,
        }
    }

    #[test]
    fn reader_quantities_by_category() {
        assert!(check_reader_quantity(FacilityCategory::Hospital, 0, 3).is_ok());
        assert!(check_reader_quantity(FacilityCategory::Hospital, 2, 1).is_ok());
        let e = check_reader_quantity(FacilityCategory::Hospital, 2, 2).expect_err("4");
        assert!(e.ja.contains("3台まで"), "{e}");
        assert!(check_reader_quantity(FacilityCategory::Clinic, 0, 1).is_ok());
        assert!(check_reader_quantity(FacilityCategory::Clinic, 0, 2).is_err());
        assert!(check_reader_quantity(FacilityCategory::Pharmacy, 1, 1).is_err());
        assert!(check_reader_quantity(FacilityCategory::Clinic, 0, 0).is_err());
    }

    #[test]
    fn a_complete_use_application_holds() {
        let ok = check_use_application(&form(), date!(2021 - 01 - 05)).expect("valid");
        assert_eq!(ok.service.name, "フレッツ 光ネクスト");
        assert_eq!(ok.start_month.to_string(), "2021-03");
        assert_eq!(ok.customer_id.as_deref(), Some("CAF12345678"));
    }

    #[test]
    fn customer_id_is_required_for_ntt_ip_vpn_only() {
        let mut f = form();
        f.customer_id = " ".into();
        let errors = check_use_application(&f, date!(2021 - 01 - 05)).expect_err("missing");
        assert_eq!(errors[0].field, "customer_id");
        f.service = "qtnet-bbiq".into();
        assert!(check_use_application(&f, date!(2021 - 01 - 05)).is_ok());
        f.line_type = "ipsec-ike".into();
        let errors = check_use_application(&f, date!(2021 - 01 - 05)).expect_err("mismatch");
        assert_eq!(errors[0].field, "service");
    }

    #[test]
    fn months_in_the_past_and_late_setups_are_refused() {
        let errors = check_use_application(&form(), date!(2021 - 04 - 01)).expect_err("past");
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert!(fields.contains(&"start_month"), "{fields:?}");
        assert!(fields.contains(&"test_month"), "{fields:?}");
        // Setup 2021-02-15 (Mon): five business days before is 2021-02-05 (Fri; 02-11 is a
        // holiday). On 02-05 the application is in time, on 02-08 it is late.
        assert_eq!(
            business_days_before(date!(2021 - 02 - 15), 5),
            Ok(date!(2021 - 02 - 05))
        );
        assert!(check_use_application(&form(), date!(2021 - 02 - 05)).is_ok());
        let late = check_use_application(&form(), date!(2021 - 02 - 08)).expect_err("late");
        assert_eq!(late[0].field, "setup_date");
        assert!(late[0].ja.contains("5営業日前"), "{}", late[0]);
    }

    #[test]
    fn b_flets_ends_before_a_later_start() {
        let mut f = form();
        f.service = "b-flets".into();
        let errors = check_use_application(&f, date!(2021 - 01 - 05)).expect_err("ended");
        assert_eq!(errors[0].field, "service");
    }

    #[test]
    fn delivery_notices_come_early_in_the_month_before() {
        let parse = |t: &str| YearMonth::parse(t).expect("month");
        assert_eq!(parse("2021-05").delivery_notice_ja(), "2021年4月上旬");
        assert_eq!(parse("2021-01").delivery_notice_ja(), "2020年12月上旬");
    }

    #[test]
    fn year_months_are_digits_only() {
        assert_eq!(
            YearMonth::parse("2021-03")
                .map(|m| m.to_string())
                .as_deref(),
            Some("2021-03")
        );
        for bad in [
            "2021-+3",
            "+202-03",
            "2021-13",
            "2021-3",
            "21-03",
            "２０２１-03",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn terminal_names() {
        assert_eq!(
            check_terminal_name(" uketsuke-1 ").expect("ok"),
            "uketsuke-1"
        );
        assert!(check_terminal_name("受付1").is_err());
        assert!(check_terminal_name("").is_err());
        assert!(check_terminal_name(&"a".repeat(33)).is_err());
    }

    #[test]
    fn documents_are_what_their_names_say() {
        assert_eq!(
            check_document("r.pdf", b"%PDF-1.7 ...").expect("pdf"),
            FileType::Pdf
        );
        assert_eq!(
            check_document("r.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]).expect("jpeg"),
            FileType::Jpeg
        );
        assert!(check_document("r.png", b"%PDF-1.7").is_err());
        assert!(check_document("r.exe", b"MZ").is_err());
        assert!(check_document("r.pdf", b"").is_err());
        let big = vec![b'%'; MAX_DOCUMENT_BYTES + 1];
        assert!(
            check_document("r.pdf", &big)
                .expect_err("big")
                .ja
                .contains("大きすぎ")
        );
    }

    #[test]
    fn transitions() {
        assert_eq!(Transition::ReaderCancel.apply("applied"), Some("cancelled"));
        assert_eq!(Transition::ReaderEdit.apply("scheduled"), None);
        assert_eq!(Transition::CertDownload.apply("downloaded"), None);
        assert_eq!(
            Transition::SubsidyResubmit.apply("returned"),
            Some("submitted")
        );
        assert_eq!(Transition::SubsidyApprove.apply("rejected"), None);
    }

    #[test]
    fn contact_fields() {
        assert_eq!(
            normalize_postal_code("１００ー０００１").as_deref(),
            Some("100-0001")
        );
        assert_eq!(
            normalize_postal_code("1000001").as_deref(),
            Some("100-0001")
        );
        assert_eq!(normalize_postal_code("100-00a1"), None);
        assert!(normalize_phone("03-1234-5678").is_some());
        assert!(normalize_phone("1234").is_none());
        assert!(normalize_email("it@clinic.example.jp").is_some());
        assert!(normalize_email("a@b.jp\r\nBcc: x@y.jp").is_none());
        assert!(normalize_email("no-at-sign").is_none());
    }
}
