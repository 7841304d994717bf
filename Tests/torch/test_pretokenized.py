"""Pre-tokenized input: Megatron indexed datasets written by megatron-core's IndexedDatasetBuilder, in
every integer dtype Megatron writes, and flat token files (raw, NumPy .npy, llm.c .bin) give shards
holding exactly their documents' ids, each ended by end-of-text once; ids the tokenizer does not have
are refused naming the document; `--part` over them merges to the whole run."""
import hashlib
import os
import pathlib
import subprocess
import warnings

import numpy as np
import pytest
import torch

from hapax_shards import HapaxDataset

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from megatron.core.datasets.indexed_dataset import IndexedDatasetBuilder

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
SEQ_LEN = 32


def run(args, check=True):
    result = subprocess.run([str(a) for a in args], capture_output=True)
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


EOT = 399


def documents(seed, count=60, top=EOT):
    rng = np.random.default_rng(seed)
    result = [rng.integers(0, top, size=int(rng.integers(1, 120))).tolist() for _ in range(count)]
    result[3] = result[3] + [EOT] if top > EOT else result[3]  # one document that already ends with end-of-text
    return result


def stream(docs):
    out = []
    for doc in docs:
        out += doc if doc and doc[-1] == EOT else doc + [EOT]
    return out


def windows_stream(folder):
    ds = HapaxDataset(folder, "train")
    rebuilt = []
    for i in range(len(ds)):
        tokens = ds.window(i)[0].tolist()
        rebuilt += tokens if i == 0 else tokens[1:]
    return rebuilt


def shard(tokenizer, inputs, out, *extra):
    run([BIN / "hapax-prep", "shard", *inputs, "--tokenizer", tokenizer, "--seq-len", SEQ_LEN, "-o", out, *extra])
    return windows_stream(out)


def megatron(path, docs, dtype, sequences_per_document=1):
    builder = IndexedDatasetBuilder(str(path) + ".bin", dtype=dtype)
    for doc in docs:
        cut = len(doc) // 2 if sequences_per_document == 2 and len(doc) > 1 else len(doc)
        lengths = [cut, len(doc) - cut] if cut < len(doc) else [len(doc)]
        builder.add_document(torch.tensor(doc), lengths)
    builder.finalize(str(path) + ".idx")
    return pathlib.Path(str(path) + ".idx")


@pytest.mark.parametrize("dtype, top", [(np.uint8, 256), (np.int8, 128), (np.int16, EOT + 1), (np.uint16, EOT + 1), (np.int32, EOT + 1), (np.int64, EOT + 1)])
def test_megatron_datasets_in_every_integer_dtype(tokenizer, tmp_path, dtype, top):
    docs = documents(1, top=top)
    index = megatron(tmp_path / "data_text_document", docs, dtype, sequences_per_document=2)
    rebuilt = shard(tokenizer, [index], tmp_path / "shards")
    expected = stream(docs)
    assert rebuilt == expected[: len(rebuilt)] and len(expected) - len(rebuilt) < SEQ_LEN


def test_an_id_beyond_the_vocabulary_is_refused_naming_the_document(tokenizer, tmp_path):
    docs = documents(2)
    docs[5] = docs[5] + [1000]
    index = megatron(tmp_path / "data", docs, np.uint16)
    result = run([BIN / "hapax-prep", "shard", index, "--tokenizer", tokenizer, "--seq-len", SEQ_LEN, "-o", tmp_path / "s"], check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and len(error.strip().splitlines()) == 1, error
    assert "data.idx" in error and "holds id 1000" in error and "at or beyond the tokenizer's 400 ids" in error, error


def test_a_damaged_index_is_refused(tokenizer, tmp_path):
    index = megatron(tmp_path / "data", documents(3), np.uint16)
    data = bytearray(index.read_bytes())
    data[26:30] = (10**6).to_bytes(4, "little")  # the first sequence's length
    index.write_bytes(bytes(data))
    result = run([BIN / "hapax-prep", "shard", index, "--tokenizer", tokenizer, "--seq-len", SEQ_LEN, "-o", tmp_path / "s"], check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and len(error.strip().splitlines()) == 1 and "data.idx" in error, error


def token_file(path, docs, layout, dtype):
    ids = np.array(stream(docs)[:-1], dtype=dtype)  # the last document without its end-of-text
    if layout == "npy":
        np.save(path, ids)
    elif layout == "llmc":
        header = np.zeros(256, dtype=np.int32)
        header[0], header[1], header[2] = 20240520, 1 if dtype == np.uint16 else 2, len(ids)
        with open(path, "wb") as out:
            out.write(header.tobytes())
            out.write(ids.tobytes())
    else:
        ids.tofile(path)
    return path


@pytest.mark.parametrize("layout", ["raw", "npy", "llmc"])
@pytest.mark.parametrize("dtype", [np.uint16, np.uint32])
def test_token_files_split_at_end_of_text(tokenizer, tmp_path, layout, dtype):
    docs = documents(4)
    path = token_file(tmp_path / ("train.npy" if layout == "npy" else "train.bin"), docs, layout, dtype)
    name = "uint16" if dtype == np.uint16 else "uint32"
    rebuilt = shard(tokenizer, [path], tmp_path / "shards", "--format", "tokens", "--dtype", name)
    expected = stream(docs)
    assert rebuilt == expected[: len(rebuilt)] and len(expected) - len(rebuilt) < SEQ_LEN


def test_a_wrong_dtype_for_a_self_describing_file_is_refused(tokenizer, tmp_path):
    path = token_file(tmp_path / "train.npy", documents(5), "npy", np.uint32)
    result = run([BIN / "hapax-prep", "shard", path, "--tokenizer", tokenizer, "--seq-len", SEQ_LEN, "--format", "tokens",
                  "--dtype", "uint16", "-o", tmp_path / "s"], check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and "train.npy" in error and "set --dtype" in error, error


def folder_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".hapax", ".json") and "units" not in p.parts):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("format", ["megatron", "tokens"])
def test_parts_merge_to_the_whole_run(tokenizer, tmp_path, format):
    docs = documents(6, count=400)
    if format == "megatron":
        inputs, extra = [megatron(tmp_path / "data", docs, np.uint16)], []
    else:
        inputs, extra = [token_file(tmp_path / "train.bin", docs, "raw", np.uint16)], ["--format", "tokens", "--dtype", "uint16"]
    common = ["--tokenizer", tokenizer, "--seq-len", SEQ_LEN, "--unit-size", "4096", "--val-fraction", "0.3", *extra]
    run([BIN / "hapax-prep", "shard", *inputs, *common, "-o", tmp_path / "whole"])
    parts = [tmp_path / f"part-{i}" for i in range(3)]
    for i, part in enumerate(parts):
        run([BIN / "hapax-prep", "shard", *inputs, *common, "--part", f"{i}/3", "-o", part])
    run([BIN / "hapax-prep", "merge", *parts, "-o", tmp_path / "merged"])
    assert folder_digest(tmp_path / "merged") == folder_digest(tmp_path / "whole")


def test_an_empty_megatron_dataset_holds_no_document(tokenizer, tmp_path):
    """An .idx with no sequence and its empty .bin is an empty input, which holds no document (FORMAT.md)."""
    empty = megatron(tmp_path / "empty", [], np.uint16)
    assert (tmp_path / "empty.bin").stat().st_size == 0
    docs = documents(4)
    full = megatron(tmp_path / "full", docs, np.uint16)
    rebuilt = shard(tokenizer, [empty, full, empty], tmp_path / "shards")
    expected = stream(docs)
    assert rebuilt == expected[: len(rebuilt)] and len(expected) - len(rebuilt) < SEQ_LEN


def test_a_negative_id_is_refused_naming_the_document(tokenizer, tmp_path):
    docs = documents(5)
    docs[7][2] = -3
    index = megatron(tmp_path / "data", docs, np.int16)
    result = run([BIN / "hapax-prep", "shard", index, "--tokenizer", tokenizer, "--seq-len", SEQ_LEN, "-o", tmp_path / "s"], check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and len(error.strip().splitlines()) == 1, error
    assert "data.bin" in error and "document 7 holds a negative id" in error, error
