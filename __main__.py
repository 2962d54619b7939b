"""Deploy the functions of an OpenFaaS stack file, and the secrets they use, with Pulumi."""

from __future__ import annotations

import signal

import pulumi

from components.config import read_args
from components.errors import InputError
from components.openfaas_stack import OpenFaaSStack

# When an update fails the engine interrupts the program; die of the signal, as other programs
# do, instead of printing a KeyboardInterrupt traceback that buries the real error.
signal.signal(signal.SIGINT, signal.SIG_DFL)

args, secret_inputs = read_args(pulumi.Config())
try:
    openfaas = OpenFaaSStack("openfaas", args, secret_inputs=secret_inputs)
except InputError as error:
    raise pulumi.RunError(str(error)) from None

pulumi.export("target", args.target or "kubernetes")
pulumi.export("functions", openfaas.functions)
pulumi.export("secrets", openfaas.secrets)
