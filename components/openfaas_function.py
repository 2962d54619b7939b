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
from typing import Any

import pulumi

from components.check.props import trigger_digest
from components.check.resource import InvokeCheck, InvokeCheckArgs
from components.check.spec import CheckSpec
from components.plan import FunctionPlan
from components.rollout_checksum import secret_checksum
from components.shared.secret_values import SecretValues
from components.targets import DeployedFunction, ReadinessGate, Target


@dataclass(frozen=True)
class OpenFaaSFunctionArgs:
    """One planned function, its target (and the secrets declared there), and its check (if any)."""

    plan: FunctionPlan
    target: Target[Any]
    target_secrets: object
    """What `target.declare_secrets` returned for the stack."""
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
        moved: list[pulumi.Alias] = [
            pulumi.Alias(parent=opts.parent if opts and opts.parent else pulumi.ROOT_STACK_RESOURCE)
        ]
        fn = args.plan
        # The keyed checksum of the secrets it mounts: rolls the pods and re-runs the check.
        self._checksum = secret_checksum(args.checksum_key, args.secret_values, [s.name for s in fn.secrets])
        self._args, self._moved_from = args, moved
        self.deployed = args.target.declare_workload(
            fn, args.target_secrets, self._checksum, pulumi.ResourceOptions(parent=self, aliases=moved)
        )
        self.check = None
        self.register_outputs({})

    def declare_check(self, readiness: ReadinessGate) -> InvokeCheck | None:
        """The function's check, when enabled, run after its workload and once the stack's
        functions are ready; called once every function's workload is declared."""
        spec = self._args.check
        if spec is not None and spec.enabled:
            self.check = self._check(self._args, spec, self._checksum, self._moved_from, readiness)
        return self.check

    def _check(
        self,
        args: OpenFaaSFunctionArgs,
        spec: CheckSpec,
        checksum: pulumi.Output[str],
        aliases: list[pulumi.Alias],
        readiness: ReadinessGate,
    ) -> InvokeCheck:
        """The invoke check; it re-runs when the function or its secrets change."""
        fn, secret_values = args.plan, args.secret_values
        settings = json.dumps(
            {k: v for k, v in dataclasses.asdict(fn.function).items() if k != "line"},
            sort_keys=True,
            default=str,
        )
        # The workloads' ids too: a service recreated (after drift, say) is checked again.
        ids = [workload.id for workload in self.deployed.workloads]
        triggers = pulumi.Output.all(checksum, *ids).apply(
            lambda parts: trigger_digest([fn.namespace, str(fn.replicas), settings, *map(str, parts)])
        )
        return InvokeCheck(
            f"{fn.resource_name}-check",
            InvokeCheckArgs(
                spec,
                {name: secret_values.text(name) for name in spec.secret_names},
                triggers,
                readiness.passed,
            ),
            pulumi.ResourceOptions(parent=self, aliases=aliases, depends_on=self.deployed.resources),
        )
