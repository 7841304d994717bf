"""`hapax-prep export --format megatron` as megatron-core's IndexedDataset reads it: text document w is
window w's first seq_len tokens, label document w is -100 then each kept target's token; and NeoX's
batch rule (labels shifted by one, negatives not trained, a sample being a window plus the next
document's first token) trains on exactly the targets hapax-train keeps: `kept_targets`, which
test_bridge.py checks against hapax-train itself."""
import os
import pathlib
import subprocess
import warnings

import numpy as np
import pytest

from hapax_shards import HapaxDataset, kept_targets

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from megatron.core.datasets.indexed_dataset import IndexedDataset

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
SEQ_LEN = 40


def run(args):
    result = subprocess.run([str(a) for a in args], capture_output=True)
    assert result.returncode == 0, f"{args} failed: {result.stderr.decode(errors='replace')}"
    return result.stdout.decode()


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    texts = sorted((ROOT / "data" / "shakespeare").glob("*.txt"))[:3]
    run([BIN / "hapax-prep", "train-tokenizer", "--vocab-size", "300", "-o", folder / "tok.json", *texts[:1]])
    run([BIN / "hapax-prep", "shard", *texts, "--tokenizer", folder / "tok.json", "--seq-len", SEQ_LEN, "--val-fraction", "0.3",
         "-o", folder / "shards"])
    return folder / "shards"


@pytest.mark.parametrize("mask, ngram, seed", [("hapax", 2, 1), ("hapax", 3, 1), ("none", 2, 1), ("offset", 2, 1), ("random:0.3", 2, 7)])
def test_neox_trains_on_exactly_the_kept_targets(shards, tmp_path, mask, ngram, seed):
    out = tmp_path / "neox"
    config = run([BIN / "hapax-prep", "export", shards, "--format", "megatron", "-o", out, "--mask", mask, "--ngram", ngram, "--seed", seed])
    assert f'"seq_length": {SEQ_LEN}' in config and f'"train_label_data_paths": ["{out}/train_label_document"]' in config
    for split in ("train", "val"):
        windows = HapaxDataset(shards, split)
        text, labels = IndexedDataset(str(out / f"{split}_text_document")), IndexedDataset(str(out / f"{split}_label_document"))
        assert len(text) == len(labels) == len(windows) > 0
        assert text[0].dtype == np.uint16 and labels[0].dtype == np.int32
        for w in range(len(windows)):
            tokens, matches = windows.window(w)
            assert text[w].tolist() == tokens[:SEQ_LEN].tolist()
            # NeoX: sample w is document w and the next one's first token; labels shift by one.
            following = labels[w + 1][0] if w + 1 < len(windows) else -100
            sample_labels = np.concatenate([labels[w][1:], [following]])
            trained = sample_labels >= 0
            keep = kept_targets(matches, mask, ngram, w, seed)
            assert trained.tolist() == keep[: SEQ_LEN - 1].tolist() + [False], (split, w)
            assert (sample_labels[trained] == tokens[1:SEQ_LEN][keep[: SEQ_LEN - 1]]).all()


def test_the_export_is_written_whole_or_not_at_all(shards, tmp_path):
    out = tmp_path / "neox"
    run([BIN / "hapax-prep", "export", shards, "--format", "megatron", "-o", out])
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}_{k}_document.{e}" for s in ("train", "val") for k in ("text", "label") for e in ("bin", "idx"))


def test_the_neox_pipeline_runs_from_a_megatron_dataset(tmp_path):
    """pipelines/neox.sh on a dataset megatron-core builds: its export holds the input's ids."""
    import torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from megatron.core.datasets.indexed_dataset import IndexedDatasetBuilder
    tokenizer = tmp_path / "tok.json"
    run([BIN / "hapax-prep", "train-tokenizer", "--vocab-size", "300", "-o", tokenizer,
         sorted((ROOT / "data" / "shakespeare").glob("*.txt"))[0]])
    rng = np.random.default_rng(3)
    docs = [rng.integers(0, 299, size=int(rng.integers(5, 90))) for _ in range(200)]
    builder = IndexedDatasetBuilder(str(tmp_path / "pile_text_document.bin"), dtype=np.uint16)
    for doc in docs:
        builder.add_document(torch.tensor(doc), [len(doc)])
    builder.finalize(str(tmp_path / "pile_text_document.idx"))
    env = dict(os.environ, DATA=str(tmp_path / "pile_text_document.idx"), TOKENIZER=str(tokenizer), OUT=str(tmp_path / "out"),
               SEQ_LEN=str(SEQ_LEN), HAPAX_PREP=str(BIN / "hapax-prep"))
    result = subprocess.run([ROOT / "pipelines" / "neox.sh"], env=env, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    assert '"train_label_data_paths"' in result.stdout.decode()
    stream = [t for doc in docs for t in doc.tolist() + [299]]
    text = IndexedDataset(str(tmp_path / "out" / "neox" / "train_text_document"))
    exported = [t for k in range(len(text)) for t in text[k].tolist()]
    assert exported == stream[: len(exported)] and len(stream) - len(exported) <= SEQ_LEN
