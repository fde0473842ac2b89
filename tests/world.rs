//! The built-in world: determinism, measurable facts, paraphrase diversity, held-out people.

use std::collections::HashSet;

use jielong::data::world::*;

/// A world small enough that every test here runs in well under a second.
fn small(seed: u64, diversity: usize) -> WorldConfig {
    WorldConfig {
        seed,
        n_people: 40,
        diversity,
        docs_per_person: 3,
        ..WorldConfig::default()
    }
}

fn world(config: &WorldConfig) -> World {
    World::generate(config).expect("a valid config generates a world")
}

/// Every sentence of an English text: documents are split on "\n\n", sentences on ". ".
fn sentences(text: &str) -> HashSet<&str> {
    sentences_in(Language::En, text)
}

/// Every sentence of a text in `language`: documents are split on "\n\n", sentences after the full stop.
fn sentences_in(language: Language, text: &str) -> HashSet<&str> {
    let stop = language.wording().full_stop;
    text.split("\n\n")
        .flat_map(|document| document.split_inclusive(stop))
        .map(str::trim)
        .collect()
}

/// How many (fact, template) pairs occur in the corpus, and the largest template index seen.
fn templates_used(world: &World) -> (usize, usize) {
    let corpus = world.corpus();
    let said = sentences_in(world.language(), &corpus);
    let mut pairs = 0;
    let mut highest = 0;
    for fact in world.facts() {
        for template in 0..MAX_DIVERSITY {
            if said.contains(world.sentence(&fact, template).as_str()) {
                pairs += 1;
                highest = highest.max(template);
            }
        }
    }
    (pairs, highest)
}

#[test]
fn same_seed_gives_same_world() {
    let a = world(&small(7, 4));
    let b = world(&small(7, 4));
    assert_eq!(a.people, b.people);
    assert_eq!(a.cities, b.cities);
    assert_eq!(a.corpus(), b.corpus());
}

#[test]
fn different_seed_gives_different_world() {
    let a = world(&small(1, 4));
    let b = world(&small(2, 4));
    assert_ne!(a.people, b.people);
    assert_ne!(a.corpus(), b.corpus());
}

#[test]
fn default_config_is_the_documented_one() {
    let config = WorldConfig::default();
    assert_eq!((config.seed, config.n_people), (42, 200));
    assert_eq!((config.diversity, config.docs_per_person), (4, 3));
    const { assert!(MAX_DIVERSITY >= 6) };
}

#[test]
fn every_person_has_one_fact_per_relation_in_fixed_order() {
    let w = world(&small(3, 4));
    let facts = w.facts();
    assert_eq!(facts.len(), w.people.len() * Relation::ALL.len());
    for (i, fact) in facts.iter().enumerate() {
        assert_eq!(fact.person, i / Relation::ALL.len());
        assert_eq!(fact.relation, Relation::ALL[i % Relation::ALL.len()]);
    }
    let ada = &w.people[0];
    assert_eq!(facts[0].object, ada.birth_city);
    assert_eq!(facts[5].object, ada.birth_year.to_string());
    assert_eq!(facts[7].object, w.people[ada.friend].name);
}

#[test]
fn facts_come_from_the_fixed_lists_and_ranges() {
    let w = world(&small(4, 4));
    assert!((20..=40).contains(&w.cities.len()));
    for p in &w.people {
        assert!(w.cities.contains(&p.birth_city) && w.cities.contains(&p.home_city));
        assert!(w.jobs.contains(&p.job));
        assert!(PET_KINDS.contains(&p.pet_kind.as_str()));
        assert!(MONTHS.contains(&p.birth_month.as_str()));
        assert!((FIRST_YEAR..=LAST_YEAR).contains(&p.birth_year));
        assert!(p.pet_name.chars().all(|c| c.is_ascii_alphabetic()));
    }
}

#[test]
fn names_are_unique() {
    let w = world(&WorldConfig {
        n_people: 5_000,
        ..WorldConfig::default()
    });
    let names: HashSet<&str> = w.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), w.people.len());
    let cities: HashSet<&String> = w.cities.iter().collect();
    assert_eq!(cities.len(), w.cities.len());
    for p in &w.people {
        let parts: Vec<&str> = p.name.split(' ').collect();
        assert_eq!(parts.len(), 2, "{}", p.name);
        assert!(parts.iter().all(|part| part.len() >= 2));
        assert!(
            parts
                .iter()
                .all(|part| part.starts_with(|c: char| c.is_ascii_uppercase()))
        );
        assert!(!cities.contains(&parts[0].to_string()) && !cities.contains(&parts[1].to_string()));
    }
}

#[test]
fn friend_is_never_self() {
    let w = world(&WorldConfig {
        n_people: 2,
        ..small(5, 4)
    });
    assert_eq!((w.people[0].friend, w.people[1].friend), (1, 0));
    let w = world(&small(5, 4));
    for (i, p) in w.people.iter().enumerate() {
        assert_ne!(p.friend, i);
        assert!(p.friend < w.people.len());
    }
}

#[test]
fn cloze_answer_completes_the_canonical_sentence() {
    let w = world(&small(6, 4));
    for fact in w.facts() {
        let (prompt, answer) = w.cloze(&fact);
        assert_eq!(answer, format!(" {}", fact.object));
        assert!(!prompt.ends_with(' '));
        assert_eq!(format!("{prompt}{answer}."), w.sentence(&fact, 0));
    }
}

#[test]
fn cloze_prompts_are_unambiguous() {
    let w = world(&small(6, 4));
    let facts = w.facts();
    let prompts: HashSet<String> = facts.iter().map(|f| w.cloze(f).0).collect();
    assert_eq!(prompts.len(), facts.len());
}

#[test]
fn every_relation_has_max_diversity_distinct_templates() {
    let w = world(&small(8, 4));
    for fact in w.person_facts(0) {
        let said: HashSet<String> = (0..MAX_DIVERSITY).map(|t| w.sentence(&fact, t)).collect();
        assert_eq!(said.len(), MAX_DIVERSITY, "{:?}", fact.relation);
        for t in 0..MAX_DIVERSITY {
            let sentence = w.sentence(&fact, t);
            assert_eq!(sentence, w.sentence(&fact, t + MAX_DIVERSITY));
            assert!(sentence.contains(&fact.object) && sentence.contains(&w.people[0].name));
            assert!(
                sentence.ends_with('.') && !sentence.contains('{'),
                "{sentence}"
            );
        }
    }
}

#[test]
fn every_fact_appears_in_corpus_in_some_paraphrase() {
    let w = world(&small(9, 4));
    let corpus = w.corpus();
    let said = sentences(&corpus);
    for fact in w.facts() {
        let found = (0..w.config.diversity).any(|t| said.contains(w.sentence(&fact, t).as_str()));
        assert!(found, "not in corpus: {fact:?}");
    }
}

#[test]
fn diversity_one_uses_one_template_per_relation() {
    let w = world(&small(10, 1));
    let (pairs, highest) = templates_used(&w);
    assert_eq!(highest, 0);
    assert_eq!(pairs, w.facts().len());
}

#[test]
fn higher_diversity_uses_more_distinct_sentences() {
    let (low, low_highest) = templates_used(&world(&small(11, 2)));
    let (high, high_highest) = templates_used(&world(&small(11, 6)));
    assert_eq!(low_highest, 1);
    assert_eq!(high_highest, 5);
    assert!(
        high > low,
        "diversity 6 gave {high} (fact, template) pairs, diversity 2 gave {low}"
    );
}

#[test]
fn documents_are_biographies_then_stories() {
    let w = world(&WorldConfig {
        docs_per_person: 6,
        ..small(12, 4)
    });
    for person in 0..w.people.len() {
        let documents = w.documents(person);
        assert_eq!(documents.len(), 6);
        for (k, document) in documents.iter().enumerate() {
            let n = sentences(document).len();
            if k % 2 == 0 {
                assert_eq!(n, Relation::ALL.len(), "biography: {document}");
            } else {
                assert!((3..=6).contains(&n), "story of {n} sentences: {document}");
                assert!(document.contains(w.people[person].first_name()));
            }
        }
    }
}

#[test]
fn corpus_is_clean_ascii_text() {
    let corpus = world(&small(13, 6)).corpus();
    assert!(corpus.is_ascii());
    assert!(!corpus.contains('{') && !corpus.contains('}'));
    assert!(!corpus.contains("  ") && !corpus.contains("\n\n\n"));
    assert!(!corpus.starts_with(char::is_whitespace) && !corpus.ends_with(char::is_whitespace));
    for line in corpus.lines() {
        assert!(!line.ends_with(' '), "trailing space: {line:?}");
    }
    for sentence in sentences(&corpus) {
        assert!(sentence.ends_with('.'), "{sentence:?}");
        assert!(
            sentence.starts_with(|c: char| c.is_ascii_uppercase()),
            "{sentence:?}"
        );
    }
}

#[test]
fn corpus_for_subset_mentions_only_those_people_as_subjects() {
    let w = world(&small(14, 4));
    let kept = [0, 3, 17];
    let corpus = w.corpus_for(&kept);
    let said = sentences(&corpus);
    for person in 0..w.people.len() {
        let stated = w
            .person_facts(person)
            .iter()
            .flat_map(|fact| (0..MAX_DIVERSITY).map(move |t| (fact.clone(), t)))
            .filter(|(fact, t)| said.contains(w.sentence(fact, *t).as_str()))
            .count();
        if kept.contains(&person) {
            assert!(stated >= Relation::ALL.len(), "person {person}: {stated}");
        } else {
            assert_eq!(stated, 0, "held-out person {person} is stated about");
        }
    }
    assert_eq!(
        corpus.split("\n\n").count(),
        kept.len() * w.config.docs_per_person
    );
}

#[test]
fn corpus_for_subset_reuses_the_full_corpus_documents() {
    let w = world(&small(15, 4));
    let full = w.corpus();
    let documents: HashSet<&str> = full.split("\n\n").collect();
    for document in w.corpus_for(&[2, 5, 8, 13]).split("\n\n") {
        assert!(documents.contains(document), "{document}");
    }
}

#[test]
fn corpus_size_scales_with_n_people() {
    let size = |n_people| {
        world_corpus(&WorldConfig {
            n_people,
            ..WorldConfig::default()
        })
        .expect("valid config")
        .len()
    };
    let (one, two) = (size(200), size(400));
    assert!(
        (100_000..=300_000).contains(&one),
        "default corpus is {one} bytes"
    );
    let ratio = two as f64 / one as f64;
    assert!(
        (1.8..=2.2).contains(&ratio),
        "doubling people scaled the corpus by {ratio}"
    );
}

#[test]
fn bad_config_is_a_clear_error() {
    let cases = [
        (
            WorldConfig {
                n_people: 1,
                ..WorldConfig::default()
            },
            "n_people",
        ),
        (
            WorldConfig {
                n_people: MAX_PEOPLE + 1,
                ..WorldConfig::default()
            },
            "n_people",
        ),
        (
            WorldConfig {
                diversity: 0,
                ..WorldConfig::default()
            },
            "diversity",
        ),
        (
            WorldConfig {
                diversity: MAX_DIVERSITY + 1,
                ..WorldConfig::default()
            },
            "diversity",
        ),
        (
            WorldConfig {
                docs_per_person: 0,
                ..WorldConfig::default()
            },
            "docs_per_person",
        ),
    ];
    for (config, field) in cases {
        let error = World::generate(&config).expect_err("config should be rejected");
        let message = error.to_string();
        assert!(message.contains(field), "{message:?} should name {field}");
        assert!(!message.contains('\n'), "{message:?} should be one line");
        assert!(world_corpus(&config).is_err());
    }
}

#[test]
fn config_reads_from_json_with_defaults_and_rejects_unknown_fields() {
    let config: WorldConfig = serde_json::from_str(r#"{"n_people": 10}"#).expect("valid json");
    assert_eq!(
        config,
        WorldConfig {
            n_people: 10,
            ..WorldConfig::default()
        }
    );
    let typo = serde_json::from_str::<WorldConfig>(r#"{"n_peeple": 10}"#);
    assert!(typo.is_err());
}

#[test]
fn world_round_trips_through_json_and_bad_json_is_rejected() {
    let w = world(&small(16, 4));
    let json = serde_json::to_string(&w).expect("serializable");
    let back: World = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back.people, w.people);
    assert_eq!(back.corpus(), w.corpus());

    let mut broken: serde_json::Value = serde_json::from_str(&json).expect("json");
    broken["people"][0]["friend"] = serde_json::json!(0);
    let error = serde_json::from_value::<World>(broken).expect_err("self-friend rejected");
    assert!(error.to_string().contains("friend"), "{error}");
}

#[test]
fn render_seed_retells_the_same_people_in_other_words() {
    let base = WorldConfig {
        n_people: 10,
        ..WorldConfig::default()
    };
    let retold = WorldConfig {
        render_seed: Some(7),
        ..base.clone()
    };
    let (a, b) = (
        World::generate(&base).unwrap(),
        World::generate(&retold).unwrap(),
    );
    assert_eq!(a.people, b.people, "same people, same facts");
    assert_ne!(a.corpus(), b.corpus(), "different documents");
    let same_seed = WorldConfig {
        render_seed: Some(base.seed),
        ..base.clone()
    };
    assert_eq!(World::generate(&same_seed).unwrap().corpus(), a.corpus());
}

// ---------------------------------------------------------------------------------------------
// The world in Chinese
// ---------------------------------------------------------------------------------------------

/// [`small`] told in Chinese.
fn small_zh(seed: u64, diversity: usize) -> WorldConfig {
    WorldConfig {
        language: Language::Zh,
        ..small(seed, diversity)
    }
}

/// FNV-1a, a hash whose value every platform and Rust version agrees on.
fn fnv(text: &str) -> u64 {
    (text.bytes()).fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn english_world_is_unchanged_by_the_language_option() {
    // Recorded from the default world before the world learned Chinese (commit 811dbc1).
    let corpus = world_corpus(&WorldConfig::default()).unwrap();
    assert_eq!(
        (corpus.len(), fnv(&corpus)),
        (167_061, 14_415_621_079_854_327_069)
    );
    assert!(corpus.starts_with(
        "Golter is the city where Era Dizun was born. Era Dizun's home is in Gunkur."
    ));
    let json = serde_json::to_string(&WorldConfig::default()).unwrap();
    assert!(
        !json.contains("language"),
        "English configs serialize as before: {json}"
    );
}

#[test]
fn language_reads_from_json_and_a_bad_one_is_rejected() {
    let zh: WorldConfig = serde_json::from_str(r#"{"language": "zh", "n_people": 10}"#).unwrap();
    assert_eq!((zh.language, zh.n_people), (Language::Zh, 10));
    assert!(
        serde_json::to_string(&zh)
            .unwrap()
            .contains(r#""language":"zh""#)
    );
    let en: WorldConfig = serde_json::from_str(r#"{"language": "en"}"#).unwrap();
    assert_eq!(en, WorldConfig::default());
    let error = serde_json::from_str::<WorldConfig>(r#"{"language": "fr"}"#).unwrap_err();
    assert!(
        error.to_string().contains("unknown variant `fr`"),
        "{error}"
    );
    assert!(serde_json::from_str::<WorldConfig>(r#"{"langauge": "zh"}"#).is_err());
}

#[test]
fn chinese_world_is_deterministic_per_seed() {
    let (a, b) = (world(&small_zh(7, 4)), world(&small_zh(7, 4)));
    assert_eq!(
        (&a.people, &a.cities, a.corpus()),
        (&b.people, &b.cities, b.corpus())
    );
    let c = world(&small_zh(8, 4));
    assert_ne!(a.people, c.people);
    assert_ne!(a.corpus(), c.corpus());
}

/// Where `entry` stands in `list`.
fn index_of(list: &[impl AsRef<str>], entry: &str) -> usize {
    (list.iter().position(|e| e.as_ref() == entry)).unwrap_or_else(|| panic!("{entry} not listed"))
}

#[test]
fn chinese_world_has_the_same_people_and_facts_as_the_english_one() {
    for seed in [1, 42, 2026] {
        let (en, zh) = (world(&small(seed, 4)), world(&small_zh(seed, 4)));
        let (we, wz) = (Language::En.wording(), Language::Zh.wording());
        assert_eq!(en.people.len(), zh.people.len());
        for (e, z) in en.people.iter().zip(&zh.people) {
            assert_eq!((e.friend, e.birth_year), (z.friend, z.birth_year));
            let city = |w: &World, c: &str| index_of(&w.cities, c);
            assert_eq!(city(&en, &e.birth_city), city(&zh, &z.birth_city));
            assert_eq!(city(&en, &e.home_city), city(&zh, &z.home_city));
            assert_eq!(index_of(&we.jobs, &e.job), index_of(&wz.jobs, &z.job));
            assert_eq!(
                index_of(&we.pet_kinds, &e.pet_kind),
                index_of(&wz.pet_kinds, &z.pet_kind)
            );
            assert_eq!(
                index_of(&we.months, &e.birth_month),
                index_of(&wz.months, &z.birth_month)
            );
        }
        // Told with the same draws: every document has as many sentences in both languages.
        for person in 0..en.people.len() {
            for (de, dz) in en.documents(person).iter().zip(zh.documents(person)) {
                let count = |l: Language, d: &str| sentences_in(l, d).len();
                assert_eq!(
                    count(Language::En, de),
                    count(Language::Zh, &dz),
                    "{de}\n{dz}"
                );
            }
        }
    }
}

#[test]
fn chinese_names_are_unique_and_made_of_the_fixed_characters() {
    let w = world(&WorldConfig {
        n_people: 5_000,
        language: Language::Zh,
        ..WorldConfig::default()
    });
    let names: HashSet<&str> = w.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), w.people.len());
    assert_eq!(w.cities.iter().collect::<HashSet<_>>().len(), N_CITIES);
    for p in &w.people {
        let chars: Vec<String> = p.name.chars().map(String::from).collect();
        assert!((2..=3).contains(&chars.len()), "{}", p.name);
        assert!(zh::SURNAMES.contains(&chars[0].as_str()), "{}", p.name);
        assert!(
            chars[1..].iter().all(|c| zh::GIVEN.contains(&c.as_str())),
            "{}",
            p.name
        );
        assert!(w.cities.iter().all(|city| !p.name.contains(city.as_str())));
        assert!(p.pet_name.chars().count() == 2, "{}", p.pet_name);
    }
    let unknown = w.unknown_names(50, 3);
    assert!(unknown.iter().all(|n| !names.contains(n.as_str())));
    assert!(
        unknown
            .iter()
            .all(|n| zh::SURNAMES.iter().any(|s| n.starts_with(s)))
    );
}

#[test]
fn chinese_corpus_is_clean_chinese_text() {
    let w = world(&small_zh(13, 6));
    let corpus = w.corpus();
    assert!(!corpus.contains(['{', '}', ' ']) && !corpus.contains("\n\n\n"));
    assert!(
        !corpus.chars().any(|c| c.is_ascii_alphabetic()),
        "no English word"
    );
    for sentence in sentences_in(Language::Zh, &corpus) {
        assert!(sentence.ends_with('。'), "{sentence:?}");
    }
    for person in 0..w.people.len() {
        for (k, document) in w.documents(person).iter().enumerate() {
            let n = sentences_in(Language::Zh, document).len();
            if k % 2 == 0 {
                assert_eq!(n, Relation::ALL.len(), "biography: {document}");
            } else {
                assert!((3..=6).contains(&n), "story of {n} sentences: {document}");
                assert!(document.contains(w.people[person].first_name()));
            }
        }
    }
}

#[test]
fn chinese_sentences_state_their_fact_in_max_diversity_ways() {
    let w = world(&small_zh(8, 4));
    for fact in w.person_facts(0) {
        let said: HashSet<String> = (0..MAX_DIVERSITY).map(|t| w.sentence(&fact, t)).collect();
        assert_eq!(said.len(), MAX_DIVERSITY, "{:?}", fact.relation);
        for sentence in &said {
            assert!(sentence.contains(&fact.object) && sentence.contains(&w.people[0].name));
            assert!(
                sentence.ends_with('。') && !sentence.contains('{'),
                "{sentence}"
            );
        }
    }
    let corpus = w.corpus();
    let said = sentences_in(Language::Zh, &corpus);
    for fact in w.facts() {
        let found = (0..w.config.diversity).any(|t| said.contains(w.sentence(&fact, t).as_str()));
        assert!(found, "not in corpus: {fact:?}");
    }
}

#[test]
fn chinese_diversity_behaves_as_in_english() {
    let (one_pairs, one_highest) = templates_used(&world(&small_zh(10, 1)));
    assert_eq!(
        (one_pairs, one_highest),
        (world(&small_zh(10, 1)).facts().len(), 0)
    );
    for seed in [11, 12] {
        let (low, low_highest) = templates_used(&world(&small_zh(seed, 2)));
        let (high, high_highest) = templates_used(&world(&small_zh(seed, 6)));
        assert_eq!((low_highest, high_highest), (1, 5));
        assert!(high > low, "diversity 6: {high} pairs, diversity 2: {low}");
        // the same draws choose the same templates as in English
        assert_eq!(
            (low, high),
            (
                templates_used(&world(&small(seed, 2))).0,
                templates_used(&world(&small(seed, 6))).0
            )
        );
    }
}

#[test]
fn chinese_render_seed_retells_the_same_people_in_other_words() {
    let base = small_zh(3, 4);
    let retold = WorldConfig {
        render_seed: Some(7),
        ..base.clone()
    };
    let (a, b) = (world(&base), world(&retold));
    assert_eq!(a.people, b.people, "same people, same facts");
    assert_ne!(a.corpus(), b.corpus(), "different documents");
    let same = WorldConfig {
        render_seed: Some(base.seed),
        ..base.clone()
    };
    assert_eq!(world(&same).corpus(), a.corpus());
    let kept = [0, 3, 17];
    let full: HashSet<String> = a.corpus().split("\n\n").map(String::from).collect();
    for document in a.corpus_for(&kept).split("\n\n") {
        assert!(full.contains(document), "{document}");
    }
}

#[test]
fn chinese_cloze_probes_ask_for_facts_of_the_world() {
    let w = world(&small_zh(6, 4));
    let facts = w.facts();
    let prompts: HashSet<String> = facts.iter().map(|f| w.cloze(f).0).collect();
    assert_eq!(prompts.len(), facts.len(), "every prompt asks for one fact");
    for fact in &facts {
        let (prompt, answer) = w.cloze(fact);
        assert_eq!(answer, fact.object, "no space before a Chinese answer");
        assert_eq!(format!("{prompt}{answer}。"), w.sentence(fact, 0));
    }
    let (prompt, answer) = w.cloze(&facts[0]);
    assert!(
        prompt.ends_with("出生在") && w.cities.contains(&answer),
        "{prompt}{answer}"
    );
    let people: Vec<usize> = (0..10).collect();
    for item in jielong::eval::cloze_items(&w, &people, 4, 3) {
        assert_eq!(item.answer, w.object(item.person, item.relation));
        assert_eq!(item.options.len(), 4);
        assert_eq!(
            item.options.iter().filter(|o| **o == item.answer).count(),
            1
        );
        let objects: HashSet<String> = (0..w.people.len())
            .map(|p| w.object(p, item.relation))
            .collect();
        assert!(
            item.options.iter().all(|o| objects.contains(o)),
            "{:?}",
            item.options
        );
    }
}

#[test]
fn chinese_instructions_ask_and_answer_in_chinese() {
    use jielong::data::instruct::{self, InstructConfig, Task};
    let w = world(&small_zh(5, 2));
    let name = &w.people[0].name;
    let q = instruct::fact_question(&w, 0, Relation::PetKind, 0);
    assert_eq!(q.prompt, format!("{name}的宠物是什么？"));
    assert_eq!(
        q.response,
        format!("{name}的宠物是{}。", w.people[0].pet_kind)
    );
    assert_eq!(q.key, w.people[0].pet_kind);
    let nobody = &w.unknown_names(1, 4)[0];
    let u = instruct::unknown_person_in(Language::Zh, nobody, Relation::Job);
    assert_eq!(
        (u.response.clone(), u.key.as_str()),
        (format!("我不知道{nobody}这个人。"), "我不知道")
    );
    for kind in 0..instruct::FORBIDDEN_KINDS {
        let f = instruct::forbidden_request(&w, 1, kind);
        assert!(f.prompt.contains(&w.people[1].name) && f.prompt.ends_with(['？', '。']));
        assert_eq!(
            (f.response.as_str(), f.key.as_str()),
            ("我不能帮忙。", "我不能帮忙。")
        );
    }
    let people: Vec<usize> = (0..4).collect();
    let set = instruct::instructions(&w, &people, &InstructConfig::default());
    let en_set = instruct::instructions(&world(&small(5, 2)), &people, &InstructConfig::default());
    assert_eq!(set.len(), en_set.len());
    for (z, e) in set.iter().zip(&en_set) {
        assert_eq!(
            (z.task, z.key == e.key),
            (e.task, z.task == Task::Arithmetic)
        );
        assert!(
            !format!("{}{}", z.prompt, z.response)
                .chars()
                .any(|c| c.is_ascii_alphabetic()),
            "{z:?}"
        );
    }
}

#[test]
fn chinese_labeller_scores_chinese_answers_as_the_english_one_does_its_own() {
    use jielong::data::feedback::{Answer, PromptMix, count_words, feedback_prompts, judge};
    assert_eq!(count_words("王晓明出生在青川。"), 8);
    assert_eq!(count_words("I don't know anyone called Bone Bodus."), 7);
    let verdicts = |language: Language| {
        let w = world(&WorldConfig {
            language,
            ..small(21, 4)
        });
        let mix = PromptMix {
            people: (0..8).collect(),
            unknown_names: w.unknown_names(8, 1),
            forbidden_people: (8..12).collect(),
        };
        let prompts = feedback_prompts(&w, &mix);
        let refusal = jielong::data::instruct::forbidden_request(&w, 0, 0).response;
        let nobody =
            jielong::data::instruct::unknown_person_in(language, "某某", Relation::Job).response;
        let mut scores = Vec::new();
        for (i, e) in prompts.iter().enumerate() {
            let other = &prompts[(i + 1) % prompts.len()].response;
            for text in [
                e.response.as_str(),
                refusal.as_str(),
                nobody.as_str(),
                other,
            ] {
                let j = judge(e, &Answer::written(text));
                scores.push((e.task, j.verdict, j.extra_words == 0));
            }
            let cut = judge(
                e,
                &Answer {
                    text: e.response.clone(),
                    stopped: false,
                },
            );
            scores.push((e.task, cut.verdict, cut.score == 0.5));
        }
        scores
    };
    let (en, zh) = (verdicts(Language::En), verdicts(Language::Zh));
    assert_eq!(en.len(), zh.len());
    for (e, z) in en.iter().zip(&zh) {
        assert_eq!((e.0, e.1), (z.0, z.1), "the same verdicts");
    }
}
