#!/usr/bin/env python3
"""The match-length detector alone, this version against an earlier one (by default the last before
issue 20's work on it), in one run: both are compiled from their Sources/InductionDetector with the
same harness (tools/bench_detector.swift, swiftc -O), and run alternately on the windows of the
Shakespeare sample sharded with cl100k (1,025 tokens each, window scope). Prints each version's best
rate in tokens per second on one core, their ratio, and whether their match lengths agree.

    .venv/bin/python tools/bench_detector.py [--base 242fb6e] [--pairs 6]     (after tools/fetch-data.sh and a release build)
"""
import argparse
import pathlib
import shutil
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests/parity"))
import shard_spec  # noqa: E402

SOURCES = "Sources/InductionDetector"
LENGTH = 1025


def windows(work):
    """The sample's windows as one file of u32 ids."""
    path = work / "windows.u32"
    if not path.exists():
        shards = work / "shards"
        shutil.rmtree(shards, ignore_errors=True)
        subprocess.run([str(ROOT / ".build/release/hapax-prep"), "shard", str(ROOT / "data/shakespeare"), "--tokenizer",
                        str(ROOT / "data/cl100k_base.tiktoken"), "--seq-len", str(LENGTH - 1), "-o", str(shards)],
                       check=True, capture_output=True)
        ids = [shard_spec.read_shard(shards / entry["file"])[1]
               for split in shard_spec.manifest(shards)["splits"].values() for entry in split["shards"]]
        np.concatenate(ids).astype("<u4").tofile(path)
        shutil.rmtree(shards)
    return path


def build(revision, work):
    """The harness compiled with the detector of `revision` (None: the working tree)."""
    folder = work / (revision or "working-tree")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if revision is None:
        sources = sorted((ROOT / SOURCES).glob("*.swift"))
    else:
        names = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "--name-only", f"{revision}:{SOURCES}"],
                               check=True, capture_output=True, text=True).stdout.split()
        sources = []
        for name in names:
            (folder / name).write_bytes(subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{SOURCES}/{name}"],
                                                       check=True, capture_output=True).stdout)
            sources.append(folder / name)
    binary = folder / "bench-detector"
    main = folder / "main.swift"    # top-level code compiles only in a file of that name
    shutil.copy(ROOT / "tools/bench_detector.swift", main)
    subprocess.run(["swiftc", "-O", "-wmo", "-module-name", "InductionDetector", *map(str, sources), str(main),
                    "-o", str(binary)], check=True)
    return binary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="242fb6e", help="the earlier version: a git revision")
    parser.add_argument("--pairs", type=int, default=6, help="runs of each, alternating (each the best of 3 passes)")
    args = parser.parse_args()
    work = ROOT / ".build" / "bench-detector"
    work.mkdir(parents=True, exist_ok=True)
    data = windows(work)
    binaries = {"this version": build(None, work), f"at {args.base}": build(args.base, work)}
    rates, digests = {name: [] for name in binaries}, {}
    for _ in range(args.pairs):
        for name, binary in binaries.items():
            rate, digest = subprocess.run([str(binary), str(data), str(LENGTH), "3"], check=True, capture_output=True,
                                          text=True).stdout.split()
            rates[name].append(float(rate))
            digests[name] = digest
    tokens = data.stat().st_size // 4
    print(f"detector alone, window scope, {tokens // LENGTH} windows of {LENGTH} cl100k tokens (the Shakespeare sample), one core")
    for name, values in rates.items():
        print(f"  {name:<20} best {max(values) / 1e6:5.1f} M tokens/s   (runs: {' '.join(f'{v / 1e6:.1f}' for v in values)})")
    new, old = (max(values) for values in rates.values())
    agree = len(set(digests.values())) == 1
    print(f"  ratio {new / old:.2f}x; match lengths {'agree' if agree else 'DIFFER'}")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
