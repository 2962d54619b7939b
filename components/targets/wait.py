"""What every target's readiness wait shares: its dynamic provider's life cycle, what it redacts,
what it waits after, and how a failed wait ends the update.

A wait is one dynamic resource per stack (`kubernetes.readiness.Readiness`,
`swarm.readiness.SwarmReadiness`): it waits on create and update, never on diff, and reports a
function that is not ready as an output (`failures`), not an exception, so the user reads the
reason without a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic

from components.plan import DeployPlan
from components.shared.secret_values import SecretValues
from components.shared.served import ServedResource
from components.targets.base import DeployedFunction


class WaitProvider(pulumi.dynamic.ResourceProvider):
    """Waits on create and update (`wait`); diff compares `PROPS`, never touching the network."""

    PROPS: tuple[str, ...] = ()
    """The inputs whose change means waiting again."""

    def wait(self, news: Mapping[str, Any], olds: Mapping[str, Any] | None) -> dict[str, Any]:
        """Wait; the outputs, with `failures` ("" when every function is ready)."""
        raise NotImplementedError

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        """A changed input is an update: wait again; so is a wait that failed last time (the next
        `up` must not pass on its old outputs)."""
        changed = [key for key in self.PROPS if olds.get(key) != news.get(key)]
        return pulumi.dynamic.DiffResult(
            changes=bool(changed or olds.get("failures")), replaces=[], stables=[]
        )

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(id_="readiness", outs=self.wait(props, None))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self.wait(news, olds))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo."""


class WaitResource(ServedResource):
    """A wait's resource: its `failures` and whether it `passed`."""

    failures: pulumi.Output[str]
    """Why functions are not ready, one a line; empty when all are."""

    @property
    def passed(self) -> pulumi.Output[bool]:
        """True once every function is ready; raises `pulumi.RunError` with the reasons when one is
        not, which fails the update with that message alone."""
        return self.failures.apply(passed)


def mounted_secret_texts(plan: DeployPlan, secret_values: SecretValues) -> list[pulumi.Output[str]]:
    """The text of every secret file a function mounts: what a wait's messages must not show."""
    names = sorted({secret.name for fn in plan.functions.values() for secret in fn.secrets})
    return [text for name in names for text in secret_values.file_texts(name)]


def after_every_workload(
    deployed: Mapping[str, DeployedFunction], parent: pulumi.Resource
) -> pulumi.ResourceOptions:
    """A wait's options: the stack's child, after every function's workload."""
    return pulumi.ResourceOptions(
        parent=parent, depends_on=[r for fn in deployed.values() for r in fn.resources]
    )


def passed(failures: str | None) -> bool:
    """True for a wait without failures; raises `pulumi.RunError` with them otherwise, which fails
    the update with that message alone."""
    if failures:
        raise pulumi.RunError(failures)
    return True
