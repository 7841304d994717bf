"""Parity with Hugging Face tokenizers, both ways: hapax encodes a tokenizer.json that Hugging Face
trained exactly as Hugging Face does, and Hugging Face encodes one that hapax trained exactly as hapax."""
import json

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from conftest import hapax_ids, run
from texts import STRESS, random_texts


@pytest.fixture(scope="module")
def probe_files(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("probe")
    texts = [STRESS] + random_texts(200, seed=5) + [f.read_text(encoding="utf-8") for f in corpus_files[:8]]
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"p{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    return texts, files


def assert_same_encoding(hapax_prep, tokenizer_path, probe_files):
    texts, files = probe_files
    reference = Tokenizer.from_file(str(tokenizer_path))
    # hapax never produces special tokens from text.
    reference.encode_special_tokens = True
    for text, ids in zip(texts, hapax_ids(hapax_prep, tokenizer_path, files)):
        assert ids == reference.encode(text, add_special_tokens=False).ids, repr(text[:200])


def test_tokenizer_trained_by_huggingface(hapax_prep, corpus_files, probe_files, tmp_path):
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=4096, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train([str(f) for f in corpus_files], trainer)
    path = tmp_path / "hf.json"
    tokenizer.save(str(path))
    assert_same_encoding(hapax_prep, path, probe_files)


def test_tokenizer_trained_by_hapax(hapax_prep, corpus_files, probe_files, tmp_path):
    path = tmp_path / "hapax.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "8192", "-o", str(path), *map(str, corpus_files)])
    spec = json.loads(path.read_text())
    assert len(spec["model"]["vocab"]) + len(spec["added_tokens"]) == 8192
    assert_same_encoding(hapax_prep, path, probe_files)
    reference = Tokenizer.from_file(str(path))
    assert reference.token_to_id("<|endoftext|>") == 8191


def test_add_prefix_space_is_honoured(hapax_prep, corpus_files, probe_files, tmp_path):
    path = tmp_path / "hapax.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "1024", "-o", str(path), *map(str, corpus_files[:3])])
    spec = json.loads(path.read_text())
    spec["pre_tokenizer"]["add_prefix_space"] = True
    path.write_text(json.dumps(spec))
    assert_same_encoding(hapax_prep, path, probe_files)


def test_add_prefix_space_looks_at_the_first_scalar(hapax_prep, corpus_files, tmp_path):
    # " \u0301x" starts with a space followed by a combining mark: one Swift Character, two scalars.
    path = tmp_path / "hapax.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "600", "-o", str(path), *map(str, corpus_files[:2])])
    spec = json.loads(path.read_text())
    spec["pre_tokenizer"]["add_prefix_space"] = True
    path.write_text(json.dumps(spec))
    texts = [" \u0301abc", "\u0301abc", " \u0301", "\u00e9 x", " x"]
    files = []
    for i, text in enumerate(texts):
        files.append(tmp_path / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    reference = Tokenizer.from_file(str(path))
    reference.encode_special_tokens = True
    for text, ids in zip(texts, hapax_ids(hapax_prep, path, files)):
        assert ids == reference.encode(text, add_special_tokens=False).ids, repr(text)
