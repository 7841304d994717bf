#!/usr/bin/env python3
"""docs/CLI.md from the commands' own `--help`: hapax-prep and hapax-train as built in .build/release
(or $HAPAX_BIN), and hapax-shards from tools/hapax_shards, each subcommand in the order its parent
lists it. Prints the page; tools/make-cli-docs.sh writes it, and Tests/parity/test_cli_docs.py fails
when the checked-in page differs from what this prints.

The help is taken at a fixed width (COLUMNS) so that the page does not depend on the terminal, and a
default that is the machine's core count is written as such, so that it does not depend on the machine.

    .venv/bin/python tools/make_cli_docs.py > docs/CLI.md
"""
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
COLUMNS = 100

HEADER = """# Command reference

This file holds every command's `--help` as the binaries print it. It is generated: run
`tools/make-cli-docs.sh` after changing a command's options or help text (a test fails until then),
and do not edit it by hand. What the commands do beyond their options is in [COMMANDS.md](COMMANDS.md);
the same text as man pages: `tools/make-cli-docs.sh --man DIR`.
"""


def binaries(folder):
    for name in ("hapax-prep", "hapax-train"):
        path = folder / name
        if not path.exists():
            sys.exit(f"make_cli_docs.py: {path} is missing: build with `swift build -c release`")
        yield name, [str(path)]
    # As `pip install ./tools/hapax_shards` installs it, without installing it.
    yield "hapax-shards", [sys.executable, "-m", "hapax_shards.cli"]


def help_text(command, arguments):
    environment = dict(os.environ, COLUMNS=str(COLUMNS), LINES="50", NO_COLOR="1",
                       PYTHONPATH=str(ROOT / "tools" / "hapax_shards"))
    result = subprocess.run(command + arguments + ["--help"], capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        sys.exit(f"make_cli_docs.py: {' '.join(command + arguments)} --help failed ({result.returncode}): "
                 f"{result.stderr.strip()}")
    return without_core_count(result.stdout.rstrip() + "\n")


def without_core_count(text):
    """`--threads` defaults to the machine's cores; its help shows the number this machine has."""
    # Foundation may count the cores this process may use rather than the machine's.
    counts = "|".join(str(n) for n in {os.cpu_count(), len(os.sched_getaffinity(0))})
    return re.sub(r"(--threads <threads>(?:(?!\n  -).)*?)\(default: (?:" + counts + r")\)",
                  r"\1(default: the number of cores)", text, flags=re.S)


def subcommands(text):
    """The names a parent's help lists: ArgumentParser's SUBCOMMANDS section, argparse's {a,b,c}."""
    section = re.search(r"\nSUBCOMMANDS:\n(.*?)(?:\n\n|\Z)", text, re.S)
    if section:
        return [line.split()[0] for line in section.group(1).splitlines() if re.match(r"  \S", line)]
    choices = re.search(r"\{([a-z,-]+)\}", text)
    return choices.group(1).split(",") if choices else []


def page(folder=None):
    folder = pathlib.Path(folder or os.environ.get("HAPAX_BIN", ROOT / ".build" / "release"))
    sections, contents = [], []
    for name, command in binaries(folder):
        text = help_text(command, [])
        sections.append(f"## {name}\n\n```text\n{text}```\n")
        contents.append(f"- [`{name}`](#{name})")
        for sub in subcommands(text):
            anchor = f"{name}-{sub}"
            sections.append(f"### {name} {sub}\n\n```text\n{help_text(command, [sub])}```\n")
            contents.append(f"  - [`{sub}`](#{anchor})")
    return HEADER + "\n" + "\n".join(contents) + "\n\n" + "\n".join(sections)


if __name__ == "__main__":
    sys.stdout.write(page())
