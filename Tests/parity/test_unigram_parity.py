"""Parity for SentencePiece Unigram models (`spm_train`'s default model type: T5, mT5, XLM-R, ALBERT)
against `sentencepiece`'s `encode`: one model per normalization rule (the character map the model
carries: `nmt_nfkc`, the default, `nfkc`, `nmt_nfkc_cf`, `identity` and a custom rule TSV), with and
without byte fallback, and the normalizer's options (extra spaces kept, no dummy prefix, user-defined
symbols). Trained here with sentencepiece's own trainer on the sample corpus, with a small vocabulary."""
import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

import shard_spec
from conftest import hapax_ids, run
from test_sentencepiece_families import SP_STRESS
from texts import NORMALIZATION_STRESS, STRESS, normalization_texts, random_texts

# A custom rule as spm_train reads one (normalization_rule_tsv): source code points, a tab, target
# code points, in hexadecimal. Keys of two characters (the longest key wins), a key that is the
# prefix of another, mappings to several characters and from white space.
CUSTOM_RULES = "\n".join([
    "41\t61",            # A -> a
    "66 69\tFB01",       # fi -> the ligature
    "66\t46",            # f -> F, unless fi matched
    "3000\t20",          # ideographic space -> space
    "9\t20 20",          # a tab -> two spaces
    "E9\t65 301",        # é -> e + combining acute
    "FF21 FF22\t41 42 43",  # full-width AB -> ABC
]) + "\n"

TRAINED = {
    "nmt_nfkc": dict(),
    "nmt_nfkc_fallback": dict(byte_fallback=True),
    "nfkc": dict(normalization_rule_name="nfkc", byte_fallback=True),
    "nmt_nfkc_cf": dict(normalization_rule_name="nmt_nfkc_cf"),
    "identity": dict(normalization_rule_name="identity", character_coverage=0.995),
    "custom": dict(normalization_rule_tsv="RULES"),
    # The normalizer's options, and user-defined symbols (kept as written, always taken).
    "options": dict(remove_extra_whitespaces=False, add_dummy_prefix=False, byte_fallback=True,
                    user_defined_symbols=["<start_of_turn>", "@@", "fi"]),
}


@pytest.fixture(scope="module")
def trained(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("unigram")
    (folder / "rules.tsv").write_text(CUSTOM_RULES)
    models = {}
    for name, options in TRAINED.items():
        options = dict(options)
        if options.get("normalization_rule_tsv") == "RULES":
            options["normalization_rule_tsv"] = str(folder / "rules.tsv")
        spm.SentencePieceTrainer.train(
            input=",".join(map(str, corpus_files[:3])), model_prefix=str(folder / name), model_type="unigram",
            vocab_size=800, character_coverage=options.pop("character_coverage", 0.9995), input_sentence_size=8000,
            shuffle_input_sentence=False, minloglevel=2, **options)
        models[name] = folder / f"{name}.model"
    return models


def paragraphs(file, count):
    """A corpus file's first paragraphs, each a text, and its first 20,000 characters as one. A whole
    play as one text is left out: sentencepiece adds the scores of a path in single precision, and
    over tens of thousands of pieces its rounding decides near-ties in a way hapax does not yet
    reproduce (docs/TOKENIZERS.md)."""
    text = file.read_text(encoding="utf-8")
    return [p for p in text.split("\n\n") if p.strip()][:count] + [text[:20000]]


@pytest.fixture(scope="module")
def texts(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("unigram-texts")
    texts = (SP_STRESS + [NORMALIZATION_STRESS, "fi fifi ﬁ ＡＢ Ａ\tA\u3000é", "\u3000 \u3000lead", "trail\u3000\t "]
             + STRESS.splitlines(keepends=True) + [""] + random_texts(250, seed=31) + normalization_texts(250, seed=32)
             + paragraphs(corpus_files[20], 150))
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    return texts, files


@pytest.mark.parametrize("name", list(TRAINED))
def test_unigram_models_encode_as_sentencepiece(hapax_prep, trained, texts, name):
    reference = spm.SentencePieceProcessor(model_file=str(trained[name]))
    texts, files = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, trained[name], files), strict=True):
        assert ids == reference.encode(text), (name, text[:200])


def test_the_rules_differ(trained):
    """Each model is a different check: the rules normalize the same text apart."""
    text = "ＡＢ ﬁ\tÉcole \u3000x"
    normalized = {name: spm.SentencePieceProcessor(model_file=str(trained[name])).normalize(text)
                  for name in ["nmt_nfkc", "nfkc", "nmt_nfkc_cf", "identity", "custom"]}
    assert len(set(normalized.values())) == len(normalized), normalized


def test_shard_windows_hold_the_ids_and_the_end(hapax_prep, trained, corpus_files, tmp_path):
    path = trained["nmt_nfkc"]
    reference = spm.SentencePieceProcessor(model_file=str(path))
    documents = []
    for k, file in enumerate(corpus_files[:2]):
        documents.append(tmp_path / f"d{k}.txt")
        documents[-1].write_text(paragraphs(file, 0)[0], encoding="utf-8")
    out = tmp_path / "shards"
    run([hapax_prep, "shard", *map(str, documents), "--tokenizer", str(path), "--seq-len", "128", "-o", str(out)])
    spec = shard_spec.manifest(out)
    assert spec["parameters"]["tokenizer"]["end_of_text"] == reference.eos_id()
    stream = []
    for document in documents:
        stream += reference.encode(document.read_text(encoding="utf-8")) + [reference.eos_id()]
    _, windows, _ = shard_spec.read_shard(out / spec["splits"]["train"]["shards"][0]["file"])
    rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < 128


def test_explain_names_the_model(hapax_prep, trained):
    out = run([hapax_prep, "tokenize", "--tokenizer", str(trained["nmt_nfkc_fallback"]), "--explain"]).stdout.decode()
    assert "SentencePiece Unigram" in out and "Unigram (Viterbi" in out and "<0xXX>" in out
    assert "character map" in out and "end of text: </s> (2)" in out


def damaged(model, path, change):
    proto = model_pb2.ModelProto()
    proto.ParseFromString(model.read_bytes())
    change(proto)
    path.write_bytes(proto.SerializeToString())
    return path


def charsmap(proto, blob):
    proto.normalizer_spec.precompiled_charsmap = blob


@pytest.mark.parametrize("case, change, message", [
    ("past-end", lambda p: charsmap(p, p.normalizer_spec.precompiled_charsmap[:-4000]), "points at byte"),
    ("trie-size", lambda p: charsmap(p, b"\xff\xff\x00\x00" + p.normalizer_spec.precompiled_charsmap[4:]), "trie size"),
    ("short", lambda p: charsmap(p, b"\x01\x00"), "fewer than its 4-byte trie size"),
    ("no-unknown", lambda p: p.pieces[0].__setattr__("type", 1), "no UNKNOWN piece"),
])
def test_damaged_models_end_in_one_line(hapax_prep, trained, tmp_path, case, change, message):
    path = damaged(trained["nmt_nfkc"], tmp_path / f"{case}.model", change)
    text = tmp_path / "t.txt"
    text.write_text("hello")
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), str(text)], check=False)
    error = result.stderr.decode().strip()
    assert result.returncode != 0 and len(error.splitlines()) == 1, error
    assert str(path) in error and message in error, error


def test_pieces_that_differ_only_in_normalization_are_two_pieces(hapax_prep, tmp_path):
    """sentencepiece keys pieces by their bytes: with the identity rule, `é` and `e` + U+0301 are two
    pieces, which a reader comparing them as text would take for one listed twice."""
    import random
    rng = random.Random(7)
    words = ["caf\u00e9", "cafe\u0301", "\u00e9t\u00e9", "e\u0301te\u0301", "r\u00e9sum\u00e9", "re\u0301sume\u0301", "the", "and", "of"]
    lines = [" ".join(rng.choice(words) for _ in range(12)) for _ in range(3000)]
    (tmp_path / "mixed.txt").write_text("\n".join(lines), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(tmp_path / "mixed.txt"), model_prefix=str(tmp_path / "mixed"), model_type="unigram",
                                   vocab_size=28, normalization_rule_name="identity", minloglevel=2)
    model = tmp_path / "mixed.model"
    reference = spm.SentencePieceProcessor(model_file=str(model))
    pieces = [reference.id_to_piece(i) for i in range(reference.get_piece_size())]
    import unicodedata
    assert len({unicodedata.normalize("NFC", p) for p in pieces}) < len(set(pieces)), "no two pieces equal as text"
    texts = lines[:50] + ["caf\u00e9 cafe\u0301 \u00e9x e\u0301x"]
    files = []
    for i, text in enumerate(texts):
        files.append(tmp_path / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    for text, ids in zip(texts, hapax_ids(hapax_prep, model, files), strict=True):
        assert ids == reference.encode(text), text
