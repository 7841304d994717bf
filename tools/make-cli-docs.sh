#!/usr/bin/env bash
# Regenerates the command reference from the commands themselves: docs/CLI.md from every command's
# --help (tools/make_cli_docs.py), rerun after any change to a command's options or help text, since
# Tests/parity/test_cli_docs.py fails while the page differs from what the binaries print.
#
#   tools/make-cli-docs.sh              build the release binaries and write docs/CLI.md
#   tools/make-cli-docs.sh --man DIR    also write man pages into DIR/man1, one per command
#                                       (hapax-prep-shard.1, ...), with swift-argument-parser's
#                                       generate-manual plugin; read them with `man -M DIR hapax-prep-shard`
#                                       or `man -l DIR/man1/hapax-prep-shard.1`
set -euo pipefail
cd "$(dirname "$0")/.."
man_dir=""
case "${1:-}" in
  --man) man_dir="${2:?--man needs a folder}" ;;
  "") ;;
  *) echo "make-cli-docs.sh: unknown argument $1 (usage: tools/make-cli-docs.sh [--man DIR])" >&2; exit 2 ;;
esac
swift build -c release
.venv/bin/python tools/make_cli_docs.py > docs/CLI.md.tmp
mv docs/CLI.md.tmp docs/CLI.md
echo "wrote docs/CLI.md"
if [[ -n "$man_dir" ]]; then
  swift package generate-manual --multi-page
  mkdir -p "$man_dir/man1"
  # The plugin names a subcommand's page hapax-prep.shard.1; man finds it as hapax-prep-shard, as git's.
  for page in .build/plugins/GenerateManual/outputs/*/*.1; do
    name="$(basename "$page" .1)"
    sed -E 's/^\.Dt ([A-Z-]+)\.([A-Z-]+)/.Dt \1-\2/' "$page" > "$man_dir/man1/${name//./-}.1"
  done
  echo "wrote $(ls "$man_dir/man1" | wc -l) man pages into $man_dir/man1"
fi
