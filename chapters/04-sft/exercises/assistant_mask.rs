//! Exercise 4.1: the assistant mask of a chat.
//!
//! Goal: in fine-tuning, the model must learn to write the assistant's answers, not the user's questions. The
//! mask marks which tokens of a rendered conversation are the assistant's. Once it passes, your mask equals the
//! one `sft::encode` makes for a real conversation in the chat template, tokenized by the course's BPE.
//! Rule: walk the token ids; a token is marked if it comes after an `<|assistant|>` token, up to and including
//! the `<|end|>` that closes that answer. The `<|assistant|>` token itself is not marked (the prompt supplies
//! it); the closing `<|end|>` is (the model must learn when to stop). A conversation may hold several answers.
//! Read: "The chat template" (book/src/ch04-chat-template.md).
//! Check: `jielong exercises check 4.1` (add `--hint` for a hint).
//!
//! 练习 4.1：对话的助手掩码。
//! 目标：指令微调时，模型要学的是写出助手的回答，而不是用户的问题。掩码标出渲染后的对话里哪些 token 属于
//! 助手。通过之后，你的掩码与 `sft::encode` 对一段真实对话（按聊天模板渲染、用课程的 BPE 分词）给出的掩码相同。
//! 规则：依次看每个 token id；位于 `<|assistant|>` 之后、直到并包括结束这段回答的 `<|end|>` 的 token 都要标记。
//! `<|assistant|>` 本身不标记（它由提示给出）；结尾的 `<|end|>` 要标记（模型必须学会何时停下）。一段对话里
//! 可以有多个回答。
//! 阅读：《聊天模板》（book/src/ch04-chat-template.md）。
//! 检查：`jielong exercises check 4.1`（加 `--hint` 可看提示）。

/// `mask[t]`: token `t` of `ids` is the assistant's to learn (after an `assistant` id, up to and including
/// the `end` id that closes it).
pub fn assistant_mask(ids: &[i64], assistant: i64, end: i64) -> Vec<bool> {
    let _ = (ids, assistant, end);
    todo!("exercise 4.1")
}
