#!/usr/bin/env python3
"""Tokenizer throughput, in one run: hapax against tiktoken with cl100k_base, then against Hugging Face
`tokenizers` on one thread with a tokenizer.json of each family of tools/tokenizer_families.py
(trained here on the corpus, 32,000 ids), on the Shakespeare corpus and on the same corpus with a
decomposed accent in every fifth word (so that NFC has work everywhere); then the SentencePiece
families on one thread: Mistral's two SentencePiece models (data/mistral) against sentencepiece,
`tokenizers` (their tokenizer.json as transformers 4.x converts them) and kitoken, and Mistral's
Tekken file against mistral_common (tiktoken underneath) and kitoken.

Every side is timed on encoding alone (text already in memory, tokenizer already loaded, normalization
included): tiktoken's encode_ordinary and Hugging Face's encode in this process, hapax as reported by
`hapax-prep tokenize` for its encoding phase. Each figure is the best of --repeats runs. The cl100k
section ends with what a user waits for: loading cl100k (hapax as a whole process on an empty input,
tiktoken in this process) and `tokenize --threads 1` as a whole process against GitHub's `bpe` crate
(bpe-openai) and kitoken in this process.

    .venv/bin/python tools/bench_tokenizer.py            (after tools/fetch-data.sh and a release build)
    .venv/bin/python tools/bench_tokenizer.py --only sentencepiece
"""
import argparse
import pathlib
import re
import subprocess
import sys
import time

import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tokenizers import Tokenizer

from tokenizer_families import FAMILIES, build

ROOT = pathlib.Path(__file__).resolve().parents[1]
CL100K = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""


def hapax_rate(binary, tokenizer, files, threads):
    result = subprocess.run([binary, "tokenize", "--tokenizer", str(tokenizer), "--count",
                             "--threads", str(threads), *map(str, files)], capture_output=True, text=True, check=True)
    return float(re.search(r"([0-9.]+) MB/s", result.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/hapax-prep"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=["cl100k", "families", "sentencepiece"], help="run one section")
    args = parser.parse_args()

    rank_file = ROOT / "data/cl100k_base.tiktoken"
    files = sorted((ROOT / "data/shakespeare").glob("*.txt"))
    if not rank_file.exists() or len(files) != 42:
        sys.exit("bench_tokenizer: run tools/fetch-data.sh first")
    whole = ROOT / ".build" / "bench-corpus.txt"
    texts = [f.read_text(encoding="utf-8") for f in files]
    whole.write_text("".join(texts), encoding="utf-8")
    size = sum(len(t.encode()) for t in texts)

    if args.only in (None, "cl100k"):
        cl100k(args, rank_file, files, texts, size)
    if args.only in (None, "families"):
        families(args, files, texts)
    if args.only in (None, "sentencepiece"):
        sentencepiece_families(args, files, texts, size)


def cl100k(args, rank_file, files, texts, size):
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
    whole_process(args, rank_file, files, texts, size, encoding)


def whole_process(args, rank_file, files, texts, size, encoding):
    """What a user waits for: loading, and `tokenize` as a whole process, against the peers in this
    process (their loading excluded from their rates); each peer's ids checked equal to hapax's."""
    import bpe_openai
    import kitoken
    empty = ROOT / ".build" / "bench-empty.txt"
    empty.write_text("")

    def wall(command):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - start

    def loading(make):
        start = time.perf_counter()
        make()
        return time.perf_counter() - start

    hapax_load = min(wall([args.binary, "tokenize", "--tokenizer", str(rank_file), "--count", str(empty)]) for _ in range(args.repeats))
    tiktoken_load = min(loading(lambda: tiktoken.Encoding(name="cl100k_base", pat_str=CL100K, special_tokens={},
                                                           mergeable_ranks=load_tiktoken_bpe(str(rank_file)))) for _ in range(args.repeats))
    print(f"\nloading cl100k_base: hapax (a whole process on an empty input) {hapax_load * 1000:.0f} ms, "
          f"tiktoken {tiktoken_load * 1000:.0f} ms: {tiktoken_load / hapax_load:.2f}x sooner (goal 4x, and at most 50 ms)")
    ids = [list(map(int, line.split())) for line in subprocess.run(
        [args.binary, "tokenize", "--tokenizer", str(rank_file), "--threads", "1", *map(str, files)],
        capture_output=True, text=True, check=True).stdout.splitlines()]
    peers = {"bpe-openai": bpe_openai.get_encoding("cl100k_base").encode_ordinary,
             "kitoken": kitoken.Kitoken.from_tiktoken_file(str(rank_file)).encode}
    process = min(wall([args.binary, "tokenize", "--tokenizer", str(rank_file), "--threads", "1", "--count", *map(str, files)])
                  for _ in range(args.repeats))
    hapax_rate = size / 1e6 / process
    print(f"tokenize --threads 1 as a whole process: {hapax_rate:.2f} MB/s (loading and reading included)")
    for name, encode in peers.items():
        equal = all(encode(t) == i for t, i in zip(texts, ids))
        rate = best_rate(encode, texts, size, args.repeats)
        print(f"  {name:<11} in process {rate:6.2f} MB/s: hapax whole process {hapax_rate / rate:.2f}x"
              f"{'  (goal 2x)' if name == 'bpe-openai' else ''}{'' if equal else '  NOT EQUAL'}")


def accented(text, every=5):
    """`text` with a combining acute accent after the first letter of every `every`-th word."""
    words = text.split(" ")
    return " ".join(w[0] + "\u0301" + w[1:] if i % every == 0 and w[:1].isalpha() else w for i, w in enumerate(words))


def families(args, files, texts):
    folder = ROOT / ".build" / "bench-families"
    folder.mkdir(parents=True, exist_ok=True)
    corpora = {"corpus": texts, "accented": [accented(t) for t in texts]}
    inputs = {}
    for corpus, documents in corpora.items():
        inputs[corpus] = []
        for i, document in enumerate(documents):
            inputs[corpus].append(folder / f"{corpus}-{i}.txt")
            inputs[corpus][-1].write_text(document, encoding="utf-8")
    print(f"\nfamilies, 1 thread, MB/s (best of {args.repeats}); Hugging Face with encode_special_tokens, as hapax encodes")
    print(f"  {'family':<9} {'corpus':<9} {'Hugging Face':>12} {'hapax':>8} {'ratio':>7}")
    for name in FAMILIES:
        path = build(name, files, folder / f"{name}.json", vocab_size=32000)
        reference = Tokenizer.from_file(str(path))
        reference.encode_special_tokens = True
        for corpus, documents in corpora.items():
            size = sum(len(d.encode()) for d in documents)
            hugging_face = hapax = 0
            for _ in range(args.repeats):
                start = time.perf_counter()
                for document in documents:
                    reference.encode(document, add_special_tokens=False)
                hugging_face = max(hugging_face, size / 1e6 / (time.perf_counter() - start))
                hapax = max(hapax, hapax_rate(args.binary, path, inputs[corpus], 1))
            print(f"  {name:<9} {corpus:<9} {hugging_face:12.2f} {hapax:8.2f} {hapax / hugging_face:6.1f}x  (goal 10x)")


def best_rate(encode, documents, size, repeats):
    best = 0
    for _ in range(repeats):
        start = time.perf_counter()
        for document in documents:
            encode(document)
        best = max(best, size / 1e6 / (time.perf_counter() - start))
    return best


def sentencepiece_families(args, files, texts, size):
    import kitoken
    import sentencepiece as spm
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    from transformers import LlamaTokenizer
    from transformers.convert_slow_tokenizer import convert_slow_tokenizer

    folder = ROOT / ".build" / "bench-sentencepiece"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nSentencePiece families, 1 thread, MB/s (best of {args.repeats}), {size / 1e6:.2f} MB; every peer checked equal to hapax first")
    print(f"  {'tokenizer':<44} {'peer':<16} {'peer MB/s':>9} {'hapax':>8} {'ratio':>7}")
    mistral = ROOT / "data" / "mistral"
    for name in ["tokenizer.model.v1", "mistral_instruct_tokenizer_240323.model.v3"]:
        model = mistral / name
        converted = folder / f"{name}.json"
        if not converted.exists():
            convert_slow_tokenizer(LlamaTokenizer(vocab_file=str(model), legacy=True)).save(str(converted))
        processor = spm.SentencePieceProcessor(model_file=str(model))
        hugging_face = Tokenizer.from_file(str(converted))
        hugging_face.encode_special_tokens = True
        kit = kitoken.Kitoken.from_sentencepiece_file(str(model))
        peers = {"sentencepiece": processor.encode, "kitoken": kit.encode,
                 "tokenizers": lambda t: hugging_face.encode(t, add_special_tokens=False).ids}
        report(args, name, model, files, texts, size, peers)
        report(args, f"{name} as tokenizer.json", converted, files, texts, size,
               {"tokenizers": peers["tokenizers"], "kitoken": peers["kitoken"]})
    tekken = mistral / "tekken_240718.json"
    mistral_common = Tekkenizer.from_file(str(tekken))
    kit = kitoken.Kitoken.from_tekken_file(str(tekken))
    report(args, tekken.name, tekken, files, texts, size,
           {"mistral_common": lambda t: mistral_common.encode(t, bos=False, eos=False), "kitoken": kit.encode})


def report(args, name, path, files, texts, size, peers):
    hapax_ids = subprocess.run([args.binary, "tokenize", "--tokenizer", str(path), "--threads", "1", *map(str, files)],
                               capture_output=True, text=True, check=True).stdout.splitlines()
    hapax = max(hapax_rate(args.binary, path, files, 1) for _ in range(args.repeats))
    for peer, encode in peers.items():
        equal = all(encode(t) == list(map(int, line.split())) for t, line in zip(texts, hapax_ids))
        rate = best_rate(encode, texts, size, args.repeats)
        goal = "  (goal 2x)" if peer == "kitoken" else ""
        print(f"  {name:<44} {peer:<16} {rate:9.2f} {hapax:8.2f} {hapax / rate:6.1f}x{goal}{'' if equal else '  NOT EQUAL'}")


if __name__ == "__main__":
    main()
