#!/usr/bin/env python3
"""Memory and time of `hapax-prep shard` on Megatron datasets of many short documents: for each count
in --documents, a dataset of that many documents of --ids ids each (uint16, one sequence per document,
laid out as docs/FORMAT.md section 8 says) is sharded at --seq-len 2048 with Pythia's tokenizer under
`/usr/bin/time -v`. Prints documents, peak resident memory, wall and CPU seconds and CPU
microseconds per document, then two verdicts:

- memory flat: the largest peak is within 10% of the smallest;
- time linear: the CPU time (user and system) of one more document, taken between consecutive counts
  so that the fixed start-up cost cancels, differs by at most 20% between the first and the last
  such interval. CPU time, since wall time on a machine shared with other work moves by a fifth from
  one run to the next.

    .venv/bin/python tools/bench_megatron_memory.py    (after tools/fetch-data.sh and a release build)
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]


def write_dataset(prefix, documents, ids, vocabulary, seed):
    """A Megatron dataset of `documents` documents of `ids` random ids below `vocabulary`, each one
    sequence; written in slices, so that the writer's memory is not the one measured growing."""
    rng = np.random.default_rng(seed)
    slice_documents = 1 << 20
    with open(f"{prefix}.bin", "wb") as data:
        for start in range(0, documents, slice_documents):
            count = min(slice_documents, documents - start)
            data.write(rng.integers(0, vocabulary, size=count * ids, dtype=np.uint16).tobytes())
    with open(f"{prefix}.idx", "wb") as index:
        index.write(b"MMIDIDX\x00\x00" + np.uint64(1).tobytes() + np.uint8(8).tobytes())
        index.write(np.uint64(documents).tobytes() + np.uint64(documents + 1).tobytes())
        for start in range(0, documents, slice_documents):
            count = min(slice_documents, documents - start)
            index.write(np.full(count, ids, dtype=np.int32).tobytes())
        for start in range(0, documents, slice_documents):
            count = min(slice_documents, documents - start)
            index.write((np.arange(start, start + count, dtype=np.int64) * ids * 2).tobytes())
        for start in range(0, documents + 1, slice_documents):
            index.write(np.arange(start, min(start + slice_documents, documents + 1), dtype=np.int64).tobytes())
    return pathlib.Path(f"{prefix}.idx")


def measure(prep, idx, tokenizer, seq_len, out):
    """(peak resident MB, wall seconds, CPU seconds) of one shard run."""
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(["/usr/bin/time", "-v", str(prep), "shard", str(idx), "--tokenizer", str(tokenizer),
                             "--seq-len", str(seq_len), "-o", str(out)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench_megatron_memory: shard of {idx} failed:\n{result.stderr}")
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    hours, minutes, seconds = int(clock.group(1) or 0), int(clock.group(2)), float(clock.group(3))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", result.stderr).group(1)) for kind in ("User", "System"))
    shutil.rmtree(out, ignore_errors=True)
    return peak / 1024, hours * 3600 + minutes * 60 + seconds, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", default="1e6,4e6,16e6", help="comma-separated document counts, increasing")
    parser.add_argument("--ids", type=int, default=3, help="ids per document")
    parser.add_argument("--seq-len", type=int, default=2048)
    parser.add_argument("--tokenizer", default=str(ROOT / "data" / "pythia" / "20B_tokenizer.json"))
    parser.add_argument("--vocabulary", type=int, default=50000, help="ids are drawn below it")
    parser.add_argument("--prep", default=str(ROOT / ".build" / "release" / "hapax-prep"))
    parser.add_argument("--scratch", default=tempfile.gettempdir(), help="where the datasets are written (and removed)")
    args = parser.parse_args()
    counts = [int(float(c)) for c in args.documents.split(",")]
    if counts != sorted(counts) or len(counts) < 2:
        sys.exit("bench_megatron_memory: --documents takes at least two increasing counts")
    for path in (args.tokenizer, args.prep):
        if not pathlib.Path(path).exists():
            sys.exit(f"bench_megatron_memory: {path} is missing (tools/fetch-data.sh --from a mirror, swift build -c release)")

    folder = pathlib.Path(tempfile.mkdtemp(prefix="bench-megatron-", dir=args.scratch))
    rows = []
    try:
        for k, documents in enumerate(counts):
            idx = write_dataset(folder / f"d{documents}", documents, args.ids, args.vocabulary, seed=k)
            peak, seconds, cpu = measure(args.prep, idx, args.tokenizer, args.seq_len, folder / "out")
            idx.unlink()
            idx.with_suffix(".bin").unlink()
            rows.append((documents, peak, seconds, cpu))
            print(f"{documents:>12,} documents: {peak:7.0f} MB peak, {seconds:7.1f} s, {cpu:7.1f} s of CPU", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print("\n| documents | peak RSS (MB) | wall seconds | CPU seconds | CPU µs per document |\n| ---: | ---: | ---: | ---: | ---: |")
    for documents, peak, seconds, cpu in rows:
        print(f"| {documents:,} | {peak:.0f} | {seconds:.1f} | {cpu:.1f} | {cpu / documents * 1e6:.2f} |")
    peaks = [row[1] for row in rows]
    spread = max(peaks) / min(peaks) - 1
    marginal = [(b[3] - a[3]) / (b[0] - a[0]) * 1e6 for a, b in zip(rows, rows[1:])]
    drift = max(marginal[0], marginal[-1]) / min(marginal[0], marginal[-1]) - 1
    print(f"\npeak memory: largest {spread:.0%} above smallest: {'flat' if spread <= 0.10 else 'NOT flat'} (goal: within 10%)")
    print("CPU time per added document between consecutive counts: " + ", ".join(f"{m:.2f} µs" for m in marginal)
          + f"; first and last differ by {drift:.0%}: {'linear' if drift <= 0.20 else 'NOT linear'} (goal: within 20%)")


if __name__ == "__main__":
    main()
