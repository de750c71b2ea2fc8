//! `shikaku demo`: a fresh SQLite store with a generated population, a terminal certificate,
//! both listeners, and ready-to-paste curl commands.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use shikaku_app::import::{ImportOptions, import_qualifications};
use shikaku_app::{EligibilityService, LookupRequest};
use shikaku_domain::{
    Branch, CardNumber, CardNumbers, CardSymbol, EligibilityStatus, InsurerNumber, parse_date,
};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Directory for the demo store (default: a new directory under the system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long, default_value_t = 10_000)]
    persons: u64,
    #[arg(long, default_value = "127.0.0.1:8443")]
    api_addr: SocketAddr,
    #[arg(long, default_value = "127.0.0.1:8080")]
    web_addr: SocketAddr,
    /// Set up, print the commands, and exit without serving.
    #[arg(long)]
    no_serve: bool,
}

const FACILITY: &str = "1311234566";
const TERMINAL: &str = "uketsuke-1";

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("shikaku-demo-{}", std::process::id())),
    };
    anyhow::ensure!(
        !dir.join("shikaku.db").exists(),
        "{} already holds a demo store; choose another --dir",
        dir.display()
    );
    std::fs::create_dir_all(&dir)?;
    let data_dir = dir.join("data");
    let db = format!("sqlite:{}", dir.join("shikaku.db").display());
    let population = dir.join("population.csv");
    println!(
        "デモ環境を作成しています (creating the demo in {}) …",
        dir.display()
    );

    let reference = shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc());
    let mut out = std::io::BufWriter::new(std::fs::File::create(&population)?);
    let stats = shikaku_app::population::generate(
        &shikaku_app::population::PopulationOptions {
            persons: args.persons,
            seed: 2020,
            reference,
            wrong_links: 0,
        },
        &mut out,
    )?;
    drop(out);
    println!(
        "  生成: {} persons, {} rows → {}",
        stats.persons,
        stats.rows,
        population.display()
    );

    let store = crate::open_store(&db).await?;
    let key = crate::person_key(&data_dir)?;
    let options = ImportOptions {
        operator: "demo".into(),
        ..ImportOptions::default()
    };
    let report = import_qualifications(store.as_ref(), &key, &population, &options, |_| {}).await?;
    println!("  {}", report.summary());

    let ca = shikaku_pki::Ca::load_or_create(&data_dir)?;
    let facility =
        shikaku_domain::FacilityCode::parse(FACILITY).map_err(|e| anyhow::anyhow!("{e}"))?;
    let issued = shikaku_app::terminal_certs::issue(
        &ca,
        store.as_ref(),
        &facility,
        TERMINAL,
        time::OffsetDateTime::now_utc(),
        365,
    )
    .await?;
    let files = crate::cert::write_terminal_files(&dir.join("certs"), TERMINAL, &issued, &ca)?;
    println!(
        "  端末証明書 (terminal certificate) serial {} for {FACILITY}/{TERMINAL}",
        issued.serial
    );

    let service = EligibilityService::new(store.clone(), key);
    let examples = find_examples(&service, &population).await?;
    let api = format!("https://{}/v1/eligibility", args.api_addr);
    let curl = |body: &str| {
        format!(
            "curl --cacert {ca} --cert {crt} --key {key} -H 'content-type: application/json' \\\n  -d '{body}' {api}",
            ca = ca.cert_path().display(),
            crt = files.crt.display(),
            key = files.key.display(),
        )
    };
    println!();
    for (label, card) in &examples {
        println!("# {label}\n{}\n", curl(&card.body()));
    }
    if let Some((_, card)) = examples.first() {
        // The valid card with another birth date: 該当資格なし, revealing nothing more.
        let wrong = DemoCard {
            birth_date: "1901-01-01".into(),
            ..card.clone()
        };
        println!(
            "# 該当資格なし (no_match: the valid card with another birth date)\n{}\n",
            curl(&wrong.body())
        );
    }
    if let Some((_, card)) = examples.first() {
        // The same lookup as FHIR R4 (README "FHIR R4"): the request written beside the store.
        let ext = |name: &str, value: &str| {
            serde_json::json!({"url": format!(
                "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/{name}"), "valueString": value})
        };
        let request = serde_json::json!({
            "resourceType": "CoverageEligibilityRequest",
            "contained": [
                {"resourceType": "Patient", "id": "pat", "birthDate": card.birth_date},
                {"resourceType": "Organization", "id": "ins", "identifier": [
                    {"system": "urn:oid:1.2.392.100495.20.3.61", "value": card.insurer_number}]},
                {"resourceType": "Coverage", "id": "cov", "status": "active",
                 "beneficiary": {"reference": "#pat"}, "payor": [{"reference": "#ins"}],
                 "extension": [
                    ext("JP_Coverage_InsuredPersonSymbol", &card.symbol),
                    ext("JP_Coverage_InsuredPersonNumber", &card.number),
                    ext("JP_Coverage_InsuredPersonSubNumber", &card.branch)]}
            ],
            "status": "active",
            "purpose": ["validation"],
            "patient": {"reference": "#pat"},
            "created": shikaku_domain::date::format_date(shikaku_domain::date::jst_date(
                time::OffsetDateTime::now_utc())),
            "insurer": {"reference": "#ins"},
            "insurance": [{"coverage": {"reference": "#cov"}}]
        });
        let path = dir.join("fhir-request.json");
        std::fs::write(&path, serde_json::to_string_pretty(&request)?)?;
        println!(
            "# FHIR R4 (the valid card as a CoverageEligibilityRequest):\ncurl --cacert {} --cert {} --key {} -H 'content-type: application/fhir+json' \\\n  --data @{} https://{}/fhir/r4/CoverageEligibilityRequest\n",
            ca.cert_path().display(),
            files.crt.display(),
            files.key.display(),
            path.display(),
            args.api_addr
        );
    }
    // Every printed command names this binary by its real path (after `cargo run` it is
    // not on PATH) and runs as printed.
    let exe = shell_word(
        &std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "shikaku".into()),
    );
    if let Some((_, card)) = examples.first() {
        println!(
            "# operator lookup (the first card above):\n{exe} --db {} --data-dir {} verify --insurer {} --symbol {} --number {} --branch {} --birth {}",
            shell_word(&db),
            shell_word(&data_dir.display().to_string()),
            card.insurer_number,
            shell_word(&card.symbol),
            shell_word(&card.number),
            card.branch,
            card.birth_date
        );
    }

    // Virtual My Number Cards for the card-reader flow.
    let jpki = shikaku_pki::jpki::load_or_create_ca(&data_dir)?;
    let holders = find_card_holders(&service, &population).await?;
    let card_dir = dir.join("cards");
    std::fs::create_dir_all(&card_dir)?;
    let pin = shikaku_pki::jpki::Pin::parse(DEMO_PIN).map_err(|e| anyhow::anyhow!("{e}"))?;
    let base = format!(
        "{exe} --data-dir {} reader verify --api https://{} --cert {} --key {}",
        data_dir.display(),
        args.api_addr,
        files.crt.display(),
        files.key.display()
    );
    println!("\n# マイナンバーカード (virtual cards, 暗証番号 {DEMO_PIN}):");
    for (i, (label, holder)) in holders.iter().enumerate() {
        let path = card_dir.join(format!("card-{}.json", i + 1));
        let my_number = shikaku_domain::MyNumber::parse(&holder.my_number)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        shikaku_app::cards::issue(
            &jpki,
            store.as_ref(),
            service.person_key(),
            shikaku_pki::jpki::CardHolder {
                name: holder.name.clone(),
                birth_date: holder.birth_date.clone(),
            },
            &my_number,
            &pin,
            "photo:demo",
        )
        .await?
        .card
        .save(&path)?;
        println!(
            "# {label}: {}\n{base} --card {} --pin {DEMO_PIN} --register --consent-drugs yes --consent-checkups no\n",
            holder.name,
            path.display()
        );
    }
    println!(
        "# マイナポータル:  {exe} --data-dir {} mynaportal log --card {} --pin {DEMO_PIN} --web http://{}",
        data_dir.display(),
        card_dir.join("card-1.json").display(),
        args.web_addr
    );
    let oqs = dir.join("oqs");
    println!(
        "\n# レセコン連携 (receipt-computer files): the agent, then the reference receipt computer\n\
         {exe} agent --dir {oqs} --api https://{} --cert {} --key {} --ca {}\n\
         {exe} recesim --dir {oqs} --population {} --requests 100 --bulk 1000",
        args.api_addr,
        files.crt.display(),
        files.key.display(),
        ca.cert_path().display(),
        population.display(),
        oqs = oqs.display()
    );
    // The portal: an operator and one registered clinic.
    let portal = crate::portal::service(&db, &data_dir).await?;
    let operator_password = shikaku_pki::random_password();
    portal
        .add_operator("operator", &operator_password)
        .await
        .map_err(|e| anyhow::anyhow!("demo operator: {e}"))?;
    // The facility register (as the 地方厚生局 publish it): registrations must match it.
    let register = dir.join("facility-register.csv");
    std::fs::write(
        &register,
        "医療機関等コード,名称,種別,郵便番号,所在地\n\
         1311234566,しかく内科クリニック,診療所,100-0001,東京都千代田区千代田1-1\n\
         1341234566,しかく薬局,薬局,100-0005,東京都千代田区丸の内1-1\n\
         2711111111,しかく総合病院,病院,530-0001,大阪府大阪市北区梅田1-1\n",
    )?;
    shikaku_app::identity::load_facility_register(store.as_ref(), &register, false)
        .await
        .map_err(|e| anyhow::anyhow!("demo facility register: {e}"))?;
    let clinic_password = shikaku_pki::random_password();
    let pending = portal
        .register(&shikaku_app::portal::Registration {
            code: "1311234566".into(),
            name: "しかく内科クリニック".into(),
            category: "clinic".into(),
            postal_code: "100-0001".into(),
            address: "東京都千代田区千代田1-1".into(),
            phone: "03-1234-5678".into(),
            contact_name: "資格 太郎".into(),
            email: "it@clinic.example.jp".into(),
            password: clinic_password.clone(),
        })
        .await
        .map_err(|e| anyhow::anyhow!("demo clinic: {e}"))?;
    // The clinic is activated the real way: its letter printed, its code entered.
    let operator = shikaku_app::portal::Actor::Operator {
        login: "operator".into(),
    };
    let letter = portal
        .print_letters(&operator, Some("1311234566"))
        .await
        .map_err(|e| anyhow::anyhow!("demo letter: {e}"))?;
    let code = letter
        .first()
        .map(|l| l.code.to_string())
        .ok_or_else(|| anyhow::anyhow!("demo letter: none printed"))?;
    portal
        .activate(Some(&pending), "", &code, None)
        .await
        .map_err(|e| anyhow::anyhow!("demo activation: {e}"))?;
    println!(
        "\n# 医療機関等の名簿 (facility register): {} — 1341234566（薬局）と 2711111111（病院）は未登録:\n\
         #   登録すると確認コードの郵送待ちになります（運用者画面「確認コード郵送」で印刷）",
        register.display()
    );
    println!(
        "\n# ポータル (portal): http://{web}/portal\n\
         #   医療機関 (clinic)   login 1311234566  password {clinic_password}\n\
         #   運用者 (operator)   login operator    password {operator_password}\n\
         # お問い合わせ (inquiries): http://{web}/inquiry — 送信メールは {mail}/ に .eml で保存",
        web = args.web_addr,
        mail = data_dir.join("mail").display()
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let serve_args = crate::serve::ServeArgs {
        api_addr: args.api_addr,
        web_addr: args.web_addr,
        server_names: vec!["localhost".into(), "127.0.0.1".into()],
        faq_dir: None,
        secure_cookies: false,
        public_url: None,
        web_tls_cert: None,
        web_tls_key: None,
        trusted_proxies: Vec::new(),
        read_db: None,
        read_db_max_lag: 5.0,
        access_log_retention_months: shikaku_app::retention::DEFAULT_RETENTION_MONTHS,
        mail: crate::serve::MailArgs::default(),
    };
    let (running, _) = crate::serve::start(&db, &data_dir, &serve_args).await?;
    println!(
        "起動しました (serving): API https://{}  web http://{}/  — Ctrl+C で終了",
        running.api_addr, running.web_addr
    );
    crate::serve::wait_for_shutdown(running).await
}

const DEMO_PIN: &str = "1234";

/// A word a POSIX shell reads back as it is: quoted unless it is plain.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Today's status of a population row's card numbers and birth date.
async fn row_status(
    service: &EligibilityService,
    r: &csv::StringRecord,
) -> anyhow::Result<EligibilityStatus> {
    let get = |i: usize| r.get(i).unwrap_or_default();
    let bad = |e: &dyn std::fmt::Display| anyhow::anyhow!("population row: {e}");
    let card = CardNumbers {
        insurer: InsurerNumber::parse(get(0)).map_err(|e| bad(&e))?,
        symbol: CardSymbol::parse_optional(get(1)).map_err(|e| bad(&e))?,
        number: CardNumber::parse(get(2)).map_err(|e| bad(&e))?,
        branch: Branch::parse(get(3)).map_err(|e| bad(&e))?,
    };
    let birth_date = parse_date(get(9)).map_err(|e| bad(&e))?;
    let (outcome, _) = service
        .evaluate(&LookupRequest {
            card,
            birth_date,
            as_of: None,
            any_branch: false,
            any_birth: false,
        })
        .await?;
    Ok(outcome.status())
}

struct Holder {
    name: String,
    birth_date: String,
    my_number: String,
}

/// Card holders from the generated file: one valid, one who changed insurer (the card finds
/// the new qualification before the new insurance card arrives).
async fn find_card_holders(
    service: &EligibilityService,
    population: &Path,
) -> anyhow::Result<Vec<(&'static str, Holder)>> {
    let mut reader = csv::Reader::from_path(population)?;
    let mut found: Vec<(EligibilityStatus, Holder)> = Vec::new();
    let wanted = [EligibilityStatus::Valid, EligibilityStatus::LostNewer];
    for record in reader.records() {
        let r = record?;
        let get = |i: usize| r.get(i).unwrap_or_default();
        if get(15).is_empty() {
            continue;
        }
        let status = row_status(service, &r).await?;
        if wanted.contains(&status) && !found.iter().any(|(s, _)| *s == status) {
            found.push((
                status,
                Holder {
                    name: get(6).into(),
                    birth_date: get(9).into(),
                    my_number: get(15).into(),
                },
            ));
        }
        if found.len() == wanted.len() {
            break;
        }
    }
    found.sort_by_key(|(s, _)| wanted.iter().position(|w| w == s));
    Ok(found
        .into_iter()
        .map(|(s, h)| {
            let label = match s {
                EligibilityStatus::Valid => "有効な資格のある方",
                _ => "保険者が変わった方（新しい資格が見つかります）",
            };
            (label, h)
        })
        .collect())
}

#[derive(Clone)]
struct DemoCard {
    insurer_number: String,
    symbol: String,
    number: String,
    branch: String,
    birth_date: String,
}

impl DemoCard {
    fn body(&self) -> String {
        serde_json::json!({
            "insurer_number": self.insurer_number,
            "symbol": self.symbol,
            "number": self.number,
            "branch": self.branch,
            "birth_date": self.birth_date,
        })
        .to_string()
    }
}

/// Scans the generated file for one valid, one lost and one lost_newer example.
async fn find_examples(
    service: &EligibilityService,
    population: &Path,
) -> anyhow::Result<Vec<(String, DemoCard)>> {
    let mut reader = csv::Reader::from_path(population)?;
    let mut found: Vec<(EligibilityStatus, DemoCard)> = Vec::new();
    let wanted = [
        EligibilityStatus::Valid,
        EligibilityStatus::Lost,
        EligibilityStatus::LostNewer,
    ];
    for record in reader.records() {
        let r = record?;
        let get = |i: usize| r.get(i).unwrap_or_default();
        let status = row_status(service, &r).await?;
        if wanted.contains(&status) && !found.iter().any(|(s, _)| *s == status) {
            let card = DemoCard {
                insurer_number: get(0).into(),
                symbol: get(1).into(),
                number: get(2).into(),
                branch: get(3).into(),
                birth_date: get(9).into(),
            };
            found.push((status, card));
        }
        if found.len() == wanted.len() {
            break;
        }
    }
    found.sort_by_key(|(s, _)| wanted.iter().position(|w| w == s));
    Ok(found
        .into_iter()
        .map(|(s, card)| (format!("{} ({})", s.label_ja(), s.as_str()), card))
        .collect())
}
