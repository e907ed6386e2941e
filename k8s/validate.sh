#!/usr/bin/env bash
# Renders every overlay with `kubectl kustomize` and validates it offline (no API server needed):
# Kubernetes schemas via the npm package kubernetes-models, plus ExPecto's deployment contract
# (validate/validate.mjs), checks the Grafana dashboard (validate/dashboard.mjs), then proves the validators reject
# broken manifests and dashboards (validate/selftest.mjs).
# Needs node >= 20 and npm; kubectl >= 1.27 (or kustomize 5) is found on PATH, else downloaded to k8s/.bin.
# Exit status non-zero on any problem.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

KUBECTL_VERSION="${KUBECTL_VERSION:-v1.32.4}"

render() { # render <overlay-dir>
  if command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize "$1"
  elif command -v kustomize >/dev/null 2>&1; then
    kustomize build "$1"
  elif [ -x "$here/.bin/kubectl" ]; then
    "$here/.bin/kubectl" kustomize "$1"
  else
    echo "validate.sh: kubectl/kustomize not found" >&2
    return 127
  fi
}

ensure_renderer() {
  if command -v kubectl >/dev/null 2>&1 || command -v kustomize >/dev/null 2>&1 || [ -x "$here/.bin/kubectl" ]; then
    return 0
  fi
  echo "validate.sh: kubectl not on PATH; downloading kubectl $KUBECTL_VERSION (checksum-verified) to k8s/.bin" >&2
  local arch url
  arch="$(uname -m)"; case "$arch" in x86_64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; esac
  url="https://dl.k8s.io/release/$KUBECTL_VERSION/bin/linux/$arch/kubectl"
  mkdir -p "$here/.bin"
  if ! curl -fsSL "$url" -o "$here/.bin/kubectl.part" || ! curl -fsSL "$url.sha256" -o "$here/.bin/kubectl.sha256"; then
    echo "validate.sh: cannot download kubectl from $url; install kubectl >= 1.27 or kustomize 5 and rerun" >&2
    exit 127
  fi
  echo "$(cat "$here/.bin/kubectl.sha256")  $here/.bin/kubectl.part" | sha256sum -c --quiet -
  chmod +x "$here/.bin/kubectl.part" && mv "$here/.bin/kubectl.part" "$here/.bin/kubectl"
}

command -v node >/dev/null 2>&1 || { echo "validate.sh: node (>= 20) is required" >&2; exit 127; }
ensure_renderer
if [ ! -d validate/node_modules/kubernetes-models ]; then
  (cd validate && npm ci --no-audit --no-fund --loglevel=error)
fi

out="$here/rendered"
mkdir -p "$out"
status=0
for dir in overlays/*/; do
  overlay="$(basename "$dir")"
  tmp="$out/.$overlay.yaml.tmp"
  if ! render "overlays/$overlay" > "$tmp"; then
    echo "✗ overlays/$overlay does not render" >&2
    status=1
    continue
  fi
  mv "$tmp" "$out/$overlay.yaml"
  node validate/validate.mjs --profile "$overlay" "$out/$overlay.yaml" || status=1
done

# The Grafana dashboard: JSON, and every panel's expr names metrics that some role exports (validate/dashboard.mjs).
node validate/dashboard.mjs grafana/expecto-dashboard.json "$here/.." || status=1

# The validator must fail on wrong manifests, or a green run proves nothing.
node validate/selftest.mjs "$out/dev-cpu.yaml" "$out/gpu.yaml" || status=1

if [ "$status" -eq 0 ]; then echo "k8s: all overlays valid"; else echo "k8s: validation FAILED" >&2; fi
exit "$status"
