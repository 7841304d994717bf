"""Shard folders to the formats other training stacks read: OLMo's memory-mapped token and label-mask
arrays, and Parquet for Hugging Face `datasets`."""
import json
import os

import numpy as np

from .masks import kept_targets, labels
from .shards import SplitWindows


def _frames(folder, split):
    """(first window number, tokens, matches) per frame of a split, in order."""
    first = 0
    for entry in folder.entries(split):
        shard = folder.shard(entry)
        for f in range(shard.frames):
            tokens, matches = shard.frame(f)
            yield first, tokens, matches
            first += len(tokens)


def _write_atomically(path, write):
    temporary = f"{path}.tmp-{os.getpid()}"
    write(temporary)
    os.replace(temporary, path)


def export_olmo(folder, out, mask="hapax", ngram=2, seed=0):
    """Per split, `SPLIT-tokens.npy` (token ids, a flat uint16 or uint32 array without header, as OLMo's
    `data.paths` take) and `SPLIT-label-mask.npy` (one bool byte per token, `data.label_mask_paths`),
    and `olmo-data.json` with the settings to use. Window w contributes its first seq_len tokens, so
    the token array is the packed token stream itself and OLMo's instance w (chunk of seq_len tokens)
    is window w without its last token. OLMo predicts positions 1 … seq_len-1 of each instance and
    masks those whose label-mask byte is false: exactly the targets 1 … seq_len-1 the rule keeps.
    Target seq_len of each window, whose input is the next instance's first token, is not an OLMo
    target: OLMo never predicts across instances (1 target in seq_len)."""
    os.makedirs(out, exist_ok=True)
    seq_len = folder.seq_len
    dtype = np.uint16 if folder.vocab_size <= 1 << 16 else np.uint32
    settings = {"memmap_dtype": np.dtype(dtype).name, "max_sequence_length": seq_len, "splits": {}}
    for split in ("train", "val"):
        instances = len(SplitWindows(folder, split))
        if not instances:
            continue
        token_path, mask_path = (os.path.join(out, f"{split}-{kind}.npy") for kind in ("tokens", "label-mask"))

        def write(token_file, mask_file):
            with open(token_file, "wb") as tokens_out, open(mask_file, "wb") as masks_out:
                for first, tokens, matches in _frames(folder, split):
                    tokens_out.write(tokens[:, :seq_len].astype(dtype).tobytes())
                    keep = np.ones((len(tokens), seq_len), dtype=bool)
                    for w in range(len(tokens)):
                        keep[w, 1:] = kept_targets(matches[w], mask, ngram, first + w, seed)[: seq_len - 1]
                    masks_out.write(keep.tobytes())

        temporary = (f"{token_path}.tmp-{os.getpid()}", f"{mask_path}.tmp-{os.getpid()}")
        write(*temporary)  # both complete before either takes its name
        os.replace(temporary[0], token_path)
        os.replace(temporary[1], mask_path)
        settings["splits"][split] = {"paths": [token_path], "label_mask_paths": [mask_path], "instances": instances}
    settings.update(mask=mask, ngram=ngram)

    def write_settings(target):
        with open(target, "w") as f:
            f.write(json.dumps(settings, indent=2) + "\n")

    _write_atomically(os.path.join(out, "olmo-data.json"), write_settings)
    return settings


def export_parquet(folder, out, mask="hapax", ngram=2, seed=0):
    """Per split, `SPLIT.parquet` with one row per window: `input_ids`, the window's seq_len + 1 tokens,
    and `labels`, aligned with them (the model shifts them), -100 at position 0 and at every target the
    rule drops. `datasets.load_dataset("parquet", data_files=...)` loads it as it is."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(out, exist_ok=True)
    schema = pa.schema([("input_ids", pa.list_(pa.int32())), ("labels", pa.list_(pa.int32()))])
    written = {}
    for split in ("train", "val"):
        if not len(SplitWindows(folder, split)):
            continue
        path = os.path.join(out, f"{split}.parquet")

        def write(target):
            with pq.ParquetWriter(target, schema) as writer:
                for first, tokens, matches in _frames(folder, split):
                    rows = [labels(tokens[w], kept_targets(matches[w], mask, ngram, first + w, seed)) for w in range(len(tokens))]
                    writer.write_table(pa.table({"input_ids": list(tokens.astype(np.int32)),
                                                 "labels": [r.astype(np.int32) for r in rows]}, schema=schema))

        _write_atomically(path, write)
        written[split] = path
    return written
