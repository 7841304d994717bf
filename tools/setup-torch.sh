#!/usr/bin/env bash
# The environment of the PyTorch bridge's tests: PyTorch (CPU), OLMo, Hugging Face datasets and the
# hapax_shards package, in a virtual environment outside the clone, since PyTorch is large:
# $HAPAX_TORCH_ENV, by default ~/.cache/hapax/torch-venv. A rerun installs only what changed (the
# package from tools/hapax_shards always, which takes a second). Prints the environment's path.
set -euo pipefail
cd "$(dirname "$0")/.."
env="${HAPAX_TORCH_ENV:-$HOME/.cache/hapax/torch-venv}"
torch_version=2.13.0
[[ -x "$env/bin/python" ]] || python3 -m venv "$env"
wanted="torch==$torch_version $(cat tools/requirements-torch.txt)"
if [[ "$wanted" != "$(cat "$env/requirements-installed.txt" 2>/dev/null)" ]]; then
  echo "installing PyTorch $torch_version and the bridge's test tools into $env..." >&2
  pip=("$env/bin/pip" install --quiet --disable-pip-version-check)
  # The CPU build where a wheel mirror has it (pip's find-links), else PyPI's default build.
  "${pip[@]}" "torch==$torch_version+cpu" >&2 2>/dev/null || "${pip[@]}" "torch==$torch_version" >&2
  "${pip[@]}" -r tools/requirements-torch.txt >&2
  echo "$wanted" > "$env/requirements-installed.txt"
fi
"$env/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall ./tools/hapax_shards >&2
echo "$env"
