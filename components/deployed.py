"""What a target declares for one function: the common shape both targets take and return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi

from components.plan import FunctionPlan


@dataclass(frozen=True)
class DeployedFunction:
    """The function's workload resources and the secret resources it mounts."""

    workloads: tuple[pulumi.CustomResource, ...]
    secrets: tuple[pulumi.CustomResource, ...]

    @property
    def resources(self) -> list[pulumi.Resource]:
        """Everything the function needs in place, e.g. for `depends_on`."""
        return [*self.workloads, *self.secrets]


DeclareWorkload = Callable[[FunctionPlan, pulumi.ResourceOptions], DeployedFunction]
"""Declares one function's workload with the given options (its parent, aliases)."""
