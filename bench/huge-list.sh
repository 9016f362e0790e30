#!/usr/bin/env bash
# Times `fluxfleet --dry-run promote` on the seed fleet (tests/fixtures/seed-fleet) where the
# prod app list, which the promotion edits, holds 100,000 keys in one of three shapes:
#
#   top-level    100,000 top-level keys (the duplicate-key check compared every pair: 45 s)
#   literals     a configMapGenerator whose literals list has 100,000 entries
#   annotations  commonAnnotations, a mapping of 100,000 keys
#
# Figures go to bench/HUGE-LIST.md by hand.
#
#   bench/huge-list.sh                                  # the release build of this checkout
#   BENCH_BIN=/path/to/old/fluxfleet bench/huge-list.sh # another binary, for before/after
#   BENCH_KEYS=40000 bench/huge-list.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/fluxfleet-bench-huge-list}
keys=${BENCH_KEYS:-100000}

if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --quiet --release --bin fluxfleet
fi
bin=${BENCH_BIN:-$repo/target/release/fluxfleet}

export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
  GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

rm -rf "$dir"
for shape in top-level literals annotations; do
  fleet=$dir/$shape
  mkdir -p "$fleet"
  cp -R tests/fixtures/seed-fleet/. "$fleet"
  list=$fleet/clusters/prod/apps/kustomization.yaml
  case $shape in
    top-level) awk -v n="$keys" 'BEGIN { for (i = 0; i < n; i++) printf "key%d: v%d\n", i, i }' ;;
    literals)
      printf 'configMapGenerator:\n- name: big\n  literals:\n'
      awk -v n="$keys" 'BEGIN { for (i = 0; i < n; i++) printf "  - K%d=v%d\n", i, i }'
      ;;
    annotations)
      printf 'commonAnnotations:\n'
      awk -v n="$keys" 'BEGIN { for (i = 0; i < n; i++) printf "  key%d: v%d\n", i, i }'
      ;;
  esac >>"$list"
  git -C "$fleet" init -q -b main
  git -C "$fleet" add -A
  git -C "$fleet" commit -qm fleet
done

# The promotion must plan the one-line edit (checked once before timing).
for shape in top-level literals annotations; do
  "$bin" -C "$dir/$shape" --dry-run promote foo-app --to prod 2>/dev/null \
    | grep -q '^+- ../../../apps/foo-app/base$' \
    || { echo "error: $shape: the dry run did not plan the promotion" >&2; exit 1; }
done

if command -v hyperfine >/dev/null 2>&1; then
  args=()
  for shape in top-level literals annotations; do
    args+=(-n "$shape ($keys keys)" "$bin -C $dir/$shape --dry-run promote foo-app --to prod")
  done
  hyperfine -N --warmup 1 --runs "${BENCH_RUNS:-5}" \
    --export-markdown "$repo/bench/last-huge-list.md" "${args[@]}"
else
  # No hyperfine: the mean of BENCH_RUNS runs (default 5) after one warm-up, output discarded.
  runs=${BENCH_RUNS:-5}
  for shape in top-level literals annotations; do
    cmd=("$bin" -C "$dir/$shape" --dry-run promote foo-app --to prod)
    "${cmd[@]}" >/dev/null 2>&1
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do "${cmd[@]}" >/dev/null 2>&1; done
    end=$(date +%s%N)
    printf '%-28s %10.1f ms\n' "$shape ($keys keys)" \
      "$(echo "($end - $start) / $runs / 1000000" | bc -l)"
  done
fi
