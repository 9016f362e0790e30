#!/usr/bin/env bash
# The kill loop of issue #13: `promote foo-app --to all` on a fleet of many clusters, stopped by
# SIGKILL, SIGINT or SIGTERM at a random moment (every other run: at a random step of its
# writes), then run once more without interruption. Every time the
# repository must hold the whole change (the branch, its tree, a clean working tree, nothing
# left of a run), never a part of it.
#
#   tests/kill-loop.sh [--runs N] [--clusters N]      (defaults: 100 runs, 100 clusters)
#
# FLUXFLEET (the binary, built with the fault-injection feature; default: built into
# target/release/fluxfleet), FLEET_FIXTURE (default
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
if [[ -z ${FLUXFLEET:-} ]]; then
  # The stops at a chosen step need the tests' fault injection, which release builds leave out.
  (cd "$here" && cargo build --quiet --release --features fault-injection --bin fluxfleet)
fi
bin=${FLUXFLEET:-$here/target/release/fluxfleet}
fixture=${FLEET_FIXTURE:-$here/tests/fixtures/seed-fleet}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
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
# Job control: without it, bash starts background commands with SIGINT ignored, and the runs
# would never see the Ctrl-C this loop sends.
set -m
ok=0 rolled_back=0 completed=0 finished=0 untouched=0
for ((run = 1; run <= runs; run++)); do
  sigs=(KILL INT TERM)
  sig=${sigs[RANDOM % 3]}
  if ((run % 2)); then
    # A random moment within the first ~60 ms, when the run reads, writes or commits.
    "$bin" promote foo-app --to all 2>/dev/null &
    pid=$!
    sleep "0.0$((RANDOM % 60))"
  else
    # A random step of its writes: the run stops itself there (FLUXFLEET_STOP_AT).
    FLUXFLEET_STOP_AT=$((1 + RANDOM % (2 * clusters + 10))) "$bin" promote foo-app --to all \
      2>/dev/null &
    pid=$!
    # Until it has stopped itself, or ended (gone, or a zombie) when it had fewer steps.
    while state=$(ps -o stat= -p "$pid" 2>/dev/null) && [[ $state != [TZ]* ]]; do :; done
  fi
  kill -s "$sig" "$pid" 2>/dev/null || true
  kill -s CONT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # One plain re-run.
  out=$("$bin" promote foo-app --to all 2>&1) || fail "$run" "the re-run after SIG$sig failed: $out"
  case $out in
    *"was rolled back"*) rolled_back=$((rolled_back + 1)) ;;
    *"had committed"*) completed=$((completed + 1)) ;;
    *"Nothing to do"*) finished=$((finished + 1)) ;;
    *) untouched=$((untouched + 1)) ;;
  esac
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
echo "killed mid-write and rolled back: $rolled_back; killed after the commit, completed:" \
  "$completed; killed after the end: $finished; killed before the first write: $untouched"
echo "$ok of $runs runs: whole change after one re-run"
