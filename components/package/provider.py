"""The package's provider: `OpenFaaSStack` for a program in any Pulumi language, and the resources
the component declares (the check, the readiness waits, the checksum key), served here.

`pulumi package add` runs `provider/__main__.py`, which calls `serve()`. The schema is inferred
from `OpenFaaSStackArgs` by the Pulumi SDK's analyzer, as for any Python component; the provider is
our own (`pulumi.provider.experimental.provider.Provider`) because the SDK's component host serves
`Construct` only, and the component's resources need `Create`, `Diff` and the rest.

Secrets: a construct input that arrives secret is passed on as secret (`secret_inputs`); the served
resources get plain values and give back as secret every output whose input held a secret, as the
engine does for a Python dynamic provider.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.errors import InputPropertiesError
from pulumi.provider.experimental import provider as rpc
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.schema import generate_schema
from pulumi.provider.experimental.server import main as serve_provider
from pulumi.runtime.rpc import UNKNOWN

from components.check.resource import InvokeCheck, InvokeCheckProvider
from components.errors import InputError
from components.openfaas_stack import OpenFaaSStack
from components.rollout_checksum import ChecksumKey, _ChecksumKeyProvider
from components.shared.served import PACKAGE, serve_from_package, served_type
from components.stack_args import INPUT_NAMES, OpenFaaSStackArgs
from components.targets.kubernetes.readiness import Readiness, ReadinessProvider
from components.targets.swarm.readiness import SwarmReadiness, SwarmReadinessProvider

VERSION = "0.1.0"
DESCRIPTION = (
    "OpenFaaS functions from a faas-cli stack.yaml, and the secrets they use, on Kubernetes or Docker Swarm"
)

# Each served resource's type and the code that serves it.
SERVED: Mapping[str, Callable[[], pulumi.dynamic.ResourceProvider]] = {
    served_type(InvokeCheck.__name__): InvokeCheckProvider,
    served_type(ChecksumKey.__name__): _ChecksumKeyProvider,
    served_type(Readiness.__name__): ReadinessProvider,
    served_type(SwarmReadiness.__name__): SwarmReadinessProvider,
}


def schema() -> dict[str, Any]:
    """The package's schema: `OpenFaaSStack` and its inputs and outputs, as the analyzer infers them."""
    found = Analyzer(PACKAGE).analyze([OpenFaaSStack])
    spec = generate_schema(
        PACKAGE,
        VERSION,
        None,
        found["component_definitions"],
        found["type_definitions"],
        sorted(found["dependencies"], key=lambda d: f"{d.name}{d.version}"),
    ).to_json()
    _tidy_descriptions(spec)
    spec.update(
        displayName="OpenFaaS stack",
        description=DESCRIPTION,
        keywords=["openfaas", "faas-cli", "kubernetes", "docker-swarm", "category/utility", "kind/component"],
    )
    return spec


def _tidy_descriptions(node: Any, inner: bool = False) -> None:
    """Docstrings' indentation out of every description (the analyzer keeps it), and none on a
    list's items or a map's values (the analyzer repeats the property's there; Pulumi drops them)."""
    if isinstance(node, dict):
        if inner:
            node.pop("description", None)
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                node[key] = inspect.cleandoc(value)
            else:
                _tidy_descriptions(value, key in ("items", "additionalProperties"))
    elif isinstance(node, list):
        for item in node:
            _tidy_descriptions(item)


class OpenFaaSStackProvider(rpc.Provider):
    """Constructs `OpenFaaSStack` and serves the resources it declares."""

    def __init__(self) -> None:
        self._schema = json.dumps(schema(), sort_keys=True)

    async def get_schema(self, request: rpc.GetSchemaRequest) -> rpc.GetSchemaResponse:
        return rpc.GetSchemaResponse(schema=self._schema)

    async def check_config(self, request: rpc.CheckRequest) -> rpc.CheckResponse:
        return rpc.CheckResponse(inputs=request.new_inputs)

    async def diff_config(self, request: rpc.DiffRequest) -> rpc.DiffResponse:
        return rpc.DiffResponse(changes=False)

    async def configure(self, request: rpc.ConfigureRequest) -> rpc.ConfigureResponse:
        # Secrets arrive marked, so construct can pass each on as one; no Create runs at preview.
        return rpc.ConfigureResponse(accept_secrets=True, supports_preview=False, accept_resources=True)

    async def construct(self, request: rpc.ConstructRequest) -> rpc.ConstructResponse:
        if request.resource_type != served_type(OpenFaaSStack.__name__):
            raise _refused(f"{PACKAGE} has no component {request.resource_type!r}")
        problem = input_problem(request.inputs)
        if problem:
            raise _refused(problem)
        values = {key: plain(value) for key, value in request.inputs.items() if key in INPUT_NAMES}
        secret = frozenset(key for key, value in request.inputs.items() if value.contains_secret())
        args = OpenFaaSStackArgs(**{INPUT_NAMES[key]: value for key, value in values.items()})
        try:
            component = OpenFaaSStack(request.name, args, request.options, secret_inputs=secret)
        except InputError as error:
            raise _refused(_for_inputs(str(error))) from None
        try:
            state = {
                "functions": await _property(component.functions),
                "secrets": await _property(component.secrets),
            }
        except pulumi.RunError as error:  # the functions are not ready: the reasons alone
            raise _refused(str(error)) from None
        urn = await component.urn.future()
        dependencies = {key: set(value.dependencies) for key, value in state.items()}
        return rpc.ConstructResponse(urn=str(urn), state=state, state_dependencies=dependencies)

    async def check(self, request: rpc.CheckRequest) -> rpc.CheckResponse:
        served = _served(request.urn)
        news = {key: plain(value) for key, value in request.new_inputs.items()}
        result = served.check({key: plain(value) for key, value in request.old_inputs.items()}, news)
        failures = [rpc.CheckFailure(f.property, f.reason) for f in result.failures]
        return rpc.CheckResponse(inputs=_marked(result.inputs, request.new_inputs), failures=failures)

    async def diff(self, request: rpc.DiffRequest) -> rpc.DiffResponse:
        served = _served(request.urn)
        olds = {key: plain(value) for key, value in request.old_state.items()}
        news = {key: plain(value) for key, value in request.new_inputs.items()}
        result = served.diff(request.resource_id, olds, news)
        return rpc.DiffResponse(
            changes=result.changes,
            replaces=result.replaces or [],
            stables=result.stables or [],
            delete_before_replace=bool(result.delete_before_replace),
        )

    async def create(self, request: rpc.CreateRequest) -> rpc.CreateResponse:
        served = _served(request.urn)
        props = {key: plain(value) for key, value in request.properties.items()}
        result = await asyncio.to_thread(served.create, props)
        return rpc.CreateResponse(
            resource_id=result.id, properties=_marked(result.outs or {}, request.properties)
        )

    async def update(self, request: rpc.UpdateRequest) -> rpc.UpdateResponse:
        served = _served(request.urn)
        olds = {key: plain(value) for key, value in request.olds.items()}
        news = {key: plain(value) for key, value in request.news.items()}
        result = await asyncio.to_thread(served.update, request.resource_id, olds, news)
        return rpc.UpdateResponse(properties=_marked(result.outs or {}, request.news))

    async def read(self, request: rpc.ReadRequest) -> rpc.ReadResponse:
        """Nothing to read back: the state is what the last create or update found."""
        return rpc.ReadResponse(
            resource_id=request.resource_id, properties=request.properties, inputs=request.inputs
        )

    async def delete(self, request: rpc.DeleteRequest) -> None:
        served = _served(request.urn)
        props = {key: plain(value) for key, value in request.properties.items()}
        await asyncio.to_thread(served.delete, request.resource_id, props)


def _refused(message: str) -> InputPropertiesError:
    """An error the engine shows as it is, without a traceback."""
    # (the SDK builds the gRPC status's metadata only when given a list of property errors)
    return InputPropertiesError(message, [])


def _served(urn: str) -> pulumi.dynamic.ResourceProvider:
    """The code serving the resource `urn` names (its type is the last in the URN's type chain)."""
    resource_type = urn.split("::")[2].split("$")[-1]
    if resource_type not in SERVED:
        raise _refused(f"{PACKAGE} serves no resource of type {resource_type!r}")
    return SERVED[resource_type]()


def plain(value: PropertyValue) -> Any:
    """The Python value of `value`, secrets unwrapped (whole numbers as `int`, unknowns as the
    `UNKNOWN` sentinel)."""
    inner = value.value
    if isinstance(inner, Computed):
        return UNKNOWN  # what a Python dynamic provider is given for an unknown value
    if isinstance(inner, Mapping):
        return {key: plain(item) for key, item in inner.items()}
    if isinstance(inner, tuple):
        return [plain(item) for item in inner]
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    return inner


def input_problem(inputs: Mapping[str, PropertyValue]) -> str | None:
    """What is wrong with the component's inputs as they come from another language's program,
    before the component checks their values: unknown values, no program folder, plain secrets."""
    unknown = sorted(key for key, value in inputs.items() if _has_unknown(value))
    if unknown:
        return (
            f"input {', '.join(unknown)}: known only after another resource is created; "
            "OpenFaaSStack checks every input before it registers anything, so give values "
            "known when the program runs (config, literals)"
        )
    folder = plain(inputs.get("projectDir", PropertyValue(None)))
    if not isinstance(folder, str) or not os.path.isabs(folder):
        return (
            "input 'projectDir' must be your program's folder, as an absolute path: the package's "
            "provider runs in its own folder, so relative paths (stackFile, fromFile) are read from "
            "projectDir; give `${pulumi.cwd}` in Pulumi YAML, `process.cwd()` in TypeScript, "
            "`os.Getwd()` in Go"
        )
    shown = _plain_secret_values(inputs.get("secrets", PropertyValue(None)), "secrets")
    if shown:
        return (
            f"input {', '.join(shown)} is not a secret, so its value would be stored in plain text: "
            "pass a secret, such as `${apiKey}` of a config value set with "
            "`pulumi config set --secret apiKey <value>` (or `fn::secret`)"
        )
    return None


def _for_inputs(message: str) -> str:
    """`message`, and how to read what it says of config when the inputs come from a program."""
    if "config '" not in message:
        return message
    return (
        f"{message}\n(each config key named here is the OpenFaaSStack input of the same name: set it "
        "in your program, where this says `pulumi config set`)"
    )


def _plain_secret_values(value: PropertyValue, path: str) -> list[str]:
    """The places under `secrets` holding a value that did not arrive secret (a `fromFile` path
    is not a value)."""
    if value.is_secret:
        return []
    inner = value.value
    if isinstance(inner, Mapping):
        return [
            found
            for key, item in inner.items()
            if key != "fromFile"
            for found in _plain_secret_values(item, f"{path}.{key}")
        ]
    if isinstance(inner, tuple):
        return [found for i, item in enumerate(inner) for found in _plain_secret_values(item, f"{path}[{i}]")]
    return [] if inner is None else [f"'{path}'"]


def _has_unknown(value: PropertyValue) -> bool:
    inner = value.value
    if isinstance(inner, Computed):
        return True
    if isinstance(inner, Mapping):
        return any(_has_unknown(item) for item in inner.values())
    if isinstance(inner, tuple):
        return any(_has_unknown(item) for item in inner)
    return False


def to_property(value: Any, secret: bool = False) -> PropertyValue:
    """`value` as a property value, `secret` at the top (the unknown sentinel stays one)."""
    if isinstance(value, Mapping):
        return PropertyValue({str(k): to_property(v) for k, v in value.items()}, secret)
    if isinstance(value, (list, tuple)):
        return PropertyValue([to_property(item) for item in value], secret)
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value), secret)
    return PropertyValue(value, secret)


def _marked(outs: Mapping[str, Any], inputs: Mapping[str, PropertyValue]) -> dict[str, PropertyValue]:
    """`outs` as property values, secret where the same input held a secret."""
    return {
        key: to_property(value, key in inputs and inputs[key].contains_secret())
        for key, value in outs.items()
    }


async def _property(output: pulumi.Output[Any]) -> PropertyValue:
    """A component output as a property value: its value (unknown at preview if so), secrecy and
    dependencies."""
    known = await output.is_known()
    value = await output.future() if known else None
    urns = [str(await resource.urn.future()) for resource in await output.resources()]
    # (the SDK cannot marshal `PropertyValue.computed()`; the engine reads this sentinel as unknown)
    prop = to_property(value) if known else PropertyValue(UNKNOWN)
    return prop.with_secret(await output.is_secret()).with_dependencies(urns)


def serve() -> None:
    """Run the provider (the plugin's entry point)."""
    serve_from_package()
    serve_provider(sys.argv[1:], VERSION, OpenFaaSStackProvider())
