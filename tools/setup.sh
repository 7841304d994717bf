#!/usr/bin/env bash
# Installs what hapax needs on a Debian-like machine: the system libraries (libzstd, OpenBLAS, zlib,
# snappy, lz4 and brotli for Parquet, Oniguruma for tokenizer regexes, pkg-config) through apt when missing, and with --python what the
# tests use besides: Debian's chromium (the report's screenshot is checked in a real browser),
# slurm-wlm and munge (the Slurm job scripts run on a real one-node cluster) and the virtual
# environment .venv with the reference tools of the parity tests. Safe to run again: it only installs
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libzstd-dev libopenblas-dev zlib1g-dev libsnappy-dev liblz4-dev libbrotli-dev libonig-dev pkg-config)
[[ "${1:-}" == "--python" ]] && packages+=(chromium slurm-wlm munge)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  echo "installing ${missing[*]} with apt-get..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--python" ]]; then
  [[ -x .venv/bin/python ]] || python3 -m venv .venv
  if ! cmp -s tools/requirements-test.txt .venv/requirements-installed.txt; then
    echo "installing the Python test tools into .venv..."
    .venv/bin/pip install --quiet --disable-pip-version-check -r tools/requirements-test.txt
    cp tools/requirements-test.txt .venv/requirements-installed.txt
  fi
fi
