"""What to create for a stack file on one target, decided and checked before any resource exists.

Nothing here declares a resource: every check runs before anything exists, missing secrets are
found here, and resource names are derived from OpenFaaS names only, never from the order of the
file, so adding or removing a function never touches the others. Each target owns its names and
units (`swarm.function_problems` and `swarm.secret_problems`, `kubernetes.secret_problems` and
`kubernetes.secret_object_name`); `make_plan` asks the target's module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from components.stackfile import Function, StackFile

TARGETS = ("kubernetes", "swarm")
SECRETS_MOUNT_PATH = "/var/openfaas/secrets"
SCALE_MIN_LABEL = "com.openfaas.scale.min"

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SECRET_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
# docker/distribution reference grammar, simplified: [host[:port]/]path[:tag][@digest]
_IMAGE = re.compile(
    r"^(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
_K8S_QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$")


class PlanError(ValueError):
    """Input that cannot be deployed, found before anything is applied."""


def resource_name(namespace: str, name: str) -> str:
    """Stable Pulumi name: the namespace and the OpenFaaS name, nothing order-dependent."""
    return f"{namespace}/{name}" if namespace else name


@dataclass(frozen=True)
class SecretPlan:
    """One OpenFaaS secret in one namespace (none on Swarm) and its file names."""

    name: str
    namespace: str
    files: tuple[str, ...]

    @property
    def resource_name(self) -> str:
        return resource_name(self.namespace, self.name)


@dataclass(frozen=True)
class FunctionPlan:
    """One function, with its namespace, replica count and the secrets it mounts."""

    function: Function
    namespace: str
    replicas: int
    secrets: tuple[SecretPlan, ...]

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def resource_name(self) -> str:
        return resource_name(self.namespace, self.name)


@dataclass(frozen=True)
class DeployPlan:
    """Everything one `pulumi up` declares for a stack file on a target."""

    target: str
    functions: Mapping[str, FunctionPlan]
    secrets: Mapping[str, SecretPlan]
    warnings: tuple[str, ...] = ()


def make_plan(
    stack: StackFile,
    *,
    target: str,
    default_namespace: str,
    configured_secrets: Collection[str] | Mapping[str, Sequence[str]],
    empty_secrets: Collection[str] = (),
) -> DeployPlan:
    """Check `stack` against `target` and the secrets set in config, and plan resources.

    `configured_secrets` names the secrets set in config, or maps each to its file names (a
    secret given by name alone is one file of the same name).
    """
    files_of = (
        {name: tuple(files) for name, files in configured_secrets.items()}
        if isinstance(configured_secrets, Mapping)
        else {name: (name,) for name in configured_secrets}
    )
    if target not in TARGETS:
        raise PlanError(f"unknown target {target!r}: run `pulumi config set target kubernetes` (or `swarm`)")
    # The targets' modules import this one for the plans; their rules are looked up when planning.
    from components import kubernetes, swarm

    errors: list[str] = []
    warnings: list[str] = []
    kube = target == "kubernetes"
    secret_plans: dict[str, SecretPlan] = {}
    functions: dict[str, FunctionPlan] = {}
    for name in sorted(stack.functions):
        fn = stack.functions[name]
        where = f"{stack.path}:{fn.line}: function '{name}'"
        errors.extend(f"{where}: {e}" for e in _function_errors(fn, kube))
        if not kube:
            errors.extend(f"{where}: {e}" for e in swarm.function_problems(fn))
        warnings.extend(f"{where}: {w}" for w in _function_warnings(fn, kube))
        namespace = (fn.namespace or default_namespace) if kube else ""
        if kube and not _DNS1123_LABEL.match(namespace):
            source = "its 'namespace:'" if fn.namespace else "the 'namespace' config"
            errors.append(
                f"{where}: namespace {namespace!r} (from {source}) is not a valid Kubernetes namespace "
                "name: use lower-case letters, digits and '-', at most 63 characters"
            )
        mounted: list[SecretPlan] = []
        for secret in fn.secrets:
            plan = SecretPlan(secret, namespace, files_of.get(secret, (secret,)))
            problems = kubernetes.secret_problems(plan) if kube else swarm.secret_problems(plan)
            if problems:
                errors.extend(f"{where}: {p}" for p in problems)
                continue
            secret_plans.setdefault(plan.resource_name, plan)
            if plan not in mounted:
                mounted.append(plan)
        errors.extend(f"{where}: {e}" for e in _file_clashes(mounted))
        functions[name] = FunctionPlan(fn, namespace, _replicas(fn, where, errors), tuple(mounted))

    if kube:
        errors.extend(
            _collisions(stack.path, functions.values(), secret_plans.values(), kubernetes.secret_object_name)
        )
    errors.extend(_bad_file_names(secret_plans.values()))
    errors.extend(_missing(stack, files_of, empty_secrets))
    if errors:
        raise PlanError("\n".join(errors))
    used = {s.name for s in secret_plans.values()}
    for unused in sorted(set(files_of) - used):
        warnings.append(
            f"secret {unused!r} is set in config but no function in {stack.path} uses it; "
            f"nothing is created for it (remove it with `pulumi config rm --path 'secrets.{unused}'`)"
        )
    ordered = {key: secret_plans[key] for key in sorted(secret_plans)}
    return DeployPlan(target, functions, ordered, tuple(warnings))


def is_valid_file_name(name: str) -> bool:
    """Whether `name` can be a file in /var/openfaas/secrets (and a Kubernetes Secret's data key)."""
    return bool(_SECRET_DATA_KEY.match(name)) and name not in (".", "..") and not name.startswith("..")


def missing_secret_command(name: str) -> str:
    """The command that sets a secret the way the program reads it."""
    return f"pulumi config set --secret --path 'secrets.{name}' <value>"


def _function_errors(fn: Function, kube: bool) -> list[str]:
    errors: list[str] = []
    if kube and (len(fn.name) > 63 or not _DNS1035_LABEL.match(fn.name)):
        suggestion = re.sub(r"[^a-z0-9]+", "-", fn.name.lower()).strip("-")[:63].rstrip("-")
        errors.append(
            "the name must be a valid DNS-1035 label on Kubernetes (lower-case letters, digits and "
            "'-', starting with a letter, at most 63 characters): rename the function"
            + (f", e.g. to {suggestion!r}" if _DNS1035_LABEL.match(suggestion) else "")
        )
    if not fn.image:
        errors.append("no 'image': add the image to deploy, e.g. 'image: ghcr.io/owner/name:tag'")
    elif not _IMAGE.match(fn.image):
        fix = ""
        if fn.image.startswith("/") or "//" in fn.image or fn.image.endswith((":", "/")):
            fix = ": it has an empty part, is a ${VARIABLE} in it unset?"
        elif _IMAGE.match(fn.image.lower()):
            fix = ": write the repository in lower case"
        errors.append(
            f"image {fn.image!r} is not a valid image reference "
            f"(expected [registry/]repository[:tag][@digest], lower-case repository){fix}"
        )
    if kube:
        for kind, resources in (("limits", fn.limits), ("requests", fn.requests)):
            for unit, value in (("memory", resources.memory if resources else ""),
                                ("cpu", resources.cpu if resources else "")):  # fmt: skip
                if value and not _K8S_QUANTITY.match(value):
                    example = "128Mi or 1Gi" if unit == "memory" else "100m or 0.5"
                    errors.append(
                        f"{kind}.{unit} {value!r} is not a Kubernetes quantity: write e.g. {example}"
                    )
    return errors


def _function_warnings(fn: Function, kube: bool) -> list[str]:
    warnings: list[str] = []
    if kube:
        for kind, resources in (("limits", fn.limits), ("requests", fn.requests)):
            memory = resources.memory if resources else ""
            if memory.endswith("m"):
                warnings.append(
                    f"{kind}.memory {memory!r} means {memory[:-1]} milli-bytes on Kubernetes; "
                    f"write {memory[:-1]}Mi for mebibytes"
                )
    elif fn.namespace:
        warnings.append(f"'namespace: {fn.namespace}' has no meaning on Docker Swarm and is ignored")
    return warnings


def _collisions(
    path: Path,
    functions: Collection[FunctionPlan],
    plans: Collection[SecretPlan],
    kube_name: Callable[[str], str],
) -> list[str]:
    by_object: dict[tuple[str, str], list[str]] = {}
    for plan in plans:
        by_object.setdefault((plan.namespace, kube_name(plan.name)), []).append(plan.name)
    errors: list[str] = []
    for (namespace, object_name), names in sorted(by_object.items()):
        if len(names) < 2:
            continue
        users = sorted(
            (
                f.function
                for f in functions
                if any(s.name in names and s.namespace == namespace for s in f.secrets)
            ),
            key=lambda fn: (fn.line, fn.name),
        )
        where = f"{path}:{users[0].line}: function '{users[0].name}'" if users else str(path)
        if users[1:]:
            where += f" (and {', '.join(f'function {fn.name!r} at line {fn.line}' for fn in users[1:])})"
        errors.append(
            f"{where}: secrets {' and '.join(repr(n) for n in sorted(names))} would both become "
            f"the Kubernetes Secret {object_name!r} in namespace {namespace!r}: rename one of them in "
            "the stack file and in the 'secrets' config"
        )
    return errors


def _file_clashes(mounted: Sequence[SecretPlan]) -> list[str]:
    owners: dict[str, str] = {}
    errors: list[str] = []
    for secret in mounted:
        for file in secret.files:
            if file in owners:
                errors.append(
                    f"secrets {owners[file]!r} and {secret.name!r} both put the file {file!r} in "
                    f"{SECRETS_MOUNT_PATH}: rename the file in one of them"
                )
            owners.setdefault(file, secret.name)
    return errors


def _bad_file_names(plans: Collection[SecretPlan]) -> list[str]:
    return [
        f"secret {plan.name!r}: file name {file!r} is not valid (letters, digits, '-', '_' and '.'): "
        f"rename it in `secrets.{plan.name}.files`"
        for plan in plans
        for file in plan.files
        if not is_valid_file_name(file)
    ]


def _missing(
    stack: StackFile, configured: Mapping[str, tuple[str, ...]], empty: Collection[str]
) -> list[str]:
    errors: list[str] = []
    for name in sorted(stack.functions):
        fn = stack.functions[name]
        for secret in fn.secrets:
            if secret not in configured:
                errors.append(
                    f"{stack.path}:{fn.line}: function '{name}' needs secret {secret!r}, which is not set: "
                    f"run `{missing_secret_command(secret)}`"
                )
            elif secret in empty and configured[secret] != (secret,):
                errors.append(
                    f"{stack.path}:{fn.line}: function '{name}': secret {secret!r} has an empty file "
                    f"(its files: {', '.join(configured[secret])}): run "
                    f"`pulumi config set --secret --path 'secrets.{secret}.files.<file>' <value>` "
                    "with a non-empty value"
                )
            elif secret in empty:
                errors.append(
                    f"{stack.path}:{fn.line}: function '{name}': secret {secret!r} is empty: "
                    f"run `{missing_secret_command(secret)}` with a non-empty value"
                )
    return errors


def _replicas(fn: Function, where: str, errors: list[str]) -> int:
    raw = fn.labels.get(SCALE_MIN_LABEL, "")
    if not raw:
        return 1
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"{where}: label {SCALE_MIN_LABEL} must be a whole number, not {raw!r}")
        return 1
    if value < 0:
        errors.append(f"{where}: label {SCALE_MIN_LABEL} must not be negative")
    return max(value, 0)
