"""A multilingual corpus for tools/bench_tokenizer.py, generated deterministically (no download): the
English corpus is Shakespeare alone, which leaves out what a web or code corpus feeds a tokenizer
beyond ASCII: other scripts, characters rare enough to be no token (byte fallback), code and emoji.

Natural text: for each of twelve scripts (Latin with diacritics, Greek, Cyrillic, Arabic, Hebrew,
Devanagari, Thai, Han, kana, Hangul, Georgian, Armenian) a vocabulary of 3,000 words is drawn from the
script's block, characters Zipf-distributed over the block (a few common, a long tail of rare ones),
and paragraphs draw words Zipf-distributed over that vocabulary, with the script's punctuation and,
now and then, digits, an emoji (skin tones, ZWJ families, flags, variation selectors) or an English
word. Han, kana and Thai are written without spaces between words. Code: the source of a fixed list
of modules of the Python standard library that runs this (fixed for a Python version), whose
comments and strings are ASCII. Documents alternate between scripts and code, each 60 to 120 kB.
"""
import inspect
import random
import unicodedata

# (name, code point ranges, writes spaces between words, sentence end)
SCRIPTS = [
    ("latin", [(0x61, 0x7A), (0xE0, 0xFF), (0x100, 0x17F), (0x1E00, 0x1EFF)], True, "."),
    ("greek", [(0x3B1, 0x3C9), (0x1F00, 0x1FFF)], True, "."),
    ("cyrillic", [(0x430, 0x44F), (0x450, 0x45F), (0x460, 0x4FF)], True, "."),
    ("arabic", [(0x621, 0x64A), (0x64B, 0x652), (0x671, 0x6D3)], True, "\u061F"),
    ("hebrew", [(0x5D0, 0x5EA), (0x5B0, 0x5BC)], True, "."),
    ("devanagari", [(0x905, 0x939), (0x93E, 0x94D), (0x958, 0x97F)], True, "\u0964"),
    ("thai", [(0xE01, 0xE3A), (0xE40, 0xE4E)], False, " "),
    ("han", [(0x4E00, 0x9FFF)], False, "\u3002"),
    ("kana", [(0x3041, 0x3096), (0x30A1, 0x30FA)], False, "\u3002"),
    ("hangul", [(0xAC00, 0xD7A3)], True, "."),
    ("georgian", [(0x10D0, 0x10FA)], True, "."),
    ("armenian", [(0x561, 0x586)], True, "\u0589"),
]
EMOJI = ["😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇫🇷", "🇯🇵", "❤\ufe0f", "🤖", "🎉", "🧑🏿\u200d💻", "🌍", "✨", "🙏🏻"]
ENGLISH = ["the", "model", "data", "token", "GPU", "Python", "OK", "http://example.org", "COVID-19", "iPhone"]
CODE_MODULES = ["json.decoder", "json.encoder", "textwrap", "argparse", "difflib", "string", "heapq", "bisect",
                "fractions", "statistics", "shlex", "csv", "ipaddress", "calendar", "pprint", "dataclasses"]


def zipf(rng, n, s=1.1):
    """Cumulative weights of ranks 1 to n under Zipf's law, for `rng.choices`."""
    total, weights = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank ** s
        weights.append(total)
    return weights


def script_document(rng, name, ranges, spaced, end, size):
    # Assigned characters only (Unicode 14 in Python 3.11): libraries of other Unicode versions may
    # classify unassigned code points apart.
    alphabet = [chr(c) for low, high in ranges for c in range(low, high + 1) if unicodedata.category(chr(c)) != "Cn"]
    rng.shuffle(alphabet)
    character_weights = zipf(rng, len(alphabet))
    words = ["".join(rng.choices(alphabet, cum_weights=character_weights, k=rng.randint(1, 4 if not spaced else 9)))
             for _ in range(3000)]
    word_weights = zipf(rng, len(words))
    paragraphs, length = [], 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(1, 6)):
            sentence = rng.choices(words, cum_weights=word_weights, k=rng.randint(3, 25))
            for k in range(len(sentence)):
                roll = rng.random()
                if roll < 0.02:
                    sentence[k] = rng.choice(EMOJI)
                elif roll < 0.04:
                    sentence[k] = str(rng.randint(0, 10 ** rng.randint(1, 6)))
                elif roll < 0.06:
                    sentence[k] = rng.choice(ENGLISH)
            sentences.append((" " if spaced else "").join(sentence) + end)
        paragraphs.append(" ".join(sentences))
        length += len(paragraphs[-1].encode())
    return f"{name}\n\n" + "\n\n".join(paragraphs) + "\n"


def documents(seed=39, count=24):
    """`count` documents: scripts in turn, every third one code."""
    rng = random.Random(seed)
    code = [inspect.getsource(__import__(name, fromlist=["_"])) for name in CODE_MODULES]
    result = []
    for k in range(count):
        if k % 3 == 2:
            result.append("\n".join(code[(k // 3 * 2 + j) % len(code)] for j in range(2)))
        else:
            name, ranges, spaced, end = SCRIPTS[(k - k // 3) % len(SCRIPTS)]
            result.append(script_document(rng, name, ranges, spaced, end, rng.randint(60_000, 120_000)))
    return result


if __name__ == "__main__":
    texts = documents()
    print(f"{len(texts)} documents, {sum(len(t.encode()) for t in texts) / 1e6:.2f} MB")
    for text in texts:
        print(repr(text[:100]))
