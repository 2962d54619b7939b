"""`OpenFaaSStack`: one stack file's secrets and functions on one target, as a component."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from components import kubernetes, swarm
from components.checksum import ChecksumKey
from components.plan import DeployPlan


@dataclass(frozen=True)
class OpenFaaSStackArgs:
    """What the component deploys: a checked plan, the secret values, the target's options."""

    plan: DeployPlan
    secret_values: Mapping[str, pulumi.Output[str]]
    kubernetes: kubernetes.KubernetesOptions = field(default_factory=kubernetes.KubernetesOptions)
    swarm: swarm.SwarmOptions = field(default_factory=swarm.SwarmOptions)


class OpenFaaSStack(pulumi.ComponentResource):
    """Every secret and function of an OpenFaaS stack file, on Kubernetes or Docker Swarm."""

    function_resources: dict[str, list[pulumi.Resource]]
    functions: pulumi.Output[dict[str, str]]
    secrets: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: OpenFaaSStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("openfaas-stack:index:OpenFaaSStack", name, None, opts)
        plan = args.plan
        checksum_key = ChecksumKey("checksum-key", pulumi.ResourceOptions(parent=self))
        if plan.target == "kubernetes":
            self.function_resources = kubernetes.declare(
                plan, args.secret_values, checksum_key.key, args.kubernetes, self
            )
        else:
            self.function_resources = swarm.declare(
                plan, args.secret_values, checksum_key.key, args.swarm, self
            )
        self.functions = pulumi.Output.from_input(
            {name: fn.function.image for name, fn in plan.functions.items()}
        )
        self.secrets = pulumi.Output.from_input(sorted(plan.secrets))
        self.register_outputs({"functions": self.functions, "secrets": self.secrets})
