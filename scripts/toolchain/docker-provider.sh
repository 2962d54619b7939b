#!/usr/bin/env bash
# Build our own pulumi-resource-docker (pulumi-terraform-bridge + the upstream
# kreuzwerker/docker Terraform provider, sources in toolchain/docker-provider/) into
# ${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}/bin and install it as plugin
# "resource docker <DOCKER_PROVIDER_VERSION>" into $CACHE/pulumi-home.
#
# The real pulumi-docker provider module is not served by the Go module proxy, so the
# provider is re-assembled from the bridge: same tokens and property names as
# pulumi-docker 5.x, so that PyPI pulumi-docker works unchanged against it. The Pulumi
# schema and the bridge metadata are generated at build time (tfgen) and embedded.
#
# Idempotent: keyed by the pinned versions and a hash of the wrapper sources (stamp in
# $CACHE/stamps/docker-provider); a warm run only checks the stamp and the plugin install.
#   --build-only   build the binary, do not install the plugin (no pulumi CLI needed)
set -euo pipefail

# shellcheck disable=SC2034  # read by lib.sh
LOG_PREFIX="[toolchain] docker provider:"
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
SRC=$ROOT/toolchain/docker-provider

PV=${DOCKER_PROVIDER_VERSION:?DOCKER_PROVIDER_VERSION missing in toolchain/versions.env}
UPSTREAM_V=${TF_PROVIDER_DOCKER_VERSION:?TF_PROVIDER_DOCKER_VERSION missing in toolchain/versions.env}
BRIDGE_V=${PULUMI_TF_BRIDGE_VERSION:?PULUMI_TF_BRIDGE_VERSION missing in toolchain/versions.env}
OUT=$BIN/pulumi-resource-docker

case $PV in v*) die "DOCKER_PROVIDER_VERSION must not start with 'v' ($PV)";; esac

# go.mod in toolchain/docker-provider is the real pin; versions.env must agree with it.
grep -Eq "github.com/kreuzwerker/terraform-provider-docker $UPSTREAM_V\$" "$SRC/go.mod" ||
  die "toolchain/docker-provider/go.mod does not replace the upstream with kreuzwerker $UPSTREAM_V (versions.env)"
grep -Eq "github.com/pulumi/pulumi-terraform-bridge/v3 $BRIDGE_V\$" "$SRC/go.mod" ||
  die "toolchain/docker-provider/go.mod does not require pulumi-terraform-bridge $BRIDGE_V (versions.env)"

# ---------------------------------------------------------------- Go environment
go_env
# no_compose: leave out upstream's docker_compose resource (docker/compose, needs cgo on darwin)
BUILD_TAGS=no_compose
LDFLAGS="-X main.version=$PV"

src_hash=$(cd "$SRC" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort |
           xargs sha256sum | sha256sum | cut -c1-16)
KEY="pulumi-resource-docker v$PV upstream=$UPSTREAM_V bridge=$BRIDGE_V src=$src_hash tags=$BUILD_TAGS $("$GO" env GOVERSION)"

# ---------------------------------------------------------------- build
if stamp_ok docker-provider "$KEY" && [ -x "$OUT" ]; then
  log "v$PV already built ($OUT)"
else
  W=$CACHE/build/docker-provider-$PV t0=$SECONDS
  log "building v$PV (bridge $BRIDGE_V, kreuzwerker $UPSTREAM_V) in $W ... (cold: ~4-5 min on 2 cores, incl. ~1.8 GB of modules)"
  rm -rf "$W"; mkdir -p "$W"
  cp -R "$SRC/." "$W/"
  chmod -R u+w "$W"
  # empty metadata for the generator run; it writes the real one next to schema.json
  printf '{}\n' >"$W/bridge-metadata.json"
  log "  downloading modules and compiling the schema generator (tfgen) ..."
  (cd "$W" && "$GO" build -trimpath -tags "tfgen,$BUILD_TAGS" -ldflags "$LDFLAGS" -o "$W/tfgen-docker" .) ||
    die "building the schema generator failed"
  log "  generating the Pulumi schema ($((SECONDS - t0))s) ..."
  (cd "$W" && ./tfgen-docker schema --out "$W/gen" --skip-docs --skip-examples >"$W/tfgen.log" 2>&1) ||
    { tail -n 30 "$W/tfgen.log" >&2; die "tfgen failed (log: $W/tfgen.log)"; }
  # tfgen leaves the version out of schema.json; the engine and SDK expect the plugin version.
  jq -c --arg v "$PV" '.version = $v' "$W/gen/schema.json" >"$W/schema-embed.json"
  cp "$W/gen/bridge-metadata.json" "$W/bridge-metadata.json"
  log "  schema: $(jq '.resources | length' "$W/schema-embed.json") resources, $(jq '.functions | length' "$W/schema-embed.json") functions; compiling the provider ..."
  (cd "$W" && "$GO" build -trimpath -tags "$BUILD_TAGS" -ldflags "-s -w $LDFLAGS" -o "$OUT.new" .) ||
    die "building pulumi-resource-docker failed"
  got=$("$OUT.new" -version) || die "built binary does not run"
  [ "$got" = "$PV" ] || die "built binary reports version '$got', expected $PV"
  mv -f "$OUT.new" "$OUT"
  stamp_set docker-provider "$KEY"
  log "built v$PV in $((SECONDS - t0))s ($(du -h "$OUT" | cut -f1))"
fi

[ "${1:-}" = --build-only ] && exit 0

# ---------------------------------------------------------------- plugin install
install_plugin docker "$PV" "$OUT"
