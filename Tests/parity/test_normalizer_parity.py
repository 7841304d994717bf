"""Parity for the normalizers of `tokenizers` that are not Unicode forms or string edits: `Precompiled`
(SentencePiece's character map, here nmt_nfkc's from a model trained with sentencepiece), `Strip`,
`StripAccents`, `Nmt` and `BertNormalizer` with its options. Each runs before a byte-level BPE built
with the `tokenizers` API and trained on the corpus (as tools/tokenizer_families.py builds the
families), and hapax's ids are checked against Hugging Face's: any difference in the normalized text
shows in the ids."""
import base64

import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from conftest import hapax_ids
from texts import NORMALIZATION_STRESS, STRESS, normalization_texts, random_texts

# What these normalizers single out: controls (C0, DEL, C1 with U+0085, format characters, private
# use), the white space Nmt and BERT rewrite, CJK ideographs at the edges of BERT's ranges, marks of
# the three categories (Mn, Mc, Me), and clusters of 6 bytes or more that Precompiled reads by character.
SPECIAL = [
    "\x00a\x01b\x08\t\n\x0b\x0c\r\x0e\x1f\x7f\x80\x85\x8f\x9f c\u00ad\u200b\u200d\u200e\u2028\u2029\u2581\ufeff\ufffd\ue000\U000E0001",
    "\u1680\u3000\u00a0\u2003 ideographs \u4e00\u9fff\u3400\U00020000\U0002B820\U0002B8A0\U0002B920\uf900\U0002F800 kana \u3042",
    "marks e\u0301 \u0903 \u20dd a\u0308\u0301\u0323 \u0e31 ḱ \u1e9b\u0323 ﬁ ① ㌀ ｶﾞ \u212b \u00c5",
    "  \t lead and trail \t\n ", "\u3000\u3000", "",
]

NORMALIZERS = {
    "strip-accents": lambda _: normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()]),
    "nmt": lambda _: normalizers.Nmt(),
    "bert": lambda _: normalizers.BertNormalizer(),
    "bert-cased": lambda _: normalizers.BertNormalizer(lowercase=False),
    "bert-options": lambda _: normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False),
    "bert-lower-accents": lambda _: normalizers.BertNormalizer(strip_accents=False, lowercase=True),
    "strip": lambda _: normalizers.Strip(),
    "strip-left": lambda _: normalizers.Strip(left=True, right=False),
    "precompiled": lambda charsmap: normalizers.Sequence([normalizers.Precompiled(charsmap), normalizers.Strip(left=False, right=True)]),
}


@pytest.fixture(scope="module")
def files(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("normalizers")
    spm.SentencePieceTrainer.train(input=str(corpus_files[0]), model_prefix=str(folder / "nfkc"), model_type="unigram",
                                   vocab_size=300, minloglevel=2)
    proto = model_pb2.ModelProto()
    proto.ParseFromString((folder / "nfkc.model").read_bytes())
    charsmap = proto.normalizer_spec.precompiled_charsmap
    paths = {}
    for name, make in NORMALIZERS.items():
        tokenizer = Tokenizer(models.BPE())
        tokenizer.normalizer = make(charsmap)
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=500, special_tokens=["<|endoftext|>"],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        tokenizer.train([str(f) for f in corpus_files[:2]], trainer)
        paths[name] = folder / f"{name}.json"
        tokenizer.save(str(paths[name]))
    return paths


@pytest.fixture(scope="module")
def texts(corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("normalizer-texts")
    texts = (SPECIAL + [NORMALIZATION_STRESS] + STRESS.splitlines(keepends=True) + normalization_texts(250, seed=51)
             + random_texts(250, seed=52) + [corpus_files[30].read_text(encoding="utf-8")[:20000]])
    paths = []
    for i, text in enumerate(texts):
        paths.append(folder / f"t{i}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    return texts, paths


@pytest.mark.parametrize("name", list(NORMALIZERS))
def test_normalizers_encode_as_hugging_face(hapax_prep, files, texts, name):
    reference = Tokenizer.from_file(str(files[name]))
    reference.encode_special_tokens = True
    texts, paths = texts
    for text, ids in zip(texts, hapax_ids(hapax_prep, files[name], paths), strict=True):
        assert ids == reference.encode(text, add_special_tokens=False).ids, (name, text[:200])

