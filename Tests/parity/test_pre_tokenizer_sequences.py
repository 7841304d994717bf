"""Parity with Hugging Face tokenizers 0.22 for pre-tokenizers without ByteLevel, alone or in a
Sequence, before the models that read characters (WordPiece, WordLevel, Unigram, BPE over characters):
files built with the `tokenizers` API and trained on the corpus, each to a stack that is published or
that a library writes:

- BERT (bert-base-uncased's tokenizer.json): BertNormalizer, BertPreTokenizer, WordPiece, the
  WordPiece decoder; and the same cuts spelled as Sequence[WhitespaceSplit, Punctuation];
- `tokenizers`' quick tour: BPE with an unknown token after Whitespace; Sequence[Whitespace, Digits]
  before WordLevel;
- DeBERTa-v2 and v3 (`transformers`' DebertaV2Converter: Punctuation when `split_by_punct`, then
  Metaspace; microsoft/deberta-v3-base's file: Sequence[WhitespaceSplit, Metaspace]) before Unigram,
  with each prepend scheme, so that Metaspace marks each piece it is handed;
- Metaspace first, then Digits; UnicodeScripts then Metaspace (SentencePiece's own script cuts);
  FixedLength after WhitespaceSplit; a Sequence inside a Sequence (which the Python API flattens, a
  file may not).
"""
import json

import pytest
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

import shard_spec
from conftest import hapax_ids, run
from test_pre_tokenizers import DIGITS_AND_PUNCTUATION, SCRIPT_TEXTS
from texts import NORMALIZATION_STRESS, STRESS, random_texts

SPECIALS = ["[UNK]", "[CLS]", "[SEP]", "</s>"]
P = pre_tokenizers


def wordpiece():
    return models.WordPiece(unk_token="[UNK]"), trainers.WordPieceTrainer(vocab_size=1500, special_tokens=SPECIALS, show_progress=False)


def wordlevel():
    return models.WordLevel(unk_token="[UNK]"), trainers.WordLevelTrainer(vocab_size=3000, special_tokens=SPECIALS, show_progress=False)


def unigram():
    return models.Unigram(), trainers.UnigramTrainer(vocab_size=900, special_tokens=SPECIALS, unk_token="[UNK]", show_progress=False)


def characters_bpe():
    return models.BPE(unk_token="[UNK]"), trainers.BpeTrainer(vocab_size=1200, special_tokens=SPECIALS, show_progress=False)


# name: (model and trainer, normalizer, pre-tokenizer, decoder)
STACKS = {
    "bert": (wordpiece, normalizers.BertNormalizer(), P.BertPreTokenizer(), decoders.WordPiece()),
    "bert-as-sequence": (wordpiece, normalizers.BertNormalizer(), P.Sequence([P.WhitespaceSplit(), P.Punctuation()]), None),
    "quicktour-bpe": (characters_bpe, None, P.Whitespace(), None),
    "whitespace-digits": (wordlevel, normalizers.Lowercase(), P.Sequence([P.Whitespace(), P.Digits(individual_digits=True)]), None),
    "deberta-v3": (unigram, None, P.Sequence([P.WhitespaceSplit(), P.Metaspace(replacement="▁", prepend_scheme="always")]), None),
    "deberta-v2-punct": (unigram, None, P.Sequence([P.Punctuation(behavior="isolated"), P.Metaspace(prepend_scheme="first")]), None),
    # Strip drops the text's first characters, so that its first piece does not start the text.
    "strip-first": (unigram, normalizers.Strip(), P.Sequence([P.WhitespaceSplit(), P.Metaspace(prepend_scheme="first")]), None),
    "nmt-strip-first-alone": (unigram, normalizers.Sequence([normalizers.Nmt(), normalizers.Strip(right=False)]),
                              P.Metaspace(prepend_scheme="first"), None),
    "never-prepend": (unigram, None, P.Sequence([P.WhitespaceSplit(), P.Metaspace(prepend_scheme="never", split=False)]), None),
    "metaspace-digits": (unigram, normalizers.NFKC(), P.Sequence([P.Metaspace(), P.Digits(individual_digits=False)]), None),
    "scripts-metaspace": (unigram, None, P.Sequence([P.UnicodeScripts(), P.Metaspace()]), None),
    "whitespace-fixed-length": (wordpiece, None, P.Sequence([P.WhitespaceSplit(), P.FixedLength(length=4)]), None),
    "split-scripts": (characters_bpe, None, P.Sequence([P.Split(Regex(r"\s+"), behavior="removed"), P.UnicodeScripts()]), None),
}


@pytest.fixture(scope="module")
def files(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sequences")
    paths = {}
    for name, (make, normalizer, pre_tokenizer, decoder) in STACKS.items():
        model, trainer = make()
        tokenizer = Tokenizer(model)
        if normalizer is not None:
            tokenizer.normalizer = normalizer
        tokenizer.pre_tokenizer = pre_tokenizer
        if decoder is not None:
            tokenizer.decoder = decoder
        tokenizer.train([str(f) for f in corpus_files[:2]], trainer)
        paths[name] = folder / f"{name}.json"
        tokenizer.save(str(paths[name]))
    return paths


@pytest.fixture(scope="module")
def texts(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sequence-texts")
    texts = ([STRESS, NORMALIZATION_STRESS, DIGITS_AND_PUNCTUATION, "", " ", "  leading and trailing  ", "▁already ▁marked",
              "\x01\x02 control first", "\t\n tab first", "\x01x"]
             + SCRIPT_TEXTS + random_texts(500, seed=44) + [f.read_text(encoding="utf-8")[:40000] for f in corpus_files[20:22]])
    paths = []
    for i, text in enumerate(texts):
        paths.append(folder / f"t{i}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    return texts, paths


@pytest.mark.parametrize("name", list(STACKS))
def test_stacks_encode_as_hugging_face(hapax_prep, files, texts, name):
    reference = Tokenizer.from_file(str(files[name]))
    reference.encode_special_tokens = True
    texts, paths = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, files[name], paths), strict=True):
        assert ids == reference.encode(text, add_special_tokens=False).ids, (name, text[:200])


def test_a_sequence_inside_a_sequence(hapax_prep, files, texts, tmp_path):
    spec = json.loads(files["bert-as-sequence"].read_text())
    whitespace, punctuation = spec["pre_tokenizer"]["pretokenizers"]
    spec["pre_tokenizer"]["pretokenizers"] = [{"type": "Sequence", "pretokenizers": [{"type": "Sequence", "pretokenizers": [whitespace]}]},
                                              punctuation]
    path = tmp_path / "nested.json"
    path.write_text(json.dumps(spec))
    reference = Tokenizer.from_file(str(path))
    reference.encode_special_tokens = True
    texts, paths = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, path, paths), strict=True):
        assert ids == reference.encode(text, add_special_tokens=False).ids, text[:200]


@pytest.mark.parametrize("name", ["bert", "deberta-v3"])
def test_shards_hold_the_oracles_ids_and_the_end_of_text(hapax_prep, files, corpus_files, tmp_path, name):
    reference = Tokenizer.from_file(str(files[name]))
    out = tmp_path / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files[:2]), "--tokenizer", str(files[name]), "--seq-len", "128", "-o", str(out)])
    spec = shard_spec.manifest(out)
    end = reference.token_to_id("</s>")
    assert spec["parameters"]["tokenizer"]["end_of_text"] == end
    stream = []
    for file in corpus_files[:2]:
        stream += reference.encode(file.read_text(encoding="utf-8"), add_special_tokens=False).ids + [end]
    _, windows, _ = shard_spec.read_shard(out / spec["splits"]["train"]["shards"][0]["file"])
    rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < 128


def test_explain_names_each_stage(hapax_prep, files):
    out = run([hapax_prep, "tokenize", "--tokenizer", str(files["deberta-v2-punct"]), "--explain"]).stdout.decode()
    assert ('pre-tokenizer: Punctuation(Isolated), then Metaspace(each space replaced with "▁"; "▁" before the text when it '
            "lacks one), then Split with the metaspace pattern") in out, out


@pytest.mark.parametrize("name", ["Whitespace", "UnicodeScripts", "WhitespaceSplit", "Digits", "Punctuation", "BertPreTokenizer"])
def test_every_code_point_is_cut_as_hugging_face(hapax_prep, tmp_path, name):
    """A WordLevel model gives each piece one id, so a cut made or missed anywhere changes the ids (a
    byte-level BPE's small vocabulary rarely does): each code point between two letters of one
    script, two of another, and two punctuation marks: every code point, new in Unicode 17.0 or
    unassigned too (each pre-tokenizer asks tables of its own Unicode version)."""
    vocab = {"[UNK]": 0, "a": 1, "α": 2, "!": 3}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = getattr(P, name)()
    path = tmp_path / "wordlevel.json"
    tokenizer.save(str(path))
    scalars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = [s + s.join(scalars[i:i + 20000]) + s for s in "aα!" for i in range(0, len(scalars), 20000)]
    files = []
    for i, text in enumerate(texts):
        files.append(tmp_path / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    for text, ids in zip(texts, hapax_ids(hapax_prep, path, files), strict=True):
        assert ids == tokenizer.encode(text, add_special_tokens=False).ids, text[:20]


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["pre_tokenizer"].update(pretokenizers={"type": "Metaspace"}), "pre_tokenizer.pretokenizers: expected an array"),
    (lambda s: s["pre_tokenizer"]["pretokenizers"][1].update(prepend_scheme="sometimes"),
     'pre_tokenizer.pretokenizers[1].prepend_scheme: "sometimes" is not one of always, first, never'),
    (lambda s: s["pre_tokenizer"]["pretokenizers"][1].update(replacement="_"),
     'pre_tokenizer.pretokenizers[1].replacement: "_" is not supported; hapax runs Metaspace with ▁'),
    (lambda s: s["pre_tokenizer"]["pretokenizers"].append({"type": "ByteLevel"}),
     "pre_tokenizer.pretokenizers[2]: ByteLevel and Metaspace in one Sequence are not supported"),
    (lambda s: s["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "unicodeScripts"}),
     'pre_tokenizer.pretokenizers[0].type: "unicodeScripts" is not supported; hapax runs ByteLevel, Metaspace and Split'),
    (lambda s: s["pre_tokenizer"]["pretokenizers"].insert(0, {"type": 7}), "pre_tokenizer.pretokenizers[0].type: expected a string"),
    (lambda s: s["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "FixedLength", "length": 0}),
     "pre_tokenizer.pretokenizers[0].length: expected a count of characters, at least 1"),
    (lambda s: s["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "Sequence", "pretokenizers": [{"type": "FixedLength", "length": "4"}]}),
     "pre_tokenizer.pretokenizers[0].pretokenizers[0].length: expected a count of characters"),
])
def test_damaged_files_end_in_one_line(hapax_prep, files, tmp_path, edit, message):
    spec = json.loads(files["deberta-v3"].read_text())
    edit(spec)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(spec, ensure_ascii=False))
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "--explain"], check=False)
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and str(path) in lines[0] and message in lines[0], lines


def test_truncated_file_ends_in_one_line(hapax_prep, files, tmp_path):
    path = tmp_path / "truncated.json"
    contents = files["deberta-v3"].read_bytes()
    path.write_bytes(contents[: contents.index(b'"Metaspace"') + 5])
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "--explain"], check=False)
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and str(path) in lines[0], lines


@pytest.mark.parametrize("name, message", [("bert", "its model is WordPiece; hapax trains byte-level BPE"),
                                           ("deberta-v3", "its model is Unigram; hapax trains byte-level BPE"),
                                           ("quicktour-bpe", "not a Tekken file or a BPE over characters")])
def test_train_tokenizer_like_refuses_what_it_cannot_train(hapax_prep, files, corpus_files, tmp_path, name, message):
    result = run([hapax_prep, "train-tokenizer", "--vocab-size", "400", "--like", str(files[name]), "-o", str(tmp_path / "out.json"),
                  str(corpus_files[0])], check=False)
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and str(files[name]) in lines[0] and message in lines[0], lines
