"""docs/CLI.md is what the binaries print: the checked-in page equals the one tools/make_cli_docs.py
makes from the release binaries' --help, so a changed option or help text fails here until
tools/make-cli-docs.sh is rerun."""
import difflib
import importlib.util
import os

from conftest import ROOT

spec = importlib.util.spec_from_file_location("make_cli_docs", ROOT / "tools" / "make_cli_docs.py")
make_cli_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_cli_docs)


def test_cli_page_matches_the_binaries(hapax_prep):
    made = make_cli_docs.page(os.path.dirname(hapax_prep))
    checked_in = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    if made != checked_in:
        diff = "".join(difflib.unified_diff(checked_in.splitlines(True), made.splitlines(True),
                                            "docs/CLI.md", "the binaries' --help", n=1))
        raise AssertionError(f"docs/CLI.md differs from the binaries' --help: run tools/make-cli-docs.sh\n{diff[:6000]}")


def test_every_command_has_its_section():
    checked_in = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    for command in ("hapax-prep shard", "hapax-prep merge", "hapax-train train", "hapax-train analyze",
                    "hapax-shards export"):
        assert f"\n### {command}\n" in checked_in, f"docs/CLI.md has no section for {command}"


def test_subcommands_are_read_from_both_help_styles():
    argument_parser = ("USAGE: tool <subcommand>\n\nSUBCOMMANDS:\n  shard                   Shard.\n"
                       "                          More.\n  merge (default)         Merge.\n\n  See 'tool help'.\n")
    assert make_cli_docs.subcommands(argument_parser) == ["shard", "merge"]
    assert make_cli_docs.subcommands("usage: hapax-shards [-h] {info,export,analyze} ...\n") == ["info", "export", "analyze"]


def test_the_core_count_default_is_named_not_counted():
    cores = os.cpu_count()
    text = (f"  --threads <threads>     Threads; each batch is split over\n                          them. (default: {cores})\n"
            f"  --seed <seed>           Seed. (default: {cores})\n")
    written = make_cli_docs.without_core_count(text)
    assert "them. (default: the number of cores)" in written
    assert f"Seed. (default: {cores})" in written
