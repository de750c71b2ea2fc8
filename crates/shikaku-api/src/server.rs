//! Starting both listeners; port 0 works (the bound addresses are reported back).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use shikaku_pki::Ca;
use tokio::task::JoinHandle;

use crate::AppState;

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub api_addr: SocketAddr,
    pub web_addr: SocketAddr,
    /// DNS names and IP addresses the API's server certificate is issued for.
    pub server_names: Vec<String>,
    /// The web listener over TLS: PEM files of its certificate chain and private key.
    pub web_tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

pub struct Running {
    pub api_addr: SocketAddr,
    pub web_addr: SocketAddr,
    api: Handle<SocketAddr>,
    web: Handle<SocketAddr>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
    /// The hourly removal of expired portal sessions and idempotent answers, and the mail outbox.
    background: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting and lets running requests finish (up to 10 s).
    pub fn shutdown(&self) {
        self.api.graceful_shutdown(Some(Duration::from_secs(10)));
        self.web.graceful_shutdown(Some(Duration::from_secs(10)));
        for task in &self.background {
            task.abort();
        }
    }

    /// Waits until both listeners have stopped.
    pub async fn wait(self) -> anyhow::Result<()> {
        for task in self.tasks {
            task.await.context("listener task")?.context("listener")?;
        }
        Ok(())
    }
}

fn listen(addr: SocketAddr) -> anyhow::Result<std::net::TcpListener> {
    let listener =
        std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Binds both listeners and serves until [`Running::shutdown`].
pub async fn start(state: AppState, ca: &Ca, config: ServeConfig) -> anyhow::Result<Running> {
    let server_cert = ca
        .issue_server(&config.server_names)
        .context("issuing the API server certificate")?;
    let tls = RustlsConfig::from_config(crate::tls::server_config(ca, &server_cert)?);
    let api_listener = listen(config.api_addr)?;
    let web_listener = listen(config.web_addr)?;
    let api_addr = api_listener.local_addr()?;
    let web_addr = web_listener.local_addr()?;
    let host = if web_addr.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), web_addr.port())
    } else {
        web_addr
    };
    let scheme = if config.web_tls.is_some() {
        "https"
    } else {
        "http"
    };
    // Kept when `--public-url` set it already.
    let _ = state.public_url.set(format!("{scheme}://{host}"));
    let api = Handle::new();
    let web = Handle::new();
    let api_router =
        crate::api_router(state.clone()).layer(tower_http::trace::TraceLayer::new_for_http());
    // Expired portal sessions are refused when loaded; this removes them from the store.
    let portal = state.portal.clone();
    let purge = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            match portal.purge_expired_sessions().await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired portal sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "removing expired portal sessions failed"),
            }
        }
    });
    let expiry = shikaku_app::idempotency::spawn_expiry(&state.service);
    let outbox = state.support.spawn_outbox(state.mailer.clone());
    let web_router = crate::web_router(state).layer(tower_http::trace::TraceLayer::new_for_http());
    let api_server = axum_server::from_tcp_rustls(api_listener, tls)?.handle(api.clone());
    // The peer address reaches the inquiry form's rate limit and the login throttle.
    let web_app = web_router.into_make_service_with_connect_info::<SocketAddr>();
    let web_task = match &config.web_tls {
        Some((cert, key)) => {
            let tls = RustlsConfig::from_config(crate::tls::web_server_config(cert, key)?);
            let server = axum_server::from_tcp_rustls(web_listener, tls)?.handle(web.clone());
            tokio::spawn(server.serve(web_app))
        }
        None => {
            let server = axum_server::from_tcp(web_listener)?.handle(web.clone());
            tokio::spawn(server.serve(web_app))
        }
    };
    let tasks = vec![
        tokio::spawn(api_server.serve(api_router.into_make_service())),
        web_task,
    ];
    Ok(Running {
        api_addr,
        web_addr,
        api,
        web,
        tasks,
        background: vec![purge, expiry, outbox],
    })
}
