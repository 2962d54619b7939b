"""Deploy the functions of an OpenFaaS stack file, and the secrets they use, with Pulumi."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.checks import CheckConfigError, parse_checks, resolve_gateway
from components.cluster import ClusterUnreachable, api_server, require_reachable
from components.kubernetes import KubernetesOptions
from components.openfaas_stack import OpenFaaSStack, OpenFaaSStackArgs
from components.plan import PlanError, make_plan
from components.settings import ConfigError, check_route, read_settings
from components.stackfile import StackFileError, load_stack, select_functions
from components.swarm import SwarmOptions

try:
    settings, secret_values = read_settings(pulumi.Config(), Path.cwd())
    stack_file = select_functions(
        load_stack(settings.stack_file), filter=settings.filter, regex=settings.regex
    )
    plan = make_plan(
        stack_file,
        target=settings.target,
        default_namespace=settings.namespace,
        configured_secrets=settings.secret_files,
        empty_secrets=settings.empty_secrets,
    )
    gateway = resolve_gateway(settings.gateway, stack_file.provider.gateway, os.environ)
    kube_config = pulumi.Config("kubernetes")
    check_cluster = check_route(
        settings, kube_config.get("kubeconfig"), kube_config.get("context"), os.environ
    )
    checks = parse_checks(
        settings.checks, functions=plan.functions, gateway=gateway, api_server=check_cluster
    )
    if settings.target == "kubernetes":
        # The provider would preview an unreachable cluster as empty; say so before a review.
        cluster = api_server(kube_config.get("kubeconfig"), kube_config.get("context"), os.environ)
        if cluster is not None:
            require_reachable(*cluster)
except (ConfigError, StackFileError, PlanError, CheckConfigError, ClusterUnreachable) as error:
    raise pulumi.RunError(str(error)) from None

for warning in (*stack_file.warnings, *plan.warnings):
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
