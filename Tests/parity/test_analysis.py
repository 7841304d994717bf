"""analyze, icl and report end to end on small trained runs: the JSON carries every measure with the
right shapes and ranges, measures are reproducible, training records them, and the report is one
self-contained page that a real browser renders."""
import json
import shutil
import subprocess

import pytest
from PIL import Image

from conftest import run, small_shards

STEPS = 30


@pytest.fixture(scope="module")
def runs(hapax_prep, corpus_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    _, shards = small_shards(hapax_prep, corpus_files, folder, vocab_size=512, seq_len=64)
    hapax_train = hapax_prep.replace("hapax-prep", "hapax-train")
    made = {}
    for mask in ["none", "hapax"]:
        out = folder / mask
        run([hapax_train, "train", "--data", str(shards), "--out", str(out), "--mask", mask, "--layers", "2", "--heads", "2",
             "--width", "32", "--attention-only", "--batch-size", "8", "--steps", str(STEPS), "--warmup", "5", "--lr", "3e-3",
             "--eval-every", "10", "--eval-windows", "8", "--analyze-every", "10", "--threads", "2"])
        made[mask] = out
    return hapax_train, shards, made


def analyze(hapax_train, out, *extra):
    return json.loads(run([hapax_train, "analyze", "--run", str(out), "--json", "--sequences", "20", "--repetitions", "50",
                           "--eval-windows", "16", *extra]).stdout)


def test_analyze_reports_every_measure(runs):
    hapax_train, _, made = runs
    result = analyze(hapax_train, made["none"])
    for key in ["prefix_matching", "induction_heads", "top10_mean", "top_heads", "repetition_accuracy", "repetition_loss_first",
                "repetition_loss_second", "icl_score", "icl_positions", "loss_all", "loss_kept", "loss_dropped"]:
        assert key in result, key
    scores = result["prefix_matching"]
    assert len(scores) == 2 and all(len(layer) == 2 for layer in scores)
    assert all(0 <= s <= 1 for layer in scores for s in layer)
    assert result["top10_mean"] == pytest.approx(sum(s for layer in scores for s in layer) / 4)
    assert sorted(result["top_heads"]) == ["L0H0", "L0H1", "L1H0", "L1H1"]
    assert result["induction_heads"] == sum(s >= 0.4 for layer in scores for s in layer)
    assert 0 <= result["repetition_accuracy"] <= 1
    assert result["icl_positions"] == [6, 64]
    by_position = result["loss_by_position"]
    assert len(by_position) == 64
    assert result["icl_score"] == pytest.approx(by_position[63] - by_position[5])
    assert result["frequent"]["tokens"] <= result["tokens"] <= 511
    evaluation = json.loads(run([hapax_train, "eval", "--run", str(made["none"]), "--json", "--windows", "16"]).stdout)
    assert result["loss_all"] == pytest.approx(evaluation["loss_all"], abs=1e-4)
    assert result["loss_dropped"] == pytest.approx(evaluation["loss_dropped"], abs=1e-4)
    stored = json.loads((made["none"] / "analysis.json").read_text())
    assert stored["prefix_matching"] == scores


def test_analyze_is_reproducible_and_seeded(runs):
    hapax_train, _, made = runs
    first, second = analyze(hapax_train, made["hapax"]), analyze(hapax_train, made["hapax"])
    for result in (first, second):
        del result["seconds"]
    assert first == second
    other = analyze(hapax_train, made["hapax"], "--seed", "9")
    assert other["prefix_matching"] != first["prefix_matching"]


def test_analyze_every_records_induction_while_training(runs):
    _, _, made = runs
    lines = [json.loads(line) for line in (made["hapax"] / "metrics.jsonl").read_text().splitlines()]
    measured = [line for line in lines if "prefix_matching" in line]
    assert [line["step"] for line in measured] == [10, 20, 30]
    for line in measured:
        assert len(line["prefix_matching"]) == 2 and "induction_heads" in line and "top10_mean" in line
        assert 0 <= line["repetition_accuracy"] <= 1 and "frequent_repetition_accuracy" in line
        assert 0 <= line["frequent_best_head"] <= 1
    final = analyze(runs[0], made["hapax"], "--sequences", "32", "--repetitions", "200")  # what training measured last
    assert measured[-1]["frequent_best_head"] == pytest.approx(max(max(layer) for layer in final["frequent"]["prefix_matching"]), abs=1e-6)


def test_icl_with_built_in_tasks_and_a_task_file(runs, tmp_path):
    hapax_train, _, made = runs
    task = tmp_path / "echo_word.json"
    task.write_text(json.dumps([{"input": w, "output": w} for w in ["king", "queen", "lord", "lady", "sword", "crown", "horse"]]))
    result = json.loads(run([hapax_train, "icl", "--run", str(made["none"]), "--tasks", "last_of_3", "next_day", str(task),
                             "--trials", "12", "--shots", "3", "--json"]).stdout)
    assert [t["task"] for t in result["tasks"]] == ["last_of_3", "next_day", "echo_word"]
    assert [t["family"] for t in result["tasks"]] == ["extractive", "abstractive", "file"]
    for t in result["tasks"]:
        assert t["trials"] == 12 and 0 <= t["low"] <= t["accuracy"] <= t["high"] <= 1
        assert 0 <= t["first_token_accuracy"] <= 1
    assert set(result["families"]) == {"extractive", "abstractive", "file"}
    folder = tmp_path / "dataset_files"
    for family in ("abstractive", "extractive"):
        (folder / family).mkdir(parents=True)
        shutil.copy(task, folder / family / f"{family}_echo.json")
    result = json.loads(run([hapax_train, "icl", "--run", str(made["none"]), "--tasks", str(folder), "--trials", "4", "--json"]).stdout)
    assert [(t["task"], t["family"]) for t in result["tasks"]] == [("abstractive_echo", "abstractive"), ("extractive_echo", "extractive")]
    listing = run([hapax_train, "icl", "--list"]).stdout.decode()
    assert "first_of_3" in listing and "abstractive" in listing and "next_month" in listing
    bad = run([hapax_train, "icl", "--run", str(made["none"]), "--tasks", "no_such_task"], check=False)
    assert bad.returncode != 0 and b"unknown task no_such_task" in bad.stderr


def test_report_is_self_contained_and_renders(runs, tmp_path):
    hapax_train, _, made = runs
    for out in made.values():
        analyze(hapax_train, out)
        run([hapax_train, "icl", "--run", str(out), "--trials", "5", "--json"])
    page = tmp_path / "report.html"
    summary = run([hapax_train, "report", str(made["none"]), str(made["hapax"]), "-o", str(page)]).stdout.decode()
    assert str(page) in summary and "induction heads" in summary and "hapax" in summary
    html = page.read_text()
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    for heading in ["Final figures", "Loss during training", "Induction heads during training", "Prefix-matching score of every head",
                    "Copying random tokens", "Validation loss by position", "Few-shot tasks", "What the Hapax mask drops"]:
        assert heading in html, heading
    assert html.count("<svg") >= 10
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is missing: tools/setup.sh --python installs it"
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,3000",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1100, 3000)
    colors = image.getcolors(1 << 20)
    assert len(colors) > 50, "the page rendered nearly blank"
    pixels = {color for _, color in colors}
    # The runs' line colours, drawn by the charts.
    assert (0x1F, 0x77, 0xB4) in pixels and (0xE8, 0x71, 0x0A) in pixels


def test_a_tasks_trials_do_not_depend_on_the_other_tasks(runs):
    """Seeded by the task's name: the same accuracies alone and third in a list (issue 22)."""
    hapax_train, _, made = runs

    def results(*tasks):
        report = json.loads(run([hapax_train, "icl", "--run", str(made["none"]), "--tasks", *tasks, "--trials", "15",
                                 "--json"]).stdout)
        return {t["task"]: t for t in report["tasks"]}

    alone = results("previous_month")["previous_month"]
    listed = results("next_day", "last_of_3", "previous_month")["previous_month"]
    assert alone == listed
