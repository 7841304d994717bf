"""Parity for the Llama 2, Mistral and Gemma tokenizers: SentencePiece models against `sentencepiece`,
their tokenizer.json forms (as `transformers` 4.x converts them) against `tokenizers`, and Mistral's
Tekken files against `mistral_common`. The real files come from the mistral-common wheel
(tools/fetch-data.sh); the options they do not exercise come from models trained here with
sentencepiece's own trainer."""
import json
import pathlib
import sys

import pytest
import regex
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2
from tokenizers import Tokenizer, pre_tokenizers

import shard_spec
from conftest import hapax_ids, run
from texts import STRESS, random_texts

ROOT = pathlib.Path(__file__).resolve().parents[2]
MISTRAL = ROOT / "data" / "mistral"
MISTRAL_MODELS = ["tokenizer.model.v1", "mistral_instruct_tokenizer_240323.model.v3"]
TEKKEN = MISTRAL / "tekken_240718.json"

# What SentencePiece's normalizer and byte fallback meet: runs of spaces and tabs, white space at
# both ends, newlines, `▁` itself, scripts and emoji outside a small vocabulary, combining marks, CJK,
# control characters, text where invalid UTF-8 was replaced, and the user-defined symbols.
SP_STRESS = [
    "  two leading spaces, three trailing   ", "\tTabs\t\tand  spaces \t mixed\t", "\n\nnewlines\n first\n\n",
    "▁ a literal ▁▁ lower one eighth block ▁", "▁leading", "trailing▁", " ", "   ", "▁", "\n",
    "Ethiopic ሰላም Cherokee ᏣᎳᎩ Tamil வணக்கம் emoji 🦜🦜 👨‍👩‍👧", "combining e\u0301 a\u0308\u0301 \u0301alone",
    "CJK 漢字かなカナ한국어 中文，标点。", "control \x00\x01\x07\x1b[0m\x7f", "replaced \ufffd\ufffd bytes \ufffd",
    "digits 1234567890 and 3.14159", "<start_of_turn>user @@ x@@y@@@ </s> <s> [INST] <unk>",
    "[REFERENCE_DOC_1]x [REFERENCE_DOC_10] y", STRESS,
]

TRAINED = {
    # Mistral's and Llama's options: dummy prefix, extra spaces kept, byte fallback, split digits.
    "llama": dict(byte_fallback=True, remove_extra_whitespaces=False, split_digits=True, allow_whitespace_only_pieces=True,
                  user_defined_symbols=["<start_of_turn>", "@@"]),
    # sentencepiece's defaults: extra spaces removed.
    "defaults": dict(byte_fallback=True),
    # Gemma's: no dummy prefix, its special-token layout.
    "gemma": dict(byte_fallback=True, add_dummy_prefix=False, remove_extra_whitespaces=False, split_digits=True,
                  allow_whitespace_only_pieces=True, pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>",
                  eos_piece="<eos>", bos_piece="<bos>", user_defined_symbols=["<start_of_turn>", "@@"]),
    # No byte fallback: characters outside the vocabulary become <unk>.
    "no_fallback": dict(byte_fallback=False, character_coverage=0.995),
}


@pytest.fixture(scope="module")
def trained(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sentencepiece")
    models = {}
    for name, options in TRAINED.items():
        spm.SentencePieceTrainer.train(
            input=",".join(map(str, corpus_files[:6])), model_prefix=str(folder / name), model_type="bpe",
            vocab_size=1500, character_coverage=options.pop("character_coverage", 0.999),
            normalization_rule_name="identity", input_sentence_size=20000, shuffle_input_sentence=False,
            minloglevel=2, **options)
        models[name] = folder / f"{name}.model"
    return models


def converted(model, form, path):
    """The tokenizer.json `transformers` 4.x writes for a SentencePiece model."""
    from transformers import GemmaTokenizer, LlamaTokenizer
    from transformers.convert_slow_tokenizer import convert_slow_tokenizer
    slow = GemmaTokenizer(vocab_file=str(model)) if form == "gemma" else LlamaTokenizer(vocab_file=str(model), legacy=form == "legacy")
    convert_slow_tokenizer(slow).save(str(path))
    return path


def with_metaspace(path, out, **options):
    spec = json.loads(path.read_text())
    spec["pre_tokenizer"].update(options)
    out.write_text(json.dumps(spec))
    return out


@pytest.fixture(scope="module")
def hugging_face_forms(trained, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sentencepiece-json")
    forms = {}
    for name in ["llama", "defaults", "no_fallback"]:
        for form in ["legacy", "metaspace"]:
            forms[f"{name}-{form}"] = converted(trained[name], form, folder / f"{name}-{form}.json")
    forms["gemma"] = converted(trained["gemma"], "gemma", folder / "gemma.json")
    forms["mistral-v1-legacy"] = converted(MISTRAL / MISTRAL_MODELS[0], "legacy", folder / "mistral-v1-legacy.json")
    forms["mistral-v3-metaspace"] = converted(MISTRAL / MISTRAL_MODELS[1], "metaspace", folder / "mistral-v3-metaspace.json")
    # The Metaspace options transformers does not write for these models.
    base = forms["llama-metaspace"]
    forms["metaspace-always-split"] = with_metaspace(base, folder / "always-split.json", prepend_scheme="always", split=True)
    forms["metaspace-never"] = with_metaspace(base, folder / "never.json", prepend_scheme="never")
    forms["metaspace-first-split"] = with_metaspace(base, folder / "first-split.json", split=True)
    return forms


@pytest.fixture(scope="module")
def texts(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sentencepiece-texts")
    texts = SP_STRESS + [""] + random_texts(500, seed=15) + [f.read_text(encoding="utf-8") for f in corpus_files[12:16]]
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    return texts, files


def assert_same(hapax_prep, tokenizer, texts, encode):
    texts, files = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, tokenizer, files), strict=True):
        assert ids == encode(text), (tokenizer.name, text[:200])


@pytest.mark.parametrize("name", sorted(TRAINED) + MISTRAL_MODELS)
def test_models_encode_as_sentencepiece(hapax_prep, trained, texts, name):
    path = trained.get(name) or MISTRAL / name
    reference = spm.SentencePieceProcessor(model_file=str(path))
    assert_same(hapax_prep, path, texts, reference.encode)


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory):
    """The benchmark's multilingual corpus (tools/multilingual_corpus.py): twelve scripts, code and
    emoji, with characters rare enough to fall back to bytes, and Chinese, Japanese and Thai written
    without spaces, which hapax cuts between characters no token holds side by side."""
    sys.path.insert(0, str(ROOT / "tools"))
    import multilingual_corpus
    folder = tmp_path_factory.mktemp("multilingual")
    texts = multilingual_corpus.documents(count=12)
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"m{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    return texts, files


@pytest.mark.parametrize("name", MISTRAL_MODELS)
def test_mistral_models_encode_multilingual_text_as_sentencepiece(hapax_prep, multilingual, name):
    reference = spm.SentencePieceProcessor(model_file=str(MISTRAL / name))
    assert_same(hapax_prep, MISTRAL / name, multilingual, reference.encode)


FORMS = [f"{name}-{form}" for name in ["llama", "defaults", "no_fallback"] for form in ["legacy", "metaspace"]] + [
    "gemma", "mistral-v1-legacy", "mistral-v3-metaspace", "metaspace-always-split", "metaspace-never", "metaspace-first-split"]


@pytest.mark.parametrize("form", FORMS)
def test_tokenizer_json_forms_encode_as_hugging_face(hapax_prep, hugging_face_forms, texts, form):
    reference = Tokenizer.from_file(str(hugging_face_forms[form]))
    reference.encode_special_tokens = True
    assert_same(hapax_prep, hugging_face_forms[form], texts, lambda text: reference.encode(text, add_special_tokens=False).ids)


def test_the_two_forms_differ_on_leading_spaces(hugging_face_forms):
    """Why each form is checked against its own oracle: Prepend always adds a ▁, Metaspace not before one."""
    legacy = Tokenizer.from_file(str(hugging_face_forms["llama-legacy"]))
    metaspace = Tokenizer.from_file(str(hugging_face_forms["llama-metaspace"]))
    assert legacy.encode(" Hello").ids != metaspace.encode(" Hello").ids


def test_tekken_encodes_as_mistral_common(hapax_prep, texts):
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    reference = Tekkenizer.from_file(str(TEKKEN))
    assert_same(hapax_prep, TEKKEN, texts, lambda text: reference.encode(text, bos=False, eos=False))


TEKKEN_PATTERN = json.loads(TEKKEN.read_text())["config"]["pattern"] if TEKKEN.exists() else ""


def pieces(hapax_prep, pattern, texts, folder):
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"p{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    out = run([hapax_prep, "pretokenize", "--pattern", pattern, *map(str, files)]).stdout.decode()
    return [json.loads(line) for line in out.split("\n")[:-1]]


def test_tekken_pattern_cuts_as_regex(hapax_prep, tmp_path):
    texts = [STRESS] + STRESS.splitlines(keepends=True) + SP_STRESS + random_texts(400, seed=21)
    compiled = regex.compile(TEKKEN_PATTERN)
    for text, got in zip(texts, pieces(hapax_prep, "tekken", texts, tmp_path), strict=True):
        assert got == compiled.findall(text), text[:200]


def test_metaspace_split_cuts_as_hugging_face(hapax_prep, tmp_path):
    texts = [t.replace(" ", "▁") for t in SP_STRESS + random_texts(200, seed=22)]
    reference = pre_tokenizers.Metaspace(prepend_scheme="never", split=True)
    for text, got in zip(texts, pieces(hapax_prep, "metaspace", texts, tmp_path), strict=True):
        assert got == [piece for piece, _ in reference.pre_tokenize_str(text)], text[:200]


@pytest.mark.parametrize("name, bos", [("tokenizer.model.v1", True), ("tokenizer.model.v1", False), ("gemma", True)])
def test_shard_windows_hold_each_document_between_its_ends(hapax_prep, trained, corpus_files, tmp_path, name, bos):
    path = trained.get(name) or MISTRAL / name
    reference = spm.SentencePieceProcessor(model_file=str(path))
    out = tmp_path / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files[:2]), "--tokenizer", str(path), "--seq-len", "128", "-o", str(out),
         *(["--bos"] if bos else [])])
    spec = shard_spec.manifest(out)
    identity = spec["parameters"]["tokenizer"]
    assert identity["end_of_text"] == reference.eos_id()
    assert identity.get("beginning_of_text") == (reference.bos_id() if bos else None)
    stream = []
    for file in corpus_files[:2]:
        stream += ([reference.bos_id()] if bos else []) + reference.encode(file.read_text(encoding="utf-8")) + [reference.eos_id()]
    _, windows, _ = shard_spec.read_shard(out / spec["splits"]["train"]["shards"][0]["file"])
    rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < 128


def test_explain_names_both_ends(hapax_prep, trained):
    gemma = run([hapax_prep, "tokenize", "--tokenizer", str(trained["gemma"]), "--explain"]).stdout.decode()
    assert "end of text: <eos> (1)" in gemma and "beginning of text: <bos> (2)" in gemma
    assert "SentencePiece BPE" in gemma and "<0xXX>" in gemma
    tekken = run([hapax_prep, "tokenize", "--tokenizer", str(TEKKEN), "--explain"]).stdout.decode()
    assert "Split with the tekken pattern" in tekken and "end of text: </s> (2)" in tekken


def test_windows_decode_with_spaces_and_bytes(hapax_prep, tmp_path):
    """`inspect --window` prints through the decoding the trainer's sample and icl use: ▁ reads as a
    space, <0xXX> as its byte, a special token as its content."""
    path = MISTRAL / MISTRAL_MODELS[0]
    # One character of each kind: a repeated byte pair would be dropped, and inspect decodes kept and
    # dropped stretches apart.
    text = "Hello  world, ሰ and 中.\n" + " ".join(f"word{i}" for i in range(60))
    (tmp_path / "doc.txt").write_text(text, encoding="utf-8")
    run([hapax_prep, "shard", str(tmp_path / "doc.txt"), "--tokenizer", str(path), "--seq-len", "64", "--bos", "-o", str(tmp_path / "s")])
    shown = run([hapax_prep, "inspect", str(tmp_path / "s"), "--window", "0"]).stdout.decode()
    window = shown.split("\n", 1)[1].translate({ord(c): None for c in "⟦⟧"})
    assert window.startswith("<s> " + text[:40]), window[:200]


def edited_model(source, out, edit):
    proto = model_pb2.ModelProto()
    proto.ParseFromString(source.read_bytes())
    edit(proto)
    out.write_bytes(proto.SerializeToString())
    return out


@pytest.mark.parametrize("edit, message", [
    (lambda m: setattr(m.trainer_spec, "model_type", model_pb2.TrainerSpec.WORD), "trainer_spec.model_type: 3 (WORD) is not supported"),
    (lambda m: setattr(m.normalizer_spec, "name", "nmt_nfkc"), 'normalizer_spec.name: "nmt_nfkc" is not supported'),
    (lambda m: setattr(m.trainer_spec, "treat_whitespace_as_suffix", True), "trainer_spec.treat_whitespace_as_suffix: true is not supported"),
    (lambda m: setattr(m.pieces[300], "piece", m.pieces[301].piece), "the piece is listed twice"),
    (lambda m: setattr(m.pieces[300], "type", model_pb2.ModelProto.SentencePiece.UNUSED), "UNUSED pieces of more than one character"),
    (lambda m: setattr(m.trainer_spec, "byte_fallback", False), "a BYTE piece in a model without trainer_spec.byte_fallback"),
    (lambda m: m.pieces[0].__setattr__("type", model_pb2.ModelProto.SentencePiece.NORMAL), "pieces: no UNKNOWN piece"),
    (lambda m: setattr(m.pieces[100], "score", float("nan")), "pieces[100]: score: nan is not a finite number"),
])
def test_what_is_not_run_exactly_is_refused_by_name(hapax_prep, tmp_path, edit, message):
    path = edited_model(MISTRAL / MISTRAL_MODELS[0], tmp_path / "edited.model", edit)
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "-"], input=b"x", check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and len(error.strip().splitlines()) == 1, error
    assert error.startswith(f"Error: {path}: ") and message in error, error


@pytest.mark.parametrize("cut", [1, 7, 1000, 250_000, -1])
def test_truncated_models_are_refused(hapax_prep, tmp_path, cut):
    data = (MISTRAL / MISTRAL_MODELS[0]).read_bytes()
    path = tmp_path / "truncated.model"
    path.write_bytes(data[:cut])
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "-"], input=b"x", check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and len(error.strip().splitlines()) == 1 and str(path) in error, error


@pytest.mark.parametrize("edit, message", [
    (lambda spec: spec["pre_tokenizer"].update(replacement="_"), 'pre_tokenizer.replacement: "_" is not supported'),
    (lambda spec: spec["pre_tokenizer"].update(prepend_scheme="sometimes"), 'pre_tokenizer.prepend_scheme: "sometimes" is not one of'),
    (lambda spec: spec["model"].pop("unk_token"), "model.unk_token: missing"),
    (lambda spec: spec.update(pre_tokenizer={"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious"}),
     'pre_tokenizer: a Split on the string " " is supported only after a normalizer that replaces every space'),
    (lambda spec: spec["decoder"].update(type="CTC"), 'decoder.type: "CTC" is not a decoder hapax reads without ByteLevel'),
    (lambda spec: spec["model"].update(byte_fallback=True, continuing_subword_prefix="##"), "model.continuing_subword_prefix: must be null"),
])
def test_tokenizer_json_options_not_run_are_refused_by_name(hapax_prep, hugging_face_forms, tmp_path, edit, message):
    assert_edit_refused(hapax_prep, hugging_face_forms["llama-metaspace"], tmp_path / "edited.json", edit, message)


def assert_edit_refused(hapax_prep, source, path, edit, message):
    """`source`'s JSON edited by `edit` and written to `path` is refused naming the file and `message`."""
    spec = json.loads(source.read_text())
    edit(spec)
    path.write_text(json.dumps(spec))
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "-"], input=b"x", check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and str(path) in error and message in error, error


@pytest.mark.parametrize("edit, message", [
    (lambda spec: spec["config"].update(pattern=r"\w+"), "config.pattern:"),
    (lambda spec: spec["vocab"][300].update(rank=7), "vocab[300].rank: expected 300"),
    (lambda spec: spec["vocab"][5].update(token_bytes="AQ=="), "vocab[5].token_bytes: the first 256 ranks must be the single bytes"),
    (lambda spec: spec["config"].update(default_vocab_size=10**7), "config.default_vocab_size:"),
])
def test_tekken_options_not_run_are_refused_by_name(hapax_prep, tmp_path, edit, message):
    assert_edit_refused(hapax_prep, TEKKEN, tmp_path / "tekken_edited.json", edit, message)


def test_templates_other_than_byte_level_are_refused(hapax_prep, hugging_face_forms, corpus_files, tmp_path):
    for template in [hugging_face_forms["llama-metaspace"], TEKKEN]:
        result = run([hapax_prep, "train-tokenizer", "--vocab-size", "300", "--like", str(template), "-o", str(tmp_path / "t.json"),
                      str(corpus_files[0])], check=False)
        error = result.stderr.decode()
        assert result.returncode != 0 and str(template) in error and "hapax trains byte-level BPE" in error, error
        assert not (tmp_path / "t.json").exists()


def test_a_pattern_option_is_refused_for_files_that_fix_their_own(hapax_prep):
    result = run([hapax_prep, "tokenize", "--tokenizer", str(MISTRAL / MISTRAL_MODELS[0]), "--pattern", "gpt2", "-"], input=b"x", check=False)
    error = result.stderr.decode()
    assert result.returncode != 0 and "fixes its own pre-tokenizer" in error, error
