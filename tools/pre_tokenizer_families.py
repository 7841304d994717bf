"""tokenizer.json files with the pre-tokenizers of published families that hapax runs through
Oniguruma and its character tests, built with the Hugging Face `tokenizers` API and trained on a
corpus: for `Tests/parity/test_pre_tokenizers.py` and the fuzzing seeds (`tools/fuzz.sh`).

The families' files are built with the `tokenizers` API to the pre-tokenizer of each published
tokenizer.json and trained on the corpus with a small vocabulary:
- DeepSeek-V3 (deepseek-ai/DeepSeek-V3 at e815299): an empty normalizer Sequence, three Isolated
  Splits (`\\p{N}{1,3}`, kana and CJK runs, a GPT-4-like pattern) and ByteLevel without its regex
  (its special tokens renamed in ASCII here; the real ones, `<｜end▁of▁sentence｜>`, listed in
  `model.vocab` outside the byte-level alphabet, are tested in test_added_tokens_outside_alphabet.py);
- BLOOM (bigscience/bloom): the Split ` ?[^(\\s|[.,!?…。，、।۔،])]+` Isolated and ByteLevel without its regex;
- Falcon (tiiuae/falcon-7b): Punctuation Contiguous, ByteLevel with its regex, then Digits and the
  Split `[0-9][0-9][0-9]` Isolated, which run on the byte-level spelling;
- StarCoder 2 (bigcode/starcoder2-15b) and SmolLM (HuggingFaceTB/SmolLM-135M): Digits with
  `individual_digits` and ByteLevel with its regex (llama.cpp's `llama-vocab.cpp` groups the two).
"""
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

DEEPSEEK_V3_WORDS = (r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+"""
                     r"""| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
BLOOM_SPLIT = " ?[^(\\s|[.,!?…。，、।۔،])]+"

FAMILIES = {
    "deepseek_v3": (normalizers.Sequence([]), pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\p{N}{1,3}"), behavior="isolated", invert=False),
        pre_tokenizers.Split(Regex("[一-龥\u3040-ゟ゠-ヿ]+"), behavior="isolated", invert=False),
        pre_tokenizers.Split(Regex(DEEPSEEK_V3_WORDS), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]),
        ["<|begin_of_sentence|>", "<|endoftext|>", "<|pad|>"]),
    "bloom": (None, pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(BLOOM_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]),
        ["<unk>", "<s>", "</s>", "<pad>"]),
    "falcon": (None, pre_tokenizers.Sequence([
        pre_tokenizers.Punctuation(behavior="contiguous"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
        pre_tokenizers.Digits(individual_digits=False),
        pre_tokenizers.Split(Regex("[0-9][0-9][0-9]"), behavior="isolated", invert=False)]),
        [">>TITLE<<", ">>ABSTRACT<<", ">>INTRODUCTION<<", "<|endoftext|>"]),
    "starcoder2": (None, pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)]),
        ["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>"]),
    "smollm": (None, pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)]),
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]),
}
END_OF_TEXT = {"deepseek_v3": "<|endoftext|>", "bloom": "</s>", "falcon": "<|endoftext|>",
               "starcoder2": "<|endoftext|>", "smollm": "<|endoftext|>"}


def train(normalizer, pre_tokenizer, specials, corpus_files, path, vocab_size=1500):
    tokenizer = Tokenizer(models.BPE())
    if normalizer is not None:
        tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train([str(f) for f in corpus_files], trainer)
    tokenizer.save(str(path))
    return path


