#!/usr/bin/env bash
# Build the Pulumi Kubernetes resource provider (pulumi-resource-kubernetes) from the Go
# module proxy and install it into the Pulumi plugin cache of the toolchain.
#
#   output : $CACHE/bin/pulumi-resource-kubernetes
#   plugin : $CACHE/pulumi-home/plugins/resource-kubernetes-v$KUBERNETES_PROVIDER_VERSION/
#   cache  : CACHE=${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}
#
# The provider module (github.com/pulumi/pulumi-kubernetes/provider/v4) has no tags of its
# own, so it is fetched at a pseudo-version (KUBERNETES_PROVIDER_PSEUDO, the commit of the
# release tag v$KUBERNETES_PROVIDER_VERSION). Its main package embeds two generated files
# (schema-embed.json, terraform-mapping-embed.json) that are not part of the module zip; they
# are generated here with the module's own generate.go, in a wrapper module that owns the
# main package. The PyPI package pulumi-kubernetes must be pinned to the same version: the
# engine only picks a cached plugin whose version matches exactly.
#
# Idempotent and version-keyed: a warm run only checks a stamp file and the plugin cache.
set -euo pipefail

# shellcheck disable=SC2034  # read by lib.sh
LOG_PREFIX="[toolchain] kubernetes provider:"
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PV=${KUBERNETES_PROVIDER_VERSION:?KUBERNETES_PROVIDER_VERSION missing in toolchain/versions.env}
PSEUDO=${KUBERNETES_PROVIDER_PSEUDO:?KUBERNETES_PROVIDER_PSEUDO missing in toolchain/versions.env}
MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
OUT=$BIN/pulumi-resource-kubernetes


# ---------------------------------------------------------------- Go environment
go_env


# ---------------------------------------------------------------- build
KEY="pulumi-resource-kubernetes $PV $MOD@$PSEUDO"
if stamp_ok kubernetes-provider "$KEY" && [ -x "$OUT" ]; then
  log "v$PV already built ($OUT)"
else
  W=$CACHE/build/kubernetes-provider-$PV
  C=cmd/pulumi-resource-kubernetes
  t0=$SECONDS
  log "building v$PV ($MOD@$PSEUDO) in $W ... (cold: module download + ~10-15 min compile)"
  rm -rf "$W"; mkdir -p "$W/$C"
  # The provider's only replace directive points at ../sdk (a local directory), so none is copied.
  printf 'module local/kubernetes-provider-build\n\ngo 1.24.7\n' >"$W/go.mod"
  (cd "$W" && "$GO" get "$MOD@$PSEUDO") || die "go get $MOD@$PSEUDO failed"
  SRC=$(cd "$W" && "$GO" list -m -f '{{.Dir}}' "$MOD")/$C
  [ -f "$SRC/main.go" ] || die "no $C/main.go in $MOD@$PSEUDO"
  # main.go (+ its generator and the generator's inputs) from the same module version
  for f in main.go generate.go schema.json terraform-mapping.json; do
    install -m 0644 "$SRC/$f" "$W/$C/$f"
  done
  log "  modules resolved after $((SECONDS - t0))s; resolving the build list (go mod tidy) ..."
  # generate.go is '//go:build ignore'; it needs pulumi/pkg/v3/codegen/schema in go.sum
  # (at the pkg/v3 version the provider already selects: a bare `go get pkg` would upgrade it)
  (cd "$W" && "$GO" mod tidy &&
    pv=$("$GO" list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3) &&
    "$GO" get "github.com/pulumi/pulumi/pkg/v3/codegen/schema@$pv") ||
    die "go mod tidy failed"
  log "  generating schema-embed.json and terraform-mapping-embed.json (VERSION=$PV, upstream generate.go) ..."
  (cd "$W/$C" && VERSION=$PV "${NICE[@]}" "$GO" run generate.go) || die "generate.go failed"
  [ -s "$W/$C/schema-embed.json" ] && [ -s "$W/$C/terraform-mapping-embed.json" ] ||
    die "generate.go did not write the embed files"
  log "  compiling after $((SECONDS - t0))s ..."
  (cd "$W" && "${NICE[@]}" "$GO" build -trimpath \
      -ldflags "-s -w -X $MOD/pkg/version.Version=$PV" \
      -o "$OUT.new" "./$C") || die "go build failed"
  mv -f "$OUT.new" "$OUT"
  stamp_set kubernetes-provider "$KEY"
  log "built v$PV in $((SECONDS - t0))s ($(du -h "$OUT" | cut -f1))"
fi

# ---------------------------------------------------------------- plugin install
install_plugin kubernetes "$PV" "$OUT"
