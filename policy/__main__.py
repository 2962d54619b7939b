"""Policy pack for openfaas-stack: what a reviewer would otherwise have to spot in a preview.

Run with `pulumi preview --policy-pack policy` (the pack's own virtualenv, `policy/.venv`, must
exist: `python3 -m venv policy/.venv && policy/.venv/bin/pip install -r policy/requirements.txt`).

Policies, on both targets' resource shapes (Docker Swarm `docker:index/service:Service`, whose
`taskSpec.containerSpec.env` is a map; Kubernetes `apps/v1` `Deployment`, whose containers' `env`
is a list of `{name, value}`; and `openfaas.com/v1` `Function`, whose `spec.environment` is a map):

- `no-secret-in-environment` (mandatory): no secret-looking literal in a function's environment;
  secrets belong in `secrets:` (mounted files), set with `pulumi config set --secret`.
- `mounted-secrets-declared` (mandatory): every secret a workload mounts is a secret resource of
  the same stack (so it came from encrypted config), never a secret created by hand elsewhere.
- `read-only-root-filesystem` (advisory): functions should set `readonly_root_filesystem: true`.

The helpers above `main()` are plain Python on plain data, so they can be read (and tested)
without the policy SDK.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

DOCKER_SERVICE = "docker:index/service:Service"
DOCKER_SECRET = "docker:index/secret:Secret"
K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
K8S_SECRET = "kubernetes:core/v1:Secret"
OPENFAAS_FUNCTION = "kubernetes:openfaas.com/v1:Function"

# Words that mark a variable as holding a credential, matched against the name's words
# (`secret_key`, `API-TOKEN`, `dbPassword` -> secret/key, api/token, db/password).
SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "secret",
        "token",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "credential",
        "credentials",
        "hmac",
        "auth",
        "signature",
        "private",
    }
)
# A last word saying the variable names where the secret is, not the secret itself.
REFERENCE_SUFFIXES = frozenset({"file", "path", "dir", "url", "uri", "name", "ref", "id", "mount", "header"})
PLAIN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "enabled", "disabled"})
_NUMBER_OR_DURATION = re.compile(r"^[0-9]+(\.[0-9]+)?([a-zA-Z]{1,3})?$")
_REFERENCE = re.compile(r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{.*\}\}|<[^>]*>)$")
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9+/=_\-.~^!@#%*:]+$")
HIGH_ENTROPY_MIN_LENGTH = 20
HIGH_ENTROPY_BITS = 3.5


def name_words(name: str) -> list[str]:
    """`secret_key` -> [secret, key]; `apiToken` -> [api, token]; `DB-PASSWORD` -> [db, password]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def is_reference(value: str) -> bool:
    """A path, a URL or a variable/template reference: says where a secret is, not what it is."""
    v = value.strip()
    return (
        v.startswith(("/", "./", "../", "~/"))
        or "://" in v
        or bool(_REFERENCE.match(v))
        or v.startswith("secret:")
    )


def shannon_bits(value: str) -> float:
    """Shannon entropy of `value` in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def is_high_entropy(value: str) -> bool:
    """A long token-like string mixing character classes, as generated keys and passwords are."""
    if len(value) < HIGH_ENTROPY_MIN_LENGTH or not _TOKEN_CHARS.match(value) or is_reference(value):
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )
    hex_like = len(value) >= 32 and all(c in "0123456789abcdefABCDEF" for c in value)
    return (classes >= 3 or hex_like) and shannon_bits(value) >= HIGH_ENTROPY_BITS


def secret_looking(name: str, value: object) -> str | None:
    """Why the environment variable `name=value` looks like a secret in plain text, or None.

    The detector, from the stack files in the wild (faas-cli's `sample/hmac.yml` sets
    `secret_key: "keep-this-secret"`, while others set `secret_path: /var/openfaas/secrets/`,
    `AWS_SHARED_CREDENTIALS_FILE: /var/openfaas/secrets/credentials`, `validate_hmac: true`):

    1. a credential-like name (a word of it is key, secret, token, password, passphrase,
       credential(s), hmac, auth, ...; its last word is not file/path/url/name/... which say where
       the secret is) with a literal, non-empty value that is not a boolean, a number or duration,
       a path, a URL, or a `$VAR` / `${VAR}` / `{{ }}` / `<placeholder>` reference; or
    2. whatever the name, a high-entropy value: at least 20 token characters, mixing three
       character classes (or 32+ hex digits), above 3.5 bits of entropy per character.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    words = name_words(name)
    credential_name = bool(words) and any(w in SECRET_WORDS for w in words)
    if (
        credential_name
        and words[-1] not in REFERENCE_SUFFIXES
        and text.lower() not in PLAIN_WORDS
        and not _NUMBER_OR_DURATION.match(text)
        and not is_reference(text)
    ):
        return f"its name {name!r} says it holds a credential and its value is a literal"
    if is_high_entropy(text):
        return "its value looks like a generated key (long, mixed characters, high entropy)"
    return None


def _get(data: object, *path: str) -> Any:
    """`data[path[0]][path[1]]...`, or None where a step is missing or not a mapping."""
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _items(data: object) -> list[Any]:
    return list(data) if isinstance(data, Sequence) and not isinstance(data, str) else []


def environments(resource_type: str, props: Mapping[str, Any]) -> Iterator[tuple[str, str, object]]:
    """(container, variable, value) of every literal environment variable of a workload."""
    if resource_type == DOCKER_SERVICE:
        name = str(_get(props, "name") or "service")
        env = _get(props, "taskSpec", "containerSpec", "env")
        if isinstance(env, Mapping):
            for key, value in env.items():
                yield name, str(key), value
    elif resource_type == K8S_DEPLOYMENT:
        for container in _items(_get(props, "spec", "template", "spec", "containers")):
            for var in _items(_get(container, "env")):
                if isinstance(var, Mapping) and "value" in var:
                    yield str(_get(container, "name")), str(_get(var, "name")), var["value"]
    elif resource_type == OPENFAAS_FUNCTION:
        env = _get(props, "spec", "environment")
        if isinstance(env, Mapping):
            for key, value in env.items():
                yield str(_get(props, "spec", "name")), str(key), value


def read_only_root(resource_type: str, props: Mapping[str, Any]) -> bool | None:
    """Whether a workload's root filesystem is read-only; None for other resources."""
    if resource_type == DOCKER_SERVICE:
        return _get(props, "taskSpec", "containerSpec", "readOnly") is True
    if resource_type == K8S_DEPLOYMENT:
        containers = _items(_get(props, "spec", "template", "spec", "containers"))
        return bool(containers) and all(
            _get(c, "securityContext", "readOnlyRootFilesystem") is True for c in containers
        )
    if resource_type == OPENFAAS_FUNCTION:
        return _get(props, "spec", "readOnlyRootFilesystem") is True
    return None


UNKNOWN = object()
"""A value the engine cannot know during preview (computed from another resource's output)."""


def mounted_secrets(resource_type: str, props: Mapping[str, Any]) -> list[tuple[str, object]]:
    """(namespace, secret name or UNKNOWN) of every secret a workload mounts or reads."""
    if resource_type == DOCKER_SERVICE:
        return [
            ("", _get(s, "secretName")) for s in _items(_get(props, "taskSpec", "containerSpec", "secrets"))
        ]
    if resource_type == K8S_DEPLOYMENT:
        namespace = str(_get(props, "metadata", "namespace") or "default")
        pod = _get(props, "spec", "template", "spec")
        names: list[object] = []
        for volume in _items(_get(pod, "volumes")):
            if _get(volume, "secret") is not None:
                names.append(_get(volume, "secret", "secretName"))
            names += [_get(src, "secret", "name") for src in _items(_get(volume, "projected", "sources"))]
        for container in _items(_get(pod, "containers")):
            names += [
                _get(var, "valueFrom", "secretKeyRef", "name") for var in _items(_get(container, "env"))
            ]
            names += [_get(src, "secretRef", "name") for src in _items(_get(container, "envFrom"))]
        return [(namespace, n) for n in names if n is not None]
    if resource_type == OPENFAAS_FUNCTION:
        namespace = str(_get(props, "metadata", "namespace") or "default")
        return [(namespace, n) for n in _items(_get(props, "spec", "secrets"))]
    return []


def declared_secret(resource_type: str, props: Mapping[str, Any]) -> tuple[str, object] | None:
    """(namespace, name or UNKNOWN) of a secret resource; None for other resources."""
    if resource_type == DOCKER_SECRET:
        return "", _get(props, "name")
    if resource_type == K8S_SECRET:
        return str(_get(props, "metadata", "namespace") or "default"), _get(props, "metadata", "name")
    return None


def main() -> None:
    from pulumi_policy import (  # the pack's own venv has it, the project's does not
        EnforcementLevel,
        PolicyPack,
        ReportViolation,
        ResourceValidationArgs,
        ResourceValidationPolicy,
        StackValidationArgs,
        StackValidationPolicy,
    )
    from pulumi_policy.proxy import UnknownValueError

    def plain(value: Any) -> Any:
        """A copy of the SDK's property proxies as dicts and lists, unknown values as UNKNOWN."""
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key in value:
                try:
                    out[key] = plain(value[key])
                except UnknownValueError:
                    out[key] = UNKNOWN
            return out
        if isinstance(value, Sequence) and not isinstance(value, str):
            items: list[Any] = []
            for i in range(len(value)):
                try:
                    items.append(plain(value[i]))
                except UnknownValueError:
                    items.append(UNKNOWN)
            return items
        return value

    def no_secret_in_environment(args: ResourceValidationArgs, report: ReportViolation) -> None:
        props = plain(args.props)
        for container, name, value in environments(args.resource_type, props):
            why = secret_looking(name, value)
            if why:
                # The value itself never goes into the message.
                report(
                    f"{container}: environment variable {name!r} looks like a secret in plain text "
                    f"({why}); move it to `secrets:` in the stack file and set it with "
                    f"`pulumi config set --secret --path 'secrets.<name>'`",
                    None,
                )

    def read_only_root_filesystem(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if read_only_root(args.resource_type, plain(args.props)) is False:
            report(
                f"{args.name}: the root filesystem is writable; set `readonly_root_filesystem: true` "
                "for the function in the stack file (it gets a writable /tmp)",
                None,
            )

    def mounted_secrets_declared(args: StackValidationArgs, report: ReportViolation) -> None:
        declared: set[tuple[str, object]] = set()
        declared_urns: set[str] = set()
        for resource in args.resources:
            secret = declared_secret(resource.resource_type, plain(resource.props))
            if secret is not None:
                declared.add(secret)
                declared_urns.add(resource.urn)
        for resource in args.resources:
            for namespace, name in mounted_secrets(resource.resource_type, plain(resource.props)):
                if (namespace, name) in declared:
                    continue
                undecidable = name is UNKNOWN or (namespace, UNKNOWN) in declared
                if undecidable and any(dep.urn in declared_urns for dep in resource.dependencies):
                    # Names not known before the secrets exist (a first preview): the workload
                    # takes them from secret resources of this stack, which is what counts.
                    continue
                shown = "(computed)" if name is UNKNOWN else repr(name)
                report(
                    f"{resource.name}: mounts the secret {shown}"
                    f"{f' in namespace {namespace!r}' if namespace else ''}, which is not a secret "
                    "resource of this stack; declare it in the stack file's `secrets:` and set it "
                    "with `pulumi config set --secret`",
                    resource.urn,
                )

    PolicyPack(
        name="openfaas-stack",
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=[
            ResourceValidationPolicy(
                name="no-secret-in-environment",
                description="No secret-looking literal in a function's environment.",
                validate=no_secret_in_environment,
            ),
            StackValidationPolicy(
                name="mounted-secrets-declared",
                description="Every secret a workload mounts is a secret resource of this stack.",
                validate=mounted_secrets_declared,
            ),
            ResourceValidationPolicy(
                name="read-only-root-filesystem",
                description="Functions should run with a read-only root filesystem.",
                validate=read_only_root_filesystem,
                enforcement_level=EnforcementLevel.ADVISORY,
            ),
        ],
    )


if __name__ == "__main__":
    main()
