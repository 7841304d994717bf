"""hapax must encode byte for byte as tiktoken's encode_ordinary with cl100k_base."""
import tiktoken
from tiktoken.load import load_tiktoken_bpe

from conftest import hapax_ids
from test_pretokenizer_parity import PATTERNS
from texts import STRESS, random_texts


def cl100k(path):
    return tiktoken.Encoding(name="cl100k_base", pat_str=PATTERNS["cl100k"],
                             mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens={})


def test_whole_corpus(hapax_prep, cl100k_path, corpus_files):
    encoding = cl100k(cl100k_path)
    ours = hapax_ids(hapax_prep, cl100k_path, corpus_files)
    assert len(ours) == len(corpus_files)
    for path, ids in zip(corpus_files, ours):
        assert ids == encoding.encode_ordinary(path.read_text(encoding="utf-8")), path.name


def test_stress_and_random_texts(hapax_prep, cl100k_path, tmp_path):
    encoding = cl100k(cl100k_path)
    long_runs = ["a" + " " * 5000 + "b", "x" + "\n \t" * 2000 + "y", "z" * 3000, "1" * 3001]
    texts = [STRESS] + long_runs + random_texts(300, seed=7)
    files = []
    for i, text in enumerate(texts):
        files.append(tmp_path / f"t{i}.txt")
        files[-1].write_text(text, encoding="utf-8")
    for text, ids in zip(texts, hapax_ids(hapax_prep, cl100k_path, files)):
        assert ids == encoding.encode_ordinary(text), repr(text)


def test_special_token_text_is_ordinary(hapax_prep, cl100k_path, tmp_path):
    path = tmp_path / "special.txt"
    path.write_text("a<|endoftext|>b", encoding="utf-8")
    [ids] = hapax_ids(hapax_prep, cl100k_path, [path])
    assert 100257 not in ids
    assert ids == cl100k(cl100k_path).encode_ordinary("a<|endoftext|>b")


def test_invalid_utf8_is_replaced_like_python(hapax_prep, cl100k_path, tmp_path):
    raw = b"ok \xff\xfe bad \xe2\x82 cut \xf0\x9f\x98 end\xc3"
    path = tmp_path / "bad.txt"
    path.write_bytes(raw)
    [ids] = hapax_ids(hapax_prep, cl100k_path, [path])
    assert ids == cl100k(cl100k_path).encode_ordinary(raw.decode("utf-8", "replace"))
