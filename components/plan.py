"""Stage 3: what to create for a stack file on one target, decided and checked before any resource
exists. Target-neutral: the chosen target's rules (`TargetRules`) come in as an argument.

Nothing here declares a resource: every check runs before anything exists, missing secrets are
found here, and resource names are derived from OpenFaaS names only, never from the order of the
file, so adding or removing a function never touches the others.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from components.errors import InputError
from components.stackfile import Function, StackFile

SECRETS_MOUNT_PATH = "/var/openfaas/secrets"
WATCHDOG_PORT = 8080  # where the OpenFaaS watchdog listens in every function container
SCALE_MIN_LABEL = "com.openfaas.scale.min"
SECRET_FILE_NAME_CHARS = 253  # a Kubernetes Secret's data key, the strictest target's file name

# Every pattern is used with `fullmatch` and `re.ASCII`: `$` alone also matches before a final
# newline, and `\d`/`\w` would take Unicode digits and letters.
SECRET_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?", re.ASCII)
"""What either target takes as a secret's name (Kubernetes' is then lower-cased); Docker's rule."""
_SECRET_FILE_NAME = re.compile(r"[-._a-zA-Z0-9]+", re.ASCII)
# docker/distribution reference grammar, simplified: [host[:port]/]path[:tag][@digest]
_IMAGE = re.compile(
    r"(?:(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?",
    re.ASCII,
)
_ENV_NAME = re.compile(r"[!-<>-~]+", re.ASCII)  # printable ASCII but '=' (Kubernetes 1.30+)
RENAME_SECRET = "rename it in the function's 'secrets:' and in the 'secrets' config"


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


class TargetRules(Protocol):
    """What one target accepts: its names, units and limits, as `make_plan` asks for them.

    Each method returns problems as phrases the plan prefixes with the file, line and function.
    """

    @property
    def name(self) -> str:
        """The `target` config value: `kubernetes` or `swarm`."""
        ...

    @property
    def title(self) -> str:
        """How messages name it: `Kubernetes`, `Docker Swarm`."""
        ...

    @property
    def config_keys(self) -> tuple[str, ...]:
        """The config keys that mean something on this target only."""
        ...

    @property
    def namespaced(self) -> bool:
        """Whether functions and secrets live in namespaces."""
        ...

    def function_name_problem(self, name: str) -> str:
        """What the target refuses in a function's name ("" if nothing)."""
        ...

    def function_problems(self, fn: Function) -> list[str]:
        """What the target refuses in a function's settings (units, metadata), its name aside."""
        ...

    def function_warnings(self, fn: Function) -> list[str]:
        """What the target accepts in a function but probably means something else."""
        ...

    def namespace_problem(self, namespace: str) -> str:
        """What the target refuses in a namespace's name ("" if nothing)."""
        ...

    def secret_name_problem(self, name: str) -> str:
        """What the target refuses in an OpenFaaS secret's name ("" if nothing)."""
        ...

    def secret_size_problems(self, secret: SecretPlan, sizes: Mapping[str, int]) -> list[str]:
        """What is too large in a secret of these file sizes (file -> bytes)."""
        ...

    def secret_clashes(
        self, path: Path, functions: Collection[FunctionPlan], secrets: Collection[SecretPlan]
    ) -> list[str]:
        """Secrets the target would store under one name, or under a name too long for it."""
        ...


def make_plan(
    stack: StackFile,
    *,
    target: TargetRules,
    default_namespace: str,
    configured_secrets: Collection[str] | Mapping[str, Sequence[str]],
    empty_secrets: Collection[str] = (),
    file_sizes: Mapping[str, Mapping[str, int]] | None = None,
) -> DeployPlan:
    """Check `stack` against `target`'s rules and the secrets set in config, and plan resources.

    `configured_secrets` names the secrets set in config, or maps each to its file names (a
    secret given by name alone is one file of the same name). `file_sizes` (secret -> file ->
    bytes), when given, is checked against the target's size limits.
    """
    files_of = (
        {name: tuple(files) for name, files in configured_secrets.items()}
        if isinstance(configured_secrets, Mapping)
        else {name: (name,) for name in configured_secrets}
    )
    errors: list[str] = []
    warnings: list[str] = []
    secret_plans: dict[str, SecretPlan] = {}
    functions: dict[str, FunctionPlan] = {}
    for name in sorted(stack.functions):
        fn = stack.functions[name]
        where = f"{stack.path}:{fn.line}: function '{name}'"
        name_problem = target.function_name_problem(fn.name)
        problems = [
            *([name_problem] if name_problem else []),
            *_function_problems(fn),
            *target.function_problems(fn),
        ]
        errors.extend(f"{where}: {problem}" for problem in problems)
        warnings.extend(f"{where}: {warning}" for warning in target.function_warnings(fn))
        namespace = (fn.namespace or default_namespace) if target.namespaced else ""
        problem = target.namespace_problem(namespace) if target.namespaced else ""
        if problem:
            source = "its 'namespace:'" if fn.namespace else "the 'namespace' config"
            errors.append(f"{where}: namespace {namespace!r} (from {source}) {problem}")
        mounted: list[SecretPlan] = []
        for secret in fn.secrets:
            plan = SecretPlan(secret, namespace, files_of.get(secret, (secret,)))
            problem = target.secret_name_problem(secret)
            if problem:
                errors.append(f"{where}: secret {secret!r} {problem}")
                continue
            secret_plans.setdefault(plan.resource_name, plan)
            if plan not in mounted:
                mounted.append(plan)
        errors.extend(f"{where}: {e}" for e in _file_clashes(mounted))
        functions[name] = FunctionPlan(fn, namespace, _replicas(fn, where, errors), tuple(mounted))

    errors.extend(target.secret_clashes(stack.path, functions.values(), secret_plans.values()))
    errors.extend(_bad_file_names(secret_plans.values()))
    for plan in sorted(secret_plans.values(), key=lambda p: p.resource_name):
        errors.extend(target.secret_size_problems(plan, (file_sizes or {}).get(plan.name, {})))
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
    return DeployPlan(target.name, functions, ordered, tuple(warnings))


def _function_problems(fn: Function) -> list[str]:
    """What no target accepts: a missing or malformed image, an environment variable's name."""
    errors: list[str] = []
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
    return errors


def is_secret_file_name(name: str) -> bool:
    """A valid file name in a secret (a Kubernetes Secret's data key, a file under the mount)."""
    return (
        bool(_SECRET_FILE_NAME.fullmatch(name))
        and name not in (".", "..")
        and not name.startswith("..")
        and len(name) <= SECRET_FILE_NAME_CHARS
    )


def missing_secret_command(name: str) -> str:
    """The command that sets a secret the way the program reads it."""
    return f"pulumi config set --secret --path 'secrets.{name}' <value>"


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
        f"at most {SECRET_FILE_NAME_CHARS} characters): rename it in `secrets.{plan.name}.files`"
        for plan in plans
        for file in plan.files
        if not is_secret_file_name(file)
    ]


def _missing(
    stack: StackFile, configured: Mapping[str, tuple[str, ...]], empty: Collection[str]
) -> list[str]:
    errors: list[str] = []
    for name in sorted(stack.functions):
        fn = stack.functions[name]
        for secret in fn.secrets:
            near = _near_miss(secret, configured)
            if secret not in configured and near:
                errors.append(
                    f"{stack.path}:{fn.line}: function '{name}' needs secret {secret!r}, which is not set; "
                    f"the 'secrets' config has {near!r}, which differs only in case or spaces: remove it "
                    f"with `pulumi config rm --path 'secrets.{near}'` and run "
                    f"`{missing_secret_command(secret)}`"
                )
            elif secret not in configured:
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


def _near_miss(secret: str, configured: Collection[str]) -> str:
    """A configured secret name that differs from `secret` only in case or surrounding spaces ("" if
    none): what a user who ran the suggested command with a typo or a stray space has."""
    wanted = secret.strip().lower()
    return next(
        (name for name in sorted(configured) if name != secret and name.strip().lower() == wanted), ""
    )


def _replicas(fn: Function, where: str, errors: list[str]) -> int:
    """The replicas to deploy, as faas-netes decides them: `com.openfaas.scale.min` when it is at
    least 1, else 1 (openfaas/faas-netes `pkg/handlers/deploy.go`, `getMinReplicaCount`: only a
    minimum `> 0` is used); a value that is not a whole number, or negative, is refused."""
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
    return max(value, 1)
