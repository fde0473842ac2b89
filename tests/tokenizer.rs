//! The character tokenizer: exact round trips on ASCII and Chinese, `<unk>` for unseen characters, and
//! save/load.

mod common;

use common::TempDir;
use jielong::Tokenizer;
use jielong::tokenizer::{UNK_CHAR, UNK_ID, require_tokens};

const POEM: &str = "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。";

#[test]
fn ascii_text_round_trips() {
    let text = "Ada Toko was born in Lumen. She works as a baker!\n\n(1975)";
    let tokenizer = Tokenizer::char_level(text);
    let ids = tokenizer.encode(text);
    assert_eq!(ids.len(), text.chars().count());
    assert!(!ids.contains(&UNK_ID));
    assert_eq!(tokenizer.decode(&ids), text);
}

#[test]
fn chinese_text_round_trips_one_token_per_character() {
    let tokenizer = Tokenizer::char_level(POEM);
    let ids = tokenizer.encode("床前明月光，疑是地上霜。");
    assert_eq!(ids.len(), 12, "one token per character, not per byte");
    assert_eq!(tokenizer.decode(&ids), "床前明月光，疑是地上霜。");
    assert_eq!(tokenizer.decode(&tokenizer.encode(POEM)), POEM);
    // 明 and 月 occur twice in the poem and get one id each.
    assert_eq!(ids[2], tokenizer.encode("明")[0]);
    assert_eq!(tokenizer.encode("明月"), vec![ids[2], ids[3]]);
}

#[test]
fn vocabulary_is_unk_plus_each_distinct_character_in_sorted_order() {
    let tokenizer = Tokenizer::char_level("banana");
    assert_eq!(tokenizer.vocab_size(), 4); // <unk>, a, b, n
    assert_eq!(tokenizer.encode("abn"), vec![1, 2, 3]);
    assert_eq!(tokenizer.token_text(UNK_ID), UNK_CHAR.to_string());
    assert_eq!(tokenizer.token_text(2), "b");
}

#[test]
fn unknown_characters_map_to_unk_and_decode_to_replacement_character() {
    let tokenizer = Tokenizer::char_level(POEM);
    let ids = tokenizer.encode("明月龙光x");
    assert_eq!(ids[2], UNK_ID);
    assert_eq!(ids[4], UNK_ID);
    assert_ne!(ids[0], UNK_ID);
    assert_eq!(tokenizer.decode(&ids), "明月\u{FFFD}光\u{FFFD}");
}

#[test]
fn ids_outside_the_vocabulary_decode_to_replacement_character() {
    let tokenizer = Tokenizer::char_level("ab");
    assert_eq!(
        tokenizer.decode(&[1, 3, -1, 2, 1000]),
        "a\u{FFFD}\u{FFFD}b\u{FFFD}"
    );
}

#[test]
fn encode_strict_names_the_unknown_character() {
    let tokenizer = Tokenizer::char_level(POEM);
    assert_eq!(
        tokenizer.encode_strict("明月光").unwrap(),
        tokenizer.encode("明月光")
    );
    let err = tokenizer.encode_strict("明月龙").unwrap_err().to_string();
    assert_eq!(
        err,
        "the character '龙' (U+9F99) is not in the model's vocabulary"
    );
}

#[test]
fn empty_text_is_refused_where_a_token_is_needed() {
    let tokenizer = Tokenizer::char_level("abc");
    assert!(tokenizer.encode("").is_empty());
    let err = require_tokens(&tokenizer.encode(""), "the prompt").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the prompt is empty: there is nothing to continue from"
    );
}

#[test]
fn save_then_load_gives_the_same_tokenizer() {
    let dir = TempDir::new("tokenizer");
    let path = dir.join("tokenizer.json");
    let tokenizer = Tokenizer::char_level(&format!("{POEM} and some ASCII."));
    tokenizer.save(&path).unwrap();
    let loaded = Tokenizer::load(&path).unwrap();
    assert_eq!(loaded, tokenizer);
    let text = "明月 and ASCII 龙";
    assert_eq!(loaded.encode(text), tokenizer.encode(text));
    assert_eq!(loaded.decode(&loaded.encode(POEM)), POEM);
    assert_eq!(
        Tokenizer::from_json(&tokenizer.to_json()).unwrap(),
        tokenizer
    );
}

#[test]
fn loading_a_malformed_tokenizer_file_names_the_file() {
    let dir = TempDir::new("tokenizer-bad");
    let path = dir.join("tokenizer.json");
    std::fs::write(&path, "{\"kind\": \"char\", \"chars\": 7}").unwrap();
    let err = format!("{:#}", Tokenizer::load(&path).unwrap_err());
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("tokenizer JSON is malformed"), "{err}");

    let missing = dir.join("missing.json");
    let err = format!("{:#}", Tokenizer::load(&missing).unwrap_err());
    assert!(
        err.starts_with(&format!("cannot read {}", missing.display())),
        "{err}"
    );
}
