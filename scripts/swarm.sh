#!/usr/bin/env bash
# Bring up a real, local, single-node Docker Swarm (what `make swarm` runs).
#
# Idempotent: every step checks first and does nothing if already done.
#   1. install Debian's docker.io with apt if there is no `dockerd`
#   2. start dockerd in the background if the daemon does not answer
#      (log: ${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}/dockerd.log)
#   3. wait until `docker info` answers
#   4. `docker swarm init --advertise-addr 127.0.0.1` unless already in a Swarm
#
# Works as root without systemd (CI, sandboxes). Needs no registry: our images
# are built locally FROM scratch (scripts/build-sample.sh).
#
# What works on this kind of machine (Debian 12, kernel 6.x, cgroup v1 hybrid,
# ext4 root, iptables-nft, no IPVS), learned by trying:
#   * dockerd needs NO special flags: the overlay2 storage driver (ext4 backing
#     fs, d_type ok), iptables (nf_tables backend) and the cgroupfs cgroup
#     driver are all auto-detected and work. We deliberately do not pin
#     --storage-driver: dockerd falls back by itself (e.g. to vfs when
#     /var/lib/docker sits on overlayfs), while a pinned driver would just fail.
#     Do not pass --iptables=false: port publishing (host mode) and the bridge
#     network need the NAT rules.
#   * --log-level=warn only keeps dockerd.log readable (at info, dockerd logs
#     every gRPC reconnect; its containerd child still logs at info). Harmless warnings still logged: no blkio weight, no
#     `modprobe`, and "Could not get ipvs family information" — the kernel has
#     no IPVS, so Swarm's ingress routing mesh and service VIPs do not pass
#     traffic. Reach a task from the host with `--publish mode=host,...` (or
#     `--network host`); between tasks on an overlay network use
#     `--endpoint-mode dnsrr` or `tasks.<service>` (see
#     samples/api-key-protected/README.md).
#   * DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 (an environment variable of
#     dockerd, read by Swarm's task executor): without it every Swarm task
#     first tries to pull its image from the registry. Here that fails fast
#     (DNS says NXDOMAIN) and the local image is used after an error log line,
#     but on a machine with internet access it would silently replace our
#     local functions/api-key-protected:latest with the unrelated Docker Hub
#     image of that name. With it, tasks use the local image only.
#     (Client side, use `docker service create --no-resolve-image` for the
#     same reason: it stops the CLI from pinning the tag to a registry digest.)
#   * dockerd starts its own containerd (/var/run/docker/containerd) when no
#     system containerd socket exists, so nothing else must be started.
#   * Client/daemon versions: Debian ships daemon 20.10 (API 1.41). A newer CLI
#     earlier in PATH (e.g. /usr/local/bin/docker 28.x, API 1.50) negotiates
#     down to 1.41 and works, including `docker build` (legacy builder, since
#     buildx is absent: build-sample.sh sets DOCKER_BUILDKIT=0).
#
# Environment:
#   OPENFAAS_STACK_CACHE  cache dir (default $HOME/.cache/openfaas-stack)
#   DOCKERD_FLAGS         extra flags for dockerd (default: none)
#   DOCKER_WAIT_SECONDS   how long to wait for the daemon (default 60)
set -euo pipefail

LOG_PREFIX="swarm:"
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKERD_LOG="$CACHE/dockerd.log"
DOCKERD_PIDFILE=/var/run/docker.pid
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
started_pid=""

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else die "need root for: $*"
  fi
}

daemon_up() { docker info >/dev/null 2>&1; }

# True if $1 is the pid of a running process (a zombie does not count).
pid_alive() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
  local rest
  rest="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${rest##*) }"          # drop "pid (comm) "; next field is the state
  [ "${rest%% *}" != Z ]
}

# dockerd lives in /usr/sbin, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

# --- 1. docker.io ------------------------------------------------------------
if ! command -v dockerd >/dev/null 2>&1; then
  log "dockerd not found: installing Debian's docker.io with apt"
  command -v apt-get >/dev/null 2>&1 || die "no dockerd and no apt-get; install Docker yourself"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  # Post-install service start is refused by policy-rc.d / absent systemd;
  # that is expected, we start dockerd ourselves below.
  as_root apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd still not in PATH"
  log "installed $(dockerd --version)"
fi
command -v docker >/dev/null 2>&1 || die "no docker client in PATH"

# --- 2. dockerd ----------------------------------------------------------------
if daemon_up; then
  log "docker daemon already answering"
else
  # Pid files left by a killed dockerd make the next one refuse to start
  # (docker.pid), or wait 60 s for a containerd that is gone or a zombie
  # (containerd.pid of the containerd that dockerd manages itself).
  oldpid="$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)"
  if pid_alive "$oldpid"; then
    log "dockerd (pid $oldpid) is running but not answering yet; waiting for it"
  else
    oldpid=""
    for f in "$DOCKERD_PIDFILE" "$CONTAINERD_PIDFILE"; do
      if [ -f "$f" ] && ! pid_alive "$(cat "$f" 2>/dev/null || true)"; then
        log "removing stale $f"
        as_root rm -f "$f"
      fi
    done
  fi
  if [ -z "$oldpid" ]; then
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    printf '\n=== %s starting dockerd %s\n' "$(date -u +%FT%TZ)" "${DOCKERD_FLAGS:-}" >>"$DOCKERD_LOG"
    # setsid + nohup: survive this script and its terminal; no stdin.
    # shellcheck disable=SC2086  # DOCKERD_FLAGS is a word list on purpose
    as_root env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 \
      setsid nohup dockerd --log-level=warn ${DOCKERD_FLAGS:-} \
      >>"$DOCKERD_LOG" 2>&1 </dev/null &
    started_pid=$!
  fi
fi

# --- 3. wait -------------------------------------------------------------------
if ! daemon_up; then
  log "waiting up to ${WAIT_SECONDS}s for the docker daemon"
  deadline=$(( $(date +%s) + WAIT_SECONDS ))
  until daemon_up; do
    if [ -n "${started_pid:-}" ] && ! kill -0 "$started_pid" 2>/dev/null; then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited during start-up (see $DOCKERD_LOG)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "docker daemon did not answer within ${WAIT_SECONDS}s (see $DOCKERD_LOG)"
    fi
    sleep 0.5
  done
fi
log "docker daemon $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), client $(docker version --format '{{.Client.Version}}')"

# --- 4. swarm ------------------------------------------------------------------
state="$(docker info --format '{{.Swarm.LocalNodeState}}')"
case "$state" in
  active)
    if [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" != "true" ]; then
      die "this node is in a Swarm but is not a manager; deploying needs a manager"
    fi
    log "already a Swarm manager (node $(docker info --format '{{.Swarm.NodeID}}'))"
    ;;
  inactive|error)
    if [ "$state" = error ]; then
      log "Swarm state is 'error': leaving it and initialising a new one"
      docker swarm leave --force >/dev/null 2>&1 || true
    fi
    log "docker swarm init --advertise-addr 127.0.0.1"
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    log "Swarm initialised (node $(docker info --format '{{.Swarm.NodeID}}'))"
    ;;
  pending|locked)
    die "Swarm state is '$state' (a join in progress or an autolocked manager); fix it by hand"
    ;;
  *)
    die "unexpected Swarm state '$state'"
    ;;
esac
log "ready"
