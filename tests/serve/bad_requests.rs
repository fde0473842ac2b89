//! Bad requests: each gets a clear 4xx with a JSON error that names the problem, and the server stays up.

use super::client::request;
use super::{BIGRAM, GPT, PROMPT, fixture, get, post};
use serde_json::{Value, json};

#[test]
fn bad_requests_get_a_clear_4xx_and_never_take_the_server_down() {
    let ok = json!({"checkpoint": GPT, "prompt": PROMPT});
    let with = |key: &str, value: Value| {
        let mut body = ok.clone();
        body[key] = value;
        body
    };
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "/api/next",
            with("checkpoint", json!("nope/model.safetensors")),
            404,
            "no 'nope/model.safetensors'",
        ),
        (
            "/api/next",
            with("checkpoint", json!("../outside/model.safetensors")),
            400,
            "outside",
        ),
        (
            "/api/next",
            with("checkpoint", json!("tiny/../../outside/model.safetensors")),
            400,
            "outside",
        ),
        (
            "/api/next",
            with("checkpoint", json!("/etc/model.safetensors")),
            400,
            "outside",
        ),
        (
            "/api/next",
            with("checkpoint", json!("escape/model.safetensors")),
            400,
            "outside",
        ),
        (
            "/api/next",
            with("checkpoint", json!("tiny/metrics.jsonl")),
            400,
            "not a .safetensors file",
        ),
        (
            "/api/next",
            with("checkpoint", json!("")),
            400,
            "not a .safetensors file",
        ),
        (
            "/api/next",
            with("checkpoint", json!("broken/model.safetensors")),
            400,
            "not a valid jielong checkpoint",
        ),
        ("/api/next", with("prompt", json!("")), 400, "prompt: empty"),
        (
            "/api/next",
            with("prompt", json!("a".repeat(301))),
            413,
            "301 characters, more than the limit of 300",
        ),
        ("/api/next", with("prompt", json!("The 龙")), 400, "'龙'"),
        (
            "/api/next",
            with("temperature", json!(-0.5)),
            400,
            "temperature must be ≥ 0",
        ),
        (
            "/api/next",
            with("top_p", json!(0.0)),
            400,
            "top_p must be in (0, 1]",
        ),
        (
            "/api/next",
            with("top_p", json!(1.5)),
            400,
            "top_p must be in (0, 1]",
        ),
        ("/api/next", with("top_k", json!(-1)), 422, "top_k"),
        (
            "/api/next",
            with("temperature", json!("hot")),
            422,
            "temperature",
        ),
        (
            "/api/next",
            with("temprature", json!(0.5)),
            422,
            "unknown field `temprature`",
        ),
        (
            "/api/next",
            with("top", json!(0)),
            400,
            "top must be in 1..=500",
        ),
        (
            "/api/next",
            json!({"prompt": PROMPT}),
            422,
            "missing field `checkpoint`",
        ),
        (
            "/api/play",
            with("choose", json!(100000)),
            400,
            "token id 100000 is not in the vocabulary",
        ),
        (
            "/api/play",
            with("choose", json!(-1)),
            400,
            "token id -1 is not in the vocabulary",
        ),
        (
            "/api/generate",
            with("max_tokens", json!(0)),
            400,
            "max_tokens must be in 1..=100",
        ),
        (
            "/api/generate",
            with("max_tokens", json!(101)),
            400,
            "max_tokens must be in 1..=100",
        ),
        (
            "/api/generate",
            with("prompt", json!("The 龙")),
            400,
            "'龙'",
        ),
        (
            "/api/generate",
            with("checkpoint", json!("../x.safetensors")),
            400,
            "outside",
        ),
        (
            "/api/attention",
            with("checkpoint", json!(BIGRAM)),
            400,
            "no attention layers",
        ),
        (
            "/api/attention",
            with("prompt", json!("")),
            400,
            "prompt: empty",
        ),
    ];
    for (path, body, status, message) in cases {
        let error = post(path, body.clone()).error(status);
        assert!(
            error.contains(message),
            "{path} {body}: {error:?} lacks {message:?}"
        );
    }
    let raw = |method: &str, path: &str, body: &str| request(fixture().addr, method, path, body);
    assert!(
        raw("POST", "/api/next", "{not json")
            .error(400)
            .contains("JSON")
    );
    let huge = json!({"checkpoint": GPT, "prompt": "a".repeat(20_000)}).to_string();
    assert!(
        raw("POST", "/api/next", &huge)
            .error(413)
            .contains("length limit")
    );
    assert!(
        get("/api/metrics?run=../outside")
            .error(400)
            .contains("outside")
    );
    assert!(
        get("/api/metrics?run=nope")
            .error(404)
            .contains("no 'nope'")
    );
    assert!(
        get("/api/metrics?run=broken")
            .error(404)
            .contains("has no metrics.jsonl")
    );
    assert!(get("/api/metrics").error(400).contains("run"));
    assert!(
        get("/api/metrics?run=tiny&after=-1")
            .error(400)
            .contains("after")
    );
    assert!(get("/api/nothing").error(404).contains("no such endpoint"));
    assert!(raw("GET", "/api/next", "").status == 405);
    // still up, and still right
    assert_eq!(get("/api/presets").status, 200);
    assert_eq!(post("/api/next", ok).status, 200);
}
