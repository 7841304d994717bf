#!/usr/bin/env bash
# The test suite: Swift unit tests, then the parity tests against tiktoken, Hugging Face tokenizers
# and the Python regex module (never skipped), then the PyTorch bridge's tests against PyTorch, OLMo
# and Hugging Face datasets, then the short reliability campaign. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --python
mirror="${HAPAX_DATA_MIRROR:-../shared/data}"
if [[ -d "$mirror" ]]; then tools/fetch-data.sh --from "$mirror"; else tools/fetch-data.sh; fi
swift build -c release
swift test
.venv/bin/python -m pytest Tests/parity -q
# The PyTorch bridge, in its own environment outside the clone (PyTorch is large; reruns reuse it).
torch_env="$(tools/setup-torch.sh)"
"$torch_env/bin/python" -m pytest Tests/torch -q
# The reliability campaign's short version: kills, corruption, locks, full disks, hostile inputs,
# each fuzz target for 10 s, ThreadSanitizer on the threaded suites (docs/RELIABILITY.md).
tools/reliability.sh --short
