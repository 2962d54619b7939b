"""Stage 2: the program's settings as plain values (`Settings`), and the rules that need only them.

`components/config.py` fills them in from the Pulumi stack config; nothing here reads config.
Secret values are not here: `Settings` carries their names and sizes (`SecretValues` the values).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from components.errors import InputError
from components.shared.kubeconfig import ClusterAccess, is_inline_kubeconfig
from components.targets import RULES

WORKLOADS = ("deployment", "function-crd")


PULL_POLICIES = ("Always", "IfNotPresent", "Never")


CHECK_ROUTES = ("auto", "gateway", "kubernetes-api")


EDITIONS = ("auto", "ce", "pro", "none")


class ConfigError(InputError):
    """Stack config that cannot be used; the message names the config file, the key and the fix."""

    def __init__(self, config_file: str, message: str) -> None:
        super().__init__(message, config_file)


@dataclass(frozen=True)
class Settings:
    """Everything the program takes from `pulumi config`, except secret values."""

    target: str = "kubernetes"
    stack_file: Path = Path("stack.yaml")
    namespace: str = "openfaas-fn"
    gateway: str = ""
    filter: str = ""
    regex: str = ""
    secret_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    secret_sizes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    empty_secrets: frozenset[str] = frozenset()
    kubernetes_workload: str = "deployment"
    skip_await: bool = False
    image_pull_policy: str = "Always"
    ready_timeout: str = "5m"
    check_via: str = "auto"
    create_namespaces: bool = False
    adopt_secrets: frozenset[str] = frozenset()
    adopt_functions: frozenset[str] = frozenset()
    """`adoptFunctions` as a list: the functions whose existing Deployment and Service are imported."""
    adopt_all_functions: bool = False
    """`adoptFunctions: all`: every deployed function's existing Deployment and Service."""
    openfaas_edition: str = "auto"
    openfaas_namespace: str = "openfaas"
    swarm_network: str = ""
    swarm_converge_timeout: str = "2m"
    published_ports: Mapping[str, int] = field(default_factory=dict)
    checks: object = None
    set_keys: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()
    kubeconfig: str | None = None
    """`kubernetes:kubeconfig`, the Kubernetes provider's own config: a path or the content."""
    kube_context: str | None = None
    """`kubernetes:context`."""
    secret_kube_keys: frozenset[str] = frozenset()
    """The `kubernetes:` config keys ("kubeconfig", "context") set as secrets."""
    docker_host: str = "unix:///var/run/docker.sock"
    """The Docker daemon the Swarm target's provider talks to: `docker:host`, else `$DOCKER_HOST`."""


def check_route(
    settings: Settings,
    kubeconfig: str | None,
    context: str | None,
    env: Mapping[str, str],
    *,
    secret: bool = False,
) -> ClusterAccess | None:
    """The cluster the checks go through (the API server's service proxy), or None for the gateway.

    `auto`: on Kubernetes the API server, unless the `gateway` config or `$OPENFAAS_URL` names a
    gateway (a stack file's `provider.gateway` is mostly faas-cli's port-forward default).
    `secret`: the kubeconfig path or the context is secret config.
    """
    via = settings.check_via
    if via == "auto":
        named = settings.gateway or env.get("OPENFAAS_URL")
        via = "kubernetes-api" if settings.target == "kubernetes" and not named else "gateway"
    if via != "kubernetes-api":
        return None
    access = cluster_access(kubeconfig, context, secret)
    if access is None:
        raise ConfigError(
            config_file(),
            "the invoke checks go through the Kubernetes API server, which needs "
            "'kubernetes:kubeconfig' to be a file path, not the kubeconfig's content (its "
            "credentials would be stored in the check's state): set it to a path, or set "
            "`pulumi config set checkVia gateway` and a `gateway`",
        )
    return access


def cluster_access(kubeconfig: str | None, context: str | None, secret: bool) -> ClusterAccess | None:
    """What a process outside the provider (a check, the readiness wait) reads the cluster with:
    the kubeconfig file and context; None for a kubeconfig given as content, whose credentials it
    would have to store."""
    if is_inline_kubeconfig(kubeconfig):
        return None
    return ClusterAccess(kubeconfig or "", context or "", secret)


def target_option_problems(settings: Settings, functions: Collection[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for target options that do nothing: set for the other target, naming
    a function or secret that is not deployed, or publishing one host port twice.

    `functions` are the functions deployed. A name that matches nothing is an error, or only a
    warning when `filter`/`regex` may have left it out.
    """
    errors: list[str] = []
    warnings: list[str] = []
    chosen = RULES[settings.target]
    for other in RULES.values():
        for key in other.config_keys if other is not chosen else ():
            if key in settings.set_keys:
                warnings.append(
                    f"{config_file()}: config '{key}' has no effect on {chosen.title} (it is for "
                    f"target {other.name}): remove it with `pulumi config rm {key}`"
                )
    filtered = bool(settings.filter or settings.regex)
    report = warnings if filtered else errors
    why = " (left out by 'filter'/'regex'?)" if filtered else ""
    if settings.target == "swarm":
        by_port: dict[int, list[str]] = {}
        for name, port in sorted(settings.published_ports.items()):
            by_port.setdefault(port, []).append(name)
            if name not in functions:
                report.append(
                    f"{config_file()}: config 'publishedPorts.{name}': no function {name!r} is "
                    f"deployed{why}; "
                    f"remove it with `pulumi config rm --path 'publishedPorts.{name}'`"
                )
        for port, names in sorted(by_port.items()):
            if len(names) > 1:
                errors.append(
                    f"{config_file()}: config 'publishedPorts': functions {', '.join(names)} publish the "
                    f"same host port {port}; a host port can be published once: give each its own"
                )
    return errors, warnings


def target_secret_problems(settings: Settings, secrets: Collection[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for `adoptSecrets` entries naming a secret that is not deployed."""
    if settings.target != "kubernetes":
        return [], []
    filtered = bool(settings.filter or settings.regex)
    problems: list[str] = []
    for name in sorted(settings.adopt_secrets - set(secrets)):
        problems.append(
            f"{config_file()}: config 'adoptSecrets' names {name!r}, a secret no deployed function uses"
            + (" (left out by 'filter'/'regex'?)" if filtered else "")
            + ": remove it from the list"
        )
    return ([], problems) if filtered else (problems, [])


def adopted_functions(settings: Settings, functions: Collection[str]) -> frozenset[str]:
    """The deployed functions `adoptFunctions` names (`all`: every one)."""
    if settings.adopt_all_functions:
        return frozenset(functions)
    return settings.adopt_functions & frozenset(functions)


def adopt_function_problems(settings: Settings, functions: Collection[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for `adoptFunctions` on Kubernetes (elsewhere it is one of the options
    that do nothing): the Deployments faas-cli made, of functions the stack deploys."""
    if settings.target != "kubernetes" or not (settings.adopt_functions or settings.adopt_all_functions):
        return [], []
    if settings.kubernetes_workload != "deployment":
        return [
            f"{config_file()}: config 'adoptFunctions' adopts the Deployments and Services faas-cli "
            "deployed; with 'kubernetesWorkload: function-crd' the OpenFaaS operator makes them: "
            "remove one of the two settings"
        ], []
    filtered = bool(settings.filter or settings.regex)
    problems = [
        f"{config_file()}: config 'adoptFunctions' names {name!r}, a function the stack does not deploy"
        + (" (left out by 'filter'/'regex'?)" if filtered else "")
        + ": remove it from the list"
        for name in sorted(settings.adopt_functions - set(functions))
    ]
    return ([], problems) if filtered else (problems, [])


def config_file() -> str:
    """The stack's config file, as messages name it."""
    return f"Pulumi.{pulumi.get_stack()}.yaml"
