"""The probe loop: call a function until it answers as its `CheckSpec` expects or time runs out,
with every secret value redacted from what it says (`run_check`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from components.check.answer import answer_matches, body_matches, describe_expectation, status_matches
from components.check.spec import CREDENTIALS, CheckSpec, header_value_problem
from components.check.transport import Answer, HttpRequest, Transport, send, transport_for
from components.shared.redaction import excerpt, redactor
from components.shared.urls import basic_auth

MAX_ATTEMPT_SECONDS = 30.0


MIN_ATTEMPT_SECONDS = 1.0


BACKOFF_SECONDS = (1.0, 2.0, 4.0, 8.0)


MAX_BACKOFF_SECONDS = 10.0


Log = Callable[[str, str], None]
"""`log(level, message)` with level "info", "warn" or "error"."""


class CheckFailed(Exception):
    """The function did not answer as expected; the message is safe to show (secrets redacted)."""


@dataclass(frozen=True)
class CheckResult:
    """A passed check: the final status, attempts taken, the refused probe's status, a summary."""

    status: int | None
    attempts: int
    refused_status: int | None
    summary: str


def _describe(answer: Answer, redact: Callable[[str], str], secrets: Iterable[str]) -> str:
    if answer.status is None:
        return f"no answer ({redact(answer.error)})"
    return f"HTTP {answer.status} with body {excerpt(answer.body, redact, secrets)!r}"


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
