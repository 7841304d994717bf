#!/usr/bin/env python3
"""Tokenizer throughput, in one run: hapax against tiktoken with cl100k_base, then against Hugging Face
`tokenizers` on one thread with a tokenizer.json of each family of tools/tokenizer_families.py
(trained here on the corpus, 32,000 ids), on the Shakespeare corpus and on the same corpus with a
decomposed accent in every fifth word (so that NFC has work everywhere); then the SentencePiece
families on one thread: Mistral's two SentencePiece models (data/mistral) against sentencepiece,
`tokenizers` (their tokenizer.json as transformers 4.x converts them) and kitoken, and Mistral's
Tekken file against mistral_common (tiktoken underneath) and kitoken, a Unigram model trained here
with `spm_train`'s defaults against sentencepiece and kitoken, Mistral's two models again on a
multilingual corpus (tools/multilingual_corpus.py: twelve scripts, code, emoji, characters rare
enough to fall back to bytes), and the processor time of loading each `.model`; then, on one thread against
`tokenizers`, the families whose pre-tokenizers run through Oniguruma and character tests
(tools/pre_tokenizer_families.py: DeepSeek-V3, BLOOM, Falcon, StarCoder 2, SmolLM).

Every side is timed on encoding alone (text already in memory, tokenizer already loaded, normalization
included): tiktoken's encode_ordinary and Hugging Face's encode in this process, hapax as reported by
`hapax-prep tokenize` for its encoding phase. Each figure is the best of --repeats runs. The cl100k
section ends with what a user waits for: loading cl100k, o200k, a tokenizer.json of 128,000 ranks in
Llama 3's layout and Mistral's Tekken file (hapax as a whole process on an empty input, tiktoken,
tokenizers and mistral_common in this process), and `tokenize --threads 1` as a whole process against
GitHub's `bpe` crate (bpe-openai) and kitoken in this process.

    .venv/bin/python tools/bench_tokenizer.py            (after tools/fetch-data.sh and a release build)
    .venv/bin/python tools/bench_tokenizer.py --only sentencepiece
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import time

import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tokenizers import Tokenizer

import multilingual_corpus
import pre_tokenizer_families
from tokenizer_families import FAMILIES, O200K, build

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
    parser.add_argument("--only", choices=["cl100k", "families", "sentencepiece", "pre-tokenizers"], help="run one section")
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
    if args.only in (None, "pre-tokenizers"):
        pre_tokenizer_families_rates(args, files, texts, size)


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
    loading_table(args, rank_file)
    print()
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


def wall(command, env=None):
    """Seconds a whole process takes."""
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def elapsed(make):
    """Seconds `make()` takes in this process."""
    start = time.perf_counter()
    make()
    return time.perf_counter() - start


def loading_table(args, rank_file):
    """Loading each large tokenizer: hapax as a whole process on an empty input, each peer in this
    process; the o200k rank file and the 128k tokenizer.json are made here (see their functions).
    hapax is timed with an empty cache (a fresh XDG_CACHE_HOME each time: the first load of a file)
    and with the entry its first load left (every later load); only tokenizer.json files of 1 MB or
    more are cached, so for the others the two columns time the same work. A third column times the
    cached load on one line whose words are no tokens: a rank file's merge table is derived while
    the process goes on, and this is what the first encode that needs a merge waits for."""
    import shutil
    import tempfile
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    empty = ROOT / ".build" / "bench-empty.txt"
    empty.write_text("")
    merging = ROOT / ".build" / "bench-merging.txt"
    merging.write_text("xqzjwv qqxyzk\n")
    folder = ROOT / ".build" / "bench-loading"
    folder.mkdir(parents=True, exist_ok=True)
    o200k = o200k_rank_file(folder)
    llama = llama3_layout_json(o200k, folder)
    tekken = ROOT / "data" / "mistral" / "tekken_240718.json"

    def tiktoken_of(path, name, pattern):
        return lambda: tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens={})

    cases = [(rank_file, "tiktoken", tiktoken_of(rank_file, "cl100k_base", CL100K), 50),
             (o200k, "tiktoken", tiktoken_of(o200k, "o200k_base", O200K), 100),
             (llama, "tokenizers", lambda: Tokenizer.from_file(str(llama)), 100),
             (tekken, "mistral_common", lambda: Tekkenizer.from_file(str(tekken)), None)]
    print(f"\nloading (best of {args.repeats}): hapax as a whole process on an empty input, the peer in this process")
    print(f"  {'tokenizer':<34} {'hapax first':>11} {'cached':>8} {'merging':>8} {'peer':<15} {'peer':>8}"
          f" {'sooner, first / cached / merging':>33}")
    for path, peer, make, goal in cases:
        command = [args.binary, "tokenize", "--tokenizer", str(path), "--count", str(empty)]
        cache = pathlib.Path(tempfile.mkdtemp(prefix="hapax-bench-cache-"))
        env = dict(os.environ, XDG_CACHE_HOME=str(cache))
        first = []
        for _ in range(args.repeats):
            shutil.rmtree(cache / "hapax", ignore_errors=True)
            first.append(wall(command, env))
        first = min(first)
        cached = min(wall(command, env) for _ in range(args.repeats))
        merged = min(wall(command[:-1] + [str(merging)], env) for _ in range(args.repeats))
        shutil.rmtree(cache)
        theirs = min(elapsed(make) for _ in range(args.repeats))
        note = f"  (goal 4x, and at most {goal} ms)" if goal else ""
        print(f"  {path.name:<34} {first * 1000:8.0f} ms {cached * 1000:5.0f} ms {merged * 1000:5.0f} ms {peer:<15}"
              f" {theirs * 1000:5.0f} ms {theirs / first:10.2f}x / {theirs / cached:5.2f}x / {theirs / merged:5.2f}x{note}")


def o200k_rank_file(folder):
    """OpenAI's o200k_base.tiktoken, rebuilt from the ranks the `bpe-openai` package carries (no
    network here); checked byte for byte against OpenAI's published SHA-256 of the file."""
    import base64
    import hashlib
    import bpe_openai
    path = folder / "o200k_base.tiktoken"
    if not path.exists():
        encoding = bpe_openai.get_encoding("o200k_base")
        lines = []
        for rank in range(encoding.max_token_value + 1):
            try:
                if not encoding.is_special_token(rank):
                    lines.append(f"{base64.b64encode(encoding.decode_single_token_bytes(rank)).decode()} {rank}")
            except KeyError:  # a rank o200k leaves unused
                pass
        path.write_text("\n".join(lines) + "\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d":
        sys.exit(f"bench_tokenizer: {path} is not OpenAI's o200k_base.tiktoken (SHA-256 {digest})")
    return path


def llama3_layout_json(rank_file, folder, count=128000):
    """A tokenizer.json laid out as Llama 3's: the first `count` ranks of `rank_file` as a byte-level
    BPE with tiktoken's merges (every split of a token into two tokens, by the token's rank, as
    transformers' TikTokenConverter derives them), `ignore_merges`, Llama 3's split pattern, and 256
    special tokens after the ranks."""
    import base64
    from tokenizers import Regex, decoders, models, pre_tokenizers
    from tokenizer_families import LLAMA3, byte_level, split
    path = folder / f"llama3-layout-{count}.json"
    if path.exists():
        return path
    characters = {}
    next_character = 256
    for byte in range(256):
        printable = 33 <= byte <= 126 or 161 <= byte <= 172 or 174 <= byte <= 255
        characters[byte] = chr(byte) if printable else chr(next_character)
        next_character += 0 if printable else 1
    vocab = {}
    for line in rank_file.read_text().splitlines():
        token, rank = line.split()
        if int(rank) < count:
            vocab["".join(characters[b] for b in base64.b64decode(token))] = int(rank)
    merges = []
    for token, rank in vocab.items():
        splits = [(token[:i], token[i:]) for i in range(1, len(token)) if token[:i] in vocab and token[i:] in vocab]
        merges += sorted(splits, key=lambda pair: (vocab[pair[0]], vocab[pair[1]]))
    merges.sort(key=lambda pair: vocab[pair[0] + pair[1]])
    tokenizer = Tokenizer(models.BPE(vocab, merges, ignore_merges=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([split(LLAMA3), byte_level(False)])
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(["<|begin_of_text|>", "<|end_of_text|>"] + [f"<|reserved_special_token_{i}|>" for i in range(254)])
    tokenizer.save(str(path))
    return path


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


def pre_tokenizer_families_rates(args, files, texts, size):
    folder = ROOT / ".build" / "bench-pre-tokenizers"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\npre-tokenizers through Oniguruma and character tests, 1 thread, MB/s (best of {args.repeats})")
    print(f"  {'family':<12} {'Hugging Face':>12} {'hapax':>8} {'ratio':>7}")
    for name, spec in pre_tokenizer_families.FAMILIES.items():
        path = pre_tokenizer_families.train(*spec, files, folder / f"{name}.json", vocab_size=32000)
        reference = Tokenizer.from_file(str(path))
        reference.encode_special_tokens = True
        hugging_face = best_rate(lambda t: reference.encode(t, add_special_tokens=False), texts, size, args.repeats)
        hapax = max(hapax_rate(args.binary, path, files, 1) for _ in range(args.repeats))
        print(f"  {name:<12} {hugging_face:12.2f} {hapax:8.2f} {hapax / hugging_face:6.1f}x  (goal 3x)")


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
    unigram = unigram_model(files, folder)
    processor = spm.SentencePieceProcessor(model_file=str(unigram))
    kit = kitoken.Kitoken.from_sentencepiece_file(str(unigram))
    report(args, "Unigram, spm_train defaults (goal 2x the faster)", unigram, files, texts, size,
           {"sentencepiece": processor.encode, "kitoken": kit.encode})
    tekken = mistral / "tekken_240718.json"
    mistral_common = Tekkenizer.from_file(str(tekken))
    kit = kitoken.Kitoken.from_tekken_file(str(tekken))
    report(args, tekken.name, tekken, files, texts, size,
           {"mistral_common": lambda t: mistral_common.encode(t, bos=False, eos=False), "kitoken": kit.encode})

    documents = multilingual_corpus.documents()
    inputs = []
    for i, document in enumerate(documents):
        inputs.append(folder / f"multilingual-{i}.txt")
        inputs[-1].write_text(document, encoding="utf-8")
    multilingual_size = sum(len(d.encode()) for d in documents)
    print(f"\nSentencePiece BPE on the multilingual corpus (tools/multilingual_corpus.py), {multilingual_size / 1e6:.2f} MB")
    for name in ["tokenizer.model.v1", "mistral_instruct_tokenizer_240323.model.v3"]:
        model = mistral / name
        processor = spm.SentencePieceProcessor(model_file=str(model))
        kit = kitoken.Kitoken.from_sentencepiece_file(str(model))
        report(args, name, model, inputs, documents, multilingual_size, {"sentencepiece": processor.encode, "kitoken": kit.encode})
    model_loading(args, [mistral / "tokenizer.model.v1", mistral / "mistral_instruct_tokenizer_240323.model.v3", unigram])


def unigram_model(files, folder):
    """A Unigram model trained here with sentencepiece's trainer and its default options (8,000
    pieces, nmt_nfkc) on the corpus, as `spm_train --input=... --model_prefix=...` trains one."""
    import sentencepiece as spm
    prefix = folder / "unigram-default"
    if not prefix.with_suffix(".model").exists():
        spm.SentencePieceTrainer.train(input=",".join(map(str, files)), model_prefix=str(prefix), minloglevel=2)
    return prefix.with_suffix(".model")


def processor_seconds(command):
    """User and system time of a whole child process."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def model_loading(args, models):
    """Loading a `.model`: hapax's processor time as a whole process on an empty input, against
    sentencepiece's and kitoken's processor time to load it in this process."""
    import kitoken
    import sentencepiece as spm
    empty = ROOT / ".build" / "bench-empty.txt"
    empty.write_text("")
    print(f"\nloading a .model, processor time (best of {args.repeats}): hapax as a whole process on an empty input, peers in this process")
    print(f"  {'model':<44} {'hapax':>8} {'sentencepiece':>14} {'kitoken':>8}")
    for model in models:
        hapax = min(processor_seconds([args.binary, "tokenize", "--tokenizer", str(model), "--count", str(empty)])
                    for _ in range(args.repeats))

        def cpu(make):
            start = time.process_time()
            make()
            return time.process_time() - start
        theirs = min(cpu(lambda: spm.SentencePieceProcessor(model_file=str(model))) for _ in range(args.repeats))
        kit = min(cpu(lambda: kitoken.Kitoken.from_sentencepiece_file(str(model))) for _ in range(args.repeats))
        print(f"  {model.name:<44} {hapax * 1000:5.0f} ms {theirs * 1000:11.0f} ms {kit * 1000:5.0f} ms")


def report(args, name, path, files, texts, size, peers):
    hapax_ids = subprocess.run([args.binary, "tokenize", "--tokenizer", str(path), "--threads", "1", *map(str, files)],
                               capture_output=True, text=True, check=True).stdout.splitlines()
    hapax = max(hapax_rate(args.binary, path, files, 1) for _ in range(args.repeats))
    for peer, encode in peers.items():
        unequal = sum(encode(t) != list(map(int, line.split())) for t, line in zip(texts, hapax_ids))
        rate = best_rate(encode, texts, size, args.repeats)
        goal = "  (goal 2x)" if peer == "kitoken" else ""
        print(f"  {name:<44} {peer:<16} {rate:9.2f} {hapax:8.2f} {hapax / rate:6.1f}x{goal}"
              f"{f'  NOT EQUAL on {unequal} of {len(texts)} documents' if unequal else ''}")


if __name__ == "__main__":
    main()
