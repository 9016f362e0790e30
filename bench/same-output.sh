#!/usr/bin/env bash
# Runs two fluxfleet binaries over every fleet the tests and the corpus hold and compares what a
# user sees: stdout, stderr and exit code of every read command, of every mutating command's
# --dry-run, and the branch, commit message and change of a real run in a scratch copy.
#
#   bench/same-output.sh OLD_BINARY NEW_BINARY [FLEET_DIR...]
#
# With no FLEET_DIR it uses tests/fixtures/seed-fleet, every tests/cases/*/*/in that holds a
# clusters/ directory, ../shared/corpus/*, a fleet `init` writes, and a generated fleet of 12
# clusters. Prints each difference and exits 1 when there is one.
set -u
old=$(realpath "$1")
new=$(realpath "$2")
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 NO_COLOR=1 LC_ALL=C
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'

fleets=("$@")
if [ ${#fleets[@]} -eq 0 ]; then
    fleets+=("$here/tests/fixtures/seed-fleet")
    for d in "$here"/tests/cases/*/*/in; do
        [ -d "$d/clusters" ] && fleets+=("$d")
    done
    for d in "$here"/../shared/corpus/*/; do
        [ -d "$d" ] && fleets+=("${d%/}")
    done
    "$old" init "$work/fresh" --clusters dev,test,prod --yes >/dev/null 2>&1
    fleets+=("$work/fresh")
    gen="$work/gen"
    if (cd "$here" && cargo run --quiet --release --example gen_fleet -- "$gen" 12 40 20 >/dev/null 2>&1); then
        fleets+=("$gen")
    fi
fi

diffs=0
runs=0

# Runs "$@" with each binary in a fresh copy of the fleet (a git repository with one commit),
# and compares stdout, stderr, exit code and, for a real run, the resulting branch and commit.
compare() {
    local fleet=$1
    shift
    local out_old out_new
    for which in old new; do
        local bin=$old
        [ $which = new ] && bin=$new
        # The same name for both copies: `add-cluster` prints the repository's directory name.
        local dir="$work/$which/fleet"
        rm -rf "$dir"
        mkdir -p "$work/$which"
        cp -a "$fleet" "$dir"
        if [ ! -d "$dir/.git" ]; then
            git -C "$dir" init -q -b main && git -C "$dir" add -A && git -C "$dir" commit -qm base --no-verify
        fi
        (
            cd "$dir" || exit
            "$bin" "$@" >"$work/$which.stdout" 2>"$work/$which.stderr"
            echo "exit $?" >"$work/$which.code"
            git branch --show-current >"$work/$which.git" 2>&1
            git log -1 --format='%s%n%n%b' >>"$work/$which.git" 2>&1
            git status --porcelain --untracked-files=all >>"$work/$which.git" 2>&1
            git diff HEAD~1 >>"$work/$which.git" 2>/dev/null || true
        )
    done
    runs=$((runs + 1))
    local f
    for f in stdout stderr code git; do
        if ! cmp -s "$work/old.$f" "$work/new.$f"; then
            diffs=$((diffs + 1))
            echo "=== DIFFERENT $f: (cd $fleet && fluxfleet $*)"
            diff "$work/old.$f" "$work/new.$f" | head -20
        fi
    done
}

for fleet in "${fleets[@]}"; do
    names_json=$(cd "$fleet" && "$old" status --json 2>/dev/null)
    clusters=$(printf '%s' "$names_json" | python3 -c 'import json,sys
try: print(" ".join(json.load(sys.stdin)["clusters"]))
except Exception: pass')
    apps=$(printf '%s' "$names_json" | python3 -c 'import json,sys
try: print(" ".join(a["name"] for a in json.load(sys.stdin)["apps"][:6]))
except Exception: pass')
    nss=$(printf '%s' "$names_json" | python3 -c 'import json,sys
try: print(" ".join(a["name"] for a in json.load(sys.stdin)["namespaces"][:6]))
except Exception: pass')
    first=${clusters%% *}
    last=${clusters##* }
    compare "$fleet" status
    compare "$fleet" status --json
    compare "$fleet" status --markdown
    compare "$fleet" status --kind app
    compare "$fleet" status --kind ns
    compare "$fleet" status --kind nosuch
    [ -n "$first" ] && compare "$fleet" status --cluster "$first"
    compare "$fleet" status --cluster nosuch
    compare "$fleet" check
    compare "$fleet" where nosuch-thing
    compare "$fleet" where ''
    compare "$fleet" promote app nosuch --to all --yes
    compare "$fleet" add-app newapp --namespace default --image nginx:1 --port 80 --clusters "${first:-dev}" --yes --dry-run
    compare "$fleet" add-app newapp --namespace default --image nginx:1 --port 80 --clusters "${first:-dev}" --yes
    compare "$fleet" add-ns newns --clusters "${first:-dev}" --yes --dry-run
    compare "$fleet" add-ns newns --set common --clusters "${first:-dev}" --yes
    compare "$fleet" add-cluster newc --like "${first:-dev}" --yes
    compare "$fleet" add-cluster newc --yes --dry-run
    for a in $apps; do
        compare "$fleet" where "$a"
        compare "$fleet" promote app "$a" --to all --yes --dry-run
        compare "$fleet" promote app "$a" --to all --yes
        compare "$fleet" promote "$a" --to "${last:-prod}" --yes
        compare "$fleet" promote app "$a" --to nosuch --yes
        compare "$fleet" demote app "$a" --from "${first:-dev}" --yes --dry-run
        compare "$fleet" demote app "$a" --from "${first:-dev}" --yes
        compare "$fleet" make-common app "$a" --yes --dry-run
        compare "$fleet" make-common app "$a" --yes
        compare "$fleet" add-overlay "$a" --cluster "${last:-prod}" --replicas 3 --yes --dry-run
        compare "$fleet" add-overlay "$a" --cluster "${last:-prod}" --image nginx:2 --yes
    done
    for n in $nss; do
        compare "$fleet" where "$n"
        compare "$fleet" promote ns "$n" --to all --yes --dry-run
        compare "$fleet" promote ns "$n" --to "${last:-prod}" --yes
        compare "$fleet" demote ns "$n" --from "${first:-dev}" --yes
        compare "$fleet" make-common ns "$n" --yes --dry-run
        compare "$fleet" make-common ns "$n" --yes
    done
done

echo "$runs runs on ${#fleets[@]} fleets, $diffs differences"
[ $diffs -eq 0 ]
