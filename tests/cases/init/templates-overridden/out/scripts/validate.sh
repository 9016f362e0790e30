#!/usr/bin/env bash
# Validates the fleet as Flux's own example repositories do (fluxcd/flux2-kustomize-helm-example,
# scripts/validate.sh): every YAML file parses; the Flux objects under clusters/ and the output
# of every kustomize build pass kubeconform with Kubernetes' and Flux's schemas.
# Run it before you push; .github/workflows/validate.yaml runs it on every pull request.
# Needs yq v4, kustomize v5 and kubeconform v0.6 on PATH, and downloads Flux's schemas once.
set -o errexit -o nounset -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C

schemas="${FLUX_CRD_SCHEMAS:-/tmp/flux-crd-schemas}"
# kustomize-controller's build options
kustomize_flags=("--load-restrictor=LoadRestrictionsNone")
# Secrets are skipped: SOPS adds fields their schema does not allow
kubeconform_flags=("-skip=Secret" "-strict" "-ignore-missing-schemas"
  "-schema-location" "default" "-schema-location" "${schemas}" "-summary")

for tool in yq kustomize kubeconform; do
  if ! command -v "${tool}" >/dev/null; then
    echo "ERROR - ${tool} is not on PATH" >&2
    exit 1
  fi
done

if [[ ! -d "${schemas}/master-standalone-strict" ]]; then
  echo "INFO - Downloading Flux OpenAPI schemas"
  mkdir -p "${schemas}/master-standalone-strict"
  curl -sSfL https://github.com/fluxcd/flux2/releases/latest/download/crd-schemas.tar.gz \
    | tar zxf - -C "${schemas}/master-standalone-strict"
fi

# fluxfleet's own templates (.fluxfleet/templates/) are not manifests
find . -type f -name '*.yaml' -not -path './.git/*' -not -path './.fluxfleet/*' -print0 \
  | sort -z | while IFS= read -r -d '' file; do
    echo "INFO - Validating ${file}"
    yq e 'true' "${file}" >/dev/null
  done

echo "INFO - Validating clusters"
find ./clusters -maxdepth 2 -type f -name '*.yaml' -print0 \
  | sort -z | while IFS= read -r -d '' file; do
    kubeconform "${kubeconform_flags[@]}" "${file}"
  done

echo "INFO - Validating kustomize overlays"
find . -type f -name kustomization.yaml -not -path './.git/*' -not -path './.fluxfleet/*' -print0 \
  | sort -z | while IFS= read -r -d '' file; do
    dir="${file%/kustomization.yaml}"
    echo "INFO - Validating kustomization ${dir}/"
    kustomize build "${dir}" "${kustomize_flags[@]}" | kubeconform "${kubeconform_flags[@]}"
  done
