"""Shared fixtures for the parity tests: the hapax-prep binary, the sample data, and reference tools.

The parity tests compare hapax with independent implementations (tiktoken, Hugging Face tokenizers,
the Python regex module). They are never skipped: missing data or a missing binary is a failure.
"""
import gzip
import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import time

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


@pytest.fixture(scope="session")
def corpus(corpus_files, tmp_path_factory):
    """JSON Lines files (one cut across many blocks, with lines to skip), a gzip one and a plain text."""
    folder = tmp_path_factory.mktemp("corpus")
    words = " ".join(f.read_text(encoding="utf-8") for f in corpus_files[:8]).split()
    rng = random.Random(8)

    def text():
        n = rng.randint(3, 1500)
        start = rng.randrange(len(words) - n)
        return " ".join(words[start : start + n])

    with open(folder / "a.jsonl", "w") as f:
        for k in range(700):
            f.write("not json\n" if k % 53 == 5 else "\n" if k % 41 == 3 else json.dumps({"text": text(), "id": k}) + "\n")
    (folder / "b.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps({"text": text()}) + "\n" for _ in range(80)).encode()))
    (folder / "c.txt").write_text(text(), encoding="utf-8")
    with open(folder / "d.jsonl", "w") as f:
        f.write("\n".join(json.dumps({"text": text()}) for _ in range(400)))
    return folder


def run(args, input=None, check=True, cwd=None):
    result = subprocess.run(args, input=input, capture_output=True, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}): {result.stderr.decode(errors='replace')}")
    return result


# Runs a command from a small Python process and prints its exit code and peak resident memory: the
# peak that wait4 reports for a child forked from pytest itself counts pytest's own pages, copied at
# the fork, which after a few hundred tests are hundreds of megabytes.
_PEAK_MEMORY = r"""
import resource, subprocess, sys
try:
    code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, timeout=float(sys.argv[1])).returncode
except subprocess.TimeoutExpired:
    code = "timeout"
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run_measured(args, timeout=60):
    """Runs `args` (standard output discarded); returns its exit code (or "timeout"), its standard error
    and its peak resident memory in KiB."""
    result = subprocess.run([sys.executable, "-c", _PEAK_MEMORY, str(timeout), *map(str, args)], capture_output=True)
    code, peak = result.stdout.decode().split()
    return (code if code == "timeout" else int(code)), result.stderr.decode(errors="replace"), int(peak)


def kill_after_first_unit(args, folder):
    """Starts `hapax-prep shard` and SIGKILLs it once its first unit record exists (or after 60 s)."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list((folder / "units").glob("unit-*.json")):
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()


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
