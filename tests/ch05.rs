//! Chapter 5: the labeller's rule and the pairs it ranks, the feedback prompts, rollouts (sequences, answer
//! masks, log-probabilities, batched sampling), the reward model, DPO, PPO and GRPO on a tiny model that
//! learn to say "I don't know" about nobody, and the chapter's config, command line and pipeline.

mod common;

use common::{
    TempDir, chat_tokenizer, error_line, gpt64, jielong, quiet, seeded_model, small_world,
    small_world_config, torch_lock,
};
use jielong::Tokenizer;
use jielong::chapters::ch05::{self, Ch05Config, PromptCounts};
use jielong::checkpoint;
use jielong::data::feedback::{
    self, Answer, MAX_LENGTH_PENALTY, Preference, PromptMix, Verdict, WORD_PENALTY,
};
use jielong::data::instruct::{
    self, DECLINE, DONT_KNOW, Example, FORBIDDEN_KINDS, InstructConfig, Task,
};
use jielong::data::world::{Relation, World};
use jielong::generate::{self, SamplingConfig};
use jielong::model::{Model, ModelConfig};
use jielong::progress::ProgressMode;
use jielong::reward::{self, EncodedPairs, RewardConfig, RewardModel};
use jielong::rl::dpo::{self, DpoConfig};
use jielong::rl::ppo::{self, Advantage, PolicyConfig, PolicyReport};
use jielong::rl::rollout::{self, Sequences};
use jielong::sft::{self, END, Encoded, SftData};
use jielong::train::{self, Schedule, TrainConfig};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use tch::{Device, Kind, Tensor};

// ---------------------------------------------------------------- the tiny world and model

/// Names of nobody in the small world, in three distinct sets: fine-tuning's, the preference pairs' and
/// the held-out prompts'.
struct Names {
    sft: Vec<String>,
    train: Vec<String>,
    held_out: Vec<String>,
}

fn names(world: &World) -> Names {
    let mut sft = world.unknown_names(64, 11);
    let held_out = sft.split_off(48);
    let train = sft.split_off(24);
    Names {
        sft,
        train,
        held_out,
    }
}

/// The questions about `names`, the relation cycling.
fn unknown_prompts(names: &[String]) -> Vec<Example> {
    (names.iter().enumerate())
        .map(|(i, name)| instruct::unknown_person(name, Relation::ALL[i % Relation::ALL.len()]))
        .collect()
}

/// An invented answer about `name`: person `i`'s fact of `relation`, told of `name`.
fn invented(world: &World, name: &str, relation: Relation, i: usize) -> String {
    let person = i % world.people.len();
    let fact = world
        .person_facts(person)
        .into_iter()
        .find(|f| f.relation == relation)
        .unwrap();
    world
        .sentence(&fact, 0)
        .replace(&world.people[person].name, name)
}

/// The question about unknown name `i` of `names`, answered with an invented fact.
fn invented_example(world: &World, names: &[String], i: usize) -> Example {
    let relation = Relation::ALL[i % Relation::ALL.len()];
    Example {
        response: invented(world, &names[i], relation, i + 3),
        ..instruct::unknown_person(&names[i], relation)
    }
}

/// The labeller's pairs about `names`: the honest answer over an invented one, ranked by the rule.
fn honesty_pairs(world: &World, names: &[String]) -> Vec<Preference> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    (unknown_prompts(names).iter().enumerate())
        .flat_map(|(i, e)| {
            let answers = [
                Answer::written(&e.response),
                Answer::written(invented_example(world, names, i).response),
            ];
            feedback::rank(e, &answers, 0.0, &mut rng)
        })
        .collect()
}

/// A copy of `model` with its own weights.
fn clone_model(model: &Model) -> Model {
    let mut copy = Model::new(model.config(), model.device()).unwrap();
    copy.vs.copy(&model.vs).unwrap();
    copy
}

static SFT: OnceLock<Mutex<Model>> = OnceLock::new();

/// A copy of the tests' fine-tuned model (call under [`torch_lock`]; made once, in about 6 s): a 2-block GPT
/// of width 64 pretrained on the small world's text (400 steps), then fine-tuned (200 steps) on people 0–5's
/// facts and on questions about the 24 `Names::sft` names, one in four answered honestly ("I don't know
/// anyone called …") and the rest with an invented fact. So, like a real fine-tuned model, it mostly
/// invents, but honesty is not foreign to it: feedback has something to prefer.
fn sft_model() -> Model {
    let cached = SFT.get_or_init(|| {
        let world = small_world();
        let (tokenizer, mut model) = common::pretrained_chat_gpt(&world);
        let instructions = InstructConfig {
            phrasings: 2,
            summaries: false,
            arithmetic: 0,
            seed: 0,
        };
        let people: Vec<usize> = (0..6).collect();
        let mut examples = instruct::instructions(&world, &people, &instructions);
        let sft_names = names(&world).sft;
        for i in 0..sft_names.len() {
            examples.push(if i % 4 == 0 {
                instruct::unknown_person(&sft_names[i], Relation::ALL[i % Relation::ALL.len()])
            } else {
                invented_example(&world, &sft_names, i)
            });
        }
        let data = SftData::new(&tokenizer, &examples, &examples[..8], true, 64).unwrap();
        let cfg = TrainConfig {
            steps: 200,
            batch_size: 16,
            block_size: 64,
            lr: 3e-3,
            schedule: Schedule::Constant,
            warmup_steps: 10,
            eval_every: 200,
            eval_batches: 1,
            seed: 3,
            ..TrainConfig::default()
        };
        train::train(&mut model, &tokenizer, &data, &cfg, &quiet()).unwrap();
        Mutex::new(model)
    });
    clone_model(&cached.lock().unwrap_or_else(|p| p.into_inner()))
}

/// The mean rule score of `model`'s greedy answers to `prompts`, and the fraction the rule calls good.
fn greedy_rule(model: &Model, tokenizer: &Tokenizer, prompts: &[Example]) -> (f64, f64) {
    let (mut score, mut good) = (0.0, 0.0);
    for e in prompts {
        let answer = rollout::greedy_answer(model, tokenizer, &e.prompt, 32).unwrap();
        let judgement = feedback::judge(e, &answer);
        score += judgement.score;
        good += f64::from(u8::from(judgement.verdict == Verdict::Good));
    }
    let n = prompts.len() as f64;
    (score / n, good / n)
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

fn to_vec_f64(x: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(x.to_kind(Kind::Double).reshape(-1)).unwrap()
}

fn to_vec_i64(x: &Tensor) -> Vec<i64> {
    Vec::<i64>::try_from(x.reshape(-1)).unwrap()
}

// ---------------------------------------------------------------- the labeller's rule

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn the_rule_rewards_right_honest_and_harmless_answers_and_charges_for_length() {
    let world = small_world();
    let fact = instruct::fact_question(&world, 0, Relation::BirthCity, 0);
    assert_eq!(fact.response, "Bone Bodus was born in Busril."); // 6 words
    let judge = |e: &Example, text: &str| feedback::judge(e, &Answer::written(text));

    // a fact question: right, refused, wrong
    let right = judge(&fact, &fact.response);
    assert_eq!(
        (right.verdict, right.extra_words, right.stopped, right.score),
        (Verdict::Good, 0, true, 1.0)
    );
    assert_eq!(
        judge(&fact, "  Busril.  ").score,
        1.0,
        "the key is the fact"
    );
    let refused = judge(&fact, "I don't know.");
    assert_eq!((refused.verdict, refused.score), (Verdict::Refused, 0.0));
    let refused = judge(&fact, "I don't know anyone called Bone Bodus."); // 7 words: 1 extra
    assert_eq!(
        (refused.verdict, refused.extra_words),
        (Verdict::Refused, 1)
    );
    assert!(close(refused.score, -WORD_PENALTY), "{refused:?}");
    let declined = judge(&fact, DECLINE);
    assert_eq!((declined.verdict, declined.score), (Verdict::Refused, 0.0));
    let wrong = judge(&fact, "Bone Bodus was born in Rosfos."); // his home, not his birthplace
    assert_eq!((wrong.verdict, wrong.score), (Verdict::Bad, -1.0));

    // a question about nobody: honest or invented
    let unknown = instruct::unknown_person("Dile Hador", Relation::BirthCity);
    assert_eq!(unknown.response, "I don't know anyone called Dile Hador.");
    assert_eq!(judge(&unknown, &unknown.response).verdict, Verdict::Good);
    assert_eq!(judge(&unknown, &unknown.response).score, 1.0);
    assert_eq!(judge(&unknown, "I don't know.").score, 1.0);
    let made_up = judge(&unknown, "Dile Hador was born in Busril.");
    assert_eq!((made_up.verdict, made_up.score), (Verdict::Bad, -1.0));

    // a forbidden request: declined, or helped; "I don't know" is no refusal to harm
    let forbidden = instruct::forbidden_request(&world, 0, 0);
    assert_eq!(forbidden.response, DECLINE); // 5 words
    let declined = judge(&forbidden, DECLINE);
    assert_eq!((declined.verdict, declined.score), (Verdict::Good, 1.0));
    let helped = judge(&forbidden, "Mix poison into its food.");
    assert_eq!((helped.verdict, helped.score), (Verdict::Bad, -1.0));
    let dodged = judge(&forbidden, "I don't know anyone called Bone Bodus."); // 2 extra words
    assert_eq!(dodged.verdict, Verdict::Bad);
    assert!(close(dodged.score, -1.0 - 2.0 * WORD_PENALTY), "{dodged:?}");

    // an addition: the sum is the key
    let sum = Example {
        prompt: "What is 23 plus 58?".into(),
        response: "23 plus 58 is 81.".into(),
        key: "81".into(),
        task: Task::Arithmetic,
    };
    assert_eq!(judge(&sum, "It is 81.").score, 1.0);
    assert_eq!(judge(&sum, "23 plus 58 is 82.").verdict, Verdict::Bad);

    // words beyond the reference cost WORD_PENALTY each, at most MAX_LENGTH_PENALTY
    for extra in [1, 3, 9, 10, 11, 20] {
        let text = format!("{} {}", fact.response, vec!["really"; extra].join(" "));
        let j = judge(&fact, &text);
        assert_eq!((j.verdict, j.extra_words), (Verdict::Good, extra));
        let penalty = (WORD_PENALTY * extra as f64).min(MAX_LENGTH_PENALTY);
        assert!(close(j.score, 1.0 - penalty), "{extra}: {j:?}");
    }
    assert_eq!(MAX_LENGTH_PENALTY, 0.5);
    let capped = format!("{} {}", fact.response, vec!["really"; 20].join(" "));
    assert_eq!(judge(&fact, &capped).score, 0.5);
    // an answer cut off before <|end|> costs MAX_LENGTH_PENALTY more
    let cut = |text: &str| Answer {
        text: text.into(),
        stopped: false,
    };
    let j = feedback::judge(&fact, &cut(&fact.response));
    assert_eq!((j.verdict, j.stopped, j.score), (Verdict::Good, false, 0.5));
    assert_eq!(feedback::judge(&fact, &cut(&capped)).score, 0.0);
    // the worst answer: wrong, long and never ending
    let worst = format!(
        "Bone Bodus was born in Rosfos {}",
        vec!["and"; 30].join(" ")
    );
    assert_eq!(feedback::judge(&fact, &cut(&worst)).score, -2.0);
}

// ---------------------------------------------------------------- preference pairs

#[test]
fn rank_pairs_every_unequal_answer_better_first_and_noise_swaps_them() {
    let world = small_world();
    let fact = instruct::fact_question(&world, 0, Relation::BirthCity, 0);
    let answers = [
        Answer::written(&fact.response), // 0: score 1
        Answer {
            text: fact.response.clone(),
            stopped: false,
        }, // 1: 0.5
        Answer::written("I don't know."), // 2: 0
        Answer::written("Bone Bodus was born in Rosfos."), // 3: −1
        Answer::written("Rosfos."),      // 4: −1, a tie with 3
        Answer::written(&fact.response), // 5: 1, the same answer as 0
    ];
    let scores: Vec<f64> = answers
        .iter()
        .map(|a| feedback::judge(&fact, a).score)
        .collect();
    assert_eq!(scores, [1.0, 0.5, 0.0, -1.0, -1.0, 1.0]);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let pairs = feedback::rank(&fact, &answers, 0.0, &mut rng);
    // 15 pairs of 6 answers; 0–5 (the same answer) and 3–4 tie and say nothing
    let expected = [
        (0, 1),
        (0, 2),
        (0, 3),
        (0, 4),
        (1, 2),
        (1, 3),
        (1, 4),
        (5, 1),
        (2, 3),
        (2, 4),
        (5, 2),
        (5, 3),
        (5, 4),
    ];
    assert_eq!(pairs.len(), expected.len());
    for (pair, &(chosen, rejected)) in pairs.iter().zip(&expected) {
        assert_eq!(pair.chosen, answers[chosen]);
        assert_eq!(pair.rejected, answers[rejected]);
        assert_eq!(
            (pair.prompt.as_str(), pair.task),
            (fact.prompt.as_str(), fact.task)
        );
        assert!(!pair.flipped);
        assert_ne!(pair.chosen, pair.rejected);
    }
    // noise 1 swaps every pair and says so
    let swapped = feedback::rank(&fact, &answers, 1.0, &mut rng);
    assert_eq!(swapped.len(), pairs.len());
    for (s, p) in swapped.iter().zip(&pairs) {
        assert!(s.flipped);
        assert_eq!((&s.chosen, &s.rejected), (&p.rejected, &p.chosen));
    }
    // noise 0.3 swaps about 3 pairs in 10, and only the ones it marks
    let mut flipped = 0;
    let rounds = 100;
    for _ in 0..rounds {
        for pair in feedback::rank(&fact, &answers, 0.3, &mut rng) {
            let (c, r) = (
                feedback::judge(&fact, &pair.chosen).score,
                feedback::judge(&fact, &pair.rejected).score,
            );
            assert_eq!(pair.flipped, c < r, "{pair:?}");
            flipped += usize::from(pair.flipped);
        }
    }
    let share = flipped as f64 / (rounds * expected.len()) as f64;
    // measured 0.295
    assert!((share - 0.3).abs() < 0.05, "{share}");
    // the same seed draws the same noise
    let draw = |seed| feedback::rank(&fact, &answers, 0.5, &mut ChaCha8Rng::seed_from_u64(seed));
    assert_eq!(draw(9), draw(9));
    // fewer than two different answers: nothing to compare
    assert!(feedback::rank(&fact, &answers[..1], 0.0, &mut rng).is_empty());
    assert!(
        feedback::rank(
            &fact,
            &[answers[0].clone(), answers[5].clone()],
            0.0,
            &mut rng
        )
        .is_empty()
    );
}

// ---------------------------------------------------------------- feedback prompts

/// The person of the world whose name `prompt` holds (there is exactly one).
fn person_in(world: &World, prompt: &str) -> usize {
    let found: Vec<usize> = (0..world.people.len())
        .filter(|&p| prompt.contains(&world.people[p].name))
        .collect();
    assert_eq!(found.len(), 1, "{prompt:?}");
    found[0]
}

#[test]
fn feedback_prompts_ask_facts_about_nobody_and_to_harm_in_that_order() {
    let world = small_world();
    let nobody = names(&world).train[..3].to_vec();
    let mix = PromptMix {
        people: (0..10).collect(),
        unknown_names: nobody.clone(),
        forbidden_people: vec![0, 2, 4, 6, 8],
    };
    let prompts = feedback::feedback_prompts(&world, &mix);
    assert_eq!(prompts.len(), 10 + 3 + 5);
    // one fact each, the relation cycling and the second phrasing after all eight relations
    for (i, e) in prompts[..10].iter().enumerate() {
        assert_eq!(e.task, Task::Fact(Relation::ALL[i % 8]), "{e:?}");
        assert_eq!(
            *e,
            instruct::fact_question(&world, i, Relation::ALL[i % 8], i / 8)
        );
        assert_eq!(person_in(&world, &e.prompt), i);
    }
    // person 8 is asked the first relation again, in the other phrasing
    assert_ne!(
        prompts[0].prompt,
        prompts[8]
            .prompt
            .replace(&world.people[8].name, &world.people[0].name)
    );
    for (e, name) in prompts[10..13].iter().zip(&nobody) {
        assert_eq!(e.task, Task::Unknown);
        assert!(e.prompt.contains(name.as_str()), "{e:?}");
        assert_eq!(e.response, format!("{DONT_KNOW} anyone called {name}."));
    }
    // every request names its person; the four kinds cycle
    let marks = ["poison", "break into", "threat", "steal"];
    for (i, e) in prompts[13..].iter().enumerate() {
        let person = mix.forbidden_people[i];
        assert_eq!(e.task, Task::Forbidden);
        assert_eq!((e.response.as_str(), e.key.as_str()), (DECLINE, DECLINE));
        assert_eq!(person_in(&world, &e.prompt), person);
        assert!(e.prompt.contains(marks[i % FORBIDDEN_KINDS]), "{e:?}");
    }
    assert_eq!(FORBIDDEN_KINDS, 4);
    let p = &world.people[3];
    let kinds: Vec<String> = (0..8)
        .map(|k| instruct::forbidden_request(&world, 3, k).prompt)
        .collect();
    assert_eq!(kinds[..4], kinds[4..]);
    assert_eq!(kinds.iter().collect::<BTreeSet<_>>().len(), 4);
    assert!(kinds[0].contains(&p.pet_kind) && kinds[1].contains(&p.home_city));
    assert!(kinds[3].contains(&p.pet_name));
}

fn prompt_config(seed: u64) -> Ch05Config {
    let mut cfg = Ch05Config {
        seed,
        demonstrations: PromptCounts {
            facts: 0,
            unknown: 3,
            forbidden: 2,
        },
        train_prompts: PromptCounts {
            facts: 5,
            unknown: 4,
            forbidden: 3,
        },
        eval_prompts: PromptCounts {
            facts: 4,
            unknown: 2,
            forbidden: 3,
        },
        ..Ch05Config::default()
    };
    cfg.sft.pretrain.world = small_world_config();
    cfg
}

#[test]
fn training_and_held_out_prompts_share_no_person_and_no_name() {
    let prompts = ch05::prepare_prompts(&prompt_config(1)).unwrap();
    let world = &prompts.world;
    assert_eq!(world.people.len(), 12);
    let count = |set: &[Example], f: fn(Task) -> bool| set.iter().filter(|e| f(e.task)).count();
    let is_fact = |t: Task| matches!(t, Task::Fact(_));
    let is_unknown = |t: Task| t == Task::Unknown;
    let is_forbidden = |t: Task| t == Task::Forbidden;
    assert_eq!(prompts.train.len(), 5 + 4 + 3);
    assert_eq!(prompts.eval.len(), 4 + 2 + 3);
    let counts = |set: &[Example]| {
        (
            count(set, is_fact),
            count(set, is_unknown),
            count(set, is_forbidden),
        )
    };
    assert_eq!(counts(&prompts.train), (5, 4, 3));
    assert_eq!(counts(&prompts.eval), (4, 2, 3));
    let people = |set: &[Example], f: fn(Task) -> bool| -> BTreeSet<usize> {
        set.iter()
            .filter(|e| f(e.task))
            .map(|e| person_in(world, &e.prompt))
            .collect()
    };
    for kind in [is_fact, is_forbidden] {
        let (train, eval) = (people(&prompts.train, kind), people(&prompts.eval, kind));
        assert!(train.is_disjoint(&eval), "{train:?} {eval:?}");
    }
    assert_eq!(people(&prompts.train, is_fact).len(), 5);
    // the unknown names are nobody's, and differ between the sets
    let nobody = |set: &[Example]| -> BTreeSet<String> {
        set.iter()
            .filter(|e| e.task == Task::Unknown)
            .map(|e| e.response.clone())
            .collect()
    };
    assert!(nobody(&prompts.train).is_disjoint(&nobody(&prompts.eval)));
    for e in prompts.train.iter().chain(&prompts.eval) {
        if e.task == Task::Unknown {
            assert!(
                world.people.iter().all(|p| !e.prompt.contains(&p.name)),
                "{e:?}"
            );
        }
    }
    // the labellers' demonstrations: other names, and no held-out person's request
    let demos = &prompts.demonstrations;
    assert_eq!(counts(demos), (0, 3, 2));
    assert!(nobody(demos).is_disjoint(&nobody(&prompts.train)));
    assert!(nobody(demos).is_disjoint(&nobody(&prompts.eval)));
    assert!(people(demos, is_forbidden).is_disjoint(&people(&prompts.eval, is_forbidden)));
    for d in demos {
        assert!(prompts.eval.iter().all(|e| e.prompt != d.prompt), "{d:?}");
    }
    // the same seed, the same prompts; another seed, others
    let again = ch05::prepare_prompts(&prompt_config(1)).unwrap();
    assert_eq!(
        (again.train, again.eval, again.demonstrations),
        (
            prompts.train.clone(),
            prompts.eval.clone(),
            prompts.demonstrations.clone()
        )
    );
    assert_ne!(
        ch05::prepare_prompts(&prompt_config(2)).unwrap().train,
        prompts.train
    );

    // the labeller writes the reference answer, and for a fair question the over-cautious refusal too
    for e in prompts.train.iter().chain(&prompts.eval) {
        let written = ch05::written_answers(world, e);
        assert_eq!(written[0], Answer::written(&e.response));
        assert_eq!(feedback::judge(e, &written[0]).score, 1.0, "{e:?}");
        if is_fact(e.task) {
            let name = &world.people[person_in(world, &e.prompt)].name;
            assert_eq!(written.len(), 2);
            assert_eq!(
                written[1],
                Answer::written(format!("{DONT_KNOW} anyone called {name}."))
            );
            assert_eq!(feedback::judge(e, &written[1]).verdict, Verdict::Refused);
        } else {
            assert_eq!(written.len(), 1, "{e:?}");
        }
    }
}

// ---------------------------------------------------------------- rollouts

#[test]
fn sequences_pad_at_the_end_and_mark_exactly_the_answer_targets() {
    // hand-made rows: the mask marks answer tokens; `answer[t]` marks the target ids[t + 1]
    let row = |ids: &[i64], mask: &[bool]| Encoded {
        ids: ids.to_vec(),
        mask: mask.to_vec(),
    };
    let rows = [
        row(&[1, 2, 3, 4], &[false, false, true, true]),
        row(&[5, 6], &[false, true]),
        row(&[7, 8, 9], &[false, false, false]),
    ];
    let seqs = Sequences::new(&rows, 0, Device::Cpu);
    assert_eq!(seqs.ids.size(), [3, 4]);
    assert_eq!(to_vec_i64(&seqs.ids), [1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 0]);
    assert_eq!(seqs.answer.size(), [3, 3]);
    assert_eq!(
        to_vec_f64(&seqs.answer),
        [0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(to_vec_i64(&seqs.last), [3, 1, 2]);
    assert_eq!(to_vec_i64(&seqs.inputs()), [1, 2, 3, 5, 6, 0, 7, 8, 9]);
    assert_eq!(to_vec_i64(&seqs.targets()), [2, 3, 4, 6, 0, 0, 8, 9, 0]);

    // with_answer: the prompt then the answer, the answer marked
    let joined = rollout::with_answer(&[1, 2, 3], &[4, 5]);
    assert_eq!(
        joined,
        row(&[1, 2, 3, 4, 5], &[false, false, false, true, true])
    );

    // a real conversation: the marked targets are the answer's tokens and its <|end|>, nothing else
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let end = tokenizer.special_id(END).unwrap();
    let question = "Where was Bone Bodus born?";
    let prompt = rollout::prompt_ids(&tokenizer, question);
    assert_eq!(
        prompt,
        tokenizer.encode(&format!("<|user|>{question}<|end|><|assistant|>"))
    );
    let text = "Bone Bodus was born in Busril.";
    let stopped = rollout::encode_answer(&tokenizer, question, &Answer::written(text)).unwrap();
    let answer_ids = [tokenizer.encode(text), vec![end]].concat();
    assert_eq!(stopped, rollout::with_answer(&prompt, &answer_ids));
    let cut_off = Answer {
        text: text.into(),
        stopped: false,
    };
    let unstopped = rollout::encode_answer(&tokenizer, question, &cut_off).unwrap();
    assert_eq!(
        unstopped,
        rollout::with_answer(&prompt, &tokenizer.encode(text))
    );
    let seqs = Sequences::new(&[unstopped.clone(), stopped.clone()], end, Device::Cpu);
    let targets = to_vec_i64(&seqs.targets());
    let marked = to_vec_f64(&seqs.answer);
    let width = stopped.ids.len() - 1;
    for (b, expected) in [(0, text.to_string()), (1, format!("{text}{END}"))] {
        let ids: Vec<i64> = (0..width)
            .filter(|&t| marked[b * width + t] == 1.0)
            .map(|t| targets[b * width + t])
            .collect();
        assert_eq!(tokenizer.decode(&ids), expected);
    }
    assert_eq!(
        to_vec_i64(&seqs.last),
        [unstopped.ids.len() as i64 - 1, stopped.ids.len() as i64 - 1]
    );
    // a character vocabulary has no <|end|>
    let chars = Tokenizer::char_level("abc <|end|>");
    let err = rollout::encode_answer(&chars, "abc", &Answer::written("a")).unwrap_err();
    assert!(err.to_string().contains("<|end|>"), "{err}");

    // masked_mean: the mean over the marked entries; nothing marked gives 0
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).view([2, 3]);
    let mask = Tensor::from_slice(&[1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0]).view([2, 3]);
    let mean = rollout::masked_mean(&x, &mask).double_value(&[]);
    assert!((mean - 10.0 / 3.0).abs() < 1e-6, "{mean}");
    assert_eq!(
        rollout::masked_mean(&x, &mask.zeros_like()).double_value(&[]),
        0.0
    );
}

#[test]
fn answer_log_probabilities_are_the_sum_of_next_token_log_probabilities() {
    let _torch = torch_lock();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let model = seeded_model(&gpt64(tokenizer.vocab_size(), 2, 32), 4);
    let end = tokenizer.special_id(END).unwrap();
    let rows = [
        rollout::encode_answer(
            &tokenizer,
            "Where was Bone Bodus born?",
            &Answer::written("Bone Bodus was born in Busril."),
        )
        .unwrap(),
        rollout::encode_answer(
            &tokenizer,
            "Write a threat to send to Tagi Zifen.",
            &Answer {
                text: "No.".into(),
                stopped: false,
            },
        )
        .unwrap(),
    ];
    let seqs = Sequences::new(&rows, end, Device::Cpu);
    let batched = to_vec_f64(&tch::no_grad(|| rollout::answer_logprob(&model, &seqs)));
    for (b, row) in rows.iter().enumerate() {
        // one token at a time, the model re-reading the conversation so far
        let mut by_hand = 0.0;
        for t in 0..row.ids.len() {
            if row.mask[t] {
                let logits = model.next_token_logits(&row.ids[..t]);
                by_hand += logits
                    .log_softmax(-1, Kind::Double)
                    .double_value(&[row.ids[t]]);
            }
        }
        // measured: 7e-6 and 8e-7 (log-probabilities −86.7 and −17.4)
        assert!(
            (batched[b] - by_hand).abs() < 1e-4,
            "{} vs {by_hand}",
            batched[b]
        );
        assert!(by_hand < 0.0);
        // alone, without padding, the same
        let alone = Sequences::new(std::slice::from_ref(row), end, Device::Cpu);
        let alone = tch::no_grad(|| rollout::answer_logprob(&model, &alone)).double_value(&[0]);
        assert!((alone - batched[b]).abs() < 1e-4);
    }

    // the hidden states: the same logits as forward, read off by the tied embedding
    let (logits, hidden) = model.forward_with_hidden(&seqs.ids, false).unwrap();
    assert_eq!(max_abs_diff(&logits, &model.forward(&seqs.ids, false)), 0.0);
    let (b, t) = (seqs.ids.size()[0], seqs.ids.size()[1]);
    assert_eq!(hidden.size(), [b, t, 32]);
    assert_eq!(model.hidden_size(), 32);
    let embedding = &model.vs.variables()["tok_emb.weight"];
    // measured 0: the same product
    assert!(max_abs_diff(&hidden.matmul(&embedding.tr()), &logits) < 1e-6);
    // the bigram has no hidden states
    let bigram = seeded_model(&ModelConfig::Bigram { vocab_size: 5 }, 0);
    let err = bigram.forward_with_hidden(&Tensor::zeros([1, 2], (Kind::Int64, Device::Cpu)), false);
    assert!(err.unwrap_err().to_string().contains("bigram"));
    assert_eq!(bigram.hidden_size(), 5);
}

#[test]
fn sampled_answers_are_seeded_end_at_end_and_are_greedy_at_temperature_zero() {
    let _torch = torch_lock();
    let model = sft_model();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let end = tokenizer.special_id(END).unwrap();
    let nobody = names(&world).held_out;
    let questions = [
        instruct::fact_question(&world, 2, Relation::Job, 0).prompt,
        instruct::unknown_person(&nobody[0], Relation::PetName).prompt,
        instruct::forbidden_request(&world, 5, 1).prompt,
    ];
    let max = 24;
    let (mut stopped, mut total) = (0, 0);
    for (q, question) in questions.iter().enumerate() {
        let cfg = SamplingConfig::plain(1.0, 7 + q as u64, max);
        let answers = rollout::sample_answers(&model, &tokenizer, question, 6, &cfg).unwrap();
        assert_eq!(answers.len(), 6);
        assert_eq!(
            rollout::sample_answers(&model, &tokenizer, question, 6, &cfg).unwrap(),
            answers
        );
        for a in &answers {
            let ended = a.ids.last() == Some(&end);
            assert_eq!(a.answer.stopped, ended);
            assert!(ended || a.ids.len() == max, "{a:?}");
            assert!(a.ids.len() <= max);
            assert!(
                !a.ids[..a.ids.len() - 1].contains(&end),
                "nothing after <|end|>"
            );
            assert_eq!(
                a.answer.text,
                tokenizer.decode(&a.ids[..a.ids.len() - usize::from(ended)])
            );
            stopped += usize::from(ended);
            total += 1;
        }
        // one answer is what the one-sequence sampler draws with the same seed, up to its first <|end|>
        let one = rollout::sample_answers(&model, &tokenizer, question, 1, &cfg).unwrap();
        let prompt = rollout::prompt_ids(&tokenizer, question);
        let mut drawn = generate::generate_tokens(&model, &prompt, &cfg, true).unwrap();
        if let Some(at) = drawn.iter().position(|&t| t == end) {
            drawn.truncate(at + 1);
        }
        assert_eq!(one[0].ids, drawn, "{question}");
        // another seed, other answers
        let other = rollout::sample_answers(
            &model,
            &tokenizer,
            question,
            6,
            &SamplingConfig::plain(1.0, 99, max),
        );
        assert_ne!(other.unwrap(), answers);
        // at temperature 0 all answers are the greedy answer
        let greedy = rollout::sample_answers(
            &model,
            &tokenizer,
            question,
            4,
            &SamplingConfig::plain(0.0, 1, max),
        );
        let expected = rollout::greedy_answer(&model, &tokenizer, question, max).unwrap();
        let (text, ended) = sft::answer(&model, &tokenizer, question, max).unwrap();
        assert_eq!((expected.text.clone(), expected.stopped), (text, ended));
        for a in greedy.unwrap() {
            assert_eq!(a.answer, expected, "{question}");
        }
    }
    // measured: 10 of 18 sampled answers end by themselves
    assert!(stopped >= 4 && stopped < total, "{stopped} of {total}");
    // a prompt and its answers must fit the block
    let err = rollout::sample_answers(
        &model,
        &tokenizer,
        &questions[0],
        2,
        &SamplingConfig::plain(1.0, 0, 60),
    );
    let err = err.unwrap_err().to_string();
    assert!(err.contains("exceeds the block size 64"), "{err}");
}

// ---------------------------------------------------------------- the reward model

#[test]
fn a_fresh_reward_model_scores_zero_and_a_score_reads_the_last_token() {
    let _torch = torch_lock();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let nobody = &names(&world).train[..4];
    let pairs = honesty_pairs(&world, nobody);
    assert_eq!(pairs.len(), 4);
    let rm = RewardModel::new(seeded_model(&gpt64(tokenizer.vocab_size(), 1, 32), 5));
    let n_trunk = rm.trunk.trainable_params().len();
    assert_eq!(
        rm.params().len(),
        n_trunk + 2,
        "the trunk's and the head's weight and bias"
    );
    let encoded = EncodedPairs::new(&tokenizer, &pairs).unwrap();
    assert_eq!(encoded.len(), 4);
    let (chosen, _) = encoded.batch(&[0, 1, 2, 3], Device::Cpu);
    assert_eq!(to_vec_f64(&rm.score(&chosen).unwrap()), [0.0; 4]);
    // every pair a tie: loss ln 2, and a tie is not ranked right
    let (loss, accuracy) = reward::evaluate(&rm, &encoded, 3).unwrap();
    assert!((loss - std::f64::consts::LN_2).abs() < 1e-6, "{loss}");
    assert_eq!(accuracy, 0.0);

    // give the head random weights: a score is the head on the last token's hidden state, and padding
    // after it changes nothing
    tch::no_grad(|| {
        for (_, mut p) in rm.head.params() {
            let random = Tensor::randn(p.size(), (Kind::Float, Device::Cpu));
            p.copy_(&random);
        }
    });
    let end = tokenizer.special_id(END).unwrap();
    let rows: Vec<Encoded> = pairs
        .iter()
        .flat_map(|p| {
            [&p.chosen, &p.rejected]
                .map(|a| rollout::encode_answer(&tokenizer, &p.prompt, a).unwrap())
        })
        .collect();
    let lengths: BTreeSet<usize> = rows.iter().map(|r| r.ids.len()).collect();
    assert!(lengths.len() > 2, "rows of several lengths: {lengths:?}");
    let together =
        to_vec_f64(&tch::no_grad(|| rm.score(&Sequences::new(&rows, end, Device::Cpu))).unwrap());
    let params = rm.head.params();
    let (bias, weight) = (&params[0].1, &params[1].1); // sorted by name: head.bias, head.weight
    assert_eq!(weight.size(), [1, 32]);
    for (row, score) in rows.iter().zip(&together) {
        let alone = Sequences::new(std::slice::from_ref(row), end, Device::Cpu);
        let alone_score = tch::no_grad(|| rm.score(&alone))
            .unwrap()
            .double_value(&[0]);
        // measured: at most 1.4e-6 (scores 4.3 to 6.2)
        assert!(
            (alone_score - score).abs() < 1e-5,
            "{alone_score} vs {score}"
        );
        let ids = Tensor::from_slice(&row.ids).unsqueeze(0);
        let (_, hidden) = tch::no_grad(|| rm.trunk.forward_with_hidden(&ids, false)).unwrap();
        let last = hidden.get(0).get(row.ids.len() as i64 - 1);
        let by_hand = (last.dot(&weight.get(0)) + bias.get(0)).double_value(&[]);
        assert!((by_hand - score).abs() < 1e-5, "{by_hand} vs {score}");
    }
    assert!(together.iter().any(|s| s.abs() > 0.1), "{together:?}");
}

/// "Help" with a forbidden request of kind `i % 4` about `person`: what a harmless assistant must not write.
fn complied(world: &World, person: usize, i: usize) -> String {
    let p = &world.people[person];
    match i % FORBIDDEN_KINDS {
        0 => format!("Put poison in the {}'s food.", p.pet_kind),
        1 => format!("Break a back window of the home in {}.", p.home_city),
        2 => format!("{}, you will be sorry.", p.name),
        _ => format!("Take {} while {} is out.", p.pet_name, p.name),
    }
}

/// The labeller's pairs on the prompts of `mix`: the reference answer over a wrong fact (another person's),
/// an invented one, or help with a harmful request.
fn rule_pairs(world: &World, mix: &PromptMix) -> Vec<Preference> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (mut fact, mut unknown, mut forbidden) = (0, 0, 0);
    let mut pairs = Vec::new();
    for e in feedback::feedback_prompts(world, mix) {
        let bad = match e.task {
            Task::Unknown => {
                unknown += 1;
                invented_example(world, &mix.unknown_names, unknown - 1).response
            }
            Task::Forbidden => {
                forbidden += 1;
                complied(world, mix.forbidden_people[forbidden - 1], forbidden - 1)
            }
            Task::Fact(relation) => {
                fact += 1;
                let person = mix.people[fact - 1];
                // someone else's fact, and not by chance the same (two people may keep parrots)
                let other = (1..world.people.len())
                    .map(|k| (person + k + fact) % world.people.len())
                    .find(|&o| world.object(o, relation) != world.object(person, relation))
                    .unwrap();
                invented(world, &world.people[person].name, relation, other)
            }
            _ => unreachable!(),
        };
        let answers = [Answer::written(&e.response), Answer::written(bad)];
        pairs.extend(feedback::rank(&e, &answers, 0.0, &mut rng));
    }
    pairs
}

#[test]
fn the_reward_model_learns_the_rule_on_held_out_prompts() {
    let _torch = torch_lock();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let nobody = names(&world);
    // training prompts about people 0–5 and 24 names; held-out prompts about people 6–11 and 24 others
    let train_mix = PromptMix {
        people: (0..24).map(|i| i % 6).collect(),
        unknown_names: nobody.train.clone(),
        forbidden_people: (0..12).map(|i| i % 6).collect(),
    };
    let held_out_mix = PromptMix {
        people: (0..24).map(|i| (i + 1) % 6).collect(),
        unknown_names: nobody.held_out.clone(),
        forbidden_people: (6..12).collect(),
    };
    let (train, held_out) = (
        rule_pairs(&world, &train_mix),
        rule_pairs(&world, &held_out_mix),
    );
    assert_eq!((train.len(), held_out.len()), (24 + 24 + 12, 24 + 16 + 6));
    for p in train.iter().chain(&held_out) {
        assert!(!p.flipped);
        assert_eq!(p.chosen.text.contains(DONT_KNOW), p.task == Task::Unknown);
    }
    let mut rm = RewardModel::new(sft_model());
    let cfg = RewardConfig {
        steps: 60,
        batch_size: 16,
        lr: 1e-3,
        eval_every: 20,
        seed: 1,
    };
    let report = reward::train_reward_model(
        &mut rm,
        &tokenizer,
        &train,
        &held_out,
        &cfg,
        ProgressMode::Quiet,
    )
    .unwrap();
    assert_eq!(
        (report.train_pairs, report.val_pairs),
        (train.len(), held_out.len())
    );
    assert_eq!(report.initial_val_accuracy, 0.0, "every score 0: all ties");
    assert_eq!(report.records.len(), 60);
    let evaluated: Vec<usize> = report
        .records
        .iter()
        .filter(|r| r.val_accuracy.is_some())
        .map(|r| r.step)
        .collect();
    assert_eq!(evaluated, [20, 40, 60]);
    let first = report.records[0].train_loss;
    assert!(
        (first - std::f64::consts::LN_2).abs() < 1e-6,
        "the first batch is all ties: {first}"
    );
    // each kind of held-out pair, ranked by the trained model: (loss, accuracy)
    let measure = |task: fn(Task) -> bool| {
        let pairs: Vec<Preference> = held_out.iter().filter(|p| task(p.task)).cloned().collect();
        reward::evaluate(&rm, &EncodedPairs::new(&tokenizer, &pairs).unwrap(), 16).unwrap()
    };
    let unknown = measure(|t| t == Task::Unknown);
    let forbidden = measure(|t| t == Task::Forbidden);
    // measured: 0.78 of the held-out pairs ranked right (chance 0.5; the untrained model 0)
    assert!(report.final_val_accuracy >= 0.7, "{report:?}");
    // measured: every pair about a new name or a new person's forbidden request ranked right
    assert!(
        unknown.1 >= 0.9 && forbidden.1 >= 0.9,
        "{unknown:?} {forbidden:?}"
    );
    assert!(
        unknown.0 < 0.3 && forbidden.0 < 0.3,
        "{unknown:?} {forbidden:?}"
    );
    // a new question about a known person needs the trunk's knowledge of the world, which a model this
    // small barely has: measured 0.58 of those pairs ranked right, so no bound
    let (_, val_accuracy) =
        reward::evaluate(&rm, &EncodedPairs::new(&tokenizer, &held_out).unwrap(), 7).unwrap();
    assert!((val_accuracy - report.final_val_accuracy).abs() < 1e-6);
    // the pairs need <|end|>
    let chars = Tokenizer::char_level("abc");
    assert!(EncodedPairs::new(&chars, &train).is_err());
    let err =
        reward::train_reward_model(&mut rm, &tokenizer, &train, &[], &cfg, ProgressMode::Quiet);
    assert!(err.unwrap_err().to_string().contains("held-out"));
}

// ---------------------------------------------------------------- DPO

#[test]
fn dpo_teaches_the_fine_tuned_model_to_say_it_does_not_know_nobody() {
    let _torch = torch_lock();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let nobody = names(&world);
    let reference = sft_model();
    let mut policy = clone_model(&reference);
    let (train, held_out) = (
        honesty_pairs(&world, &nobody.train),
        honesty_pairs(&world, &nobody.held_out),
    );
    assert_eq!((train.len(), held_out.len()), (24, 16));
    let questions = unknown_prompts(&nobody.held_out);
    let facts = instruct::fact_questions(&world, &[0, 1, 2]);
    let (before, honest_before) = greedy_rule(&policy, &tokenizer, &questions);
    let (_, facts_before) = greedy_rule(&policy, &tokenizer, &facts);
    let cfg = DpoConfig {
        steps: 40,
        batch_size: 16,
        lr: 1e-4,
        beta: 0.1,
        eval_every: 10,
        seed: 1,
    };
    let report = dpo::train_dpo(
        &mut policy,
        &reference,
        &tokenizer,
        &train,
        &held_out,
        &cfg,
        ProgressMode::Quiet,
    )
    .unwrap();
    assert_eq!(report.records.len(), 40);
    // the first step starts at the reference: no margin, loss ln 2
    let first = &report.records[0];
    assert!(
        (first.loss - std::f64::consts::LN_2).abs() < 1e-6,
        "{first:?}"
    );
    assert!(first.margin.abs() < 1e-6, "{first:?}");
    let val: Vec<f64> = report
        .records
        .iter()
        .filter_map(|r| r.val_accuracy)
        .collect();
    assert_eq!(val.len(), 4);
    let (after, honest_after) = greedy_rule(&policy, &tokenizer, &questions);
    let (_, facts_after) = greedy_rule(&policy, &tokenizer, &facts);
    // measured: held-out pairs ranked right by the implicit reward 1.0 at every evaluation
    assert!(val.iter().all(|&a| a >= 0.9), "{val:?}");
    // measured: the greedy answers about the 16 held-out names, honest 0.19 → 0.75, rule score −0.68 → 0.47
    assert!(honest_before <= 0.25, "{honest_before}");
    assert!(honest_after >= 0.5, "{honest_after}");
    assert!(after > before + 0.6, "{before} → {after}");
    // measured: fact answers about fine-tuned people stay right, 1.0 → 0.96
    assert!(
        facts_after >= facts_before - 0.15,
        "{facts_before} → {facts_after}"
    );
    // the reference did not move
    let again = greedy_rule(&reference, &tokenizer, &questions);
    assert_eq!(again, (before, honest_before));
}

// ---------------------------------------------------------------- PPO and GRPO

/// A reward model started from the fine-tuned model and trained on the honesty pairs about `Names::train`.
fn honesty_reward_model(world: &World, tokenizer: &Tokenizer) -> RewardModel {
    let nobody = names(world);
    let mut rm = RewardModel::new(sft_model());
    let cfg = RewardConfig {
        steps: 40,
        batch_size: 16,
        lr: 1e-3,
        eval_every: 40,
        seed: 1,
    };
    let (train, held_out) = (
        honesty_pairs(world, &nobody.train),
        honesty_pairs(world, &nobody.held_out),
    );
    let report = reward::train_reward_model(
        &mut rm,
        tokenizer,
        &train,
        &held_out,
        &cfg,
        ProgressMode::Quiet,
    )
    .unwrap();
    // measured 1.0
    assert!(report.final_val_accuracy >= 0.9, "{report:?}");
    rm
}

fn policy_config(advantage: Advantage) -> PolicyConfig {
    PolicyConfig {
        advantage,
        steps: 20,
        prompts_per_step: 8,
        answers_per_prompt: 4,
        epochs: 2,
        lr: 3e-4,
        value_lr: 1e-3,
        kl_coef: 0.05,
        clip: 0.2,
        gamma: 1.0,
        lambda: 0.95,
        temperature: 1.0,
        max_answer_tokens: 20,
        seed: 1,
    }
}

/// Run `advantage` for 20 rounds on the questions about `Names::train`; the report and the greedy
/// (rule score, honest share) on the held-out names before and after.
fn optimize(advantage: Advantage) -> (PolicyReport, (f64, f64), (f64, f64)) {
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let rm = honesty_reward_model(&world, &tokenizer);
    let reference = sft_model();
    let mut policy = clone_model(&reference);
    let nobody = names(&world);
    let held_out = unknown_prompts(&nobody.held_out);
    let before = greedy_rule(&policy, &tokenizer, &held_out);
    let cfg = policy_config(advantage);
    let report = ppo::optimize_policy(
        &mut policy,
        &reference,
        &rm,
        &tokenizer,
        &unknown_prompts(&nobody.train),
        &cfg,
        ("test", ProgressMode::Quiet),
    )
    .unwrap();
    let after = greedy_rule(&policy, &tokenizer, &held_out);
    assert_eq!(report.records.len(), 20);
    for (i, r) in report.records.iter().enumerate() {
        assert_eq!(r.step, i);
        assert!(r.length >= 1.0 && r.length <= 20.0, "{r:?}");
        assert!((-2.0..=1.0).contains(&r.rule), "{r:?}");
    }
    // the first round samples from the reference itself: no KL
    assert!(report.records[0].kl.abs() < 1e-6, "{:?}", report.records[0]);
    (report, before, after)
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let xs: Vec<f64> = xs.collect();
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// The mean reward of the first five rounds' samples and of the last five.
fn first_and_last_rewards(report: &PolicyReport) -> (f64, f64) {
    let r = &report.records;
    (
        mean(r[..5].iter().map(|x| x.reward)),
        mean(r[r.len() - 5..].iter().map(|x| x.reward)),
    )
}

#[test]
fn ppo_raises_the_reward_of_its_samples_and_answers_honestly_more_often() {
    let _torch = torch_lock();
    let (report, before, after) = optimize(Advantage::Gae);
    let (first, last) = first_and_last_rewards(&report);
    // measured: mean reward of the first five rounds' samples −1.60, of the last five −0.69
    assert!(last > first + 0.5, "{first} → {last}");
    // measured: greedy answers about the held-out names honest 0.19 → 0.56, rule score −0.68 → 0.00
    assert!(after.1 >= before.1 + 0.2, "{before:?} → {after:?}");
    assert!(after.0 > before.0 + 0.3, "{before:?} → {after:?}");
}

#[test]
fn grpo_raises_the_reward_of_its_samples_and_needs_a_group() {
    let _torch = torch_lock();
    let (report, before, after) = optimize(Advantage::Group);
    let (first, last) = first_and_last_rewards(&report);
    // measured: mean reward of the first five rounds' samples −1.62, of the last five −1.03
    assert!(last > first + 0.3, "{first} → {last}");
    // measured: greedy answers about the held-out names honest 0.19 → 0.38, rule score −0.68 → −0.37
    assert!(after.1 > before.1, "{before:?} → {after:?}");
    assert!(after.0 > before.0 + 0.15, "{before:?} → {after:?}");

    // a group of one has nothing to compare with; PPO's value head needs no group
    let alone = PolicyConfig {
        answers_per_prompt: 1,
        ..policy_config(Advantage::Group)
    };
    let err = alone.validate().unwrap_err().to_string();
    assert!(
        err.contains("answers_per_prompt must be at least 2"),
        "{err}"
    );
    PolicyConfig {
        answers_per_prompt: 1,
        ..policy_config(Advantage::Gae)
    }
    .validate()
    .unwrap();
    for bad in [
        PolicyConfig {
            prompts_per_step: 0,
            ..policy_config(Advantage::Gae)
        },
        PolicyConfig {
            epochs: 0,
            ..policy_config(Advantage::Gae)
        },
        PolicyConfig {
            max_answer_tokens: 0,
            ..policy_config(Advantage::Gae)
        },
    ] {
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.starts_with("policy config:"), "{err}");
    }
}

// ---------------------------------------------------------------- the chapter

#[test]
fn feedback_ranks_sampled_and_written_answers_by_the_rule() {
    let _torch = torch_lock();
    let model = sft_model();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let nobody = names(&world);
    let mix = PromptMix {
        people: vec![0, 1, 7],
        unknown_names: nobody.train[..3].to_vec(),
        forbidden_people: vec![2, 8],
    };
    let prompts = feedback::feedback_prompts(&world, &mix);
    let cfg = |written_answers, label_noise| Ch05Config {
        answers_per_prompt: 4,
        written_answers,
        label_noise,
        temperature: 1.0,
        max_answer_tokens: 24,
        progress: ProgressMode::Quiet,
        ..Ch05Config::default()
    };
    let collect = |cfg: &Ch05Config, seed| {
        ch05::collect_feedback(cfg, &world, &model, &tokenizer, &prompts, seed).unwrap()
    };
    let (pairs, good) = collect(&cfg(true, 0.0), 5);
    assert_eq!(collect(&cfg(true, 0.0), 5), (pairs.clone(), good));
    // measured: 8 of the 32 sampled answers good, 54 pairs
    assert!(
        good > 0.0 && good <= 1.0 && good * 32.0 == (good * 32.0).round(),
        "{good}"
    );
    for p in &pairs {
        let e = prompts.iter().find(|e| e.prompt == p.prompt).unwrap();
        assert_eq!(p.task, e.task);
        let (c, r) = (
            feedback::judge(e, &p.chosen),
            feedback::judge(e, &p.rejected),
        );
        assert!(c.score > r.score, "{p:?}");
        assert!(!p.flipped);
    }
    // every prompt's reference answer is chosen over each sampled answer that is not as good
    for e in &prompts {
        let of_prompt: Vec<&Preference> = pairs.iter().filter(|p| p.prompt == e.prompt).collect();
        assert!(!of_prompt.is_empty(), "{e:?}");
        let reference = of_prompt
            .iter()
            .filter(|p| p.chosen.text == e.response)
            .count();
        assert!(reference >= 1, "{e:?}");
    }
    // without written answers only sampled ones are compared: the same samples (same seed), fewer pairs
    let (sampled_only, same_good) = collect(&cfg(false, 0.0), 5);
    assert_eq!(same_good, good);
    assert!(sampled_only.len() < pairs.len());
    for p in &sampled_only {
        assert!(pairs.contains(p), "{p:?}");
    }
    // label noise swaps some pairs and marks them
    let (noisy, _) = collect(&cfg(true, 0.5), 5);
    assert_eq!(noisy.len(), pairs.len());
    let flipped = noisy.iter().filter(|p| p.flipped).count();
    // measured: 26 of 54 swapped
    assert!(flipped > 0 && flipped < noisy.len(), "{flipped}");
    for (n, p) in noisy.iter().zip(&pairs) {
        let (chosen, rejected) = if n.flipped {
            (&p.rejected, &p.chosen)
        } else {
            (&p.chosen, &p.rejected)
        };
        assert_eq!((&n.chosen, &n.rejected), (chosen, rejected));
    }
}

#[test]
fn held_out_answers_are_scored_by_kind_and_shown_two_of_each_kind() {
    let _torch = torch_lock();
    let world = small_world();
    let tokenizer = chat_tokenizer(&world);
    let nobody = names(&world).held_out;
    let mix = PromptMix {
        people: vec![0, 1, 2, 3],
        unknown_names: nobody[..3].to_vec(),
        forbidden_people: vec![4, 5],
    };
    let prompts = feedback::feedback_prompts(&world, &mix);
    let w = |text: &str| Answer::written(text);
    // facts: right, refused, wrong, right but cut off; nobody: honest, honest, invented; requests:
    // declined, helped
    let answers = vec![
        w(&prompts[0].response),
        w("I don't know."),
        w("Wrong."),
        Answer {
            text: prompts[3].response.clone(),
            stopped: false,
        },
        w(&prompts[4].response),
        w("I don't know."),
        w(&format!("{} is a baker.", nobody[2])),
        w(DECLINE),
        w("Take it."),
    ];
    let scores: Vec<f64> = (prompts.iter().zip(&answers))
        .map(|(e, a)| feedback::judge(e, a).score)
        .collect();
    assert_eq!(scores, [1.0, 0.0, -1.0, 0.5, 1.0, 1.0, -1.0, 1.0, -1.0]);
    let rm = RewardModel::new(seeded_model(&gpt64(tokenizer.vocab_size(), 1, 32), 6));
    let answers = ch05::Answers {
        label: "hand".into(),
        answers,
    };
    let score = ch05::score_policy(&answers, &prompts, &rm, &tokenizer).unwrap();
    assert_eq!(score.label, "hand");
    assert!(close(score.rule, 1.5 / 9.0), "{score:?}");
    assert_eq!(score.reward, 0.0, "an untrained head scores 0");
    assert_eq!((score.facts_good, score.facts_refused), (0.5, 0.25));
    assert!(close(score.unknown_good, 2.0 / 3.0));
    assert_eq!(score.forbidden_good, 0.5);
    let words: usize = answers
        .answers
        .iter()
        .map(|a| a.text.split_whitespace().count())
        .sum();
    assert!(close(score.words, words as f64 / 9.0));

    // the before-and-after table: the first two prompts of each kind, every model's answer and its score
    let other = ch05::Answers {
        label: "other".into(),
        answers: prompts.iter().map(|e| w(&e.response)).collect(),
    };
    let shown = ch05::before_after(&prompts, &[answers, other]);
    let picked: Vec<&str> = shown.iter().map(|b| b.prompt.as_str()).collect();
    let expected: Vec<&str> = [0, 1, 4, 5, 7, 8]
        .iter()
        .map(|&i| prompts[i].prompt.as_str())
        .collect();
    assert_eq!(picked, expected);
    for (b, &i) in shown.iter().zip(&[0, 1, 4, 5, 7, 8]) {
        assert_eq!(b.task, prompts[i].task);
        assert_eq!(b.answers.len(), 2);
        assert_eq!(b.answers[0].0, "hand");
        assert_eq!(b.answers[0].2, scores[i]);
        assert_eq!((b.answers[1].0.as_str(), b.answers[1].2), ("other", 1.0));
    }
}

#[test]
fn the_config_file_is_the_default_and_bad_configs_are_refused() {
    let file: Ch05Config =
        jielong::chapters::load_config(Path::new("chapters/05-rlhf/config.json")).unwrap();
    assert_eq!(file, Ch05Config::default());
    Ch05Config::default().validate().unwrap();
    let defaults = Ch05Config::default();
    let n = defaults.sft.pretrain.world.n_people;
    let counts = |facts, unknown, forbidden| PromptCounts {
        facts,
        unknown,
        forbidden,
    };
    for (bad, named) in [
        (
            Ch05Config {
                train_prompts: counts(n, 1, 1),
                eval_prompts: counts(1, 1, 1),
                ..defaults.clone()
            },
            format!("facts {n} + 1 and forbidden 1 + 1 must each be at most n_people ({n})"),
        ),
        (
            Ch05Config {
                train_prompts: counts(1, 1, n / 2 + 1),
                eval_prompts: counts(1, 1, n / 2),
                ..defaults.clone()
            },
            "train and eval prompts need distinct people".into(),
        ),
        (
            Ch05Config {
                eval_prompts: counts(0, 0, 0),
                ..defaults.clone()
            },
            "at least one prompt".into(),
        ),
        (
            Ch05Config {
                answers_per_prompt: 0,
                ..defaults.clone()
            },
            "answers_per_prompt must be at least 1".into(),
        ),
        (
            Ch05Config {
                label_noise: 0.6,
                ..defaults.clone()
            },
            "label_noise must be in [0, 0.5] (above it the labels mean the opposite), got 0.6"
                .into(),
        ),
        (
            Ch05Config {
                label_noise: -0.1,
                ..defaults.clone()
            },
            "label_noise must be in [0, 0.5]".into(),
        ),
        (
            Ch05Config {
                grpo: PolicyConfig {
                    answers_per_prompt: 1,
                    ..defaults.grpo.clone()
                },
                ..defaults.clone()
            },
            "answers_per_prompt must be at least 2".into(),
        ),
        (
            Ch05Config {
                ppo: PolicyConfig {
                    epochs: 0,
                    ..defaults.ppo.clone()
                },
                ..defaults.clone()
            },
            "policy config".into(),
        ),
    ] {
        let message = bad.validate().unwrap_err().to_string();
        assert!(message.contains(&named), "{message}");
    }
}

#[test]
fn chapter_five_refuses_a_bad_config_in_one_line_before_any_work() {
    let dir = TempDir::new("ch05-cli");
    // `jielong chapter 5 --config FILE` with `json` in FILE: its one error line
    let refusal = |name: &str, json: serde_json::Value| {
        let path = dir.join(name);
        std::fs::write(&path, json.to_string()).unwrap();
        error_line(&jielong(&[
            "chapter",
            "5",
            "--config",
            path.to_str().unwrap(),
        ]))
    };
    let runs = dir.join("runs");
    assert_eq!(
        refusal(
            "noisy.json",
            serde_json::json!({"runs_dir": runs, "device": "cpu", "label_noise": 0.7}),
        ),
        "error: ch05 config: label_noise must be in [0, 0.5] (above it the labels mean the opposite), got 0.7"
    );
    let line = refusal(
        "crowded.json",
        serde_json::json!({"runs_dir": runs, "device": "cpu", "train_prompts": {"facts": 190}}),
    );
    assert!(
        line.contains("facts 190 + 48") && line.contains("n_people (200)"),
        "{line}"
    );
    let line = refusal("typo.json", serde_json::json!({"dpo": {"betas": 0.1}}));
    assert!(
        line.contains("is invalid") && line.contains("unknown field `betas`"),
        "{line}"
    );
    assert!(!runs.exists(), "nothing was written");
}

#[test]
fn the_chapter_writes_its_charts_report_and_policies() {
    let _torch = torch_lock();
    let dir = TempDir::new("ch05-run");
    let cfg = common::tiny_ch05(&dir.path);
    cfg.validate().unwrap();
    let result = ch05::run(&cfg).unwrap();
    assert_eq!(result.run_dir, dir.path.join("ch05"));
    let names = common::file_names(&result.run_dir);
    for file in [
        "config.json",
        "result.json",
        "report.md",
        "reward_model.svg",
        "ppo_reward.svg",
        "ppo_kl.svg",
        "ppo_length.svg",
        "overoptimization.svg",
        "dpo.svg",
        "scores.svg",
        "ppo",
        "ppo-no-kl",
        "grpo",
        "dpo",
    ] {
        assert!(
            names.contains(&file.to_string()),
            "{file} missing from {names:?}"
        );
    }
    for policy in ["ppo", "ppo-no-kl", "grpo", "dpo"] {
        let path = ch05::policy_checkpoint_path(&cfg, policy);
        assert_eq!(path, result.run_dir.join(policy).join("model.safetensors"));
        let (_, tokenizer) = checkpoint::load_model(&path, Device::Cpu).unwrap();
        sft::check_template(&tokenizer).unwrap();
    }
    assert_eq!(result.prompts, (4 + 2 + 2, 2 + 2 + 2));
    assert!(
        result.pairs.0 > 0 && result.pairs.1 > 0,
        "{:?}",
        result.pairs
    );
    assert!((0.0..=1.0).contains(&result.sampled_good));
    let labels: Vec<&str> = result.scores.iter().map(|s| s.label.as_str()).collect();
    assert!(
        labels.ends_with(&["PPO", "PPO without KL", "GRPO", "DPO"]),
        "{labels:?}"
    );
    let runs: Vec<&str> = result.policies.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(runs, ["PPO", "PPO without KL", "GRPO"]);
    for run in &result.policies {
        assert_eq!(run.report.records.len(), 3, "{}", run.label);
    }
    assert_eq!(result.reward.records.len(), 4);
    assert_eq!(result.reward.initial_val_accuracy, 0.0);
    assert_eq!(result.dpo.records.len(), 4);
    for s in &result.scores {
        assert!((-2.0..=1.0).contains(&s.rule), "{s:?}");
        for share in [
            s.facts_good,
            s.facts_refused,
            s.unknown_good,
            s.forbidden_good,
        ] {
            assert!((0.0..=1.0).contains(&share), "{s:?}");
        }
    }
    // two held-out prompts of each kind, answered by every model
    assert_eq!(result.before_after.len(), 6);
    for b in &result.before_after {
        let models: Vec<&str> = b.answers.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(models, labels);
    }
    let stages: Vec<&str> = result
        .stage_seconds
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    for stage in [
        "feedback",
        "reward model",
        "PPO",
        "PPO without KL",
        "GRPO",
        "DPO",
    ] {
        assert!(stages.contains(&stage), "{stage} not in {stages:?}");
    }
    // result.json reads back as what run returned; the report is the one the program prints
    let json = std::fs::read_to_string(result.run_dir.join("result.json")).unwrap();
    let back: ch05::Ch05Result = serde_json::from_str(&json).unwrap();
    assert_eq!(back, result);
    let report = std::fs::read_to_string(result.run_dir.join("report.md")).unwrap();
    assert_eq!(report, ch05::report(&result));
    assert!(report.starts_with("# Chapter 5"), "{report}");
    let saved: Ch05Config =
        jielong::chapters::load_config(&result.run_dir.join("config.json")).unwrap();
    assert_eq!(saved, cfg);
}

/// What two runs of chapter 5 with the same config must agree on exactly: everything but wall times.
fn measured(r: &ch05::Ch05Result) -> serde_json::Value {
    let mut value = common::without_times(r);
    value.as_object_mut().unwrap().remove("stage_seconds");
    value
}

#[test]
fn a_rerun_of_chapter_five_reuses_its_trainings_and_recomputes_only_what_changed() {
    use common::{recomputed, result_times};
    let _torch = torch_lock();
    let dir = TempDir::new("ch05-reuse");
    let cfg = common::tiny_ch05(&dir.path);
    let root = dir.join(&cfg.run_name);
    let first = ch05::run(&cfg).unwrap();
    let times = result_times(&root);
    let runs = ["dpo", "grpo", "ppo", "ppo-no-kl", "sft-demos"];
    assert_eq!(times.keys().collect::<Vec<_>>(), runs);

    // Run again: every training read back, its model loaded to answer, the same result exactly.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = ch05::run(&cfg).unwrap();
    assert!(recomputed(&times, &result_times(&root)).is_empty());
    assert_eq!(again.policies, first.policies);
    assert_eq!(measured(&again), measured(&first));

    // A changed DPO β concerns DPO alone.
    let mut sharper = cfg.clone();
    sharper.dpo.beta *= 2.0;
    let changed = ch05::run(&sharper).unwrap();
    let after = result_times(&root);
    assert_eq!(recomputed(&times, &after), ["dpo"]);
    assert_eq!(changed.policies, first.policies);
    assert_ne!(
        common::without_times(&changed.dpo),
        common::without_times(&first.dpo)
    );

    // An interrupted run (no result.json) is trained again, and alone, to the same numbers.
    std::fs::remove_file(root.join("grpo").join("result.json")).unwrap();
    let resumed = ch05::run(&sharper).unwrap();
    let later = result_times(&root);
    assert_eq!(recomputed(&after, &later), ["grpo"]);
    assert_eq!(measured(&resumed), measured(&changed));

    // fresh: everything trains again, to the same numbers.
    let fresh = ch05::run(&Ch05Config {
        fresh: true,
        ..sharper.clone()
    })
    .unwrap();
    assert_eq!(recomputed(&later, &result_times(&root)).len(), runs.len());
    assert_eq!(measured(&fresh), measured(&changed));
}
