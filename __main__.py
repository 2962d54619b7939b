"""Deploy the functions of an OpenFaaS stack file, and the secrets they use, with Pulumi."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pulumi

from components.config import read_inputs, stack_args
from components.errors import InputError
from components.openfaas_stack import OpenFaaSStack
from components.targets import kubernetes

# When an update fails the engine interrupts the program; die of the signal, as other programs
# do, instead of printing a KeyboardInterrupt traceback that buries the real error.
signal.signal(signal.SIGINT, signal.SIG_DFL)

try:
    inputs = read_inputs(pulumi.Config(), pulumi.Config("kubernetes"), Path.cwd(), os.environ)
except InputError as error:
    raise pulumi.RunError(str(error)) from None
for note in inputs.notes:
    pulumi.log.info(note)
for warning in inputs.warnings:
    pulumi.log.warn(warning)

settings = inputs.settings
provider = (
    kubernetes.provider(settings.kubeconfig, settings.kube_context, secret_keys=settings.secret_kube_keys)
    if settings.target == "kubernetes"
    else None
)
openfaas = OpenFaaSStack("openfaas", stack_args(inputs, provider))

pulumi.export("target", settings.target)
pulumi.export("functions", openfaas.functions)
pulumi.export("secrets", openfaas.secrets)
