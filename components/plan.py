"""What to create for a stack file on one target, decided and checked before any resource exists.

Nothing here declares a resource: every check runs before anything exists, missing secrets are
found here, and resource names are derived from OpenFaaS names only, never from the order of the
file, so adding or removing a function never touches the others. Each target owns its names and
units (`swarm.function_problems`, `swarm.secret_name_problem`, `swarm.secret_name_clashes`;
`kubernetes.secret_object_name`); `make_plan` asks the target's module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from components.errors import InputError
from components.stackfile import Function, StackFile

TARGETS = ("kubernetes", "swarm")
SECRETS_MOUNT_PATH = "/var/openfaas/secrets"
WATCHDOG_PORT = 8080  # where the OpenFaaS watchdog listens in every function container
SCALE_MIN_LABEL = "com.openfaas.scale.min"

# Every pattern is used with `fullmatch` and `re.ASCII`: `$` alone also matches before a final
# newline, and `\d`/`\w` would take Unicode digits and letters.
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", re.ASCII)
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", re.ASCII)
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?", re.ASCII)
_SECRET_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+", re.ASCII)
# docker/distribution reference grammar, simplified: [host[:port]/]path[:tag][@digest]
_IMAGE = re.compile(
    r"(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?",
    re.ASCII,
)
_K8S_QUANTITY = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?", re.ASCII)

_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", re.ASCII)
_ENV_NAME = re.compile(r"[!-<>-~]+", re.ASCII)  # printable ASCII but '=' (Kubernetes 1.30+)
KUBERNETES_ANNOTATIONS_BYTES = 256 * 1024

KUBERNETES_NAME_CHARS = 63
KUBERNETES_KEY_CHARS = 253
KUBERNETES_SECRET_BYTES = 1 << 20  # the API server's limit on a Secret's data
SWARM_SECRET_BYTES = 500 * 1024  # moby's MaxSecretSize


class PlanError(InputError):
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

    @property
    def environment(self) -> dict[str, str]:
        """The container's environment: the stack file's, and `fprocess` for the watchdog."""
        env = dict(self.function.environment)
        if self.function.fprocess:
            env["fprocess"] = self.function.fprocess
        return env


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
    file_sizes: Mapping[str, Mapping[str, int]] | None = None,
) -> DeployPlan:
    """Check `stack` against `target` and the secrets set in config, and plan resources.

    `configured_secrets` names the secrets set in config, or maps each to its file names (a
    secret given by name alone is one file of the same name). `file_sizes` (secret -> file ->
    bytes), when given, is checked against the target's size limits.
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
        if kube and (len(namespace) > KUBERNETES_NAME_CHARS or not _DNS1123_LABEL.fullmatch(namespace)):
            source = "its 'namespace:'" if fn.namespace else "the 'namespace' config"
            errors.append(
                f"{where}: namespace {namespace!r} (from {source}) is not a valid Kubernetes namespace "
                "name: use lower-case letters, digits and '-', at most 63 characters"
            )
        mounted: list[SecretPlan] = []
        for secret in fn.secrets:
            plan = SecretPlan(secret, namespace, files_of.get(secret, (secret,)))
            problem = (
                _kube_secret_name_error(secret, kubernetes.secret_object_name)
                if kube
                else swarm.secret_name_problem(secret)
            )
            if problem:
                errors.append(f"{where}: secret {secret!r} {problem}")
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
    errors.extend(_too_large(secret_plans.values(), file_sizes or {}, kube))
    if not kube:
        errors.extend(swarm.secret_name_clashes(secret_plans.values()))
    errors.extend(_missing(stack, files_of, empty_secrets))
    if errors:
        raise PlanError(errors)
    used = {s.name for s in secret_plans.values()}
    for unused in sorted(set(files_of) - used):
        warnings.append(
            f"secret {unused!r} is set in config but no function in {stack.path} uses it; "
            f"nothing is created for it (remove it with `pulumi config rm --path 'secrets.{unused}'`)"
        )
    ordered = {key: secret_plans[key] for key in sorted(secret_plans)}
    return DeployPlan(target, functions, ordered, tuple(warnings))


def _too_large(
    plans: Collection[SecretPlan], sizes: Mapping[str, Mapping[str, int]], kube: bool
) -> list[str]:
    errors: list[str] = []
    for plan in sorted(plans, key=lambda p: p.resource_name):
        files = sizes.get(plan.name, {})
        if kube and sum(files.values()) > KUBERNETES_SECRET_BYTES:
            errors.append(
                f"secret {plan.name!r} holds {sum(files.values())} bytes: a Kubernetes Secret holds at "
                f"most 1 MiB ({KUBERNETES_SECRET_BYTES} bytes): split it into several secrets"
            )
        if not kube:
            for file in sorted(files):
                if files[file] > SWARM_SECRET_BYTES:
                    errors.append(
                        f"secret {plan.name!r}: file {file!r} holds {files[file]} bytes: a Docker "
                        f"secret holds at most 500 KiB ({SWARM_SECRET_BYTES} bytes): make it smaller"
                    )
    return errors


def missing_secret_command(name: str) -> str:
    """The command that sets a secret the way the program reads it."""
    return f"pulumi config set --secret --path 'secrets.{name}' <value>"


def dns_label_suggestion(name: str) -> str:
    """`name` made into a DNS-1035 label as the rename hint for a Kubernetes function proposes it."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].rstrip("-")


def _function_errors(fn: Function, kube: bool) -> list[str]:
    errors: list[str] = []
    if kube and (len(fn.name) > 63 or not _DNS1035_LABEL.fullmatch(fn.name)):
        suggestion = dns_label_suggestion(fn.name)
        errors.append(
            "the name must be a valid DNS-1035 label on Kubernetes (lower-case letters, digits and "
            "'-', starting with a letter, at most 63 characters): rename the function"
            + (f", e.g. to {suggestion!r}" if _DNS1035_LABEL.fullmatch(suggestion) else "")
        )
    if not fn.image:
        errors.append("no 'image': add the image to deploy, e.g. 'image: ghcr.io/owner/name:tag'")
    elif not _IMAGE.fullmatch(fn.image):
        fix = ""
        if fn.image.startswith("/") or "//" in fn.image or fn.image.endswith((":", "/")):
            fix = ": it has an empty part, is a ${VARIABLE} in it unset?"
        elif _IMAGE.fullmatch(fn.image.lower()):
            fix = ": write the repository in lower case"
        errors.append(
            f"image {fn.image!r} is not a valid image reference "
            f"(expected [registry/]repository[:tag][@digest], lower-case repository){fix}"
        )
    for name in sorted(fn.environment):
        if not _ENV_NAME.fullmatch(name):
            errors.append(
                f"environment variable {name!r} is not a valid name (printable ASCII without '=' or "
                "spaces): rename it"
            )
    if kube:
        errors.extend(_metadata_errors(fn))
        for kind, resources in fn.resource_kinds:
            for unit, value in (("memory", resources.memory if resources else ""),
                                ("cpu", resources.cpu if resources else "")):  # fmt: skip
                if value and not _K8S_QUANTITY.fullmatch(value):
                    example = "128Mi or 1Gi" if unit == "memory" else "100m or 0.5"
                    errors.append(
                        f"{kind}.{unit} {value!r} is not a Kubernetes quantity: write e.g. {example}"
                    )
    return errors


def _metadata_errors(fn: Function) -> list[str]:
    """Labels and annotations the Kubernetes API server would refuse (checked without quoting
    values, which may be anything)."""
    errors: list[str] = []
    for kind, values in (("label", fn.labels), ("annotation", fn.annotations)):
        for key in sorted(values):
            problem = _qualified_name_problem(key)
            if problem:
                errors.append(f"{kind} {key!r}: {problem} on Kubernetes: rename it")
    for key in sorted(fn.labels):
        value = fn.labels[key]
        if len(value) > KUBERNETES_NAME_CHARS or (value and not _LABEL_NAME.fullmatch(value)):
            errors.append(
                f"label {key!r}: the value is not a valid Kubernetes label value (at most 63 letters, "
                "digits, '-', '_' and '.', starting and ending with a letter or digit): change it, or "
                "make it an annotation"
            )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in fn.annotations.items())
    if size > KUBERNETES_ANNOTATIONS_BYTES:
        errors.append(
            f"the annotations hold {size} bytes; Kubernetes allows 256 KiB ({KUBERNETES_ANNOTATIONS_BYTES} "
            "bytes) in all: make them smaller"
        )
    return errors


def _qualified_name_problem(key: str) -> str:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return "the prefix before '/' is not a DNS subdomain (lower-case letters, digits, '-' and '.')"
    if not name or len(name) > KUBERNETES_NAME_CHARS or not _LABEL_NAME.fullmatch(name):
        return (
            "the name is not valid (at most 63 letters, digits, '-', '_' and '.', starting and ending "
            "with a letter or digit, after an optional 'prefix/')"
        )
    return ""


def _function_warnings(fn: Function, kube: bool) -> list[str]:
    warnings: list[str] = []
    if kube:
        for kind, resources in fn.resource_kinds:
            memory = resources.memory if resources else ""
            if memory.endswith("m"):
                warnings.append(
                    f"{kind}.memory {memory!r} means {memory[:-1]} milli-bytes on Kubernetes; "
                    f"write {memory[:-1]}Mi for mebibytes"
                )
    elif fn.namespace:
        warnings.append(f"'namespace: {fn.namespace}' has no meaning on Docker Swarm and is ignored")
    return warnings


def _kube_secret_name_error(name: str, object_name: Callable[[str], str]) -> str:
    if not _is_file_name(name):
        return f"is not a valid file name for a secret (letters, digits, '-', '_' and '.'): {RENAME_SECRET}"
    if len(object_name(name)) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(object_name(name)):
        return (
            "cannot be turned into a Kubernetes object name (lower-case letters, digits, '-' and "
            f"'.', starting and ending with a letter or digit): {RENAME_SECRET}"
        )
    return ""


RENAME_SECRET = "rename it in the function's 'secrets:' and in the 'secrets' config"


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
        f"secret {plan.name!r}: file name {file!r} is not valid (letters, digits, '-', '_' and '.', "
        f"at most {KUBERNETES_KEY_CHARS} characters): rename it in `secrets.{plan.name}.files`"
        for plan in plans
        for file in plan.files
        if not _is_file_name(file)
    ]


def _is_file_name(name: str) -> bool:
    """A valid file name in a secret (a Kubernetes Secret's data key, a file under the mount)."""
    return (
        bool(_SECRET_DATA_KEY.fullmatch(name))
        and name not in (".", "..")
        and not name.startswith("..")
        and len(name) <= KUBERNETES_KEY_CHARS
    )


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
