#!/usr/bin/env bash
# `make demo`: `pulumi up` of the `dev` stack (Pulumi.dev.yaml: Swarm target, the example
# stack.yaml, its secret encrypted with the demo passphrase) on the local Swarm, ending with the
# invoke check. `make demo-destroy` removes it. Expects `source .toolchain/env.sh` first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-openfaas-demo}

pulumi stack select dev 2>/dev/null || pulumi stack init dev
case "${1:-up}" in
  up) pulumi up --yes --stack dev --skip-preview --refresh ;;  # --refresh: notice drift (a removed service)
  destroy) pulumi destroy --yes --stack dev ;;
  *) echo "usage: $0 [up|destroy]" >&2; exit 2 ;;
esac
