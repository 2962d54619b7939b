"""Secret values where they must not be, found before anything is registered.

The program knows every secret value, so it can tell when one was pasted in plain text into a
setting that ends up unencrypted in the state and in previews: a check's URL, headers, body or
expected body, the stack file's environment, labels or annotations, the gateway. A value found
there (raw or in a common encoding) is refused, unless a coincidence is plausible (a value under
8 characters, or one lower-case word such as `localhost`): that is a warning, and only when a
setting is exactly the value. Messages name the setting and the secret, never the value.

It also checks, with the values at hand, that a secret used as a check header can be sent as
one (a trailing newline, common when a value is read from a file, would end the header).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from components.check_config import CheckSpec, header_value_problem, split_userinfo
from components.errors import InputError
from components.redaction import find_secret, find_short_secret
from components.stackfile import StackFile

STATE_RISK = "which would be stored unencrypted in the state and shown in previews"
STATE_RISK_IF = "it would be stored unencrypted in the state and shown in previews"


class SecretExposed(InputError):
    """A secret value is in plain text in a setting, or cannot be used where it is referenced."""


@dataclass(frozen=True)
class Place:
    """A setting whose text is stored in plain text: where it is (`key`), its text, the fix
    (`<name>` in it stands for the secret's name)."""

    key: str
    text: str = ""
    fix: str = ""


def stack_places(stack: StackFile) -> Iterator[Place]:
    """The stack file's plain-text settings: the gateway, and each function's environment, labels,
    annotations, image, fprocess, namespace and constraints."""
    use_secret = "mount the secret (the function's 'secrets:') and read /var/openfaas/secrets/<name>"
    if stack.provider.gateway:
        yield Place(f"{stack.path}: provider.gateway", stack.provider.gateway, "remove it from the URL")
    for name in sorted(stack.functions):
        fn = stack.functions[name]
        where = f"{stack.path}:{fn.line}: function '{name}'"
        for kind, values in (
            ("environment", fn.environment),
            ("label", fn.labels),
            ("annotation", fn.annotations),
        ):
            for key in sorted(values):
                yield Place(f"{where}: {kind} {key!r}", values[key], use_secret)
        yield Place(f"{where}: image", fn.image, "remove it from the image")
        yield Place(f"{where}: fprocess", fn.fprocess, use_secret)
        yield Place(f"{where}: namespace", fn.namespace, "remove it")
        for index, constraint in enumerate(fn.constraints or ()):
            yield Place(f"{where}: constraints[{index}]", constraint, "remove it from the constraint")


def config_places(raw_checks: object, gateway: str, env: Mapping[str, str] | None = None) -> Iterator[Place]:
    """The plain-text config: the gateway and every string in `checks` except secret references,
    and `$OPENFAAS_URL` (it may become a check's URL)."""
    if gateway:
        yield Place("config 'gateway'", gateway, "remove it from the URL")
    if env and env.get("OPENFAAS_URL"):
        yield Place("the OPENFAAS_URL environment variable", env["OPENFAAS_URL"], "remove it from the URL")
    if isinstance(raw_checks, Mapping):
        yield from _walk("checks", raw_checks)


def _walk(key: str, value: object) -> Iterator[Place]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # a numeric API key pasted unquoted
    if isinstance(value, str):
        fix = "use a header from the secret instead ({secret: <name>})" if ".headers." in key else "remove it"
        yield Place(key, value, fix)
    elif isinstance(value, Mapping):
        if set(value) == {"secret"}:
            return  # {secret: <name>}: a reference, not a value
        for inner_key, inner in value.items():
            yield from _walk(f"{key}.{inner_key}", inner)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(f"{key}[{index}]", inner)


def find_exposures(places: Iterator[Place], secrets: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for the places that hold a secret value."""
    errors: list[str] = []
    warnings: list[str] = []
    for place in places:
        if not place.text:
            continue
        found = find_secret(place.text, secrets)
        if found:
            secret, encoding = found
            form = "" if encoding == "raw" else f" ({encoding})"
            errors.append(
                f"{place.key} holds the value of secret {secret!r}{form} in plain text, {STATE_RISK}: "
                f"{place.fix.replace('<name>', secret)}"
            )
            continue
        short = find_short_secret(place.text, secrets)
        if short:
            warnings.append(
                f"{place.key} is the same text as secret {short!r}; if it is the secret, "
                f"{STATE_RISK_IF}: {place.fix.replace('<name>', short)}"
            )
    return errors, warnings


def header_problems(
    checks: Mapping[str, CheckSpec],
    secrets: Mapping[str, str],
    files: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """Errors for secrets referenced as check headers that cannot be one header value: a value
    with a line break (say), or a secret of several files, none of them named as the secret."""
    errors: list[str] = []
    for name in sorted(checks):
        spec = checks[name]
        if not spec.enabled:
            continue
        for header in sorted(spec.secret_headers):
            secret = spec.secret_headers[header]
            names = tuple((files or {}).get(secret, (secret,)))
            if secret not in names and len(names) > 1:
                errors.append(
                    f"checks.{name}.headers.{header}: secret {secret!r} has several files "
                    f"({', '.join(names)}) and none is named {secret!r}, so it is not one value: use a "
                    "secret of one value for the header"
                )
                continue
            problem = header_value_problem(secrets.get(secret, ""))
            if problem:
                errors.append(
                    f"checks.{name}.headers.{header}: the value of secret {secret!r} {problem}: set "
                    f"it without (e.g. `printf '%s' \"$(cat <file>)\" | pulumi config set --secret "
                    f"--path 'secrets.{secret}'`), or give the function a header of its own"
                )
    return errors


def stack_password_warnings(stack: StackFile) -> list[str]:
    """A warning when the stack file's gateway URL holds a password (the file is usually in git)."""
    _, credentials = split_userinfo(stack.provider.gateway)
    if credentials is None or not credentials.partition(":")[2]:
        return []
    return [
        f"{stack.path}: provider.gateway holds a password in plain text (the file is usually in git): "
        "remove it there and set the URL with `pulumi config set --secret gateway <url>`"
    ]
