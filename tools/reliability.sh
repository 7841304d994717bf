#!/usr/bin/env bash
# The reliability campaign (docs/RELIABILITY.md), one line per check with its counts:
#   1. tools/reliability.py: locks, kills of shard and train, corruption of shards, manifests, unit
#      records and checkpoints, manifest entries leading outside their folder, full disks, hostile inputs;
#   2. every fuzz target of tools/fuzz.sh under libFuzzer and AddressSanitizer;
#   3. the Swift tests under ThreadSanitizer (and, in the full run, AddressSanitizer).
#
#   tools/reliability.sh            the full campaign (about 30 minutes on 2 cores)
#   tools/reliability.sh --short    fewer trials, 10 s per fuzz target, ThreadSanitizer on the
#                                   threaded suites: what tools/test.sh runs
# Exits non-zero if any count is not clean.
set -euo pipefail
cd "$(dirname "$0")/.."
short=""
[[ "${1:-}" == "--short" ]] && short="--short"
[[ -x .venv/bin/python ]] || tools/setup.sh --python
swift build -c release >&2
failed=0

.venv/bin/python tools/reliability.py $short || failed=1

seconds=120
[[ -n "$short" ]] && seconds=10
for target in tiktoken tokenizer-json sentencepiece encode json-lines parquet compressed shard manifest safetensors; do
  log=".build-fuzz/fuzz-$target.log"
  mkdir -p .build-fuzz
  if tools/fuzz.sh "$target" "$seconds" > "$log" 2>&1; then verdict=clean; else verdict=FAILED; failed=1; fi
  runs=$(grep -oE "^Done [0-9]+ runs" "$log" | grep -oE "[0-9]+" || echo 0)
  crashes=$(find .build-fuzz/crashes -name "$target-*" 2>/dev/null | wc -l)
  printf '%-22s %s inputs tried in %s s, %s crashes (log %s)  %s\n' "fuzz: $target" "$runs" "$seconds" "$crashes" "$log" "$verdict"
done

# The threaded code: the worker pool, the sharding pipeline, the replicated trainer and the probes.
filter=""
[[ -n "$short" ]] && filter="--filter ThreadingTests|TrainerTests|GradientTests|InductionProbeTests|EmbeddingClassesTests"
sanitizers=(thread)
[[ -z "$short" ]] && sanitizers+=(address)
for sanitizer in "${sanitizers[@]}"; do
  log=".build-$sanitizer/tests.log"
  mkdir -p ".build-$sanitizer"
  # Leaks are not checked: XCTest and Foundation leak allocations of their own.
  # shellcheck disable=SC2086
  if ASAN_OPTIONS=detect_leaks=0 swift test --sanitize="$sanitizer" --scratch-path ".build-$sanitizer" $filter > "$log" 2>&1 \
     && ! grep -qE "WARNING: ThreadSanitizer|ERROR: AddressSanitizer" "$log"; then verdict=clean; else verdict=FAILED; failed=1; fi
  summary=$(grep -E "Test run with [0-9]+ tests" "$log" | tail -1 | sed -E 's/.*(Test run with [0-9]+ tests).*/\1/')
  printf '%-22s %s, %s sanitizer reports (log %s)  %s\n' "sanitizer: $sanitizer" "${summary:-no test run}" \
    "$(grep -c "WARNING: ThreadSanitizer\|ERROR: AddressSanitizer" "$log" || true)" "$log" "$verdict"
done
exit $failed
