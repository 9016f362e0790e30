#!/usr/bin/env bash
# Times fluxfleet on a generated large, dense fleet (100 clusters, 3,000 apps, 600 namespaces;
# each cluster references about 900 apps and 200 namespaces) beside
# ripgrep searching the same cluster trees. Figures go to bench/RESULTS.md by hand.
#
#   bench/run.sh            # generate into $BENCH_DIR (default /tmp/fluxfleet-bench) and time
#   BENCH_APP=app-0042 BENCH_NS=team-007 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/fluxfleet-bench}
app=${BENCH_APP:-app-1234}
ns=${BENCH_NS:-team-042}

cargo build --quiet --release --bin fluxfleet --example gen_fleet
target/release/examples/gen_fleet "$dir" 100 3000 600
bin=$repo/target/release/fluxfleet

if ! command -v rg >/dev/null 2>&1; then
  echo "error: ripgrep (rg) is needed for the comparison: apt-get install -y ripgrep" >&2
  exit 1
fi

cd "$dir"
# `where` is held to ripgrep finding the app in the cluster trees; `status` to ripgrep printing
# every line of them with its number, as the matrix reports every reference with its line.
commands=(
  "rg apps/$app/ clusters"
  "rg -n ^ clusters"
  "$bin where $app"
  "$bin where $ns"
  "$bin status --json"
  "$bin status"
  "$bin check"
)
names=(
  "rg apps/$app/ clusters"
  "rg -n ^ clusters"
  "fluxfleet where $app"
  "fluxfleet where $ns"
  "fluxfleet status --json"
  "fluxfleet status"
  "fluxfleet check"
)

if command -v hyperfine >/dev/null 2>&1; then
  args=()
  for i in "${!commands[@]}"; do
    args+=(-n "${names[$i]}" "${commands[$i]}")
  done
  hyperfine -N --warmup 3 --export-markdown "$repo/bench/last-run.md" "${args[@]}"
  echo "table written to bench/last-run.md"
else
  # No hyperfine: the mean of 20 runs after 3 warm-ups, output discarded.
  for i in "${!commands[@]}"; do
    for _ in 1 2 3; do ${commands[$i]} >/dev/null 2>&1 || true; done
    start=$(date +%s%N)
    for _ in $(seq 20); do ${commands[$i]} >/dev/null 2>&1 || true; done
    end=$(date +%s%N)
    printf '%-32s %8.1f ms\n' "${names[$i]}" "$(echo "($end - $start) / 20 / 1000000" | bc -l)"
  done
fi
