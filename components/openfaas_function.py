"""`OpenFaaSFunction`: one function's workload and its invoke check, as a component.

`pulumi preview` groups each function's resources under it, as pulumi/examples
`kubernetes-py-guestbook` groups a Deployment and its Service. Those resources used to be
children of the stack component; an alias on each maps its old URN to the new one, so an
existing stack moves them without replacing anything.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pulumi

from components.check_config import CheckSpec
from components.deployed import DeclareWorkload, DeployedFunction
from components.invoke_check import InvokeCheck, InvokeCheckArgs, trigger_digest
from components.plan import FunctionPlan
from components.rollout_checksum import secret_checksum
from components.settings import SecretValues


@dataclass(frozen=True)
class OpenFaaSFunctionArgs:
    """One planned function, how its target declares the workload, and its check (if any)."""

    plan: FunctionPlan
    declare_workload: DeclareWorkload
    secret_values: SecretValues
    checksum_key: pulumi.Output[str]
    check: CheckSpec | None = None


class OpenFaaSFunction(pulumi.ComponentResource):
    """A function's workload resources and, when enabled, the check that calls it."""

    deployed: DeployedFunction
    check: InvokeCheck | None

    def __init__(
        self, name: str, args: OpenFaaSFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("openfaas-stack:index:OpenFaaSFunction", name, None, opts)
        # Before this component existed its children sat directly under our parent.
        moved = [pulumi.Alias(parent=opts.parent if opts and opts.parent else pulumi.ROOT_STACK_RESOURCE)]
        self.deployed = args.declare_workload(args.plan, pulumi.ResourceOptions(parent=self, aliases=moved))
        self.check = None
        if args.check is not None and args.check.enabled:
            self.check = self._check(args, args.check, moved)
        self.register_outputs({})

    def _check(self, args: OpenFaaSFunctionArgs, spec: CheckSpec, aliases: list[pulumi.Alias]) -> InvokeCheck:
        """The invoke check; it re-runs when the function or its secrets change."""
        fn, secret_values = args.plan, args.secret_values
        settings = json.dumps(
            {k: v for k, v in dataclasses.asdict(fn.function).items() if k != "line"},
            sort_keys=True,
            default=str,
        )
        checksum = secret_checksum(args.checksum_key, secret_values, [s.name for s in fn.secrets])
        # The workloads' ids too: a service recreated (after drift, say) is checked again.
        ids = [workload.id for workload in self.deployed.workloads]
        triggers = pulumi.Output.all(checksum, *ids).apply(
            lambda parts: trigger_digest([fn.namespace, str(fn.replicas), settings, *map(str, parts)])
        )
        return InvokeCheck(
            f"{fn.resource_name}-check",
            InvokeCheckArgs(spec, {name: secret_values.text(name) for name in spec.secret_names}, triggers),
            pulumi.ResourceOptions(parent=self, aliases=aliases, depends_on=self.deployed.resources),
        )
