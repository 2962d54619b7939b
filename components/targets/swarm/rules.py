"""The Docker Swarm target's names, units and limits, as Docker enforces them: `RULES`.

A function is a service named as the function; a secret file is a Swarm secret named by
`secret_name`, which Docker receives with the provider's random suffix.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.plan import RENAME_SECRET, SECRET_NAME, FunctionPlan, SecretPlan
from components.stackfile import Function

# moby/swarmkit `manager/controlapi`: a secret name is at most 64 of [a-zA-Z0-9-_.], starting
# and ending with a letter or digit (`plan.SECRET_NAME`); a service name is a DNS label (at most
# 63, no '.').
SECRET_NAME_LIMIT = 64
SERVICE_NAME_LIMIT = 63
SECRET_BYTES = 500 * 1024  # moby's MaxSecretSize
_SERVICE_NAME = re.compile(r"[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*", re.ASCII)
# pulumi-docker autonames a Secret `<resource name>-<7 hex>` (`SetAutonaming(255, "-")`).
AUTONAME_SUFFIX_LENGTH = 8
CONFIG_KEYS = ("swarmNetwork", "swarmConvergeTimeout", "publishedPorts")


@dataclass(frozen=True)
class SwarmRules:
    """`TargetRules` for Docker Swarm."""

    name: str = "swarm"
    title: str = "Docker Swarm"
    config_keys: tuple[str, ...] = CONFIG_KEYS
    namespaced: bool = False

    def function_name_problem(self, name: str) -> str:
        if len(name) > SERVICE_NAME_LIMIT or not SECRET_NAME.fullmatch(name):
            return (
                f"the name is not a valid Docker service name (at most {SERVICE_NAME_LIMIT} letters, digits, "
                "'-' and '_', "
                "starting and ending with a letter or digit): rename the function"
            )
        if not _SERVICE_NAME.fullmatch(name):
            return (
                "the name is not a valid Docker service name: Docker refuses a '.' in it (letters, "
                "digits, '-' and '_' only): rename the function"
            )
        return ""

    def function_problems(self, fn: Function) -> list[str]:
        problems: list[str] = []
        for kind, resources in fn.resource_kinds:
            if resources and resources.memory and parse_memory_bytes(resources.memory) is None:
                problems.append(f"{kind}.memory {resources.memory!r} is not a size (e.g. 128Mi, 64m)")
            if resources and resources.cpu and parse_nano_cpus(resources.cpu) is None:
                problems.append(f"{kind}.cpu {resources.cpu!r} is not a CPU amount (e.g. 0.5, 500m)")
        return problems

    def function_warnings(self, fn: Function) -> list[str]:
        if fn.namespace:
            return [f"'namespace: {fn.namespace}' has no meaning on Docker Swarm and is ignored"]
        return []

    def namespace_problem(self, namespace: str) -> str:
        return ""

    def secret_name_problem(self, name: str) -> str:
        if len(name) > SECRET_NAME_LIMIT or not SECRET_NAME.fullmatch(name):
            return (
                f"is not a valid Docker secret name (at most {SECRET_NAME_LIMIT} letters, digits, '-', '_' "
                "and '.', "
                f"starting and ending with a letter or digit): {RENAME_SECRET}"
            )
        return ""

    def secret_size_problems(self, secret: SecretPlan, sizes: Mapping[str, int]) -> list[str]:
        return [
            f"secret {secret.name!r}: file {file!r} holds {sizes[file]} bytes: a Docker "
            f"secret holds at most 500 KiB ({SECRET_BYTES} bytes): make it smaller"
            for file in sorted(sizes)
            if sizes[file] > SECRET_BYTES
        ]

    def secret_clashes(
        self, path: Path, functions: Collection[FunctionPlan], secrets: Collection[SecretPlan]
    ) -> list[str]:
        """Swarm secrets whose name (`secret_name`) with the provider's suffix is too long for
        Docker, and secrets of the plan that would get the same name."""
        owners: dict[str, str] = {}
        errors: list[str] = []
        for plan in sorted(secrets, key=lambda p: p.name):
            for file in plan.files:
                name = secret_name(plan, file)
                what = f"secret {plan.name!r}" + ("" if name == plan.name else f" (file {file!r})")
                longest = SECRET_NAME_LIMIT - AUTONAME_SUFFIX_LENGTH
                if len(name) > longest and not self.secret_name_problem(plan.name):
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


RULES = SwarmRules()


def secret_name(secret: SecretPlan, file: str) -> str:
    """The Swarm secret holding `file` of `secret`: `<secret>`, or `<secret>.<file>` when the
    secret has other files; Pulumi's name for it, which Docker receives with `AUTONAME_SUFFIX`."""
    single = secret.files == (file,) and file == secret.name
    return secret.resource_name if single else f"{secret.resource_name}.{file}"


def service_name(fn: FunctionPlan) -> str:
    """The Docker service of a function: the OpenFaaS name, as faas-swarm named it."""
    return fn.name


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
