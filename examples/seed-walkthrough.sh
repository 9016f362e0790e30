#!/usr/bin/env bash
# Walks the article's workflow with fluxfleet: a fleet for dev, test and prod, built from an
# empty directory, then checked with kustomize the way the article's CI does.
#
# usage: examples/seed-walkthrough.sh DIR [FLUXFLEET]
set -euo pipefail

dir=${1:?usage: $0 DIR [FLUXFLEET]}
fluxfleet=${2:-fluxfleet}

"$fluxfleet" init "$dir" --clusters dev,test,prod
cd "$dir"

# "Validation Before Merge": every cluster entrypoint must build.
for cluster in dev test prod; do
  for part in "" /infra /apps; do
    kubectl kustomize "clusters/${cluster}${part}" >/dev/null
  done
  echo "clusters/${cluster}: builds"
done
