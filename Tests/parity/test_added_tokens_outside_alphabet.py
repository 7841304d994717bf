"""Added tokens outside the byte-level alphabet, against Hugging Face tokenizers 0.22.

DeepSeek-V3's published tokenizer.json (deepseek-ai/DeepSeek-V3 at e815299) lists its special tokens
`<｜begin▁of▁sentence｜>` (id 0), `<｜end▁of▁sentence｜>` (1) and `<｜▁pad▁｜>` (2), spelled with
full-width bars (U+FF5C) and `▁` (U+2581), both in `added_tokens` and in `model.vocab` under their own
text, not its byte-level spelling; its other added tokens, such as `<｜User｜>` and `<think>`, only in
`added_tokens`, not special (as its distilled models' files list them). The file here is built with
the `tokenizers` library to that structure: DeepSeek-V3's normalizer and pre-tokenizer
(tools/pre_tokenizer_families.py), a BPE trained with those three as special tokens (the trainer puts
them in `model.vocab` as DeepSeek's file has them), then the other added tokens.

Added tokens are matched in the text before normalization and pre-tokenization; special ones never
come from text (`encode_special_tokens`, as hapax encodes); the ids are those `tokenizers` gives.
"""
import json
import pathlib
import sys

import pytest
from tokenizers import AddedToken, Tokenizer

import shard_spec
from conftest import hapax_ids, run
from texts import NORMALIZATION_STRESS, STRESS, random_texts

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
from pre_tokenizer_families import FAMILIES, train  # noqa: E402

SPECIALS = ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜▁pad▁｜>"]
CHAT = ["<｜User｜>", "<｜Assistant｜>", "<think>", "</think>", "<｜fim▁hole｜>", "<｜tool▁calls▁begin｜>"]


@pytest.fixture(scope="module")
def deepseek(corpus_files, tmp_path_factory):
    normalizer, pre_tokenizer, _ = FAMILIES["deepseek_v3"]
    path = tmp_path_factory.mktemp("deepseek") / "tokenizer.json"
    train(normalizer, pre_tokenizer, SPECIALS, corpus_files[:3], path)
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.add_tokens([AddedToken(content, special=False, normalized=False) for content in CHAT])
    tokenizer.save(str(path))
    spec = json.loads(path.read_text())
    assert all(spec["model"]["vocab"][content] == k for k, content in enumerate(SPECIALS)), "the structure of DeepSeek-V3's file"
    return path


def texts_with_tokens():
    mixed = "".join(f"{SPECIALS[k % 3]}Hello {CHAT[k % len(CHAT)]}world{CHAT[(k + 1) % len(CHAT)]}  " for k in range(12))
    return ([STRESS, NORMALIZATION_STRESS, "", mixed, "<｜User｜>", "<｜User｜<｜User｜>>", "<｜Use", "｜▁｜ ▁▁ ｜",
             "<｜begin▁of▁sentence｜>You are helpful.<｜User｜>2+2?<｜Assistant｜><think>4</think>4<｜end▁of▁sentence｜>"]
            + [t.replace("a", CHAT[k % len(CHAT)]).replace("e", SPECIALS[k % 3]) for k, t in enumerate(random_texts(500, seed=45))])


def test_encodes_as_hugging_face(hapax_prep, deepseek, corpus_files, tmp_path):
    reference = Tokenizer.from_file(str(deepseek))
    reference.encode_special_tokens = True
    texts = texts_with_tokens() + [f.read_text(encoding="utf-8") for f in corpus_files[20:22]]
    files = []
    for i, text in enumerate(texts):
        files.append(tmp_path / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    for text, ids in zip(texts, hapax_ids(hapax_prep, deepseek, files), strict=True):
        assert ids == reference.encode(text, add_special_tokens=False).ids, text[:200]


def test_explain_lists_the_tokens_and_the_ends(hapax_prep, deepseek):
    out = run([hapax_prep, "tokenize", "--tokenizer", str(deepseek), "--explain"]).stdout.decode()
    assert "3 special, never produced from text" in out and '"<｜User｜>" (' in out, out
    assert "end of text: <｜end▁of▁sentence｜> (1)" in out and "beginning of text: <｜begin▁of▁sentence｜> (0)" in out, out


def test_shards_end_documents_with_the_end_of_sentence(hapax_prep, deepseek, corpus_files, tmp_path):
    reference = Tokenizer.from_file(str(deepseek))
    out = tmp_path / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files[:2]), "--tokenizer", str(deepseek), "--seq-len", "128", "-o", str(out)])
    spec = shard_spec.manifest(out)
    assert spec["parameters"]["tokenizer"]["end_of_text"] == 1
    stream = []
    for file in corpus_files[:2]:
        stream += reference.encode(file.read_text(encoding="utf-8"), add_special_tokens=False).ids + [1]
    _, windows, _ = shard_spec.read_shard(out / spec["splits"]["train"]["shards"][0]["file"])
    rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < 128


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["model"]["vocab"].update({"<｜nobody｜>": 3000}),
     'model.vocab["<｜nobody｜>"]: the token is not spelled in the byte-level alphabet, and is no added token\'s content'),
    (lambda s: s["added_tokens"][8].update(content=7), "added_tokens[8].content: expected a string, got a number"),
    (lambda s: s["added_tokens"][0].update(content="<｜begin of sentence｜>"),
     'model.vocab["<｜begin▁of▁sentence｜>"]: the token is not spelled in the byte-level alphabet, and is no added token\'s content'),
    (lambda s: s["model"]["vocab"].update({"<｜User｜>": "four"}), 'model.vocab["<｜User｜>"]: expected a non-negative integer id'),
])
def test_damaged_files_end_in_one_line(hapax_prep, deepseek, tmp_path, edit, message):
    spec = json.loads(deepseek.read_text())
    edit(spec)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(spec, ensure_ascii=False))
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "--explain"], check=False)
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and str(path) in lines[0] and message in lines[0], lines
