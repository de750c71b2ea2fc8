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
