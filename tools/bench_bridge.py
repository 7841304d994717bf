#!/usr/bin/env python3
"""Reading rate of the PyTorch bridge, in one process (one data-loader worker's work): the Shakespeare
sample sharded with cl100k_base, read by `HapaxIterableDataset` in its shuffled order (examples with
labels, as a training loop takes them) against reading every frame in order. Prints tokens per second
of each and their ratio; the goal for shuffled reading is 10 M tokens/s per worker.

    "$(tools/setup-torch.sh)/bin/python" tools/bench_bridge.py [--seq-len 1024]
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile
import time

from hapax_shards import HapaxDataset
from hapax_shards.torch_data import HapaxIterableDataset

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seq-len", type=int, default=1024)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/hapax-prep"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        shards = pathlib.Path(folder) / "shards"
        subprocess.run([args.binary, "shard", str(ROOT / "data/shakespeare"), "--tokenizer", str(ROOT / "data/cl100k_base.tiktoken"),
                        "--seq-len", str(args.seq_len), "-o", str(shards)], check=True, capture_output=True)
        data = HapaxDataset(shards)
        tokens = len(data) * (args.seq_len + 1)

        start = time.perf_counter()
        for entry in data.folder.entries("train"):
            shard = data.folder.shard(entry)
            for f in range(shard.frames):
                shard.frame(f)
        sequential = tokens / (time.perf_counter() - start)

        start = time.perf_counter()
        read = sum(len(example["input_ids"]) for example in HapaxIterableDataset(shards, batch_size=8))
        shuffled = read / (time.perf_counter() - start)

    print(f"{len(data)} train windows of {args.seq_len + 1} tokens ({tokens / 1e6:.2f} M tokens)")
    print(f"sequential frames:              {sequential / 1e6:6.1f} M tokens/s")
    print(f"HapaxIterableDataset, shuffled: {shuffled / 1e6:6.1f} M tokens/s (goal 10)")
    print(f"ratio shuffled / sequential:    {shuffled / sequential:6.2f}")


if __name__ == "__main__":
    sys.exit(main())
