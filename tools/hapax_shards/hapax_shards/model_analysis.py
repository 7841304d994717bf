"""hapax's measures for any `transformers` causal LM, by the definitions `hapax-train analyze` and
`hapax-train icl` use, so that models trained in GPT-NeoX, OLMo or PyTorch are measured alike:

- prefix matching of every head (attention from position R+i of a repeated random sequence to key i+1),
  read from eager attention, and the induction heads at or above a threshold;
- the repetition test (greedy accuracy on `r1 … rs r1 … r(s-1)`, losses on the first and second copy);
- with shards: the same on tokens frequent in the training split, the kept/dropped validation losses
  (hapax n = 2) and the token-loss difference;
- with task files: few-shot accuracy, prompts and trials drawn as `hapax-train icl` draws them.

Random sequences come from the same SplitMix64 draws as hapax's, so a model exported by `hapax-train
export --format hf` gets the scores its run gets. Needs torch and transformers.
"""
import json
import math
import os
import sys
import time

import numpy as np

from .masks import kept_targets
from .shards import ShardError, ShardFolder, SplitWindows
from .tokenizer_files import TokenizerFile, same_tokens

# What `hapax-train export --format hf` writes beside the model: the run's tokenizer identity, `file`
# naming the copy of the tokenizer relative to the folder.
EXPORT_RECORD = "hapax_tokenizer.json"

MASK64 = (1 << 64) - 1


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class SplitMix64:
    """hapax's seeded generator (SeededRandom/SplitMix64.swift)."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        return mix(self.state)


def random_sequences(pool, count, length, seed):
    """`count` sequences of `length` distinct ids of `pool`, drawn as TokenPool.sequences draws them."""
    generator = SplitMix64(seed)
    sequences = []
    for _ in range(count):
        chosen, seen = [], set()
        while len(chosen) < length:
            token = pool[generator.next() % len(pool)]
            if token not in seen:
                seen.add(token)
                chosen.append(token)
        sequences.append(chosen)
    return sequences


def checked_device(name):
    """The torch device `--device` names, refused in one line when this machine's PyTorch lacks it."""
    import torch

    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ShardError(f"--device {name}: not a device (cpu, cuda, cuda:N or mps)") from None
    present = {"cpu": lambda: 1, "cuda": torch.cuda.device_count,
               "mps": lambda: int(torch.backends.mps.is_available())}
    if device.type not in present:
        raise ShardError(f"--device {name}: hapax-shards analyze runs on cpu, cuda or mps")
    count = present[device.type]()
    if count == 0:
        raise ShardError(f"--device {name}: this machine's PyTorch has no {device.type} device")
    if device.index is not None and device.index >= count:
        raise ShardError(f"--device {name}: this machine has {count} {device.type} device(s), numbered from 0")
    return device


class ModelUnderTest:
    """A causal LM loaded with eager attention (its attention probabilities are then returned)."""

    def __init__(self, path, device="cpu", batch=16):
        import torch
        from transformers import AutoModelForCausalLM
        from transformers.utils import logging

        # Loading's progress bars would turn a one-line refusal of the model's inputs into several.
        logging.disable_progress_bar()
        self.torch = torch
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise ShardError(f"{path}: no config.json (not a transformers model folder)")
        try:
            self.model = AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager", dtype=torch.float32)
        except Exception as error:  # transformers and safetensors raise many kinds for a damaged folder
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ShardError(f"{path}: cannot load the model ({type(error).__name__}: {reason})") from None
        self.model.to(device).eval()
        self.device, self.batch, self.path = device, batch, path
        config = self.model.config
        self.vocab_size = self.model.get_input_embeddings().num_embeddings
        self.context = getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None) or 2048
        self.attention_layers = self._attention_layers()

    def _attention_layers(self):
        """The index in the model of the layer of each attention map the model returns. A hybrid
        model (Jamba) returns maps only for its attention layers, so their position in the tuple is not
        their layer: each map is traced to the module that returned it, and that module's `layer_idx`
        (or the first number in its name, as in `model.layers.3.self_attn`) is its layer."""
        torch = self.torch
        refusal = (f"{self.path}: {type(self.model).__name__} returns no attention probabilities (an attention-free model such "
                   "as Mamba has none), and prefix matching measures them")
        # Before any forward pass, whose kernel notes would bury the refusal.
        if not any("Attention" in type(module).__name__ for module in self.model.modules()):
            raise ShardError(refusal)
        returned = []  # (tensor, module name, module); holding the tensors keeps their ids from being reused

        def record(module_name):
            def hook(module, inputs, output):
                for item in output if isinstance(output, tuple) else (output,):
                    if torch.is_tensor(item):
                        returned.append((item, module_name, module))
            return hook

        hooks = [module.register_forward_hook(record(name)) for name, module in self.model.named_modules() if name]
        try:
            with torch.no_grad():
                out = self.model(input_ids=torch.zeros((1, 4), dtype=torch.long, device=self.device), output_attentions=True, use_cache=False)
        finally:
            for hook in hooks:
                hook.remove()
        maps = getattr(out, "attentions", None)
        if not maps or any(a is None for a in maps):
            raise ShardError(refusal)
        layers = []
        for attention in maps:
            name, module = next(((name, module) for item, name, module in returned if item is attention), ("", None))
            index = getattr(module, "layer_idx", None)
            if index is None:
                index = next((int(part) for part in name.split(".") if part.isdigit()), None)
            if index is None:
                return list(range(len(maps)))
            layers.append(index)
        return layers

    def run(self, sequences, attentions=False):
        """Logits (and per-layer attention probabilities) of equal-length sequences, in batches."""
        torch = self.torch
        for start in range(0, len(sequences), self.batch):
            ids = torch.tensor(sequences[start:start + self.batch], dtype=torch.long, device=self.device)
            with torch.no_grad():
                out = self.model(input_ids=ids, output_attentions=attentions, use_cache=False)
            yield out.logits.float(), (out.attentions if attentions else None)


def prefix_matching(model, halves):
    """`[layer][head]` mean attention from position R+i to key i+1, i = 0 … R-2."""
    R = len(halves[0])
    total = None
    for _, attentions in model.run([h + h for h in halves], attentions=True):
        rows = np.arange(R - 1)
        per_layer = [a[:, :, R + rows, rows + 1].double().mean(dim=2).sum(dim=0).cpu().numpy() for a in attentions]
        batch_sum = np.stack(per_layer)
        total = batch_sum if total is None else total + batch_sum
    return (total / len(halves)).tolist()


def repetition(model, halves):
    """Greedy accuracy on the last token of `r1 … rs r1 … rs` and mean losses on both copies."""
    torch = model.torch
    s = len(halves[0])
    correct, first, second = 0, 0.0, 0.0
    for start, (logits, _) in zip(range(0, len(halves), model.batch), model.run([h + h for h in halves])):
        batch = halves[start:start + model.batch]
        sequences = torch.tensor([h + h for h in batch], dtype=torch.long, device=logits.device)
        losses = torch.nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), sequences[:, 1:], reduction="none").double()
        first += losses[:, :s - 1].mean(dim=1).sum().item()
        second += losses[:, s:2 * s - 1].mean(dim=1).sum().item()
        best = logits[:, 2 * s - 2].argmax(dim=-1)
        correct += int((best == sequences[:, s - 1]).sum().item())
    n = len(halves)
    return correct / n, first / n, second / n


def copying_measures(model, pool, args, context):
    R = min(args.repeat_length, context // 2, len(pool))
    s = min(args.repetition_length, context // 2, len(pool))
    scores = prefix_matching(model, random_sequences(pool, args.sequences, R, args.seed))
    ranked = sorted(((score, f"L{layer}H{head}") for layer, heads in zip(model.attention_layers, scores) for head, score in enumerate(heads)),
                    key=lambda item: -item[0])
    top = ranked[:10]
    accuracy, loss_first, loss_second = repetition(model, random_sequences(pool, args.repetitions, s, (args.seed + 1) & MASK64))
    return {"tokens": len(pool), "repeat_length": R, "repetition_length": s, "prefix_matching": scores,
            "attention_layers": model.attention_layers,
            "threshold": args.threshold, "induction_heads": sum(1 for score, _ in ranked if score >= args.threshold),
            "top10_mean": sum(score for score, _ in top) / len(top) if top else 0.0, "top_heads": [name for _, name in top],
            "repetition_accuracy": accuracy, "repetition_loss_first": loss_first, "repetition_loss_second": loss_second}


class TokenizerView:
    """The model's tokenizer: the file `hapax-train export` names in `hapax_tokenizer.json`, else the
    folder's `tokenizer.json`, else what `AutoTokenizer` loads from the folder. With shards, their
    tokenizer must give every id the same token (a model measured on ids of another vocabulary measures
    nothing); a model folder without a tokenizer is measured with the shards' one."""

    def __init__(self, model_path, shards, vocab_size):
        mine = model_tokenizer(model_path)
        theirs = None
        if shards is not None:
            theirs = TokenizerFile(os.path.join(shards.path, shards.parameters["tokenizer"]["file"]))
            manifest = os.path.join(shards.path, "manifest.json")
            if shards.vocab_size > vocab_size:
                raise ShardError(f"{manifest}: {shards.vocab_size} token ids, more than the {vocab_size} embeddings of "
                                 f"the model {model_path}: the shards were made with another tokenizer")
            if mine is None:
                print(f"hapax-shards: note: {model_path} has no tokenizer, so the shards' {theirs.path} cannot be checked "
                      "against it; measuring with the shards' one", file=sys.stderr)
            elif not mine.same_tokens(theirs):
                raise ShardError(f"{manifest}: made with tokenizer {theirs.describe()}, but the model has {mine.describe()}: "
                                 "their token ids mean other tokens")
        chosen = mine or theirs
        if chosen is None:
            raise ShardError(f"{model_path}: no tokenizer (tokenizer.json, or one AutoTokenizer loads) to tell ordinary ids "
                             "from special ones; give --data with shards made with the model's tokenizer")
        self.encoder = chosen.encoder
        self.ordinary = sorted(i for i in chosen.ordinary if i < vocab_size)
        if not self.ordinary:
            raise ShardError(f"{chosen.path}: no ordinary token ids below the model's {vocab_size} embeddings")

    def encode(self, text):
        return self.encoder.encode(text, add_special_tokens=False).ids

    def decode(self, ids):
        return self.encoder.decode(ids, skip_special_tokens=False)


class LoadedTokenizer:
    """What `AutoTokenizer` loads, seen as a TokenizerFile (its vocabulary and special tokens)."""

    def __init__(self, path, tokenizer):
        self.path, self.kind, self.sha256 = path, "AutoTokenizer", None
        self.encoder = getattr(tokenizer, "backend_tokenizer", None)
        self.vocabulary = tokenizer.get_vocab()
        self.special = {i: tokenizer.convert_ids_to_tokens(i) for i in tokenizer.all_special_ids}
        self.ordinary = set(self.vocabulary.values()) - set(self.special)

    def describe(self):
        return f"{self.path} (loaded by AutoTokenizer)"

    def same_tokens(self, other):
        return same_tokens(self, other)


def model_tokenizer(path):
    """The tokenizer of a model folder (see TokenizerView), or None when it has none."""
    record = os.path.join(path, EXPORT_RECORD)
    if os.path.isfile(record):
        try:
            with open(record, "rb") as f:
                identity = json.load(f)
            name, sha256 = identity["file"], identity["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ShardError(f"{record}: cannot read ({error})") from None
        tokenizer = TokenizerFile(os.path.join(path, name))
        if tokenizer.sha256 != sha256:
            raise ShardError(f"{tokenizer.path}: sha256 {tokenizer.sha256} differs from {record}'s {sha256}")
        return tokenizer
    if os.path.isfile(os.path.join(path, "tokenizer.json")):
        return TokenizerFile(os.path.join(path, "tokenizer.json"))
    try:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path)
    except Exception:  # transformers raises many kinds for a folder without a tokenizer; none is one to report
        return None
    # For a folder that names a class but has none of its files, transformers 5 returns a tokenizer of
    # that class holding only its special tokens: no tokenizer at all.
    loaded = LoadedTokenizer(path, tokenizer)
    return loaded if loaded.ordinary else None


def frequent_pool(shards, ordinary, minimum_count=10, windows=4096):
    """Ordinary ids seen at least `minimum_count` times in the first train windows (TokenPool.frequent)."""
    train = SplitWindows(shards, "train")
    counts = np.zeros(shards.vocab_size, dtype=np.int64)
    for k in range(min(windows, len(train))):
        tokens, _ = train.window(k)
        np.add.at(counts, tokens[1:][tokens[1:] < len(counts)], 1)
    return [i for i in ordinary if i < len(counts) and counts[i] >= minimum_count]


def validation(model, shards, max_windows):
    """Validation losses on all targets and on those hapax n = 2 keeps and drops, and by position."""
    torch = model.torch
    val = SplitWindows(shards, "val")
    total = min(len(val), max_windows or len(val))
    T = shards.seq_len
    if total == 0:
        return None
    if T > model.context:
        raise ShardError(f"{shards.path}: seq_len {T} is longer than the model's context {model.context}")
    sums = {"all": 0.0, "kept": 0.0, "dropped": 0.0}
    kept_count = dropped_count = 0
    by_position = np.zeros(T)
    for start in range(0, total, model.batch):
        windows = [val.window(k) for k in range(start, min(total, start + model.batch))]
        tokens = torch.tensor(np.stack([w[0] for w in windows]), dtype=torch.long, device=model.device)
        with torch.no_grad():
            logits = model.model(input_ids=tokens[:, :-1], use_cache=False).logits.float()
        losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), tokens[:, 1:], reduction="none").double().cpu().numpy()
        for row, (_, matches) in zip(losses, windows):
            kept = kept_targets(matches, "hapax", 2)
            sums["all"] += row.sum()
            sums["kept"] += row[kept].sum()
            sums["dropped"] += row[~kept].sum()
            kept_count += int(kept.sum())
            dropped_count += int((~kept).sum())
            by_position += row
    late = min(500, T)
    early = 50 if T >= 500 else max(1, late // 10)
    by_position /= total
    return {"icl_score": by_position[late - 1] - by_position[early - 1], "icl_positions": [early, late],
            "loss_all": sums["all"] / (total * T), "loss_kept": sums["kept"] / max(kept_count, 1),
            "loss_dropped": sums["dropped"] / dropped_count if dropped_count else None,
            "loss_by_position": by_position.tolist()}


def load_tasks(paths):
    """Task files, and folders in the function-vectors layout as `hapax-train icl` reads them: a folder's
    `*.json` and those of its `abstractive/` and `extractive/` subfolders, each of the family its folder
    names (`file` for a folder of another name, and for a lone file)."""
    tasks = []
    for path in map(os.fspath, paths):
        if os.path.isdir(path):
            files = [(os.path.join(sub, name), os.path.basename(os.path.normpath(sub)))
                     for sub in (path, os.path.join(path, "abstractive"), os.path.join(path, "extractive")) if os.path.isdir(sub)
                     for name in sorted(os.listdir(sub)) if name.endswith(".json")]
            if not files:
                raise ShardError(f"{path}: no task files (*.json) in it or in its abstractive/ and extractive/ folders")
        else:
            files = [(path, "file")]
        for file, family in files:
            try:
                with open(file, "rb") as f:
                    examples = [(e["input"], e["output"]) for e in json.load(f)]
                if not all(isinstance(x, str) for pair in examples for x in pair):
                    raise TypeError("an input or output is not a string")
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise ShardError(f"{file}: not a JSON list of {{\"input\": …, \"output\": …}} objects ({error})") from None
            if len(examples) < 2:
                raise ShardError(f"{file}: a task needs at least 2 examples")
            name = os.path.splitext(os.path.basename(file))[0]
            tasks.append((name, family if family in ("abstractive", "extractive") else "file", examples))
    return tasks


def trials(name, examples, shots, count, seed):
    """The prompts and expected outputs of a task's trials, drawn as FewShotEvaluator.trials draws them."""
    fnv = 0xCBF29CE484222325
    for byte in name.encode():
        fnv = ((fnv ^ byte) * 0x100000001B3) & MASK64
    generator = SplitMix64(mix(seed ^ fnv))
    picks = min(shots + 1, len(examples))
    cases = []
    for _ in range(count):
        chosen = []
        while len(chosen) < picks:
            k = generator.next() % len(examples)
            if k not in chosen:
                chosen.append(k)
        prompt = "".join(f"Q: {examples[k][0]}\nA: {examples[k][1]}\n\n" for k in chosen[:-1]) + f"Q: {examples[chosen[-1]][0]}\nA:"
        cases.append((prompt, examples[chosen[-1]][1]))
    return cases


def wilson(correct, n, z=1.959964):
    p = correct / max(n, 1)
    n = max(n, 1)
    center = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, center - half), min(1.0, center + half)


def few_shot(model, tokenizer, tasks, shots, count, seed):
    """Greedy continuation until a newline; correct when the line, trimmed, is the output."""
    torch = model.torch
    results = []
    for name, family, examples in tasks:
        correct = first_correct = 0
        cases = trials(name, examples, shots, count, seed)
        for prompt, expected in cases:
            answer = tokenizer.encode(" " + expected)
            budget = min(len(answer) + 1, model.context - 1)
            ids = tokenizer.encode(prompt)[-(model.context - budget):]
            generated = []
            while len(generated) < budget and len(ids) + len(generated) < model.context \
                    and "\n" not in tokenizer.decode(generated):
                with torch.no_grad():
                    logits = model.model(input_ids=torch.tensor([ids + generated], device=model.device), use_cache=False).logits
                generated.append(int(logits[0, -1].argmax()))
            line = tokenizer.decode(generated).split("\n", 1)[0]
            correct += line.strip(" \t") == expected.strip(" \t")

            def first_content(tokens):
                return next((t for t in tokens if tokenizer.decode([t]).strip()), None)

            mine = first_content(generated)
            first_correct += mine is not None and mine == first_content(answer)
        low, high = wilson(correct, len(cases))
        results.append({"task": name, "family": family, "trials": len(cases), "accuracy": correct / len(cases),
                        "low": low, "high": high, "first_token_accuracy": first_correct / len(cases)})
    families = {}
    for r in results:
        families.setdefault(r["family"], []).append(r["accuracy"])
    return {"shots": shots, "seed": seed, "tasks": results, "families": {k: sum(v) / len(v) for k, v in families.items()}}


def analyze(args):
    """The analysis of one model: hapax-train analyze's JSON fields, plus `icl` with --tasks."""
    start = time.monotonic()
    device = checked_device(args.device)
    shards = ShardFolder(args.data) if args.data else None
    model = ModelUnderTest(args.model, device)
    tokenizer = TokenizerView(args.model, shards, model.vocab_size)
    # R and s are bounded by the model's context alone, so that the shards given (or none) never change
    # the probes, as hapax-train analyze bounds them by the run's.
    context = model.context
    report = copying_measures(model, tokenizer.ordinary, args, context)
    report.update({"step": None, "sequences": args.sequences, "repetitions": args.repetitions, "seed": args.seed})
    if shards is not None:
        pool = frequent_pool(shards, tokenizer.ordinary)
        if len(pool) >= 4:
            report["frequent"] = copying_measures(model, pool, args, context)
        evaluation = validation(model, shards, args.eval_windows)
        if evaluation:
            report.update(evaluation)
    if args.tasks:
        if tokenizer.encoder is None:
            raise ShardError(f"{args.model}: few-shot tasks need a tokenizer.json (in the model folder or the shards)")
        report["icl"] = few_shot(model, tokenizer, load_tasks(args.tasks), args.shots, args.trials, args.seed)
    report["model"] = os.path.abspath(args.model)
    report["seconds"] = time.monotonic() - start
    return {k: v for k, v in report.items() if v is not None}
