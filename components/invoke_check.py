"""The post-deploy invoke check as a Pulumi dynamic resource: `InvokeCheck`.

One resource per function. `pulumi preview` lists it (create/update) but never probes: the
engine calls a dynamic provider's `create`/`update` only during `up`, and `check`/`diff` here
never touch the network. `diff` reports a change when the spec or `triggers` change, so the probe
runs again after the image, settings or a mounted secret change, and a no-op `up` stays a no-op.

Secrets: header values arrive as secret Outputs in `secret_values`; they are stored encrypted in
the resource's inputs and are never returned as outputs. Every message, log line and output the
probe produces has each secret value replaced by `[secret]`.

The provider class is pickled by reference (module `components.invoke_check`), so the provider
process must be able to import this module: run Pulumi from the project directory. Logging goes
through `pulumi.log`, which in the provider process (not connected to the engine,
pulumi/pulumi#6065) writes `info: ...` to stderr; the engine shows a dynamic provider's stderr as
diagnostics (pkg/resource/plugin/plugin.go, `isDynamicPluginBinary`).
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from components import service_proxy
from components.checks import (
    SPEC_PROPS,
    CheckSpec,
    answer_matches,
    body_matches,
    describe_expectation,
    spec_from_props,
    spec_to_props,
    status_matches,
)

REDACTED = "[secret]"
EXCERPT_CHARS = 200
MAX_BODY_BYTES = 1 << 20
MAX_ATTEMPT_SECONDS = 30.0
BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0)
MAX_BACKOFF_SECONDS = 10.0

Log = Callable[[str, str], None]
"""`log(level, message)` with level "info", "warn" or "error"."""

OUTPUT_PROPS = ("status", "attempts", "refused_status", "summary")
DIFF_PROPS = (*SPEC_PROPS, "triggers")


class CheckFailed(Exception):
    """The function did not answer as expected; the message is safe to show (secrets redacted)."""


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange: a status and body, or `error` when there was no HTTP answer."""

    status: int | None
    body: str
    error: str = ""


@dataclass(frozen=True)
class CheckResult:
    """A passed check: the final status, attempts taken, the refused probe's status, a summary."""

    status: int | None
    attempts: int
    refused_status: int | None
    summary: str


# ---------------------------------------------------------------- redaction


def redactor(secret_values: Mapping[str, str]) -> Callable[[str], str]:
    """A function replacing every secret value (raw or URL-encoded) in a text by `[secret]`."""
    needles: set[str] = set()
    for value in secret_values.values():
        if value:
            needles.update({value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)})
    ordered = sorted(needles, key=len, reverse=True)

    def redact(text: str) -> str:
        for needle in ordered:
            text = text.replace(needle, REDACTED)
        return text

    return redact


def excerpt(body: str, redact: Callable[[str], str]) -> str:
    """The body, redacted, whitespace collapsed, cut to 200 characters (with `...`)."""
    flat = " ".join(redact(body).split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 3] + "..."


# ---------------------------------------------------------------- HTTP


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report 3xx as the answer: never replay the (secret) headers to another location."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def send(
    method: str,
    url: str,
    body: str,
    headers: Mapping[str, str],
    timeout: float,
    cluster: service_proxy.ClusterAccess | None = None,
) -> Answer:
    """Send one request; HTTP errors are answers, network errors are `error`.

    A `kubernetes-api://` URL goes through the API server's service proxy with `cluster`'s
    kubeconfig; any other with urllib.
    """
    data = body.encode("utf-8") if body or method in ("POST", "PUT", "PATCH") else None
    all_headers = dict(headers)
    if data is not None and not any(h.lower() == "content-type" for h in all_headers):
        all_headers["Content-Type"] = "text/plain"  # faas-cli invoke's default
    if service_proxy.is_proxy_url(url):
        try:
            proxied = service_proxy.send(
                cluster or service_proxy.ClusterAccess(), method, url, data or b"", all_headers, timeout
            )
        except service_proxy.ProxyError as exc:
            return Answer(None, "", str(exc))
        return Answer(proxied.status, _decode(proxied.body))
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, _decode(response.read(MAX_BODY_BYTES)))
    except urllib.error.HTTPError as exc:
        try:
            text = _decode(exc.read(MAX_BODY_BYTES))
        except OSError:
            text = ""
        return Answer(exc.code, text)
    except urllib.error.URLError as exc:
        return Answer(None, "", _network_error(exc.reason))
    except TimeoutError:
        return Answer(None, "", f"no answer within {timeout:g}s")
    except OSError as exc:
        return Answer(None, "", _network_error(exc))


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _network_error(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, socket.gaierror):
        return "host not found"
    return str(getattr(reason, "strerror", None) or reason)


def _describe(answer: Answer, redact: Callable[[str], str]) -> str:
    if answer.status is None:
        return f"no answer ({redact(answer.error)})"
    return f"HTTP {answer.status} with body {excerpt(answer.body, redact)!r}"


# ---------------------------------------------------------------- the check


def run_check(
    spec: CheckSpec,
    secret_values: Mapping[str, str],
    *,
    log: Log,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> CheckResult:
    """Probe until the answer matches or `spec.timeout_seconds` pass; raise `CheckFailed` if not.

    Retries with backoff (1, 2, 4, 8, then 10 s), logging each failed attempt; then, with
    `refused_probe`, sends the request once more without the secret headers and fails if that
    answer also matches. Every log line and message is redacted.
    """
    redact = redactor(secret_values)

    def say(level: str, message: str) -> None:
        log(level, redact(message))

    name = spec.function
    if not spec.enabled:
        say("info", f"{name}: check disabled")
        return CheckResult(None, 0, None, "disabled")
    missing = [s for s in spec.secret_names if s not in secret_values]
    if missing:
        raise CheckFailed(f"{name}: no value for secret(s) {', '.join(missing)} used in the check's headers")
    headers = dict(spec.headers)
    headers.update({h: secret_values[s] for h, s in spec.secret_headers.items()})
    started = clock()
    deadline = started + spec.timeout_seconds
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - clock()
        answer = send(spec.method, spec.url, spec.body, headers, _attempt_timeout(remaining), spec.cluster)
        if answer.status is not None and answer_matches(spec, answer.status, answer.body):
            break
        wait = min(_backoff(attempt), deadline - clock())
        if wait <= 0:
            raise CheckFailed(
                redact(
                    f"{name}: {spec.method} {spec.url} did not answer as expected within "
                    f"{spec.timeout_seconds:g}s ({_plural(attempt, 'attempt')}): expected "
                    f"{describe_expectation(spec)}, got {_describe(answer, redact)}"
                )
            )
        say("info", f"{name}: attempt {attempt}, {_short(answer, spec)}, retrying")
        sleep(wait)
    elapsed = clock() - started
    say("info", f"{name}: HTTP {answer.status} after {_plural(attempt, 'attempt')} ({elapsed:.1f}s)")
    refused_status: int | None = None
    summary = f"HTTP {answer.status} after {_plural(attempt, 'attempt')}"
    if spec.refused_probe:
        without = {h: v for h, v in spec.headers.items() if h not in spec.secret_headers}
        refused = send(
            spec.method, spec.url, spec.body, without, _attempt_timeout(deadline - clock()), spec.cluster
        )
        dropped = ", ".join(sorted(spec.secret_headers))
        if refused.status is not None and answer_matches(spec, refused.status, refused.body):
            raise CheckFailed(
                redact(
                    f"{name}: {spec.method} {spec.url} without header(s) {dropped} was not "
                    f"refused: expected an answer other than {describe_expectation(spec)}, "
                    f"got {_describe(refused, redact)}"
                )
            )
        refused_status = refused.status
        level = "warn" if refused.status is None or refused.status >= 500 else "info"
        got = _describe(refused, redact)
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
    return max(1.0, min(remaining, MAX_ATTEMPT_SECONDS))


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
        spec = spec_from_props(props)
        return pulumi.dynamic.CreateResult(id_=spec.function, outs=_run(spec, props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        """Run the check again with the new inputs."""
        return pulumi.dynamic.UpdateResult(outs=_run(spec_from_props(news), news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo."""


def _run(spec: CheckSpec, props: Mapping[str, Any]) -> dict[str, Any]:
    raw = props.get("secret_values") or {}
    secrets = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
    try:
        result = run_check(spec, secrets, log=pulumi_log)
    except CheckFailed as failed:
        # The engine shows the exception at the end of a traceback; repeat it as one clean line.
        pulumi_log("error", str(failed))
        raise
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
    the check (image, settings, the keyed `checksum.secret_checksum` of its secrets), e.g. from
    `checks.trigger_digest`; never a bare hash of a secret value.
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
        missing = [s for s in spec.secret_names if s not in args.secret_values]
        if missing:
            raise ValueError(
                f"InvokeCheck {name}: the check of {spec.function!r} uses secret(s) "
                f"{', '.join(missing)} in its headers; pass their values in secret_values"
            )
        props: dict[str, Any] = {
            **spec_to_props(spec),
            "secret_values": {s: pulumi.Output.secret(args.secret_values[s]) for s in spec.secret_names},
            "triggers": args.triggers,
            **{k: None for k in OUTPUT_PROPS},
        }
        super().__init__(InvokeCheckProvider(), name, props, opts)
