"""A run split into parts (`shard --part I/N`) and merged (`merge`) is the run one process makes, byte
for byte, for every N, for inputs cut inside JSON Lines files and for a part that was killed and
rerun; `merge` refuses a missing, duplicated, unfinished or foreign part, naming the folder; the
standard input (`-`) is read as a file of the same content is."""
import gzip
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml
import zstandard

import shard_spec
from conftest import ROOT, kill_after_first_unit, run
from test_shards import folder_digest
from test_tiktoken_parity import cl100k

SEQ_LEN = 128
UNIT_BYTES = 150_000


def shard_args(hapax_prep, cl100k_path, inputs, out, *extra):
    return [hapax_prep, "shard", *map(str, inputs), "--tokenizer", str(cl100k_path), "--seq-len", str(SEQ_LEN),
            "--unit-size", str(UNIT_BYTES), "--val-fraction", "0.2", "-o", str(out), *extra]


@pytest.fixture(scope="module")
def whole(hapax_prep, cl100k_path, corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "shards"
    run(shard_args(hapax_prep, cl100k_path, [corpus], out))
    return out


def make_parts(hapax_prep, cl100k_path, corpus, folder, count, *extra):
    parts = [folder / f"part-{i}" for i in range(count)]
    for i, part in enumerate(parts):
        run(shard_args(hapax_prep, cl100k_path, [corpus], part, "--part", f"{i}/{count}", *extra))
    return parts


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_merged_parts_are_the_whole_run(hapax_prep, cl100k_path, corpus, whole, tmp_path, count):
    parts = make_parts(hapax_prep, cl100k_path, corpus, tmp_path, count, "--threads", str(1 + count % 2))
    manifests = [shard_spec.manifest(p) for p in parts]
    assert sum(m["units"] for m in manifests) == shard_spec.manifest(whole)["units"]
    if count > 1:
        # Parts are balanced by input bytes: none reads more than twice its share.
        sizes = [m["statistics"]["text_bytes"] for m in manifests]
        assert max(sizes) < 2 * sum(sizes) / count
    run([hapax_prep, "merge", *map(str, reversed(parts)), "-o", str(tmp_path / "merged")])
    assert folder_digest(tmp_path / "merged") == folder_digest(whole)


def test_the_whole_run_follows_the_format(whole, corpus, cl100k_path):
    """Blocks, units and splits as docs/FORMAT.md defines them, for the uncompressed inputs."""
    files = sorted(corpus.iterdir())
    docs = shard_spec.documents(files, UNIT_BYTES)
    encoding = cl100k(cl100k_path)
    spec = shard_spec.manifest(whole)
    shards = {s["file"] for split in spec["splits"].values() for s in split["shards"]}
    compressed_block = sum(f.stat().st_size for f in files[:1]) // UNIT_BYTES
    checked = 0
    for unit, members in shard_spec.units(docs, UNIT_BYTES):
        if int(unit[:5]) == compressed_block:
            continue  # the gzip file's documents join this block's units
        for split in ("train", "val"):
            stream = [t for i in members if shard_spec.split_of(docs[i][1], docs[i][2], 0.2) == split
                      for t in encoding.encode_ordinary(docs[i][3]) + [100257]]
            name = f"{split}-{unit}.hapax"
            if len(stream) <= SEQ_LEN:
                assert name not in shards
                continue
            _, windows, _ = shard_spec.read_shard(whole / name)
            rebuilt = list(windows[0]) + [t for w in windows[1:] for t in w[1:]]
            assert rebuilt == stream[: len(rebuilt)] and len(stream) - len(rebuilt) < SEQ_LEN, name
            checked += 1
    assert checked > 20


def test_a_killed_part_rerun_merges_to_the_whole_run(hapax_prep, cl100k_path, corpus, whole, tmp_path):
    parts = make_parts(hapax_prep, cl100k_path, corpus, tmp_path, 3)
    victim = parts[1]
    shutil.rmtree(victim)
    args = shard_args(hapax_prep, cl100k_path, [corpus], victim, "--part", "1/3", "--threads", "1")
    kill_after_first_unit(args, victim)
    # Had it finished first, it is as if killed just before writing its manifest.
    (victim / "manifest.json").unlink(missing_ok=True)
    refused = run([hapax_prep, "merge", *map(str, parts), "-o", str(tmp_path / "merged")], check=False)
    assert refused.returncode != 0 and str(victim) in refused.stderr.decode()
    assert not (tmp_path / "merged" / "manifest.json").exists()
    result = run(args)
    assert b"wrote part 1/3" in result.stderr
    run([hapax_prep, "merge", *map(str, parts), "-o", str(tmp_path / "merged")])
    assert folder_digest(tmp_path / "merged") == folder_digest(whole)


def test_merge_refuses_missing_duplicate_and_foreign_parts(hapax_prep, cl100k_path, corpus, whole, tmp_path):
    parts = make_parts(hapax_prep, cl100k_path, corpus, tmp_path, 3)

    def refused(*folders):
        result = run([hapax_prep, "merge", *map(str, folders), "-o", str(tmp_path / "merged")], check=False)
        assert result.returncode != 0
        return result.stderr.decode()

    assert "part(s) 1/3 missing" in refused(parts[0], parts[2])
    assert "both hold part 2/3" in refused(*parts, parts[2])
    assert f"{whole} holds a whole run" in refused(*parts[:2], whole)
    foreign = tmp_path / "foreign"
    run(shard_args(hapax_prep, cl100k_path, [corpus], foreign, "--part", "2/3", "--scope", "document"))
    message = refused(parts[0], parts[1], foreign)
    assert str(foreign) in message and "scope" in message
    other_count = tmp_path / "other-count"
    run(shard_args(hapax_prep, cl100k_path, [corpus], other_count, "--part", "2/4"))
    assert str(other_count) in refused(parts[0], parts[1], other_count)
    assert not (tmp_path / "merged" / "manifest.json").exists()


def test_merging_again_or_by_moving_gives_the_same_bytes(hapax_prep, cl100k_path, corpus, whole, tmp_path):
    parts = make_parts(hapax_prep, cl100k_path, corpus, tmp_path, 2)
    merged, again = tmp_path / "merged", tmp_path / "again"
    run([hapax_prep, "merge", *map(str, parts), "-o", str(merged)])
    run([hapax_prep, "merge", *map(str, parts), "-o", str(merged)])
    assert folder_digest(merged) == folder_digest(whole)
    # A merge interrupted before its manifest is completed by running it again.
    (merged / "manifest.json").unlink()
    run([hapax_prep, "merge", *map(str, parts), "-o", str(merged)])
    run([hapax_prep, "merge", *map(str, parts), "-o", str(again)])
    assert folder_digest(merged) == folder_digest(again) == folder_digest(whole)
    run([hapax_prep, "merge", *map(str, parts), "--move", "-o", str(tmp_path / "moved")])
    assert folder_digest(tmp_path / "moved") == folder_digest(whole)
    assert not list(parts[0].glob("*.hapax"))
    # Linked merges keep their shards when the parts' names are gone.
    assert folder_digest(again) == folder_digest(whole)


def test_a_merged_folder_is_a_shard_folder(hapax_prep, cl100k_path, corpus, whole, tmp_path):
    parts = make_parts(hapax_prep, cl100k_path, corpus, tmp_path, 2)
    merged = tmp_path / "merged"
    run([hapax_prep, "merge", *map(str, parts), "-o", str(merged)])
    assert b"ok" in run([hapax_prep, "verify", str(merged), "--all"]).stdout
    report = json.loads(run([hapax_prep, "inspect", str(merged), "--json"]).stdout)
    assert report["splits"]["train"]["windows"] == shard_spec.manifest(whole)["splits"]["train"]["windows"]
    exported = run([hapax_prep, "export", str(merged), "--split", "val", "--windows", "0..3"]).stdout.decode().splitlines()
    assert len(exported) == 3
    # A rerun of the unpartitioned command in the merged folder finds every unit done.
    run(shard_args(hapax_prep, cl100k_path, [corpus], merged))
    assert folder_digest(merged) == folder_digest(whole)


def test_standard_input_is_read_as_a_file_of_the_same_content(hapax_prep, cl100k_path, corpus, tmp_path):
    lines = (corpus / "a.jsonl").read_bytes()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(lines))
    run(shard_args(hapax_prep, cl100k_path, [tmp_path / "a.jsonl.gz"], tmp_path / "file"))
    file_shards = {p.name: p.read_bytes() for p in (tmp_path / "file").glob("*.hapax")}
    assert file_shards
    for name, data in [("gzip", gzip.compress(lines)), ("zstd", zstandard.ZstdCompressor().compress(lines)), ("plain", lines)]:
        out = tmp_path / name
        run(shard_args(hapax_prep, cl100k_path, ["-"], out, "--format", "jsonl"), input=data)
        assert {p.name: p.read_bytes() for p in out.glob("*.hapax")} == file_shards, name
    text = (corpus / "c.txt").read_bytes()
    run(shard_args(hapax_prep, cl100k_path, ["-"], tmp_path / "text"), input=text)
    assert shard_spec.manifest(tmp_path / "text")["statistics"]["text_bytes"] == len(text)
    refused = run(shard_args(hapax_prep, cl100k_path, ["-"], tmp_path / "parts", "--part", "0/2"), input=text, check=False)
    assert refused.returncode != 0 and b"standard input" in refused.stderr


def test_part_auto_reads_the_scheduler_index(hapax_prep, cl100k_path, corpus, tmp_path):
    args = shard_args(hapax_prep, cl100k_path, [corpus], tmp_path / "auto", "--part", "auto/2")
    environment = {k: v for k, v in os.environ.items() if k not in ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX")}
    result = subprocess.run(args, capture_output=True, env=environment)
    assert result.returncode != 0 and b"SLURM_ARRAY_TASK_ID" in result.stderr
    result = subprocess.run(args, capture_output=True, env={**environment, "JOB_COMPLETION_INDEX": "2"})
    assert result.returncode != 0 and b"from 0 to 1" in result.stderr
    subprocess.run(args, check=True, capture_output=True, env={**environment, "JOB_COMPLETION_INDEX": "1"})
    assert shard_spec.manifest(tmp_path / "auto")["parameters"]["part"] == {"index": 1, "count": 2}


def test_the_kubernetes_jobs_run_as_written(hapax_prep, corpus_files, tmp_path):
    """The commands of pipelines/kubernetes/, run as their pods would run them (each index of the
    indexed Job, then the merge), with /data a local folder."""
    folder = ROOT / "pipelines" / "kubernetes"
    shard_job = yaml.safe_load((folder / "shard-parts.yaml").read_text())
    merge_job = yaml.safe_load((folder / "merge.yaml").read_text())
    spec = shard_job["spec"]
    command = spec["template"]["spec"]["containers"][0]["args"][0]
    count = int(re.search(r"--part auto/(\d+)", command).group(1))
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"] == count
    merge_command = merge_job["spec"]["template"]["spec"]["containers"][0]["args"][0].replace("$$", "$")
    assert f"0 {count - 1})" in merge_command

    data = tmp_path / "data"
    (data / "corpus").mkdir(parents=True)
    for file in corpus_files[:5]:
        shutil.copy(file, data / "corpus")
    run([hapax_prep, "train-tokenizer", "--vocab-size", "400", "-o", str(data / "tokenizer.json"), *map(str, corpus_files[:2])])
    environment = {**os.environ, "PATH": f"{pathlib.Path(hapax_prep).parent}:{os.environ['PATH']}"}
    for index in range(count):
        subprocess.run(["sh", "-c", command.replace("/data", str(data))], check=True, capture_output=True,
                       env={**environment, "JOB_COMPLETION_INDEX": str(index)})
    subprocess.run(["sh", "-c", merge_command.replace("/data", str(data))], check=True, capture_output=True, env=environment)
    assert b"ok" in run([hapax_prep, "verify", str(data / "out" / "shards")]).stdout
