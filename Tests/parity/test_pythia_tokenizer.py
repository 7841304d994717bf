"""Pythia's real tokenizer, GPT-NeoX-20B's `20B_tokenizer.json` (utils/ of EleutherAI's pythia
repository, copied into data/pythia/ by tools/fetch-data.sh from a mirror): its vocabulary has no token
for the single bytes UTF-8 never holds, yet hapax encodes with it exactly as Hugging Face `tokenizers`
does, invalid UTF-8 included (replaced by U+FFFD first, as Python's decoder does), and shards the
sample corpus with it. Skipped only where no mirror holds the file; with one, a missing copy fails."""
import os
import pathlib

import pytest
from tokenizers import Tokenizer

import shard_spec
from conftest import DATA, ROOT, hapax_ids, run
from texts import STRESS, random_texts

PYTHIA = DATA / "pythia" / "20B_tokenizer.json"
MIRROR = pathlib.Path(os.environ.get("HAPAX_DATA_MIRROR", ROOT.parent / "shared" / "data"))
NEVER_IN_UTF8 = [0xC0, 0xC1, *range(0xF5, 0x100)]


@pytest.fixture(scope="module")
def pythia():
    if not PYTHIA.exists():
        assert not (MIRROR / "pythia").exists(), f"{PYTHIA} is missing though {MIRROR}/pythia has it: run tools/fetch-data.sh --from {MIRROR}"
        pytest.skip(f"{PYTHIA} is missing and no mirror has it (utils/20B_tokenizer.json of GitHub's EleutherAI/pythia)")
    return PYTHIA


def byte_level_spelling(byte):
    """GPT-2's printable stand-in for a byte, as byte-level vocabularies spell them."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    return chr(byte) if byte in printable else chr(256 + [b for b in range(256) if b not in printable].index(byte))


def test_the_vocabulary_lacks_the_bytes_utf8_never_holds(pythia):
    vocabulary = Tokenizer.from_file(str(pythia)).get_vocab()
    assert [b for b in range(256) if byte_level_spelling(b) not in vocabulary] == NEVER_IN_UTF8


def test_hapax_encodes_as_huggingface(hapax_prep, pythia, corpus_files, tmp_path):
    invalid = b"caf\xc3 \xc0\xaf \xff\xfe end \xf5\x80\x80\x80 \xed\xa0\x80"
    texts = [STRESS] + random_texts(200, seed=20) + [f.read_text(encoding="utf-8") for f in corpus_files[:8]]
    files = []
    for i, text in enumerate(texts):
        files.append(tmp_path / f"p{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    files.append(tmp_path / "invalid.txt")
    files[-1].write_bytes(invalid)
    texts.append(invalid.decode("utf-8", errors="replace"))
    reference = Tokenizer.from_file(str(pythia))
    reference.encode_special_tokens = True
    for text, ids in zip(texts, hapax_ids(hapax_prep, pythia, files), strict=True):
        assert ids == reference.encode(text, add_special_tokens=False).ids, repr(text[:200])


def test_the_sample_corpus_shards(hapax_prep, pythia, corpus_files, tmp_path):
    out = tmp_path / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files), "--tokenizer", str(pythia), "--seq-len", "2048", "--unit-size", str(64 << 20), "-o", str(out)])
    reference = Tokenizer.from_file(str(pythia))
    reference.encode_special_tokens = True
    # One unit (the corpus is smaller than --unit-size): each document then end-of-text (id 0).
    stream = []
    for f in corpus_files:
        stream += reference.encode(f.read_text(encoding="utf-8"), add_special_tokens=False).ids + [0]
    manifest = shard_spec.manifest(out)
    assert manifest["parameters"]["tokenizer"]["end_of_text"] == 0
    rebuilt = []
    for entry in manifest["splits"]["train"]["shards"]:
        _, windows, _ = shard_spec.read_shard(out / entry["file"])
        for window in windows.tolist():
            rebuilt += window if not rebuilt else window[1:]
    assert len(rebuilt) == (len(stream) - 1) // 2048 * 2048 + 1
    assert rebuilt == stream[: len(rebuilt)]
