//! `shikaku verify`: the operator's lookup, with the API's semantics (and access logging).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use shikaku_app::view::{CardView, EligibilityView};
use shikaku_app::{Caller, EligibilityService, LookupRequest};
use shikaku_domain::{Branch, CardNumber, CardNumbers, CardSymbol, InsurerNumber};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// 保険者番号
    #[arg(long)]
    insurer: String,
    /// 記号 (omit or empty when the card has none)
    #[arg(long, default_value = "")]
    symbol: String,
    /// 番号
    #[arg(long)]
    number: String,
    /// 枝番
    #[arg(long)]
    branch: String,
    /// 生年月日 YYYY-MM-DD
    #[arg(long, value_parser = crate::parse_date_arg)]
    birth: time::Date,
    /// 照会日 YYYY-MM-DD (default: today, JST)
    #[arg(long, value_parser = crate::parse_date_arg)]
    on: Option<time::Date>,
    /// Print one JSON object (the API's response shape).
    #[arg(long)]
    json: bool,
}

pub async fn run(db: &str, data_dir: &Path, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let card = CardNumbers {
        insurer: InsurerNumber::parse(&args.insurer)
            .map_err(|e| anyhow::anyhow!("--insurer: {e}"))?,
        symbol: CardSymbol::parse_optional(&args.symbol)
            .map_err(|e| anyhow::anyhow!("--symbol: {e}"))?,
        number: CardNumber::parse(&args.number).map_err(|e| anyhow::anyhow!("--number: {e}"))?,
        branch: Branch::parse_padded(&args.branch).map_err(|e| anyhow::anyhow!("--branch: {e}"))?,
    };
    let store = crate::open_store(db).await?;
    let service = EligibilityService::new(store, crate::person_key(data_dir)?);
    let caller = Caller {
        facility_code: "operator".into(),
        terminal_name: crate::operator_name(),
        cert_serial: "-".into(),
    };
    let request = LookupRequest {
        card,
        birth_date: args.birth,
        as_of: args.on,
        any_branch: false,
        any_birth: false,
    };
    let (outcome, as_of) = service
        .lookup(&request, &caller)
        .await
        .map_err(|e| anyhow::anyhow!("lookup failed: {e}"))?;
    service
        .load_insurers()
        .await
        .map_err(|e| anyhow::anyhow!("reading the insurer register: {e}"))?;
    let view = EligibilityView::new(
        &outcome,
        Some(&request.card),
        as_of,
        &service.insurer_names(),
        false,
    );
    if args.json {
        println!("{}", serde_json::to_string(&view)?);
    } else {
        print_human(&view);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_human(v: &EligibilityView) {
    println!(
        "資格確認結果: {} ({})  照会日 {}",
        v.status_label, v.status, v.as_of
    );
    if !v.explanation.is_empty() {
        println!("  説明         {}", v.explanation);
    }
    if let Some(d) = &v.data_as_of {
        println!("  データ時点   {d}");
    }
    if let Some(q) = &v.qualification {
        println!(
            "  保険者       {} {}",
            q.card.insurer_number, q.card.insurer_name
        );
        println!("  記号・番号   {}", card_numbers(&q.card));
        println!(
            "  氏名         {}（{}） {}  生年月日 {}",
            q.name, q.name_kana, q.sex_label, q.birth_date
        );
        println!("  本人・家族   {}", q.insured_category_label);
        println!(
            "  資格期間     {} 〜 {}",
            q.qualified_from,
            q.qualified_until.as_deref().unwrap_or("")
        );
        println!("  負担割合     {}割", q.copay_ratio / 10);
        if let (Some(code), Some(label)) = (&q.limit_category, q.limit_category_label) {
            println!("  限度額区分   {code} {label}");
        }
        if let Some(label) = q.specific_disease_label {
            println!("  特定疾病     {label}");
        }
    }
    if let Some(n) = &v.newer {
        println!(
            "  新しい資格   {} {}",
            n.card.insurer_number, n.card.insurer_name
        );
        println!(
            "               記号・番号 {}  {} 〜",
            card_numbers(&n.card),
            n.qualified_from
        );
    }
}

fn card_numbers(card: &CardView) -> String {
    let symbol = if card.symbol.is_empty() {
        "（なし）"
    } else {
        &card.symbol
    };
    format!("{symbol}・{}  枝番 {}", card.number, card.branch)
}
