"""The stack file's schema, after openfaas/go-sdk `stack/schema.go`: one frozen dataclass per
YAML object, its attributes named after the keys. Knows nothing of YAML reading or of Pulumi.

A new function key is one `Function` field, read by its type (`reader.StackReader.function`) and known
to the unknown-key check (`FUNCTION_KEYS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path

# `typing` only for the type checker: every process that reads a stack file imports this (issue 23)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SUPPORTED_VERSIONS = ("1.0",)
DEFAULT_STACK_FILES = ("stack.yaml", "stack.yml")
STACK_FILE_LIMIT = 8 * 1024 * 1024
ENVIRONMENT_FILE_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Provider:
    """`provider:`: who deploys (`openfaas`) and the gateway's URL, if given."""

    name: str
    gateway: str = ""


@dataclass(frozen=True)
class FunctionResources:
    """`limits:` / `requests:` of a function, in OpenFaaS units (`128Mi`, `100m`)."""

    memory: str = ""
    cpu: str = ""


@dataclass(frozen=True)
class TemplateSource:
    """One entry of `configuration.templates` (build time only)."""

    name: str
    source: str = ""


@dataclass(frozen=True)
class StackConfiguration:
    """`configuration:` (build time only)."""

    templates: tuple[TemplateSource, ...] = ()
    copy: tuple[str, ...] = ()


@dataclass(frozen=True)
class Function:
    """One entry of `functions:`; attributes are named after the YAML keys.

    `environment` already holds the `environment_file` values merged over it (later files win).
    `constraints`, `limits` and `requests` are None when the key is absent, as in go-sdk.
    """

    name: str
    line: int
    image: str = ""
    lang: str = ""
    handler: str = ""
    fprocess: str = ""
    environment: Mapping[str, str] = field(default_factory=dict)
    environment_file: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    constraints: tuple[str, ...] | None = None
    limits: FunctionResources | None = None
    requests: FunctionResources | None = None
    readonly_root_filesystem: bool = False
    namespace: str = ""
    skip_build: bool = False
    build_options: tuple[str, ...] = ()
    build_args: Mapping[str, str] = field(default_factory=dict)
    build_secrets: Mapping[str, str] = field(default_factory=dict)
    platforms: str = ""

    @property
    def resource_kinds(self) -> tuple[tuple[str, FunctionResources | None], ...]:
        """`(("limits", limits), ("requests", requests))`, for the rules that apply to both."""
        return (("limits", self.limits), ("requests", self.requests))


@dataclass(frozen=True)
class StackFile:
    """A parsed stack file. `warnings` are things a user should fix that faas-cli accepts."""

    path: Path
    provider: Provider
    functions: Mapping[str, Function]
    version: str = ""
    configuration: StackConfiguration = StackConfiguration()
    warnings: tuple[str, ...] = ()


def yaml_keys(schema: type, *not_keys: str) -> tuple[str, ...]:
    """The YAML keys of a schema dataclass: its fields, named after the keys, but `not_keys`."""
    return tuple(f.name for f in fields(schema) if f.name not in not_keys)


FUNCTION_KEYS = yaml_keys(Function, "name", "line")


def field_default(schema_field: Field[Any]) -> object:
    """A schema field's default value (a fresh one for a `default_factory`)."""
    if schema_field.default is MISSING:
        return schema_field.default_factory()  # type: ignore[operator]
    return schema_field.default


REMOVED_KEYS = {
    "network": "a Docker Swarm key faas-cli removed in 2021",
    "registry_auth": "a Docker Swarm key faas-cli removed in 2021",
}
TOP_KEYS = yaml_keys(StackFile, "path", "warnings")
PROVIDER_KEYS = yaml_keys(Provider)
RESOURCE_KEYS = yaml_keys(FunctionResources)


def default_stack_path(directory: Path | str = ".") -> Path:
    """`stack.yaml` if it exists, else `stack.yml`, as faas-cli picks its default file."""
    folder = Path(directory)
    for name in DEFAULT_STACK_FILES:
        if (folder / name).exists():
            return folder / name
    return folder / DEFAULT_STACK_FILES[0]


def image_reference(image: str) -> str:
    """The image as faas-cli deploys it: `:latest` added when the last part has no tag."""
    return image if ":" in image.rsplit("/", 1)[-1] else image + ":latest"
