"""`OpenFaaSStack`: one stack file's secrets and functions on one target, as a component."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from components import kubernetes, swarm
from components.checks import CheckSpec, trigger_digest
from components.checksum import ChecksumKey, secret_checksum
from components.deployed import DeployedFunction
from components.invoke_check import InvokeCheck, InvokeCheckArgs
from components.plan import DeployPlan, FunctionPlan
from components.settings import SecretValues


@dataclass(frozen=True)
class OpenFaaSStackArgs:
    """What the component deploys: a checked plan, the secret values, the checks, the target's options."""

    plan: DeployPlan
    secret_values: SecretValues
    checks: Mapping[str, CheckSpec] = field(default_factory=dict)
    kubernetes: kubernetes.KubernetesOptions = field(default_factory=kubernetes.KubernetesOptions)
    swarm: swarm.SwarmOptions = field(default_factory=swarm.SwarmOptions)


class OpenFaaSStack(pulumi.ComponentResource):
    """Every secret and function of an OpenFaaS stack file, on Kubernetes or Docker Swarm."""

    deployed: dict[str, DeployedFunction]
    checks: dict[str, InvokeCheck]
    functions: pulumi.Output[dict[str, str]]
    secrets: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: OpenFaaSStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("openfaas-stack:index:OpenFaaSStack", name, None, opts)
        plan = args.plan
        checksum_key = ChecksumKey("checksum-key", pulumi.ResourceOptions(parent=self))
        if plan.target == "kubernetes":
            self.deployed = kubernetes.declare(
                plan, args.secret_values, checksum_key.key, args.kubernetes, self
            )
        else:
            self.deployed = swarm.declare(plan, args.secret_values, args.swarm, self)
        self.checks = {
            name: self._check(fn, args.checks[name], args.secret_values, checksum_key.key)
            for name, fn in plan.functions.items()
            if name in args.checks and args.checks[name].enabled
        }
        self.functions = pulumi.Output.from_input(
            {name: fn.function.image for name, fn in plan.functions.items()}
        )
        self.secrets = pulumi.Output.from_input(sorted(plan.secrets))
        self.register_outputs({"functions": self.functions, "secrets": self.secrets})

    def _check(
        self,
        fn: FunctionPlan,
        spec: CheckSpec,
        secret_values: SecretValues,
        checksum_key: pulumi.Output[str],
    ) -> InvokeCheck:
        """The invoke check of one function; it re-runs when the function or its secrets change."""
        settings = json.dumps(
            {k: v for k, v in dataclasses.asdict(fn.function).items() if k != "line"},
            sort_keys=True,
            default=str,
        )
        checksum = secret_checksum(checksum_key, secret_values, [s.name for s in fn.secrets])
        # The workloads' ids too: a service recreated (after drift, say) is checked again.
        deployed = self.deployed[fn.name]
        ids = [workload.id for workload in deployed.workloads]
        triggers = pulumi.Output.all(checksum, *ids).apply(
            lambda parts: trigger_digest([fn.namespace, str(fn.replicas), settings, *map(str, parts)])
        )
        return InvokeCheck(
            f"{fn.resource_name}-check",
            InvokeCheckArgs(spec, {name: secret_values.text(name) for name in spec.secret_names}, triggers),
            pulumi.ResourceOptions(parent=self, depends_on=deployed.resources),
        )
