"""The Kubernetes target's names, units and limits, as the API server enforces them: `RULES`.

A function is a Deployment and a Service named as the function (a DNS-1035 label); a secret is a
Secret named `secret_object_name(<name>)` whose data keys are its file names.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.plan import RENAME_SECRET, FunctionPlan, SecretPlan, is_secret_file_name
from components.stackfile import Function

NAME_CHARS = 63  # a DNS label: an object name, a label value, a namespace
SUBDOMAIN_CHARS = 253  # a DNS subdomain: a Secret's name, a label key's prefix
SECRET_BYTES = 1 << 20  # the API server's limit on a Secret's data
ANNOTATIONS_BYTES = 256 * 1024
CONFIG_KEYS = (
    "namespace",
    "kubernetesWorkload",
    "skipAwait",
    "imagePullPolicy",
    "kubernetesReadyTimeout",
    "createNamespaces",
    "adoptSecrets",
    "adoptFunctions",
    "openfaasEdition",
    "openfaasNamespace",
)

# Every pattern is used with `fullmatch` and `re.ASCII`.
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", re.ASCII)
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", re.ASCII)
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?", re.ASCII)
_K8S_QUANTITY = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?", re.ASCII)
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", re.ASCII)


FUNCTION_LABEL = "faas_function"
"""The label faas-netes selects a function's pods by (`pkg/handlers/deploy.go`)."""

_API_PATHS = {
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "Service": "/api/v1/namespaces/{ns}/services",
    "Secret": "/api/v1/namespaces/{ns}/secrets",
    "Namespace": "/api/v1/namespaces",
}


def api_path(kind: str, namespace: str, name: str = "") -> str:
    """The API server's path of the objects of `kind` in `namespace`, or of the one named `name`."""
    path = _API_PATHS[kind].format(ns=namespace)
    return f"{path}/{name}" if name else path


PROJECTED_SUFFIX = "-projected-secrets"


def projected_volume_name(function: str) -> str:
    """The volume holding a function's secrets, named as faas-netes names it
    (`pkg/handlers/deploy.go`: `<name>-projected-secrets`); a volume name is a DNS label."""
    return f"{function}{PROJECTED_SUFFIX}"


def secret_object_name(name: str) -> str:
    """`secret_api_key` -> `secret-api-key`: the Secret's DNS-1123 name; the data keys keep the
    OpenFaaS name, so the function reads /var/openfaas/secrets/secret_api_key as on faas-netes."""
    return name.lower().replace("_", "-")


@dataclass(frozen=True)
class KubernetesRules:
    """`TargetRules` for Kubernetes."""

    name: str = "kubernetes"
    title: str = "Kubernetes"
    config_keys: tuple[str, ...] = CONFIG_KEYS
    namespaced: bool = True

    def function_name_problem(self, name: str) -> str:
        if len(name) <= NAME_CHARS and _DNS1035_LABEL.fullmatch(name):
            return ""
        suggestion = dns_label_suggestion(name)
        return (
            "the name must be a valid DNS-1035 label on Kubernetes (lower-case letters, digits and "
            f"'-', starting with a letter, at most {NAME_CHARS} characters): rename the function"
            + (f", e.g. to {suggestion!r}" if _DNS1035_LABEL.fullmatch(suggestion) else "")
        )

    def function_problems(self, fn: Function) -> list[str]:
        errors = _metadata_errors(fn)
        volume = projected_volume_name(fn.name)
        if fn.secrets and len(volume) > NAME_CHARS and len(fn.name) <= NAME_CHARS:
            errors.append(
                f"the name is too long for a function that mounts secrets: its secrets volume "
                f"{volume!r} would have {len(volume)} characters, and Kubernetes allows {NAME_CHARS}: "
                f"rename the function to at most {NAME_CHARS - len(PROJECTED_SUFFIX)} characters"
            )
        for kind, resources in fn.resource_kinds:
            for unit, value in (("memory", resources.memory if resources else ""),
                                ("cpu", resources.cpu if resources else "")):  # fmt: skip
                if value and not _K8S_QUANTITY.fullmatch(value):
                    example = "128Mi or 1Gi" if unit == "memory" else "100m or 0.5"
                    errors.append(
                        f"{kind}.{unit} {value!r} is not a Kubernetes quantity: write e.g. {example}"
                    )
        return errors

    def function_warnings(self, fn: Function) -> list[str]:
        warnings: list[str] = []
        for kind, resources in fn.resource_kinds:
            memory = resources.memory if resources else ""
            if memory.endswith("m"):
                warnings.append(
                    f"{kind}.memory {memory!r} means {memory[:-1]} milli-bytes on Kubernetes; "
                    f"write {memory[:-1]}Mi for mebibytes"
                )
        return warnings

    def namespace_problem(self, namespace: str) -> str:
        if len(namespace) <= NAME_CHARS and _DNS1123_LABEL.fullmatch(namespace):
            return ""
        return (
            "is not a valid Kubernetes namespace name: use lower-case letters, digits and '-', "
            f"at most {NAME_CHARS} characters"
        )

    def secret_name_problem(self, name: str) -> str:
        if not is_secret_file_name(name):
            return (
                f"is not a valid file name for a secret (letters, digits, '-', '_' and '.'): {RENAME_SECRET}"
            )
        object_name = secret_object_name(name)
        if len(object_name) > SUBDOMAIN_CHARS or not _DNS1123_SUBDOMAIN.fullmatch(object_name):
            return (
                "cannot be turned into a Kubernetes object name (lower-case letters, digits, '-' and "
                f"'.', starting and ending with a letter or digit): {RENAME_SECRET}"
            )
        return ""

    def secret_size_problems(self, secret: SecretPlan, sizes: Mapping[str, int]) -> list[str]:
        total = sum(sizes.values())
        if total <= SECRET_BYTES:
            return []
        return [
            f"secret {secret.name!r} holds {total} bytes: a Kubernetes Secret holds at "
            f"most 1 MiB ({SECRET_BYTES} bytes): split it into several secrets"
        ]

    def secret_clashes(
        self, path: Path, functions: Collection[FunctionPlan], secrets: Collection[SecretPlan]
    ) -> list[str]:
        by_object: dict[tuple[str, str], list[str]] = {}
        for plan in secrets:
            by_object.setdefault((plan.namespace, secret_object_name(plan.name)), []).append(plan.name)
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


RULES = KubernetesRules()


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
        if len(value) > NAME_CHARS or (value and not _LABEL_NAME.fullmatch(value)):
            errors.append(
                f"label {key!r}: the value is not a valid Kubernetes label value (at most {NAME_CHARS} "
                "letters, digits, '-', '_' and '.', starting and ending with a letter or digit): change "
                "it, or make it an annotation"
            )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in fn.annotations.items())
    if size > ANNOTATIONS_BYTES:
        errors.append(
            f"the annotations hold {size} bytes; Kubernetes allows 256 KiB ({ANNOTATIONS_BYTES} "
            "bytes) in all: make them smaller"
        )
    return errors


def _qualified_name_problem(key: str) -> str:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > SUBDOMAIN_CHARS or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return "the prefix before '/' is not a DNS subdomain (lower-case letters, digits, '-' and '.')"
    if not name or len(name) > NAME_CHARS or not _LABEL_NAME.fullmatch(name):
        return (
            f"the name is not valid (at most {NAME_CHARS} letters, digits, '-', '_' and '.', starting and "
            "ending with a letter or digit, after an optional 'prefix/')"
        )
    return ""


def dns_label_suggestion(name: str) -> str:
    """`name` made into a DNS-1035 label as the rename hint for a Kubernetes function proposes it."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:NAME_CHARS].rstrip("-")
