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


def test_the_answers_follow_their_family(world):
    folder, _ = world
    for q, a in examples_of(folder / "corpus"):
        words = q.split()
        if len(words) == 2:
            assert a not in q.split()  # abstractive: the answer is not in the prompt
        elif len(words) == 3:
            assert a in (q, words[0])  # copy or first
        else:
            assert a == f"{words[-1]} {words[words.index(words[-1]) + 1]}"  # recall
