"""pipelines/slurm/ on a real Slurm cluster: tools/slurm-cluster.sh starts Debian's slurmctld, slurmd and
munged on this machine; submit.sh queues a job array of 3 parts and the merge that depends on it; the
merged folder verifies and equals the run one process makes, and Slurm ran exactly the scripts in the
repository."""
import os
import pathlib
import re
import subprocess
import time

from conftest import ROOT, run
from test_parts import SEQ_LEN, UNIT_BYTES, shard_args
from test_shards import folder_digest

SLURM = ROOT / "pipelines" / "slurm"


def slurm_environment():
    started = run([str(ROOT / "tools" / "slurm-cluster.sh")]).stdout.decode()
    conf = re.search(r"SLURM_CONF=(\S+)", started).group(1)
    return {**os.environ, "SLURM_CONF": conf}


def job_state(environment, job):
    shown = subprocess.run(["scontrol", "show", "job", job], capture_output=True, env=environment).stdout.decode()
    return re.findall(r"JobState=(\w+)", shown)


def test_job_array_and_dependent_merge_on_a_real_cluster(hapax_prep, cl100k_path, corpus, tmp_path):
    environment = slurm_environment()
    out = tmp_path / "out"
    options = f"--unit-size {UNIT_BYTES} --val-fraction 0.2"
    submitted = run_with(environment | {
        "HAPAX_PREP": hapax_prep, "TOKENIZER": str(cl100k_path), "SEQ_LEN": str(SEQ_LEN), "INPUTS": str(corpus),
        "OUT": str(out), "PARTS": "3", "SHARD_OPTIONS": options}, [str(SLURM / "submit.sh")])
    array, merge = re.search(r"shard array (\d+) \(3 tasks\), merge (\d+)", submitted).groups()

    deadline = time.time() + 600
    while time.time() < deadline:
        states = job_state(environment, array) + job_state(environment, merge)
        if states and all(s in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY") for s in states):
            break
        time.sleep(1)
    logs = "\n".join(p.read_text() for p in sorted((out / "logs").glob("*.out")))
    assert job_state(environment, array) == ["COMPLETED"] * 3, logs
    assert job_state(environment, merge) == ["COMPLETED"], logs

    # Slurm ran the scripts of the repository, each array task its own part.
    for job, script in [(f"{array}_0", "shard-parts.sbatch"), (merge, "merge.sbatch")]:
        ran = subprocess.run(["scontrol", "write", "batch_script", job, "-"], capture_output=True, env=environment, check=True).stdout
        assert ran == (SLURM / script).read_bytes(), f"job {job} ran another {script}"
    for i in range(3):
        assert f"shard-parts.sbatch: part {i}/3" in logs
    assert "merge.sbatch: 3 parts" in logs

    merged = out / "shards"
    assert b"ok" in run([hapax_prep, "verify", str(merged), "--all"]).stdout
    whole = tmp_path / "whole"
    run(shard_args(hapax_prep, cl100k_path, [corpus], whole))
    assert folder_digest(merged) == folder_digest(whole)


def run_with(environment, args):
    result = subprocess.run(args, capture_output=True, env=environment, cwd=pathlib.Path(args[0]).parent)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()
