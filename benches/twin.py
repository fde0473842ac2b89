"""The PyTorch twin of `cargo bench --bench throughput`: the same GPTs, batches, training step and generation,
written as a PyTorch user would write them (eager mode, nanoGPT style), so the two can be timed side by side.

    .venv/bin/python benches/twin.py [--device cpu|cuda] [--threads N] [--json] [--profile]
    make bench        # both, alternately, and the table of ratios (benches/side_by_side.py)

What is the same as jielong's bench: the model (GPT-2 blocks, pre-LayerNorm, learned positions, tied head,
block of 512, 4×128 with 4 heads and 6×256 with 8), the batch (32 × 64 tokens), the training step (zero the
gradients, forward, cross-entropy, backward, clip the gradient norm to 1, AdamW with lr 3e-3, betas 0.9/0.99,
decay 0.1 on matrices only, read the loss), bf16 by `torch.autocast`, and generation (one token at a time, 256
new tokens, with a KV cache or re-reading the context). The optimizer is `torch.optim.AdamW` as a user makes
it: PyTorch's defaults choose its implementation (on a CPU, the per-parameter loop), and the rows named
"fused AdamW" ask for the fused kernel (`fused=True`), as jielong's do; `--fused` asks for it everywhere.
"""

import argparse
import json
import math
import time
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

BATCH, BLOCK, LR, WARMUP = 32, 64, 3e-3, 5
MODELS = [("gpt 4×128", 4, 128, 4), ("gpt 6×256", 6, 256, 8)]
# (bf16, fused AdamW, name): the names jielong's bench gives the same measurements
TRAININGS = [
    (False, False, "train fp32"),
    (False, True, "train fp32, fused AdamW"),
    (True, True, "train bf16, fused AdamW"),
]


class Attention(nn.Module):
    def __init__(self, c, n_head):
        super().__init__()
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.n_head = n_head

    def forward(self, x, cache=None):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        if cache is not None:
            if cache:
                k, v = torch.cat([cache[0], k], 2), torch.cat([cache[1], v], 2)
            cache[:] = [k, v]
        causal = k.shape[2] == t and t > 1
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return self.proj(y.transpose(1, 2).contiguous().view(b, t, c))


class Block(nn.Module):
    def __init__(self, c, n_head):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = Attention(c, n_head)
        self.fc, self.fc_proj = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln1(x), cache)
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab, n_layer, c, n_head, block=512):
        super().__init__()
        self.tok_emb, self.pos_emb = nn.Embedding(vocab, c), nn.Embedding(block, c)
        self.blocks = nn.ModuleList(Block(c, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(c)
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)
        for name, p in self.named_parameters():
            if name.endswith("proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * n_layer))
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, caches=None, start=0):
        pos = torch.arange(start, start + idx.shape[1], device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(pos)
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return self.ln_f(x) @ self.tok_emb.weight.t()  # the tied head


def optimizer(model, fused):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=LR, betas=(0.9, 0.99), eps=1e-8, fused=fused or None)


def batch(vocab, device):
    x = torch.randint(vocab, (BATCH, BLOCK + 1), device=device)
    return x[:, :-1], x[:, 1:]


def loss_of(model, x, y, bf16):
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        logits = model(x)
    return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), y.reshape(-1))


def train_step(model, opt, vocab, device, bf16):
    opt.zero_grad()
    x, y = batch(vocab, device)
    loss = loss_of(model, x, y, bf16)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss.item()


def training_speed(model, vocab, device, bf16, steps, fused):
    opt = optimizer(model, fused)
    for _ in range(WARMUP):
        train_step(model, opt, vocab, device, bf16)
    clock = time.perf_counter()
    for _ in range(steps):
        train_step(model, opt, vocab, device, bf16)
    seconds = time.perf_counter() - clock
    return steps * BATCH * BLOCK / seconds, 1000 * seconds / steps


@torch.no_grad()
def generate(model, prompt, new_tokens, use_cache):
    context = list(prompt)
    caches = [[] for _ in model.blocks] if use_cache else None
    read = 0
    for _ in range(new_tokens):
        if use_cache:
            idx = torch.tensor([context[read:]], device=model.pos_emb.weight.device)
            logits = model(idx, caches, start=read)  # only the tokens the cache has not read
            read = len(context)
        else:
            logits = model(torch.tensor([context], device=model.pos_emb.weight.device))
        probs = torch.softmax(logits[0, -1].float(), -1)
        context.append(int(torch.multinomial(probs, 1)))
    return context[len(prompt):]


def generation_speed(model, prompt, new_tokens, use_cache):
    generate(model, prompt, 10, use_cache)
    clock = time.perf_counter()
    n = len(generate(model, prompt, new_tokens, use_cache))
    return n / (time.perf_counter() - clock)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def profile(vocab, device, steps):
    phases = ["batch", "forward + loss", "backward", "clip", "AdamW", "loss to host"]
    print(f"ms per training step, {steps} steps after {WARMUP} warm-up steps\n")
    print("| model | AdamW | " + " | ".join(phases) + " | total |")
    print("|---|---|" + "---:|" * len(phases) + "---:|")
    for (name, n_layer, c, n_head), use_fused in [(m, f) for m in MODELS for f in (False, True)]:
        torch.manual_seed(0)
        model = Gpt(vocab, n_layer, c, n_head).to(device)
        opt = optimizer(model, use_fused)
        spent = [0.0] * len(phases)
        for step in range(WARMUP + steps):
            laps, last = [], time.perf_counter()

            def lap():
                nonlocal last
                sync(device)
                now = time.perf_counter()
                laps.append(now - last)
                last = now

            opt.zero_grad()
            x, y = batch(vocab, device)
            lap()
            loss = loss_of(model, x, y, False)
            lap()
            loss.backward()
            lap()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            lap()
            opt.step()
            lap()
            loss.item()
            lap()
            if step >= WARMUP:
                spent = [s + l for s, l in zip(spent, laps)]
        ms = [1000 * s / steps for s in spent]
        kind = "fused" if use_fused else "default"
        print(f"| {name} | {kind} | " + " | ".join(f"{m:.2f}" for m in ms) + f" | {sum(ms):.2f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0 = PyTorch's default)")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--vocab-size", type=int, default=63, help="jielong's bench reports its own")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--fused", action="store_true", help="torch.optim.AdamW(fused=True)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    device, vocab = torch.device(a.device), a.vocab_size
    if not a.json:
        print(f"device: {device} ({torch.get_num_threads()} threads), torch {torch.__version__}\n")
    if a.profile:
        return profile(vocab, device, a.steps)
    if not a.json:
        print("| model | parameters | measurement | tokens/s | ms |\n|---|---:|---|---:|---:|")
    prompt = [1, 2, 3, 4]
    for name, n_layer, c, n_head in MODELS:
        torch.manual_seed(0)
        model = Gpt(vocab, n_layer, c, n_head).to(device)
        params = sum(p.numel() for p in model.parameters())
        rows = []
        for bf16, fused, what in TRAININGS:
            tps, ms = training_speed(model, vocab, device, bf16, a.steps, fused or a.fused)
            rows.append((what, tps, ms))
        model.eval()
        for use_cache in (True, False):
            tps = generation_speed(model, prompt, a.new_tokens, use_cache)
            rows.append(("generate (KV cache)" if use_cache else "generate (no cache)", tps, 1000 / tps))
        for what, tps, ms in rows:
            m = dict(model=name, parameters=params, what=what, tokens_per_sec=tps, ms=ms)
            if a.json:
                print(json.dumps(m, ensure_ascii=False), flush=True)
            else:
                print(f"| {name} | {params} | {what} | {tps:.0f} | {ms:.2f} |", flush=True)


if __name__ == "__main__":
    main()
