"""Secret values where they must not be, found before anything is registered.

The program knows every secret value, so it can tell when one was pasted in plain text into a
setting that ends up unencrypted in the state and in previews (or in a message): a check's URL,
header names and values, body or expected body, the stack file's environment, labels and
annotations (names and values), the gateway, plain settings such as `namespace`. A value found
there (raw or in a common encoding) is refused, unless a coincidence is plausible (a value under
8 characters, or one lower-case word such as `localhost`): that is a warning, and only when a
setting is exactly the value. Messages name the setting and the secret, never the value; a
setting under a name that holds a value is named by its position ("environment variable 2").

It also checks, with the values at hand, that a secret used as a check header can be sent as
one (a trailing newline, common when a value is read from a file, would end the header).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from components.check.spec import CheckSpec, header_value_problem
from components.errors import InputError
from components.settings import Settings
from components.shared.redaction import MIN_REDACTED_CHARS, SecretIndex
from components.shared.urls import split_userinfo
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


def _shows_nothing(_text: str) -> bool:
    return False


NAME_NOT_VALUE = "give the secret's name there, not its value"


def stack_places(stack: StackFile, hides: Callable[[str], bool] = _shows_nothing) -> Iterator[Place]:
    """The stack file's plain-text settings: the gateway, and each function's name, the names and
    values of its environment, labels and annotations, its image, fprocess, namespace,
    constraints and the names of the secrets it mounts.

    A name for which `hides` is true (it holds a secret's value) is quoted in no place's key: the
    place is named by its position instead ("environment variable 2").
    """
    use_secret = "mount the secret (the function's 'secrets:') and read /var/openfaas/secrets/<name>"
    if stack.provider.gateway:
        yield Place(f"{stack.path}: provider.gateway", stack.provider.gateway, "remove it from the URL")
    for name in sorted(stack.functions):
        fn = stack.functions[name]
        at = f"{stack.path}:{fn.line}:"
        yield Place(f"{at} the function's name", name, "rename the function")
        where = f"{at} a function" if hides(name) else f"{at} function '{name}'"
        for kind, noun, values in (
            ("environment", "environment variable", fn.environment),
            ("label", "label", fn.labels),
            ("annotation", "annotation", fn.annotations),
        ):
            position = {key: index for index, key in enumerate(values, 1)}
            for key in sorted(values):
                yield Place(f"{where}: the name of {noun} {position[key]}", key, use_secret)
                label = f"{noun} {position[key]}" if hides(key) else f"{kind} {key!r}"
                yield Place(f"{where}: {label}", values[key], use_secret)
        yield Place(f"{where}: image", fn.image, "remove it from the image")
        yield Place(f"{where}: fprocess", fn.fprocess, use_secret)
        yield Place(f"{where}: namespace", fn.namespace, "remove it")
        for index, constraint in enumerate(fn.constraints or ()):
            yield Place(f"{where}: constraints[{index}]", constraint, "remove it from the constraint")
        for index, secret in enumerate(fn.secrets):
            yield Place(f"{where}: secrets[{index}]", secret, NAME_NOT_VALUE)


def config_places(
    settings: Settings, env: Mapping[str, str] | None = None, hides: Callable[[str], bool] = _shows_nothing
) -> Iterator[Place]:
    """The plain-text config: the gateway, the settings stored or shown in plain text (namespace,
    swarmNetwork, filter, regex, stackFile, adoptSecrets, adoptFunctions, the names in
    publishedPorts), every name and string in `checks` (the names in secret references too) and
    `$OPENFAAS_URL` (it may become a check's URL). A name for which `hides` is true is quoted in
    no place's key."""
    if settings.gateway:
        yield Place("config 'gateway'", settings.gateway, "remove it from the URL")
    if env and env.get("OPENFAAS_URL"):
        yield Place("the OPENFAAS_URL environment variable", env["OPENFAAS_URL"], "remove it from the URL")
    if "namespace" in settings.set_keys:
        yield Place("config 'namespace'", settings.namespace, "remove it")
    for key, value in (
        ("swarmNetwork", settings.swarm_network),
        ("filter", settings.filter),
        ("regex", settings.regex),
        ("stackFile", str(settings.stack_file)),
    ):
        yield Place(f"config '{key}'", value, "remove it")
    for name in sorted(settings.adopt_secrets):
        yield Place("config 'adoptSecrets'", name, NAME_NOT_VALUE)
    for name in sorted(settings.adopt_functions):
        yield Place("config 'adoptFunctions'", name, "give a function's name there, not a secret's value")
    for index, name in enumerate(settings.published_ports, 1):
        yield Place(f"the name of entry {index} of config 'publishedPorts'", name, "remove it")
    if isinstance(settings.checks, Mapping):
        yield from _walk("checks", settings.checks, hides)


def _fix(key: str) -> str:
    return "use a header from the secret instead ({secret: <name>})" if ".headers." in key else "remove it"


def _walk(key: str, value: object, hides: Callable[[str], bool]) -> Iterator[Place]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # a numeric API key pasted unquoted
    if isinstance(value, str):
        yield Place(key, value, _fix(key))
    elif isinstance(value, Mapping):
        if set(value) == {"secret"}:
            # {secret: <name>}: a reference, not a value; but its name is stored in plain text
            if isinstance(value["secret"], str):
                yield Place(f"{key}.secret", value["secret"], NAME_NOT_VALUE)
            return
        noun = "entry" if key == "checks" else "header" if key.endswith(".headers") else "key"
        for index, (inner_key, inner) in enumerate(value.items(), 1):
            name = str(inner_key)
            yield Place(f"the name of {noun} {index} of {key}", name, _fix(f"{key}."))
            yield from _walk(f"{key}.<{noun} {index}>" if hides(name) else f"{key}.{name}", inner, hides)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(f"{key}[{index}]", inner, hides)


def find_exposures(
    places: Iterable[Place], secrets: Mapping[str, str] | SecretIndex
) -> tuple[list[str], list[str]]:
    """(errors, warnings) for the places that hold a secret value (each secret's forms are
    computed once, however many places there are)."""
    index = secrets if isinstance(secrets, SecretIndex) else SecretIndex(secrets)
    errors: list[str] = []
    warnings: list[str] = []
    for place in places:
        if not place.text:
            continue
        found = index.find(place.text)
        if found:
            secret, encoding = found
            form = "" if encoding == "raw" else f" ({encoding})"
            errors.append(
                f"{place.key} holds the value of secret {secret!r}{form} in plain text, {STATE_RISK}: "
                f"{place.fix.replace('<name>', secret)}"
            )
            continue
        short = index.find_short(place.text)
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


def weak_secret_warnings(
    texts: Mapping[str, str], stack: StackFile, project_dir: Path, config_file: str
) -> list[str]:
    """Warnings for secret values messages cannot hide well: shorter than `MIN_REDACTED_CHARS` (shown
    as they are), or ordinary text of the stack file or the project's path (shown as `[secret]`
    wherever that text is quoted). `texts` as `SecretValues.texts`; no value is quoted."""
    try:
        stack_text = stack.path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        stack_text = ""
    warnings: list[str] = []
    for name, value in sorted(texts.items()):
        shown = value.strip()
        command = f"`pulumi config set --secret --path 'secrets.{name}' <value>`"
        if 0 < len(shown) < MIN_REDACTED_CHARS:
            warnings.append(
                f"{config_file}: secret {name!r} is {len(shown)} characters long: values shorter than "
                f"{MIN_REDACTED_CHARS} are not hidden from messages (hiding them would garble every "
                f"message) and are easy to guess: set a longer one with {command}"
            )
            continue
        places = [
            where
            for where, text in (
                ("the project's path", str(project_dir)),
                (f"the stack file {stack.path}", stack_text),
            )
            if shown and shown in text
        ]
        if places:
            warnings.append(
                f"{config_file}: secret {name!r} has a value that is also ordinary text of "
                f"{' and '.join(places)}: messages will show '[secret]' wherever that text appears, "
                f"and the value is easy to guess: set one that is not an everyday word with {command}"
            )
    return warnings
