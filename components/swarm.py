"""The Docker Swarm target: secrets and services shaped as faas-swarm made them.

Shapes follow openfaas/faas-swarm `handlers/deploy.go` and `handlers/secrets.go`. Swarm secrets
are immutable and cannot be removed while a service uses them, so a new value is a new,
provider-named secret: services move to it, and Pulumi deletes the old one last (its default
create-before-delete order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from components.deployed import DeclareWorkload, DeployedFunction
from components.plan import (
    SECRETS_MOUNT_PATH,
    DeployPlan,
    FunctionPlan,
    SecretPlan,
    parse_memory_bytes,
    parse_nano_cpus,
)
from components.settings import SecretValues

OWNER_LABEL = ("com.openfaas.owner", "openfaas")
DEFAULT_CONSTRAINTS = ("node.platform.os == linux",)
WATCHDOG_PORT = 8080


@dataclass(frozen=True)
class SwarmOptions:
    """Target settings: an overlay network to join, host ports to publish, the provider."""

    network: str = ""
    published_ports: Mapping[str, int] = field(default_factory=dict)
    converge_timeout: str = "2m"
    provider: pulumi.ProviderResource | None = None


def declare(
    plan: DeployPlan,
    secret_values: SecretValues,
    options: SwarmOptions,
    parent: pulumi.Resource,
) -> DeclareWorkload:
    """Declare every secret of `plan`; returns what declares each function's service."""
    opts = pulumi.ResourceOptions(parent=parent, provider=options.provider)
    # A Swarm secret is one file: an OpenFaaS secret of several files becomes one each.
    files: dict[str, dict[str, docker.Secret]] = {
        secret.name: {
            file: _secret(secret, file, content, opts)
            for file, content in secret_values.files(secret.name).items()
        }
        for secret in plan.secrets.values()
    }

    def workload(fn: FunctionPlan, under: pulumi.ResourceOptions) -> DeployedFunction:
        mounted = {file: s for secret in fn.secrets for file, s in files[secret.name].items()}
        service_opts = pulumi.ResourceOptions.merge(under, pulumi.ResourceOptions(provider=options.provider))
        return DeployedFunction((_service(fn, mounted, options, service_opts),), tuple(mounted.values()))

    return workload


def _secret(
    secret: SecretPlan, file: str, content: pulumi.Output[str], opts: pulumi.ResourceOptions
) -> docker.Secret:
    # No explicit name: the provider names it `<resource name>-<random>`, and a new value replaces
    # it create-first. (An explicit name makes the provider delete first, which Swarm refuses
    # while a service still mounts the secret.) A file of a several-file secret is `<secret>.<file>`.
    single = secret.files == (file,) and file == secret.name
    return docker.Secret(
        secret.resource_name if single else f"{secret.resource_name}.{file}",
        data=content,
        labels=[docker.SecretLabelArgs(label=OWNER_LABEL[0], value=OWNER_LABEL[1])],
        opts=opts,
    )


def _labels(fn: FunctionPlan) -> dict[str, str]:
    labels = {**fn.function.labels, "com.openfaas.function": fn.name, "function": "true"}
    for key, value in fn.function.annotations.items():
        labels[f"com.openfaas.annotations.{key}"] = value
    return labels


def _resources(fn: FunctionPlan) -> docker.ServiceTaskSpecResourcesArgs | None:
    limits, requests = fn.function.limits, fn.function.requests
    if not limits and not requests:
        return None
    return docker.ServiceTaskSpecResourcesArgs(
        limits=docker.ServiceTaskSpecResourcesLimitsArgs(
            memory_bytes=parse_memory_bytes(limits.memory) if limits and limits.memory else None,
            nano_cpus=parse_nano_cpus(limits.cpu) if limits and limits.cpu else None,
        )
        if limits
        else None,
        reservation=docker.ServiceTaskSpecResourcesReservationArgs(
            memory_bytes=parse_memory_bytes(requests.memory) if requests and requests.memory else None,
            nano_cpus=parse_nano_cpus(requests.cpu) if requests and requests.cpu else None,
        )
        if requests
        else None,
    )


def _service(
    fn: FunctionPlan,
    secrets: Mapping[str, docker.Secret],
    options: SwarmOptions,
    opts: pulumi.ResourceOptions,
) -> docker.Service:
    f = fn.function
    env = dict(f.environment)
    if f.fprocess:
        env["fprocess"] = f.fprocess
    labels = _labels(fn)
    port = options.published_ports.get(fn.name)
    return docker.Service(
        fn.resource_name,
        name=fn.name,
        labels=[docker.ServiceLabelArgs(label=k, value=v) for k, v in sorted(labels.items())],
        mode=docker.ServiceModeArgs(replicated=docker.ServiceModeReplicatedArgs(replicas=fn.replicas)),
        task_spec=docker.ServiceTaskSpecArgs(
            container_spec=docker.ServiceTaskSpecContainerSpecArgs(
                image=f.image,
                env=env,
                labels=[
                    docker.ServiceTaskSpecContainerSpecLabelArgs(label=k, value=v)
                    for k, v in sorted(labels.items())
                ],
                read_only=f.readonly_root_filesystem,
                mounts=[docker.ServiceTaskSpecContainerSpecMountArgs(target="/tmp", type="tmpfs")]
                if f.readonly_root_filesystem
                else None,
                secrets=[
                    docker.ServiceTaskSpecContainerSpecSecretArgs(
                        secret_id=secrets[name].id,
                        secret_name=secrets[name].name,
                        file_name=f"{SECRETS_MOUNT_PATH}/{name}",
                        file_uid="0",
                        file_gid="0",
                        file_mode=0o444,
                    )
                    for name in sorted(secrets)
                ]
                or None,
            ),
            placement=docker.ServiceTaskSpecPlacementArgs(
                constraints=list(f.constraints if f.constraints is not None else DEFAULT_CONSTRAINTS)
            ),
            resources=_resources(fn),
            restart_policy=docker.ServiceTaskSpecRestartPolicyArgs(
                condition="any", max_attempts=5, delay="5s", window="0s"
            ),
            networks_advanceds=[docker.ServiceTaskSpecNetworksAdvancedArgs(name=options.network)]
            if options.network
            else None,
        ),
        endpoint_spec=docker.ServiceEndpointSpecArgs(
            ports=[
                docker.ServiceEndpointSpecPortArgs(
                    target_port=WATCHDOG_PORT, published_port=port, publish_mode="host"
                )
            ]
        )
        if port
        else None,
        # Wait for the tasks to run, so a function that cannot start fails the update.
        converge_config=docker.ServiceConvergeConfigArgs(delay="1s", timeout=options.converge_timeout)
        if options.converge_timeout != "0"
        else None,
        opts=opts,
    )
