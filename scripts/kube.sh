#!/usr/bin/env bash
# A local single-node Kubernetes for tests and the demo, built from Go modules, on loopback only:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and a node (kubelet on a private
# containerd, CNI bridge networking, kube-proxy) that really runs pods.
#
#   scripts/kube.sh [up]            build what is missing, start (no-op when already up), wait for
#                                   /readyz and the node, install the Function CRD, write
#                                   <repo>/.toolchain/kubeconfig
#   scripts/kube.sh down            stop every process; remove every rule, interface, mount,
#                                   network namespace and cgroup `up` made, the data and the kubeconfig
#   scripts/kube.sh status          exit 0 when up and ready, 1 otherwise
#   scripts/kube.sh build           only build the binaries and the pause image
#   scripts/kube.sh load-image IMG  copy Docker images into the node (`docker save` | `ctr import`)
#   scripts/kube.sh leftovers       list what `down` should have removed; exit 1 if anything
#
# Binaries: $CACHE/kube/bin/{etcd,kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,
#           kube-proxy,kubectl,pause}, CACHE=${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack};
#           versions in toolchain/versions.env. containerd, runc and the CNI plugins are Debian's.
# Runtime:  a fresh folder $CACHE/kube/run.XXXXXX per `up` (etcd data, keys, containerd's root and
#           state, kubelet's root, logs, pid files); $CACHE/kube/current points at it.
# Auth:     one static bearer token (user "admin", group system:masters); TLS with a CA made here.
# Network:  pods in $KUBE_POD_CIDR, services in $KUBE_SERVICE_CIDR (198.18.0.0/15, the range for
#           test networks: it overlaps neither Docker's bridge pools nor Swarm's 10.0.0.0/8). An
#           iptables guard chain (OFS-GUARD, in OUTPUT and FORWARD) rejects every packet for or
#           from those ranges that would leave by the outside interface, from before kube-proxy
#           syncs until `down`.
# Images:   no registry. The pause image is built here; test images come from the local Docker
#           through `load-image`. A short name loads as docker.io/<name> (what Kubernetes resolves
#           it to), so a pod with imagePullPolicy IfNotPresent or Never runs it without a pull; with
#           Always (faas-netes' default) the kubelet would try the registry and fail.
#
# Environment: KUBE_APISERVER_PORT (6443), KUBE_ETCD_PORT (12379; peer port = +1),
#              KUBE_POD_CIDR (198.18.0.0/24), KUBE_SERVICE_CIDR (198.18.1.0/24), both /24 or wider,
#              KUBE_NODE=0 for the control plane only (pods stay Pending: use `skipAwait`),
#              KUBE_CONTROLLER_MANAGER=0 to run without kube-controller-manager (implies KUBE_NODE=0),
#              KUBE_BUILD_KUBECTL=0 to skip building kubectl.
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
WITH_NODE=${KUBE_NODE:-1}
[ "$WITH_KCM" = 1 ] || WITH_NODE=0
POD_CIDR=${KUBE_POD_CIDR:-198.18.0.0/24}
SERVICE_CIDR=${KUBE_SERVICE_CIDR:-198.18.1.0/24}
SERVICE_IP=${SERVICE_CIDR%/*}; SERVICE_IP=${SERVICE_IP%.*}.$((${SERVICE_IP##*.} + 1))  # the `kubernetes` Service
BRIDGE=ofs0
GUARD=OFS-GUARD
NODE_NAME=$(hostname | tr '[:upper:]' '[:lower:]')
PAUSE_IMAGE=localhost/openfaas-stack/pause:1
KUBELET_PORT=20250
SHARED=${OPENFAAS_SHARED:-$ROOT/../shared}
[ -d "$SHARED" ] || SHARED=/work/shared
CRD=$SHARED/openfaas/crds/openfaas.com_functions.yaml
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

# The node's Debian packages (NODE_DEBS in versions.env): those not installed, at the pinned
# version, else (the archive moved on) at the archive's version. Installed ones are left alone.
ensure_debs() {
  local want=() plain=() d
  for d in ${NODE_DEBS:?NODE_DEBS missing in toolchain/versions.env}; do
    dpkg-query -W -f='${Status}' "${d%%=*}" 2>/dev/null | grep -c "install ok installed" >/dev/null ||
      { want+=("$d"); plain+=("${d%%=*}"); }
  done
  [ ${#want[@]} -gt 0 ] || return 0
  command -v apt-get >/dev/null || die "missing ${plain[*]} and no apt-get: install them yourself"
  log "installing ${want[*]} (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed"
  if ! apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null; then
    log "the pinned versions are gone from the archive; installing its versions of ${plain[*]}"
    apt-get install -y -qq --no-install-recommends "${plain[@]}" >/dev/null || die "apt-get install ${plain[*]} failed"
  fi
}

build_all() {
  ensure_debs
  kube_go_env
  build_etcd
  build_kube_cmd kube-apiserver
  if [ "$WITH_KCM" = 1 ]; then build_kube_cmd kube-controller-manager; fi
  if [ "${KUBE_BUILD_KUBECTL:-1}" = 1 ]; then build_kube_cmd kubectl; fi
  if [ "$WITH_NODE" = 1 ]; then
    build_kube_cmd kube-scheduler
    build_kube_cmd kube-proxy
    build_kube_cmd kubelet
    build_pause
  fi
}

# The sandbox image: our own static pause binary, packed as an OCI archive (no registry, no Docker).
build_pause() {
  local src=$ROOT/toolchain/pause key
  key="pause $(cat "$src/go.mod" "$src/main.go" "$ROOT/scripts/oci-image.py" | sha256sum | cut -c1-16)"
  if stamp_ok pause "$key" && [ -f "$KBIN/pause.oci.tar" ]; then return 0; fi
  (cd "$src" && "$GO" build -trimpath -buildvcs=false -ldflags "-s -w" -o "$KBIN/pause" .) ||
    die "building the pause binary failed"
  python3 "$ROOT/scripts/oci-image.py" "$KBIN/pause" "$PAUSE_IMAGE" "$KBIN/pause.oci.tar"
  stamp_set pause "$key"
  log "built the pause image $PAUSE_IMAGE"
}

# ================================================================ node
guard_present() {
  iptables -w -C OUTPUT -j "$GUARD" 2>/dev/null && iptables -w -C FORWARD -j "$GUARD" 2>/dev/null &&
    iptables -w -t mangle -C POSTROUTING -j "$GUARD" 2>/dev/null
}

# Before anything can send to the pod or service ranges: nothing for or from them may leave by
# any interface but our bridge (and loopback). There is no route for the service range, so until
# kube-proxy has DNATed a ClusterIP packet it would take the default route.
#  - mangle POSTROUTING (the authority): sees the final interface and the post-DNAT address, and
#    nobody else inserts there, so DROP whatever would still leave.
#  - filter OUTPUT/FORWARD: REJECT the same early, so a caller fails fast instead of timing out.
#    Filter OUTPUT still sees the pre-DNAT interface of packets kube-proxy rewrote (the kernel
#    reroutes them to the bridge afterwards), hence `! --ctstate DNAT`.
guard_install() {
  local chain
  iptables -w -t mangle -N "$GUARD" 2>/dev/null || iptables -w -t mangle -F "$GUARD"
  iptables -w -t mangle -A "$GUARD" -o lo -j RETURN
  iptables -w -t mangle -A "$GUARD" -o "$BRIDGE" -j RETURN
  for chain in "-d $SERVICE_CIDR" "-d $POD_CIDR" "-s $POD_CIDR"; do
    # shellcheck disable=SC2086  # two words: the option and the range
    iptables -w -t mangle -A "$GUARD" $chain -j DROP
  done
  iptables -w -t mangle -C POSTROUTING -j "$GUARD" 2>/dev/null || iptables -w -t mangle -I POSTROUTING 1 -j "$GUARD"
  iptables -w -N "$GUARD" 2>/dev/null || iptables -w -F "$GUARD"
  iptables -w -A "$GUARD" -o lo -j RETURN
  iptables -w -A "$GUARD" ! -o "$BRIDGE" -d "$SERVICE_CIDR" -m conntrack ! --ctstate DNAT -j REJECT
  iptables -w -A "$GUARD" ! -o "$BRIDGE" -d "$POD_CIDR" -m conntrack ! --ctstate DNAT -j REJECT
  iptables -w -A "$GUARD" ! -o "$BRIDGE" -s "$POD_CIDR" -j REJECT
  for chain in OUTPUT FORWARD; do
    iptables -w -C "$chain" -j "$GUARD" 2>/dev/null || iptables -w -I "$chain" 1 -j "$GUARD"
  done
  log "guard $GUARD: nothing for or from $POD_CIDR / $SERVICE_CIDR leaves but through $BRIDGE"
}

# kube-proxy and dockerd put their jumps first; ours goes back in front of them.
guard_first() {
  local chain
  for chain in OUTPUT FORWARD; do
    while iptables -w -D "$chain" -j "$GUARD" 2>/dev/null; do :; done
    iptables -w -I "$chain" 1 -j "$GUARD"
  done
}

# The KUBE-* chains kubelet and kube-proxy leave after `kube-proxy --cleanup` (canaries,
# KUBE-FIREWALL, KUBE-MARK-MASQ), in IPv4 and IPv6: the jumps to them first, then the chains.
kube_chains_remove() {
  local cmd table rule chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle; do
      "$cmd-save" -t "$table" 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -vE '^-A KUBE-' |
        while read -r rule; do
          # shellcheck disable=SC2086  # the saved rule, word for word
          eval "$cmd -w -t $table -D ${rule#-A }" 2>/dev/null || true
        done || true  # no rule to delete: grep's status 1, which pipefail would make fatal
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do
        "$cmd" -w -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do
        "$cmd" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

guard_remove() {
  local chain
  for chain in OUTPUT FORWARD; do
    while iptables -w -D "$chain" -j "$GUARD" 2>/dev/null; do :; done
  done
  while iptables -w -t mangle -D POSTROUTING -j "$GUARD" 2>/dev/null; do :; done
  iptables -w -F "$GUARD" 2>/dev/null || true
  iptables -w -X "$GUARD" 2>/dev/null || true
  iptables -w -t mangle -F "$GUARD" 2>/dev/null || true
  iptables -w -t mangle -X "$GUARD" 2>/dev/null || true
}

fill() { # a template on stdin -> stdout, each @KEY@ replaced by the variable of that name
  sed -e "s|@CTRD@|$CTRD|g" -e "s|@PAUSE_IMAGE@|$PAUSE_IMAGE|g" -e "s|@CNI_CONF@|$CNI_CONF|g" \
    -e "s|@CNI_STATE@|$CNI_STATE|g" -e "s|@POD_CIDR@|$POD_CIDR|g" -e "s|@BRIDGE@|$BRIDGE|g" \
    -e "s|@CA@|$CA|g" -e "s|@KUBECONFIG@|$NODE_KUBECONFIG|g" -e "s|@NODE_NAME@|$NODE_NAME|g" \
    -e "s|@KUBELET_PORT@|$KUBELET_PORT|g" -e "s|@POD_LOGS@|$POD_LOGS|g"
}

node_paths() { # $1 = run dir
  CTRD=$1/containerd; CNI_CONF=$1/cni/net.d; CNI_STATE=$1/cni/state; CA=$1/pki/ca.crt
  NODE_KUBECONFIG=$1/kubeconfig; POD_LOGS=$1/pod-logs
}

ctr_() { ctr --address "$CTRD/containerd.sock" -n k8s.io "$@"; }

start_node() { # $1 = run dir
  local d=$1 rc t=$ROOT/toolchain/node
  for b in containerd runc ctr iptables conntrack; do
    command -v "$b" >/dev/null || die "$b is missing: see NODE_DEBS in toolchain/versions.env"
  done
  [ -x /usr/lib/cni/bridge ] || die "/usr/lib/cni/bridge is missing: apt-get install -y containernetworking-plugins"
  node_paths "$d"
  mkdir -p "$CTRD" "$CNI_CONF" "$CNI_STATE" "$POD_LOGS" "$d/kubelet"
  cat /proc/sys/net/ipv4/ip_forward >"$KDIR/ip_forward.before" 2>/dev/null || true
  fill <"$t/containerd.toml.in" >"$CTRD/config.toml"
  fill <"$t/cni.conflist.in" >"$CNI_CONF/10-openfaas-stack.conflist"
  fill <"$t/kubelet.yaml.in" >"$d/kubelet.yaml"
  fill <"$t/kube-proxy.yaml.in" >"$d/kube-proxy.yaml"

  log "starting containerd (private: $CTRD)"
  start_bg "$d" containerd containerd --config "$CTRD/config.toml"
  rc=0; wait_for 30 "$d/containerd.pid" ctr_ version >/dev/null 2>&1 || rc=$?
  [ "$rc" = 0 ] || { tail -n 20 "$d/containerd.log" >&2; die "containerd did not start"; }
  ctr_ images import --snapshotter overlayfs "$KBIN/pause.oci.tar" >/dev/null || die "importing the pause image failed"

  log "starting kube-scheduler"
  start_bg "$d" kube-scheduler "$KBIN/kube-scheduler" --kubeconfig="$d/kubeconfig" \
    --authentication-kubeconfig="$d/kubeconfig" --authorization-kubeconfig="$d/kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false --v=0

  log "starting kubelet (node $NODE_NAME, 127.0.0.1:$KUBELET_PORT)"
  start_bg "$d" kubelet "$KBIN/kubelet" --config="$d/kubelet.yaml" --kubeconfig="$d/kubeconfig" \
    --root-dir="$d/kubelet" --cert-dir="$d/kubelet/pki" --hostname-override="$NODE_NAME" --v=0
  log "starting kube-proxy (iptables, cluster CIDR $POD_CIDR)"
  start_bg "$d" kube-proxy "$KBIN/kube-proxy" --config="$d/kube-proxy.yaml" --v=0
  rc=0; wait_for 90 "$d/kubelet.pid" node_ready "$d" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 30 "$d/kubelet.log" >&2
    die "the node did not become Ready ($([ "$rc" = 2 ] && echo 'kubelet exited' || echo timeout)); logs in $d"
  fi
  for c in kube-scheduler kube-proxy containerd; do
    alive "$d/$c.pid" || { tail -n 20 "$d/$c.log" >&2; die "$c exited (log: $d/$c.log)"; }
  done
  rc=0; wait_for 30 "$d/kube-proxy.pid" iptables -w -t nat -n -L KUBE-SERVICES >/dev/null 2>&1 || rc=$?
  [ "$rc" = 0 ] || { tail -n 20 "$d/kube-proxy.log" >&2; die "kube-proxy did not sync its rules"; }
  guard_first
}

# What a node leaves when its processes were killed rather than stopped (a session that ended):
# pod processes in kubelet's cgroups, CRI's network namespaces, veths, the bridge, the cgroups.
clean_node_leftovers() {
  # pod processes that outlived their shims (a killed session): everything in kubelet's cgroups
  local pids ns m
  pids=$(cat /sys/fs/cgroup/*/kubepods/cgroup.procs /sys/fs/cgroup/*/kubepods/*/cgroup.procs \
    /sys/fs/cgroup/*/kubepods/*/*/cgroup.procs /sys/fs/cgroup/*/kubepods/*/*/*/cgroup.procs 2>/dev/null | sort -u) || true
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086  # one pid per word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  fi
  # sandboxes of a containerd that died (a killed session): CRI's namespaces with no process left
  for ns in /var/run/netns/cni-*; do
    [ -e "$ns" ] || continue
    [ -z "$(ip netns pids "$(basename "$ns")" 2>/dev/null)" ] || continue
    ip netns delete "$(basename "$ns")" 2>/dev/null || true
  done
  for m in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link delete "$m" 2>/dev/null || true
  done
  ip link delete "$BRIDGE" 2>/dev/null || true
  # the kubepods cgroups kubelet made in every hierarchy
  for m in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# Everything the node made, whether or not its processes still run.
stop_node() { # $1 = run dir
  local d=$1 id ns m
  node_paths "$d"
  stop_pid "$d/kubelet.pid"
  if [ -S "$CTRD/containerd.sock" ] && alive "$d/containerd.pid"; then
    # the sandboxes' network namespaces, read from containerd before their tasks go
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      ns=$(ctr_ containers info "$id" 2>/dev/null |
        jq -r '.Spec.linux.namespaces[]? | select(.type == "network") | .path // empty' 2>/dev/null) || true
      [ -n "$ns" ] && printf '%s\n' "$ns" >>"$d/netns"
      ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for id in $(ctr_ containers ls -q 2>/dev/null); do
      ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true
      ctr_ containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_pid "$d/kube-proxy.pid"
  [ -x "$KBIN/kube-proxy" ] && "$KBIN/kube-proxy" --cleanup --v=0 >/dev/null 2>&1 || true
  kube_chains_remove
  stop_pid "$d/kube-scheduler.pid"
  stop_pid "$d/containerd.pid"
  # shims of our containerd that outlived it
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $CTRD/containerd.sock" 2>/dev/null || true
  if [ -f "$d/netns" ]; then
    sort -u "$d/netns" | while read -r ns; do
      [ -e "$ns" ] || continue
      ip netns delete "$(basename "$ns")" 2>/dev/null || umount "$ns" 2>/dev/null || true
      rm -f "$ns"
    done
  fi
  clean_node_leftovers
  # mounts under the run folder (kubelet's shared bind of its root, volumes, rootfs, shm), deepest first
  findmnt -rn -o TARGET | awk -v p="$d/" 'index($0, p) == 1' | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  findmnt -rn -o TARGET | awk -v p="$d" '$0 == p' | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  find /var/log/containers -maxdepth 1 -lname "$d/*" -delete 2>/dev/null || true
  if [ -f "$KDIR/ip_forward.before" ]; then
    if [ "$(cat "$KDIR/ip_forward.before")" = 0 ] && ! pgrep -x dockerd >/dev/null; then
      echo 0 >/proc/sys/net/ipv4/ip_forward 2>/dev/null || true
    fi
    rm -f "$KDIR/ip_forward.before"
  fi
}

# Copy Docker images into the node, under the names Kubernetes resolves the short ones to.
cmd_load_image() {
  local d img; d=$(run_dir) || die "the cluster is not up: run scripts/kube.sh up"
  node_paths "$d"
  [ $# -gt 0 ] || die "usage: $0 load-image IMAGE..."
  for img in "$@"; do
    docker image inspect "$img" >/dev/null 2>&1 || die "no Docker image $img (build it first, e.g. make sample)"
    docker save "$img" | ctr_ images import --snapshotter overlayfs - >/dev/null || die "importing $img failed"
    log "loaded $img into the node"
  done
}

# ================================================================ run
run_dir() { [ -L "$KDIR/current" ] && [ -d "$KDIR/current/" ] && readlink -f "$KDIR/current"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -c . >/dev/null; }

api_ready() { # $1 = run dir
  local tok
  tok=$(cat "$1/pki/token" 2>/dev/null) || return 1
  curl -fsS --max-time 3 --cacert "$1/pki/ca.crt" -H "Authorization: Bearer $tok" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1
}

is_up() {
  local d; d=$(run_dir) || return 1
  alive "$d/etcd.pid" && alive "$d/kube-apiserver.pid" && api_ready "$d" || return 1
  [ "$WITH_NODE" = 1 ] || return 0
  local c
  for c in kube-scheduler containerd kubelet kube-proxy; do alive "$d/$c.pid" || return 1; done
  node_ready "$d" && guard_present
}

kctl() { "$KBIN/kubectl" --kubeconfig="$KUBECONFIG_OUT" "$@"; }

node_ready() { # $1 = run dir
  [ "$("$KBIN/kubectl" --kubeconfig="$1/kubeconfig" get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

make_pki() { # $1 = run dir
  local p=$1/pki
  mkdir -p "$p"; chmod 700 "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=openfaas-stack-test-ca" \
    -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$p/apiserver.key" -out "$p/apiserver.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:$SERVICE_IP" \
    "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" >"$p/apiserver.ext"
  openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
    -days 3650 -extfile "$p/apiserver.ext" -out "$p/apiserver.crt" 2>/dev/null
  # the API server's client certificate for the kubelet (logs, exec, port-forward)
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
    -keyout "$p/kubelet-client.key" -out "$p/kubelet-client.csr" 2>/dev/null
  printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=digitalSignature,keyEncipherment" >"$p/kubelet-client.ext"
  openssl x509 -req -in "$p/kubelet-client.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
    -days 3650 -extfile "$p/kubelet-client.ext" -out "$p/kubelet-client.crt" 2>/dev/null
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
  [ "$WITH_NODE" = 1 ] && guard_install
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
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true \
    --kubelet-client-certificate="$d/pki/kubelet-client.crt" --kubelet-client-key="$d/pki/kubelet-client.key" \
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
  if [ "$WITH_NODE" = 1 ]; then
    start_node "$d"
    if [ -f "$CRD" ]; then
      kctl apply --server-side -f "$CRD" >/dev/null || die "installing the Function CRD ($CRD) failed"
      kctl wait --for=condition=Established --timeout=30s crd/functions.openfaas.com >/dev/null
      log "installed the Function CRD (functions.openfaas.com)"
    else
      log "no Function CRD at $CRD (set OPENFAAS_SHARED): function-crd mode cannot be deployed"
    fi
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
    stop_node "$d"
    for c in kube-controller-manager kube-apiserver etcd; do stop_pid "$d/$c.pid"; done
    rm -rf "$d"
  fi
  rm -f "$KDIR/current"
  # leftovers of runs whose `current` link was lost
  for d in "$KDIR"/run.*; do
    [ -d "$d" ] || continue
    stop_node "$d"
    for c in kube-controller-manager kube-apiserver etcd; do stop_pid "$d/$c.pid"; done
    rm -rf "$d"
  done
  clean_node_leftovers
  kube_chains_remove
  guard_remove
  rm -f "$KUBECONFIG_OUT"
  log "down"
}

# What `down` must have removed: prints each leftover, exit 1 if there is any.
cmd_leftovers() {
  # (grep -c, not -q: with pipefail an early exit of grep would fail the pipe)
  local found=0 line
  report() { log "leftover: $*"; found=1; }
  for line in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    pgrep -f "$KBIN/$line( |$)" >/dev/null && report "process $line"
  done
  pgrep -f "containerd --config $KDIR/" >/dev/null && report "process containerd"
  pgrep -f "containerd-shim-runc-v2 .*-address $KDIR/" >/dev/null && report "containerd shims"
  ip link show "$BRIDGE" >/dev/null 2>&1 && report "interface $BRIDGE"
  for line in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    [ "$(basename "$(readlink "/sys/class/net/$line/master" 2>/dev/null)")" = "$BRIDGE" ] && report "interface $line"
  done
  for line in $(ls /var/run/netns 2>/dev/null | grep '^cni-'); do report "network namespace $line"; done
  findmnt -rn -o TARGET | grep -c "^$KDIR/" >/dev/null && report "mounts under $KDIR"
  ls -d /sys/fs/cgroup/*/kubepods >/dev/null 2>&1 && report "kubepods cgroups"
  iptables-save 2>/dev/null | grep -cE "KUBE-|$GUARD" >/dev/null && report "iptables rules (KUBE-*, $GUARD)"
  ip6tables-save 2>/dev/null | grep -c "KUBE-" >/dev/null && report "ip6tables rules (KUBE-*)"
  ls -d "$KDIR"/run.* >/dev/null 2>&1 && report "run folders in $KDIR"
  [ "$found" = 0 ] && log "nothing left behind"
  return "$found"
}

cmd_status() {
  local d
  if ! d=$(run_dir); then log "down"; return 1; fi
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy; do
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
  load-image) shift; cmd_load_image "$@" ;;
  leftovers) cmd_leftovers ;;
  *) echo "usage: $0 [up|down|status|build|load-image IMAGE...|leftovers]" >&2; exit 2 ;;
esac
