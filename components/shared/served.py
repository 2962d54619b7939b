"""Resources the project serves itself: a Python dynamic resource in a Python program, the package's
own resource when the component runs in the package's provider (`components.package`).

Another language's program cannot run a Python dynamic provider (the engine serves one with the
program's own language host), so there the provider that constructs the component serves these
resources too, as `openfaas-stack:index:<kind>`, with the same `ResourceProvider` code. A Python
program keeps its dynamic resources: their providers are pickled, by module path, in its state.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic

PACKAGE = "openfaas-stack"

_serving: list[bool] = [False]


def serve_from_package() -> None:
    """Declare served resources as the package's own from now on (the package's provider process)."""
    _serving[0] = True


def served_type(kind: str) -> str:
    """The type token of the served resource `kind` (its class name)."""
    return f"{PACKAGE}:index:{kind}"


class ServedResource(pulumi.dynamic.Resource):
    """A resource whose CRUD is a `ResourceProvider` of this project, wherever the program runs."""

    def __init__(
        self,
        provider: pulumi.dynamic.ResourceProvider,
        name: str,
        props: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if _serving[0]:
            pulumi.CustomResource.__init__(self, served_type(type(self).__name__), name, props, opts)
        else:
            super().__init__(provider, name, props, opts)
