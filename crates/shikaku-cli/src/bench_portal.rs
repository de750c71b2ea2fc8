//! `shikaku bench portal`: portal pages under concurrent logged-in sessions on a store seeded
//! with synthetic facilities, and the operator dashboard's query time at that size. Prints a
//! Markdown table.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shikaku_app::portal::Actor;
use shikaku_store::portal::FacilityFilter;

/// Password of every synthetic account (benchmark data only).
const SEED_PASSWORD: &str = "bench-portal-password";
/// The pages a facility user reads.
const PAGES: [&str; 4] = [
    "/portal/home",
    "/portal/readers",
    "/portal/certificates",
    "/portal/subsidy-application",
];

struct Timings {
    name: String,
    micros: Vec<u64>,
    errors: u64,
    seconds: f64,
}

impl Timings {
    fn row(&mut self) -> String {
        self.micros.sort_unstable();
        let pct = |p: f64| {
            if self.micros.is_empty() {
                f64::NAN
            } else {
                let i = ((self.micros.len() as f64 - 1.0) * p).round() as usize;
                self.micros[i] as f64 / 1000.0
            }
        };
        format!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
            self.name,
            self.micros.len(),
            self.errors,
            self.micros.len() as f64 / self.seconds,
            pct(0.5),
            pct(0.99),
            pct(1.0)
        )
    }
}

async fn login(
    client: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = client
        .post(format!("{base}/portal/login"))
        .form(&[("login", user), ("password", password)])
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == reqwest::StatusCode::SEE_OTHER,
        "login of {user} answered {}",
        response.status()
    );
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("no session cookie for {user}"))?;
    Ok(cookie.to_string())
}

/// GETs `path` with a session cookie; the latency in µs, or None when not 200.
async fn get(client: &reqwest::Client, url: &str, cookie: &str) -> Option<u64> {
    let started = Instant::now();
    let response = client
        .get(url)
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .ok()?;
    let ok = response.status() == reqwest::StatusCode::OK;
    response.bytes().await.ok()?;
    ok.then(|| started.elapsed().as_micros() as u64)
}

/// `times` sequential GETs of one page by the operator.
async fn operator_page(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    name: &str,
    path: &str,
    times: u32,
) -> Timings {
    let started = Instant::now();
    let mut t = Timings {
        name: name.into(),
        micros: Vec::new(),
        errors: 0,
        seconds: 0.0,
    };
    for _ in 0..times {
        match get(client, &format!("{base}{path}"), cookie).await {
            Some(us) => t.micros.push(us),
            None => t.errors += 1,
        }
    }
    t.seconds = started.elapsed().as_secs_f64();
    t
}

pub async fn run(
    db: &str,
    data_dir: &Path,
    facilities: u64,
    sessions: usize,
    seconds: u64,
) -> anyhow::Result<ExitCode> {
    let store = crate::open_store(db).await?;
    let state = crate::serve::app_state(store, data_dir, None, false, &Default::default()).await?;
    let portal = state.portal.clone();
    let have = portal.facility_count().await?;
    if have == 0 {
        let bar = indicatif::ProgressBar::new(facilities);
        let started = Instant::now();
        let options = shikaku_app::facilities::Options {
            count: facilities,
            seed: 2021,
            today: shikaku_domain::date::jst_date(time::OffsetDateTime::now_utc()),
        };
        portal
            .load_synthetic(&options, SEED_PASSWORD, |n| bar.set_position(n))
            .await?;
        bar.finish_and_clear();
        println!(
            "seeded {facilities} synthetic facilities in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else {
        anyhow::ensure!(
            have == facilities,
            "the store holds {have} facilities, not {facilities}: use an empty store (or the one this command seeded)"
        );
        println!("reusing the {have} facilities already in the store");
    }
    let ca = shikaku_pki::Ca::load_or_create(data_dir)?;
    let any: std::net::SocketAddr = "127.0.0.1:0".parse()?;
    let running = shikaku_api::start(
        state.into(),
        &ca,
        shikaku_api::ServeConfig {
            api_addr: any,
            web_addr: any,
            server_names: vec!["localhost".into()],
            web_tls: None,
        },
    )
    .await?;
    let base = format!("http://{}", running.web_addr);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(sessions + 4)
        .build()?;

    // Sessions: facilities spread over the whole table.
    let operator_login = format!("bench-{}", std::process::id());
    portal
        .add_operator(&operator_login, SEED_PASSWORD)
        .await
        .map_err(|e| anyhow::anyhow!("bench operator: {e}"))?;
    let operator = Actor::Operator {
        login: operator_login.clone(),
    };
    let stride = (facilities / sessions as u64).max(1);
    let mut codes = Vec::with_capacity(sessions);
    for i in 0..sessions as u64 {
        let page = portal
            .facilities(
                &operator,
                &FacilityFilter::default(),
                (i * stride) % facilities,
                1,
            )
            .await?;
        codes.extend(page.items.into_iter().map(|f| f.code));
    }
    let login_started = Instant::now();
    let mut cookies = Vec::with_capacity(sessions);
    for code in &codes {
        cookies.push(login(&client, &base, code.as_str(), SEED_PASSWORD).await?);
    }
    let login_seconds = login_started.elapsed().as_secs_f64();

    // Facility pages: every session reads its pages in a loop.
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let base = Arc::new(base);
    let mut tasks = Vec::new();
    for (n, cookie) in cookies.into_iter().enumerate() {
        let client = client.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let (mut micros, mut errors) = (Vec::new(), 0u64);
            let mut i = n;
            while Instant::now() < deadline {
                let url = format!("{base}{}", PAGES[i % PAGES.len()]);
                match get(&client, &url, &cookie).await {
                    Some(us) => micros.push(us),
                    None => errors += 1,
                }
                i += 1;
            }
            (micros, errors)
        }));
    }
    let mut pages = Timings {
        name: format!("facility pages, {sessions} sessions"),
        micros: Vec::new(),
        errors: 0,
        seconds: 0.0,
    };
    for task in tasks {
        let (micros, errors) = task.await?;
        pages.micros.extend(micros);
        pages.errors += errors;
    }
    pages.seconds = started.elapsed().as_secs_f64();

    // The operator's views at this size, one request at a time.
    let op_cookie = login(&client, &base, &operator_login, SEED_PASSWORD).await?;
    let mut dashboard = operator_page(
        &client,
        &base,
        &op_cookie,
        "GET /portal/operator (dashboard: the first computes, the rest reuse it for 30 s)",
        "/portal/operator",
        20,
    )
    .await;
    let mut search = operator_page(
        &client,
        &base,
        &op_cookie,
        "GET /portal/operator/facilities?q=… (name search)",
        "/portal/operator/facilities?q=%E5%90%88%E6%88%90%E5%8C%BB%E7%99%82%E6%A9%9F%E9%96%A2199",
        20,
    )
    .await;
    let mut listing = operator_page(
        &client,
        &base,
        &op_cookie,
        "GET /portal/operator/facilities?page=2000",
        "/portal/operator/facilities?page=2000",
        20,
    )
    .await;
    let mut query = Timings {
        name: "adoption query (store, in process, uncached)".into(),
        micros: Vec::new(),
        errors: 0,
        seconds: 0.0,
    };
    let started = Instant::now();
    for _ in 0..20 {
        let t = Instant::now();
        portal.store().adoption().await?;
        query.micros.push(t.elapsed().as_micros() as u64);
    }
    query.seconds = started.elapsed().as_secs_f64();

    println!("| what | requests | errors | per s | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for t in [
        &mut pages,
        &mut dashboard,
        &mut search,
        &mut listing,
        &mut query,
    ] {
        println!("{}", t.row());
    }
    println!();
    println!(
        "{facilities} facilities ({}), {sessions} sessions logged in in {login_seconds:.1} s (argon2id each), {seconds} s of page reads",
        db.split(':').next().unwrap_or("?")
    );
    running.shutdown();
    running.wait().await?;
    Ok(ExitCode::SUCCESS)
}
