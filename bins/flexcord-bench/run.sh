#!/usr/bin/env bash
# Runs the flexcord benchmark: builds release binaries of flexcord and of the bench (runner +
# model of the original design), runs them against local fakes on 127.0.0.1 only, prints the
# table and writes target/bench/results.json (plus the processes' logs beside it).
#
#   bins/flexcord-bench/run.sh            # full run (about 11 minutes on 2 cores, after the build)
#   bins/flexcord-bench/run.sh --quick    # small sizes, a smoke run
#   bins/flexcord-bench/run.sh --skip-original
#   bins/flexcord-bench/run.sh --rtt-ms 50 --twilio-concurrency 30
#                                         # the suite at real latency instead (docs/benchmarks.md,
#                                         # "At real latency"; about 8 minutes after the build)
#
# Extra arguments go to flexcord-bench. FLEXCORD_BENCH_RUST_LOG sets RUST_LOG for the process
# under test (default: its own default, `info`).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"

cargo build --release -p flexcord -p flexcord-bench

mkdir -p target/bench
{
  echo "nproc: $(nproc)"
  free -h
  grep -m1 'model name' /proc/cpuinfo || true
} > target/bench/machine.txt
cat target/bench/machine.txt >&2

exec "$target/release/flexcord-bench" \
  --flexcord "$target/release/flexcord" \
  --original "$target/release/original-model" \
  --out target/bench/results.json \
  "$@"
