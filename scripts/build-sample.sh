#!/usr/bin/env bash
# Build the sample function image functions/api-key-protected:latest
# (the image stack.yaml deploys) from samples/api-key-protected/.
#
# No image can be pulled here, so there is no golang builder image: the static
# binary is built with the local Go toolchain (CGO_ENABLED=0, -trimpath, so
# the output is byte-for-byte reproducible) and copied into a FROM scratch
# image. Idempotent and quick when nothing changed: `go build` hits its cache
# and `docker build` reuses every layer (COPY is cached by content).
#
# Needs a running docker daemon (scripts/swarm.sh / `make swarm`).
#
# Environment:
#   SAMPLE_IMAGE   image tag (default functions/api-key-protected:latest)
set -euo pipefail

LOG_PREFIX="build-sample:"
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAMPLE_DIR="$ROOT/samples/api-key-protected"
IMAGE="${SAMPLE_IMAGE:-functions/api-key-protected:latest}"

command -v go >/dev/null 2>&1 || die "no 'go' in PATH (the sample is built with the local Go toolchain)"
command -v docker >/dev/null 2>&1 || die "no 'docker' client in PATH"
docker info >/dev/null 2>&1 || die "docker daemon not answering; run scripts/swarm.sh (make swarm) first"

# Build for the daemon's OS/architecture, not necessarily the host's.
GOARCH_TARGET="$(docker version --format '{{.Server.Arch}}')"
GOOS_TARGET="$(docker version --format '{{.Server.Os}}')"

log "go test (the handler's unit tests)"
(cd "$SAMPLE_DIR" && GOTOOLCHAIN=local GOFLAGS='' go test -count=1 ./... >/dev/null) || die "the sample's unit tests failed: run go test ./... in samples/api-key-protected"
log "go build ($GOOS_TARGET/$GOARCH_TARGET, CGO_ENABLED=0) -> samples/api-key-protected/build/handler"
mkdir -p "$SAMPLE_DIR/build"
(
  cd "$SAMPLE_DIR"
  CGO_ENABLED=0 GOOS="$GOOS_TARGET" GOARCH="$GOARCH_TARGET" GOTOOLCHAIN=local GOFLAGS='' \
    go build -trimpath -buildvcs=false -ldflags='-s -w' -o build/handler.tmp .
  # Keep the old file (and its mtime) when the bytes did not change.
  if cmp -s build/handler.tmp build/handler; then
    rm -f build/handler.tmp
  else
    mv -f build/handler.tmp build/handler
  fi
)

# Debian's daemon is 20.10 and buildx is usually absent: use the classic
# builder explicitly (a newer CLI with DOCKER_BUILDKIT=1 would demand buildx).
log "docker build -t $IMAGE"
before="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
if ! out="$(DOCKER_BUILDKIT=0 docker build --quiet -t "$IMAGE" "$SAMPLE_DIR" 2>&1)"; then
  printf '%s\n' "$out" >&2
  die "docker build failed"
fi
after="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ "$before" = "$after" ]; then
  log "$IMAGE unchanged (${after#sha256:})"
else
  log "$IMAGE built (${after#sha256:})"
fi
