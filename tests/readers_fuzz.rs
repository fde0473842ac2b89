//! Property test: random bytes and random JSON given to the config and checkpoint readers are an error,
//! never a panic.

use jielong::chapters::load_config;
use jielong::model::ModelConfig;
use jielong::train::TrainConfig;
use proptest::prelude::*;

fn write_tmp(bytes: &[u8], name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("jielong-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("kind".to_string()),
                    Just("steps".to_string()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic_the_readers(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let path = write_tmp(&bytes, "bytes");
        let _ = load_config::<TrainConfig>(&path);
        let _ = load_config::<ModelConfig>(&path);
        prop_assert!(jielong::checkpoint::load(&path).is_err());
    }

    #[test]
    fn random_json_never_panics_the_readers(value in json_value()) {
        let text = serde_json::to_vec(&value).unwrap();
        let path = write_tmp(&text, "json");
        let _ = load_config::<TrainConfig>(&path).map(|c| c.validate_for(&ModelConfig::Gpt(jielong::model::GptConfig::default())));
        let _ = load_config::<ModelConfig>(&path);
        prop_assert!(jielong::checkpoint::load(&path).is_err());
    }
}
