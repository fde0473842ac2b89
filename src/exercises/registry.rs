//! Every exercise of the course, in order: what it asks, where its file is, which book page it goes with.
//! `tests/exercises.rs` checks that this list and the files in `chapters/*/exercises/` agree.

/// One exercise: a file a student completes, and the checks that tell whether it is right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exercise {
    /// `"N.K"`: chapter `N`, exercise `K`.
    pub id: &'static str,
    /// The chapter it belongs to.
    pub chapter: u32,
    /// A short name.
    pub title: &'static str,
    /// What to write, in one line.
    pub goal: &'static str,
    /// The student's file, relative to the repository root (its solution is in `solutions/` beside it).
    pub file: &'static str,
    /// The book page to read first (in `book/src/`).
    pub page: &'static str,
    /// A hint, shown by `jielong exercises check N.K --hint`.
    pub hint: &'static str,
    /// Expected time in minutes for a student who has read the page.
    pub minutes: u32,
    /// 1 (a few lines, straight from the formula) to 3 (tensor shapes to think through).
    pub difficulty: u32,
}

impl Exercise {
    /// The folder of the chapter's exercises, e.g. `chapters/03-pretraining/exercises`.
    pub fn dir(&self) -> &'static str {
        self.file.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// The file name of the student's file, e.g. `rope.rs`.
    pub fn file_name(&self) -> &'static str {
        self.file
            .rsplit_once('/')
            .map_or(self.file, |(_, name)| name)
    }

    /// The reference solution, relative to the repository root.
    pub fn solution(&self) -> String {
        format!("{}/solutions/{}", self.dir(), self.file_name())
    }

    /// The cargo test target that holds the chapter's checks, e.g. `ch03_exercises`.
    pub fn test_target(&self) -> String {
        super::runner::target_of(self.chapter)
    }

    /// Every check of this exercise is a test whose name starts with this, e.g. `ex3_2_`.
    pub fn test_prefix(&self) -> String {
        format!("ex{}_", self.id.replace('.', "_"))
    }

    /// The exercise with this id (`"3.2"`), if there is one.
    pub fn find(id: &str) -> Option<&'static Exercise> {
        EXERCISES.iter().find(|e| e.id == id.trim())
    }
}

/// The path of a file in a chapter's exercise folder: `dir!(3, "rope.rs")`.
macro_rules! dir {
    (1, $file:literal) => {
        concat!("chapters/01-text-continuation/exercises/", $file)
    };
    (2, $file:literal) => {
        concat!("chapters/02-optimization-and-overfitting/exercises/", $file)
    };
    (3, $file:literal) => {
        concat!("chapters/03-pretraining/exercises/", $file)
    };
    (4, $file:literal) => {
        concat!("chapters/04-sft/exercises/", $file)
    };
    (5, $file:literal) => {
        concat!("chapters/05-rlhf/exercises/", $file)
    };
    (6, $file:literal) => {
        concat!("chapters/06-emergent-abilities/exercises/", $file)
    };
}

/// One registry entry; the file is named within its chapter's folder.
macro_rules! exercise {
    ($id:literal, $ch:tt, $file:literal, $page:literal, $minutes:literal, $difficulty:literal,
     $title:literal, $goal:literal, $hint:literal $(,)?) => {
        Exercise {
            id: $id,
            chapter: $ch,
            title: $title,
            goal: $goal,
            file: dir!($ch, $file),
            page: $page,
            hint: $hint,
            minutes: $minutes,
            difficulty: $difficulty,
        }
    };
}

/// Every exercise, chapter by chapter.
pub static EXERCISES: &[Exercise] = &[
    // chapter 1: text continuation
    exercise!(
        "1.1",
        1,
        "min_p.rs",
        "ch01-sampling.md",
        15,
        1,
        "Min-p sampling",
        "keep the tokens with probability ≥ min_p × the largest, zero the rest, renormalise",
        "Find the largest probability first; the threshold is min_p times it. After zeroing, divide every entry by the sum of what is left."
    ),
    exercise!(
        "1.2",
        1,
        "repetition_penalty.rs",
        "ch01-presets.md",
        15,
        1,
        "Repetition penalty",
        "divide a seen token's positive logit by the penalty, multiply a negative one",
        "Collect the distinct ids of the context first (a BTreeSet or HashSet), so a token seen three times is still penalised once."
    ),
    exercise!(
        "1.3",
        1,
        "bigram_counts.rs",
        "ch01-models.md",
        25,
        2,
        "The bigram model by counting",
        "count(a → b) + smoothing, normalised per row; then the mean −ln p(next | current)",
        "ids.windows(2) gives every consecutive pair. Start every count at `smoothing`, add 1 per pair, then divide each row by its sum (a row with sum 0 stays 0)."
    ),
    exercise!(
        "1.4",
        1,
        "softmax_temperature.rs",
        "ch01-sampling.md",
        15,
        1,
        "Softmax with temperature",
        "p_i = exp(z_i / T) / Σ_j exp(z_j / T), computed without overflow",
        "Subtract the largest logit before exp: it cancels in the ratio and keeps exp from overflowing for logits like 1000. Work in f64."
    ),
    exercise!(
        "1.5",
        1,
        "top_p.rs",
        "ch01-sampling.md",
        20,
        2,
        "Top-p (nucleus) filtering",
        "keep the smallest set of most likely tokens whose mass reaches p, zero the rest, renormalise",
        "Sort the indices by probability, largest first (ties: lower index first). Add probabilities until the total is ≥ p; keep those, zero the others. p ≥ 1 changes nothing."
    ),
    // chapter 2: optimization and overfitting
    exercise!(
        "2.1",
        2,
        "adamw.rs",
        "ch02-optimizers.md",
        30,
        2,
        "The AdamW update",
        "one AdamW step on a tensor: moments, bias correction, decoupled weight decay on matrices",
        "m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; divide m by 1−β₁ᵗ and v by 1−β₂ᵗ; θ − lr·(m̂/(√v̂+ε) + λθ), with the λθ term only when theta.dim() ≥ 2. ε = 1e-8."
    ),
    exercise!(
        "2.2",
        2,
        "schedule.rs",
        "ch02-schedules.md",
        20,
        1,
        "Warm-up and cosine decay",
        "the learning rate at a step: linear warm-up, then constant or cosine decay to lr × min_lr_ratio",
        "Warm-up: lr·(step+1)/warmup_steps while step < warmup_steps. Cosine: progress = (step − warmup)/(steps − warmup), capped at 1, and lr_min + ½(lr − lr_min)(1 + cos(π·progress))."
    ),
    exercise!(
        "2.3",
        2,
        "early_stopping.rs",
        "ch02-early-stopping.md",
        20,
        1,
        "The early-stopping rule",
        "from the validation losses of successive evaluations: when does patience run out, and which was best?",
        "Keep the best loss and how many evaluations have passed since it. Only a strictly lower loss is a new best. Stop at the evaluation where that count reaches the patience; patience 0 never stops."
    ),
    exercise!(
        "2.4",
        2,
        "divergence.rs",
        "ch02-learning-rate.md",
        10,
        1,
        "A divergence detector",
        "a loss diverged if it is not finite, or above diverge_factor × the initial loss",
        "Check is_finite() first: NaN compares false with everything. A factor of 0, or no initial loss, means only a non-finite loss counts."
    ),
    // chapter 3: pretraining
    exercise!(
        "3.1",
        3,
        "attention.rs",
        "ch03-attention.md",
        40,
        3,
        "Causal attention",
        "softmax(Q Kᵀ / √d + M) V with the causal mask M, returning the output and the weights",
        "scores = q.matmul(&k.transpose(-2, -1)) / √d. The queries are the last T_q of the T_k positions: query i may see keys up to T_k − T_q + i. Tensor::ones([t_q, t_k], …).triu(t_k − t_q + 1) marks the forbidden ones; masked_fill them with −∞, then softmax(-1)."
    ),
    exercise!(
        "3.2",
        3,
        "rope.rs",
        "ch03-positions.md",
        35,
        3,
        "The RoPE rotation",
        "rotate the feature pair (i, i + d/2) at position p by the angle p·θᵢ, θᵢ = 10000^(−2i/d)",
        "Build θ for i = 0 … d/2 − 1 and the positions start … start + T − 1; their outer product is the [T, d/2] angle table. With x₁, x₂ the two halves of the last axis: (x₁ cos − x₂ sin, x₁ sin + x₂ cos), concatenated."
    ),
    exercise!(
        "3.3",
        3,
        "bpe_merge.rs",
        "ch03-bpe.md",
        30,
        2,
        "One BPE merge step",
        "find the most frequent adjacent pair of symbols in the words, and merge it everywhere",
        "Count pairs with a map from (left, right) to count, remembering the order in which pairs were first seen for ties. Merge left to right: when symbols i and i+1 are the pair, push their concatenation and skip i+1."
    ),
    exercise!(
        "3.4",
        3,
        "kv_cache.rs",
        "ch03-cost.md",
        20,
        2,
        "The KV-cache append",
        "append the new tokens' keys and values to the cached ones along the time axis",
        "Keys and values are [B, H, T, d]: time is dimension 2. Tensor::cat(&[past, new], 2). With nothing cached yet, the new ones are all there is."
    ),
    // chapter 4: supervised fine-tuning
    exercise!(
        "4.1",
        4,
        "assistant_mask.rs",
        "ch04-chat-template.md",
        20,
        1,
        "The assistant mask of a chat",
        "mark the tokens after each <|assistant|> up to and including the <|end|> that closes it",
        "Walk the ids with a flag `in_answer`. Take the mark for a token *before* switching the flag: the <|assistant|> token itself is not learned, the <|end|> is."
    ),
    exercise!(
        "4.2",
        4,
        "masked_loss.rs",
        "ch04-masked-loss.md",
        25,
        2,
        "The masked loss",
        "the mean of −log p(target) over the positions the mask keeps, and only those",
        "log_softmax(-1) the logits, gather at the targets (clamp masked-out targets to a valid id first: padding may be −100), multiply by the mask as 0/1 and divide by the number of kept positions."
    ),
    exercise!(
        "4.3",
        4,
        "lora_forward.rs",
        "ch04-lora.md",
        20,
        2,
        "The LoRA forward",
        "y = x Wᵀ + (α/r) · x Aᵀ Bᵀ: the frozen layer plus the low-rank adapter",
        "x is [.., d_in], W is [d_out, d_in], A is [r, d_in], B is [d_out, r]. matmul with transposes (.tr()) in that order; multiply the adapter's part by scale = α/r."
    ),
    exercise!(
        "4.4",
        4,
        "lora_merge.rs",
        "ch04-lora.md",
        15,
        1,
        "The LoRA merge",
        "fold the adapter into the weight: W + (α/r) B A, one plain matrix again",
        "B is [d_out, r] and A is [r, d_in], so B.matmul(A) has W's shape."
    ),
    // chapter 5: learning from feedback
    exercise!(
        "5.1",
        5,
        "bradley_terry.rs",
        "ch05-reward-model.md",
        15,
        1,
        "The Bradley–Terry loss",
        "L = −mean log σ(r_chosen − r_rejected) over the pairs",
        "Tensor::log_sigmoid is log σ computed stably: log(sigmoid(x)) underflows to −∞ for x ≈ −100."
    ),
    exercise!(
        "5.2",
        5,
        "gae.rs",
        "ch05-ppo.md",
        30,
        2,
        "Generalized advantage estimation",
        "δₜ = rₜ + γV(sₜ₊₁) − V(sₜ), Aₜ = δₜ + γλAₜ₊₁ backwards; returns Aₜ + V(sₜ)",
        "Loop t from the last step down to 0, carrying the next step's advantage; after the last step V = 0."
    ),
    exercise!(
        "5.3",
        5,
        "ppo_clip.rs",
        "ch05-ppo.md",
        25,
        2,
        "The PPO clipped objective",
        "ρ = exp(log π_new − log π_old); L = −mean min(ρA, clip(ρ, 1−ε, 1+ε)A)",
        "Tensor::clamp(lo, hi) clips; Tensor::minimum takes the element-wise min. The min (not the clip alone) is what stops the gradient once a token moved far enough."
    ),
    exercise!(
        "5.4",
        5,
        "dpo.rs",
        "ch05-dpo.md",
        20,
        2,
        "The DPO loss",
        "L = −mean log σ(β[(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))])",
        "Each answer's implicit reward is its policy log-probability minus the reference's. The margin is chosen minus rejected; scale by β and use log_sigmoid."
    ),
    // chapter 6: emergent abilities
    exercise!(
        "6.1",
        6,
        "power_law.rs",
        "ch06-scaling.md",
        30,
        2,
        "Fitting a power law",
        "fit y = a·xᵏ by least squares on (ln x, ln y); None with fewer than two usable points",
        "Leave out points with x ≤ 0 or y ≤ 0. On the logs: k = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)², ln a = ȳ − k·x̄. All x equal: no line, None."
    ),
    exercise!(
        "6.2",
        6,
        "scoring.rs",
        "ch06-mirage.md",
        20,
        1,
        "Exact match and per-character accuracy",
        "score an answer all-or-nothing, and with partial credit per character in place",
        "Trim both strings. Count chars(), not bytes. Per-character accuracy divides the matches at the same position by the target's length; an empty target scores as exact match."
    ),
    exercise!(
        "6.3",
        6,
        "edit_similarity.rs",
        "ch06-mirage.md",
        30,
        2,
        "Edit similarity",
        "1 − Levenshtein distance / the longer length: partial credit that forgives a missing digit",
        "The classic table: d[i][j] = min(d[i−1][j] + 1, d[i][j−1] + 1, d[i−1][j−1] + (a[i−1] ≠ b[j−1])). Two empty strings are identical: similarity 1."
    ),
    exercise!(
        "6.4",
        6,
        "induction.rs",
        "ch06-induction-heads.md",
        30,
        3,
        "The induction score",
        "mean attention from each position i of the second copy to i − n + 1, per head",
        "map is [B, H, 2n, 2n]. For i in n..2n read map[.., .., i, i − n + 1] (double_value or index), and average over the batch and the n positions, one number per head."
    ),
];
