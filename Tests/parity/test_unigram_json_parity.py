"""Parity for `tokenizer.json` files whose model is `Unigram`, against `tokenizers`: the files
`transformers` 4.57 writes for T5 (`T5Tokenizer`, `legacy=False`: Metaspace with prepend_scheme
"first"), XLM-R (`XLMRobertaTokenizer`: its own order of the special pieces, "always") and ALBERT
(`AlbertTokenizer`, lower case: the `Replace`s of `` and '' and `Lowercase` before `Precompiled`), each
converted by `transformers.convert_slow_tokenizer` from Unigram models trained here with
sentencepiece (`nmt_nfkc`, with and without byte fallback), and a form with `byte_fallback` true.
Their structure is that of the published T5, XLM-R and ALBERT files: a `Sequence` normalizer of
`Precompiled`, `Strip` (right) and `Replace(Regex(" {2,}"))` (ALBERT's as above), `Metaspace`, `Unigram`
(transformers' `SpmConverter.normalizer`, `AlbertConverter.normalizer`)."""
import json

import pytest
import shard_spec
import sentencepiece as spm
from tokenizers import Tokenizer

from conftest import hapax_ids, run
from test_sentencepiece_families import SP_STRESS
from test_unigram_parity import paragraphs
from texts import NORMALIZATION_STRESS, STRESS, normalization_texts, random_texts

FORMS = {
    "t5": ("T5Tokenizer", dict(extra_ids=10, legacy=False), "nmt_nfkc"),
    "xlm-r": ("XLMRobertaTokenizer", {}, "nmt_nfkc"),
    "albert": ("AlbertTokenizer", dict(keep_accents=True), "nmt_nfkc_fallback"),
    "t5-byte-fallback": ("T5Tokenizer", dict(extra_ids=0, legacy=False), "nmt_nfkc_fallback"),
}


@pytest.fixture(scope="module")
def forms(corpus_files, tmp_path_factory):
    import transformers
    from transformers.convert_slow_tokenizer import convert_slow_tokenizer
    folder = tmp_path_factory.mktemp("unigram-json")
    models = {}
    for name, options in [("nmt_nfkc", {}), ("nmt_nfkc_fallback", dict(byte_fallback=True))]:
        spm.SentencePieceTrainer.train(
            input=",".join(map(str, corpus_files[:3])), model_prefix=str(folder / name), model_type="unigram", vocab_size=800,
            input_sentence_size=8000, shuffle_input_sentence=False, minloglevel=2, **options)
        models[name] = folder / f"{name}.model"
    paths = {}
    for form, (cls, options, model) in FORMS.items():
        slow = getattr(transformers, cls)(vocab_file=str(models[model]), **options)
        spec = json.loads(convert_slow_tokenizer(slow).to_str())
        if form == "t5-byte-fallback":
            spec["model"]["byte_fallback"] = True
        paths[form] = folder / f"{form}.json"
        paths[form].write_text(json.dumps(spec), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def texts(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("unigram-json-texts")
    texts = (SP_STRESS + [NORMALIZATION_STRESS, "``quoted'' ﬁ ＡＢ <s> </s> <0x41> <extra_id_3>", "x\u0301\u0302\u0303 e\u0301"]
             + STRESS.splitlines(keepends=True) + [""] + random_texts(250, seed=41) + normalization_texts(250, seed=42)
             + paragraphs(corpus_files[21], 100))
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    return texts, files


@pytest.mark.parametrize("form", list(FORMS))
def test_unigram_files_encode_as_hugging_face(hapax_prep, forms, texts, form):
    reference = Tokenizer.from_file(str(forms[form]))
    reference.encode_special_tokens = True
    texts, files = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, forms[form], files), strict=True):
        assert ids == reference.encode(text, add_special_tokens=False).ids, (form, text[:200])


def test_explain_names_the_components(hapax_prep, forms):
    out = run([hapax_prep, "tokenize", "--tokenizer", str(forms["t5"]), "--explain"]).stdout.decode()
    assert "Hugging Face Unigram" in out and "Precompiled, then Strip(right)" in out and "end of text: </s> (2)" in out


def test_train_tokenizer_like_a_unigram_file_is_refused_by_name(hapax_prep, forms, corpus_files, tmp_path):
    result = run([hapax_prep, "train-tokenizer", "--like", str(forms["t5"]), "--vocab-size", "300", "-o", str(tmp_path / "t.json"),
                  str(corpus_files[0])], check=False)
    assert result.returncode != 0 and "its model is Unigram" in result.stderr.decode()


@pytest.mark.parametrize("form", ["t5", "xlm-r"])
def test_shard_windows_hold_the_ids_and_the_end(hapax_prep, forms, corpus_files, tmp_path, form):
    reference = Tokenizer.from_file(str(forms[form]))
    reference.encode_special_tokens = True
    end = reference.token_to_id("</s>")
    documents = []
    for k, file in enumerate(corpus_files[:2]):
        documents.append(tmp_path / f"d{k}.txt")
        documents[-1].write_text(paragraphs(file, 0)[0], encoding="utf-8")
    out = tmp_path / "shards"
    run([hapax_prep, "shard", *map(str, documents), "--tokenizer", str(forms[form]), "--seq-len", "128", "-o", str(out)])
    spec = shard_spec.manifest(out)
    assert spec["parameters"]["tokenizer"]["end_of_text"] == end
    stream = []
    for document in documents:
        stream += reference.encode(document.read_text(encoding="utf-8"), add_special_tokens=False).ids + [end]
    _, windows, _ = shard_spec.read_shard(out / spec["splits"]["train"]["shards"][0]["file"])
    rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < 128


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["normalizer"]["normalizers"][0].update(precompiled_charsmap="AAAA!"), "precompiled_charsmap: not base64"),
    (lambda s: s["normalizer"]["normalizers"][0].update(precompiled_charsmap="/////w=="), "trie size"),
    (lambda s: s["model"].update(unk_id=None), "model.unk_id"),
    (lambda s: s["model"]["vocab"].__setitem__(5, ["x"]), "model.vocab[5]: expected a [piece, score] pair"),
])
def test_damaged_files_end_in_one_line(hapax_prep, forms, tmp_path, edit, message):
    spec = json.loads(forms["t5"].read_text(encoding="utf-8"))
    edit(spec)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "-"], input=b"x", check=False)
    error = result.stderr.decode().strip()
    assert result.returncode != 0 and len(error.splitlines()) == 1, error
    assert str(path) in error and message in error, error
