"""The post-deploy invoke check as a Pulumi dynamic resource: `InvokeCheck`.

One resource per function. `pulumi preview` lists it (create/update) but never probes: the
engine calls a dynamic provider's `create`/`update` only during `up`, and `check`/`diff` here
never touch the network. `diff` reports a change when the spec or `triggers` change, so the probe
runs again after the function's settings (image included), a mounted secret or its workload
(recreated after drift, say) change, and a no-op `up` stays a no-op.

Secrets: header values (and a URL's `user:password`) arrive as secret Outputs in
`secret_values`; they are stored encrypted in the resource's inputs and are never returned as
outputs. Every message, log line and output the probe produces has each secret value, raw or
encoded, replaced by `[secret]`, and a body holding a long part of one is not shown; no
exception's text is ever shown.

Sending: `send(request, timeout, transport)` is the one seam. It validates header values, gives
the transport one deadline for the whole exchange (and enforces it) and turns any exception into
a failed attempt. Transports: `http_transport` (http.client, the socket shut at the deadline) and
`proxy_transport` (the Kubernetes API server's service proxy); `transport_for` picks by URL.

The provider class is pickled by reference (module `components.invoke_check`), so the provider
process must be able to import this module: run Pulumi from the project directory. Logging goes
through `pulumi.log`, which in the provider process (not connected to the engine,
pulumi/pulumi#6065) writes `info: ...` to stderr; the engine shows a dynamic provider's stderr as
diagnostics (pkg/resource/plugin/plugin.go, `isDynamicPluginBinary`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import http.client
import json
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.dynamic

from components import service_proxy
from components.check_config import (
    CREDENTIALS,
    CheckSpec,
    answer_matches,
    as_integer,
    basic_auth,
    body_matches,
    describe_expectation,
    header_value_problem,
    status_matches,
)
from components.cluster import is_inline_kubeconfig
from components.redaction import REDACTED, holds_part, redactor

__all__ = ["REDACTED", "redactor"]

EXCERPT_CHARS = 200
MAX_BODY_BYTES = 1 << 20
MAX_ATTEMPT_SECONDS = 30.0
MIN_ATTEMPT_SECONDS = 1.0
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0)
MAX_BACKOFF_SECONDS = 10.0
USER_AGENT = "openfaas-stack-invoke-check"

Log = Callable[[str, str], None]
"""`log(level, message)` with level "info", "warn" or "error"."""

# ---------------------------------------------------------------- the spec as properties

# `credentials` travel in `secret_values` (encrypted), never as a property of their own;
# `cluster_secret` only says to pass `kubeconfig` and `kube_context` as secrets.
SPEC_FIELDS = tuple(
    f for f in dataclasses.fields(CheckSpec) if f.name not in ("credentials", "cluster_secret")
)
SPEC_PROPS = tuple(f.name for f in SPEC_FIELDS)
# None (dropped by the engine) when unused, so gateway checks keep the inputs they had.
NONE_WHEN_EMPTY = frozenset({"kubeconfig", "kube_context"})
OUTPUT_PROPS = ("status", "attempts", "refused_status", "summary")
DIFF_PROPS = (*SPEC_PROPS, "triggers")


def spec_to_props(spec: CheckSpec) -> dict[str, object]:
    """The spec as a plain dict keyed by SPEC_PROPS (snake_case keys, JSON-able values)."""
    props: dict[str, object] = {}
    for name in SPEC_PROPS:
        value = getattr(spec, name)
        if isinstance(value, Mapping):
            value = dict(value)
        elif name in NONE_WHEN_EMPTY:
            value = value or None
        props[name] = value
    return props


def spec_from_props(props: Mapping[str, object]) -> CheckSpec:
    """Rebuild a spec from properties as the engine hands them back.

    The engine drops None values and turns integers into floats; both are undone here. A
    property that is missing, empty or of the wrong kind takes the field's default.
    """
    values: dict[str, object] = {}
    for f in SPEC_FIELDS:
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = str(props[f.name])  # `function` and `url`, both text
            continue
        raw = props.get(f.name)
        value = None if raw is None else _FROM_PROP[str(f.type)](raw)
        if value is None:
            value = f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[operator]
        values[f.name] = value
    return CheckSpec(**values)  # type: ignore[arg-type]


def _str_map(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


# A field's annotation (a string: check_config uses `from __future__ import annotations`) -> how
# a property value becomes the field's value again.
_FROM_PROP: dict[str, Callable[[object], object]] = {
    "str": lambda value: str(value) if value else None,
    "str | None": str,
    "bool": bool,
    "float": _number,
    "int | None": as_integer,
    "Mapping[str, str]": _str_map,
}


def trigger_digest(parts: Iterable[str]) -> str:
    """A stable SHA-256 over ordered parts for `triggers` (`OpenFaaSFunction` feeds it the
    namespace, the replicas, the function's settings, the secrets' keyed checksum, the workload ids).

    Feed it only values that are safe to hash in the clear (use a keyed checksum for secrets).
    """
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()


class CheckFailed(Exception):
    """The function did not answer as expected; the message is safe to show (secrets redacted)."""


@dataclass(frozen=True)
class HttpRequest:
    """One request to send: everything a transport needs, headers (secrets included) resolved."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    body: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange: a status, headers and body, or `error` when there was no HTTP answer.

    `error` is a short phrase chosen by the transport ("connection refused"), never the text of
    an exception, which may quote a header value.
    """

    status: int | None
    body: str
    error: str = ""
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


Transport = Callable[[HttpRequest, float], Answer]
"""`transport(request, deadline)`: send one request, return the answer by `deadline` (a
`time.monotonic()` instant), or `Answer(None, "", CUT_OFF)` when the deadline came first. It may
raise; `send` turns any exception into a failed attempt."""

CUT_OFF = "cut off at the deadline"


@dataclass(frozen=True)
class CheckResult:
    """A passed check: the final status, attempts taken, the refused probe's status, a summary."""

    status: int | None
    attempts: int
    refused_status: int | None
    summary: str


# ---------------------------------------------------------------- redaction


WITHHELD = "[withheld: it holds a secret split across lines]"
WITHHELD_PART = "[withheld: it holds part of a secret]"


def excerpt(body: str, redact: Callable[[str], str], secrets: Iterable[str] = ()) -> str:
    """The body, redacted, whitespace collapsed, cut to 200 characters (with `...`).

    Better less of a body than a secret: a body is not shown at all when it still holds a secret
    once its whitespace is taken out (base64 wrapped at 76 columns, say), or when what would be
    shown holds a long part of one of `secrets` (`redaction.holds_part`: a server that echoes
    the first 16 characters of a key).
    """
    redacted = redact(body)
    squeezed = "".join(redacted.split())
    if redact(squeezed) != squeezed:
        return WITHHELD
    flat = " ".join(redacted.split())
    shown = flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 3] + "..."
    if holds_part(shown, secrets) or holds_part("".join(shown.split()), secrets):
        return WITHHELD_PART
    return shown


# ---------------------------------------------------------------- sending one request


def send(request: HttpRequest, timeout: float, transport: Transport | None = None) -> Answer:
    """Send `request` through `transport` (default: `http_transport`) within `timeout` seconds.

    The seam for other transports. Around the transport: header values are validated first
    (a bad one is an `error` answer naming the header, and nothing is sent); the whole exchange
    (connect, status line, headers, body) has one deadline, enforced even if the transport
    ignores it; and any exception becomes an `error` answer that names only its kind.
    """
    for name, value in request.headers.items():
        problem = header_value_problem(value)
        if problem:
            return Answer(None, "", f"not sent: header {name} {problem}")
    deadline = time.monotonic() + timeout
    chosen = transport or http_transport
    answers: list[Answer] = []

    def work() -> None:
        try:
            answers.append(chosen(request, deadline))
        except BaseException as error:  # a failed attempt, whatever went wrong
            answers.append(Answer(None, "", _failure(error)))

    worker = threading.Thread(target=work, name="invoke-check-send", daemon=True)
    worker.start()
    # A little longer than the deadline, so the transport can report its own cut-off.
    worker.join(timeout + 0.5)
    if not answers or answers[0].error == CUT_OFF:
        return Answer(None, "", f"no complete answer within {timeout:g}s")
    return answers[0]


def http_transport(request: HttpRequest, deadline: float) -> Answer:
    """Send `request` with `http.client`; the socket is shut at `deadline`, whatever it is doing.

    Redirects are answers (the secret headers are never replayed elsewhere); the body is read up
    to 1 MiB.
    """
    parts = urllib.parse.urlsplit(request.url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return Answer(None, "", "no time left for an attempt")
    connection: http.client.HTTPConnection
    if https:
        connection = http.client.HTTPSConnection(parts.hostname or "", port, timeout=remaining)
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", port, timeout=remaining)
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    cut_off = threading.Event()

    def cut() -> None:
        cut_off.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(remaining, cut)
    watchdog.daemon = True
    watchdog.start()
    headers = {"User-Agent": USER_AGENT, "Connection": "close", **request.headers}
    try:
        connection.request(request.method, target, body=request.body, headers=headers)
        response = connection.getresponse()
        data = response.read(MAX_BODY_BYTES)
        if response.length and len(data) < MAX_BODY_BYTES:
            # read(amt) returns what came when the server closed early; that is no answer.
            raise http.client.IncompleteRead(data, response.length)
        if cut_off.is_set():
            return Answer(None, "", CUT_OFF)
        return Answer(response.status, _decode(data), headers=dict(response.getheaders()))
    except Exception as error:
        if cut_off.is_set() or isinstance(error, TimeoutError):
            return Answer(None, "", CUT_OFF)
        return Answer(None, "", _failure(error))
    finally:
        watchdog.cancel()
        connection.close()


def proxy_transport(cluster: service_proxy.ClusterAccess) -> Transport:
    """The transport for `kubernetes-api://` URLs: the API server's service proxy, with the
    kubeconfig and context of `cluster` (`service_proxy.send`)."""

    def through_the_api_server(request: HttpRequest, deadline: float) -> Answer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Answer(None, "", CUT_OFF)
        try:
            proxied = service_proxy.send(
                cluster, request.method, request.url, request.body or b"", dict(request.headers), remaining
            )
        except service_proxy.ProxyError as error:
            return Answer(None, "", str(error))  # its messages never quote the kubeconfig
        return Answer(proxied.status, _decode(proxied.body), headers=proxied.headers)

    return through_the_api_server


def transport_for(spec: CheckSpec) -> Transport:
    """The transport a spec's URL needs: the service proxy for `kubernetes-api://`, else HTTP."""
    return proxy_transport(spec.cluster) if service_proxy.is_proxy_url(spec.url) else http_transport


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _failure(error: BaseException) -> str:
    """A short, fixed description of why there was no answer (never the exception's text)."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.RemoteDisconnected):  # a ConnectionResetError too
        return "the server closed the connection without answering"
    if isinstance(error, ConnectionResetError):
        return "connection reset"
    if isinstance(error, TimeoutError):
        return CUT_OFF
    if isinstance(error, socket.gaierror):
        return "host not found"
    if isinstance(error, ssl.SSLCertVerificationError):
        return "the TLS certificate could not be verified"
    if isinstance(error, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(error, http.client.LineTooLong):
        return "the answer has a status or header line that is too long"
    if isinstance(error, http.client.HTTPException) and "headers" in str(error):
        return "the answer has too many headers (more than 100)"
    if isinstance(error, http.client.BadStatusLine):
        return "the answer does not start with an HTTP status line"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer ended before its body was complete"
    if isinstance(error, http.client.HTTPException):
        return f"the answer is not valid HTTP ({type(error).__name__})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return f"the request failed ({type(error).__name__})"


def _describe(answer: Answer, redact: Callable[[str], str], secrets: Iterable[str]) -> str:
    if answer.status is None:
        return f"no answer ({redact(answer.error)})"
    return f"HTTP {answer.status} with body {excerpt(answer.body, redact, secrets)!r}"


# ---------------------------------------------------------------- the check


def run_check(
    spec: CheckSpec,
    secret_values: Mapping[str, str],
    *,
    log: Log,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    transport: Transport | None = None,
) -> CheckResult:
    """Probe until the answer matches or `spec.timeout_seconds` pass; raise `CheckFailed` if not.

    Retries with backoff (1, 2, 4, 8, then 10 s), logging each failed attempt; then, with
    `refused_probe`, sends the request once more without the secret headers and fails if that
    answer also matches. Each attempt gets the time left (at least 1 s, at most 30 s), so the
    whole check ends within `timeout_seconds` plus 1 s. `secret_values` may hold the URL's
    `user:password` under `checks.CREDENTIALS`, sent as Basic auth. `transport` defaults to
    `transport_for(spec)`. Every log line and message is redacted.
    """
    transport = transport or transport_for(spec)
    credentials = secret_values.get(CREDENTIALS)
    hidden = [*secret_values.values()]
    if credentials:
        hidden.extend([credentials.partition(":")[2], basic_auth(credentials)])
    redact = redactor(hidden)

    def say(level: str, message: str) -> None:
        log(level, redact(message))

    name = spec.function
    if not spec.enabled:
        say("info", f"{name}: check disabled")
        return CheckResult(None, 0, None, "disabled")
    missing = spec.missing_secrets(secret_values)
    if missing:
        raise CheckFailed(f"{name}: no value for secret(s) {', '.join(missing)} used in the check's headers")
    headers = dict(spec.headers)
    headers.update({h: secret_values[s] for h, s in spec.secret_headers.items()})
    for header, value in headers.items():
        problem = header_value_problem(value)
        if problem:
            source = spec.secret_headers.get(header)
            raise CheckFailed(
                f"{name}: header {header} "
                + (f"(from secret {source!r}) " if source else "")
                + f"{problem}; nothing was sent. "
                + (
                    f"Set the secret without it: `printf '%s' <value> | pulumi config set --secret "
                    f"--path 'secrets.{source}'`"
                    if source
                    else f"Fix checks.{name}.headers.{header}"
                )
            )
    always = {"Authorization": basic_auth(credentials)} if credentials else {}
    data = spec.body.encode("utf-8") if spec.body or spec.method in ("POST", "PUT", "PATCH") else None
    if data is not None and not any(h.lower() == "content-type" for h in headers):
        headers["Content-Type"] = "text/plain"  # faas-cli invoke's default

    def request(with_secrets: bool) -> HttpRequest:
        kept = (
            headers.items()
            if with_secrets
            else ((h, v) for h, v in headers.items() if h not in spec.secret_headers)
        )
        chosen = dict(kept)
        return HttpRequest(spec.method, spec.url, {**chosen, **always}, data)

    started = clock()
    deadline = started + spec.timeout_seconds
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - clock()
        answer = send(request(True), _attempt_timeout(remaining), transport)
        if answer.status is not None and answer_matches(spec, answer.status, answer.body):
            break
        wait = min(_backoff(attempt), deadline - clock())
        if wait <= 0:
            raise CheckFailed(
                redact(
                    f"{name}: {spec.method} {spec.url} did not answer as expected within "
                    f"{spec.timeout_seconds:g}s ({_plural(attempt, 'attempt')}): expected "
                    f"{describe_expectation(spec)}, got {_describe(answer, redact, hidden)}"
                )
            )
        say("info", f"{name}: attempt {attempt}, {_short(answer, spec)}, retrying")
        sleep(wait)
    elapsed = clock() - started
    say("info", f"{name}: HTTP {answer.status} after {_plural(attempt, 'attempt')} ({elapsed:.1f}s)")
    refused_status: int | None = None
    summary = f"HTTP {answer.status} after {_plural(attempt, 'attempt')}"
    if spec.refused_probe:
        refused = send(request(False), _attempt_timeout(deadline - clock()), transport)
        dropped = ", ".join(sorted(spec.secret_headers))
        if refused.status is not None and answer_matches(spec, refused.status, refused.body):
            raise CheckFailed(
                redact(
                    f"{name}: {spec.method} {spec.url} without header(s) {dropped} was not "
                    f"refused: expected an answer other than {describe_expectation(spec)}, "
                    f"got {_describe(refused, redact, hidden)}"
                )
            )
        refused_status = refused.status
        level = "warn" if refused.status is None or refused.status >= 500 else "info"
        got = _describe(refused, redact, hidden)
        say(level, f"{name}: without {dropped}: {got}, refused as expected")
        summary += f"; without {dropped}: {got}"
    return CheckResult(answer.status, attempt, refused_status, redact(summary))


def _short(answer: Answer, spec: CheckSpec) -> str:
    """`HTTP 502`, `HTTP 200, body did not match` or the network error, for progress lines."""
    if answer.status is None:
        return answer.error
    if status_matches(spec, answer.status) and not body_matches(spec, answer.body):
        return f"HTTP {answer.status}, body did not match"
    return f"HTTP {answer.status}"


def _attempt_timeout(remaining: float) -> float:
    return max(MIN_ATTEMPT_SECONDS, min(remaining, MAX_ATTEMPT_SECONDS))


def _backoff(attempt: int) -> float:
    return BACKOFF_SECONDS[attempt - 1] if attempt <= len(BACKOFF_SECONDS) else MAX_BACKOFF_SECONDS


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# ---------------------------------------------------------------- the Pulumi side


def pulumi_log(level: str, message: str) -> None:
    """Send a line through `pulumi.log` at "info", "warn" or "error" (in the provider process
    these go to stderr, which the engine shows as the stack's diagnostics)."""
    if level == "error":
        pulumi.log.error(message)
    elif level == "warn":
        pulumi.log.warn(message)
    else:
        pulumi.log.info(message)


def _canonical(value: object) -> object:
    """Values as compared by `diff`: numbers as floats (the wire turns ints into floats)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    return value


def changed_props(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The spec/trigger properties whose values differ (unknown values count as changed)."""
    return [k for k in DIFF_PROPS if _canonical(olds.get(k)) != _canonical(news.get(k))]


class InvokeCheckProvider(pulumi.dynamic.ResourceProvider):
    """Runs the probe on create/update; check/diff/delete never touch the network."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        """Accept the inputs as they are (validated by `parse_checks`); never probes."""
        return pulumi.dynamic.CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        """A change to the spec or `triggers` is an update (the probe runs again)."""
        changed = changed_props(olds, news)
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=[], stables=[])

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        """Run the check; its outputs never include secret values."""
        outs = _run(props)
        return pulumi.dynamic.CreateResult(id_=str(outs["function"]), outs=outs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        """Run the check again with the new inputs."""
        return pulumi.dynamic.UpdateResult(outs=_run(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo."""


def _run(props: Mapping[str, Any]) -> dict[str, Any]:
    raw = props.get("secret_values") or {}
    secrets = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
    try:
        spec = spec_from_props(props)
        result = run_check(spec, secrets, log=pulumi_log)
    except CheckFailed as failed:
        # The engine shows the exception at the end of a traceback; repeat it as one clean line.
        pulumi_log("error", str(failed))
        raise CheckFailed(str(failed)) from None
    except Exception as error:
        # Whatever it says may quote a header value: name only its kind.
        message = (
            f"{props.get('function', 'the function')}: the invoke check stopped on an internal "
            f"error ({type(error).__name__}); nothing about it is shown, as it may quote a secret. "
            "Disable the check (checks.<function>.enabled: false) and report the inputs that cause it"
        )
        pulumi_log("error", message)
        raise CheckFailed(message) from None
    outs: dict[str, Any] = {k: props.get(k) for k in DIFF_PROPS}
    outs.update(
        status=result.status,
        attempts=result.attempts,
        refused_status=result.refused_status,
        summary=result.summary,
    )
    return outs


class InvokeCheckArgs:
    """Inputs of an `InvokeCheck`.

    `secret_values`: OpenFaaS secret name -> value (secret Outputs) for the secrets the spec's
    headers reference (others are ignored). `triggers`: an opaque digest of what should re-run
    the check (the function's settings, the keyed `rollout_checksum.secret_checksum` of its
    secrets, its workload ids), from `trigger_digest`; never a bare hash of a secret value.
    """

    def __init__(
        self,
        spec: CheckSpec,
        secret_values: Mapping[str, pulumi.Input[str]] | None = None,
        triggers: pulumi.Input[str] = "",
    ) -> None:
        self.spec = spec
        self.secret_values = dict(secret_values or {})
        self.triggers = triggers


class InvokeCheck(pulumi.dynamic.Resource, module="openfaas", name="InvokeCheck"):
    """Invokes one function after deploy and fails the update when it does not answer as expected.

    Type `pulumi-python:dynamic/openfaas:InvokeCheck`. Give it `depends_on` the function's
    workload and secrets so it runs after them.
    """

    function: pulumi.Output[str]
    url: pulumi.Output[str]
    status: pulumi.Output[int | None]
    attempts: pulumi.Output[int]
    refused_status: pulumi.Output[int | None]
    summary: pulumi.Output[str]

    def __init__(self, name: str, args: InvokeCheckArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        spec = args.spec
        missing = spec.missing_secrets(args.secret_values)
        if missing:
            raise ValueError(
                f"InvokeCheck {name}: the check of {spec.function!r} uses secret(s) "
                f"{', '.join(missing)} in its headers; pass their values in secret_values"
            )
        if is_inline_kubeconfig(spec.kubeconfig):
            raise ValueError(
                f"InvokeCheck {name}: the check of {spec.function!r} was given a kubeconfig's content, "
                "which would be stored in plain text; give the path of a kubeconfig file"
            )
        # Each value secret on its own, so a check without secrets previews as `{}` (goldens).
        values = {s: pulumi.Output.secret(args.secret_values[s]) for s in spec.secret_names}
        if spec.credentials is not None:
            values[CREDENTIALS] = pulumi.Output.secret(spec.credentials)
        props: dict[str, Any] = {
            **spec_to_props(spec),
            "secret_values": values,
            "triggers": args.triggers,
            **{k: None for k in OUTPUT_PROPS},
        }
        if spec.cluster_secret:
            props.update({k: pulumi.Output.secret(props[k]) for k in NONE_WHEN_EMPTY if props[k] is not None})
        super().__init__(InvokeCheckProvider(), name, props, opts)
