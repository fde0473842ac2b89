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
        render_seed: None,
    }
}

fn world(config: &WorldConfig) -> World {
    World::generate(config).expect("a valid config generates a world")
}

/// Every sentence of a text: documents are split on "\n\n", sentences on ". ".
fn sentences(text: &str) -> HashSet<&str> {
    text.split("\n\n")
        .flat_map(|document| document.split_inclusive(". "))
        .map(str::trim_end)
        .collect()
}

/// How many (fact, template) pairs occur in the corpus, and the largest template index seen.
fn templates_used(world: &World) -> (usize, usize) {
    let corpus = world.corpus();
    let said = sentences(&corpus);
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
