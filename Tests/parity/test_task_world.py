"""tools/make_task_world.py: deterministic, and its held-out prompts absent from its pretraining documents."""
import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tools" / "make_task_world.py"


def generate(folder, *arguments):
    subprocess.run([sys.executable, GENERATOR, folder / "corpus", folder / "tasks", *arguments], check=True)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def examples_of(corpus):
    """Every (input, output) the documents demonstrate, read back from the prompt format."""
    pairs = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = json.loads(line)["text"]
            found = re.findall(r"Q: ([^\n]*)\nA: ([^\n]*)\n\n", text)
            assert "".join(f"Q: {q}\nA: {a}\n\n" for q, a in found) == text, f"{path}: a document not in the prompt format"
            pairs += found
    return pairs


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("world")
    return folder, generate(folder, "--documents", "3000")


def test_same_arguments_give_the_same_files(world, tmp_path):
    _, files = world
    assert generate(tmp_path, "--documents", "3000") == files
    assert generate(tmp_path / "other", "--documents", "3000", "--seed", "2") != files


def test_held_out_prompts_never_occur_in_the_documents(world):
    folder, _ = world
    trained = examples_of(folder / "corpus")
    inputs = {q for q, _ in trained}
    tasks = {p.parent.name + "/" + p.stem: json.loads(p.read_text()) for p in (folder / "tasks").glob("*/*.json")}
    assert sorted(tasks) == ["abstractive/first_word_code", "abstractive/first_word_sign", "abstractive/second_word_code",
                             "abstractive/second_word_sign", "extractive/copy", "extractive/first", "extractive/recall"]
    trained_words = {w for q in inputs for w in q.split()}
    for name, examples in tasks.items():
        held = [e["input"] for e in examples]
        assert len(set(held)) == len(held), name
        assert not inputs.intersection(held), f"{name}: held-out inputs in the pretraining documents"
        if name.startswith("abstractive/"):
            # Learnable from the documents: every word is trained, only its pairing is new; and the
            # outputs are distinct, so a query's answer is never among its demonstrations'.
            assert trained_words.issuperset(w for q in held for w in q.split()), name
            assert len({e["output"] for e in examples}) == len(examples), name
    # Each function answers in its own words, so the demonstrations' answers say which one applies.
    answers = [{e["output"] for e in examples} for name, examples in tasks.items() if name.startswith("abstractive/")]
    assert sum(map(len, answers)) == len(set().union(*answers)) == 48


def test_the_answers_follow_their_family(world):
    folder, _ = world
    for q, a in examples_of(folder / "corpus"):
        words = q.split()
        if len(words) == 5:
            assert a == f"{words[-1]} {words[words.index(words[-1]) + 1]}"  # recall
        elif a in words or a == q:
            assert a in (q, words[0])  # copy or first
        else:
            assert len(words) == 2 and len(a.split()) == 1  # abstractive: the answer is not in the prompt


def python_answer_drops(shards, tokenizer_file):
    """Per family, answers, answer tokens and the tokens each rule drops, counted from the shard bytes
    (shard_spec), match lengths recomputed by brute force, and tokens decoded by Hugging Face tokenizers."""
    from tokenizers import Tokenizer

    import shard_spec

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    spelling = {}
    rules = {f"hapax{n}": (lambda n: lambda m, t: m[t] >= n)(n) for n in range(2, 9)}
    rules["repeat"] = lambda m, t: m[t] >= 1
    rules["offset"] = lambda m, t: t >= 2 and m[t - 1] >= 1
    families = {}
    for entry in shard_spec.manifest(shards)["splits"]["train"]["shards"]:
        _, tokens, _ = shard_spec.read_shard(shards / entry["file"])
        for window in tokens:
            owner, text = [], ""
            for t, token in enumerate(window.tolist()):
                piece = spelling.setdefault(token, tokenizer.decode([token], skip_special_tokens=False))
                text += piece
                owner += [t] * len(piece)
            m = None
            for block in re.finditer(r"(?<=\n)Q: ([^\n]*)\nA: ([^\n]*)(?=\n)", text):
                question, answer = block.group(1), block.group(2)
                extractive = f" {answer} " in f" {question} " and answer != ""
                family = families.setdefault("extractive" if extractive else "abstractive",
                                             {"answers": 0, "tokens": 0, "dropped": dict.fromkeys(rules, 0)})
                targets = {t for t in owner[block.start(2) - 1 : block.end(2)] if t >= 1}
                m = shard_spec.match_lengths(window) if m is None else m
                family["answers"] += 1
                family["tokens"] += len(targets)
                for name, drops in rules.items():
                    family["dropped"][name] += sum(bool(drops(m, t)) for t in targets)
    return families


def test_inspect_counts_the_answer_tokens_each_rule_drops(hapax_prep, tmp_path):
    generate(tmp_path, "--documents", "300")
    tokenizer, shards = tmp_path / "tokenizer.json", tmp_path / "shards"
    subprocess.run([hapax_prep, "train-tokenizer", tmp_path / "corpus", "--vocab-size", "400", "-o", tokenizer], check=True)
    subprocess.run([hapax_prep, "shard", tmp_path / "corpus", "--tokenizer", tokenizer, "--seq-len", "96", "--val-fraction", "0.1",
                    "-o", shards], check=True, capture_output=True)
    report = json.loads(subprocess.run([hapax_prep, "inspect", shards, "--json"], check=True, capture_output=True).stdout)
    expected = python_answer_drops(shards, tokenizer)
    assert set(expected) == {"extractive", "abstractive"}
    assert report["answers"]["families"] == expected
    # The world's design, as measured: Hapax drops most extractive answer tokens and few abstractive ones.
    share = {f: expected[f]["dropped"]["hapax2"] / expected[f]["tokens"] for f in expected}
    assert share["extractive"] > 0.6 and share["abstractive"] < 0.2, share
    text = subprocess.run([hapax_prep, "inspect", shards], check=True, capture_output=True, text=True).stdout
    assert "dropped share of few-shot answer tokens" in text
