"""The Docker Swarm target: secrets and services shaped as faas-swarm made them (`SwarmTarget`).

Shapes follow openfaas/faas-swarm `handlers/deploy.go` and `handlers/secrets.go`. Swarm secrets
are immutable and cannot be removed while a service uses them, so a new value is a new,
provider-named secret: services move to it, and Pulumi deletes the old one last (its default
create-before-delete order).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from components.plan import SECRETS_MOUNT_PATH, WATCHDOG_PORT, DeployPlan, FunctionPlan, SecretPlan
from components.shared.durations import duration_seconds
from components.shared.secret_values import SecretValues
from components.targets.base import DeployedFunction, ReadinessGate, ordering_only
from components.targets.swarm.readiness import SwarmReadiness, SwarmReadinessArgs
from components.targets.swarm.rules import (
    RULES,
    SwarmRules,
    parse_memory_bytes,
    parse_nano_cpus,
    secret_name,
    service_name,
)
from components.targets.wait import after_every_workload, mounted_secret_texts

SwarmSecrets = Mapping[str, Mapping[str, docker.Secret]]
"""OpenFaaS secret name -> file name -> the Swarm secret holding that file."""


OWNER_LABEL = ("com.openfaas.owner", "openfaas")


DEFAULT_CONSTRAINTS = ("node.platform.os == linux",)


@dataclass(frozen=True)
class SwarmOptions:
    """Target settings: an overlay network to join, host ports to publish, the provider."""

    network: str = ""
    published_ports: Mapping[str, int] = field(default_factory=dict)
    converge_timeout: str = "2m"
    docker_socket: str = ""
    """The Docker API's unix socket, which `SwarmReadiness` reads the tasks from; "" (a daemon over
    TCP, whose TLS settings it does not read) leaves the wait to the provider's `convergeConfig`."""
    provider: pulumi.ProviderResource | None = None

    @property
    def own_readiness(self) -> bool:
        """Whether `SwarmReadiness` decides when the services run (else the provider does)."""
        return bool(self.docker_socket) and self.converge_timeout != "0"


@dataclass(frozen=True)
class SwarmTarget:
    """`Target` for Docker Swarm: one Swarm secret per secret file, one service per function."""

    options: SwarmOptions = field(default_factory=SwarmOptions)
    rules: SwarmRules = RULES

    def declare_secrets(
        self, plan: DeployPlan, secret_values: SecretValues, parent: pulumi.Resource
    ) -> SwarmSecrets:
        """Every secret of `plan`: a secret of several files becomes one Swarm secret per file."""
        opts = pulumi.ResourceOptions(parent=parent, provider=self.options.provider)
        return {
            secret.name: {
                file: _secret(secret, file, content, opts)
                for file, content in secret_values.files(secret.name).items()
            }
            for secret in plan.secrets.values()
        }

    def declare_workload(
        self,
        fn: FunctionPlan,
        secrets: SwarmSecrets,
        rollout_checksum: pulumi.Output[str],
        opts: pulumi.ResourceOptions,
    ) -> DeployedFunction:
        """The function's service; a new secret value is a new secret, so it needs no checksum."""
        mounted = {file: s for secret in fn.secrets for file, s in secrets[secret.name].items()}
        service_opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(provider=self.options.provider)
        )
        return DeployedFunction((_service(fn, mounted, self.options, service_opts),), tuple(mounted.values()))

    def declare_readiness(
        self,
        plan: DeployPlan,
        deployed: Mapping[str, DeployedFunction],
        secret_values: SecretValues,
        parent: pulumi.Resource,
    ) -> ReadinessGate:
        """One `SwarmReadiness` waiting for every service, when the project decides readiness
        (`SwarmOptions.own_readiness`); the checks run after it."""
        options = self.options
        if not options.own_readiness or not deployed:
            return ReadinessGate()
        services = [
            {"name": service_name(plan.functions[name]), "spec": _spec_digest(service)}
            for name, function in sorted(deployed.items())
            for service in function.workloads
            if isinstance(service, docker.Service)
        ]
        readiness = SwarmReadiness(
            "readiness",
            SwarmReadinessArgs(
                services,
                duration_seconds(options.converge_timeout) or 0.0,
                options.docker_socket,
                mounted_secret_texts(plan, secret_values),
            ),
            after_every_workload(deployed, parent),
        )
        return ReadinessGate(ordering_only(readiness.passed))


def _spec_digest(service: docker.Service) -> pulumi.Output[str]:
    """A digest of what the service was given (its id, task spec, mode, ports): a new one means
    new tasks to wait for."""
    return pulumi.Output.all(service.id, service.task_spec, service.mode, service.endpoint_spec).apply(
        lambda parts: hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    )


def _secret(
    secret: SecretPlan, file: str, content: pulumi.Output[str], opts: pulumi.ResourceOptions
) -> docker.Secret:
    # No explicit name: the provider names it `<resource name>-<7 random hex>`, and a new value
    # replaces it create-first. (An explicit name makes the provider delete first, which Swarm
    # refuses while a service still mounts the secret.)
    return docker.Secret(
        secret_name(secret, file),
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
    env = fn.environment
    labels = _labels(fn)
    port = options.published_ports.get(fn.name)
    return docker.Service(
        fn.resource_name,
        name=service_name(fn),
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
        # Without `SwarmReadiness`, the provider waits for the tasks to run, so a function that
        # cannot start fails the update (after the timeout, without Docker's reason).
        converge_config=docker.ServiceConvergeConfigArgs(delay="1s", timeout=options.converge_timeout)
        if options.converge_timeout != "0" and not options.own_readiness
        else None,
        opts=opts,
    )
