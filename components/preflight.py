"""Every input check, in order, before a resource is declared: `preflight` returns what the
`OpenFaaSStack` component needs, or raises an `InputError` that names the fix."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components import kubernetes
from components.check_config import CheckSpec, parse_checks, resolve_gateway
from components.exposure import (
    SecretExposed,
    config_places,
    find_exposures,
    header_problems,
    stack_password_warnings,
    stack_places,
)
from components.openfaas_stack import OpenFaaSStackArgs
from components.plan import DeployPlan, PlanError, make_plan
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


def preflight(
    config: pulumi.Config, kube_config: pulumi.Config, project_dir: Path, env: Mapping[str, str]
) -> Inputs:
    """Read the config and the stack file, plan and parse the checks; raises `InputError`."""
    settings, secret_values = read_settings(config, project_dir)
    stack_file = load_stack(
        settings.stack_file, filter=settings.filter, regex=settings.regex, project=project_dir
    )
    # A secret's value pasted in plain text is refused first, so no later error can quote it.
    secret_texts = secret_values.texts()
    places = itertools.chain(config_places(settings.checks, settings.gateway, env), stack_places(stack_file))
    exposed, exposure_warnings = find_exposures(places, secret_texts)
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
        *exposure_warnings,
        *stack_password_warnings(stack_file),
    )
    return Inputs(settings, secret_values, plan, checks, kubeconfig, context, warnings, secret_kube_keys)
