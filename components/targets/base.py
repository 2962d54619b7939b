"""What every target implements (`Target`) and what it returns for one function (`DeployedFunction`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

import pulumi

from components.plan import DeployPlan, FunctionPlan, TargetRules
from components.shared.secret_values import SecretValues

Secrets = TypeVar("Secrets")


@dataclass(frozen=True)
class DeployedFunction:
    """The function's workload resources and the secret resources it mounts."""

    workloads: tuple[pulumi.CustomResource, ...]
    secrets: tuple[pulumi.CustomResource, ...]

    @property
    def resources(self) -> list[pulumi.Resource]:
        """Everything the function needs in place, e.g. for `depends_on`."""
        return [*self.workloads, *self.secrets]


@dataclass(frozen=True)
class ReadinessGate:
    """What waits for a stack's functions to be ready: the resources their checks run after, and
    an Output that resolves once all are ready (and fails the update, naming each function that is
    not, with the target's own reasons)."""

    resources: tuple[pulumi.Resource, ...] = ()
    passed: pulumi.Input[bool] = True


class Target(Protocol[Secrets]):
    """A place functions run: its rules, and how it declares a plan's secrets and a function's workload.

    `declare_secrets` runs once per stack (under the stack component); `declare_workload` once per
    function (under its component), given what `declare_secrets` returned.
    """

    @property
    def rules(self) -> TargetRules:
        """The target's names, units and limits, for the plan."""
        ...

    def declare_secrets(
        self, plan: DeployPlan, secret_values: SecretValues, parent: pulumi.Resource
    ) -> Secrets:
        """Declare the secrets of `plan` (and whatever they live in) as children of `parent`."""
        ...

    def declare_workload(
        self,
        fn: FunctionPlan,
        secrets: Secrets,
        rollout_checksum: pulumi.Output[str],
        opts: pulumi.ResourceOptions,
    ) -> DeployedFunction:
        """Declare the function's workload with `opts` (its parent, aliases); `rollout_checksum`
        changes when a secret it mounts does, for a target that must roll its pods then."""
        ...

    def declare_readiness(
        self,
        plan: DeployPlan,
        deployed: Mapping[str, DeployedFunction],
        secret_values: SecretValues,
        parent: pulumi.Resource,
    ) -> ReadinessGate:
        """What waits for the declared functions to be ready, if the target waits on its own;
        the checks run after it."""
        ...
