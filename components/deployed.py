"""What a target declared for one function: the common shape both targets return."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class DeployedFunction:
    """The function's workload resources and the secret resources it mounts."""

    workloads: tuple[pulumi.CustomResource, ...]
    secrets: tuple[pulumi.CustomResource, ...]

    @property
    def resources(self) -> list[pulumi.Resource]:
        """Everything the function needs in place, e.g. for `depends_on`."""
        return [*self.workloads, *self.secrets]
