#!/usr/bin/env python3
"""hapax-train's GPT, trained in PyTorch on hapax shards through the hapax_shards package: the same
model (tools/torch_reference.py, nanoGPT's names), initialisation scheme, masked loss, AdamW, learning
rate schedule, gradient clipping and batch order, with hapax-train's flag names and defaults. It runs
alone or under torchrun with DistributedDataParallel (NCCL on GPUs, gloo on CPUs); --batch-size is the
global batch, split evenly over the ranks. It writes a run folder that `hapax-train eval`, `sample` and
`analyze` read: config.json, model.safetensors, metrics.jsonl and the tokenizer's copy.

    python tools/train_torch.py --data shards --out runs/torch --steps 1000
    torchrun --nproc_per_node 8 tools/train_torch.py --data shards --out runs/torch --batch-size 256

Needs torch, numpy, safetensors and the package in tools/hapax_shards (tools/setup-torch.sh).
"""
import argparse
import json
import math
import os
import pathlib
import shutil
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import save_file
from torch.utils.data import DataLoader

from hapax_shards import HapaxDataset, ShardError, ShardFolder
from hapax_shards.masks import IGNORE_INDEX, check_rule
from hapax_shards.torch_data import epoch_order

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from torch_reference import Reference  # noqa: E402


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--data", required=True, help="Shard folder written by hapax-prep shard.")
    add("--out", required=True, help="Run folder.")
    add("--mask", default="hapax", help="hapax, none, repeat, offset, or random:P.")
    add("--ngram", type=int, default=2, help="n of the hapax rule.")
    add("--layers", type=int, default=4, help="Transformer blocks.")
    add("--heads", type=int, default=4, help="Attention heads per block.")
    add("--width", type=int, default=256, help="Model width.")
    add("--batch-size", type=int, default=16, help="Windows per optimizer step, over all ranks.")
    add("--steps", type=int, default=1000, help="Optimizer steps.")
    add("--lr", type=float, default=1e-3, help="Peak learning rate.")
    add("--warmup", type=int, default=100, help="Linear warm-up steps.")
    add("--weight-decay", type=float, default=0.1, help="AdamW weight decay on matrices and embeddings.")
    add("--clip", type=float, default=1.0, help="Largest global gradient norm (0: no clipping).")
    add("--seed", type=int, default=1, help="Seed of initialisation, shuffling and random masks.")
    add("--eval-every", type=int, default=100, help="Validate every N steps (0: only at the end).")
    add("--eval-windows", type=int, default=64, help="Validation windows (the first ones of the val split).")
    add("--attention-only", action="store_true", help="Blocks without MLPs.")
    add("--tied-embeddings", action="store_true", help="Tie the LM head to the token embeddings.")
    add("--threads", type=int, default=0, help="CPU threads per rank (0: PyTorch's default).")
    add("--loader-workers", type=int, default=2, help="Data-loader processes per rank, decompressing windows.")
    add("--device", choices=["auto", "cpu", "cuda"], default="auto",
        help="Where to train: cuda (one GPU per rank, the rank's LOCAL_RANK), cpu, or auto (cuda when there is one).")
    add("--dtype", choices=["fp32", "bf16"], default="fp32",
        help="fp32, or bf16 autocast of the forward pass (weights, optimizer and loss stay fp32).")
    args = parser.parse_args(argv)
    check(parser, args)
    return args


def check(parser, args):
    """Refuses, in one line naming the option, what would otherwise fail later or train on nonsense."""
    for name in ("layers", "heads", "width", "batch_size", "steps", "eval_windows"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("warmup", "eval_every", "threads", "loader_workers"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must not be negative")
    if args.width % args.heads:
        parser.error(f"--width {args.width} must be a multiple of --heads {args.heads}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        parser.error("--lr must be a positive number")
    if not (math.isfinite(args.clip) and args.clip >= 0):
        parser.error("--clip must be a number, 0 or more")
    try:
        check_rule(args.mask, args.ngram)
    except ValueError as error:
        parser.error(f"--mask/--ngram: {error}")
    try:
        ShardFolder(args.data)
    except ShardError as error:
        parser.error(f"--data: {error}")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: PyTorch sees no GPU here")


def learning_rate(args, step):
    """Linear warm-up to the peak, then cosine decay to a tenth of it at the last step (hapax-train's)."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    minimum = args.lr / 10
    progress = min((step - args.warmup) / max(1, args.steps - 1 - args.warmup), 1.0)
    return minimum + 0.5 * (1 + math.cos(math.pi * progress)) * (args.lr - minimum)


def initialize(model, layers, seed):
    """hapax-train's scheme: N(0, 0.02) weights, 0.02/√(2·layers) for the residual projections, zero
    biases, unit LayerNorm gains (its draws come from another generator, so the values differ)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_tensors().items():
            if name.endswith(".bias"):
                p.zero_()
            elif "ln_" in name:
                p.fill_(1)
            else:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith("c_proj.weight") else 0.02
                p.copy_(torch.randn(p.shape, generator=generator) * std)


class StepBatches:
    """hapax-train's batches, as a batch sampler: the train windows in one shuffle per epoch, read as
    one stream across epochs, `batch` windows per step; rank r of R takes the r-th of R equal slices
    of each step's batch."""

    def __init__(self, windows, seed, batch, rank, ranks, steps):
        self.windows, self.seed, self.steps = windows, seed, steps
        self.share = batch // ranks
        self.first = rank * self.share
        self.batch = batch

    def __len__(self):
        return self.steps

    def __iter__(self):
        epoch, order = None, None
        for step in range(self.steps):
            indices = []
            for position in range(step * self.batch + self.first, step * self.batch + self.first + self.share):
                if position // self.windows != epoch:
                    epoch = position // self.windows
                    order = epoch_order(self.windows, self.seed, epoch)
                indices.append(int(order[position % self.windows]))
            yield indices


def stack(examples):
    return {key: torch.from_numpy(np.stack([e[key] for e in examples])) for key in ("input_ids", "labels")}


def evaluate(model, data, windows, device, autocast):
    """Validation losses over all targets of the first `windows` val windows, and over those hapax
    n = 2 keeps and drops, whatever the training mask (as hapax-train's evaluation)."""
    sums = {"all": 0.0, "kept": 0.0, "dropped": 0.0}
    counts = {"kept": 0, "dropped": 0}
    with torch.no_grad():
        for start in range(0, min(len(data), windows), 8):
            batch = [data.window(k) for k in range(start, min(start + 8, len(data), windows))]
            tokens = torch.tensor(np.stack([t for t, _ in batch])).to(device)
            dropped = torch.tensor(np.stack([m for _, m in batch]))[:, 1:] >= 2
            with autocast():
                logits = model(tokens[:, :-1])
            losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1),
                                     reduction="none").double().cpu()
            dropped = dropped.reshape(-1)
            sums["all"] += losses.sum().item()
            sums["kept"] += losses[~dropped].sum().item()
            sums["dropped"] += losses[dropped].sum().item()
            counts["kept"] += int((~dropped).sum())
            counts["dropped"] += int(dropped.sum())
    targets = counts["kept"] + counts["dropped"]
    return {"val_loss_all": sums["all"] / targets, "val_loss_kept": sums["kept"] / counts["kept"] if counts["kept"] else None,
            "val_loss_dropped": sums["dropped"] / counts["dropped"] if counts["dropped"] else None}


def write_run_folder(args, out, data, model_config):
    """config.json as hapax-train writes it, with the tokenizer copied and its identity recorded."""
    out.mkdir(parents=True, exist_ok=True)
    identity = dict(data.folder.parameters["tokenizer"])
    name = pathlib.Path(identity["file"]).name
    (out / "tokenizer").mkdir(exist_ok=True)
    shutil.copyfile(pathlib.Path(args.data) / identity["file"], out / "tokenizer" / name)
    identity["file"] = f"tokenizer/{name}"
    training = {"data": args.data, "mask": args.mask, "ngram": args.ngram, "batch_size": args.batch_size, "steps": args.steps,
                "learning_rate": args.lr, "warmup": args.warmup, "weight_decay": args.weight_decay, "gradient_clip": args.clip,
                "seed": args.seed, "threads": args.threads, "eval_every": args.eval_every, "eval_windows": args.eval_windows,
                "checkpoint_every": 0}
    atomic_write(out / "config.json", json.dumps({**model_config, "training": training, "tokenizer": identity},
                                                  indent=2, sort_keys=True).encode() + b"\n")


def finite(record):
    """The record with non-finite numbers as None, so that metrics.jsonl stays JSON (hapax-train writes null)."""
    return {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in record.items()}


def atomic_write(path, data):
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def main(argv=None):
    args = arguments(argv)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    kind = args.device if args.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if kind == "cuda" else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)  # before NCCL starts, so that each rank's communicator uses its own GPU
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank, ranks = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    if args.batch_size % ranks:
        sys.exit(f"train_torch: --batch-size {args.batch_size} must be a multiple of the {ranks} ranks")
    if args.threads:
        torch.set_num_threads(args.threads)

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.dtype == "bf16")

    train = HapaxDataset(args.data, "train", args.mask, args.ngram, args.seed)
    val = HapaxDataset(args.data, "val")
    model_config = {"layers": args.layers, "heads": args.heads, "width": args.width, "vocab_size": train.folder.vocab_size,
                    "context": train.seq_len, "attention_only": args.attention_only, "tied_embeddings": args.tied_embeddings}
    model = Reference(model_config)
    initialize(model, args.layers, args.seed)
    model.to(device)
    trained = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    tensors = model.named_tensors()
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in tensors.values() if p.dim() >= 2], "weight_decay": args.weight_decay},
         {"params": [p for p in tensors.values() if p.dim() < 2], "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    out = pathlib.Path(args.out)
    if rank == 0:
        write_run_folder(args, out, train, model_config)
        metrics = open(out / "metrics.jsonl", "w")
    batches = DataLoader(train, batch_sampler=StepBatches(len(train), args.seed, args.batch_size, rank, ranks, args.steps),
                         collate_fn=stack, num_workers=args.loader_workers, pin_memory=device.type == "cuda")

    start = time.perf_counter()
    began = time.perf_counter()
    for step, batch in enumerate(batches):
        rate = learning_rate(args, step)
        tokens = batch["input_ids"].to(device, non_blocking=True)
        targets = batch["labels"].to(device, non_blocking=True)[:, 1:]
        kept = targets != IGNORE_INDEX
        with autocast():
            logits = trained(tokens[:, :-1])
        losses = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1), reduction="none")
        local = losses[kept.reshape(-1)].sum()
        totals = torch.stack([local.detach().double(), kept.sum().double()])
        if distributed:
            dist.all_reduce(totals)
        loss_sum, kept_count = totals.tolist()
        if not math.isfinite(loss_sum):
            if rank == 0:
                metrics.write(json.dumps(finite({"step": step + 1, "lr": rate, "train_loss": loss_sum}), sort_keys=True) + "\n")
                metrics.close()
            sys.exit(f"train_torch: the training loss diverged at step {step + 1} (not finite); lower --lr or raise --warmup "
                     f"(the model was not saved)")
        # The mean over the global batch's kept targets: DDP averages the ranks' gradients, so each
        # rank scales its sum by ranks / (kept targets of all ranks).
        (local * ranks / max(kept_count, 1)).backward()
        record = {"step": step + 1, "lr": rate, "kept_share": kept_count / (args.batch_size * train.seq_len)}
        if kept_count > 0:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip if args.clip > 0 else float("inf"))
            for group in optimizer.param_groups:
                group["lr"] = rate
            optimizer.step()
            record.update(train_loss=loss_sum / kept_count, grad_norm=norm.item())
        else:
            record["train_loss"] = None
        optimizer.zero_grad(set_to_none=True)
        record["tokens_per_second"] = args.batch_size * train.seq_len / (time.perf_counter() - began)
        began = time.perf_counter()
        finished = step + 1 == args.steps
        if rank == 0:
            if (finished or (args.eval_every and (step + 1) % args.eval_every == 0)) and len(val):
                model.eval()
                record.update(evaluate(model, val, args.eval_windows, device, autocast))
                model.train()
            metrics.write(json.dumps(finite(record), sort_keys=True, separators=(",", ":")) + "\n")
            metrics.flush()
            elapsed = time.perf_counter() - start
            print(f"step {step + 1}/{args.steps}  loss {record['train_loss'] or float('nan'):.4f}  lr {rate:.2e}  "
                  f"ETA {elapsed / (step + 1) * (args.steps - step - 1):.0f} s"
                  + (f"  val {record['val_loss_all']:.4f}" if "val_loss_all" in record else ""), file=sys.stderr)
    if rank == 0:
        metrics.close()
        weights = {name: p.detach().cpu().float().contiguous() for name, p in model.named_tensors().items()}
        temporary = out / f"model.safetensors.tmp-{os.getpid()}"
        save_file(weights, str(temporary))
        os.replace(temporary, out / "model.safetensors")
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
