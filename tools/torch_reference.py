#!/usr/bin/env python3
"""A PyTorch reference of hapax's GPT (nanoGPT's module names and layouts), for parity checks.

    fixture   write Tests/TrainingTests/Fixtures/*.safetensors: seeded weights, a batch, a loss mask,
              and the float64 reference loss and gradients; the Swift tests compare against them,
              so CI needs no PyTorch.
    eval      load a hapax run (config.json, model.safetensors) and compute its validation losses
              on the run's shards, as `hapax-train eval --json` does.

Needs torch, numpy, safetensors and zstandard, in a virtual environment outside the repository
(PyTorch is large): python -m venv /tmp/torch && /tmp/torch/bin/pip install torch numpy safetensors zstandard
"""
import argparse
import json
import pathlib
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

ROOT = pathlib.Path(__file__).resolve().parents[1]


class Block(nn.Module):
    def __init__(self, width, heads, attention_only):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(width, 3 * width)
        self.attn.c_proj = nn.Linear(width, width)
        self.attention_only = attention_only
        if not attention_only:
            self.ln_2 = nn.LayerNorm(width)
            self.mlp = nn.Module()
            self.mlp.c_fc = nn.Linear(width, 4 * width)
            self.mlp.c_proj = nn.Linear(4 * width, width)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.attn.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.attn.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        if not self.attention_only:
            x = x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)), approximate="tanh"))
        return x


class Reference(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        C = config["width"]
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config["vocab_size"], C),
            wpe=nn.Embedding(config["context"], C),
            h=nn.ModuleList([Block(C, config["heads"], config["attention_only"]) for _ in range(config["layers"])]),
            ln_f=nn.LayerNorm(C),
        ))
        self.lm_head = nn.Linear(C, config["vocab_size"], bias=False)
        if config["tied_embeddings"]:
            self.lm_head.weight = self.transformer.wte.weight

    def forward(self, inputs):
        T = inputs.shape[1]
        x = self.transformer.wte(inputs) + self.transformer.wpe(torch.arange(T, device=inputs.device))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))

    def named_tensors(self):
        """The hapax layout: every parameter once, the tied head under the embedding's name."""
        return {name: p for name, p in self.named_parameters() if not (name == "lm_head.weight" and self.config["tied_embeddings"])}

    def load(self, tensors):
        with torch.no_grad():
            for name, p in self.named_tensors().items():
                p.copy_(tensors[name].to(p.dtype))


def masked_loss(logits, targets, kept):
    losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    return losses[kept.reshape(-1)].mean(), losses


def fixture(args):
    configs = {
        "reference-full": dict(layers=2, heads=2, width=16, vocab_size=37, context=8, attention_only=False, tied_embeddings=False, batch=3),
        "reference-attention-only-tied": dict(layers=2, heads=4, width=16, vocab_size=29, context=8, attention_only=True, tied_embeddings=True, batch=2),
    }
    for seed, (name, config) in enumerate(configs.items()):
        rng = np.random.default_rng(seed)
        model = Reference(config).double()
        tensors = {}
        for tensor_name, p in model.named_tensors().items():
            if tensor_name.endswith(".bias"):
                values = rng.normal(0, 0.1, p.shape)
            elif "ln_" in tensor_name:
                values = 1 + rng.normal(0, 0.1, p.shape)
            else:
                values = rng.normal(0, 0.3, p.shape)
            tensors[tensor_name] = torch.tensor(values.astype(np.float32))
        model.load(tensors)
        B, T, V = config["batch"], config["context"], config["vocab_size"]
        inputs = torch.tensor(rng.integers(0, V, (B, T)))
        targets = torch.tensor(rng.integers(0, V, (B, T)))
        kept = torch.tensor(rng.random((B, T)) < 0.7)
        loss, _ = masked_loss(model(inputs), targets, kept)
        loss.backward()
        out = {k: v.contiguous() for k, v in tensors.items()}
        for tensor_name, p in model.named_tensors().items():
            out["grad." + tensor_name] = p.grad.float().contiguous()
        out["inputs"] = inputs.float()
        out["targets"] = targets.float()
        out["kept"] = kept.float()
        path = ROOT / "Tests/TrainingTests/Fixtures" / f"{name}.safetensors"
        save_file(out, str(path), metadata={"config": json.dumps(config), "loss": repr(loss.item())})
        print(f"wrote {path} (loss {loss.item():.8f})")


def read_val_windows(folder, limit=None):
    sys.path.insert(0, str(ROOT / "Tests/parity"))
    import shard_spec
    manifest = shard_spec.manifest(folder)
    tokens, matches = [], []
    for entry in manifest["splits"]["val"]["shards"]:
        _, t, m = shard_spec.read_shard(pathlib.Path(folder) / entry["file"])
        tokens.append(t)
        matches.append(m)
    tokens, matches = np.concatenate(tokens), np.concatenate(matches)
    return (tokens[:limit], matches[:limit]) if limit else (tokens, matches)


def evaluate(args):
    run = pathlib.Path(args.run)
    config = json.loads((run / "config.json").read_text())
    model = Reference(config)
    model.load(load_file(str(run / "model.safetensors")))
    tokens, matches = read_val_windows(args.data or config["training"]["data"], args.windows)
    total = kept_sum = dropped_sum = 0.0
    kept_count = dropped_count = 0
    with torch.no_grad():
        for start in range(0, len(tokens), 8):
            window = torch.tensor(tokens[start:start + 8].astype(np.int64))
            _, losses = masked_loss(model(window[:, :-1]), window[:, 1:], torch.ones_like(window[:, 1:], dtype=torch.bool))
            losses = losses.double().numpy()
            dropped = (matches[start:start + 8, 1:] >= 2).reshape(-1)
            total += losses.sum()
            kept_sum += losses[~dropped].sum()
            dropped_sum += losses[dropped].sum()
            kept_count += int((~dropped).sum())
            dropped_count += int(dropped.sum())
    print(json.dumps({"loss_all": total / (kept_count + dropped_count), "loss_kept": kept_sum / max(kept_count, 1),
                      "loss_dropped": dropped_sum / dropped_count if dropped_count else None,
                      "targets": kept_count + dropped_count}, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fixture")
    ev = commands.add_parser("eval")
    ev.add_argument("--run", required=True)
    ev.add_argument("--data")
    ev.add_argument("--windows", type=int)
    args = parser.parse_args()
    torch.manual_seed(0)
    {"fixture": fixture, "eval": evaluate}[args.command](args)


if __name__ == "__main__":
    main()
