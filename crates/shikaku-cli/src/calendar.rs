//! `shikaku calendar …`: the business-day calendar of portal deadlines (`calendar.md`).

use std::process::ExitCode;

use clap::Subcommand;
use shikaku_domain::calendar;
use shikaku_domain::date::format_date;

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// National holidays of a year (振替休日 and 国民の休日 included; 年末年始 not listed).
    Holidays {
        year: i32,
        #[arg(long)]
        json: bool,
    },
    /// The date N business days (営業日) before DATE (DATE itself never counts).
    BusinessDaysBefore {
        #[arg(value_parser = crate::parse_date_arg)]
        date: time::Date,
        n: u32,
    },
    /// The date N business days after DATE.
    BusinessDaysAfter {
        #[arg(value_parser = crate::parse_date_arg)]
        date: time::Date,
        n: u32,
    },
    /// The date N months before DATE (clamped to the month's end).
    MonthsBefore {
        #[arg(value_parser = crate::parse_date_arg)]
        date: time::Date,
        n: u32,
    },
    /// The preparation timeline: each step's deadline from the planned start and setup dates.
    Timeline {
        /// 運用開始 (planned start of operation), YYYY-MM-DD.
        #[arg(long, value_parser = crate::parse_date_arg)]
        start: time::Date,
        /// 機器受取/設定 (equipment setup), YYYY-MM-DD.
        #[arg(long, value_parser = crate::parse_date_arg)]
        setup: time::Date,
        /// The day to judge done/due/overdue on (default today, JST).
        #[arg(long, value_parser = crate::parse_date_arg)]
        today: Option<time::Date>,
        /// Steps already done, comma-separated (e.g. reader-application,vendor-order).
        #[arg(long, value_delimiter = ',')]
        done: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Whether DATE is a business day, with the reason when it is not.
    Day {
        #[arg(value_parser = crate::parse_date_arg)]
        date: time::Date,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: CalendarCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CalendarCommand::Holidays { year, json } => {
            let list = calendar::holidays(year)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for h in &list {
                    println!("{}  {}", calendar::format_ja(h.date), h.name);
                }
            }
        }
        CalendarCommand::BusinessDaysBefore { date, n } => {
            println!("{}", format_date(calendar::business_days_before(date, n)?));
        }
        CalendarCommand::BusinessDaysAfter { date, n } => {
            println!("{}", format_date(calendar::business_days_after(date, n)?));
        }
        CalendarCommand::MonthsBefore { date, n } => {
            println!("{}", format_date(calendar::months_before(date, n)?));
        }
        CalendarCommand::Timeline {
            start,
            setup,
            today,
            done,
            json,
        } => {
            use shikaku_domain::timeline::{StepId, StepStatus, timeline};
            let mut steps = Vec::with_capacity(done.len());
            for d in &done {
                let step = StepId::parse(d).ok_or_else(|| {
                    let known: Vec<&str> = StepId::ALL.iter().map(|s| s.as_str()).collect();
                    anyhow::anyhow!("--done: unknown step {d:?} (one of {})", known.join(", "))
                })?;
                steps.push(step);
            }
            let today = today
                .unwrap_or_else(|| shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc()));
            let t = timeline(start, setup, today, &steps);
            if json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                println!(
                    "運用開始 {}  機器受取/設定 {}  （{} 時点）",
                    calendar::format_wareki(start),
                    calendar::format_wareki(setup),
                    calendar::format_wareki(today)
                );
                for s in &t.steps {
                    let status = match s.status {
                        StepStatus::Done => "完了",
                        StepStatus::Due => "未完了",
                        StepStatus::Overdue => "期限超過",
                    };
                    let deadline = s
                        .deadline
                        .map(calendar::format_wareki)
                        .unwrap_or_else(|| "―".into());
                    println!("  [{status}] {}  期限 {deadline}  ({})", s.label, s.rule);
                }
                for w in &t.warnings {
                    println!("  ⚠ {w}");
                }
            }
        }
        CalendarCommand::Day { date, json } => {
            let holiday = calendar::holiday(date);
            let reason = if let Some(h) = holiday {
                Some(h.name.to_string())
            } else if calendar::is_year_end_closure(date) {
                Some("年末年始".to_string())
            } else if matches!(
                date.weekday(),
                time::Weekday::Saturday | time::Weekday::Sunday
            ) {
                Some(format!("{}曜日", calendar::weekday_ja(date)))
            } else {
                None
            };
            let business = calendar::is_business_day(date);
            if json {
                let value = serde_json::json!({
                    "date": format_date(date),
                    "wareki": calendar::format_wareki(date),
                    "business_day": business,
                    "reason": reason,
                });
                println!("{value}");
            } else {
                match reason {
                    None => println!("{}: 営業日", calendar::format_wareki(date)),
                    Some(r) => println!("{}: 休業日（{r}）", calendar::format_wareki(date)),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
