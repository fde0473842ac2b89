//! The languages the world can be told in, and how a table per language is looked up.

use super::{Wording, en, zh};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// A language the world can be told in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English, the course's default.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Language {
    /// Both languages, English first.
    pub const ALL: [Language; 2] = [Language::En, Language::Zh];

    /// The language's code as configs write it: `"en"`, `"zh"`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Zh => "zh",
        }
    }

    /// Whether this is English (the default, left out of serialized configs so they read as before).
    pub fn is_english(&self) -> bool {
        *self == Language::En
    }

    /// `en` or `zh`, whichever this language is: how a table per language is looked up.
    pub fn either<T>(self, en: T, zh: T) -> T {
        match self {
            Language::En => en,
            Language::Zh => zh,
        }
    }

    /// The words and sentence patterns the world is told with in this language.
    pub fn wording(self) -> &'static Wording {
        match self {
            Language::En => &en::WORDING,
            Language::Zh => &zh::WORDING,
        }
    }
}

impl std::str::FromStr for Language {
    type Err = anyhow::Error;

    /// `"en"` or `"zh"`, as `--lang` takes it; anything else is an error that lists both.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Language::En),
            "zh" => Ok(Language::Zh),
            _ => bail!("unknown language '{s}': expected en or zh"),
        }
    }
}
