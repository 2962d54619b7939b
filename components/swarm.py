"""The Docker Swarm target: secrets and services shaped as faas-swarm made them, and their names.

Shapes follow openfaas/faas-swarm `handlers/deploy.go` and `handlers/secrets.go`. Swarm secrets
are immutable and cannot be removed while a service uses them, so a new value is a new,
provider-named secret: services move to it, and Pulumi deletes the old one last (its default
create-before-delete order).

The names and units Docker accepts are checked here too (`function_problems`,
`secret_name_problem`, `secret_name_clashes`; the plan calls them before any resource exists),
from the same functions that name the resources.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker

from components.deployed import DeclareWorkload, DeployedFunction
from components.plan import (
    RENAME_SECRET,
    SECRETS_MOUNT_PATH,
    WATCHDOG_PORT,
    DeployPlan,
    FunctionPlan,
    SecretPlan,
)
from components.settings import SecretValues
from components.stackfile import Function

OWNER_LABEL = ("com.openfaas.owner", "openfaas")
DEFAULT_CONSTRAINTS = ("node.platform.os == linux",)

# moby/swarmkit `manager/controlapi`: a secret name is at most 64 of [a-zA-Z0-9-_.], starting
# and ending with a letter or digit; a service name is a DNS label (at most 63, no '.').
SECRET_NAME_LIMIT = 64
SERVICE_NAME_LIMIT = 63
_SECRET_NAME = re.compile(r"[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?", re.ASCII)
_SERVICE_NAME = re.compile(r"[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*", re.ASCII)
# pulumi-docker autonames a Secret `<resource name>-<7 hex>` (`SetAutonaming(255, "-")`).
AUTONAME_SUFFIX_LENGTH = 8


def secret_name(secret: SecretPlan, file: str) -> str:
    """The Swarm secret holding `file` of `secret`: `<secret>`, or `<secret>.<file>` when the
    secret has other files; Pulumi's name for it, which Docker receives with `AUTONAME_SUFFIX`."""
    single = secret.files == (file,) and file == secret.name
    return secret.resource_name if single else f"{secret.resource_name}.{file}"


def service_name(fn: FunctionPlan) -> str:
    """The Docker service of a function: the OpenFaaS name, as faas-swarm named it."""
    return fn.name


def function_problems(fn: Function) -> list[str]:
    """What Docker would refuse in a function: its service name, its memory and CPU amounts."""
    problems: list[str] = []
    if len(fn.name) > SERVICE_NAME_LIMIT or not _SECRET_NAME.fullmatch(fn.name):
        problems.append(
            "the name is not a valid Docker service name (at most 63 letters, digits, '-' and '_', "
            "starting and ending with a letter or digit): rename the function"
        )
    elif not _SERVICE_NAME.fullmatch(fn.name):
        problems.append(
            "the name is not a valid Docker service name: Docker refuses a '.' in it (letters, "
            "digits, '-' and '_' only): rename the function"
        )
    for kind, resources in fn.resource_kinds:
        if resources and resources.memory and parse_memory_bytes(resources.memory) is None:
            problems.append(f"{kind}.memory {resources.memory!r} is not a size (e.g. 128Mi, 64m)")
        if resources and resources.cpu and parse_nano_cpus(resources.cpu) is None:
            problems.append(f"{kind}.cpu {resources.cpu!r} is not a CPU amount (e.g. 0.5, 500m)")
    return problems


def secret_name_problem(name: str) -> str:
    """What Docker would refuse in OpenFaaS secret `name` itself ("" if nothing)."""
    if len(name) > SECRET_NAME_LIMIT or not _SECRET_NAME.fullmatch(name):
        return (
            "is not a valid Docker secret name (at most 64 letters, digits, '-', '_' and '.', "
            f"starting and ending with a letter or digit): {RENAME_SECRET}"
        )
    return ""


def secret_name_clashes(plans: Collection[SecretPlan]) -> list[str]:
    """Swarm secrets whose name (`secret_name`) with the provider's suffix is too long for
    Docker, and secrets of the plan that would get the same name."""
    owners: dict[str, str] = {}
    errors: list[str] = []
    for plan in sorted(plans, key=lambda p: p.name):
        for file in plan.files:
            name = secret_name(plan, file)
            what = f"secret {plan.name!r}" + ("" if name == plan.name else f" (file {file!r})")
            longest = SECRET_NAME_LIMIT - AUTONAME_SUFFIX_LENGTH
            if len(name) > longest and not secret_name_problem(plan.name):
                errors.append(
                    f"{what} becomes the Docker secret {name!r} plus the provider's 8-character "
                    f"suffix (-<7 hex>), more than Docker's {SECRET_NAME_LIMIT}: make "
                    f"'<secret>.<file>' (or the secret's name) at most {longest} characters"
                )
            if name in owners and owners[name] != what:
                errors.append(
                    f"{owners[name]} and {what} would both become the Docker secret {name!r}: "
                    "rename one of them in the stack file and in the 'secrets' config"
                )
            owners.setdefault(name, what)
    return errors


_MEMORY = re.compile(r"(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?", re.ASCII)
_CPUS = re.compile(r"(\d+(\.\d*)?|\.\d+)m?", re.ASCII)
_BINARY_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def parse_memory_bytes(text: str) -> int | None:
    """Memory in bytes the way Docker reads it (`go-units.RAMInBytes`: `64m`, `128Mi`, `1g`)."""
    match = _MEMORY.fullmatch(text.strip())
    if not match:
        return None
    return int(float(match.group(1)) * _BINARY_UNITS[(match.group(2) or "").lower()])


def parse_nano_cpus(text: str) -> int | None:
    """CPUs as Docker NanoCPUs: `500m` and `0.5` are half a CPU.

    faas-swarm read the value as a raw NanoCPU integer; integers of 1000 and more keep that meaning.
    """
    value = text.strip()
    if not _CPUS.fullmatch(value):
        return None
    try:
        if value.endswith("m"):
            return int(float(value[:-1]) * 1_000_000)
        number = float(value)
    except ValueError:
        return None
    if number >= 1000 and number.is_integer():
        return int(number)
    return int(number * 1_000_000_000)


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
        # Wait for the tasks to run, so a function that cannot start fails the update.
        converge_config=docker.ServiceConvergeConfigArgs(delay="1s", timeout=options.converge_timeout)
        if options.converge_timeout != "0"
        else None,
        opts=opts,
    )
