//! The course in Chinese: chapter configs that take a language and send a Chinese run to `runs/zh/`, byte-level
//! BPE learned from Chinese text, a tiny Chinese pretrain + fine-tune that learns to answer, and a tiny
//! chapter 1 run in Chinese. (The Chinese world itself, its labeller and its bigram-vs-GPT test are in
//! tests/world.rs and tests/data.rs.)

mod common;

use common::{TempDir, pretrained_chat_gpt, torch_lock};
use jielong::Tokenizer;
use jielong::chapters::ch01::{self, Ch01Config};
use jielong::chapters::ch03;
use jielong::chapters::ch04::{self, Ch04Config};
use jielong::chapters::ch05;
use jielong::chapters::ch06::Ch06Config;
use jielong::chapters::{Ch01, Ch03, Chapter, runs_dir_in};
use jielong::checkpoint;
use jielong::data::feedback::{self, Answer, Verdict};
use jielong::data::instruct::Task;
use jielong::data::world::{Language, World, WorldConfig, world_corpus};
use jielong::data::{CorpusSource, tang_poems};
use jielong::device::DeviceChoice;
use jielong::generate::repeated_ngram_fraction;
use jielong::model::GptConfig;
use jielong::progress::ProgressMode;
use jielong::sft;
use jielong::train::TrainConfig;
use std::path::Path;
use tch::Device;

/// The 12-person world of chapters 3 to 5's tests, told in Chinese.
fn small_chinese_world() -> World {
    World::generate(&WorldConfig {
        language: Language::Zh,
        ..common::small_world_config()
    })
    .unwrap()
}

// ---------------------------------------------------------------- the language of a chapter's config

#[test]
fn a_chinese_run_goes_under_zh_and_asking_twice_does_not_nest() {
    let runs = Path::new("runs");
    assert_eq!(runs_dir_in(runs, Language::En), runs);
    assert_eq!(runs_dir_in(runs, Language::Zh), Path::new("runs/zh"));
    assert_eq!(
        runs_dir_in(&runs_dir_in(runs, Language::Zh), Language::Zh),
        Path::new("runs/zh")
    );
    // chapter 4's pretraining at another diversity, localized again by chapter 3 when it runs, stays in
    // chapter 4's Chinese directory (not runs/zh/ch04/zh/)
    let mut ch04 = Ch04Config::default();
    ch04.set_language(Language::Zh);
    let other = ch04.localized().unwrap().pretrain_for(1);
    assert_eq!(
        ch03::pretrained_checkpoint_path(&other.localized().unwrap()),
        Path::new("runs/zh/ch04/pretrain-diversity-1/pretrained/model.safetensors")
    );
}

#[test]
fn setting_the_language_changes_the_world_the_prompts_and_the_run_directory() {
    let mut cfg = <Ch01 as Chapter>::Config::default();
    Ch01::set_language(&mut cfg, Language::Zh);
    assert_eq!(cfg.language, Language::Zh);
    // the same person of the default world, in Chinese (Bide Kurur is 田鑫丽, whose pet is a cat)
    assert_eq!(cfg.prompt, "田鑫丽的宠物是");
    let local = cfg.localized().unwrap();
    assert_eq!(local.runs_dir, Path::new("runs/zh"));
    let CorpusSource::World(world) = &local.corpus else {
        panic!("the default corpus is the world")
    };
    assert_eq!(world.language, Language::Zh);
    let world = World::generate(world).unwrap();
    assert_eq!(world.people[111].name, "田鑫丽");
    assert_eq!(world.people[111].pet_kind, "猫");
    // English configs read and write as before: no "language" key
    let english = serde_json::to_string(&Ch01Config::default()).unwrap();
    assert!(!english.contains("language"), "{english}");
    let json = serde_json::to_string(&cfg).unwrap();
    let back: Ch01Config = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cfg);

    // chapter 4 carries the language into the pretraining it starts from, and both go under runs/zh
    let mut ch04 = Ch04Config::default();
    ch04.set_language(Language::Zh);
    let local = ch04.localized().unwrap();
    assert_eq!(local.pretrain.language, Language::Zh);
    assert_eq!(local.pretrain.world.language, Language::Zh);
    assert_eq!(local.pretrain.runs_dir, Path::new("runs/zh"));
    assert_eq!(local.pretrain.sample_prompt, "{name}出生在");
    // chapter 6's skills text has no language: its Chinese run only goes under zh/
    let mut ch06 = Ch06Config::default();
    ch06.set_language(Language::Zh);
    assert_eq!(ch06.localized().runs_dir, Path::new("runs/zh"));
    // chapter 6's skills text words its prose and instructions in Chinese; its problems stay as they are
    let skills = Ch06Config::default().skills;
    assert_eq!(
        ch06.localized().skills,
        jielong::data::skills::SkillsConfig {
            language: Language::Zh,
            ..skills
        }
    );
    // chapter 3's Chinese questions are Chinese
    let mut ch03 = <Ch03 as Chapter>::Config::default();
    Ch03::set_language(&mut ch03, Language::Zh);
    assert!(
        ch03.questions.iter().all(|q| !q.is_ascii()),
        "{:?}",
        ch03.questions
    );
}

#[test]
fn a_language_set_in_two_places_that_disagree_is_an_error() {
    // a world inside the config that names Chinese while the chapter is English
    let mut cfg = Ch01Config {
        corpus: CorpusSource::World(WorldConfig {
            language: Language::Zh,
            ..WorldConfig::default()
        }),
        ..Ch01Config::default()
    };
    let err = cfg.localized().unwrap_err().to_string();
    assert!(
        err.contains("corpus.language is \"zh\" but the chapter's language is \"en\""),
        "{err}"
    );
    // the same world is fine when the chapter says Chinese too
    cfg.language = Language::Zh;
    cfg.localized().unwrap();
    // a nested chapter config that names another language
    let mut ch04 = Ch04Config::default();
    ch04.pretrain.language = Language::Zh;
    let err = ch04.localized().unwrap_err().to_string();
    assert!(err.contains("pretrain.language is \"zh\""), "{err}");
    // nothing was run: the error comes before any file is written
    let dir = TempDir::new("zh-conflict");
    let mut bad = Ch01Config {
        runs_dir: dir.path.clone(),
        ..Ch01Config::default()
    };
    bad.corpus = CorpusSource::World(WorldConfig {
        language: Language::Zh,
        ..WorldConfig::default()
    });
    assert!(ch01::run(&bad).is_err());
    assert!(common::file_names(&dir.path).is_empty());
}

#[test]
fn an_unknown_language_is_one_error_line_and_exit_status_1() {
    let out = common::jielong(&["chapter", "1", "--lang", "fr"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains("unknown language 'fr': expected en or zh"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        "zh".parse::<Language>().unwrap(),
        Language::Zh,
        "the flag's parser"
    );
}

// ---------------------------------------------------------------- tokenizers on Chinese

#[test]
fn byte_level_bpe_learned_from_chinese_round_trips_and_cuts_chinese_short() {
    let world = WorldConfig {
        language: Language::Zh,
        ..common::tiny_world()
    };
    let text = world_corpus(&world).unwrap();
    let bpe = Tokenizer::bpe(&text, 512).unwrap();
    let english_text = world_corpus(&common::tiny_world()).unwrap();
    let english_bpe = Tokenizer::bpe(&english_text, 512).unwrap();
    // decode(encode(x)) == x on the text it learned from, on Chinese it never saw, and on English
    let unseen = "床前明月光，疑是地上霜。举头望明月，低头思故乡。";
    let english = "Where was Ada Toko born? She was born in Lumen.";
    for sample in [text.as_str(), unseen, english, "混合 mixed 文字 ✓ ☃"] {
        assert_eq!(bpe.decode(&bpe.encode(sample)), sample);
    }
    if let Ok(poems) = tang_poems() {
        assert_eq!(bpe.decode(&bpe.encode(&poems)), poems);
    }
    // tokens per character: a Chinese character is 3 bytes, an English letter 1; merges join bytes
    let per_char = |tokenizer: &Tokenizer, text: &str| {
        tokenizer.encode(text).len() as f64 / text.chars().count() as f64
    };
    // measured on held-out text: the same world retold in each language
    let retold = |language| {
        world_corpus(&WorldConfig {
            render_seed: Some(7),
            ..WorldConfig {
                language,
                ..common::tiny_world()
            }
        })
        .unwrap()
    };
    let (zh_val, en_val) = (retold(Language::Zh), retold(Language::En));
    let (zh_on_zh, zh_on_en) = (per_char(&bpe, &zh_val), per_char(&bpe, &en_val));
    let (en_on_zh, en_on_en) = (
        per_char(&english_bpe, &zh_val),
        per_char(&english_bpe, &en_val),
    );
    println!(
        "tokens per character, BPE 512 learned from Chinese: Chinese {zh_on_zh:.3}, English {zh_on_en:.3}; \
         learned from English: Chinese {en_on_zh:.3}, English {en_on_en:.3}"
    );
    // Measured on the retold text: learned from Chinese, 1.100 tokens per Chinese character and 0.998 per
    // English letter; learned from English, 2.885 per Chinese character and 0.408 per English letter. A
    // vocabulary is cheap for the language it learned from and costs about a token per byte for the other:
    // the book's point (~3 tokens per Chinese character), reversed.
    assert!(zh_on_zh < 1.5 && en_on_zh > 2.5, "{zh_on_zh} {en_on_zh}");
    assert!(en_on_en < 0.75 && zh_on_en > 0.9, "{en_on_en} {zh_on_en}");
}

#[test]
fn a_sample_cut_inside_a_character_drops_it_rather_than_show_a_replacement_character() {
    // learned from English text: each byte of a Chinese character is a token of its own
    let bpe = Tokenizer::bpe(&world_corpus(&common::tiny_world()).unwrap(), 300).unwrap();
    let ids = bpe.encode("天春"); // e5 a4 a9, e6 98 a5
    assert_eq!(ids.len(), 6);
    assert_eq!(bpe.decode(&ids), "天春");
    // cut after 1, 2 or 3 bytes of a character: the cut-off character is dropped
    for cut in [1, 2] {
        assert_eq!(bpe.decode(&ids[..cut]), "");
    }
    for cut in [3, 4, 5] {
        assert_eq!(bpe.decode(&ids[..cut]), "天");
    }
    // one token alone, as a chart labels it, shows its part of a character
    assert_eq!(bpe.token_text(ids[0]), "\u{fffd}");
    let smile = bpe.encode("a😀"); // a, then 4 bytes
    assert_eq!(bpe.decode(&smile[..4]), "a");
    // bytes that are not UTF-8 before the end are what the model wrote: they stay `�`
    let a = bpe.encode("a");
    let broken = [&ids[..1], &a, &ids[3..]].concat(); // e5, a, e6 98 a5
    assert_eq!(bpe.decode(&broken), "\u{fffd}a春");
    let lone = [&ids[4..5], &a].concat(); // a continuation byte with nothing before it
    assert_eq!(bpe.decode(&lone), "\u{fffd}a");
}

#[test]
fn repetition_counts_chinese_characters_as_words() {
    // Chinese has no spaces: each character is one unit, so a repeated phrase shows
    assert_eq!(
        repeated_ngram_fraction("猫在睡觉。猫在睡觉。", 2),
        4.0 / 9.0
    );
    assert_eq!(repeated_ngram_fraction("一二三四五", 2), 0.0);
    // mixed text: English words and Chinese characters side by side
    assert_eq!(
        jielong::generate::words("the cat 睡了, ok"),
        ["the", "cat", "睡", "了", ",", "ok"]
    );
}

// ---------------------------------------------------------------- a Chinese model learns to answer

#[test]
fn a_tiny_chinese_pretrain_and_sft_answer_the_training_questions() {
    let _torch = torch_lock();
    let world = small_chinese_world();
    let (tokenizer, mut model) = pretrained_chat_gpt(&world);
    let common::FactTuning {
        questions,
        before,
        after,
        ..
    } = common::fine_tune_on_four_people(&world, &tokenizer, &mut model);
    assert!(questions.iter().all(|e| e.prompt.ends_with('？')));
    let (reply, _) = sft::answer(&model, &tokenizer, &questions[0].prompt, 32).unwrap();
    println!(
        "Chinese SFT: exact match {:.3} → {:.3}, e.g. {} → {reply}",
        before.exact_match, after.exact_match, questions[0].prompt
    );
    // Measured: exact match 0.0 before, 1.0 after (32 of 32 questions, e.g. 陈波出生在哪里？ → 陈波出生在凤桥。);
    // the English twin of this test reaches 0.969.
    assert!(before.exact_match <= 0.1, "{before:?}");
    assert!(after.exact_match >= 0.75, "{after:?}");
    assert!(after.stopped >= 0.9, "{after:?}");

    // `jielong chat` on the checkpoint answers in Chinese, streamed whole: a character cut across two byte
    // tokens is printed once both have come, never as a broken byte
    let dir = TempDir::new("zh-chat");
    let path = dir.join("sft.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let input = format!("/temp 0\n{}\n/quit\n", questions[0].prompt);
    let args = ["chat", "--checkpoint", path.to_str().unwrap()];
    let out = common::jielong_with_input(
        &[&args[..], &["--tokens", "32", "--device", "cpu"]].concat(),
        &input,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout, format!("(temperature 0)\nassistant> {reply}\n"));
    assert!(
        reply.contains(&questions[0].key) && !reply.contains('\u{fffd}'),
        "{reply}"
    );
}

// ---------------------------------------------------------------- chapter 1 in Chinese

#[test]
fn chapter_1_in_chinese_trains_on_chinese_text_and_writes_under_zh() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch01-zh");
    let mut cfg = Ch01Config {
        runs_dir: dir.path.clone(),
        device: DeviceChoice::Cpu,
        threads: 1,
        corpus: CorpusSource::World(common::tiny_world()),
        gpt: GptConfig {
            block_size: 32,
            n_layer: 1,
            n_head: 4,
            n_embd: 64,
            ..GptConfig::default()
        },
        sample_tokens: 12,
        repetition_seeds: 1,
        trace_tokens: 4,
        progress: ProgressMode::Quiet,
        ..Ch01Config::default()
    };
    cfg.set_language(Language::Zh);
    let tiny = World::generate(&WorldConfig {
        language: Language::Zh,
        ..common::tiny_world()
    })
    .unwrap();
    cfg.prompt = format!("{}的宠物是", tiny.people[0].name);
    cfg.repetition_prompts = vec!["那".into(), tiny.people[1].name.clone()];
    for (train, steps, lr) in [
        (&mut cfg.bigram_train, 150, 0.1),
        (&mut cfg.gpt_train, 800, 3e-3),
    ] {
        *train = TrainConfig {
            steps,
            lr,
            batch_size: 16,
            block_size: 32,
            warmup_steps: 10,
            eval_every: steps,
            eval_batches: 4,
            ..train.clone()
        };
    }
    let result = ch01::run(&cfg).unwrap();
    assert_eq!(result.run_dir, dir.path.join("zh").join("ch01"));
    let written: Ch01Config =
        jielong::chapters::load_config(&result.run_dir.join("config.json")).unwrap();
    assert_eq!(written.language, Language::Zh);
    // the Chinese world's characters: several hundred, not the English world's ~60
    let english = Tokenizer::char_level(&world_corpus(&common::tiny_world()).unwrap());
    println!(
        "ch01 tiny, Chinese: V {} (English {}), uniform {:.3}, bigram {:.3}, GPT {:.3}",
        result.vocab_size,
        english.vocab_size(),
        result.uniform_loss,
        result.bigram.val_loss,
        result.gpt.val_loss
    );
    assert!(result.vocab_size > 4 * english.vocab_size());
    let chinese = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    assert!(
        result.samples.iter().all(|s| chinese(&s.text)),
        "{:?}",
        result.samples
    );
    // the report and the charts speak Chinese, the charts with Chinese fonts named
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert!(report.starts_with("# 第 1 章 — 文本续写\n") && report.contains("验证损失"));
    assert_eq!(report, ch01::report(&cfg.localized().unwrap(), &result));
    let loss = std::fs::read_to_string(result.run_dir.join("loss.svg")).unwrap();
    assert!(loss.contains("学习续写文本") && loss.contains(jielong::plot::CJK_FONTS));
    let next = std::fs::read_to_string(result.run_dir.join("next_token.svg")).unwrap();
    assert!(next.contains(&format!("“{}”之后的下一个 token", cfg.prompt)));
    // Measured (validation, nats per character): uniform ln 368 = 5.908, bigram 2.339, GPT 1.978; bounds:
    // the bigram 1.0 below uniform, the GPT 0.2 below the bigram.
    assert!(result.bigram.val_loss < result.uniform_loss - 1.0);
    assert!(
        result.gpt.val_loss < result.bigram.val_loss - 0.2,
        "GPT {:.3} vs bigram {:.3}",
        result.gpt.val_loss,
        result.bigram.val_loss
    );
}

// ---------------------------------------------------------------- charts with Chinese labels

#[test]
fn a_chart_with_chinese_text_names_chinese_fonts_and_an_english_one_is_unchanged() {
    use jielong::plot::{CJK_FONTS, Series, line_chart};
    let points = vec![(0.0, 2.0), (1.0, 1.0)];
    let chinese = line_chart(
        "损失",
        "步数",
        "损失（奈特）",
        &[Series::new("验证", points.clone())],
    )
    .unwrap();
    let svg = chinese.svg();
    assert!(svg.contains("损失") && svg.contains(&format!("font-family=\"{CJK_FONTS}\"")));
    assert!(!svg.contains("font-family=\"sans-serif\""));
    assert!(
        CJK_FONTS.ends_with("sans-serif"),
        "the reader's own font last"
    );
    let english = line_chart("Loss", "step", "loss", &[Series::new("val", points)]).unwrap();
    assert!(english.svg().contains("font-family=\"sans-serif\""));
    assert!(!english.svg().contains("Noto"));
}

// ---------------------------------------------------------------- chapters 3 and 4 in Chinese

/// Chapter 4's tiny config in Chinese. A Chinese character is 3 bytes: a larger BPE vocabulary and context
/// hold a conversation.
fn in_chinese(cfg: &mut Ch04Config) {
    cfg.set_language(Language::Zh);
    cfg.pretrain.bpe_vocab_size = 600;
    cfg.pretrain.gpt.block_size = 96;
    cfg.sft_train.block_size = 96;
}

#[test]
fn chapters_3_and_4_pretrain_and_fine_tune_in_chinese_under_zh() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch04-zh");
    let mut cfg = common::tiny_ch04(&dir.path);
    in_chinese(&mut cfg);
    cfg.diversities = vec![cfg.pretrain.world.diversity];
    let result = ch04::run(&cfg).unwrap();
    let zh = dir.path.join("zh");
    assert_eq!(result.run_dir, zh.join("ch04"));
    let local = cfg.localized().unwrap();
    let pretrained = ch03::pretrained_checkpoint_path(&local.pretrain);
    assert!(
        pretrained.starts_with(&zh) && pretrained.exists(),
        "{pretrained:?}"
    );
    assert_eq!(
        result.finetuned_checkpoint,
        ch04::finetuned_checkpoint_path(&local)
    );
    // every question was asked in Chinese: about people, an addition, people who do not exist
    let questions: Vec<&str> = (result.before_after.iter().chain(&result.unknown))
        .map(|q| q.question.as_str())
        .collect();
    assert!(
        (questions.iter()).all(|q| q.ends_with('？') || q.ends_with('。')),
        "{questions:?}"
    );
    assert_eq!(result.before_after[4].question, "25加17等于多少？");
    // the report, the charts and the run labels speak Chinese
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert!(report.starts_with("# 第 4 章 — 监督微调\n"), "{report}");
    assert!(report.contains("只学回答（掩码）") && report.contains("(加法) \"25加17等于多少？\""));
    let loss = std::fs::read_to_string(result.run_dir.join("sft_loss.svg")).unwrap();
    assert!(loss.contains("微调：损失") && loss.contains(jielong::plot::CJK_FONTS));
    let data = ch04::prepare_data(&local).unwrap();
    assert!(data.train.iter().all(|e| !e.prompt.is_ascii()));
    assert!(data.eval_arithmetic.iter().all(|e| e.prompt.contains("加")));
    // the fine-tuned model is a chat model of the Chinese world's vocabulary
    let (_, tokenizer) = checkpoint::load_model(&result.finetuned_checkpoint, Device::Cpu).unwrap();
    sft::check_template(&tokenizer).unwrap();
    let question = &data.eval_sft_people[0].prompt;
    assert_eq!(tokenizer.decode(&tokenizer.encode(question)), *question);
}

// ---------------------------------------------------------------- chapter 5 in Chinese

#[test]
fn chapter_5_asks_and_judges_in_chinese_under_zh() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch05-zh");
    let mut cfg = common::tiny_ch05(&dir.path);
    cfg.set_language(Language::Zh);
    in_chinese(&mut cfg.sft);
    cfg.demo_train.block_size = cfg.sft.sft_train.block_size;
    let result = ch05::run(&cfg).unwrap();
    assert_eq!(result.run_dir, dir.path.join("zh").join("ch05"));
    assert!(dir.path.join("zh/ch04/sft/model.safetensors").exists());
    // the held-out prompts are Chinese: facts, people who do not exist, forbidden requests
    let tasks: Vec<Task> = result.before_after.iter().map(|b| b.task).collect();
    for kind in [Task::Unknown, Task::Forbidden] {
        assert!(tasks.contains(&kind), "{tasks:?}");
    }
    for b in &result.before_after {
        assert!(!b.prompt.is_ascii(), "{}", b.prompt);
    }
    // the report and the charts speak Chinese
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert!(report.starts_with("# 第 5 章 — 从反馈中学习\n") && report.contains("## 留出的提示"));
    let scores = std::fs::read_to_string(result.run_dir.join("scores.svg")).unwrap();
    assert!(
        scores.contains("对不存在的人说“我不知道”") && scores.contains(jielong::plot::CJK_FONTS)
    );
    // the labeller's rule judged them: its reference answers score as good, in Chinese
    let prompts = ch05::prepare_prompts(&cfg.localized().unwrap()).unwrap();
    for example in prompts.eval.iter().chain(&prompts.demonstrations) {
        let verdict = feedback::judge(example, &Answer::written(&example.response)).verdict;
        assert_eq!(verdict, Verdict::Good, "{example:?}");
    }
    let refusals: Vec<&str> = (prompts.demonstrations.iter())
        .map(|e| e.response.as_str())
        .collect();
    assert!(refusals.contains(&"我不能帮忙。"), "{refusals:?}");
    assert!(
        refusals.iter().any(|r| r.starts_with("我不知道")),
        "{refusals:?}"
    );
    // the rule's scores lie between its worst (−1, both length penalties of 0.5) and its best (1)
    let worst = -1.0 - 2.0 * feedback::MAX_LENGTH_PENALTY;
    assert!((result.scores.iter()).all(|s| (worst..=1.0).contains(&s.rule)));
}
