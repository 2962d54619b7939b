"""The program's Pulumi stack config, read and checked in one place.

Secret values leave this module only as secret Outputs; the plain `Settings` carries their names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from components.plan import TARGETS
from components.stackfile import default_stack_path

WORKLOADS = ("deployment", "function-crd")


class ConfigError(ValueError):
    """Stack config that cannot be used; the message says which key and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything the program takes from `pulumi config`, except secret values."""

    target: str = "kubernetes"
    stack_file: Path = Path("stack.yaml")
    namespace: str = "openfaas-fn"
    gateway: str = ""
    filter: str = ""
    regex: str = ""
    secret_names: frozenset[str] = frozenset()
    empty_secrets: frozenset[str] = frozenset()
    kubernetes_workload: str = "deployment"
    skip_await: bool = False
    create_namespaces: bool = False
    swarm_network: str = ""
    published_ports: Mapping[str, int] = field(default_factory=dict)
    checks: object = None


def read_settings(config: pulumi.Config, project_dir: Path) -> tuple[Settings, dict[str, pulumi.Output[str]]]:
    """Read the project's config; returns the settings and each secret as a secret Output."""
    target = config.get("target") or "kubernetes"
    if target not in TARGETS:
        raise ConfigError(
            f"config 'target' is {target!r}; it must be one of {', '.join(TARGETS)}: "
            "run `pulumi config set target kubernetes` (or `swarm`)"
        )
    stack_file = config.get("stackFile")
    workload = config.get("kubernetesWorkload") or "deployment"
    if workload not in WORKLOADS:
        raise ConfigError(
            f"config 'kubernetesWorkload' is {workload!r}; it must be one of {', '.join(WORKLOADS)}"
        )
    secrets = _read_secrets(config)
    settings = Settings(
        target=target,
        stack_file=project_dir / stack_file if stack_file else default_stack_path(project_dir),
        namespace=config.get("namespace") or "openfaas-fn",
        gateway=config.get("gateway") or "",
        filter=config.get("filter") or "",
        regex=config.get("regex") or "",
        secret_names=frozenset(secrets),
        empty_secrets=frozenset(name for name, value in secrets.items() if value == ""),
        kubernetes_workload=workload,
        skip_await=_bool(config, "skipAwait"),
        create_namespaces=_bool(config, "createNamespaces"),
        swarm_network=config.get("swarmNetwork") or "",
        published_ports=_ports(config),
        checks=_object(config, "checks"),
    )
    return settings, {name: pulumi.Output.secret(value) for name, value in secrets.items()}


def _read_secrets(config: pulumi.Config) -> dict[str, str]:
    key = config.full_key("secrets")
    try:
        parsed = json.loads(pulumi.runtime.get_config(key) or "{}")
    except (TypeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        raise ConfigError(
            "config 'secrets' must be an object of OpenFaaS secret name -> value: set each one with "
            "`pulumi config set --secret --path 'secrets.<name>' <value>`"
        )
    if parsed and not pulumi.runtime.is_config_secret(key):
        raise ConfigError(
            "config 'secrets' is stored in plain text in the stack's config file: remove it with "
            "`pulumi config rm secrets` and set each value with "
            "`pulumi config set --secret --path 'secrets.<name>' <value>`"
        )
    for name, value in parsed.items():
        if not isinstance(value, str):
            raise ConfigError(
                f"config 'secrets.{name}' must be a string: "
                f"run `pulumi config set --secret --path 'secrets.{name}' <value>`"
            )
    return parsed


def _bool(config: pulumi.Config, key: str) -> bool:
    try:
        return bool(config.get_bool(key))
    except pulumi.ConfigTypeError:
        raise ConfigError(f"config '{key}' must be true or false") from None


def _object(config: pulumi.Config, key: str) -> object:
    try:
        return config.get_object(key)
    except pulumi.ConfigTypeError:
        raise ConfigError(f"config '{key}' must be an object (set it with --path)") from None


def _ports(config: pulumi.Config) -> dict[str, int]:
    raw = _object(config, "publishedPorts") or {}
    ports: dict[str, int] = {}
    if isinstance(raw, dict):
        for name, port in raw.items():
            if isinstance(port, (int, str)) and str(port).isdigit() and 0 < int(port) < 65536:
                ports[name] = int(port)
    if not isinstance(raw, dict) or len(ports) != len(raw):
        raise ConfigError(
            "config 'publishedPorts' must map function names to host ports, e.g. "
            "`pulumi config set --path 'publishedPorts.protectedapi' 8081`"
        )
    return ports
