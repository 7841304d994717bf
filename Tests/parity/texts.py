"""Texts that exercise the corners of pre-tokenization and BPE."""
import random
import unicodedata

STRESS = "".join([
    "def parse(x):\n\treturn x**2 + 1  # square it\n    if (a && b) { c++; } else {d--;}\n",
    "    indented = {'key': [1, 2, 3]}   \n\n\n",
    "Numbers: 1234567 3.14159 1,000,000 0x1F ０１２３ ٣٤٥ Ⅻ ½ 2²\n",
    "Runs of white space:  a   b\t\t c \n\n\n  d    \r\n\r\n e \u00a0\u2003f \u3000g \x0b\x0c\x85 h\u2028i\n",
    "Windows lines\r\nend here\r\n\r\n",
    "I'M sure you'RE right, they'Ve gone; it'S late, we'LL go, he'D say we can'T. 'ſ 'Ll 'vE\n",
    "Don't won't shan't y'all o'clock rock'n'roll '' ' 's\n",
    "Emoji 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🤖🤖🤖\n",
    "CJK 漢字かなカナ한국어 中文，标点。全角ＡＢＣ\n",
    "Combining e\u0301 a\u0308 Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇ \u0301start\n",
    "Arabic مرحبا بالعالم، كيف حالك؟ ١٢٣\n",
    "Hindi नमस्ते दुनिया\n",
    "Replacement \ufffd\ufffdabc\ufffd and a special-looking <|endoftext|> in text\n",
    "Titlecase ǅungla ʰello ˈstress ǈjubljana CamelCaseWord HTTPServer iOS McDonald's ALLCAPS'S\n",
    "Symbols ∑∫√∞ $€£¥ ©®™ → ⇒ …— «quotes» “curly” ‘single’\n",
    "URLs https://example.com/a/b?c=d&e=f path/to/file.txt //\n",
    "ends with spaces and newline   \n  ",
])


_POOL = [
    " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\x0b", "\x1c", "\x85", "\u2028",
    "'", "'s", "'S", "'ll", "'LL", "'re", "'ve", "'m", "'d", "'t", "'ſ",
    "a", "Z", "hello", "World", "ÉCOLE", "ǅ", "ʰ", "ß", "ſ", "İ", "ǈ",
    "\u0301", "\u0308", "\u0903", "\u20dd",
    "7", "42", "1234", "٣", "½", "Ⅻ", "²",
    ".", ",", "!", "?", "/", "//", "-", "_", "(", ")", "{", "}", "#", "@", "€", "∑",
    # Either side of the ASCII letters (the scanners test eight bytes at a time), and words
    # longer than eight bytes, with and without letters beyond ASCII.
    "[", "`", "^", "~", "\\", "|", "internationalization", "Quintessentially", "naïveté", "Straßenbahnhaltestelle",
    "漢", "字", "か", "한", "م", "ر", "न", "्",
    "👍", "🏽", "\u200d", "\ufe0f", "🇫", "\U0001F600", "\U00010400", "\U0001D400",
    "\ufffd", "<|endoftext|>", "\x00", "\x7f",
]


def random_texts(count, seed=1234, length=60):
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        pieces = [rng.choice(_POOL) for _ in range(rng.randint(1, length))]
        if rng.random() < 0.3:
            pieces.append(_assigned_character(rng))
        texts.append("".join(pieces))
    return texts


def _assigned_character(rng):
    """A random character assigned in Unicode 14 (Python 3.11's tables). Unassigned code points are
    left out: implementations built on different Unicode versions legitimately classify them apart."""
    while True:
        c = chr(rng.choice([rng.randint(0x20, 0xD7FF), rng.randint(0xE000, 0x10FFFF)]))
        if unicodedata.category(c) != "Cn":
            return c


# For normalizers and added tokens: composed and decomposed accents, compatibility characters,
# case that lowercases to more than one scalar, and runs of every length up to 30 of spaces and tabs.
NORMALIZATION_STRESS = "".join([
    "Composed \u00e9t\u00e9 \u00c5ngstr\u00f6m \u1e69 \uac00; decomposed e\u0301te\u0301 A\u030angstro\u0308m s\u0323\u0307 \u1100\u1161\n",
    "Reordered marks a\u0323\u0302 a\u0302\u0323 q\u0307\u0323, lone marks \u0301\u0308 and \u212b \u2126 \u212a\n",
    "Compatibility \ufb01nd \ufb03 \u2460\u2461 x\u00b2 \u00bd \uff26\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \u210c \u3397 \u2162 \u00a0nbsp \u2002en\n",
    "Case \u0130stanbul \u0049\u0307 \u1e9e\u00df \u03a3\u039f\u03a6\u039f\u03a3 \u01c5 \u1f88 DON'T I'M \u0130'S\n",
    "Special-looking <|endoftext|> <|padding|> <|im_start|> <|begin_of_text|> in text\n",
    "".join(f"{n}:{' ' * n}|" for n in range(1, 31)) + "\n",
    "".join(f"{' ' * n}word{chr(9) * (n % 7)}\n" for n in range(1, 31)),
    "".join(f"x{' ' * n}\n" for n in range(1, 31)),
    "tail" + " " * 30,
])

_NORMALIZATION_POOL = _POOL + [
    "e\u0301", "\u00e9", "A\u030a", "\u212b", "\ufb01", "\u2460", "\u00b2", "\uff26", "\u3397", "\u0130", "\u1e9e",
    "\u03a3", "\u01c5", "\u0323", "\u0302", "\u1100", "\u1161", "\u11a8", "\u00a0", "\u2002",
    "<|padding|>", "<|im_start|>", "  ", "   ", "    ", " " * 7, " " * 24, " " * 30, "\t\t",
]


def normalization_texts(count, seed=77, length=60):
    """Random texts from the pool above, which normalizers and added tokens have most to do with."""
    rng = random.Random(seed)
    return ["".join(rng.choice(_NORMALIZATION_POOL) for _ in range(rng.randint(1, length))) for _ in range(count)]
