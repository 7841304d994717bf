"""The tokenizer files hapax reads (docs/FORMAT.md section 4: a rank file, a Hugging Face
`tokenizer.json`, a SentencePiece model or a Tekken file), read only as far as analysis needs them:
which ids are ordinary (stand for text, as `Tokenizer.ordinaryIds` defines them: not special, not
empty), the file's identity, and for a `tokenizer.json` an encoder (Hugging Face `tokenizers`).

- rank file: lines `BASE64 RANK`; every rank is ordinary, special tokens are not in the file.
- `tokenizer.json`: every id of the vocabulary and the added tokens, less the added tokens marked special.
- SentencePiece: `ModelProto` field 1 lists the pieces, each with `type` (field 3, default NORMAL = 1);
  UNKNOWN (2) and CONTROL (3) pieces are special, every other piece is ordinary.
- Tekken: `config.default_num_special_tokens` ids are special (named by `special_tokens`, or before
  v7 by mistral_common's twenty, the rest `<SPECIAL_n>`), the following ranks up to
  `config.default_vocab_size` are ordinary.
"""
import hashlib
import json
import os

from .shards import ShardError

SENTENCEPIECE_SPECIAL_TYPES = {2, 3}

# The special tokens of Tekken files older than v7, which do not list theirs (TekkenFile.swift).
TEKKEN_OLDER_SPECIAL_TOKENS = [
    "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
    "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
    "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]",
]


class TokenizerFile:
    """One tokenizer file: `kind`, `sha256`, `ordinary` (a set of ids), `size` (ids it defines),
    `special` (content of each special id) and `encoder` (a `tokenizers.Tokenizer`, or None)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except OSError as error:
            raise ShardError(f"{self.path}: cannot read the tokenizer ({error.strerror})") from None
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.encoder, self.special = None, {}
        try:
            if data.lstrip()[:1] == b"{":
                root = json.loads(data)
                if isinstance(root.get("config"), dict) and isinstance(root.get("vocab"), list):
                    self._tekken(root)
                else:
                    self._hugging_face()
            elif self.path.endswith(".tiktoken") or b" " in data[:200].split(b"\n", 1)[0]:
                self._ranks(data)
            else:
                self._sentencepiece(data)
        except ShardError:
            raise
        except Exception as error:  # a damaged file fails in json, tokenizers or the wire parsing alike
            raise ShardError(f"{self.path}: not a tokenizer hapax reads ({type(error).__name__}: {error})") from None
        self.size = max(self.ordinary | set(self.special), default=-1) + 1

    def _hugging_face(self):
        from tokenizers import Tokenizer

        self.kind = "tokenizer.json"
        self.encoder = Tokenizer.from_file(self.path)
        self.special = {i: t.content for i, t in self.encoder.get_added_tokens_decoder().items() if t.special}
        self.vocabulary = self.encoder.get_vocab(with_added_tokens=True)
        self.ordinary = set(self.vocabulary.values()) - set(self.special)

    def _ranks(self, data):
        self.kind = "rank file"
        self.ordinary = {int(line.split()[1]) for line in data.splitlines() if line.strip()}

    def _tekken(self, root):
        self.kind = "Tekken"
        config = root["config"]
        specials, size = int(config["default_num_special_tokens"]), int(config["default_vocab_size"])
        named = [entry["token_str"] for entry in root["special_tokens"]] if "special_tokens" in root else TEKKEN_OLDER_SPECIAL_TOKENS
        self.special = {i: named[i] if i < len(named) else f"<SPECIAL_{i}>" for i in range(specials)}
        self.ordinary = set(range(specials, min(size, specials + len(root["vocab"]))))

    def _sentencepiece(self, data):
        self.kind = "SentencePiece"
        self.ordinary = set()
        for field, value in _fields(data):
            if field != 1:
                continue
            piece, kind = "", 1
            for inner, item in _fields(value):
                if inner == 1:
                    piece = item.decode("utf-8")
                elif inner == 3:
                    kind = item
            pid = len(self.ordinary) + len(self.special)
            if kind in SENTENCEPIECE_SPECIAL_TYPES:
                self.special[pid] = piece
            else:
                self.ordinary.add(pid)
        if not self.ordinary:
            raise ShardError(f"{self.path}: a SentencePiece model without pieces")

    def describe(self):
        return f"{self.path} ({self.kind}, sha256 {self.sha256[:12]}…)"

    def same_tokens(self, other):
        return same_tokens(self, other)


def same_tokens(mine, theirs):
    """Whether two tokenizers give every id the same token: the same file, or vocabularies (with the
    added tokens) that are equal, where both have one."""
    if mine.sha256 == theirs.sha256:
        return True
    vocabularies = getattr(mine, "vocabulary", None), getattr(theirs, "vocabulary", None)
    return None not in vocabularies and vocabularies[0] == vocabularies[1]


def _varint(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def _fields(data):
    """(field number, value) of a protobuf message: ints for varints, bytes otherwise."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 2:
            length, at = _varint(data, at)
            value, at = data[at:at + length], at + length
            if at > len(data):
                raise ValueError(f"field {field} runs past the end of the file")
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, at = data[at:at + width], at + width
        else:
            raise ValueError(f"field {field} has wire type {wire}, which SentencePiece models do not use")
        yield field, value
