#!/usr/bin/env bash
# Times two fluxfleet binaries beside ripgrep on the dense benchmark fleet, in interleaved
# rounds (each round runs every command of both binaries and ripgrep once more), and prints the
# median of the rounds' medians, CPU time and peak memory: the figures of bench/RESULTS.md.
#
#   bench/compare.sh OLD_BINARY NEW_BINARY [ROUNDS]
#
# Needs hyperfine and rg (apt-get install -y hyperfine ripgrep). The fleet is generated into
# $BENCH_DIR (default /tmp/fluxfleet-dense) unless it is there already; BENCH_CHECK= leaves
# `check` out.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-5}
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/fluxfleet-dense}
app=${BENCH_APP:-app-1234}
if [ ! -d "$dir/clusters" ]; then
  cargo build --quiet --release --example gen_fleet
  target/release/examples/gen_fleet "$dir" 100 3000 600
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$dir"

names=("rg apps/$app/ clusters" "rg -n ^ clusters")
commands=("rg apps/$app/ clusters" "rg -n ^ clusters")
for which in old new; do
  bin=${!which}
  for args in "where $app" "status --json" "status" ${BENCH_CHECK-check}; do
    names+=("$which $args")
    commands+=("$bin $args")
  done
done

for round in $(seq "$rounds"); do
  for i in "${!commands[@]}"; do
    hyperfine -N --warmup 2 --runs 10 --style none --export-json "$out/$round-$i.json" \
      "${commands[$i]}" >/dev/null 2>&1
  done
done

for i in "${!commands[@]}"; do
  # Peak memory of one run (GNU time's maximum resident set size, in KB).
  rss=$(/usr/bin/time -f %M ${commands[$i]} 2>&1 >/dev/null | tail -1)
  echo "${names[$i]}|$rss"
done >"$out/rss"

python3 - "$out" "$rounds" "${#commands[@]}" <<'PY'
import json, statistics, sys
out, rounds, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rss = dict(line.rsplit("|", 1) for line in open(f"{out}/rss").read().splitlines())
rows = []
for i in range(n):
    medians, cpus, name = [], [], None
    for r in range(1, rounds + 1):
        result = json.load(open(f"{out}/{r}-{i}.json"))["results"][0]
        name = result["command"]
        medians.append(result["median"] * 1000)
        cpus.append((result["user"] + result["system"]) * 1000)
    rows.append((name, statistics.median(medians), statistics.median(cpus)))
names = list(rss)
print("| command | median of medians | CPU | peak RSS |")
print("|---|---:|---:|---:|")
for (command, median, cpu), name in zip(rows, names):
    print(f"| `{name}` | {median:.1f} ms | {cpu:.1f} ms | {int(rss[name]) / 1024:.0f} MB |")
PY
