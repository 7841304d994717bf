"""The paper's own stack, as GPT-NeoX's code leaves it, run beside hapax:

- Pythia's pre-shuffled layout (each Megatron sequence one training sample of seq_len + 1 ids, written
  with megatron-core's IndexedDatasetBuilder) read with `shard --packed`: window i is sample i;
- tiny documents close a work unit at 2^18 documents, so memory stays flat however many there are;
- a dataset merged by GPT-NeoX's merge_datasets.py, whose document index stops at [0]: one document per
  sequence, a note in the summary, and parts that merge to the whole run;
- the config lines `export --format megatron` prints pass NeoX's own data-path validation;
- `pipelines/neox.sh` end to end on a dataset written with Pythia's real 20B tokenizer."""
import hashlib
import json
import os
import pathlib
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer

from hapax_shards import HapaxDataset

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from megatron.core.datasets.indexed_dataset import IndexedDataset, IndexedDatasetBuilder

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "parity"))
import shard_spec  # noqa: E402  (the independent reading of FORMAT.md, beside the parity tests)

BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
PYTHIA = ROOT / "data" / "pythia" / "20B_tokenizer.json"
MIRROR = pathlib.Path(os.environ.get("HAPAX_DATA_MIRROR", ROOT.parent / "shared" / "data"))
SEQ_LEN = 32
EOT = 399


def run(args, check=True, env=None):
    result = subprocess.run([str(a) for a in args], capture_output=True, env=env)
    if check:
        assert result.returncode == 0, f"{args} failed: {result.stderr.decode(errors='replace')}"
    return result


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    """A 400-id BPE whose end-of-text is its last id, 399."""
    folder = tmp_path_factory.mktemp("tokenizer")
    texts = sorted((ROOT / "data" / "shakespeare").glob("*.txt"))[:2]
    run([BIN / "hapax-prep", "train-tokenizer", "--vocab-size", "400", "-o", folder / "tok.json", *texts])
    return folder / "tok.json"


@pytest.fixture(scope="module")
def pythia():
    if not PYTHIA.exists():
        assert not (MIRROR / "pythia").exists(), f"{PYTHIA} is missing though {MIRROR}/pythia has it: run tools/fetch-data.sh --from {MIRROR}"
        pytest.skip(f"{PYTHIA} is missing and no mirror has it (utils/20B_tokenizer.json of GitHub's EleutherAI/pythia)")
    return PYTHIA


def documents(seed, count, top=EOT):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, top, size=int(rng.integers(1, 90))).tolist() for _ in range(count)]


def neox_samples(docs, seq_len, eot):
    """GPT-NeoX's GPT2Dataset samples with pack_impl "packed", in order: the documents, each ended by
    end-of-text, as one stream cut into samples of seq_len + 1 ids that share one id (Pythia's
    pre-shuffled Pile is these samples after NeoX's shuffle, which the order here leaves out)."""
    stream = [t for doc in docs for t in doc + [eot]]
    return [stream[i * seq_len : i * seq_len + seq_len + 1] for i in range((len(stream) - 1) // seq_len)]


def preshuffled(path, samples, dtype=np.uint16):
    """Samples written as Pythia's pre-shuffled files hold them: each one sequence and one document."""
    builder = IndexedDatasetBuilder(str(path) + ".bin", dtype=dtype)
    for sample in samples:
        builder.add_item(torch.tensor(sample))
        builder.end_document()
    builder.finalize(str(path) + ".idx")
    return pathlib.Path(str(path) + ".idx")


def windows(folder, split="train"):
    ds = HapaxDataset(folder, split)
    return [ds.window(i)[0].tolist() for i in range(len(ds))]


def shard(tokenizer, inputs, out, *extra, check=True):
    return run([BIN / "hapax-prep", "shard", *inputs, "--tokenizer", tokenizer, "--seq-len", SEQ_LEN, "-o", out, *extra], check=check)


def folder_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".hapax", ".json") and "units" not in p.parts):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


# --- --packed: Pythia's pre-shuffled layout ---------------------------------------------------------


def test_packed_window_i_is_sample_i(tokenizer, tmp_path):
    samples = neox_samples(documents(1, 400), SEQ_LEN, EOT)
    assert sum(s[-1] != EOT for s in samples) > len(samples) // 2  # most samples do not end a document
    idx = preshuffled(tmp_path / "preshuffled", samples)
    result = shard(tokenizer, [idx], tmp_path / "s", "--packed", "--unit-size", "4096")
    assert windows(tmp_path / "s") == samples
    assert json.loads((tmp_path / "s" / "manifest.json").read_text())["parameters"]["packed"] is True
    assert "note:" not in result.stderr.decode()


def test_packed_with_val_splits_samples_as_documents(tokenizer, tmp_path):
    """With --val-fraction, each sample goes to a split as a document does (FORMAT.md section 2,
    item 4): by its offset, the byte of its first id in the .bin; each split keeps file order."""
    samples = neox_samples(documents(2, 600), SEQ_LEN, EOT)
    idx = preshuffled(tmp_path / "preshuffled", samples)
    shard(tokenizer, [idx], tmp_path / "s", "--packed", "--unit-size", "4096", "--val-fraction", "0.3")
    width = 2 * (SEQ_LEN + 1)
    splits = [shard_spec.split_of(0, i * width, 0.3) for i in range(len(samples))]
    assert 0 < splits.count("val") < len(samples)
    for split in ("train", "val"):
        assert windows(tmp_path / "s", split) == [s for s, where in zip(samples, splits) if where == split], split


def test_packed_refuses_a_sequence_of_another_length(tokenizer, tmp_path):
    samples = neox_samples(documents(3, 200), SEQ_LEN, EOT)
    samples[17] = samples[17][:-1]
    idx = preshuffled(tmp_path / "preshuffled", samples)
    result = shard(tokenizer, [idx], tmp_path / "s", "--packed", check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and "preshuffled.idx: sequence 17 has 32 ids" in error and "33" in error, error
    assert not (tmp_path / "s" / "manifest.json").exists()


def test_packed_refuses_bos_and_text(tokenizer, tmp_path):
    idx = preshuffled(tmp_path / "preshuffled", neox_samples(documents(4, 50), SEQ_LEN, EOT))
    with_bos = shard(tokenizer, [idx], tmp_path / "a", "--packed", "--bos", check=False)
    assert with_bos.returncode != 0 and "--packed" in with_bos.stderr.decode() and "--bos" in with_bos.stderr.decode()
    text = tmp_path / "a.txt"
    text.write_text("some text\n")
    with_text = shard(tokenizer, [text], tmp_path / "b", "--packed", check=False)
    assert with_text.returncode != 0 and "--packed reads Megatron datasets" in with_text.stderr.decode()


def test_a_unit_holds_at_most_2_18_documents(tokenizer, tmp_path):
    """Tiny documents close a unit by their number long before their bytes (FORMAT.md section 2,
    item 3), so that a unit's memory stays bounded."""
    sys.path.insert(0, str(ROOT / "tools"))
    from bench_megatron_memory import write_dataset

    count, unit_bytes = (1 << 18) + 3000, 64 << 20
    idx = write_dataset(tmp_path / "tiny", count, 1, EOT, seed=1)
    assert len(IndexedDataset(str(tmp_path / "tiny"))) == count
    shard(tokenizer, [idx], tmp_path / "s", "--unit-size", unit_bytes)
    # A document counts 4 bytes per id, as a text of 4 bytes.
    expected = shard_spec.units([(0, 0, 2 * k, "four") for k in range(count)], unit_bytes)
    assert [(name, len(members)) for name, members in expected] == [("00000-000", 1 << 18), ("00000-001", 3000)]
    records = sorted((tmp_path / "s" / "units").glob("unit-*.json"))
    assert [(r.name, json.loads(r.read_text())["splits"]["train"]["documents"]) for r in records] == [
        (f"unit-{name}.json", len(members)) for name, members in expected]


# --- a dataset merged by GPT-NeoX -------------------------------------------------------------------


def neox_merge(prefixes, out_prefix):
    """A port of what GPT-NeoX's tools/datasets/merge_datasets.py writes, through
    MMapIndexedDatasetBuilder.merge_file_ and .finalize (megatron/data/indexed_dataset.py; gpt-neox is
    not on PyPI): the inputs in sorted order, their sizes appended and their .bin files concatenated,
    while the document index stays the builder's initial [0], since merge_file_ never extends it.
    The index as MMapIndexedDataset.Index.writer lays it out: magic, version 1, dtype code, the
    sequence and document index counts, int32 sizes, int64 byte pointers (the sizes' running sum times
    the item size), int64 document indices."""
    sizes, dtype = [], None
    with open(str(out_prefix) + ".bin", "wb") as data:
        for prefix in sorted(map(str, prefixes)):
            part = IndexedDataset(prefix)
            dtype = part.index.dtype
            sizes += part.sequence_lengths.tolist()
            data.write(pathlib.Path(prefix + ".bin").read_bytes())
    item = np.dtype(dtype).itemsize
    pointers = np.concatenate([[0], np.cumsum(sizes[:-1])]).astype(np.int64) * item
    code = {np.uint8: 1, np.int8: 2, np.int16: 3, np.int32: 4, np.int64: 5, np.uint16: 8}[dtype]
    doc_idx = [0]
    with open(str(out_prefix) + ".idx", "wb") as index:
        index.write(b"MMIDIDX\x00\x00" + struct.pack("<Q", 1) + struct.pack("<B", code))
        index.write(struct.pack("<Q", len(sizes)) + struct.pack("<Q", len(doc_idx)))
        index.write(np.array(sizes, dtype=np.int32).tobytes() + pointers.tobytes() + np.array(doc_idx, dtype=np.int64).tobytes())
    return pathlib.Path(str(out_prefix) + ".idx")


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """Two datasets of documents of one or two sequences, merged as NeoX merges them; and every
    sequence, in order."""
    folder = tmp_path_factory.mktemp("merged")
    sequences = []
    for part, seed in (("a", 5), ("b", 6)):
        builder = IndexedDatasetBuilder(str(folder / part) + ".bin", dtype=np.uint16)
        for doc in documents(seed, 150):
            cut = len(doc) // 2 if len(doc) > 1 and len(doc) % 3 else len(doc)
            lengths = [n for n in (cut, len(doc) - cut) if n]
            builder.add_document(torch.tensor(doc), lengths)
            sequences += [doc[:cut], doc[cut:]] if len(lengths) == 2 else [doc]
        builder.finalize(str(folder / part) + ".idx")
    return neox_merge([folder / "a", folder / "b"], folder / "merged"), sequences


def test_a_merged_dataset_is_read_one_document_per_sequence(tokenizer, merged, tmp_path):
    idx, sequences = merged
    # megatron-core's reader refuses such an index (its document indices must end at the sequence count).
    assert struct.unpack_from("<Q", idx.read_bytes(), 26) == (1,) and idx.read_bytes()[-8:] == bytes(8)
    result = shard(tokenizer, [idx], tmp_path / "s")  # one work unit: one stream
    stream = [t for s in sequences for t in s + [EOT]]
    rebuilt = [t for i, w in enumerate(windows(tmp_path / "s")) for t in (w if i == 0 else w[1:])]
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < SEQ_LEN
    error = result.stderr.decode()
    assert f"note: {idx}: its document indices stop short of its {len(sequences)} sequences" in error and "merge_datasets.py" in error, error


def test_a_merged_dataset_in_parts_merges_to_the_whole_run(tokenizer, merged, tmp_path):
    idx, _ = merged
    common = ["--unit-size", "4096", "--val-fraction", "0.3"]
    shard(tokenizer, [idx], tmp_path / "whole", *common)
    parts = [tmp_path / f"part-{i}" for i in range(3)]
    for i, part in enumerate(parts):
        shard(tokenizer, [idx], part, *common, "--part", f"{i}/3")
    run([BIN / "hapax-prep", "merge", *parts, "-o", tmp_path / "merged"])
    assert folder_digest(tmp_path / "merged") == folder_digest(tmp_path / "whole")


# --- the NeoX config lines --------------------------------------------------------------------------


def neox_validate_data_paths(config):
    """The data-path checks of GPT-NeoX's NeoXArgs (megatron/neox_arguments/arguments.py), ported:
    NeoXArgs.calculate_derived gives each of train/valid/test_data_paths weights of 1.0 when it has
    none, then NeoXArgs.validate_values asserts that data_path is absent when all three are given,
    that the three are given all or none, and that each has as many weights as paths. A missing
    key is None, as in NeoX's defaults."""
    args = {key: config.get(key) for key in ("data_path", "train_data_paths", "valid_data_paths", "test_data_paths",
                                             "train_data_weights", "valid_data_weights", "test_data_weights")}
    for name in ("train", "valid", "test"):
        if args[f"{name}_data_paths"] and args[f"{name}_data_weights"] is None:
            args[f"{name}_data_weights"] = [1.0] * len(args[f"{name}_data_paths"])
    given = [args[f"{name}_data_paths"] is not None for name in ("train", "valid", "test")]
    if all(given):
        assert args["data_path"] is None, "Please provide *either* `data_path` or `train/valid/test_data_path`"
    assert any(given) == all(given), f"One or more of train/valid/test data_path are not provided: {args}"
    for name in ("train", "valid", "test"):
        if args[f"{name}_data_paths"] is not None:
            assert len(args[f"{name}_data_paths"]) == len(args[f"{name}_data_weights"])


def printed_config(stdout):
    """The printed lines as NeoX's YAML config reads them once pasted between its braces: `#` lines
    are comments, the rest is JSON."""
    lines = [line for line in stdout.splitlines()[1:] if not line.strip().startswith("#")]
    return json.loads("{" + "\n".join(lines).rstrip().rstrip(",") + "}"), [line.strip() for line in stdout.splitlines() if line.strip().startswith("#")]


def test_neox_validation_rejects_what_hapax_used_to_print():
    old = {"seq_length": SEQ_LEN, "train_data_paths": ["t"], "train_label_data_paths": ["tl"],
           "valid_data_paths": ["v"], "valid_label_data_paths": ["vl"]}
    with pytest.raises(AssertionError, match="not provided"):
        neox_validate_data_paths(old)


@pytest.mark.parametrize("val_fraction", ["0.3", "0"])
def test_the_printed_config_passes_neox_validation(tokenizer, tmp_path, val_fraction):
    samples = neox_samples(documents(7, 300), SEQ_LEN, EOT)
    shard(tokenizer, [preshuffled(tmp_path / "d", samples)], tmp_path / "s", "--packed", "--val-fraction", val_fraction)
    out = tmp_path / "neox"
    stdout = run([BIN / "hapax-prep", "export", tmp_path / "s", "--format", "megatron", "-o", out]).stdout.decode()
    config, comments = printed_config(stdout)
    neox_validate_data_paths(config)
    assert config["seq_length"] == SEQ_LEN and config["data_impl"] == "mmap"
    held = "val" if val_fraction != "0" else "train"
    assert config["train_data_paths"] == [f"{out}/train_text_document"]
    assert config["train_label_data_paths"] == [f"{out}/train_label_document"]
    for name in ("valid", "test"):
        assert config[f"{name}_data_paths"] == [f"{out}/{held}_text_document"]
        assert config[f"{name}_label_data_paths"] == [f"{out}/{held}_label_document"]
    if held == "val":
        assert comments == ["# no test split: the val export stands in for test"]
    else:
        assert comments == ["# no val split: the train export stands in for valid and test"]
    for path in config["train_data_paths"] + config["valid_data_paths"] + config["test_data_paths"]:
        assert len(IndexedDataset(path)) > 0


# --- pipelines/neox.sh with Pythia's real tokenizer -------------------------------------------------


@pytest.mark.parametrize("layout", ["documents", "preshuffled"])
def test_the_neox_pipeline_runs_on_a_pythia_dataset(pythia, tmp_path, layout):
    reference = Tokenizer.from_file(str(pythia))
    eot = reference.token_to_id("<|endoftext|>")
    files = sorted((ROOT / "data" / "shakespeare").glob("*.txt"))[:3]
    docs = [reference.encode(line).ids for f in files for line in f.read_text(encoding="utf-8").split("\n\n") if line.strip()]
    seq_len = 128
    prefix = tmp_path / "pile_20B_tokenizer_text_document"
    if layout == "documents":
        # As the Pile's standard layout: each document its ids and end-of-text, one sequence.
        builder = IndexedDatasetBuilder(str(prefix) + ".bin", dtype=np.uint16)
        for doc in docs:
            builder.add_document(torch.tensor(doc + [eot]), [len(doc) + 1])
        builder.finalize(str(prefix) + ".idx")
        expected = neox_samples(docs, seq_len, eot)
        options = {"SHARD_OPTIONS": "--unit-size 1048576"}
    else:
        expected = neox_samples(docs, seq_len, eot)
        preshuffled(prefix, expected)
        options = {"SHARD_OPTIONS": "--packed --val-fraction 0.1"}
    env = dict(os.environ, DATA=f"{prefix}.idx", TOKENIZER=str(pythia), OUT=str(tmp_path / "out"), SEQ_LEN=str(seq_len),
               HAPAX_PREP=str(BIN / "hapax-prep"), **options)
    result = run(["bash", ROOT / "pipelines" / "neox.sh"], env=env)
    config, _ = printed_config(result.stdout.decode())
    neox_validate_data_paths(config)
    text = IndexedDataset(config["train_data_paths"][0])
    shards = tmp_path / "out" / "shards"
    train = windows(shards)
    assert [text[w].tolist() for w in range(len(text))] == [w[:seq_len] for w in train]
    if layout == "documents":
        assert train == expected[: len(train)] and len(train) >= len(expected) - 1
    else:
        val = windows(shards, "val")
        assert sorted(train + val) == sorted(expected) and len(val) > 0
