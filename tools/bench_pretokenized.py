#!/usr/bin/env python3
"""Pre-tokenized input and the Megatron export, in one run: the sample corpus tokenized once with
cl100k_base and tiled to --tokens ids, written as a token file (uint32) and as a Megatron indexed
dataset (int32, as Megatron stores a vocabulary this size; one document per text); each sharded by a
whole `hapax-prep shard` process on 2 threads (goal: 50 M tokens/s, detection and compression being
the work left), then the Megatron dataset's shards exported (`export --format megatron`, goal: 100 M
tokens/s). Best of --repeats wall times.

    .venv/bin/python tools/bench_pretokenized.py            (after tools/fetch-data.sh and a release build)
"""
import argparse
import pathlib
import shutil
import subprocess
import sys
import time

import numpy as np
import tiktoken
from tiktoken.load import load_tiktoken_bpe

ROOT = pathlib.Path(__file__).resolve().parents[1]
CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
EOT = 100257


def best(repeats, command, out):
    seconds = float("inf")
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = min(seconds, time.perf_counter() - start)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/hapax-prep"))
    parser.add_argument("--tokens", type=float, default=100e6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rank_file, files = ROOT / "data/cl100k_base.tiktoken", sorted((ROOT / "data/shakespeare").glob("*.txt"))
    if not rank_file.exists() or len(files) != 42:
        sys.exit("bench_pretokenized: run tools/fetch-data.sh first")
    encoding = tiktoken.Encoding(name="cl100k_base", pat_str=CL100K, mergeable_ranks=load_tiktoken_bpe(str(rank_file)), special_tokens={})
    documents = [np.array(encoding.encode_ordinary(f.read_text(encoding="utf-8")) + [EOT], dtype=np.uint32) for f in files]
    one = np.concatenate(documents)
    copies = int(args.tokens // len(one)) + 1
    folder = ROOT / ".build" / "bench-pretokenized"
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.tile(one, copies)
    ids.tofile(folder / "tokens.bin")
    lengths = np.array([len(d) for d in documents] * copies, dtype=np.int32)
    pointers = np.concatenate([[0], np.cumsum(lengths[:-1].astype(np.int64) * 4)]).astype(np.int64)
    ids.astype(np.int32).tofile(folder / "data.bin")
    with open(folder / "data.idx", "wb") as index:
        index.write(b"MMIDIDX\x00\x00" + np.uint64(1).tobytes() + np.uint8(4).tobytes())
        index.write(np.uint64(len(lengths)).tobytes() + np.uint64(len(lengths) + 1).tobytes())
        index.write(lengths.tobytes() + pointers.tobytes() + np.arange(len(lengths) + 1, dtype=np.int64).tobytes())
    count = len(ids)
    common = ["--tokenizer", str(rank_file), "--seq-len", "1024", "--threads", "2", "--unit-size", str(256 << 20)]
    print(f"{count / 1e6:.1f} M ids ({len(lengths)} documents); 2 threads, best of {args.repeats}")
    seconds = best(args.repeats, [args.binary, "shard", str(folder / "tokens.bin"), "--format", "tokens", "--dtype", "uint32", *common,
                                  "-o", str(folder / "out-tokens")], folder / "out-tokens")
    print(f"  shard a token file        {seconds:6.2f} s  {count / 1e6 / seconds:6.1f} M tokens/s  (goal 50)")
    seconds = best(args.repeats, [args.binary, "shard", str(folder / "data.idx"), *common, "-o", str(folder / "out-megatron")],
                   folder / "out-megatron")
    print(f"  shard a Megatron dataset  {seconds:6.2f} s  {count / 1e6 / seconds:6.1f} M tokens/s  (goal 50)")
    subprocess.run([args.binary, "shard", str(folder / "data.idx"), *common, "-o", str(folder / "shards")], check=True, capture_output=True)
    seconds = best(args.repeats, [args.binary, "export", str(folder / "shards"), "--format", "megatron", "-o", str(folder / "neox")],
                   folder / "neox")
    print(f"  export --format megatron  {seconds:6.2f} s  {count / 1e6 / seconds:6.1f} M tokens/s  (goal 100)")


if __name__ == "__main__":
    main()
