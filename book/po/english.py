"""What counts as English prose left in the Chinese edition — one rule for the page import and the HTML check.

A text is left in English when, after removing what stays English on purpose, it still has at least
MIN_WORDS English words and not one Chinese character. What stays English on purpose (TRANSLATOR.md):
inline code and code blocks (removed by the caller), math, quotes of model output or training text ("…" or
“…”), citations and reference-list entries ("Vaswani, A. et al. (2017). *Attention Is All You Need*."), URLs,
the names and identifiers of ALLOWED, and the messages listed in english_kept.txt (samples of the model's output
that are not in quotes or code).
"""
import re
from pathlib import Path

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
MIN_WORDS = 4
# A reference-list entry: "Surname, A. B. et al. (2017). Title. Venue." or "Surname & Other (2020)".
REFERENCE = re.compile(r"^\W*[A-Z][\w'’-]+,? (?:[A-Z]\. ?)+.*\(\d{4}[a-z]?\)")
CITATION = re.compile(r"\(?[A-Z][\w'’-]+(?: (?:&|and) [A-Z][\w'’-]+| et al\.)?,? \d{4}[a-z]?\)?")
QUOTE = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^']{12,}'")
MATH = re.compile(r"\\\\?\(.+?\\\\?\)|\\\\?\[.+?\\\\?\]|\$\$?[^$]+\$\$?")
URL = re.compile(r"https?://\S+|\]\([^)]*\)")
MARKED_EN = re.compile(r'<(\w+) lang="en">.*?</\1>')
TAG = re.compile(r"<[^>]+>")
TEX_COMMAND = re.compile(r"\\+[A-Za-z]+")  # \nabla, \mathbb: math however Markdown escaped it
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
# Names and terms that stay as written in Chinese text (GLOSSARY.md), and a few words they come with.
ALLOWED = {w.lower() for w in """
    jielong GPT BPE LoRA RLHF SFT PPO GRPO DPO GAE KL MLP RoPE FLOPs MFU CPU GPU CUDA SGD AdamW Adam softmax
    logits logit token tokens top-k top-p min-p dropout epoch Transformer FlashAttention libtorch tch evcxr Rust
    Jupyter JupyterLab notebook mdBook cargo make README OpenAI NeurIPS ICLR ICML JMLR arXiv ACL EMNLP JSON
    serde FLAN Chinchilla KV
""".split()}


def _key(text):
    return " ".join(re.sub(r"[\W_]+", " ", text).lower().split())


KEPT = [_key(line) for line in (Path(__file__).with_name("english_kept.txt")).read_text(encoding="utf-8")
        .splitlines() if line.strip() and not line.startswith("#")]


def prose_words(text):
    """The English words of `text` that ask for a translation."""
    if REFERENCE.search(text) or any(_key(text).startswith(k) for k in KEPT):
        return []
    for pattern in (MARKED_EN, TAG, URL, MATH, TEX_COMMAND, QUOTE, CITATION):
        text = pattern.sub(" ", text)
    return [w for w in WORD.findall(text) if w.lower() not in ALLOWED]


def is_english_left(text):
    """True for a text with no Chinese character and at least MIN_WORDS words that ask for a translation."""
    return not CJK.search(text) and len(prose_words(text)) >= MIN_WORDS
