"""tokenizer.json files in the shape of today's byte-level BPE families, built with the Hugging Face
`tokenizers` API and trained on a corpus: for the parity tests and the tokenizer benchmark."""
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

# The regexes as the families' tokenizer.json files spell them.
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
O200K = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def split(regex, behavior="isolated", invert=False):
    return pre_tokenizers.Split(Regex(regex), behavior=behavior, invert=invert)


def byte_level(use_regex, add_prefix_space=False):
    return pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space, use_regex=use_regex)


# name: (normalizer, pre-tokenizer, special tokens, added tokens)
FAMILIES = {
    # Pythia / GPT-NeoX-20B: NFC, ByteLevel, and added tokens for runs of spaces.
    "neox": (normalizers.NFC(), byte_level(True), ["<|endoftext|>", "<|padding|>"],
             [AddedToken(" " * n, special=False, normalized=True) for n in range(2, 25)]),
    "llama3": (None, pre_tokenizers.Sequence([split(LLAMA3), byte_level(False)]),
               ["<|begin_of_text|>", "<|end_of_text|>"] + [f"<|reserved_special_token_{i}|>" for i in range(8)], []),
    "olmo2": (None, pre_tokenizers.Sequence([split(LLAMA3, "removed", invert=True), byte_level(False)]),
              ["<|endoftext|>", "<|pad|>"], []),
    "qwen2": (normalizers.NFC(), pre_tokenizers.Sequence([split(QWEN2), byte_level(False)]),
              ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], []),
    "o200k": (None, pre_tokenizers.Sequence([split(O200K), byte_level(False)]), ["<|endoftext|>"], []),
    # The other options: compatibility decomposition, lowercasing, replacing; a Split and ByteLevel's
    # own regex after it; added tokens that strip white space, match raw text or whole words only.
    "options": (normalizers.Sequence([normalizers.NFKD(), normalizers.Lowercase(), normalizers.Replace("''", '"')]),
                pre_tokenizers.Sequence([split(GPT2, "merged_with_next"), byte_level(True)]), ["<|endoftext|>"],
                [AddedToken("<mask>", special=False, normalized=False, lstrip=True),
                 AddedToken("word", special=False, normalized=True, single_word=True),
                 AddedToken(" |", special=False, normalized=True, rstrip=True),
                 AddedToken("<|padding|>", special=False, normalized=False)]),
    # Prepend and a prefix space before every stretch between added tokens.
    "prepend": (normalizers.Sequence([normalizers.NFKC(), normalizers.Prepend("\u2581")]), byte_level(True, add_prefix_space=True),
                ["<|endoftext|>"], [AddedToken("<|im_start|>", special=False, normalized=False),
                                    AddedToken("ing", special=False, normalized=True)]),
}


def build(name, corpus_files, path, vocab_size=3000):
    """Trains the family's BPE on `corpus_files`, adds its added tokens, and saves it to `path`."""
    normalizer, pre_tokenizer, specials, added = FAMILIES[name]
    tokenizer = Tokenizer(models.BPE())
    if normalizer is not None:
        tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train([str(f) for f in corpus_files], trainer)
    tokenizer.add_tokens(added)
    tokenizer.save(str(path))
    return path
