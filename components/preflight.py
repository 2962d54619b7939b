"""Every input check, in order, before a resource is declared: `preflight` returns what the
`OpenFaaSStack` component needs, or raises an `InputError` that names the fix."""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components import kubernetes
from components.check_config import CheckSpec, parse_checks, resolve_gateway
from components.errors import InputError
from components.exposure import (
    SecretExposed,
    config_places,
    find_exposures,
    header_problems,
    stack_password_warnings,
    stack_places,
)
from components.openfaas_stack import OpenFaaSStackArgs
from components.plan import DeployPlan, PlanError, dns_label_suggestion, make_plan
from components.redaction import SecretIndex, redactor
from components.settings import (
    SecretValues,
    Settings,
    check_route,
    read_settings,
    target_option_problems,
    target_secret_problems,
)
from components.stackfile import load_stack
from components.swarm import SwarmOptions


@dataclass(frozen=True)
class Inputs:
    """Checked inputs: the settings, the plan, the checks and every warning to show."""

    settings: Settings
    secret_values: SecretValues
    plan: DeployPlan
    checks: Mapping[str, CheckSpec]
    kubeconfig: str | None
    context: str | None
    warnings: tuple[str, ...]
    secret_kube_keys: frozenset[str] = frozenset()
    """The `kubernetes:` config keys ("kubeconfig", "context") set as secrets."""

    def stack_args(self, kubernetes_provider: pulumi.ProviderResource | None) -> OpenFaaSStackArgs:
        """The component's arguments, with the target options taken from the settings."""
        settings = self.settings
        return OpenFaaSStackArgs(
            plan=self.plan,
            secret_values=self.secret_values,
            checks=self.checks,
            kubernetes=kubernetes.KubernetesOptions(
                workload=settings.kubernetes_workload,
                skip_await=settings.skip_await,
                image_pull_policy=settings.image_pull_policy,
                ready_timeout=settings.ready_timeout,
                create_namespaces=settings.create_namespaces,
                adopt_secrets=settings.adopt_secrets,
                provider=kubernetes_provider,
            ),
            swarm=SwarmOptions(
                network=settings.swarm_network,
                published_ports=settings.published_ports,
                converge_timeout=settings.swarm_converge_timeout,
            ),
        )


# Shorter secret values are not redacted from messages: they would garble them (and are warned about).
MIN_REDACTED_CHARS = 8


def preflight(
    config: pulumi.Config, kube_config: pulumi.Config, project_dir: Path, env: Mapping[str, str]
) -> Inputs:
    """Read the config and the stack file, plan and parse the checks; raises `InputError`.

    Every message, error or warning, has the secret values redacted: a value can reach one by
    ways no single check foresees (a `${VAR}` that holds it, a key, a config setting).
    """
    redact = _secret_redactor(config)
    try:
        inputs = _preflight(config, kube_config, project_dir, env)
    except InputError as error:
        raise InputError([redact(problem) for problem in error.problems], redact(error.where)) from None
    return dataclasses.replace(inputs, warnings=tuple(redact(warning) for warning in inputs.warnings))


def _secret_redactor(config: pulumi.Config) -> Callable[[str], str]:
    """Redacts each value under the `secrets` config, read raw, before anything validates it."""
    try:
        raw = json.loads(pulumi.runtime.get_config(config.full_key("secrets")) or "null")
    except (TypeError, ValueError, RecursionError):
        raw = None
    values = [value for value in _texts(raw) if len(value.strip()) >= MIN_REDACTED_CHARS]
    # and the form a rename hint would propose for a function named with the value
    hints = [hint for hint in map(dns_label_suggestion, values) if len(hint) >= MIN_REDACTED_CHARS]
    return redactor([*values, *hints])


def _texts(value: object, depth: int = 0) -> Iterator[str]:
    """Every text a secrets config value holds, and what its `{base64: ...}` entries decode to."""
    if depth > 16:  # deeper is refused by read_settings
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "base64" and isinstance(inner, str):
                with contextlib.suppress(binascii.Error, ValueError):
                    yield base64.b64decode(inner, validate=False).decode("utf-8")
            yield from _texts(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner, depth + 1)


def _preflight(
    config: pulumi.Config, kube_config: pulumi.Config, project_dir: Path, env: Mapping[str, str]
) -> Inputs:
    settings, secret_values = read_settings(config, project_dir)
    # A secret's value pasted in plain text is refused first, so no later error can quote it: the
    # config's before the stack file is read (its errors may quote 'filter', 'regex', 'stackFile').
    secret_texts = secret_values.texts()
    index = SecretIndex(secret_texts)
    exposed, config_warnings = find_exposures(config_places(settings, env, index.holds), index)
    if exposed:
        raise SecretExposed(exposed)
    stack_file = load_stack(
        settings.stack_file, filter=settings.filter, regex=settings.regex, project=project_dir
    )
    exposed, stack_warnings = find_exposures(stack_places(stack_file, index.holds), index)
    if exposed:
        raise SecretExposed(exposed)
    plan = make_plan(
        stack_file,
        target=settings.target,
        default_namespace=settings.namespace,
        configured_secrets=settings.secret_files,
        empty_secrets=settings.empty_secrets,
        file_sizes=settings.secret_sizes,
    )
    kubeconfig, context = kube_config.get("kubeconfig"), kube_config.get("context")
    secret_kube_keys = frozenset(
        key for key in ("kubeconfig", "context") if pulumi.runtime.is_config_secret(kube_config.full_key(key))
    )
    check_cluster = check_route(settings, kubeconfig, context, env, secret=bool(secret_kube_keys))
    # Through the API server the gateway is not used, so a stack file's odd one does not matter.
    gateway = (
        resolve_gateway(settings.gateway, stack_file.provider.gateway, env) if check_cluster is None else ""
    )
    checks = parse_checks(
        settings.checks, functions=plan.functions, gateway=gateway, api_server=check_cluster
    )
    # Refuse before registering anything: options that do nothing, secrets that cannot be headers.
    option_errors, option_warnings = target_option_problems(settings, plan.functions)
    deployed_secrets = {secret.name for secret in plan.secrets.values()}
    secret_errors, secret_warnings = target_secret_problems(settings, deployed_secrets)
    if option_errors or secret_errors:
        raise PlanError(option_errors + secret_errors)
    exposed = header_problems(checks, secret_texts, settings.secret_files)
    if exposed:
        raise SecretExposed(exposed)
    if settings.target == "kubernetes":
        kubernetes.require_cluster(kubeconfig, context, env)
    warnings = (
        *settings.warnings,
        *stack_file.warnings,
        *plan.warnings,
        *option_warnings,
        *secret_warnings,
        *config_warnings,
        *stack_warnings,
        *stack_password_warnings(stack_file),
    )
    return Inputs(settings, secret_values, plan, checks, kubeconfig, context, warnings, secret_kube_keys)
