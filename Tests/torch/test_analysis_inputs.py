"""`hapax-shards analyze` and `hapax-train export --format hf` against hostile or mismatched inputs
(issue 36, items 24 to 31): shards of another tokenizer, devices this machine lacks, runs whose
tokenizer is not a tokenizer.json, an export over an earlier one, attention-free and hybrid models,
numeric options out of range, the probe length of a foreign model, and the exported end-of-text token.
Where the measures must agree, `hapax-train analyze` on the run is the oracle (its ordinary ids are
those of hapax's own tokenizer readers); `AutoTokenizer` is the oracle of what the export declares."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import torch
from transformers import AutoTokenizer, GPTNeoXConfig, GPTNeoXForCausalLM

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
DATA = ROOT / "data"
SEQ_LEN = 32
PROBES = ["--sequences", "4", "--repetitions", "8", "--eval-windows", "4"]


def run(args):
    result = subprocess.run([str(a) for a in args], capture_output=True)
    assert result.returncode == 0, f"{args} failed: {result.stderr.decode(errors='replace')}"
    return result.stdout.decode()


def analyze(*args):
    return json.loads(run([sys.executable, "-m", "hapax_shards.cli", "analyze", "--json", *args]))


def refused(*args):
    """stderr of an analyze that must fail in one line, without a traceback."""
    result = subprocess.run([sys.executable, "-m", "hapax_shards.cli", "analyze", *map(str, args)], capture_output=True, text=True)
    assert result.returncode != 0, f"{args} was accepted: {result.stdout[-500:]}"
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip()


def texts(first, count=1):
    found = sorted((DATA / "shakespeare").glob("*.txt"))[first:first + count]
    assert found, "the Shakespeare corpus is missing: run tools/fetch-data.sh"
    return found


def shard(tokenizer, out, *extra, first=0):
    run([BIN / "hapax-prep", "shard", *texts(first, 2), "--tokenizer", tokenizer, "--seq-len", SEQ_LEN,
         "--val-fraction", "0.2", "-o", out, *extra])
    return out


def train_and_export(shards, folder):
    run([BIN / "hapax-train", "train", "--data", shards, "--out", folder / "run", "--mask", "none", "--layers", "1", "--heads", "2",
         "--width", "16", "--batch-size", "2", "--steps", "2", "--eval-every", "0"])
    run([BIN / "hapax-train", "export", "--run", folder / "run", "--format", "hf", "-o", folder / "hf"])
    return folder / "run", folder / "hf"


def hapax_tokens(run_folder):
    """How many ordinary ids hapax-train analyze draws from, by hapax's own tokenizer readers."""
    return json.loads(run([BIN / "hapax-train", "analyze", "--run", run_folder, "--json", *PROBES]))["tokens"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Byte-level BPE tokenizers of 512 ids (two, on different plays), 300 and 1024 ids; shards of
    each; a run on the first 512-id tokenizer's shards and its export."""
    folder = tmp_path_factory.mktemp("inputs")
    made = {}
    for name, size, first in [("a512", 512, 0), ("b512", 512, 5), ("c300", 300, 0), ("d1024", 1024, 0)]:
        tokenizer = folder / f"{name}.json"
        run([BIN / "hapax-prep", "train-tokenizer", "--vocab-size", size, "-o", tokenizer, *texts(first)])
        made[name] = shard(tokenizer, folder / f"shards-{name}", first=first)
    run_folder, hf = train_and_export(made["a512"], folder)
    return {"shards": made, "run": run_folder, "hf": hf, "folder": folder}


@pytest.mark.parametrize("other", ["b512", "c300", "d1024"])
def test_shards_of_another_tokenizer_are_refused_naming_both(trained, other):
    """Item 24: a 512-id tokenizer of other merges measured a loss ten times too high, 300 and 1024
    ids ended in an IndexError."""
    shards = trained["shards"][other]
    message = refused("--model", trained["hf"], "--data", shards, *PROBES)
    assert message.count("\n") == 0 and str(shards / "manifest.json") in message
    assert "b512" not in other or (str(trained["hf"]) in message and "other tokens" in message)


def test_the_model_s_own_shards_are_accepted_and_a_model_without_tokenizer_is_measured_with_theirs(trained, tmp_path):
    assert analyze("--model", trained["hf"], "--data", trained["shards"]["a512"], *PROBES)["tokens"] == hapax_tokens(trained["run"])
    bare = tmp_path / "bare"
    shutil.copytree(trained["hf"], bare)
    for name in ("tokenizer.json", "tokenizer_config.json", "hapax_tokenizer.json"):
        (bare / name).unlink(missing_ok=True)
    report = analyze("--model", bare, "--data", trained["shards"]["b512"], *PROBES)
    assert report["tokens"] == 511 and "loss_all" in report
    assert "more than the 512 embeddings" in refused("--model", bare, "--data", trained["shards"]["d1024"], *PROBES)


@pytest.mark.parametrize("device", ["cuda", "cuda:7", "mps", "cdua", "tpu"])
def test_a_device_this_machine_lacks_is_refused_before_the_model_loads(device, tmp_path):
    """Item 25: a 36-line traceback after the model had loaded. The folder is no model at all, so
    only a check made before loading names the device."""
    available = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if available.get(device.split(":")[0]) and device != "cuda:7":
        pytest.skip(f"this machine has {device}")
    message = refused("--model", tmp_path, "--device", device)
    assert message.count("\n") == 0 and message.startswith(f"hapax-shards: --device {device}:"), message


@pytest.fixture(scope="module", params=["sentencepiece", "tekken", "tiktoken"])
def foreign_tokenizer_run(request, tmp_path_factory):
    """A run of each tokenizer kind that is not a tokenizer.json, and its export."""
    path = {"sentencepiece": DATA / "mistral" / "tokenizer.model.v1", "tekken": DATA / "mistral" / "tekken_240718.json",
            "tiktoken": DATA / "cl100k_base.tiktoken"}[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    # The SentencePiece shards put <s> before each document, so that the export has a beginning token.
    shards = shard(path, folder / "shards", *(["--bos"] if request.param == "sentencepiece" else []))
    run_folder, hf = train_and_export(shards, folder)
    return request.param, shards, run_folder, hf


def test_an_export_of_any_tokenizer_is_analyzed(foreign_tokenizer_run, tmp_path):
    """Item 26: SentencePiece ended in `cannot reshape tensor of 0 elements`, Tekken in an uncaught
    exception, and a folder without a tokenizer but with --data said "give --data"."""
    kind, shards, run_folder, hf = foreign_tokenizer_run
    tokens = hapax_tokens(run_folder)
    assert analyze("--model", hf, *PROBES)["tokens"] == tokens
    assert analyze("--model", hf, "--data", shards, *PROBES)["tokens"] == tokens
    # An export made before hapax_tokenizer.json existed: the model folder has no tokenizer.
    older = tmp_path / "older"
    shutil.copytree(hf, older)
    (older / "hapax_tokenizer.json").unlink()
    shutil.rmtree(older / "tokenizer")
    assert analyze("--model", older, "--data", shards, *PROBES)["tokens"] == tokens
    message = refused("--model", older, *PROBES)
    assert message.count("\n") == 0 and "no tokenizer" in message and "give --data" in message


def test_an_export_over_an_earlier_one_leaves_none_of_its_tokenizer(trained, foreign_tokenizer_run, tmp_path):
    """Item 27: exporting a 32000-id run over a 512-id one kept the 512-id tokenizer.json, and analyze
    measured with it."""
    kind, shards, run_folder, _ = foreign_tokenizer_run
    out = tmp_path / "hf"
    shutil.copytree(trained["hf"], out)
    run([BIN / "hapax-train", "export", "--run", run_folder, "--format", "hf", "-o", out])
    assert not (out / "tokenizer.json").exists() and not (out / "tokenizer_config.json").exists()
    assert analyze("--model", out, *PROBES)["tokens"] == hapax_tokens(run_folder)
    # And back: the earlier export's tokenizer/ copy goes too.
    run([BIN / "hapax-train", "export", "--run", trained["run"], "--format", "hf", "-o", out])
    assert not (out / "tokenizer").exists() and (out / "tokenizer.json").exists()


def test_the_export_declares_its_end_of_text_and_beginning_tokens(trained, foreign_tokenizer_run):
    """Item 31: AutoTokenizer reported eos_token None while config.json said 511; and config.json gave
    the end-of-text id as bos even for shards that put <s> before each document."""
    config = json.loads((trained["hf"] / "config.json").read_text())
    tokenizer = AutoTokenizer.from_pretrained(trained["hf"])
    assert tokenizer.eos_token == "<|endoftext|>" and tokenizer.eos_token_id == config["eos_token_id"]
    assert tokenizer.bos_token_id == config["bos_token_id"] == config["eos_token_id"]
    kind, shards, _, hf = foreign_tokenizer_run
    identity = json.loads((shards / "manifest.json").read_text())["parameters"]["tokenizer"]
    config = json.loads((hf / "config.json").read_text())
    assert config["eos_token_id"] == identity["end_of_text"]
    assert config["bos_token_id"] == identity.get("beginning_of_text", identity["end_of_text"])
    assert (kind == "sentencepiece") == ("beginning_of_text" in identity)


def test_an_attention_free_model_is_refused_in_one_line(tmp_path):
    """Item 28: a Mamba model ended in an AttributeError traceback."""
    from transformers import MambaConfig, MambaForCausalLM

    torch.manual_seed(0)
    MambaForCausalLM(MambaConfig(vocab_size=64, hidden_size=16, state_size=4, num_hidden_layers=1, expand=2,
                                 use_mambapy=False)).save_pretrained(tmp_path / "mamba")
    message = refused("--model", tmp_path / "mamba", *PROBES)
    assert message.count("\n") == 0 and "MambaForCausalLM returns no attention probabilities" in message


def test_a_hybrid_model_s_heads_are_numbered_by_their_layer(tmp_path):
    """Item 28: Jamba's attention layers 1 and 3 were reported as L0 and L1."""
    from transformers import JambaConfig, JambaForCausalLM

    torch.manual_seed(0)
    config = JambaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=4, num_attention_heads=2,
                         num_key_value_heads=2, attn_layer_period=2, attn_layer_offset=1, expert_layer_period=4,
                         expert_layer_offset=3, num_experts=1, mamba_d_state=4, mamba_expand=2, mamba_dt_rank=4,
                         use_mamba_kernels=False, max_position_embeddings=64)
    JambaForCausalLM(config).save_pretrained(tmp_path / "jamba")
    bare_tokenizer(tmp_path / "jamba", 64)
    report = analyze("--model", tmp_path / "jamba", *PROBES)
    assert report["attention_layers"] == [1, 3] and len(report["prefix_matching"]) == 2
    assert {name.split("H")[0] for name in report["top_heads"]} == {"L1", "L3"}
    text = run([sys.executable, "-m", "hapax_shards.cli", "analyze", "--model", tmp_path / "jamba", *PROBES])
    rows = [line.split()[0] for line in text.splitlines() if line.strip().startswith("L") and not line.strip().startswith("Loss")]
    assert rows == ["L1", "L3"], text
    # hapax-train report's heat map labels the rows by the same indices.
    (tmp_path / "jamba.json").write_text(json.dumps(report))
    run([BIN / "hapax-train", "report", tmp_path / "jamba.json", "-o", tmp_path / "report.html"])
    page = (tmp_path / "report.html").read_text()
    assert ">L1</text>" in page and ">L3</text>" in page and ">L0</text>" not in page


def bare_tokenizer(folder, size):
    """A word-level tokenizer.json of `size` ids, no special token: every id is ordinary."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    Tokenizer(WordLevel({f"w{i}": i for i in range(size)}, unk_token="w0")).save(str(folder / "tokenizer.json"))


@pytest.mark.parametrize("option, value, bound", [("--sequences", 0, 1), ("--repetitions", 0, 1), ("--repeat-length", 1, 2),
                                                  ("--repetition-length", 1, 2), ("--eval-windows", -1, 1), ("--eval-windows", 0, 1),
                                                  ("--trials", 0, 1), ("--shots", -1, 0), ("--seed", -1, 0)])
def test_numeric_options_are_checked_as_hapax_train_checks_them(option, value, bound, tmp_path):
    """Item 29: --eval-windows -1 reported a loss of -0.0000, --repeat-length 1 wrote NaN, and 0
    sequences, repetitions or trials ended in tracebacks. The folder is no model: the option is
    refused first."""
    result = subprocess.run([sys.executable, "-m", "hapax_shards.cli", "analyze", "--model", tmp_path, option, str(value)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"argument {option}: {value}: must be at least {bound}" in result.stderr.strip().splitlines()[-1]


def test_the_uniform_probe_length_comes_from_the_model_s_context_alone(trained, tmp_path):
    """Item 30: a model of context 128 was probed with R = 50 alone and R = 16 with 32-token shards."""
    torch.manual_seed(0)
    GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=512, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=128)).save_pretrained(tmp_path / "neox")
    shards = trained["shards"]["a512"]
    name = json.loads((shards / "manifest.json").read_text())["parameters"]["tokenizer"]["file"]
    shutil.copy(shards / name, tmp_path / "neox" / "tokenizer.json")
    alone = analyze("--model", tmp_path / "neox", *PROBES)
    with_data = analyze("--model", tmp_path / "neox", "--data", trained["shards"]["a512"], *PROBES)
    assert alone["repeat_length"] == with_data["repeat_length"] == 50
    assert alone["prefix_matching"] == with_data["prefix_matching"] and alone["repetition_length"] == with_data["repetition_length"]


@pytest.mark.parametrize("value", ["-1", str(1 << 64)])
def test_export_s_seed_is_an_unsigned_64_bit_integer(value, tmp_path):
    """The class of item 29: hapax-train's --seed is a UInt64, so a negative seed or one of 2^64 is
    refused rather than folded into another seed's random:P mask."""
    result = subprocess.run([sys.executable, "-m", "hapax_shards.cli", "export", tmp_path, "--format", "olmo", "-o", tmp_path / "out",
                             "--mask", "random:0.5", "--seed", value], capture_output=True, text=True)
    assert result.returncode == 2 and "argument --seed:" in result.stderr.strip().splitlines()[-1]
