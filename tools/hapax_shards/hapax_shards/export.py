"""Shard folders to the formats other training stacks read: OLMo's memory-mapped token and label-mask
arrays, and Parquet for Hugging Face `datasets`."""
import json
import os

import numpy as np

from .masks import DEFAULT_SEED, check_rule, kept_targets, labels
from .shards import ShardError, SplitWindows


def _frames(folder, split):
    """(first window number, tokens, matches) per frame of a split, in order."""
    first = 0
    for entry in folder.entries(split):
        shard = folder.shard(entry)
        for f in range(shard.frames):
            tokens, matches = shard.frame(f)
            yield first, tokens, matches
            first += len(tokens)


def _write_atomically(paths, write):
    """Calls write(*temporaries) and gives every file its name only once all are complete; on any
    failure no temporary file is left behind."""
    temporaries = [f"{path}.tmp-{os.getpid()}" for path in paths]
    try:
        write(*temporaries)
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
    finally:
        for temporary in temporaries:
            if os.path.exists(temporary):
                os.remove(temporary)


def _prepare(out, mask, ngram):
    """Checks the rule and makes the output folder, before any file is written."""
    check_rule(mask, ngram)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as error:
        raise ShardError(f"{out}: cannot create the output folder: {error.strerror}") from None
    if not os.access(out, os.W_OK):
        raise ShardError(f"{out}: the output folder is not writable")


def export_olmo(folder, out, mask="hapax", ngram=2, seed=DEFAULT_SEED):
    """Per split, `SPLIT-tokens.npy` (token ids, a flat uint16 or uint32 array without header, as OLMo's
    `data.paths` take) and `SPLIT-label-mask.npy` (one bool byte per token, `data.label_mask_paths`),
    and `olmo-data.json` with the settings to use. Window w contributes its first seq_len tokens, so
    the token array is the packed token stream itself and OLMo's instance w (chunk of seq_len tokens)
    is window w without its last token. OLMo predicts positions 1 … seq_len-1 of each instance and
    masks those whose label-mask byte is false: exactly the targets 1 … seq_len-1 the rule keeps.
    Target seq_len of each window, whose input is the next instance's first token, is not an OLMo
    target: OLMo never predicts across instances (1 target in seq_len)."""
    _prepare(out, mask, ngram)
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

        _write_atomically([token_path, mask_path], write)
        settings["splits"][split] = {"paths": [token_path], "label_mask_paths": [mask_path], "instances": instances}
    settings.update(mask=mask, ngram=ngram, seed=seed)

    def write_settings(target):
        with open(target, "w") as f:
            f.write(json.dumps(settings, indent=2) + "\n")

    _write_atomically([os.path.join(out, "olmo-data.json")], write_settings)
    return settings


def export_parquet(folder, out, mask="hapax", ngram=2, seed=DEFAULT_SEED):
    """Per split, `SPLIT.parquet` with one row per window: `input_ids`, the window's seq_len + 1 tokens,
    and `labels`, aligned with them (the model shifts them), -100 at position 0 and at every target the
    rule drops. `datasets.load_dataset("parquet", data_files=...)` loads it as it is. The rule is
    recorded in the schema's metadata under `hapax` (JSON: mask, ngram, seed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _prepare(out, mask, ngram)
    schema = pa.schema([("input_ids", pa.list_(pa.int32())), ("labels", pa.list_(pa.int32()))],
                       metadata={"hapax": json.dumps({"mask": mask, "ngram": ngram, "seed": seed})})
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

        _write_atomically([path], write)
        written[split] = path
    return written
