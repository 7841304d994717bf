"""Parity for `tokenizer.json` files whose model is `WordPiece` or `WordLevel`, against `tokenizers`:
files built with the `tokenizers` API and trained on the corpus (WordPieceTrainer, WordLevelTrainer).
BERT's own structure (`BertNormalizer`, `BertPreTokenizer`, `WordPiece` with "##" and 100 characters,
as bert-base-uncased's tokenizer.json has it) needs `BertPreTokenizer`, which comes with the other
pre-tokenizers; until then the files cut words with `Metaspace`, which hapax runs, and keep BERT's
normalizer and model options. A second WordPiece has another prefix and a limit of 12 characters, so
that long words become the unknown token."""
import json

import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from conftest import hapax_ids, run
from texts import NORMALIZATION_STRESS, STRESS, normalization_texts, random_texts

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def metaspace():
    return pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)


FILES = {
    "bert-wordpiece": lambda: (models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100), normalizers.BertNormalizer(),
                               trainers.WordPieceTrainer(vocab_size=1200, special_tokens=SPECIALS, show_progress=False)),
    "wordpiece-options": lambda: (models.WordPiece(unk_token="[UNK]", continuing_subword_prefix="@@", max_input_chars_per_word=12),
                                  normalizers.NFKC(),
                                  trainers.WordPieceTrainer(vocab_size=900, special_tokens=SPECIALS, continuing_subword_prefix="@@",
                                                            show_progress=False)),
    "wordlevel": lambda: (models.WordLevel(unk_token="[UNK]"), normalizers.Lowercase(),
                          trainers.WordLevelTrainer(vocab_size=3000, special_tokens=SPECIALS, show_progress=False)),
}


@pytest.fixture(scope="module")
def files(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wordpiece")
    paths = {}
    for name, make in FILES.items():
        model, normalizer, trainer = make()
        tokenizer = Tokenizer(model)
        tokenizer.normalizer = normalizer
        tokenizer.pre_tokenizer = metaspace()
        tokenizer.train([str(f) for f in corpus_files[:3]], trainer)
        paths[name] = folder / f"{name}.json"
        tokenizer.save(str(paths[name]))
    return paths


@pytest.fixture(scope="module")
def texts(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("wordpiece-texts")
    texts = ([NORMALIZATION_STRESS, "[CLS] [UNK] [SEP] ##ing @@ing internationalization Straßenbahnhaltestelle", ""]
             + STRESS.splitlines(keepends=True) + normalization_texts(250, seed=61) + random_texts(250, seed=62)
             + [corpus_files[25].read_text(encoding="utf-8")[:30000]])
    paths = []
    for i, text in enumerate(texts):
        paths.append(folder / f"t{i}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    return texts, paths


@pytest.mark.parametrize("name", list(FILES))
def test_files_encode_as_hugging_face(hapax_prep, files, texts, name):
    reference = Tokenizer.from_file(str(files[name]))
    reference.encode_special_tokens = True
    texts, paths = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, files[name], paths), strict=True):
        assert ids == reference.encode(text, add_special_tokens=False).ids, (name, text[:200])


def test_explain_names_the_model(hapax_prep, files):
    out = run([hapax_prep, "tokenize", "--tokenizer", str(files["bert-wordpiece"]), "--explain"]).stdout.decode()
    assert "Hugging Face WordPiece" in out and 'continuing pieces after "##"' in out and "BertNormalizer's clean_text" in out


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["model"].update(unk_token="[NOPE]"), 'model.unk_token: "[NOPE]" is not in model.vocab'),
    (lambda s: s["model"]["vocab"].update({"x": "seven"}), 'model.vocab.x: expected an id'),
    (lambda s: s["model"].update(max_input_chars_per_word="many"), "model.max_input_chars_per_word"),
])
def test_damaged_files_end_in_one_line(hapax_prep, files, tmp_path, edit, message):
    spec = json.loads(files["bert-wordpiece"].read_text(encoding="utf-8"))
    edit(spec)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "-"], input=b"x", check=False)
    error = result.stderr.decode().strip()
    assert result.returncode != 0 and len(error.splitlines()) == 1, error
    assert str(path) in error and message in error, error
