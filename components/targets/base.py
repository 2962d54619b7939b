"""What every target implements (`Target`) and what it returns for one function (`DeployedFunction`)."""

from __future__ import annotations

import asyncio
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
    """What waits for a stack's functions to be ready: an Output that resolves once all are ready
    (and fails the update, naming each function that is not, with the target's own reasons).

    A check takes it as an input, so it is registered only once the gate has resolved. The gate
    carries no resource dependency (`ordering_only`): the SDK's cycle check walks a dependency's
    whole graph once per dependent, and the one readiness resource depends on every function, so
    N checks depending on it cost N x N steps (200 s at 5,000 functions).
    """

    passed: pulumi.Input[bool] = True


def ordering_only(output: pulumi.Output[bool]) -> pulumi.Output[bool]:
    """`output`'s value, known-ness and secrecy without the resources it depends on: an input
    that orders a registration after it resolves without a dependency edge in the graph."""
    loop = asyncio.get_event_loop()
    value: asyncio.Future[bool] = loop.create_future()
    known: asyncio.Future[bool] = loop.create_future()
    secret: asyncio.Future[bool] = loop.create_future()

    async def resolve() -> None:
        try:
            value.set_result(await output.future(with_unknowns=True))  # type: ignore[arg-type]
            known.set_result(await output.is_known())
            secret.set_result(await output.is_secret())
        except Exception as error:
            # only the value carries the error (the Output awaits it first); the others settle so
            # that nothing is left unawaited
            value.set_exception(error)
            known.set_result(False)
            secret.set_result(False)

    task = asyncio.ensure_future(resolve())
    _PENDING.add(task)  # the loop keeps only a weak reference to a task
    task.add_done_callback(_PENDING.discard)
    return pulumi.Output(set(), value, known, secret)


_PENDING: set[asyncio.Task[None]] = set()


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
