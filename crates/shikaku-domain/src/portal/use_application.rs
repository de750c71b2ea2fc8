//! The use application (利用申請): line types, the providers of the seed's table, お客さまID,
//! the months and the setup date.

use std::fmt;

use time::{Date, Month};

use super::{Choice, FieldError};
use crate::calendar::business_days_before;

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

    pub fn next(self) -> YearMonth {
        match self.month {
            Month::December => YearMonth {
                year: self.year + 1,
                month: Month::January,
            },
            m => YearMonth {
                year: self.year,
                month: m.next(),
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
}
