#!/usr/bin/env bash
# Provide the Pulumi CLI, the Python language host and its helper files in
# ${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}/bin, built from Go modules.
#
# Idempotent: every artefact is keyed by its pinned version (stamp files under
# $CACHE/stamps); a warm run only checks the stamps.
#
# If a `pulumi` found on PATH (outside the cache) is at least the Python SDK version and
# has `pulumi-language-python` beside it, it is used and nothing is built
# (set OPENFAAS_STACK_FORCE_BUILD=1 to build anyway).
#
# Built: pulumi (pkg/v3 cmd/pulumi), pulumi-language-python (PULUMI_LANGUAGE_HOST_KIND: `own` =
# toolchain/language-host, default; `upstream` = pulumi's host from sdk/v3 v3.78.1, which ignores the
# Pulumi.yaml virtualenv option with current engines), and, copied from the sdk/v3 module,
# pulumi-language-python-exec and pulumi-resource-pulumi-python (dynamic-provider shim).
# Usage: pulumi.sh [--cli-only]
set -euo pipefail

# shellcheck disable=SC2034  # read by lib.sh
LOG_PREFIX="[toolchain]"
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CLI_V=${PULUMI_CLI_VERSION:?PULUMI_CLI_VERSION missing in toolchain/versions.env}
HOST_SDK_V=${PULUMI_LANGUAGE_HOST_SDK_VERSION:?}
PY_SDK_V=${PULUMI_PYTHON_SDK_VERSION:?}
HOST_KIND=${PULUMI_LANGUAGE_HOST_KIND:-own}   # own | upstream (sdk v$HOST_SDK_V, ignores Pulumi.yaml virtualenv)


# ---------------------------------------------------------------- Go environment
go_env
BUILD_TAGS=osusergo,grpcnotrace
VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

# version_ge A B: true if semver A >= B (plain X.Y.Z, leading v allowed)
version_ge() {
  local a=${1#v} b=${2#v}
  a=${a%%[-+]*}; b=${b%%[-+]*}
  [ "$(printf '%s\n%s\n' "$a" "$b" | sort -t. -k1,1n -k2,2n -k3,3n | head -n1)" = "$b" ]
}


# init_wrapper DIR MODULE: a throwaway module that copies the non-local replace lines
# of MODULE (path@version) into its go.mod.
init_wrapper() {
  local dir=$1 modver=$2 gomod
  rm -rf "$dir"; mkdir -p "$dir"
  printf 'module local/%s\n\ngo 1.26\n' "$(basename "$dir")" >"$dir/go.mod"
  gomod=$(cd "$dir" && "$GO" mod download -json "$modver" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$gomod" ] && [ -f "$gomod" ] || die "could not download $modver"
  # Replace entries whose target is a module (has a version), not a ../ directory.
  "$GO" mod edit -json "$gomod" | jq -r '.Replace // [] | .[]
      | select(.New.Version != null and .New.Version != "")
      | (.Old.Path + (if .Old.Version then "@" + .Old.Version else "" end)
         + "=" + .New.Path + "@" + .New.Version)' |
    while read -r r; do
      log "  replace $r (copied from $modver)"
      (cd "$dir" && "$GO" mod edit -replace="$r")
    done
}

# ---------------------------------------------------------------- existing install?
if [ "${OPENFAAS_STACK_FORCE_BUILD:-0}" != 1 ]; then
  found=""
  IFS=: read -r -a path_dirs <<<"${PATH:-}"
  for d in "${path_dirs[@]}"; do
    [ -n "$d" ] && [ -x "$d/pulumi" ] || continue
    [ "$(cd "$d" 2>/dev/null && pwd -P)" = "$(cd "$BIN" && pwd -P)" ] && continue
    found=$d; break
  done
  if [ -n "$found" ]; then
    real=$(dirname "$(readlink -f "$found/pulumi")")
    v=$("$found/pulumi" version 2>/dev/null || true)
    if [ -n "$v" ] && version_ge "$v" "$PY_SDK_V" && \
       { [ -x "$found/pulumi-language-python" ] || [ -x "$real/pulumi-language-python" ]; }; then
      log "using pulumi $v from $found (>= python SDK $PY_SDK_V, language host present); nothing to build"
      exit 0
    fi
    log "ignoring pulumi '${v:-?}' at $found (need >= $PY_SDK_V with pulumi-language-python beside it)"
  fi
fi

# ---------------------------------------------------------------- pulumi CLI
build_cli() {
  local key="pulumi v$CLI_V tags=$BUILD_TAGS"
  if stamp_ok pulumi "$key" && [ -x "$BIN/pulumi" ]; then
    log "pulumi v$CLI_V already built ($BIN/pulumi)"; return 0
  fi
  local w=$CACHE/build/pulumi-cli t0=$SECONDS
  log "building pulumi v$CLI_V (pkg/v3 cmd/pulumi) in $w ... (cold: large download + 10-15 min compile)"
  init_wrapper "$w" "github.com/pulumi/pulumi/pkg/v3@v$CLI_V"
  (cd "$w" &&
    "$GO" get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$CLI_V" "github.com/pulumi/pulumi/sdk/v3@v$CLI_V" &&
    log "  modules resolved after $((SECONDS - t0))s; compiling ..." &&
    "$GO" build -trimpath -tags "$BUILD_TAGS" -ldflags "-s -w -X $VERSION_PKG=v$CLI_V" \
      -o "$BIN/.pulumi.new" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ||
    die "building pulumi v$CLI_V failed"
  mv -f "$BIN/.pulumi.new" "$BIN/pulumi"
  stamp_set pulumi "$key"
  log "built pulumi $("$BIN/pulumi" version) in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- language host
# Upstream's host lived inside the sdk/v3 module up to v3.78.x (a separate, untagged module
# afterwards, which the module proxy does not serve), so the in-sdk v3.78.1 host is built.
build_upstream_host() {
  local key="pulumi-language-python sdk/v3@v$HOST_SDK_V tags=$BUILD_TAGS"
  if stamp_ok language-host "$key" && [ -x "$BIN/pulumi-language-python" ]; then
    log "pulumi-language-python (sdk v$HOST_SDK_V) already built"; return 0
  fi
  local w=$CACHE/build/pulumi-language-python t0=$SECONDS
  log "building pulumi-language-python from sdk/v3 v$HOST_SDK_V in $w ..."
  init_wrapper "$w" "github.com/pulumi/pulumi/sdk/v3@v$HOST_SDK_V"
  (cd "$w" &&
    "$GO" get "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python@v$HOST_SDK_V" &&
    "$GO" build -trimpath -tags "$BUILD_TAGS" -ldflags "-s -w -X $VERSION_PKG=v$HOST_SDK_V" \
      -o "$BIN/.pulumi-language-python.new" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python) ||
    die "building pulumi-language-python (sdk v$HOST_SDK_V) failed"
  mv -f "$BIN/.pulumi-language-python.new" "$BIN/pulumi-language-python"
  stamp_set language-host "$key"
  log "built pulumi-language-python (sdk v$HOST_SDK_V) in $((SECONDS - t0))s"
}

# Our own minimal host (toolchain/language-host), built against the CLI's sdk/v3. Unlike the
# v3.78.1 host it reads the Pulumi.yaml runtime options (virtualenv) that current engines send
# over gRPC (ProgramInfo) instead of as command-line flags.
build_own_host() {
  local src=$ROOT/toolchain/language-host sum key t0=$SECONDS
  sum=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-16)
  key="pulumi-language-python own src=$sum sdk/v3@v$CLI_V tags=$BUILD_TAGS"
  if stamp_ok language-host "$key" && [ -x "$BIN/pulumi-language-python" ]; then
    log "pulumi-language-python (toolchain/language-host, $sum) already built"; return 0
  fi
  log "building pulumi-language-python from toolchain/language-host (sdk/v3 v$CLI_V) ..."
  (cd "$src" &&
    "$GO" build -trimpath -tags "$BUILD_TAGS" -ldflags "-s -w -X $VERSION_PKG=v$CLI_V" \
      -o "$BIN/.pulumi-language-python.new" .) ||
    die "building toolchain/language-host failed"
  mv -f "$BIN/.pulumi-language-python.new" "$BIN/pulumi-language-python"
  stamp_set language-host "$key"
  log "built pulumi-language-python (toolchain/language-host) in $((SECONDS - t0))s"
}

# The Pulumi YAML language host, so a Pulumi YAML program can use this project's component
# (examples/yaml, tests/engine/test_package.py): pulumi-yaml's server with Link added
# (toolchain/yaml-host/main.go says why), built in a wrapper module with the CLI's Go cache.
build_yaml_host() {
  local v=${PULUMI_YAML_VERSION:?PULUMI_YAML_VERSION missing in toolchain/versions.env}
  local src=$ROOT/toolchain/yaml-host sum key
  sum=$(sha256sum "$src/main.go" | cut -c1-16)
  key="pulumi-language-yaml v$v src=$sum tags=$BUILD_TAGS"
  if stamp_ok language-yaml "$key" && [ -x "$BIN/pulumi-language-yaml" ]; then
    log "pulumi-language-yaml v$v already built"; return 0
  fi
  local w=$CACHE/build/pulumi-language-yaml t0=$SECONDS
  log "building pulumi-language-yaml v$v (toolchain/yaml-host) in $w ..."
  init_wrapper "$w" "github.com/pulumi/pulumi-yaml@v$v"
  cp "$src/main.go" "$w/main.go"
  (cd "$w" &&
    "$GO" get "github.com/pulumi/pulumi-yaml@v$v" &&
    "$GO" mod tidy &&
    "$GO" build -trimpath -tags "$BUILD_TAGS" -ldflags "-s -w" -o "$BIN/.pulumi-language-yaml.new" .) ||
    die "building pulumi-language-yaml v$v failed"
  mv -f "$BIN/.pulumi-language-yaml.new" "$BIN/pulumi-language-yaml"
  stamp_set language-yaml "$key"
  log "built pulumi-language-yaml v$v in $((SECONDS - t0))s"
}

# Python helper files of the CLI's sdk/v3 release: the executor script the host runs, and
# the dynamic-provider shim (`pulumi-python` resource plugin, used by pulumi.dynamic).
install_python_files() {
  local key="python-files sdk/v3@v$CLI_V" dir
  if stamp_ok python-files "$key" && [ -x "$BIN/pulumi-language-python-exec" ] &&
     [ -x "$BIN/pulumi-resource-pulumi-python" ]; then
    log "pulumi-language-python-exec / pulumi-resource-pulumi-python (sdk v$CLI_V) already installed"; return 0
  fi
  log "installing pulumi-language-python-exec and pulumi-resource-pulumi-python from sdk/v3 v$CLI_V ..."
  dir=$(cd "$CACHE/build" && "$GO" mod download -json "github.com/pulumi/pulumi/sdk/v3@v$CLI_V" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$dir" ] && [ -d "$dir" ] || die "could not download sdk/v3@v$CLI_V"
  install -m 0755 "$dir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
  install -m 0755 "$dir/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"
  stamp_set python-files "$key"
}

build_cli
[ "${1:-}" = --cli-only ] && exit 0
case $HOST_KIND in
  own) build_own_host ;;
  upstream) build_upstream_host ;;
  *) die "unknown PULUMI_LANGUAGE_HOST_KIND=$HOST_KIND" ;;
esac
install_python_files
build_yaml_host
log "pulumi toolchain ready in $BIN"
