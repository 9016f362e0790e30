#!/usr/bin/env bash
# Times `fluxfleet promote APP --to all` on the generated large fleet (100 clusters, 3,000 apps,
# 600 namespaces) against the same change made by hand with `sed -i` and `git commit -a` on a
# new branch. Both start from the same committed fleet; each run is reset before the next.
#
#   bench/promote.sh                       # generate into $BENCH_DIR and time
#   BENCH_APP=app-0042 bench/promote.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/fluxfleet-bench-promote}
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

# The hand-made change: append the base to every cluster list that does not reference the app.
cat >"$dir/by-hand.sh" <<SCRIPT
#!/usr/bin/env bash
set -euo pipefail
cd "$dir"
git checkout -q -b by-hand
for list in clusters/*/apps/kustomization.yaml; do
  grep -q "apps/$app/" "\$list" || sed -i '\$a\  - ../../../apps/$app/base' "\$list"
done
git commit -qam "promote $app to all"
SCRIPT
chmod +x "$dir/by-hand.sh"

reset="git -C $dir checkout -q -f main && git -C $dir reset -q --hard && \
  (git -C $dir branch -q -D by-hand fluxfleet/promote-$app-to-all 2>/dev/null || true)"

# Both produce the same files (checked once before timing).
bash -c "$reset"; "$dir/by-hand.sh"; git diff --stat main HEAD | tail -1
bash -c "$reset"; "$bin" -C "$dir" promote "$app" --to all --branch "fluxfleet/promote-$app-to-all" 2>/dev/null
git diff --stat main HEAD | tail -1
bash -c "$reset"

hyperfine --warmup 2 --runs 20 --prepare "$reset" \
  -n "sed -i + git commit -a" "$dir/by-hand.sh" \
  -n "fluxfleet promote $app --to all" \
  "$bin -C $dir promote $app --to all --branch fluxfleet/promote-$app-to-all" \
  --export-markdown "$repo/bench/last-promote.md"
