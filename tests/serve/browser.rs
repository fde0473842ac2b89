//! A real browser: headless Chromium loads the page, whose own script fetches and draws; the dumped DOM is
//! compared with the library's numbers, and a screenshot of each tab is saved under `target/`.

use super::{BIGRAM, Fixture, GPT, PROMPT, fixture, sampling};
use jielong::play;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

/// Run `command`, killed after `secs` seconds.
fn output_within(mut command: std::process::Command, secs: u64) -> std::process::Output {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::process::Output {
        status,
        stdout: reader.join().unwrap(),
        stderr: Vec::new(),
    }
}

fn chromium(args: &[&str], url: &str) -> std::process::Output {
    let profile =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-{}", std::process::id()));
    let mut command = std::process::Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=15000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url);
    output_within(command, 120)
}

/// The value of attribute `name` in the tag `tag` (as Chromium serializes it: `name="value"`).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[start..start + tag[start..].find('"')?])
}

/// The opening tags that start with `prefix` in `dom`.
fn tags<'a>(dom: &'a str, prefix: &str) -> Vec<&'a str> {
    dom.match_indices(prefix)
        .map(|(i, _)| &dom[i..i + dom[i..].find('>').unwrap()])
        .collect()
}

#[test]
fn in_chromium_the_temperature_slider_moves_the_bars_as_the_library_says() {
    if std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "skipped: no `chromium` on this machine (`make setup` installs it; Debian: apt-get install chromium)"
        );
        return;
    }
    let f = fixture();
    let (model, tokenizer) = f.library();
    let vocab = tokenizer.vocab_size();
    let mut kept_sets = Vec::new();
    for t in [1.0, 2.0] {
        let url = format!(
            "http://{}/?tab=game&checkpoint={GPT}&prompt=The%20pet%20of%20&top={vocab}&top_p=0.9&t={t}",
            f.addr
        );
        let out = chromium(&["--dump-dom"], &url);
        let dom = String::from_utf8_lossy(&out.stdout);
        let bars = tags(&dom, "<div id=\"bars\"");
        assert_eq!(bars.len(), 1, "the page drew its bars: {dom}");
        assert_eq!(
            attribute(bars[0], "data-temperature"),
            Some(t.to_string().as_str())
        );
        let want = play::next_move(
            &model,
            &tokenizer,
            PROMPT,
            &sampling(t, 0, 0.9, 0, 1),
            vocab,
        )
        .unwrap();
        assert_eq!(
            attribute(bars[0], "data-kept"),
            Some(want.kept.to_string().as_str())
        );
        let drawn = tags(&dom, "<div class=\"bar ");
        assert_eq!(drawn.len(), vocab, "one bar per token of the vocabulary");
        let mut kept = Vec::new();
        for (tag, c) in drawn.iter().zip(&want.candidates) {
            assert_eq!(attribute(tag, "data-id"), Some(c.id.to_string().as_str()));
            let sampled: f64 = attribute(tag, "data-sampled").unwrap().parse().unwrap();
            let probability: f64 = attribute(tag, "data-probability").unwrap().parse().unwrap();
            assert_eq!(
                (probability, sampled),
                (c.probability, c.sampled),
                "token {}",
                c.id
            );
            assert_eq!(tag.starts_with("<div class=\"bar kept\""), c.sampled > 0.0);
            if c.sampled > 0.0 {
                kept.push(c.id);
            }
        }
        assert_eq!(kept.len(), want.kept);
        println!(
            "T = {t}, top-p 0.9: the page keeps {} of {vocab} tokens, as the library does",
            kept.len()
        );
        kept_sets.push(kept);
    }
    assert!(
        kept_sets[0].len() < kept_sets[1].len(),
        "a hotter temperature keeps more tokens"
    );
    assert!(
        kept_sets[1].starts_with(&kept_sets[0]),
        "and the cooler set is the start of it"
    );
    screenshots(f);
}

/// A screenshot of each page under `target/` (`serve-game.png`, …), for the closing note of a change.
fn screenshots(f: &Fixture) {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
    let pages = [
        (
            "game",
            format!("tab=game&checkpoint={GPT}&prompt=The%20pet%20of%20&t=0.8&top_p=0.9"),
        ),
        (
            "side",
            format!("tab=side&checkpoints={GPT},{BIGRAM}&prompt=The%20pet%20of%20&go=1"),
        ),
        (
            "attention",
            format!("tab=attention&checkpoint={GPT}&prompt=The%20pet%20of%20Kape"),
        ),
        ("runs", "tab=runs&run=tiny".to_string()),
    ];
    for (name, query) in pages {
        let file = target.join(format!("serve-{name}.png"));
        let shot = format!("--screenshot={}", file.display());
        chromium(
            &[&shot, "--window-size=1200,900"],
            &format!("http://{}/?{query}", f.addr),
        );
        assert!(file.is_file(), "{} was written", file.display());
        println!("screenshot: {}", file.display());
    }
}
