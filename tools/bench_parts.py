#!/usr/bin/env python3
"""`hapax-prep shard` split into 1, 2 and 4 parts run side by side on this machine (as xargs -P or GNU
parallel would run them), each part with cores / parts threads (at least one), then `merge`; on the
generated benchmark corpus of tools/bench_shard.py.

Prints, per part count: the wall time until the last part finished, the slowest and fastest part, the
merge time, and whether the merged folder equals the one-part run (manifest and every shard). Then the
merge time on a twin corpus with the same files at 1/100 of their size, to show that it follows the
number of files, not their bytes.

    .venv/bin/python tools/bench_parts.py [--gigabytes 1.0] [--parts 1 2 4]
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from bench_shard import generate  # noqa: E402

TOKENIZER = ROOT / "data/cl100k_base.tiktoken"


def shard_in_parts(binary, corpus, out, parts, cores, *extra):
    """Wall time of all parts at once, each part's own time, and the merge time."""
    shutil.rmtree(out, ignore_errors=True)
    threads = max(1, cores // parts)
    start = time.perf_counter()
    processes = [(time.perf_counter(), subprocess.Popen(
        [binary, "shard", str(corpus), "--tokenizer", str(TOKENIZER), "--seq-len", "1024", "--threads", str(threads),
         "--part", f"{i}/{parts}", "-o", str(out / "parts" / str(i)), *extra], stderr=subprocess.PIPE, text=True))
        for i in range(parts)]
    times = []
    for began, process in processes:
        _, error = process.communicate()
        if process.returncode != 0:
            sys.exit(error)
        times.append(time.perf_counter() - began)
    wall = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([binary, "merge", *[str(out / "parts" / str(i)) for i in range(parts)], "-o", str(out / "shards")],
                   check=True, capture_output=True)
    return wall, times, time.perf_counter() - start


def same_folder(a, b):
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    return names == sorted(p.name for p in b.iterdir() if p.is_file()) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--binary", default=str(ROOT / ".build/release/hapax-prep"))
    args = parser.parse_args()
    cores = os.cpu_count()

    corpus = ROOT / ".build" / f"bench-corpus-{args.gigabytes:g}GB"
    generate(corpus, args.gigabytes)
    size = sum(f.stat().st_size for f in corpus.rglob("*.txt"))
    print(f"corpus: {size / 1e9:.2f} GB; {cores} cores; parts run side by side, each with max(1, {cores} / parts) threads")
    print(f"{'parts':>5} {'wall s':>8} {'MB/s':>7} {'slowest s':>10} {'fastest s':>10} {'merge s':>8} {'shards MB':>10}  merged = 1 part")
    first = None
    for parts in args.parts:
        out = ROOT / ".build" / f"bench-parts-{parts}"
        wall, times, merge = shard_in_parts(args.binary, corpus, out, parts, cores)
        first = first or out
        same = same_folder(first / "shards", out / "shards")
        shard_bytes = sum(p.stat().st_size for p in (out / "shards").glob("*.hapax"))
        print(f"{parts:>5} {wall:>8.1f} {size / 1e6 / wall:>7.1f} {max(times):>10.1f} {min(times):>10.1f} {merge:>8.3f} "
              f"{shard_bytes / 1e6:>10.0f}  {same}")
    for parts in args.parts:
        shutil.rmtree(ROOT / ".build" / f"bench-parts-{parts}", ignore_errors=True)

    # The merge reads manifests, which list every input file, and links every shard: its time follows
    # those counts. A twin corpus with the same files at 1/100 of their size, in units 1/100 as large,
    # has about as many of both and 1/100 of the bytes.
    twin = ROOT / ".build" / f"bench-corpus-{args.gigabytes:g}GB-twin"
    if not (twin / "done").exists():
        shutil.rmtree(twin, ignore_errors=True)
        for f in corpus.rglob("*.txt"):
            target = twin / f.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = f.read_text(encoding="utf-8")
            target.write_text(text[: len(text) // 100], encoding="utf-8")
        (twin / "done").write_text("")
    small = ROOT / ".build" / "bench-parts-twin"
    _, _, merge = shard_in_parts(args.binary, twin, small, 2, cores, "--unit-size", str((32 << 20) // 100))
    shards = list((small / "shards").glob("*.hapax"))
    print(f"merge of 2 parts of the twin corpus (same {len(list(twin.rglob('*.txt')))} files, 1/100 of the bytes): "
          f"{len(shards)} shards, {sum(p.stat().st_size for p in shards) / 1e6:.1f} MB: {merge:.3f} s")
    shutil.rmtree(small, ignore_errors=True)


if __name__ == "__main__":
    main()
