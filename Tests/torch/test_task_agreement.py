"""The few-shot yardstick held to itself: on a small run trained on the task world
(tools/make_task_world.py), `hapax-shards analyze --tasks` on the hf export gives, task by task, the
accuracy and first-token accuracy `hapax-train icl` gives the run (same prompts, same greedy decoding)."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
TRIALS = "40"


def run(args):
    result = subprocess.run([str(a) for a in args], capture_output=True)
    assert result.returncode == 0, f"{args} failed: {result.stderr.decode(errors='replace')}"
    return result.stdout.decode()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A run that has learned some of the world in a minute: the answers' format, the abstractive sets."""
    folder = tmp_path_factory.mktemp("world")
    run([sys.executable, ROOT / "tools" / "make_task_world.py", folder / "corpus", folder / "tasks", "--documents", "3000"])
    run([BIN / "hapax-prep", "train-tokenizer", folder / "corpus", "--vocab-size", "400", "-o", folder / "tokenizer.json"])
    run([BIN / "hapax-prep", "shard", folder / "corpus", "--tokenizer", folder / "tokenizer.json", "--seq-len", "96",
         "--val-fraction", "0.05", "-o", folder / "shards"])
    run([BIN / "hapax-train", "train", "--data", folder / "shards", "--out", folder / "run", "--mask", "none", "--layers", "2",
         "--heads", "2", "--width", "48", "--batch-size", "8", "--steps", "300", "--lr", "3e-3", "--eval-every", "0"])
    run([BIN / "hapax-train", "export", "--run", folder / "run", "--format", "hf", "-o", folder / "hf"])
    return folder


def test_analyze_tasks_measures_the_export_as_icl_measures_the_run(trained):
    hapax = json.loads(run([BIN / "hapax-train", "icl", "--run", trained / "run", "--tasks", trained / "tasks", "--trials", TRIALS, "--json"]))
    ours = json.loads(run([sys.executable, "-m", "hapax_shards.cli", "analyze", "--json", "--model", trained / "hf", "--tasks", trained / "tasks",
                           "--trials", TRIALS, "--sequences", "4", "--repetitions", "8"]))["icl"]
    assert ours["shots"] == hapax["shots"] == 5
    theirs = {t["task"]: t for t in hapax["tasks"]}
    assert sorted(t["task"] for t in ours["tasks"]) == sorted(theirs) and len(theirs) == 7
    for mine in ours["tasks"]:
        other = theirs[mine["task"]]
        assert (mine["family"], mine["trials"]) == (other["family"], other["trials"]), mine["task"]
        assert abs(mine["accuracy"] - other["accuracy"]) < 1e-9, (mine, other)
        assert abs(mine["first_token_accuracy"] - other["first_token_accuracy"]) < 1e-9, (mine, other)
    # Something was learned, so that agreement is more than two zeros: a first token right far more
    # often than one id in 400 (0.125 on the best task when this was written).
    assert max(t["first_token_accuracy"] for t in ours["tasks"]) > 0.05
