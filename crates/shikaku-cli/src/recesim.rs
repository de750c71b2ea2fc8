//! `shikaku recesim`: a reference receipt computer (レセコン). It writes request files into
//! `DIR/req` as a vendor's system should (elsewhere first, then rename), waits for the result
//! files in `DIR/res`, reads and removes them, and prints a table of what it measured.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;

#[derive(Debug, Args)]
pub struct RecesimArgs {
    /// The interface folder the agent watches.
    #[arg(long)]
    dir: PathBuf,
    /// Population CSV (insurer-import format) to take patients from, in file order.
    #[arg(long)]
    population: PathBuf,
    /// Single queries (OQSsiquc01), written as fast as the folder takes them.
    #[arg(long, default_value_t = 0)]
    requests: usize,
    /// One 一括照会 (OQSmuquc01 then OQSmuquc02) of this many persons.
    #[arg(long, default_value_t = 0)]
    bulk: usize,
    /// 資格確認日 (YYYY-MM-DD); today (JST) by default.
    #[arg(long, value_parser = crate::parse_date_arg)]
    on: Option<time::Date>,
    /// 医療機関コード written in the requests.
    #[arg(long, default_value = "1311234566")]
    facility: String,
    #[arg(long, default_value_t = 300)]
    timeout_s: u64,
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.part"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join("req").join(name))
}

fn search_info(r: &csv::StringRecord, id: usize) -> String {
    let get = |i: usize| r.get(i).unwrap_or_default();
    format!(
        "<QualificationConfirmSearchInfo><InsurerNumber>{:>8}</InsurerNumber><InsuredCardSymbol>{}</InsuredCardSymbol><InsuredIdentificationNumber>{}</InsuredIdentificationNumber><InsuredBranchNumber>{}</InsuredBranchNumber><Birthdate>{}</Birthdate><LimitApplicationCertificateRelatedConsFlg>0</LimitApplicationCertificateRelatedConsFlg><ArbitraryIdentifier>PT{id:06}</ArbitraryIdentifier></QualificationConfirmSearchInfo>",
        get(0),
        get(1),
        get(2),
        get(3),
        get(9).replace('-', "")
    )
}

fn tag<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split(&close).next())
        .collect()
}

/// Waits for `res/NAME`, reads and removes it.
fn collect(dir: &Path, name: &str, deadline: Instant) -> anyhow::Result<String> {
    let path = dir.join("res").join(name);
    loop {
        if let Ok(text) = std::fs::read_to_string(&path) {
            std::fs::remove_file(&path)?;
            return Ok(text);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "no result {name} before the timeout"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

pub fn run(args: RecesimArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(args.dir.join("req"))?;
    std::fs::create_dir_all(args.dir.join("res"))?;
    let date = args
        .on
        .unwrap_or_else(|| shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc()));
    let date8 = format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    let header = |afi: &str| {
        format!(
            "<MessageHeader><QualificationConfirmationDate>{date8}</QualificationConfirmationDate><MedicalInstitutionCode>{}</MedicalInstitutionCode><ArbitraryFileIdentifier>{afi}</ArbitraryFileIdentifier></MessageHeader>",
            args.facility
        )
    };
    let wanted = args.requests.max(args.bulk);
    let mut reader = csv::Reader::from_path(&args.population)?;
    let rows: Vec<csv::StringRecord> = reader.records().take(wanted).collect::<Result<_, _>>()?;
    anyhow::ensure!(
        rows.len() == wanted,
        "the population has fewer than {wanted} rows"
    );
    let deadline = Instant::now() + Duration::from_secs(args.timeout_s);
    let run_id = std::process::id();
    println!("| what | persons | seconds | per s | p50 ms | p99 ms | results |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    if args.requests > 0 {
        let started = Instant::now();
        let mut written: HashMap<String, Instant> = HashMap::new();
        let mut latencies = Vec::with_capacity(args.requests);
        let mut validity: HashMap<String, usize> = HashMap::new();
        for (i, r) in rows.iter().take(args.requests).enumerate() {
            let id = format!("{run_id}S{i:06}");
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<XmlMsg>{}<MessageBody>{}</MessageBody></XmlMsg>\n",
                header(&id),
                search_info(r, i)
            );
            put(
                &args.dir,
                &format!("OQSsiquc01req_{id}.xml"),
                xml.as_bytes(),
            )?;
            written.insert(format!("OQSsiquc01res_{id}.xml"), Instant::now());
        }
        // Results come back in any order: collect whatever is there.
        while !written.is_empty() {
            anyhow::ensure!(
                Instant::now() < deadline,
                "{} results missing at the timeout",
                written.len()
            );
            let ready: Vec<String> = std::fs::read_dir(args.dir.join("res"))?
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| written.contains_key(n))
                .collect();
            for name in ready {
                let text = collect(&args.dir, &name, deadline)?;
                if let Some(at) = written.remove(&name) {
                    latencies.push(at.elapsed());
                }
                let v = tag(&text, "QualificationValidity")
                    .first()
                    .map_or_else(|| "error".to_string(), |v| format!("validity {v}"));
                *validity.entry(v).or_default() += 1;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let seconds = started.elapsed().as_secs_f64();
        latencies.sort();
        let pct = |p: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let mut counts: Vec<String> = validity.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        counts.sort();
        println!(
            "| single queries through the agent | {} | {seconds:.2} | {:.0} | {:.1} | {:.1} | {} |",
            args.requests,
            args.requests as f64 / seconds,
            pct(0.5),
            pct(0.99),
            counts.join(", ")
        );
    }
    if args.bulk > 0 {
        let started = Instant::now();
        let id = format!("{run_id}B");
        let persons: String = rows
            .iter()
            .take(args.bulk)
            .enumerate()
            .map(|(i, r)| search_info(r, i))
            .collect();
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<XmlMsg>{}<MessageBody>{persons}</MessageBody></XmlMsg>\n",
            header(&id)
        );
        put(
            &args.dir,
            &format!("OQSmuquc01req_{id}.xml"),
            xml.as_bytes(),
        )?;
        let receipt = collect(&args.dir, &format!("OQSmuquc01res_{id}.xml"), deadline)?;
        let received = started.elapsed().as_secs_f64();
        let reception = tag(&receipt, "ReceptionNumber")
            .first()
            .map(|s| s.to_string())
            .ok_or_else(|| anyhow::anyhow!("no ReceptionNumber in the receipt: {receipt}"))?;
        let mut attempt = 0;
        let result = loop {
            let name = format!("{id}D{attempt:04}");
            let download = format!(
                "<XmlMsg><MessageHeader><MedicalInstitutionCode>{}</MedicalInstitutionCode></MessageHeader><MessageBody><ReceptionNumber>{reception}</ReceptionNumber></MessageBody></XmlMsg>",
                args.facility
            );
            put(
                &args.dir,
                &format!("OQSmuquc02req_{name}.xml"),
                download.as_bytes(),
            )?;
            let text = collect(&args.dir, &format!("OQSmuquc02res_{name}.xml"), deadline)?;
            if tag(&text, "SegmentOfResult") == ["1"] {
                break text;
            }
            attempt += 1;
            std::thread::sleep(Duration::from_millis(50));
        };
        let seconds = started.elapsed().as_secs_f64();
        let units = tag(&result, "ProcessingResultStatus").len();
        anyhow::ensure!(
            units == args.bulk,
            "{units} results for {} persons",
            args.bulk
        );
        println!(
            "| 一括照会 end to end (upload, poll, result file) | {} | {seconds:.2} | {:.0} | | | {} units, {} polls; receipt after {received:.2} s |",
            args.bulk,
            args.bulk as f64 / seconds,
            units,
            attempt + 1
        );
    }
    Ok(ExitCode::SUCCESS)
}
