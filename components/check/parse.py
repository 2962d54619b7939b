"""Post-deploy invoke checks: the `checks` config, read into one `CheckSpec` per function.

Pure Python (no Pulumi): `parse_checks` validates the config against the stack's functions and
`resolve_gateway` picks the gateway as faas-cli does; `answer.py` says what a passing answer is and
`resource.py` is the resource that runs the probes (and stores a spec as its properties).

Config (`checks`, an object keyed by function name; every key optional):

    checks:
      protectedapi:
        method: POST                     # default POST, as `faas-cli invoke`
        path: /function/protectedapi     # on the gateway; through the API server, on the function;
                                         # or `url: https://...`; default: the function's root
        body: ""
        headers:
          X-Api-Key: {secret: secret_api_key}   # the OpenFaaS name of a secret the function mounts
          Content-Type: text/plain              # a literal
        expectStatus: 200                # omitted: any answer that is not 5xx or 404
        expectBody: Unlocked the function!      # substring; or expectBodyRegex
        refusedWithoutSecret: true       # the call without the secret headers must not unlock
        timeoutSeconds: 120
        enabled: true

A function without an entry gets the default entry: a readiness check (it answers, not 5xx/404).

Everything that can be checked before `up` is checked here: the URL (scheme, host, port, no
spaces or control characters), header values (no CR/LF, which would end the header), the regex
(RE2 syntax, as Go and faas-cli use; matching is linear in the body) and the timeout. Credentials
in a URL (`http://user:password@gateway`) are taken out of it: the check sends them as HTTP Basic
auth, as a secret input, and prints the URL without them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from components.check.service_proxy import is_proxy_url, path_problem, proxy_url
from components.check.spec import (
    DEFAULT_METHOD,
    DEFAULT_TIMEOUT_SECONDS,
    FRAMING_HEADERS,
    MAX_TIMEOUT_SECONDS,
    METHODS,
    CheckSpec,
    as_integer,
    header_value_problem,
)
from components.errors import InputError
from components.plan import SECRET_NAME, WATCHDOG_PORT
from components.shared.kubeconfig import ClusterAccess
from components.shared.regex import RegexError, compile_go_regex
from components.shared.urls import (
    lower_outside_userinfo,
    split_userinfo,
    url_problem,
    userinfo_problem,
    without_userinfo,
)
from components.shared.values import describe

DEFAULT_GATEWAY = "http://127.0.0.1:8080"


KEYS = (
    "method", "path", "url", "body", "headers", "expectStatus", "expectBody", "expectBodyRegex",
    "refusedWithoutSecret", "timeoutSeconds", "enabled",
)  # fmt: skip


class CheckConfigError(InputError):
    """The `checks` config cannot be used; the message names the function and the fix."""


def resolve_gateway(config_gateway: str | None, provider_gateway: str | None, env: Mapping[str, str]) -> str:
    """The gateway URL as faas-cli's `getGatewayURL` picks it.

    Order: the `gateway` config, then the stack's `provider.gateway` (each only when set and not
    the default), then `OPENFAAS_URL`, then `http://127.0.0.1:8080`; then, as faas-cli does,
    lower-cased (except `user:password@`, kept as written), trailing `/` stripped and `http://`
    added when there is no scheme. A scheme other than http(s) is refused, naming its source.
    """
    if config_gateway and config_gateway != DEFAULT_GATEWAY:
        gateway, source = config_gateway, "config 'gateway'"
    elif provider_gateway and provider_gateway != DEFAULT_GATEWAY:
        gateway, source = provider_gateway, "the stack file's provider.gateway"
    elif env.get("OPENFAAS_URL"):
        gateway, source = env["OPENFAAS_URL"], "the OPENFAAS_URL environment variable"
    else:
        gateway, source = DEFAULT_GATEWAY, "the default"
    gateway = lower_outside_userinfo(gateway.rstrip("/"))
    scheme = re.match(r"([a-z][a-z0-9+.-]*)://", gateway)
    if scheme and scheme.group(1) not in ("http", "https"):
        raise CheckConfigError(
            f"the gateway from {source} uses the scheme {scheme.group(1)!r}: the OpenFaaS gateway "
            "is reached over http:// or https://; give its URL, e.g. http://127.0.0.1:8080"
        )
    if not gateway.startswith("http"):
        gateway = f"http://{gateway}"
    problem = userinfo_problem(gateway)
    if problem:
        raise CheckConfigError(f"the gateway from {source} {problem}")
    problem = url_problem(gateway)
    if problem:
        raise CheckConfigError(
            f"the gateway from {source} ({without_userinfo(gateway)!r}) {problem}; give its URL, "
            "e.g. http://127.0.0.1:8080"
        )
    return gateway


def default_url(gateway: str, function: str, namespace: str = "") -> str:
    """`<gateway>/function/<name>`, plus `.<namespace>` when the function names one (faas-cli)."""
    suffix = f".{namespace}" if namespace else ""
    return f"{gateway.rstrip('/')}/function/{function}{suffix}"


def parse_checks(
    raw: object, *, functions: Mapping[str, object], gateway: str, api_server: ClusterAccess | None = None
) -> dict[str, CheckSpec]:
    """One `CheckSpec` per function in `functions` (sorted by name) from the `checks` config.

    With `api_server`, a check without `url` calls the function's own Service through the
    Kubernetes API server's service proxy (`path` is then a path on the function), with that
    kubeconfig and context; otherwise it calls the gateway.

    `raw` is the config object (None when unset). Each function object exposes `secrets` (the
    secrets it mounts: OpenFaaS names, or objects with a `.name` such as `plan.SecretPlan`) and
    optionally `namespace` (added to the default URL as `/function/<name>.<namespace>`), as
    attributes or mapping keys: a `stackfile.Function` or a `plan.FunctionPlan` both fit.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise CheckConfigError(
            f"the 'checks' config must be an object keyed by function name, got {_show(raw)}"
        )
    gateway, gateway_credentials = split_userinfo(gateway)
    unknown = sorted(str(name) for name in raw if name not in functions)
    if unknown:
        available = ", ".join(sorted(functions)) or "none"
        raise CheckConfigError(
            f"checks.{unknown[0]}: no function named {unknown[0]!r} in the stack"
            f"{_suggest(unknown[0], functions)}; the stack's functions are: {available}. "
            f"Fix the name or remove the entry with `pulumi config rm --path 'checks.{unknown[0]}'`."
        )
    specs: dict[str, CheckSpec] = {}
    for name in sorted(functions):
        entry = raw.get(name, {})
        if not isinstance(entry, Mapping):
            raise CheckConfigError(
                f"checks.{name} must be an object (e.g. {{enabled: false}}), got {_show(entry)}"
            )
        specs[name] = _parse_entry(name, entry, functions[name], gateway, gateway_credentials, api_server)
    return specs


def _parse_entry(
    name: str,
    entry: Mapping[object, object],
    function: object,
    gateway: str,
    credentials: str | None,
    api_server: ClusterAccess | None,
) -> CheckSpec:
    where = f"checks.{name}"
    for key in entry:
        if key not in KEYS:
            raise CheckConfigError(
                f"{where}: unknown key {key!r}{_suggest(str(key), KEYS)}; valid keys: {', '.join(KEYS)}"
            )
    method = _string(entry, "method", where, DEFAULT_METHOD).upper()
    if method not in METHODS:
        raise CheckConfigError(f"{where}.method: {method!r} is not one of {', '.join(METHODS)}")
    namespace = _attr(function, "namespace", "")
    url, url_credentials = _url(name, entry, where, gateway, namespace, api_server is not None)
    if url_credentials is not None or "url" in entry or api_server is not None:
        credentials = url_credentials  # the gateway's credentials are for the gateway only
    body = _string(entry, "body", where, "")
    headers, secret_headers = _headers(name, entry.get("headers"), where, function)
    if credentials is not None and any(h.lower() == "authorization" for h in (*headers, *secret_headers)):
        raise CheckConfigError(
            f"{where}.headers.Authorization: the URL already has a user and password, sent as "
            "Basic auth; remove one of the two"
        )
    expect_status = _status(entry.get("expectStatus"), where)
    expect_body = _optional_string(entry, "expectBody", where)
    expect_body_regex = _optional_string(entry, "expectBodyRegex", where)
    if expect_body is not None and expect_body_regex is not None:
        raise CheckConfigError(f"{where}: set either expectBody or expectBodyRegex, not both")
    if method == "HEAD" and (expect_body is not None or expect_body_regex is not None):
        raise CheckConfigError(
            f"{where}: a HEAD answer has no body, so expectBody/expectBodyRegex can never match: "
            "use another method, or expect only a status"
        )
    if expect_body_regex is not None:
        try:
            compile_go_regex(expect_body_regex)
        except RegexError as error:
            raise CheckConfigError(
                f"{where}.expectBodyRegex: {expect_body_regex!r} is not a valid regular "
                f"expression ({error.reason}); fix it (RE2 syntax, as Go's regexp: no lookaround or "
                "backreferences) or use expectBody for a plain substring"
            ) from None
    refused = _bool(entry, "refusedWithoutSecret", where, False)
    if refused and not secret_headers:
        raise CheckConfigError(
            f"{where}.refusedWithoutSecret needs at least one header taken from a secret "
            "(headers: {X-Api-Key: {secret: <name>}})"
        )
    if refused and expect_body is None and expect_body_regex is None:
        raise CheckConfigError(
            f"{where}.refusedWithoutSecret needs expectBody or expectBodyRegex: what only an "
            "unlocked answer contains"
        )
    return CheckSpec(
        function=name,
        url=url,
        method=method,
        body=body,
        headers=headers,
        secret_headers=secret_headers,
        expect_status=expect_status,
        expect_body=expect_body,
        expect_body_regex=expect_body_regex,
        refused_probe=refused,
        timeout_seconds=_timeout(entry.get("timeoutSeconds"), where),
        enabled=_bool(entry, "enabled", where, True),
        kubeconfig=api_server.kubeconfig if api_server and is_proxy_url(url) else "",
        kube_context=api_server.context if api_server and is_proxy_url(url) else "",
        credentials=credentials,
        cluster_secret=bool(api_server and api_server.secret and is_proxy_url(url)),
    )


def _url(
    name: str, entry: Mapping[object, object], where: str, gateway: str, namespace: object, via_api: bool
) -> tuple[str, str | None]:
    path = _optional_string(entry, "path", where)
    url = _optional_string(entry, "url", where)
    if path is not None and url is not None:
        raise CheckConfigError(f"{where}: set either path (on the gateway) or url (absolute), not both")
    problem = None if path is None else path_problem(path)
    if problem:
        raise CheckConfigError(f"{where}.path: {path!r} {problem}")
    if url is not None:
        if not re.match(r"https?://[^/]", url):
            raise CheckConfigError(
                f"{where}.url: {without_userinfo(url)!r} is not an absolute http(s) URL; use path "
                f"for a path on the gateway ({gateway})"
            )
        problem = userinfo_problem(url)
        if problem:
            raise CheckConfigError(f"{where}.url: the URL {problem}")
        problem = url_problem(url)
        if problem:
            raise CheckConfigError(f"{where}.url: {without_userinfo(url)!r} {problem}")
        return split_userinfo(url)
    if via_api:
        # proxy_path percent-encodes the path; the API server's URL comes from the kubeconfig.
        ns = namespace if isinstance(namespace, str) and namespace else "default"
        return proxy_url(ns, name, WATCHDOG_PORT, path or "/"), None
    if path is not None:
        joined = f"{gateway.rstrip('/')}/{path.lstrip('/')}"
        problem = url_problem(joined)
        if problem:
            raise CheckConfigError(f"{where}.path: {path!r} {problem}")
        return joined, None
    joined = default_url(gateway, name, namespace if isinstance(namespace, str) else "")
    problem = url_problem(joined)
    if problem:
        raise CheckConfigError(f"{where}: the function's URL {joined!r} {problem}")
    return joined, None


def _headers(name: str, raw: object, where: str, function: object) -> tuple[dict[str, str], dict[str, str]]:
    if raw is None:
        return {}, {}
    if not isinstance(raw, Mapping):
        raise CheckConfigError(
            f"{where}.headers must be an object of header: value or header: {{secret: <name>}}, "
            f"got {_show(raw)}"
        )
    mounted = _mounted_secrets(function)
    literal: dict[str, str] = {}
    secret: dict[str, str] = {}
    seen: dict[str, str] = {}
    for index, (header, value) in enumerate(raw.items(), 1):
        at = f"{where}.headers.{header}"
        if not isinstance(header, str) or not _HEADER_NAME.fullmatch(header):
            # Not quoted: a name pasted with its value (`X-Api-Key: <key>`) holds a secret.
            raise CheckConfigError(
                f"the name of header {index} of {where}.headers is not a valid HTTP header name "
                f"({_header_name_problem(str(header))}); it is not shown, as it may hold a secret"
            )
        if header.lower() in seen:
            raise CheckConfigError(
                f"{at}: the same header as {where}.headers.{seen[header.lower()]} (header names "
                "ignore case); keep one of them"
            )
        seen[header.lower()] = header
        if header.lower() in FRAMING_HEADERS:
            raise CheckConfigError(
                f"{at}: the check sets {header} itself from the body; remove it from the headers"
            )
        if isinstance(value, str):
            problem = header_value_problem(value)
            if problem:
                raise CheckConfigError(f"{at}: the value {problem}: remove it from the value")
            literal[header] = value
            continue
        if not isinstance(value, Mapping) or set(value) != {"secret"} or not isinstance(value["secret"], str):
            raise CheckConfigError(
                f"{at} must be a string or {{secret: <name of a secret the function mounts>}}, "
                f"got {_shape(value)}"
            )
        secret_name = value["secret"]
        if secret_name not in mounted:
            mounts = f"it mounts: {', '.join(mounted)}" if mounted else "it mounts no secrets"
            if not SECRET_NAME.fullmatch(secret_name):
                # A text that cannot be a secret's name may well be a secret's value: not quoted.
                raise CheckConfigError(
                    f"{at}: function {name!r} does not mount the secret named there ({mounts}), which "
                    "is not a secret's name (it is not shown, as it may be a secret's value): "
                    "reference one of those"
                )
            raise CheckConfigError(
                f"{at}: function {name!r} does not mount the secret {secret_name!r} ({mounts}); "
                "reference one of those or add it to the function's secrets in the stack file"
            )
        secret[header] = secret_name
    return literal, secret


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", re.ASCII)


def _header_name_problem(header: str) -> str:
    """What makes `header` no header name, without quoting it (but for one character)."""
    bad = next((char for char in header if not _HEADER_NAME.fullmatch(char)), "")
    if not header:
        return "it is empty"
    if bad == ":":
        return "it holds ':'; the value goes after the name, as in X-Api-Key: <value>"
    if bad.isspace():
        return "it holds whitespace"
    if bad.isascii() and bad.isprintable():
        return f"it holds {bad!r}"
    return "it holds a character that is not printable ASCII"


def _status(value: object, where: str) -> int | None:
    if value is None:
        return None
    status = as_integer(value)
    if status is None or not 100 <= status <= 599:
        raise CheckConfigError(f"{where}.expectStatus must be an HTTP status 100-599, got {_show(value)}")
    return status


def _timeout(value: object, where: str) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_SECONDS
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = None
    if seconds is None or not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise CheckConfigError(f"{where}.timeoutSeconds must be a positive number, got {_show(value)}")
    if seconds > MAX_TIMEOUT_SECONDS:
        raise CheckConfigError(
            f"{where}.timeoutSeconds is {_show(value)}, more than an hour ({MAX_TIMEOUT_SECONDS:g}s): "
            "an update would wait that long for a function that never answers; give at most 3600"
        )
    return seconds


def _bool(entry: Mapping[object, object], key: str, where: str, default: bool) -> bool:
    value = entry.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise CheckConfigError(f"{where}.{key} must be true or false, got {_show(value)}")


def _string(entry: Mapping[object, object], key: str, where: str, default: str) -> str:
    value = _optional_string(entry, key, where)
    return default if value is None else value


def _optional_string(entry: Mapping[object, object], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None or isinstance(value, str):
        return value
    raise CheckConfigError(f"{where}.{key} must be a string, got {_show(value)}")


def _attr(obj: object, name: str, default: object) -> object:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _mounted_secrets(function: object) -> tuple[str, ...]:
    """The OpenFaaS names of the secrets a function mounts: strings, or objects with `.name`."""
    secrets = _attr(function, "secrets", ())
    if isinstance(secrets, str):
        return (secrets,)
    if not isinstance(secrets, Iterable):
        return ()
    return tuple(s if isinstance(s, str) else str(_attr(s, "name", s)) for s in secrets)


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _shape(value: object) -> str:
    """What a value is, without its content (a header value may be a pasted secret)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number (quote it to send it as text)"
    return describe(value)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)
