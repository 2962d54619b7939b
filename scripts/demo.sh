#!/usr/bin/env bash
# `make demo`: `pulumi up` of the `dev` stack (Pulumi.dev.yaml: the local Kubernetes node from
# `make kube`, the example stack.yaml, its secret encrypted with the demo passphrase), ending with
# the invoke check passing through the API server. `make demo-swarm` does the same on the local
# Swarm with the `dev-swarm` stack (Pulumi.dev-swarm.yaml). Expects `source .toolchain/env.sh`.
#
#   scripts/demo.sh [up|destroy] [dev|dev-swarm]
set -euo pipefail
cd "$(dirname "$0")/.."
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-openfaas-demo}
action=${1:-up} stack=${2:-dev}
case "$stack" in
  dev) export KUBECONFIG=$PWD/.toolchain/kubeconfig
       [ -f "$KUBECONFIG" ] || { echo "demo: $KUBECONFIG is missing: run make kube" >&2; exit 1; } ;;
  dev-swarm) ;;
  *) echo "usage: $0 [up|destroy] [dev|dev-swarm]" >&2; exit 2 ;;
esac

pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
case "$action" in
  up)
    # --refresh: notice drift (a removed object). For stacks of 50 functions and more, raise the
    # engine's parallelism with PULUMI_PARALLEL=64 (README, "With a real cluster").
    pulumi up --yes --stack "$stack" --skip-preview --refresh
    kubectl=${OPENFAAS_STACK_CACHE:-$HOME/.cache/openfaas-stack}/kube/bin/kubectl
    if [ "$stack" = dev ]; then
      cat <<MSG

The function runs on the local node. Call it yourself:
  $kubectl --kubeconfig .toolchain/kubeconfig -n openfaas-fn port-forward svc/protectedapi 8081:8080 &
  curl -d '' -H "X-Api-Key: \$(pulumi config get --stack dev --path secrets.secret_api_key)" http://127.0.0.1:8081/
      -> Unlocked the function!   (without the header: Access denied!)
MSG
    else
      cat <<MSG

The function runs on the local Swarm, published on port 8081. Call it yourself:
  curl -d '' -H "X-Api-Key: \$(pulumi config get --stack dev-swarm --path secrets.secret_api_key)" http://127.0.0.1:8081/
MSG
    fi ;;
  destroy) pulumi destroy --yes --stack "$stack" ;;
  *) echo "usage: $0 [up|destroy] [dev|dev-swarm]" >&2; exit 2 ;;
esac
