#!/usr/bin/env bash
# A local Kubernetes control plane for tests, without images or containers:
# etcd + kube-apiserver (+ kube-controller-manager), built from Go modules, on loopback only.
#
#   scripts/kube.sh [up]     build what is missing, start (no-op when already up), wait for /readyz,
#                            write <repo>/.toolchain/kubeconfig
#   scripts/kube.sh down     stop the processes, remove the data folder and the kubeconfig
#   scripts/kube.sh status   exit 0 when up and ready, 1 otherwise
#   scripts/kube.sh build    only build the binaries
#
# Binaries: $CACHE/kube/bin/{etcd,kube-apiserver,kube-controller-manager,kubectl},
#           CACHE=${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}; versions in toolchain/versions.env.
# Runtime:  a fresh folder $CACHE/kube/run.XXXXXX per `up` (etcd data, keys, logs, pid files);
#           $CACHE/kube/current points at it.
# Auth:     one static bearer token (user "admin", group system:masters); TLS with a CA made here.
#
# Environment: KUBE_APISERVER_PORT (6443), KUBE_ETCD_PORT (12379; peer port = +1),
#              KUBE_CONTROLLER_MANAGER=0 to run without kube-controller-manager,
#              KUBE_BUILD_KUBECTL=0 to skip building kubectl.
# No kubelet and no scheduler run: pods stay Pending. Annotate workloads with
# pulumi.com/skipAwait: "true". kube-controller-manager makes Deployments create ReplicaSets and
# Pods and lets namespace deletion finish (without it a deleted namespace stays Terminating).
set -euo pipefail

# shellcheck disable=SC2034  # read by lib.sh
LOG_PREFIX="[kube]"
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
KDIR=$CACHE/kube
KBIN=$KDIR/bin
KUBECONFIG_OUT=$ROOT/.toolchain/kubeconfig
KUBE_V=${KUBE_VERSION:?KUBE_VERSION missing in toolchain/versions.env}
KUBE_V=${KUBE_V#v}
ETCD_V=${ETCD_VERSION:?ETCD_VERSION missing in toolchain/versions.env}
ETCD_V=${ETCD_V#v}
API_PORT=${KUBE_APISERVER_PORT:-6443}
ETCD_PORT=${KUBE_ETCD_PORT:-12379}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
WITH_KCM=${KUBE_CONTROLLER_MANAGER:-1}
TOKEN_USER="admin"


# ================================================================ build
kube_go_env() {
  go_env
  mkdir -p "$KBIN"
}

# etcd: the server module's main package, in a wrapper that pins all etcd modules to one release
# (server/go.mod replaces them with ../ directories, which is why `go install` refuses it).
build_etcd() {
  local key="etcd $ETCD_V" w=$CACHE/build/etcd-$ETCD_V t0=$SECONDS
  if stamp_ok etcd "$key" && [ -x "$KBIN/etcd" ]; then return 0; fi
  log "building etcd v$ETCD_V in $w ..."
  rm -rf "$w"; mkdir -p "$w"
  printf 'module local/etcd-build\n\ngo 1.23.0\n' >"$w/go.mod"
  local minor=${ETCD_V#*.}; minor=${minor%%.*}
  local mods=(server/v3 api/v3 client/pkg/v3 client/v3 pkg/v3) m args=()
  # 3.5.x still has raft/v3 and client/v2 (versioned v2.305.<patch>) as separate modules
  if [ "${ETCD_V%%.*}" = 3 ] && [ "$minor" -le 5 ]; then
    args+=("go.etcd.io/etcd/raft/v3@v$ETCD_V" "go.etcd.io/etcd/client/v2@v2.305.${ETCD_V##*.}")
  fi
  for m in "${mods[@]}"; do args+=("go.etcd.io/etcd/$m@v$ETCD_V"); done
  (cd "$w" && "$GO" get "${args[@]}" && "$GO" get "go.etcd.io/etcd/server/v3@v$ETCD_V") ||
    die "go get etcd v$ETCD_V failed"
  (cd "$w" && "${NICE[@]}" "$GO" build -trimpath -ldflags "-s -w" -o "$KBIN/etcd.new" \
      go.etcd.io/etcd/server/v3) || die "building etcd failed"
  mv -f "$KBIN/etcd.new" "$KBIN/etcd"
  stamp_set etcd "$key"
  log "built etcd ($("$KBIN/etcd" --version | head -n1)) in $((SECONDS - t0))s"
}

# Kubernetes: k8s.io/kubernetes requires its ~30 staging modules at v0.0.0 and points them at
# ./staging/src/...; the proxy does not serve v0.0.0, so the wrapper replaces every one of them
# with the published k8s.io/<m> v0.<minor>.<patch>. The list is read from the release's go.mod.
kube_wrapper() {
  KW=$CACHE/build/kube-$KUBE_V
  local minor=${KUBE_V#*.}; minor=${minor%%.*}
  local patch=${KUBE_V##*.} ready="$KW/.ready"
  [ -f "$ready" ] && return 0
  log "preparing the Kubernetes v$KUBE_V wrapper module in $KW ..."
  rm -rf "$KW"; mkdir -p "$KW"
  local gomod
  gomod=$(cd "$KW" && printf 'module local/x\n' >go.mod && "$GO" mod download -json "k8s.io/kubernetes@v$KUBE_V" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$gomod" ] && [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@v$KUBE_V"
  # same language version and GODEBUG defaults as the release's own go.mod
  { printf 'module local/kube-build\n\n'
    grep -E '^go [0-9]' "$gomod"
    grep -E '^godebug ' "$gomod" || true; } >"$KW/go.mod"
  local n=0 m
  for m in $("$GO" mod edit -json "$gomod" | jq -r '.Replace // [] | .[]
               | select(.New.Path | startswith("./staging/")) | .Old.Path' | sort -u); do
    (cd "$KW" && "$GO" mod edit -replace="$m=$m@v0.$minor.$patch"); n=$((n + 1))
  done
  [ "$n" -gt 0 ] || die "no staging replaces found in $gomod"
  log "  pinned $n staging modules to v0.$minor.$patch"
  (cd "$KW" && "$GO" get "k8s.io/kubernetes@v$KUBE_V") || die "go get k8s.io/kubernetes@v$KUBE_V failed"
  touch "$ready"
}

build_kube_cmd() {
  local c=$1 key="$1 $KUBE_V" t0=$SECONDS
  if stamp_ok "$c" "$key" && [ -x "$KBIN/$c" ]; then return 0; fi
  kube_wrapper
  local minor=${KUBE_V#*.}; minor=${minor%%.*}
  local date p ldf="-s -w"
  date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/v$KUBE_V.info" 2>/dev/null)
  # without these /version reports v0.0.0-master+$Format:%H$
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$KUBE_V -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldf="$ldf -X $p.gitTreeState=clean -X $p.gitCommit= -X $p.buildDate=${date:-1970-01-01T00:00:00Z}"
  done
  log "building $c v$KUBE_V (cold: several minutes) ..."
  (cd "$KW" && "$GO" get "k8s.io/kubernetes/cmd/$c@v$KUBE_V" &&
    "${NICE[@]}" "$GO" build -trimpath -pgo=off -ldflags "$ldf" -o "$KBIN/$c.new" "k8s.io/kubernetes/cmd/$c") ||
    die "building $c failed"
  mv -f "$KBIN/$c.new" "$KBIN/$c"
  stamp_set "$c" "$key"
  log "built $c in $((SECONDS - t0))s ($(du -h "$KBIN/$c" | cut -f1))"
}

build_all() {
  kube_go_env
  build_etcd
  build_kube_cmd kube-apiserver
  if [ "$WITH_KCM" = 1 ]; then build_kube_cmd kube-controller-manager; fi
  if [ "${KUBE_BUILD_KUBECTL:-1}" = 1 ]; then build_kube_cmd kubectl; fi
}

# ================================================================ run
run_dir() { [ -L "$KDIR/current" ] && [ -d "$KDIR/current/" ] && readlink -f "$KDIR/current"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

api_ready() { # $1 = run dir
  local tok
  tok=$(cat "$1/pki/token" 2>/dev/null) || return 1
  curl -fsS --max-time 3 --cacert "$1/pki/ca.crt" -H "Authorization: Bearer $tok" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1
}

is_up() {
  local d; d=$(run_dir) || return 1
  alive "$d/etcd.pid" && alive "$d/kube-apiserver.pid" && api_ready "$d"
}

make_pki() { # $1 = run dir
  local p=$1/pki
  mkdir -p "$p"; chmod 700 "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=openfaas-stack-test-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$p/apiserver.key" -out "$p/apiserver.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1" \
    "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" >"$p/apiserver.ext"
  openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
    -days 3650 -extfile "$p/apiserver.ext" -out "$p/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$p/token"
  printf '%s,%s,%s,"system:masters"\n' "$(cat "$p/token")" "$TOKEN_USER" "$TOKEN_USER" >"$p/tokens.csv"
  chmod 600 "$p"/*
}

write_kubeconfig() { # $1 = run dir, $2 = output file
  local ca tok tmp
  ca=$(base64 -w0 <"$1/pki/ca.crt"); tok=$(cat "$1/pki/token")
  mkdir -p "$(dirname "$2")"
  tmp=$(mktemp "$2.XXXXXX")
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: openfaas-stack
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $ca
users:
- name: $TOKEN_USER
  user:
    token: $tok
contexts:
- name: openfaas-stack
  context:
    cluster: openfaas-stack
    user: $TOKEN_USER
current-context: openfaas-stack
EOF
  chmod 600 "$tmp"; mv -f "$tmp" "$2"
}

start_bg() { # $1 = run dir, $2 = name, rest = command
  local d=$1 name=$2; shift 2
  setsid "$@" >"$d/$name.log" 2>&1 </dev/null &
  echo $! >"$d/$name.pid"
}

wait_for() { # $1 = seconds, $2 = pid file, rest = check command; rc 2 = process exited
  local t=$1 pidf=$2 i; shift 2
  for ((i = 0; i < t * 2; i++)); do
    "$@" && return 0
    alive "$pidf" || return 2
    sleep 0.5
  done
  return 1
}

cmd_up() {
  if is_up; then
    write_kubeconfig "$(run_dir)" "$KUBECONFIG_OUT"
    log "already up: https://127.0.0.1:$API_PORT (kubeconfig: $KUBECONFIG_OUT)"; return 0
  fi
  if run_dir >/dev/null; then log "a previous run is not healthy; cleaning it up"; cmd_down; fi
  build_all
  for p in "$API_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT"; do
    port_busy "$p" && die "port 127.0.0.1:$p is in use by another process (set KUBE_APISERVER_PORT / KUBE_ETCD_PORT)"
  done
  local d t0=$SECONDS rc
  d=$(mktemp -d "$KDIR/run.XXXXXX")
  ln -sfn "$d" "$KDIR/current"
  make_pki "$d"
  log "starting etcd v$ETCD_V on 127.0.0.1:$ETCD_PORT (data: $d/etcd)"
  start_bg "$d" etcd "$KBIN/etcd" --name=kube-test --data-dir="$d/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="kube-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) --log-level=warn
  rc=0; wait_for 30 "$d/etcd.pid" curl -fs --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" -o /dev/null || rc=$?
  [ "$rc" = 0 ] || { tail -n 20 "$d/etcd.log" >&2; cmd_down; die "etcd did not become healthy"; }

  local admission=()
  [ "$WITH_KCM" = 1 ] || admission=(--disable-admission-plugins=ServiceAccount)
  log "starting kube-apiserver v$KUBE_V on https://127.0.0.1:$API_PORT"
  start_bg "$d" kube-apiserver "$KBIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --tls-cert-file="$d/pki/apiserver.crt" --tls-private-key-file="$d/pki/apiserver.key" \
    --cert-dir="$d/pki" \
    --token-auth-file="$d/pki/tokens.csv" --authorization-mode=RBAC --anonymous-auth=false \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$d/pki/sa.pub" --service-account-signing-key-file="$d/pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --endpoint-reconciler-type=none "${admission[@]}" \
    --profiling=false --v=0
  rc=0; wait_for 120 "$d/kube-apiserver.pid" api_ready "$d" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 30 "$d/kube-apiserver.log" >&2; cmd_down
    die "kube-apiserver did not become ready ($([ "$rc" = 2 ] && echo exited || echo timeout))"
  fi
  write_kubeconfig "$d" "$KUBECONFIG_OUT"

  if [ "$WITH_KCM" = 1 ]; then
    write_kubeconfig "$d" "$d/kubeconfig"
    log "starting kube-controller-manager"
    start_bg "$d" kube-controller-manager "$KBIN/kube-controller-manager" \
      --kubeconfig="$d/kubeconfig" --authentication-kubeconfig="$d/kubeconfig" --authorization-kubeconfig="$d/kubeconfig" \
      --bind-address=127.0.0.1 --secure-port=0 \
      --leader-elect=false --use-service-account-credentials=false \
      --service-account-private-key-file="$d/pki/sa.key" --root-ca-file="$d/pki/ca.crt" \
      --cluster-signing-cert-file="$d/pki/ca.crt" --cluster-signing-key-file="$d/pki/ca.key" \
      --v=0
    sleep 1
    alive "$d/kube-controller-manager.pid" || { tail -n 20 "$d/kube-controller-manager.log" >&2; die "kube-controller-manager exited"; }
  fi
  log "up in $((SECONDS - t0))s: https://127.0.0.1:$API_PORT, kubeconfig $KUBECONFIG_OUT (logs: $d/*.log)"
}

stop_pid() { # $1 = pid file
  local pid i
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

cmd_down() {
  local d
  if d=$(run_dir); then
    for c in kube-controller-manager kube-apiserver etcd; do stop_pid "$d/$c.pid"; done
    rm -rf "$d"
  fi
  rm -f "$KDIR/current"
  # leftovers of runs whose `current` link was lost
  for d in "$KDIR"/run.*; do
    [ -d "$d" ] || continue
    for c in kube-controller-manager kube-apiserver etcd; do stop_pid "$d/$c.pid"; done
    rm -rf "$d"
  done
  rm -f "$KUBECONFIG_OUT"
  log "down"
}

cmd_status() {
  local d
  if ! d=$(run_dir); then log "down"; return 1; fi
  for c in etcd kube-apiserver kube-controller-manager; do
    if alive "$d/$c.pid"; then log "$c: running (pid $(cat "$d/$c.pid"))"
    elif [ -f "$d/$c.pid" ]; then log "$c: NOT running (log: $d/$c.log)"; fi
  done
  if api_ready "$d"; then
    log "ready: https://127.0.0.1:$API_PORT ($(curl -fsS --cacert "$d/pki/ca.crt" -H "Authorization: Bearer $(cat "$d/pki/token")" \
      "https://127.0.0.1:$API_PORT/version" | jq -r .gitVersion)), kubeconfig $KUBECONFIG_OUT"
    return 0
  fi
  log "kube-apiserver not ready"; return 1
}

mkdir -p "$KDIR"
case "${1:-up}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  build) build_all ;;
  *) echo "usage: $0 [up|down|status|build]" >&2; exit 2 ;;
esac
