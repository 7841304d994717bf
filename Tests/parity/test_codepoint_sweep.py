"""Every code point through every pre-tokenization scanner, against the oracle of the files that use
it (issue 36, item 19): hapax's character classes must be those of the oracles' regex engines, not
of the Swift toolchain's Unicode version.

The oracles: `tokenizers`' Split (Oniguruma) for the patterns a tokenizer.json spells (gpt2's
ByteLevel, o200k, llama3, qwen2, and Tekken's, which mistral_common runs on tiktoken's engine); for
cl100k, which no tokenizer.json spells, the regex module's engine with the classes of tiktoken's
(the regex module's own tables follow Unicode 17.0, tiktoken's and Oniguruma's 16.0); and end to end,
the ids of tiktoken (cl100k) and of mistral_common (Tekken)."""
import json
import sys

import pytest
import regex
from tokenizers import Regex, pre_tokenizers

from conftest import ROOT, hapax_ids, run
from test_tiktoken_parity import cl100k
from test_pretokenizer_parity import GPT2_ORIGINAL, PATTERNS
from test_sentencepiece_families import TEKKEN, TEKKEN_PATTERN

sys.path.insert(0, str(ROOT / "tools"))
from generate_character_classes import CLASSES, SCALARS, TEXT, by_tiktoken  # noqa: E402

CHUNK = 0x10000


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The sweep texts, one file per 65,536 code points. A code point in some class, for the oracles
    or for Unicode 17.0 (where a toolchain's tables differ), stands after a lower-case letter, a
    digit and a space, and before an upper-case then a lower-case letter: enough to tell every class
    apart in every pattern. Any other (most are unassigned) stands between a lower-case letter and a
    digit, where a letter, a number or a mark would change the cut, at a third of the cost."""
    classed = set().union(*(by_tiktoken(pattern) for _, pattern in CLASSES))
    classed |= {ord(c) for c in regex.findall(r"[\p{L}\p{N}\p{M}\s]", TEXT)}
    folder = tmp_path_factory.mktemp("sweep")
    texts, files = [], []
    for start in range(0, len(SCALARS), CHUNK):
        texts.append("".join(f"a{chr(c)}1{chr(c)} {chr(c)}Aa" if c in classed else f"a{chr(c)}1" for c in SCALARS[start:start + CHUNK]))
        files.append(folder / f"sweep{start // CHUNK}.txt")
        files[-1].write_text(texts[-1], encoding="utf-8")
    return texts, files


def hapax_pieces(hapax_prep, pattern, files):
    out = run([hapax_prep, "pretokenize", "--pattern", pattern, *map(str, files)]).stdout.decode()
    return [json.loads(line) for line in out.split("\n")[:-1]]


def first_difference(got, expected):
    k = next((k for k, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
    return f"piece {k}: hapax {got[k:k + 3]!r}, oracle {expected[k:k + 3]!r}"


SPLITS = {"gpt2": GPT2_ORIGINAL, "o200k": PATTERNS["o200k"], "llama3": PATTERNS["llama3"], "qwen2": PATTERNS["qwen2"],
          "tekken": TEKKEN_PATTERN}


@pytest.mark.parametrize("pattern", sorted(SPLITS))
def test_every_code_point_cuts_as_tokenizers(hapax_prep, sweep, pattern):
    texts, files = sweep
    split = pre_tokenizers.Split(Regex(SPLITS[pattern]), behavior="isolated")
    for text, got in zip(texts, hapax_pieces(hapax_prep, pattern, files), strict=True):
        expected = [piece for piece, _ in split.pre_tokenize_str(text)]
        assert got == expected, f"{pattern}: {first_difference(got, expected)}"


def with_tiktoken_classes(pattern):
    """`pattern` with its Unicode classes spelled out as the scalars tiktoken's engine puts in them."""
    def members(name):
        codes = sorted(by_tiktoken(dict(CLASSES)[name]))
        runs, start = [], codes[0]
        for previous, code in zip(codes, codes[1:] + [None]):
            if code != previous + 1 if code is not None else True:
                runs.append(f"\\U{start:08X}-\\U{previous:08X}" if previous > start else f"\\U{start:08X}")
                start = code
        return "".join(runs)
    letter, number = members("letter"), members("number")
    for spelled, written in [(r"[^\s\p{L}\p{N}]", f"[^\\s{letter}{number}]"), (r"[^\r\n\p{L}\p{N}]", f"[^\\r\\n{letter}{number}]"),
                             (r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]", f"[{members('upperish')}]"),
                             (r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]", f"[{members('lowerish')}]"),
                             (r"\p{L}", f"[{letter}]"), (r"\p{N}", f"[{number}]")]:
        pattern = pattern.replace(spelled, written)
    assert r"\p" not in pattern
    return pattern


def test_every_code_point_cuts_as_cl100k(hapax_prep, sweep):
    texts, files = sweep
    compiled = regex.compile(with_tiktoken_classes(PATTERNS["cl100k"]))
    for text, got in zip(texts, hapax_pieces(hapax_prep, "cl100k", files), strict=True):
        expected = compiled.findall(text)
        assert got == expected, f"cl100k: {first_difference(got, expected)}"


def test_every_code_point_encodes_as_tiktoken_and_mistral_common(hapax_prep, cl100k_path, sweep):
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    texts, files = sweep
    tekken = Tekkenizer.from_file(str(TEKKEN))
    for name, path, encode in [("cl100k", cl100k_path, cl100k(cl100k_path).encode_ordinary),
                               ("tekken", TEKKEN, lambda text: tekken.encode(text, bos=False, eos=False))]:
        for text, got in zip(texts, hapax_ids(hapax_prep, path, files), strict=True):
            expected = encode(text)
            assert got == expected, f"{name}: {first_difference(got, expected)}"
