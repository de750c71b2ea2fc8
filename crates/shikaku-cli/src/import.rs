//! `shikaku import qualifications|drugs|checkups FILE`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use shikaku_app::import::{ImportOptions, Outcome, import_qualifications};
use shikaku_app::records_import::import_records;
use shikaku_store::RecordKind;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// 資格情報: the insurer qualification CSV (insurer-import.md §1).
    Qualifications {
        file: PathBuf,
        /// Validate and count only; store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Store the valid rows; write the invalid ones with their errors to NAME.rejected.csv.
        #[arg(long)]
        skip_invalid: bool,
        /// The date the file's data is as of (the insurer's extract date, YYYY-MM-DD); answers
        /// from its insurers say so. The load date when not given.
        #[arg(long, value_parser = crate::parse_date_arg)]
        data_as_of: Option<time::Date>,
    },
    /// 保険者名簿: `insurer_number,name` (the names eligibility answers show); all rows or none.
    Insurers {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// 保険医療機関・保険薬局の名簿 (the 地方厚生局's lists): `code,name,kind,postal_code,address`
    /// (or the Japanese headers 医療機関等コード,名称,種別,郵便番号,所在地); registrations must
    /// match it and activation letters go to its addresses. All rows or none.
    Facilities {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// 薬剤情報 (insurer-import.md §3).
    Drugs {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        skip_invalid: bool,
    },
    /// 特定健診情報 (insurer-import.md §4).
    Checkups {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        skip_invalid: bool,
    },
}

pub async fn run(db: &str, data_dir: &Path, command: ImportCommand) -> anyhow::Result<ExitCode> {
    let (kind, file, dry_run, skip_invalid, data_as_of) = match command {
        ImportCommand::Insurers { file, dry_run } => {
            return register(db, &file, dry_run, Register::Insurers).await;
        }
        ImportCommand::Facilities { file, dry_run } => {
            return register(db, &file, dry_run, Register::Facilities).await;
        }
        ImportCommand::Qualifications {
            file,
            dry_run,
            skip_invalid,
            data_as_of,
        } => (None, file, dry_run, skip_invalid, data_as_of),
        ImportCommand::Drugs {
            file,
            dry_run,
            skip_invalid,
        } => (Some(RecordKind::Drugs), file, dry_run, skip_invalid, None),
        ImportCommand::Checkups {
            file,
            dry_run,
            skip_invalid,
        } => (
            Some(RecordKind::Checkups),
            file,
            dry_run,
            skip_invalid,
            None,
        ),
    };
    let store = crate::open_store(db).await?;
    let key = crate::person_key(data_dir)?;
    let options = ImportOptions {
        dry_run,
        skip_invalid,
        operator: crate::operator_name(),
        data_as_of,
    };
    let total = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} [{bar:40}] {bytes_per_sec} 残り {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };
    let progress_bar = bar.clone();
    let progress = move |bytes| {
        if let Some(bar) = &progress_bar {
            bar.set_position(bytes);
        }
    };
    let report = match kind {
        None => import_qualifications(store.as_ref(), &key, &file, &options, progress).await?,
        Some(kind) => import_records(store.as_ref(), kind, &file, &options, progress).await?,
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for line in report.error_lines() {
        eprintln!("{line}");
    }
    if report.total_errors > report.errors.len() as u64 {
        eprintln!(
            "… and {} more errors",
            report.total_errors - report.errors.len() as u64
        );
    }
    if let Some(path) = &report.reject_file {
        eprintln!("rejected rows written to {}", path.display());
    }
    println!("{}", report.summary());
    if let Some(links) = report.links_summary() {
        println!("{links}");
    }
    Ok(if report.outcome == Outcome::Rejected {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

enum Register {
    Insurers,
    Facilities,
}

async fn register(
    db: &str,
    file: &Path,
    dry_run: bool,
    which: Register,
) -> anyhow::Result<ExitCode> {
    use shikaku_app::insurers::{RegisterError, load_register};
    let store = crate::open_store(db).await?;
    let loaded = match which {
        Register::Insurers => load_register(store.as_ref(), file, dry_run).await,
        Register::Facilities => {
            shikaku_app::identity::load_facility_register(store.as_ref(), file, dry_run).await
        }
    };
    match loaded {
        Ok(load) => {
            println!("{}", load.summary(&file.display().to_string()));
            Ok(ExitCode::SUCCESS)
        }
        Err(RegisterError::Invalid(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "{}: REJECTED (nothing stored): {} errors",
                file.display(),
                errors.len()
            );
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}
