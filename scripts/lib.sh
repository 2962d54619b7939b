# Shared by scripts/toolchain.sh, scripts/toolchain/*.sh, scripts/kube.sh, scripts/swarm.sh and
# scripts/build-sample.sh: pins, cache paths, logging, the Pulumi and Go environments, build
# stamps and plugin installation. Set LOG_PREFIX before sourcing.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../toolchain/versions.env
. "$ROOT/toolchain/versions.env"

CACHE=${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}
BIN=$CACHE/bin
STAMPS=$CACHE/stamps
mkdir -p "$BIN" "$STAMPS" "$CACHE/build"
CACHE=$(cd "$CACHE" && pwd) BIN=$(cd "$BIN" && pwd) STAMPS=$(cd "$STAMPS" && pwd)

log() { printf '%s %s\n' "${LOG_PREFIX:-[toolchain]}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The environment the toolchain's pulumi runs with; scripts/toolchain.sh writes the same into
# .toolchain/env.sh. (The state passphrase defaults to DEMO_PASSPHRASE when none is given.)
DEMO_PASSPHRASE=openfaas-demo
PULUMI_ENV=(
  "OPENFAAS_STACK_CACHE=$CACHE"
  "PULUMI_HOME=$CACHE/pulumi-home"
  "PULUMI_BACKEND_URL=file://$CACHE/state"
  PULUMI_SKIP_UPDATE_CHECK=true
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  PULUMI_DISABLE_REGISTRY_RESOLVE=true
  # Use the plugins installed in PULUMI_HOME, not the build outputs that sit on PATH (no warning).
  PULUMI_IGNORE_AMBIENT_PLUGINS=true
)

# pulumi_env: export PULUMI_ENV, put $BIN first on PATH, make the state and plugin folders.
pulumi_env() {
  local pair
  for pair in "${PULUMI_ENV[@]}"; do export "${pair?}"; done
  export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-$DEMO_PASSPHRASE}
  case ":$PATH:" in *":$BIN:"*) ;; *) export PATH=$BIN:$PATH ;; esac
  mkdir -p "$PULUMI_HOME" "$CACHE/state"
}


# shellcheck disable=SC2034
# go_env: the Go command (GO) and a build environment whose caches live outside the checkout.
go_env() {
  if command -v go >/dev/null 2>&1; then GO=$(command -v go)
  elif [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go
  else die "no Go toolchain found (need go >= 1.26)"; fi
  export GOFLAGS="-modcacherw${GOFLAGS:+ $GOFLAGS}"
  export GOMODCACHE=$CACHE/gomod
  export GOCACHE=${GOCACHE:-$HOME/.cache/go-build}
  export CGO_ENABLED=0
  export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
  NICE=(nice -n "${OPENFAAS_STACK_NICE:-15}")
}

# stamp_ok NAME KEY / stamp_set NAME KEY: a build is skipped while its key is unchanged.
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { printf '%s\n' "$2" >"$STAMPS/$1"; }

# install_plugin NAME VERSION BINARY: `pulumi plugin install resource` into $CACHE/pulumi-home,
# unless that exact binary is installed already. Exit code 3: the pulumi CLI is not built yet.
install_plugin() {
  local name=$1 version=$2 binary=$3 pulumi=""
  pulumi_env
  local dir=$PULUMI_HOME/plugins/resource-$name-v$version
  if [ -x "$dir/pulumi-resource-$name" ] && cmp -s "$binary" "$dir/pulumi-resource-$name"; then
    log "plugin resource $name v$version already installed in $PULUMI_HOME"
    return 0
  fi
  if [ -x "$BIN/pulumi" ]; then pulumi=$BIN/pulumi
  elif command -v pulumi >/dev/null 2>&1; then pulumi=$(command -v pulumi); fi
  if [ -z "$pulumi" ]; then
    log "ERROR: binary built ($binary) but the pulumi CLI is not built yet ($BIN/pulumi missing);"
    log "       run scripts/toolchain/pulumi.sh, then re-run this script to install the plugin"
    exit 3
  fi
  log "installing plugin resource $name v$version into $PULUMI_HOME (with $pulumi)"
  "$pulumi" plugin install resource "$name" "$version" --file "$binary" --reinstall >&2 ||
    die "pulumi plugin install failed"
  log "installed: $dir"
}
