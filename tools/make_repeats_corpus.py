#!/usr/bin/env python3
"""Writes a synthetic corpus in which copying pays: documents whose lines are spans of random words,
each span repeated 2 to 4 times on consecutive lines. It makes small models form induction heads
within minutes (see pipelines/experiment.sh); Hapax drops every repeated bigram of it, so the contrast
between the runs is exactly the paper's mechanism.

    tools/make_repeats_corpus.py OUT_DIR [--documents 180] [--spans 100] [--span-words 3 8]
        [--vocabulary 3000] [--seed 1]

Deterministic: the same arguments give the same files. Standard library only.
"""
import argparse
import pathlib
import random
import string


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=pathlib.Path, help="folder to write repeats-NNNN.txt into")
    parser.add_argument("--documents", type=int, default=180, help="documents (about 8.5 kB each with the default spans)")
    parser.add_argument("--spans", type=int, default=100, help="distinct spans per document")
    parser.add_argument("--span-words", type=int, nargs=2, default=[3, 8], metavar=("MIN", "MAX"),
                        help="words per span (default 3 8: a span and its repeats fit a 64-token window)")
    parser.add_argument("--vocabulary", type=int, default=3000, help="distinct random words")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 1 <= args.span_words[0] <= args.span_words[1]:
        parser.error("--span-words needs 1 <= MIN <= MAX")

    rng = random.Random(args.seed)
    words = set()
    while len(words) < args.vocabulary:
        words.add("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 6))))
    words = sorted(words)
    args.out.mkdir(parents=True, exist_ok=True)
    for d in range(args.documents):
        lines = []
        for _ in range(args.spans):
            span = " ".join(rng.choice(words) for _ in range(rng.randint(*args.span_words)))
            lines += [span] * rng.randint(2, 4)
        path = args.out / f"repeats-{d:04d}.txt"
        temporary = path.with_suffix(".tmp")
        temporary.write_text("\n".join(lines) + "\n")
        temporary.replace(path)


if __name__ == "__main__":
    main()
