"""`OpenFaaSStack`: one stack file's secrets and functions on one target, as a component."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from components.check.resource import InvokeCheck
from components.check.spec import CheckSpec
from components.openfaas_function import OpenFaaSFunction, OpenFaaSFunctionArgs
from components.plan import DeployPlan
from components.rollout_checksum import ChecksumKey
from components.shared.secret_values import SecretValues
from components.targets import DeployedFunction, ReadinessGate, target_for
from components.targets.kubernetes import KubernetesOptions
from components.targets.swarm import SwarmOptions


@dataclass(frozen=True)
class OpenFaaSStackArgs:
    """What the component deploys: a checked plan, the secret values, the checks, the target's options."""

    plan: DeployPlan
    secret_values: SecretValues
    checks: Mapping[str, CheckSpec] = field(default_factory=dict)
    kubernetes: KubernetesOptions = field(default_factory=KubernetesOptions)
    swarm: SwarmOptions = field(default_factory=SwarmOptions)


class OpenFaaSStack(pulumi.ComponentResource):
    """Every secret and function of an OpenFaaS stack file, on Kubernetes or Docker Swarm.

    The secrets (and namespaces) are its children, shared by the functions; each function is an
    `OpenFaaSFunction` holding its workload and its check.
    """

    deployed: dict[str, DeployedFunction]
    readiness: ReadinessGate
    checks: dict[str, InvokeCheck]
    functions: pulumi.Output[dict[str, str]]
    secrets: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: OpenFaaSStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("openfaas-stack:index:OpenFaaSStack", name, None, opts)
        plan = args.plan
        target = target_for(plan.target, kubernetes_options=args.kubernetes, swarm_options=args.swarm)
        checksum_key = ChecksumKey("checksum-key", pulumi.ResourceOptions(parent=self))
        secrets = target.declare_secrets(plan, args.secret_values, self)
        members = {
            name: OpenFaaSFunction(
                fn.resource_name,
                OpenFaaSFunctionArgs(
                    fn, target, secrets, args.secret_values, checksum_key.key, args.checks.get(name)
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for name, fn in plan.functions.items()
        }
        self.deployed = {name: member.deployed for name, member in members.items()}
        self.readiness = target.declare_readiness(plan, self.deployed, args.secret_values, self)
        checks = {name: member.declare_check(self.readiness) for name, member in members.items()}
        self.checks = {name: check for name, check in checks.items() if check is not None}
        # Resolves once every function is ready, so `up` fails with the target's reasons even
        # when no check runs.
        images = {name: fn.function.image for name, fn in plan.functions.items()}
        self.functions = pulumi.Output.from_input(self.readiness.passed).apply(lambda _: images)
        self.secrets = pulumi.Output.from_input(sorted(plan.secrets))
        self.register_outputs({"functions": self.functions, "secrets": self.secrets})
