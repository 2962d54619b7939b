"""Deploy the functions of an OpenFaaS stack file, and the secrets they use, with Pulumi."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pulumi

from components import kubernetes
from components.errors import InputError
from components.openfaas_stack import OpenFaaSStack
from components.preflight import preflight

# When an update fails the engine interrupts the program; die of the signal, as other programs
# do, instead of printing a KeyboardInterrupt traceback that buries the real error.
signal.signal(signal.SIGINT, signal.SIG_DFL)

try:
    inputs = preflight(pulumi.Config(), pulumi.Config("kubernetes"), Path.cwd(), os.environ)
except InputError as error:
    raise pulumi.RunError(str(error)) from None
for warning in inputs.warnings:
    pulumi.log.warn(warning)

provider = (
    kubernetes.provider(inputs.kubeconfig, inputs.context, secret_keys=inputs.secret_kube_keys)
    if inputs.settings.target == "kubernetes"
    else None
)
openfaas = OpenFaaSStack("openfaas", inputs.stack_args(provider))

pulumi.export("target", inputs.settings.target)
pulumi.export("functions", openfaas.functions)
pulumi.export("secrets", openfaas.secrets)
