"""The component's inputs, read and checked: `read_inputs` turns `OpenFaaSStackArgs` (as a Python
program's config or another language's program gives them) into plain values (`Settings`, the
secret values as secret Outputs) and runs the preflight over them; every message it raises or warns
has the secret values redacted, read raw before anything validates them.

Inputs are read as the Python program's config holds them (`InputSource`: text, JSON for objects
and lists), so both ways in get the same checks and the same messages.
A secret is text (`secrets.<name>: value`), binary (`secrets.<name>.base64: ...`) or several files
(`secrets.<name>.files.<file>: value`, each file text or `{base64: ...}`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from components.errors import InputError
from components.preflight import Inputs, preflight
from components.settings import (
    CHECK_ROUTES,
    EDITIONS,
    PULL_POLICIES,
    WORKLOADS,
    ConfigError,
    Settings,
    config_file,
)
from components.shared.durations import duration_seconds
from components.shared.files import FileProblem, read_bytes_limited
from components.shared.redaction import MIN_REDACTED_CHARS, SecretIndex, redactor
from components.shared.secret_values import SecretValues, secret_values
from components.shared.urls import url_userinfo
from components.shared.values import describe
from components.stack_args import INPUT_NAMES, OpenFaaSStackArgs
from components.stackfile import default_stack_path
from components.targets import RULES, TARGET_NAMES
from components.targets.kubernetes.rules import dns_label_suggestion

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"  # the Docker provider's, as the docker CLI's
# The Kubernetes provider's own inputs, by the names `Settings.secret_kube_keys` gives them.
KUBE_INPUTS = {"kubeconfig": "kubeconfig", "context": "kubeContext"}


@dataclass(frozen=True)
class InputSource:
    """The component's inputs as a Python program's config holds them: text, with objects, lists
    and booleans as JSON; and which of them arrived as secrets."""

    args: OpenFaaSStackArgs
    secret_inputs: frozenset[str] = frozenset()
    """The inputs (by their camelCase names) that were secret where they came from."""

    def text(self, key: str) -> str | None:
        """The input `key` (camelCase) as config text, None when not given."""
        value = getattr(self.args, INPUT_NAMES[key])
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)

    def is_secret(self, key: str) -> bool:
        return key in self.secret_inputs

    def get_bool(self, key: str) -> bool | None:
        """As `pulumi.Config.get_bool` reads text: true or false, any other text is an error."""
        value = self.text(key)
        if value is None:
            return None
        if value in ("true", "True"):
            return True
        if value in ("false", "False"):
            return False
        raise ConfigError(config_file(), f"config '{key}' must be true or false")


def read_inputs(source: InputSource, project_dir: Path, env: Mapping[str, str]) -> Inputs:
    """Read the inputs, then check every one (`preflight`); raises `InputError` with every
    secret value redacted from its message, and redacts the warnings too.

    A value can reach a message by ways no single check foresees (a `${VAR}` that holds it, a
    key, a config setting), so the redaction covers everything, not only what is known to hold one.
    """
    redact = _secret_redactor(source, project_dir)
    try:
        settings, values = read_settings(source, project_dir)
        settings = dataclasses.replace(
            settings,
            kubeconfig=source.text("kubeconfig"),
            kube_context=source.text("kubeContext"),
            secret_kube_keys=frozenset(key for key, name in KUBE_INPUTS.items() if source.is_secret(name)),
            docker_host=source.text("dockerHost") or env.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST,
        )
        inputs = preflight(settings, values, project_dir, env)
    except InputError as error:
        raise InputError([redact(problem) for problem in error.problems], redact(error.where)) from None
    return dataclasses.replace(inputs, warnings=tuple(redact(warning) for warning in inputs.warnings))


def _secret_redactor(source: InputSource, project_dir: Path) -> Callable[[str], str]:
    """Redacts each value under the `secrets` config, read raw, before anything validates it,
    and the content of each file a `fromFile` names."""
    try:
        raw = json.loads(source.text("secrets") or "null")
    except (TypeError, ValueError, RecursionError):
        raw = None
    values = [value for value in _texts(raw, project_dir) if len(value.strip()) >= MIN_REDACTED_CHARS]
    # and the form a rename hint would propose for a function named with the value
    hints = [hint for hint in map(dns_label_suggestion, values) if len(hint) >= MIN_REDACTED_CHARS]
    return redactor([*values, *hints])


def _texts(value: object, project_dir: Path, depth: int = 0) -> Iterator[str]:
    """Every text a secrets config value holds, what its `{base64: ...}` entries decode to and
    the text of the files its `{fromFile: ...}` entries name (the path itself is not secret)."""
    if depth > 16:  # deeper is refused by read_settings
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "base64" and isinstance(inner, str):
                with contextlib.suppress(binascii.Error, ValueError):
                    yield base64.b64decode(inner, validate=False).decode("utf-8")
            if key == FROM_FILE and isinstance(inner, str):
                with contextlib.suppress(ConfigError, UnicodeDecodeError):
                    yield _file_content("", inner, project_dir).decode("utf-8")
                continue
            yield from _texts(inner, project_dir, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            yield from _texts(inner, project_dir, depth + 1)


def read_settings(config: InputSource, project_dir: Path) -> tuple[Settings, SecretValues]:
    """Read the project's config; returns the settings and the secret values as secret Outputs."""
    secrets = _read_secrets(config, project_dir)
    # An invalid setting is quoted in its error, unless it holds a secret's value.
    texts = SecretValues({}, secrets).texts()
    target = config.text("target") or "kubernetes"
    if target not in TARGET_NAMES:
        raise ConfigError(
            config_file(),
            f"config 'target' is {_quote(target, texts)}; it must be one of {', '.join(TARGET_NAMES)}: "
            "run `pulumi config set target kubernetes` (or `swarm`)",
        )
    stack_file = config.text("stackFile")
    workload = _choice(config, "kubernetesWorkload", WORKLOADS, texts)
    pull_policy = _choice(
        config, "imagePullPolicy", PULL_POLICIES, texts, " (as a container's imagePullPolicy)"
    )
    if config.text("kubernetesReadyTimeout") == "0":
        raise ConfigError(
            config_file(),
            "config 'kubernetesReadyTimeout' is '0'; give a duration such as 90s or 5m "
            "(not to wait at all, set `pulumi config set skipAwait true`)",
        )
    check_via = _choice(config, "checkVia", CHECK_ROUTES, texts)
    if check_via == "kubernetes-api" and target != "kubernetes":
        raise ConfigError(
            config_file(), "config 'checkVia' is 'kubernetes-api', which needs target kubernetes"
        )
    defaults = _project_defaults(project_dir)
    set_keys = frozenset(
        key
        for rules in RULES.values()
        for key in rules.config_keys
        if _differs_from_default(config.text(key), defaults, key)
    )
    settings = Settings(
        target=target,
        stack_file=project_dir / stack_file if stack_file else default_stack_path(project_dir),
        namespace=config.text("namespace") or "openfaas-fn",
        gateway=config.text("gateway") or "",
        filter=config.text("filter") or "",
        regex=config.text("regex") or "",
        secret_files={name: tuple(sorted(files)) for name, files in secrets.items()},
        secret_sizes={
            name: {file: len(data) for file, data in files.items()} for name, files in secrets.items()
        },
        empty_secrets=frozenset(name for name, files in secrets.items() if not all(files.values())),
        kubernetes_workload=workload,
        skip_await=_bool(config, "skipAwait"),
        image_pull_policy=pull_policy,
        ready_timeout=_duration(config, "kubernetesReadyTimeout", "5m", texts),
        check_via=check_via,
        create_namespaces=_bool(config, "createNamespaces"),
        adopt_secrets=frozenset(_names(config, "adoptSecrets")),
        adopt_functions=frozenset(_names(config, "adoptFunctions", "function", ADOPT_ALL)),
        adopt_all_functions=config.text("adoptFunctions") == ADOPT_ALL,
        openfaas_edition=_choice(
            config, "openfaasEdition", EDITIONS, texts, " (which OpenFaaS serves the cluster; auto reads it)"
        ),
        openfaas_namespace=config.text("openfaasNamespace") or "openfaas",
        swarm_network=config.text("swarmNetwork") or "",
        swarm_converge_timeout=_duration(config, "swarmConvergeTimeout", "2m", texts),
        published_ports=_ports(config),
        checks=_object(config, "checks"),
        set_keys=set_keys,
        warnings=tuple(_credential_warnings(config)),
    )
    return settings, secret_values(secrets)


def _choice(
    config: InputSource, key: str, choices: tuple[str, ...], texts: Mapping[str, str], hint: str = ""
) -> str:
    """The value of `key`, one of `choices` (the first is the default)."""
    value = config.text(key) or choices[0]
    if value not in choices:
        raise ConfigError(
            config_file(),
            f"config '{key}' is {_quote(value, texts)}; it must be one of {', '.join(choices)}{hint}",
        )
    return value


def _quote(value: str, texts: Mapping[str, str]) -> str:
    """`value` quoted for a message, or a phrase saying it is not shown when it holds a secret's
    value (one of `texts`, `SecretValues.texts`)."""
    return "a secret's value (not shown)" if SecretIndex(texts).holds(value) else repr(value)


def _project_defaults(project_dir: Path) -> Mapping[str, object]:
    """The `default:` of each config key Pulumi.yaml declares (Pulumi fills them in)."""
    try:
        project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    declared = project.get("config") if isinstance(project, dict) else None
    if not isinstance(declared, dict):
        return {}
    return {str(k): v["default"] for k, v in declared.items() if isinstance(v, dict) and "default" in v}


def _differs_from_default(value: str | None, defaults: Mapping[str, object], key: str) -> bool:
    """True when the user set `key` to something other than Pulumi.yaml's default."""
    if value is None:
        return False
    if key not in defaults:
        return True
    default = defaults[key]
    if isinstance(default, str):
        return value != default
    try:
        return bool(json.loads(value) != default)
    except ValueError:
        return True


def _credential_warnings(config: InputSource) -> list[str]:
    """Warnings for a URL password kept in plain text in the stack's config file."""
    urls = [("gateway", "gateway", config.text("gateway") or "", "gateway <url>")]
    checks = _object(config, "checks")
    if isinstance(checks, dict):
        urls += [
            ("checks", f"checks.{name}.url", entry["url"], f"--path 'checks.{name}.url' <url>")
            for name, entry in sorted(checks.items())
            if isinstance(entry, dict) and isinstance(entry.get("url"), str)
        ]
    warnings: list[str] = []
    for key, where, url, command in urls:
        userinfo = url_userinfo(url)
        if userinfo and ":" in userinfo and not config.is_secret(key):
            warnings.append(
                f"{config_file()}: config '{where}' holds a URL password in plain text: set it as a secret "
                f"with `pulumi config set --secret {command}` (the check sends it as Basic auth)"
            )
    return warnings


def _read_secrets(config: InputSource, project_dir: Path) -> dict[str, dict[str, bytes]]:
    key = "secrets"
    try:
        parsed = json.loads(config.text(key) or "{}")
    except RecursionError:
        raise ConfigError(
            config_file(), _too_deep("secrets", "--secret --path 'secrets.<name>' <value>")
        ) from None
    except (TypeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        kind = "plain text" if parsed is None else describe(parsed)  # JSON that did not parse is text
        raise ConfigError(
            config_file(),
            f"config 'secrets' must be an object of OpenFaaS secret name -> value, not {kind}: "
            "remove it with `pulumi config rm secrets` and set each secret with "
            "`pulumi config set --secret --path 'secrets.<name>' <value>`",
        )
    if parsed and not config.is_secret(key):
        raise ConfigError(
            config_file(),
            "config 'secrets' is stored in plain text in the stack's config file: remove it with "
            "`pulumi config rm secrets` and set each value with "
            "`pulumi config set --secret --path 'secrets.<name>' <value>`",
        )
    return {name: _secret_files(name, value, project_dir) for name, value in parsed.items()}


def _secret_files(name: str, value: object, project_dir: Path) -> dict[str, bytes]:
    """`value` as file name -> content: text, `{base64: ...}`, `{fromFile: <path>}`, or
    `{files: {file: one of those}}`."""
    if isinstance(value, dict) and set(value) == {"files"} and isinstance(value["files"], dict):
        if not value["files"]:
            raise ConfigError(config_file(), f"config 'secrets.{name}.files' is empty: add at least one file")
        return {
            file: _content(f"{name}.files.{file}", content, project_dir)
            for file, content in value["files"].items()
        }
    return {name: _content(name, value, project_dir)}


# `secrets.<name>.fromFile: <path>`: the value is the file's content, read at each run. Pulumi hands
# a program all its config in one environment variable, which Linux caps at 128 KiB (MAX_ARG_STRLEN),
# so a CA bundle set as a config value stops every run with "argument list too long".
FROM_FILE = "fromFile"
# The most any target holds (a Kubernetes Secret); the target's own limit is checked later.
MAX_SECRET_FILE_BYTES = 1024 * 1024


def _file_content(where: str, path_text: str, project_dir: Path) -> bytes:
    """The bytes of the file `path_text` names (relative to the project directory), checked
    for its kind and size before it is read."""
    key = f"config 'secrets.{where}.{FROM_FILE}'"
    path = project_dir / Path(path_text).expanduser()
    fix = f"give the path of a readable file of at most 1 MiB ({MAX_SECRET_FILE_BYTES} bytes)"
    shown = repr(str(path))
    try:
        return read_bytes_limited(path, MAX_SECRET_FILE_BYTES)
    except FileNotFoundError as error:
        problem = error.strerror or "No such file or directory"
    except FileProblem as error:
        if not error.regular:
            raise ConfigError(config_file(), f"{key} names {shown}, which is not a file: {fix}") from None
        if error.size is not None:
            raise ConfigError(
                config_file(),
                f"{key} names {shown}, of {error.size} bytes, more than any target holds in one "
                f"secret: {fix}, or split it into several secrets",
            ) from None
        problem = str(error)
    except OSError as error:
        problem = error.strerror or str(error)
    raise ConfigError(config_file(), f"{key}: cannot read {shown} ({problem}): {fix}")


def _content(where: str, value: object, project_dir: Path) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, dict) and set(value) == {FROM_FILE} and isinstance(value[FROM_FILE], str):
        return _file_content(where, value[FROM_FILE], project_dir)
    if isinstance(value, dict) and set(value) == {"base64"} and isinstance(value["base64"], str):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(
                config_file(),
                f"config 'secrets.{where}.base64' is not valid base64: encode the file with "
                f"`base64 -w0 <file> | pulumi config set --secret --path 'secrets.{where}.base64'`",
            ) from None
    raise ConfigError(
        config_file(),
        f"config 'secrets.{where}' must be text, {{base64: ...}}, {{fromFile: <path>}} or (for several "
        f"files) {{files: {{<file>: ...}}}}: run "
        f"`pulumi config set --secret --path 'secrets.{where}' <value>`",
    )


ADOPT_ALL = "all"


def _names(config: InputSource, key: str, kind: str = "secret", word: str | None = None) -> list[str]:
    """A list of names; `word` (e.g. `all`) may stand for the whole list, which is then empty."""
    text = config.text(key)
    if word is not None and text == word:
        return []
    try:
        raw = json.loads(text) if text is not None else []
    except (ValueError, RecursionError):
        raw = None  # plain text: one name where a list belongs
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        either = f", or `pulumi config set {key} {word}`" if word else ""
        raise ConfigError(
            config_file(),
            f"config '{key}' must be a list of {kind} names, "
            f"e.g. `pulumi config set --path '{key}[0]' <name>`{either}",
        )
    return raw


MAX_WAIT = "24h"


def _duration(config: InputSource, key: str, default: str, texts: Mapping[str, str]) -> str:
    """A Go duration (`90s`, `1m30s`), at most `MAX_WAIT`: a rollout still waiting after a day is
    stuck, and a longer wait only hides it (Go's own limit, about 292 years, wraps around)."""
    value = config.text(key) or default
    seconds = duration_seconds(value)
    if seconds is None:
        raise ConfigError(
            config_file(),
            f"config '{key}' is {_quote(value, texts)}: give a duration such as 90s or 2m, or 0 not to wait",
        )
    if seconds > 24 * 3600:
        raise ConfigError(
            config_file(),
            f"config '{key}' is {_quote(value, texts)}, more than {MAX_WAIT}: give at most {MAX_WAIT}",
        )
    return value


def _bool(config: InputSource, key: str) -> bool:
    return bool(config.get_bool(key))


def _object(config: InputSource, key: str) -> object:
    raw = config.text(key)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except RecursionError:
        raise ConfigError(config_file(), _too_deep(key, f"--path '{key}.<name>' <value>")) from None
    except ValueError:
        raise ConfigError(
            config_file(),
            f"config '{key}' must be an object, not plain text: remove it with `pulumi config rm {key}` "
            f"and set each entry with `pulumi config set --path '{key}.<name>' <value>`",
        ) from None


def _too_deep(key: str, set_entry: str) -> str:
    """The message for a config value nested deeper than JSON can be read here (about 1,000 levels)."""
    return (
        f"config '{key}' is nested too deeply to read: remove it with `pulumi config rm {key}` and set "
        f"each entry with `pulumi config set {set_entry}`"
    )


def _ports(config: InputSource) -> dict[str, int]:
    raw = _object(config, "publishedPorts") or {}
    ports: dict[str, int] = {}
    if isinstance(raw, dict):
        for name, port in raw.items():
            if isinstance(port, (int, str)) and re.fullmatch(r"[0-9]+", str(port)) and 0 < int(port) < 65536:
                ports[name] = int(port)
    if not isinstance(raw, dict) or len(ports) != len(raw):
        raise ConfigError(
            config_file(),
            "config 'publishedPorts' must map function names to host ports, e.g. "
            "`pulumi config set --path 'publishedPorts.protectedapi' 8081`",
        )
    return ports
