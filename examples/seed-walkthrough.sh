#!/usr/bin/env bash
# Walks the article's workflow with fluxfleet: a fleet for dev, test and prod, built from an
# empty directory one reviewed change at a time, then checked with kustomize the way the
# article's CI does, and against the article's "Expected result".
#
# usage: examples/seed-walkthrough.sh DIR [FLUXFLEET]
set -euo pipefail

dir=${1:?usage: $0 DIR [FLUXFLEET]}
fluxfleet=${2:-fluxfleet}

"$fluxfleet" init "$dir" --clusters dev,test,prod
cd "$dir"

# Each command makes a branch with one commit; merge it as a reviewer would.
step() {
  "$fluxfleet" "$@"
  branch=$(git branch --show-current)
  git checkout -q main
  git merge -q --ff-only "$branch"
}

step add-ns team-x --clusters all
step add-ns foo --set test-only --clusters test
step add-ns kyverno --set common
step add-ns monitoring --set common
step add-app podinfo --namespace team-x --image ghcr.io/stefanprodan/podinfo:6.9.0 --port 9898 --clusters all
step add-overlay podinfo --cluster dev --replicas 1
step add-overlay podinfo --cluster test --replicas 2
step add-overlay podinfo --cluster prod --replicas 3
step add-app foo-app --namespace foo --image nginx:1.27 --port 80 --clusters test \
  --cpu-request 25m --memory-request 32Mi --memory-limit 64Mi

"$fluxfleet" check

# "Validation Before Merge": every cluster entrypoint must build.
for cluster in dev test prod; do
  for part in "" /infra /apps; do
    kubectl kustomize "clusters/${cluster}${part}" >/dev/null
  done
  echo "clusters/${cluster}: builds"
done

# "Expected result": the namespaces and Deployments (with replicas) each cluster receives.
expect() {
  local cluster=$1 want=$2 got
  got=$( (kubectl kustomize "clusters/${cluster}/infra"; echo ---; kubectl kustomize "clusters/${cluster}/apps") \
    | awk '/^kind:/{k=$2} /^  name:/{n=$2} /^  replicas:/{r=$2}
           /^---/{if(k=="Namespace")print "ns/" n; else if(k=="Deployment")print n "=" r; k=n=r=""}
           END{if(k=="Namespace")print "ns/" n; else if(k=="Deployment")print n "=" r}' \
    | sort | paste -sd' ')
  if [[ "$got" != "$want" ]]; then
    echo "clusters/${cluster}: expected ${want}, got ${got}" >&2
    exit 1
  fi
  echo "clusters/${cluster}: ${got}"
}
expect dev "ns/kyverno ns/monitoring ns/team-x podinfo=1"
expect test "foo-app=1 ns/foo ns/kyverno ns/monitoring ns/team-x podinfo=2"
expect prod "ns/kyverno ns/monitoring ns/team-x podinfo=3"

# "What About Kyverno?": the controller is defined once and each cluster includes it; its
# namespace is in the common set already.
step add-controller kyverno --chart kyverno --repo-url https://kyverno.github.io/kyverno/ \
  --version 3.x --clusters all
"$fluxfleet" check
for cluster in dev test prod; do
  got=$(kubectl kustomize "clusters/${cluster}/infra" \
    | awk '/^kind:/{k=$2} /^      chart:/{c=$2} /^      version:/{if(k=="HelmRelease")print c "@" $2}')
  if [[ "$got" != "kyverno@3.x" ]]; then
    echo "clusters/${cluster}: expected the HelmRelease of chart kyverno@3.x, got ${got}" >&2
    exit 1
  fi
  echo "clusters/${cluster}: HelmRelease ${got}"
done

# "Policies by rollout stage".
# Policies go to clusters/<c>/policies, applied after infra (Kyverno's CRDs first). A baseline
# policy everywhere; then the article's flow: a trial in test-only in Audit mode, moved to
# shared when stable, then switched to Enforce.
step add-policy require-pod-resources --stage shared
step add-policy deny-latest-tag --stage test-only --clusters test
step promote policy deny-latest-tag --to shared
step enforce policy deny-latest-tag

"$fluxfleet" check

# The policies each cluster applies, with what each does on a violation.
policies() {
  local cluster=$1 want=$2 got
  got=$(kubectl kustomize "clusters/${cluster}/policies" \
    | awk '/^kind:/{k=$2} /^  name:/{if(k=="ClusterPolicy")n=$2} /failureAction:/{if(n!="")m[n]=$2}
           END{for(p in m)print p "=" m[p]}' \
    | sort | paste -sd' ')
  if [[ "$got" != "$want" ]]; then
    echo "clusters/${cluster}/policies: expected ${want}, got ${got}" >&2
    exit 1
  fi
  echo "clusters/${cluster}/policies: ${got}"
}
for cluster in dev test prod; do
  policies "$cluster" "deny-latest-tag=Enforce require-pod-resources=Audit"
done
