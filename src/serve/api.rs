//! The playground's JSON API: each handler checks its request, runs one library function on a blocking
//! thread (model work never stalls the server), and answers JSON — or, for generation, a stream of
//! server-sent events. A bad request gets a 4xx status and `{"error": "…"}` naming the problem.

use super::AppState;
use super::models::{Loaded, lock};
use crate::chapters::ch03::{AttentionMaps, attention_by_layer};
use crate::generate::{self, Preset, SamplingConfig};
use crate::play::{self, Move, NextMove};
use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A refused or failed request: an HTTP status and a message that names the problem.
#[derive(Debug)]
pub struct ApiError {
    /// 400 bad request, 404 not found, 413 too large, 500 a failure of the server's own.
    pub status: StatusCode,
    /// What was wrong, e.g. `sampling: top_p must be in (0, 1], got 1.5`.
    pub message: String,
}

impl ApiError {
    /// 400: the request cannot mean anything.
    pub fn bad(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
    /// 404: it names something that is not there.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
    /// 500: the server failed.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.message }));
        (self.status, body).into_response()
    }
}

/// A JSON body whose rejection (malformed JSON, a wrong or unknown field, too large) is an [`ApiError`].
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(e) => Err(ApiError {
                status: e.status(),
                message: e.body_text(),
            }),
        }
    }
}

/// A query string whose rejection is an [`ApiError`].
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(e) => Err(ApiError::bad(e.body_text())),
        }
    }
}

/// The one request shape of every model endpoint; each uses the fields it needs. Unknown fields are
/// refused, so a misspelt setting is an error rather than silently ignored.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelRequest {
    /// The checkpoint's path relative to the runs directory, e.g. `ch01/gpt/model.safetensors`.
    pub checkpoint: String,
    /// The text so far.
    pub prompt: String,
    /// Sampling temperature (0 = greedy; default 1).
    #[serde(default = "one")]
    pub temperature: f64,
    /// Top-k (0 = off, the default).
    #[serde(default)]
    pub top_k: usize,
    /// Top-p (1 = off, the default).
    #[serde(default = "one")]
    pub top_p: f64,
    /// Seed of the random draw (default 0).
    #[serde(default)]
    pub seed: u64,
    /// `next`: how many of the most likely tokens to return (default 20).
    #[serde(default = "twenty")]
    pub top: usize,
    /// `play`: the token id the class chose (absent: the rule draws one).
    #[serde(default)]
    pub choose: Option<i64>,
    /// `generate`: how many tokens to generate at most (default 100).
    #[serde(default = "hundred")]
    pub max_tokens: usize,
}

fn one() -> f64 {
    1.0
}
fn twenty() -> usize {
    20
}
fn hundred() -> usize {
    100
}

impl ModelRequest {
    /// The request's sampling settings, refused when they cannot mean anything.
    fn sampling(&self) -> Result<SamplingConfig, ApiError> {
        let cfg = SamplingConfig {
            temperature: self.temperature,
            top_k: self.top_k,
            top_p: self.top_p,
            seed: self.seed,
            max_new_tokens: self.max_tokens,
            stop: Vec::new(),
        };
        cfg.validate().map_err(|e| ApiError::bad(e.to_string()))?;
        Ok(cfg)
    }

    /// `field` (its value `value`) refused unless in `1..=limit`.
    fn within(field: &str, value: usize, limit: usize) -> Result<(), ApiError> {
        if value == 0 || value > limit {
            return Err(ApiError::bad(format!(
                "{field} must be in 1..={limit}, got {value}"
            )));
        }
        Ok(())
    }

    /// The checkpoint's file, and the prompt checked: not empty, not longer than the limit.
    fn checked(&self, state: &AppState) -> Result<PathBuf, ApiError> {
        let path = state.catalog.checkpoint(&self.checkpoint)?;
        let chars = self.prompt.chars().count();
        if self.prompt.is_empty() {
            return Err(ApiError::bad("prompt: empty (type some text to continue)"));
        }
        if chars > state.limits.max_prompt_chars {
            return Err(ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!(
                    "prompt: {chars} characters, more than the limit of {}",
                    state.limits.max_prompt_chars
                ),
            });
        }
        Ok(path)
    }
}

/// Run `work` on the loaded model of `path` on a blocking thread. A model that will not load or an error of
/// `work` is a 400 with its message (the request's text or settings do not fit this model); a panic is a 500.
async fn with_model<T: Send + 'static>(
    state: &Arc<AppState>,
    path: PathBuf,
    work: impl FnOnce(&Loaded) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    let job = tokio::task::spawn_blocking(move || -> anyhow::Result<T> {
        let loaded = state.models.get(&path)?;
        let loaded = lock(&loaded);
        work(&loaded)
    });
    outcome(job.await)
}

/// A blocking job's outcome as the API answers it: its error a 400, its panic a 500.
fn outcome<T>(job: Result<anyhow::Result<T>, tokio::task::JoinError>) -> Result<T, ApiError> {
    match job {
        Ok(result) => result.map_err(|e| ApiError::bad(format!("{e:#}"))),
        Err(e) => Err(ApiError::internal(format!("the model's work failed: {e}"))),
    }
}

/// A preset as the page's buttons and table show it.
#[derive(Serialize)]
pub struct PresetView {
    name: &'static str,
    temperature: f64,
    top_k: usize,
    top_p: f64,
    use_for: &'static str,
}

/// `GET /api/presets`: the course's sampling presets with what each is for.
pub async fn presets() -> Json<Vec<PresetView>> {
    Json(
        Preset::ALL
            .iter()
            .map(|&p| {
                let cfg = p.config();
                PresetView {
                    name: p.name(),
                    temperature: cfg.temperature,
                    top_k: cfg.top_k,
                    top_p: cfg.top_p,
                    use_for: p.use_for(),
                }
            })
            .collect(),
    )
}

/// `GET /api/checkpoints`: every checkpoint under the runs directory.
pub async fn checkpoints(State(state): State<Arc<AppState>>) -> Response {
    let catalog = state.catalog.clone();
    match tokio::task::spawn_blocking(move || catalog.checkpoints()).await {
        Ok(list) => Json(serde_json::json!({
            "runs_dir": state.catalog.root,
            "checkpoints": list,
        }))
        .into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

/// `POST /api/next`: the next-token distribution as bars ([`play::next_move`]).
pub async fn next(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ModelRequest>,
) -> Result<Json<NextMove>, ApiError> {
    let cfg = req.sampling()?;
    ModelRequest::within("top", req.top, state.limits.max_top)?;
    let path = req.checked(&state)?;
    let (prompt, top) = (req.prompt, req.top);
    let next = with_model(&state, path, move |m| {
        play::next_move(&m.model, &m.tokenizer, &prompt, &cfg, top)
    });
    Ok(Json(next.await?))
}

/// `POST /api/play`: append the drawn or the chosen token ([`play::play`]).
pub async fn play(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ModelRequest>,
) -> Result<Json<Move>, ApiError> {
    let cfg = req.sampling()?;
    let path = req.checked(&state)?;
    let (prompt, choose) = (req.prompt, req.choose);
    let moved = with_model(&state, path, move |m| {
        play::play(&m.model, &m.tokenizer, &prompt, &cfg, choose)
    });
    Ok(Json(moved.await?))
}

/// Every layer's attention on the typed text.
#[derive(Serialize)]
pub struct AttentionView {
    /// How many tokens the text is; only the last `tokens.len()` are shown.
    pub text_tokens: usize,
    /// One entry per layer, first layer first: its tokens and one panel per head.
    pub layers: Vec<AttentionMaps>,
}

/// `POST /api/attention`: the heat map of every layer and head
/// ([`attention_by_layer`]) on the prompt's last tokens (at most the model's block size and the server's
/// limit).
pub async fn attention(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ModelRequest>,
) -> Result<Json<AttentionView>, ApiError> {
    let path = req.checked(&state)?;
    let limit = state.limits.attention_tokens;
    let view = with_model(&state, path, move |m| {
        let ids = generate::encode_prompt(&m.tokenizer, &req.prompt)?;
        let keep = m.model.config().block_size().unwrap_or(1).min(limit);
        let shown = &ids[ids.len().saturating_sub(keep)..];
        Ok(AttentionView {
            text_tokens: ids.len(),
            layers: attention_by_layer(&m.model, &m.tokenizer, shown)?,
        })
    });
    Ok(Json(view.await?))
}

/// How a streamed generation ended.
#[derive(Serialize)]
struct Done {
    /// The whole continuation.
    text: String,
    /// `token limit`, `time limit`, or `stopped` (the reader left).
    reason: &'static str,
    /// Seconds it took.
    seconds: f64,
}

/// `POST /api/generate`: the continuation streamed as server-sent events: `token` events (each data a JSON
/// string: the new piece of text), then one `done` event (`{text, reason, seconds}`), or an `error` event.
/// Generation stops at `max_tokens` or at the server's time limit, whichever comes first.
pub async fn generate(
    State(state): State<Arc<AppState>>,
    ApiJson(req): ApiJson<ModelRequest>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let cfg = req.sampling()?;
    ModelRequest::within("max_tokens", req.max_tokens, state.limits.max_new_tokens)?;
    let path = req.checked(&state)?;
    let (prompt, models) = (req.prompt.clone(), state.clone());
    // Load the model and check the prompt first, so that a bad one is a 4xx, not a broken stream.
    let loaded = tokio::task::spawn_blocking(move || {
        let loaded = models.models.get(&path)?;
        generate::encode_prompt(&lock(&loaded).tokenizer, &prompt)?;
        Ok(loaded)
    });
    let loaded = outcome(loaded.await)?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let time_limit = state.limits.time_limit;
    tokio::task::spawn_blocking(move || {
        stream_generation(&loaded, &req.prompt, &cfg, time_limit, tx)
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    });
    Ok(Sse::new(events))
}

/// Generate on this (blocking) thread, sending each piece as a `token` event, then `done` or `error`.
fn stream_generation(
    loaded: &Mutex<Loaded>,
    prompt: &str,
    cfg: &SamplingConfig,
    time_limit: std::time::Duration,
    tx: tokio::sync::mpsc::UnboundedSender<Event>,
) {
    let start = Instant::now();
    let m = lock(loaded);
    let (mut timed_out, mut gone) = (false, false);
    let result = generate::generate_while(&m.model, &m.tokenizer, prompt, cfg, |piece| {
        let piece = serde_json::to_string(piece).unwrap_or_default();
        gone = tx
            .send(Event::default().event("token").data(piece))
            .is_err();
        timed_out = start.elapsed() >= time_limit;
        !gone && !timed_out
    });
    let event = match result {
        Ok(text) => {
            let reason = match (gone, timed_out) {
                (true, _) => "stopped",
                (false, true) => "time limit",
                (false, false) => "token limit",
            };
            let done = Done {
                text,
                reason,
                seconds: start.elapsed().as_secs_f64(),
            };
            let data = serde_json::to_string(&done).unwrap_or_default();
            Event::default().event("done").data(data)
        }
        Err(e) => {
            let data = serde_json::json!({ "error": format!("{e:#}") }).to_string();
            Event::default().event("error").data(data)
        }
    };
    let _ = tx.send(event);
}

/// The query of `GET /api/metrics`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsQuery {
    /// The run's directory relative to the runs directory, e.g. `ch01/gpt`.
    run: String,
    /// How many lines the page has already (0 at first): only later records are sent.
    #[serde(default)]
    after: usize,
}

/// `GET /api/runs`: every run directory with a `metrics.jsonl`.
pub async fn runs(State(state): State<Arc<AppState>>) -> Response {
    let catalog = state.catalog.clone();
    match tokio::task::spawn_blocking(move || catalog.runs()).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

/// `GET /api/metrics?run=NAME&after=N`: a run's records after its first `after` lines (the page polls with
/// the `lines` of its last answer, so a training run's curves grow as it learns).
pub async fn metrics(
    State(state): State<Arc<AppState>>,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> Response {
    let catalog = state.catalog.clone();
    match tokio::task::spawn_blocking(move || catalog.metrics(&q.run, q.after)).await {
        Ok(Ok(metrics)) => Json(metrics).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

/// Any other path under `/api/`.
pub async fn unknown_endpoint() -> ApiError {
    ApiError::not_found(
        "no such endpoint (see /api/presets, /api/checkpoints, /api/next, /api/play, /api/generate, /api/attention, /api/runs, /api/metrics)",
    )
}
