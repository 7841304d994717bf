#!/usr/bin/env python3
"""End-to-end `hapax-prep shard` as a whole process on generated corpora (the Shakespeare sample
repeated with variations), a small one of 13 MB and one of about --gigabytes GB, against tiktoken's
single-thread tokenization of the same text, in one run.

Prints for each corpus: shard throughput (MB of text per second of wall time, --threads 2, the process
start and the tokenizer's loading included), tiktoken's encode_ordinary MB/s on one thread (on the
corpus, at most its first 64 MB; loading excluded), their ratio (goals: 2x at 13 MB, 3x at 1 GB), and
the detector's tokens per second per core (goal 20 M); then the peak memory of the shard processes
(floor: under 1 GB) and bytes per token on disk at the default level (floor 1.75).

    .venv/bin/python tools/bench_shard.py [--gigabytes 1.0]
"""
import argparse
import pathlib
import random
import re
import resource
import shutil
import subprocess
import sys
import time

import tiktoken
from tiktoken.load import load_tiktoken_bpe

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from bench_tokenizer import CL100K  # noqa: E402


def generate(folder, gigabytes):
    """Copies of the 42 texts, each copy with its lines rotated and every few words upper-cased,
    so that no two copies are the same text."""
    if folder.exists() and (folder / "done").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    texts = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "data/shakespeare").glob("*.txt"))]
    target, written, copy = gigabytes * 1e9, 0, 0
    while written < target:
        rng = random.Random(copy)
        part = folder / f"copy-{copy:04d}"
        part.mkdir()
        for i, text in enumerate(texts):
            lines = text.split("\n")
            shift = rng.randrange(len(lines))
            lines = lines[shift:] + lines[:shift]
            step = rng.randint(3, 9)
            words = "\n".join(lines).split(" ")
            varied = " ".join(w.upper() if k % step == 0 else w for k, w in enumerate(words))
            (part / f"{i:02d}.txt").write_text(varied, encoding="utf-8")
            written += len(varied.encode())
        copy += 1
    (folder / "done").write_text("")


def tiktoken_rate(files):
    """encode_ordinary MB/s on one thread over the corpus's first 64 MB (loading excluded)."""
    sample, sample_bytes = [], 0
    for f in files:
        if sample_bytes > 64e6:
            break
        sample.append(f.read_text(encoding="utf-8"))
        sample_bytes += len(sample[-1].encode())
    encoding = tiktoken.Encoding(name="cl100k_base", pat_str=CL100K,
                                 mergeable_ranks=load_tiktoken_bpe(str(ROOT / "data/cl100k_base.tiktoken")), special_tokens={})
    start = time.perf_counter()
    for text in sample:
        encoding.encode_ordinary(text)
    return sample_bytes / 1e6 / (time.perf_counter() - start), sample_bytes


def shard(binary, corpus, out):
    """Whole-process shard MB/s, wall seconds, and the summary's bytes per token and detector rate."""
    size = sum(f.stat().st_size for f in corpus.rglob("*.txt"))
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    result = subprocess.run([binary, "shard", str(corpus), "--tokenizer", str(ROOT / "data/cl100k_base.tiktoken"),
                             "--seq-len", "1024", "-o", str(out), "--threads", "2"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(result.stderr)
    shutil.rmtree(out, ignore_errors=True)
    bytes_per_token = float(re.search(r"([0-9.]+) bytes per token", result.stderr).group(1))
    detector = float(re.search(r"\(([0-9.]+)M tokens/s per core\)", result.stderr).group(1))
    return size / 1e6 / wall, wall, bytes_per_token, detector


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/hapax-prep"))
    args = parser.parse_args()

    goals = {0.013: 2.0, args.gigabytes: 3.0}
    bytes_per_token = None
    for gigabytes, goal in goals.items():
        corpus = ROOT / ".build" / f"bench-corpus-{gigabytes:g}GB"
        generate(corpus, gigabytes)
        files = sorted(corpus.rglob("*.txt"))
        size = sum(f.stat().st_size for f in files)
        theirs, sample_bytes = tiktoken_rate(files)
        ours, wall, bytes_per_token, detector = shard(args.binary, corpus, ROOT / ".build" / "bench-shards")
        print(f"corpus: {len(files)} files, {size / 1e6:.0f} MB (generated from the Shakespeare sample)")
        print(f"  tiktoken encode_ordinary, 1 thread:  {theirs:7.2f} MB/s (on {sample_bytes / 1e6:.0f} MB of it, loading excluded)")
        print(f"  hapax-prep shard, 2 threads:         {ours:7.2f} MB/s ({wall:.2f} s wall, the whole process)")
        print(f"  shard / tiktoken:                    {ours / theirs:7.2f}x   (goal {goal:g}x)")
        print(f"  detector, tokens per second per core:{detector:7.1f} M   (goal 20 M)")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    # Bytes per token on the sample corpus itself, which the 1.75 floor is stated for.
    sample_out = ROOT / ".build" / "bench-shards-sample"
    shutil.rmtree(sample_out, ignore_errors=True)
    sample_result = subprocess.run([args.binary, "shard", str(ROOT / "data/shakespeare"), "--tokenizer",
                                    str(ROOT / "data/cl100k_base.tiktoken"), "--seq-len", "1024", "-o", str(sample_out)],
                                   capture_output=True, text=True, check=True)
    sample_bytes_per_token = float(re.search(r"([0-9.]+) bytes per token", sample_result.stderr).group(1))
    shutil.rmtree(sample_out, ignore_errors=True)
    print(f"peak memory of shard:                {peak:7.0f} MB    (floor: under 1024 MB)")
    print(f"bytes per token on disk (level 3):   {sample_bytes_per_token:7.3f}     on the Shakespeare sample (floor 1.75)")
    print(f"                                     {bytes_per_token:7.3f}     on the {args.gigabytes:g} GB corpus")


if __name__ == "__main__":
    main()
