"""Deploy the functions of an OpenFaaS stack file, and the secrets they use, with Pulumi."""

from __future__ import annotations

import itertools
import os
import signal
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.checks import CheckConfigError, parse_checks, resolve_gateway
from components.cluster import ClusterUnreachable, KubeconfigError, api_server, require_reachable
from components.exposure import (
    SecretExposed,
    config_places,
    find_exposures,
    header_problems,
    stack_password_warnings,
    stack_places,
)
from components.kubernetes import KubernetesOptions
from components.openfaas_stack import OpenFaaSStack, OpenFaaSStackArgs
from components.plan import PlanError, make_plan
from components.settings import (
    ConfigError,
    check_route,
    read_settings,
    target_option_problems,
    target_secret_problems,
)
from components.stackfile import StackFileError, load_stack
from components.swarm import SwarmOptions

# When an update fails the engine interrupts the program; die of the signal, as other programs
# do, instead of printing a KeyboardInterrupt traceback that buries the real error.
signal.signal(signal.SIGINT, signal.SIG_DFL)

try:
    settings, secret_values = read_settings(pulumi.Config(), Path.cwd())
    stack_file = load_stack(
        settings.stack_file, filter=settings.filter, regex=settings.regex, project=Path.cwd()
    )
    # A secret's value pasted in plain text is refused first, so no later error can quote it.
    secret_texts = secret_values.texts()
    places = itertools.chain(
        config_places(settings.checks, settings.gateway, os.environ), stack_places(stack_file)
    )
    exposed, exposure_warnings = find_exposures(places, secret_texts)
    if exposed:
        raise SecretExposed("\n".join(exposed))
    plan = make_plan(
        stack_file,
        target=settings.target,
        default_namespace=settings.namespace,
        configured_secrets=settings.secret_files,
        empty_secrets=settings.empty_secrets,
        file_sizes=settings.secret_sizes,
    )
    kube_config = pulumi.Config("kubernetes")
    check_cluster = check_route(
        settings, kube_config.get("kubeconfig"), kube_config.get("context"), os.environ
    )
    # Through the API server the gateway is not used, so a stack file's odd one does not matter.
    gateway = (
        resolve_gateway(settings.gateway, stack_file.provider.gateway, os.environ)
        if check_cluster is None
        else ""
    )
    checks = parse_checks(
        settings.checks, functions=plan.functions, gateway=gateway, api_server=check_cluster
    )
    # Refuse before registering anything: options that do nothing, secrets that cannot be headers.
    option_errors, option_warnings = target_option_problems(settings, plan.functions)
    deployed_secrets = {secret.name for secret in plan.secrets.values()}
    secret_errors, secret_warnings = target_secret_problems(settings, deployed_secrets)
    if option_errors or secret_errors:
        raise PlanError("\n".join(option_errors + secret_errors))
    exposed = header_problems(checks, secret_texts, settings.secret_files)
    if exposed:
        raise SecretExposed("\n".join(exposed))
    if settings.target == "kubernetes":
        # The provider would preview an unreachable cluster as empty; say so before a review.
        cluster = api_server(kube_config.get("kubeconfig"), kube_config.get("context"), os.environ)
        if cluster is not None:
            require_reachable(*cluster)
except (
    ConfigError,
    StackFileError,
    PlanError,
    CheckConfigError,
    ClusterUnreachable,
    KubeconfigError,
    SecretExposed,
) as error:
    raise pulumi.RunError(str(error)) from None

for warning in (
    *settings.warnings,
    *stack_file.warnings,
    *plan.warnings,
    *option_warnings,
    *secret_warnings,
    *exposure_warnings,
    *stack_password_warnings(stack_file),
):
    pulumi.log.warn(warning)

kubernetes_provider = None
if settings.target == "kubernetes":
    # Our own provider, so a changed secret updates the Secret in place instead of deleting it
    # first; it honours the usual `kubernetes:kubeconfig` / `kubernetes:context` config.
    kubernetes_provider = k8s.Provider(
        "kubernetes",
        kubeconfig=kube_config.get("kubeconfig"),
        context=kube_config.get("context"),
        enable_secret_mutable=True,
    )

openfaas = OpenFaaSStack(
    "openfaas",
    OpenFaaSStackArgs(
        plan=plan,
        secret_values=secret_values,
        checks=checks,
        kubernetes=KubernetesOptions(
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
    ),
)

pulumi.export("target", settings.target)
pulumi.export("functions", openfaas.functions)
pulumi.export("secrets", openfaas.secrets)
