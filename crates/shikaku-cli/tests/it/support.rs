//! Shared fixtures: a small known population, a temp environment, the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const HEADER: &str = "insurer_number,symbol,number,branch,person_ref,insured_category,name,name_kana,sex,birth_date,qualified_from,qualified_until,copay_ratio,limit_category,specific_disease,my_number";

/// Rows with a known outcome on 2025-06-01:
/// - 01130012/12/345/00 valid; 01130012/12/345/01 a dependent, valid.
/// - 06138093//777/00 lost 2025-04-01, the same person (個人番号) is valid under 138057.
/// - 39131156//900/00 lost 2024-04-01, nothing newer.
/// - 01130012/88/1/00 starts 2025-10-01 (not yet).
pub fn fixture_csv() -> String {
    [
        HEADER,
        "01130012,12,345,00,P1,1,山田 太郎,ヤマダ タロウ,1,1980-05-17,2010-04-01,,30,A03,,123456789018",
        "01130012,１２,345,01,P2,2,山田 花子,ヤマダ ハナコ,2,2019-02-03,2019-02-03,,20,,,",
        "06138093,,777,00,Q1,1,佐藤 一郎,サトウ イチロウ,1,1970-01-20,2015-04-01,2025-04-01,30,,,987654321000",
        "138057,国1,5,00,N1,1,佐藤 一郎,サトウ イチロウ,1,1970-01-20,2025-04-01,,30,,,987654321000",
        "39131156,,900,00,K1,1,鈴木 茂,スズキ シゲル,1,1945-03-03,2020-03-03,2024-04-01,10,B04,1,",
        "01130012,88,1,00,P9,1,田中 凛,タナカ リン,2,2000-01-01,2025-10-01,,30,,,",
    ]
    .join("\n")
        + "\n"
}

/// The facility register of the tests: a clinic, a pharmacy and a hospital.
pub const FACILITY_REGISTER: &str = "医療機関等コード,名称,種別,郵便番号,所在地
1311234566,しかく内科クリニック,診療所,100-0001,東京都千代田区千代田1-1
1341234566,しかく薬局,薬局,100-0005,東京都千代田区丸の内1-1
2711111111,しかく総合病院,病院,530-0001,大阪府大阪市北区梅田1-1
";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub db: String,
}

impl Env {
    pub fn sqlite() -> Self {
        let shikaku_store::testing::TempSqlite { dir, url } =
            shikaku_store::testing::TempSqlite::new();
        Self { dir, db: url }
    }

    pub fn with_db(db: String) -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
            db,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    /// Runs `shikaku` with this environment's database and data directory.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .args(args)
            .env("SHIKAKU_DATABASE_URL", &self.db)
            .env("SHIKAKU_DATA_DIR", self.data_dir())
            .env("SHIKAKU_LOG", "warn")
            .output()
            .expect("run shikaku")
    }

    pub fn import(&self, path: &Path, extra: &[&str]) -> Output {
        let mut args = vec![
            "import",
            "qualifications",
            path.to_str().expect("utf-8 path"),
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A TCP proxy in front of a database server that a test can cut and restore, to see how
/// the system behaves while the database is unreachable.
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Milliseconds each new connection waits before it is connected (a slow centre).
    delay_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(upstream: std::net::SocketAddr) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let delay_ms = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let delay2 = delay_ms.clone();
        let links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> =
            Default::default();
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let delay = delay2.load(Ordering::SeqCst);
                let link = tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().expect("links").push(link);
            }
        });
        Self {
            addr,
            up,
            delay_ms,
            links,
        }
    }

    /// New connections wait this long before they reach the upstream.
    pub fn slow(&self, delay: std::time::Duration) {
        self.delay_ms.store(
            delay.as_millis() as u64,
            std::sync::atomic::Ordering::SeqCst,
        );
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

pub const DRUG_HEADER: &str = "insurer_number,person_ref,dispensed_on,facility_code,facility_name,source,drug_code,drug_name,quantity,unit,days";

/// 佐藤 一郎's drugs under both insurers (Q1 at 06138093, N1 at 138057) and 山田 太郎's (P1).
pub fn drugs_csv() -> String {
    [
        DRUG_HEADER,
        "06138093,Q1,2021-01-10,1311234566,しかくクリニック,医科,620004385,ロキソニン錠６０ｍｇ,3,錠,7",
        "06138093,Q1,2024-11-02,1341234566,しかく薬局,調剤,610443047,ムコダイン錠２５０ｍｇ,1.5,錠,5",
        "138057,N1,2025-05-20,1311234566,しかくクリニック,医科,620004385,ロキソニン錠６０ｍｇ,2,錠,3",
        "01130012,P1,2025-04-01,1311234566,しかくクリニック,DPC,620004385,ロキソニン錠６０ｍｇ,1,錠,",
    ]
    .join("\n")
        + "\n"
}

pub const CHECKUP_HEADER: &str = "insurer_number,person_ref,checked_on,height_cm,weight_kg,bmi,waist_cm,systolic_bp,diastolic_bp,fasting_glucose,hba1c,tg,hdl,ldl,ast,alt,ggt,urine_protein,metabolic_syndrome,guidance_level";

pub fn checkups_csv() -> String {
    [
        CHECKUP_HEADER,
        "06138093,Q1,2019-06-01,170.2,68.0,23.5,84.0,128,82,98,5.6,120,55,130,22,25,30,−,非該当,なし",
        "138057,N1,2025-05-10,170,72.5,25.1,88.5,135,88,105,5.9,160,48,142,28,35,42,±,予備群該当,動機付け支援",
    ]
    .join("\n")
        + "\n"
}

/// Adds a portal operator with `shikaku portal add-operator` and returns the printed password.
pub fn add_operator(env: &Env, login: &str) -> String {
    let out = env.run(&["portal", "add-operator", "--login", login]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("password: ").map(str::to_string))
        .expect("password printed")
}

/// `card issue` for 佐藤 一郎 (個人番号 987654321000, PIN 1234), written to `out`.
pub fn sato_card_issue(out: &Path) -> Vec<String> {
    [
        "card",
        "issue",
        "--name",
        "佐藤 一郎",
        "--birth",
        "1970-01-20",
        "--my-number",
        "987654321000",
        "--pin",
        "1234",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([out.display().to_string()])
    .collect()
}

/// A port free on 127.0.0.1 now (for a `shikaku serve` started as a process).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

/// Whether the slowest tests run: under CI always, locally with `SHIKAKU_SLOW_TESTS=1`
/// (a skipped one says so on stderr).
pub fn slow_tests(name: &str) -> bool {
    let on = std::env::var("CI").as_deref() == Ok("true")
        || std::env::var("SHIKAKU_SLOW_TESTS").as_deref() == Ok("1");
    if !on {
        eprintln!("{name}: skipped locally; SHIKAKU_SLOW_TESTS=1 runs it (CI always does)");
    }
    on
}
