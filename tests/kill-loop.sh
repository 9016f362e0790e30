#!/usr/bin/env bash
# The kill loop of issue #13: `promote foo-app --to all` on a fleet of many clusters, stopped by
# SIGKILL or SIGINT at a random moment, then run once more without interruption. Every time the
# repository must hold the whole change (the branch, its tree, a clean working tree, nothing
# left of a run), never a part of it.
#
#   tests/kill-loop.sh [--runs N] [--clusters N]      (defaults: 100 runs, 100 clusters)
#
# FLUXFLEET (the binary; default target/release/fluxfleet), FLEET_FIXTURE (default
# tests/fixtures/seed-fleet) and WORK (a scratch directory; default a new temporary one) may be
# set. Needs git and bash; a test runs a short version (tests/interrupted.rs).
set -euo pipefail

runs=100
clusters=100
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --clusters) clusters=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--clusters N]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FLUXFLEET:-$here/target/release/fluxfleet}
fixture=${FLEET_FIXTURE:-$here/tests/fixtures/seed-fleet}
work=${WORK:-$(mktemp -d)}
[[ -x $bin ]] || { echo "no fluxfleet binary at $bin: cargo build --release" >&2; exit 1; }

export GIT_AUTHOR_NAME=loop GIT_AUTHOR_EMAIL=loop@example.com
export GIT_COMMITTER_NAME=loop GIT_COMMITTER_EMAIL=loop@example.com
export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
unset FLUXFLEET_FAIL_AT FLUXFLEET_STOP_AT

repo=$work/kill-loop-fleet
rm -rf "$repo"
cp -r "$fixture" "$repo"
cd "$repo"
# The seed's three clusters, and more made like dev.
for ((n = 1; n <= clusters - 3; n++)); do
  name=$(printf 'c%03d' "$n")
  cp -r clusters/dev "clusters/$name"
  grep -rl 'clusters/dev' "clusters/$name" | xargs sed -i "s#clusters/dev#clusters/$name#g"
done
git init -q -b main
git add -A
git commit -qm fleet
main=$(git rev-parse main)

# The whole change, made without interruption.
"$bin" promote foo-app --to all 2>/dev/null
branch=$(git branch --show-current)
want=$(git rev-parse 'HEAD^{tree}')
git checkout -q main
git branch -qD "$branch"

fail() { echo "run $1: $2" >&2; git status --short >&2; exit 1; }
ok=0
for ((run = 1; run <= runs; run++)); do
  "$bin" promote foo-app --to all 2>/dev/null &
  pid=$!
  # A random moment within the first ~60 ms, when the run reads, writes or commits.
  sleep "0.0$((RANDOM % 60))"
  if ((RANDOM % 2)); then sig=KILL; else sig=INT; fi
  kill -s "$sig" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # One plain re-run.
  "$bin" promote foo-app --to all 2>/dev/null || fail "$run" "the re-run after SIG$sig failed"
  [[ $(git branch --show-current) == "$branch" ]] || fail "$run" "not on $branch"
  [[ $(git rev-parse 'HEAD^{tree}') == "$want" ]] || fail "$run" "the branch holds part of the change"
  [[ $(git rev-parse 'HEAD~1') == "$main" && $(git rev-parse main) == "$main" ]] || fail "$run" "wrong history"
  [[ -z $(git status --porcelain --ignored) ]] || fail "$run" "the working tree is not clean"
  for left in .git/index.lock .git/fluxfleet .git/fluxfleet.lock; do
    [[ ! -e $left ]] || fail "$run" "$left is left"
  done
  git checkout -q main
  git branch -qD "$branch"
  ok=$((ok + 1))
done
echo "$ok of $runs runs: whole change after one re-run"
