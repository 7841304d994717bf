"""The hand-written pre-tokenizers must cut text exactly as the Python regex module does with the
patterns tiktoken (0.14) and Hugging Face use, and as Hugging Face's Split pre-tokenizer does with the
regexes of the families' tokenizer.json files."""
import json

import pytest
import regex
from tokenizers import Regex, pre_tokenizers

from conftest import run
from texts import STRESS, random_texts

PATTERNS = {
    "gpt2": r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s""",
    "cl100k": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
    "o200k": "|".join([
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]),
    # The Split regexes of Llama 3 / OLMo 2 and of Qwen 2, as their tokenizer.json files spell them.
    "llama3": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
    "qwen2": r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
}
HUGGING_FACE_SPLITS = ["gpt2", "o200k", "llama3", "qwen2"]

# The original GPT-2 pattern, which Hugging Face's ByteLevel pre-tokenizer uses; it must cut text
# the same way as tiktoken's possessive rewrite above.
GPT2_ORIGINAL = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def hapax_pieces(hapax_prep, pattern, texts, tmp_path):
    files = []
    for i, text in enumerate(texts):
        path = tmp_path / f"text{i}.txt"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        files.append(str(path))
    out = run([hapax_prep, "pretokenize", "--pattern", pattern, *files]).stdout.decode()
    return [json.loads(line) for line in out.split("\n")[:-1]]


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_stress_and_random_texts(hapax_prep, pattern, tmp_path):
    texts = [STRESS] + STRESS.splitlines(keepends=True) + random_texts(400)
    compiled = regex.compile(PATTERNS[pattern])
    for text, pieces in zip(texts, hapax_pieces(hapax_prep, pattern, texts, tmp_path)):
        assert pieces == compiled.findall(text), f"{pattern} differs on {text!r}"


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_corpus_sample(hapax_prep, pattern, corpus_files, tmp_path):
    texts = [f.read_text(encoding="utf-8")[:200_000] for f in corpus_files[:6]]
    compiled = regex.compile(PATTERNS[pattern])
    for text, pieces in zip(texts, hapax_pieces(hapax_prep, pattern, texts, tmp_path)):
        assert pieces == compiled.findall(text)


@pytest.mark.parametrize("pattern", HUGGING_FACE_SPLITS)
def test_hugging_face_split_cuts_the_same(hapax_prep, pattern, tmp_path):
    texts = [STRESS, STRESS + "\n  \n "] + STRESS.splitlines(keepends=True) + random_texts(400, seed=3)
    regex_text = GPT2_ORIGINAL if pattern == "gpt2" else PATTERNS[pattern]
    split = pre_tokenizers.Split(Regex(regex_text), behavior="isolated")
    for text, pieces in zip(texts, hapax_pieces(hapax_prep, pattern, texts, tmp_path)):
        assert pieces == [piece for piece, _ in split.pre_tokenize_str(text)], f"{pattern} differs on {text!r}"


def test_tiktoken_gpt2_pattern_equals_original():
    possessive, original = regex.compile(PATTERNS["gpt2"]), regex.compile(GPT2_ORIGINAL)
    for text in [STRESS] + random_texts(400, seed=99):
        assert possessive.findall(text) == original.findall(text)
