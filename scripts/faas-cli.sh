#!/usr/bin/env bash
# Build the real faas-cli (the differential tests' reference) from the pinned source archive
# into ${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}/bin/faas-cli. Nothing of its source
# enters this repository: the archive is unpacked under $CACHE/build and built offline
# (`go build -mod=vendor`, every dependency vendored).
#
# Idempotent: keyed by the archive's sha256 and the Go version (stamp $CACHE/stamps/faas-cli);
# a warm run only checks the stamp. Prints the binary's path on stdout.
set -euo pipefail

# shellcheck disable=SC2034  # read by lib.sh
LOG_PREFIX="[toolchain] faas-cli:"
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ARCHIVE=${FAAS_CLI_ARCHIVE:-$ROOT/../shared/vendor/faas-cli-$FAAS_CLI_COMMIT_SHORT.tar.gz}
[ -f "$ARCHIVE" ] || ARCHIVE=/work/shared/vendor/faas-cli-$FAAS_CLI_COMMIT_SHORT.tar.gz
OUT=$BIN/faas-cli

go_env
KEY="faas-cli $FAAS_CLI_COMMIT sha256=$FAAS_CLI_SHA256 $("$GO" env GOVERSION)"
if stamp_ok faas-cli "$KEY" && [ -x "$OUT" ]; then
  log "$FAAS_CLI_COMMIT_SHORT already built ($OUT)"
  printf '%s\n' "$OUT"
  exit 0
fi

[ -f "$ARCHIVE" ] || die "source archive not found: $ARCHIVE (see ../shared/vendor/README.md; set FAAS_CLI_ARCHIVE)"
sum=$(sha256sum "$ARCHIVE" | cut -d' ' -f1)
[ "$sum" = "$FAAS_CLI_SHA256" ] ||
  die "$ARCHIVE has sha256 $sum, toolchain/versions.env pins $FAAS_CLI_SHA256"

W=$CACHE/build/faas-cli-$FAAS_CLI_COMMIT_SHORT t0=$SECONDS
log "building $FAAS_CLI_COMMIT_SHORT in $W ... (cold: ~1.5 min on 2 cores)"
rm -rf "$W"; mkdir -p "$W"
tar -xzf "$ARCHIVE" -C "$W"
(cd "$W/faas-cli" && "${NICE[@]}" "$GO" build -mod=vendor -trimpath \
   -ldflags "-X github.com/openfaas/faas-cli/version.GitCommit=$FAAS_CLI_COMMIT" -o "$OUT.tmp" .) ||
  die "go build failed"
mv "$OUT.tmp" "$OUT"
rm -rf "$W"
stamp_set faas-cli "$KEY"
log "built $OUT in $((SECONDS - t0))s"
printf '%s\n' "$OUT"
