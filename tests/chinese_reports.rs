//! The chapters' reports and charts in Chinese (`--lang zh`), on tiny configs: chapters 2, 3 and 6 write
//! their words in Chinese and leave no English label behind, and chapter 6's skills text words its prose and
//! instructions in Chinese around the same problems as the English one.

mod common;

use common::{TempDir, torch_lock};
use jielong::chapters::ch06::{self, Scores};
use jielong::data::skills::{self, SkillsConfig, StringOp};
use jielong::data::world::Language;
use std::path::Path;

// ---------------------------------------------------------------- the words of chapters 2 and 3 in Chinese

/// The words of ASCII letters in the text of every chart in `run_dir` (titles, axes, legends, ticks), but
/// those in `kept`: the method names, units and tick suffixes a Chinese chart keeps. Each is returned with
/// its chart's file name.
fn english_in_charts(run_dir: &Path, kept: &[&str]) -> Vec<(String, String)> {
    let mut left = vec![];
    for name in common::file_names(run_dir) {
        let Some(svg) = name
            .strip_suffix(".svg")
            .and_then(|_| std::fs::read_to_string(run_dir.join(&name)).ok())
        else {
            continue;
        };
        // a text's content is the line after its <text …> tag
        let texts = svg.lines().zip(svg.lines().skip(1));
        for (_, text) in texts.filter(|(tag, _)| tag.starts_with("<text")) {
            for word in text.split(|c: char| !c.is_ascii_alphabetic()) {
                if !word.is_empty() && !kept.contains(&word) {
                    left.push((name.clone(), text.to_string()));
                }
            }
        }
    }
    left
}

/// Of `english`, the words that `text` still holds.
fn left_in(text: &str, english: &[&str]) -> Vec<String> {
    (english.iter())
        .filter(|e| text.contains(*e))
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn chapter_2_reports_charts_and_labels_its_runs_in_chinese() {
    use jielong::chapters::ch02;
    let _torch = torch_lock();
    let dir = TempDir::new("ch02-zh");
    let mut cfg = common::tiny_ch02(&dir.path);
    cfg.set_language(Language::Zh);
    let result = ch02::run(&cfg).unwrap();
    assert_eq!(result.run_dir, dir.path.join("zh").join("ch02-tiny"));
    // the runs keep their English directories, so both languages' run directories have the same names
    for sub in ["lr-0.001", "baseline", "early-stopping", "pretrained-start"] {
        assert!(
            result.run_dir.join(sub).join("metrics.jsonl").exists(),
            "{sub}"
        );
    }
    let labels: Vec<&str> = (result.remedies.iter()).map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "基线",
            "更多样的数据",
            "从预训练模型出发",
            "dropout 0.2",
            "权重衰减 1"
        ]
    );
    assert_eq!(result.lr_sweep[0].label, "学习率 0.001");
    assert_eq!(result.early_stopped.label, "早停");
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert!(report.starts_with("# 第 2 章 — 优化与过拟合\n"), "{report}");
    assert!(report.contains("## 第二部分：测试失败的时候") && report.contains("| 运行 | 优化器 |"));
    assert!(
        report.contains("| 余弦衰减，预热 5 步 |") && report.contains("| 在第 "),
        "{report}"
    );
    let english = [
        "baseline",
        "early stopping",
        "completed",
        "diverged",
        "constant",
        "cosine",
        "warm-up",
        "Part ",
        "train loss",
        "Every run",
    ];
    assert_eq!(left_in(&report, &english), Vec::<String>::new());
    let csv = std::fs::read_to_string(result.run_dir.join("results.csv")).unwrap();
    assert!(csv.starts_with("运行,优化器,学习率,"), "{csv}");
    let kept = ["token", "SGD", "AdamW", "dropout", "log", "e", "k", "M"];
    assert_eq!(english_in_charts(&result.run_dir, &kept), vec![]);
    let overfitting = std::fs::read_to_string(result.run_dir.join("overfitting.svg")).unwrap();
    assert!(overfitting.contains("过拟合：训练成功，测试失败"));
    // drawn again from result.json, the charts and the report are the run's own, in Chinese
    let again: ch02::Ch02Result =
        serde_json::from_str(&std::fs::read_to_string(result.run_dir.join("result.json")).unwrap())
            .unwrap();
    assert_eq!(
        (again.language, ch02::report(&again)),
        (Language::Zh, report)
    );
}

#[test]
fn chapter_3_reports_and_charts_in_chinese() {
    use jielong::chapters::ch03::{self, words::words};
    let _torch = torch_lock();
    let dir = TempDir::new("ch03-zh");
    let mut cfg = common::tiny_ch03(&dir.path);
    cfg.set_language(Language::Zh);
    cfg.compare = true;
    cfg.bpe_vocab_size = 600;
    let result = ch03::run(&cfg).unwrap();
    assert_eq!(result.run_dir, dir.path.join("zh").join("ch03"));
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert!(report.starts_with("# 第 3 章 — 预训练\n"), "{report}");
    for chinese in [
        "## 分词器",
        "## 饱读诗书的隐士",
        "| 字符 · RoPE |",
        "| 本次运行 |",
        "随机水平",
        "。\"：",
    ] {
        assert!(report.contains(chinese), "{chinese} in {report}");
    }
    let english = [
        "Tokenizers",
        "characters",
        "val loss",
        "learned positions",
        "this run",
        "hermit",
        "Sentence",
        "Cost",
        "true",
        "false",
        "Training:",
        "Pretrained checkpoint",
    ];
    assert_eq!(left_in(&report, &english), Vec::<String>::new());
    // every chart but the attention map, whose axes are the sentence's tokens
    std::fs::remove_file(result.run_dir.join("attention.svg")).unwrap();
    let kept = ["token", "BPE", "RoPE", "KV", "e", "k", "M"];
    assert_eq!(english_in_charts(&result.run_dir, &kept), vec![]);
    let cloze = std::fs::read_to_string(result.run_dir.join("cloze_by_relation.svg")).unwrap();
    assert!(cloze.contains("出生城市") && cloze.contains("宠物名字"));
    let charts = ch03::figures::draw(&result).unwrap();
    let (_, map) = (charts.iter())
        .find(|(name, _)| *name == "attention.svg")
        .unwrap();
    let map = map.svg();
    assert!(
        map.contains("谁在注意谁") && map.contains("第 1 层，第 1 个头"),
        "{map}"
    );
    // the English words name every relation as the result keeps it
    let en = words(Language::En);
    for relation in jielong::data::world::Relation::ALL {
        assert_eq!(en.relation(relation.name()), relation.name());
    }
}

// ---------------------------------------------------------------- chapter 6 in Chinese

#[test]
fn the_chinese_skills_text_poses_the_english_texts_problems_in_chinese() {
    let english = SkillsConfig::default();
    let chinese = SkillsConfig {
        language: Language::Zh,
        ..SkillsConfig::default()
    };
    let zh = skills::text(&chinese, 20_000, 3);
    assert_eq!(zh, skills::text(&chinese, 20_000, 3), "seeded");
    assert_ne!(zh, skills::text(&chinese, 20_000, 4));
    assert!(zh.chars().count() >= 20_000 && zh.chars().count() < 20_100);
    let alphabet = skills::alphabet_in(Language::Zh);
    assert!(zh.chars().all(|c| alphabet.contains(c)));
    // line by line the same draws: sums, code books and echoes are the same lines; prose and instructions
    // ask the same operation on the same word, with the same result, in Chinese
    let en = skills::text(&english, 20_000, 3);
    let phrasing = skills::phrasing(Language::Zh);
    let (mut same, mut prose, mut asked) = (0, 0, 0);
    for (e, z) in en.lines().zip(zh.lines()) {
        let parts: Vec<&str> = e.split(' ').collect();
        let op = StringOp::ALL
            .into_iter()
            .find(|op| parts.get(1) == Some(&op.name()));
        match op {
            Some(op) if e.starts_with("Q: ") => {
                let word = parts[2];
                assert_eq!(z, phrasing.instruction(op, word) + &op.apply(word));
                asked += 1;
            }
            Some(op) if e.starts_with("the ") => {
                assert_eq!(z, phrasing.prose(op, parts[3]));
                prose += 1;
            }
            _ => {
                assert_eq!(z, e);
                same += 1;
            }
        }
    }
    println!("{same} lines the same, {prose} in prose, {asked} instructions");
    assert!(same > 100 && prose > 20 && asked > 20);
    assert_eq!(
        phrasing.prose(StringOp::Reverse, "lamp"),
        "lamp 的倒序是 pmal。"
    );
    assert_eq!(
        phrasing.instruction(StringOp::Sort, "lamp"),
        "问：排序 lamp 答："
    );
    // the same scorer: a right answer in prose scores 1 in both languages, once its full stop is off
    for language in Language::ALL {
        let phrasing = skills::phrasing(language);
        for op in StringOp::ALL {
            let line = phrasing.prose(op, "lamp");
            let said = line
                .strip_prefix(&phrasing.prose_prompt(op, "lamp"))
                .unwrap();
            let scores = Scores::of(phrasing.prose_answer(said), &op.apply("lamp"));
            assert_eq!((scores.exact, scores.edit), (1.0, 1.0), "{line}");
        }
    }
    // the English alphabet is the English text's, unchanged
    assert_eq!(skills::alphabet(), skills::alphabet_in(Language::En));
}

#[test]
fn chapter_6_trains_on_the_chinese_skills_text_and_reports_in_chinese() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch06-zh");
    let mut cfg = common::tiny_ch06(&dir.path);
    cfg.set_language(Language::Zh);
    assert_eq!(cfg.localized().skills.language, Language::Zh);
    let result = ch06::run(&cfg).unwrap();
    assert_eq!(result.run_dir, dir.path.join("zh").join("ch06"));
    assert!(
        result
            .sample
            .iter()
            .any(|l| l.contains("的") || l.starts_with("问："))
    );
    // every operation was asked and scored: scores are fractions
    let ops = &result.rungs[0].abilities.ops;
    assert_eq!(ops.len(), StringOp::ALL.len());
    let fractions = ops.iter().flat_map(|o| [o.instruction, o.prose]);
    assert!(
        fractions
            .flat_map(|s| [s.exact, s.per_char, s.edit])
            .all(|x| (0.0..=1.0).contains(&x))
    );
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert!(report.starts_with("# 第 6 章：涌现能力\n"), "{report}");
    for chinese in [
        "| 规模 | 层数 × 宽度 |",
        "## 归纳头",
        "理想的读者",
        "- A 写出演算步骤：`",
    ] {
        assert!(report.contains(chinese), "{chinese} in {report}");
    }
    let english = [
        "size",
        "sizes read back",
        "Addition",
        "answer alone",
        "ideal reader",
        "Instructions",
        "Induction",
        "induction head",
        "second-copy",
    ];
    assert_eq!(left_in(&report, &english), Vec::<String>::new());
    // every chart but the two heads' map, whose axes are the sequence's symbols (letters)
    std::fs::remove_file(result.run_dir.join("induction_head.svg")).unwrap();
    let kept = [
        "token", "FLOPs", "N", "D", "C", "L", "x", "R", "log", "e", "k", "M", "A", "B",
    ];
    assert_eq!(english_in_charts(&result.run_dir, &kept), vec![]);
    let heads = ch06::figures::draw(&result).unwrap();
    let (_, map) = (heads.iter())
        .find(|(name, _)| *name == "induction_head.svg")
        .unwrap();
    assert!(map.svg().contains("写了两遍的序列上的两个头"));
    // a skills text that names another language than the chapter's is refused, once
    let mut mixed = common::tiny_ch06(&dir.path);
    mixed.skills.language = Language::Zh;
    let err = ch06::run(&mixed).unwrap_err().to_string();
    assert!(err.contains("skills.language"), "{err}");
}
