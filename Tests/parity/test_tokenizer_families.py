"""Parity with Hugging Face tokenizers on tokenizer.json files in the shape of today's families:
normalizers, Split pre-tokenizers with the families' regexes, ByteLevel with and without its own
regex, and added tokens with their options. Each file is trained here with the `tokenizers` API on
the corpus; hapax must give Hugging Face's ids on the corpus, the stress texts and random texts, with
special tokens never produced from text (Hugging Face's `encode_special_tokens`)."""
import json
import pathlib
import sys

import pytest
from tokenizers import Tokenizer

from conftest import hapax_ids, run
from texts import NORMALIZATION_STRESS, STRESS, normalization_texts, random_texts

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
from tokenizer_families import FAMILIES, build  # noqa: E402


@pytest.fixture(scope="module")
def family_files(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("families")
    return {name: build(name, corpus_files[:12], folder / f"{name}.json") for name in FAMILIES}


@pytest.fixture(scope="module")
def texts(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("family-texts")
    texts = ([NORMALIZATION_STRESS, STRESS, ""] + normalization_texts(200) + random_texts(150, seed=9)
             + [f.read_text(encoding="utf-8") for f in corpus_files[12:20]])
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    return texts, files


@pytest.mark.parametrize("family", FAMILIES)
def test_encodes_as_hugging_face(hapax_prep, family_files, texts, family):
    reference = Tokenizer.from_file(str(family_files[family]))
    reference.encode_special_tokens = True
    texts, files = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, family_files[family], files)):
        assert ids == reference.encode(text, add_special_tokens=False).ids, (family, text[:300])


def test_explain_names_the_parts(hapax_prep, family_files):
    neox = run([hapax_prep, "tokenize", "--tokenizer", str(family_files["neox"]), "--explain"]).stdout.decode()
    assert "normalizer: NFC" in neox
    assert "ByteLevel with the gpt2 pattern" in neox
    assert "2 special" in neox and "23 matched in text" in neox
    assert "end of text: <|endoftext|> (0)" in neox
    qwen = run([hapax_prep, "tokenize", "--tokenizer", str(family_files["qwen2"]), "--explain"]).stdout.decode()
    assert "Split with the qwen2 pattern, then ByteLevel without its own" in qwen


def test_documents_end_with_the_familys_end_of_text(hapax_prep, family_files, corpus_files, tmp_path):
    out = tmp_path / "shards"
    run([hapax_prep, "shard", str(corpus_files[0]), "--tokenizer", str(family_files["llama3"]), "--seq-len", "64", "-o", str(out)])
    identity = json.loads((out / "manifest.json").read_text())["parameters"]["tokenizer"]
    reference = Tokenizer.from_file(str(family_files["llama3"]))
    assert identity["end_of_text"] == reference.token_to_id("<|end_of_text|>")
    assert identity["pattern"] == "llama3"


@pytest.mark.parametrize("edit, message", [
    (lambda spec: spec["pre_tokenizer"]["pretokenizers"][0]["pattern"].update(Regex=r"\w+|(\s+"),
     r'pre_tokenizer.pretokenizers[0].pattern.Regex: "\\w+|(\\s+" does not compile'),
    (lambda spec: spec.update(normalizer={"type": "ByteLevel"}), 'normalizer.type: "ByteLevel" is not supported'),
    (lambda spec: spec.update(normalizer={"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "ByteLevel"}]}),
     'normalizer.normalizers[1].type: "ByteLevel" is not supported'),
    (lambda spec: spec["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "Metaspace"}),
     "ByteLevel and Metaspace in one Sequence are not supported"),
    (lambda spec: spec["pre_tokenizer"]["pretokenizers"][0].update(behavior="Dropped"),
     'pre_tokenizer.pretokenizers[0].behavior: "Dropped" is not one of Hugging Face\'s behaviors'),
])
def test_what_is_not_run_exactly_is_refused_by_name(hapax_prep, family_files, tmp_path, edit, message):
    spec = json.loads(family_files["llama3"].read_text())
    edit(spec)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(spec))
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "-"], input=b"x", check=False)
    assert result.returncode != 0
    assert str(path) in result.stderr.decode() and message in result.stderr.decode(), result.stderr.decode()


@pytest.mark.parametrize("family", ["neox", "llama3", "qwen2", "prepend"])
def test_train_tokenizer_like_a_family(hapax_prep, family_files, corpus_files, texts, tmp_path, family):
    template = json.loads(family_files[family].read_text())
    out = tmp_path / "trained.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "1500", "--like", str(family_files[family]), "-o", str(out),
         *map(str, corpus_files[:6])])
    trained = json.loads(out.read_text())
    for part in ("normalizer", "pre_tokenizer", "decoder"):
        assert trained[part] == template[part]
    assert [t["content"] for t in trained["added_tokens"]] == [t["content"] for t in template["added_tokens"]]
    reference = Tokenizer.from_file(str(out))
    # The ids written are those Hugging Face gives on loading: after the trained tokens, or a trained token's own.
    assert [t["id"] for t in trained["added_tokens"]] == [reference.token_to_id(t["content"]) for t in trained["added_tokens"]]
    assert min(t["id"] for t in trained["added_tokens"] if t["special"]) == len(trained["model"]["vocab"])
    assert reference.get_vocab_size(with_added_tokens=True) <= 1500
    reference.encode_special_tokens = True
    texts, files = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, out, files)):
        assert ids == reference.encode(text, add_special_tokens=False).ids, (family, text[:300])
