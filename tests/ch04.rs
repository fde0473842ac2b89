//! Chapter 4: the chat template, the prompt mask and the masked loss, instruction data, a tiny fine-tuning
//! run that learns to answer, LoRA adapters that merge into the weights, the chat loop (library and CLI),
//! and the chapter's pipeline.

mod common;

use common::{
    TempDir, chat_tokenizer, error_line, gpt64, quiet, seeded_model, small_world, tiny_data,
    torch_lock,
};
use jielong::Tokenizer;
use jielong::chapters::ch03;
use jielong::chapters::ch04::{self, Ch04Config};
use jielong::checkpoint;
use jielong::data::instruct::{self, Example, InstructConfig, PHRASINGS, Task};
use jielong::data::world::{Relation, World};
use jielong::data::{Batches, IGNORE, Part};
use jielong::generate::{Preset, SamplingConfig};
use jielong::model::{GptConfig, LoraConfig, Model, ModelConfig, Position};
use jielong::sft::{self, CHAT_HELP, Chat, ChatCommand, END, Message, Role, SftData};
use jielong::train::{self, Schedule, TrainConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tch::{Device, Kind, Tensor};

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

/// Fine-tuning settings: constant rate, evaluation at the end only.
fn sft_train(steps: usize, lr: f64) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size: 16,
        block_size: 64,
        lr,
        schedule: Schedule::Constant,
        warmup_steps: 10,
        eval_every: steps,
        eval_batches: 2,
        seed: 3,
        ..TrainConfig::default()
    }
}

fn logits(model: &Model, x: &Tensor) -> Tensor {
    tch::no_grad(|| model.forward(x, false))
}

// ---------------------------------------------------------------- the chat template

fn conversations() -> Vec<Vec<Message>> {
    vec![
        vec![
            Message::new(Role::System, "You answer in one sentence."),
            Message::new(Role::User, "Where was Bone Bodus born?"),
            Message::new(Role::Assistant, "Bone Bodus was born in Busril."),
        ],
        vec![
            Message::new(Role::User, "你好，你是谁？"),
            Message::new(Role::Assistant, "我是接龙，一个很小的语言模型。"),
            Message::new(Role::User, "What is 23 plus 58?"),
            Message::new(Role::Assistant, "23 plus 58 is 81."),
        ],
        vec![
            Message::new(Role::System, ""),
            Message::new(Role::User, "line one\nline two <not a tag> |end|"),
            Message::new(Role::Assistant, ""),
        ],
        vec![],
    ]
}

#[test]
fn the_chat_template_round_trips_and_parse_names_what_is_malformed() {
    for messages in conversations() {
        let text = sft::render(&messages);
        assert_eq!(sft::parse(&text).unwrap(), messages, "{text:?}");
        // the prompt is the conversation and the assistant's opening token
        assert_eq!(sft::prompt(&messages), format!("{text}<|assistant|>"));
    }
    assert_eq!(
        sft::render(&[
            Message::new(Role::User, "Hi"),
            Message::new(Role::Assistant, "Hello.")
        ]),
        "<|user|>Hi<|end|><|assistant|>Hello.<|end|>"
    );
    for (bad, named) in [
        ("hello<|end|>", "expected a role token at \"hello<|end|>\""),
        (
            "<|user|>Where?",
            "the User message is not closed by <|end|>",
        ),
        (
            "<|user|>Hi<|end|>trailing words",
            "expected a role token at \"trailing words\"",
        ),
        (
            "<|bot|>Hi<|end|>",
            "expected a role token at \"<|bot|>Hi<|end|>\"",
        ),
        (
            "<|assistant|>unclosed <|user|>",
            "the Assistant message is not closed",
        ),
    ] {
        let err = sft::parse(bad).unwrap_err().to_string();
        assert!(err.contains(named), "{bad:?}: {err}");
    }
}

#[test]
fn a_character_tokenizer_is_refused_with_a_clear_error() {
    let chars = Tokenizer::char_level("<|user|>abc<|end|>");
    let err = sft::check_template(&chars).unwrap_err().to_string();
    assert!(err.contains("<|system|>") && err.contains("BPE"), "{err}");
    let messages = &conversations()[0];
    let err = sft::encode(&chars, messages, true).unwrap_err().to_string();
    assert!(
        err.contains("special token") && err.contains("BPE"),
        "{err}"
    );
    let examples = [instruct::summary(&small_world(), 0)];
    let err = SftData::new(&chars, &examples, &examples, true, 64)
        .unwrap_err()
        .to_string();
    assert!(err.contains("BPE"), "{err}");
    sft::check_template(&chat_tokenizer(&small_world())).unwrap();
}

// ---------------------------------------------------------------- the prompt mask

#[test]
fn the_mask_covers_exactly_the_assistant_answers_and_their_end() {
    let tokenizer = chat_tokenizer(&small_world());
    let id = |token: &str| tokenizer.special_id(token).unwrap();
    for messages in &conversations()[..3] {
        let encoded = sft::encode(&tokenizer, messages, true).unwrap();
        assert_eq!(encoded.ids, tokenizer.encode(&sft::render(messages)));
        assert_eq!(encoded.mask.len(), encoded.ids.len());
        // special tokens split the text: each message is its role token, its own tokens, <|end|>
        let mut ids = Vec::new();
        let mut mask = Vec::new();
        for m in messages {
            let content = tokenizer.encode(&m.content);
            let answer = m.role == Role::Assistant;
            ids.push(id(m.role.token()));
            ids.extend(&content);
            ids.push(id(END));
            mask.push(false);
            mask.extend(std::iter::repeat_n(answer, content.len() + 1));
        }
        assert_eq!(encoded.ids, ids);
        assert_eq!(encoded.mask, mask);
        // decoding the masked tokens gives back exactly the assistant's words, each closed by <|end|>
        let learned: Vec<i64> = encoded
            .ids
            .iter()
            .zip(&encoded.mask)
            .filter_map(|(&id, &m)| m.then_some(id))
            .collect();
        let answers: String = messages
            .iter()
            .filter(|m| m.role == Role::Assistant)
            .map(|m| format!("{}{END}", m.content))
            .collect();
        assert_eq!(tokenizer.decode(&learned), answers);
        // without the mask every token is learned
        let all = sft::encode(&tokenizer, messages, false).unwrap();
        assert_eq!(all.ids, encoded.ids);
        assert!(all.mask.iter().all(|&m| m));
    }
    // the chapter's mask example shows the same split, token by token
    let example = instruct::fact_question(&small_world(), 0, Relation::Job, 0);
    let shown = ch04::mask_example(&tokenizer, &example).unwrap();
    let learned: String = shown
        .iter()
        .filter(|t| t.learned)
        .map(|t| t.piece.as_str())
        .collect();
    let prompt: String = shown
        .iter()
        .filter(|t| !t.learned)
        .map(|t| t.piece.as_str())
        .collect();
    assert_eq!(learned, format!("{}{END}", example.response));
    assert_eq!(
        prompt,
        format!("<|user|>{}<|end|><|assistant|>", example.prompt)
    );
}

// ---------------------------------------------------------------- the masked loss

/// Which of `examples` a batch row holds: the one whose tokens start the row, padded with `pad_id`.
fn row_example(row: &[i64], encoded: &[sft::Encoded], pad_id: i64) -> usize {
    let matches: Vec<usize> = (0..encoded.len())
        .filter(|&i| {
            let n = encoded[i].ids.len() - 1;
            row[..n] == encoded[i].ids[..n] && row[n..].iter().all(|&t| t == pad_id)
        })
        .collect();
    assert_eq!(matches.len(), 1, "row {row:?}");
    matches[0]
}

fn rows(t: &Tensor) -> Vec<Vec<i64>> {
    Vec::<Vec<i64>>::try_from(t).unwrap()
}

/// Mean of `−log p(target)` over the targets that are not IGNORE, written out: `(mean, count)`.
fn hand_loss(model: &Model, x: &Tensor, y: &[Vec<i64>]) -> (f64, usize) {
    let logp = logits(model, x).log_softmax(-1, Kind::Double);
    let (mut sum, mut n) = (0.0, 0);
    for (b, row) in y.iter().enumerate() {
        for (t, &target) in row.iter().enumerate() {
            if target != IGNORE {
                sum -= logp.double_value(&[b as i64, t as i64, target]);
                n += 1;
            }
        }
    }
    (sum / n as f64, n)
}

#[test]
fn the_masked_loss_is_the_mean_over_the_answer_tokens_only() {
    let _torch = torch_lock();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    // three conversations of different lengths, so rows are padded
    let examples = vec![
        instruct::fact_question(&world, 0, Relation::BirthYear, 0),
        instruct::fact_question(&world, 1, Relation::PetName, 1),
        instruct::arithmetic(&mut ChaCha8Rng::seed_from_u64(1)),
    ];
    let masked = SftData::new(&tokenizer, &examples, &examples[..1], true, 64).unwrap();
    let unmasked = SftData::new(&tokenizer, &examples, &examples[..1], false, 64).unwrap();
    let lengths: BTreeSet<usize> = masked.train.iter().map(|e| e.ids.len()).collect();
    assert_eq!(lengths.len(), 3, "{lengths:?}");
    let model = seeded_model(&gpt64(tokenizer.vocab_size(), 2, 32), 4);
    let draw = |data: &SftData| {
        data.batch(
            Part::Train,
            8,
            64,
            &mut ChaCha8Rng::seed_from_u64(11),
            Device::Cpu,
        )
    };
    let (x, y) = draw(&masked);
    let (x_all, y_all) = draw(&unmasked);
    assert_eq!(x, x_all, "the mask changes the targets only");
    assert_eq!(
        Some(masked.pad_id),
        tokenizer.special_id(sft::END),
        "padding is <|end|>"
    );
    let (xs, ys, ys_all) = (rows(&x), rows(&y), rows(&y_all));
    let mut seen = BTreeSet::new();
    for b in 0..xs.len() {
        let i = row_example(&xs[b], &masked.train, masked.pad_id);
        seen.insert(i);
        let e = &masked.train[i];
        let n = e.ids.len() - 1;
        for t in 0..ys[b].len() {
            if t < n {
                // every next token without the mask; the assistant's ones only with it
                assert_eq!(ys_all[b][t], e.ids[t + 1]);
                let expected = if e.mask[t + 1] { e.ids[t + 1] } else { IGNORE };
                assert_eq!(ys[b][t], expected, "row {b}, position {t}");
            } else {
                assert_eq!((ys[b][t], ys_all[b][t]), (IGNORE, IGNORE), "padding");
            }
        }
    }
    assert_eq!(seen.len(), 3, "the batch holds every conversation length");
    let width = masked.train.iter().map(|e| e.ids.len() - 1).max().unwrap();
    assert_eq!(x.size(), vec![8, width as i64]);

    // Model::loss is the written-out mean over the answer tokens
    let loss = |y: &Tensor| tch::no_grad(|| model.loss(&x, y, false)).double_value(&[]);
    let (by_hand, n_answer) = hand_loss(&model, &x, &ys);
    // measured: 5.793 both ways, differing by 2.9e-7 (float against double arithmetic)
    assert!(
        (loss(&y) - by_hand).abs() < 1e-5,
        "{} vs {by_hand}",
        loss(&y)
    );
    let (all_by_hand, n_all) = hand_loss(&model, &x, &ys_all);
    // measured: differ by 1.0e-7 over 338 targets
    assert!((loss(&y_all) - all_by_hand).abs() < 1e-5);
    // the prompt's targets alone, and the identity n_all·L_all = n_answer·L_answer + n_prompt·L_prompt
    let prompt_only: Vec<Vec<i64>> = ys_all
        .iter()
        .zip(&ys)
        .map(|(all, ans)| {
            all.iter()
                .zip(ans)
                .map(|(&a, &m)| if m == IGNORE { a } else { IGNORE })
                .collect()
        })
        .collect();
    let n_prompt = n_all - n_answer;
    assert!(n_answer > 0 && n_prompt > 0, "{n_answer} {n_prompt}");
    let y_prompt = Tensor::from_slice2(&prompt_only);
    let total = n_answer as f64 * loss(&y) + n_prompt as f64 * loss(&y_prompt);
    // measured: both sides about 1958.27, differing by 8.4e-5 (float rounding of the three means)
    assert!(
        (total - n_all as f64 * loss(&y_all)).abs() < 1e-3,
        "{total} vs {}",
        n_all as f64 * loss(&y_all)
    );
    // other targets for the prompt's tokens: the unmasked loss moves, the masked loss stays bit-identical
    let vocab = tokenizer.vocab_size() as i64;
    let changed: Vec<Vec<i64>> = prompt_only
        .iter()
        .zip(&ys_all)
        .map(|(p, all)| {
            p.iter()
                .zip(all)
                .map(|(&p, &a)| if p == IGNORE { a } else { (a + 1) % vocab })
                .collect()
        })
        .collect();
    let remasked: Vec<Vec<i64>> = changed
        .iter()
        .zip(&ys)
        .map(|(c, m)| {
            c.iter()
                .zip(m)
                .map(|(&c, &m)| if m == IGNORE { IGNORE } else { c })
                .collect()
        })
        .collect();
    // measured: the unmasked loss moves by 0.022
    assert!((loss(&Tensor::from_slice2(&changed)) - loss(&y_all)).abs() > 1e-3);
    assert_eq!(loss(&Tensor::from_slice2(&remasked)), loss(&y));

    // padding never changes the logits of the real tokens before it (causal attention)
    let short = (0..xs.len())
        .find(|&b| {
            masked.train[row_example(&xs[b], &masked.train, masked.pad_id)]
                .ids
                .len()
                - 1
                < width
        })
        .unwrap();
    let n = masked.train[row_example(&xs[short], &masked.train, masked.pad_id)]
        .ids
        .len()
        - 1;
    let alone = logits(&model, &Tensor::from_slice(&xs[short][..n]).unsqueeze(0));
    let padded = logits(&model, &x).get(short as i64).narrow(0, 0, n as i64);
    // measured: 8.9e-8
    assert!(max_abs_diff(&alone.get(0), &padded) < 1e-5);
}

#[test]
fn sft_data_refuses_empty_sets_and_conversations_longer_than_the_block() {
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let examples = instruct::fact_questions(&world, &[0]);
    let err = SftData::new(&tokenizer, &examples, &examples, true, 8)
        .unwrap_err()
        .to_string();
    assert!(err.contains("block_size + 1 = 9"), "{err}");
    let err = SftData::new(&tokenizer, &[], &examples, true, 64)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("training set") && err.contains("empty"),
        "{err}"
    );
    let err = SftData::new(&tokenizer, &examples, &[], true, 64)
        .unwrap_err()
        .to_string();
    assert!(err.contains("validation set"), "{err}");
}

// ---------------------------------------------------------------- fine-tuning learns to answer

#[test]
fn fine_tuning_raises_exact_match_on_the_training_questions() {
    let _torch = torch_lock();
    let world = small_world();
    let (tokenizer, mut model) = common::pretrained_chat_gpt(&world);
    // fine-tune on four people's facts, asked both ways
    let common::FactTuning {
        questions,
        before,
        after,
        report,
    } = common::fine_tune_on_four_people(&world, &tokenizer, &mut model);
    assert_eq!(after.questions, 32);
    // measured: before, accuracy 0.0, exact match 0.0, stopped 0.0 (the model never saw the template);
    // after 200 steps, accuracy 0.969, exact match 0.969 (31 of 32), stopped 1.0
    assert!(before.exact_match <= 0.1, "{before:?}");
    assert!(before.stopped <= 0.1, "{before:?}");
    assert!(after.exact_match >= 0.75, "{after:?}");
    assert!(after.accuracy >= after.exact_match);
    assert!(after.stopped >= 0.9, "{after:?}");
    // measured: answer loss from 2.109 at step 0 to 0.0093
    let first = report.records[0].train_loss.unwrap();
    assert!(
        report.final_train_loss < first / 10.0,
        "{first} → {}",
        report.final_train_loss
    );
    // an answer is the reference sentence, then <|end|>, found greedily
    let greedy = sft::greedy_answer(32);
    assert_eq!((greedy.temperature, greedy.max_new_tokens), (0.0, 32));
    assert_eq!(greedy.stop, vec![END.to_string()]);
    let (reply, stopped) = sft::answer(&model, &tokenizer, &questions[0].prompt, 32).unwrap();
    assert!(stopped && !reply.contains(END), "{reply:?}");
}

// ---------------------------------------------------------------- LoRA

#[test]
fn lora_trains_only_the_adapters_and_merges_into_the_same_function() {
    let _torch = torch_lock();
    let (tokenizer, split) = tiny_data();
    let (n_layer, d, rank) = (2, 32, 4);
    let config = ModelConfig::Gpt(GptConfig {
        vocab_size: tokenizer.vocab_size(),
        block_size: 16,
        n_layer,
        n_head: 2,
        n_embd: d,
        dropout: 0.0,
        tie_weights: true,
        position: Position::Rope,
        attention_only: false,
    });
    let mut model = seeded_model(&config, 1);
    let names = |m: &Model| m.vs.variables().into_keys().collect::<BTreeSet<String>>();
    let copy = |params: Vec<(String, Tensor)>| -> BTreeMap<String, Tensor> {
        params
            .into_iter()
            .map(|(n, t)| (n, t.detach().copy()))
            .collect()
    };
    let original_names = names(&model);
    let base_before = copy(model.vs.variables().into_iter().collect());
    let n_params = model.num_params();
    assert!(!model.has_lora());
    assert_eq!(model.num_trainable_params(), n_params);

    let x = Tensor::from_slice(&tokenizer.encode("Bone Bodus was bor")).unsqueeze(0);
    let base_out = logits(&model, &x);
    model.add_lora(&LoraConfig { rank, alpha: 8.0 }).unwrap();
    assert!(model.has_lora());
    // B starts at zero: the adapted model starts as exactly the pretrained one
    assert_eq!(max_abs_diff(&logits(&model, &x), &base_out), 0.0);
    // qkv: A [r, d], B [3d, r]; proj: A [r, d], B [d, r]; per layer r·(d + 3d + d + d)
    let expected = (n_layer * rank * (d + 3 * d + d + d)) as i64;
    assert_eq!(expected, 1536);
    assert_eq!(model.num_trainable_params(), expected);
    assert_eq!(model.num_params(), n_params, "the model's own parameters");
    let adapter_names: BTreeSet<String> = model
        .trainable_params()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut expected_names = BTreeSet::new();
    for layer in 0..n_layer {
        for part in ["qkv", "proj"] {
            for m in ["a", "b"] {
                expected_names.insert(format!("lora.blocks.{layer}.{part}.{m}"));
            }
        }
    }
    assert_eq!(adapter_names, expected_names);
    for (name, t) in model.trainable_params() {
        let rows = if name.contains("qkv.b") {
            3 * d
        } else if name.ends_with(".b") {
            d
        } else {
            rank
        };
        let cols = if name.ends_with(".a") { d } else { rank };
        assert_eq!(t.size(), vec![rows as i64, cols as i64], "{name}");
    }
    assert_eq!(
        names(&model),
        original_names,
        "adapters live outside the model's store"
    );
    let adapters_before = copy(model.trainable_params());

    let cfg = TrainConfig {
        lr: 1e-2,
        ..common::tiny_train(10)
    };
    train::train(&mut model, &tokenizer, &split, &cfg, &quiet()).unwrap();
    for (name, t) in model.vs.variables() {
        assert_eq!(max_abs_diff(&t, &base_before[&name]), 0.0, "{name} moved");
    }
    for (name, t) in model.trainable_params() {
        // measured: every adapter moved by 0.063 to 0.073 (largest element) in 10 steps at lr 1e-2
        assert!(
            max_abs_diff(&t, &adapters_before[&name]) > 1e-4,
            "{name} did not train"
        );
    }
    let adapted = logits(&model, &x);
    // measured: the adapters moved the logits by up to 0.64
    assert!(max_abs_diff(&adapted, &base_out) > 1e-2);

    model.merge_lora();
    assert!(!model.has_lora());
    assert_eq!(names(&model), original_names);
    assert_eq!(model.num_trainable_params(), n_params);
    let merged = logits(&model, &x);
    // measured: 7.5e-8
    assert!(
        max_abs_diff(&merged, &adapted) < 1e-5,
        "{}",
        max_abs_diff(&merged, &adapted)
    );
    // only the attention's projections changed
    for (name, t) in model.vs.variables() {
        let changed = max_abs_diff(&t, &base_before[&name]) > 0.0;
        let projection = name.ends_with("attn.qkv.weight") || name.ends_with("attn.proj.weight");
        assert_eq!(changed, projection, "{name}");
    }
    // a checkpoint saved after merging loads into a plain model and computes the same logits
    let dir = TempDir::new("ch04-lora");
    let path = dir.join("merged.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let (plain, _) = checkpoint::load_model(&path, Device::Cpu).unwrap();
    assert!(!plain.has_lora());
    assert_eq!(max_abs_diff(&logits(&plain, &x), &merged), 0.0);
    // the bigram has no attention to adapt, and a rank of 0 adapts nothing
    let mut bigram = seeded_model(&ModelConfig::Bigram { vocab_size: 5 }, 0);
    let err = bigram.add_lora(&LoraConfig::default()).unwrap_err();
    assert!(err.to_string().contains("bigram"), "{err}");
    let err = model
        .add_lora(&LoraConfig {
            rank: 0,
            alpha: 1.0,
        })
        .unwrap_err();
    assert!(err.to_string().contains("rank"), "{err}");
}

// ---------------------------------------------------------------- instruction data

#[test]
fn instructions_ask_every_fact_in_every_phrasing_with_the_key_in_the_answer() {
    let world = small_world();
    let people = [0, 3, 5];
    let examples = instruct::instructions(&world, &people, &InstructConfig::default());
    // people × 8 relations × 2 phrasings + one summary each + 200 additions
    assert_eq!(examples.len(), 3 * 8 * PHRASINGS + 3 + 200);
    let count = |f: fn(&Task) -> bool| examples.iter().filter(|e| f(&e.task)).count();
    assert_eq!(count(|t| matches!(t, Task::Fact(_))), 48);
    assert_eq!(count(|t| *t == Task::Summary), 3);
    assert_eq!(count(|t| *t == Task::Arithmetic), 200);
    let few = InstructConfig {
        phrasings: 1,
        summaries: false,
        arithmetic: 5,
        seed: 0,
    };
    assert_eq!(
        instruct::instructions(&world, &people, &few).len(),
        3 * 8 + 5
    );
    let many = InstructConfig {
        phrasings: 9,
        ..InstructConfig::default()
    };
    assert_eq!(
        instruct::instructions(&world, &people, &many).len(),
        examples.len(),
        "at most two phrasings"
    );
    let mut prompts = BTreeSet::new();
    for e in &examples {
        assert!(e.response.contains(&e.key), "{e:?}");
        assert!(
            prompts.insert(e.prompt.clone()) || e.task == Task::Arithmetic,
            "{e:?}"
        );
        match e.task {
            Task::Fact(relation) => {
                let person = people
                    .iter()
                    .copied()
                    .find(|&p| e.prompt.contains(&world.people[p].name))
                    .unwrap();
                assert_eq!(e.key, world.object(person, relation));
                let fact = world
                    .person_facts(person)
                    .into_iter()
                    .find(|f| f.relation == relation)
                    .unwrap();
                assert_eq!(e.response, world.sentence(&fact, 0));
            }
            Task::Summary => assert_eq!(e.key, e.response),
            Task::Arithmetic => {
                let n: Vec<u32> = e
                    .prompt
                    .trim_end_matches('?')
                    .split(' ')
                    .filter_map(|w| w.parse().ok())
                    .collect();
                assert_eq!(n.len(), 2, "{e:?}");
                assert!(n.iter().all(|v| (10..100).contains(v)));
                assert_eq!(e.key, (n[0] + n[1]).to_string());
            }
            Task::Unknown | Task::Forbidden => {
                panic!("no unknown people or forbidden requests in instructions")
            }
        }
    }
    // the two phrasings ask the same fact in other words, with the same answer
    let (a, b) = (
        instruct::fact_question(&world, 2, Relation::PetName, 0),
        instruct::fact_question(&world, 2, Relation::PetName, 1),
    );
    assert_ne!(a.prompt, b.prompt);
    assert_eq!((a.response, a.key), (b.response, b.key));
    // the test set: one question per fact, first phrasing
    let test = instruct::fact_questions(&world, &[4, 7]);
    assert_eq!(test.len(), 16);
    assert_eq!(
        test[9],
        instruct::fact_question(&world, 7, Relation::ALL[1], 0)
    );
    // the same seed, the same additions
    assert_eq!(
        examples,
        instruct::instructions(&world, &people, &InstructConfig::default())
    );
}

#[test]
fn unknown_people_are_not_in_the_world_and_get_an_honest_answer() {
    let world = small_world();
    let names = world.unknown_names(30, 9);
    assert_eq!(names.len(), 30);
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 30, "distinct");
    for name in &names {
        assert!(world.people.iter().all(|p| &p.name != name), "{name}");
    }
    assert_eq!(names, world.unknown_names(30, 9));
    assert_ne!(names, world.unknown_names(30, 10));
    let e: Example = instruct::unknown_person(&names[0], Relation::Job);
    assert_eq!(e.task, Task::Unknown);
    assert!(e.prompt.contains(&names[0]) && e.response.contains(&names[0]));
    assert!(e.response.contains(&e.key) && e.key == "I don't know");
}

// ---------------------------------------------------------------- chatting

#[test]
fn chat_commands_parse_and_bad_ones_say_what_is_wrong() {
    let ok = |line: &str| ChatCommand::parse(line).unwrap().unwrap();
    assert_eq!(ok("/temp 0.7"), ChatCommand::Temperature(0.7));
    assert_eq!(ok("  /topp 0.9  "), ChatCommand::TopP(0.9));
    assert_eq!(ok("/temp 0"), ChatCommand::Temperature(0.0));
    assert_eq!(ok("/reset"), ChatCommand::Reset);
    assert_eq!(ok("/help"), ChatCommand::Help);
    assert_eq!(ok("/quit"), ChatCommand::Quit);
    assert_eq!(ok("/exit"), ChatCommand::Quit);
    for message in ["Where was Bone Bodus born?", "what is 1/2?", "", "  "] {
        assert!(ChatCommand::parse(message).is_none(), "{message:?}");
    }
    let bad = |line: &str| ChatCommand::parse(line).unwrap().unwrap_err().to_string();
    assert_eq!(bad("/temp"), "/temp needs a temperature");
    assert_eq!(bad("/topp"), "/topp needs a probability");
    assert_eq!(bad("/temp hot"), "/temp: \"hot\" is not a number");
    assert_eq!(
        bad("/jump 3"),
        format!("unknown command /jump; {CHAT_HELP}")
    );
    assert!(bad("/").starts_with("unknown command /;"));
}

/// A tiny BPE GPT fine-tuned from scratch for `steps` steps on the small world's first two people (call
/// under the torch lock): what the chat tests talk to.
fn tiny_chat_model(steps: usize) -> (Model, Tokenizer, World) {
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let mut model = seeded_model(&gpt64(tokenizer.vocab_size(), 1, 32), 2);
    let train_set = instruct::fact_questions(&world, &[0, 1]);
    let data = SftData::new(&tokenizer, &train_set, &train_set, true, 64).unwrap();
    let cfg = TrainConfig {
        batch_size: 8,
        ..sft_train(steps, 3e-3)
    };
    train::train(&mut model, &tokenizer, &data, &cfg, &quiet()).unwrap();
    (model, tokenizer, world)
}

#[test]
fn chat_refuses_bad_settings_keeps_history_and_fits_the_context() {
    let _torch = torch_lock();
    let (model, tokenizer, world) = tiny_chat_model(20);
    let sampling = SamplingConfig {
        seed: 5,
        max_new_tokens: 8,
        ..SamplingConfig::default()
    };
    let system = "Answer briefly.";
    let mut chat = Chat::new(&model, &tokenizer, Some(system), sampling.clone());
    assert_eq!(chat.messages, vec![Message::new(Role::System, system)]);
    assert_eq!(
        chat.apply(&ChatCommand::Temperature(0.0)).unwrap(),
        "temperature 0"
    );
    let settings = chat.sampling.clone();
    assert_eq!(settings.temperature, 0.0);
    for bad in [
        ChatCommand::TopP(0.0),
        ChatCommand::TopP(1.5),
        ChatCommand::Temperature(-1.0),
    ] {
        let err = chat.apply(&bad).unwrap_err().to_string();
        assert!(err.contains("sampling:"), "{err}");
        assert_eq!(chat.sampling, settings, "a refused {bad:?} changes nothing");
    }
    assert_eq!(chat.apply(&ChatCommand::Help).unwrap(), CHAT_HELP);

    // a greedy first turn is what `answer` says; the reply streams in pieces and joins the history
    let question = instruct::fact_question(&world, 0, Relation::BirthCity, 0).prompt;
    let mut pieces = String::new();
    let reply = chat.send(&question, |p| pieces.push_str(p)).unwrap();
    assert_eq!(pieces, reply);
    let with_system = sft::reply_with(
        &model,
        &tokenizer,
        &[
            Message::new(Role::System, system),
            Message::new(Role::User, &question),
        ],
        &chat.sampling,
        |_| {},
    );
    assert_eq!(reply, with_system.unwrap().0);
    assert!(!reply.contains(END));
    assert_eq!(chat.messages.len(), 3);
    assert_eq!(chat.messages[2], Message::new(Role::Assistant, &reply));
    assert_eq!(
        chat.sampling.seed,
        sampling.seed + 1,
        "a new draw next turn"
    );

    // a long conversation keeps only what fits 64 − 8 tokens before the reply; the system message stays
    for turn in 0..6 {
        let question = instruct::fact_question(&world, turn % 2, Relation::ALL[turn], 1).prompt;
        chat.send(&question, |_| {}).unwrap();
        let asked = &chat.messages[..chat.messages.len() - 1];
        assert!(tokenizer.encode(&sft::prompt(asked)).len() <= 56);
        assert_eq!(chat.messages[0], Message::new(Role::System, system));
        assert_eq!(asked.last().unwrap(), &Message::new(Role::User, &question));
        assert_eq!(chat.messages.last().unwrap().role, Role::Assistant);
        // whole exchanges are dropped: after the system message, questions and answers alternate
        for (i, m) in chat.messages[1..].iter().enumerate() {
            let expected = if i % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            };
            assert_eq!(m.role, expected, "message {} of {:?}", i + 1, chat.messages);
        }
    }
    // measured: 4 messages kept of the 15 said
    assert!(chat.messages.len() < 1 + 2 * 7, "old turns were dropped");
    assert_eq!(
        chat.apply(&ChatCommand::Reset).unwrap(),
        "conversation forgotten"
    );
    assert_eq!(chat.messages, vec![Message::new(Role::System, system)]);
}

// ---------------------------------------------------------------- the chat command line

#[test]
fn the_chat_command_answers_lines_from_stdin_and_obeys_commands() {
    let _torch = torch_lock();
    let (model, tokenizer, world) = tiny_chat_model(30);
    let dir = TempDir::new("ch04-chat");
    let path = dir.join("sft.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let q1 = instruct::fact_question(&world, 0, Relation::BirthCity, 0).prompt;
    let q2 = instruct::fact_question(&world, 1, Relation::Job, 0).prompt;
    let input = format!("/temp 0\n{q1}\n\n/topp 0\n/bogus\n{q2}\n/quit\n{q1}\n");
    let out = common::jielong_with_input(
        &[
            "chat",
            "--checkpoint",
            path.to_str().unwrap(),
            "--tokens",
            "12",
            "--device",
            "cpu",
        ],
        &input,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout {stdout:?} stderr {stderr:?}");
    assert_eq!(stderr, "");
    // the same conversation through the library, from the same file
    let (model, tokenizer) = checkpoint::load_model(&path, Device::Cpu).unwrap();
    let sampling = SamplingConfig {
        seed: 0,
        max_new_tokens: 12,
        ..SamplingConfig::default()
    };
    let mut chat = Chat::new(&model, &tokenizer, None, sampling);
    chat.apply(&ChatCommand::Temperature(0.0)).unwrap();
    let r1 = chat.send(&q1, |_| {}).unwrap();
    let refused = chat.apply(&ChatCommand::TopP(0.0)).unwrap_err();
    let r2 = chat.send(&q2, |_| {}).unwrap();
    assert_eq!(r1, sft::answer(&model, &tokenizer, &q1, 12).unwrap().0);
    let expected = format!(
        "(temperature 0)\nassistant> {r1}\n(refused: {refused})\n(unknown command /bogus; {CHAT_HELP})\nassistant> {r2}\n"
    );
    assert_eq!(stdout, expected);
    assert_eq!(
        stdout.matches("assistant> ").count(),
        2,
        "nothing after /quit"
    );
}

#[test]
fn the_chat_command_refuses_a_character_level_checkpoint_in_one_line() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch04-chat-char");
    let (tokenizer, _) = tiny_data();
    let model = seeded_model(&common::tiny_gpt(tokenizer.vocab_size()), 0);
    let path = dir.join("char.safetensors");
    checkpoint::save(&path, &model, &tokenizer, None).unwrap();
    let out = common::jielong_with_input(
        &[
            "chat",
            "--checkpoint",
            path.to_str().unwrap(),
            "--device",
            "cpu",
        ],
        "hello\n",
    );
    let line = error_line(&out);
    for part in [path.to_str().unwrap(), "cannot chat", "<|system|>", "BPE"] {
        assert!(line.contains(part), "{part:?} not in {line:?}");
    }
    let missing = dir.join("missing.safetensors");
    let out = common::jielong_with_input(
        &[
            "chat",
            "--checkpoint",
            missing.to_str().unwrap(),
            "--device",
            "cpu",
        ],
        "",
    );
    assert!(error_line(&out).contains("missing.safetensors"));
}

// ---------------------------------------------------------------- the chapter

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn the_chapter_writes_its_charts_report_and_fine_tuned_checkpoint() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch04-run");
    let cfg = common::tiny_ch04(&dir.path);
    cfg.validate().unwrap();
    let result = ch04::run(&cfg).unwrap();
    let names = common::file_names(&result.run_dir);
    for file in [
        "sft_loss.svg",
        "accuracy.svg",
        "diversity.svg",
        "result.json",
        "report.md",
        "config.json",
        "sft",
        "sft-unmasked",
        "sft-random",
        "sft-lora",
        "sft-diversity-1",
        "pretrain-diversity-1",
    ] {
        assert!(
            names.contains(&file.to_string()),
            "{file} missing from {names:?}"
        );
    }
    assert_eq!(
        result.finetuned_checkpoint,
        ch04::finetuned_checkpoint_path(&cfg)
    );
    assert_eq!(
        result.finetuned_checkpoint,
        dir.path.join("ch04").join("sft").join("model.safetensors")
    );
    let (model, tokenizer) =
        checkpoint::load_model(&result.finetuned_checkpoint, Device::Cpu).unwrap();
    sft::check_template(&tokenizer).unwrap();
    assert!(!model.has_lora());
    // the LoRA run saved its merged weights as a plain model
    checkpoint::load_model(
        &result.run_dir.join("sft-lora").join("model.safetensors"),
        Device::Cpu,
    )
    .unwrap();

    // 4 people × 8 facts in one phrasing + 4 summaries + 4 additions
    assert_eq!(result.train_examples, 4 * 8 + 4 + 4);
    let labels: Vec<&str> = result.runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "answers only (masked)",
            "every token",
            "random start",
            "LoRA r = 2"
        ]
    );
    let full = model.num_params();
    let lora_params = (2 * 32 + 3 * 32 * 2 + 2 * 32 + 32 * 2) as i64; // one layer, d = 32, r = 2
    let trainable: Vec<i64> = result.runs.iter().map(|r| r.trainable_params).collect();
    assert_eq!(trainable, [full, full, full, lora_params]);
    for run in &result.runs {
        assert_eq!(run.sft_people.questions, 16, "{}", run.label);
        assert_eq!(run.held_out.questions, 16);
        assert_eq!(run.arithmetic.questions, 50);
        assert!(run.answer_loss.is_finite());
        assert_eq!(run.report.records.last().unwrap().step, 6);
    }
    let diversities: Vec<usize> = result.diversity.iter().map(|p| p.diversity).collect();
    assert_eq!(diversities, [1, 4]);
    assert_eq!(
        result.diversity[1].held_out_accuracy,
        result.runs[0].held_out.accuracy
    );
    // measured after 6 steps: answer loss 4.696 from the pretrained model, 5.624 from a random start
    assert!(
        result.runs[2].answer_loss > result.runs[0].answer_loss + 0.3,
        "{} vs {}",
        result.runs[2].answer_loss,
        result.runs[0].answer_loss
    );
    assert_eq!(result.before_after.len(), 5);
    // the style measurement: 2 people × 2 relations × every phrasing, 8 draws each
    assert_eq!(result.style.draws, 2 * 2 * PHRASINGS * 8);
    assert_eq!(result.unknown.len(), 2);
    assert!((0.0..=1.0).contains(&result.invented));
    // the mask example: the first training conversation, the answer and its <|end|> learned
    let first = &ch04::prepare_data(&cfg).unwrap().train[0];
    let learned: String = result
        .mask_example
        .iter()
        .filter(|t| t.learned)
        .map(|t| t.piece.as_str())
        .collect();
    assert_eq!(learned, format!("{}{END}", first.response));
    // result.json reads back as what run returned; the report shows the table
    let json = std::fs::read_to_string(result.run_dir.join("result.json")).unwrap();
    let back: ch04::Ch04Result = serde_json::from_str(&json).unwrap();
    assert_eq!(back, result);
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert_eq!(report, ch04::report(&result));
    assert!(
        report.contains("LoRA r = 2") && report.contains("⟦"),
        "{report}"
    );

    // chapter 5 finds the checkpoint and does not fine-tune again
    let before = modified(&result.finetuned_checkpoint);
    assert_eq!(
        ch04::ensure_finetuned(&cfg).unwrap(),
        result.finetuned_checkpoint
    );
    assert_eq!(modified(&result.finetuned_checkpoint), before);
    // a missing one is made again, from the pretrained model already there
    let pretrained = ch03::pretrained_checkpoint_path(&cfg.pretrain);
    let pretrained_at = modified(&pretrained);
    std::fs::remove_file(&result.finetuned_checkpoint).unwrap();
    assert_eq!(
        ch04::ensure_finetuned(&cfg).unwrap(),
        result.finetuned_checkpoint
    );
    assert!(result.finetuned_checkpoint.exists());
    assert_eq!(modified(&pretrained), pretrained_at);
}

#[test]
fn the_config_file_is_the_default_and_bad_configs_are_refused() {
    let file: Ch04Config =
        jielong::chapters::load_config(Path::new("chapters/04-sft/config.json")).unwrap();
    assert_eq!(file, Ch04Config::default());
    Ch04Config::default().validate().unwrap();
    let n = Ch04Config::default().pretrain.world.n_people;
    for (bad, named) in [
        (
            Ch04Config {
                sft_people: n,
                ..Ch04Config::default()
            },
            "sft_people",
        ),
        (
            Ch04Config {
                sft_people: 0,
                ..Ch04Config::default()
            },
            "sft_people",
        ),
        (
            Ch04Config {
                eval_people: n / 2 + 1,
                ..Ch04Config::default()
            },
            "eval_people",
        ),
        (
            Ch04Config {
                sft_people: n - 10,
                eval_people: 11,
                ..Ch04Config::default()
            },
            "eval_people",
        ),
        (
            Ch04Config {
                diversities: vec![1, 0],
                ..Ch04Config::default()
            },
            "diversities",
        ),
        (
            Ch04Config {
                style: ch04::StyleConfig {
                    draws: 0,
                    ..Default::default()
                },
                ..Ch04Config::default()
            },
            "style.draws",
        ),
        (
            Ch04Config {
                lora: LoraConfig {
                    rank: 0,
                    alpha: 1.0,
                },
                ..Ch04Config::default()
            },
            "lora.rank",
        ),
        (
            Ch04Config {
                sft_train: TrainConfig {
                    block_size: 1000,
                    ..Ch04Config::default().sft_train
                },
                ..Ch04Config::default()
            },
            "block_size",
        ),
    ] {
        let message = bad.validate().unwrap_err().to_string();
        assert!(message.contains(named), "{message}");
    }
    // a model pretrained at another diversity lives in this chapter's run directory
    let cfg = Ch04Config::default();
    assert_eq!(cfg.pretrain_for(cfg.pretrain.world.diversity), cfg.pretrain);
    let other = cfg.pretrain_for(1);
    assert_eq!(other.world.diversity, 1);
    assert_eq!(
        ch03::pretrained_checkpoint_path(&other),
        Path::new("runs/ch04/pretrain-diversity-1/pretrained/model.safetensors")
    );
    assert_ne!(
        ch03::pretrained_checkpoint_path(&other),
        ch03::pretrained_checkpoint_path(&cfg.pretrain)
    );
}

#[test]
fn a_rerun_reuses_every_fine_tuning_and_recomputes_only_what_changed() {
    use common::{recomputed, result_times, without_times};
    let _torch = torch_lock();
    let dir = TempDir::new("ch04-reuse");
    let cfg = common::tiny_ch04(&dir.path);
    let root = dir.join(&cfg.run_name);
    let first = ch04::run(&cfg).unwrap();
    let times = result_times(&root);
    let runs = [
        "sft",
        "sft-diversity-1",
        "sft-lora",
        "sft-random",
        "sft-unmasked",
    ];
    assert_eq!(times.keys().collect::<Vec<_>>(), runs);

    // Run again: every fine-tuning read back (and its model loaded to answer), the same result exactly.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = ch04::run(&cfg).unwrap();
    assert!(recomputed(&times, &result_times(&root)).is_empty());
    assert_eq!(again.runs, first.runs);
    assert_eq!(without_times(&again), without_times(&first));

    // A changed LoRA rate concerns the LoRA run alone.
    let faster = Ch04Config {
        lora_lr: cfg.lora_lr * 2.0,
        ..cfg.clone()
    };
    let changed = ch04::run(&faster).unwrap();
    let after = result_times(&root);
    assert_eq!(recomputed(&times, &after), ["sft-lora"]);
    assert_ne!(
        without_times(&changed.runs[3]),
        without_times(&first.runs[3])
    );
    assert_eq!(changed.runs[..3], first.runs[..3]);

    // An interrupted fine-tuning (no result.json) is trained again, and alone, to the same numbers.
    std::fs::remove_file(root.join("sft").join("result.json")).unwrap();
    let resumed = ch04::run(&faster).unwrap();
    let later = result_times(&root);
    assert_eq!(recomputed(&after, &later), ["sft"]);
    assert_eq!(without_times(&resumed), without_times(&changed));

    // A pretrained model trained again with other numbers is another start: what started from it retrains.
    let pretrained = ch03::pretrained_checkpoint_path(&cfg.pretrain_for(1).localized().unwrap());
    let mut bytes = std::fs::read(&pretrained).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1; // one bit of the last weight
    std::fs::write(&pretrained, bytes).unwrap();
    let restarted = ch04::run(&faster).unwrap();
    let moved = result_times(&root);
    assert_eq!(recomputed(&later, &moved), ["sft-diversity-1"]);

    // fresh: everything trains again, to the same numbers.
    let fresh = ch04::run(&Ch04Config {
        fresh: true,
        ..faster.clone()
    })
    .unwrap();
    assert_eq!(recomputed(&moved, &result_times(&root)).len(), runs.len());
    assert_eq!(without_times(&fresh), without_times(&restarted));
}

/// Inconsistent style, measured exactly: every draw is the reply of its own seed under the preset, the same
/// seeds draw the same answers, the forms and stops add up to the draws, and greedy decoding has one form.
#[test]
fn sampled_answers_are_counted_by_form_and_each_seed_draws_the_same() {
    let _torch = torch_lock();
    let (model, tokenizer, world) = tiny_chat_model(60);
    let cfg = ch04::StyleConfig {
        relations: vec![Relation::Job, Relation::PetName],
        draws: 4,
        seed: 7,
        preset: Preset::Balanced,
    };
    let people = [("tuned", 0), ("held out", 5)];
    let r = ch04::style::style(&cfg, &world, &people, &model, &tokenizer, 12).unwrap();
    // 2 people × 2 relations × 2 phrasings, 4 draws each
    assert_eq!((r.questions.len(), r.draws), (2 * 2 * PHRASINGS, 32));
    assert_eq!(r.preset, Some(Preset::Balanced));
    for q in &r.questions {
        let seeds: Vec<u64> = q.draws.iter().map(|d| d.seed).collect();
        assert_eq!(seeds, [7, 8, 9, 10]);
        assert_eq!(q.forms.iter().map(|(_, n)| n).sum::<usize>(), 4);
        assert!(q.forms.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(
            !q.forms.is_empty() && q.forms.len() <= q.distinct_answers && q.distinct_answers <= 4
        );
        for d in &q.draws {
            assert_eq!(d.chars, d.answer.chars().count());
            assert_eq!(d.tokens, tokenizer.encode(&d.answer).len());
        }
    }
    let all = || r.questions.iter().flat_map(|q| &q.draws);
    assert_eq!(r.stopped, all().filter(|d| d.stopped).count());
    let reference: usize = (r.questions.iter())
        .map(|q| q.draws.iter().filter(|d| d.answer == q.reference).count())
        .sum();
    assert_eq!(r.reference, reference);
    let forms: usize = r.questions.iter().map(|q| q.forms.len()).sum();
    assert!((r.distinct_forms - forms as f64 / 8.0).abs() < 1e-12);
    assert_eq!(r.chars.max, all().map(|d| d.chars).max().unwrap());
    // a draw is the chat reply of its seed under the preset
    let (q, d) = (&r.questions[3], &r.questions[3].draws[2]);
    let sampling = SamplingConfig {
        seed: d.seed,
        max_new_tokens: 12,
        ..Preset::Balanced.config()
    };
    let messages = [Message::new(Role::User, &q.question)];
    let reply = sft::reply_with(&model, &tokenizer, &messages, &sampling, |_| {}).unwrap();
    assert_eq!(reply, (d.answer.clone(), d.stopped));
    // the same seeds again: the same answers
    let again = ch04::style::style(&cfg, &world, &people, &model, &tokenizer, 12).unwrap();
    assert_eq!(again, r);
    // greedy: every draw the same, one answer and one form per question
    let greedy = ch04::StyleConfig {
        preset: Preset::Deterministic,
        ..cfg
    };
    let greedy = ch04::style::style(&greedy, &world, &people, &model, &tokenizer, 12).unwrap();
    assert!(greedy.questions.iter().all(|q| q.distinct_answers == 1));
    assert_eq!(greedy.distinct_forms, 1.0);
    // the report shows the totals, a row per question, and the draws of a question with several forms
    let words = ch04::words::words(jielong::data::world::Language::En);
    let report = ch04::style::report(words, &r);
    assert_eq!(
        report.matches("| tuned |").count(),
        2 * PHRASINGS,
        "{report}"
    );
    assert!(report.contains(&format!("{} of 32 stopped with <|end|>", r.stopped)));
    assert_eq!(
        ch04::style::report(words, &ch04::StyleResult::default()),
        ""
    );
}

#[test]
fn an_answers_form_is_the_template_it_follows_whatever_the_facts() {
    let world = small_world();
    let form = |relation, answer: &str| ch04::style::form_of(&world, 0, relation, answer);
    let name = &world.people[0].name;
    let someone_elses = world.object(3, Relation::Job);
    // the reference sentence, and the same sentence with a wrong fact: one form
    let reference = instruct::fact_question(&world, 0, Relation::Job, 0).response;
    assert_eq!(
        form(Relation::Job, &reference),
        "{subject} works as a {object}."
    );
    let wrong = format!("{name} works as a {someone_elses}.");
    assert_eq!(
        form(Relation::Job, &wrong),
        "{subject} works as a {object}."
    );
    // another paraphrase is another form, and so is another relation's sentence
    let by_trade = format!("{name} is a {someone_elses} by trade.");
    assert_eq!(
        form(Relation::Job, &by_trade),
        "{subject} is a {object} by trade."
    );
    let city = world.object(0, Relation::HomeCity);
    let home = format!("{name} lives in {city}.");
    assert_eq!(form(Relation::Job, &home), "{subject} lives in {object}.");
    // no template: the answer itself, the name and any job masked
    let bare = format!("{name}, {someone_elses}!");
    assert_eq!(form(Relation::Job, &bare), "{subject}, {object}!");
    assert_eq!(form(Relation::Job, ""), "");
}

/// The style measurement on a finished chapter-4 run (`JIELONG_CH04_RUN`, default `runs/ch04`), as the chapter
/// makes it: its config, its fine-tuned checkpoint, the first fine-tuned and the first held-out person. The
/// book's numbers; prints the report section and writes nothing.
/// `JIELONG_CH04_RUN=runs/ch04 cargo test --test ch04 -- --ignored --nocapture style_of_a_chapter_run`
#[test]
#[ignore = "needs a finished chapter-4 run"]
fn style_of_a_chapter_run() {
    let _torch = torch_lock();
    let dir = std::env::var("JIELONG_CH04_RUN").unwrap_or_else(|_| "runs/ch04".into());
    let dir = Path::new(&dir);
    let cfg: Ch04Config = jielong::chapters::load_config(&dir.join("config.json")).unwrap();
    let device = jielong::chapters::prepare(cfg.device, cfg.threads, cfg.seed).unwrap();
    let data = ch04::prepare_data(&cfg).unwrap();
    let (model, tokenizer) =
        checkpoint::load_model(&dir.join("sft").join("model.safetensors"), device).unwrap();
    let r = ch04::measure_style(&cfg, &data.world, &model, &tokenizer).unwrap();
    let words = ch04::words::words(cfg.language);
    println!("{}", ch04::style::report(words, &r));
    for q in &r.questions {
        println!("\n{:?} (reference {:?})", q.question, q.reference);
        for (form, n) in &q.forms {
            println!("  {n} × {form:?}");
        }
        for d in &q.draws {
            println!(
                "  seed {}: {:?} ({} chars, {} tokens, stopped {})",
                d.seed, d.answer, d.chars, d.tokens, d.stopped
            );
        }
    }
}
