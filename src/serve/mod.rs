//! `jielong serve`: the classroom playground, a local web page where the word-chain game is visible.
//!
//! ```text
//! browser ──HTTP──▶ router ─┬─ /            the page (HTML, JS, CSS built into the binary)
//!                           └─ /api/…       JSON over the library: play::next_move, play::play,
//!                                           generate::generate_while (streamed), attention_by_layer,
//!                                           checkpoints and metrics under runs/
//! ```
//!
//! The page computes nothing: every number it draws comes from the library through the API ([`api`]).
//! Checkpoints and runs are found under the runs directory only ([`catalog`]); each model is loaded once
//! and shared ([`models`]). The server listens on loopback unless told otherwise.

pub mod api;
pub mod catalog;
pub mod models;

use crate::device::DeviceChoice;
use anyhow::{Context, Result};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use catalog::Catalog;
use models::Models;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What the server refuses or cuts short, so that no request can hold it for long.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The longest prompt, in characters (a longer one is refused with 413).
    pub max_prompt_chars: usize,
    /// The most tokens one generation may ask for.
    pub max_new_tokens: usize,
    /// A generation stops after this long, whatever its token count.
    pub time_limit: Duration,
    /// The most candidates `next` returns.
    pub max_top: usize,
    /// The attention maps cover at most this many tokens (the prompt's last ones).
    pub attention_tokens: usize,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_prompt_chars: 2000,
            max_new_tokens: 500,
            time_limit: Duration::from_secs(30),
            max_top: 500,
            attention_tokens: 48,
            max_body_bytes: 64 * 1024,
        }
    }
}

/// How to run the playground.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Address to listen on: `127.0.0.1` (this machine only) unless the class should reach it.
    pub host: IpAddr,
    /// Port (0: any free one).
    pub port: u16,
    /// The runs directory whose checkpoints and metrics the page shows.
    pub runs: PathBuf,
    /// Where the models run.
    pub device: DeviceChoice,
    /// The server's limits.
    pub limits: Limits,
}

/// What every request shares.
pub struct AppState {
    /// The runs directory.
    pub catalog: Catalog,
    /// The models loaded so far.
    pub models: Models,
    /// The limits.
    pub limits: Limits,
}

/// The page and its assets, built into the binary: nothing is fetched from the network.
const INDEX_HTML: &str = include_str!("static/index.html");
const APP_JS: &str = include_str!("static/app.js");
const STYLE_CSS: &str = include_str!("static/style.css");

/// The router: the page, its assets and the API.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.limits.max_body_bytes;
    Router::new()
        .route("/", get(|| page(INDEX_HTML, "text/html; charset=utf-8")))
        .route(
            "/app.js",
            get(|| page(APP_JS, "text/javascript; charset=utf-8")),
        )
        .route(
            "/style.css",
            get(|| page(STYLE_CSS, "text/css; charset=utf-8")),
        )
        .route("/api/presets", get(api::presets))
        .route("/api/checkpoints", get(api::checkpoints))
        .route("/api/next", post(api::next))
        .route("/api/play", post(api::play))
        .route("/api/generate", post(api::generate))
        .route("/api/attention", post(api::attention))
        .route("/api/runs", get(api::runs))
        .route("/api/metrics", get(api::metrics))
        .route("/api/{*rest}", any(api::unknown_endpoint))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

async fn page(body: &'static str, kind: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, kind)], body)
}

/// A playground running on a thread of its own (what `jielong serve` and the tests start).
pub struct Running {
    /// The address it listens on (the real port when the options asked for 0).
    pub addr: SocketAddr,
    thread: std::thread::JoinHandle<Result<()>>,
}

impl Running {
    /// Wait for the server to stop (it stops only on an error, or with the process).
    pub fn wait(self) -> Result<()> {
        self.thread
            .join()
            .map_err(|_| anyhow::anyhow!("the server's thread panicked"))?
    }
}

/// Bind and start serving on a background thread; returns once the port is bound, so a bad address or a
/// port in use is an error here.
pub fn start(opts: &ServeOptions) -> Result<Running> {
    let device = opts.device.resolve()?;
    if !opts.runs.is_dir() {
        anyhow::bail!(
            "--runs: {} is not a directory (train something first, e.g. `jielong chapter 1`)",
            opts.runs.display()
        );
    }
    let state = Arc::new(AppState {
        catalog: Catalog {
            root: opts.runs.clone(),
        },
        models: Models::new(device),
        limits: opts.limits.clone(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    let wanted = SocketAddr::new(opts.host, opts.port);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(wanted))
        .with_context(|| format!("cannot listen on {wanted}"))?;
    let addr = listener.local_addr()?;
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            axum::serve(listener, router(state))
                .await
                .context("the server stopped")
        })
    });
    Ok(Running { addr, thread })
}

/// `jielong serve`: start, say where, and serve until interrupted.
pub fn run(opts: &ServeOptions) -> Result<()> {
    if !opts.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine can use the playground \
             (and its CPU); use --host 127.0.0.1 to keep it to this machine",
            opts.host
        );
    }
    let running = start(opts)?;
    println!(
        "the playground is at http://{} (runs from {}; Ctrl-C to stop)",
        running.addr,
        opts.runs.display()
    );
    running.wait()
}
