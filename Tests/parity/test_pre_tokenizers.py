"""Parity with Hugging Face tokenizers 0.22 for every pre-tokenizer hapax runs without a scanner of
its own (Split with any regex or string, every behavior and invert; Digits, Punctuation, Whitespace,
WhitespaceSplit, CharDelimiterSplit, BertPreTokenizer, UnicodeScripts; before ByteLevel and after it) and for the
Replace normalizer with a regex, which run through Oniguruma as in `tokenizers`.

The families' files are built by `tools/pre_tokenizer_families.py`, to the pre-tokenizer of each
published tokenizer.json (cited there), trained on the corpus with a small vocabulary.
The components are checked one by one on a byte-level BPE trained once, whose pre-tokenizer or
normalizer is swapped for each (the merges stay valid: BPE only merges within a piece).
"""
import json
import pathlib
import sys
import unicodedata

import pytest
from tokenizers import Tokenizer, pre_tokenizers

import shard_spec
from conftest import hapax_ids, run
from texts import NORMALIZATION_STRESS, STRESS, random_texts

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
from pre_tokenizer_families import END_OF_TEXT, FAMILIES, train  # noqa: E402

# Digits and white space of many scripts, the numeric Latin-1 characters the byte-level alphabet
# spells for the bytes B2, B3, B9, BC, BD and BE (and letters whose UTF-8 holds them: м, β, ι),
# CJK and kana runs, and punctuation of every kind.
DIGITS_AND_PUNCTUATION = ("x²y ½ ¾ 12½3456 м мир β ι 1234567 ٣٤٥ ༣ ⅷ ① 99,999.99 (555) 123-4567 — «quote» ‹a› "
                          "「日本語」のテキスト、カタカナ ー 漢字123漢字 ¡¿ ‰ ‽ ⁂ 　full　width　１２３ a\u00a0b\u2028c\u3000d\u0085e "
                          "tab\tnew\nline\r\ncr e-mail a_b a.b.c ... --- ''' \"\"\" ~~~ $$$ ^^^ `code` {x:[1,2]}\n")


@pytest.fixture(scope="module")
def family_files(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pre-tokenizer-families")
    return {name: train(*spec, corpus_files[:4], folder / f"{name}.json") for name, spec in FAMILIES.items()}


def text_files(folder, texts):
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    return files


def check(hapax_prep, path, texts, files):
    reference = Tokenizer.from_file(str(path))
    reference.encode_special_tokens = True
    for text, ids in zip(texts, hapax_ids(hapax_prep, path, files)):
        assert ids == reference.encode(text, add_special_tokens=False).ids, (str(path), text[:300])


@pytest.mark.parametrize("family", FAMILIES)
def test_families_encode_as_hugging_face(hapax_prep, family_files, corpus_files, tmp_path, family):
    texts = ([STRESS, NORMALIZATION_STRESS, DIGITS_AND_PUNCTUATION, ""] + random_texts(500, seed=39)
             + [f.read_text(encoding="utf-8") for f in corpus_files[20:23]])
    check(hapax_prep, family_files[family], texts, text_files(tmp_path, texts))


@pytest.mark.parametrize("family", FAMILIES)
def test_shards_hold_the_oracles_ids_and_the_end_of_text(hapax_prep, family_files, corpus_files, tmp_path, family):
    path = family_files[family]
    reference = Tokenizer.from_file(str(path))
    out = tmp_path / "shards"
    run([hapax_prep, "shard", *map(str, corpus_files[:2]), "--tokenizer", str(path), "--seq-len", "128", "-o", str(out)])
    spec = shard_spec.manifest(out)
    end = reference.token_to_id(END_OF_TEXT[family])
    assert spec["parameters"]["tokenizer"]["end_of_text"] == end
    stream = []
    for file in corpus_files[:2]:
        stream += reference.encode(file.read_text(encoding="utf-8"), add_special_tokens=False).ids + [end]
    _, windows, _ = shard_spec.read_shard(out / spec["splits"]["train"]["shards"][0]["file"])
    rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
    assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < 128


@pytest.mark.parametrize("family", ["deepseek_v3", "falcon"])
def test_train_tokenizer_like_a_family(hapax_prep, family_files, corpus_files, tmp_path, family):
    out = tmp_path / "trained.json"
    run([hapax_prep, "train-tokenizer", "--vocab-size", "1200", "--like", str(family_files[family]), "-o", str(out),
         *map(str, corpus_files[:2])])
    texts = [STRESS, DIGITS_AND_PUNCTUATION] + random_texts(50, seed=41)
    check(hapax_prep, out, texts, text_files(tmp_path, texts))


BEHAVIORS = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]
PATTERNS = [
    {"Regex": r"\s+|[aeiou]"},
    {"Regex": r"\p{N}|(?<=\p{L})(?=\p{Lu})|x*"},   # empty matches, look-behind over the whole text
    {"Regex": r"^\s*|\s*$|\b"},                       # anchors and word boundaries
    {"Regex": r"(?i)th|[\p{P}\p{S}]+"},
    {"String": " "},
    {"String": "the"},
    {"String": "(.)"},                                 # regex characters matched as they are
]
STAGES = ([{"type": "Split", "pattern": p, "behavior": b, "invert": i} for p in PATTERNS for b in BEHAVIORS for i in (False, True)]
          + [{"type": "Digits", "individual_digits": d} for d in (False, True)]
          + [{"type": "Punctuation", "behavior": b} for b in BEHAVIORS] + [{"type": "Punctuation"}]
          + [{"type": "Whitespace"}, {"type": "WhitespaceSplit"}, {"type": "BertPreTokenizer"}, {"type": "UnicodeScripts"}, {"type": "FixedLength", "length": 3},
             {"type": "CharDelimiterSplit", "delimiter": "e"}, {"type": "CharDelimiterSplit", "delimiter": "\u3000"}])
BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
# No pattern that matches the empty string: `tokenizers` 0.22 panics encoding what such a Replace made.
REPLACEMENTS = [(r"\s+", " "), (r"(?i)th", "TH"), (r"\p{N}+", ""), (r"(?<=a)b|^.|.$", "[$0]")]


@pytest.fixture(scope="module")
def component_base(corpus_files, tmp_path_factory):
    path = tmp_path_factory.mktemp("component-base") / "base.json"
    train(None, pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False), ["<|endoftext|>"], corpus_files[:2], path, 800)
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def component_texts(tmp_path_factory):
    texts = [STRESS, NORMALIZATION_STRESS, DIGITS_AND_PUNCTUATION, ""] + random_texts(60, seed=40)
    return texts, text_files(tmp_path_factory.mktemp("component-texts"), texts)


def variant(base, folder, name, **changes):
    spec = dict(base, **changes)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(spec, ensure_ascii=False))
    return path


@pytest.mark.parametrize("where", ["before ByteLevel", "after ByteLevel"])
def test_each_pre_tokenizer_cuts_as_hugging_face(hapax_prep, component_base, component_texts, tmp_path, where):
    texts, files = component_texts
    for k, stage in enumerate(STAGES):
        stages = [stage, BYTE_LEVEL] if where == "before ByteLevel" else [dict(BYTE_LEVEL, use_regex=True), stage]
        path = variant(component_base, tmp_path, f"s{k}", pre_tokenizer={"type": "Sequence", "pretokenizers": stages})
        check(hapax_prep, path, texts, files)


def test_replace_with_a_regex_as_hugging_face(hapax_prep, component_base, component_texts, tmp_path):
    texts, files = component_texts
    for k, (regex, content) in enumerate(REPLACEMENTS):
        normalizer = {"type": "Replace", "pattern": {"Regex": regex}, "content": content}
        check(hapax_prep, variant(component_base, tmp_path, f"r{k}", normalizer=normalizer), texts, files)


@pytest.mark.parametrize("stage", [{"type": "Digits", "individual_digits": True}, {"type": "Punctuation", "behavior": "Isolated"},
                                   {"type": "WhitespaceSplit"}, {"type": "Whitespace"}])
def test_character_classes_agree_on_every_assigned_character(hapax_prep, component_base, tmp_path, stage):
    """Every assigned code point of Unicode 14, in runs between letters: Rust's and Swift's tables agree."""
    characters = [chr(c) for c in range(0x20, 0x110000)
                  if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) not in ("Cn", "Cs", "Co")]
    texts = ["a".join(characters[i:i + 4000]) for i in range(0, len(characters), 4000)]
    path = variant(component_base, tmp_path, "classes", pre_tokenizer={"type": "Sequence", "pretokenizers": [stage, BYTE_LEVEL]})
    check(hapax_prep, path, texts, text_files(tmp_path, texts))


# Where UnicodeScripts cuts or not: kana and the prolonged sound mark with Han, scripts beside
# Common and Inherited characters, white space of no script (the space) and of Common (the others),
# characters of no script (assigned after Unicode 9.0: U+0860 Syriac supplement, U+1F6D5, U+1FA70)
# at the start, the middle and the end, and texts with no character of a script at all.
SCRIPT_TEXTS = ["どこで生れ。Yes", "Apples are りんご 林檎", "カタカナーひらがな漢字ー", " abc", "   ", " 京a", "x 1", "a\u3000b",
                "ab\u0300c e\u0301 ά\u0301", "\u0860\u0861 abc", "abc \U0001F6D5 def\U0001FA70", "\U0001FA70 ab", "\U0001FA70",
                "Ελληνικά русский עברית العربية हिन्दी ไทย 한국어 ქართული", "1+1=2 !?", "a1b2 γ3δ", "\u200d\u200ca\ufeff"]


def test_unicode_scripts_as_hugging_face(hapax_prep, component_base, corpus_files, tmp_path):
    """UnicodeScripts before ByteLevel, on the test texts, 500 random texts, the corpus, and every code
    point between two letters of one script and of another (each cut there or not, by its script)."""
    scalars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = ([STRESS, NORMALIZATION_STRESS, DIGITS_AND_PUNCTUATION, ""] + SCRIPT_TEXTS + random_texts(500, seed=43)
             + [f.read_text(encoding="utf-8") for f in corpus_files[20:23]]
             + [letter + letter.join(scalars[i:i + 20000]) + letter for letter in "aα" for i in range(0, len(scalars), 20000)])
    path = variant(component_base, tmp_path, "scripts", pre_tokenizer={"type": "Sequence", "pretokenizers": [{"type": "UnicodeScripts"}, BYTE_LEVEL]})
    check(hapax_prep, path, texts, text_files(tmp_path, texts))


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["pre_tokenizer"]["pretokenizers"][0]["pattern"].update(Regex="(unclosed"),
     'pre_tokenizer.pretokenizers[0].pattern.Regex: "(unclosed" does not compile: end pattern with unmatched parenthesis'),
    (lambda s: s["pre_tokenizer"]["pretokenizers"][0].update(behavior=3),
     "pre_tokenizer.pretokenizers[0].behavior: expected a string, got a number"),
    (lambda s: s["pre_tokenizer"]["pretokenizers"][0].update(behavior="Dropped"),
     'pre_tokenizer.pretokenizers[0].behavior: "Dropped" is not one of Hugging Face\'s behaviors'),
    (lambda s: s["pre_tokenizer"]["pretokenizers"][0].update(pattern={"Glob": "*"}),
     "pre_tokenizer.pretokenizers[0].pattern: expected a Regex or a String"),
    (lambda s: s["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "CharDelimiterSplit", "delimiter": "ab"}),
     'pre_tokenizer.pretokenizers[0].delimiter: "ab" is not one character'),
    (lambda s: s["pre_tokenizer"]["pretokenizers"].insert(0, {"type": "UnicodeScript"}),
     'pre_tokenizer.pretokenizers[0].type: "UnicodeScript" is not supported; hapax runs ByteLevel, Metaspace and Split'),
    (lambda s: s.update(normalizer={"type": "Replace", "pattern": {"Regex": "[z-a]"}, "content": ""}),
     'normalizer.pattern.Regex: "[z-a]" does not compile: empty range in char class'),
])
def test_damaged_files_end_in_one_line(hapax_prep, family_files, tmp_path, edit, message):
    spec = json.loads(family_files["deepseek_v3"].read_text())
    edit(spec)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(spec))
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "--explain"], check=False)
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and str(path) in lines[0] and message in lines[0], lines


def test_truncated_file_ends_in_one_line(hapax_prep, family_files, tmp_path):
    path = tmp_path / "truncated.json"
    contents = family_files["falcon"].read_bytes()
    path.write_bytes(contents[: contents.index(b'"Digits"') + 3])
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "--explain"], check=False)
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1 and str(path) in lines[0], lines


def test_explain_names_each_stage(hapax_prep, family_files):
    falcon = run([hapax_prep, "tokenize", "--tokenizer", str(family_files["falcon"]), "--explain"]).stdout.decode()
    assert ("pre-tokenizer: Punctuation(Contiguous), then ByteLevel with the gpt2 pattern, then Digits(Contiguous) on the "
            "byte-level spelling, then Split([0-9][0-9][0-9], Isolated) on the byte-level spelling") in falcon, falcon

