"""Defects of the Python bridge found by review (issue 22), each as the run that showed it: exports drawing
random:P with another seed, a misspelled split read as empty, set_epoch lost by persistent workers, a
frame decompressed per window, frame headers that disabled zstd's check or lied about their size,
exports leaving temporary files, and train_torch.py training through NaN or failing late."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
import zstandard
from torch.utils.data import DataLoader

from hapax_shards import HapaxDataset, ShardError
from hapax_shards.export import export_olmo, export_parquet
from hapax_shards.shards import Shard
from hapax_shards.torch_data import HapaxIterableDataset, epoch_order
from test_bridge import ROOT, run, shards  # noqa: F401  (the module's fixture)


def test_exports_draw_random_masks_with_the_datasets_seed_and_record_it(shards, tmp_path):  # noqa: F811
    ds = HapaxDataset(shards, "train", mask="random:0.5")
    settings = export_olmo(ds.folder, tmp_path / "olmo", mask="random:0.5")
    assert settings["seed"] == ds.seed == 1
    assert json.loads((tmp_path / "olmo" / "olmo-data.json").read_text())["seed"] == 1
    masks = np.fromfile(settings["splits"]["train"]["label_mask_paths"][0], dtype=bool).reshape(len(ds), ds.seq_len)
    for i in range(len(ds)):
        assert (masks[i, 1:] == ds.kept(i)[: ds.seq_len - 1]).all(), f"window {i}"
    files = export_parquet(ds.folder, tmp_path / "parquet", mask="random:0.5")
    table = pq.read_table(files["train"])
    assert json.loads(table.schema.metadata[b"hapax"]) == {"mask": "random:0.5", "ngram": 2, "seed": 1}
    assert table.column("labels")[3].as_py() == ds.example(3)["labels"].tolist()


def test_a_misspelled_split_is_an_error(shards):  # noqa: F811
    with pytest.raises(ShardError, match="no split 'validation'; the folder has train, val"):
        HapaxDataset(shards, "validation")


def test_set_epoch_reaches_persistent_workers_and_refuses_a_start_between_steps(shards):  # noqa: F811
    ds = HapaxIterableDataset(shards, batch_size=4)
    loader = DataLoader(ds, batch_size=4, num_workers=2, persistent_workers=True)
    count = len(ds.data)
    for epoch in (0, 1, 2):
        ds.set_epoch(epoch)
        windows = [int(w) for b in loader for w in b["window"]]
        assert windows == epoch_order(count, 1, epoch).tolist()[: len(windows)], f"epoch {epoch}"
    ds.set_epoch(1, 8)
    assert [int(w) for b in loader for w in b["window"]][:4] == epoch_order(count, 1, 1).tolist()[8:12]
    with pytest.raises(ValueError, match="not a step boundary"):
        ds.set_epoch(1, 5)


def test_shuffled_reading_decompresses_each_frame_once(shards, monkeypatch):  # noqa: F811
    decoded = []
    original = Shard.frame
    monkeypatch.setattr(Shard, "frame", lambda self, f: decoded.append((self.path, f)) or original(self, f))
    ds = HapaxIterableDataset(shards, batch_size=1)
    windows = [example["window"] for example in ds]
    assert sorted(windows) == list(range(len(ds.data)))
    frames = sum(ds.data.folder.shard(e).frames for e in ds.data.folder.entries("train"))
    assert len(decoded) == len(set(decoded)) == frames


def corrupt_first_frame(shards, tmp_path, change):  # noqa: F811
    copy = tmp_path / "copy"
    shutil.copytree(shards, copy)
    entry = json.loads((copy / "manifest.json").read_text())["splits"]["train"]["shards"][0]
    path = copy / entry["file"]
    data = bytearray(path.read_bytes())
    offset = int.from_bytes(data[128:136], "little")
    change(data, offset)
    path.write_bytes(bytes(data))
    return copy, path


def test_a_frame_header_without_its_checksum_flag_is_refused(shards, tmp_path):  # noqa: F811
    def clear_checksum_flag(data, offset):
        data[offset + 4] &= ~0x04

    copy, path = corrupt_first_frame(shards, tmp_path, clear_checksum_flag)
    with pytest.raises(ShardError, match=f"{path}: frame 0: the zstd frame records no content checksum"):
        HapaxDataset(copy).window(0)
    hapax_prep = ROOT / ".build" / "release" / "hapax-prep"
    assert subprocess.run([hapax_prep, "verify", copy], capture_output=True).returncode != 0


def test_a_frame_declaring_a_huge_size_is_refused_before_allocating(shards, tmp_path):  # noqa: F811
    def inflate_content_size(data, offset):
        end = offset + zstandard.frame_header_size(bytes(data[offset:offset + 18]))
        data[end - 1] |= 0x40  # the content size's high byte

    copy, path = corrupt_first_frame(shards, tmp_path, inflate_content_size)
    with pytest.raises(ShardError, match=f"{path}: frame 0: the zstd frame declares \\d+ bytes of content, expected"):
        HapaxDataset(copy).window(0)


def test_export_checks_its_options_before_writing(shards, tmp_path):  # noqa: F811
    command = [sys.executable, "-m", "hapax_shards.cli", "export", str(shards), "--format", "olmo"]
    out = tmp_path / "out"
    for mask, words in [("random:abc", "--mask"), ("sometimes", "--mask")]:
        result = subprocess.run([*command, "-o", out, "--mask", mask], capture_output=True, text=True)
        assert result.returncode != 0 and words in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not out.exists() or not os.listdir(out)
    (tmp_path / "file").write_text("")
    result = subprocess.run([*command, "-o", tmp_path / "file" / "sub"], capture_output=True, text=True)
    assert result.returncode != 0 and "cannot create" in result.stderr and "Traceback" not in result.stderr, result.stderr
    # A failure in the middle of writing leaves no temporary file.
    failing = tmp_path / "failing"
    with pytest.raises(ShardError):
        copy = tmp_path / "broken"
        shutil.copytree(shards, copy)
        entry = json.loads((copy / "manifest.json").read_text())["splits"]["train"]["shards"][-1]
        data = bytearray((copy / entry["file"]).read_bytes())
        data[-20] ^= 0x40
        (copy / entry["file"]).write_bytes(bytes(data))
        export_olmo(HapaxDataset(copy).folder, failing)
    assert not [p for p in failing.iterdir() if ".tmp-" in p.name]


def train_torch(shards, out, *extra):  # noqa: F811
    args = ["--data", shards, "--out", out, "--layers", "1", "--heads", "2", "--width", "16", "--batch-size", "4", "--steps", "6",
            "--warmup", "2", "--eval-every", "3", "--eval-windows", "8", "--threads", "1", "--loader-workers", "0", *extra]
    return subprocess.run([sys.executable, ROOT / "tools" / "train_torch.py", *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("extra, words", [
    (["--eval-windows", "0"], "--eval-windows"),
    (["--batch-size", "0"], "--batch-size"),
    (["--mask", "sometimes"], "--mask"),
    (["--mask", "random:x"], "--mask"),
    (["--heads", "3"], "--heads"),
])
def test_train_torch_refuses_bad_options_up_front(shards, tmp_path, extra, words):  # noqa: F811
    result = train_torch(shards, tmp_path / "run", *extra)
    assert result.returncode != 0 and words in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "run").exists()
    result = subprocess.run([sys.executable, ROOT / "tools" / "train_torch.py", "--data", tmp_path, "--out", tmp_path / "r"],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "--data" in result.stderr and "no manifest.json" in result.stderr


def test_train_torch_stops_at_a_non_finite_loss_with_json_metrics(shards, tmp_path):  # noqa: F811
    result = train_torch(shards, tmp_path / "run", "--lr", "1e30", "--steps", "40", "--clip", "0", "--warmup", "0")
    assert result.returncode != 0 and "diverged at step" in result.stderr, result.stderr
    lines = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert lines[-1]["train_loss"] is None and not (tmp_path / "run" / "model.safetensors").exists()


def test_train_torch_in_bf16_on_the_device_code_path(shards, tmp_path):  # noqa: F811
    """The device is a parameter: on CPU this runs the code a GPU runs, bf16 autocast included."""
    result = train_torch(shards, tmp_path / "run", "--device", "cpu", "--dtype", "bf16")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert len(lines) == 6 and lines[-1]["val_loss_all"] is not None and lines[-1]["train_loss"] < lines[0]["train_loss"] + 1
    assert (tmp_path / "run" / "model.safetensors").exists()
