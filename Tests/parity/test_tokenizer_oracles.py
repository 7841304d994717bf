"""SentencePiece models and tokenizer.json files built piece by piece for the cases of issue 36
(items 14 to 23), encoded by hapax and by the oracle: sentencepiece for models, `tokenizers` for
tokenizer.json, mistral_common for Tekken. Tests/TokenizationTests hold the same cases with the
oracle's answers written out."""
import base64
import json

import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2
from tokenizers import Tokenizer

from conftest import hapax_ids, run
from texts import random_texts

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = range(1, 7)


def sentencepiece_model(path, pieces, byte_fallback=False, remove_extra_whitespaces=True):
    model = model_pb2.ModelProto()
    model.trainer_spec.model_type = model_pb2.TrainerSpec.BPE
    model.trainer_spec.byte_fallback = byte_fallback
    model.normalizer_spec.name = "identity"
    model.normalizer_spec.remove_extra_whitespaces = remove_extra_whitespaces
    listed = [("<unk>", 0, UNKNOWN), ("<s>", 0, CONTROL), ("</s>", 0, CONTROL)]
    listed += [(f"<0x{b:02X}>", 0, BYTE) for b in range(256)] if byte_fallback else []
    for spelling, score, kind in listed + pieces:
        piece = model.pieces.add()
        piece.piece, piece.score, piece.type = spelling, score, kind
    path.write_bytes(model.SerializeToString())
    return path


def encoded_alike(hapax_prep, path, texts, encode, folder):
    files = []
    for i, text in enumerate(texts):
        files.append(folder / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    for text, ids in zip(texts, hapax_ids(hapax_prep, path, files), strict=True):
        assert ids == encode(text), (path.name, text)


SENTENCEPIECE_CASES = {
    # Item 14: both spellings of é are pieces; and é then x must not merge into e + U+0301 + x.
    "both-spellings": ([("▁", -1), ("é", -2), ("e", -3), ("\u0301", -4), ("e\u0301", -5)], {}, ["é e\u0301", "e\u0301é"]),
    "decomposed-merge": ([("▁", -1), ("é", -2), ("e", -3), ("x", -4), ("\u0301", -5), ("\u0301x", -6), ("e\u0301x", -7)], {},
                         ["éx", "e\u0301x", "xéxe\u0301x"]),
    # Item 15: a user-defined symbol of two spaces, with extra spaces removed.
    "user-defined-spaces": ([("▁", -1), ("a", -2), ("b", -3), ("▁a", -4), ("▁b", -5), ("  ", 0, USER_DEFINED), (" x", 0, USER_DEFINED)], {},
                            ["a  b", "a   b", "  a", "a  ", "   ", " x x  x", "a \tb  "]),
    # Item 16: a one-character UNUSED piece, with and without byte fallback.
    "unused-with-bytes": ([("▁", -1), ("q", 0, UNUSED), ("a", -2)], {"byte_fallback": True}, ["q", "aqa", "qq"]),
    "unused-without-bytes": ([("▁", -1), ("q", 0, UNUSED), ("a", -2)], {}, ["q", "qü", "aq", "üq"]),
    # Item 17: four pieces of 7,999 bytes.
    "long-pieces": ([("▁", -1)] + [(c, -2) for c in "abcd"] + [(c * 7999, -3) for c in "abcd"], {}, ["ab", "a" * 7999, "b" * 8000]),
}


@pytest.mark.parametrize("case", sorted(SENTENCEPIECE_CASES))
def test_models_built_piece_by_piece_encode_as_sentencepiece(hapax_prep, tmp_path, case):
    pieces, options, texts = SENTENCEPIECE_CASES[case]
    pieces = [(p[0], p[1], p[2] if len(p) > 2 else NORMAL) for p in pieces]
    path = sentencepiece_model(tmp_path / f"{case}.model", pieces, **options)
    reference = spm.SentencePieceProcessor(model_file=str(path))
    # The user-defined symbols and spaces in random places.
    extra = [t.replace("b", "  ").replace("c", " ") for t in random_texts(100, seed=36)] if case == "user-defined-spaces" else []
    encoded_alike(hapax_prep, path, texts + extra, reference.encode, tmp_path)


def test_quoted_values_stay_on_one_line(hapax_prep, tmp_path):
    path = sentencepiece_model(tmp_path / "newline.model", [("▁", -1, NORMAL), ("\n", -2, NORMAL), ("\n", -3, NORMAL)])
    result = run([hapax_prep, "tokenize", "--tokenizer", str(path), "-"], input=b"x", check=False)
    err = result.stderr.decode()
    assert result.returncode != 0 and err.count("\n") == 1 and '("\\n"): the piece is listed twice' in err, err


PREPEND_AND_REPLACE = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                           {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}


def tokenizer_json(path, vocab, merges=(), added=(), normalizer=PREPEND_AND_REPLACE, **model):
    spec = {"added_tokens": list(added), "normalizer": normalizer, "pre_tokenizer": None, "decoder": None,
            "model": {"type": "BPE", "unk_token": "<unk>", "vocab": vocab, "merges": list(merges), **model}}
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


def added(content, id, **options):
    return {"id": id, "content": content, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
            "special": False, **options}


SMALL = {"<unk>": 0, "▁": 1, "a": 2, "b": 3}
IGNORING = {"<unk>": 0, "▁": 1, "x": 2, "y": 3, "<": 4, ">": 5, "unk": 6, "u": 7, "n": 8, "k": 9, "▁x": 10, "un": 11, "a": 12,
            "b": 13, "0": 14, "A": 15}
WITH_BYTES = {**IGNORING, **{f"<0x{b:02X}>": 16 + b for b in range(256)}}
MERGES = [["▁", "x"], ["u", "n"], ["un", "k"]]

JSON_CASES = {
    # Item 14: added tokens compared as bytes.
    "added-by-bytes": (dict(vocab=SMALL, added=[added("café!", 4), added("cafe\u0301!", 5)]), ["café!cafe\u0301!", "e\u0301 café!"]),
    # Item 20: with ignore_merges, text spelling <unk> or a byte token is not that token.
    "ignore-merges": (dict(vocab=IGNORING, merges=MERGES, ignore_merges=True), ["x<unk>y", "<unk>", "ax<unk>"]),
    "ignore-merges-bytes": (dict(vocab=WITH_BYTES, merges=MERGES, ignore_merges=True, byte_fallback=True),
                            ["a<0x0A>b", "x<unk>y", "<0x0A>"]),
    # Item 21: some byte tokens missing.
    "partial-bytes": (dict(vocab={"<unk>": 0, "▁": 1, "<0x00>": 2, "a": 3}, byte_fallback=True),
                      ["\u2029\x00", "\u2029\u2029\x00\u2029a\u2029", "a\x00\u2029\x00"]),
    "partial-bytes-fused": (dict(vocab={"<unk>": 0, "▁": 1, "<0x00>": 2, "a": 3}, byte_fallback=True, fuse_unk=True),
                            ["\u2029\x00", "\u2029\u2029\x00\u2029a\u2029", "a\x00\u2029\x00"]),
    # Item 22: an added token listed again with other options.
    "repeated-lstrip": (dict(vocab=SMALL, added=[added("ab", 4), added("ab", 4, lstrip=True)]), ["a  ab", "ab b ab"]),
    "repeated-special": (dict(vocab=SMALL, added=[added("ab", 4, special=True), added("ab", 4)]), ["a ab b"]),
    "repeated-unspecial": (dict(vocab=SMALL, added=[added("ab", 4), added("ab", 4, special=True)]), ["a ab b"]),
    # Item 23: Replace of the empty string.
    "replace-empty": (dict(vocab={"<unk>": 0, "a": 1, "b": 2, "_": 3, "é": 4},
                           normalizer={"type": "Replace", "pattern": {"String": ""}, "content": "_"}), ["ab", "", "é", "e\u0301"]),
}


@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_files_built_by_hand_encode_as_tokenizers(hapax_prep, tmp_path, case):
    spec, texts = JSON_CASES[case]
    path = tokenizer_json(tmp_path / f"{case}.json", **spec)
    reference = Tokenizer.from_file(str(path))
    reference.encode_special_tokens = True
    encoded_alike(hapax_prep, path, texts, lambda text: reference.encode(text, add_special_tokens=False).ids, tmp_path)


def test_tekken_special_tokens_are_compared_as_bytes(hapax_prep, tmp_path):
    from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    from test_sentencepiece_families import TEKKEN_PATTERN
    specials = ["<unk>", "<s>", "</s>", "é", "e\u0301"]
    spec = {"config": {"pattern": TEKKEN_PATTERN, "default_vocab_size": 256 + len(specials), "default_num_special_tokens": len(specials),
                       "version": "v7"},
            "vocab": [{"rank": b, "token_bytes": base64.b64encode(bytes([b])).decode(), "token_str": None} for b in range(256)],
            "special_tokens": [{"rank": k, "token_str": s, "is_control": True} for k, s in enumerate(specials)]}
    path = tmp_path / "tekken.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    reference = Tekkenizer.from_file(str(path))
    encoded_alike(hapax_prep, path, ["é e\u0301"], lambda text: reference.encode(text, bos=False, eos=False), tmp_path)
