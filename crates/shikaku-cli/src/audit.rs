//! `shikaku audit links`: the linkage-integrity report (issue 26 §1) — sets of qualification
//! rows that share a 個人番号 but do not describe one person — and its resolution by an
//! operator's confirmation. The 個人番号 itself is never printed.

use std::process::ExitCode;

use clap::Subcommand;
use shikaku_app::linkage::{self, ConfirmError};
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Suspect links: rows linked to one 個人番号 that disagree on birth date, sex or name.
    Links {
        /// Only links with a row of this insurer (保険者番号).
        #[arg(long)]
        insurer: Option<String>,
        /// One CSV row per suspect link and row involved (UTF-8 with BOM, Japanese headers).
        #[arg(long)]
        csv: bool,
        /// Also resolved links (corrected by a file, or confirmed by an operator).
        #[arg(long)]
        all: bool,
        /// Check every linked group again first (as every qualification import does).
        #[arg(long)]
        recheck: bool,
    },
    /// Confirm that a suspect link's rows are one person (an operator's decision, audited).
    Confirm {
        /// The link's reference, e.g. L000042.
        reference: String,
        /// Why these rows are one person (at least 10 characters).
        #[arg(long)]
        reason: String,
    },
}

pub async fn run(db: &str, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = crate::open_store(db).await?;
    match cmd {
        AuditCommand::Links {
            insurer,
            csv,
            all,
            recheck,
        } => {
            let insurer = insurer
                .map(|i| {
                    shikaku_domain::InsurerNumber::parse(i.trim())
                        .map_err(|e| anyhow::anyhow!("--insurer {i}: {e}"))
                })
                .transpose()?;
            if recheck {
                let audit = linkage::audit_links(store.as_ref(), OffsetDateTime::now_utc()).await?;
                eprintln!(
                    "checked {} groups of rows sharing a 個人番号 in {:.1} s: {} suspect links ({} new, {} corrected)",
                    audit.counts.checked,
                    audit.seconds,
                    audit.counts.suspects,
                    audit.counts.new,
                    audit.counts.corrected
                );
            }
            let suspects = store
                .link_suspects(insurer.as_ref().map(|i| i.as_str()), all)
                .await?;
            if csv {
                print!("\u{feff}{}", linkage::csv(&suspects));
                return Ok(ExitCode::SUCCESS);
            }
            if suspects.is_empty() {
                println!("疑義のある紐付けはありません (no suspect links)");
            }
            for s in &suspects {
                println!(
                    "{}  {}  {}  検出 {}",
                    linkage::reference(s.id),
                    s.state.label_ja(),
                    s.reason.label_ja(),
                    shikaku_domain::date::format_jst_minute(s.found_at)
                );
                for r in &s.rows {
                    println!(
                        "    保険者番号 {}  記号 {}  番号 {}  枝番 {}  個人識別 {}  資格取得 {}",
                        r.insurer_number,
                        if r.symbol.is_empty() { "-" } else { &r.symbol },
                        r.number,
                        r.branch,
                        r.person_ref,
                        r.qualified_from
                    );
                }
                if let (Some(by), Some(at)) = (&s.resolved_by, s.resolved_at) {
                    println!(
                        "    解決: {by} {} {}",
                        shikaku_domain::date::format_jst_minute(at),
                        s.note.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Confirm { reference, reason } => {
            let Some(id) = linkage::parse_reference(&reference) else {
                anyhow::bail!("{reference}: 参照番号は L000042 の形です");
            };
            let Some(current) = store.link_suspect(id).await? else {
                anyhow::bail!("{}", ConfirmError::NotFound(id));
            };
            let operator = crate::operator_name();
            match linkage::confirm(
                store.as_ref(),
                id,
                &current.rows_key,
                &operator,
                &reason,
                OffsetDateTime::now_utc(),
            )
            .await
            {
                Ok(s) => {
                    println!(
                        "{}: {}（{} 行、確認者 {operator}）",
                        linkage::reference(s.id),
                        s.state.label_ja(),
                        s.rows.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ConfirmError::Store(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}
