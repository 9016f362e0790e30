#!/usr/bin/env bash
# Times the rendered difference (`fluxfleet diff`) of a promotion on the generated large fleet
# (100 clusters, 3,000 apps, each cluster listing about 900) against one `kubectl kustomize` of
# the cluster's app list, the unit the targets of #17 are set in:
#   - a one-line promotion to one cluster: at most 2.5 times that render;
#   - the same app promoted to every cluster that lacks it (one line in each of about 70
#     lists): at most 10 times, never a render of every cluster.
# Each change is made by hand (`sed`) in the working tree; `diff` compares it with main.
#
#   bench/diff.sh                          # generate into $BENCH_DIR and time
#   BENCH_APP=app-0042 BENCH_CLUSTER=cluster-003 bench/diff.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/fluxfleet-bench-diff}
app=${BENCH_APP:-app-1234}

cargo build --quiet --release --bin fluxfleet --example gen_fleet
bin=${FLUXFLEET:-$repo/target/release/fluxfleet}
rm -rf "$dir"
target/release/examples/gen_fleet "$dir" 100 3000 600

cd "$dir"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
  GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
git init -q -b main
git config user.name bench
git config user.email bench@example.com
git add -A
git commit -qm fleet

lacking=$(grep -L "apps/$app/" clusters/*/apps/kustomization.yaml)
first=$(echo "$lacking" | head -1)
cluster=${BENCH_CLUSTER:-$(basename "$(dirname "$(dirname "$first")")")}
apps_dir=clusters/$cluster/apps
list=$apps_dir/kustomization.yaml
echo "$app: listed by $((100 - $(echo "$lacking" | wc -l))) clusters; promoted to $cluster," \
  "then to the $(echo "$lacking" | wc -l) that lack it; $(grep -c '^ *-' "$list") entries in $list"

entry="- ../../../apps/$app/base"
promote_one="git checkout -q -- . && echo '$entry' >> $list"
promote_all="git checkout -q -- . && for l in $(echo $lacking); do echo '$entry' >> \$l; done"

# What is compared: the same objects as rendering the whole list on both sides.
bash -c "$promote_one"
"$bin" diff | head -4
git checkout -q -- .

tail -c 1 "$list" | od -c | grep -q '\\n' || { echo "error: $list does not end with a newline" >&2; exit 1; }
hyperfine --warmup 1 --runs 5 \
  --prepare "git checkout -q -- ." -n "kubectl kustomize $apps_dir" "kubectl kustomize $apps_dir" \
  --prepare "$promote_one" -n "fluxfleet diff (one line, $cluster)" "$bin diff" \
  --prepare "$promote_all" -n "fluxfleet diff (one line in each lacking list)" "$bin diff" \
  --export-markdown "$repo/bench/last-diff.md"
git checkout -q -- .
