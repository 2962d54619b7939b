"""The program's Pulumi stack config, read and checked in one place.

Secret values leave this module only as secret Outputs; the plain `Settings` carries their names.
A secret is text (`secrets.<name>: value`), binary (`secrets.<name>.base64: ...`) or several files
(`secrets.<name>.files.<file>: value`, each file text or `{base64: ...}`), as
`kubectl create secret generic <name> --from-file a --from-file b` makes them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import yaml

from components.check_config import url_userinfo
from components.cluster import is_inline_kubeconfig
from components.errors import InputError
from components.plan import TARGETS
from components.redaction import SecretIndex
from components.service_proxy import ClusterAccess
from components.stackfile import default_stack_path

WORKLOADS = ("deployment", "function-crd")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
CHECK_ROUTES = ("auto", "gateway", "kubernetes-api")
# Config keys that mean something on one target only.
TARGET_KEYS = {
    "kubernetes": (
        "namespace",
        "kubernetesWorkload",
        "skipAwait",
        "imagePullPolicy",
        "kubernetesReadyTimeout",
        "createNamespaces",
        "adoptSecrets",
    ),
    "swarm": ("swarmNetwork", "swarmConvergeTimeout", "publishedPorts"),
}


class ConfigError(InputError):
    """Stack config that cannot be used; the message names the config file, the key and the fix."""

    def __init__(self, config_file: str, message: str) -> None:
        super().__init__(message, config_file)


@dataclass(frozen=True)
class Settings:
    """Everything the program takes from `pulumi config`, except secret values."""

    target: str = "kubernetes"
    stack_file: Path = Path("stack.yaml")
    namespace: str = "openfaas-fn"
    gateway: str = ""
    filter: str = ""
    regex: str = ""
    secret_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    secret_sizes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    empty_secrets: frozenset[str] = frozenset()
    kubernetes_workload: str = "deployment"
    skip_await: bool = False
    image_pull_policy: str = "Always"
    ready_timeout: str = "5m"
    check_via: str = "auto"
    create_namespaces: bool = False
    adopt_secrets: frozenset[str] = frozenset()
    swarm_network: str = ""
    swarm_converge_timeout: str = "2m"
    published_ports: Mapping[str, int] = field(default_factory=dict)
    checks: object = None
    set_keys: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()


class SecretValues:
    """Each OpenFaaS secret's files, as secret Outputs of their base64-encoded content.

    `plain` (secret name -> its files' content) is kept only so that `texts` can compare values
    with plain-text settings before anything is registered.
    """

    def __init__(
        self,
        files: Mapping[str, Mapping[str, pulumi.Output[str]]],
        plain: Mapping[str, Mapping[str, bytes]] | None = None,
    ) -> None:
        self._files = files
        self._plain = dict(plain or {})

    def texts(self) -> dict[str, str]:
        """Each secret's text as `text` gives it, and each file of a several-file secret as
        `<secret>.files.<file>`: for comparisons only, never to be shown or registered."""
        texts: dict[str, str] = {}
        for name, files in self._plain.items():
            if not files:
                continue
            texts[name] = files[text_file(name, files)].decode("utf-8", "replace")
            if set(files) != {name}:
                for file, data in files.items():
                    texts[f"{name}.files.{file}"] = data.decode("utf-8", "replace")
        return texts

    def files(self, name: str) -> Mapping[str, pulumi.Output[str]]:
        """File name -> base64 content of secret `name`."""
        return self._files[name]

    def text(self, name: str) -> pulumi.Output[str]:
        """The secret as text, for a check header: its file of the same name, else its first file."""
        files = self._files[name]
        content = files[text_file(name, files)]
        return content.apply(lambda encoded: base64.b64decode(encoded).decode("utf-8", "replace"))


def text_file(name: str, files: Collection[str]) -> str:
    """The file that is secret `name`'s text (a check header): the one named as the secret, else
    the first by name."""
    return name if name in files else sorted(files)[0]


def read_settings(config: pulumi.Config, project_dir: Path) -> tuple[Settings, SecretValues]:
    """Read the project's config; returns the settings and the secret values as secret Outputs."""
    secrets = _read_secrets(config)
    # An invalid setting is quoted in its error, unless it holds a secret's value.
    texts = SecretValues({}, secrets).texts()
    target = config.get("target") or "kubernetes"
    if target not in TARGETS:
        raise ConfigError(
            _file(),
            f"config 'target' is {_quote(target, texts)}; it must be one of {', '.join(TARGETS)}: "
            "run `pulumi config set target kubernetes` (or `swarm`)",
        )
    stack_file = config.get("stackFile")
    workload = _choice(config, "kubernetesWorkload", WORKLOADS, texts)
    pull_policy = _choice(
        config, "imagePullPolicy", PULL_POLICIES, texts, " (as a container's imagePullPolicy)"
    )
    if config.get("kubernetesReadyTimeout") == "0":
        raise ConfigError(
            _file(),
            "config 'kubernetesReadyTimeout' is '0'; give a duration such as 90s or 5m "
            "(not to wait at all, set `pulumi config set skipAwait true`)",
        )
    check_via = _choice(config, "checkVia", CHECK_ROUTES, texts)
    if check_via == "kubernetes-api" and target != "kubernetes":
        raise ConfigError(_file(), "config 'checkVia' is 'kubernetes-api', which needs target kubernetes")
    defaults = _project_defaults(project_dir)
    set_keys = frozenset(
        key
        for keys in TARGET_KEYS.values()
        for key in keys
        if _differs_from_default(config.get(key), defaults, key)
    )
    settings = Settings(
        target=target,
        stack_file=project_dir / stack_file if stack_file else default_stack_path(project_dir),
        namespace=config.get("namespace") or "openfaas-fn",
        gateway=config.get("gateway") or "",
        filter=config.get("filter") or "",
        regex=config.get("regex") or "",
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
        swarm_network=config.get("swarmNetwork") or "",
        swarm_converge_timeout=_duration(config, "swarmConvergeTimeout", "2m", texts),
        published_ports=_ports(config),
        checks=_object(config, "checks"),
        set_keys=set_keys,
        warnings=tuple(_credential_warnings(config)),
    )
    values = SecretValues(
        {
            name: {
                file: pulumi.Output.secret(base64.b64encode(content).decode())
                for file, content in files.items()
            }
            for name, files in secrets.items()
        },
        secrets,
    )
    return settings, values


def check_route(
    settings: Settings,
    kubeconfig: str | None,
    context: str | None,
    env: Mapping[str, str],
    *,
    secret: bool = False,
) -> ClusterAccess | None:
    """The cluster the checks go through (the API server's service proxy), or None for the gateway.

    `auto`: on Kubernetes the API server, unless the `gateway` config or `$OPENFAAS_URL` names a
    gateway (a stack file's `provider.gateway` is mostly faas-cli's port-forward default).
    `secret`: the kubeconfig path or the context is secret config.
    """
    via = settings.check_via
    if via == "auto":
        named = settings.gateway or env.get("OPENFAAS_URL")
        via = "kubernetes-api" if settings.target == "kubernetes" and not named else "gateway"
    if via != "kubernetes-api":
        return None
    if is_inline_kubeconfig(kubeconfig):
        raise ConfigError(
            _file(),
            "the invoke checks go through the Kubernetes API server, which needs "
            "'kubernetes:kubeconfig' to be a file path, not the kubeconfig's content (its "
            "credentials would be stored in the check's state): set it to a path, or set "
            "`pulumi config set checkVia gateway` and a `gateway`",
        )
    return ClusterAccess(kubeconfig or "", context or "", secret)


def _choice(
    config: pulumi.Config, key: str, choices: tuple[str, ...], texts: Mapping[str, str], hint: str = ""
) -> str:
    """The value of `key`, one of `choices` (the first is the default)."""
    value = config.get(key) or choices[0]
    if value not in choices:
        raise ConfigError(
            _file(), f"config '{key}' is {_quote(value, texts)}; it must be one of {', '.join(choices)}{hint}"
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


def target_option_problems(settings: Settings, functions: Collection[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for target options that do nothing: set for the other target, naming
    a function or secret that is not deployed, or publishing one host port twice.

    `functions` are the functions deployed. A name that matches nothing is an error, or only a
    warning when `filter`/`regex` may have left it out.
    """
    errors: list[str] = []
    warnings: list[str] = []
    other = "swarm" if settings.target == "kubernetes" else "kubernetes"
    on = {"kubernetes": "Kubernetes", "swarm": "Docker Swarm"}
    for key in TARGET_KEYS[other]:
        if key in settings.set_keys:
            warnings.append(
                f"{_file()}: config '{key}' has no effect on {on[settings.target]} (it is for "
                f"target {other}): remove it with `pulumi config rm {key}`"
            )
    filtered = bool(settings.filter or settings.regex)
    report = warnings if filtered else errors
    why = " (left out by 'filter'/'regex'?)" if filtered else ""
    if settings.target == "swarm":
        by_port: dict[int, list[str]] = {}
        for name, port in sorted(settings.published_ports.items()):
            by_port.setdefault(port, []).append(name)
            if name not in functions:
                report.append(
                    f"{_file()}: config 'publishedPorts.{name}': no function {name!r} is deployed{why}; "
                    f"remove it with `pulumi config rm --path 'publishedPorts.{name}'`"
                )
        for port, names in sorted(by_port.items()):
            if len(names) > 1:
                errors.append(
                    f"{_file()}: config 'publishedPorts': functions {', '.join(names)} publish the "
                    f"same host port {port}; a host port can be published once: give each its own"
                )
    return errors, warnings


def target_secret_problems(settings: Settings, secrets: Collection[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for `adoptSecrets` entries naming a secret that is not deployed."""
    if settings.target != "kubernetes":
        return [], []
    filtered = bool(settings.filter or settings.regex)
    problems: list[str] = []
    for name in sorted(settings.adopt_secrets - set(secrets)):
        problems.append(
            f"{_file()}: config 'adoptSecrets' names {name!r}, a secret no deployed function uses"
            + (" (left out by 'filter'/'regex'?)" if filtered else "")
            + ": remove it from the list"
        )
    return ([], problems) if filtered else (problems, [])


def _file() -> str:
    """The stack's config file, as messages name it."""
    return f"Pulumi.{pulumi.get_stack()}.yaml"


def _credential_warnings(config: pulumi.Config) -> list[str]:
    """Warnings for a URL password kept in plain text in the stack's config file."""
    urls = [("gateway", "gateway", config.get("gateway") or "", "gateway <url>")]
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
        if userinfo and ":" in userinfo and not pulumi.runtime.is_config_secret(config.full_key(key)):
            warnings.append(
                f"{_file()}: config '{where}' holds a URL password in plain text: set it as a secret "
                f"with `pulumi config set --secret {command}` (the check sends it as Basic auth)"
            )
    return warnings


def _read_secrets(config: pulumi.Config) -> dict[str, dict[str, bytes]]:
    key = config.full_key("secrets")
    try:
        parsed = json.loads(pulumi.runtime.get_config(key) or "{}")
    except RecursionError:
        raise ConfigError(_file(), _too_deep("secrets", "--secret --path 'secrets.<name>' <value>")) from None
    except (TypeError, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        raise ConfigError(
            _file(),
            f"config 'secrets' must be an object of OpenFaaS secret name -> value, not {_kind(parsed)}: "
            "remove it with `pulumi config rm secrets` and set each secret with "
            "`pulumi config set --secret --path 'secrets.<name>' <value>`",
        )
    if parsed and not pulumi.runtime.is_config_secret(key):
        raise ConfigError(
            _file(),
            "config 'secrets' is stored in plain text in the stack's config file: remove it with "
            "`pulumi config rm secrets` and set each value with "
            "`pulumi config set --secret --path 'secrets.<name>' <value>`",
        )
    return {name: _secret_files(name, value) for name, value in parsed.items()}


def _secret_files(name: str, value: object) -> dict[str, bytes]:
    """`value` as file name -> content: text, `{base64: ...}`, or `{files: {file: text | {base64: ...}}}`."""
    if isinstance(value, dict) and set(value) == {"files"} and isinstance(value["files"], dict):
        if not value["files"]:
            raise ConfigError(_file(), f"config 'secrets.{name}.files' is empty: add at least one file")
        return {file: _content(f"{name}.files.{file}", content) for file, content in value["files"].items()}
    return {name: _content(name, value)}


def _content(where: str, value: object) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, dict) and set(value) == {"base64"} and isinstance(value["base64"], str):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(
                _file(),
                f"config 'secrets.{where}.base64' is not valid base64: encode the file with "
                f"`base64 -w0 <file> | pulumi config set --secret --path 'secrets.{where}.base64'`",
            ) from None
    raise ConfigError(
        _file(),
        f"config 'secrets.{where}' must be text, {{base64: ...}} or (for several files) "
        f"{{files: {{<file>: ...}}}}: run `pulumi config set --secret --path 'secrets.{where}' <value>`",
    )


def _names(config: pulumi.Config, key: str) -> list[str]:
    raw = _object(config, key) or []
    if not isinstance(raw, list) or not all(isinstance(name, str) for name in raw):
        raise ConfigError(
            _file(),
            f"config '{key}' must be a list of secret names, "
            f"e.g. `pulumi config set --path '{key}[0]' <name>`",
        )
    return raw


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", re.ASCII)
_SECONDS_PER = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_WAIT = "24h"


def _duration(config: pulumi.Config, key: str, default: str, texts: Mapping[str, str]) -> str:
    """A Go duration (`90s`, `1m30s`), at most `MAX_WAIT`: a rollout still waiting after a day is
    stuck, and a longer wait only hides it (Go's own limit, about 292 years, wraps around)."""
    value = config.get(key) or default
    if value != "0" and not re.fullmatch(f"(?:{_DURATION_PART.pattern})+", value, re.ASCII):
        raise ConfigError(
            _file(),
            f"config '{key}' is {_quote(value, texts)}: give a duration such as 90s or 2m, or 0 not to wait",
        )
    seconds = sum(float(n) * _SECONDS_PER[unit] for n, unit in _DURATION_PART.findall(value))
    if seconds > 24 * 3600:
        raise ConfigError(
            _file(),
            f"config '{key}' is {_quote(value, texts)}, more than {MAX_WAIT}: give at most {MAX_WAIT}",
        )
    return value


def _bool(config: pulumi.Config, key: str) -> bool:
    try:
        return bool(config.get_bool(key))
    except pulumi.ConfigTypeError:
        raise ConfigError(_file(), f"config '{key}' must be true or false") from None


def _object(config: pulumi.Config, key: str) -> object:
    raw = config.get(key)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except RecursionError:
        raise ConfigError(_file(), _too_deep(key, f"--path '{key}.<name>' <value>")) from None
    except ValueError:
        raise ConfigError(
            _file(),
            f"config '{key}' must be an object, not plain text: remove it with `pulumi config rm {key}` "
            f"and set each entry with `pulumi config set --path '{key}.<name>' <value>`",
        ) from None


def _too_deep(key: str, set_entry: str) -> str:
    """The message for a config value nested deeper than JSON can be read here (about 1,000 levels)."""
    return (
        f"config '{key}' is nested too deeply to read: remove it with `pulumi config rm {key}` and set "
        f"each entry with `pulumi config set {set_entry}`"
    )


def _kind(value: object) -> str:
    """What a config value is, without showing it (it may be a secret)."""
    if value is None:
        return "plain text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "a boolean"


def _ports(config: pulumi.Config) -> dict[str, int]:
    raw = _object(config, "publishedPorts") or {}
    ports: dict[str, int] = {}
    if isinstance(raw, dict):
        for name, port in raw.items():
            if isinstance(port, (int, str)) and re.fullmatch(r"[0-9]+", str(port)) and 0 < int(port) < 65536:
                ports[name] = int(port)
    if not isinstance(raw, dict) or len(ports) != len(raw):
        raise ConfigError(
            _file(),
            "config 'publishedPorts' must map function names to host ports, e.g. "
            "`pulumi config set --path 'publishedPorts.protectedapi' 8081`",
        )
    return ports
